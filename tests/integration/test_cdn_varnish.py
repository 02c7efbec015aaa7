"""visnyk behind a CDN: Debian's Varnish with docs/varnish/visnyk.vcl (vmod xkey) in front
of a real `visnyk serve` whose purge_url points at it. Pages fetched through Varnish are
cache hits the second time; one edit in the workspace purges exactly the pages whose
surrogate keys it invalidated (the article, the home page, /news, its tag pages), which
come back fresh at once, while pages that share no key stay hits. A soft-purged page is
still served while visnyk is down. And the purge queue is durable: with nobody listening
at purge_url an edit's keys wait in the database, backing off, and reach a sink started
later (keys, JSON body and the auth header), also across a restart of visnyk."""
import html.parser
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

from harness import SOURCE, Server, check, done, free_port
from test_admin import Client, add_user

TOKEN = "Bearer s3cret-purge-token"
SEED_SLUG = "na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"


class Varnish:
    """varnishd in the foreground on a free loopback port, with the documented VCL
    pointed at the visnyk under test, in a temporary working folder."""

    def __init__(self, backend_port):
        self.dir = tempfile.mkdtemp(prefix="visnyk-varnish-")
        self.port = free_port()
        with open(os.path.join(SOURCE, "docs", "varnish", "visnyk.vcl")) as f:
            vcl = f.read()
        check('.port = "8080";' in vcl, "the VCL names the backend port to change")
        self.vcl = os.path.join(self.dir, "visnyk.vcl")
        with open(self.vcl, "w") as f:
            f.write(vcl.replace('.port = "8080";', f'.port = "{backend_port}";'))
        self.proc = None

    def start(self):
        # -j none: as root, the default jail would drop to a user that cannot write the
        # temporary folder; -F keeps it in the foreground so the test owns the process
        args = ["varnishd", "-F", "-j", "none", "-n", os.path.join(self.dir, "work"),
                "-a", f"127.0.0.1:{self.port}", "-f", self.vcl, "-s", "malloc,64m",
                "-p", "thread_pools=1", "-p", "thread_pool_min=5"]
        self.log = open(os.path.join(self.dir, "varnish.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"varnishd exited: {self.read_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("varnishd did not start")

    def read_log(self):
        with open(os.path.join(self.dir, "varnish.log")) as f:
            return f.read()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def get(self, path, headers=None, method="GET"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()


def is_hit(h):
    # a hit names two transactions in X-Varnish (this one and the one that stored it)
    return h.get("x-cache") == "HIT" and len(h.get("x-varnish", "").split()) == 2


class FormReader(html.parser.HTMLParser):
    """The fields of the article form as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.fields, self._textarea, self._in_form = [], None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "article-form":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "file"):
                return
            self.fields.append([a["name"], a.get("value", "")])
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
            self.fields.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        if tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def edit_title(client, aid, new_title):
    st, _, body = client.get(f"/admin/articles/{aid}")
    form = FormReader()
    form.feed(body)
    fields = [(k, new_title if k == "title" else v) for k, v in form.fields]
    fields.append(("action", "save"))
    return client.post(f"/admin/articles/{aid}", fields)


def invalidated_keys(db, aid):
    """What the workspace invalidates for a saved article (admin__article_invalidate)."""
    con = sqlite3.connect(db)
    try:
        tags = [r[0] for r in con.execute("SELECT tag_id FROM article_tags WHERE article_id = ?", (aid,))]
        depts = [r[0] for r in con.execute(
            "SELECT department_id FROM article_departments WHERE article_id = ?", (aid,))]
        other_tag = con.execute(
            "SELECT t.slug FROM tags t WHERE t.id NOT IN (SELECT tag_id FROM article_tags WHERE "
            "article_id = ?) AND EXISTS (SELECT 1 FROM article_tags l WHERE l.tag_id = t.id AND "
            "l.visible = 1) ORDER BY t.id LIMIT 1", (aid,)).fetchone()[0]
        other_dept = con.execute(
            "SELECT d.slug FROM departments d WHERE d.id NOT IN (SELECT department_id FROM "
            "article_departments WHERE article_id = ?) AND EXISTS (SELECT 1 FROM "
            "article_departments l WHERE l.department_id = d.id AND l.visible = 1) "
            "ORDER BY d.id LIMIT 1", (aid,)).fetchone()[0]
        tag_slugs = [r[0] for r in con.execute(
            "SELECT t.slug FROM tags t JOIN article_tags l ON l.tag_id = t.id "
            "WHERE l.article_id = ?", (aid,))]
        other = con.execute("SELECT slug FROM articles WHERE id <> ? AND status = 'published' "
                            "ORDER BY id DESC LIMIT 1", (aid,)).fetchone()[0]
    finally:
        con.close()
    keys = {f"article:{aid}", "list:news", "archive"}
    keys |= {f"tag:{t}" for t in tags} | {f"dept:{d}" for d in depts}
    return keys, tag_slugs, other_tag, other_dept, other


def check_varnish():
    srv = Server()
    varnish = Varnish(srv.port)
    srv.env["VISNYK_PURGE_URL"] = f"http://127.0.0.1:{varnish.port}/_purge"
    add_user(srv, "redaktor", "editor")
    con = sqlite3.connect(srv.db)
    aid = con.execute("SELECT id FROM articles WHERE slug = ?", (SEED_SLUG,)).fetchone()[0]
    con.close()
    keys, tag_slugs, other_tag, other_dept, other_slug = invalidated_keys(srv.db, aid)
    pages = {"seed article": f"/news/{SEED_SLUG}", "home": "/", "news": "/news",
             "other article": f"/news/{other_slug}", "unrelated tag": f"/tags/{other_tag}",
             "unrelated department": f"/departments/{other_dept}"}
    for s in tag_slugs:
        pages[f"tag {s}"] = f"/tags/{s}"
    try:
        varnish.start()
        with srv:
            # the keys each page carries, straight from visnyk (Varnish keeps them to itself)
            page_keys = {}
            for name, path in pages.items():
                st, h, _ = srv.get(path)
                check(st == 200 and "site" in h.get("surrogate-key", "").split(),
                      f"{name}: 200 with surrogate keys from visnyk ({st})")
                page_keys[name] = set(h.get("surrogate-key", "").split())
            # through Varnish: stored on the first fetch, a hit on the second
            first = {}
            for name, path in pages.items():
                st, h, _ = varnish.get(path)
                check(st == 200, f"{name} through varnish ({st})")
                st, h, _ = varnish.get(path)
                check(st == 200 and is_hit(h), f"{name}: second fetch is a cache hit ({h.get('x-cache')}, "
                      f"X-Varnish {h.get('x-varnish')})")
                check("surrogate-key" not in h and "xkey" not in h, f"{name}: keys not shown to readers")
                first[name] = h.get("x-varnish", "").split()[-1:]
            # private answers are never stored: the workspace, and a reader with a session
            st, h, _ = varnish.get("/admin/login")
            st, h, _ = varnish.get("/admin/login")
            check(not is_hit(h), "the workspace is not cached")
            st, h, _ = varnish.get("/news", headers={"Cookie": "visnyk_session=abc"})
            check(not is_hit(h), "a request with the session cookie passes")
            # the purge endpoint: only the ACL may purge, and it needs keys
            st, _, body = varnish.get("/_purge", method="POST")
            check(st == 400, f"a purge without Surrogate-Key is refused ({st})")

            # one edit, through the workspace
            editor = Client(srv)
            editor.login("redaktor")
            new_title = "Оновлено для CDN: проєкти з консультативною місією ЄС"
            t0 = time.time()
            st, h, _ = edit_title(editor, aid, new_title)
            check(st == 303 and "m=saved" in h.get("location", ""), f"article saved ({st}, {h.get('location')})")
            fresh = False
            while time.time() - t0 < 10 and not fresh:
                st, h, body = varnish.get(pages["seed article"])
                fresh = new_title.encode() in body
                if not fresh:
                    time.sleep(0.2)
            check(fresh, "the edited article is fresh through Varnish within seconds")
            print(f"purge reached Varnish {time.time() - t0:.2f} s after the save")
            for name, path in pages.items():
                if name == "seed article":
                    continue
                st, h, body = varnish.get(path)
                purged = bool(page_keys[name] & keys)
                print(f"  {name}: {'purged' if purged else 'kept'} ({h.get('x-cache')})")
                if purged:
                    check(not is_hit(h), f"{name}: purged by the edit (shared keys "
                          f"{sorted(page_keys[name] & keys)[:4]}), fetched fresh ({h.get('x-cache')})")
                    if name.startswith("tag ") or (f"article:{aid}" in page_keys[name]):
                        check(new_title.encode() in body, f"{name}: shows the new title")
                else:
                    check(is_hit(h) and h.get("x-varnish", "").split()[-1:] == first[name],
                          f"{name}: shares no key with the edit, still the same cache hit "
                          f"({h.get('x-cache')}, X-Varnish {h.get('x-varnish')})")
            for name in ("home", "news") + tuple(f"tag {s}" for s in tag_slugs):
                check(page_keys[name] & keys, f"{name} carries a key the edit invalidates")
            for name in ("unrelated tag", "unrelated department"):
                check(not page_keys[name] & keys, f"{name} shares no key with the edit")
            log = srv.read_log()
            check("cdn purge:" in log and "purged" in log, "visnyk logged the purge")

            # soft purge: while visnyk is down, a purged page is still served (stale)
            st, h, _ = varnish.get(pages["unrelated tag"])
            check(is_hit(h), "unrelated tag page cached before visnyk stops")
            srv.stop()
            time.sleep(7)  # the probe (every 2 s, 2 of 3 failing) finds the origin down
            conn = http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=10)
            conn.request("POST", "/_purge", headers={"Surrogate-Key": f"tag:0 site"})
            r = conn.getresponse()
            body = r.read()
            conn.close()
            check(r.status == 200 and json.loads(body).get("purged", 0) >= 1,
                  f"varnish answers a purge with the count ({r.status} {body[:60]!r})")
            st, h, body = varnish.get(pages["unrelated tag"])
            check(st == 200 and len(body) > 1000,
                  f"soft-purged page still served while visnyk is down ({st})")
            srv.start()
    finally:
        varnish.stop()


class Sink:
    """A CDN purge API stand-in: records each POST and answers 200."""

    def __init__(self, port):
        self.requests = []
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                sink.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                out = b'{"success":true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def keys(self):
        out = []
        for _, h, _ in self.requests:
            out += h.get("surrogate-key", "").split()
        return out


def queued(db):
    con = sqlite3.connect(db)
    try:
        return {k: (a, e) for k, a, e in con.execute("SELECT key, attempts, last_error FROM cdn_purge")}
    finally:
        con.close()


def wait_for(cond, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def check_durable_queue():
    port = free_port()  # nobody listens here yet: the CDN is down
    # the page cache off: the CDN still caches, so the hook must still run
    srv = Server(demo=False, extra_args=["--no-page-cache"],
                 env={"VISNYK_PURGE_URL": f"http://127.0.0.1:{port}/client/v4/zones/z/purge_cache",
                      "VISNYK_PURGE_AUTH": f"Authorization: {TOKEN}"})
    add_user(srv, "redaktor", "editor")
    with srv:
        editor = Client(srv)
        editor.login("redaktor")
        csrf = editor.csrf()
        st, _, _ = editor.post("/admin/banner", {"csrf": csrf, "level": "info",
                                                 "text": "Перевірка черги очищення", "link": ""})
        check(st == 303, f"banner set ({st})")
        check(wait_for(lambda: queued(srv.db).get("banner", (0,))[0] >= 2, 10),
              f"the purge waits in the queue, retried with backoff: {queued(srv.db)}")
        q = queued(srv.db)
        check("banner" in q and q["banner"][1] != "", f"the queue keeps the last error: {q}")
        # coalescing: the same key again does not add a row
        st, _, _ = editor.post("/admin/banner/clear", {"csrf": csrf})
        check(list(queued(srv.db)).count("banner") == 1, "a waiting key is not queued twice")
        sink = Sink(port)
        try:
            t0 = time.time()
            check(wait_for(lambda: "banner" in sink.keys(), 20),
                  f"the purge arrives once the CDN is back (after {time.time() - t0:.1f} s)")
            check(wait_for(lambda: not queued(srv.db), 5), f"the queue is empty after: {queued(srv.db)}")
            if sink.requests:
                path, h, body = sink.requests[-1]
                check(path == "/client/v4/zones/z/purge_cache", f"posted to the configured URL ({path})")
                check(h.get("authorization") == TOKEN, "the configured auth header is sent")
                check(h.get("content-type") == "application/json" and
                      "banner" in json.loads(body).get("tags", []),
                      f"Cloudflare-style JSON body with the keys ({body[:80]!r})")
                check(h.get("fastly-soft-purge") == "1", "Fastly is asked for a soft purge")
        finally:
            sink.stop()

        # across a restart: keys queued while the CDN is down are sent at the next start
        st, _, _ = editor.post("/admin/banner", {"csrf": editor.csrf(), "level": "info",
                                                 "text": "Ще одна перевірка", "link": ""})
        check(wait_for(lambda: queued(srv.db).get("banner", (0,))[0] >= 1, 10),
              "queued again while the CDN is down")
        check(srv.stop() == 0, "visnyk stops with purges still queued")
        check("banner" in queued(srv.db), "the queued purge survives the stop")
        sink = Sink(port)
        try:
            srv.start()
            t0 = time.time()
            check(wait_for(lambda: "banner" in sink.keys(), 10),
                  f"the queued purge is sent right after the restart ({time.time() - t0:.1f} s)")
        finally:
            sink.stop()
        log = srv.read_log()
        check("s3cret" not in log, "the auth header is never logged")


def main():
    t = time.time()
    check_durable_queue()
    print(f"check_durable_queue: {time.time() - t:.1f} s")
    t = time.time()
    check_varnish()
    print(f"check_varnish: {time.time() - t:.1f} s")
    done()


if __name__ == "__main__":
    main()
