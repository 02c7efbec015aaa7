/* presence.c: the queries of store/presence.h. */
#include "store/presence.h"
#include "store/db.h"

/* ?5 since: a live row keeps its opened_at; a stale or taken-over one starts again */
static const char sql_open[] =
    "INSERT INTO presence (article_id, user_id, opened_at, seen_at, taken_by) "
    "VALUES (?1, ?2, ?3, ?3, '') ON CONFLICT (article_id, user_id) DO UPDATE SET "
    "opened_at = CASE WHEN presence.seen_at >= ?4 AND presence.taken_by = '' "
    "THEN presence.opened_at ELSE excluded.opened_at END, "
    "seen_at = excluded.seen_at, taken_by = ''";
static const char sql_beat[] =
    "UPDATE presence SET seen_at = ?3 WHERE article_id = ?1 AND user_id = ?2 RETURNING taken_by";
static const char sql_others[] =
    "SELECT p.user_id, p.opened_at, p.seen_at, u.name FROM presence p "
    "JOIN users u ON u.id = p.user_id WHERE p.article_id = ?1 AND p.user_id <> ?2 "
    "AND p.seen_at >= ?3 AND p.taken_by = '' ORDER BY p.opened_at, u.name LIMIT ?4";
static const char sql_take[] =
    "UPDATE presence SET taken_by = ?3 WHERE article_id = ?1 AND user_id <> ?2 "
    "AND seen_at >= ?4 AND taken_by = ''";

enum err store_presence_open(struct store *s, int64_t article_id, int64_t user_id, int64_t now,
                             int64_t since)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_open, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_i64(st, 2, user_id);
    db_bind_i64(st, 3, now);
    db_bind_i64(st, 4, since);
    int rc = db_step(st);
    if (db_rc_foreign_key(rc))
        e = ERR_NOTFOUND;
    else if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_presence_beat(struct store *s, struct arena *a, int64_t article_id, int64_t user_id,
                             int64_t now, struct str *taken_by)
{
    struct db_stmt *st;
    *taken_by = STR_LIT("");
    enum err e = store__prepare(s, sql_beat, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_i64(st, 2, user_id);
    db_bind_i64(st, 3, now);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *taken_by = store__col_str(a, st, 0);
        rc = db_step(st);
    } else if (rc == DB_DONE) {
        e = ERR_NOTFOUND;
    }
    if (e == ERR_OK && rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_presence_others(struct store *s, struct arena *a, int64_t article_id,
                               int64_t user_id, int64_t since, struct store_present **out,
                               size_t *n)
{
    struct db_stmt *st;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_others, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_i64(st, 2, user_id);
    db_bind_i64(st, 3, since);
    db_bind_i64(st, 4, STORE_MAX_PRESENT);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        *out = store__grow(a, *out, *n, &cap, sizeof **out);
        struct store_present *p = &(*out)[(*n)++];
        p->user_id = db_col_i64(st, 0);
        p->opened_at = db_col_i64(st, 1);
        p->seen_at = db_col_i64(st, 2);
        p->name = store__col_str(a, st, 3);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_presence_take(struct store *s, int64_t article_id, int64_t user_id, struct str name,
                             int64_t since, int64_t *n_taken)
{
    struct db_stmt *st;
    *n_taken = 0;
    enum err e = store__prepare(s, sql_take, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_i64(st, 2, user_id);
    db_bind_str(st, 3, name);
    db_bind_i64(st, 4, since);
    int rc = db_step(st);
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    else
        *n_taken = db_changes(s);
    store__stmt_done(st);
    return e;
}
