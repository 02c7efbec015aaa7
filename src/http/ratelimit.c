/* ratelimit.c: per-client-IP limits on open connections and on the request rate (a
 * token bucket), shared by every loop thread (SO_REUSEPORT spreads one client's
 * connections over all loops). The table is split into shards, each with its own mutex,
 * so loops rarely wait for each other; a shard holds at most a bounded number of
 * addresses, and when an attacker with many addresses fills it, idle entries are swept
 * and, failing that, new addresses are let through unlimited rather than refused (the
 * per-loop connection cap still holds). Requests are counted for the client behind
 * trusted proxies (proxy.c resolves it); connections for the peer, and trusted proxies
 * are exempt from the connection limit since they carry everybody's connections.
 * Loopback clients are limited like any other unless limit_loopback is off (tests and
 * benchmarks hammer loopback). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/http_internal.h"

#define RL_SHARDS 64
#define RL_SHARD_MAX 4096 /* addresses per shard: 256k in all */
#define RL_BUCKETS 1024   /* hash chains per shard */

struct rl_entry {
    struct rl_entry *next;
    char ip[46];
    unsigned conns;
    double tokens;
    int64_t refill_ms; /* when tokens was last brought up to date */
};

struct rl_shard {
    pthread_mutex_t mu;
    struct rl_entry *buckets[RL_BUCKETS];
    size_t n;
};

struct http__ratelimit {
    unsigned max_conns; /* 0 = no connection limit */
    double rate;        /* tokens per second; 0 = no request limit */
    double burst;
    bool limit_loopback;
    const struct http_proxies *proxies; /* borrowed; exempt from the connection limit */
    struct rl_shard shards[RL_SHARDS];
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool http__ip_is_loopback(const char *ip)
{
    return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
           strncmp(ip, "::ffff:127.", 11) == 0;
}

struct http__ratelimit *http__ratelimit_new(unsigned max_conns, double rate, unsigned burst,
                                            bool limit_loopback, const struct http_proxies *proxies)
{
    if (max_conns == 0 && rate <= 0)
        return NULL;
    struct http__ratelimit *rl = calloc(1, sizeof(*rl));
    if (!rl)
        abort();
    rl->max_conns = max_conns;
    rl->rate = rate > 0 ? rate : 0;
    /* a page pulls its CSS, favicon and a few images at once: allow a burst */
    rl->burst = burst ? (double)burst : (rate * 2 > 10 ? rate * 2 : 10);
    rl->limit_loopback = limit_loopback;
    rl->proxies = proxies;
    for (size_t i = 0; i < RL_SHARDS; i++)
        pthread_mutex_init(&rl->shards[i].mu, NULL);
    return rl;
}

void http__ratelimit_free(struct http__ratelimit *rl)
{
    if (!rl)
        return;
    for (size_t i = 0; i < RL_SHARDS; i++) {
        struct rl_shard *sh = &rl->shards[i];
        for (size_t b = 0; b < RL_BUCKETS; b++) {
            struct rl_entry *e = sh->buckets[b];
            while (e) {
                struct rl_entry *next = e->next;
                free(e);
                e = next;
            }
        }
        pthread_mutex_destroy(&sh->mu);
    }
    free(rl);
}

static void refill(const struct http__ratelimit *rl, struct rl_entry *e, int64_t now)
{
    if (rl->rate <= 0)
        return;
    double add = (double)(now - e->refill_ms) * rl->rate / 1000.0;
    e->tokens = e->tokens + add > rl->burst ? rl->burst : e->tokens + add;
    e->refill_ms = now;
}

/* sweep_locked drops entries with no connection whose bucket is full again: they hold
 * nothing a new entry would not. */
static void sweep_locked(const struct http__ratelimit *rl, struct rl_shard *sh, int64_t now)
{
    for (size_t b = 0; b < RL_BUCKETS; b++) {
        struct rl_entry **pp = &sh->buckets[b];
        while (*pp) {
            struct rl_entry *e = *pp;
            refill(rl, e, now);
            if (e->conns == 0 && (rl->rate <= 0 || e->tokens >= rl->burst)) {
                *pp = e->next;
                free(e);
                sh->n--;
            } else {
                pp = &e->next;
            }
        }
    }
}

/* find_locked returns ip's entry, creating it; NULL when the shard is full. */
static struct rl_entry *find_locked(struct http__ratelimit *rl, struct rl_shard *sh, const char *ip,
                                    uint64_t h, int64_t now)
{
    size_t b = (size_t)(h >> 8) % RL_BUCKETS;
    for (struct rl_entry *e = sh->buckets[b]; e; e = e->next)
        if (strcmp(e->ip, ip) == 0)
            return e;
    if (sh->n >= RL_SHARD_MAX) {
        sweep_locked(rl, sh, now);
        if (sh->n >= RL_SHARD_MAX)
            return NULL;
    }
    struct rl_entry *e = calloc(1, sizeof(*e));
    if (!e)
        abort();
    size_t len = strnlen(ip, sizeof(e->ip) - 1);
    memcpy(e->ip, ip, len);
    e->tokens = rl->burst;
    e->refill_ms = now;
    e->next = sh->buckets[b];
    sh->buckets[b] = e;
    sh->n++;
    return e;
}

static struct rl_shard *shard_of(struct http__ratelimit *rl, const char *ip, uint64_t *h)
{
    *h = str_hash(str_from_cstr(ip));
    return &rl->shards[*h % RL_SHARDS];
}

static bool exempt(const struct http__ratelimit *rl, const char *ip)
{
    return ip[0] == '\0' || (!rl->limit_loopback && http__ip_is_loopback(ip));
}

bool http__ratelimit_conn_open(struct http__ratelimit *rl, const char *ip, bool *counted)
{
    *counted = false;
    if (!rl || rl->max_conns == 0 || exempt(rl, ip) || http__proxies_match(rl->proxies, ip))
        return true;
    uint64_t h;
    struct rl_shard *sh = shard_of(rl, ip, &h);
    bool ok = true;
    pthread_mutex_lock(&sh->mu);
    struct rl_entry *e = find_locked(rl, sh, ip, h, now_ms());
    if (e) {
        if (e->conns >= rl->max_conns) {
            ok = false;
        } else {
            e->conns++;
            *counted = true;
        }
    }
    pthread_mutex_unlock(&sh->mu);
    return ok;
}

void http__ratelimit_conn_close(struct http__ratelimit *rl, const char *ip)
{
    if (!rl)
        return;
    uint64_t h;
    struct rl_shard *sh = shard_of(rl, ip, &h);
    pthread_mutex_lock(&sh->mu);
    size_t b = (size_t)(h >> 8) % RL_BUCKETS;
    for (struct rl_entry *e = sh->buckets[b]; e; e = e->next) {
        if (strcmp(e->ip, ip) == 0) {
            if (e->conns > 0)
                e->conns--;
            break;
        }
    }
    pthread_mutex_unlock(&sh->mu);
}

bool http__ratelimit_request(struct http__ratelimit *rl, const char *ip, unsigned *retry_after)
{
    *retry_after = 0;
    if (!rl || rl->rate <= 0 || exempt(rl, ip))
        return true;
    uint64_t h;
    struct rl_shard *sh = shard_of(rl, ip, &h);
    bool ok = true;
    int64_t now = now_ms();
    pthread_mutex_lock(&sh->mu);
    struct rl_entry *e = find_locked(rl, sh, ip, h, now);
    if (e) {
        refill(rl, e, now);
        if (e->tokens >= 1.0) {
            e->tokens -= 1.0;
        } else {
            ok = false;
            double wait = (1.0 - e->tokens) / rl->rate;
            unsigned secs = wait > 3600 ? 3600 : (unsigned)wait;
            if ((double)secs < wait)
                secs++; /* round up: coming back early only earns another 429 */
            *retry_after = secs < 1 ? 1 : secs;
        }
    }
    pthread_mutex_unlock(&sh->mu);
    return ok;
}
