/* http.h: the HTTP server as handlers see it. libuv loops (one per thread, sharing the
 * port with SO_REUSEPORT), requests parsed by http-parser behind this header, limits and
 * timeouts enforced here. Handlers run on the loop thread and must not block for long.
 * Nothing here knows SQL or HTML. */
#ifndef VISNYK_HTTP_HTTP_H
#define VISNYK_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

/* Limits (configurable at runtime through struct http_config; these are defaults). */
#define HTTP_MAX_URI_BYTES 4096           /* longer → 414 */
#define HTTP_MAX_HEADER_BYTES (8 * 1024)  /* all header lines together; more → 431 */
#define HTTP_MAX_HEADERS 64               /* more → 431 */
#define HTTP_MAX_BODY_BYTES (1024 * 1024) /* more → 413 (uploads get their own limit) */
#define HTTP_MAX_RESPONSE_BYTES (16 * 1024 * 1024)
#define HTTP_HEADER_TIMEOUT_MS 10000 /* whole request head must arrive within */
#define HTTP_BODY_TIMEOUT_MS 30000
#define HTTP_KEEPALIVE_TIMEOUT_MS 15000
#define HTTP_MAX_CONNECTIONS 10000 /* per loop */
#define HTTP_MAX_PARAMS 4
#define HTTP_STALE_MAX_S (24 * 3600) /* how old a stale page may be and still be served */
/* Bodies: a body slower than HTTP_MIN_BODY_BYTES_PER_SEC on average once
 * HTTP_MIN_BODY_RATE_GRACE_S have passed gets 408 (a held upload costs a connection and
 * a budget share, so a client may not hold one open at a trickle). Bodies kept in memory
 * share HTTP_BODY_MEMORY_MAX across every connection, bodies spooled to disk (uploads)
 * share HTTP_BODY_SPOOL_MAX, and responses still waiting for a slow reader share
 * HTTP_RESPONSE_MEMORY_MAX; past a budget a new request gets 503 with Retry-After instead
 * of more memory. */
#define HTTP_MIN_BODY_BYTES_PER_SEC (8 * 1024)
#define HTTP_MIN_BODY_RATE_GRACE_S 10
#define HTTP_BODY_MEMORY_MAX ((size_t)64 * 1024 * 1024)
#define HTTP_BODY_SPOOL_MAX ((size_t)1024 * 1024 * 1024)
#define HTTP_RESPONSE_MEMORY_MAX ((size_t)128 * 1024 * 1024)
#define HTTP_BUSY_RETRY_AFTER_S 5
/* Open-ended variants (pages whose cache key carries a query: search results, filtered
 * API lists) live in their own part of the page cache, this share of its bytes, so no
 * flood of them can evict articles, lists or the home page. */
#define HTTP_CACHE_VARIANT_SHARE 8 /* one eighth */

enum http_method {
    HTTP_M_OTHER = 0,
    HTTP_M_GET,
    HTTP_M_HEAD,
    HTTP_M_POST,
    HTTP_M_PUT,
    HTTP_M_DELETE,
    HTTP_M_OPTIONS,
};

struct http_header {
    struct str name;
    struct str value;
};

struct http_request {
    struct arena *arena; /* owned by the connection; reset after the response */
    uint64_t id;         /* for logs */
    enum http_method method;
    struct str target; /* raw request target as received */
    struct str path;   /* percent-decoded, valid UTF-8, no NUL, no "..", starts '/' */
    struct str query;  /* raw query string without '?', may be empty */
    struct http_header *headers;
    size_t n_headers;
    struct str body;
    char client_ip[46];
    struct str params[HTTP_MAX_PARAMS]; /* captured ':name' segments of the route, decoded */
    size_t n_params;
    void *thread_ctx;           /* what http_config.thread_init returned for this loop */
    void *route_ctx;            /* what http_router_add_ctx registered with the route */
    struct http_server *server; /* for http_cache_invalidate after a write */
};

struct http_response {
    int status;
    struct http_header *headers; /* extra headers (arena memory) */
    size_t n_headers;
    size_t cap_headers;
    struct buf body; /* bounded by HTTP_MAX_RESPONSE_BYTES */
    /* Page cache: a handler that sets cacheable names every dependency key its page
     * showed (e.g. "article:42", "tag:7", "list:news", "settings"); the page is then
     * kept until one of these keys is invalidated. Only 200 answers to GET/HEAD without
     * Set-Cookie are stored, and not when any invalidation happened while the handler
     * ran (the page may show data from before it). Keyed by decoded path + "?" + raw
     * query; a hit is answered before routing, without calling the handler. */
    bool cacheable;
    struct str *cache_keys;
    size_t n_cache_keys;
    size_t cap_cache_keys;
};

/* A handler fills res. It never writes to the socket itself. */
typedef void (*http_handler_fn)(struct http_request *req, struct http_response *res);
/* A head check runs when a request's head is complete, before a single byte of its body
 * is read: req has its method, path, params, query, headers, client address and contexts,
 * and an empty body. It returns true to go on; false when it has filled res with the
 * answer (401, 403, a redirect), which is sent at once and the connection closed, the
 * body unread. Routes that need a session use it so that no anonymous client can make
 * the server hold a body. */
typedef bool (*http_head_check_fn)(struct http_request *req, struct http_response *res);
/* Called once on each loop thread before it serves; returns that thread's context
 * (e.g. its database connection). thread_done releases it when the loop stops. */
typedef void *(*http_thread_init_fn)(void *app);
typedef void (*http_thread_done_fn)(void *thread_ctx);

struct http_router;
struct http_server;

struct http_config {
    const char *host; /* "127.0.0.1", "::1", "0.0.0.0" */
    uint16_t port;
    unsigned threads;                                                  /* 0 = one per core */
    size_t max_body_bytes;                                             /* 0 = HTTP_MAX_BODY_BYTES */
    unsigned header_timeout_ms, body_timeout_ms, keepalive_timeout_ms; /* 0 = defaults */
    bool page_cache; /* false disables the page cache (benchmarks) */
    size_t page_cache_max_bytes;
    const struct http_router *router;
    void *app;
    http_thread_init_fn thread_init;
    http_thread_done_fn thread_done;
    /* Handler for errors the server produces itself (400, 404, 405, 413, 414, 431,
     * 500): it fills res->body for res->status in the site's design. May be NULL. */
    http_handler_fn error_page;
    /* Headers added to every response, errors included (security headers). */
    const struct http_header *common_headers;
    size_t n_common_headers;
    size_t max_header_bytes;  /* 0 = HTTP_MAX_HEADER_BYTES */
    unsigned max_connections; /* per loop; 0 = HTTP_MAX_CONNECTIONS */
    /* Per client address (ratelimit.c), answered with 429 and Retry-After; 0 = off.
     * Loopback clients are exempt unless limit_loopback (tests, benchmarks). The request
     * limit keys by the client behind trusted_proxies; the connection limit by the peer,
     * and trusted proxies are exempt from it (they carry many clients). */
    unsigned max_conns_per_ip;
    double requests_per_ip_per_second; /* token bucket refill rate */
    unsigned request_burst;            /* bucket size; 0 = max(10, 2 × rate) */
    bool limit_loopback;
    /* Peers whose X-Forwarded-For names the client (proxy.c); NULL = none. Owned by the
     * caller, which keeps it alive until http_server_run returns. */
    const struct http_proxies *trusted_proxies;
    /* Stale rather than down: when a handler fails with 5xx (database locked or gone),
     * a page the cache still holds from before its last invalidation is sent instead,
     * if it is at most this old (seconds since it was invalidated); 0 = HTTP_STALE_MAX_S. */
    unsigned stale_max_seconds;
    /* Background work (scheduler, mail sender) that needs the server: on_start runs on
     * the main thread once every loop serves; on_stop runs there after the loops have
     * stopped and before the server is freed. Either may be NULL. */
    void (*on_start)(struct http_server *srv, void *app);
    void (*on_stop)(void *app);
    /* The CDN's purge hook: called with every key http_cache_invalidate is given, and
     * with "site" for http_cache_clear, whether or not the page cache is on (a CDN in
     * front caches by the same keys). Runs on the invalidating thread (a loop, the
     * scheduler) after the write committed: thread-safe and quick. NULL = none. */
    void (*on_invalidate)(void *ctx, struct str key);
    void *invalidate_ctx;
    /* The page warmer (warm.c): the paths readers open first, site-relative ("/",
     * "/news", the newest articles), in arena memory. Called on the warmer's own thread
     * (thread-safe: open its own database connection) after start and after each burst of
     * invalidations; the server then requests each over loopback so the page cache holds
     * it before a reader asks. NULL, or no page cache = no warming. */
    enum err (*warm_paths)(void *app, struct arena *a, struct str **paths, size_t *n);
    /* Bodies and budgets (see HTTP_MIN_BODY_BYTES_PER_SEC above); 0 = the default.
     * spool_dir holds spooled upload bodies (unlinked files; the media folder, so they
     * are on the disk the photos go to); NULL = the system's temporary folder. */
    const char *spool_dir;
    size_t body_memory_max, body_spool_max, response_memory_max;
    unsigned min_body_bytes_per_sec, min_body_rate_grace_s;
    /* Pages with a query that the page cache does not hold (a new search, a filtered
     * list) rendered per second at most, over all loops; past it such a request gets 503
     * with Retry-After while every other page is served as usual. A flood of distinct
     * searches from many addresses then costs a bounded share of the CPU. 0 = no bound. */
    unsigned query_renders_per_second;
    /* Cache-Control of public pages (seconds; RFC 9111 and RFC 5861): browsers keep a
     * page max_age, shared caches (a CDN) s_maxage, and serve it stale while they
     * revalidate (swr) or while the origin fails (sie). All 0 = 0, 60, 60, 86400. */
    unsigned cache_max_age, cache_s_maxage, cache_swr, cache_sie;
    /* Health and metrics (metrics.c), answered by the server before the page cache and
     * the per-address request limit: /healthz (the process answers), /readyz (ready says
     * so and the page cache is warm) and /metrics (Prometheus text) to socket peers in
     * metrics_allow (NULL or empty: nobody; others get the 404 of any unknown path).
     * ready runs on the loop thread with its context: false with a plain-text reason
     * appended to reason. metrics_write appends the application's own metrics (gauges
     * read from the database) to out. Either may be NULL. */
    const struct http_proxies *metrics_allow;
    bool (*ready)(void *thread_ctx, struct buf *reason);
    void (*metrics_write)(void *thread_ctx, struct buf *out);
    bool access_log; /* one info line per request (otherwise only at log level debug) */
};

/* Trusted proxies (proxy.c): addresses and CIDR ranges whose X-Forwarded-For is believed.
 * IPv4 entries are kept as IPv4-mapped IPv6 (::ffff:a.b.c.d, prefix + 96), so one table
 * and one comparison serve both families. */
#define HTTP_MAX_TRUSTED_PROXIES 64

struct http_cidr {
    uint8_t addr[16]; /* network address, host bits cleared */
    uint8_t bits;     /* prefix length, 0..128 */
};

struct http_proxies {
    size_t n;
    struct http_cidr e[HTTP_MAX_TRUSTED_PROXIES];
};

/* http_proxies_parse reads a list of IPv4/IPv6 addresses and CIDR ranges separated by
 * commas and/or blanks ("127.0.0.1, ::1 10.0.0.0/8") into out; an empty list trusts
 * nobody. Host bits past the prefix are cleared (10.1.2.3/8 is 10.0.0.0/8). Fails with
 * ERR_INVALID for an entry that is not an address or range (*bad is that entry, a slice
 * of list) and ERR_TOO_LARGE past HTTP_MAX_TRUSTED_PROXIES entries (*bad is the first
 * entry left out); out is then unusable. */
ERR_MUST_USE
ERR_MUST_USE
enum err http_proxies_parse(struct str list, struct http_proxies *out, struct str *bad);

/* Routing: patterns are literal segments and ':name' segments, e.g. "/news/:slug";
 * a final "*" matches the rest of the path into one param. A path that matches a
 * pattern but not its method gets 405 with Allow. */
struct http_router *http_router_new(void);
void http_router_free(struct http_router *r);
void http_router_add(struct http_router *r, enum http_method method, const char *pattern,
                     http_handler_fn handler);
/* http_router_add_ctx also registers ctx, which the handler finds in req->route_ctx
 * (a module's own state: the editor workspace, the API). */
void http_router_add_ctx(struct http_router *r, enum http_method method, const char *pattern,
                         http_handler_fn handler, void *ctx);
/* http_router_add_limit is http_router_add_ctx with the route's own request body limit
 * (e.g. HTTP_UPLOAD_MAX_BODY_BYTES from http/multipart.h for uploads), replacing
 * http_config.max_body_bytes for the requests it matches. The server looks the route up
 * as soon as the request head is complete, so a Content-Length over the limit gets 413
 * before any of the body is read. max_body_bytes 0 means the server's default. */
void http_router_add_limit(struct http_router *r, enum http_method method, const char *pattern,
                           http_handler_fn handler, void *ctx, size_t max_body_bytes);

/* Everything a route may declare beyond method, pattern and handler. */
struct http_route_opts {
    void *ctx;             /* req->route_ctx */
    size_t max_body_bytes; /* 0: http_config.max_body_bytes */
    /* The body goes to an unlinked file in http_config.spool_dir as it arrives, never
     * whole into memory; the handler sees it as req->body all the same (mapped read-only
     * from that file). For uploads. */
    bool spool_body;
    http_head_check_fn head_check; /* NULL: none */
    /* The query parameters a GET route reads, space-separated ("q tag page"): the handler
     * sees only these in req->query, each once (the first), decoded and re-encoded one
     * way, in this order; anything else (utm_*, fbclid, cache busters) is dropped, and the
     * page cache keys the page by path and that query alone. NULL: the route reads none
     * (req->query is empty). "*": the route reads any (the API, the workspace): the query
     * is passed on normalised (pairs re-encoded, sorted by name, same names kept in
     * order) and a cached page with a non-empty query is an open-ended variant. Requests
     * of other methods are never cached and get the query as sent. */
    const char *query;
};
void http_router_add_opts(struct http_router *r, enum http_method method, const char *pattern,
                          http_handler_fn handler, const struct http_route_opts *opts);

/* http_server_run binds, starts the loop threads and serves until SIGINT/SIGTERM (stop
 * accepting, finish requests in flight for up to 5 s) or http_server_stop. SIGHUP calls
 * on_reload (when set) on the thread that called http_server_run. Blocks until stopped;
 * returns ERR_OK after a clean shutdown, ERR_IO when the address cannot be bound or
 * another process already listens on it (two servers would keep two page caches, and an
 * invalidation would reach only one), ERR_INVALID for a malformed host.
 * host NULL means "127.0.0.1".
 * *started (when not NULL) is set, with release semantics, once the sockets listen and
 * the loops run, before serving; from then until http_server_run returns, any thread may
 * call http_server_stop, http_server_port and http_cache_*. The server is freed when
 * http_server_run returns: the pointer must not be used after that. Another thread
 * should read *started with __atomic_load_n(..., __ATOMIC_ACQUIRE). */
struct http_server;
ERR_MUST_USE
enum err http_server_run(const struct http_config *cfg, void (*on_reload)(void *app),
                         struct http_server **started);
void http_server_stop(struct http_server *srv);
/* Port actually bound (useful with port 0 in tests). */
uint16_t http_server_port(const struct http_server *srv);

/* Response building. */
void http_response_header(struct http_response *res, struct http_request *req, const char *name,
                          struct str value);
void http_response_cache_key(struct http_response *res, struct http_request *req, struct str key);
/* http_response_error sets status and lets the server's error_page fill the body. */
void http_response_error(struct http_response *res, int status);
/* http_response_redirect: 301/302/303 with Location. */
void http_response_redirect(struct http_response *res, struct http_request *req, int status,
                            struct str location);

/* Request helpers. */
struct str http_request_header(const struct http_request *req, const char *name);
/* http_query_get finds a parameter in a query string or urlencoded body, decoding
 * '+' and %XX into the arena. false when absent; ERR-free: invalid escapes or invalid
 * UTF-8 make it absent and set *bad when bad is not NULL. */
bool http_form_get(struct arena *a, struct str form, const char *name, struct str *value,
                   bool *bad);
/* http_url_decode decodes %XX (and '+' when plus_is_space) into the arena; fails
 * with ERR_PARSE on a bad escape and ERR_INVALID on invalid UTF-8 or NUL. */
ERR_MUST_USE
enum err http_url_decode(struct arena *a, struct str in, bool plus_is_space, struct str *out);

/* Page cache invalidation: drop every cached page that recorded key (clear: all pages).
 * Thread-safe; callable from any thread (the editor, the scheduler). Then tells
 * http_config.on_invalidate, even when the page cache is disabled. Call it after the
 * write has committed. */
void http_cache_invalidate(struct http_server *srv, struct str key);
void http_cache_clear(struct http_server *srv);

/* Serving a static file from memory with ETag/Last-Modified/304 and gzip is done by
 * the handler through these: http_static_respond sets the validators, answers 304 when
 * the request's If-None-Match/If-Modified-Since match, and otherwise the body. */
void http_static_respond(struct http_request *req, struct http_response *res,
                         struct str content_type, struct str body, int64_t mtime, bool immutable);

const char *http_status_reason(int status);

/* ---- in-process requests (local.c): the static mirror renders pages through them ---- */

/* http_local_get runs the GET handler that r routes target ("/path" or "/path?query",
 * raw, percent-encoded as in a link) to, with thread_ctx as the loop's context and a the
 * request arena, and leaves the answer in res: status, headers (arena memory) and body.
 * res->body must have been initialised by the caller (buf_init) and is reset here; the
 * rest of res is overwritten. No page cache, no error page, no compression.
 * ERR_NOTFOUND when no route matches (or only another method), ERR_INVALID for a path
 * the server would refuse (bad escape, "..", control bytes). */
ERR_MUST_USE
enum err http_local_get(const struct http_router *r, void *thread_ctx, struct str target,
                        struct arena *a, struct http_response *res);
/* http_response_header_get: the value of a header a handler set, STR_NULL when unset. */
struct str http_response_header_get(const struct http_response *res, const char *name);

#endif
