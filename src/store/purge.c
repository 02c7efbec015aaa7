/* purge.c: the CDN purge queue (migration 8), written by the http server's
 * invalidation hook and read by the purge worker (cdn/purge.c). Modelled on the mail
 * outbox, with two differences: a key is unique while it waits (coalescing), and a claim
 * writes nothing, because purging a key twice is harmless where sending a mail twice is
 * not. A purge is never lost: a key is only removed after the CDN accepted it, and only
 * when nobody enqueued it again while that purge was in flight. */

#include "store/purge.h"
#include "store/db.h"

/* cdn_purge.version, qualified: PostgreSQL finds a bare "version" ambiguous between the
 * row and excluded */
static const char sql_purge_enqueue[] =
    "INSERT INTO cdn_purge (key, next_attempt_at, created_at) VALUES (?1, ?2, ?2) "
    "ON CONFLICT (key) DO UPDATE SET version = cdn_purge.version + 1";

enum err store_purge_enqueue(struct store *s, struct str key, int64_t now)
{
    if (key.len == 0 || key.len > STORE_PURGE_MAX_KEY_BYTES)
        return ERR_INVALID;
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_purge_enqueue, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, key);
    db_bind_i64(st, 2, now);
    return store__step_done(s, st);
}

static const char sql_purge_claim[] =
    "SELECT id, version, key, attempts FROM cdn_purge WHERE next_attempt_at <= ?1 "
    "ORDER BY next_attempt_at, id LIMIT ?2";

enum err store_purge_claim(struct store *s, struct arena *a, int64_t now, size_t limit,
                           struct store_purge_item **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (limit == 0)
        return ERR_OK;
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_purge_claim, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, (int64_t)limit);
    struct store_purge_item *out = arena_alloc_array(a, limit, sizeof *out);
    size_t count = 0;
    int rc = db_step(st);
    for (; rc == DB_ROW && count < limit; rc = db_step(st)) {
        struct store_purge_item *it = &out[count++];
        it->id = db_col_i64(st, 0);
        it->version = db_col_i64(st, 1);
        it->key = store__col_str(a, st, 2);
        it->attempts = db_col_int(st, 3);
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    if (e != ERR_OK)
        return e;
    *items = out;
    *n = count;
    return ERR_OK;
}

static const char sql_purge_delete[] = "DELETE FROM cdn_purge WHERE id = ?1 AND version = ?2";
static const char sql_purge_again[] =
    "UPDATE cdn_purge SET attempts = 0, next_attempt_at = ?2, last_error = '' WHERE id = ?1";

enum err store_purge_done(struct store *s, const struct store_purge_item *it, int64_t now)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_purge_delete, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, it->id);
    db_bind_i64(st, 2, it->version);
    e = store__step_done(s, st);
    if (e != ERR_OK || db_changes(s) > 0)
        return e;
    /* enqueued again while in flight: the page may have been cached from before that
     * write, so it is purged once more */
    e = store__prepare(s, sql_purge_again, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, it->id);
    db_bind_i64(st, 2, now);
    return store__step_done(s, st);
}

static const char sql_purge_retry[] =
    "UPDATE cdn_purge SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 "
    "WHERE id = ?1";

enum err store_purge_retry(struct store *s, const struct store_purge_item *it, int64_t next_at,
                           struct str error)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_purge_retry, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, it->id);
    db_bind_i64(st, 2, next_at);
    db_bind_str(st, 3, str_sub(error, 0, error.len > 500 ? 500 : error.len));
    return store__step_done(s, st);
}

static const char sql_purge_rewind[] =
    "UPDATE cdn_purge SET next_attempt_at = ?1 WHERE next_attempt_at > ?1";
static const char sql_purge_count[] = "SELECT count(*) FROM cdn_purge";

enum err store_purge_rewind(struct store *s, int64_t now, int64_t *n)
{
    *n = 0;
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_purge_rewind, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, now);
    e = store__step_done(s, st);
    if (e != ERR_OK)
        return e;
    e = store__prepare(s, sql_purge_count, &st);
    if (e != ERR_OK)
        return e;
    return store__one_i64(s, st, n);
}

static const char sql_purge_next[] = "SELECT min(next_attempt_at) FROM cdn_purge";

enum err store_purge_next_due(struct store *s, int64_t *at)
{
    *at = 0;
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_purge_next, &st);
    if (e != ERR_OK)
        return e;
    return store__one_i64(s, st, at);
}
