"""Health and metrics (issue 15): /healthz answers, /readyz says 503 until the page
cache is warm and 200 after the home page rendered, /metrics is valid Prometheus text
(every sample has a declared TYPE, names and label values well formed) whose counters
move with the requests that should move them, and a peer outside metrics_allow gets the
404 of any unknown path. log_format = json writes one JSON object per line."""
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, check, done  # noqa: E402
from test_admin import Client  # noqa: E402

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\[\\"n]|[^"\\\n])*)"\s*(,|$)')
SUFFIXES = ("_bucket", "_sum", "_count")


def parse(text):
    """A small parser of the text format 0.0.4: returns {(name, labels tuple): value}
    and checks the rules a scraper relies on. Fails a check per bad line."""
    types, samples = {}, {}
    for n, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            check(len(parts) == 4 and NAME.match(parts[2]) and
                  parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"),
                  f"line {n}: bad TYPE line {line!r}")
            check(parts[2] not in types, f"line {n}: second TYPE for {parts[2]}")
            types[parts[2]] = parts[3]
            continue
        if line.startswith("#"):
            check(line.startswith("# HELP "), f"line {n}: unknown comment {line!r}")
            continue
        m = re.match(r"([^{ ]+)(\{(.*)\})? (\S+)$", line)
        check(m is not None, f"line {n}: not a sample {line!r}")
        if not m:
            continue
        name, labels_text, value = m.group(1), m.group(3) or "", m.group(4)
        check(NAME.match(name) is not None, f"line {n}: bad metric name {name!r}")
        labels = []
        rest = labels_text
        while rest:
            lm = LABEL.match(rest)
            check(lm is not None, f"line {n}: bad labels {labels_text!r}")
            if not lm:
                break
            labels.append((lm.group(1), lm.group(2)))
            rest = rest[lm.end():]
        base = name
        for s in SUFFIXES:
            if name.endswith(s) and name[: -len(s)] in types:
                base = name[: -len(s)]
        check(base in types, f"line {n}: sample {name} has no TYPE before it")
        if types.get(base) == "counter":
            check(name.endswith("_total"), f"line {n}: counter {name} does not end in _total")
        try:
            v = float(value)
        except ValueError:
            check(False, f"line {n}: bad value {value!r}")
            continue
        samples[(name, tuple(sorted(labels)))] = v
    return samples


def val(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(srv):
    st, h, body = srv.get("/metrics")
    check(st == 200, f"/metrics from loopback: {st}")
    check(h.get("content-type", "").startswith("text/plain; version=0.0.4"),
          f"/metrics content type: {h.get('content-type')}")
    check(h.get("cache-control") == "no-store", "/metrics is never cached")
    return parse(body.decode())


def main_server():
    srv = Server(demo=True, extra_args=[
        "--log-format", "json", "--access-log", "on",
        # a forwarded client (loopback is a trusted proxy) is limited; loopback is not
        "--requests-per-ip-per-second", "1", "--request-burst", "2"])
    srv.start()  # no GET: the page cache is still cold
    try:
        st, h, body = srv.get("/healthz")
        check(st == 200 and body == b"ok\n", f"/healthz: {st} {body!r}")
        check(h.get("cache-control") == "no-store", "/healthz: no-store")
        st, h, body = srv.get("/readyz")
        check(st == 503 and b"cold" in body, f"/readyz before any page: {st} {body!r}")
        check(h.get("cache-control") == "no-store", "/readyz: no-store")
        check(h.get("content-type", "").startswith("text/plain"), "/readyz: plain text")
        st, _, _ = srv.get("/")
        check(st == 200, f"home page: {st}")
        st, _, body = srv.get("/readyz")
        check(st == 200, f"/readyz after the home page: {st} {body!r}")
        st, _, _ = srv.get("/readyz", method="POST", body=b"")
        check(st in (404, 405), f"POST /readyz is not the probe: {st}")

        before = scrape(srv)
        names = {k[0] for k in before}
        for want in ("visnyk_http_requests_total", "visnyk_http_request_duration_seconds_bucket",
                     "visnyk_page_cache_hits_total", "visnyk_page_cache_misses_total",
                     "visnyk_page_cache_evictions_total", "visnyk_page_cache_bytes",
                     "visnyk_page_cache_pages", "visnyk_render_seconds_count",
                     "visnyk_db_errors_total", "visnyk_http_connections_open",
                     "visnyk_http_rate_limited_total", "visnyk_http_busy_total",
                     "visnyk_mail_outbox_depth", "visnyk_mail_outbox_oldest_age_seconds",
                     "visnyk_mail_messages_total", "visnyk_scheduler_lag_seconds",
                     "visnyk_search_seconds_bucket", "visnyk_login_failures_total",
                     "visnyk_database_seconds_bucket",
                     "visnyk_database_up"):
            check(want in names, f"/metrics has {want}")
        check(val(before, "visnyk_page_cache_pages") >= 1, "the home page is cached")
        check(val(before, "visnyk_http_connections_open") >= 1, "a connection is open (ours)")
        check(val(before, "visnyk_database_up") == 1, "database up")
        inf = val(before, "visnyk_http_request_duration_seconds_bucket", **{"class": "page",
                                                                           "le": "+Inf"})
        cnt = val(before, "visnyk_http_request_duration_seconds_count", **{"class": "page"})
        check(inf == cnt and cnt >= 1, f"page latency: +Inf bucket {inf} == count {cnt}")

        srv.get("/news")
        srv.get("/news")  # the second is a hit
        srv.get("/no-such-page")
        srv.get("/search?q=%D0%BF%D0%BE%D0%BB%D1%82%D0%B0%D0%B2%D0%B0")
        xff = ("GET /tags HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n" * 4 +
               "GET /tags HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7\r\n"
               "Connection: close\r\n\r\n").encode()
        out = srv.raw(xff, timeout=20)
        check(b" 429 " in out, "a forwarded client over its rate gets 429")
        c = Client(srv)
        st, _, _ = c.login("nobody-here", "wrong password")
        check(st == 401, f"login with a wrong password: {st}")

        after = scrape(srv)
        d = lambda name, **l: val(after, name, **l) - val(before, name, **l)  # noqa: E731
        check(d("visnyk_page_cache_hits_total") >= 1, "a page hit counts a hit")
        check(d("visnyk_page_cache_misses_total") >= 1, "a first view counts a miss")
        check(d("visnyk_http_requests_total", **{"class": "page", "status": "4xx"}) >= 1,
              "a 404 counts as 4xx of class page")
        check(d("visnyk_http_requests_total", **{"class": "search", "status": "2xx"}) >= 1,
              "a search counts as 2xx of class search")
        check(d("visnyk_search_seconds_count") >= 1, "the search latency histogram moves")
        check(d("visnyk_database_seconds_count") >= 2,
              "database time counts the statements of the uncached pages")
        check(d("visnyk_render_seconds_count") >= 2, "render time counts the misses")
        check(d("visnyk_http_rate_limited_total") >= 1, "a 429 counts as a refusal")
        check(d("visnyk_login_failures_total") == 1, "a failed login counts once")
        check(d("visnyk_http_requests_total", **{"class": "admin", "status": "4xx"}) >= 1,
              "the failed login's 401 counts as admin 4xx")
        st, _, _ = srv.get("/healthz")
        st2, _, _ = srv.get("/metrics", headers={"X-Forwarded-For": "198.51.100.1"})
        check(st2 == 200, "/metrics checks the socket peer, not X-Forwarded-For")
    finally:
        rc = srv.stop()
        log = srv.read_log()
        check(rc in (0, None), f"server exits cleanly (rc={rc})")
        check("runtime error" not in log and "Sanitizer" not in log, "no sanitizer report")
        # sanitizer builds let the confined media worker (its own process, which writes
        # libvips' and its own warnings as text) keep stderr for ASan reports; release
        # builds send it to /dev/null. Those lines are not the server's.
        worker = ("VIPS-", "Vips", "libvips", "(process:")
        lines = [ln for ln in log.split("\n")
                 if ln.strip() and not any(w in ln for w in worker)]
        check(len(lines) > 5, f"json log has lines ({len(lines)})")
        bad, with_req, login_req = 0, 0, None
        for ln in lines:
            try:
                o = json.loads(ln)
                if not all(k in o for k in ("time", "level", "msg")):
                    bad += 1
                if "req" in o:
                    with_req += 1
                    if str(o.get("msg", "")).startswith("POST /admin/login 401"):
                        login_req = o["req"]
            except ValueError:
                bad += 1
                print(f"not JSON: {ln!r}", file=sys.stderr)
        check(bad == 0, f"every log line is a JSON object with time, level, msg ({bad} bad)")
        check(with_req >= 5, f"access lines carry the request id ({with_req})")
        # the failed login's audit entry names the request its access line names
        with sqlite3.connect(srv.db) as db:
            rows = db.execute("SELECT request_id FROM audit_log WHERE action = 'login.failed'"
                              ).fetchall()
        check(login_req is not None and rows == [(int(login_req),)],
              f"the audit entry carries the request id of the access line ({rows} vs {login_req})")
        srv.cleanup()


def not_allowed():
    """metrics_allow = 10.0.0.1: loopback gets the site's 404, as for any unknown path."""
    srv = Server(demo=True, extra_args=["--metrics-allow", "10.0.0.1"])
    srv.start()
    try:
        st, h, body = srv.get("/metrics")
        st404, _, body404 = srv.get("/metrics-nothing-here")
        check(st == 404, f"/metrics from a peer not allowed: {st}")
        check(b"visnyk_" not in body, "nothing of the metrics leaks")
        check(h.get("content-type", "").startswith("text/html"), "the site's own 404 page")
        st, _, _ = srv.get("/healthz")
        check(st == 200, "/healthz answers everyone")
    finally:
        rc = srv.stop()
        check(rc in (0, None), f"server exits cleanly (rc={rc})")
        check("runtime error" not in srv.read_log(), "no sanitizer report")
        srv.cleanup()


main_server()
not_allowed()
done()
