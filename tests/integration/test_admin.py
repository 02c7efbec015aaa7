"""The editors' workspace over HTTP: accounts from the command line, login, sessions,
CSRF and origin checks, roles, throttling, the article workflow with revisions and
concurrent edits, publishing and withdrawing as readers see it (page cache included),
scheduled publishing, the banner, uploads (good photos, polyglots, oversize, a
decompression bomb), tags, pages, users and the append-only audit log."""
import http.client
import os
import re
import sqlite3
import struct
import tempfile
import time
import urllib.parse
import zlib
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from harness import Server, check, done

PW = "correct horse battery"


class Client:
    """A browser-like session: keeps cookies, sends forms."""

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
                    value = rest.split(";", 1)[0]
                    if "Max-Age=0" in v:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = value
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data.decode("utf-8", "replace")
        finally:
            conn.close()

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, fields, headers=None):
        body = urllib.parse.urlencode(fields, doseq=True)
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, body, h)

    def post_multipart(self, path, fields, files):
        boundary = "----visnyktest7MA4YWxkTrZu0gW"
        parts = []
        for k, v in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'
                         .encode() + v.encode() + b"\r\n")
        for name, filename, data, ctype in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
                         + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body,
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def login(self, name, password=PW):
        st, _, body = self.get("/admin/login")
        token = re.search(r'name="login_token" value="([0-9a-f]+)"', body).group(1)
        return self.post("/admin/login", {"name": name, "password": password,
                                          "login_token": token, "next": "/admin"})

    def csrf(self, path="/admin/articles/new"):
        st, _, body = self.get(path)
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
        return m.group(1) if m else ""


def add_user(srv, name, role, password=PW):
    p = srv.run_cli("user", "add", name, "--role", role, "--db", srv.db, input=password + "\n")
    check(p.returncode == 0, f"user add {name}: {p.stderr}")


def png(width, height, idat_rows=None):
    """A PNG whose header claims width x height (pixels: a few grey rows)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = idat_rows if idat_rows is not None else height
    raw = b"".join(b"\x00" + bytes([128]) * width for _ in range(rows))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def kyiv(t, seconds=False):
    """The form's date field: Kyiv wall time."""
    d = datetime.fromtimestamp(t, timezone.utc).astimezone(ZoneInfo("Europe/Kyiv"))
    return d.strftime("%Y-%m-%dT%H:%M:%S" if seconds else "%Y-%m-%dT%H:%M")


def article_form(csrf, title, **kw):
    f = {"csrf": csrf, "version": kw.pop("version", "0"), "title": title, "slug": "",
         "lead": "Лід новини", "body": "Перший абзац.\n\nДругий абзац з **жирним**.",
         "date": "", "tags": "", "related": "", "action": "save"}
    f.update(kw)
    return f


def check_cli(srv):
    p = srv.run_cli("user", "add", "nopw", "--role", "editor", "--db", srv.db, input="short\n")
    check(p.returncode != 0 and "10 characters" in p.stderr, "a short password is refused")
    p = srv.run_cli("user", "add", "nobody", "--db", srv.db, input=PW + "\n")
    check(p.returncode == 2, "user add without --role is a usage error")
    p = srv.run_cli("user", "list", "--db", srv.db)
    check("boss" in p.stdout and "admin" in p.stdout and PW not in p.stdout, "user list")
    db = sqlite3.connect(srv.db)
    h = db.execute("SELECT pw_hash FROM users WHERE name='boss'").fetchone()[0]
    check(h.startswith("$argon2id$") and "m=19456" in h and "t=2" in h,
          f"argon2id with m=19 MiB, t=2: {h[:40]}")
    db.close()


def check_security(srv, boss, author):
    anon = Client(srv)
    st, h, _ = anon.get("/admin/articles")
    check(st == 303 and h.get("location", "").startswith("/admin/login?next="),
          "anonymous GET redirects to login")
    st, h, _ = anon.post("/admin/banner/clear", {"csrf": "x"})
    check(st == 403, f"anonymous POST refused ({st})")
    for path in ("/admin/login", "/admin/nope", "/admin/articles"):
        st, h, _ = anon.get(path)
        check("frame-ancestors 'none'" in h.get("content-security-policy", ""),
              f"admin CSP frame-ancestors none on {path} ({st})")
        check(h.get("x-content-type-options") == "nosniff", f"nosniff on {path}")
        check("unsafe-inline" not in h.get("content-security-policy", ""), "no unsafe-inline")
    st, h, _ = anon.get("/no-such-page")
    check(st == 404 and "script-src 'self'" in h.get("content-security-policy", "")
          and h.get("referrer-policy"), "security headers on a public error page")

    st, h, _ = boss.login("boss", "wrong password!")
    check(st == 401, f"wrong password gives 401 ({st})")
    st, h, _ = boss.login("BOSS")
    check(st == 303 and h.get("location") == "/admin", f"login (name case-insensitive) ({st})")
    cookie = h.get("set-cookie", "")
    check("HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie,
          f"session cookie flags: {cookie}")
    st, _, body = boss.get("/admin")
    check(st == 200 and "boss" in body, "logged in home")
    # login without the double-submit cookie (a cross-site form) is refused
    c2 = Client(srv)
    st, _, _ = c2.post("/admin/login", {"name": "boss", "password": PW, "login_token": "a" * 32})
    check(st == 403, f"login without the login cookie refused ({st})")

    csrf = boss.csrf()
    st, _, _ = boss.post("/admin/banner", {"text": "x", "level": "info"})
    check(st == 403, "POST without the CSRF token refused")
    st, _, _ = boss.post("/admin/banner", {"csrf": "0" * 32, "text": "x", "level": "info"})
    check(st == 403, "POST with a wrong CSRF token refused")
    st, _, _ = boss.post("/admin/banner", {"csrf": csrf, "text": "x", "level": "info"},
                         headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    check(st == 403, "cross-site POST refused")
    st, _, _ = boss.get("/admin/banner/clear")
    st2, _, body = boss.get("/admin/banner")
    check(st in (404, 405) and "Зараз показано" not in body, f"no state change on GET ({st})")

    # roles
    st, _, _ = author.login("writer")
    check(st == 303, "author logs in")
    for path in ("/admin/users", "/admin/settings", "/admin/audit", "/admin/tags", "/admin/banner"):
        st, _, _ = author.get(path)
        check(st == 403, f"author gets 403 on {path} ({st})")
    acsrf = author.csrf()
    st, _, _ = author.post("/admin/users", {"csrf": acsrf, "name": "evil", "role": "admin",
                                            "password": PW, "password2": PW})
    check(st == 403, "author cannot create users")
    st, _, _ = author.post("/admin/banner", {"csrf": acsrf, "text": "hacked", "level": "danger"})
    check(st == 403, "author cannot set the banner")

    # replayed session after logout
    victim = Client(srv)
    victim.login("boss")
    saved = dict(victim.cookies)
    vcsrf = victim.csrf()
    st, h, _ = victim.post("/admin/logout", {"csrf": vcsrf})
    check(st == 303, "logout")
    replay = Client(srv)
    replay.cookies = saved
    st, h, _ = replay.get("/admin/articles")
    check(st == 303 and "/admin/login" in h.get("location", ""), "replayed session after logout refused")


def check_throttling(srv):
    c = Client(srv)
    statuses = [c.login("editor1", "not the password")[0] for _ in range(11)]
    check(statuses[:10] == [401] * 10 and statuses[10] == 429,
          f"10 failures then 429 for this account from this address: {statuses}")
    st, h, _ = c.login("editor1")
    check(st == 429 and h.get("retry-after"), "even the right password waits while throttled")
    db = sqlite3.connect(srv.db)
    n = db.execute("SELECT count(*) FROM audit_log WHERE action='login.failed'").fetchone()[0]
    db.close()
    check(n >= 10, f"failed logins are audited ({n})")


def article_id_from(h):
    m = re.search(r"/admin/articles/(\d+)", h.get("location", ""))
    return int(m.group(1)) if m else 0


def check_workflow(srv, boss, author, editor):
    st, _, _ = boss.post("/admin/departments", {"csrf": boss.csrf(), "slug": "",
                                                "name": "Департамент охорони здоров’я"})
    check(st == 303, f"department created ({st})")
    acsrf = author.csrf()
    title = "Тестова новина про Полтавщину 2026"
    st, h, _ = author.post("/admin/articles/new", article_form(
        acsrf, title, tags="безпека, Новий тег", dept=["Департамент охорони здоров’я"]))
    aid = article_id_from(h)
    check(st == 303 and aid > 0, f"author creates a draft ({st})")
    st, _, body = author.get(f"/admin/articles/{aid}")
    check(st == 200 and 'value="testova-novyna-pro-poltavshchynu-2026"' in body,
          "slug transliterated from the Ukrainian title")
    version = re.search(r'name="version" value="(\d+)"', body).group(1)
    st, h, _ = author.post(f"/admin/articles/{aid}", article_form(
        acsrf, title, version=version, action="publish"))
    check(st == 403, f"an author cannot publish ({st})")
    st, h, _ = author.post(f"/admin/articles/{aid}", article_form(
        acsrf, title, version=version, action="submit", tags="безпека, Новий тег",
        dept=["Департамент охорони здоров’я"]))
    check(st == 303 and "m=submitted" in h.get("location", ""), "author submits for review")
    st, _, _ = author.post(f"/admin/articles/{aid}", article_form(
        acsrf, title + " змінено", version=str(int(version) + 1)))
    check(st == 403, "an author cannot edit after submitting")

    # the public site before publishing (and its page cache warmed)
    st, _, home = srv.get("/")
    check(title.encode() not in home, "draft not on the home page")
    st, _, tag = srv.get("/tags/bezpeka")
    check(title.encode() not in tag, "draft not on the tag page")

    # concurrent edit: two editors open version v; the second save is refused
    ecsrf = editor.csrf()
    st, _, body = editor.get(f"/admin/articles/{aid}")
    v = re.search(r'name="version" value="(\d+)"', body).group(1)
    bcsrf = boss.csrf()
    st, h, _ = boss.post(f"/admin/articles/{aid}", article_form(
        bcsrf, title, version=v, body="Правка головного редактора.", tags="безпека, Новий тег",
        dept=["Департамент охорони здоров’я"]))
    check(st == 303, "first concurrent save wins")
    st, _, body = editor.post(f"/admin/articles/{aid}", article_form(
        ecsrf, title, version=v, body="Правка другого редактора."))
    check(st == 409 and "змінив хтось інший" in body and "Правка другого редактора." in body,
          f"second concurrent save refused with a clear message, text kept ({st})")

    # preview renders through the public article template, never cached
    st, h, body = editor.post("/admin/preview", article_form(
        ecsrf, "Попередній перегляд", id=str(aid), body="## Підзаголовок\n\nТекст <script>x</script>"))
    check(st == 200 and '<article class="article">' in body and "<h2>Підзаголовок</h2>" in body
          and "<script>x" not in body and 'name="robots" content="noindex"' in body,
          f"preview is the public article page ({st})")
    check(h.get("cache-control") == "no-store", "preview not cacheable")

    # publish: on home, tag and department pages at once
    st, _, body = editor.get(f"/admin/articles/{aid}")
    v = re.search(r'name="version" value="(\d+)"', body).group(1)
    st, h, _ = editor.post(f"/admin/articles/{aid}", article_form(
        ecsrf, title, version=v, action="publish", body="Опублікований текст.",
        tags="безпека, Новий тег", dept=["Департамент охорони здоров’я"],
        date=kyiv(time.time() - 7200)))
    check(st == 303 and "m=published" in h.get("location", ""), f"editor publishes ({st})")
    t0 = time.time()
    st, _, home = srv.get("/")
    print(f"home page after publishing: {1000 * (time.time() - t0):.0f} ms")
    check(title.encode() in home, "published article on the (cached) home page")
    st, _, tag = srv.get("/tags/bezpeka")
    check(title.encode() in tag, "published article on its tag page")
    st, _, dept = srv.get("/departments/departament-okhorony-zdorovia")
    check(st == 200 and title.encode() in dept, f"published article on its department page ({st})")
    st, _, page = srv.get("/news/testova-novyna-pro-poltavshchynu-2026")
    check(st == 200 and "Опублікований текст." in page.decode(), "article page")

    # revisions, diff, restore
    st, _, body = editor.get(f"/admin/articles/{aid}/revisions")
    versions = re.findall(r'name="a" value="(\d+)"', body)
    check(st == 200 and len(versions) >= 3, f"revisions listed ({len(versions)})")
    st, _, body = editor.get(f"/admin/articles/{aid}/diff?a={versions[-1]}&b={versions[0]}")
    check(st == 200 and 'class="add"' in body and "Опублікований текст." in body
          and 'class="del"' in body, "diff between two revisions")
    st, _, body = editor.get(f"/admin/articles/{aid}")
    v = re.search(r'name="version" value="(\d+)"', body).group(1)
    oldest = versions[-1]
    st, h, _ = editor.post(f"/admin/articles/{aid}/restore", {"csrf": ecsrf, "rev": oldest, "version": v})
    check(st == 303 and "m=restored" in h.get("location", ""), "restore a revision")
    st, _, page = srv.get("/news/testova-novyna-pro-poltavshchynu-2026")
    check("Другий абзац" in page.decode() and "Опублікований текст." not in page.decode(),
          "restored text is live (still published)")

    # withdraw: leaves the lists, kept in the workspace
    st, _, body = editor.get(f"/admin/articles/{aid}")
    v = re.search(r'name="version" value="(\d+)"', body).group(1)
    st, h, _ = editor.post(f"/admin/articles/{aid}", article_form(
        ecsrf, title, version=v, action="withdraw", tags="безпека, Новий тег",
        dept=["Департамент охорони здоров’я"]))
    check(st == 303, "withdraw")
    st, _, home = srv.get("/")
    check(title.encode() not in home, "withdrawn article left the home page")
    st, _, tag = srv.get("/tags/bezpeka")
    check(title.encode() not in tag, "withdrawn article left the tag page")
    st, _, _ = srv.get("/news/testova-novyna-pro-poltavshchynu-2026")
    check(st == 404, "withdrawn article page is gone for readers")
    st, _, body = editor.get("/admin/articles?status=withdrawn")
    check(title in body, "withdrawn article kept in the workspace")
    return aid


def check_schedule(srv, editor):
    ecsrf = editor.csrf()
    title = "Запланована новина для перевірки"
    srv.get("/")  # cache the home page before the time comes
    when = int(time.time()) + 4
    st, h, _ = editor.post("/admin/articles/new", article_form(ecsrf, title))
    aid = article_id_from(h)
    st, _, body = editor.get(f"/admin/articles/{aid}")
    v = re.search(r'name="version" value="(\d+)"', body).group(1)
    st, h, _ = editor.post(f"/admin/articles/{aid}", article_form(
        ecsrf, title, version=v, action="publish",
        date=kyiv(when, seconds=True)))
    check("m=scheduled" in h.get("location", ""), "future time schedules")
    st, _, home = srv.get("/")
    check(title.encode() not in home, "scheduled article not shown before its time")
    time.sleep(max(0, when - time.time()) + 2.5)
    st, _, home = srv.get("/")
    check(title.encode() in home, "scheduled article appears at its time (cache invalidated)")
    # the workspace agrees with the site: live means «опубліковано» in the list, its
    # filter and the edit page (issue 12, bug 1)
    st, _, body = editor.get("/admin/articles?status=published")
    check(title in body, "a scheduled article past its time is under «опубліковано»")
    st, _, body = editor.get("/admin/articles?status=scheduled")
    check(title not in body, "and no longer under «заплановано»")
    st, _, body = editor.get(f"/admin/articles/{aid}")
    check('status-published">опубліковано' in body,
          "its edit page says «опубліковано»")


def check_publish_date(srv, editor):
    """A draft published with its date field unchanged is dated when it is published; a
    date the editor typed stands (issue 12, bug 3)."""
    ecsrf = editor.csrf()
    dates = {}
    for title, typed in (("Ранкова чернетка, опублікована вдень", False),
                         ("Чернетка з навмисною датою", True)):
        st, h, _ = editor.post("/admin/articles/new", article_form(ecsrf, title))
        aid = article_id_from(h)
        # the draft was started three hours ago
        with sqlite3.connect(srv.db) as db:
            db.execute("UPDATE articles SET published_at = published_at - 3 * 3600 "
                       "WHERE id = ?", (aid,))
        st, _, body = editor.get(f"/admin/articles/{aid}")
        v = re.search(r'name="version" value="(\d+)"', body).group(1)
        shown = re.search(r'name="date"[^>]*value="([^"]*)"', body)
        date = shown.group(1) if shown else ""
        if typed:
            date = kyiv(time.time() - 2 * 86400)
        st, h, _ = editor.post(f"/admin/articles/{aid}", article_form(
            ecsrf, title, version=v, action="publish", date=date))
        check(st == 303 and "m=published" in h.get("location", ""), f"publish «{title}»")
        with sqlite3.connect(srv.db) as db:
            dates[typed] = db.execute("SELECT published_at FROM articles WHERE id = ?",
                                      (aid,)).fetchone()[0]
    check(abs(dates[False] - time.time()) < 120,
          f"a draft published with its date unchanged is dated now ({time.time() - dates[False]:.0f} s ago)")
    check(abs(dates[True] - (time.time() - 2 * 86400)) < 120,
          "a date the editor typed stands")


def check_slug_history(srv, editor):
    """A published article renamed keeps its old address as a 301 to the new one; a
    new article that takes an old slug wins it; taking a slug back drops its history
    (issue 12, bug 4)."""
    ecsrf = editor.csrf()
    title = "Новина, яку перейменують"

    def save(aid, slug, action="publish"):
        st, _, body = editor.get(f"/admin/articles/{aid}")
        v = re.search(r'name="version" value="(\d+)"', body).group(1)
        return editor.post(f"/admin/articles/{aid}", article_form(
            ecsrf, title, version=v, action=action, slug=slug))

    st, h, _ = editor.post("/admin/articles/new", article_form(ecsrf, title, slug="stara-adresa"))
    aid = article_id_from(h)
    # a slug changed while the article was a draft was never shared: no history
    st, h, _ = save(aid, "pershyi-chernetok", action="save")
    st, h, _ = save(aid, "stara-adresa")
    check(st == 303 and "m=published" in h.get("location", ""), f"published ({st})")
    st, _, _ = srv.get("/news/stara-adresa")
    check(st == 200, f"the first address answers ({st})")
    st, h, _ = save(aid, "nova-adresa")
    check(st == 303, f"slug changed ({st})")
    st, hdrs, _ = srv.get("/news/stara-adresa")
    check(st == 301 and hdrs.get("location", "").endswith("/news/nova-adresa"),
          f"the old address answers 301 to the new one ({st} {hdrs.get('location')})")
    st, _, _ = srv.get("/news/pershyi-chernetok")
    check(st == 404, f"a slug the article had only as a draft is not kept ({st})")
    st, _, _ = srv.get("/news/nova-adresa")
    check(st == 200, f"the new address answers ({st})")
    st, _, index = srv.get("/sitemap.xml")
    maps = [urllib.parse.urlsplit(u).path
            for u in re.findall(r"<loc>([^<]+)</loc>", index.decode())]
    check(st == 200 and maps, f"sitemap index ({st}, {maps})")
    found = []
    for path in ["/feed.xml", "/sitemap"] + maps:
        st, _, body = srv.get(path)
        check(st == 200 and b"stara-adresa" not in body, f"{path} does not list the old address")
        if b"nova-adresa" in body:
            found.append(path)
    check("/feed.xml" in found and any(p.startswith("/sitemaps/") for p in found),
          f"the feed and a sitemap list the new address ({found})")
    # a new article that takes the old slug wins it
    st, h, _ = editor.post("/admin/articles/new", article_form(
        ecsrf, "Інша новина на старій адресі", slug="stara-adresa", action="publish"))
    st, _, body = srv.get("/news/stara-adresa")
    check(st == 200 and "Інша новина на старій адресі".encode() in body,
          f"a new article on an old slug wins it ({st})")
    # the renamed article takes back a slug it had: its history row goes
    st, h, _ = save(aid, "druha-adresa")
    st, hdrs, _ = srv.get("/news/nova-adresa")
    check(st == 301 and hdrs.get("location", "").endswith("/news/druha-adresa"),
          f"a second rename: the first new address follows too ({st})")
    st, h, _ = save(aid, "nova-adresa")
    st, _, _ = srv.get("/news/nova-adresa")
    check(st == 200, f"taking a slug back serves the article there ({st})")
    with sqlite3.connect(srv.db) as db:
        rows = db.execute("SELECT slug FROM article_slug_history WHERE article_id = ? "
                          "ORDER BY slug", (aid,)).fetchall()
    check([r[0] for r in rows] == ["druha-adresa"],
          f"history holds the earlier public slugs only: {rows}")
    st, hdrs, _ = srv.get("/news/druha-adresa")
    check(st == 301 and hdrs.get("location", "").endswith("/news/nova-adresa"),
          f"and the one it left answers 301 ({st})")
    # the static mirror cannot answer 301: the old address is a redirect page there
    out = tempfile.mkdtemp(prefix="visnyk-export-")
    p = srv.run_cli("export-static", out, "--db", srv.db, "--media", srv.media,
                    "--base-url", "https://news.example.gov.ua")
    check(p.returncode == 0, f"export-static ({p.returncode}): {p.stderr}")
    page = os.path.join(out, "news", "druha-adresa", "index.html")
    html = open(page, encoding="utf-8").read() if os.path.exists(page) else ""
    check('http-equiv="refresh" content="0; url=/news/nova-adresa"' in html
          and 'rel="canonical" href="https://news.example.gov.ua/news/nova-adresa"' in html
          and '<a href="/news/nova-adresa">' in html,
          f"the mirror's old address is a redirect page: {html[:300]!r}")
    check("Інша новина на старій адресі" in open(
        os.path.join(out, "news", "stara-adresa", "index.html"), encoding="utf-8").read(),
          "the article that took an old slug keeps its page in the mirror")


def check_words(srv, editor):
    """The diff names statuses as the catalog does, not by their code words; a tag typed
    in another case or with another apostrophe is the tag that exists (issue 12, bug 6)."""
    ecsrf = editor.csrf()
    title = "Новина про укриття в громадах"
    st, h, _ = editor.post("/admin/articles/new", article_form(ecsrf, title, tags="укриття, пам’ять"))
    aid = article_id_from(h)
    st, _, body = editor.get(f"/admin/articles/{aid}")
    v = re.search(r'name="version" value="(\d+)"', body).group(1)
    st, h, _ = editor.post(f"/admin/articles/{aid}", article_form(
        ecsrf, title, version=v, action="publish", tags="Укриття, ПАМ'ЯТЬ",
        date=kyiv(time.time() + 3600)))
    check(st == 303 and "m=scheduled" in h.get("location", ""), f"scheduled ({st})")
    with sqlite3.connect(srv.db) as db:
        tags = db.execute("SELECT t.name, t.slug FROM tags t WHERE t.name LIKE '%крит%' "
                          "OR t.slug LIKE 'ukryttia%' OR t.slug LIKE 'pam%' ORDER BY t.id").fetchall()
        linked = db.execute("SELECT t.name FROM article_tags l JOIN tags t ON t.id = l.tag_id "
                            "WHERE l.article_id = ? ORDER BY l.pos", (aid,)).fetchall()
    check(len(tags) == 2 and not any(s.endswith("-2") for _, s in tags),
          f"«Укриття» and «ПАМ'ЯТЬ» reuse «укриття» and «пам’ять»: {tags}")
    check([n for (n,) in linked] == ["укриття", "пам’ять"], f"the article keeps those tags: {linked}")
    st, _, body = editor.get(f"/admin/articles/{aid}/diff?a=1&b=2")
    check(st == 200 and "Стан: чернетка" in body and "Стан: заплановано" in body,
          f"the diff names statuses in Ukrainian ({st})")
    check("scheduled" not in body and "draft" not in re.sub(r"<[^>]+>", "", body),
          "and no code words")


def check_gallery_conflict(srv, editor, boss):
    """Two editors change different captions from forms loaded at the same time: the
    second save is refused, names who saved and when, and shows what was typed; saved
    again, it goes through (issue 12, bug 2)."""
    ecsrf = editor.csrf()
    st, h, _ = editor.post("/admin/articles/new", article_form(ecsrf, "Новина з двома редакторами"))
    aid = article_id_from(h)
    files = [("photo", f"p{i}.png", png(200 + 20 * i, 150), "image/png") for i in range(2)]
    st, h, _ = editor.post_multipart(f"/admin/articles/{aid}/photos",
                                     {"csrf": ecsrf, "caption": "Спільний підпис", "alt": "Опис"}, files)
    check(st == 303, f"two photos uploaded ({st})")

    def form(client):
        st, _, body = client.get(f"/admin/articles/{aid}")
        ids = re.findall(r'name="order_(\d+)"', body)
        gv = re.search(r'name="gallery_version" value="(\d+)"', body)
        f = {"csrf": re.search(r'name="csrf" value="([0-9a-f]+)"', body).group(1),
             "gallery_version": gv.group(1) if gv else ""}
        for i, pid in enumerate(ids):
            f.update({f"order_{pid}": str(i + 1), f"caption_{pid}": "Спільний підпис",
                      f"alt_{pid}": "Опис"})
        return ids, f

    ids, first = form(editor)
    _, second = form(boss)
    first[f"caption_{ids[0]}"] = "Підпис першого редактора"
    second[f"caption_{ids[1]}"] = "Підпис другого редактора"
    st, _, _ = editor.post(f"/admin/articles/{aid}/gallery", first)
    check(st == 303, f"the first save goes through ({st})")
    st, _, body = boss.post(f"/admin/articles/{aid}/gallery", second)
    check(st == 409, f"the second save, from an older form, is refused ({st})")
    check("Галерею змінив хтось інший" in body and "editor1" in body,
          "the refusal says the gallery changed and who saved it")
    check('value="Підпис другого редактора"' in body,
          "the refused page keeps what the second editor typed")
    with sqlite3.connect(srv.db) as db:
        caps = [r[0] for r in db.execute("SELECT caption FROM photos WHERE article_id = ? "
                                         "ORDER BY pos", (aid,))]
    check(caps == ["Підпис першого редактора", "Спільний підпис"],
          f"the first editor's caption is not reverted: {caps}")
    # saved again from the refused page (it carries the current gallery version)
    again = dict(second)
    again["gallery_version"] = re.search(r'name="gallery_version" value="(\d+)"', body).group(1)
    again[f"caption_{ids[0]}"] = "Підпис першого редактора"
    st, _, _ = boss.post(f"/admin/articles/{aid}/gallery", again)
    check(st == 303, f"saved again after looking, it goes through ({st})")
    with sqlite3.connect(srv.db) as db:
        caps = [r[0] for r in db.execute("SELECT caption FROM photos WHERE article_id = ? "
                                         "ORDER BY pos", (aid,))]
    check(caps == ["Підпис першого редактора", "Підпис другого редактора"],
          f"both captions kept: {caps}")


def check_author_after_submit(srv, author):
    """After submitting, the author sees the article read-only with no gallery controls
    and can take it back; a save from a tab opened before is refused (403) with what was
    typed shown back, never dropped silently (issue 12, bug 5)."""
    acsrf = author.csrf()
    title = "Чернетка автора з фото"
    st, h, _ = author.post("/admin/articles/new", article_form(acsrf, title))
    aid = article_id_from(h)
    st, h, _ = author.post_multipart(f"/admin/articles/{aid}/photos",
                                     {"csrf": acsrf, "caption": "Перший підпис", "alt": "Опис"},
                                     [("photo", "a.png", png(200, 150), "image/png")])
    check(st == 303, f"the author adds a photo to the draft ({st})")
    st, _, before = author.get(f"/admin/articles/{aid}")
    check('name="title"' in before and 'name="caption_' in before, "the draft is editable")
    v = re.search(r'name="version" value="(\d+)"', before).group(1)
    pid = re.search(r'name="order_(\d+)"', before).group(1)
    gv = re.search(r'name="gallery_version" value="(\d+)"', before)
    gv = gv.group(1) if gv else ""
    st, h, _ = author.post(f"/admin/articles/{aid}", article_form(acsrf, title, version=v,
                                                                    action="submit"))
    check(st == 303 and "m=submitted" in h.get("location", ""), f"submitted ({st})")
    st, _, body = author.get(f"/admin/articles/{aid}")
    check("<h1>Перегляд новини</h1>" in body, "the read-only page is headed as a view, not an edit")
    check(st == 200 and 'name="title"' not in body and "<textarea" not in body,
          "after submitting, the author sees no editable fields")
    check('name="caption_' not in body and "/gallery" not in body and 'name="photo"' not in body,
          "and no gallery controls")
    check("Новина в редакторів на перевірці" in body and "Забрати на доопрацювання" in body
          and "Перший підпис" in body, "but the article, a note and the take-back button")
    # the tab opened before submitting: the gallery save is refused, the caption shown back
    st, _, body = author.post(f"/admin/articles/{aid}/gallery", {
        "csrf": acsrf, "gallery_version": gv, f"order_{pid}": "1",
        f"caption_{pid}": "Підпис, набраний у старій вкладці", f"alt_{pid}": "Опис"})
    check(st == 403 and "Підпис, набраний у старій вкладці" in body,
          f"a gallery save after submitting is refused with the typed caption shown ({st})")
    st, _, body = author.post(f"/admin/articles/{aid}", article_form(
        acsrf, title, version=str(int(v) + 1), body="Абзац, набраний у старій вкладці."))
    check(st == 403 and "Абзац, набраний у старій вкладці." in body,
          f"a text save after submitting is refused with the typed text shown ({st})")
    with sqlite3.connect(srv.db) as db:
        cap = db.execute("SELECT caption FROM photos WHERE id = ?", (int(pid),)).fetchone()[0]
    check(cap == "Перший підпис", "nothing of it was stored")
    # take it back
    st, _, body = author.get(f"/admin/articles/{aid}")
    tv = re.search(r'takeback.*?name="version" value="(\d+)"', body, re.S).group(1)
    st, h, _ = author.post(f"/admin/articles/{aid}/takeback", {"csrf": acsrf, "version": tv})
    check(st == 303 and "m=taken_back" in h.get("location", ""), f"taken back ({st})")
    st, _, body = author.get(f"/admin/articles/{aid}")
    check('name="title"' in body and 'name="caption_' in body and "чернетка" in body,
          "the article is the author's editable draft again")
    st, _, _ = author.post(f"/admin/articles/{aid}/takeback", {"csrf": acsrf, "version": tv})
    check(st == 403, f"a draft cannot be taken back ({st})")


def check_banner(srv, editor):
    ecsrf = editor.csrf()
    srv.get("/")
    st, _, _ = editor.post("/admin/banner", {"csrf": ecsrf, "level": "danger",
                                             "text": "Повітряна тривога! Пройдіть в укриття.",
                                             "link": "/pages/about"})
    check(st == 303, "banner set")
    st, _, home = srv.get("/")
    check("Повітряна тривога!".encode() in home and b'role="alert"' in home, "banner on the home page")
    st, _, art = srv.get("/news")
    check("Повітряна тривога!".encode() in art, "banner on other pages")
    st, _, _ = editor.post("/admin/banner", {"csrf": ecsrf, "level": "info", "text": "x",
                                             "link": "javascript:alert(1)"})
    check(st == 422, "javascript: banner link refused")
    st, _, _ = editor.post("/admin/banner/clear", {"csrf": ecsrf})
    check(st == 303, "banner cleared in one click")
    st, _, home = srv.get("/")
    check("Повітряна тривога!".encode() not in home, "banner gone")


def check_uploads(srv, editor, author):
    ecsrf = editor.csrf()
    st, h, _ = editor.post("/admin/articles/new", article_form(ecsrf, "Новина з фото"))
    aid = article_id_from(h)
    files = [("photo", f"фото-{i}.png", png(640 + 40 * i, 480), "image/png") for i in range(3)]
    st, h, body = editor.post_multipart(f"/admin/articles/{aid}/photos",
                                        {"csrf": ecsrf, "caption": "Нарада", "alt": "Учасники наради"},
                                        files)
    errs = re.findall(r'<li class="err">.*?</li>', body)
    check(st == 303 and "m=uploaded" in h.get("location", ""), f"three photos uploaded ({st}) {errs}")
    st, _, body = editor.get(f"/admin/articles/{aid}")
    ids = re.findall(r'name="order_(\d+)"', body)
    check(len(ids) == 3, f"three photos in the gallery ({len(ids)})")
    st, _, _ = editor.post_multipart(f"/admin/articles/{aid}/photos", {"csrf": "bad"}, files[:1])
    check(st == 403, "upload without the CSRF token refused")

    small_png = png(40, 30)
    cases = [
        ("an SVG", "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
        ("a script renamed .jpg", "photo.jpg", b"#!/bin/sh\nrm -rf /\n", "image/jpeg"),
        ("HTML renamed .jpg", "x.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
        ("a decompression bomb", "bomb.png", png(30000, 30000, idat_rows=2), "image/png"),
        ("a truncated PNG", "cut.png", files[0][2][:90], "image/png"),
    ]
    for what, name, data, ctype in cases:
        st, _, body = editor.post_multipart(f"/admin/articles/{aid}/photos",
                                            {"csrf": ecsrf, "alt": "Опис"},
                                            [("photo", name, data, ctype)])
        check(st == 422 and name in body, f"{what} refused with a message ({st})")
    st, h, _ = editor.post_multipart(f"/admin/articles/{aid}/photos",
                                     {"csrf": ecsrf, "alt": "Сірий прямокутник"},
                                     [("photo", "ok.png", small_png, "application/octet-stream")])
    check(st == 303, f"a PNG accepted by content whatever its declared type ({st})")
    big = b"\xff\xd8\xff\xe0" + b"\0" * (21 * 1024 * 1024)
    st, _, body = editor.post_multipart(f"/admin/articles/{aid}/photos",
                                        {"csrf": ecsrf, "alt": "Опис"},
                                        [("photo", "huge.jpg", big, "image/jpeg")])
    check(st == 422 and "20" in body, f"a file over 20 MB refused ({st})")

    # reorder, caption, remove
    st, _, body = editor.get(f"/admin/articles/{aid}")
    ids = re.findall(r'name="order_(\d+)"', body)
    gv = re.search(r'name="gallery_version" value="(\d+)"', body)
    fields = {"csrf": ecsrf, "gallery_version": gv.group(1) if gv else ""}
    for i, pid in enumerate(ids):
        fields[f"order_{pid}"] = str(len(ids) - i)
        fields[f"caption_{pid}"] = f"Підпис {pid}"
        fields[f"alt_{pid}"] = f"Опис {pid}"
    fields[f"remove_{ids[1]}"] = "1"
    st, _, _ = editor.post(f"/admin/articles/{aid}/gallery", fields)
    check(st == 303, "gallery saved")
    st, _, body = editor.get(f"/admin/articles/{aid}")
    now = re.findall(r'name="order_(\d+)"', body)
    check(now == [ids[-1]] + [p for p in reversed(ids[:-1]) if p != ids[1]],
          f"reordered and removed: {ids} -> {now}")
    check(f"Підпис {ids[-1]}" in body, "caption saved")

    db = sqlite3.connect(srv.db)
    exif = db.execute("SELECT count(*) FROM photos WHERE article_id=?", (aid,)).fetchone()[0]
    db.close()
    check(exif == len(now), "photos stored")


def check_admin_pages(srv, boss):
    bcsrf = boss.csrf()
    st, _, body = boss.get("/admin/tags")
    check(st == 200 and "безпека" in body, "tags page")
    db = sqlite3.connect(srv.db)
    new_id = db.execute("SELECT id FROM tags WHERE name='Новий тег'").fetchone()[0]
    db.close()
    st, _, _ = boss.post(f"/admin/tags/{new_id}/merge", {"csrf": bcsrf, "into": "безпека"})
    check(st == 303, "merge tags")
    st, _, _ = boss.post("/admin/departments", {"csrf": bcsrf, "name": "Управління тестування", "slug": ""})
    check(st == 303, "department added")
    st, _, _ = boss.post("/admin/pages/new", {"csrf": bcsrf, "slug": "test-page", "title": "Тестова сторінка", "body": "Текст **сторінки**"})
    check(st == 303, "page created")
    st, _, page = srv.get("/pages/test-page")
    check(st == 200 and "Тестова сторінка".encode() in page, "new page is public")
    st, _, _ = boss.post("/admin/settings", {"csrf": bcsrf, "site_name": "Тестова адміністрація",
                                            "phone": "+380 (532) 56-02-90"})
    check(st == 303, "settings saved")
    st, _, home = srv.get("/")
    check("Тестова адміністрація".encode() in home, "site name changed on the public site")
    st, _, _ = boss.post("/admin/users", {"csrf": bcsrf, "name": "Newbie", "role": "author",
                                         "password": PW, "password2": PW})
    check(st == 303, "admin creates a user")
    c = Client(srv)
    st, _, _ = c.login("newbie")
    check(st == 303, "the new user logs in")
    db = sqlite3.connect(srv.db)
    uid = db.execute("SELECT id FROM users WHERE name='newbie'").fetchone()[0]
    db.close()
    st, _, _ = boss.post(f"/admin/users/{uid}", {"csrf": bcsrf, "op": "disable"})
    check(st == 303, "user disabled")
    st, h, _ = c.get("/admin")
    check(st == 303 and "/admin/login" in h.get("location", ""), "a disabled user's session ends")

    st, _, body = boss.get("/admin/audit?action=article.publish")
    check(st == 200 and "<code>article.publish</code>" in body
          and "<code>article.withdraw</code>" not in body,
          "audit log filtered by action")
    st, _, body = boss.get("/admin/audit?user=editor1")
    check("editor1" in body and "<td>boss</td>" not in body, "audit log filtered by user")
    db = sqlite3.connect(srv.db)
    for sql in ("UPDATE audit_log SET action='x'", "DELETE FROM audit_log"):
        try:
            db.execute(sql)
            db.commit()
            check(False, f"audit log refuses: {sql}")
        except sqlite3.DatabaseError as e:
            check("append-only" in str(e), f"audit log refuses {sql.split()[0]}")
    actions = {r[0] for r in db.execute("SELECT DISTINCT action FROM audit_log")}
    db.close()
    for a in ("login", "login.failed", "logout", "article.create", "article.submit", "article.publish",
              "article.withdraw", "article.restore", "photo.upload", "photo.refused", "banner.set",
              "banner.clear", "settings.save", "user.create", "user.disable", "tag.merge"):
        check(a in actions, f"audited: {a}")


def main():
    t = time.time()
    # The search index stems with hunspell's Ukrainian dictionary, whose loading takes a
    # minute under ASan on a busy machine; search is not what this file tests, so the
    # server gets a one-word dictionary.
    dict_dir = tempfile.mkdtemp(prefix="visnyk-dict-")
    with open(os.path.join(dict_dir, "t.aff"), "w") as f:
        f.write("SET UTF-8\n")
    with open(os.path.join(dict_dir, "t.dic"), "w") as f:
        f.write("1\nтест\n")
    env = {"VISNYK_HUNSPELL_AFF": os.path.join(dict_dir, "t.aff"),
           "VISNYK_HUNSPELL_DIC": os.path.join(dict_dir, "t.dic")}
    srv = Server(demo=False, env=env)  # the demo import costs a minute under ASan
    add_user(srv, "boss", "admin")
    add_user(srv, "editor1", "editor")
    add_user(srv, "writer", "author")
    t = time.time()
    check_cli(srv)
    print(f"check_cli: {time.time() - t:.1f} s")
    with srv:
        boss, author, editor = Client(srv), Client(srv), Client(srv)
        t = time.time()
        check_security(srv, boss, author)
        print(f"check_security: {time.time() - t:.1f} s")
        editor.login("editor1")
        t = time.time()
        check_workflow(srv, boss, author, editor)
        print(f"check_workflow: {time.time() - t:.1f} s")
        t = time.time()
        check_banner(srv, editor)
        print(f"check_banner: {time.time() - t:.1f} s")
        t = time.time()
        check_uploads(srv, editor, author)
        print(f"check_uploads: {time.time() - t:.1f} s")
        t = time.time()
        check_admin_pages(srv, boss)
        print(f"check_admin_pages: {time.time() - t:.1f} s")
        t = time.time()
        check_throttling(srv)
        print(f"check_throttling: {time.time() - t:.1f} s")
        t = time.time()
        check_schedule(srv, editor)
        print(f"check_schedule: {time.time() - t:.1f} s")
        check_publish_date(srv, editor)
        t = time.time()
        check_slug_history(srv, editor)
        print(f"check_slug_history: {time.time() - t:.1f} s")
        check_words(srv, editor)
        check_gallery_conflict(srv, editor, boss)
        check_author_after_submit(srv, author)
    done()


if __name__ == "__main__":
    main()
