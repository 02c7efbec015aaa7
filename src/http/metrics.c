/* metrics.c: what the HTTP core counts, and the endpoints it answers itself: /healthz,
 * /readyz and /metrics. Each loop counts into its own struct http__loop_metrics (plain
 * relaxed load + store, no lock, no shared cache line); a scrape sums the loops, then
 * adds the process-wide counters of core/metrics.h and whatever the application's
 * metrics_write appends (gauges read from the database). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "http/http_internal.h"

static bool has_prefix(struct str p, const char *prefix, size_t n)
{
    return p.len >= n && memcmp(p.ptr, prefix, n) == 0;
}
#define PREFIX(p, lit) has_prefix((p), (lit), sizeof(lit) - 1)

static bool has_suffix(struct str p, const char *suffix, size_t n)
{
    return p.len >= n && memcmp(p.ptr + p.len - n, suffix, n) == 0;
}
#define SUFFIX(p, lit) has_suffix((p), (lit), sizeof(lit) - 1)

static bool is_exactly(struct str p, const char *s, size_t n)
{
    return p.len == n && memcmp(p.ptr, s, n) == 0;
}
#define IS(p, lit) is_exactly((p), (lit), sizeof(lit) - 1)

/* The site's URL layout (site/site.c, admin/, api/): a new prefix that deserves its own
 * class goes here. Everything a reader reads as a page is "page". */
enum http__route_class http__route_class(struct str p)
{
    if (p.len < 2)
        return HTTP__RC_PAGE; /* "/" */
    switch (p.ptr[1]) {
    case 's':
        if (PREFIX(p, "/static/"))
            return HTTP__RC_STATIC;
        if (IS(p, "/search"))
            return HTTP__RC_SEARCH;
        if (PREFIX(p, "/sitemap.xml") || PREFIX(p, "/sitemaps/"))
            return HTTP__RC_FEED;
        break;
    case 'm':
        if (PREFIX(p, "/media/"))
            return HTTP__RC_MEDIA;
        if (IS(p, "/metrics"))
            return HTTP__RC_OTHER;
        break;
    case 'd':
        if (PREFIX(p, "/documents/"))
            return HTTP__RC_MEDIA;
        break;
    case 'a':
        if (IS(p, "/admin") || PREFIX(p, "/admin/"))
            return HTTP__RC_ADMIN;
        if (PREFIX(p, "/api/"))
            return HTTP__RC_API;
        break;
    case 'f':
        if (IS(p, "/favicon.ico"))
            return HTTP__RC_STATIC;
        break;
    case 'r':
        if (IS(p, "/robots.txt"))
            return HTTP__RC_STATIC;
        if (IS(p, "/readyz"))
            return HTTP__RC_OTHER;
        break;
    case 'h':
        if (IS(p, "/healthz"))
            return HTTP__RC_OTHER;
        break;
    default:
        break;
    }
    if (SUFFIX(p, "/feed.xml") || SUFFIX(p, "/atom.xml"))
        return HTTP__RC_FEED;
    return HTTP__RC_PAGE;
}

void http__metrics_request(struct http_loop *lp, const struct http_request *req, bool path_ok,
                           int status, uint64_t t0_ns)
{
    struct http__loop_metrics *m = &lp->m;
    enum http__route_class rc = path_ok ? http__route_class(req->path) : HTTP__RC_OTHER;
    int sc = status / 100 - 2;
    if (sc < 0)
        sc = 0;
    if (sc >= HTTP__STATUS_CLASSES)
        sc = HTTP__STATUS_CLASSES - 1;
    http__m_add(&m->requests[rc][sc], 1);
    if (t0_ns) {
        uint64_t ns = metrics_now_ns() - t0_ns;
        http__m_add(&m->latency[rc][metrics_bucket_of(ns)], 1);
        http__m_add(&m->latency_sum_ns[rc], ns);
    }
    if (status == 200 && path_ok && req->path.len == 1 &&
        !atomic_load_explicit(&lp->srv->home_rendered, memory_order_relaxed))
        atomic_store_explicit(&lp->srv->home_rendered, true, memory_order_relaxed);
}

/* ---- the scrape ---- */

static const char *const class_names[HTTP__RC_N] = {"page", "static", "media", "search",
                                                    "api",  "admin",  "feed",  "other"};
static const char *const status_names[HTTP__STATUS_CLASSES] = {"2xx", "3xx", "4xx", "5xx"};

static uint64_t rd(const atomic_uint_fast64_t *c)
{
    return (uint64_t)atomic_load_explicit(c, memory_order_relaxed);
}

/* sum_loops adds field (an offset into struct http__loop_metrics) over every loop. */
static uint64_t sum_loops(const struct http_server *srv, size_t off)
{
    uint64_t t = 0;
    for (unsigned i = 0; i < srv->n_loops; i++)
        if (srv->loops[i])
            t += rd((const atomic_uint_fast64_t *)((const char *)&srv->loops[i]->m + off));
    return t;
}
#define SUM(srv, field) sum_loops((srv), offsetof(struct http__loop_metrics, field))

static void write_http(struct buf *out, const struct http_server *srv)
{
    char l[96];
    metrics_head(out, "visnyk_http_requests_total", "counter",
                 "Requests answered, by route class and status class.");
    for (unsigned c = 0; c < HTTP__RC_N; c++)
        for (unsigned s = 0; s < HTTP__STATUS_CLASSES; s++) {
            snprintf(l, sizeof l, "class=\"%s\",status=\"%s\"", class_names[c], status_names[s]);
            metrics_sample_u64(out, "visnyk_http_requests_total", l, SUM(srv, requests[c][s]));
        }

    metrics_head(out, "visnyk_http_request_duration_seconds", "histogram",
                 "Time from a request's last byte to its response handed to the socket, by "
                 "route class.");
    for (unsigned c = 0; c < HTTP__RC_N; c++) {
        uint64_t b[METRICS_N_BUCKETS + 1];
        for (unsigned i = 0; i <= METRICS_N_BUCKETS; i++)
            b[i] = SUM(srv, latency[c][i]);
        snprintf(l, sizeof l, "class=\"%s\"", class_names[c]);
        metrics_histogram_write(out, "visnyk_http_request_duration_seconds", l, b,
                                SUM(srv, latency_sum_ns[c]));
    }

    metrics_head(out, "visnyk_render_seconds", "histogram",
                 "Handler time of GET and HEAD requests the page cache did not answer.");
    uint64_t b[METRICS_N_BUCKETS + 1];
    for (unsigned i = 0; i <= METRICS_N_BUCKETS; i++)
        b[i] = SUM(srv, render[i]);
    metrics_histogram_write(out, "visnyk_render_seconds", NULL, b, SUM(srv, render_sum_ns));

    metrics_head(out, "visnyk_page_cache_hits_total", "counter",
                 "GET and HEAD requests answered from the page cache.");
    metrics_sample_u64(out, "visnyk_page_cache_hits_total", NULL, SUM(srv, cache_hits));
    metrics_head(out, "visnyk_page_cache_misses_total", "counter",
                 "GET and HEAD requests for a route the page cache did not hold.");
    metrics_sample_u64(out, "visnyk_page_cache_misses_total", NULL, SUM(srv, cache_misses));
    struct http_pagecache *pc = srv->cache;
    metrics_head(out, "visnyk_page_cache_evictions_total", "counter",
                 "Pages dropped from the page cache to make room.");
    metrics_sample_u64(out, "visnyk_page_cache_evictions_total", NULL,
                       pc ? http__pagecache_evictions(pc) : 0);
    metrics_head(out, "visnyk_page_cache_bytes", "gauge",
                 "Bytes the page cache holds (both encodings, headers included).");
    metrics_sample_u64(out, "visnyk_page_cache_bytes", NULL, pc ? http__pagecache_bytes(pc) : 0);
    metrics_head(out, "visnyk_page_cache_pages", "gauge", "Fresh pages in the page cache.");
    metrics_sample_u64(out, "visnyk_page_cache_pages", NULL, pc ? http__pagecache_count(pc) : 0);

    uint64_t opened = SUM(srv, conns_opened), closed = SUM(srv, conns_closed);
    metrics_head(out, "visnyk_http_connections_open", "gauge", "Client connections open now.");
    metrics_sample_u64(out, "visnyk_http_connections_open", NULL,
                       opened > closed ? opened - closed : 0);
    metrics_head(out, "visnyk_http_rate_limited_total", "counter",
                 "Requests and connections refused with 429 by the per-address limits.");
    metrics_sample_u64(out, "visnyk_http_rate_limited_total", NULL, SUM(srv, refused_rate));
    metrics_head(out, "visnyk_http_busy_total", "counter",
                 "Requests refused with 503 because a memory or upload budget was spent.");
    metrics_sample_u64(out, "visnyk_http_busy_total", NULL, SUM(srv, refused_busy));
}

static void plain(struct http_request *req, struct http_response *res, int status,
                  struct str content_type)
{
    res->status = status;
    http_response_header(res, req, "Content-Type", content_type);
    http_response_header(res, req, "Cache-Control", STR_LIT("no-store"));
}

bool http__builtin(struct http_loop *lp, const char *peer, struct http_request *req,
                   struct http_response *res)
{
    struct str p = req->path;
    /* the common case, a reader's page, leaves after one or two comparisons */
    if (p.len != 7 && p.len != 8)
        return false;
    if (req->method != HTTP_M_GET && req->method != HTTP_M_HEAD)
        return false;
    struct http_server *srv = lp->srv;
    if (IS(p, "/healthz")) {
        plain(req, res, 200, STR_LIT("text/plain; charset=utf-8"));
        buf_append_cstr(&res->body, "ok\n");
        return true;
    }
    if (IS(p, "/readyz")) {
        struct buf reason;
        buf_init(&reason, 1024);
        bool ok = !srv->cfg.ready || srv->cfg.ready(req->thread_ctx, &reason);
        if (ok && !atomic_load_explicit(&srv->home_rendered, memory_order_relaxed) &&
            !(srv->cache && http__pagecache_count(srv->cache) > 0)) {
            ok = false;
            buf_append_cstr(&reason, "page cache cold: the home page has not been rendered "
                                     "since start");
        }
        plain(req, res, ok ? 200 : 503, STR_LIT("text/plain; charset=utf-8"));
        if (ok)
            buf_append_cstr(&res->body, "ready\n");
        else
            buf_appendf(&res->body, "not ready: %.*s\n", (int)reason.len,
                        reason.data ? reason.data : "");
        buf_free(&reason);
        return true;
    }
    if (IS(p, "/metrics") && http__proxies_match(srv->cfg.metrics_allow, peer)) {
        plain(req, res, 200, STR_LIT("text/plain; version=0.0.4; charset=utf-8"));
        write_http(&res->body, srv);
        metrics_global_write(&res->body, (int64_t)time(NULL));
        if (srv->cfg.metrics_write)
            srv->cfg.metrics_write(req->thread_ctx, &res->body);
        return true;
    }
    return false;
}
