/* presence_sqlite.c: the queries of store/presence.h. */
#include "store/presence.h"
#include "store/sqlite_internal.h"

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
    sqlite3_stmt *st;
    enum err e = store__prepare(s, sql_open, &st);
    if (e != ERR_OK)
        return e;
    sqlite3_bind_int64(st, 1, article_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, since);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        e = ERR_NOTFOUND;
    else if (rc != SQLITE_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_presence_beat(struct store *s, struct arena *a, int64_t article_id, int64_t user_id,
                             int64_t now, struct str *taken_by)
{
    sqlite3_stmt *st;
    *taken_by = STR_LIT("");
    enum err e = store__prepare(s, sql_beat, &st);
    if (e != ERR_OK)
        return e;
    sqlite3_bind_int64(st, 1, article_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *taken_by = store__col_str(a, st, 0);
        rc = sqlite3_step(st);
    } else if (rc == SQLITE_DONE) {
        e = ERR_NOTFOUND;
    }
    if (e == ERR_OK && rc != SQLITE_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_presence_others(struct store *s, struct arena *a, int64_t article_id,
                               int64_t user_id, int64_t since, struct store_present **out,
                               size_t *n)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_others, &st);
    if (e != ERR_OK)
        return e;
    sqlite3_bind_int64(st, 1, article_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, since);
    sqlite3_bind_int64(st, 4, STORE_MAX_PRESENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = store__grow(a, *out, *n, &cap, sizeof **out);
        struct store_present *p = &(*out)[(*n)++];
        p->user_id = sqlite3_column_int64(st, 0);
        p->opened_at = sqlite3_column_int64(st, 1);
        p->seen_at = sqlite3_column_int64(st, 2);
        p->name = store__col_str(a, st, 3);
    }
    if (rc != SQLITE_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_presence_take(struct store *s, int64_t article_id, int64_t user_id, struct str name,
                             int64_t since, int64_t *n_taken)
{
    sqlite3_stmt *st;
    *n_taken = 0;
    enum err e = store__prepare(s, sql_take, &st);
    if (e != ERR_OK)
        return e;
    sqlite3_bind_int64(st, 1, article_id);
    sqlite3_bind_int64(st, 2, user_id);
    store__bind_str(st, 3, name);
    sqlite3_bind_int64(st, 4, since);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        e = store__db_fail(s, rc);
    else
        *n_taken = sqlite3_changes(store__db(s));
    store__stmt_done(st);
    return e;
}
