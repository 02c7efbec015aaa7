/* conn.c: one client connection. http-parser turns bytes into a request; this file
 * enforces the limits, runs the router or answers from the page cache, and writes the
 * response with one writev. Requests on a connection are handled one at a time: the
 * parser pauses at the end of each message, and while a response is still being
 * written reading stops (backpressure); unparsed pipelined bytes wait in a stash. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* http_parser.h declares its own `enum http_method`; rename its tag while including it
 * so ours from http.h can keep the public name. */
#define http_method http_parser_method_
#include <http_parser.h>
#undef http_method

#include "core/io.h"
#include "core/log.h"
#include "http/http_internal.h"

struct hdr_off {
    size_t name_off, name_len, value_off, value_len;
};

enum hdr_state { HS_NONE, HS_FIELD, HS_VALUE };

/* The request head's line endings, checked ahead of the parser (http-parser takes a bare
 * LF for CRLF and folds obs-fold lines into the value): RFC 9112 lets a server refuse
 * both, and a proxy in front that reads them otherwise is how requests get smuggled. */
struct head_scan {
    bool active;     /* scanning the head of the message that is arriving */
    bool cr;         /* the last byte was CR */
    bool line_start; /* at the first byte of a line */
    bool first_line; /* still in the request line (or the empty lines before it) */
};

struct http_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t wreq;
    uv_shutdown_t sreq;
    http_parser parser;
    struct http_loop *lp;
    struct http_conn *prev, *next;
    struct arena *arena;

    /* request head, copied out of the read buffer as the parser hands it over */
    char *head;
    size_t head_len, head_cap;
    size_t url_off, url_len;
    struct hdr_off *hdrs;
    size_t n_hdrs;
    enum hdr_state hs;
    size_t header_bytes;
    char *body; /* malloc'd, for bodies kept in memory (bounded by the route's limit) */
    size_t body_len, body_cap; /* body_len counts spooled bytes too */
    size_t body_max;           /* this request's limit: its route's own, else the server's */
    int pending_status;        /* decided inside a parser callback */
    bool busy;                 /* pending 503: a budget is spent (answered plainly) */
    bool head_answered;        /* the route's head check filled res: send it, read no body */
    struct head_scan scan;
    /* the route, decided from the head (http__router_find); NULL: 404 or 405 */
    const struct http__route *route;
    enum http__route_result route_result;
    unsigned allow;
    bool target_bad; /* the target does not decode: 400 */
    bool prepared;   /* head_prepare ran for this message */
    /* budgets taken for this request (server-wide atomics), given back at its end */
    size_t mem_taken, spool_taken, resp_taken;
    /* a spooled body: an unlinked file, mapped read-only once complete */
    int spool_fd;
    char *spool_map;
    size_t spool_map_len;
    uint64_t body_start_ms, body_last_ms; /* uv_now when the body began, last arrived */

    bool in_request; /* a message has begun and its response is not finished */
    bool req_ready;  /* message complete, waiting for dispatch */
    bool writing;    /* an asynchronous write is in flight */
    bool reading;
    bool closing;     /* uv_close called */
    bool close_after; /* close once the current response is out */
    bool draining;    /* response sent, write side shut, dropping input */
    bool keep_alive;
    int handles_open;

    struct http_request req;
    struct http_response res;
    struct str cache_key;
    bool cache_variant;  /* the page is an open-ended variant (pagecache.c) */
    struct buf out_head; /* status line + headers of the response being sent */
    struct http_page *out_page;

    char *stash; /* pipelined bytes read before the previous response was out */
    size_t stash_len, stash_off, stash_cap;
    char client_ip[46];
    bool rl_counted; /* counted against the per-IP connection limit (ratelimit.c) */
    uint64_t t0_ns;  /* metrics: when dispatch began (0: not timed); metrics.c */
};

static void conn_close(struct http_conn *c);
static void conn_finish(struct http_conn *c);
static void req_base(struct http_conn *c);
static void res_reset(struct http_response *res);
static struct str res_header(const struct http_response *res, const char *name);
static bool has_header(const struct http_response *res, const char *name);
static void finalize_send(struct http_conn *c, unsigned allow, uint64_t epoch);
static void conn_resume(struct http_conn *c);
static void respond_error(struct http_conn *c, int status, unsigned allow);
static enum http_method method_of(unsigned m);
static bool path_ok(struct str p);
static bool split_target(struct str t, struct str *raw_path, struct str *query);

static struct http_server *srv_of(struct http_conn *c)
{
    return c->lp->srv;
}

/* ---- budgets: bytes that many connections draw on, bounded server-wide ---- */

static bool budget_take(atomic_size_t *used, size_t max, size_t n)
{
    size_t cur = atomic_load(used);
    do {
        if (n > max || cur > max - n)
            return false;
    } while (!atomic_compare_exchange_weak(used, &cur, cur + n));
    return true;
}

static void budget_give(atomic_size_t *used, size_t *taken)
{
    if (*taken)
        atomic_fetch_sub(used, *taken);
    *taken = 0;
}

/* body_release gives back everything the request body held: memory, spool file, map,
 * budget shares. Safe to call twice. */
static void body_release(struct http_conn *c)
{
    struct http_server *srv = srv_of(c);
    free(c->body);
    c->body = NULL;
    c->body_len = c->body_cap = 0;
    if (c->spool_map)
        munmap(c->spool_map, c->spool_map_len);
    c->spool_map = NULL;
    c->spool_map_len = 0;
    if (c->spool_fd >= 0)
        close(c->spool_fd);
    c->spool_fd = -1;
    budget_give(&srv->body_mem, &c->mem_taken);
    budget_give(&srv->body_spool, &c->spool_taken);
}

/* spool_open makes an unlinked file for a body in dir (the media folder: same disk as
 * the photos, and not a tmpfs that would put the upload back into memory). */
static int spool_open(const char *dir)
{
    if (!dir || !*dir)
        dir = "/var/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != ENOENT))
        return fd;
    /* a filesystem without O_TMPFILE: create and unlink at once */
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/.visnyk-upload-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof(path))
        return -1;
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* refusal_log_due says whether a refusal (408, 429, 503, a rejected request) may be
 * logged now: at most one line a second per loop, saying how many went unlogged. Under a
 * flood a line per refused request would cost more than the refusal itself (the disk,
 * the journal) and drown what else the log says. */
static bool refusal_log_due(struct http_conn *c, unsigned *unlogged)
{
    struct http_loop *lp = c->lp;
    uint64_t now = uv_now(&lp->uv);
    if (lp->refusal_log_ms != 0 && now - lp->refusal_log_ms < 1000) {
        lp->refusals_unlogged++;
        return false;
    }
    *unlogged = lp->refusals_unlogged;
    lp->refusals_unlogged = 0;
    lp->refusal_log_ms = now ? now : 1;
    return true;
}

/* ---- timers ---- */

static void on_timeout(uv_timer_t *t)
{
    struct http_conn *c = t->data;
    if (log_get_level() <= LOG_DEBUG)
        log_msg(LOG_DEBUG, c->req.id, "connection timed out, closing (%s)", c->client_ip);
    conn_close(c);
}

static void timer_set(struct http_conn *c, unsigned ms)
{
    uv_timer_start(&c->timer, on_timeout, ms, 0);
}

/* on_body_tick runs every second while a body arrives: no byte for the body timeout,
 * or on average fewer than min_body_bytes_per_sec once the grace period is over, and
 * the request ends with 408. A slow office line sends 20 MB at 64 KB/s in five
 * minutes; a client that holds a connection open at a trickle is turned away. */
static void on_body_tick(uv_timer_t *t)
{
    struct http_conn *c = t->data;
    const struct http_config *cfg = &srv_of(c)->cfg;
    uint64_t now = uv_now(&c->lp->uv);
    uint64_t elapsed = now - c->body_start_ms;
    bool idle = now - c->body_last_ms >= cfg->body_timeout_ms;
    bool slow = elapsed >= (uint64_t)cfg->min_body_rate_grace_s * 1000 &&
                (uint64_t)c->body_len * 1000 < (uint64_t)cfg->min_body_bytes_per_sec * elapsed;
    if (!idle && !slow)
        return;
    unsigned unlogged;
    if (refusal_log_due(c, &unlogged)) {
        char ip[64];
        log_escape(c->req.client_ip, strlen(c->req.client_ip), ip, sizeof(ip));
        log_msg(LOG_WARN, c->req.id,
                "request body %s (%zu bytes in %llu ms) from %s, answering 408 (%u more "
                "refusals unlogged)",
                idle ? "stalled" : "too slow", c->body_len, (unsigned long long)elapsed, ip,
                unlogged);
    }
    uv_timer_stop(&c->timer);
    respond_error(c, 408, 0);
}

/* ---- closing ---- */

static void on_handle_closed(uv_handle_t *h)
{
    struct http_conn *c = h->data;
    if (--c->handles_open > 0)
        return;
    struct http_loop *lp = c->lp;
    if (c->prev)
        c->prev->next = c->next;
    else
        lp->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    lp->n_conns--;
    http__m_add(&lp->m.conns_closed, 1); /* metrics */
    if (c->rl_counted)
        http__ratelimit_conn_close(lp->srv->ratelimit, c->client_ip);
    http__page_release(c->out_page);
    body_release(c);
    budget_give(&lp->srv->resp_mem, &c->resp_taken);
    if (c->arena)
        arena_free(c->arena);
    buf_free(&c->out_head);
    buf_free(&c->res.body);
    free(c->stash);
    free(c);
    http__loop_maybe_done(lp);
}

static void conn_close(struct http_conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    c->handles_open = 2;
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)req;
    (void)status;
    /* wait for the peer's EOF or the drain timer */
}

static void read_start(struct http_conn *c);

/* close_graceful shuts the write side and keeps reading for a moment, so a client still
 * sending (a too-large body) gets our response instead of a reset. */
static void close_graceful(struct http_conn *c)
{
    if (c->closing || c->draining)
        return;
    c->draining = true;
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        conn_close(c);
        return;
    }
    timer_set(c, HTTP__DRAIN_MS);
    read_start(c);
}

/* ---- reading ---- */

/* ---- per-request memory: held while a request is read, answered and sent ----
 * An idle keep-alive connection keeps only its struct: the arena goes back to the
 * loop's pool and the header and body buffers are freed, so ten thousand idle
 * connections cost what their structs do (bench/idle.sh). */

static void conn_scratch_take(struct http_conn *c)
{
    if (c->arena != NULL)
        return;
    struct http_loop *lp = c->lp;
    c->arena =
        lp->n_arena_pool > 0 ? lp->arena_pool[--lp->n_arena_pool] : arena_new(HTTP__ARENA_BLOCK);
    c->req.arena = c->arena;
}

/* conn_scratch_give: after arena_reset, between requests. */
static void conn_scratch_give(struct http_conn *c)
{
    struct http_loop *lp = c->lp;
    if (c->arena != NULL) {
        if (lp->n_arena_pool < HTTP__ARENA_POOL)
            lp->arena_pool[lp->n_arena_pool++] = c->arena;
        else
            arena_free(c->arena);
        c->arena = NULL;
        c->req.arena = NULL;
    }
    buf_free(&c->out_head);
    buf_free(&c->res.body);
    if (c->stash_off >= c->stash_len) {
        free(c->stash);
        c->stash = NULL;
        c->stash_off = c->stash_len = c->stash_cap = 0;
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct http_conn *c = h->data;
    /* one buffer per loop: read_cb consumes or stashes everything before returning */
    buf->base = c->lp->read_buf;
    buf->len = sizeof(c->lp->read_buf);
}

static size_t conn_process(struct http_conn *c, const char *data, size_t len);

static bool stash_append(struct http_conn *c, const char *p, size_t n)
{
    if (c->stash_off > 0 && c->stash_off == c->stash_len)
        c->stash_off = c->stash_len = 0;
    if (c->stash_len + n > c->stash_cap) {
        size_t cap = c->stash_len + n;
        char *s = realloc(c->stash, cap);
        if (!s)
            return false;
        c->stash = s;
        c->stash_cap = cap;
    }
    memcpy(c->stash + c->stash_len, p, n);
    c->stash_len += n;
    return true;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct http_conn *c = s->data;
    if (c->closing)
        return;
    if (nread < 0) {
        /* EOF or error: nothing more can arrive; a response in flight is lost anyway
         * when the socket errored, and an idle or half-sent request has no answer */
        conn_close(c);
        return;
    }
    if (nread == 0 || c->draining)
        return;
    size_t n = conn_process(c, buf->base, (size_t)nread);
    if (n < (size_t)nread && c->writing && !c->closing && !c->close_after &&
        !stash_append(c, buf->base + n, (size_t)nread - n))
        conn_close(c); /* out of memory: this connection goes, the server stays */
}

static void read_start(struct http_conn *c)
{
    if (c->reading || c->closing)
        return;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
        c->reading = true;
}

static void read_stop(struct http_conn *c)
{
    if (!c->reading)
        return;
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
}

/* ---- parser callbacks ---- */

static void head_append(struct http_conn *c, const char *p, size_t n)
{
    if (c->head_len + n > c->head_cap) {
        size_t cap = c->head_cap * 2;
        if (cap < c->head_len + n)
            cap = c->head_len + n;
        char *h = arena_alloc(c->arena, cap);
        memcpy(h, c->head, c->head_len);
        c->head = h;
        c->head_cap = cap;
    }
    memcpy(c->head + c->head_len, p, n);
    c->head_len += n;
}

static int on_message_begin(http_parser *p)
{
    struct http_conn *c = p->data;
    c->in_request = true;
    c->head_cap = 1024;
    c->head = arena_alloc(c->arena, c->head_cap);
    c->head_len = 0;
    c->url_off = c->url_len = 0;
    c->hdrs = arena_alloc_array(c->arena, HTTP_MAX_HEADERS, sizeof(*c->hdrs));
    c->n_hdrs = 0;
    c->hs = HS_NONE;
    c->header_bytes = 0;
    body_release(c);
    c->body_max = srv_of(c)->cfg.max_body_bytes;
    c->pending_status = 0;
    c->busy = false;
    c->head_answered = false;
    c->route = NULL;
    c->target_bad = false;
    c->prepared = false;
    timer_set(c, srv_of(c)->cfg.header_timeout_ms);
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    struct http_conn *c = p->data;
    if (c->url_len + n > HTTP_MAX_URI_BYTES) {
        c->pending_status = 414;
        return -1;
    }
    if (c->url_len == 0)
        c->url_off = c->head_len;
    head_append(c, at, n);
    c->url_len += n;
    return 0;
}

static int count_header_bytes(struct http_conn *c, size_t n)
{
    c->header_bytes += n;
    if (c->header_bytes > srv_of(c)->max_header_bytes) {
        c->pending_status = 431;
        return -1;
    }
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    struct http_conn *c = p->data;
    if (c->hs != HS_FIELD) {
        if (c->n_hdrs == HTTP_MAX_HEADERS) {
            c->pending_status = 431;
            return -1;
        }
        struct hdr_off *h = &c->hdrs[c->n_hdrs++];
        h->name_off = h->value_off = c->head_len;
        h->name_len = h->value_len = 0;
        c->hs = HS_FIELD;
        if (count_header_bytes(c, 4) != 0) /* ": " and CRLF */
            return -1;
    }
    if (count_header_bytes(c, n) != 0)
        return -1;
    head_append(c, at, n);
    c->hdrs[c->n_hdrs - 1].name_len += n;
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    struct http_conn *c = p->data;
    if (c->n_hdrs == 0)
        return -1;
    struct hdr_off *h = &c->hdrs[c->n_hdrs - 1];
    if (c->hs != HS_VALUE) {
        h->value_off = c->head_len;
        c->hs = HS_VALUE;
    }
    if (count_header_bytes(c, n) != 0)
        return -1;
    head_append(c, at, n);
    h->value_len += n;
    return 0;
}

/* head_prepare fills the request from its head: method, target, path, the route and the
 * query it reads, the client address. Called once the headers are complete, so that the
 * body limit, the head check and the budgets are decided before any body byte is read.
 * A target that does not decode is remembered (dispatch answers 400). */
static void head_prepare(struct http_conn *c)
{
    struct http_server *srv = srv_of(c);
    struct http_request *req = &c->req;
    req_base(c);
    c->prepared = true;
    req->target = str_make(c->head ? c->head + c->url_off : "", c->url_len);
    struct str raw_path, query;
    c->route = NULL;
    c->route_result = HTTP__ROUTE_NOT_FOUND;
    c->allow = 0;
    c->target_bad = !split_target(req->target, &raw_path, &query) ||
                    http_url_decode(c->arena, raw_path, false, &req->path) != ERR_OK ||
                    !path_ok(req->path);
    if (c->target_bad) {
        req->path = STR_LIT("/");
        return;
    }
    c->route = http__router_find(srv->cfg.router, req->method, req->path, req, &c->route_result,
                                 &c->allow);
    /* a page the cache may keep gets the query its route reads, in one spelling; a query
     * that does not decode goes to the handler as it came, to be refused there. Other
     * methods are never cached and get the query as sent (a one-click unsubscribe POSTs
     * to the link's address, token in the query). */
    struct str canonical = query;
    bool cacheable_method = req->method == HTTP_M_GET || req->method == HTTP_M_HEAD;
    if (c->route && cacheable_method &&
        http__query_canonical(c->arena, c->route->query, query, &canonical) != ERR_OK)
        canonical = query;
    req->query = canonical;
}

/* Bodies kept in memory get this much up front from Content-Length and grow as bytes
 * arrive beyond it: a client announcing 1 MiB gets memory only for what it sends. */
#define BODY_PREALLOC ((size_t)64 * 1024)

static bool body_reserve(struct http_conn *c, size_t cap)
{
    char *b = realloc(c->body, cap + 1);
    if (!b)
        return false;
    c->body = b;
    c->body_cap = cap;
    return true;
}

/* header_shape_ok: a name without whitespace, a value without CR or LF left in it. */
static bool header_shape_ok(struct str name, struct str raw_value)
{
    for (size_t i = 0; i < name.len; i++)
        if (name.ptr[i] == ' ' || name.ptr[i] == '\t')
            return false;
    for (size_t i = 0; i < raw_value.len; i++)
        if (raw_value.ptr[i] == '\r' || raw_value.ptr[i] == '\n')
            return false;
    return true;
}

static void on_body_tick(uv_timer_t *t);

/* refuse_busy: a budget is spent; answer 503 with Retry-After and read no body. */
static int refuse_busy(struct http_conn *c, const char *what)
{
    unsigned unlogged;
    if (refusal_log_due(c, &unlogged)) {
        char ip[64];
        log_escape(c->req.client_ip, strlen(c->req.client_ip), ip, sizeof(ip));
        log_msg(LOG_WARN, c->req.id,
                "%s budget spent, refusing a body from %s with 503 (%u more refusals unlogged)",
                what, ip, unlogged);
    }
    c->pending_status = 503;
    c->busy = true;
    return -1;
}

/* body_begin decides where the body goes and takes its budget share; -1 (with the
 * status set) refuses it. */
static int body_begin(struct http_conn *c, http_parser *p, bool has_length)
{
    struct http_server *srv = srv_of(c);
    size_t declared = has_length ? (size_t)p->content_length : 0;
    if (c->route && c->route->spool_body) {
        if (!budget_take(&srv->body_spool, srv->cfg.body_spool_max, declared))
            return refuse_busy(c, "upload spool");
        c->spool_taken = declared;
        c->spool_fd = spool_open(srv->cfg.spool_dir);
        if (c->spool_fd < 0) {
            log_msg(LOG_ERROR, c->req.id, "cannot spool an upload in %s: %s",
                    srv->cfg.spool_dir ? srv->cfg.spool_dir : "/var/tmp", strerror(errno));
            c->pending_status = 503;
            c->busy = true;
            return -1;
        }
    } else {
        if (!budget_take(&srv->body_mem, srv->cfg.body_memory_max, declared))
            return refuse_busy(c, "request body memory");
        c->mem_taken = declared;
        if (has_length && !body_reserve(c, declared < BODY_PREALLOC ? declared : BODY_PREALLOC))
            return refuse_busy(c, "allocation for a request body");
    }
    c->body_start_ms = c->body_last_ms = uv_now(&c->lp->uv);
    uv_timer_start(&c->timer, on_body_tick, 1000, 1000);
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    struct http_conn *c = p->data;
    struct http_request *req = &c->req;
    req->headers = arena_alloc_array(c->arena, c->n_hdrs ? c->n_hdrs : 1, sizeof(*req->headers));
    req->n_headers = c->n_hdrs;
    struct str cl = STR_NULL;
    bool has_te = false, expect_continue = false;
    size_t hosts = 0;
    for (size_t i = 0; i < c->n_hdrs; i++) {
        struct http_header *h = &req->headers[i];
        h->name = str_make(c->head + c->hdrs[i].name_off, c->hdrs[i].name_len);
        h->value = str_trim(str_make(c->head + c->hdrs[i].value_off, c->hdrs[i].value_len));
        /* whitespace in a name ("Content-Length : 5") or a folded value (obs-fold) is
         * read differently by different servers: refuse it, as RFC 9112 asks, so a proxy
         * in front and we can never disagree on where a request ends (smuggling) */
        if (!header_shape_ok(h->name,
                             str_make(c->head + c->hdrs[i].value_off, c->hdrs[i].value_len))) {
            c->pending_status = 400;
            return -1;
        }
        if (str_eq_nocase(h->name, STR_LIT("Content-Length"))) {
            /* two different lengths let a proxy and us disagree on the body (smuggling) */
            if (cl.ptr && !str_eq(cl, h->value)) {
                c->pending_status = 400;
                return -1;
            }
            cl = h->value;
        } else if (str_eq_nocase(h->name, STR_LIT("Transfer-Encoding"))) {
            has_te = true;
        } else if (str_eq_nocase(h->name, STR_LIT("Expect"))) {
            expect_continue = str_eq_nocase(h->value, STR_LIT("100-continue"));
        } else if (str_eq_nocase(h->name, STR_LIT("Host"))) {
            hosts++;
        }
    }
    if (cl.ptr && has_te) {
        c->pending_status = 400;
        return -1;
    }
    /* RFC 9112 3.2: an HTTP/1.1 request has exactly one Host; more than one anywhere
     * is two opinions on which site is meant */
    bool http11 = p->http_major == 1 && p->http_minor >= 1;
    if (hosts > 1 || (http11 && hosts == 0)) {
        c->pending_status = 400;
        return -1;
    }
    head_prepare(c);
    bool has_length = (p->flags & F_CONTENTLENGTH) != 0;
    bool has_body = (has_length && p->content_length > 0) || (p->flags & F_CHUNKED);
    if (c->route && c->route->head_check && !c->target_bad) {
        res_reset(&c->res);
        if (!c->route->head_check(req, &c->res)) {
            c->head_answered = true;
            return -1;
        }
    }
    c->body_max =
        c->route && c->route->max_body ? c->route->max_body : srv_of(c)->cfg.max_body_bytes;
    if (has_length && p->content_length > c->body_max) {
        c->pending_status = 413;
        return -1;
    }
    if (!has_body) {
        uv_timer_stop(&c->timer);
        return 0;
    }
    if (body_begin(c, p, has_length) != 0)
        return -1;
    if (expect_continue && http11) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        uv_buf_t b = uv_buf_init((char *)(uintptr_t)cont, sizeof(cont) - 1);
        uv_try_write((uv_stream_t *)&c->tcp, &b, 1); /* best effort: clients time out */
    }
    return 0;
}

/* body_grow makes room for n more bytes of a body kept in memory. */
static bool body_grow(struct http_conn *c, http_parser *p, size_t n)
{
    size_t max = c->body_max;
    if (c->body_len + n <= c->body_cap)
        return true;
    size_t cap = c->body_cap ? c->body_cap * 2 : 4096;
    if (cap < c->body_len + n)
        cap = c->body_len + n;
    if (cap > max)
        cap = max;
    if ((p->flags & F_CONTENTLENGTH) && cap > c->body_len + n + p->content_length)
        cap = c->body_len + n + (size_t)p->content_length; /* what is still to come */
    return body_reserve(c, cap);
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    struct http_conn *c = p->data;
    struct http_server *srv = srv_of(c);
    size_t max = c->body_max;
    if (n > max || c->body_len > max - n) {
        c->pending_status = 413;
        return -1;
    }
    bool spooled = c->spool_fd >= 0;
    /* a chunked body announced no size: its budget share grows as it arrives */
    size_t *taken = spooled ? &c->spool_taken : &c->mem_taken;
    if (c->body_len + n > *taken) {
        size_t more = c->body_len + n - *taken;
        bool ok = spooled ? budget_take(&srv->body_spool, srv->cfg.body_spool_max, more)
                          : budget_take(&srv->body_mem, srv->cfg.body_memory_max, more);
        if (!ok)
            return refuse_busy(c, spooled ? "upload spool" : "request body memory");
        *taken += more;
    }
    c->body_last_ms = uv_now(&c->lp->uv);
    if (spooled) {
        if (!io_write_all(c->spool_fd, at, n)) {
            log_msg(LOG_ERROR, c->req.id, "cannot write a spooled upload: %s", strerror(errno));
            c->pending_status = 503;
            c->busy = true;
            return -1;
        }
        c->body_len += n;
        return 0;
    }
    if (!body_grow(c, p, n))
        return refuse_busy(c, "allocation for a request body");
    memcpy(c->body + c->body_len, at, n);
    c->body_len += n;
    c->body[c->body_len] = '\0'; /* handlers may rely on a terminated body */
    return 0;
}

/* spool_map maps a complete spooled body read-only, with a NUL after it (handlers may
 * rely on a terminated body, and a map's last page need not have room past the end). */
static bool spool_map(struct http_conn *c)
{
    if (!io_write_all(c->spool_fd, "", 1))
        return false;
    void *m = mmap(NULL, c->body_len + 1, PROT_READ, MAP_PRIVATE, c->spool_fd, 0);
    if (m == MAP_FAILED)
        return false;
    c->spool_map = m;
    c->spool_map_len = c->body_len + 1;
    return true;
}

static int on_message_complete(http_parser *p)
{
    struct http_conn *c = p->data;
    if (c->spool_fd >= 0 && !spool_map(c)) {
        log_msg(LOG_ERROR, c->req.id, "cannot map a spooled upload: %s", strerror(errno));
        c->pending_status = 503;
        c->busy = true;
        return -1;
    }
    c->req_ready = true;
    /* one request at a time: the rest of the input waits until this one is answered */
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- request preparation ---- */

static enum http_method method_of(unsigned m)
{
    switch (m) {
    case HTTP_GET:
        return HTTP_M_GET;
    case HTTP_HEAD:
        return HTTP_M_HEAD;
    case HTTP_POST:
        return HTTP_M_POST;
    case HTTP_PUT:
        return HTTP_M_PUT;
    case HTTP_DELETE:
        return HTTP_M_DELETE;
    case HTTP_OPTIONS:
        return HTTP_M_OPTIONS;
    default:
        return HTTP_M_OTHER;
    }
}

/* req_base fills what every request has, even one rejected half-way through its head. */
static void req_base(struct http_conn *c)
{
    struct http_request *req = &c->req;
    if (!c->in_request) {
        /* the head never began (cannot happen with http-parser, but stay safe) */
        req->headers = NULL;
        req->n_headers = 0;
    }
    req->arena = c->arena;
    req->id = http__next_request_id();
    req->method = method_of(c->parser.method);
    req->target = STR_NULL;
    req->path = STR_LIT("/");
    req->query = STR_LIT("");
    req->body = STR_NULL;
    req->n_params = 0;
    req->thread_ctx = c->lp->thread_ctx;
    req->route_ctx = NULL;
    req->server = c->lp->srv;
    /* the client behind trusted proxies (proxy.c): every limit and log keys by it */
    http__client_address(c->lp->srv->cfg.trusted_proxies, c->client_ip, req->headers,
                         req->n_headers, req->client_ip);
}

static void res_reset(struct http_response *res)
{
    res->status = 200;
    res->headers = NULL;
    res->n_headers = res->cap_headers = 0;
    buf_reset(&res->body);
    res->cacheable = false;
    res->cache_keys = NULL;
    res->n_cache_keys = res->cap_cache_keys = 0;
}

/* path_ok refuses what could escape a directory or confuse a log or a file name. */
static bool path_ok(struct str p)
{
    if (p.len == 0 || p.ptr[0] != '/')
        return false;
    for (size_t i = 0; i < p.len; i++) {
        unsigned char ch = (unsigned char)p.ptr[i];
        if (ch < 0x20 || ch == 0x7f || ch == '\\')
            return false;
    }
    struct str rest = str_make(p.ptr + 1, p.len - 1), seg;
    while (str_split_next(&rest, '/', &seg)) {
        if ((seg.len == 1 && seg.ptr[0] == '.') ||
            (seg.len == 2 && seg.ptr[0] == '.' && seg.ptr[1] == '.'))
            return false;
    }
    return true;
}

/* split_target finds the raw path and query of an origin-form or absolute-form target. */
static bool split_target(struct str t, struct str *raw_path, struct str *query)
{
    *query = STR_LIT("");
    if (t.len > 0 && t.ptr[0] == '/') {
        size_t hash = str_find_char(t, '#');
        if (hash != SIZE_MAX)
            t.len = hash;
        size_t q = str_find_char(t, '?');
        if (q == SIZE_MAX) {
            *raw_path = t;
        } else {
            *raw_path = str_make(t.ptr, q);
            *query = str_make(t.ptr + q + 1, t.len - q - 1);
        }
        return true;
    }
    struct http_parser_url u;
    http_parser_url_init(&u);
    if (http_parser_parse_url(t.ptr, t.len, 0, &u) != 0)
        return false;
    if (u.field_set & (1 << UF_PATH))
        *raw_path = str_make(t.ptr + u.field_data[UF_PATH].off, u.field_data[UF_PATH].len);
    else
        *raw_path = STR_LIT("/");
    if (u.field_set & (1 << UF_QUERY))
        *query = str_make(t.ptr + u.field_data[UF_QUERY].off, u.field_data[UF_QUERY].len);
    return true;
}

/* ---- writing ---- */

static void refresh_date(struct http_loop *lp)
{
    int64_t now = (int64_t)time(NULL);
    if (now == lp->date_sec)
        return;
    lp->date_sec = now;
    memcpy(lp->date_line, "Date: ", 6);
    http__imf_date(now, lp->date_line + 6);
    memcpy(lp->date_line + 35, "\r\n", 2);
    lp->date_line[HTTP__DATE_LINE_LEN] = '\0';
}

/* prefix_build writes the per-send part: status line, a fresh Date, Connection. */
static enum err prefix_build(struct http_conn *c, int status)
{
    struct buf *o = &c->out_head;
    buf_reset(o);
    char sl[16] = "HTTP/1.1 000 ";
    sl[9] = (char)('0' + status / 100 % 10);
    sl[10] = (char)('0' + status / 10 % 10);
    sl[11] = (char)('0' + status % 10);
    refresh_date(c->lp);
    enum err e = buf_append(o, sl, 13);
    if (e == ERR_OK)
        e = buf_append_cstr(o, http_status_reason(status));
    if (e == ERR_OK)
        e = buf_append(o, "\r\n", 2);
    if (e == ERR_OK)
        e = buf_append(o, c->lp->date_line, HTTP__DATE_LINE_LEN);
    if (e == ERR_OK && !c->keep_alive)
        e = buf_append_str(o, STR_LIT("Connection: close\r\n"));
    else if (e == ERR_OK && c->parser.http_major == 1 && c->parser.http_minor == 0)
        e = buf_append_str(o, STR_LIT("Connection: keep-alive\r\n"));
    return e;
}

static void on_write(uv_write_t *w, int status)
{
    struct http_conn *c = w->data;
    c->writing = false;
    budget_give(&srv_of(c)->resp_mem, &c->resp_taken);
    if (c->closing)
        return;
    if (status < 0) {
        conn_close(c);
        return;
    }
    conn_finish(c);
    conn_resume(c);
}

/* send_rest queues what the socket did not take (done bytes of bufs went out) and stops
 * reading until it is written. */
static void send_rest(struct http_conn *c, uv_buf_t *bufs, unsigned n, size_t done)
{
    unsigned i = 0;
    while (i < n && done >= bufs[i].len) {
        done -= bufs[i].len;
        i++;
    }
    if (i == n) {
        conn_finish(c);
        return;
    }
    bufs[i].base += done;
    bufs[i].len -= done;
    if (!c->out_page) {
        /* this connection's own bytes wait for a slow reader (a cached page's are
         * shared and counted once, in the page cache) */
        size_t queued = 0;
        for (unsigned k = i; k < n; k++)
            queued += bufs[k].len;
        atomic_fetch_add(&srv_of(c)->resp_mem, queued);
        c->resp_taken += queued;
    }
    c->writing = true;
    read_stop(c);
    timer_set(c, srv_of(c)->cfg.body_timeout_ms);
    c->wreq.data = c;
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, bufs + i, n - i, on_write) != 0) {
        c->writing = false;
        conn_close(c);
    }
}

/* send_bufs writes synchronously when the socket takes it all (the common case, no
 * callback, no read stop), otherwise queues the rest. */
static void send_bufs(struct http_conn *c, uv_buf_t *bufs, unsigned n)
{
    int r = uv_try_write((uv_stream_t *)&c->tcp, bufs, n);
    if (r < 0 && r != UV_EAGAIN) {
        conn_close(c);
        return;
    }
    send_rest(c, bufs, n, r > 0 ? (size_t)r : 0);
}

/* send_sendfile sends prefix + cached head with MSG_MORE and the body by sendfile from
 * the page's memfd (no copy into the socket), falling back to a queued write from
 * memory for whatever the socket does not take now. Nothing else is queued on the
 * socket here: requests are answered one at a time and only when no write is pending. */
static void send_sendfile(struct http_conn *c, const struct http_page_variant *v)
{
    uv_os_fd_t sock;
    uv_buf_t bufs[3];
    bufs[0] = uv_buf_init(c->out_head.data, (unsigned)c->out_head.len);
    bufs[1] = uv_buf_init(v->bytes, (unsigned)v->head_len);
    bufs[2] = uv_buf_init(v->bytes + v->head_len, (unsigned)(v->len - v->head_len));
    if (uv_fileno((uv_handle_t *)&c->tcp, &sock) != 0) {
        send_bufs(c, bufs, 3);
        return;
    }
    struct iovec iov[2] = {{bufs[0].base, bufs[0].len}, {bufs[1].base, bufs[1].len}};
    struct msghdr msg = {0};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    size_t head = bufs[0].len + bufs[1].len;
    ssize_t w = sendmsg(sock, &msg, MSG_MORE | MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        conn_close(c);
        return;
    }
    size_t done = w > 0 ? (size_t)w : 0;
    if (done == head) {
        off_t off = (off_t)v->head_len;
        ssize_t s = sendfile(sock, v->fd, &off, bufs[2].len);
        if (s < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            conn_close(c);
            return;
        }
        if (s > 0)
            done += (size_t)s;
    }
    send_rest(c, bufs, 3, done);
}

/* log_access: every response goes through here (send_page and finalize_send), so it
 * also counts the request for /metrics (metrics.c). The line itself is written at debug
 * level, or at info with http_config.access_log. */
static void log_access(struct http_conn *c, int status, size_t bytes, bool hit)
{
    http__metrics_request(c->lp, &c->req, c->prepared && !c->target_bad, status, c->t0_ns);
    bool info = srv_of(c)->cfg.access_log;
    if (!info && log_get_level() > LOG_DEBUG)
        return;
    char path[256];
    log_escape(c->req.path.ptr, c->req.path.len, path, sizeof(path));
    log_msg(info ? LOG_INFO : LOG_DEBUG, c->req.id, "%s %s %d %zu%s %s",
            http_method_str(c->parser.method), path, status, bytes, hit ? " hit" : "",
            c->client_ip);
}

/* send_page answers from a cached page; takes over the caller's reference. */
static void send_page(struct http_conn *c, struct http_page *page, bool hit)
{
    struct http_request *req = &c->req;
    bool gz = page->v[1].bytes && http__accepts_gzip(http_request_header(req, "Accept-Encoding"));
    const struct http_page_variant *v = &page->v[gz ? 1 : 0];
    int status = 200;
    uv_buf_t bufs[2];
    struct str inm = http_request_header(req, "If-None-Match");
    struct str ims = inm.ptr ? STR_NULL : http_request_header(req, "If-Modified-Since");
    int64_t since;
    if (http__etag_match(inm, v->etag) ||
        (ims.ptr && page->ims_ok && http__imf_parse(ims, &since) && page->modified <= since)) {
        status = 304;
        bufs[1] = uv_buf_init(v->nm, (unsigned)v->nm_len);
    } else {
        size_t n = req->method == HTTP_M_HEAD ? v->head_len : v->len;
        bufs[1] = uv_buf_init(v->bytes, (unsigned)n);
    }
    if (prefix_build(c, status) != ERR_OK) {
        http__page_release(page);
        conn_close(c);
        return;
    }
    c->out_page = page;
    bufs[0] = uv_buf_init(c->out_head.data, (unsigned)c->out_head.len);
    log_access(c, status, bufs[1].len, hit);
    if (status == 200 && v->fd >= 0 && req->method != HTTP_M_HEAD)
        send_sendfile(c, v);
    else
        send_bufs(c, bufs, 2);
}

static struct str etag_dup(struct arena *a, uint64_t h, bool gz)
{
    char tmp[24];
    size_t n = http__etag_format(h, gz, tmp);
    return arena_str(a, str_make(tmp, n));
}

/* etag_gz turns a handler's "abc" into "abc-gz" so the two variants never share a tag. */
static struct str etag_gz(struct arena *a, struct str etag)
{
    if (etag.len < 2 || etag.ptr[etag.len - 1] != '"')
        return etag;
    char *p = arena_alloc(a, etag.len + 4);
    memcpy(p, etag.ptr, etag.len - 1);
    memcpy(p + etag.len - 1, "-gz\"", 4);
    return str_make(p, etag.len + 3);
}

static char *heap_copy(struct str s)
{
    char *p = malloc(s.len + 1);
    if (!p)
        abort();
    if (s.len)
        memcpy(p, s.ptr, s.len);
    p[s.len] = '\0';
    return p;
}

static bool variant_build(struct http_page_variant *v, const struct http_config *cfg,
                          const struct http_response *res, struct http__resp_meta m)
{
    struct buf b;
    buf_init(&b, HTTP_MAX_RESPONSE_BYTES + 65536);
    m.not_modified = false;
    if (http__fields_build(&b, cfg, res, &m) != ERR_OK)
        goto fail;
    v->head_len = b.len;
    if (m.body.len && buf_append(&b, m.body.ptr, m.body.len) != ERR_OK)
        goto fail;
    v->bytes = buf_detach(&b, &v->len);
    if (v->len - v->head_len >= HTTP__SENDFILE_MIN)
        http__variant_memfd(v);
    m.not_modified = true;
    if (http__fields_build(&b, cfg, res, &m) != ERR_OK)
        goto fail;
    v->nm = buf_detach(&b, &v->nm_len);
    v->etag = str_make(heap_copy(m.etag), m.etag.len);
    return true;
fail:
    buf_free(&b);
    return false;
}

/* page_build prebuilds both variants of a cacheable 200; NULL when it cannot. */
static struct http_page *page_build(struct http_conn *c, struct http__resp_meta m, bool comp)
{
    struct http_response *res = &c->res;
    const struct http_config *cfg = &srv_of(c)->cfg;
    struct http_page *page = http__page_new(c->cache_key, res->cache_keys, res->n_cache_keys);
    page->variant = c->cache_variant;
    struct str lm = res_header(res, "Last-Modified");
    if (!lm.ptr || !http__imf_parse(lm, &page->modified))
        page->modified = (int64_t)time(NULL);
    /* a page rendered in the second of an invalidation may share its Last-Modified with
     * the copy it replaced: only the ETag can tell them apart */
    page->ims_ok = page->modified > http__pagecache_invalidated_at(srv_of(c)->cache);
    struct str identity_etag =
        m.etag.len ? m.etag : etag_dup(c->arena, http__etag_hash(m.body.ptr, m.body.len), false);
    m.vary = comp;
    m.etag = identity_etag;
    if (!variant_build(&page->v[0], cfg, res, m))
        goto fail;
    if (comp) {
        struct str gz;
        if (http__gzip(&c->lp->z, &c->lp->z_ready, c->arena, m.body.ptr, m.body.len, &gz) ==
            ERR_OK) {
            m.body = gz;
            m.gzip = true;
            m.etag = etag_gz(c->arena, identity_etag);
            if (!variant_build(&page->v[1], cfg, res, m))
                goto fail;
        }
    }
    http__page_seal(page);
    return page;
fail:
    http__page_release(page);
    return NULL;
}

static bool has_header(const struct http_response *res, const char *name)
{
    struct str n = str_from_cstr(name);
    for (size_t i = 0; i < res->n_headers; i++)
        if (str_eq_nocase(res->headers[i].name, n))
            return true;
    return false;
}

static struct str res_header(const struct http_response *res, const char *name)
{
    struct str n = str_from_cstr(name);
    for (size_t i = 0; i < res->n_headers; i++)
        if (str_eq_nocase(res->headers[i].name, n))
            return res->headers[i].value;
    return STR_NULL;
}

static void run_error_page(struct http_conn *c)
{
    struct http_response *res = &c->res;
    const struct http_config *cfg = &srv_of(c)->cfg;
    int status = res->status;
    res->cacheable = false;
    if (cfg->error_page) {
        cfg->error_page(&c->req, res);
        res->status = status;
        res->cacheable = false;
    }
    if (res->body.len > 0)
        return;
    /* no error page, or it produced nothing: a plain line still tells the reader */
    res->headers = NULL;
    res->n_headers = res->cap_headers = 0;
    http_response_header(res, &c->req, "Content-Type", STR_LIT("text/plain; charset=utf-8"));
    if (buf_appendf(&res->body, "%d %s\n", status, http_status_reason(status)) != ERR_OK)
        buf_reset(&res->body);
}

static void allow_str(struct arena *a, unsigned allow, struct str *out)
{
    static const char *const names[] = {"", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"};
    char tmp[64];
    size_t n = 0;
    for (unsigned m = HTTP_M_GET; m <= HTTP_M_OPTIONS; m++) {
        if (!(allow & (1u << m)))
            continue;
        size_t l = strlen(names[m]);
        if (n)
            tmp[n++] = ',', tmp[n++] = ' ';
        memcpy(tmp + n, names[m], l);
        n += l;
    }
    *out = arena_str(a, str_make(tmp, n));
}

/* surrogate_key_ok: the keys handlers name are ASCII words ("article:42"); anything
 * else would break the header lists below, so it is left out of them. */
static bool surrogate_key_ok(struct str k)
{
    if (k.len == 0)
        return false;
    for (size_t i = 0; i < k.len; i++) {
        unsigned char ch = (unsigned char)k.ptr[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == ':' || ch == '-' || ch == '_' || ch == '.' || ch == '/'))
            return false;
    }
    return true;
}

/* public_headers: a page the page cache may keep, a CDN and a browser may keep too.
 * Cache-Control from the configured lifetimes; Last-Modified (the render time, what
 * If-Modified-Since is compared with); the dependency keys as Surrogate-Key (Fastly,
 * Varnish xkey) and Cache-Tag (Cloudflare), with "site" on every page so that clearing
 * the whole cache can be purged as one key. Headers the handler set win. */
static void public_headers(struct http_conn *c)
{
    struct http_response *res = &c->res;
    struct http_request *req = &c->req;
    const struct http_config *cfg = &srv_of(c)->cfg;
    if (!has_header(res, "Cache-Control")) {
        char *cc =
            arena_printf(c->arena,
                         "public, max-age=%u, s-maxage=%u, stale-while-revalidate=%u, "
                         "stale-if-error=%u",
                         cfg->cache_max_age, cfg->cache_s_maxage, cfg->cache_swr, cfg->cache_sie);
        http_response_header(res, req, "Cache-Control", str_from_cstr(cc));
    }
    if (!has_header(res, "Last-Modified")) {
        char lm[29];
        http__imf_date((int64_t)time(NULL), lm);
        http_response_header(res, req, "Last-Modified", str_make(lm, sizeof(lm)));
    }
    size_t len = 4;
    for (size_t i = 0; i < res->n_cache_keys; i++)
        len += res->cache_keys[i].len + 1;
    char *sk = arena_alloc(c->arena, len + 1), *ct = arena_alloc(c->arena, len + 1);
    memcpy(sk, "site", 4);
    memcpy(ct, "site", 4);
    size_t n = 4;
    for (size_t i = 0; i < res->n_cache_keys; i++) {
        struct str k = res->cache_keys[i];
        if (!surrogate_key_ok(k))
            continue;
        sk[n] = ' ';
        ct[n] = ',';
        memcpy(sk + n + 1, k.ptr, k.len);
        memcpy(ct + n + 1, k.ptr, k.len);
        n += k.len + 1;
    }
    http_response_header(res, req, "Surrogate-Key", str_make(sk, n));
    http_response_header(res, req, "Cache-Tag", str_make(ct, n));
}

/* finalize_send turns c->res into bytes on the wire: error page, content type, gzip,
 * ETag and 304, page cache store, then one write. */
static void finalize_send(struct http_conn *c, unsigned allow, uint64_t epoch)
{
    struct http_server *srv = srv_of(c);
    struct http_request *req = &c->req;
    struct http_response *res = &c->res;
    if (res->status < 100 || res->status > 599) {
        log_msg(LOG_ERROR, req->id, "handler set invalid status %d", res->status);
        http_response_error(res, 500);
    }
    if (buf_error(&res->body) != ERR_OK) {
        /* a page cut short is an error, never a 200 that silently ends half-way */
        log_msg(LOG_ERROR, req->id, "response body failed (%s), answering 500",
                err_str(buf_error(&res->body)));
        http_response_error(res, 500);
    }
    if (res->status >= 500 && srv->cache && c->cache_key.ptr &&
        (req->method == HTTP_M_GET || req->method == HTTP_M_HEAD)) {
        /* stale rather than down: the page readers saw before is better than an error
         * while the database is locked or gone */
        struct http_page *stale =
            http__pagecache_get_stale(srv->cache, c->cache_key, srv->cfg.stale_max_seconds);
        if (stale) {
            log_msg(LOG_WARN, req->id, "handler answered %d, sending the cached page", res->status);
            send_page(c, stale, true);
            return;
        }
    }
    if (res->status >= 400 && res->body.len == 0)
        run_error_page(c);

    struct http__resp_meta m = {0};
    m.content_type = res_header(res, "Content-Type");
    if (!m.content_type.ptr)
        m.content_type = STR_LIT("text/html; charset=utf-8");
    m.etag = res_header(res, "ETag");
    m.body = buf_str(&res->body);
    if (res->status == 405)
        allow_str(c->arena, allow, &m.allow);
    bool is_get = req->method == HTTP_M_GET || req->method == HTTP_M_HEAD;

    if (res->status == 200 && is_get && res->cacheable)
        public_headers(c);
    else if (!has_header(res, "Cache-Control"))
        http_response_header(res, req, "Cache-Control", STR_LIT("no-store"));
    if (res->status == 200 && is_get) {
        bool comp = m.body.len > HTTP__GZIP_MIN_BYTES && http__compressible(m.content_type) &&
                    !has_header(res, "Content-Encoding");
        if (res->cacheable && srv->cache && c->cache_key.ptr && !has_header(res, "Set-Cookie")) {
            struct http_page *page = page_build(c, m, comp);
            if (page) {
                http__pagecache_put(srv->cache, page, epoch);
                send_page(c, page, false);
                return;
            }
        }
        if (comp) {
            m.vary = true;
            struct str gz;
            if (http__accepts_gzip(http_request_header(req, "Accept-Encoding")) &&
                http__gzip(&c->lp->z, &c->lp->z_ready, c->arena, m.body.ptr, m.body.len, &gz) ==
                    ERR_OK) {
                m.gzip = true;
                m.etag = m.etag.len
                             ? etag_gz(c->arena, m.etag)
                             : etag_dup(c->arena, http__etag_hash(m.body.ptr, m.body.len), true);
                m.body = gz;
            }
        }
        if (!m.etag.len)
            m.etag = etag_dup(c->arena, http__etag_hash(m.body.ptr, m.body.len), false);
        if (http__etag_match(http_request_header(req, "If-None-Match"), m.etag))
            res->status = 304;
    }
    if (res->status == 304 || res->status == 204 || res->status < 200) {
        m.not_modified = true;
        m.body = STR_NULL;
    }

    if (prefix_build(c, res->status) != ERR_OK ||
        http__fields_build(&c->out_head, &srv->cfg, res, &m) != ERR_OK) {
        log_msg(LOG_ERROR, req->id, "response head too large");
        static const char fail[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
                                   "Connection: close\r\n\r\n";
        buf_reset(&c->out_head);
        buf_append(&c->out_head, fail, sizeof(fail) - 1);
        c->close_after = true;
        m.body = STR_NULL;
    }
    uv_buf_t bufs[2];
    unsigned n = 1;
    bufs[0] = uv_buf_init(c->out_head.data, (unsigned)c->out_head.len);
    if (req->method != HTTP_M_HEAD && m.body.len)
        bufs[n++] = uv_buf_init((char *)(uintptr_t)m.body.ptr, (unsigned)m.body.len);
    log_access(c, res->status, m.body.len, false);
    send_bufs(c, bufs, n);
}

static bool closes_connection(int status)
{
    return status == 400 || status == 413 || status == 414 || status == 431 || status == 501;
}

/* respond_error answers with a status the server chose (limits, parse errors, routing). */
static void respond_error(struct http_conn *c, int status, unsigned allow)
{
    uv_timer_stop(&c->timer);
    if (!c->in_request) {
        /* nothing of a request yet (a malformed first byte): still answer once */
        c->in_request = true;
        c->head_len = c->n_hdrs = 0;
    }
    if (closes_connection(status))
        c->close_after = true;
    c->keep_alive = !c->close_after && !c->lp->stopping && http_should_keep_alive(&c->parser);
    res_reset(&c->res);
    c->res.status = status;
    unsigned unlogged;
    if ((status >= 500 || closes_connection(status)) && refusal_log_due(c, &unlogged)) {
        char ip[64];
        log_escape(c->client_ip, strlen(c->client_ip), ip, sizeof(ip));
        log_msg(LOG_WARN, c->req.id, "request rejected with %d from %s (%u more refusals unlogged)",
                status, ip, unlogged);
    }
    finalize_send(c, allow, 0);
}

/* respond_429 answers a request over its address's rate (ratelimit.c) with a plain body:
 * under a flood, rendering the site's error page would cost what the limit saves. */
static void respond_429(struct http_conn *c, unsigned retry_after)
{
    struct http_response *res = &c->res;
    http__m_add(&c->lp->m.refused_rate, 1); /* metrics */
    res_reset(res);
    res->status = 429;
    http_response_header(res, &c->req, "Retry-After",
                         str_from_cstr(arena_printf(c->arena, "%u", retry_after)));
    http_response_header(res, &c->req, "Content-Type", STR_LIT("text/plain; charset=utf-8"));
    http_response_header(res, &c->req, "Cache-Control", STR_LIT("no-store"));
    if (buf_appendf(&res->body,
                    "Забагато запитів з вашої адреси: повторіть за %u с.\n"
                    "Too many requests from your address: retry in %u s.\n",
                    retry_after, retry_after) != ERR_OK)
        buf_reset(&res->body);
    finalize_send(c, 0, 0);
}

/* query_render_allowed takes a token from this loop's share of query_renders_per_second:
 * rendering a page with a query costs a search or a filtered list, and a flood of
 * distinct ones would otherwise take the CPU every reader's page needs. */
static bool query_render_allowed(struct http_conn *c)
{
    struct http_server *srv = srv_of(c);
    struct http_loop *lp = c->lp;
    if (srv->cfg.query_renders_per_second == 0)
        return true;
    double share = (double)srv->cfg.query_renders_per_second / srv->n_loops;
    uint64_t now = uv_now(&lp->uv);
    if (lp->query_refill_ms == 0)
        lp->query_tokens = share; /* a full second's worth to begin with */
    else
        lp->query_tokens += share * (double)(now - lp->query_refill_ms) / 1000.0;
    if (lp->query_tokens > share)
        lp->query_tokens = share;
    lp->query_refill_ms = now ? now : 1;
    if (lp->query_tokens < 1.0)
        return false;
    lp->query_tokens -= 1.0;
    return true;
}

/* respond_busy answers 503 plainly: the server is short of a budget, and rendering the
 * site's error page would spend more of it. */
static void respond_busy(struct http_conn *c)
{
    struct http_response *res = &c->res;
    http__m_add(&c->lp->m.refused_busy, 1); /* metrics */
    res_reset(res);
    res->status = 503;
    http_response_header(res, &c->req, "Retry-After", STR_LIT(HTTP__STR(HTTP_BUSY_RETRY_AFTER_S)));
    http_response_header(res, &c->req, "Content-Type", STR_LIT("text/plain; charset=utf-8"));
    http_response_header(res, &c->req, "Cache-Control", STR_LIT("no-store"));
    buf_append_cstr(&res->body,
                    "Сервер перевантажений: повторіть за " HTTP__STR(
                        HTTP_BUSY_RETRY_AFTER_S) " с.\n"
                                                 "The server is busy: retry in " HTTP__STR(
                                                     HTTP_BUSY_RETRY_AFTER_S) " s.\n");
    finalize_send(c, 0, 0);
}

static void dispatch(struct http_conn *c)
{
    struct http_server *srv = srv_of(c);
    struct http_request *req = &c->req;
    uv_timer_stop(&c->timer);
    c->t0_ns = metrics_now_ns(); /* metrics: request latency */
    if (c->spool_map)
        req->body = str_make(c->spool_map, c->body_len);
    else
        req->body = str_make(c->body ? c->body : "", c->body_len);
    c->cache_key = STR_NULL;
    c->cache_variant = false;
    if (c->parser.upgrade)
        c->close_after = true; /* we speak no other protocol; answer and hang up */
    c->keep_alive = !c->close_after && !c->lp->stopping && http_should_keep_alive(&c->parser);

    if (c->target_bad) {
        respond_error(c, 400, 0);
        return;
    }
    /* /healthz, /readyz, /metrics (metrics.c): before the per-address limit, which load
     * balancers polling from a few addresses must not trip; peer, not X-Forwarded-For */
    res_reset(&c->res);
    if (http__builtin(c->lp, c->client_ip, req, &c->res)) {
        finalize_send(c, 0, 0);
        return;
    }
    unsigned retry_after;
    if (!http__warm_exempt(srv->warm, c->client_ip, http_request_header(req, "X-Visnyk-Warm")) &&
        !http__ratelimit_request(srv->ratelimit, req->client_ip, &retry_after)) {
        respond_429(c, retry_after);
        return;
    }

    bool is_get = req->method == HTTP_M_GET || req->method == HTTP_M_HEAD;
    uint64_t epoch = 0;
    if (srv->cache && is_get && c->route) {
        /* the query is what the route reads, in one spelling (head_prepare) */
        struct str q = req->query;
        char *k = arena_alloc(c->arena, req->path.len + 1 + q.len + 1);
        memcpy(k, req->path.ptr, req->path.len);
        k[req->path.len] = '?';
        if (q.len)
            memcpy(k + req->path.len + 1, q.ptr, q.len);
        c->cache_key = str_make(k, req->path.len + 1 + q.len);
        c->cache_variant = q.len > 0; /* open-ended: its own part of the cache */
        epoch = http__pagecache_epoch(srv->cache);
        struct http_page *page = http__pagecache_get(srv->cache, c->cache_key);
        if (page) {
            http__m_add(&c->lp->m.cache_hits, 1); /* metrics */
            send_page(c, page, true);
            return;
        }
        http__m_add(&c->lp->m.cache_misses, 1); /* metrics */
    }

    if (c->route_result == HTTP__ROUTE_NOT_FOUND) {
        respond_error(c, 404, 0);
        return;
    }
    if (c->route_result == HTTP__ROUTE_BAD_METHOD) {
        respond_error(c, 405, c->allow);
        return;
    }
    /* slow readers hold this much of responses already: render nothing more for now */
    if (atomic_load(&srv->resp_mem) > srv->cfg.response_memory_max) {
        unsigned unlogged;
        if (refusal_log_due(c, &unlogged))
            log_msg(LOG_WARN, req->id,
                    "response memory budget spent, answering 503 (%u more refusals unlogged)",
                    unlogged);
        c->close_after = true;
        respond_busy(c);
        return;
    }
    if (is_get && req->query.len > 0 && !query_render_allowed(c)) {
        unsigned unlogged;
        if (refusal_log_due(c, &unlogged))
            log_msg(LOG_WARN, req->id,
                    "query_renders_per_second spent, answering 503 (%u more refusals unlogged)",
                    unlogged);
        respond_busy(c);
        return;
    }
    res_reset(&c->res);
    uint64_t h0 = is_get ? metrics_now_ns() : 0; /* metrics: render time of a miss */
    c->route->handler(req, &c->res);
    if (is_get) {
        uint64_t ns = metrics_now_ns() - h0;
        http__m_add(&c->lp->m.render[metrics_bucket_of(ns)], 1);
        http__m_add(&c->lp->m.render_sum_ns, ns);
    }
    finalize_send(c, 0, epoch);
}

/* conn_finish ends the current request: frees its memory and decides what comes next. */
static void conn_finish(struct http_conn *c)
{
    http__page_release(c->out_page);
    c->out_page = NULL;
    if (c->arena != NULL)
        arena_reset(c->arena);
    c->head = NULL;
    c->hdrs = NULL;
    /* an upload's memory, file and budget go back now, not when the connection closes */
    body_release(c);
    c->req.headers = NULL;
    c->req.n_headers = 0;
    c->prepared = false;
    c->cache_key = STR_NULL;
    c->t0_ns = 0;
    conn_scratch_give(c);
    c->in_request = false;
    if (c->closing)
        return;
    if (c->close_after || !c->keep_alive || c->lp->stopping) {
        close_graceful(c);
        return;
    }
    timer_set(c, srv_of(c)->cfg.keepalive_timeout_ms);
}

static int status_of_parse_error(struct http_conn *c, enum http_errno e)
{
    if (c->pending_status)
        return c->pending_status;
    if (e == HPE_INVALID_METHOD)
        return 501;
    if (e == HPE_HEADER_OVERFLOW)
        return 431;
    return 400;
}

/* parse_failed answers a request the parser stopped: a head check's own answer, a spent
 * budget, or the status a callback chose. The body, if any, stays unread: the connection
 * closes after the answer. */
static void parse_failed(struct http_conn *c, enum http_errno e)
{
    if (c->head_answered) {
        uv_timer_stop(&c->timer);
        c->close_after = true;
        c->keep_alive = false;
        finalize_send(c, 0, 0);
        return;
    }
    if (c->busy) {
        uv_timer_stop(&c->timer);
        c->close_after = true;
        c->keep_alive = false;
        respond_busy(c);
        return;
    }
    int status = status_of_parse_error(c, e);
    if (log_get_level() <= LOG_DEBUG)
        log_msg(LOG_DEBUG, 0, "parse error: %s", http_errno_name(e));
    if (!c->prepared)
        req_base(c);
    respond_error(c, status, 0);
}

/* head_scan_bytes checks the head's line endings in (p, n), up to the end of the head;
 * false on a bare LF, a CR not followed by LF, or a folded line (obs-fold). */
static bool head_scan_bytes(struct head_scan *hs, const char *p, size_t n)
{
    for (size_t i = 0; i < n && hs->active; i++) {
        char ch = p[i];
        if (hs->cr) {
            if (ch != '\n')
                return false;
            hs->cr = false;
            if (hs->line_start && !hs->first_line)
                hs->active = false; /* the empty line: the head is complete */
            else if (!hs->line_start)
                hs->first_line = false;
            hs->line_start = true;
            continue;
        }
        if (ch == '\r') {
            hs->cr = true;
            continue;
        }
        if (ch == '\n')
            return false;
        if (hs->line_start && !hs->first_line && (ch == ' ' || ch == '\t'))
            return false;
        hs->line_start = false;
    }
    return true;
}

/* conn_process feeds bytes to the parser until they run out or a response is still
 * being written; returns how many bytes were consumed. */
static size_t conn_process(struct http_conn *c, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len && !c->closing && !c->writing && !c->draining && !c->close_after) {
        conn_scratch_take(c); /* again after each pipelined request's conn_finish */
        if (!c->in_request) {
            /* fresh request: wipe the previous one's per-request state */
            c->req.n_headers = 0;
            if (!c->scan.active)
                c->scan =
                    (struct head_scan){.active = true, .line_start = true, .first_line = true};
        }
        if (c->scan.active && !head_scan_bytes(&c->scan, data + off, len - off)) {
            c->scan.active = false;
            if (!c->prepared)
                req_base(c);
            log_msg(LOG_DEBUG, 0, "bare LF, stray CR or folded header line in a request head");
            respond_error(c, 400, 0);
            return len;
        }
        size_t n = http_parser_execute(&c->parser, &parser_settings, data + off, len - off);
        off += n;
        if (c->req_ready) {
            c->req_ready = false;
            http_parser_pause(&c->parser, 0);
            dispatch(c);
            continue;
        }
        enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
        if (e != HPE_OK) {
            parse_failed(c, e);
            return len;
        }
        if (n == 0)
            break;
    }
    if (c->draining || c->close_after)
        return len;
    return off;
}

/* conn_resume continues after an asynchronous write: stashed pipelined bytes first,
 * then the socket again. */
static void conn_resume(struct http_conn *c)
{
    while (!c->closing && !c->writing && !c->draining && c->stash_off < c->stash_len) {
        size_t n = conn_process(c, c->stash + c->stash_off, c->stash_len - c->stash_off);
        c->stash_off += n;
        if (n == 0)
            break;
    }
    if (c->stash_off >= c->stash_len && !c->in_request) {
        free(c->stash); /* pipelining is rare: an idle connection keeps no stash */
        c->stash = NULL;
        c->stash_off = c->stash_len = c->stash_cap = 0;
    }
    if (!c->closing && !c->writing)
        read_start(c);
}

/* ---- accepting and stopping ---- */

/* the answer to a connection over the per-address limit, prebuilt: no request is read */
#define CONN_LIMIT_TEXT                                                                            \
    "Забагато з'єднань з вашої адреси: повторіть за 5 с.\n" \
    "Too many connections from your address: retry in 5 s.\n"
#define CONN_LIMIT_TEXT_LEN 145
_Static_assert(sizeof(CONN_LIMIT_TEXT) - 1 == CONN_LIMIT_TEXT_LEN, "its Content-Length");

static void on_rejected_closed(uv_handle_t *h)
{
    free(h);
}

void http__conn_accept(uv_stream_t *listener, int status)
{
    struct http_loop *lp = listener->data;
    struct http_server *srv = lp->srv;
    if (status < 0) {
        log_warn("accept failed: %s", uv_strerror(status));
        return;
    }
    if (lp->n_conns >= srv->max_connections || lp->stopping) {
        /* over the limit: take it off the backlog and hang up at once */
        uv_tcp_t *t = malloc(sizeof(*t));
        if (!t)
            return; /* out of memory: the kernel keeps it queued for now */
        uv_tcp_init(&lp->uv, t);
        uv_accept(listener, (uv_stream_t *)t);
        uv_close((uv_handle_t *)t, on_rejected_closed);
        return;
    }
    struct http_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        log_warn("out of memory accepting a connection");
        return;
    }
    c->lp = lp;
    c->spool_fd = -1;
    uv_tcp_init(&lp->uv, &c->tcp);
    uv_timer_init(&lp->uv, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->next = lp->conns;
    if (lp->conns)
        lp->conns->prev = c;
    lp->conns = c;
    lp->n_conns++;
    http__m_add(&lp->m.conns_opened, 1); /* metrics */
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6)
            uv_ip6_name((struct sockaddr_in6 *)&ss, c->client_ip, sizeof(c->client_ip));
        else
            uv_ip4_name((struct sockaddr_in *)&ss, c->client_ip, sizeof(c->client_ip));
    }
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    buf_init(&c->out_head, 128 * 1024);
    buf_init(&c->res.body, HTTP_MAX_RESPONSE_BYTES);
    if (!http__ratelimit_conn_open(srv->ratelimit, c->client_ip, &c->rl_counted)) {
        /* over the per-IP connection limit: say so once, then hang up gracefully */
        static const char busy[] =
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n"
            "Content-Length: " HTTP__STR(CONN_LIMIT_TEXT_LEN) "\r\n\r\n" CONN_LIMIT_TEXT;
        uv_buf_t b = uv_buf_init((char *)(uintptr_t)busy, sizeof(busy) - 1);
        uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        http__m_add(&lp->m.refused_rate, 1); /* metrics */
        close_graceful(c);
        return;
    }
    timer_set(c, srv->cfg.header_timeout_ms);
    read_start(c);
}

void http__conn_stop_idle(struct http_loop *lp)
{
    struct http_conn *c = lp->conns;
    while (c) {
        struct http_conn *next = c->next;
        /* the others finish the request in flight (conn_finish sees lp->stopping) */
        if (!c->in_request && !c->writing && c->stash_off >= c->stash_len)
            conn_close(c);
        c = next;
    }
}

void http__conn_close_all(struct http_loop *lp)
{
    for (struct http_conn *c = lp->conns; c; c = c->next)
        conn_close(c);
}
