/* store_sqlite.c: the SQLite backend of store.h. Every statement's SQL is a constant in
 * the table below, prepared once per connection on first use (SQLITE_PREPARE_PERSISTENT)
 * and reset after each use; values only ever travel as bound parameters.
 *
 * A struct store may hold a PostgreSQL connection instead (store_open with a
 * postgresql:// URL, issue 11): statements are then db_pg.h's, prepared on the server
 * under the same keys (the SQL texts' addresses), and the connection's own work
 * (migrations, transactions, the change counter) is store_pg.c's. Where the dialects
 * differ, stmt_sql_pg[] holds PostgreSQL's text (docs/ARCHITECTURE.md, "Engines"). */
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/kyiv_time.h"
#include "core/metrics.h"
#include "store/content.h"
#include "store/pg_internal.h"
#include "store/settings.h"
#include "store/sqlite_internal.h"
#include "store/store_internal.h"

/* The visibility rule (see migrations.c), spelled exactly as in the partial indexes so
 * the planner can use them. */
#define VISIBLE "a.status IN ('published', 'scheduled')"
/* Readers (one connection per loop thread) map the file and keep a larger page cache:
 * a search at 100,000 articles touches a few thousand pages, and reading them through
 * pread() copied each from the kernel's cache on every query (a third of the time in
 * perf). The map is read-only; writes still go through the WAL. */
#define READ_CACHE_KIB "16384"
#define READ_MMAP_BYTES "1073741824"

#define SUMMARY_COLS                                                                               \
    "a.id, a.slug, a.title, a.lead, a.published_at, p.id, p.hash, p.width, p.height, "             \
    "p.caption, p.alt"
#define LEAD_PHOTO "LEFT JOIN photos p ON p.article_id = a.id AND p.pos = 0 "
#define ARTICLE_COLS                                                                               \
    "a.id, a.slug, a.title, a.lead, a.body_md, a.published_at, a.updated_at, a.status"

/* Keyset lists: ?1/?2 upper bound (published_at, id) exclusive, ?3 lower bound on
 * published_at, ?4 limit, ?5 tag or department, ?6 department when both filter.
 * CROSS JOIN fixes the join order: walk the link index in list order, then look each
 * article up by rowid, so a deep page costs the same as the first. */
#define FROM_ALL                                                                                   \
    "FROM articles a WHERE " VISIBLE " AND (a.published_at, a.id) < (?1, ?2) "                     \
    "AND a.published_at >= ?3 "
#define ORDER_ALL "ORDER BY a.published_at DESC, a.id DESC LIMIT ?4"
#define LINK_RANGE(tbl, col)                                                                       \
    "FROM " tbl " l WHERE l." col " = ?5 AND l.visible = 1 "                                       \
    "AND (l.published_at, l.article_id) < (?1, ?2) AND l.published_at >= ?3 "
#define ORDER_LINK "ORDER BY l.published_at DESC, l.article_id DESC LIMIT ?4"
#define IN_DEPT                                                                                    \
    "AND EXISTS (SELECT 1 FROM article_departments d WHERE d.article_id = l.article_id "           \
    "AND d.department_id = ?6) "
#define LIST_LINK(range)                                                                           \
    "SELECT " SUMMARY_COLS " FROM (SELECT l.article_id AS id " range ORDER_LINK ") k "             \
    "CROSS JOIN articles a ON a.id = k.id " LEAD_PHOTO "ORDER BY a.published_at DESC, a.id DESC"
/* The way back (store_article_page_before): ?1/?2 the cursor (exclusive lower bound),
 * ?3 upper bound on published_at (exclusive), ?4 how many newer rows to step over, ?5 and
 * ?6 as above. Walks the same indexes upwards. */
#define BACK_ALL                                                                                   \
    "SELECT a.published_at, a.id FROM articles a WHERE " VISIBLE                                   \
    " AND (a.published_at, a.id) > (?1, ?2) AND a.published_at < ?3 "                              \
    "ORDER BY a.published_at, a.id LIMIT 1 OFFSET ?4"
#define BACK_LINK(tbl, col, more)                                                                  \
    "SELECT l.published_at, l.article_id FROM " tbl " l WHERE l." col " = ?5 AND l.visible = 1 "   \
    "AND (l.published_at, l.article_id) > (?1, ?2) AND l.published_at < ?3 " more                  \
    "ORDER BY l.published_at, l.article_id LIMIT 1 OFFSET ?4"

/* The published links of a tag or department (?9 = now): the link rows' copies of the
 * visibility rule (VISIBLE, via migration 1's trigger) and of published_at <= now, the
 * condition the tag and department lists (LINK_RANGE) show articles by. */
#define REF_LINKS(tbl, col, ref)                                                                   \
    "FROM " tbl " l WHERE l." col " = " ref ".id AND l.visible = 1 AND l.published_at <= ?9"
/* Published-article count of a tag or department, for the ref queries. */
#define REF_COUNT(tbl, col, ref) "(SELECT count(*) " REF_LINKS(tbl, col, ref) ")"
/* Whether it has a published article: readers never learn of one that has none. */
#define REF_PUBLISHED(tbl, col, ref) "EXISTS (SELECT 1 " REF_LINKS(tbl, col, ref) ")"
#define TAG_COLS "r.id, r.slug, r.name, " REF_COUNT("article_tags", "tag_id", "r")
#define DEPT_COLS "r.id, r.slug, r.name, " REF_COUNT("article_departments", "department_id", "r")
#define TAG_PUBLISHED REF_PUBLISHED("article_tags", "tag_id", "r")
#define DEPT_PUBLISHED REF_PUBLISHED("article_departments", "department_id", "r")

enum stmt_id {
    ST_ARTICLE_BY_SLUG,
    ST_ARTICLE_BY_ID,
    ST_ARTICLE_BY_SLUG_ANY,
    ST_ARTICLE_DEPTS,
    ST_ARTICLE_TAGS,
    ST_ARTICLE_PHOTOS,
    ST_LIST_ALL,
    ST_LIST_TAG,
    ST_LIST_DEPT,
    ST_LIST_TAG_DEPT,
    ST_COUNT_ALL,
    ST_COUNT_TAG,
    ST_COUNT_DEPT,
    ST_COUNT_TAG_DEPT,
    ST_BACK_ALL,
    ST_BACK_TAG,
    ST_BACK_DEPT,
    ST_BACK_TAG_DEPT,
    ST_SUMMARY_BY_ID,
    ST_OLDER,
    ST_NEXT_VISIBLE,
    ST_NEWER,
    ST_RELATED_TAGS,
    ST_RELATED_DEPTS,
    ST_TAG_BY_SLUG,
    ST_DEPT_BY_SLUG,
    ST_TAGS_ALL,
    ST_DEPTS_ALL,
    ST_TAGS_PUBLISHED,
    ST_DEPTS_PUBLISHED,
    ST_MONTHS,
    ST_PAGE_BY_SLUG,
    ST_PAGE_BY_ID,
    ST_PAGES_ALL,
    ST_SETTING_GET,
    ST_SETTING_SET,
    ST_DATA_VERSION,
    ST_ARTICLE_UPSERT,
    ST_ARTICLE_UNLINK_DEPTS,
    ST_ARTICLE_UNLINK_TAGS,
    ST_ARTICLE_UNLINK_PHOTOS,
    ST_DEPT_ID_BY_NAME,
    ST_DEPT_SLUG_TAKEN,
    ST_DEPT_INSERT,
    ST_TAG_ID_BY_NAME,
    ST_TAG_SLUG_TAKEN,
    ST_TAG_INSERT,
    ST_LINK_DEPT,
    ST_LINK_TAG,
    ST_PHOTO_INSERT,
    ST_PAGE_UPSERT,
    ST_BEGIN_READ,
    ST_BEGIN_WRITE,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_USER_VERSION,
    ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
    [ST_ARTICLE_BY_SLUG] = "SELECT " ARTICLE_COLS " FROM articles a "
                           "WHERE a.slug = ?1 AND " VISIBLE " AND a.published_at <= ?2",
    [ST_ARTICLE_BY_ID] = "SELECT " ARTICLE_COLS " FROM articles a "
                         "WHERE a.id = ?1 AND " VISIBLE " AND a.published_at <= ?2",
    [ST_ARTICLE_BY_SLUG_ANY] = "SELECT " ARTICLE_COLS " FROM articles a WHERE a.slug = ?1",
    [ST_ARTICLE_DEPTS] = "SELECT d.id, d.slug, d.name FROM article_departments l "
                         "JOIN departments d ON d.id = l.department_id "
                         "WHERE l.article_id = ?1 ORDER BY l.pos",
    [ST_ARTICLE_TAGS] = "SELECT t.id, t.slug, t.name FROM article_tags l "
                        "JOIN tags t ON t.id = l.tag_id WHERE l.article_id = ?1 ORDER BY l.pos",
    [ST_ARTICLE_PHOTOS] = "SELECT id, hash, width, height, caption, alt FROM photos "
                          "WHERE article_id = ?1 ORDER BY pos",
    [ST_LIST_ALL] = "SELECT " SUMMARY_COLS " FROM (SELECT a.* " FROM_ALL ORDER_ALL ") a " LEAD_PHOTO
                    "ORDER BY a.published_at DESC, a.id DESC",
    [ST_LIST_TAG] = LIST_LINK(LINK_RANGE("article_tags", "tag_id")),
    [ST_LIST_DEPT] = LIST_LINK(LINK_RANGE("article_departments", "department_id")),
    [ST_LIST_TAG_DEPT] = LIST_LINK(LINK_RANGE("article_tags", "tag_id") IN_DEPT),
    [ST_COUNT_ALL] = "SELECT count(*) " FROM_ALL,
    [ST_COUNT_TAG] = "SELECT count(*) " LINK_RANGE("article_tags", "tag_id"),
    [ST_COUNT_DEPT] = "SELECT count(*) " LINK_RANGE("article_departments", "department_id"),
    [ST_COUNT_TAG_DEPT] = "SELECT count(*) " LINK_RANGE("article_tags", "tag_id") IN_DEPT,
    [ST_BACK_ALL] = BACK_ALL,
    [ST_BACK_TAG] = BACK_LINK("article_tags", "tag_id", ""),
    [ST_BACK_DEPT] = BACK_LINK("article_departments", "department_id", ""),
    [ST_BACK_TAG_DEPT] = BACK_LINK("article_tags", "tag_id", IN_DEPT),
    [ST_SUMMARY_BY_ID] = "SELECT " SUMMARY_COLS " FROM articles a " LEAD_PHOTO
                         "WHERE a.id = ?1 AND " VISIBLE " AND a.published_at <= ?2",
    [ST_NEXT_VISIBLE] =
        "SELECT min(a.published_at) FROM articles a WHERE " VISIBLE " AND a.published_at > ?1",
    [ST_OLDER] = "SELECT " SUMMARY_COLS " FROM (SELECT a.* FROM articles a WHERE " VISIBLE
                 " AND (a.published_at, a.id) < (?1, ?2) "
                 "ORDER BY a.published_at DESC, a.id DESC LIMIT 1) a " LEAD_PHOTO,
    [ST_NEWER] = "SELECT " SUMMARY_COLS " FROM (SELECT a.* FROM articles a WHERE " VISIBLE
                 " AND (a.published_at, a.id) > (?1, ?2) AND a.published_at <= ?3 "
                 "ORDER BY a.published_at, a.id LIMIT 1) a " LEAD_PHOTO,
    [ST_RELATED_TAGS] = "SELECT article_id, published_at FROM article_tags WHERE tag_id = ?1 "
                        "AND visible = 1 AND article_id <> ?2 AND published_at <= ?3 "
                        "ORDER BY published_at DESC, article_id DESC LIMIT ?4",
    [ST_RELATED_DEPTS] = "SELECT article_id, published_at FROM article_departments "
                         "WHERE department_id = ?1 AND visible = 1 AND article_id <> ?2 "
                         "AND published_at <= ?3 "
                         "ORDER BY published_at DESC, article_id DESC LIMIT ?4",
    [ST_TAG_BY_SLUG] = "SELECT " TAG_COLS " FROM tags r WHERE r.slug = ?1 AND " TAG_PUBLISHED,
    [ST_DEPT_BY_SLUG] =
        "SELECT " DEPT_COLS " FROM departments r WHERE r.slug = ?1 AND " DEPT_PUBLISHED,
    [ST_TAGS_ALL] = "SELECT " TAG_COLS " FROM tags r ORDER BY r.name COLLATE uk",
    [ST_DEPTS_ALL] = "SELECT " DEPT_COLS " FROM departments r ORDER BY r.sort, r.name COLLATE uk",
    [ST_TAGS_PUBLISHED] =
        "SELECT " TAG_COLS " FROM tags r WHERE " TAG_PUBLISHED " ORDER BY r.name COLLATE uk",
    [ST_DEPTS_PUBLISHED] = "SELECT " DEPT_COLS " FROM departments r WHERE " DEPT_PUBLISHED
                           " ORDER BY r.sort, r.name COLLATE uk",
    [ST_MONTHS] = "SELECT a.published_ym, count(*) FROM articles a WHERE " VISIBLE
                  " AND a.published_at <= ?1 GROUP BY a.published_ym "
                  "ORDER BY a.published_ym DESC",
    [ST_PAGE_BY_SLUG] = "SELECT id, slug, title, body_md, updated_at, version FROM pages "
                        "WHERE slug = ?1",
    [ST_PAGE_BY_ID] = "SELECT id, slug, title, body_md, updated_at, version FROM pages "
                      "WHERE id = ?1",
    [ST_PAGES_ALL] = "SELECT id, slug, title, body_md, updated_at, version FROM pages "
                     "ORDER BY title COLLATE uk",
    [ST_SETTING_GET] = "SELECT value FROM settings WHERE key = ?1",
    [ST_SETTING_SET] = "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [ST_DATA_VERSION] = "PRAGMA data_version",
    [ST_ARTICLE_UPSERT] =
        "INSERT INTO articles (slug, title, lead, body_md, status, published_at, "
        "published_ym, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) "
        "ON CONFLICT (slug) DO UPDATE SET title = excluded.title, lead = excluded.lead, "
        "body_md = excluded.body_md, status = excluded.status, "
        "published_at = excluded.published_at, published_ym = excluded.published_ym, "
        "updated_at = excluded.updated_at RETURNING id",
    [ST_ARTICLE_UNLINK_DEPTS] = "DELETE FROM article_departments WHERE article_id = ?1",
    [ST_ARTICLE_UNLINK_TAGS] = "DELETE FROM article_tags WHERE article_id = ?1",
    [ST_ARTICLE_UNLINK_PHOTOS] = "DELETE FROM photos WHERE article_id = ?1",
    [ST_DEPT_ID_BY_NAME] = "SELECT id FROM departments WHERE name = ?1",
    [ST_DEPT_SLUG_TAKEN] = "SELECT 1 FROM departments WHERE slug = ?1",
    [ST_DEPT_INSERT] = "INSERT INTO departments (slug, name) VALUES (?1, ?2) RETURNING id",
    [ST_TAG_ID_BY_NAME] = "SELECT id FROM tags WHERE name = ?1",
    [ST_TAG_SLUG_TAKEN] = "SELECT 1 FROM tags WHERE slug = ?1",
    [ST_TAG_INSERT] = "INSERT INTO tags (slug, name) VALUES (?1, ?2) RETURNING id",
    /* The copies of published_at and visibility come from the article row itself, so
     * the rule lives in SQL only (here and in the trigger of migration 1). */
    [ST_LINK_DEPT] = "INSERT INTO article_departments (article_id, department_id, pos, "
                     "published_at, visible) SELECT a.id, ?2, ?3, a.published_at, " VISIBLE
                     " FROM articles a WHERE a.id = ?1 ON CONFLICT DO NOTHING",
    [ST_LINK_TAG] = "INSERT INTO article_tags (article_id, tag_id, pos, published_at, "
                    "visible) SELECT a.id, ?2, ?3, a.published_at, " VISIBLE
                    " FROM articles a WHERE a.id = ?1 ON CONFLICT DO NOTHING",
    [ST_PHOTO_INSERT] = "INSERT INTO photos (article_id, pos, hash, width, height, caption, "
                        "alt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_PAGE_UPSERT] = "INSERT INTO pages (slug, title, body_md, created_at, updated_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (slug) DO UPDATE SET "
                       "title = excluded.title, body_md = excluded.body_md, "
                       "updated_at = excluded.updated_at, version = pages.version + 1",
    [ST_BEGIN_READ] = "BEGIN",
    [ST_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_USER_VERSION] = "PRAGMA user_version",
};

/* PostgreSQL's texts of the statements whose SQL differs; NULL where stmt_sql[]'s text
 * runs on both engines. The differences: a plain JOIN where SQLite takes CROSS JOIN as a
 * join-order hint (PostgreSQL's planner walks the link index first by itself); 0/1 from
 * the visibility rule through CASE (it is a boolean there, the flag column an integer).
 * Numbers a text skips (the counts' ?4, the ref queries' ?1 to
 * ?8) are db_pg.c's concern. */
#define LIST_LINK_PG(range)                                                                        \
    "SELECT " SUMMARY_COLS " FROM (SELECT l.article_id AS id " range ORDER_LINK ") k "             \
    "JOIN articles a ON a.id = k.id " LEAD_PHOTO "ORDER BY a.published_at DESC, a.id DESC"
#define LINK_REF_PG(tbl, col)                                                                      \
    "INSERT INTO " tbl " (article_id, " col ", pos, published_at, visible) "                       \
    "SELECT a.id, ?2, ?3, a.published_at, "                                                        \
    "CASE WHEN " VISIBLE " THEN 1 ELSE 0 END FROM articles a WHERE a.id = ?1 "                     \
    "ON CONFLICT DO NOTHING"

static const char *const stmt_sql_pg[ST__COUNT] = {
    [ST_LIST_TAG] = LIST_LINK_PG(LINK_RANGE("article_tags", "tag_id")),
    [ST_LIST_DEPT] = LIST_LINK_PG(LINK_RANGE("article_departments", "department_id")),
    [ST_LIST_TAG_DEPT] = LIST_LINK_PG(LINK_RANGE("article_tags", "tag_id") IN_DEPT),
    [ST_LINK_DEPT] = LINK_REF_PG("article_departments", "department_id"),
    [ST_LINK_TAG] = LINK_REF_PG("article_tags", "tag_id"),
};

struct store {
    sqlite3 *db;
    struct db_pg *pg; /* the PostgreSQL connection instead of db; NULL on SQLite */
    enum store_mode mode;
    struct db_stmt stmts[ST__COUNT];
    struct store__stmt_cache cache; /* statements of the feature files */
    char errmsg[256];
};

struct sqlite3 *store__db(struct store *s)
{
    return s->db;
}

struct db_pg *store__pg(struct store *s)
{
    return s->pg;
}

const char *store__sql(const struct store *s, const char *sqlite_sql, const char *pg_sql)
{
    return s->pg != NULL ? pg_sql : sqlite_sql;
}

enum store_mode store__mode(const struct store *s)
{
    return s->mode;
}

char *store__errbuf(struct store *s, size_t *size)
{
    *size = sizeof s->errmsg;
    return s->errmsg;
}

/* Database time for /metrics: a thread's statements are timed from the first one
 * handed out to the last one reset, so a statement run while another iterates counts
 * once, inside the outer. Thread-local because a connection is used by one thread at a
 * time and store__stmt_done does not know its connection; store_begin resets the depth
 * in case an error path skipped a reset. */
static _Thread_local unsigned stmt_depth;
static _Thread_local uint64_t stmt_t0;

static void stmt_timer_start(void)
{
    if (stmt_depth++ == 0)
        stmt_t0 = metrics_now_ns();
}

static void stmt_timer_stop(void)
{
    if (stmt_depth > 0 && --stmt_depth == 0)
        metrics_histogram_observe(&metrics_g.db, metrics_now_ns() - stmt_t0);
}

/* pg_prepare hands out db_pg.c's statement for sql (prepared on the server once per
 * connection, keyed by sql's address as below). */
static enum err pg_prepare(struct store *s, const char *sql, struct db_stmt **out)
{
    enum err e = db_pg_prepare(s->pg, sql, out);
    if (e != ERR_OK) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s", db_pg_errmsg(s->pg));
        return e;
    }
    stmt_timer_start();
    return ERR_OK;
}

enum err store__prepare(struct store *s, const char *sql, struct db_stmt **out)
{
    *out = NULL;
    if (s->pg != NULL)
        return pg_prepare(s, sql, out);
    /* Open addressing on the SQL text's address: each constant has one address. */
    struct store__stmt_cache *c = &s->cache;
    size_t h = (size_t)(((uintptr_t)sql >> 3) * 2654435761u) % STORE__STMT_CACHE_SIZE;
    for (size_t k = 0; k < STORE__STMT_CACHE_SIZE; k++) {
        size_t at = (h + k) % STORE__STMT_CACHE_SIZE;
        if (c->sql[at] == sql) {
            *out = &c->stmt[at];
            stmt_timer_start();
            return ERR_OK;
        }
        if (c->sql[at] == NULL) {
            int rc = store__lite_stmt(s, sql, &c->stmt[at]);
            if (rc != SQLITE_OK)
                return store__db_fail(s, rc);
            c->sql[at] = sql;
            *out = &c->stmt[at];
            stmt_timer_start();
            return ERR_OK;
        }
    }
    abort(); /* more statements than slots: raise STORE__STMT_CACHE_SIZE */
}

int store__lite_stmt(struct store *s, const char *sql, struct db_stmt *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc == SQLITE_OK)
        *out = (struct db_stmt){.engine = &db_engine_sqlite, .impl = st};
    return rc;
}

/* db_fail records the connection's error message and maps the result code. */
enum err store__db_fail(struct store *s, int rc)
{
    if (s->pg != NULL) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s", db_pg_errmsg(s->pg));
        enum err e = db_pg_fail(s->pg, rc);
        if (e == ERR_BUSY)
            metrics_inc(&metrics_g.db_errors_busy);
        else if (e == ERR_DB)
            metrics_inc(&metrics_g.db_errors_other);
        return e;
    }
    snprintf(s->errmsg, sizeof s->errmsg, "%s", sqlite3_errmsg(s->db));
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL: /* WAL lock contention that outlasted SQLite's own retries */
        metrics_inc(&metrics_g.db_errors_busy); /* /metrics */
        return ERR_BUSY;
    case SQLITE_CONSTRAINT:
        return ERR_CONFLICT; /* the caller's input (a slug taken), not a failing database */
    case SQLITE_TOOBIG:
        return ERR_TOO_LARGE;
    case SQLITE_NOMEM:
        abort(); /* allocation failure aborts, as everywhere in visnyk */
    default:
        metrics_inc(&metrics_g.db_errors_other); /* /metrics */
        return ERR_DB;
    }
}

/* stmt_get hands out the prepared statement id, preparing it on first use. */
static enum err stmt_get(struct store *s, enum stmt_id id, struct db_stmt **out)
{
    *out = NULL;
    if (s->pg != NULL) /* constant table entries: their addresses are keys */
        return pg_prepare(s, stmt_sql_pg[id] != NULL ? stmt_sql_pg[id] : stmt_sql[id], out);
    if (s->stmts[id].impl == NULL) {
        int rc = store__lite_stmt(s, stmt_sql[id], &s->stmts[id]);
        if (rc != SQLITE_OK)
            return store__db_fail(s, rc);
    }
    *out = &s->stmts[id];
    stmt_timer_start();
    return ERR_OK;
}

/* stmt_done makes a statement ready for its next use and drops references to the
 * caller's bound text. */
void store__stmt_done(struct db_stmt *st)
{
    if (st != NULL) {
        db__stmt_reset(st);
        stmt_timer_stop();
    }
}

enum err store__step_done(struct store *s, struct db_stmt *st)
{
    enum err e = ERR_OK;
    int rc = db_step(st);
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store__opt_i64(struct store *s, struct db_stmt *st, int64_t *v, bool *found)
{
    enum err e = ERR_OK;
    *v = 0;
    if (found != NULL)
        *found = false;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *v = db_col_i64(st, 0);
        if (found != NULL)
            *found = true;
        rc = db_step(st); /* RETURNING writes complete when the statement ends */
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store__one_i64(struct store *s, struct db_stmt *st, int64_t *out)
{
    enum err e = ERR_OK;
    int rc = db_step(st);
    *out = 0;
    if (rc == DB_ROW && !db_col_null(st, 0))
        *out = db_col_i64(st, 0);
    else if (rc == DB_ROW)
        e = ERR_NOTFOUND;
    else
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

struct str store__col_str(struct arena *a, struct db_stmt *st, int i)
{
    return arena_str(a, db_col_text(st, i));
}

/* exec_simple runs a statement without parameters or rows (BEGIN, COMMIT, ...). */
static enum err exec_simple(struct store *s, enum stmt_id id)
{
    struct db_stmt *st;
    enum err e = stmt_get(s, id, &st);
    if (e != ERR_OK)
        return e;
    int rc = db_step(st);
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

/* grow returns an arena array with room for at least n+1 items of size, copying the n
 * already in old. Arena memory is not freed piecemeal; doubling keeps waste below 2x. */
void *store__grow(struct arena *a, void *old, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return old;
    size_t ncap = *cap == 0 ? 8 : *cap * 2;
    void *p = arena_alloc_array(a, ncap, size);
    if (n > 0)
        memcpy(p, old, n * size);
    *cap = ncap;
    return p;
}

static int collate_uk(void *ctx, int an, const void *a, int bn, const void *b)
{
    (void)ctx;
    return store__collate_uk(a, (size_t)an, b, (size_t)bn);
}

static enum err user_version(struct store *s, int *version)
{
    struct db_stmt *st;
    enum err e = stmt_get(s, ST_USER_VERSION, &st);
    if (e != ERR_OK)
        return e;
    int64_t v;
    e = store__one_i64(s, st, &v);
    if (e == ERR_OK)
        *version = (int)v; /* PRAGMA user_version is a 32-bit integer */
    return e;
}

/* open_pg opens a PostgreSQL connection: none of the SQLite set-up below (PRAGMAs,
 * the collation and functions registered with the engine) applies. */
static enum err open_pg(const char *url, enum store_mode mode, struct store **out)
{
    struct store *s = calloc(1, sizeof *s);
    if (s == NULL)
        abort();
    s->mode = mode;
    enum err e = store__pg_open(s, url, mode, &s->pg);
    if (e != ERR_OK) {
        store_close(s);
        return e;
    }
    *out = s;
    return ERR_OK;
}

enum err store_open(const char *path, enum store_mode mode, struct store **out)
{
    *out = NULL;
    if (store_is_postgresql(path))
        return open_pg(path, mode, out);
    struct store *s = calloc(1, sizeof *s);
    if (s == NULL)
        abort();
    s->mode = mode;
    int flags =
        SQLITE_OPEN_NOMUTEX |
        (mode == STORE_READ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    enum err e = ERR_OK;
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        e = s->db != NULL ? store__db_fail(s, rc) : ERR_DB;
        if ((rc & 0xff) == SQLITE_CANTOPEN)
            e = ERR_IO;
        goto out;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    rc = sqlite3_create_collation_v2(s->db, "uk", SQLITE_UTF8, NULL, collate_uk, NULL);
    if (rc != SQLITE_OK) {
        e = store__db_fail(s, rc);
        goto out;
    }
    e = store__search_register(s); /* search_sqlite.c: tokenizer for the FTS index */
    if (e != ERR_OK)
        goto out;
    e = store__signing_register(s); /* signing_sqlite.c: the audit chain hash */
    if (e != ERR_OK)
        goto out;
    /* journal_mode=WAL is stored in the file, so only the writer sets it; the others
     * are per connection. */
    const char *pragmas = mode == STORE_READ
                              ? "PRAGMA synchronous = FULL; PRAGMA query_only = ON; "
                                "PRAGMA cache_size = -" READ_CACHE_KIB "; "
                                "PRAGMA mmap_size = " READ_MMAP_BYTES ";"
                              : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                                "PRAGMA foreign_keys = ON;";
    rc = sqlite3_exec(s->db, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        e = store__db_fail(s, rc);
        if ((rc & 0xff) == SQLITE_NOTADB)
            e = ERR_INVALID;
        goto out;
    }
    if (mode == STORE_READ) {
        int version = 0;
        e = user_version(s, &version);
        if (e == ERR_OK && version != store_schema_version()) {
            snprintf(s->errmsg, sizeof s->errmsg,
                     "database schema version %d, this binary needs %d (run visnyk init)", version,
                     store_schema_version());
            e = ERR_VERSION;
        }
    }
out:
    if (e != ERR_OK) {
        store_close(s);
        return e;
    }
    *out = s;
    return ERR_OK;
}

void store_close(struct store *s)
{
    if (s == NULL)
        return;
    db_pg_close(s->pg);
    for (size_t i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(s->stmts[i].impl);
    for (size_t i = 0; i < STORE__STMT_CACHE_SIZE; i++)
        sqlite3_finalize(s->cache.stmt[i].impl);
    sqlite3_close(s->db);
    free(s);
}

const char *store_errmsg(struct store *s)
{
    return s->errmsg;
}

enum err store_migrate(struct store *s, int *from_version, int *to_version)
{
    if (s->pg != NULL)
        return store__pg_migrate(s, from_version, to_version);
    int version = 0;
    enum err e = user_version(s, &version);
    if (e != ERR_OK)
        return e;
    if (from_version != NULL)
        *from_version = version;
    if (to_version != NULL)
        *to_version = version;
    if (version > store_schema_version()) {
        snprintf(s->errmsg, sizeof s->errmsg,
                 "database schema version %d is newer than this binary's %d", version,
                 store_schema_version());
        return ERR_VERSION;
    }
    while (version < store_schema_version()) {
        e = exec_simple(s, ST_BEGIN_WRITE);
        if (e != ERR_OK)
            return e;
        /* Another process may have migrated while we waited for the lock. */
        int now_version = 0;
        e = user_version(s, &now_version);
        if (e == ERR_OK && now_version == version) {
            int rc = sqlite3_exec(s->db, store__migrations[version], NULL, NULL, NULL);
            if (rc != SQLITE_OK)
                e = store__db_fail(s, rc);
            if (e == ERR_OK)
                e = user_version(s, &now_version);
            if (e == ERR_OK && now_version != version + 1) {
                snprintf(s->errmsg, sizeof s->errmsg, "migration %d did not set user_version",
                         version + 1);
                e = ERR_DB;
            }
        }
        if (e == ERR_OK)
            e = exec_simple(s, ST_COMMIT);
        if (e != ERR_OK) {
            store_rollback(s);
            return e;
        }
        version = now_version;
        if (to_version != NULL)
            *to_version = version;
    }
    return ERR_OK;
}

bool store_in_transaction(struct store *s)
{
    if (s->pg != NULL)
        return store__pg_in_transaction(s);
    return sqlite3_get_autocommit(s->db) == 0;
}

enum err store_begin(struct store *s)
{
    stmt_depth = 0;
    if (s->pg != NULL)
        return store__pg_begin(s, s->mode);
    return exec_simple(s, s->mode == STORE_WRITE ? ST_BEGIN_WRITE : ST_BEGIN_READ);
}

enum err store_commit(struct store *s)
{
    if (s->pg != NULL)
        return store__pg_commit(s);
    return exec_simple(s, ST_COMMIT);
}

void store_rollback(struct store *s)
{
    if (s->pg != NULL)
        store__pg_rollback(s);
    else if (!sqlite3_get_autocommit(s->db))
        exec_simple(s, ST_ROLLBACK);
}

/* ---- reads ---- */

static enum err load_refs(struct store *s, struct arena *a, enum stmt_id id, int64_t article_id,
                          struct store_ref **items, size_t *n)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    enum err e = stmt_get(s, id, &st);
    if (e != ERR_OK)
        return e;
    size_t cap = 0;
    db_bind_i64(st, 1, article_id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        *items = store__grow(a, *items, *n, &cap, sizeof **items);
        struct store_ref *r = &(*items)[(*n)++];
        r->id = db_col_i64(st, 0);
        r->slug = store__col_str(a, st, 1);
        r->name = store__col_str(a, st, 2);
        r->count = 0;
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

static enum err load_photos(struct store *s, struct arena *a, struct store_article *art)
{
    struct db_stmt *st;
    enum err e = stmt_get(s, ST_ARTICLE_PHOTOS, &st);
    if (e != ERR_OK)
        return e;
    size_t cap = 0;
    db_bind_i64(st, 1, art->id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        art->photos = store__grow(a, art->photos, art->n_photos, &cap, sizeof *art->photos);
        struct store_photo *p = &art->photos[art->n_photos++];
        p->id = db_col_i64(st, 0);
        p->hash = store__col_str(a, st, 1);
        p->width = db_col_int(st, 2);
        p->height = db_col_int(st, 3);
        p->caption = store__col_str(a, st, 4);
        p->alt = store__col_str(a, st, 5);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

/* article_load runs one of the ARTICLE_COLS statements, already bound, and fills out
 * with the article and everything attached to it. */
static enum err article_load(struct store *s, struct arena *a, struct db_stmt *st,
                             struct store_article *out)
{
    enum err e = ERR_OK;
    memset(out, 0, sizeof *out);
    int rc = db_step(st);
    if (rc == DB_DONE) {
        e = ERR_NOTFOUND;
        goto out;
    }
    if (rc != DB_ROW) {
        e = store__db_fail(s, rc);
        goto out;
    }
    out->id = db_col_i64(st, 0);
    out->slug = store__col_str(a, st, 1);
    out->title = store__col_str(a, st, 2);
    out->lead = store__col_str(a, st, 3);
    out->body_md = store__col_str(a, st, 4);
    out->published_at = db_col_i64(st, 5);
    out->updated_at = db_col_i64(st, 6);
    if (!store_status_parse(db_col_text(st, 7), &out->status))
        out->status = STORE_DRAFT;
    store__stmt_done(st);
    st = NULL;
    e = load_refs(s, a, ST_ARTICLE_DEPTS, out->id, &out->departments, &out->n_departments);
    if (e == ERR_OK)
        e = load_refs(s, a, ST_ARTICLE_TAGS, out->id, &out->tags, &out->n_tags);
    if (e == ERR_OK)
        e = load_photos(s, a, out);
out:
    store__stmt_done(st);
    return e;
}

enum err store_article_by_slug(struct store *s, struct arena *a, struct str slug,
                               struct store_article *out)
{
    struct db_stmt *st;
    enum err e = stmt_get(s, ST_ARTICLE_BY_SLUG, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, slug);
    db_bind_i64(st, 2, utc_now());
    return article_load(s, a, st, out);
}

enum err store_article_by_id(struct store *s, struct arena *a, int64_t id,
                             struct store_article *out)
{
    struct db_stmt *st;
    enum err e = stmt_get(s, ST_ARTICLE_BY_ID, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, utc_now());
    return article_load(s, a, st, out);
}

enum err store_article_by_slug_any(struct store *s, struct arena *a, struct str slug,
                                   struct store_article *out)
{
    struct db_stmt *st;
    enum err e = stmt_get(s, ST_ARTICLE_BY_SLUG_ANY, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, slug);
    return article_load(s, a, st, out);
}

void store__summary_read(struct arena *a, struct db_stmt *st, struct store_summary *out)
{
    out->id = db_col_i64(st, 0);
    out->slug = store__col_str(a, st, 1);
    out->title = store__col_str(a, st, 2);
    out->lead = store__col_str(a, st, 3);
    out->published_at = db_col_i64(st, 4);
    out->lead_photo = NULL;
    if (!db_col_null(st, 5)) {
        struct store_photo *p = arena_alloc(a, sizeof *p);
        p->id = db_col_i64(st, 5);
        p->hash = store__col_str(a, st, 6);
        p->width = db_col_int(st, 7);
        p->height = db_col_int(st, 8);
        p->caption = store__col_str(a, st, 9);
        p->alt = store__col_str(a, st, 10);
        out->lead_photo = p;
    }
}

/* list_bind binds the keyset bounds shared by the list and count statements: the upper
 * bound is the smallest of the cursor, "until" and "now" (published_at <= now is
 * (published_at, id) < (now + 1, 0), ids being positive), as one row-value range. */
static void list_bind(struct db_stmt *st, const struct store_list_query *q, int64_t now)
{
    int64_t up_at = now + 1, up_id = 0;
    if (q->until != 0 && q->until < up_at)
        up_at = q->until;
    if ((q->after.published_at != 0 || q->after.id != 0) &&
        (q->after.published_at < up_at ||
         (q->after.published_at == up_at && q->after.id < up_id))) {
        up_at = q->after.published_at;
        up_id = q->after.id;
    }
    db_bind_i64(st, 1, up_at);
    db_bind_i64(st, 2, up_id);
    db_bind_i64(st, 3, q->from != 0 ? q->from : INT64_MIN);
    if (q->tag_id != 0) {
        db_bind_i64(st, 5, q->tag_id);
        if (q->dept_id != 0)
            db_bind_i64(st, 6, q->dept_id);
    } else if (q->dept_id != 0) {
        db_bind_i64(st, 5, q->dept_id);
    }
}

static enum stmt_id back_stmt(const struct store_list_query *q)
{
    if (q->tag_id != 0 && q->dept_id != 0)
        return ST_BACK_TAG_DEPT;
    if (q->tag_id != 0)
        return ST_BACK_TAG;
    if (q->dept_id != 0)
        return ST_BACK_DEPT;
    return ST_BACK_ALL;
}

static enum stmt_id list_stmt(const struct store_list_query *q, bool count)
{
    if (q->tag_id != 0 && q->dept_id != 0)
        return count ? ST_COUNT_TAG_DEPT : ST_LIST_TAG_DEPT;
    if (q->tag_id != 0)
        return count ? ST_COUNT_TAG : ST_LIST_TAG;
    if (q->dept_id != 0)
        return count ? ST_COUNT_DEPT : ST_LIST_DEPT;
    return count ? ST_COUNT_ALL : ST_LIST_ALL;
}

enum err store_article_list(struct store *s, struct arena *a, const struct store_list_query *q,
                            struct store_summary **items, size_t *n, bool *has_more)
{
    *items = NULL;
    *n = 0;
    *has_more = false;
    if (q->limit == 0 || q->limit > STORE_MAX_LIST_LIMIT)
        return ERR_INVALID;
    struct db_stmt *st;
    enum err e = stmt_get(s, list_stmt(q, false), &st);
    if (e != ERR_OK)
        return e;
    list_bind(st, q, utc_now());
    /* One extra row tells whether another page follows. */
    db_bind_i64(st, 4, (int64_t)q->limit + 1);
    *items = arena_alloc_array(a, q->limit, sizeof **items);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == q->limit) {
            *has_more = true;
            break;
        }
        store__summary_read(a, st, &(*items)[(*n)++]);
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_article_page_before(struct store *s, const struct store_list_query *q,
                                   struct store_cursor *before, bool *first)
{
    memset(before, 0, sizeof *before);
    *first = true;
    if (q->limit == 0 || q->limit > STORE_MAX_LIST_LIMIT)
        return ERR_INVALID;
    if (q->after.published_at == 0 && q->after.id == 0)
        return ERR_OK;
    struct db_stmt *st;
    enum err e = stmt_get(s, back_stmt(q), &st);
    if (e != ERR_OK)
        return e;
    int64_t up = utc_now() + 1; /* the lists' own bound: published_at <= now, before until */
    if (q->until != 0 && q->until < up)
        up = q->until;
    db_bind_i64(st, 1, q->after.published_at);
    db_bind_i64(st, 2, q->after.id);
    db_bind_i64(st, 3, up);
    /* the page before holds the cursor's own row and limit - 1 newer ones; its cursor is
     * the next newer row after them */
    db_bind_i64(st, 4, (int64_t)q->limit - 1);
    if (q->tag_id != 0) {
        db_bind_i64(st, 5, q->tag_id);
        if (q->dept_id != 0)
            db_bind_i64(st, 6, q->dept_id);
    } else if (q->dept_id != 0) {
        db_bind_i64(st, 5, q->dept_id);
    }
    int rc = db_step(st);
    if (rc == DB_ROW) {
        before->published_at = db_col_i64(st, 0);
        before->id = db_col_i64(st, 1);
        *first = false;
    } else if (rc != DB_DONE) {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

enum err store_article_count(struct store *s, const struct store_list_query *q, int64_t *count)
{
    struct db_stmt *st;
    *count = 0;
    enum err e = stmt_get(s, list_stmt(q, true), &st);
    if (e != ERR_OK)
        return e;
    struct store_list_query whole = *q;
    whole.after = (struct store_cursor){0, 0};
    list_bind(st, &whole, utc_now());
    return store__one_i64(s, st, count);
}

enum err store_next_visible_at(struct store *s, int64_t *at)
{
    struct db_stmt *st;
    *at = 0;
    enum err e = stmt_get(s, ST_NEXT_VISIBLE, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, utc_now());
    int rc = db_step(st);
    if (rc != DB_ROW)
        e = store__db_fail(s, rc);
    else if (db_col_null(st, 0))
        e = ERR_NOTFOUND;
    else
        *at = db_col_i64(st, 0);
    store__stmt_done(st);
    return e;
}

/* summary_one runs a bound SUMMARY_COLS statement expected to give at most one row;
 * out->id stays 0 when it gives none. */
static enum err summary_one(struct store *s, struct arena *a, struct db_stmt *st,
                            struct store_summary *out)
{
    enum err e = ERR_OK;
    memset(out, 0, sizeof *out);
    int rc = db_step(st);
    if (rc == DB_ROW)
        store__summary_read(a, st, out);
    else if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_article_neighbours(struct store *s, struct arena *a, const struct store_article *art,
                                  struct store_summary *older, struct store_summary *newer)
{
    struct db_stmt *st;
    memset(older, 0, sizeof *older);
    memset(newer, 0, sizeof *newer);
    enum err e = stmt_get(s, ST_OLDER, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, art->published_at);
    db_bind_i64(st, 2, art->id);
    e = summary_one(s, a, st, older);
    if (e != ERR_OK)
        return e;
    e = stmt_get(s, ST_NEWER, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, art->published_at);
    db_bind_i64(st, 2, art->id);
    db_bind_i64(st, 3, utc_now());
    return summary_one(s, a, st, newer);
}

/* related_collect appends the newest visible articles linked to each tag or department
 * of article_id (from the ref list statement) to *c. */
static enum err related_collect(struct store *s, enum stmt_id refs_id, enum stmt_id cand_id,
                                int weight, int64_t article_id, int64_t now,
                                struct store__candidate **c, size_t *n, size_t *cap)
{
    struct arena *tmp = arena_new(4096);
    struct store_ref *refs;
    size_t n_refs;
    enum err e = load_refs(s, tmp, refs_id, article_id, &refs, &n_refs);
    for (size_t i = 0; i < n_refs && e == ERR_OK; i++) {
        struct db_stmt *st;
        e = stmt_get(s, cand_id, &st);
        if (e != ERR_OK)
            break;
        db_bind_i64(st, 1, refs[i].id);
        db_bind_i64(st, 2, article_id);
        db_bind_i64(st, 3, now);
        db_bind_i64(st, 4, STORE__RELATED_PER_REF);
        int rc;
        while ((rc = db_step(st)) == DB_ROW) {
            if (*n == *cap) {
                *cap = *cap == 0 ? 256 : *cap * 2;
                *c = realloc(*c, *cap * sizeof **c);
                if (*c == NULL)
                    abort();
            }
            (*c)[(*n)++] = (struct store__candidate){
                .id = db_col_i64(st, 0),
                .published_at = db_col_i64(st, 1),
                .score = weight,
            };
        }
        if (rc != DB_DONE)
            e = store__db_fail(s, rc);
        store__stmt_done(st);
    }
    arena_free(tmp);
    return e;
}

static const char sql_related_manual[] =
    "SELECT a.id FROM article_related r JOIN articles a ON a.slug = r.related_slug "
    "WHERE r.article_id = ?1 AND a.id <> ?1 ORDER BY r.pos";
static const char sql_related_unlink[] = "DELETE FROM article_related WHERE article_id = ?1";
static const char sql_related_link[] =
    "INSERT INTO article_related (article_id, pos, related_slug) VALUES (?1, ?2, ?3)";

/* related_manual puts the editors' choices first among the candidates, with a weight no
 * shared tag can reach, keeping their order. */
static enum err related_manual(struct store *s, int64_t article_id, struct store__candidate **c,
                               size_t *nc, size_t *cap)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_related_manual, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    int rc;
    int64_t rank = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*nc == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *c = realloc(*c, *cap * sizeof **c);
            if (*c == NULL)
                abort();
        }
        struct store__candidate *k = &(*c)[(*nc)++];
        memset(k, 0, sizeof *k);
        k->id = db_col_i64(st, 0);
        k->published_at = 0;
        /* Later choices rank lower, and each one above any automatic score, which
         * merging may add to it (shared tags and departments stay far below 1000). */
        k->score = STORE__RELATED_MANUAL_WEIGHT - (int)rank * 1000;
        rank++;
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_article_related(struct store *s, struct arena *a, int64_t article_id, size_t limit,
                               struct store_summary **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (limit > STORE_MAX_LIST_LIMIT)
        limit = STORE_MAX_LIST_LIMIT;
    if (limit == 0)
        return ERR_OK;
    int64_t now = utc_now();
    struct store__candidate *c = NULL;
    size_t nc = 0, cap = 0;
    enum err e = related_manual(s, article_id, &c, &nc, &cap);
    if (e == ERR_OK)
        e = related_collect(s, ST_ARTICLE_TAGS, ST_RELATED_TAGS, STORE__RELATED_TAG_WEIGHT,
                            article_id, now, &c, &nc, &cap);
    if (e == ERR_OK)
        e = related_collect(s, ST_ARTICLE_DEPTS, ST_RELATED_DEPTS, STORE__RELATED_DEPT_WEIGHT,
                            article_id, now, &c, &nc, &cap);
    if (e != ERR_OK)
        goto out;
    nc = store__candidates_rank(c, nc);
    *items = arena_alloc_array(a, limit, sizeof **items);
    for (size_t i = 0; i < nc && *n < limit; i++) {
        struct db_stmt *st;
        e = stmt_get(s, ST_SUMMARY_BY_ID, &st);
        if (e != ERR_OK)
            goto out;
        db_bind_i64(st, 1, c[i].id);
        db_bind_i64(st, 2, now);
        e = summary_one(s, a, st, &(*items)[*n]);
        if (e != ERR_OK)
            goto out;
        if ((*items)[*n].id != 0)
            (*n)++;
    }
out:
    free(c);
    return e;
}

/* ref_read fills a store_ref from an (id, slug, name, count) row. */
static void ref_read(struct arena *a, struct db_stmt *st, struct store_ref *out)
{
    out->id = db_col_i64(st, 0);
    out->slug = store__col_str(a, st, 1);
    out->name = store__col_str(a, st, 2);
    out->count = db_col_i64(st, 3);
}

static enum err ref_by_slug(struct store *s, struct arena *a, enum stmt_id id, struct str slug,
                            struct store_ref *out)
{
    struct db_stmt *st;
    memset(out, 0, sizeof *out);
    enum err e = stmt_get(s, id, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, slug);
    db_bind_i64(st, 9, utc_now());
    int rc = db_step(st);
    if (rc == DB_ROW)
        ref_read(a, st, out);
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_tag_by_slug(struct store *s, struct arena *a, struct str slug, struct store_ref *out)
{
    return ref_by_slug(s, a, ST_TAG_BY_SLUG, slug, out);
}

enum err store_dept_by_slug(struct store *s, struct arena *a, struct str slug,
                            struct store_ref *out)
{
    return ref_by_slug(s, a, ST_DEPT_BY_SLUG, slug, out);
}

static enum err refs_all(struct store *s, struct arena *a, enum stmt_id id,
                         struct store_ref **items, size_t *n)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    enum err e = stmt_get(s, id, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 9, utc_now());
    return store__refs_read(s, a, st, items, n);
}

enum err store__refs_read(struct store *s, struct arena *a, struct db_stmt *st,
                          struct store_ref **items, size_t *n)
{
    enum err e = ERR_OK;
    size_t cap = 0;
    int rc;
    *items = NULL;
    *n = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        *items = store__grow(a, *items, *n, &cap, sizeof **items);
        ref_read(a, st, &(*items)[(*n)++]);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_tags_all(struct store *s, struct arena *a, struct store_ref **items, size_t *n)
{
    return refs_all(s, a, ST_TAGS_ALL, items, n);
}

enum err store_depts_all(struct store *s, struct arena *a, struct store_ref **items, size_t *n)
{
    return refs_all(s, a, ST_DEPTS_ALL, items, n);
}

enum err store_tags_published(struct store *s, struct arena *a, struct store_ref **items, size_t *n)
{
    return refs_all(s, a, ST_TAGS_PUBLISHED, items, n);
}

enum err store_depts_published(struct store *s, struct arena *a, struct store_ref **items,
                               size_t *n)
{
    return refs_all(s, a, ST_DEPTS_PUBLISHED, items, n);
}

enum err store_archive_months(struct store *s, struct arena *a, struct store_month **items,
                              size_t *n)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    enum err e = stmt_get(s, ST_MONTHS, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, utc_now());
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        *items = store__grow(a, *items, *n, &cap, sizeof **items);
        struct store_month *m = &(*items)[(*n)++];
        int64_t ym = db_col_i64(st, 0);
        m->year = (int)(ym / 100);
        m->month = (int)(ym % 100);
        m->count = db_col_i64(st, 1);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

static void page_read(struct arena *a, struct db_stmt *st, struct store_page *out)
{
    out->id = db_col_i64(st, 0);
    out->slug = store__col_str(a, st, 1);
    out->title = store__col_str(a, st, 2);
    out->body_md = store__col_str(a, st, 3);
    out->updated_at = db_col_i64(st, 4);
    out->version = db_col_i64(st, 5);
}

/* page_one steps a bound statement for one page into out; ERR_NOTFOUND without a row. */
static enum err page_one(struct store *s, struct arena *a, struct db_stmt *st,
                         struct store_page *out)
{
    enum err e = ERR_OK;
    int rc = db_step(st);
    if (rc == DB_ROW)
        page_read(a, st, out);
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_page_by_slug(struct store *s, struct arena *a, struct str slug,
                            struct store_page *out)
{
    struct db_stmt *st;
    memset(out, 0, sizeof *out);
    enum err e = stmt_get(s, ST_PAGE_BY_SLUG, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, slug);
    return page_one(s, a, st, out);
}

enum err store_page_by_id(struct store *s, struct arena *a, int64_t id, struct store_page *out)
{
    struct db_stmt *st;
    memset(out, 0, sizeof *out);
    enum err e = stmt_get(s, ST_PAGE_BY_ID, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    return page_one(s, a, st, out);
}

enum err store_pages_all(struct store *s, struct arena *a, struct store_page **items, size_t *n)
{
    struct db_stmt *st;
    *items = NULL;
    *n = 0;
    enum err e = stmt_get(s, ST_PAGES_ALL, &st);
    if (e != ERR_OK)
        return e;
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        *items = store__grow(a, *items, *n, &cap, sizeof **items);
        page_read(a, st, &(*items)[(*n)++]);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_setting_get(struct store *s, struct arena *a, const char *key, struct str *value)
{
    struct db_stmt *st;
    *value = STR_NULL;
    enum err e = stmt_get(s, ST_SETTING_GET, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, str_from_cstr(key));
    int rc = db_step(st);
    if (rc == DB_ROW)
        *value = store__col_str(a, st, 0);
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_setting_set(struct store *s, const char *key, struct str value)
{
    struct str k = str_from_cstr(key);
    if (k.len == 0 || k.len > STORE_MAX_SETTING_KEY_BYTES || value.len > STORE_MAX_SETTING_BYTES) {
        snprintf(s->errmsg, sizeof s->errmsg, "setting key or value too long");
        return k.len == 0 ? ERR_INVALID : ERR_TOO_LARGE;
    }
    struct db_stmt *st;
    enum err e = stmt_get(s, ST_SETTING_SET, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, k);
    db_bind_str(st, 2, value);
    int rc = db_step(st);
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_change_counter(struct store *s, int64_t *version)
{
    struct db_stmt *st;
    *version = 0;
    if (s->pg != NULL)
        return store__pg_change_counter(s, version);
    enum err e = stmt_get(s, ST_DATA_VERSION, &st);
    if (e != ERR_OK)
        return e;
    e = store__one_i64(s, st, version);
    /* data_version moves on other connections' commits, total_changes on our own;
     * both only grow, so their sum changes on either. */
    if (e == ERR_OK)
        *version += sqlite3_total_changes64(s->db);
    return e;
}

/* ---- writes ---- */

/* ref_ensure finds the tag or department called name, creating it when missing with
 * a slug made unique by -2, -3, ... */
static enum err ref_ensure(struct store *s, bool is_tag, struct str name, int64_t *id)
{
    struct db_stmt *st;
    name = str_trim(name);
    enum err e = stmt_get(s, is_tag ? ST_TAG_ID_BY_NAME : ST_DEPT_ID_BY_NAME, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, name);
    e = store__opt_i64(s, st, id, NULL);
    if (e != ERR_OK || *id != 0)
        return e;

    struct buf slug;
    buf_init(&slug, STORE_MAX_SLUG_BYTES);
    e = store__ref_slug(&slug, name, is_tag ? "tag" : "department");
    if (e != ERR_OK)
        goto out;
    size_t base_len = slug.len;
    for (int n = 1;; n++) {
        if (n > 1) {
            slug.len = base_len;
            e = buf_appendf(&slug, "-%d", n);
            if (e != ERR_OK)
                goto out;
        }
        int64_t taken = 0;
        e = stmt_get(s, is_tag ? ST_TAG_SLUG_TAKEN : ST_DEPT_SLUG_TAKEN, &st);
        if (e != ERR_OK)
            goto out;
        db_bind_str(st, 1, buf_str(&slug));
        e = store__opt_i64(s, st, &taken, NULL);
        if (e != ERR_OK)
            goto out;
        if (taken == 0)
            break;
    }
    e = stmt_get(s, is_tag ? ST_TAG_INSERT : ST_DEPT_INSERT, &st);
    if (e != ERR_OK)
        goto out;
    db_bind_str(st, 1, buf_str(&slug));
    db_bind_str(st, 2, name);
    e = store__opt_i64(s, st, id, NULL);
out:
    buf_free(&slug);
    return e;
}

static enum err exec_id(struct store *s, enum stmt_id id, int64_t arg)
{
    struct db_stmt *st;
    enum err e = stmt_get(s, id, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, arg);
    int rc = db_step(st);
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

static enum err link_refs(struct store *s, bool is_tag, int64_t article_id, const struct str *names,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t ref_id;
        enum err e = ref_ensure(s, is_tag, names[i], &ref_id);
        if (e != ERR_OK)
            return e;
        struct db_stmt *st;
        e = stmt_get(s, is_tag ? ST_LINK_TAG : ST_LINK_DEPT, &st);
        if (e != ERR_OK)
            return e;
        db_bind_i64(st, 1, article_id);
        db_bind_i64(st, 2, ref_id);
        db_bind_i64(st, 3, (int64_t)i);
        int rc = db_step(st);
        if (rc != DB_DONE)
            e = store__db_fail(s, rc);
        store__stmt_done(st);
        if (e != ERR_OK)
            return e;
    }
    return ERR_OK;
}

/* link_related replaces the editors' related choices of article_id. */
static enum err link_related(struct store *s, int64_t article_id, const struct str *slugs, size_t n)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_related_unlink, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    int rc = db_step(st);
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    for (size_t i = 0; i < n && e == ERR_OK; i++) {
        e = store__prepare(s, sql_related_link, &st);
        if (e != ERR_OK)
            break;
        db_bind_i64(st, 1, article_id);
        db_bind_i64(st, 2, (int64_t)i);
        db_bind_str(st, 3, slugs[i]);
        rc = db_step(st);
        if (rc != DB_DONE)
            e = store__db_fail(s, rc);
        store__stmt_done(st);
    }
    return e;
}

enum err store_article_upsert(struct store *s, const struct store_article_input *in, int64_t *id)
{
    *id = 0;
    s->errmsg[0] = '\0';
    enum err e = store__article_input_check(in, s->errmsg, sizeof s->errmsg);
    if (e != ERR_OK)
        return e;
    struct db_stmt *st;
    e = stmt_get(s, ST_ARTICLE_UPSERT, &st);
    if (e != ERR_OK)
        return e;
    int64_t now = utc_now();
    db_bind_str(st, 1, in->slug);
    db_bind_str(st, 2, in->title);
    db_bind_str(st, 3, in->lead);
    db_bind_str(st, 4, in->body_md);
    db_bind_cstr(st, 5, store_status_text(in->status));
    db_bind_i64(st, 6, in->published_at);
    db_bind_i64(st, 7, store__published_ym(in->published_at));
    db_bind_i64(st, 8, now);
    e = store__opt_i64(s, st, id, NULL);
    if (e != ERR_OK)
        return e;
    e = exec_id(s, ST_ARTICLE_UNLINK_DEPTS, *id);
    if (e == ERR_OK)
        e = exec_id(s, ST_ARTICLE_UNLINK_TAGS, *id);
    if (e == ERR_OK)
        e = exec_id(s, ST_ARTICLE_UNLINK_PHOTOS, *id);
    if (e == ERR_OK)
        e = link_refs(s, false, *id, in->departments, in->n_departments);
    if (e == ERR_OK)
        e = link_refs(s, true, *id, in->tags, in->n_tags);
    for (size_t i = 0; i < in->n_photos && e == ERR_OK; i++) {
        const struct store_photo_input *p = &in->photos[i];
        e = stmt_get(s, ST_PHOTO_INSERT, &st);
        if (e != ERR_OK)
            break;
        db_bind_i64(st, 1, *id);
        db_bind_i64(st, 2, (int64_t)i);
        db_bind_str(st, 3, p->hash);
        db_bind_i64(st, 4, p->width);
        db_bind_i64(st, 5, p->height);
        db_bind_str(st, 6, p->caption);
        db_bind_str(st, 7, p->alt);
        int rc = db_step(st);
        if (rc != DB_DONE)
            e = store__db_fail(s, rc);
        store__stmt_done(st);
    }
    if (e == ERR_OK)
        e = link_related(s, *id, in->related, in->n_related);
    /* the captions of the new photos; PostgreSQL has no search yet (issue 11) */
    if (e == ERR_OK && s->pg == NULL)
        e = store__search_article_refresh(s, *id);
    return e;
}

enum err store_page_upsert(struct store *s, struct str slug, struct str title, struct str body_md)
{
    s->errmsg[0] = '\0';
    enum err e = store__page_input_check(slug, title, body_md, s->errmsg, sizeof s->errmsg);
    if (e != ERR_OK)
        return e;
    struct db_stmt *st;
    e = stmt_get(s, ST_PAGE_UPSERT, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, slug);
    db_bind_str(st, 2, title);
    db_bind_str(st, 3, body_md);
    db_bind_i64(st, 4, utc_now());
    int rc = db_step(st);
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

int64_t db_changes(struct store *s)
{
    if (s->pg != NULL)
        return db_pg_changes(s->pg);
    return sqlite3_changes64(s->db);
}

int64_t db_last_id(struct store *s)
{
    if (s->pg != NULL)
        return store__pg_last_id(s);
    return sqlite3_last_insert_rowid(s->db);
}
