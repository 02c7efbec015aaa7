"""The page warmer (warm_pages = on): right after start, and again after each change,
the home page, the news list (also under /lv/) and the articles the home page shows are in
the page cache before any reader asks, so those readers get hits. Its requests are exempt
from the per-address limit only with the process's own token: a client that sends the
header with another value is limited as before, and the warmer keeps working while
loopback itself is limited."""
import re
import time

from harness import Server, check, done
from test_admin import Client, add_user, article_form, article_id_from

FIXED = ["/", "/news", "/lv", "/lv/news", "/en", "/en/news"]
HOME_ARTICLES = 13  # SITE_HOME_SIZE


def metric(srv, name):
    st, _, body = srv.get("/metrics")
    m = re.search(rf"^{name} (\S+)$", body.decode(), re.M)
    return float(m.group(1)) if m else None


def wait_for(pred, seconds):
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def hits_and_misses(srv):
    return (metric(srv, "visnyk_page_cache_hits_total"),
            metric(srv, "visnyk_page_cache_misses_total"))


def newest_slugs(srv, n):
    _, _, body = srv.get("/news")
    slugs = []
    for s in re.findall(r'href="/news/([a-z0-9-]+)"', body.decode()):
        if s not in slugs:
            slugs.append(s)
    return slugs[:n]


def check_warm_at_start_and_after_save():
    srv = Server(demo=True, env={"VISNYK_WARM_PAGES": "on"})
    add_user(srv, "editor1", "editor")
    with srv.start():
        want = len(FIXED) + HOME_ARTICLES
        check(wait_for(lambda: (metric(srv, "visnyk_page_cache_pages") or 0) >= want, 20),
              f"{want} pages cached without a reader's request "
              f"({metric(srv, 'visnyk_page_cache_pages')})")
        h0, m0 = hits_and_misses(srv)
        for p in FIXED:
            st, _, _ = srv.get(p)
            check(st == 200, f"{p}: {st}")
        h1, m1 = hits_and_misses(srv)
        check(h1 - h0 == len(FIXED) and m1 == m0,
              f"the front pages were hits: +{h1 - h0} hits, +{m1 - m0} misses")

        # an editor publishes: the lists and the new article are ready again before a
        # reader asks, and they show the new article (the freshness rule still holds)
        ed = Client(srv)
        ed.login("editor1")
        cs = ed.csrf()
        st, h, _ = ed.post("/admin/articles/new",
                           article_form(cs, "Прогріта новина", action="publish"))
        check(st == 303, f"article published ({st})")
        aid = article_id_from(h)
        st, _, body = ed.get(f"/admin/articles/{aid}")
        slug = re.search(r'name="slug" value="([a-z0-9-]+)"', body).group(1)
        paths = FIXED + [f"/news/{slug}"]

        def all_cached():
            # a miss would render and cache the page, so look without asking: the count
            # of fresh pages is back to the full set once the warmer has run
            return (metric(srv, "visnyk_page_cache_pages") or 0) >= want
        check(wait_for(all_cached, 20), "the warmer refilled the cache after the publication")
        h0, m0 = hits_and_misses(srv)
        for p in paths:
            st, _, body = srv.get(p)
            # the English pages show translations only: a Ukrainian article is not on them
            check(st == 200 and (p.startswith("/en") or "Прогріта новина" in body.decode()),
                  f"{p} shows the new article ({st})")
        h1, m1 = hits_and_misses(srv)
        check(h1 - h0 == len(paths) and m1 == m0,
              f"after the publication every front page was a hit: +{h1 - h0} hits, "
              f"+{m1 - m0} misses")
        check(slug in newest_slugs(srv, HOME_ARTICLES), "the new article is among the newest")


def check_token_exemption():
    # loopback limited to one request a second: only the warmer's token passes
    srv = Server(demo=True, env={"VISNYK_WARM_PAGES": "on", "VISNYK_LIMIT_LOOPBACK": "on"},
                 extra_args=["--requests-per-ip-per-second", "1", "--request-burst", "1"])
    with srv.start():
        want = len(FIXED) + HOME_ARTICLES
        check(wait_for(lambda: (metric(srv, "visnyk_page_cache_pages") or 0) >= want, 20),
              f"the warmer filled the cache while loopback is limited "
              f"({metric(srv, 'visnyk_page_cache_pages')})")
        forged = {"X-Visnyk-Warm": "0" * 32}
        statuses = [srv.get("/news", headers=forged)[0] for _ in range(4)]
        check(429 in statuses, f"a forged warm token is limited like anyone: {statuses}")


def main():
    check_warm_at_start_and_after_save()
    check_token_exemption()
    done()


if __name__ == "__main__":
    main()
