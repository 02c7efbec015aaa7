/* pagecache.c: prebuilt responses shared by every loop thread. One mutex guards the
 * hash table and the LRU list; pages are immutable once inserted and reference counted
 * with atomics, so a loop can keep sending a page that a writer has just dropped.
 * Invalidation scans every page's dependency keys: editors write rarely, readers hit
 * often, and a scan of a few thousand pages takes well under a millisecond. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "http/http_internal.h"

struct http_pagecache {
    pthread_mutex_t mu;
    struct http_page **buckets;
    size_t n_buckets; /* power of two */
    size_t n_pages;
    /* Two parts, each its own LRU list and bound: [0] pages, [1] open-ended variants
     * (page->variant), so a flood of new variants evicts only other variants. */
    size_t bytes[2], max_bytes[2];
    struct http_page *lru_head[2], *lru_tail[2]; /* head = most recently used */
    size_t n_stale;
    uint64_t evictions; /* pages dropped for room (metrics), under mu */
    atomic_uint_fast64_t epoch;
    _Atomic int64_t invalidated_at; /* wall-clock seconds */
};

static int64_t mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        abort();
    return p;
}

struct http_pagecache *http__pagecache_new(size_t max_bytes)
{
    struct http_pagecache *pc = xcalloc(1, sizeof(*pc));
    pthread_mutex_init(&pc->mu, NULL);
    pc->n_buckets = 1024;
    pc->buckets = xcalloc(pc->n_buckets, sizeof(*pc->buckets));
    size_t total = max_bytes ? max_bytes : HTTP__DEFAULT_CACHE_BYTES;
    pc->max_bytes[1] = total / HTTP_CACHE_VARIANT_SHARE;
    pc->max_bytes[0] = total - pc->max_bytes[1];
    atomic_init(&pc->epoch, 0);
    return pc;
}

static atomic_long memfds_open;

void http__variant_memfd(struct http_page_variant *v)
{
    static atomic_long budget = -1;
    long limit = atomic_load(&budget);
    if (limit < 0) {
        struct rlimit rl;
        limit = 64;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
            limit = (long)(rl.rlim_cur / 4);
        atomic_store(&budget, limit); /* every thread computes the same value */
    }
    if (!v->bytes)
        return;
    if (atomic_fetch_add(&memfds_open, 1) >= limit)
        goto refuse;
    int fd = memfd_create("visnyk-page", MFD_CLOEXEC);
    if (fd < 0)
        goto refuse;
    size_t off = 0;
    while (off < v->len) {
        ssize_t w = write(fd, v->bytes + off, v->len - off);
        if (w <= 0) {
            close(fd);
            goto refuse;
        }
        off += (size_t)w;
    }
    v->fd = fd;
    return;
refuse:
    atomic_fetch_sub(&memfds_open, 1);
}

static void page_free(struct http_page *p)
{
    for (int i = 0; i < 2; i++) {
        if (p->v[i].fd >= 0) {
            close(p->v[i].fd);
            atomic_fetch_sub(&memfds_open, 1);
        }
        free(p->v[i].bytes);
        free(p->v[i].nm);
        free((void *)p->v[i].etag.ptr);
    }
    for (size_t i = 0; i < p->n_deps; i++)
        free((void *)p->deps[i].ptr);
    free(p->deps);
    free(p->dep_hash);
    free(p->key);
    free(p);
}

void http__page_release(struct http_page *p)
{
    if (p && atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1)
        page_free(p);
}

static char *dup_bytes(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        abort();
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

struct http_page *http__page_new(struct str key, const struct str *deps, size_t n_deps)
{
    struct http_page *p = xcalloc(1, sizeof(*p));
    atomic_init(&p->refs, 1);
    p->v[0].fd = p->v[1].fd = -1;
    p->key = dup_bytes(key.ptr, key.len);
    p->key_len = key.len;
    p->hash = str_hash(key);
    p->deps = xcalloc(n_deps, sizeof(*p->deps));
    p->dep_hash = xcalloc(n_deps, sizeof(*p->dep_hash));
    for (size_t i = 0; i < n_deps; i++) {
        p->deps[i] = str_make(dup_bytes(deps[i].ptr, deps[i].len), deps[i].len);
        p->dep_hash[i] = str_hash(deps[i]);
    }
    p->n_deps = n_deps;
    return p;
}

void http__page_seal(struct http_page *p)
{
    size_t cost = sizeof(*p) + p->key_len;
    for (int i = 0; i < 2; i++)
        cost += p->v[i].len + p->v[i].nm_len + p->v[i].etag.len;
    for (size_t i = 0; i < p->n_deps; i++)
        cost += p->deps[i].len + sizeof(struct str) + sizeof(uint64_t);
    p->cost = cost;
}

static void lru_unlink(struct http_pagecache *pc, struct http_page *p)
{
    int part = p->variant;
    if (p->lru_prev)
        p->lru_prev->lru_next = p->lru_next;
    else
        pc->lru_head[part] = p->lru_next;
    if (p->lru_next)
        p->lru_next->lru_prev = p->lru_prev;
    else
        pc->lru_tail[part] = p->lru_prev;
    p->lru_prev = p->lru_next = NULL;
}

static void lru_push_front(struct http_pagecache *pc, struct http_page *p)
{
    int part = p->variant;
    p->lru_prev = NULL;
    p->lru_next = pc->lru_head[part];
    if (pc->lru_head[part])
        pc->lru_head[part]->lru_prev = p;
    pc->lru_head[part] = p;
    if (!pc->lru_tail[part])
        pc->lru_tail[part] = p;
}

/* remove_locked unlinks p and drops the cache's reference. */
static void remove_locked(struct http_pagecache *pc, struct http_page *p)
{
    struct http_page **pp = &pc->buckets[p->hash & (pc->n_buckets - 1)];
    while (*pp && *pp != p)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = p->hnext;
    p->hnext = NULL;
    lru_unlink(pc, p);
    p->in_cache = false;
    if (p->stale)
        pc->n_stale--;
    pc->bytes[p->variant] -= p->cost;
    pc->n_pages--;
    http__page_release(p);
}

static struct http_page *find_locked(struct http_pagecache *pc, struct str key, uint64_t h)
{
    for (struct http_page *p = pc->buckets[h & (pc->n_buckets - 1)]; p; p = p->hnext)
        if (p->hash == h && p->key_len == key.len && memcmp(p->key, key.ptr, key.len) == 0)
            return p;
    return NULL;
}

static void grow_locked(struct http_pagecache *pc)
{
    size_t n = pc->n_buckets * 2;
    struct http_page **b = xcalloc(n, sizeof(*b));
    for (size_t i = 0; i < pc->n_buckets; i++) {
        struct http_page *p = pc->buckets[i];
        while (p) {
            struct http_page *next = p->hnext;
            p->hnext = b[p->hash & (n - 1)];
            b[p->hash & (n - 1)] = p;
            p = next;
        }
    }
    free(pc->buckets);
    pc->buckets = b;
    pc->n_buckets = n;
}

struct http_page *http__pagecache_get(struct http_pagecache *pc, struct str key)
{
    uint64_t h = str_hash(key);
    pthread_mutex_lock(&pc->mu);
    struct http_page *p = find_locked(pc, key, h);
    if (p && p->stale)
        p = NULL;
    if (p) {
        atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
        if (pc->lru_head[p->variant] != p) {
            lru_unlink(pc, p);
            lru_push_front(pc, p);
        }
    }
    pthread_mutex_unlock(&pc->mu);
    return p;
}

struct http_page *http__pagecache_get_stale(struct http_pagecache *pc, struct str key,
                                            unsigned max_age_s)
{
    uint64_t h = str_hash(key);
    pthread_mutex_lock(&pc->mu);
    struct http_page *p = find_locked(pc, key, h);
    if (p && p->stale && mono_seconds() - p->stale_since > (int64_t)max_age_s)
        p = NULL;
    if (p)
        atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&pc->mu);
    return p;
}

bool http__pagecache_put(struct http_pagecache *pc, struct http_page *p, uint64_t epoch)
{
    int part = p->variant;
    if (p->cost > pc->max_bytes[part] / 4)
        return false;
    bool ok = false;
    pthread_mutex_lock(&pc->mu);
    if (atomic_load(&pc->epoch) != epoch)
        goto out;
    struct http_page *old = find_locked(pc, str_make(p->key, p->key_len), p->hash);
    if (old)
        remove_locked(pc, old);
    while (pc->bytes[part] + p->cost > pc->max_bytes[part] && pc->lru_tail[part]) {
        remove_locked(pc, pc->lru_tail[part]);
        pc->evictions++;
    }
    if (pc->n_pages >= pc->n_buckets)
        grow_locked(pc);
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    size_t b = p->hash & (pc->n_buckets - 1);
    p->hnext = pc->buckets[b];
    pc->buckets[b] = p;
    lru_push_front(pc, p);
    p->in_cache = true;
    pc->bytes[part] += p->cost;
    pc->n_pages++;
    ok = true;
out:
    pthread_mutex_unlock(&pc->mu);
    return ok;
}

void http__pagecache_invalidate(struct http_pagecache *pc, struct str key)
{
    uint64_t h = str_hash(key);
    pthread_mutex_lock(&pc->mu);
    atomic_fetch_add(&pc->epoch, 1);
    atomic_store(&pc->invalidated_at, (int64_t)time(NULL));
    for (int part = 0; part < 2; part++) {
        for (struct http_page *p = pc->lru_head[part]; p; p = p->lru_next) {
            for (size_t i = 0; !p->stale && i < p->n_deps; i++) {
                if (p->dep_hash[i] == h && str_eq(p->deps[i], key)) {
                    p->stale = true;
                    p->stale_since = mono_seconds();
                    pc->n_stale++;
                    break;
                }
            }
        }
    }
    pthread_mutex_unlock(&pc->mu);
}

void http__pagecache_clear(struct http_pagecache *pc)
{
    pthread_mutex_lock(&pc->mu);
    atomic_fetch_add(&pc->epoch, 1);
    atomic_store(&pc->invalidated_at, (int64_t)time(NULL));
    for (int part = 0; part < 2; part++)
        while (pc->lru_head[part])
            remove_locked(pc, pc->lru_head[part]);
    pthread_mutex_unlock(&pc->mu);
}

int64_t http__pagecache_invalidated_at(struct http_pagecache *pc)
{
    return pc ? atomic_load(&pc->invalidated_at) : 0;
}

uint64_t http__pagecache_epoch(struct http_pagecache *pc)
{
    return atomic_load(&pc->epoch);
}

size_t http__pagecache_bytes(struct http_pagecache *pc)
{
    pthread_mutex_lock(&pc->mu);
    size_t b = pc->bytes[0] + pc->bytes[1];
    pthread_mutex_unlock(&pc->mu);
    return b;
}

uint64_t http__pagecache_evictions(struct http_pagecache *pc)
{
    pthread_mutex_lock(&pc->mu);
    uint64_t n = pc->evictions;
    pthread_mutex_unlock(&pc->mu);
    return n;
}

size_t http__pagecache_count(struct http_pagecache *pc)
{
    pthread_mutex_lock(&pc->mu);
    size_t n = pc->n_pages - pc->n_stale;
    pthread_mutex_unlock(&pc->mu);
    return n;
}

void http__pagecache_free(struct http_pagecache *pc)
{
    if (!pc)
        return;
    http__pagecache_clear(pc);
    pthread_mutex_destroy(&pc->mu);
    free(pc->buckets);
    free(pc);
}
