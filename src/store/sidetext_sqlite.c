/* sidetext_sqlite.c: the queries of store/sidetext.h. */
#include "store/sidetext.h"
#include "store/sqlite_internal.h"

static const char sql_side_put[] =
    "INSERT INTO side_texts (article_id, user_id, kind, base_version, saved_at, title, slug, "
    "lead, body, date, tags, related, departments) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
    "ON CONFLICT (article_id, user_id, kind) DO UPDATE SET base_version = excluded.base_version, "
    "saved_at = excluded.saved_at, title = excluded.title, slug = excluded.slug, "
    "lead = excluded.lead, body = excluded.body, date = excluded.date, tags = excluded.tags, "
    "related = excluded.related, departments = excluded.departments";
static const char sql_side_get[] =
    "SELECT base_version, saved_at, title, slug, lead, body, date, tags, related, departments "
    "FROM side_texts WHERE article_id = ?1 AND user_id = ?2 AND kind = ?3";
static const char sql_side_drop[] =
    "DELETE FROM side_texts WHERE article_id = ?1 AND user_id = ?2 AND kind = ?3";

static const char *kind_text(enum store_side_kind k)
{
    return k == STORE_SIDE_REFUSED ? "refused" : "auto";
}

enum err store_side_put(struct store *s, enum store_side_kind kind, const struct store_side_text *t)
{
    sqlite3_stmt *st;
    enum err e = store__prepare(s, sql_side_put, &st);
    if (e != ERR_OK)
        return e;
    sqlite3_bind_int64(st, 1, t->article_id);
    sqlite3_bind_int64(st, 2, t->user_id);
    sqlite3_bind_text(st, 3, kind_text(kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, t->base_version);
    sqlite3_bind_int64(st, 5, t->saved_at);
    store__bind_str(st, 6, t->title);
    store__bind_str(st, 7, t->slug);
    store__bind_str(st, 8, t->lead);
    store__bind_str(st, 9, t->body);
    store__bind_str(st, 10, t->date);
    store__bind_str(st, 11, t->tags);
    store__bind_str(st, 12, t->related);
    store__bind_str(st, 13, t->departments);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        e = ERR_NOTFOUND;
    } else if (rc != SQLITE_DONE) {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

enum err store_side_get(struct store *s, struct arena *a, int64_t article_id, int64_t user_id,
                        enum store_side_kind kind, struct store_side_text *out)
{
    sqlite3_stmt *st;
    enum err e = store__prepare(s, sql_side_get, &st);
    if (e != ERR_OK)
        return e;
    sqlite3_bind_int64(st, 1, article_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_text(st, 3, kind_text(kind), -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->article_id = article_id;
        out->user_id = user_id;
        out->base_version = sqlite3_column_int64(st, 0);
        out->saved_at = sqlite3_column_int64(st, 1);
        out->title = store__col_str(a, st, 2);
        out->slug = store__col_str(a, st, 3);
        out->lead = store__col_str(a, st, 4);
        out->body = store__col_str(a, st, 5);
        out->date = store__col_str(a, st, 6);
        out->tags = store__col_str(a, st, 7);
        out->related = store__col_str(a, st, 8);
        out->departments = store__col_str(a, st, 9);
    } else if (rc == SQLITE_DONE) {
        e = ERR_NOTFOUND;
    } else {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

enum err store_side_drop(struct store *s, int64_t article_id, int64_t user_id,
                         enum store_side_kind kind)
{
    sqlite3_stmt *st;
    enum err e = store__prepare(s, sql_side_drop, &st);
    if (e != ERR_OK)
        return e;
    sqlite3_bind_int64(st, 1, article_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_text(st, 3, kind_text(kind), -1, SQLITE_STATIC);
    return store__step_done(s, st);
}
