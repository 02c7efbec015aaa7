"""Search on the demo content: apostrophe variants, case, prefixes, word forms, typos,
filters, pagination, hostile queries, snippets escaped, the search box everywhere, and
structured data (JSON-LD, OpenGraph) that parses."""
import html.parser
import json
import re
import urllib.parse

from harness import Server, check, done

SEED = "/news/na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"


def q(srv, text, **extra):
    params = {"q": text, **extra}
    st, h, body = srv.get("/search?" + urllib.parse.urlencode(params))
    return st, h, body.decode("utf-8", "replace")


def result_links(page):
    block = page.split('<ol class="results">', 1)
    if len(block) < 2:
        return []
    return re.findall(r'<h2><a href="(/news/[^"]+)"', block[1].split("</ol>", 1)[0])


class Scripts(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.jsonld, self.meta, self._in = [], {}, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("type") == "application/ld+json":
            self._in = True
            self.jsonld.append("")
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta.setdefault(a.get("property") or a.get("name"), []).append(a.get("content"))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.jsonld[-1] += data


with Server() as srv:
    # the "done when": both queries find the seed article
    for text in ["полтавщині безпека", "пов'язані консультативною", "ПОВʼЯЗАНІ консультативною",
                 "пов’язані консультативною", "Полтавщина консультативна", "Полтавщину ЄВРОПЕЙСЬКОГО",
                 "консультатив", "безпек консультатив"]:
        st, _, page = q(srv, text)
        check(st == 200, f"search {text!r} answers 200 ({st})")
        check(SEED in result_links(page), f"search {text!r} finds the seed article")
    st, _, page = q(srv, "пов'язані")
    check(st == 200 and len(result_links(page)) > 0, "«пов'язані» (ASCII apostrophe) finds articles")
    check("<mark>пов’язані</mark>" in page, "the matched word is highlighted as written in the text")

    # case and apostrophe variants give the same results
    base = result_links(q(srv, "п'ять")[2])
    for variant in ["П’ЯТЬ", "пʼять", "п`ять"]:
        check(result_links(q(srv, variant)[2]) == base, f"{variant!r} matches like «п'ять»")

    # prefix as you type
    st, _, page = q(srv, "безпек")
    check(len(result_links(page)) > 0, "«безпек» (a prefix) finds articles")
    check(re.search(r"<mark>безпек(и|ою|а)</mark>", page, re.I) is not None, "prefix matches are highlighted")
    # a word the dictionary does not know is completed from the index's vocabulary
    st, _, page = q(srv, "укритт")
    check(len(result_links(page)) > 0, "«укритт» (typed so far) finds articles")
    check(re.search(r"<mark>укритт\w*</mark>", page, re.I) is not None,
          "its completions are highlighted")

    # a typo gets "did you mean" from the index's vocabulary
    st, _, page = q(srv, "полтавщна")
    check('class="suggest"' in page and "полтавщина" in page, "a misspelt word gets a suggestion")
    st, _, page = q(srv, "безпкеа")
    check('class="suggest"' in page and "безпека" in page, "a transposition gets a suggestion")

    # nothing found: a helpful page with latest news
    st, _, page = q(srv, "ґззззщщщщ")
    check(st == 200 and "Нічого не знайдено" in page, "an unknown word gets the empty-result page")
    check('aria-labelledby="search-latest"' in page, "the empty page shows the latest news")

    # hostile and odd queries are never errors
    for text in ['"', "*", "NEAR(", "'); DROP TABLE articles; --", '"" OR 1=1', "title:x",
                 "(((", "^", "-", "<script>alert(1)</script>", " ", "a" * 600]:
        st, _, page = q(srv, text)
        check(st == 200, f"query {text[:30]!r} answers 200 ({st})")
        check("<script>alert" not in page, f"query {text[:30]!r} is escaped on the page")
    st, _, _ = srv.get("/search?q=%ff%fe")
    check(st == 400, f"a query that is not UTF-8 gets 400 ({st})")

    # filters, sorting, pagination
    st, _, page = q(srv, "безпека", tag="bezpeka")
    check(SEED in result_links(page), "tag filter keeps the seed article")
    st, _, page = q(srv, "безпека", dept="departament-kultury-i-turyzmu")
    check(SEED not in result_links(page), "department filter drops the seed article")
    st, _, page = q(srv, "безпека", **{"from": "2024-08-01", "to": "2024-08-01"})
    check(result_links(page) == [SEED] or SEED in result_links(page), "date range of one day finds the seed article")
    st, _, page = q(srv, "безпека", **{"from": "2024-08-02"})
    check(SEED not in result_links(page), "from after its day excludes it")
    st, _, _ = q(srv, "безпека", **{"from": "yesterday"})
    check(st == 400, "a malformed date gets 400")
    st, _, _ = q(srv, "безпека", page="0")
    check(st == 400, "page 0 gets 400")
    st, _, page1 = q(srv, "області")
    check('rel="next"' in page1, "a long result list has a next page")
    st, _, page2 = q(srv, "області", page="2")
    check(st == 200 and set(result_links(page1)).isdisjoint(result_links(page2)), "page 2 shows other results")
    st, _, bydate = q(srv, "області", sort="date")
    dates = re.findall(r'<time datetime="([^"]+)"', bydate.split('<ol class="results">', 1)[-1])
    check(dates == sorted(dates, reverse=True) and len(dates) > 1, "sort=date lists newest first")

    # the search page is cacheable and says noindex
    st, h, page = q(srv, "безпека")
    check("etag" in h, "search results carry an ETag")
    st2, _, _ = srv.get("/search?" + urllib.parse.urlencode({"q": "безпека"}), {"If-None-Match": h.get("etag", "")})
    check(st2 == 304, f"conditional GET of a search page gives 304 ({st2})")
    check('name="robots" content="noindex"' in page, "result pages are noindex")

    # the search box on every page, working without JavaScript
    for path in ["/", "/news", SEED, "/tags/bezpeka", "/pages/about", "/archive"]:
        st, _, body = srv.get(path)
        text = body.decode()
        check(re.search(r'<form[^>]*role="search"[^>]*action="/search"[^>]*method="get"', text) is not None,
              f"{path} has a search form")

    # structured data: JSON-LD parses, OpenGraph present
    st, _, body = srv.get(SEED)
    p = Scripts()
    p.feed(body.decode())
    docs = [json.loads(s) for s in p.jsonld]
    types = [d.get("@type") for d in docs]
    check("NewsArticle" in types and "BreadcrumbList" in types, f"article JSON-LD types {types}")
    art = next((d for d in docs if d.get("@type") == "NewsArticle"), {})
    check(art.get("headline", "").startswith("На Полтавщині реалізовуватимуть"), "NewsArticle headline")
    check(art.get("publisher", {}).get("@type") == "GovernmentOrganization", "publisher is a government organisation")
    check("безпека" in art.get("keywords", []), "keywords from tags")
    check(art.get("datePublished", "").startswith("2024-08-01T16:51"), "datePublished in Kyiv time")
    check(art.get("image") and art["image"][0].get("width"), "image with its size")
    for prop in ["og:title", "og:description", "og:image", "og:image:width", "og:image:height",
                 "og:locale", "og:site_name", "og:type", "twitter:card"]:
        check(prop in p.meta, f"article has {prop}")
    check(p.meta.get("og:locale") == ["uk_UA"], "og:locale is uk_UA")
    img = urllib.parse.urlparse(p.meta.get("og:image", [""])[0]).path
    st, h, _ = srv.get(img)
    check(st == 200 and h.get("content-type", "").startswith("image/jpeg"), f"og:image answers 200 ({img})")
    st, _, body = srv.get("/")
    p = Scripts()
    p.feed(body.decode())
    types = [json.loads(s).get("@type") for s in p.jsonld]
    check("GovernmentOrganization" in types, f"home JSON-LD has GovernmentOrganization ({types})")

done()
