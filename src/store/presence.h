/* presence.h: who has an article open in the editor (presence.c, migration 16):
 * since when, their last heartbeat, and whether someone took the article over from
 * them. A row whose heartbeat is older than the caller's "since" counts as gone. */
#ifndef VISNYK_STORE_PRESENCE_H
#define VISNYK_STORE_PRESENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

#define STORE_MAX_PRESENT 20 /* others listed on one article */

struct store_present {
    int64_t user_id, opened_at, seen_at;
    struct str name;
};

/* store_presence_open records that user_id opened article_id now: a fresh row (opened_at
 * now, no take-over) unless the user's row is still live (seen_at >= since), whose
 * opened_at is kept. ERR_NOTFOUND when the article or user does not exist. */
ERR_MUST_USE
enum err store_presence_open(struct store *s, int64_t article_id, int64_t user_id, int64_t now,
                             int64_t since);
/* store_presence_beat records a heartbeat: *taken_by receives who took the article over
 * from the user (empty: nobody; arena memory). ERR_NOTFOUND when the user has no row
 * (then the caller opens one). */
ERR_MUST_USE
enum err store_presence_beat(struct store *s, struct arena *a, int64_t article_id, int64_t user_id,
                             int64_t now, struct str *taken_by);
/* store_presence_others: everyone else with the article open and live (seen_at >= since,
 * not taken over), earliest first, at most STORE_MAX_PRESENT. */
ERR_MUST_USE
enum err store_presence_others(struct store *s, struct arena *a, int64_t article_id,
                               int64_t user_id, int64_t since, struct store_present **out,
                               size_t *n);
/* store_presence_take: user_id (named name) takes the article over: every other live row
 * is marked taken by name. *n_taken counts them. */
ERR_MUST_USE
enum err store_presence_take(struct store *s, int64_t article_id, int64_t user_id, struct str name,
                             int64_t since, int64_t *n_taken);

#endif
