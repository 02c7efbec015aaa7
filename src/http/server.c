/* server.c: start-up and shutdown. The main thread binds one listening socket per loop
 * (SO_REUSEPORT spreads connections), starts the loop threads and then runs its own
 * small loop that only waits for signals and http_server_stop. Stopping is two-phase:
 * every loop closes its listener and idle connections, waits up to HTTP__GRACE_MS for
 * requests in flight, then ends; the main thread joins the threads and frees all. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "http/http_internal.h"

static atomic_uint_fast64_t request_counter;

uint64_t http__next_request_id(void)
{
    return atomic_fetch_add_explicit(&request_counter, 1, memory_order_relaxed) + 1;
}

/* raise_nofile lifts the descriptor limit to the hard limit: each connection holds one,
 * and the distribution default of 1024 runs out under a thousand slow clients long
 * before memory does. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
        return;
    rlim_t was = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
        log_info("descriptor limit raised from %llu to %llu", (unsigned long long)was,
                 (unsigned long long)rl.rlim_cur);
}

/* open_listener creates, binds and listens; returns the fd or -1 (errno kept). */
static int open_listener(const struct sockaddr *sa, socklen_t len)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
        bind(fd, sa, len) != 0 || listen(fd, 1024) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* address_taken tells whether another socket already listens on the address. The loops'
 * listeners share the port through SO_REUSEPORT, which would just as gladly let a second
 * visnyk process (a restart that overlapped, a copy started by hand) join: the kernel
 * then spreads readers over two processes, each with its own page cache, and an editor's
 * invalidation reaches only the one that took the save, so the other keeps answering
 * old pages. A probe without SO_REUSEPORT cannot bind next to a listener, so it finds
 * such a process before we join it. */
static bool address_taken(const struct sockaddr *sa, socklen_t len)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false; /* the real bind reports what is wrong */
    int one = 1;
    bool taken = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
                 bind(fd, sa, len) != 0 && errno == EADDRINUSE;
    close(fd);
    return taken;
}

static void loop_close_cb(uv_handle_t *h)
{
    (void)h;
}

void http__loop_maybe_done(struct http_loop *lp)
{
    if (!lp->stopping || lp->n_conns > 0 || lp->handles_closed)
        return;
    lp->handles_closed = true;
    uv_close((uv_handle_t *)&lp->stop_async, loop_close_cb);
    uv_close((uv_handle_t *)&lp->grace_timer, loop_close_cb);
    if (!uv_is_closing((uv_handle_t *)&lp->listener))
        uv_close((uv_handle_t *)&lp->listener, loop_close_cb);
}

static void on_grace_over(uv_timer_t *t)
{
    struct http_loop *lp = t->data;
    log_warn("shutdown grace period over, closing %zu connections", lp->n_conns);
    http__conn_close_all(lp);
}

static void on_loop_stop(uv_async_t *a)
{
    struct http_loop *lp = a->data;
    if (lp->stopping)
        return;
    lp->stopping = true;
    if (!uv_is_closing((uv_handle_t *)&lp->listener))
        uv_close((uv_handle_t *)&lp->listener, loop_close_cb);
    http__conn_stop_idle(lp);
    if (lp->n_conns > 0)
        uv_timer_start(&lp->grace_timer, on_grace_over, HTTP__GRACE_MS, 0);
    http__loop_maybe_done(lp);
}

static void *loop_thread(void *arg)
{
    struct http_loop *lp = arg;
    struct http_server *srv = lp->srv;
    if (srv->cfg.thread_init)
        lp->thread_ctx = srv->cfg.thread_init(srv->cfg.app);
    uv_timer_init(&lp->uv, &lp->grace_timer);
    lp->grace_timer.data = lp;
    uv_tcp_init(&lp->uv, &lp->listener);
    lp->listener.data = lp;
    int r = uv_tcp_open(&lp->listener, lp->fd);
    if (r == 0) {
        lp->fd = -1; /* libuv owns it now */
        r = uv_listen((uv_stream_t *)&lp->listener, 1024, http__conn_accept);
    }
    if (r != 0) {
        log_error("listen failed: %s", uv_strerror(r));
        uv_close((uv_handle_t *)&lp->listener, loop_close_cb);
    }
    uv_run(&lp->uv, UV_RUN_DEFAULT);
    if (lp->z_ready)
        deflateEnd(&lp->z);
    while (lp->n_arena_pool > 0)
        arena_free(lp->arena_pool[--lp->n_arena_pool]);
    if (srv->cfg.thread_done)
        srv->cfg.thread_done(lp->thread_ctx);
    return NULL;
}

/* begin_stop runs on the main loop: tells every loop to stop and lets the main loop end. */
static void begin_stop(struct http_server *srv)
{
    http__warm_stopping(srv->warm);
    for (unsigned i = 0; i < srv->n_loops; i++)
        if (srv->loops[i] && srv->loops[i]->thread_started)
            uv_async_send(&srv->loops[i]->stop_async);
    uv_close((uv_handle_t *)&srv->main_async, NULL);
    uv_close((uv_handle_t *)&srv->sig_int, NULL);
    uv_close((uv_handle_t *)&srv->sig_term, NULL);
    uv_close((uv_handle_t *)&srv->sig_hup, NULL);
}

static void on_main_async(uv_async_t *a)
{
    struct http_server *srv = a->data;
    if (atomic_load(&srv->stop_requested))
        begin_stop(srv);
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct http_server *srv = s->data;
    if (signum == SIGHUP) {
        log_info("reload requested");
        if (srv->on_reload)
            srv->on_reload(srv->cfg.app);
        /* cached pages name the old theme's hashed stylesheet, which now answers 404:
         * every page goes (and the CDN's copies with the "site" key) */
        http_cache_clear(srv);
        return;
    }
    log_info("stopping on signal %d", signum);
    int expected = 0;
    if (atomic_compare_exchange_strong(&srv->stop_requested, &expected, 1))
        begin_stop(srv);
}

void http_server_stop(struct http_server *srv)
{
    int expected = 0;
    if (srv && atomic_compare_exchange_strong(&srv->stop_requested, &expected, 1))
        uv_async_send(&srv->main_async);
}

uint16_t http_server_port(const struct http_server *srv)
{
    return srv->port;
}

void http_cache_invalidate(struct http_server *srv, struct str key)
{
    if (srv && srv->cache) {
        http__pagecache_invalidate(srv->cache, key);
        http__warm_poke(srv->warm);
    }
    if (srv && srv->cfg.on_invalidate)
        srv->cfg.on_invalidate(srv->cfg.invalidate_ctx, key);
}

void http_cache_clear(struct http_server *srv)
{
    if (srv && srv->cache) {
        http__pagecache_clear(srv->cache);
        http__warm_poke(srv->warm);
    }
    /* every cacheable page carries the key "site", so a CDN drops them all by it */
    if (srv && srv->cfg.on_invalidate)
        srv->cfg.on_invalidate(srv->cfg.invalidate_ctx, STR_LIT("site"));
}

static enum err parse_addr(const char *host, uint16_t port, struct sockaddr_storage *ss,
                           socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    if (strchr(host, ':')) {
        if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) != 0)
            return ERR_INVALID;
        *len = sizeof(struct sockaddr_in6);
    } else {
        if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) != 0)
            return ERR_INVALID;
        *len = sizeof(struct sockaddr_in);
    }
    return ERR_OK;
}

static void server_free(struct http_server *srv)
{
    for (unsigned i = 0; i < srv->n_loops; i++) {
        struct http_loop *lp = srv->loops[i];
        if (!lp)
            continue;
        if (lp->fd >= 0)
            close(lp->fd);
        free(lp);
    }
    free(srv->loops);
    http__pagecache_free(srv->cache);
    http__ratelimit_free(srv->ratelimit);
    free(srv);
}

/* apply_defaults fills what the caller left 0 in the server's copy of its config. */
static void apply_defaults(struct http_server *srv)
{
    struct http_config *c = &srv->cfg;
    if (!c->host)
        c->host = "127.0.0.1";
    if (!c->max_body_bytes)
        c->max_body_bytes = HTTP_MAX_BODY_BYTES;
    if (!c->header_timeout_ms)
        c->header_timeout_ms = HTTP_HEADER_TIMEOUT_MS;
    if (!c->body_timeout_ms)
        c->body_timeout_ms = HTTP_BODY_TIMEOUT_MS;
    if (!c->keepalive_timeout_ms)
        c->keepalive_timeout_ms = HTTP_KEEPALIVE_TIMEOUT_MS;
    srv->max_header_bytes = c->max_header_bytes ? c->max_header_bytes : HTTP_MAX_HEADER_BYTES;
    srv->max_connections = c->max_connections ? c->max_connections : HTTP_MAX_CONNECTIONS;
    if (!c->stale_max_seconds)
        c->stale_max_seconds = HTTP_STALE_MAX_S;
    if (!c->body_memory_max)
        c->body_memory_max = HTTP_BODY_MEMORY_MAX;
    if (!c->body_spool_max)
        c->body_spool_max = HTTP_BODY_SPOOL_MAX;
    if (!c->response_memory_max)
        c->response_memory_max = HTTP_RESPONSE_MEMORY_MAX;
    if (!c->min_body_bytes_per_sec)
        c->min_body_bytes_per_sec = HTTP_MIN_BODY_BYTES_PER_SEC;
    if (!c->min_body_rate_grace_s)
        c->min_body_rate_grace_s = HTTP_MIN_BODY_RATE_GRACE_S;
    /* query_renders_per_second 0 stays 0: no bound (benchmarks, tests) */
    if (!c->cache_max_age && !c->cache_s_maxage && !c->cache_swr && !c->cache_sie) {
        c->cache_s_maxage = c->cache_swr = 60;
        c->cache_sie = 86400;
    }
}

/* bind_loops gives each loop its own listening socket on the address (SO_REUSEPORT: the
 * kernel spreads connections); with port 0, the port the first one got. ERR_IO when a
 * socket cannot be opened or bound; the loops made so far are freed by the caller. */
static enum err bind_loops(struct http_server *srv, struct sockaddr_storage *ss, socklen_t sslen)
{
    const struct http_config *c = &srv->cfg;
    for (unsigned i = 0; i < srv->n_loops; i++) {
        struct http_loop *lp = calloc(1, sizeof(*lp));
        if (!lp)
            abort();
        lp->fd = -1;
        lp->srv = srv;
        lp->date_sec = -1;
        srv->loops[i] = lp;
        lp->fd = open_listener((struct sockaddr *)ss, sslen);
        if (lp->fd < 0) {
            log_error("cannot bind %s:%u: %s", c->host, (unsigned)c->port, strerror(errno));
            return ERR_IO;
        }
        if (i == 0) {
            /* port 0: every further socket must join the port the kernel chose */
            struct sockaddr_storage got;
            socklen_t gl = sizeof(got);
            if (getsockname(lp->fd, (struct sockaddr *)&got, &gl) != 0)
                return ERR_IO;
            uint16_t port = got.ss_family == AF_INET6
                                ? ntohs(((struct sockaddr_in6 *)&got)->sin6_port)
                                : ntohs(((struct sockaddr_in *)&got)->sin_port);
            srv->port = port;
            if (ss->ss_family == AF_INET6)
                ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
            else
                ((struct sockaddr_in *)ss)->sin_port = htons(port);
        }
    }
    return ERR_OK;
}

enum err http_server_run(const struct http_config *cfg, void (*on_reload)(void *app),
                         struct http_server **started)
{
    enum err e = ERR_OK;
    struct http_server *srv = calloc(1, sizeof(*srv));
    if (!srv)
        abort();
    srv->cfg = *cfg;
    struct http_config *c = &srv->cfg;
    apply_defaults(srv);
    srv->on_reload = on_reload;
    atomic_init(&srv->stop_requested, 0);
    if (c->page_cache)
        srv->cache = http__pagecache_new(c->page_cache_max_bytes);
    atomic_init(&srv->body_mem, 0);
    atomic_init(&srv->body_spool, 0);
    atomic_init(&srv->resp_mem, 0);
    srv->ratelimit = http__ratelimit_new(c->max_conns_per_ip, c->requests_per_ip_per_second,
                                         c->request_burst, c->limit_loopback, c->trusted_proxies);
    raise_nofile();

    unsigned n = c->threads ? c->threads : uv_available_parallelism();
    if (n == 0)
        n = 1;
    srv->loops = calloc(n, sizeof(*srv->loops));
    if (!srv->loops)
        abort();
    srv->n_loops = n;

    /* a peer closing mid-write must give EPIPE, not kill the process */
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_storage ss;
    socklen_t sslen;
    if (parse_addr(c->host, c->port, &ss, &sslen) != ERR_OK) {
        log_error("bad listen address: %s", c->host);
        e = ERR_INVALID;
        goto out_free;
    }
    if (c->port != 0 && address_taken((struct sockaddr *)&ss, sslen)) {
        log_error("cannot bind %s:%u: the address is in use (another visnyk serving it? two "
                  "processes would keep two page caches)",
                  c->host, (unsigned)c->port);
        e = ERR_IO;
        goto out_free;
    }
    e = bind_loops(srv, &ss, sslen);
    if (e != ERR_OK)
        goto out_free;

    uv_loop_init(&srv->main_loop);
    uv_async_init(&srv->main_loop, &srv->main_async, on_main_async);
    srv->main_async.data = srv;
    uv_signal_init(&srv->main_loop, &srv->sig_int);
    uv_signal_init(&srv->main_loop, &srv->sig_term);
    uv_signal_init(&srv->main_loop, &srv->sig_hup);
    srv->sig_int.data = srv->sig_term.data = srv->sig_hup.data = srv;
    uv_signal_start(&srv->sig_int, on_signal, SIGINT);
    uv_signal_start(&srv->sig_term, on_signal, SIGTERM);
    uv_signal_start(&srv->sig_hup, on_signal, SIGHUP);

    for (unsigned i = 0; i < n; i++) {
        struct http_loop *lp = srv->loops[i];
        uv_loop_init(&lp->uv);
        uv_async_init(&lp->uv, &lp->stop_async, on_loop_stop);
        lp->stop_async.data = lp;
        if (pthread_create(&lp->thread, NULL, loop_thread, lp) != 0) {
            log_error("cannot start loop thread");
            uv_close((uv_handle_t *)&lp->stop_async, NULL);
            uv_run(&lp->uv, UV_RUN_DEFAULT);
            uv_loop_close(&lp->uv);
            srv->loops[i] = NULL;
            if (lp->fd >= 0)
                close(lp->fd);
            free(lp);
            atomic_store(&srv->stop_requested, 1);
            begin_stop(srv);
            e = ERR_IO;
            break;
        }
        lp->thread_started = true;
    }
    log_info("listening on %s:%u with %u loops", c->host, (unsigned)srv->port, n);

    /* From here another thread may call http_server_stop, http_server_port and
     * http_cache_*; the pointer stays valid until this function returns. */
    if (started)
        __atomic_store_n(started, srv, __ATOMIC_RELEASE);
    if (e == ERR_OK && srv->cfg.on_start)
        srv->cfg.on_start(srv, srv->cfg.app);
    if (e == ERR_OK)
        srv->warm = http__warm_start(srv);

    uv_run(&srv->main_loop, UV_RUN_DEFAULT);

    for (unsigned i = 0; i < n; i++) {
        struct http_loop *lp = srv->loops[i];
        if (!lp || !lp->thread_started)
            continue;
        pthread_join(lp->thread, NULL);
        uv_run(&lp->uv, UV_RUN_DEFAULT); /* finish close callbacks, if any */
        if (uv_loop_close(&lp->uv) != 0)
            log_warn("loop closed with open handles");
    }
    /* after the loops: a request of the warmer's in flight has ended with them */
    http__warm_free(srv->warm);
    srv->warm = NULL;
    uv_loop_close(&srv->main_loop);
    if (e == ERR_OK && srv->cfg.on_stop)
        srv->cfg.on_stop(srv->cfg.app);
    log_info("server stopped");
out_free:
    server_free(srv);
    return e;
}
