/* conn.c: one client connection. http-parser turns bytes into a request; this file
 * enforces the limits, runs the router or answers from the page cache, and writes the
 * response with one writev. Requests on a connection are handled one at a time: the
 * parser pauses at the end of each message, and while a response is still being
 * written reading stops (backpressure); unparsed pipelined bytes wait in a stash. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>

/* http_parser.h declares its own `enum http_method`; rename its tag while including it
 * so ours from http.h can keep the public name. */
#define http_method http_parser_method_
#include <http_parser.h>
#undef http_method

#include "core/log.h"
#include "http/http_internal.h"

struct hdr_off {
    size_t name_off, name_len, value_off, value_len;
};

enum hdr_state { HS_NONE, HS_FIELD, HS_VALUE };

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
    char *body; /* malloc'd (an upload can be large; realloc grows it in place) */
    size_t body_len, body_cap;
    size_t body_max;    /* this request's limit: its route's own, else the server's */
    int pending_status; /* decided inside a parser callback */

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
    struct buf out_head; /* status line + headers of the response being sent */
    struct http_page *out_page;

    char *stash; /* pipelined bytes read before the previous response was out */
    size_t stash_len, stash_off, stash_cap;
    char client_ip[46];
    bool rl_counted; /* counted against the per-IP connection limit (ratelimit.c) */
};

static void conn_close(struct http_conn *c);
static void conn_finish(struct http_conn *c);
static void conn_resume(struct http_conn *c);
static void respond_error(struct http_conn *c, int status, unsigned allow);
static enum http_method method_of(unsigned m);
static bool path_ok(struct str p);
static bool split_target(struct str t, struct str *raw_path, struct str *query);

static struct http_server *srv_of(struct http_conn *c)
{
    return c->lp->srv;
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
    if (c->rl_counted)
        http__ratelimit_conn_close(lp->srv->ratelimit, c->client_ip);
    http__page_release(c->out_page);
    free(c->body);
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

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct http_conn *c = h->data;
    /* one buffer per loop: read_cb consumes or stashes everything before returning */
    buf->base = c->lp->read_buf;
    buf->len = sizeof(c->lp->read_buf);
}

static size_t conn_process(struct http_conn *c, const char *data, size_t len);

static void stash_append(struct http_conn *c, const char *p, size_t n)
{
    if (c->stash_off > 0 && c->stash_off == c->stash_len)
        c->stash_off = c->stash_len = 0;
    if (c->stash_len + n > c->stash_cap) {
        size_t cap = c->stash_len + n;
        char *s = realloc(c->stash, cap);
        if (!s)
            abort();
        c->stash = s;
        c->stash_cap = cap;
    }
    memcpy(c->stash + c->stash_len, p, n);
    c->stash_len += n;
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
    if (n < (size_t)nread && c->writing && !c->closing && !c->close_after)
        stash_append(c, buf->base + n, (size_t)nread - n);
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
    free(c->body);
    c->body = NULL;
    c->body_len = c->body_cap = 0;
    c->body_max = srv_of(c)->cfg.max_body_bytes;
    c->pending_status = 0;
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

/* route_body_limit finds the body limit of the route this request will reach, from the
 * head alone, so that 413 can be decided before the body is read. A target that does not
 * decode gets the server's limit (dispatch answers it with 400 anyway). */
static size_t route_body_limit(struct http_conn *c, http_parser *p)
{
    struct http_server *srv = srv_of(c);
    size_t dflt = srv->cfg.max_body_bytes;
    struct str raw_path, query, path;
    struct str target = str_make(c->head ? c->head + c->url_off : "", c->url_len);
    if (!split_target(target, &raw_path, &query) ||
        http_url_decode(c->arena, raw_path, false, &path) != ERR_OK || !path_ok(path))
        return dflt;
    size_t lim = http__router_body_limit(srv->cfg.router, method_of(p->method), path);
    return lim ? lim : dflt;
}

/* Bodies are preallocated up to this from Content-Length, and grow as bytes arrive
 * beyond it: a client announcing 60 MB gets memory only for what it sends. */
#define BODY_PREALLOC ((size_t)1024 * 1024)

static void body_reserve(struct http_conn *c, size_t cap)
{
    char *b = realloc(c->body, cap + 1);
    if (!b)
        abort();
    c->body = b;
    c->body_cap = cap;
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

static int on_headers_complete(http_parser *p)
{
    struct http_conn *c = p->data;
    struct http_server *srv = srv_of(c);
    struct http_request *req = &c->req;
    req->headers = arena_alloc_array(c->arena, c->n_hdrs ? c->n_hdrs : 1, sizeof(*req->headers));
    req->n_headers = c->n_hdrs;
    struct str cl = STR_NULL;
    bool has_te = false, expect_continue = false;
    for (size_t i = 0; i < c->n_hdrs; i++) {
        struct http_header *h = &req->headers[i];
        h->name = str_make(c->head + c->hdrs[i].name_off, c->hdrs[i].name_len);
        h->value = str_trim(str_make(c->head + c->hdrs[i].value_off, c->hdrs[i].value_len));
        /* whitespace in a name ("Content-Length : 5") or a folded value (obs-fold) is
         * read differently by different servers: refuse it, as RFC 9112 asks, so a proxy
         * in front and we can never disagree on where a request ends (smuggling) */
        if (!header_shape_ok(h->name, str_make(c->head + c->hdrs[i].value_off,
                                                c->hdrs[i].value_len))) {
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
        }
    }
    if (cl.ptr && has_te) {
        c->pending_status = 400;
        return -1;
    }
    bool has_length = (p->flags & F_CONTENTLENGTH) != 0;
    c->body_max = route_body_limit(c, p);
    if (has_length && p->content_length > c->body_max) {
        c->pending_status = 413;
        return -1;
    }
    if ((has_length && p->content_length > 0) || (p->flags & F_CHUNKED)) {
        uint64_t ms = srv->cfg.body_timeout_ms;
        /* a 20 MB photo from a slow office line needs minutes, not the 30 s a form gets */
        if (has_length && p->content_length > HTTP_MAX_BODY_BYTES)
            ms += p->content_length / HTTP_MIN_UPLOAD_BYTES_PER_SEC * 1000;
        timer_set(c, ms > UINT32_MAX ? UINT32_MAX : (unsigned)ms);
        if (expect_continue && p->http_major == 1 && p->http_minor == 1) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            uv_buf_t b = uv_buf_init((char *)(uintptr_t)cont, sizeof(cont) - 1);
            uv_try_write((uv_stream_t *)&c->tcp, &b, 1); /* best effort: clients time out */
        }
        if (has_length)
            body_reserve(c, p->content_length < BODY_PREALLOC ? (size_t)p->content_length
                                                              : BODY_PREALLOC);
    } else {
        uv_timer_stop(&c->timer);
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    struct http_conn *c = p->data;
    size_t max = c->body_max;
    if (n > max || c->body_len > max - n) {
        c->pending_status = 413;
        return -1;
    }
    if (c->body_len + n > c->body_cap) {
        size_t cap = c->body_cap ? c->body_cap * 2 : 4096;
        if (cap < c->body_len + n)
            cap = c->body_len + n;
        if (cap > max)
            cap = max;
        if ((p->flags & F_CONTENTLENGTH) && cap > c->body_len + n + p->content_length)
            cap = c->body_len + n + (size_t)p->content_length; /* what is still to come */
        body_reserve(c, cap);
    }
    memcpy(c->body + c->body_len, at, n);
    c->body_len += n;
    c->body[c->body_len] = '\0'; /* handlers may rely on a terminated body */
    return 0;
}

static int on_message_complete(http_parser *p)
{
    struct http_conn *c = p->data;
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
    memcpy(req->client_ip, c->client_ip, sizeof(req->client_ip));
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

static void log_access(struct http_conn *c, int status, size_t bytes, bool hit)
{
    if (log_get_level() > LOG_DEBUG)
        return;
    char path[256];
    log_escape(c->req.path.ptr, c->req.path.len, path, sizeof(path));
    log_msg(LOG_DEBUG, c->req.id, "%s %s %d %zu%s %s", http_method_str(c->parser.method), path,
            status, bytes, hit ? " hit" : "", c->client_ip);
}

/* send_page answers from a cached page; takes over the caller's reference. */
static void send_page(struct http_conn *c, struct http_page *page, bool hit)
{
    struct http_request *req = &c->req;
    bool gz = page->v[1].bytes && http__accepts_gzip(http_request_header(req, "Accept-Encoding"));
    const struct http_page_variant *v = &page->v[gz ? 1 : 0];
    int status = 200;
    uv_buf_t bufs[2];
    if (http__etag_match(http_request_header(req, "If-None-Match"), v->etag)) {
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
    if (res->status >= 500 && srv->cache && c->cache_key.ptr &&
        (req->method == HTTP_M_GET || req->method == HTTP_M_HEAD)) {
        /* stale rather than down: the page readers saw before is better than an error
         * while the database is locked or gone */
        struct http_page *stale =
            http__pagecache_get_stale(srv->cache, c->cache_key, srv->cfg.stale_max_seconds);
        if (stale) {
            log_msg(LOG_WARN, req->id, "handler answered %d, sending the cached page",
                    res->status);
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
    if (status >= 500 || closes_connection(status)) {
        char ip[64];
        log_escape(c->client_ip, strlen(c->client_ip), ip, sizeof(ip));
        log_msg(LOG_WARN, c->req.id, "request rejected with %d from %s", status, ip);
    }
    finalize_send(c, allow, 0);
}

/* respond_429 answers a request over its address's rate (ratelimit.c) with a plain body:
 * under a flood, rendering the site's error page would cost what the limit saves. */
static void respond_429(struct http_conn *c, unsigned retry_after)
{
    struct http_response *res = &c->res;
    res_reset(res);
    res->status = 429;
    http_response_header(res, &c->req, "Retry-After",
                         str_from_cstr(arena_printf(c->arena, "%u", retry_after)));
    http_response_header(res, &c->req, "Content-Type", STR_LIT("text/plain; charset=utf-8"));
    http_response_header(res, &c->req, "Cache-Control", STR_LIT("no-store"));
    if (buf_appendf(&res->body, "too many requests; retry in %u s\n", retry_after) != ERR_OK)
        buf_reset(&res->body);
    finalize_send(c, 0, 0);
}

static void dispatch(struct http_conn *c)
{
    struct http_server *srv = srv_of(c);
    struct http_request *req = &c->req;
    uv_timer_stop(&c->timer);
    req_base(c);
    req->target = str_make(c->head + c->url_off, c->url_len);
    req->body = str_make(c->body ? c->body : "", c->body_len);
    c->cache_key = STR_NULL;
    if (c->parser.upgrade)
        c->close_after = true; /* we speak no other protocol; answer and hang up */
    c->keep_alive = !c->close_after && !c->lp->stopping && http_should_keep_alive(&c->parser);

    struct str raw_path, query;
    if (!split_target(req->target, &raw_path, &query) ||
        http_url_decode(c->arena, raw_path, false, &req->path) != ERR_OK || !path_ok(req->path)) {
        req->path = STR_LIT("/");
        respond_error(c, 400, 0);
        return;
    }
    req->query = query;

    unsigned retry_after;
    if (!http__ratelimit_request(srv->ratelimit, c->client_ip, &retry_after)) {
        respond_429(c, retry_after);
        return;
    }

    bool is_get = req->method == HTTP_M_GET || req->method == HTTP_M_HEAD;
    uint64_t epoch = 0;
    if (srv->cache && is_get) {
        char *k = arena_alloc(c->arena, req->path.len + 1 + query.len + 1);
        memcpy(k, req->path.ptr, req->path.len);
        k[req->path.len] = '?';
        if (query.len)
            memcpy(k + req->path.len + 1, query.ptr, query.len);
        c->cache_key = str_make(k, req->path.len + 1 + query.len);
        epoch = http__pagecache_epoch(srv->cache);
        struct http_page *page = http__pagecache_get(srv->cache, c->cache_key);
        if (page) {
            send_page(c, page, true);
            return;
        }
    }

    http_handler_fn handler;
    unsigned allow;
    enum http__route_result rr =
        http__router_match(srv->cfg.router, req->method, req->path, req, &handler, &allow);
    if (rr == HTTP__ROUTE_NOT_FOUND) {
        respond_error(c, 404, 0);
        return;
    }
    if (rr == HTTP__ROUTE_BAD_METHOD) {
        respond_error(c, 405, allow);
        return;
    }
    res_reset(&c->res);
    handler(req, &c->res);
    finalize_send(c, 0, epoch);
}

/* conn_finish ends the current request: frees its memory and decides what comes next. */
static void conn_finish(struct http_conn *c)
{
    http__page_release(c->out_page);
    c->out_page = NULL;
    arena_reset(c->arena);
    c->head = NULL;
    c->hdrs = NULL;
    /* an upload's memory goes back now, not when the connection closes */
    free(c->body);
    c->body = NULL;
    c->body_len = c->body_cap = 0;
    c->req.headers = NULL;
    c->req.n_headers = 0;
    c->cache_key = STR_NULL;
    /* a response body that grew large is not kept on an idle connection */
    if (c->res.body.cap > 256 * 1024)
        buf_free(&c->res.body);
    else
        buf_reset(&c->res.body);
    if (c->out_head.cap > 64 * 1024)
        buf_free(&c->out_head);
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

/* conn_process feeds bytes to the parser until they run out or a response is still
 * being written; returns how many bytes were consumed. */
static size_t conn_process(struct http_conn *c, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len && !c->closing && !c->writing && !c->draining && !c->close_after) {
        if (!c->in_request) {
            /* fresh request: wipe the previous one's per-request state */
            c->req.n_headers = 0;
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
            int status = status_of_parse_error(c, e);
            if (log_get_level() <= LOG_DEBUG)
                log_msg(LOG_DEBUG, 0, "parse error: %s", http_errno_name(e));
            req_base(c);
            respond_error(c, status, 0);
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
    if (c->stash_off >= c->stash_len) {
        c->stash_off = c->stash_len = 0;
        if (c->stash_cap > 64 * 1024) {
            free(c->stash);
            c->stash = NULL;
            c->stash_cap = 0;
        }
    }
    if (!c->closing && !c->writing)
        read_start(c);
}

/* ---- accepting and stopping ---- */

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
            abort();
        uv_tcp_init(&lp->uv, t);
        uv_accept(listener, (uv_stream_t *)t);
        uv_close((uv_handle_t *)t, on_rejected_closed);
        return;
    }
    struct http_conn *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->lp = lp;
    uv_tcp_init(&lp->uv, &c->tcp);
    uv_timer_init(&lp->uv, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->next = lp->conns;
    if (lp->conns)
        lp->conns->prev = c;
    lp->conns = c;
    lp->n_conns++;
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
    c->arena = arena_new(HTTP__ARENA_BLOCK);
    buf_init(&c->out_head, 128 * 1024);
    buf_init(&c->res.body, HTTP_MAX_RESPONSE_BYTES);
    c->req.arena = c->arena;
    if (!http__ratelimit_conn_open(srv->ratelimit, c->client_ip, &c->rl_counted)) {
        /* over the per-IP connection limit: say so once, then hang up gracefully */
        static const char busy[] = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\n"
                                   "Content-Type: text/plain; charset=utf-8\r\n"
                                   "Content-Length: 18\r\nConnection: close\r\n\r\n"
                                   "too many requests\n";
        uv_buf_t b = uv_buf_init((char *)(uintptr_t)busy, sizeof(busy) - 1);
        uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
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
