/* test_pagecache_fresh.c: the invalidation generation rule of the page cache. A loop
 * notes the generation (http__pagecache_epoch) before its handler opens a read snapshot;
 * http__pagecache_put refuses the rendered page when any invalidation happened since, so
 * a page built from data older than an editor's commit is never stored after the
 * editor's invalidation. Checked one step at a time, then with reader threads racing a
 * writer that commits a new version and invalidates after each commit, as the admin does:
 * after every invalidation returns, a hit must show that version or a newer one. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "http/http_internal.h"

#define KEY "/news/a?"
#define DEP "article:1"
#define ROUNDS 400
#define READERS 3

static struct http_page *make(const char *key, const char *dep, long version)
{
    struct str deps[1] = {str_from_cstr(dep)};
    struct http_page *p = http__page_new(str_from_cstr(key), deps, 1);
    char body[32];
    int n = snprintf(body, sizeof body, "%ld", version);
    p->v[0].bytes = malloc((size_t)n + 1);
    if (p->v[0].bytes == NULL)
        abort();
    memcpy(p->v[0].bytes, body, (size_t)n + 1);
    p->v[0].len = (size_t)n;
    http__page_seal(p);
    return p;
}

static long version_of(const struct http_page *p)
{
    return strtol(p->v[0].bytes, NULL, 10);
}

static void check_steps(void)
{
    struct http_pagecache *pc = http__pagecache_new(1024 * 1024);

    /* a reader notes the generation, then an editor commits and invalidates: the
     * reader's page (from its older snapshot) is refused, and the next one is stored */
    uint64_t ep = http__pagecache_epoch(pc);
    http__pagecache_invalidate(pc, STR_LIT(DEP));
    CHECK(http__pagecache_epoch(pc) > ep);
    struct http_page *old = make(KEY, DEP, 1);
    CHECK(!http__pagecache_put(pc, old, ep));
    CHECK(http__pagecache_get(pc, STR_LIT(KEY)) == NULL);
    http__page_release(old);
    ep = http__pagecache_epoch(pc);
    struct http_page *cur = make(KEY, DEP, 2);
    CHECK(http__pagecache_put(pc, cur, ep));
    struct http_page *hit = http__pagecache_get(pc, STR_LIT(KEY));
    CHECK(hit == cur && version_of(hit) == 2);
    http__page_release(hit);

    /* the generation is global: an invalidation of any key refuses every page rendered
     * before it (cheap and safe; editors write rarely) */
    ep = http__pagecache_epoch(pc);
    http__pagecache_invalidate(pc, STR_LIT("tag:9"));
    struct http_page *other = make("/about?", "settings", 1);
    CHECK(!http__pagecache_put(pc, other, ep));
    http__page_release(other);

    /* a refused page does not replace the stale copy kept for outages, and the stale
     * copy is never a hit */
    http__pagecache_invalidate(pc, STR_LIT(DEP));
    struct http_page *late = make(KEY, DEP, 1);
    CHECK(!http__pagecache_put(pc, late, ep));
    http__page_release(late);
    CHECK(http__pagecache_get(pc, STR_LIT(KEY)) == NULL);
    struct http_page *kept = http__pagecache_get_stale(pc, STR_LIT(KEY), 60);
    CHECK(kept == cur);
    http__page_release(kept);
    http__page_release(cur);

    /* clear counts as an invalidation too */
    ep = http__pagecache_epoch(pc);
    http__pagecache_clear(pc);
    struct http_page *after_clear = make(KEY, DEP, 3);
    CHECK(!http__pagecache_put(pc, after_clear, ep));
    http__page_release(after_clear);
    http__pagecache_free(pc);
}

/* ---- the race ---- */

struct race {
    struct http_pagecache *pc;
    atomic_long committed; /* the database: the last committed version */
    atomic_int stop;
    atomic_long renders, stored;
};

static void *reader(void *arg)
{
    struct race *r = arg;
    for (unsigned long i = 0; !atomic_load(&r->stop); i++) {
        uint64_t ep = http__pagecache_epoch(r->pc); /* before the snapshot, as conn.c */
        /* every other request renders as if its lookup had missed just before another
         * reader stored the page: renders keep overlapping the writer's commits */
        struct http_page *hit = i % 2 ? http__pagecache_get(r->pc, STR_LIT(KEY)) : NULL;
        if (hit != NULL) {
            http__page_release(hit);
            continue;
        }
        long snapshot = atomic_load(&r->committed);
        /* rendering takes a while: the window in which an editor commits */
        for (volatile int spin = 0; spin < 3000; spin++) {
        }
        struct http_page *p = make(KEY, DEP, snapshot);
        atomic_fetch_add(&r->renders, 1);
        if (http__pagecache_put(r->pc, p, ep))
            atomic_fetch_add(&r->stored, 1);
        http__page_release(p);
    }
    return NULL;
}

static void check_race(void)
{
    struct race r = {.pc = http__pagecache_new(1024 * 1024)};
    atomic_init(&r.committed, 0);
    atomic_init(&r.stop, 0);
    atomic_init(&r.renders, 0);
    atomic_init(&r.stored, 0);
    pthread_t t[READERS];
    for (int i = 0; i < READERS; i++)
        CHECK(pthread_create(&t[i], NULL, reader, &r) == 0);

    long stale = 0, hits = 0;
    for (long v = 1; v <= ROUNDS; v++) {
        atomic_store(&r.committed, v);                  /* the commit returned */
        http__pagecache_invalidate(r.pc, STR_LIT(DEP)); /* then the invalidation */
        /* the save's answer is out: every GET from now on must show v; wait (bounded)
         * for a reader to store a page so that most rounds check a hit */
        for (int k = 0, seen = 0; k < 20000 && seen < 4; k++) {
            struct http_page *hit = http__pagecache_get(r.pc, STR_LIT(KEY));
            if (hit == NULL) {
                sched_yield();
                continue;
            }
            seen++;
            hits++;
            if (version_of(hit) < v)
                stale++;
            http__page_release(hit);
        }
    }
    atomic_store(&r.stop, 1);
    for (int i = 0; i < READERS; i++)
        pthread_join(t[i], NULL);
    printf("race: %d saves, %ld hits checked, %ld stale, %ld renders, %ld stored\n", ROUNDS, hits,
           stale, atomic_load(&r.renders), atomic_load(&r.stored));
    CHECK(stale == 0);
    CHECK(hits > 0); /* the readers did fill the cache between saves */
    http__pagecache_free(r.pc);
}

int main(void)
{
    check_steps();
    check_race();
    return check_done();
}
