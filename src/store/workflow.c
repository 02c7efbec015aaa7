/* workflow.c: the queries of store/workflow.h. Portable SQL: the role test is a
 * list of names, times come from C. */
#include <string.h>

#include "store/db.h"
#include "store/workflow.h"

static const char sql_email_get[] = "SELECT email FROM users WHERE id = ?1";
static const char sql_email_set[] = "UPDATE users SET email = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_reviewers[] =
    "SELECT id, name, email FROM users WHERE role IN ('editor', 'admin') AND disabled = 0 "
    "AND email <> '' AND id <> ?1 ORDER BY name LIMIT ?2";
static const char sql_notice_set[] =
    "INSERT INTO workflow_notices (article_id, due_at, actor_id) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (article_id) DO UPDATE SET due_at = excluded.due_at, "
    "actor_id = excluded.actor_id";
static const char sql_notice_drop[] = "DELETE FROM workflow_notices WHERE article_id = ?1";
static const char sql_notices_due[] =
    "SELECT article_id, due_at, actor_id FROM workflow_notices WHERE due_at <= ?1 "
    "ORDER BY due_at, article_id LIMIT ?2";

enum err store_user_email_get(struct store *s, struct arena *a, int64_t user_id, struct str *email)
{
    struct db_stmt *st;
    *email = STR_LIT("");
    enum err e = store__prepare(s, sql_email_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, user_id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *email = store__col_str(a, st, 0);
    else if (rc == DB_DONE)
        e = ERR_NOTFOUND;
    else
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_user_email_set(struct store *s, int64_t user_id, struct str email, int64_t now)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_email_set, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, user_id);
    db_bind_str(st, 2, email);
    db_bind_i64(st, 3, now);
    int rc = db_step(st);
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    else if (db_changes(s) == 0)
        e = ERR_NOTFOUND;
    store__stmt_done(st);
    return e;
}

enum err store_reviewers(struct store *s, struct arena *a, int64_t except_id,
                         struct store_recipient **out, size_t *n)
{
    struct db_stmt *st;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_reviewers, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, except_id);
    db_bind_i64(st, 2, STORE_MAX_NOTICE_RECIPIENTS);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        *out = store__grow(a, *out, *n, &cap, sizeof **out);
        struct store_recipient *r = &(*out)[(*n)++];
        r->id = db_col_i64(st, 0);
        r->name = store__col_str(a, st, 1);
        r->email = store__col_str(a, st, 2);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_notice_set(struct store *s, int64_t article_id, int64_t due_at, int64_t actor_id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_notice_set, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_i64(st, 2, due_at);
    db_bind_i64(st, 3, actor_id);
    return store__step_done(s, st);
}

enum err store_notice_drop(struct store *s, int64_t article_id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_notice_drop, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    return store__step_done(s, st);
}

enum err store_notices_due(struct store *s, struct arena *a, int64_t now, struct store_notice **out,
                           size_t *n)
{
    struct db_stmt *st;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_notices_due, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, STORE_MAX_NOTICES_PER_TICK);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        *out = store__grow(a, *out, *n, &cap, sizeof **out);
        struct store_notice *x = &(*out)[(*n)++];
        x->article_id = db_col_i64(st, 0);
        x->due_at = db_col_i64(st, 1);
        x->actor_id = db_col_i64(st, 2);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}
