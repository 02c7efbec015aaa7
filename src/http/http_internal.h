/* http_internal.h: what the files of src/http/ share and nothing outside may use.
 * libuv and zlib types stay behind this header; http.h stays free of them. http-parser
 * is included by conn.c alone: its `enum http_method` clashes with ours (see there). */
#ifndef VISNYK_HTTP_HTTP_INTERNAL_H
#define VISNYK_HTTP_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <uv.h>
#include <zlib.h>

#include "core/metrics.h"
#include "http/http.h"

#define HTTP__DEFAULT_CACHE_BYTES ((size_t)64 * 1024 * 1024)
#define HTTP__GZIP_MIN_BYTES 256
#define HTTP__GRACE_MS 5000 /* how long a stopping loop waits for requests in flight */
#define HTTP__DRAIN_MS 1000 /* after an error response, read and drop this long */
#define HTTP__READ_BUF_BYTES (64 * 1024)
#define HTTP__ARENA_BLOCK (16 * 1024)
/* Arenas a loop keeps for its next requests: as many as requests it can be in the
 * middle of at once in practice (more only cost a malloc). */
#define HTTP__ARENA_POOL 64
#define HTTP__DATE_LINE_LEN 37
#define HTTP__STR_(x) #x
#define HTTP__STR(x) HTTP__STR_(x) /* a numeric macro as a string literal */
/* Bodies this large go out by sendfile from a memfd: copying them into the socket
 * cost more than everything else together (measured: 32 KB page, 7.5k → see bench). */
#define HTTP__SENDFILE_MIN (16 * 1024) /* "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" */

/* ---- router.c ---- */

enum http__route_result { HTTP__ROUTE_FOUND, HTTP__ROUTE_NOT_FOUND, HTTP__ROUTE_BAD_METHOD };

/* What a route declared (http_router_add_opts). query is NULL, "*" or the names. */
struct http__route {
    http_handler_fn handler;
    void *ctx;
    size_t max_body; /* 0: the server's limit */
    bool spool_body;
    http_head_check_fn head_check;
    char *query;
};

/* http__router_find finds the route for method and a decoded path, filling
 * req->params/n_params/route_ctx (when req is not NULL) with slices of path; NULL with
 * *result HTTP__ROUTE_NOT_FOUND or HTTP__ROUTE_BAD_METHOD, and then *allow holds a bit
 * (1u << enum http_method) for each method the path accepts. HEAD matches GET. */
const struct http__route *http__router_find(const struct http_router *r, enum http_method method,
                                            struct str path, struct http_request *req,
                                            enum http__route_result *result, unsigned *allow);
/* http__router_match is http__router_find giving the handler alone. */
enum http__route_result http__router_match(const struct http_router *r, enum http_method method,
                                           struct str path, struct http_request *req,
                                           http_handler_fn *handler, unsigned *allow);

/* ---- query.c ---- */

/* http__query_canonical rewrites a raw query string the way route query declares it
 * (see struct http_route_opts.query): NULL → empty; "*" → every pair, names and values
 * decoded ('+' is a space) and re-encoded one way, stable-sorted by name; names → only
 * those parameters, the first of each, in the declared order. Empty names are dropped;
 * a pair without '=' keeps an empty value ("a" → "a="). *out is arena memory (or a slice
 * of a constant). ERR_PARSE/ERR_INVALID when a kept name or value has a bad escape or
 * invalid UTF-8: the caller then passes the raw query on and lets the handler refuse it.
 * ERR_TOO_LARGE past HTTP_MAX_URI_BYTES pairs' worth of output. */
ERR_MUST_USE
enum err http__query_canonical(struct arena *a, const char *declared, struct str raw,
                               struct str *out);

/* ---- response.c ---- */

/* http__etag_hash: 64-bit hash of a body for strong ETags (not cryptographic). */
uint64_t http__etag_hash(const char *p, size_t n);
/* http__etag_format writes "\"<16 hex>\"" or "\"<16 hex>-gz\"" into out (24 bytes room),
 * returns the length. */
size_t http__etag_format(uint64_t h, bool gz, char *out);
/* http__etag_match: does an If-None-Match value list etag (weak comparison, "*")? */
bool http__etag_match(struct str if_none_match, struct str etag);
/* http__accepts_gzip: Accept-Encoding names gzip (or x-gzip, *) with q > 0. */
bool http__accepts_gzip(struct str accept_encoding);
/* http__compressible: content types worth gzipping. */
bool http__compressible(struct str content_type);
/* http__imf_date writes an IMF-fixdate (29 bytes, no NUL) for UTC seconds t. */
void http__imf_date(int64_t t, char out[29]);
/* http__imf_parse reads an IMF-fixdate; false when malformed. */
bool http__imf_parse(struct str s, int64_t *t);
/* http__gzip compresses (p, n) into the arena with z (a reusable stream, may be
 * initialised lazily: *z_ready tracks that). Fails with ERR_IO on a zlib error. */
ERR_MUST_USE
enum err http__gzip(z_stream *z, bool *z_ready, struct arena *a, const char *p, size_t n,
                    struct str *out);

/* The values a response needs once the handler has run, resolved by the server. */
struct http__resp_meta {
    struct str content_type;
    struct str etag;   /* final ETag header value (quoted), may be empty */
    struct str body;   /* the bytes that go out (identity or gzip) */
    bool gzip;         /* body is gzip-encoded */
    bool vary;         /* add Vary: Accept-Encoding */
    bool not_modified; /* 304: no Content-Type/Length */
    struct str allow;  /* for 405 */
};

/* http__fields_build appends every header line except the status line, Date and
 * Connection, then the blank line. Handler headers override common headers of the same
 * name; headers the server owns (Content-Length, ETag, Date, ...) are not copied. */
ERR_MUST_USE
enum err http__fields_build(struct buf *out, const struct http_config *cfg,
                            const struct http_response *res, const struct http__resp_meta *m);

/* ---- pagecache.c ---- */

struct http_page_variant {
    char *bytes; /* header fields + blank line + body; NULL when absent */
    size_t len;
    size_t head_len; /* fields and blank line only (for HEAD) */
    char *nm;        /* fields + blank line of the 304 answer */
    size_t nm_len;
    struct str etag; /* owned copy of the ETag value */
    int fd;          /* memfd holding bytes, for sendfile of large bodies; -1 if none */
};

struct http_page {
    atomic_size_t refs;
    struct http_page *hnext;               /* hash chain */
    struct http_page *lru_prev, *lru_next; /* most recently used first */
    uint64_t hash;
    char *key;
    size_t key_len;
    struct http_page_variant v[2]; /* 0 identity, 1 gzip */
    struct str *deps;              /* dependency keys (owned copies) */
    uint64_t *dep_hash;
    size_t n_deps;
    size_t cost; /* bytes counted against the bound */
    bool in_cache;
    /* Invalidated but kept (stale rather than down): never a hit, only the answer when
     * the handler fails with 5xx; evicted by LRU like any page. */
    bool stale;
    int64_t stale_since; /* monotonic seconds */
    bool variant;        /* an open-ended variant: the bounded part of the cache */
    int64_t modified;    /* wall-clock seconds it was rendered: its Last-Modified */
    bool ims_ok;         /* If-Modified-Since may answer 304 (see conn.c page_build) */
};

struct http_pagecache;

/* http__pagecache_new creates a cache bounded at max_bytes (0 = 64 MiB), of which
 * 1/HTTP_CACHE_VARIANT_SHARE holds open-ended variants (page->variant) and the rest
 * every other page; each part evicts its own least recently used pages. */
struct http_pagecache *http__pagecache_new(size_t max_bytes);
void http__pagecache_free(struct http_pagecache *pc);
/* http__page_new makes an unlinked page holding one reference (the caller's), with a
 * copy of key and of every dependency key. The caller fills v[] with malloc'd bytes
 * (freed with the page) and then calls http__page_seal to account its size. */
struct http_page *http__page_new(struct str key, const struct str *deps, size_t n_deps);
void http__page_seal(struct http_page *p);
/* http__variant_memfd copies v->bytes into a sealed-by-convention memfd (v->fd) so the
 * body can be sent with sendfile; silently keeps v->fd = -1 when out of descriptors or
 * over the budget (a quarter of RLIMIT_NOFILE). */
void http__variant_memfd(struct http_page_variant *v);
/* http__page_release drops one reference; the last one frees the page. */
void http__page_release(struct http_page *p);
/* http__pagecache_get returns a referenced page or NULL. */
struct http_page *http__pagecache_get(struct http_pagecache *pc, struct str key);
/* http__pagecache_put inserts p (taking its own reference), replacing a page with the
 * same key and evicting least recently used pages over the bound. Refused (false) when
 * the page alone is over a quarter of the bound or when an invalidation happened
 * after epoch (the page may show data older than that invalidation). */
bool http__pagecache_put(struct http_pagecache *pc, struct http_page *p, uint64_t epoch);
/* http__pagecache_invalidate marks every page that recorded key stale: it is no longer
 * a hit, but http__pagecache_get_stale can still hand it out while the site is down. */
void http__pagecache_invalidate(struct http_pagecache *pc, struct str key);
/* http__pagecache_get_stale returns a referenced page for key, fresh or stale, when it
 * went stale at most max_age_s seconds ago; NULL otherwise. */
struct http_page *http__pagecache_get_stale(struct http_pagecache *pc, struct str key,
                                            unsigned max_age_s);
void http__pagecache_clear(struct http_pagecache *pc);
/* http__pagecache_invalidated_at: wall-clock second of the last invalidation or clear
 * (0 before any, and for a NULL cache). */
int64_t http__pagecache_invalidated_at(struct http_pagecache *pc);
/* http__pagecache_epoch counts invalidations; read it before a handler runs. */
uint64_t http__pagecache_epoch(struct http_pagecache *pc);
size_t http__pagecache_bytes(struct http_pagecache *pc);
/* http__pagecache_count: fresh pages (stale ones are not counted). */
size_t http__pagecache_count(struct http_pagecache *pc);
/* http__pagecache_evictions: pages dropped to make room since start. */
uint64_t http__pagecache_evictions(struct http_pagecache *pc);

/* ---- metrics.c: what the HTTP core counts, and /healthz, /readyz, /metrics ---- */

/* Route classes, decided from the path prefix (http__route_class). */
enum http__route_class {
    HTTP__RC_PAGE,
    HTTP__RC_STATIC,
    HTTP__RC_MEDIA,
    HTTP__RC_SEARCH,
    HTTP__RC_API,
    HTTP__RC_ADMIN,
    HTTP__RC_FEED,
    HTTP__RC_OTHER, /* the server's own endpoints, requests refused before a path */
    HTTP__RC_N
};
#define HTTP__STATUS_CLASSES 4 /* 2xx, 3xx, 4xx, 5xx (1xx is counted as 2xx: never sent) */

/* One loop's counters. Only its own loop thread writes them (http__m_add: a relaxed load
 * and store, no locked instruction); /metrics, on any loop, reads and sums them. The
 * struct starts on its own cache line, so loops never share one. */
struct http__loop_metrics {
    _Alignas(64) atomic_uint_fast64_t requests[HTTP__RC_N][HTTP__STATUS_CLASSES];
    atomic_uint_fast64_t latency[HTTP__RC_N][METRICS_N_BUCKETS + 1];
    atomic_uint_fast64_t latency_sum_ns[HTTP__RC_N];
    atomic_uint_fast64_t render[METRICS_N_BUCKETS + 1]; /* handler time of GET/HEAD misses */
    atomic_uint_fast64_t render_sum_ns;
    atomic_uint_fast64_t cache_hits, cache_misses;
    atomic_uint_fast64_t refused_rate; /* 429: per-address request or connection limit */
    atomic_uint_fast64_t refused_busy; /* 503: a memory or spool budget spent */
    atomic_uint_fast64_t conns_opened, conns_closed;
};

static inline void http__m_add(atomic_uint_fast64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

enum http__route_class http__route_class(struct str path);
/* http__metrics_request counts one answered request: its class (from req->path, or
 * other when the path never decoded), status class and the time since t0_ns (0: not
 * timed). Marks the cache warm on a 200 for "/". Loop thread only. */
struct http_loop;
void http__metrics_request(struct http_loop *lp, const struct http_request *req, bool path_ok,
                           int status, uint64_t t0_ns);
/* http__builtin answers /healthz, /readyz and (to a peer in metrics_allow) /metrics into
 * res; false when req is none of them (then routing goes on as for any path, so a peer
 * not allowed gets the site's 404). peer is the socket's address, never X-Forwarded-For. */
bool http__builtin(struct http_loop *lp, const char *peer, struct http_request *req,
                   struct http_response *res);

/* ---- server.c / conn.c ---- */

struct http_conn;

struct http_loop {
    uv_loop_t uv;
    uv_tcp_t listener;
    uv_async_t stop_async;
    uv_timer_t grace_timer;
    int fd; /* listening socket before uv_tcp_open */
    pthread_t thread;
    bool thread_started;
    struct http_server *srv;
    void *thread_ctx;
    struct http_conn *conns; /* doubly linked list of live connections */
    size_t n_conns;
    bool stopping;
    bool handles_closed;
    char date_line[HTTP__DATE_LINE_LEN + 1];
    int64_t date_sec;
    z_stream z;
    bool z_ready;
    /* this loop's share of query_renders_per_second (conn.c): a token bucket */
    double query_tokens;
    uint64_t query_refill_ms;
    /* refusals are logged at most once a second per loop (conn.c refusal_log_due) */
    uint64_t refusal_log_ms;
    unsigned refusals_unlogged;
    struct http__loop_metrics m; /* metrics.c */
    /* arenas of connections between requests (conn.c conn_scratch_give): an idle
     * keep-alive connection holds none, and a busy loop reuses them without malloc */
    struct arena *arena_pool[HTTP__ARENA_POOL];
    size_t n_arena_pool;
    char read_buf[HTTP__READ_BUF_BYTES];
};

/* ---- warm.c: the page warmer (http_config.warm_paths) ---- */
#define HTTP__WARM_TOKEN_LEN 32
struct http__warm;
/* http__warm_start starts the warmer's thread, which warms once at once; NULL when the
 * config has no warm_paths or the page cache is off. */
struct http__warm *http__warm_start(struct http_server *srv);
/* http__warm_poke: pages were invalidated; warm again once the burst is over. Any
 * thread; NULL does nothing. */
void http__warm_poke(struct http__warm *w);
/* http__warm_stopping asks the thread to stop after its current request (no wait);
 * http__warm_free stops it, waits for it and frees it. */
void http__warm_stopping(struct http__warm *w);
void http__warm_free(struct http__warm *w);
/* http__warm_exempt: the request is the warmer's own (a loopback peer with the
 * process's X-Visnyk-Warm token), exempt from the per-address request limit. */
bool http__warm_exempt(const struct http__warm *w, const char *peer_ip, struct str header);

struct http_server {
    struct http_config cfg; /* copy, defaults filled in */
    uint16_t port;
    size_t max_header_bytes;
    unsigned max_connections;
    struct http_loop **loops;
    unsigned n_loops;
    struct http_pagecache *cache; /* NULL when cfg.page_cache is false */
    uv_loop_t main_loop;
    uv_async_t main_async;
    uv_signal_t sig_int, sig_term, sig_hup;
    void (*on_reload)(void *app);
    atomic_int stop_requested;
    struct http__ratelimit *ratelimit; /* NULL when no per-IP limit is configured */
    /* bytes in use against the budgets of struct http_config (conn.c) */
    atomic_size_t body_mem, body_spool, resp_mem;
    atomic_bool home_rendered; /* a 200 for "/" went out since start: the cache is warm */
    /* NULL: no warming (warm.c); set once the loops serve, read by them */
    _Atomic(struct http__warm *) warm;
};

/* ---- ratelimit.c ---- */

struct http__ratelimit;

/* http__ratelimit_new: NULL when both limits are off (max_conns 0, rate <= 0). burst 0
 * means max(10, 2 × rate). Loopback addresses are exempt unless limit_loopback; peers in
 * proxies (may be NULL; borrowed, must outlive rl) are exempt from the connection limit. */
struct http__ratelimit *http__ratelimit_new(unsigned max_conns, double rate, unsigned burst,
                                            bool limit_loopback,
                                            const struct http_proxies *proxies);
void http__ratelimit_free(struct http__ratelimit *rl);
/* http__ratelimit_conn_open counts a new connection of ip; false when ip already has
 * max_conns open (answer 429 and close). *counted says whether conn_close must be called
 * for it. Thread-safe, as are the two below. rl may be NULL (no limit). */
bool http__ratelimit_conn_open(struct http__ratelimit *rl, const char *ip, bool *counted);
void http__ratelimit_conn_close(struct http__ratelimit *rl, const char *ip);
/* http__ratelimit_request takes a token for one request of ip; false when none is left,
 * with *retry_after the whole seconds until one is. */
bool http__ratelimit_request(struct http__ratelimit *rl, const char *ip, unsigned *retry_after);
bool http__ip_is_loopback(const char *ip);

/* ---- proxy.c ---- */

#define HTTP__IP_LEN 46 /* INET6_ADDRSTRLEN: the size of http_request.client_ip */

/* http__ip_parse reads one textual IPv4 or IPv6 address (no brackets, no port, no zone)
 * into 16 bytes, IPv4 as IPv4-mapped IPv6. false when ip is not one. */
bool http__ip_parse(struct str ip, uint8_t out[16]);
/* http__ip_format writes the normal text of addr into out: dotted quad for IPv4 and
 * IPv4-mapped addresses, RFC 5952 form for the rest. */
void http__ip_format(const uint8_t addr[16], char out[HTTP__IP_LEN]);
/* http__proxies_match: is the textual address ip inside one of p's ranges? false for
 * p NULL or empty and for text that is not an address. */
bool http__proxies_match(const struct http_proxies *p, const char *ip);
/* http__client_address writes the request's client into out (NUL-terminated): the socket
 * peer when it is not a trusted proxy; otherwise the rightmost X-Forwarded-For hop that is
 * not trusted, walking every X-Forwarded-For line (in order, comma lists) from the right.
 * A malformed hop stops the walk at the last good one (or the peer); when every hop is
 * trusted, the leftmost. The address is normalised (http__ip_format); a peer that is not
 * an address (empty: getpeername failed) is copied as it is. */
void http__client_address(const struct http_proxies *trusted, const char *peer,
                          const struct http_header *headers, size_t n_headers,
                          char out[HTTP__IP_LEN]);

/* http__conn_accept is the listener's connection callback. */
void http__conn_accept(uv_stream_t *listener, int status);
/* http__conn_stop_idle closes the connections of a stopping loop that have no request
 * in flight; the others close after their response (they see lp->stopping). */
void http__conn_stop_idle(struct http_loop *lp);
/* http__conn_close_all closes every connection now (grace period over). */
void http__conn_close_all(struct http_loop *lp);
/* http__loop_maybe_done closes the loop's own handles once it is stopping and empty. */
void http__loop_maybe_done(struct http_loop *lp);
/* http__next_request_id: process-wide increasing request ids. */
uint64_t http__next_request_id(void);

#endif
