/* test_server.c: a real server on 127.0.0.1, port 0, in a thread, spoken to with plain
 * sockets: keep-alive, pipelining, HEAD, routing errors, limits, smuggling, path
 * checks, ETag/304, gzip, the page cache, the header timeout and a clean stop. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "core/log.h"
#include "http/http.h"

static atomic_int cached_calls;
static atomic_int thread_inits;
static atomic_int reloads;

static void on_reload(void *app)
{
    (void)app;
    atomic_fetch_add(&reloads, 1);
}

static void h_home(struct http_request *req, struct http_response *res)
{
    http_response_header(res, req, "Content-Type", STR_LIT("text/plain; charset=utf-8"));
    buf_append_cstr(&res->body, "hello");
}

static void h_big(struct http_request *req, struct http_response *res)
{
    (void)req;
    for (int i = 0; i < 200; i++)
        buf_appendf(&res->body, "<p>Рядок %d</p>\n", i);
}

static void h_cached(struct http_request *req, struct http_response *res)
{
    int n = atomic_fetch_add(&cached_calls, 1) + 1;
    buf_appendf(&res->body, "cached page, render %d", n);
    res->cacheable = true;
    http_response_cache_key(res, req, STR_LIT("article:1"));
    http_response_cache_key(res, req, STR_LIT("list:news"));
}

/* large enough to go out by sendfile once cached */
static void h_cached_big(struct http_request *req, struct http_response *res)
{
    http_response_header(res, req, "Content-Type", STR_LIT("application/octet-stream"));
    for (int i = 0; i < 40000; i++)
        buf_append_char(&res->body, (char)('a' + i % 26));
    res->cacheable = true;
    http_response_cache_key(res, req, STR_LIT("big"));
}

#define HUGE_BYTES (3 * 1024 * 1024)

/* larger than any socket buffer: exercises the queued write and read backpressure */
static void h_huge(struct http_request *req, struct http_response *res)
{
    for (int i = 0; i < HUGE_BYTES; i++)
        buf_append_char(&res->body, (char)('a' + i % 26));
    res->cacheable = req->query.len > 0;
    http_response_cache_key(res, req, STR_LIT("huge"));
    http_response_header(res, req, "Content-Type", STR_LIT("application/octet-stream"));
}

static void h_slug(struct http_request *req, struct http_response *res)
{
    buf_append_str(&res->body, req->params[0]);
}

static void h_form(struct http_request *req, struct http_response *res)
{
    buf_appendf(&res->body, "got %zu", req->body.len);
}

/* h_upload answers with the body length and a checksum of every byte */
static void h_upload(struct http_request *req, struct http_response *res)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < req->body.len; i++)
        sum = sum * 31u + (unsigned char)req->body.ptr[i];
    buf_appendf(&res->body, "got %zu sum %u param %.*s", req->body.len, (unsigned)sum,
                req->n_params ? (int)req->params[0].len : 0,
                req->n_params ? req->params[0].ptr : "");
}

#define UPLOAD_LIMIT ((size_t)24 * 1024 * 1024)

static void h_error_page(struct http_request *req, struct http_response *res)
{
    (void)req;
    buf_appendf(&res->body, "<h1>Помилка %d</h1>", res->status);
}

static void *t_init(void *app)
{
    (void)app;
    atomic_fetch_add(&thread_inits, 1);
    return NULL;
}

struct server_thread {
    struct http_config cfg;
    struct http_server *srv;
    enum err result;
    pthread_t thread;
};

static void *server_main(void *arg)
{
    struct server_thread *st = arg;
    st->result = http_server_run(&st->cfg, on_reload, &st->srv);
    return NULL;
}

/* ---- a tiny client ---- */

struct client {
    int fd;
    char buf[256 * 1024];
    size_t len;
};

struct resp {
    int status;
    char head[8192];
    char body[64 * 1024];
    size_t body_len;
};

static uint16_t port;

static struct client *client_open(void)
{
    struct client *c = calloc(1, sizeof(*c));
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {3, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        perror("connect");
    return c;
}

static void client_close(struct client *c)
{
    close(c->fd);
    free(c);
}

static void send_all(struct client *c, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void send_str(struct client *c, const char *s)
{
    send_all(c, s, strlen(s));
}

/* fill reads more bytes; false on EOF, error or timeout */
static bool fill(struct client *c)
{
    /* one byte stays free for the NUL the head search writes */
    if (c->len >= sizeof(c->buf) - 1)
        return false;
    ssize_t r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
    if (r <= 0)
        return false;
    c->len += (size_t)r;
    return true;
}

static const char *find_header(const char *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':')
            return p + 2 + n + 2;
    }
    return NULL;
}

static bool header_is(const struct resp *r, const char *name, const char *value)
{
    const char *v = find_header(r->head, name);
    return v && strncmp(v, value, strlen(value)) == 0 && v[strlen(value)] == '\r';
}

/* read_response parses one response; head_only for answers to HEAD. */
static bool read_response(struct client *c, struct resp *r, bool head_only)
{
    memset(r, 0, sizeof(*r));
    char *end;
    for (;;) {
        c->buf[c->len] = '\0';
        end = c->len ? strstr(c->buf, "\r\n\r\n") : NULL;
        if (end)
            break;
        if (!fill(c))
            return false;
    }
    size_t head_len = (size_t)(end - c->buf) + 4;
    if (head_len >= sizeof(r->head))
        return false;
    memcpy(r->head, c->buf, head_len);
    r->head[head_len] = '\0';
    r->status = (int)strtol(r->head + 9, NULL, 10);
    size_t body_len = 0;
    const char *cl = find_header(r->head, "Content-Length");
    if (cl && !head_only && r->status != 304)
        body_len = (size_t)strtoul(cl, NULL, 10);
    while (c->len < head_len + body_len)
        if (!fill(c))
            return false;
    if (body_len > sizeof(r->body) - 1)
        return false;
    memcpy(r->body, c->buf + head_len, body_len);
    r->body_len = body_len;
    memmove(c->buf, c->buf + head_len + body_len, c->len - head_len - body_len);
    c->len -= head_len + body_len;
    return true;
}

/* closed_by_peer: the server hung up (EOF or reset) within the receive timeout */
static bool closed_by_peer(struct client *c)
{
    char tmp[4096];
    for (;;) {
        ssize_t r = recv(c->fd, tmp, sizeof(tmp), 0);
        if (r == 0)
            return true;
        if (r < 0)
            return errno == ECONNRESET;
    }
}

static struct resp R;

static bool big_body_ok(const struct resp *r)
{
    if (r->body_len != 40000)
        return false;
    for (int i = 0; i < 40000; i++)
        if (r->body[i] != (char)('a' + i % 26))
            return false;
    return true;
}

static int one_shot(const char *request, bool head_only)
{
    struct client *c = client_open();
    send_str(c, request);
    int status = read_response(c, &R, head_only) ? R.status : -1;
    client_close(c);
    return status;
}

/* read_huge streams one response with a HUGE_BYTES body, checking every byte */
static bool read_huge(struct client *c)
{
    struct resp *r = &R;
    char *end;
    for (;;) {
        c->buf[c->len] = '\0';
        end = c->len ? strstr(c->buf, "\r\n\r\n") : NULL;
        if (end)
            break;
        if (!fill(c))
            return false;
    }
    size_t head_len = (size_t)(end - c->buf) + 4;
    memcpy(r->head, c->buf, head_len);
    r->head[head_len] = '\0';
    if (!header_is(r, "Content-Length", "3145728")) {
        fprintf(stderr, "huge: bad head %s\n", r->head);
        return false;
    }
    size_t got = 0, pos = head_len;
    bool ok = true;
    while (got < HUGE_BYTES) {
        if (pos == c->len) {
            c->len = pos = 0;
            if (!fill(c)) {
                fprintf(stderr, "huge: short body %zu\n", got);
                return false;
            }
        }
        size_t take = c->len - pos;
        if (take > HUGE_BYTES - got)
            take = HUGE_BYTES - got;
        for (size_t i = 0; i < take; i++) {
            if (ok && c->buf[pos + i] != (char)('a' + (got + i) % 26)) {
                fprintf(stderr, "huge: mismatch at %zu: %.40s\n", got + i, c->buf + pos + i);
                ok = false;
            }
        }
        got += take;
        pos += take;
    }
    memmove(c->buf, c->buf + pos, c->len - pos);
    c->len -= pos;
    if (!ok)
        fprintf(stderr, "huge: bad bytes\n");
    return ok;
}

/* send_pattern streams n pattern bytes (i*7 mod 251) and returns their checksum, the
 * one h_upload computes */
static uint32_t send_pattern(struct client *c, size_t n)
{
    static char chunk[64 * 1024];
    uint32_t sum = 0;
    size_t i = 0;
    while (i < n) {
        size_t k = n - i < sizeof(chunk) ? n - i : sizeof(chunk);
        for (size_t j = 0; j < k; j++) {
            chunk[j] = (char)((i + j) * 7 % 251);
            sum = sum * 31u + (unsigned char)chunk[j];
        }
        send_all(c, chunk, k);
        i += k;
    }
    return sum;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int main(void)
{
    log_set_level(LOG_WARN);
    struct http_router *router = http_router_new();
    http_router_add(router, HTTP_M_GET, "/", h_home);
    http_router_add(router, HTTP_M_GET, "/big", h_big);
    const struct http_route_opts cached_opts = {.query = "page"};
    http_router_add_opts(router, HTTP_M_GET, "/cached", h_cached, &cached_opts);
    http_router_add(router, HTTP_M_GET, "/news/:slug", h_slug);
    http_router_add(router, HTTP_M_GET, "/cached-big", h_cached_big);
    http_router_add(router, HTTP_M_GET, "/huge", h_huge);
    http_router_add(router, HTTP_M_POST, "/form", h_form);
    http_router_add_limit(router, HTTP_M_POST, "/upload", h_upload, NULL, UPLOAD_LIMIT);
    http_router_add_limit(router, HTTP_M_POST, "/upload/:id", h_upload, NULL, UPLOAD_LIMIT);
    http_router_add_limit(router, HTTP_M_POST, "/tiny", h_upload, NULL, 10);

    const struct http_header common[] = {
        {STR_LIT("X-Content-Type-Options"), STR_LIT("nosniff")},
    };
    struct server_thread st = {0};
    st.cfg.host = "127.0.0.1";
    st.cfg.port = 0;
    st.cfg.threads = 2;
    st.cfg.header_timeout_ms = 300;
    st.cfg.page_cache = true;
    st.cfg.router = router;
    st.cfg.thread_init = t_init;
    st.cfg.error_page = h_error_page;
    st.cfg.common_headers = common;
    st.cfg.n_common_headers = 1;
    pthread_create(&st.thread, NULL, server_main, &st);
    struct http_server *srv = NULL;
    for (int i = 0; i < 500 && !srv; i++) {
        srv = __atomic_load_n(&st.srv, __ATOMIC_ACQUIRE);
        if (!srv)
            usleep(10000);
    }
    CHECK(srv != NULL);
    if (!srv)
        return check_done();
    port = http_server_port(srv);
    CHECK(port != 0);

    /* simple GET */
    CHECK(one_shot("GET / HTTP/1.1\r\nHost: x\r\n\r\n", false) == 200);
    CHECK(R.body_len == 5 && memcmp(R.body, "hello", 5) == 0);
    CHECK(header_is(&R, "Content-Type", "text/plain; charset=utf-8"));
    CHECK(header_is(&R, "X-Content-Type-Options", "nosniff"));
    CHECK(find_header(R.head, "Date") != NULL);
    CHECK(find_header(R.head, "ETag") != NULL);
    CHECK(atomic_load(&thread_inits) == 2);

    /* keep-alive: two requests one after the other on one connection */
    struct client *c = client_open();
    send_str(c, "GET /news/перша HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_response(c, &R, false) && R.status == 200);
    CHECK(R.body_len == strlen("перша") && memcmp(R.body, "перша", R.body_len) == 0);
    send_str(c, "GET /news/%D0%B4%D1%80%D1%83%D0%B3%D0%B0 HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_response(c, &R, false) && R.status == 200);
    CHECK(R.body_len == strlen("друга") && memcmp(R.body, "друга", R.body_len) == 0);

    /* pipelined: two requests in one write, answered in order */
    send_str(c, "GET /news/a HTTP/1.1\r\nHost: x\r\n\r\nGET /news/b HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_response(c, &R, false) && R.status == 200 && R.body[0] == 'a');
    CHECK(read_response(c, &R, false) && R.status == 200 && R.body[0] == 'b');

    /* HEAD: headers with the GET length, no body (the next response follows at once) */
    send_str(c, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_response(c, &R, true) && R.status == 200);
    CHECK(header_is(&R, "Content-Length", "5"));
    CHECK(read_response(c, &R, false) && R.status == 200 && R.body_len == 5);

    /* 404 and 405 keep the connection, with the site's error page */
    send_str(c, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_response(c, &R, false) && R.status == 404);
    CHECK(strstr(R.body, "Помилка 404") != NULL);
    CHECK(header_is(&R, "X-Content-Type-Options", "nosniff"));
    send_str(c, "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_response(c, &R, false) && R.status == 405);
    CHECK(header_is(&R, "Allow", "GET, HEAD"));
    send_str(c, "PATCH /form HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    CHECK(read_response(c, &R, false) && R.status == 405);
    CHECK(header_is(&R, "Allow", "POST"));

    /* a POST body */
    send_str(c, "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\na=1&b=2");
    CHECK(read_response(c, &R, false) && R.status == 200);
    CHECK(R.body_len == 5 && memcmp(R.body, "got 7", 5) == 0);
    send_str(c, "POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    CHECK(read_response(c, &R, false) && R.status == 200);
    CHECK(R.body_len == 5 && memcmp(R.body, "got 5", 5) == 0);

    /* Connection: close is honoured */
    send_str(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(read_response(c, &R, false) && R.status == 200);
    CHECK(header_is(&R, "Connection", "close"));
    CHECK(closed_by_peer(c));
    client_close(c);

    /* HTTP/1.0 without keep-alive closes */
    c = client_open();
    send_str(c, "GET / HTTP/1.0\r\n\r\n");
    CHECK(read_response(c, &R, false) && R.status == 200);
    CHECK(closed_by_peer(c));
    client_close(c);

    /* 414: URI too long */
    {
        size_t n = HTTP_MAX_URI_BYTES + 100;
        char *req = malloc(n + 64);
        memcpy(req, "GET /", 5);
        memset(req + 5, 'a', n);
        memcpy(req + 5 + n, " HTTP/1.1\r\nHost: x\r\n\r\n", 23);
        c = client_open();
        send_str(c, req);
        CHECK(read_response(c, &R, false) && R.status == 414);
        CHECK(header_is(&R, "Connection", "close"));
        CHECK(closed_by_peer(c));
        client_close(c);
        free(req);
    }

    /* 431: too many header bytes, and too many headers */
    {
        char *req = malloc(20000);
        size_t o = 0;
        o += (size_t)snprintf(req, 20000, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
        memset(req + o, 'b', 9000);
        o += 9000;
        memcpy(req + o, "\r\n\r\n", 5);
        CHECK(one_shot(req, false) == 431);
        o = (size_t)snprintf(req, 20000, "GET / HTTP/1.1\r\n");
        for (int i = 0; i < 70; i++)
            o += (size_t)snprintf(req + o, 20000 - o, "X-H%d: v\r\n", i);
        snprintf(req + o, 20000 - o, "\r\n");
        CHECK(one_shot(req, false) == 431);
        free(req);
    }

    /* 413: declared body over the limit is refused before it arrives */
    CHECK(one_shot("POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\nabc", false) ==
          413);
    /* smuggling: Content-Length with Transfer-Encoding, and two different lengths */
    CHECK(one_shot("POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                   false) == 400);
    CHECK(one_shot("POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                   "Content-Length: 4\r\n\r\nabcd",
                   false) == 400);
    /* garbage */
    CHECK(one_shot("GET / FTP/9\r\n\r\n", false) == 400);

    /* paths */
    CHECK(one_shot("GET /news/%ff HTTP/1.1\r\nHost: x\r\n\r\n", false) == 400);
    CHECK(one_shot("GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", false) == 400);
    CHECK(one_shot("GET /news/%2e%2e/x HTTP/1.1\r\nHost: x\r\n\r\n", false) == 400);
    CHECK(one_shot("GET /news/a%5cb HTTP/1.1\r\nHost: x\r\n\r\n", false) == 400);
    CHECK(one_shot("GET /news/a%00b HTTP/1.1\r\nHost: x\r\n\r\n", false) == 400);
    CHECK(one_shot("GET /news/a%0ab HTTP/1.1\r\nHost: x\r\n\r\n", false) == 400);
    CHECK(one_shot("GET /news/%zz HTTP/1.1\r\nHost: x\r\n\r\n", false) == 400);
    CHECK(one_shot("GET /./ HTTP/1.1\r\nHost: x\r\n\r\n", false) == 400);

    /* ETag and If-None-Match */
    CHECK(one_shot("GET / HTTP/1.1\r\nHost: x\r\n\r\n", false) == 200);
    {
        char etag[64] = {0};
        const char *v = find_header(R.head, "ETag");
        CHECK(v != NULL);
        if (v) {
            size_t n = (size_t)(strstr(v, "\r\n") - v);
            memcpy(etag, v, n < 63 ? n : 63);
        }
        char req[256];
        snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: %s\r\n\r\n", etag);
        CHECK(one_shot(req, false) == 304);
        CHECK(find_header(R.head, "Content-Length") == NULL);
        CHECK(R.body_len == 0);
    }

    /* gzip when asked */
    CHECK(one_shot("GET /big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\n\r\n", false) ==
          200);
    CHECK(header_is(&R, "Content-Encoding", "gzip"));
    CHECK(header_is(&R, "Vary", "Accept-Encoding"));
    {
        const char *v = find_header(R.head, "ETag");
        CHECK(v && strstr(v, "-gz\"\r\n") == strchr(v, '\r') - 4);
        static char plain[65536];
        z_stream z = {0};
        inflateInit2(&z, 15 + 16);
        z.next_in = (Bytef *)R.body;
        z.avail_in = (uInt)R.body_len;
        z.next_out = (Bytef *)plain;
        z.avail_out = sizeof(plain);
        CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END);
        CHECK(z.total_out > 1000 && memcmp(plain, "<p>Рядок 0</p>", strlen("<p>Рядок 0</p>")) == 0);
        inflateEnd(&z);
    }
    CHECK(one_shot("GET /big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0\r\n\r\n", false) ==
          200);
    CHECK(find_header(R.head, "Content-Encoding") == NULL);
    CHECK(header_is(&R, "Vary", "Accept-Encoding"));

    /* page cache: the second request does not reach the handler */
    CHECK(one_shot("GET /cached HTTP/1.1\r\nHost: x\r\n\r\n", false) == 200);
    CHECK(atomic_load(&cached_calls) == 1);
    CHECK(one_shot("GET /cached HTTP/1.1\r\nHost: x\r\n\r\n", false) == 200);
    CHECK(atomic_load(&cached_calls) == 1);
    CHECK(strstr(R.body, "render 1") != NULL);
    CHECK(find_header(R.head, "Date") != NULL);
    CHECK(header_is(&R, "X-Content-Type-Options", "nosniff"));
    CHECK(one_shot("HEAD /cached HTTP/1.1\r\nHost: x\r\n\r\n", true) == 200);
    CHECK(atomic_load(&cached_calls) == 1);
    {
        const char *v = find_header(R.head, "ETag");
        char req[256] = {0};
        if (v) {
            int n = (int)(strstr(v, "\r\n") - v);
            snprintf(req, sizeof(req),
                     "GET /cached HTTP/1.1\r\nHost: x\r\nIf-None-Match: %.*s\r\n\r\n", n, v);
        }
        CHECK(one_shot(req, false) == 304);
        CHECK(atomic_load(&cached_calls) == 1);
    }
    /* parameters the route does not read are not part of the page (cache busters,
     * tracking): the cached copy answers */
    CHECK(one_shot("GET /cached?x=1&utm_source=fb HTTP/1.1\r\nHost: x\r\n\r\n", false) == 200);
    CHECK(atomic_load(&cached_calls) == 1);
    /* a parameter it reads makes another page, in whatever spelling */
    CHECK(one_shot("GET /cached?page=2 HTTP/1.1\r\nHost: x\r\n\r\n", false) == 200);
    CHECK(atomic_load(&cached_calls) == 2);
    CHECK(one_shot("GET /cached?utm=1&page=%32&page=3 HTTP/1.1\r\nHost: x\r\n\r\n", false) == 200);
    CHECK(atomic_load(&cached_calls) == 2);
    /* a public page says how long others may keep it, since when, and by what keys */
    CHECK(header_is(&R, "Surrogate-Key", "site article:1 list:news"));
    CHECK(header_is(&R, "Cache-Tag", "site,article:1,list:news"));
    CHECK(find_header(R.head, "Last-Modified") != NULL);
    CHECK(header_is(&R, "Cache-Control",
                    "public, max-age=0, s-maxage=60, "
                    "stale-while-revalidate=60, stale-if-error=86400"));
    http_cache_invalidate(srv, STR_LIT("unrelated"));
    CHECK(one_shot("GET /cached HTTP/1.1\r\nHost: x\r\n\r\n", false) == 200);
    CHECK(atomic_load(&cached_calls) == 2);
    http_cache_invalidate(srv, STR_LIT("article:1"));
    CHECK(one_shot("GET /cached HTTP/1.1\r\nHost: x\r\n\r\n", false) == 200);
    CHECK(atomic_load(&cached_calls) == 3);
    CHECK(strstr(R.body, "render 3") != NULL);
    CHECK(one_shot("GET /cached HTTP/1.1\r\nHost: x\r\n\r\n", false) == 200);
    CHECK(atomic_load(&cached_calls) == 3);
    http_cache_clear(srv);
    CHECK(one_shot("GET /cached HTTP/1.1\r\nHost: x\r\n\r\n", false) == 200);
    CHECK(atomic_load(&cached_calls) == 4);

    /* a large cached page (sendfile path): whole and in order, pipelined with a HEAD */
    c = client_open();
    for (int i = 0; i < 3; i++) {
        send_str(c, "GET /cached-big HTTP/1.1\r\nHost: x\r\n\r\nHEAD /cached-big HTTP/1.1\r\n"
                    "Host: x\r\n\r\nGET /cached-big HTTP/1.1\r\nHost: x\r\n\r\n");
        CHECK(read_response(c, &R, false) && R.status == 200 && big_body_ok(&R));
        CHECK(read_response(c, &R, true) && R.status == 200 &&
              header_is(&R, "Content-Length", "40000"));
        CHECK(read_response(c, &R, false) && R.status == 200 && big_body_ok(&R));
    }
    client_close(c);

    /* slow reader: responses larger than the socket buffers, pipelined, read late */
    c = client_open();
    send_str(c, "GET /huge HTTP/1.1\r\nHost: x\r\n\r\nGET /huge?c=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                "GET /huge?c=1 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    usleep(200000);
    CHECK(read_huge(c));
    CHECK(read_huge(c));
    CHECK(read_huge(c));
    CHECK(read_response(c, &R, false) && R.status == 200 && R.body_len == 5);
    client_close(c);

    /* per-route body limits: a normal route stays at 1 MiB, the upload route takes
     * 21 MB and checks every byte, both decided before the body is read */
    {
        char head[256];
        size_t over = HTTP_MAX_BODY_BYTES + 1;
        /* declared over 1 MiB on a normal route: 413 without sending the body */
        snprintf(head, sizeof(head),
                 "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", over);
        CHECK(one_shot(head, false) == 413);
        /* the same body really sent, chunked (no length to look at first) */
        c = client_open();
        send_str(c, "POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        snprintf(head, sizeof(head), "%zx\r\n", over);
        send_str(c, head);
        send_pattern(c, over);
        send_str(c, "\r\n0\r\n\r\n");
        CHECK(read_response(c, &R, false) && R.status == 413);
        client_close(c);
        /* exactly 1 MiB is still fine on the normal route */
        c = client_open();
        snprintf(head, sizeof(head), "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
                 HTTP_MAX_BODY_BYTES);
        send_str(c, head);
        send_pattern(c, HTTP_MAX_BODY_BYTES);
        CHECK(read_response(c, &R, false) && R.status == 200);
        CHECK(R.body_len == strlen("got 1048576") && memcmp(R.body, "got 1048576", 11) == 0);
        client_close(c);

        /* 21 MB to the upload route, then a second request on the same connection */
        size_t big = 21u * 1000 * 1000;
        c = client_open();
        snprintf(head, sizeof(head),
                 "POST /upload/7 HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", big);
        send_str(c, head);
        uint32_t sum = send_pattern(c, big);
        char want[96];
        snprintf(want, sizeof(want), "got %zu sum %u param 7", big, (unsigned)sum);
        CHECK(read_response(c, &R, false) && R.status == 200);
        CHECK(R.body_len == strlen(want) && memcmp(R.body, want, R.body_len) == 0);
        send_str(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        CHECK(read_response(c, &R, false) && R.status == 200);
        client_close(c);
        /* the same, chunked, to the route without a parameter */
        c = client_open();
        send_str(c, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        snprintf(head, sizeof(head), "%zx\r\n", (size_t)3000000);
        send_str(c, head);
        sum = send_pattern(c, 3000000);
        send_str(c, "\r\n0\r\n\r\n");
        snprintf(want, sizeof(want), "got %zu sum %u param ", (size_t)3000000, (unsigned)sum);
        CHECK(read_response(c, &R, false) && R.status == 200);
        CHECK(R.body_len == strlen(want) && memcmp(R.body, want, R.body_len) == 0);
        client_close(c);
        /* over the upload route's own limit: 413 at once */
        snprintf(head, sizeof(head),
                 "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
                 UPLOAD_LIMIT + 1);
        CHECK(one_shot(head, false) == 413);
        /* a route may also be stricter than the server */
        CHECK(one_shot("POST /tiny HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"
                       "hello world",
                       false) == 413);
        CHECK(one_shot("POST /tiny HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", false) ==
              200);
        /* the limit belongs to the method too: GET /upload is not the upload route */
        snprintf(head, sizeof(head),
                 "PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", over);
        CHECK(one_shot(head, false) == 413);
        /* a target that does not decode gets the default limit and then 400/413 */
        snprintf(head, sizeof(head),
                 "POST /upload/%%zz HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", over);
        CHECK(one_shot(head, false) == 413);
    }

    /* header timeout: a silent connection and a half-sent head are both closed */
    {
        double t0 = now_ms();
        c = client_open();
        CHECK(closed_by_peer(c));
        double dt = now_ms() - t0;
        CHECK(dt >= 250 && dt < 2000);
        client_close(c);
        t0 = now_ms();
        c = client_open();
        send_str(c, "GET / HTTP/1.1\r\nHost:");
        CHECK(closed_by_peer(c));
        dt = now_ms() - t0;
        CHECK(dt >= 250 && dt < 2000);
        client_close(c);
    }

    /* SIGHUP reloads on the server's main thread */
    kill(getpid(), SIGHUP);
    for (int i = 0; i < 100 && atomic_load(&reloads) == 0; i++)
        usleep(10000);
    CHECK(atomic_load(&reloads) == 1);

    /* clean stop: an idle keep-alive connection is closed, a request in flight is
     * answered first (with Connection: close) */
    c = client_open();
    send_str(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_response(c, &R, false) && R.status == 200);
    struct client *busy = client_open();
    send_str(busy, "GET /news/last HTTP/1.1\r\n");
    usleep(50000);
    http_server_stop(srv);
    CHECK(closed_by_peer(c));
    client_close(c);
    send_str(busy, "Host: x\r\n\r\n");
    CHECK(read_response(busy, &R, false) && R.status == 200);
    CHECK(R.body_len == 4 && memcmp(R.body, "last", 4) == 0);
    CHECK(header_is(&R, "Connection", "close"));
    CHECK(closed_by_peer(busy));
    client_close(busy);
    pthread_join(st.thread, NULL);
    CHECK(st.result == ERR_OK);

    http_router_free(router);
    return check_done();
}
