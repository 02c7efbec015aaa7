/* test_pagecache.c: store, hit, invalidate by dependency key, clear, eviction bound,
 * the variants' own part, and a page outliving its removal while a sender holds it. */
#include <stdlib.h>

#include "check.h"
#include "http/http_internal.h"

static struct http_page *make(const char *key, const char *dep1, const char *dep2, size_t body)
{
    struct str deps[2] = {str_from_cstr(dep1), str_from_cstr(dep2 ? dep2 : "")};
    struct http_page *p = http__page_new(str_from_cstr(key), deps, dep2 ? 2 : 1);
    p->v[0].bytes = malloc(body + 1);
    memset(p->v[0].bytes, 'x', body);
    p->v[0].len = body;
    p->v[0].head_len = 0;
    http__page_seal(p);
    return p;
}

int main(void)
{
    struct http_pagecache *pc = http__pagecache_new(1024 * 1024);
    uint64_t ep = http__pagecache_epoch(pc);

    struct http_page *a = make("/news/1?", "article:1", "list:news", 1000);
    struct http_page *b = make("/news/2?", "article:2", "list:news", 1000);
    struct http_page *c = make("/about?", "settings", NULL, 1000);
    CHECK(http__pagecache_put(pc, a, ep));
    CHECK(http__pagecache_put(pc, b, ep));
    CHECK(http__pagecache_put(pc, c, ep));
    CHECK(http__pagecache_count(pc) == 3);

    struct http_page *hit = http__pagecache_get(pc, STR_LIT("/news/1?"));
    CHECK(hit == a);
    CHECK(http__pagecache_get(pc, STR_LIT("/news/3?")) == NULL);

    /* invalidate one article: only its page goes; the held reference stays valid */
    http__pagecache_invalidate(pc, STR_LIT("article:1"));
    CHECK(http__pagecache_count(pc) == 2);
    CHECK(http__pagecache_get(pc, STR_LIT("/news/1?")) == NULL);
    CHECK(hit->v[0].len == 1000 && hit->v[0].bytes[999] == 'x');
    http__page_release(hit);
    http__page_release(a);

    /* a page rendered before an invalidation is not stored after it */
    struct http_page *stale = make("/news/1?", "article:1", NULL, 10);
    CHECK(!http__pagecache_put(pc, stale, ep));
    http__page_release(stale);
    ep = http__pagecache_epoch(pc);

    /* invalidate a list key: both news pages would go; the about page stays */
    http__pagecache_invalidate(pc, STR_LIT("list:news"));
    CHECK(http__pagecache_count(pc) == 1);
    CHECK(http__pagecache_get(pc, STR_LIT("/news/2?")) == NULL);
    struct http_page *about = http__pagecache_get(pc, STR_LIT("/about?"));
    CHECK(about == c);
    http__page_release(about);
    http__pagecache_invalidate(pc, STR_LIT("unrelated"));
    CHECK(http__pagecache_count(pc) == 1);
    http__page_release(b);

    /* replacing a key keeps one page */
    ep = http__pagecache_epoch(pc);
    struct http_page *c2 = make("/about?", "settings", NULL, 500);
    CHECK(http__pagecache_put(pc, c2, ep));
    CHECK(http__pagecache_count(pc) == 1);
    CHECK(http__pagecache_get(pc, STR_LIT("/about?")) == c2);
    http__page_release(c2);
    http__page_release(c2);
    http__page_release(c);

    http__pagecache_clear(pc);
    CHECK(http__pagecache_count(pc) == 0);
    CHECK(http__pagecache_bytes(pc) == 0);

    /* eviction: the bound holds and recently used pages survive */
    ep = http__pagecache_epoch(pc);
    char key[32];
    struct http_page *first = make("/p/0?", "k", NULL, 10000);
    CHECK(http__pagecache_put(pc, first, ep));
    http__page_release(first);
    for (int i = 1; i < 1000; i++) {
        snprintf(key, sizeof(key), "/p/%d?", i);
        struct http_page *p = make(key, "k", NULL, 10000);
        CHECK(http__pagecache_put(pc, p, ep));
        http__page_release(p);
        struct http_page *keep = http__pagecache_get(pc, STR_LIT("/p/0?"));
        CHECK(keep != NULL);
        http__page_release(keep);
    }
    CHECK(http__pagecache_bytes(pc) <= 1024 * 1024);
    CHECK(http__pagecache_count(pc) < 1000);
    CHECK(http__pagecache_get(pc, STR_LIT("/p/1?")) == NULL);
    struct http_page *last = http__pagecache_get(pc, STR_LIT("/p/999?"));
    CHECK(last != NULL);
    http__page_release(last);

    /* a page over a quarter of the bound is refused */
    struct http_page *huge = make("/huge?", "k", NULL, 300 * 1024);
    CHECK(!http__pagecache_put(pc, huge, ep));
    http__page_release(huge);

    /* open-ended variants (pages with a query) have their own eighth of the bound: a
     * flood of them evicts other variants, never a page */
    http__pagecache_clear(pc);
    ep = http__pagecache_epoch(pc);
    const char *pages[] = {"/?", "/news?", "/news/seed?"};
    for (size_t i = 0; i < 3; i++) {
        struct http_page *p = make(pages[i], "list:news", NULL, 10000);
        CHECK(http__pagecache_put(pc, p, ep));
        http__page_release(p);
    }
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "/search?q=%d", i);
        struct http_page *p = make(key, "search", NULL, 10000);
        p->variant = true;
        CHECK(http__pagecache_put(pc, p, ep));
        http__page_release(p);
    }
    for (size_t i = 0; i < 3; i++) {
        struct http_page *p = http__pagecache_get(pc, str_from_cstr(pages[i]));
        CHECK(p != NULL);
        http__page_release(p);
    }
    CHECK(http__pagecache_bytes(pc) <= 3 * 11000 + 1024 * 1024 / HTTP_CACHE_VARIANT_SHARE);
    struct http_page *newest = http__pagecache_get(pc, STR_LIT("/search?q=1999"));
    CHECK(newest != NULL);
    http__page_release(newest);
    CHECK(http__pagecache_get(pc, STR_LIT("/search?q=0")) == NULL);
    /* invalidation reaches both parts */
    http__pagecache_invalidate(pc, STR_LIT("search"));
    CHECK(http__pagecache_get(pc, STR_LIT("/search?q=1999")) == NULL);
    CHECK(http__pagecache_count(pc) == 3);

    http__pagecache_free(pc);
    return check_done();
}
