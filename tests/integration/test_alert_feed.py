"""The automatic air-raid banner (issue 14): a small HTTP server on loopback stands in
for the alert feed (alerts.in.ua's format) and for the CDN's purge API, and the real
server polls it every second. Alert on → «Повітряна тривога» with the shelter message on
the home page, an article and /news within the interval; all-clear → «Відбій тривоги»,
removed after alert_all_clear_for; the feed answering 500, hanging or sending bad JSON
keeps the last state, then nothing after alert_stale_after; each change invalidates the
cached pages and purges "banner" at the CDN, a poll that changes nothing invalidates
nothing; the editors' banner wins and the automatic one returns when it is cleared; the
API key reaches the feed and never the log nor the workspace; the workspace shows the
feed's health and /metrics its gauges. http:// is accepted for loopback hosts only
(config), which is how this test reaches its feed."""
import http.server
import json
import os
import re
import sys
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, check, done, free_port  # noqa: E402
from test_admin import Client, add_user  # noqa: E402

KEY = "alertkey-7f3c9e1d5b"
REGION = "Полтавська область"
FOLLOWED = "полтавська  Область"  # as configured: the feed's case and spacing differ
ALERT = "Повітряна тривога"
SHELTER = "Прямуйте до найближчого укриття."
CLEAR = "Відбій тривоги"
INTERVAL, STALE, ALL_CLEAR = 1, 4, 4


class Feed:
    """The alert feed and the CDN purge API on one loopback port. mode: none, alert,
    other (an alert elsewhere and an artillery warning here), 500, hang, badjson."""

    def __init__(self, port):
        self.mode = "none"
        self.requests = []  # (path, headers) of each GET
        self.purged = []    # surrogate keys POSTed to /_purge
        feed = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                feed.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                mode = feed.mode
                if mode == "hang":
                    time.sleep(5)
                    return
                if mode == "500":
                    self.answer(500, b'{"message":"internal"}')
                    return
                if mode == "badjson":
                    self.answer(200, b'{"alerts":[{"location_title":')
                    return
                alerts = []
                if mode == "alert":
                    alerts = [{"id": 7, "location_title": REGION, "location_type": "oblast",
                               "alert_type": "air_raid", "location_oblast": REGION}]
                elif mode == "other":
                    alerts = [{"location_title": "Харківська область", "alert_type": "air_raid"},
                              {"location_title": REGION, "alert_type": "artillery_shelling"}]
                self.answer(200, json.dumps({"alerts": alerts, "meta": {}}).encode())

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(n)
                feed.purged += self.headers.get("Surrogate-Key", "").split()
                self.answer(200, b'{"success":true}')

            def answer(self, status, body):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the poller gave up on a slow answer

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for(cond, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def page(srv, path):
    st, _, body = srv.get(path)
    return body.decode("utf-8", "replace") if st == 200 else f"status {st}"


def banner_of(html):
    """The text of the page's banner, or None."""
    m = re.search(r'<div class="banner banner-(\w+)" role="(\w+)"><p class="wrap">(.*?)</p></div>',
                  html, re.S)
    if not m:
        return None
    return m.group(1), m.group(2), re.sub(r"<[^>]+>", "", m.group(3))


def metric(srv, name):
    st, _, body = srv.get("/metrics")
    m = re.search(rf"^{name} (\S+)$", body.decode(), re.M)
    return float(m.group(1)) if m else None


def check_refused_without_region():
    srv = Server(demo=False, env={"VISNYK_ALERT_FEED_URL": "http://127.0.0.1:9/feed"})
    try:
        p = srv.run_cli("serve", "--db", srv.db, "--listen", f"127.0.0.1:{srv.port}")
        check(p.returncode == 1 and "alert_region" in p.stderr,
              f"a feed without a region is refused at start: {p.returncode} {p.stderr}")
        srv.env["VISNYK_ALERT_FEED_URL"] = "http://alerts.example/feed"
        p = srv.run_cli("serve", "--db", srv.db, "--listen", f"127.0.0.1:{srv.port}")
        check(p.returncode != 0 and "alert_feed_url" in p.stderr,
              f"a plain-http feed off loopback is refused: {p.returncode} {p.stderr}")
    finally:
        srv.cleanup()


def main():
    check_refused_without_region()
    port = free_port()
    feed = Feed(port)
    srv = Server(env={
        "VISNYK_ALERT_FEED_URL": f"http://127.0.0.1:{port}/v1/alerts/active.json",
        "VISNYK_ALERT_FEED_KEY": KEY,
        "VISNYK_ALERT_REGION": FOLLOWED,
        "VISNYK_ALERT_POLL_INTERVAL": str(INTERVAL),
        "VISNYK_ALERT_STALE_AFTER": str(STALE),
        "VISNYK_ALERT_ALL_CLEAR_FOR": str(ALL_CLEAR),
        "VISNYK_PURGE_URL": f"http://127.0.0.1:{port}/_purge",
    })
    add_user(srv, "redaktor", "editor")
    try:
        with srv:
            log = run(srv, feed)
    finally:
        feed.stop()
    check(KEY not in log, "the API key never reaches the server's log")
    check("alert feed: banner for" in log and "does not answer usably" in log,
          "the log tells the changes and the feed's failures")
    done()


def run(srv, feed):
    # the key went to the feed, as a bearer token, on the configured path
    check(wait_for(lambda: len(feed.requests) > 0, 10), "the server polls the feed")
    path, headers = feed.requests[0]
    check(path == "/v1/alerts/active.json", f"the configured path is polled: {path}")
    check(headers.get("authorization") == f"Bearer {KEY}", "the API key is sent as a bearer token")

    st, _, body = srv.get("/news")
    article = re.search(r'href="(/news/[a-z0-9-]+)"', body.decode()).group(1)
    paths = ["/", article, "/news"]
    # quiet feed: no banner, and the pages are cached
    time.sleep(INTERVAL * 1.5)
    for p in paths:
        check(banner_of(page(srv, p)) is None, f"no banner on {p} while the feed is quiet")
        page(srv, p)

    # an alert elsewhere, or an artillery warning here, is not an air-raid alert here
    feed.mode = "other"
    time.sleep(INTERVAL * 2.5)
    check(banner_of(page(srv, "/")) is None, "no banner for another region or alert type")
    check("banner" not in feed.purged, "a poll that changes nothing purges nothing")

    # alert on: on every page within the interval (plus the purge's and a poll's slack)
    feed.mode = "alert"
    t0 = time.time()
    check(wait_for(lambda: banner_of(page(srv, "/")) is not None, INTERVAL * 3 + 2),
          "the alert banner appears")
    took = time.time() - t0
    print(f"alert on the home page after {took:.2f} s (interval {INTERVAL} s)")
    check(took <= INTERVAL * 2 + 1, f"the alert appears within the polling interval ({took:.2f} s)")
    for p in paths:
        html = page(srv, p)
        b = banner_of(html)
        check(b is not None and b[0] == "danger" and b[1] == "alert" and ALERT in b[2] and
              SHELTER in b[2], f"«{ALERT}» with the shelter message on {p}: {b}")
    check(wait_for(lambda: feed.purged.count("banner") == 1, 5),
          f"the change purged 'banner' at the CDN: {feed.purged}")

    # steady alert: neither the page cache nor the CDN is touched
    page(srv, "/")
    misses = metric(srv, "visnyk_page_cache_misses_total")
    time.sleep(INTERVAL * 3.5)
    for _ in range(3):
        check(ALERT in page(srv, "/"), "the alert stays while the feed says so")
    check(metric(srv, "visnyk_page_cache_misses_total") == misses,
          "an unchanged alert leaves the cached pages alone")
    check(feed.purged.count("banner") == 1, f"an unchanged alert purges nothing: {feed.purged}")
    check(metric(srv, "visnyk_alert_banner") == 1, "/metrics: visnyk_alert_banner 1 during the alert")

    # the editors' banner wins; the automatic one returns when it is cleared
    editor = Client(srv)
    editor.login("redaktor")
    csrf = editor.csrf("/admin/banner")
    st, _, admin = editor.get("/admin/banner")
    check("зараз показано автоматичний: «Повітряна тривога»" in admin and
          "Банер не показано" not in admin,
          "the workspace says the automatic alert is shown, not that no banner is")
    st, _, _ = editor.post("/admin/banner", {"csrf": csrf, "level": "info",
                                             "text": "Зміна графіка прийому громадян"})
    check(st == 303, "the editor sets a banner")
    b = banner_of(page(srv, "/"))
    check(b is not None and "Зміна графіка" in b[2] and ALERT not in b[2],
          f"the editors' banner wins over the alert: {b}")
    st, _, admin = editor.get("/admin/banner")
    check("Банер, заданий вручну, показано замість автоматичного" in admin,
          "the workspace says the automatic banner is hidden by the manual one")
    st, _, _ = editor.post("/admin/banner/clear", {"csrf": csrf})
    check(st == 303, "the editor clears the banner")
    b = banner_of(page(srv, "/"))
    check(b is not None and ALERT in b[2], f"the alert returns when the manual banner goes: {b}")

    # all clear: «Відбій тривоги», then nothing after alert_all_clear_for
    feed.mode = "none"
    t0 = time.time()
    check(wait_for(lambda: CLEAR in page(srv, "/"), INTERVAL * 3 + 2), "«Відбій тривоги» appears")
    b = banner_of(page(srv, article))
    check(b is not None and b[0] == "allclear" and b[1] == "status" and CLEAR in b[2] and
          ALERT not in b[2], f"the all-clear replaces the alert on an article: {b}")
    check(wait_for(lambda: banner_of(page(srv, "/")) is None, ALL_CLEAR + INTERVAL * 3 + 2),
          "the all-clear is removed")
    took = time.time() - t0
    print(f"all-clear shown for about {took:.2f} s (alert_all_clear_for {ALL_CLEAR} s)")
    check(took >= ALL_CLEAR - 0.5, f"the all-clear stayed its time ({took:.2f} s)")
    # (the manual set and clear may share one purge: the queue keeps a waiting key once)
    check(wait_for(lambda: feed.purged.count("banner") >= 4, 5),
          f"the all-clear and its end each purged 'banner': {feed.purged}")

    # a feed that stops answering: the last state for alert_stale_after, then nothing
    for mode in ("500", "hang", "badjson"):
        feed.mode = "alert"
        check(wait_for(lambda: ALERT in page(srv, "/"), INTERVAL * 3 + 2), f"alert on before {mode}")
        feed.mode = mode
        t0 = time.time()
        time.sleep(INTERVAL * 1.5)
        check(ALERT in page(srv, "/"), f"feed {mode}: the alert is kept for a while")
        check(wait_for(lambda: banner_of(page(srv, "/")) is None, STALE + INTERVAL * 3 + 2),
              f"feed {mode}: no stale alarm after alert_stale_after")
        took = time.time() - t0
        print(f"feed {mode}: alert kept for about {took:.2f} s (alert_stale_after {STALE} s)")
        check(took >= STALE - 1, f"feed {mode}: the alert was kept its time ({took:.2f} s)")
        if mode == "500":
            st, _, admin = editor.get("/admin/banner")
            check("http 500" in admin, "the workspace shows the last error")
            check(KEY not in admin, "the workspace never shows the key")

    # the health on the workspace's banner page (the feed answers again)
    feed.mode = "none"
    time.sleep(INTERVAL * 2.5)
    st, _, admin = editor.get("/admin/banner")
    check(st == 200 and "Автоматична тривога" in admin, "the banner page has the feed's health")
    check(f"<dd>{FOLLOWED}</dd>" in admin, "the region is shown")
    check(f"127.0.0.1:{feed.httpd.server_port}/v1/alerts/active.json" in admin, "the feed is shown")
    check("тривоги немає" in admin, "the current automatic state is shown")
    now = datetime.now(ZoneInfo("Europe/Kyiv"))
    stamps = {(now - timedelta(minutes=d)).strftime("%H:%M") for d in (0, 1)}
    m = re.search(r'id="feed-last-ok">(\d\d \S+ \d{4}, (\d\d:\d\d))<', admin)
    check(m is not None and m.group(2) in stamps,
          f"the last good poll in Kyiv time: {m.group(1) if m else None}")
    m = re.search(r'id="feed-last-error">([^<]*)<', admin)
    check(m is not None and m.group(1) == "немає", "no error once the feed answers again")
    check(KEY not in admin, "the workspace never shows the key")
    errors = metric(srv, "visnyk_alert_feed_errors_total")
    check(errors is not None and errors >= 6, f"/metrics counts the feed's errors: {errors}")
    check(metric(srv, "visnyk_alert_banner") == 0, "/metrics: visnyk_alert_banner 0")
    st, _, body = srv.get("/metrics")
    for name, kind in (("visnyk_alert_banner", "gauge"), ("visnyk_alert_feed_polls_total", "counter"),
                       ("visnyk_alert_feed_errors_total", "counter"),
                       ("visnyk_alert_feed_last_success_timestamp_seconds", "gauge")):
        check(f"# TYPE {name} {kind}\n".encode() in body and f"\n{name} ".encode() in body,
              f"/metrics declares and gives {name} as a {kind}")
    last = metric(srv, "visnyk_alert_feed_last_success_timestamp_seconds")
    check(last is not None and abs(last - time.time()) < 10, f"the last success is recent: {last}")
    check(all(h.get("authorization") == f"Bearer {KEY}" for _, h in feed.requests),
          "every poll carries the key")

    # SIGTERM while a poll hangs: the server stops at once and cleanly (checked on exit)
    feed.mode = "hang"
    time.sleep(INTERVAL * 1.5)
    t0 = time.time()
    rc = srv.stop()
    check(rc == 0, f"SIGTERM during a hanging poll exits cleanly (rc={rc})")
    check(time.time() - t0 < 5, f"and promptly ({time.time() - t0:.2f} s)")
    return srv.read_log()


if __name__ == "__main__":
    main()
