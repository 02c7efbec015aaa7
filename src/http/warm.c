/* warm.c: the page warmer. After the server starts and after each burst of
 * invalidations, a thread asks the server itself, over loopback, for the pages readers
 * open first (http_config.warm_paths: the home page, the news list, the newest articles),
 * so that the page cache holds them before a reader asks: the first reader after a
 * publication gets a hit instead of waiting for a render, and a node that has just
 * started serves its front pages from memory at once.
 *
 * The requests take the readers' own path on purpose: the same handlers, cache keys and
 * freshness rule (a page rendered from a snapshot older than an invalidation is never
 * stored), so warming can never put a page in the cache that a reader could not have put
 * there. They carry a per-process token (http__warm_exempt) that exempts them from the
 * per-address request limit, which loopback is subject to by default. Each request is
 * one connection with Connection: close, read to its end and thrown away: nothing here
 * parses HTTP beyond the status code. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "http/http_internal.h"

/* Invalidations come in bursts (a save invalidates the article, its tags, departments
 * and the lists): wait until none came for this long, then warm once. */
#define WARM_QUIET_MS 150
#define WARM_TIMEOUT_S 10 /* per request: a render under load, not a stuck server */
#define WARM_MAX_PATHS 64

struct http__warm {
    struct http_server *srv;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool poked, stopping;
    char token[HTTP__WARM_TOKEN_LEN + 1];
};

/* connect_self opens a blocking connection to the server's own listening address (the
 * loopback address of its family when it listens on every address). */
static int connect_self(const struct http_server *srv)
{
    const char *host = srv->cfg.host;
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    if (strchr(host, ':') != NULL) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(srv->port);
        if (strcmp(host, "::") == 0 || inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(srv->port);
        if (strcmp(host, "0.0.0.0") == 0 || inet_pton(AF_INET, host, &a->sin_addr) != 1)
            a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = WARM_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* warm_one requests path and reads the answer to its end; its status code, or 0 when
 * the request could not be made. */
static int warm_one(struct http__warm *w, struct str path)
{
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET %.*s HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n"
                     "X-Visnyk-Warm: %s\r\nConnection: close\r\n\r\n",
                     (int)path.len, path.ptr, w->token);
    if (n < 0 || (size_t)n >= sizeof req)
        return 0;
    int fd = connect_self(w->srv);
    if (fd < 0)
        return 0;
    int status = 0;
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) == n) {
        char buf[16384];
        size_t got = 0;
        for (;;) {
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            /* "HTTP/1.1 200 ...": the status is in the first bytes of the first read */
            if (got == 0 && r >= 12 && memcmp(buf, "HTTP/1.", 7) == 0)
                status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
            got += (size_t)r;
        }
    }
    close(fd);
    return status;
}

static void warm_all(struct http__warm *w)
{
    struct arena *a = arena_new(8192);
    struct str *paths = NULL;
    size_t n = 0;
    if (w->srv->cfg.warm_paths(w->srv->cfg.app, a, &paths, &n) != ERR_OK) {
        log_warn("page warmer: cannot list the pages to warm; trying again after the next "
                 "change");
        arena_free(a);
        return;
    }
    size_t ok = 0;
    for (size_t i = 0; i < n && i < WARM_MAX_PATHS; i++) {
        pthread_mutex_lock(&w->mu);
        bool stop = w->stopping;
        pthread_mutex_unlock(&w->mu);
        if (stop)
            break;
        if (warm_one(w, paths[i]) == 200)
            ok++;
    }
    log_msg(LOG_DEBUG, 0, "page warmer: %zu of %zu pages rendered or already cached", ok, n);
    arena_free(a);
}

static void *warm_thread(void *arg)
{
    struct http__warm *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->poked && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stopping)
            break;
        /* the burst is over when no poke came during a quiet interval */
        while (w->poked && !w->stopping) {
            w->poked = false;
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += WARM_QUIET_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            while (!w->poked && !w->stopping &&
                   pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT) {
            }
        }
        if (w->stopping)
            break;
        pthread_mutex_unlock(&w->mu);
        warm_all(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

struct http__warm *http__warm_start(struct http_server *srv)
{
    if (srv->cfg.warm_paths == NULL || srv->cache == NULL)
        return NULL;
    struct http__warm *w = calloc(1, sizeof *w);
    if (w == NULL)
        abort();
    w->srv = srv;
    unsigned char raw[HTTP__WARM_TOKEN_LEN / 2];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        log_warn("page warmer: no random token; pages are rendered when first asked");
        free(w);
        return NULL;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(w->token + 2 * i, 3, "%02x", raw[i]);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->poked = true; /* warm once at start */
    if (pthread_create(&w->thread, NULL, warm_thread, w) != 0) {
        log_warn("page warmer: cannot start its thread; pages are rendered when first asked");
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

void http__warm_poke(struct http__warm *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->poked = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void http__warm_stopping(struct http__warm *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void http__warm_free(struct http__warm *w)
{
    if (w == NULL)
        return;
    http__warm_stopping(w);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

bool http__warm_exempt(const struct http__warm *w, const char *peer_ip, struct str header)
{
    if (w == NULL || header.len != HTTP__WARM_TOKEN_LEN)
        return false;
    if (strcmp(peer_ip, "127.0.0.1") != 0 && strcmp(peer_ip, "::1") != 0)
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < HTTP__WARM_TOKEN_LEN; i++)
        diff |= (unsigned char)(header.ptr[i] ^ w->token[i]);
    return diff == 0;
}
