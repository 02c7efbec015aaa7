/* consultations.c: the queries of store/consultations.h. */
#include "store/consultations.h"
#include "store/db.h"

#define CONSULT_COLS                                                                               \
    "c.id, c.title, COALESCE(c.draft_id, 0), COALESCE(c.dept_id, 0), COALESCE(d.name, ''),\n"      \
    "    COALESCE(d.slug, ''), c.contact, c.starts_at, c.ends_at, c.updated_at"
#define CONSULT_FROM " FROM consultations c LEFT JOIN departments d ON d.id = c.dept_id"

/* Reading order: open (0), announced (1), finished (2); within each, what comes next
 * first, and the finished ones newest first. */
static const char sql_consult_list[] =
    "SELECT " CONSULT_COLS ",\n"
    "    (SELECT count(*) FROM consultation_comments k\n"
    "     WHERE k.consultation_id = c.id AND k.state = 'pending'),\n"
    "    CASE WHEN c.outcome_md <> '' THEN 1 ELSE 0 END" CONSULT_FROM "\n"
    "ORDER BY CASE WHEN c.ends_at <= ?1 THEN 2 WHEN c.starts_at > ?1 THEN 1 ELSE 0 END,\n"
    "    CASE WHEN c.ends_at <= ?1 THEN -c.ends_at WHEN c.starts_at > ?1 THEN c.starts_at\n"
    "         ELSE c.ends_at END, c.id DESC\n"
    "LIMIT ?2 OFFSET ?3";
static const char sql_consult_count[] = "SELECT count(*) FROM consultations WHERE ?1 = ?1";
static const char sql_consult_get[] =
    "SELECT " CONSULT_COLS ", c.summary_md, c.outcome_md, c.pdf_hash, c.pdf_bytes" CONSULT_FROM
    " WHERE c.id = ?1";
static const char sql_consult_insert[] =
    "INSERT INTO consultations (title, summary_md, draft_id, dept_id, contact, starts_at,\n"
    "    ends_at, outcome_md, created_at, updated_at, pdf_hash, pdf_bytes)\n"
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11) RETURNING id";
static const char sql_consult_update[] =
    "UPDATE consultations SET title = ?1, summary_md = ?2, draft_id = ?3, dept_id = ?4,\n"
    "    contact = ?5, starts_at = ?6, ends_at = ?7, outcome_md = ?8, updated_at = ?9,\n"
    "    pdf_hash = ?10, pdf_bytes = ?11 WHERE id = ?12 RETURNING id";
static const char sql_consult_changed[] =
    "SELECT id FROM consultations WHERE (starts_at > ?1 AND starts_at <= ?2)\n"
    "    OR (ends_at > ?1 AND ends_at <= ?2)";
static const char sql_consult_newest[] = "SELECT max(updated_at) FROM consultations WHERE ?1 = ?1";

#define COMMENT_COLS                                                                               \
    "id, consultation_id, name, email, body, reason, show_name, state, created_at, moderated_at"
static const char sql_comment_add[] =
    "INSERT INTO consultation_comments (consultation_id, name, email, body, show_name,\n"
    "    state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6) RETURNING id";
static const char sql_comment_public[] =
    "SELECT " COMMENT_COLS " FROM consultation_comments\n"
    "WHERE consultation_id = ?1 AND state = 'approved' ORDER BY id LIMIT ?2";
static const char sql_comment_all[] =
    "SELECT " COMMENT_COLS " FROM consultation_comments WHERE consultation_id = ?1\n"
    "ORDER BY CASE state WHEN 'pending' THEN 0 ELSE 1 END, id LIMIT ?2";
static const char sql_comment_get[] =
    "SELECT " COMMENT_COLS " FROM consultation_comments WHERE id = ?1";
static const char sql_comment_moderate[] =
    "UPDATE consultation_comments SET state = ?2, reason = ?3, moderated_by = ?4,\n"
    "    moderated_at = ?5 WHERE id = ?1 AND state = 'pending' RETURNING id";
static const char sql_comment_exists[] = "SELECT id FROM consultation_comments WHERE id = ?1";
static const char sql_comment_pending[] =
    "SELECT count(*) FROM consultation_comments WHERE state = 'pending' AND ?1 = ?1";

enum store_consult_state store_consult_state_at(const struct store_consultation *c, int64_t now)
{
    if (now < c->starts_at)
        return STORE_CONSULT_ANNOUNCED;
    return now < c->ends_at ? STORE_CONSULT_OPEN : STORE_CONSULT_FINISHED;
}

static void consult_read(struct arena *a, struct db_stmt *st, struct store_consultation *c)
{
    c->id = db_col_i64(st, 0);
    c->title = store__col_str(a, st, 1);
    c->draft_id = db_col_i64(st, 2);
    c->dept_id = db_col_i64(st, 3);
    c->dept_name = store__col_str(a, st, 4);
    c->dept_slug = store__col_str(a, st, 5);
    c->contact = store__col_str(a, st, 6);
    c->starts_at = db_col_i64(st, 7);
    c->ends_at = db_col_i64(st, 8);
    c->updated_at = db_col_i64(st, 9);
}

enum err store_consult_list(struct store *s, struct arena *a, int64_t now, size_t offset,
                            size_t limit, struct store_consultation **items, size_t *n,
                            int64_t *total)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_consult_count, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, 0);
    e = store__one_i64(s, st, total);
    if (e != ERR_OK)
        return e;
    e = store__prepare(s, sql_consult_list, &st);
    if (e != ERR_OK)
        return e;
    if (limit == 0 || limit > STORE_CONSULT_MAX_LIMIT)
        limit = STORE_CONSULT_MAX_LIMIT;
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, (int64_t)limit);
    db_bind_i64(st, 3, (int64_t)offset);
    struct store_consultation *list = NULL;
    size_t k = 0, cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW && k < limit) {
        list = store__grow(a, list, k, &cap, sizeof *list);
        struct store_consultation *c = &list[k++];
        *c = (struct store_consultation){0};
        consult_read(a, st, c);
        c->pending = db_col_i64(st, 10);
        c->has_outcome = db_col_i64(st, 11) != 0;
    }
    e = rc == DB_ROW || rc == DB_DONE ? ERR_OK : store__db_fail(s, rc);
    store__stmt_done(st);
    *items = list;
    *n = e == ERR_OK ? k : 0;
    return e;
}

enum err store_consult_get(struct store *s, struct arena *a, int64_t id,
                           struct store_consultation *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_consult_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *out = (struct store_consultation){0};
        consult_read(a, st, out);
        out->summary_md = store__col_str(a, st, 10);
        out->outcome_md = store__col_str(a, st, 11);
        out->has_outcome = out->outcome_md.len > 0;
        out->pdf_hash = store__col_str(a, st, 12);
        out->pdf_bytes = db_col_i64(st, 13);
    } else {
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

static void bind_id_or_null(struct db_stmt *st, int i, int64_t id)
{
    if (id > 0)
        db_bind_i64(st, i, id);
    else
        db_bind_null(st, i);
}

/* returning_id steps an INSERT or UPDATE ... RETURNING id: ERR_NOTFOUND when it named no
 * row or a foreign key names none. */
static enum err returning_id(struct store *s, struct db_stmt *st, int64_t *id)
{
    enum err e = ERR_OK;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *id = db_col_i64(st, 0);
        rc = db_step(st);
    } else if (rc == DB_DONE) {
        e = ERR_NOTFOUND;
    }
    if (e == ERR_OK && rc != DB_DONE)
        e = db_rc_foreign_key(rc) ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_consult_save(struct store *s, const struct store_consultation *c, int64_t now,
                            int64_t *id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, c->id == 0 ? sql_consult_insert : sql_consult_update, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, c->title);
    db_bind_str(st, 2, c->summary_md);
    bind_id_or_null(st, 3, c->draft_id);
    bind_id_or_null(st, 4, c->dept_id);
    db_bind_str(st, 5, c->contact);
    db_bind_i64(st, 6, c->starts_at);
    db_bind_i64(st, 7, c->ends_at);
    db_bind_str(st, 8, c->outcome_md);
    db_bind_i64(st, 9, now);
    db_bind_str(st, 10, c->pdf_hash);
    db_bind_i64(st, 11, c->pdf_bytes);
    if (c->id != 0)
        db_bind_i64(st, 12, c->id);
    return returning_id(s, st, id);
}

enum err store_consult_changed(struct store *s, struct arena *a, int64_t from, int64_t to,
                               int64_t **ids, size_t *n)
{
    return store__ids(s, a, sql_consult_changed, from, to, true, ids, n);
}

enum err store_consult_newest(struct store *s, int64_t *updated_at)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_consult_newest, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, 0);
    e = store__one_i64(s, st, updated_at);
    return e == ERR_NOTFOUND ? ERR_OK : e;
}

/* ---- comments ---- */

static const char *const state_names[] = {"pending", "approved", "rejected"};

static void comment_read(struct arena *a, struct db_stmt *st, struct store_consult_comment *c)
{
    c->id = db_col_i64(st, 0);
    c->consultation_id = db_col_i64(st, 1);
    c->name = store__col_str(a, st, 2);
    c->email = store__col_str(a, st, 3);
    c->body = store__col_str(a, st, 4);
    c->reason = store__col_str(a, st, 5);
    c->show_name = db_col_int(st, 6) != 0;
    struct str state = db_col_text(st, 7);
    c->state = str_eq_cstr(state, "approved")   ? STORE_COMMENT_APPROVED
               : str_eq_cstr(state, "rejected") ? STORE_COMMENT_REJECTED
                                                : STORE_COMMENT_PENDING;
    c->created_at = db_col_i64(st, 8);
    c->moderated_at = db_col_i64(st, 9);
}

enum err store_comment_add(struct store *s, const struct store_consult_comment *c, int64_t *id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_comment_add, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, c->consultation_id);
    db_bind_str(st, 2, c->name);
    db_bind_str(st, 3, c->email);
    db_bind_str(st, 4, c->body);
    db_bind_i64(st, 5, c->show_name ? 1 : 0);
    db_bind_i64(st, 6, c->created_at);
    return returning_id(s, st, id);
}

enum err store_comment_list(struct store *s, struct arena *a, int64_t consultation_id,
                            bool approved_only, struct store_consult_comment **items, size_t *n)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    enum err e = store__prepare(s, approved_only ? sql_comment_public : sql_comment_all, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, consultation_id);
    db_bind_i64(st, 2, STORE_CONSULT_MAX_COMMENTS);
    struct store_consult_comment *list = NULL;
    size_t k = 0, cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW && k < STORE_CONSULT_MAX_COMMENTS) {
        list = store__grow(a, list, k, &cap, sizeof *list);
        comment_read(a, st, &list[k++]);
    }
    e = rc == DB_ROW || rc == DB_DONE ? ERR_OK : store__db_fail(s, rc);
    store__stmt_done(st);
    *items = list;
    *n = e == ERR_OK ? k : 0;
    return e;
}

enum err store_comment_get(struct store *s, struct arena *a, int64_t id,
                           struct store_consult_comment *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_comment_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        comment_read(a, st, out);
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_comment_moderate(struct store *s, int64_t id, enum store_comment_state state,
                                struct str reason, int64_t user_id, int64_t now)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_comment_moderate, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_cstr(st, 2, state_names[state]);
    db_bind_str(st, 3, reason);
    db_bind_i64(st, 4, user_id);
    db_bind_i64(st, 5, now);
    int64_t got = 0;
    bool found = false;
    e = store__opt_i64(s, st, &got, &found);
    if (e != ERR_OK || found)
        return e;
    /* nothing changed: gone, or someone moderated it first */
    e = store__prepare(s, sql_comment_exists, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    e = store__opt_i64(s, st, &got, &found);
    if (e != ERR_OK)
        return e;
    return found ? ERR_CONFLICT : ERR_NOTFOUND;
}

enum err store_comment_pending_total(struct store *s, int64_t *n)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_comment_pending, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, 0);
    return store__one_i64(s, st, n);
}
