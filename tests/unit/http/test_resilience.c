/* test_resilience.c: per-IP limits (ratelimit.c), stale pages kept after invalidation
 * (pagecache.c) and in-process requests (local.c). */
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "http/http_internal.h"

static void test_conn_limit(void)
{
    struct http__ratelimit *rl = http__ratelimit_new(2, 0, 0, false, NULL);
    bool counted;
    CHECK(rl != NULL);
    CHECK(http__ratelimit_conn_open(rl, "192.0.2.1", &counted) && counted);
    CHECK(http__ratelimit_conn_open(rl, "192.0.2.1", &counted) && counted);
    CHECK(!http__ratelimit_conn_open(rl, "192.0.2.1", &counted) && !counted);
    /* another address has its own count */
    CHECK(http__ratelimit_conn_open(rl, "2001:db8::1", &counted) && counted);
    http__ratelimit_conn_close(rl, "192.0.2.1");
    CHECK(http__ratelimit_conn_open(rl, "192.0.2.1", &counted) && counted);
    /* loopback is exempt unless asked */
    for (int i = 0; i < 10; i++)
        CHECK(http__ratelimit_conn_open(rl, "127.0.0.1", &counted) && !counted);
    CHECK(http__ratelimit_conn_open(rl, "::1", &counted) && !counted);
    http__ratelimit_free(rl);

    rl = http__ratelimit_new(1, 0, 0, true, NULL);
    CHECK(http__ratelimit_conn_open(rl, "127.0.0.1", &counted) && counted);
    CHECK(!http__ratelimit_conn_open(rl, "127.0.0.1", &counted));
    http__ratelimit_free(rl);

    CHECK(http__ratelimit_new(0, 0, 0, false, NULL) == NULL); /* both off: no table at all */
    CHECK(http__ratelimit_conn_open(NULL, "192.0.2.1", &counted) && !counted);
}

static void test_token_bucket(void)
{
    struct http__ratelimit *rl = http__ratelimit_new(0, 2, 3, false, NULL);
    unsigned retry = 0;
    for (int i = 0; i < 3; i++)
        CHECK(http__ratelimit_request(rl, "198.51.100.7", &retry) && retry == 0);
    CHECK(!http__ratelimit_request(rl, "198.51.100.7", &retry));
    CHECK(retry == 1); /* half a second to the next token, rounded up */
    CHECK(http__ratelimit_request(rl, "198.51.100.8", &retry));
    usleep(600 * 1000);
    CHECK(http__ratelimit_request(rl, "198.51.100.7", &retry));
    CHECK(!http__ratelimit_request(rl, "198.51.100.7", &retry));
    CHECK(http__ratelimit_request(rl, "127.0.0.1", &retry)); /* exempt */
    /* many addresses: the table stays bounded and keeps answering */
    char ip[32];
    for (int i = 0; i < 300000; i++) {
        snprintf(ip, sizeof ip, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        http__ratelimit_request(rl, ip, &retry);
    }
    CHECK(!http__ratelimit_request(rl, "198.51.100.7", &retry) || retry == 0);
    http__ratelimit_free(rl);
    CHECK(http__ip_is_loopback("127.1.2.3") && http__ip_is_loopback("::ffff:127.0.0.1"));
    CHECK(!http__ip_is_loopback("128.0.0.1") && !http__ip_is_loopback("::2"));
}

static struct http_page *page(const char *key, const char *dep, const char *body)
{
    struct str d = str_from_cstr(dep);
    struct http_page *p = http__page_new(str_from_cstr(key), &d, 1);
    p->v[0].bytes = strdup(body);
    p->v[0].len = strlen(body);
    http__page_seal(p);
    return p;
}

static void test_stale(void)
{
    struct http_pagecache *pc = http__pagecache_new(1 << 20);
    struct http_page *p = page("/news/a?", "article:1", "old page");
    CHECK(http__pagecache_put(pc, p, http__pagecache_epoch(pc)));
    http__page_release(p);
    http__pagecache_invalidate(pc, STR_LIT("article:1"));
    /* no longer a hit, no longer counted, but there for a failing handler */
    CHECK(http__pagecache_get(pc, STR_LIT("/news/a?")) == NULL);
    CHECK(http__pagecache_count(pc) == 0);
    struct http_page *s = http__pagecache_get_stale(pc, STR_LIT("/news/a?"), 60);
    CHECK(s != NULL && s->stale && memcmp(s->v[0].bytes, "old page", 8) == 0);
    http__page_release(s);
    /* bounded by age: 0 s allowed only within the same second */
    sleep(1);
    CHECK(http__pagecache_get_stale(pc, STR_LIT("/news/a?"), 0) == NULL);
    /* a fresh render replaces the stale page */
    p = page("/news/a?", "article:1", "new page");
    CHECK(http__pagecache_put(pc, p, http__pagecache_epoch(pc)));
    http__page_release(p);
    s = http__pagecache_get(pc, STR_LIT("/news/a?"));
    CHECK(s != NULL && !s->stale && memcmp(s->v[0].bytes, "new page", 8) == 0);
    http__page_release(s);
    CHECK(http__pagecache_count(pc) == 1);
    /* invalidating twice keeps one stale copy; clear drops everything */
    http__pagecache_invalidate(pc, STR_LIT("article:1"));
    http__pagecache_invalidate(pc, STR_LIT("article:1"));
    s = http__pagecache_get_stale(pc, STR_LIT("/news/a?"), 60);
    CHECK(s != NULL);
    http__page_release(s);
    http__pagecache_clear(pc);
    CHECK(http__pagecache_get_stale(pc, STR_LIT("/news/a?"), 60) == NULL);
    CHECK(http__pagecache_bytes(pc) == 0);
    http__pagecache_free(pc);
}

static void h_echo(struct http_request *req, struct http_response *res)
{
    http_response_header(res, req, "Content-Type", STR_LIT("text/plain"));
    buf_appendf(&res->body, "%.*s|%.*s|%.*s|%s", STR_FMT(req->path), STR_FMT(req->query),
                req->n_params ? (int)req->params[0].len : 0,
                req->n_params ? req->params[0].ptr : "", (char *)req->thread_ctx);
}

static void test_local(void)
{
    struct http_router *r = http_router_new();
    http_router_add(r, HTTP_M_GET, "/news/:slug", h_echo);
    struct arena *a = arena_new(4096);
    struct http_response res;
    memset(&res, 0, sizeof res);
    buf_init(&res.body, 1 << 16);
    char ctx[] = "T";
    CHECK(http_local_get(r, ctx, STR_LIT("/news/%D0%B0?after=1.2"), a, &res) == ERR_OK);
    CHECK(res.status == 200);
    CHECK(str_eq_cstr(buf_str(&res.body), "/news/а|after=1.2|а|T"));
    CHECK(str_eq_cstr(http_response_header_get(&res, "content-type"), "text/plain"));
    CHECK(http_local_get(r, ctx, STR_LIT("/missing"), a, &res) == ERR_NOTFOUND);
    CHECK(http_local_get(r, ctx, STR_LIT("/news/%2e%2e/x"), a, &res) != ERR_OK);
    CHECK(http_local_get(r, ctx, STR_LIT("/news/%zz"), a, &res) == ERR_INVALID);
    CHECK(http_local_get(r, ctx, STR_LIT("news"), a, &res) == ERR_INVALID);
    buf_free(&res.body);
    arena_free(a);
    http_router_free(r);
}

int main(void)
{
    test_conn_limit();
    test_token_bucket();
    test_stale();
    test_local();
    return check_done();
}
