"""The low-vision mode («Версія для людей з порушеннями зору») over HTTP on the demo
content: every reader's page type has a copy under /lv/ in the low-vision design (its
stylesheet, no images, the photos' alt text instead), whose page links stay under /lv/,
whose canonical link is the plain page and which is not indexed; the switch on every
page leads to the same page in the other mode and back; an editor's save reaches the
/lv/ copy at once; feeds, sitemaps and files are not mirrored."""
import html.parser
import re
import sqlite3
import urllib.parse

from harness import Server, check, done
from test_admin import Client, add_user, article_form, article_id_from

SEED = "/news/na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"
# one page of every type a reader meets (the query is kept by the switch)
PAGES = ["/", "/news", SEED, "/tags", "/tags/bezpeka", "/departments", "/archive",
         "/archive/2024", "/archive/2024/08", "/pages/about", "/pages/contacts", "/sitemap",
         "/search?q=%D0%B1%D0%B5%D0%B7%D0%BF%D0%B5%D0%BA%D0%B0", "/subscribe"]
# links that lead to files or machine formats, the same in both modes
NOT_MIRRORED = ("/static/", "/media/", "/documents/", "/feed.xml", "/atom.xml", "/sitemap.xml",
                "/sitemaps/", "/api/", "/.well-known/", "/admin")


class Page(html.parser.HTMLParser):
    """Collects what this test looks at: links and form targets, images, the canonical
    link, robots, stylesheets, the body's class and the mode switch."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.actions, self.imgs, self.styles = [], [], [], []
        self.canonical = self.robots = self.body_class = self.switch = None
        self._in_switch = False
        self.switch_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
            if "variant-switch" in (a.get("class") or ""):
                self.switch = a["href"]
                self._in_switch = True
        elif tag == "form" and "action" in a:
            self.actions.append(a["action"])
        elif tag in ("img", "picture", "source"):
            self.imgs.append(a.get("src") or a.get("srcset") or tag)
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a.get("href")
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.styles.append(a.get("href"))
        elif tag == "link" and a.get("rel") == "search":
            self.links.append(a["href"])
        elif tag == "meta" and a.get("name") == "robots":
            self.robots = a.get("content")
        elif tag == "body":
            self.body_class = a.get("class") or ""

    def handle_endtag(self, tag):
        if tag == "a":
            self._in_switch = False

    def handle_data(self, data):
        if self._in_switch:
            self.switch_text += data


def parse(body):
    p = Page()
    p.feed(body.decode() if isinstance(body, bytes) else body)
    return p


def internal(href):
    """The site-relative path of a link on this site, or None (anchors, other sites,
    mailto:, tel:)."""
    u = urllib.parse.urlsplit(href)
    if u.scheme or u.netloc or not u.path.startswith("/"):
        return None
    return u.path


def check_page_pair(srv, path):
    lv = "/lv" + path if path != "/" else "/lv"
    st, h, body = srv.get(lv)
    check(st == 200, f"{lv} answers 200 ({st})")
    if st != 200:
        return
    p = parse(body)
    check("lv" in p.body_class.split(), f"{lv}: body in the low-vision mode ({p.body_class!r})")
    check(any("/static/lowvision." in s for s in p.styles), f"{lv}: low-vision stylesheet {p.styles}")
    check(not p.imgs, f"{lv}: no images ({p.imgs[:3]})")
    bad = [l for l in p.links + p.actions if internal(l) is not None
           and not internal(l).startswith(NOT_MIRRORED)
           and not (internal(l) == "/lv" or internal(l).startswith("/lv/")) and l != p.switch
           # the language switch stays in the mode too: the English low-vision copy
           and not (internal(l) == "/en/lv" or internal(l).startswith("/en/lv/"))]
    check(not bad, f"{lv}: every page link stays under /lv/ ({bad[:5]})")
    plain = path.split("?")[0]
    base = f"http://127.0.0.1:{srv.port}"  # base_url defaults to the listening address
    check(p.canonical == base + plain, f"{lv}: canonical is the plain page ({p.canonical})")
    check(p.robots == "noindex", f"{lv}: noindex ({p.robots})")
    check(p.switch == path, f"{lv}: the switch leads to {path} ({p.switch})")
    check(p.switch_text.strip() == "Звичайна версія", f"{lv}: switch text {p.switch_text!r}")
    check(h.get("cache-control", "").startswith("public"), f"{lv}: cacheable ({h.get('cache-control')})")

    st, _, body = srv.get(path)
    check(st == 200, f"{path} answers 200 ({st})")
    q = parse(body)
    check("lv" not in q.body_class.split(), f"{path}: plain mode")
    check(not any("/static/lowvision." in s for s in q.styles), f"{path}: no low-vision stylesheet")
    check(q.robots != "noindex" or path.startswith("/search") or path.startswith("/subscribe"),
          f"{path}: indexed ({q.robots})")
    check(q.switch == lv, f"{path}: the switch leads to {lv} ({q.switch})")
    check(q.switch_text.strip() == "Версія для людей з порушеннями зору",
          f"{path}: switch text {q.switch_text!r}")
    leaked = [l for l in q.links + q.actions if internal(l) and internal(l).startswith("/lv")
              and l != q.switch]
    check(not leaked, f"{path}: plain page links stay plain ({leaked[:3]})")
    return p, q


def check_seed_photos(srv):
    _, _, plain = srv.get(SEED)
    _, _, lv = srv.get("/lv" + SEED)
    q, p = parse(plain), parse(lv)
    check(len(q.imgs) > 0, f"the plain seed article has photos ({len(q.imgs)})")
    text = lv.decode()
    m = re.search(r'<ol class="photo-list">(.*?)</ol>', text, re.S)
    check(m is not None, "the /lv/ gallery is a list of the photos as text")
    if m:
        items = re.findall(r"<li>(.*?)</li>", m.group(1), re.S)
        check(len(items) >= 1 and all(i.strip() for i in items),
              f"every photo is told in words ({len(items)} items)")
        # the alt texts the plain page gives its photos are what the list says
        alts = set(re.findall(r'<img [^>]*alt="([^"]+)"', plain.decode()))
        check(any(a in m.group(1) for a in alts), "the list holds the photos' alt text")
    check(len(lv) < len(plain), f"the /lv/ article is smaller ({len(lv)} < {len(plain)} bytes)")


def check_not_mirrored(srv):
    for path in ["/lv/feed.xml", "/lv/atom.xml", "/lv/sitemap.xml", "/lv/static/site.css",
                 "/lv/tags/bezpeka/feed.xml", "/lv/admin"]:
        st, _, body = srv.get(path)
        check(st == 404, f"{path} is not mirrored: 404 ({st})")
    st, _, body = srv.get("/lv/no-such-page")
    check(st == 404, f"/lv/no-such-page: 404 ({st})")
    p = parse(body)
    check("lv" in p.body_class.split(), f"the /lv/ 404 page is in the low-vision mode ({p.body_class!r})")
    check(not p.imgs, "the /lv/ 404 page has no images")
    check(p.switch == "/", f"its switch leads to the plain home ({p.switch})")
    home = [l for l in p.links if internal(l) in ("/lv", "/lv/")]
    check(home, "its links lead to the /lv/ home")
    st, _, body = srv.get("/no-such-page")
    p = parse(body)
    check(st == 404 and "lv" not in p.body_class.split(), "the plain 404 page is plain")
    check(p.switch == "/lv", f"its switch leads to the /lv/ home ({p.switch})")
    # the sitemap files list plain pages only
    st, _, body = srv.get("/sitemap.xml")
    text = body.decode()
    for m in re.findall(r"<loc>([^<]+)</loc>", text):
        st, _, sub = srv.get(urllib.parse.urlsplit(m).path)
        check("/lv" not in sub.decode(), f"{m} lists no /lv/ page")
    st, _, body = srv.get("/lv?after=x")
    check(st == 200, f"/lv ignores a query its page does not read ({st})")


def check_switch_round_trip(srv):
    path = "/news"
    _, _, body = srv.get(path)
    there = parse(body).switch
    _, _, body = srv.get(there)
    back = parse(body).switch
    check(there == "/lv/news" and back == "/news", f"/news → {there} → {back}")
    # a list page further on keeps its cursor in the other mode
    _, _, body = srv.get("/lv/news")
    nxt = [l for l in parse(body).links if "after=" in l]
    check(nxt and nxt[0].startswith("/lv/news?after="), f"/lv/news pages on under /lv/ ({nxt[:1]})")
    if nxt:
        _, _, body = srv.get(nxt[0])
        sw = parse(body).switch
        check(sw == nxt[0][len("/lv"):], f"the switch keeps the query ({sw})")


def check_edit_reaches_lv(srv):
    ed = Client(srv)
    ed.login("editor1")
    cs = ed.csrf()
    st, h, _ = ed.post("/admin/articles/new", article_form(cs, "Перша назва", action="publish"))
    check(st == 303, f"article created ({st})")
    aid = article_id_from(h)
    _, _, body = ed.get(f"/admin/articles/{aid}")
    slug = re.search(r'name="slug" value="([a-z0-9-]+)"', body).group(1)
    for path in (f"/lv/news/{slug}", "/lv", "/lv/news"):  # now in the page cache
        st, h, body = srv.get(path)
        check(st == 200 and "Перша назва" in body.decode(), f"{path} shows the article")
        st, h2, _ = srv.get(path)
        check(h2.get("etag") == h.get("etag"), f"{path} is served again unchanged (cached)")
    keys = h.get("surrogate-key", "")
    check(f"article:{aid}" in keys.split(), f"/lv/news carries the article's key ({keys[:80]})")
    v = re.search(r'name="version" value="(\d+)"', ed.get(f"/admin/articles/{aid}")[2]).group(1)
    st, _, _ = ed.post(f"/admin/articles/{aid}",
                       article_form(cs, "Друга назва", version=v, slug=slug, action="publish"))
    check(st == 303, f"article saved ({st})")
    for path in (f"/lv/news/{slug}", "/lv", "/lv/news"):
        body = srv.get(path)[2].decode()
        check("Друга назва" in body and "Перша назва" not in body,
              f"{path} shows the save at once")


def check_menu_and_banner(srv):
    """The editable menu's and banner's site links stay in the mode; other sites and
    files do not move."""
    _, _, body = srv.get("/lv/news")
    p = parse(body)
    check("/lv/pages/about" in p.links, "the banner's site link is under /lv/")
    check("/lv/news" in p.links and "https://www.kmu.gov.ua/" in p.links and
          "/feed.xml" in p.links, f"menu: /lv/news, kmu.gov.ua and /feed.xml as they were")
    _, _, body = srv.get("/news")
    p = parse(body)
    check("/pages/about" in p.links and "/news" in p.links, "the plain page's menu and banner")


def main():
    srv = Server()
    add_user(srv, "editor1", "editor")
    db = sqlite3.connect(srv.db)
    db.executemany("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [
        ("banner_text", "Графік відключень"), ("banner_link", "/pages/about"),
        ("menu", "Новини | /news\nУряд | https://www.kmu.gov.ua/\nRSS | /feed.xml")])
    db.commit()
    db.close()
    with srv.start():
        for path in PAGES:
            check_page_pair(srv, path)
        check_seed_photos(srv)
        check_not_mirrored(srv)
        check_switch_round_trip(srv)
        check_menu_and_banner(srv)
        check_edit_reaches_lv(srv)
    done()


if __name__ == "__main__":
    main()
