"""The public site over HTTP on the demo content: every part of the seed page, every
page family, links that resolve, caching validators, security headers."""
import gzip
import html.parser
import re
import urllib.parse

from harness import Server, check, done

SEED = "/news/na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"
SEED_TITLE = "На Полтавщині реалізовуватимуть проєкти спільно з Консультативною місією Європейського Союзу"
DEPARTMENTS = [
    "Департамент економічного розвитку, торгівлі та залучення інвестицій",
    "Департамент з питань оборонної роботи, цивільного захисту та взаємодії з правоохоронними органами",
    "Департамент інформаційної діяльності та комунікацій з громадськістю",
]
RELATED = [
    "27 грудня ворог двічі атакував Полтавщину",
    "У фокусі – питання безпеки учасників освітнього процесу під час зимових канікул",
    "«Молодь громади: знати, вміти, діяти»: досвід Полтавщини представили на презентації посібника у Києві",
]
LATEST = [
    "На Полтавщині для підтримки осіб постраждалих від домашнього насильства працює мережа загальних та спеціалізованих служб",
    "Поради водіям та пішоходам в ожеледицю",
    "Безоплатна реабілітація. Хто? Що? І куди?",
    "Державний архів Полтавської області. Основні показники за 2025 рік",
    "Триває взаємодія з Урядовим контактним центром",
    "Синоптики попереджають про пориви вітру та хуртовину",
    "Обласні заклади культури оприлюднили репертуар на січень",
    "Понад 3000 дітей переглянули у 2025 році мюзикл Полтавської обласної філармонії «Казковий сон зимової ночі»",
    "Інтернет без світла: Пункти незламності переходять на Starlink або xPON",
]
SECURITY_HEADERS = ["content-security-policy", "x-content-type-options", "referrer-policy"]


class Page(html.parser.HTMLParser):
    """Collects links, images, headings and ids of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.images, self.ids, self.h1 = [], [], set(), 0
        self.stylesheets, self.lang, self.text = [], None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "img":
            self.images.append(a)
        if tag == "source" and "srcset" in a:
            self.images.append({"srcset": a["srcset"], "alt": "(source)"})
        if tag == "h1":
            self.h1 += 1
        if tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a["href"])

    def handle_data(self, data):
        self.text.append(data)


def parse(body):
    p = Page()
    p.feed(body.decode("utf-8"))
    p.plain = re.sub(r"\s+", " ", "".join(p.text))
    return p


def internal(href):
    if href.startswith(("http://", "https://", "mailto:", "tel:")):
        return None
    if href.startswith("#"):
        return None
    return href.split("#", 1)[0]


def check_article(srv):
    st, hdr, body = srv.get(SEED)
    check(st == 200, f"seed article answers 200, got {st}")
    text = body.decode()
    p = parse(body)
    check(p.lang == "uk", "html lang=uk")
    check(p.h1 == 1, f"exactly one h1, got {p.h1}")
    for part in ["Перейти до основного вмісту", "Головна", "Новини", SEED_TITLE,
                 "01 серпня 2024, 16:51", "Загальне Фото (4)", "Василенко Касянов", "КМЄС (1)",
                 "«Мої колеги мають значний досвід", "пов’язані з війною", "Поділитись", "Теги",
                 "безпека", "Володимир Василенко", "право", "Новина за темою", "Останні новини",
                 "Більше новин", "ПОЛТАВСЬКА ОБЛАСНА ВІЙСЬКОВА АДМІНІСТРАЦІЯ", "Офіційний веб-сайт",
                 "36014, Полтава", "+380 (532) 56-02-90", "112",
                 "Creative Commons Attribution 4.0 International", "Технічна підтримка сайту",
                 "Мапа сайту"] + DEPARTMENTS + RELATED + LATEST:
        check(part in p.plain, f"article page shows {part!r}")
    check('datetime="2024-08-01T16:51:00+03:00"' in text, "<time datetime> in Kyiv summer time")
    check('href="#main"' in text and "main" in p.ids, "skip link points at #main")
    check("https://creativecommons.org/licenses/by/4.0/" in p.links, "CC BY 4.0 link")
    for share in ["facebook.com/sharer", "t.me/share", "twitter.com/intent", "mailto:"]:
        check(any(share in l for l in p.links), f"share link {share}")
    scripts = re.findall(r"<script[^>]*>", text)
    check(all(t == '<script type="application/ld+json">' for t in scripts),
          f"no executable scripts on the article page (only structured data): {scripts}")
    check(sum(1 for l in p.links if l.startswith("/departments/")) >= 3, "department links")
    check(sum(1 for l in p.links if l.startswith("/tags/")) >= 3, "tag links")
    check("/news" in p.links, "«Більше новин» links to /news")
    check("/sitemap" in p.links, "site map link")
    imgs = [i for i in p.images if "src" in i]
    check(len(imgs) >= 4, f"four gallery images, got {len(imgs)}")
    for i in imgs:
        # decorative images (the logo beside the site name) may have alt="", never none
        check("alt" in i, f"image {i.get('src')} has an alt attribute")
        if "/media/" in i.get("src", ""):
            check(i.get("alt"), f"photo {i.get('src')} has alt text")
    # Gallery previous/next without JavaScript: anchors to photos on the page.
    anchors = [l[1:] for l in p.links if l.startswith("#photo")]
    check(anchors and all(a in p.ids for a in anchors), "gallery prev/next anchors resolve")
    # Weight: HTML + CSS before images
    css = sum(len(srv.get(h)[2]) for h in p.stylesheets)
    check(len(body) + css < 60 * 1024, f"article page weighs {len(body) + css} bytes < 60 KB")
    for h in SECURITY_HEADERS:
        check(h in hdr, f"article has {h}")
    check("unsafe-inline" not in hdr.get("content-security-policy", "").split("script-src")[-1].split(";")[0],
          "CSP script-src has no unsafe-inline")
    return p


def check_links_resolve(srv, start_pages, limit=400):
    """Crawl from the start pages; every internal link and image must answer 200."""
    seen, queue, bad = set(), list(start_pages), []
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        st, hdr, body = srv.get(path)
        if st != 200:
            bad.append((path, st))
            continue
        if not hdr.get("content-type", "").startswith("text/html"):
            continue
        p = parse(body)
        for href in p.links + [i["src"] for i in p.images if "src" in i]:
            target = internal(href)
            if target and target not in seen:
                queue.append(urllib.parse.urljoin(path, target))
        for i in p.images:
            for part in i.get("srcset", "").split(","):
                url = part.strip().split(" ")[0]
                if url and url not in seen:
                    queue.append(url)
    check(not bad, f"every link resolves; broken: {bad[:10]}")
    check(len(seen) > 50, f"crawled {len(seen)} pages and files")


def check_pagination(srv):
    seen_titles, path, pages = [], "/news", 0
    while path and pages < 6:
        st, _, body = srv.get(path)
        check(st == 200, f"{path} answers 200")
        p = parse(body)
        arts = [l for l in p.links if l.startswith("/news/")]
        seen_titles.extend(dict.fromkeys(arts))
        nxt = [l for l in p.links if l.startswith("/news?after=")]
        path = nxt[-1] if nxt else None
        pages += 1
    check(pages == 6, "at least six pages of news")
    check(len(seen_titles) == len(set(seen_titles)), "pages do not repeat articles")
    st, _, _ = srv.get("/news?after=garbage")
    check(st == 400, f"bad cursor gives 400, got {st}")


def check_sections(srv):
    for path in ["/", "/news", "/tags", "/departments", "/archive", "/archive/2024",
                 "/archive/2024/08", "/pages/about", "/pages/contacts", "/sitemap",
                 "/tags/bezpeka"]:
        st, hdr, body = srv.get(path)
        check(st == 200, f"{path} answers 200, got {st}")
        if st == 200:
            p = parse(body)
            check(p.h1 == 1, f"{path} has exactly one h1")
            check(p.lang == "uk", f"{path} lang=uk")
    st, _, body = srv.get("/archive/2024/08")
    check(SEED_TITLE.encode() in body, "archive month lists the seed article")
    st, _, body = srv.get("/tags/bezpeka")
    check(SEED_TITLE.encode() in body or b"after=" in body, "tag page lists articles")
    st, _, body = srv.get("/sitemap")
    p = parse(body)
    for section in ["/news", "/tags", "/departments", "/archive"]:
        check(section in p.links, f"site map links {section}")
    check(any(l.startswith("/archive/2024/") for l in p.links), "site map lists archive months")


def check_errors(srv):
    for path, want in [("/news/no-such-article", 404), ("/nothing-here", 404),
                       ("/archive/2024/13", 400), ("/tags/no-such-tag", 404),
                       ("/media/../../etc/passwd", 400), ("/media/notahash.jpg", 404)]:
        st, hdr, body = srv.get(path)
        check(st == want, f"{path} gives {want}, got {st}")
        check(b"<html" in body, f"{path} error page in the site's design")
        for h in SECURITY_HEADERS:
            check(h in hdr, f"{path} error has {h}")
    st, hdr, _ = srv.get("/", method="POST", body=b"x=1")
    check(st == 405 and "allow" in hdr, f"POST / gives 405 with Allow, got {st}")
    st, hdr, body = srv.get(SEED, method="HEAD")
    check(st == 200 and body == b"" and int(hdr["content-length"]) > 1000, "HEAD has headers only")


def tags_of(body, tag, cls=None):
    """The attribute dicts of every <tag> (with class cls, if given) in an HTML page."""
    out = []

    class P(html.parser.HTMLParser):
        def handle_starttag(self, t, attrs):
            a = dict(attrs)
            if t == tag and (cls is None or cls in (a.get("class") or "").split()):
                out.append(a)

    P(convert_charrefs=True).feed(body.decode("utf-8"))
    return out


def pager_links(body):
    """{rel or text: href} of the links in the pager."""
    nav = re.search(r'<nav class="pager".*?</nav>', body.decode(), re.S)
    links = {}
    for attrs, text in re.findall(r"<a ([^>]*)>([^<]*)</a>", nav.group(0) if nav else ""):
        href = re.search(r'href="([^"]*)"', attrs).group(1).replace("&amp;", "&")
        rel = re.search(r'rel="([^"]*)"', attrs)
        links[text] = href
        if rel:
            links[rel.group(1)] = href
    return links


def check_layout_fixes(srv):
    # the address people guess for the feed
    st, hdr, _ = srv.get("/feed")
    check(st == 301 and hdr.get("location") == "/feed.xml",
          f"/feed gives 301 to /feed.xml, got {st} {hdr.get('location')}")
    st, hdr, _ = srv.get("/feed.xml")
    check(st == 200 and "xml" in hdr.get("content-type", ""), f"/feed.xml answers 200 ({st})")

    # paging back: page 2 leads to page 1, page 3 to page 2 and to the newest
    _, _, p1 = srv.get("/news")
    page2 = pager_links(p1).get("next")
    check(page2 is not None and "after=" in page2, f"/news links to page 2 ({page2})")
    _, _, p2 = srv.get(page2 or "/news")
    links2 = pager_links(p2)
    check(links2.get("Попередня сторінка") == "/news" and links2.get("prev") == "/news",
          f"page 2 has «Попередня» to page 1: {links2}")
    page3 = links2.get("next")
    _, _, p3 = srv.get(page3 or "/news")
    links3 = pager_links(p3)
    check(links3.get("prev") == page2, f"page 3's «Попередня» is page 2 ({links3}, {page2})")
    check(links3.get("Найновіші") == "/news", f"page 3 links the newest: {links3}")
    # the search pager is the same partial
    st, _, s2 = srv.get("/search?q=" + urllib.parse.quote("Полтава") + "&page=2")
    links = pager_links(s2)
    check(st == 200 and "prev" in links and "Попередня сторінка" in links,
          f"search page 2 has «Попередня»: {links}")
    check('<li aria-current="page">Сторінка 2</li>' in s2.decode(), "search pager says page 2")

    # thumbnails: a card has one exactly when its article has a photo
    cards = re.findall(r'<article class="card[^"]*">.*?</article>', p1.decode(), re.S)
    check(len(cards) == 20, f"20 cards on /news ({len(cards)})")
    with_photo = 0
    for card in cards:
        url = re.search(r'href="(/news/[^"]+)"', card).group(1)
        _, _, art = srv.get(url)
        has_photo = b'class="photo-full"' in art
        imgs = tags_of(card.encode(), "img")
        check(len(imgs) == (1 if has_photo else 0),
              f"{url}: thumbnail {len(imgs)} for an article {'with' if has_photo else 'without'} a photo")
        if not (has_photo and imgs):
            continue
        with_photo += 1
        img = imgs[0]
        check(img.get("loading") == "lazy" and img.get("alt") and img.get("width", "").isdigit()
              and img.get("height", "").isdigit(), f"{url}: thumbnail attributes {img}")
        # the smallest file of the photo: the first entry of the article's srcset
        big = tags_of(art, "img")
        srcsets = [i["srcset"] for i in big if "srcset" in i]
        smallest = srcsets[0].split(",")[0].split()[0] if srcsets else None
        check(img.get("src") == smallest, f"{url}: thumbnail is the smallest file ({img.get('src')}, {smallest})")
        st, hdr, _ = srv.get(img.get("src", "/"))
        check(st == 200 and hdr.get("content-type", "").startswith("image/"),
              f"thumbnail {img.get('src')} answers 200 image/*, got {st}")
    check(with_photo > 0, f"some cards on /news have a photo ({with_photo})")
    _, _, month = srv.get("/archive/2024/08")
    seed_card = re.search(r'<article class="card[^"]*">(?:(?!</article>).)*' + re.escape(SEED) +
                          r'.*?</article>', month.decode(), re.S)
    check(seed_card is not None and "<img " in seed_card.group(0),
          "the seed article's list item has a thumbnail")

    # the featured card keeps a photo column only when it has a photo
    _, _, home = srv.get("/")
    featured = re.search(r'<article class="(featured[^"]*)">(.*?)</article>', home.decode(), re.S)
    check(featured is not None and ("with-photo" in featured.group(1)) == ("<img " in featured.group(2)),
          f"featured card class {featured and featured.group(1)} matches its photo")

    # every gallery photo opens its largest file
    _, _, art = srv.get(SEED)
    fulls = [a["href"] for a in tags_of(art, "a", "photo-full")]
    imgs = [i for i in tags_of(art, "img") if "srcset" in i and "/media/" in i.get("src", "")]
    check(len(fulls) == 4 and len(imgs) == 4, f"four photo links ({len(fulls)}, {len(imgs)} photos)")
    for href, img in zip(fulls, imgs):
        entries = [e.split() for e in img["srcset"].split(",")]
        largest = max(entries, key=lambda e: int(e[1].rstrip("w")))[0]
        check(href == largest, f"photo link {href} is the largest file {largest}")
        st, hdr, body = srv.get(href)
        check(st == 200 and hdr.get("content-type", "").startswith("image/") and len(body) > 0,
              f"{href} answers 200 image/*, got {st} {hdr.get('content-type')}")


def check_caching(srv):
    st, hdr, body = srv.get("/")
    p = parse(body)
    css = p.stylesheets[0]
    st, hdr, body = srv.get(css)
    check(st == 200 and hdr.get("content-type", "").startswith("text/css"), "stylesheet served")
    check("immutable" in hdr.get("cache-control", ""), "hashed asset is immutable")
    check("etag" in hdr and "last-modified" in hdr, "asset has ETag and Last-Modified")
    st2, _, body2 = srv.get(css, {"If-None-Match": hdr.get("etag", "")})
    check(st2 == 304 and body2 == b"", f"conditional GET gives 304, got {st2}")
    st3, _, _ = srv.get(css, {"If-Modified-Since": hdr.get("last-modified", "")})
    check(st3 == 304, f"If-Modified-Since gives 304, got {st3}")
    st, hdr, zbody = srv.get(SEED, {"Accept-Encoding": "gzip"})
    check(hdr.get("content-encoding") == "gzip", "article gzipped when asked")
    check(SEED_TITLE.encode() in gzip.decompress(zbody), "gzip body decodes to the article")
    st, hdr, _ = srv.get(SEED)
    etag = hdr.get("etag")
    check(etag is not None, "article has an ETag")
    st, _, _ = srv.get(SEED, {"If-None-Match": etag or ""})
    check(st == 304, f"article conditional GET gives 304, got {st}")


def main():
    with Server() as srv:
        check_article(srv)
        check_sections(srv)
        check_pagination(srv)
        check_errors(srv)
        check_caching(srv)
        check_layout_fixes(srv)
        check_links_resolve(srv, ["/", SEED, "/sitemap", "/tags", "/departments", "/archive"])
    done()


if __name__ == "__main__":
    main()
