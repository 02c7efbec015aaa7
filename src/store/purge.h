/* store/purge.h: the CDN purge queue (purge.c). */
#ifndef VISNYK_STORE_PURGE_H
#define VISNYK_STORE_PURGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

/* Surrogate keys (the page cache's dependency keys, see http_cache_invalidate) waiting to
 * be purged at the CDN, so a purge survives a CDN outage and a restart. One row per
 * waiting key: enqueueing a key that already waits only bumps its version, so a burst
 * of edits costs one purge. One worker sends (cdn/purge.c); a second one would only
 * purge some keys twice, which is harmless. Writes need a STORE_WRITE connection and
 * commit by themselves unless the caller opened a transaction. */
#define STORE_PURGE_MAX_KEY_BYTES 128

struct store_purge_item {
    int64_t id;
    int64_t version; /* as claimed: a newer enqueue of the same key changes it */
    struct str key;
    int attempts; /* failed attempts so far */
};
/* store_purge_enqueue adds key (1..STORE_PURGE_MAX_KEY_BYTES bytes, else ERR_INVALID),
 * due at now; a key already waiting keeps its row and due time and gets a new version. */
ERR_MUST_USE
enum err store_purge_enqueue(struct store *s, struct str key, int64_t now);
/* store_purge_claim lists up to limit keys due at now (oldest due first) into the arena.
 * It writes nothing: the single worker sends them, then calls done or retry. *n may be
 * 0. */
ERR_MUST_USE
enum err store_purge_claim(struct store *s, struct arena *a, int64_t now, size_t limit,
                           struct store_purge_item **items, size_t *n);
/* store_purge_done removes a purged key, unless it was enqueued again while the purge
 * was in flight (its version changed): then it stays, due at now, attempts reset. */
ERR_MUST_USE
enum err store_purge_done(struct store *s, const struct store_purge_item *it, int64_t now);
/* store_purge_retry counts a failed attempt and makes the key due again at next_at,
 * keeping the first 500 bytes of error. */
ERR_MUST_USE
enum err store_purge_retry(struct store *s, const struct store_purge_item *it, int64_t next_at,
                           struct str error);
/* store_purge_rewind makes every waiting key due at now (a restart retries at once
 * instead of waiting out the last backoff); *n receives how many keys wait. */
ERR_MUST_USE
enum err store_purge_rewind(struct store *s, int64_t now, int64_t *n);
/* store_purge_next_due: the earliest due time of a waiting key; ERR_NOTFOUND when none
 * waits. */
ERR_MUST_USE
enum err store_purge_next_due(struct store *s, int64_t *at);

#endif
