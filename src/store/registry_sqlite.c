/* registry_sqlite.c: the documents registry and vacancies (migration 15). Portable SQL:
 * the status is a CASE over EXISTS, times are bound from C. */
#include <string.h>

#include "search/search.h"
#include "store/db.h"
#include "store/registry.h"

#define MATCH_BYTES 16384

static const char *const kind_names[STORE_REG_N_KINDS] = {"order", "decree", "decision", "draft",
                                                          "regulatory"};
static const char *const status_names[STORE_REG_N_STATUSES] = {"in_force", "amended", "repealed",
                                                               "draft"};
static const char *const link_names[] = {"", "amends", "repeals"};

const char *store_reg_kind_name(enum store_reg_kind k)
{
    return (unsigned)k < STORE_REG_N_KINDS ? kind_names[k] : "";
}

const char *store_reg_status_name(enum store_reg_status s)
{
    return (unsigned)s < STORE_REG_N_STATUSES ? status_names[s] : "";
}

static int name_index(struct str name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (str_eq_cstr(name, names[i]))
            return i;
    return -1;
}

int store_reg_kind_parse(struct str name)
{
    return name_index(name, kind_names, STORE_REG_N_KINDS);
}

int store_reg_status_parse(struct str name)
{
    return name_index(name, status_names, STORE_REG_N_STATUSES);
}

/* Only documents in force change others (not drafts). */
#define CHANGED_BY(how)                                                                            \
    "EXISTS (SELECT 1 FROM registry_docs r WHERE r.amends_id = d.id AND r.amends_how = '" how      \
    "' AND r.kind <> 'draft')"
#define STATUS_EXPR                                                                                \
    "CASE WHEN d.kind = 'draft' THEN 'draft' WHEN d.lapsed = 1 OR " CHANGED_BY(                    \
        "repeals") " THEN 'repealed' WHEN " CHANGED_BY("amends") " THEN 'amended' "                \
                                                                 "ELSE 'in_force' END"
#define DOC_COLS(body)                                                                             \
    "d.id, d.kind, d.number, d.doc_date, d.year, d.title, " body ", d.lapsed, "                    \
    "coalesce(d.amends_id, 0), d.amends_how, d.pdf_hash, d.pdf_bytes, d.restricted, "              \
    "d.discussion_from, d.discussion_until, d.adopted_on, d.updated_at, " STATUS_EXPR

static const char sql_get[] =
    "SELECT " DOC_COLS("d.body_md") " FROM registry_docs d WHERE d.id = ?1";
#define LIST_WHERE                                                                                 \
    " FROM registry_docs d WHERE (?1 = '' OR d.kind = ?1) AND (?2 = 0 OR d.year = ?2)"             \
    " AND (?3 = '' OR (" STATUS_EXPR ") = ?3)"                                                     \
    " AND (?4 = '' OR d.id IN (SELECT rowid FROM registry_fts WHERE registry_fts MATCH ?4))"
static const char sql_list[] =
    "SELECT " DOC_COLS("''") LIST_WHERE " ORDER BY d.doc_date DESC, d.id DESC LIMIT ?5 OFFSET ?6";
static const char sql_count[] = "SELECT count(*)" LIST_WHERE;
static const char sql_amended_by[] =
    "SELECT " DOC_COLS("''") " FROM registry_docs d WHERE d.amends_id = ?1 AND d.kind <> 'draft'"
                             " ORDER BY d.doc_date, d.id";
static const char sql_years[] = "SELECT DISTINCT year FROM registry_docs ORDER BY year DESC";
static const char sql_find[] =
    "SELECT id FROM registry_docs WHERE kind = ?1 AND year = ?2 AND number = ?3";
static const char sql_insert[] =
    "INSERT INTO registry_docs (kind, number, doc_date, year, title, body_md, lapsed, amends_id,\n"
    "    amends_how, pdf_hash, pdf_bytes, restricted, discussion_from, discussion_until,\n"
    "    adopted_on, created_at, updated_at)\n"
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, nullif(?8, 0), ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,\n"
    "    ?16) RETURNING id";
static const char sql_update[] =
    "UPDATE registry_docs SET kind = ?1, number = ?2, doc_date = ?3, year = ?4, title = ?5,\n"
    "    body_md = ?6, lapsed = ?7, amends_id = nullif(?8, 0), amends_how = ?9, pdf_hash = ?10,\n"
    "    pdf_bytes = ?11, restricted = ?12, discussion_from = ?13, discussion_until = ?14,\n"
    "    adopted_on = ?15, updated_at = ?16\n"
    "WHERE id = ?17 RETURNING id";

static void doc_read(struct arena *a, struct db_stmt *st, struct store_reg_doc *d)
{
    memset(d, 0, sizeof *d);
    d->id = db_col_i64(st, 0);
    int k = store_reg_kind_parse(store__col_str(a, st, 1));
    d->kind = k < 0 ? STORE_REG_ORDER : (enum store_reg_kind)k;
    d->number = store__col_str(a, st, 2);
    d->doc_date = db_col_i64(st, 3);
    d->year = db_col_int(st, 4);
    d->title = store__col_str(a, st, 5);
    d->body_md = store__col_str(a, st, 6);
    d->lapsed = db_col_int(st, 7) != 0;
    d->amends_id = db_col_i64(st, 8);
    int l = name_index(store__col_str(a, st, 9), link_names, 3);
    d->link = l < 0 ? STORE_REG_LINK_NONE : (enum store_reg_link)l;
    d->pdf_hash = store__col_str(a, st, 10);
    d->pdf_bytes = db_col_i64(st, 11);
    d->restricted = db_col_int(st, 12) != 0;
    d->discussion_from = db_col_i64(st, 13);
    d->discussion_until = db_col_i64(st, 14);
    d->adopted_on = db_col_i64(st, 15);
    d->updated_at = db_col_i64(st, 16);
    int s = store_reg_status_parse(store__col_str(a, st, 17));
    d->status = s < 0 ? STORE_REG_IN_FORCE : (enum store_reg_status)s;
}

/* rows collects every row of a bound statement (at most max) as documents. */
static enum err rows(struct store *s, struct arena *a, struct db_stmt *st, size_t max,
                     struct store_reg_doc **items, size_t *n)
{
    struct store_reg_doc *list = NULL;
    size_t k = 0, cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW && k < max) {
        list = store__grow(a, list, k, &cap, sizeof *list);
        doc_read(a, st, &list[k++]);
    }
    enum err e = rc == DB_ROW || rc == DB_DONE ? ERR_OK : store__db_fail(s, rc);
    store__stmt_done(st);
    *items = list;
    *n = e == ERR_OK ? k : 0;
    return e;
}

enum err store_reg_get(struct store *s, struct arena *a, int64_t id, struct store_reg_doc *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        doc_read(a, st, out);
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

/* match_of: the FTS5 expression of a reader's text ("" when it has no words). */
static struct str match_of(struct arena *a, struct str text)
{
    if (text.len == 0)
        return STR_LIT("");
    struct search_query q;
    search_query_parse(a, text, &q);
    if (q.n_words == 0)
        return STR_LIT("");
    struct buf m;
    buf_init(&m, MATCH_BYTES);
    struct str out = STR_LIT("");
    if (search_match_build(&m, a, &q) == ERR_OK && m.len > 0)
        out = arena_str(a, buf_str(&m));
    buf_free(&m);
    return out;
}

static void bind_query(struct db_stmt *st, const struct store_reg_query *q, struct str match)
{
    const char *kind = q->kind >= 0 ? store_reg_kind_name((enum store_reg_kind)q->kind) : "";
    const char *status =
        q->status >= 0 ? store_reg_status_name((enum store_reg_status)q->status) : "";
    db_bind_cstr(st, 1, kind);
    db_bind_i64(st, 2, q->year);
    db_bind_cstr(st, 3, status);
    db_bind_str(st, 4, match);
}

enum err store_reg_list(struct store *s, struct arena *a, const struct store_reg_query *q,
                        struct store_reg_doc **items, size_t *n, int64_t *total)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    *total = 0;
    struct str match = match_of(a, q->text);
    if (q->text.len > 0 && match.len == 0)
        return ERR_OK; /* words the search cannot use find nothing, rather than everything */
    enum err e = store__prepare(s, sql_count, &st);
    if (e != ERR_OK)
        return e;
    bind_query(st, q, match);
    e = store__one_i64(s, st, total);
    if (e != ERR_OK || *total == 0)
        return e;
    e = store__prepare(s, sql_list, &st);
    if (e != ERR_OK)
        return e;
    size_t limit = q->limit == 0 || q->limit > STORE_REG_MAX_LIMIT ? STORE_REG_MAX_LIMIT : q->limit;
    bind_query(st, q, match);
    db_bind_i64(st, 5, (int64_t)limit);
    db_bind_i64(st, 6, (int64_t)q->offset);
    return rows(s, a, st, limit, items, n);
}

enum err store_reg_amended_by(struct store *s, struct arena *a, int64_t id,
                              struct store_reg_doc **items, size_t *n)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_amended_by, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    return rows(s, a, st, STORE_REG_MAX_LIMIT, items, n);
}

enum err store_reg_years(struct store *s, struct arena *a, int **years, size_t *n)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_years, &st);
    if (e != ERR_OK)
        return e;
    int *list = NULL;
    size_t k = 0, cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW && k < 1000) {
        list = store__grow(a, list, k, &cap, sizeof *list);
        list[k++] = db_col_int(st, 0);
    }
    e = rc == DB_ROW || rc == DB_DONE ? ERR_OK : store__db_fail(s, rc);
    store__stmt_done(st);
    *years = list;
    *n = e == ERR_OK ? k : 0;
    return e;
}

enum err store_reg_find(struct store *s, enum store_reg_kind kind, int year, struct str number,
                        int64_t *id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_find, &st);
    if (e != ERR_OK)
        return e;
    bool found = false;
    db_bind_cstr(st, 1, store_reg_kind_name(kind));
    db_bind_i64(st, 2, year);
    db_bind_str(st, 3, number);
    e = store__opt_i64(s, st, id, &found);
    return e == ERR_OK && !found ? ERR_NOTFOUND : e;
}

enum err store_reg_save(struct store *s, const struct store_reg_doc *d, int64_t now, int64_t *id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, d->id == 0 ? sql_insert : sql_update, &st);
    if (e != ERR_OK)
        return e;
    db_bind_cstr(st, 1, store_reg_kind_name(d->kind));
    db_bind_str(st, 2, d->number);
    db_bind_i64(st, 3, d->doc_date);
    db_bind_i64(st, 4, d->year);
    db_bind_str(st, 5, d->title);
    db_bind_str(st, 6, d->body_md);
    db_bind_i64(st, 7, d->lapsed);
    db_bind_i64(st, 8, d->link == STORE_REG_LINK_NONE ? 0 : d->amends_id);
    db_bind_cstr(st, 9, d->amends_id == 0 ? "" : link_names[d->link]);
    db_bind_str(st, 10, d->pdf_hash.ptr == NULL ? STR_LIT("") : d->pdf_hash);
    db_bind_i64(st, 11, d->pdf_bytes);
    db_bind_i64(st, 12, d->restricted);
    db_bind_i64(st, 13, d->discussion_from);
    db_bind_i64(st, 14, d->discussion_until);
    db_bind_i64(st, 15, d->adopted_on);
    db_bind_i64(st, 16, now);
    if (d->id != 0)
        db_bind_i64(st, 17, d->id);
    bool found = false;
    e = store__opt_i64(s, st, id, &found);
    return e == ERR_OK && !found ? ERR_NOTFOUND : e;
}

/* ---- vacancies ------------------------------------------------------------------------ */

#define VAC_COLS "id, title, unit, requirements_md, apply_md, deadline, closed, updated_at"
static const char sql_vac_open[] = "SELECT " VAC_COLS " FROM vacancies WHERE closed = 0 AND "
                                   "deadline > ?1 ORDER BY deadline, id LIMIT ?2";
static const char sql_vac_archive[] = "SELECT " VAC_COLS " FROM vacancies WHERE closed = 1 OR "
                                      "deadline <= ?1 ORDER BY deadline DESC, id DESC LIMIT ?2";
static const char sql_vac_all[] =
    "SELECT " VAC_COLS " FROM vacancies WHERE ?1 = ?1 ORDER BY deadline DESC, id DESC LIMIT ?2";
static const char sql_vac_next[] =
    "SELECT min(deadline) FROM vacancies WHERE closed = 0 AND deadline > ?1";
static const char sql_vac_expired[] =
    "SELECT id FROM vacancies WHERE closed = 0 AND deadline > ?1 AND deadline <= ?2";
static const char sql_vac_delete[] = "DELETE FROM vacancies WHERE id = ?1 RETURNING id";
static const char sql_vac_get[] = "SELECT " VAC_COLS " FROM vacancies WHERE id = ?1";
static const char sql_vac_insert[] =
    "INSERT INTO vacancies (title, unit, requirements_md, apply_md, deadline, closed,\n"
    "    created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING id";
static const char sql_vac_update[] =
    "UPDATE vacancies SET title = ?1, unit = ?2, requirements_md = ?3, apply_md = ?4,\n"
    "    deadline = ?5, closed = ?6, updated_at = ?7 WHERE id = ?8 RETURNING id";

static void vac_read(struct arena *a, struct db_stmt *st, struct store_vacancy *v)
{
    v->id = db_col_i64(st, 0);
    v->title = store__col_str(a, st, 1);
    v->unit = store__col_str(a, st, 2);
    v->requirements_md = store__col_str(a, st, 3);
    v->apply_md = store__col_str(a, st, 4);
    v->deadline = db_col_i64(st, 5);
    v->closed = db_col_int(st, 6) != 0;
    v->updated_at = db_col_i64(st, 7);
}

enum err store_vac_list(struct store *s, struct arena *a, enum store_vac_list_kind which,
                        int64_t now, size_t limit, struct store_vacancy **items, size_t *n)
{
    struct db_stmt *st;
    const char *sql = which == STORE_VAC_OPEN      ? sql_vac_open
                      : which == STORE_VAC_ARCHIVE ? sql_vac_archive
                                                   : sql_vac_all;
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    if (limit == 0 || limit > STORE_VAC_MAX_LIMIT)
        limit = STORE_VAC_MAX_LIMIT;
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, (int64_t)limit);
    struct store_vacancy *list = NULL;
    size_t k = 0, cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW && k < limit) {
        list = store__grow(a, list, k, &cap, sizeof *list);
        vac_read(a, st, &list[k++]);
    }
    e = rc == DB_ROW || rc == DB_DONE ? ERR_OK : store__db_fail(s, rc);
    store__stmt_done(st);
    *items = list;
    *n = e == ERR_OK ? k : 0;
    return e;
}

enum err store_vac_next_deadline(struct store *s, int64_t now, int64_t *deadline)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_vac_next, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, now);
    e = store__one_i64(s, st, deadline);
    return e == ERR_NOTFOUND ? ERR_OK : e;
}

enum err store_vac_get(struct store *s, struct arena *a, int64_t id, struct store_vacancy *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_vac_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        vac_read(a, st, out);
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_vac_save(struct store *s, const struct store_vacancy *v, int64_t now, int64_t *id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, v->id == 0 ? sql_vac_insert : sql_vac_update, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, v->title);
    db_bind_str(st, 2, v->unit);
    db_bind_str(st, 3, v->requirements_md);
    db_bind_str(st, 4, v->apply_md);
    db_bind_i64(st, 5, v->deadline);
    db_bind_i64(st, 6, v->closed);
    db_bind_i64(st, 7, now);
    if (v->id != 0)
        db_bind_i64(st, 8, v->id);
    bool found = false;
    e = store__opt_i64(s, st, id, &found);
    return e == ERR_OK && !found ? ERR_NOTFOUND : e;
}

enum err store_vac_expired(struct store *s, struct arena *a, int64_t from, int64_t to,
                           int64_t **ids, size_t *n)
{
    return store__ids(s, a, sql_vac_expired, from, to, true, ids, n);
}

enum err store_vac_delete(struct store *s, int64_t id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_vac_delete, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    bool found = false;
    int64_t gone;
    e = store__opt_i64(s, st, &gone, &found);
    return e == ERR_OK && !found ? ERR_NOTFOUND : e;
}
