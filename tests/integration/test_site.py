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
        check_links_resolve(srv, ["/", SEED, "/sitemap", "/tags", "/departments", "/archive"])
    done()


if __name__ == "__main__":
    main()
