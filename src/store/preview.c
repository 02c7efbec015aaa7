/* preview.c: the queries of store/preview.h. */
#include "store/preview.h"
#include "store/db.h"

static const char sql_link_get[] =
    "SELECT nonce, expires_at, created_by, created_at FROM preview_links WHERE article_id = ?1";
static const char sql_link_set[] =
    "INSERT INTO preview_links (article_id, nonce, expires_at, created_by, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (article_id) DO UPDATE SET nonce = excluded.nonce, "
    "expires_at = excluded.expires_at, created_by = excluded.created_by, "
    "created_at = excluded.created_at";
static const char sql_link_drop[] = "DELETE FROM preview_links WHERE article_id = ?1";

enum err store_preview_link_get(struct store *s, struct arena *a, int64_t article_id,
                                struct store_preview_link *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_link_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        out->nonce = store__col_str(a, st, 0);
        out->expires_at = db_col_i64(st, 1);
        out->created_by = db_col_i64(st, 2);
        out->created_at = db_col_i64(st, 3);
    } else if (rc == DB_DONE) {
        e = ERR_NOTFOUND;
    } else {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

enum err store_preview_link_set(struct store *s, int64_t article_id,
                                const struct store_preview_link *link)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_link_set, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_str(st, 2, link->nonce);
    db_bind_i64(st, 3, link->expires_at);
    db_bind_i64(st, 4, link->created_by);
    db_bind_i64(st, 5, link->created_at);
    int rc = db_step(st);
    if (db_rc_foreign_key(rc))
        e = ERR_NOTFOUND;
    else if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_preview_link_drop(struct store *s, int64_t article_id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_link_drop, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    return store__step_done(s, st);
}
