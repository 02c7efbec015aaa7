/* opendata.c: the queries of store/opendata.h. Portable SQL: the greater of two times is
 * a CASE (SQLite has no GREATEST), and now comes from C. */
#include "store/opendata.h"
#include "core/buf.h"
#include "store/db.h"

static const char sql_news_page[] =
    "SELECT id, slug, title, published_at FROM articles "
    "WHERE status IN ('published', 'scheduled') AND published_at <= ?1 "
    "AND (published_at < ?2 OR (published_at = ?2 AND id < ?3)) "
    "ORDER BY published_at DESC, id DESC LIMIT ?4";
static const char sql_news_depts[] =
    "SELECT d.name FROM article_departments l JOIN departments d ON d.id = l.department_id "
    "WHERE l.article_id = ?1 ORDER BY l.pos, d.name";
static const char sql_news_tags[] =
    "SELECT t.name FROM article_tags l JOIN tags t ON t.id = l.tag_id "
    "WHERE l.article_id = ?1 ORDER BY l.pos, t.name";
static const char sql_span_registry[] =
    "SELECT COALESCE(MIN(created_at), 0), COALESCE(MAX(updated_at), 0) FROM registry_docs";
static const char sql_span_news[] =
    "SELECT COALESCE(MIN(published_at), 0), "
    "COALESCE(MAX(CASE WHEN updated_at > published_at THEN updated_at ELSE published_at END), 0) "
    "FROM articles WHERE status IN ('published', 'scheduled') AND published_at <= ?1";
static const char sql_span_vacancies[] =
    "SELECT COALESCE(MIN(created_at), 0), COALESCE(MAX(CASE WHEN deadline <= ?1 AND "
    "deadline > updated_at THEN deadline ELSE updated_at END), 0) FROM vacancies";
/* what changes the statistics (store/requests.c's sql_stats): a request received, closed,
 * or still open past its deadline (then counted as overdue) */
static const char sql_span_requests[] =
    "SELECT COALESCE(MIN(received_at), 0), COALESCE(MAX(CASE "
    "WHEN closed_at > received_at THEN closed_at "
    "WHEN status IN ('new', 'in_progress', 'extended') AND due_at < ?1 "
    "AND due_at > received_at THEN due_at ELSE received_at END), 0) FROM info_requests";

/* names: the first column of every row of sql for the article, one per line. */
static enum err names(struct store *s, struct arena *a, const char *sql, int64_t article_id,
                      struct str *out)
{
    struct db_stmt *st;
    *out = STR_LIT("");
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    struct buf b;
    buf_init(&b, 64 * 1024);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (b.len > 0)
            buf_append(&b, "\n", 1);
        buf_append_str(&b, db_col_text(st, 0));
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    else if (buf_error(&b) != ERR_OK)
        e = buf_error(&b);
    else
        *out = arena_str(a, buf_str(&b));
    buf_free(&b);
    store__stmt_done(st);
    return e;
}

enum err store_od_news_page(struct store *s, struct arena *a, int64_t now, int64_t before_at,
                            int64_t before_id, size_t limit, struct store_od_news **items,
                            size_t *n)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    if (limit == 0 || limit > STORE_OD_MAX_PAGE)
        limit = STORE_OD_MAX_PAGE;
    enum err e = store__prepare(s, sql_news_page, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, before_at);
    db_bind_i64(st, 3, before_id);
    db_bind_i64(st, 4, (int64_t)limit);
    struct store_od_news *out = arena_alloc_array(a, limit, sizeof *out);
    size_t count = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW && count < limit) {
        struct store_od_news *r = &out[count++];
        r->id = db_col_i64(st, 0);
        r->slug = store__col_str(a, st, 1);
        r->title = store__col_str(a, st, 2);
        r->published_at = db_col_i64(st, 3);
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    for (size_t i = 0; e == ERR_OK && i < count; i++) {
        e = names(s, a, sql_news_depts, out[i].id, &out[i].departments);
        if (e == ERR_OK)
            e = names(s, a, sql_news_tags, out[i].id, &out[i].tags);
    }
    if (e != ERR_OK)
        return e;
    *items = out;
    *n = count;
    return ERR_OK;
}

enum err store_od_span(struct store *s, enum store_od_source src, int64_t now, int64_t *issued,
                       int64_t *modified)
{
    static const char *const sql[] = {
        [STORE_OD_REGISTRY] = sql_span_registry,
        [STORE_OD_NEWS] = sql_span_news,
        [STORE_OD_VACANCIES] = sql_span_vacancies,
        [STORE_OD_REQUESTS] = sql_span_requests,
    };
    struct db_stmt *st;
    *issued = *modified = 0;
    enum err e = store__prepare(s, sql[src], &st);
    if (e != ERR_OK)
        return e;
    if (src != STORE_OD_REGISTRY)
        db_bind_i64(st, 1, now);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *issued = db_col_i64(st, 0);
        *modified = db_col_i64(st, 1);
    } else {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}
