/* sidetext.c: the queries of store/sidetext.h. */
#include "store/sidetext.h"
#include "store/db.h"

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
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_side_put, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, t->article_id);
    db_bind_i64(st, 2, t->user_id);
    db_bind_cstr(st, 3, kind_text(kind));
    db_bind_i64(st, 4, t->base_version);
    db_bind_i64(st, 5, t->saved_at);
    db_bind_str(st, 6, t->title);
    db_bind_str(st, 7, t->slug);
    db_bind_str(st, 8, t->lead);
    db_bind_str(st, 9, t->body);
    db_bind_str(st, 10, t->date);
    db_bind_str(st, 11, t->tags);
    db_bind_str(st, 12, t->related);
    db_bind_str(st, 13, t->departments);
    int rc = db_step(st);
    if (db_rc_foreign_key(rc)) {
        e = ERR_NOTFOUND;
    } else if (rc != DB_DONE) {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

enum err store_side_get(struct store *s, struct arena *a, int64_t article_id, int64_t user_id,
                        enum store_side_kind kind, struct store_side_text *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_side_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_i64(st, 2, user_id);
    db_bind_cstr(st, 3, kind_text(kind));
    int rc = db_step(st);
    if (rc == DB_ROW) {
        out->article_id = article_id;
        out->user_id = user_id;
        out->base_version = db_col_i64(st, 0);
        out->saved_at = db_col_i64(st, 1);
        out->title = store__col_str(a, st, 2);
        out->slug = store__col_str(a, st, 3);
        out->lead = store__col_str(a, st, 4);
        out->body = store__col_str(a, st, 5);
        out->date = store__col_str(a, st, 6);
        out->tags = store__col_str(a, st, 7);
        out->related = store__col_str(a, st, 8);
        out->departments = store__col_str(a, st, 9);
    } else if (rc == DB_DONE) {
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
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_side_drop, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_i64(st, 2, user_id);
    db_bind_cstr(st, 3, kind_text(kind));
    return store__step_done(s, st);
}
