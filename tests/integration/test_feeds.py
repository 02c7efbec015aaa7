"""Feeds and sitemaps on the demo content: RSS and Atom for all news, a tag and a
department, well-formed (feedparser) and valid XML (xmllint), linked from the pages,
conditional GET; robots.txt names the sitemap; the sitemap index, its chunks and the
news sitemap parse, and every URL they list answers 200."""
import os
import re
import subprocess
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET

import feedparser

from harness import Server, check, done

SEED_SLUG = "na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def xmllint_ok(data, what):
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as f:
        f.write(data)
        name = f.name
    try:
        p = subprocess.run(["xmllint", "--noout", name], capture_output=True, text=True)
        check(p.returncode == 0, f"xmllint accepts {what}: {p.stderr[:300]}")
    finally:
        os.unlink(name)


def local(url):
    u = urllib.parse.urlparse(url)
    return u.path + ("?" + u.query if u.query else "")


with Server() as srv:
    feeds = ["/feed.xml", "/atom.xml", "/tags/bezpeka/feed.xml", "/tags/bezpeka/atom.xml",
             "/departments/departament-osvity-i-nauky/feed.xml",
             "/departments/departament-osvity-i-nauky/atom.xml"]
    for path in feeds:
        st, h, body = srv.get(path)
        check(st == 200, f"{path} answers 200 ({st})")
        kind = "rss" if path.endswith("feed.xml") else "atom"
        check(h.get("content-type", "").startswith(f"application/{kind}+xml"), f"{path} content type {h.get('content-type')}")
        xmllint_ok(body, path)
        f = feedparser.parse(body)
        check(not f.bozo, f"feedparser reads {path} without error ({f.get('bozo_exception')})")
        check(f.version.startswith(kind), f"{path} is {kind} ({f.version})")
        check(len(f.entries) > 0, f"{path} has entries")
        e = f.entries[0] if f.entries else {}
        check(e.get("title") and e.get("link", "").startswith("http"), f"{path} entries have title and link")
        check(e.get("published_parsed") is not None, f"{path} entries have a publication date")
        check(any(c.get("value") for c in e.get("content", [])), f"{path} entries carry the full text")
        # conditional GET
        etag = h.get("etag")
        check(etag is not None, f"{path} has an ETag")
        st2, _, _ = srv.get(path, {"If-None-Match": etag or ""})
        check(st2 == 304, f"{path} answers 304 to its ETag ({st2})")

    # the tag feed holds the seed article with its lead photo as enclosure
    st, _, body = srv.get("/tags/bezpeka/feed.xml")
    f = feedparser.parse(body)
    seed = [e for e in f.entries if e.link.endswith(SEED_SLUG)]
    check(len(seed) == 1, "the tag feed has the seed article")
    if seed:
        enc = seed[0].get("enclosures", [])
        check(enc and enc[0].get("type") == "image/jpeg" and int(enc[0].get("length", 0)) > 0,
              f"the seed entry has its lead photo as enclosure {enc}")
        if enc:
            st, _, _ = srv.get(local(enc[0]["href"]))
            check(st == 200, "the enclosure answers 200")
        tags = [t.get("term") for t in seed[0].get("tags", [])]
        check("безпека" in tags, f"entry categories include the tags {tags}")
    st, _, _ = srv.get("/tags/no-such-tag/feed.xml")
    check(st == 404, "an unknown tag's feed is 404")

    # pages link their feeds
    st, _, body = srv.get("/tags/bezpeka")
    page = body.decode()
    check('rel="alternate" type="application/rss+xml"' in page and "/tags/bezpeka/feed.xml" in page,
          "the tag page links its RSS feed")
    check("/tags/bezpeka/atom.xml" in page, "the tag page links its Atom feed")
    st, _, body = srv.get("/")
    check('href="/feed.xml"' in body.decode(), "the home page links the news feed")

    # robots and sitemaps
    st, h, body = srv.get("/robots.txt")
    check(st == 200 and h.get("content-type", "").startswith("text/plain"), "robots.txt answers")
    m = re.search(r"^Sitemap: (\S+)$", body.decode(), re.M)
    check(m is not None, "robots.txt names the sitemap")
    index_path = local(m.group(1)) if m else "/sitemap.xml"
    st, _, body = srv.get(index_path)
    check(st == 200, "the sitemap index answers")
    xmllint_ok(body, "sitemap index")
    root = ET.fromstring(body)
    check(root.tag == SM + "sitemapindex", "the sitemap is an index")
    chunks = [s.find(SM + "loc").text for s in root.findall(SM + "sitemap")]
    check(len(chunks) >= 3, f"the index names the chunks {chunks}")
    check(all(s.find(SM + "lastmod") is not None for s in root.findall(SM + "sitemap")), "every chunk has a lastmod")
    urls = []
    news_seen = False
    for c in chunks:
        st, _, body = srv.get(local(c))
        check(st == 200, f"{c} answers 200")
        xmllint_ok(body, c)
        r = ET.fromstring(body)
        locs = [u.find(SM + "loc").text for u in r.findall(SM + "url")]
        check(len(locs) <= 50000, f"{c} has at most 50,000 URLs")
        if c.endswith("news.xml"):
            news_seen = True
            ns = "{http://www.google.com/schemas/sitemap-news/0.9}"
            for u in r.findall(SM + "url"):
                check(u.find(f"{ns}news/{ns}title") is not None, "news entries have titles")
        else:
            urls += locs
    check(news_seen, "the index names the news sitemap")
    check(any(u.endswith(SEED_SLUG) for u in urls), "the seed article is in the sitemap")
    check(any(u.endswith("/tags/bezpeka") for u in urls), "tag pages are in the sitemap")
    check(any(u.endswith("/pages/about") for u in urls), "static pages are in the sitemap")
    # the HTML site map and the XML one agree on sections, tags and departments
    st, _, body = srv.get("/sitemap")
    html_links = set(re.findall(r'href="(/(?:tags|departments|pages|archive)/[^"]+)"', body.decode()))
    xml_links = {local(u) for u in urls}
    missing = sorted(html_links - xml_links)
    check(not missing, f"every link of the HTML site map is in the XML sitemap (missing {missing[:5]})")
    # a few at a time: the server has two loops, and ASan makes each page slow
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda u: (u, srv.get(local(u))[0]), urls))
    bad = [(u, st) for u, st in statuses if st != 200]
    check(not bad, f"every sitemap URL answers 200 ({len(urls)} URLs; failures {bad[:5]})")
    st, _, _ = srv.get("/sitemaps/articles-2.xml")
    check(st == 404, "a chunk past the end is 404")
    st, _, _ = srv.get("/sitemaps/articles-01.xml")
    check(st == 404, "a malformed chunk name is 404")

done()
