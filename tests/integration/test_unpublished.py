"""Nothing unpublished leaks (issue 9, finding 4): tags and departments used only by a
draft, a scheduled (future) and a withdrawn article, and a department with no article at
all, appear on no public surface (lists, site maps, sitemap XML, API, feeds, search and
its filter choices, home, news, archive, the static mirror, the open-data export), and
their own pages answer 404 like an unknown slug. Counts count published articles only.
Then publishing, retagging, withdrawing and a scheduled time coming each change the tag
lists at once (the page cache does not keep the old list)."""
import csv
import gzip
import http.client
import io
import json
import os
import re
import sqlite3
import tempfile
import time
import urllib.parse
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from harness import Server, check, done

PW = "correct horse battery"
WORD = "qxspilneslovo"  # in every article's body, to search for

# token -> (kind, name); each token is in the name and so in the transliterated slug
PUBLIC = {"qxpubtag": ("tag", "Відкритий тег qxpubtag"),
          "qxpubdept": ("dept", "Відкритий відділ qxpubdept")}
SECRET = {"qxdrafttag": ("tag", "Тег чернетки qxdrafttag"),
          "qxdraftdept": ("dept", "Відділ чернетки qxdraftdept"),
          "qxschedtag": ("tag", "Тег запланованої qxschedtag"),
          "qxscheddept": ("dept", "Відділ запланованої qxscheddept"),
          "qxwithtag": ("tag", "Тег відкликаної qxwithtag"),
          "qxwithdept": ("dept", "Відділ відкликаної qxwithdept"),
          "qxemptydept": ("dept", "Порожній відділ qxemptydept")}
TITLES = {"draft": "Чернетка qxdrafttitle", "sched": "Запланована qxschedtitle",
          "with": "Відкликана qxwithtitle", "pub": "Опублікована qxpubtitle"}


class Client:
    """A browser-like session: keeps cookies, sends forms (as in test_admin.py)."""

    def __init__(self, srv):
        self.srv = srv
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=300)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            for k, v in r.getheaders():
                if k.lower() == "set-cookie":
                    name, _, rest = v.partition("=")
                    if "Max-Age=0" in v:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = rest.split(";", 1)[0]
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data.decode("utf-8", "replace")
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields):
        body = urllib.parse.urlencode(fields, doseq=True)
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def login(self, name, password=PW):
        _, _, body = self.get("/admin/login")
        token = re.search(r'name="login_token" value="([0-9a-f]+)"', body).group(1)
        return self.post("/admin/login", {"name": name, "password": password,
                                          "login_token": token, "next": "/admin"})

    def csrf(self):
        _, _, body = self.get("/admin/articles/new")
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
        return m.group(1) if m else ""


def kyiv(t):
    d = datetime.fromtimestamp(t, timezone.utc).astimezone(ZoneInfo("Europe/Kyiv"))
    return d.strftime("%Y-%m-%dT%H:%M:%S")


class Editor:
    def __init__(self, srv):
        self.c = Client(srv)
        st, _, _ = self.c.login("ed")
        check(st == 303, f"editor logs in ({st})")
        self.token = self.c.csrf()

    def save(self, aid, title, action, tags, depts, when=""):
        """Creates (aid 0) or changes an article; returns its id."""
        version = "0"
        if aid:
            _, _, body = self.c.get(f"/admin/articles/{aid}")
            version = re.search(r'name="version" value="(\d+)"', body).group(1)
        form = {"csrf": self.token, "version": version, "title": title, "slug": "",
                "lead": "Лід", "body": f"Текст статті {WORD}.", "date": when,
                "tags": ", ".join(tags), "dept": list(depts), "related": "", "action": action}
        st, h, _ = self.c.post(f"/admin/articles/{aid}" if aid else "/admin/articles/new", form)
        m = re.search(r"/admin/articles/(\d+)", h.get("location", ""))
        check(st == 303 and m is not None, f"{action} '{title}' ({st} {h.get('location')})")
        return int(m.group(1)) if m else aid


def slugs(db_path):
    db = sqlite3.connect(db_path)
    out = {}
    for table in ("tags", "departments"):
        for slug, name in db.execute(f"SELECT slug, name FROM {table}"):
            for tok in list(PUBLIC) + list(SECRET) + ["qxretagtag"]:
                if tok in name:
                    out[tok] = slug
    db.close()
    return out


def leaks(text, tokens):
    return [t for t in tokens if t in text]


def public_paths(srv):
    now = datetime.now(ZoneInfo("Europe/Kyiv"))
    paths = ["/", "/news", "/tags", "/departments", "/archive", f"/archive/{now.year:04d}",
             f"/archive/{now.year:04d}/{now.month:02d}", "/sitemap", "/sitemap.xml",
             "/api/v1/tags", "/api/v1/departments", "/api/v1/articles",
             "/api/v1/articles?q=" + WORD, "/feed.xml", "/atom.xml", "/search",
             "/search?q=" + WORD, "/subscribe", "/robots.txt"]
    st, _, body = srv.get("/sitemap.xml")
    check(st == 200, f"/sitemap.xml ({st})")
    files = re.findall(rb"<loc>[^<]*(/sitemaps/[^<]+)</loc>", body)
    check(len(files) >= 2, f"sitemap index names its files ({files})")
    paths += [f.decode() for f in files]
    return paths


def walk(srv, secret, what, public=tuple(PUBLIC)):
    """Every public surface: no secret token; public ones where they belong."""
    bodies = {}
    for path in public_paths(srv):
        st, _, body = srv.get(path)
        text = body.decode("utf-8", "replace")
        bodies[path] = text
        check(st in (200, 404) if path == "/subscribe" else st == 200, f"{what}: {path} ({st})")
        found = leaks(text, secret)
        check(not found, f"{what}: {path} names unpublished {found}")
    want = {"/tags": ["qxpubtag"], "/api/v1/tags": ["qxpubtag"],
            "/departments": ["qxpubdept"], "/api/v1/departments": ["qxpubdept"],
            "/": ["qxpubdept"], "/sitemap": public, "/search": public}
    for path, tokens in want.items():
        missing = [t for t in tokens if t not in bodies[path]]
        check(not missing, f"{what}: {path} lists the published {missing}")
    sitemap_pages = next((t for p, t in bodies.items() if p.endswith("/pages.xml")), "")
    check("qxpubtag" in sitemap_pages and "qxpubdept" in sitemap_pages,
          f"{what}: sitemaps/pages.xml lists the published tag and department")
    return bodies


def check_gone(srv, slug, kind, what):
    base = "/tags/" if kind == "tag" else "/departments/"
    for suffix in ("", "/feed.xml", "/atom.xml", "?after=9999999999.1", "/after/9999999999.1"):
        st, _, body = srv.get(base + slug + suffix)
        check(st == 404, f"{what}: {base}{slug}{suffix} is 404 ({st})")
    st, _, _ = srv.get(f"/search?q={WORD}&{'tag' if kind == 'tag' else 'dept'}={slug}")
    check(st == 404, f"{what}: search filtered by {slug} is 404 like an unknown slug ({st})")
    st, _, body = srv.get(f"/api/v1/articles?{'tag' if kind == 'tag' else 'department'}={slug}")
    check(st == 400, f"{what}: /api/v1/articles filtered by {slug} is 400 'no such' ({st})")


def api_counts(srv, path):
    st, _, body = srv.get(path)
    items = json.loads(body)["items"] if st == 200 else []
    return {i["slug"]: i["count"] for i in items}


def check_exports(srv, secret, slug_of):
    out = tempfile.mkdtemp(prefix="visnyk-unpub-")
    p = srv.run_cli("export-static", os.path.join(out, "site"), "--db", srv.db, "--media",
                    srv.media, "--base-url", "https://example.test")
    check(p.returncode == 0, f"export-static runs: {p.stdout} {p.stderr}")
    n_files, found = 0, []
    for root, _, files in os.walk(os.path.join(out, "site")):
        for f in files:
            full = os.path.join(root, f)
            n_files += 1
            rel = os.path.relpath(full, out)
            found += [(rel, t) for t in leaks(rel, secret)]
            if f.endswith((".jpg", ".webp", ".png", ".avif", ".ico")):
                continue
            with open(full, "rb") as fh:
                data = fh.read()
            if f.endswith(".gz"):
                data = gzip.decompress(data)
            found += [(rel, t) for t in leaks(data.decode("utf-8", "replace"), secret)]
    check(n_files > 10, f"the static mirror has files ({n_files})")
    check(not found, f"static mirror names unpublished tags or departments: {found[:10]}")
    check(os.path.exists(os.path.join(out, "site", "tags", slug_of["qxpubtag"], "index.html")),
          "static mirror has the published tag's page")
    for fmt in ("json", "csv"):
        dest = os.path.join(out, f"data.{fmt}")
        p = srv.run_cli("export-data", "--format", fmt, "--output", dest, "--db", srv.db)
        check(p.returncode == 0, f"export-data {fmt}: {p.stderr}")
        text = open(dest, encoding="utf-8").read() if os.path.exists(dest) else ""
        if fmt == "json":
            text = json.dumps(json.loads(text or "{}"), ensure_ascii=False)
        else:
            text = "\n".join(",".join(r) for r in csv.reader(io.StringIO(text)))
        check("qxpubtag" in text, f"open data ({fmt}) has the published article")
        check(not leaks(text, secret), f"open data ({fmt}) names unpublished {leaks(text, secret)}")


def main():
    dict_dir = tempfile.mkdtemp(prefix="visnyk-dict-")
    with open(os.path.join(dict_dir, "t.aff"), "w") as f:
        f.write("SET UTF-8\n")
    with open(os.path.join(dict_dir, "t.dic"), "w") as f:
        f.write("1\nтест\n")
    env = {"VISNYK_HUNSPELL_AFF": os.path.join(dict_dir, "t.aff"),
           "VISNYK_HUNSPELL_DIC": os.path.join(dict_dir, "t.dic")}
    srv = Server(demo=False, env=env)
    p = srv.run_cli("user", "add", "ed", "--role", "editor", "--db", srv.db, input=PW + "\n")
    check(p.returncode == 0, f"user add: {p.stderr}")
    with srv.start():
        ed = Editor(srv)
        name = {t: n for t, (_, n) in {**PUBLIC, **SECRET}.items()}
        past, future = kyiv(time.time() - 3600), kyiv(time.time() + 86400)
        # a department created in the workspace with no article at all
        st, _, _ = ed.c.post("/admin/departments", {"csrf": ed.token, "slug": "",
                                                    "name": name["qxemptydept"]})
        check(st == 303, f"empty department created ({st})")
        # the published article shares the public tag and department with every other
        # one, so counts show whether unpublished articles are counted
        pub = ed.save(0, TITLES["pub"], "save", [name["qxpubtag"]], [name["qxpubdept"]])
        ed.save(pub, TITLES["pub"], "publish", [name["qxpubtag"]], [name["qxpubdept"]], past)
        draft = ed.save(0, TITLES["draft"], "save", [name["qxdrafttag"], name["qxpubtag"]],
                        [name["qxdraftdept"], name["qxpubdept"]])
        sched = ed.save(0, TITLES["sched"], "save", [name["qxschedtag"], name["qxpubtag"]],
                        [name["qxscheddept"], name["qxpubdept"]])
        ed.save(sched, TITLES["sched"], "publish", [name["qxschedtag"], name["qxpubtag"]],
                [name["qxscheddept"], name["qxpubdept"]], future)
        withdrawn = ed.save(0, TITLES["with"], "save", [name["qxwithtag"], name["qxpubtag"]],
                            [name["qxwithdept"], name["qxpubdept"]])
        ed.save(withdrawn, TITLES["with"], "publish", [name["qxwithtag"], name["qxpubtag"]],
                [name["qxwithdept"], name["qxpubdept"]], past)
        slug_of = slugs(srv.db)
        check(all(t in slug_of and t in slug_of[t] for t in list(PUBLIC) + list(SECRET)),
              f"every tag and department exists, its token in its slug: {slug_of}")

        # while published, the withdrawn-to-be article's tag is public (and cached)
        bodies = walk(srv, [t for t in SECRET if not t.startswith("qxwith")],
                      "before withdrawing")
        check("qxwithtag" in bodies["/tags"] and "qxwithtag" in bodies["/api/v1/tags"],
              "a published article's tag is listed")
        ed.save(withdrawn, TITLES["with"], "withdraw", [name["qxwithtag"], name["qxpubtag"]],
                [name["qxwithdept"], name["qxpubdept"]], past)

        secret_all = list(SECRET) + [t.replace("tag", "title") for t in SECRET if t.endswith("tag")]
        walk(srv, secret_all, "unpublished")
        for tok, (kind, _) in SECRET.items():
            check_gone(srv, slug_of[tok], kind, "unpublished")
        for unknown in ("no-such-slug-qx",):
            check_gone(srv, unknown, "tag", "unknown")
            check_gone(srv, unknown, "dept", "unknown")
        counts = api_counts(srv, "/api/v1/tags")
        check(counts.get(slug_of["qxpubtag"]) == 1, f"tag count counts published only: {counts}")
        counts = api_counts(srv, "/api/v1/departments")
        check(counts.get(slug_of["qxpubdept"]) == 1, f"department count published only: {counts}")
        st, _, body = srv.get(f"/tags/{slug_of['qxpubtag']}")
        check(st == 200 and b"qxdrafttitle" not in body and b"qxschedtitle" not in body
              and b"qxwithtitle" not in body, f"the public tag's page lists only published ({st})")
        check_exports(srv, secret_all, slug_of)

        # publish the draft: its tag and department appear at once (cache invalidated)
        ed.save(draft, TITLES["draft"], "publish", [name["qxdrafttag"], name["qxpubtag"]],
                [name["qxdraftdept"], name["qxpubdept"]], past)
        for path in ("/tags", "/api/v1/tags", "/sitemap", "/search"):
            _, _, body = srv.get(path)
            check(b"qxdrafttag" in body, f"published: {path} lists the draft's tag now")
        for path in ("/departments", "/api/v1/departments", "/", "/sitemap"):
            _, _, body = srv.get(path)
            check(b"qxdraftdept" in body, f"published: {path} lists the draft's department now")
        st, _, body = srv.get(f"/tags/{slug_of['qxdrafttag']}")
        check(st == 200 and name["qxdrafttag"].encode() in body, f"published: tag page ({st})")
        st, _, body = srv.get(f"/departments/{slug_of['qxdraftdept']}/feed.xml")
        check(st == 200, f"published: department feed ({st})")
        check(api_counts(srv, "/api/v1/tags").get(slug_of["qxpubtag"]) == 2,
              "published: the shared tag counts two")

        # retag: the old tag loses its only article, the new one gains it
        ed.save(draft, TITLES["draft"], "publish", ["Новий тег qxretagtag", name["qxpubtag"]],
                [name["qxdraftdept"], name["qxpubdept"]], past)
        slug_of = slugs(srv.db)
        for path in ("/tags", "/api/v1/tags", "/sitemap", "/search"):
            _, _, body = srv.get(path)
            check(b"qxdrafttag" not in body and b"qxretagtag" in body,
                  f"retagged: {path} lists the new tag, not the old")
        check_gone(srv, slug_of["qxdrafttag"], "tag", "retagged")

        # withdraw: the department loses its only article
        ed.save(draft, TITLES["draft"], "withdraw", ["Новий тег qxretagtag", name["qxpubtag"]],
                [name["qxdraftdept"], name["qxpubdept"]], past)
        for path in ("/departments", "/api/v1/departments", "/", "/sitemap", "/tags",
                     "/api/v1/tags"):
            _, _, body = srv.get(path)
            check(b"qxdraftdept" not in body and b"qxretagtag" not in body,
                  f"withdrawn: {path} no longer lists its tag and department")
        check_gone(srv, slug_of["qxdraftdept"], "dept", "withdrawn")

        # a scheduled time coming: the lists change without any write
        when = time.time() + 4
        ed.save(sched, TITLES["sched"], "publish", [name["qxschedtag"], name["qxpubtag"]],
                [name["qxscheddept"], name["qxpubdept"]], kyiv(when))
        for path in ("/tags", "/api/v1/tags", "/departments", "/api/v1/departments"):
            _, _, body = srv.get(path)
            check(b"qxschedtag" not in body and b"qxscheddept" not in body,
                  f"scheduled: {path} does not list it before its time")
        check_gone(srv, slug_of["qxschedtag"], "tag", "before its time")
        time.sleep(max(0.0, when - time.time()) + 2.5)
        for path in ("/tags", "/api/v1/tags"):
            _, _, body = srv.get(path)
            check(b"qxschedtag" in body, f"scheduled: {path} lists its tag once its time came")
        for path in ("/departments", "/api/v1/departments"):
            _, _, body = srv.get(path)
            check(b"qxscheddept" in body, f"scheduled: {path} lists its department once due")
        st, _, _ = srv.get(f"/tags/{slug_of['qxschedtag']}")
        check(st == 200, f"scheduled: its tag page once its time came ({st})")
    done()


if __name__ == "__main__":
    main()
