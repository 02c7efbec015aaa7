/* accounts.c: the editors' accounts in SQLite: users, sessions, login attempts
 * for throttling, and the append-only audit log. Sessions are keyed by the hash of
 * their token: a copy of the database never lets anyone log in. */
#include <stdio.h>
#include <string.h>

#include "core/kyiv_time.h"
#include "store/accounts.h"
#include "store/db.h"

/* Attempts older than this are dropped as new ones arrive: throttling looks back one
 * hour, "known address" one month is served by successful logins (kept longer). */
#define LOGIN_KEEP_FAILED_SECONDS (2 * 24 * 3600)
#define LOGIN_KEEP_OK_SECONDS (40 * 24 * 3600)

static const char sql_user_add[] =
    "INSERT INTO users (name, role, pw_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) "
    "RETURNING id";
#define USER_COLS "id, name, role, disabled, pw_hash, created_at, last_login_at"
static const char sql_user_by_name[] = "SELECT " USER_COLS " FROM users WHERE name = ?1";
static const char sql_user_by_id[] = "SELECT " USER_COLS " FROM users WHERE id = ?1";
static const char sql_users_all[] = "SELECT " USER_COLS " FROM users ORDER BY name";
static const char sql_user_set_pw[] =
    "UPDATE users SET pw_hash = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_user_set_role[] = "UPDATE users SET role = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_user_set_disabled[] =
    "UPDATE users SET disabled = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_user_logged_in[] = "UPDATE users SET last_login_at = ?2 WHERE id = ?1";

static const char sql_session_create[] =
    "INSERT INTO sessions (token_hash, user_id, csrf, ip, created_at, last_seen) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
static const char sql_session_get[] =
    "SELECT user_id, csrf, created_at, last_seen FROM sessions WHERE token_hash = ?1";
static const char sql_session_touch[] = "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1";
static const char sql_session_delete[] = "DELETE FROM sessions WHERE token_hash = ?1";
static const char sql_sessions_delete_user[] = "DELETE FROM sessions WHERE user_id = ?1";
static const char sql_sessions_expire[] =
    "DELETE FROM sessions WHERE last_seen < ?1 OR created_at < ?2";

static const char sql_login_record[] =
    "INSERT INTO login_attempts (name, ip, at, ok) VALUES (?1, ?2, ?3, ?4)";
static const char sql_login_purge[] =
    "DELETE FROM login_attempts WHERE at < ?1 AND (ok = 0 OR at < ?2)";
static const char sql_login_account[] =
    "SELECT count(*) FROM login_attempts WHERE name = ?1 AND at >= ?2 AND ok = 0";
static const char sql_login_pair[] =
    "SELECT count(*) FROM login_attempts WHERE name = ?1 AND at >= ?2 AND ok = 0 AND ip = ?3";
static const char sql_login_ip[] =
    "SELECT count(*) FROM login_attempts WHERE ip = ?1 AND at >= ?2 AND ok = 0";
static const char sql_login_known[] =
    "SELECT count(*) FROM login_attempts WHERE name = ?1 AND at >= ?2 AND ok = 1 AND ip = ?3";

/* Each entry is chained to the one before (migration 9, signing_sqlite.c): the new id
 * and the previous hash come from the same statement, under the write lock. */
static const char sql_audit_add[] =
    "WITH last (id, hash) AS (SELECT coalesce(max(id), 0), "
    "coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '') FROM audit_log) "
    "INSERT INTO audit_log (id, at, user_id, user_name, ip, action, object, detail, prev_hash, "
    "hash, request_id) SELECT last.id + 1, ?1, nullif(?2, 0), ?3, ?4, ?5, ?6, ?7, last.hash, "
    "visnyk_audit_hash(last.id + 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, last.hash, ?8), ?8 FROM last";
/* ?1 user ('' = any), ?2 action prefix, ?3 from, ?4 until, ?5 before id, ?6 limit */
static const char sql_audit_list[] =
    "SELECT id, at, coalesce(user_id, 0), user_name, ip, action, object, detail, request_id "
    "FROM audit_log "
    "WHERE (?1 = '' OR user_name = ?1) AND (?2 = '' OR substr(action, 1, length(?2)) = ?2) "
    "AND at >= ?3 AND at < ?4 AND id < ?5 ORDER BY id DESC LIMIT ?6";

const char *store_role_text(enum store_role r)
{
    switch (r) {
    case STORE_ROLE_ADMIN:
        return "admin";
    case STORE_ROLE_EDITOR:
        return "editor";
    default:
        return "author";
    }
}

bool store_role_parse(struct str text, enum store_role *out)
{
    if (str_eq_cstr(text, "author"))
        *out = STORE_ROLE_AUTHOR;
    else if (str_eq_cstr(text, "editor"))
        *out = STORE_ROLE_EDITOR;
    else if (str_eq_cstr(text, "admin"))
        *out = STORE_ROLE_ADMIN;
    else
        return false;
    return true;
}

bool store_user_name_valid(struct str name)
{
    if (name.len == 0 || name.len > STORE_MAX_USER_NAME_BYTES)
        return false;
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* run runs a bound statement that returns no rows; ERR_NOTFOUND when want_change and
 * no row changed. */
static enum err run(struct store *s, struct db_stmt *st, bool want_change)
{
    enum err e = ERR_OK;
    int rc = db_step(st);
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    else if (want_change && db_changes(s) == 0)
        e = ERR_NOTFOUND;
    store__stmt_done(st);
    return e;
}

enum err store_user_add(struct store *s, struct str name, enum store_role role, struct str pw_hash,
                        int64_t *id)
{
    struct db_stmt *st;
    *id = 0;
    if (!store_user_name_valid(name) || pw_hash.len == 0 || pw_hash.len > STORE_MAX_PW_HASH_BYTES)
        return ERR_INVALID;
    enum err e = store__prepare(s, sql_user_add, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, name);
    db_bind_cstr(st, 2, store_role_text(role));
    db_bind_str(st, 3, pw_hash);
    db_bind_i64(st, 4, utc_now());
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *id = db_col_i64(st, 0);
        rc = db_step(st);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

static void user_read(struct arena *a, struct db_stmt *st, struct store_user *u)
{
    u->id = db_col_i64(st, 0);
    u->name = store__col_str(a, st, 1);
    struct str role = store__col_str(a, st, 2);
    if (!store_role_parse(role, &u->role))
        u->role = STORE_ROLE_AUTHOR;
    u->disabled = db_col_int(st, 3) != 0;
    u->pw_hash = store__col_str(a, st, 4);
    u->created_at = db_col_i64(st, 5);
    u->last_login_at = db_col_i64(st, 6);
}

static enum err user_one(struct store *s, struct arena *a, struct db_stmt *st,
                         struct store_user *out)
{
    enum err e = ERR_OK;
    memset(out, 0, sizeof *out);
    int rc = db_step(st);
    if (rc == DB_ROW)
        user_read(a, st, out);
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_user_by_name(struct store *s, struct arena *a, struct str name,
                            struct store_user *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_user_by_name, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, name);
    return user_one(s, a, st, out);
}

enum err store_user_by_id(struct store *s, struct arena *a, int64_t id, struct store_user *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_user_by_id, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    return user_one(s, a, st, out);
}

enum err store_users_all(struct store *s, struct arena *a, struct store_user **items, size_t *n)
{
    struct db_stmt *st;
    size_t cap = 0;
    int rc;
    *items = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_users_all, &st);
    if (e != ERR_OK)
        return e;
    while ((rc = db_step(st)) == DB_ROW) {
        *items = store__grow(a, *items, *n, &cap, sizeof **items);
        user_read(a, st, &(*items)[(*n)++]);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_user_set_password(struct store *s, int64_t id, struct str pw_hash)
{
    struct db_stmt *st;
    if (pw_hash.len == 0 || pw_hash.len > STORE_MAX_PW_HASH_BYTES)
        return ERR_INVALID;
    enum err e = store__prepare(s, sql_user_set_pw, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_str(st, 2, pw_hash);
    db_bind_i64(st, 3, utc_now());
    e = run(s, st, true);
    /* whoever knew the old password may hold a session: end them all */
    if (e == ERR_OK)
        e = store_sessions_delete_user(s, id);
    return e;
}

enum err store_user_set_role(struct store *s, int64_t id, enum store_role role)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_user_set_role, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_cstr(st, 2, store_role_text(role));
    db_bind_i64(st, 3, utc_now());
    return run(s, st, true);
}

enum err store_user_set_disabled(struct store *s, int64_t id, bool disabled)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_user_set_disabled, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, disabled ? 1 : 0);
    db_bind_i64(st, 3, utc_now());
    e = run(s, st, true);
    if (e == ERR_OK && disabled)
        e = store_sessions_delete_user(s, id);
    return e;
}

enum err store_user_logged_in(struct store *s, int64_t id, int64_t now)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_user_logged_in, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, now);
    return run(s, st, true);
}

enum err store_session_create(struct store *s, struct str token_hash, int64_t user_id,
                              struct str csrf, struct str ip, int64_t now)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_session_create, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, token_hash);
    db_bind_i64(st, 2, user_id);
    db_bind_str(st, 3, csrf);
    db_bind_str(st, 4, ip);
    db_bind_i64(st, 5, now);
    return run(s, st, false);
}

enum err store_session_get(struct store *s, struct arena *a, struct str token_hash,
                           struct store_session *out)
{
    struct db_stmt *st;
    memset(out, 0, sizeof *out);
    enum err e = store__prepare(s, sql_session_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, token_hash);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        out->user_id = db_col_i64(st, 0);
        out->csrf = store__col_str(a, st, 1);
        out->created_at = db_col_i64(st, 2);
        out->last_seen = db_col_i64(st, 3);
    } else {
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

enum err store_session_touch(struct store *s, struct str token_hash, int64_t now)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_session_touch, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, token_hash);
    db_bind_i64(st, 2, now);
    return run(s, st, false);
}

enum err store_session_delete(struct store *s, struct str token_hash)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_session_delete, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, token_hash);
    return run(s, st, false);
}

enum err store_sessions_delete_user(struct store *s, int64_t user_id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sessions_delete_user, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, user_id);
    return run(s, st, false);
}

enum err store_sessions_expire(struct store *s, int64_t idle_before, int64_t created_before)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sessions_expire, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, idle_before);
    db_bind_i64(st, 2, created_before);
    return run(s, st, false);
}

enum err store_login_record(struct store *s, struct str name, struct str ip, bool ok, int64_t now)
{
    struct db_stmt *st;
    if (name.len > STORE_MAX_USER_NAME_BYTES)
        name.len = STORE_MAX_USER_NAME_BYTES; /* what was typed may be anything */
    enum err e = store__prepare(s, sql_login_record, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, name);
    db_bind_str(st, 2, ip);
    db_bind_i64(st, 3, now);
    db_bind_i64(st, 4, ok ? 1 : 0);
    e = run(s, st, false);
    if (e != ERR_OK)
        return e;
    e = store__prepare(s, sql_login_purge, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, now - LOGIN_KEEP_FAILED_SECONDS);
    db_bind_i64(st, 2, now - LOGIN_KEEP_OK_SECONDS);
    return run(s, st, false);
}

enum err store_login_counts(struct store *s, struct str name, struct str ip, int64_t since,
                            int64_t known_since, struct store_login_counts *out)
{
    struct db_stmt *st;
    int64_t known = 0;
    memset(out, 0, sizeof *out);
    if (name.len > STORE_MAX_USER_NAME_BYTES)
        name.len = STORE_MAX_USER_NAME_BYTES;
    enum err e = store__prepare(s, sql_login_account, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, name);
    db_bind_i64(st, 2, since);
    e = store__one_i64(s, st, &out->account_failures);
    if (e == ERR_OK)
        e = store__prepare(s, sql_login_pair, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, name);
    db_bind_i64(st, 2, since);
    db_bind_str(st, 3, ip);
    e = store__one_i64(s, st, &out->pair_failures);
    if (e == ERR_OK)
        e = store__prepare(s, sql_login_ip, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, ip);
    db_bind_i64(st, 2, since);
    e = store__one_i64(s, st, &out->ip_failures);
    if (e == ERR_OK)
        e = store__prepare(s, sql_login_known, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, name);
    db_bind_i64(st, 2, known_since);
    db_bind_str(st, 3, ip);
    e = store__one_i64(s, st, &known);
    out->known_ip = known > 0;
    return e;
}

/* cut keeps at most max bytes of s, never splitting a UTF-8 character. */
static struct str cut(struct str s, size_t max)
{
    if (s.len <= max)
        return s;
    size_t n = max;
    while (n > 0 && ((unsigned char)s.ptr[n] & 0xC0) == 0x80)
        n--;
    return str_make(s.ptr, n);
}

enum err store_audit_add(struct store *s, int64_t user_id, struct str user_name, struct str ip,
                         int64_t request_id, const char *action, struct str object,
                         struct str detail, int64_t now)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_audit_add, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, user_id);
    db_bind_str(st, 3, cut(user_name, STORE_MAX_USER_NAME_BYTES));
    db_bind_str(st, 4, cut(ip, 64));
    db_bind_cstr(st, 5, action);
    db_bind_str(st, 6, cut(object, STORE_MAX_AUDIT_TEXT_BYTES));
    db_bind_str(st, 7, cut(detail, STORE_MAX_AUDIT_TEXT_BYTES));
    db_bind_i64(st, 8, request_id);
    return run(s, st, false);
}

enum err store_audit_list(struct store *s, struct arena *a, const struct store_audit_query *q,
                          struct store_audit_entry **items, size_t *n, bool *has_more)
{
    struct db_stmt *st;
    size_t cap = 0, limit = q->limit;
    int rc;
    *items = NULL;
    *n = 0;
    *has_more = false;
    if (limit == 0 || limit > STORE_MAX_LIST_LIMIT)
        limit = STORE_MAX_LIST_LIMIT;
    enum err e = store__prepare(s, sql_audit_list, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, q->user_name);
    db_bind_str(st, 2, q->action);
    db_bind_i64(st, 3, q->from != 0 ? q->from : INT64_MIN);
    db_bind_i64(st, 4, q->until != 0 ? q->until : INT64_MAX);
    db_bind_i64(st, 5, q->before_id > 0 ? q->before_id : INT64_MAX);
    db_bind_i64(st, 6, (int64_t)limit + 1);
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == limit) {
            *has_more = true;
            break;
        }
        *items = store__grow(a, *items, *n, &cap, sizeof **items);
        struct store_audit_entry *x = &(*items)[(*n)++];
        x->id = db_col_i64(st, 0);
        x->at = db_col_i64(st, 1);
        x->user_id = db_col_i64(st, 2);
        x->user_name = store__col_str(a, st, 3);
        x->ip = store__col_str(a, st, 4);
        x->action = store__col_str(a, st, 5);
        x->object = store__col_str(a, st, 6);
        x->detail = store__col_str(a, st, 7);
        x->request_id = db_col_i64(st, 8);
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}
