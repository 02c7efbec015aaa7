"""The English version (issue 14) over HTTP on the demo content: every reader's page type
under /en and /en/lv in English (lang, catalog strings, dates), lists and search that
show only English articles (English stems), hreflang pairs and the language switch,
feeds per language, an English article without its Ukrainian original refused by the
importer, and a translation made in the workspace reaching the site at once."""
import html
import html.parser
import os
import re
import sqlite3
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

from harness import Server, check, done
from test_admin import Client, add_user

SEED_UK = "/news/na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"
SEED_EN = "/news/poltava-region-projects-with-the-eu-advisory-mission"
ATTACK_EN = "/news/the-enemy-attacked-the-poltava-region-twice-on-27-december"
# the demo's English articles (demo/en), newest first
EN_TITLES = [
    "A network of general and specialised services supports survivors of domestic violence "
    "in the Poltava Region",
    "Advice for drivers and pedestrians on icy roads",
    "Free rehabilitation: who, what and where?",
    "State Archives of the Poltava Region: key figures for 2025",
    "Work with the Government Contact Centre continues",
    "Forecasters warn of wind gusts and a snowstorm",
    "Regional cultural institutions publish their January programme",
    "More than 3,000 children saw the Poltava Regional Philharmonic's musical "
    "“A Fairy-Tale Winter Night's Dream” in 2025",
    "Internet without power: Invincibility Points switch to Starlink or xPON",
    "Poltava Region to carry out projects together with the European Union Advisory Mission",
    "“Community Youth: Know, Be Able, Act”: the Poltava Region's experience presented at the "
    "launch of a handbook in Kyiv",
    "In focus – the safety of pupils and staff during the winter holidays",
    "The enemy attacked the Poltava Region twice on 27 December"]
ATTACK = EN_TITLES[-1]
STARLINK = EN_TITLES[8]
# a Ukrainian article of the demo without a translation
UNTRANSLATED = "/news/u-reshetylivtsi-vidkryly-tsentr-nadannia-sotsialnykh-posluh"
PAGES = ["/", "/news", SEED_EN, "/tags", "/tags/bezpeka", "/departments", "/archive",
         "/archive/2024", "/archive/2024/08", "/pages/about", "/sitemap", "/search?q=shelter",
         "/subscribe"]
NOT_MIRRORED = ("/static/", "/media/", "/documents/", "/feed.xml", "/atom.xml", "/sitemap.xml",
                "/sitemaps/", "/api/", "/.well-known/", "/admin")
ATOM = "{http://www.w3.org/2005/Atom}"


class Page(html.parser.HTMLParser):
    """The parts this test reads: html lang, links, forms, hreflang alternates, the
    canonical link, the language switch, the body's class and the h1."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = self.canonical = self.lang_switch = self.lv_switch = self.body_class = None
        self.links, self.actions, self.alternates = [], [], {}
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
            if "variant-switch" in (a.get("class") or ""):
                self.lv_switch = a["href"]
            if "lang-switch" in (a.get("class") or ""):
                self.lang_switch = a["href"]
                self.lang_switch_lang = a.get("lang")
        elif tag == "form" and "action" in a:
            self.actions.append(a["action"])
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a.get("href")
        elif tag == "link" and a.get("rel") == "alternate" and "hreflang" in a:
            self.alternates[a["hreflang"]] = a["href"]
        elif tag == "body":
            self.body_class = a.get("class") or ""
        elif tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def parse(body):
    p = Page()
    p.feed(body.decode() if isinstance(body, bytes) else body)
    return p


def internal(href):
    u = urllib.parse.urlsplit(href)
    if u.scheme or u.netloc or not u.path.startswith("/"):
        return None
    return u.path


def under(path, prefix):
    return path == prefix or path.startswith(prefix + "/")


def check_pages(srv):
    for path in PAGES:
        for prefix in ("/en", "/en/lv"):
            url = prefix + (path if path != "/" else "")
            st, h, body = srv.get(url)
            check(st == 200, f"{url} answers 200 ({st})")
            if st != 200:
                continue
            text = body.decode()
            p = parse(text)
            check(p.lang == "en", f"{url}: html lang is en ({p.lang})")
            check("Skip to main content" in text, f"{url}: English strings from the catalog")
            check("Перейти до основного вмісту" not in text, f"{url}: no Ukrainian interface text")
            check(re.search(r'class="brand"[^>]*>.*?<span lang="uk">', text) is not None,
                  f"{url}: the Ukrainian site name is marked lang=uk")
            check(("lv" in p.body_class.split()) == (prefix == "/en/lv"),
                  f"{url}: the mode is right ({p.body_class!r})")
            bad = [l for l in p.links + p.actions if internal(l) is not None
                   and not internal(l).startswith(NOT_MIRRORED)
                   and l not in (p.lang_switch, p.lv_switch)
                   and not under(internal(l), "/en/lv" if prefix == "/en/lv" else "/en")
                   and not (prefix == "/en" and under(internal(l), "/en/lv"))]
            check(not bad, f"{url}: page links stay in the English version ({bad[:4]})")
            # the switch: the same page in Ukrainian, the same mode
            uk_prefix = "/lv" if prefix == "/en/lv" else ""
            check(p.lang_switch is not None and p.lang_switch_lang == "uk",
                  f"{url}: a language switch marked lang=uk ({p.lang_switch})")
            plain = path.split("?")[0]
            if plain.startswith("/news/"):
                want = uk_prefix + SEED_UK
            elif plain == "/search":
                want = uk_prefix + path
            else:
                want = (uk_prefix + path) if path != "/" else (uk_prefix or "/")
            check(p.lang_switch == want, f"{url}: the switch leads to {want} ({p.lang_switch})")
            check(h.get("cache-control", "").startswith("public"), f"{url}: cacheable")


def check_lists(srv):
    st, _, body = srv.get("/en/news")
    text = body.decode()
    found = [(h, html.unescape(t)) for h, t in
             re.findall(r'<h2 class="card-title"><a href="([^"]+)">([^<]+)</a>', text)]
    check([t for _, t in found] == EN_TITLES, f"/en/news lists exactly the English articles {found}")
    check(all(u.startswith("/en/news/") for u, _ in found), "/en/news links stay English")
    check("1 August 2024" in srv.get("/en" + SEED_EN)[2].decode(),
          "the English date: 1 August 2024 (no leading zero, English month)")
    seed = srv.get("/en" + SEED_EN)[2].decode()
    check("1 August 2024, 16:51" in seed, "the English date with time: 1 August 2024, 16:51")
    check('<ul class="depts" aria-label="Departments" lang="uk">' in seed
          and '<ul class="chips" lang="uk">' in seed,
          "the Ukrainian department and tag names are marked lang=uk")
    marks = re.findall(r'<(\w+)[^>]*\slang="uk"', srv.get(SEED_UK)[2].decode())
    check(marks == ["html"], f"the Ukrainian page needs no such marks ({marks})")
    st, _, body = srv.get("/en/tags/bezpeka")
    titles = re.findall(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a>', body.decode())
    check(titles and all(t in EN_TITLES for t in titles),
          f"/en/tags/bezpeka lists only English articles ({titles})")
    st, _, body = srv.get("/news")
    check(not any(t in body.decode() for t in EN_TITLES), "/news lists no English article")
    for index, prefix in (("/tags", "/en/tags/"), ("/departments", "/en/departments/")):
        text = srv.get("/en" + index)[2].decode()
        refs = re.findall(r'<li><a href="(' + prefix + r'[^"]+)">[^<]+</a> <span class="count">\((\d+)\)', text)
        uk = srv.get(index)[2].decode().count('<span class="count">')
        check(0 < len(refs) < uk, f"/en{index} lists only those with English articles ({len(refs)} of {uk})")
        for href, count in refs[:3]:
            items = srv.get(href)[2].decode().count('<h2 class="card-title">')
            check(items == int(count), f"{href}: the index counts its English articles ({items} {count})")
    check(srv.get("/en" + SEED_UK)[0] == 404, "a Ukrainian slug under /en answers 404")
    check(srv.get(SEED_EN)[0] == 404, "an English slug without /en answers 404")
    st, _, body = srv.get("/en/no-such-page")
    p = parse(body)
    check(st == 404 and p.lang == "en" and "Page not found" in body.decode(),
          f"an English 404 in English ({st}, {p.lang}, {p.h1!r})")
    check(p.lang_switch == "/", f"the English 404's switch leads to the Ukrainian home ({p.lang_switch})")


def check_hreflang(srv):
    base = f"http://127.0.0.1:{srv.port}"
    want = {"uk": base + SEED_UK, "en": base + "/en" + SEED_EN, "x-default": base + SEED_UK}
    for url in (SEED_UK, "/en" + SEED_EN):
        p = parse(srv.get(url)[2])
        check(p.alternates == want, f"{url}: hreflang pairs the article and its translation {p.alternates}")
    p = parse(srv.get("/en" + SEED_EN)[2])
    check(p.canonical == base + "/en" + SEED_EN, f"the English article is its own canonical ({p.canonical})")
    p = parse(srv.get(SEED_UK)[2])
    check(p.lang_switch == "/en" + SEED_EN, f"the Ukrainian article's switch leads to its translation ({p.lang_switch})")
    p = parse(srv.get(UNTRANSLATED)[2])
    check(not p.alternates, f"an untranslated article has no hreflang ({p.alternates})")
    check(p.lang_switch == "/en", f"... and its switch leads to the English home ({p.lang_switch})")
    p = parse(srv.get("/lv" + UNTRANSLATED)[2])
    check(p.lang_switch == "/en/lv", f"... in the low-vision mode too ({p.lang_switch})")
    p = parse(srv.get("/news")[2])
    check(p.alternates == {"uk": base + "/news", "en": base + "/en/news", "x-default": base + "/news"},
          f"/news pairs with /en/news {p.alternates}")
    p = parse(srv.get("/en/lv/news")[2])
    check(not p.alternates, "the low-vision copies (noindex) carry no hreflang")
    p = parse(srv.get("/en/pages/about")[2])
    check(not p.alternates, "an English static page without a translation carries no hreflang")
    body = srv.get("/en/pages/about")[2].decode()
    check(re.search(r'<div class="body" lang="uk">', body) is not None,
          "the Ukrainian text on the English static page is marked lang=uk")


def titles_of(srv, url):
    body = srv.get(url)[2].decode()
    if 'class="search-summary"' not in body:
        return []
    return [html.unescape(t) for t in re.findall(r'<h2><a href="/en/news/[^"]+">([^<]+)</a>',
                                                 body.split('class="search-summary"')[1])]


def check_search(srv):
    # porter stems: the text says "shelter" and "are inspecting"
    # (other articles say "shelters": the attack article, which says only "shelter", is
    # found through the stem)
    check(ATTACK in titles_of(srv, "/en/search?q=shelters"),
          f"'shelters' finds the article that says 'shelter' ({titles_of(srv, '/en/search?q=shelters')})")
    check(titles_of(srv, "/en/search?q=inspected+buildings") == [ATTACK],
          "'inspected buildings' finds 'inspecting the buildings'")
    check(titles_of(srv, "/en/search?q=Starlink") == [STARLINK], "a search is case-insensitive")
    check(titles_of(srv, "/en/search?q=%22shelter%22+OR+NEAR") == [],
          "quotes and operators are words, not syntax")
    st, _, body = srv.get("/en/search?q=%D0%B1%D0%B5%D0%B7%D0%BF%D0%B5%D0%BA%D0%B0")
    check(st == 200 and 'class="search-summary"' not in body.decode(),
          "a Ukrainian word on the English search finds nothing")
    st, _, body = srv.get("/search?q=shelter")
    check(st == 200 and not any(t in body.decode() for t in EN_TITLES),
          "the Ukrainian search does not find English articles")


def check_feeds(srv):
    base = f"http://127.0.0.1:{srv.port}"
    st, h, body = srv.get("/en/feed.xml")
    check(st == 200 and "rss" in h.get("content-type", ""), f"/en/feed.xml answers ({st})")
    root = ET.fromstring(body)
    ch = root.find("channel")
    check(ch.findtext("language") == "en", "the English RSS says language en")
    check(ch.findtext("link") == base + "/en/news", "... links the English list")
    items = [(i.findtext("title"), i.findtext("link")) for i in ch.findall("item")]
    check([t for t, _ in items] == EN_TITLES, f"... holds the English articles {items}")
    check(all(l.startswith(base + "/en/news/") for _, l in items), "... with English links")
    st, _, body = srv.get("/en/atom.xml")
    root = ET.fromstring(body)
    check(root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en", "the English Atom is xml:lang en")
    check(len(root.findall(ATOM + "entry")) == len(EN_TITLES), "... with every English article")
    check(b"<visnyk:signature" not in body, "... unsigned (signatures cover the Ukrainian text)")
    check(b"<visnyk:signature" in srv.get("/atom.xml")[2], "(the Ukrainian Atom is signed)")
    st, _, body = srv.get("/feed.xml")
    check(b"/en/news/" not in body and b"<language>uk</language>" in body,
          "the Ukrainian feed stays Ukrainian")
    st, _, body = srv.get("/en/tags/bezpeka/feed.xml")
    check(st == 200 and b"<language>en</language>" in body, f"a tag's English feed ({st})")
    p = parse(srv.get("/en/news")[2])
    body = srv.get("/en/news")[2].decode()
    check('href="/en/feed.xml"' in body and 'href="/feed.xml"' not in body,
          "English pages announce the English feeds")


def check_sitemaps(srv):
    base = f"http://127.0.0.1:{srv.port}"
    sm = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    xhtml = "{http://www.w3.org/1999/xhtml}"
    st, _, body = srv.get("/sitemap.xml")
    locs = [e.text for e in ET.fromstring(body).iter(sm + "loc")]
    check(base + "/sitemaps/en.xml" in locs, f"the sitemap index names en.xml ({locs[-3:]})")
    st, h, body = srv.get("/sitemaps/en.xml")
    check(st == 200 and "xml" in h.get("content-type", ""), f"/sitemaps/en.xml answers ({st})")
    urls = {}
    for u in ET.fromstring(body).iter(sm + "url"):
        urls[u.findtext(sm + "loc")] = {l.get("hreflang"): l.get("href")
                                         for l in u.iter(xhtml + "link")}
    pair = {"uk": base + SEED_UK, "en": base + "/en" + SEED_EN, "x-default": base + SEED_UK}
    check(urls.get(base + "/en" + SEED_EN) == pair, "the English article's entry names both versions")
    check(urls.get(base + SEED_UK) == pair, "... and so does its original's")
    check(urls.get(base + "/en/news", {}).get("uk") == base + "/news", "sections are paired too")
    english = [u for u in urls if u.startswith(base + "/en/news/")]
    check(len(english) == len(EN_TITLES), f"every English article, no more ({len(english)})")
    check(base + "/en" + UNTRANSLATED not in urls and base + UNTRANSLATED not in urls,
          "an untranslated article is not in en.xml")


def import_file(srv, text):
    d = tempfile.mkdtemp(prefix="visnyk-en-")
    path = os.path.join(d, "en.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return srv.run_cli("import", "--db", srv.db, path)


def check_import(srv):
    orphan = ("---\nlang: en\ntranslation_of: no-such-article\ntitle: An orphan\n"
              "slug: an-orphan\n---\nText.\n")
    r = import_file(srv, orphan)
    check(r.returncode != 0 and "import the Ukrainian original first" in r.stderr + r.stdout,
          f"an English article whose original is missing is refused: {r.stderr}{r.stdout}")
    r = import_file(srv, "---\nlang: en\ntitle: No original\n---\nText.\n")
    check(r.returncode != 0 and "translation_of" in r.stderr + r.stdout,
          f"an English article that names no original is refused: {r.stderr}{r.stdout}")
    r = import_file(srv, "---\nlang: en\ntranslation_of: molod-hromady-znaty-vmity-diiaty\n"
                         "title: T\ndate: 2024-08-01 10:00\n---\nText.\n")
    check(r.returncode != 0 and "from its original" in r.stderr + r.stdout,
          f"a translation may not set its own date: {r.stderr}{r.stdout}")
    r = import_file(srv, "---\nlang: de\ntitle: T\ndate: 2024-08-01 10:00\n---\nText.\n")
    check(r.returncode != 0 and "lang must be" in r.stderr + r.stdout, "an unknown language is refused")


def check_workspace(srv):
    add_user(srv, "editor1", "editor")
    ed = Client(srv)
    ed.login("editor1")
    db = sqlite3.connect(srv.db)
    aid = db.execute("SELECT id FROM articles WHERE slug = ?", (UNTRANSLATED[6:],)).fetchone()[0]
    db.close()
    st, _, body = ed.get("/admin/translations")
    before = re.search(r"Опублікованих новин без перекладу: (\d+)", body)
    check(st == 200 and before and int(before.group(1)) > 300,
          f"/admin/translations counts the untranslated articles ({st} {before and before.group(1)})")
    check(body.count('/en">') >= 40, "... and lists them with links to their translation form")
    st, _, body = ed.get(f"/admin/articles/{aid}")
    check(f'href="/admin/articles/{aid}/en"' in body, "the article's editor links «Переклад англійською»")
    def marked(q):
        body = ed.get("/admin/articles?q=" + urllib.parse.quote(q))[2]
        return "без перекладу англійською" in body
    check(marked("У Решетилівці відкрили центр надання соціальних послуг"), "the article list marks a published article without a translation")
    check(not marked("Консультативною місією"), "... and not one that has it")
    # the Ukrainian article's page is cached before the translation exists
    check(parse(srv.get(UNTRANSLATED)[2]).lang_switch == "/en", "before: the switch leads home")
    csrf = ed.csrf(f"/admin/articles/{aid}/en")
    st, h, _ = ed.post(f"/admin/articles/{aid}/en", {
        "csrf": csrf, "title": "A social services centre opened in Reshetylivka", "slug": "",
        "lead": "Reshetylivka opened a centre of social services.", "body": "The centre helps *families* and older people.",
        "published": "1"})
    check(st == 303 and f"/admin/articles/{aid}/en" in h.get("location", ""),
          f"the translation is saved ({st} {h.get('location')})")
    en_path = "/en/news/a-social-services-centre-opened-in-reshetylivka"
    st, _, body = srv.get(en_path)
    check(st == 200 and "A social services centre opened in Reshetylivka" in body.decode(),
          f"the translation is on the English site, slug from its title ({st})")
    p = parse(srv.get(UNTRANSLATED)[2])
    check(p.lang_switch == en_path, f"after: the cached Ukrainian page's switch names it ({p.lang_switch})")
    check("A social services centre opened in Reshetylivka" in srv.get("/en/news")[2].decode(), "the English list shows it at once")
    st, _, body = ed.get("/admin/translations")
    after = re.search(r"Опублікованих новин без перекладу: (\d+)", body)
    check(after and int(after.group(1)) == int(before.group(1)) - 1,
          "it leaves the list of untranslated articles")
    check(not marked("У Решетилівці відкрили центр надання соціальних послуг"), "... and loses its mark in the article list")
    # another article may not take the slug
    other = int(re.search(r'href="/admin/articles/(\d+)/en"', body).group(1))
    st, _, body = ed.post(f"/admin/articles/{other}/en", {
        "csrf": csrf, "title": "Another", "slug": "a-social-services-centre-opened-in-reshetylivka",
        "published": "1"})
    check(st == 409, f"a taken English slug is refused with 409 ({st})")
    # a draft translation is not public
    st, _, _ = ed.post(f"/admin/articles/{aid}/en", {
        "csrf": csrf, "title": "A social services centre opened in Reshetylivka",
        "slug": "a-social-services-centre-opened-in-reshetylivka", "body": "Draft."})
    check(srv.get(en_path)[0] == 404, "a translation saved as a draft leaves the English site")
    check(parse(srv.get(UNTRANSLATED)[2]).lang_switch == "/en", "... and the Ukrainian switch")
    st, _, _ = ed.post("/admin/articles/999999/en", {"csrf": csrf, "title": "X", "published": "1"})
    check(st == 404, f"a translation of a missing article is refused ({st})")
    st, _, _ = Client(srv).get(f"/admin/articles/{aid}/en")
    check(st in (302, 303), "the form needs a session")


def check_english_name():
    """site_name_en and site_tagline_en: the English pages and feeds use them, unmarked;
    the Ukrainian pages keep the Ukrainian name."""
    srv = Server()
    db = sqlite3.connect(srv.db)
    db.executemany("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [
        ("site_name_en", "Poltava Regional Military Administration"),
        ("site_tagline_en", "Official website")])
    # an original withdrawn takes its translation off the English site
    db.execute("UPDATE articles SET status = 'withdrawn' WHERE slug = ?",
               ("27-hrudnia-voroh-dvichi-atakuvav-poltavshchynu",))
    db.commit()
    db.close()
    with srv.start():
        text = srv.get("/en/news")[2].decode()
        check(re.search(r'class="brand"[^>]*>.*?<span>Poltava Regional Military Administration</span>',
                        text) is not None, "the English name in the header, not marked uk")
        check('<p class="footer-name">Poltava Regional Military Administration</p>' in text,
              "... and in the footer")
        check("<title>News — Poltava Regional Military Administration</title>" in text,
              "... and in the title")
        rss = srv.get("/en/feed.xml")[2].decode()
        check("<title>Poltava Regional Military Administration</title>" in rss
              and "<description>Official website</description>" in rss,
              "the English feed takes the English name and tagline")
        check(srv.get("/en" + ATTACK_EN)[0] == 404, "a translation of a withdrawn article answers 404")
        check(ATTACK not in text and ATTACK not in rss,
              "... and leaves the English list and feed")
        check(ATTACK not in titles_of(srv, "/en/search?q=shelters"), "... and the English search")
        uk = srv.get("/news")[2].decode()
        check("Poltava Regional Military Administration" not in uk, "the Ukrainian pages do not")
        add_user(srv, "admin1", "admin")
        boss = Client(srv)
        boss.login("admin1")
        st, _, body = boss.get("/admin/settings")
        check('name="site_name_en" value="Poltava Regional Military Administration"' in body,
              "the settings page edits the English name")


def main():
    srv = Server()
    # the demo names the site in English too: take that away to see the fallback (the
    # Ukrainian name, marked lang=uk); check_english_name covers the English one
    db = sqlite3.connect(srv.db)
    db.execute("DELETE FROM settings WHERE key IN ('site_name_en', 'site_tagline_en')")
    db.commit()
    db.close()
    with srv.start():
        check_pages(srv)
        check_lists(srv)
        check_hreflang(srv)
        check_search(srv)
        check_feeds(srv)
        check_sitemaps(srv)
        check_import(srv)
        check_workspace(srv)
    check_english_name()
    done()


if __name__ == "__main__":
    main()
