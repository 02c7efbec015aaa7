/* test_export.c: the static mirror's own parsing (export.c's static helpers): which
 * file stands for a site path (nothing may land outside the mirror's folder), and which
 * links a page yields (href, src, srcset candidates, sitemap <loc>, &amp; undone, only
 * this site's). The whole export runs in tests/integration/test_export_static.py. */
#include <stdlib.h>
#include <string.h>

#include "check.h"

#include "export/export.c"

static void test_rel_of(void)
{
    struct arena *a = arena_new(4096);
    const char *rel = NULL;
    CHECK(rel_of(a, STR_LIT("/"), true, &rel) && strcmp(rel, "index.html") == 0);
    CHECK(rel_of(a, STR_LIT("/news/persha"), true, &rel) &&
          strcmp(rel, "news/persha/index.html") == 0);
    CHECK(rel_of(a, STR_LIT("/feed.xml"), false, &rel) && strcmp(rel, "feed.xml") == 0);
    CHECK(rel_of(a, STR_LIT("/теги/освіта"), true, &rel) &&
          strcmp(rel, "теги/освіта/index.html") == 0);
    /* nothing that could climb out of the folder, hide, or name a folder as a file */
    CHECK(!rel_of(a, STR_LIT(""), true, &rel));
    CHECK(!rel_of(a, STR_LIT("news"), true, &rel));
    CHECK(!rel_of(a, STR_LIT("/../etc/passwd"), false, &rel));
    CHECK(!rel_of(a, STR_LIT("/news/../../x"), true, &rel));
    CHECK(!rel_of(a, STR_LIT("/news//x"), true, &rel));
    CHECK(!rel_of(a, STR_LIT("/.git/config"), false, &rel));
    CHECK(!rel_of(a, STR_LIT("/news/"), true, &rel));
    CHECK(!rel_of(a, STR_LIT("/"), false, &rel));
    arena_free(a);
}

static bool queued(const struct exporter *x, const char *target)
{
    for (size_t i = 0; i < x->q_len; i++)
        if (strcmp(x->queue[i], target) == 0)
            return true;
    return false;
}

static void test_links_scan(void)
{
    struct export_config cfg = {.base_url = "https://example.gov.ua"};
    struct export_stats st = {0};
    struct exporter x = {.cfg = &cfg, .st = &st};
    struct arena *a = arena_new(4096);
    links_scan(&x, a,
               STR_LIT("<a href=\"/news?page=2&amp;x=1\">next</a>"
                       "<a href=\"https://example.gov.ua/tags/osvita#top\">t</a>"
                       "<a href=\"https://elsewhere.example/\">out</a>"
                       "<link href=\" /feed.xml \">"
                       "<img src=\"/static/logo.svg\" "
                       "srcset=\"/static/a-480.svg 480w, /static/a-960.svg 960w\">"
                       "<loc>https://example.gov.ua/news/persha</loc>"
                       "<a href=\"//elsewhere.example/x\">protocol-relative</a>"
                       "<a href=\"/unterminated"));
    /* a page with a query has no file in a mirror: counted as skipped, once */
    CHECK(!queued(&x, "/news?page=2&x=1") && strset_has(&x.seen, "/news?page=2&x=1"));
    CHECK(st.skipped == 1);
    CHECK(!queued(&x, "//elsewhere.example/x"));
    CHECK(queued(&x, "/tags/osvita"));
    CHECK(!queued(&x, "https://elsewhere.example/"));
    CHECK(queued(&x, "/feed.xml"));
    CHECK(queued(&x, "/static/logo.svg"));
    CHECK(queued(&x, "/static/a-480.svg") && queued(&x, "/static/a-960.svg"));
    CHECK(queued(&x, "/news/persha"));
    CHECK(!queued(&x, "/unterminated"));
    size_t before = x.q_len;
    links_scan(&x, a, STR_LIT("<a href=\"/tags/osvita\">again</a><a href=\"/news?page=2&x=1\">"));
    CHECK(x.q_len == before && st.skipped == 1); /* a target is queued or counted once */
    for (size_t i = 0; i < x.q_len; i++)
        free(x.queue[i]);
    free(x.queue);
    strset_free(&x.seen);
    arena_free(a);
}

int main(void)
{
    test_rel_of();
    test_links_scan();
    return check_done();
}
