/* requests.c: the queries of store/requests.h. Portable SQL: times come from C, the
 * next number is max + 1 within the writer's transaction (UNIQUE (kind, year, seq)
 * refuses a duplicate should two engines' writers ever race). */
#include <string.h>

#include "store/db.h"
#include "store/requests.h"

static const char *const kind_names[STORE_RQ_N_KINDS] = {"info", "appeal"};
static const char *const status_names[STORE_RQ_N_STATUSES] = {
    "new", "in_progress", "extended", "answered", "refused", "forwarded"};
static const char *const category_names[STORE_RQ_N_CATEGORIES] = {"", "proposal", "statement",
                                                                  "complaint"};

static int parse(struct str name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (names[i][0] != '\0' && str_eq_cstr(name, names[i]))
            return i;
    return -1;
}

const char *store_rq_kind_name(enum store_rq_kind k)
{
    return kind_names[k];
}

const char *store_rq_status_name(enum store_rq_status s)
{
    return status_names[s];
}

const char *store_rq_category_name(enum store_rq_category c)
{
    return category_names[c];
}

int store_rq_kind_parse(struct str name)
{
    return parse(name, kind_names, STORE_RQ_N_KINDS);
}

int store_rq_status_parse(struct str name)
{
    return parse(name, status_names, STORE_RQ_N_STATUSES);
}

int store_rq_category_parse(struct str name)
{
    return parse(name, category_names, STORE_RQ_N_CATEGORIES);
}

bool store_rq_open(enum store_rq_status s)
{
    return s == STORE_RQ_NEW || s == STORE_RQ_IN_PROGRESS || s == STORE_RQ_EXTENDED;
}

#define RQ_COLS                                                                                    \
    "r.id, r.kind, r.year, r.half, r.seq, r.received_at, r.due_at, r.remind_at, r.reminded_at, "   \
    "r.extended_at, r.closed_at, r.erased_at, r.urgent, r.short_term, r.category, r.status, "      \
    "COALESCE(r.assignee_id, 0), COALESCE(u.name, ''), r.name, r.address, r.email, r.phone, "      \
    "r.body, r.extend_reason, r.answer, r.close_reason"
#define RQ_FROM " FROM info_requests r LEFT JOIN users u ON u.id = r.assignee_id "
#define RQ_OPEN "('new', 'in_progress', 'extended')"

static const char sql_next_seq[] =
    "SELECT COALESCE(max(seq), 0) + 1 FROM info_requests WHERE kind = ?1 AND year = ?2";
static const char sql_insert[] =
    "INSERT INTO info_requests (kind, year, half, seq, received_at, due_at, remind_at, urgent,\n"
    "    category, status, name, address, email, phone, body)\n"
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'new', ?10, ?11, ?12, ?13, ?14) RETURNING id";
static const char sql_get[] = "SELECT " RQ_COLS RQ_FROM "WHERE r.id = ?1";
static const char sql_list[] =
    "SELECT " RQ_COLS RQ_FROM "WHERE (?1 = '' OR r.kind = ?1) AND (?2 = '' OR r.status = ?2)\n"
    "ORDER BY r.received_at DESC, r.id DESC LIMIT ?3";
static const char sql_update[] =
    "UPDATE info_requests SET status = ?2, assignee_id = ?3, due_at = ?4, remind_at = ?5,\n"
    "    reminded_at = ?6, extended_at = ?7, extend_reason = ?8, short_term = ?9, answer = ?10,\n"
    "    close_reason = ?11, closed_at = ?12 WHERE id = ?1 RETURNING id";
static const char sql_reminders[] =
    "SELECT id FROM info_requests WHERE status IN " RQ_OPEN " AND reminded_at = 0\n"
    "    AND remind_at <= ?1 ORDER BY due_at, id LIMIT 100";
static const char sql_due_between[] =
    "SELECT id FROM info_requests WHERE status IN " RQ_OPEN " AND due_at > ?1 AND due_at <= ?2";
static const char sql_erase[] =
    "UPDATE info_requests SET name = '', address = '', email = '', phone = '', body = '',\n"
    "    answer = '', extend_reason = '', close_reason = '', erased_at = ?2\n"
    "WHERE erased_at = 0 AND closed_at > 0 AND closed_at <= ?1";
static const char sql_stats[] =
    "SELECT year, half, kind, count(*),\n"
    "    COALESCE(sum(CASE WHEN status = 'answered' THEN 1 ELSE 0 END), 0),\n"
    "    COALESCE(sum(CASE WHEN status = 'refused' THEN 1 ELSE 0 END), 0),\n"
    "    COALESCE(sum(CASE WHEN (closed_at > 0 AND closed_at > due_at)\n"
    "        OR (status IN " RQ_OPEN " AND due_at < ?1) THEN 1 ELSE 0 END), 0)\n"
    "FROM info_requests GROUP BY year, half, kind ORDER BY year DESC, half DESC, kind LIMIT ?2";

static void read_row(struct arena *a, struct db_stmt *st, struct store_request *r, bool texts)
{
    memset(r, 0, sizeof *r);
    r->id = db_col_i64(st, 0);
    int k = store_rq_kind_parse(db_col_text(st, 1));
    r->kind = k < 0 ? STORE_RQ_INFO : (enum store_rq_kind)k;
    r->year = db_col_int(st, 2);
    r->half = db_col_int(st, 3);
    r->seq = db_col_i64(st, 4);
    r->received_at = db_col_i64(st, 5);
    r->due_at = db_col_i64(st, 6);
    r->remind_at = db_col_i64(st, 7);
    r->reminded_at = db_col_i64(st, 8);
    r->extended_at = db_col_i64(st, 9);
    r->closed_at = db_col_i64(st, 10);
    r->erased_at = db_col_i64(st, 11);
    r->urgent = db_col_int(st, 12) != 0;
    r->short_term = db_col_int(st, 13) != 0;
    int c = store_rq_category_parse(db_col_text(st, 14));
    r->category = c < 0 ? STORE_RQ_CAT_NONE : (enum store_rq_category)c;
    int s = store_rq_status_parse(db_col_text(st, 15));
    r->status = s < 0 ? STORE_RQ_NEW : (enum store_rq_status)s;
    r->assignee_id = db_col_i64(st, 16);
    r->assignee_name = store__col_str(a, st, 17);
    if (!texts)
        return;
    r->name = store__col_str(a, st, 18);
    r->address = store__col_str(a, st, 19);
    r->email = store__col_str(a, st, 20);
    r->phone = store__col_str(a, st, 21);
    r->body = store__col_str(a, st, 22);
    r->extend_reason = store__col_str(a, st, 23);
    r->answer = store__col_str(a, st, 24);
    r->close_reason = store__col_str(a, st, 25);
}

enum err store_rq_insert(struct store *s, const struct store_request *r, int64_t *id, int64_t *seq)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_next_seq, &st);
    if (e != ERR_OK)
        return e;
    db_bind_cstr(st, 1, kind_names[r->kind]);
    db_bind_i64(st, 2, r->year);
    e = store__one_i64(s, st, seq);
    if (e != ERR_OK)
        return e;
    e = store__prepare(s, sql_insert, &st);
    if (e != ERR_OK)
        return e;
    db_bind_cstr(st, 1, kind_names[r->kind]);
    db_bind_i64(st, 2, r->year);
    db_bind_i64(st, 3, r->half);
    db_bind_i64(st, 4, *seq);
    db_bind_i64(st, 5, r->received_at);
    db_bind_i64(st, 6, r->due_at);
    db_bind_i64(st, 7, r->remind_at);
    db_bind_i64(st, 8, r->urgent);
    db_bind_cstr(st, 9, category_names[r->category]);
    db_bind_str(st, 10, r->name);
    db_bind_str(st, 11, r->address);
    db_bind_str(st, 12, r->email);
    db_bind_str(st, 13, r->phone);
    db_bind_str(st, 14, r->body);
    bool found = false;
    e = store__opt_i64(s, st, id, &found);
    return e == ERR_OK && !found ? ERR_DB : e;
}

enum err store_rq_get(struct store *s, struct arena *a, int64_t id, struct store_request *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        read_row(a, st, out, true);
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_rq_list(struct store *s, struct arena *a, int kind, int status,
                       struct store_request **items, size_t *n)
{
    struct db_stmt *st;
    size_t cap = 0;
    *items = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_list, &st);
    if (e != ERR_OK)
        return e;
    db_bind_cstr(st, 1, kind >= 0 && kind < STORE_RQ_N_KINDS ? kind_names[kind] : "");
    db_bind_cstr(st, 2, status >= 0 && status < STORE_RQ_N_STATUSES ? status_names[status] : "");
    db_bind_i64(st, 3, STORE_RQ_MAX_LIST);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        *items = store__grow(a, *items, *n, &cap, sizeof **items);
        read_row(a, st, &(*items)[(*n)++], false);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_rq_update(struct store *s, const struct store_request *r)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_update, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, r->id);
    db_bind_cstr(st, 2, status_names[r->status]);
    if (r->assignee_id > 0)
        db_bind_i64(st, 3, r->assignee_id);
    else
        db_bind_null(st, 3);
    db_bind_i64(st, 4, r->due_at);
    db_bind_i64(st, 5, r->remind_at);
    db_bind_i64(st, 6, r->reminded_at);
    db_bind_i64(st, 7, r->extended_at);
    db_bind_str(st, 8, r->extend_reason);
    db_bind_i64(st, 9, r->short_term);
    db_bind_str(st, 10, r->answer);
    db_bind_str(st, 11, r->close_reason);
    db_bind_i64(st, 12, r->closed_at);
    bool found = false;
    int64_t got;
    e = store__opt_i64(s, st, &got, &found);
    return e == ERR_OK && !found ? ERR_NOTFOUND : e;
}

enum err store_rq_reminders_due(struct store *s, struct arena *a, int64_t now, int64_t **ids,
                                size_t *n)
{
    return store__ids(s, a, sql_reminders, now, 0, false, ids, n);
}

enum err store_rq_due_between(struct store *s, struct arena *a, int64_t from, int64_t to,
                              int64_t **ids, size_t *n)
{
    return store__ids(s, a, sql_due_between, from, to, true, ids, n);
}

enum err store_rq_erase(struct store *s, int64_t closed_before, int64_t now, int64_t *n)
{
    struct db_stmt *st;
    *n = 0;
    enum err e = store__prepare(s, sql_erase, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, closed_before);
    db_bind_i64(st, 2, now);
    e = store__step_done(s, st);
    if (e == ERR_OK)
        *n = db_changes(s);
    return e;
}

enum err store_rq_stats(struct store *s, struct arena *a, int64_t now, struct store_rq_stat **rows,
                        size_t *n)
{
    struct db_stmt *st;
    size_t cap = 0;
    *rows = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_stats, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, STORE_RQ_MAX_STATS);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        *rows = store__grow(a, *rows, *n, &cap, sizeof **rows);
        struct store_rq_stat *x = &(*rows)[(*n)++];
        x->year = db_col_int(st, 0);
        x->half = db_col_int(st, 1);
        int k = store_rq_kind_parse(db_col_text(st, 2));
        x->kind = k < 0 ? STORE_RQ_INFO : (enum store_rq_kind)k;
        x->received = db_col_i64(st, 3);
        x->answered = db_col_i64(st, 4);
        x->refused = db_col_i64(st, 5);
        x->overdue = db_col_i64(st, 6);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}
