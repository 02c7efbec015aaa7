/* translations_sqlite.c: the SQLite queries of translations.h (migration 14). The
 * English site is small next to the Ukrainian one, so its lists filter with EXISTS
 * rather than through link tables of their own. */
#include <string.h>

#include "core/buf.h"
#include "core/kyiv_time.h"
#include "store/db.h"
#include "store/translations.h"

/* A public translation: its own status, then the original's visibility rule and time
 * (?now bound by the caller). */
#define PUBLIC(now)                                                                                \
    "t.status = 'published' AND a.status IN ('published', 'scheduled') AND a.published_at <= " now
#define TR_COLS                                                                                    \
    "t.id, t.article_id, t.lang, t.slug, t.title, t.lead, t.body_md, t.status, t.updated_at, "     \
    "a.slug, a.title"
#define TR_FROM "FROM article_translations t JOIN articles a ON a.id = t.article_id "
#define SUMMARY                                                                                    \
    "SELECT a.id, t.slug, t.title, t.lead, a.published_at, p.id, p.hash, p.width, p.height, "      \
    "p.caption, p.alt " TR_FROM "LEFT JOIN photos p ON p.article_id = a.id AND p.pos = 0 "
/* ?1 lang, ?2/?3 keyset bound, ?4 lower bound on published_at, ?5 limit, ?6 tag, ?7
 * department (0 = any) */
#define FILTERS                                                                                    \
    "AND (?6 = 0 OR EXISTS (SELECT 1 FROM article_tags l WHERE l.article_id = a.id "               \
    "AND l.tag_id = ?6)) "                                                                         \
    "AND (?7 = 0 OR EXISTS (SELECT 1 FROM article_departments d WHERE d.article_id = a.id "        \
    "AND d.department_id = ?7)) "

static const char sql_by_slug[] =
    "SELECT " TR_COLS " " TR_FROM "WHERE t.lang = ?1 AND t.slug = ?2 AND " PUBLIC("?3");
static const char sql_of_public[] =
    "SELECT " TR_COLS " " TR_FROM "WHERE t.article_id = ?1 AND t.lang = ?2 AND " PUBLIC("?3");
static const char sql_of_any[] =
    "SELECT " TR_COLS " " TR_FROM "WHERE t.article_id = ?1 AND t.lang = ?2";
static const char sql_list[] = SUMMARY "WHERE t.lang = ?1 AND " PUBLIC(
    "?8") " AND (a.published_at, a.id) < (?2, ?3) AND a.published_at >= ?4 " FILTERS
          "ORDER BY a.published_at DESC, a.id DESC LIMIT ?5";
static const char sql_back[] =
    "SELECT a.published_at, a.id " TR_FROM "WHERE t.lang = ?1 AND " PUBLIC(
        "?8") " AND (a.published_at, a.id) > (?2, ?3) AND a.published_at < ?4 " FILTERS
              "ORDER BY a.published_at, a.id LIMIT 1 OFFSET ?5";
static const char sql_search[] =
    SUMMARY "JOIN article_translation_fts f ON f.rowid = t.id "
            "WHERE article_translation_fts MATCH ?1 AND t.lang = ?2 AND " PUBLIC(
                "?3") " ORDER BY bm25(article_translation_fts, 10.0, 4.0, 1.0), a.published_at "
                      "DESC LIMIT ?4 OFFSET ?5";
static const char sql_search_count[] =
    "SELECT count(*) " TR_FROM "JOIN article_translation_fts f ON f.rowid = t.id "
    "WHERE article_translation_fts MATCH ?1 AND t.lang = ?2 AND " PUBLIC("?3");
static const char sql_article_exists[] = "SELECT id FROM articles WHERE id = ?1";
static const char sql_slug_owner[] =
    "SELECT article_id FROM article_translations WHERE lang = ?1 AND slug = ?2";
static const char sql_save[] =
    "INSERT INTO article_translations (article_id, lang, slug, title, lead, body_md, status, "
    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (article_id, lang) DO UPDATE SET slug = excluded.slug, title = excluded.title, "
    "lead = excluded.lead, body_md = excluded.body_md, status = excluded.status, "
    "updated_at = excluded.updated_at RETURNING id";
#define MISSING                                                                                    \
    "FROM articles a WHERE a.status IN ('published', 'scheduled') AND a.published_at <= ?2 "       \
    "AND NOT EXISTS (SELECT 1 FROM article_translations t WHERE t.article_id = a.id "              \
    "AND t.lang = ?1) "
static const char sql_missing[] =
    "SELECT a.id, a.slug, a.title, a.lead, a.published_at, NULL, NULL, NULL, NULL, NULL, "
    "NULL " MISSING "ORDER BY a.published_at DESC, a.id DESC LIMIT ?3";
static const char sql_missing_count[] = "SELECT count(*) " MISSING;

static const char sql_sitemap[] =
    "SELECT t.slug, a.slug, t.updated_at, a.updated_at " TR_FROM
    "WHERE t.lang = ?1 AND " PUBLIC("?2") " ORDER BY a.published_at DESC, a.id DESC LIMIT ?3";

static const char sql_months[] =
    "SELECT a.published_ym, count(*) " TR_FROM
    "WHERE t.lang = ?1 AND " PUBLIC("?2") " GROUP BY a.published_ym "
                                          "ORDER BY a.published_ym DESC";

#define REFS(tbl, link, col)                                                                       \
    "SELECT r.id, r.slug, r.name, count(*) FROM " tbl " r JOIN " link " l ON l." col " = r.id "    \
    "JOIN article_translations t ON t.article_id = l.article_id "                                  \
    "JOIN articles a ON a.id = t.article_id WHERE t.lang = ?1 AND " PUBLIC("?2") " "
static const char sql_tags[] = REFS(
    "tags", "article_tags", "tag_id") "GROUP BY r.id, r.slug, r.name ORDER BY r.name COLLATE uk";
static const char sql_depts[] = REFS(
    "departments", "article_departments",
    "department_id") "GROUP BY r.id, r.slug, r.name, r.sort ORDER BY r.sort, r.name COLLATE uk";

static void read_translation(struct arena *a, struct db_stmt *st, struct store_translation *out)
{
    out->id = db_col_i64(st, 0);
    out->article_id = db_col_i64(st, 1);
    out->lang = store__col_str(a, st, 2);
    out->slug = store__col_str(a, st, 3);
    out->title = store__col_str(a, st, 4);
    out->lead = store__col_str(a, st, 5);
    out->body_md = store__col_str(a, st, 6);
    out->published = str_eq_cstr(db_col_text(st, 7), "published");
    out->updated_at = db_col_i64(st, 8);
    out->original_slug = store__col_str(a, st, 9);
    out->original_title = store__col_str(a, st, 10);
}

/* one_translation steps a bound statement for at most one row, then resets it. */
static enum err one_translation(struct store *s, struct arena *a, struct db_stmt *st,
                                struct store_translation *out)
{
    enum err e = ERR_OK;
    int rc = db_step(st);

    memset(out, 0, sizeof *out);
    if (rc == DB_ROW)
        read_translation(a, st, out);
    else if (rc == DB_DONE)
        e = ERR_NOTFOUND;
    else
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_translation_by_slug(struct store *s, struct arena *a, struct str lang,
                                   struct str slug, struct store_translation *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_by_slug, &st);

    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, lang);
    db_bind_str(st, 2, slug);
    db_bind_i64(st, 3, utc_now());
    return one_translation(s, a, st, out);
}

enum err store_translation_of(struct store *s, struct arena *a, int64_t article_id, struct str lang,
                              bool public_only, struct store_translation *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, public_only ? sql_of_public : sql_of_any, &st);

    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_str(st, 2, lang);
    if (public_only)
        db_bind_i64(st, 3, utc_now());
    return one_translation(s, a, st, out);
}

/* bind_list binds what the list and the way back share: lang, the filters and now. */
static void bind_list(struct db_stmt *st, struct str lang, const struct store_list_query *q,
                      int64_t now)
{
    db_bind_str(st, 1, lang);
    db_bind_i64(st, 6, q->tag_id);
    db_bind_i64(st, 7, q->dept_id);
    db_bind_i64(st, 8, now);
}

/* summaries steps st to its end (at most limit rows, one more sets *more). */
static enum err summaries(struct store *s, struct arena *a, struct db_stmt *st, size_t limit,
                          struct store_summary **items, size_t *n, bool *more)
{
    enum err e = ERR_OK;
    int rc;

    *items = arena_alloc_array(a, limit > 0 ? limit : 1, sizeof **items);
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == limit) {
            if (more != NULL)
                *more = true;
            break;
        }
        store__summary_read(a, st, &(*items)[(*n)++]);
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_translation_list(struct store *s, struct arena *a, struct str lang,
                                const struct store_list_query *q, struct store_summary **items,
                                size_t *n, bool *has_more)
{
    int64_t now = utc_now(), up_at = now + 1, up_id = 0;
    struct db_stmt *st;
    enum err e;

    *items = NULL;
    *n = 0;
    *has_more = false;
    if (q->limit == 0 || q->limit > STORE_MAX_LIST_LIMIT)
        return ERR_INVALID;
    e = store__prepare(s, sql_list, &st);
    if (e != ERR_OK)
        return e;
    if (q->until != 0 && q->until < up_at)
        up_at = q->until;
    if ((q->after.published_at != 0 || q->after.id != 0) && q->after.published_at < up_at) {
        up_at = q->after.published_at;
        up_id = q->after.id;
    }
    bind_list(st, lang, q, now);
    db_bind_i64(st, 2, up_at);
    db_bind_i64(st, 3, up_id);
    db_bind_i64(st, 4, q->from != 0 ? q->from : INT64_MIN);
    db_bind_i64(st, 5, (int64_t)q->limit + 1);
    return summaries(s, a, st, q->limit, items, n, has_more);
}

enum err store_translation_page_before(struct store *s, struct str lang,
                                       const struct store_list_query *q,
                                       struct store_cursor *before, bool *first)
{
    int64_t now = utc_now(), up = now + 1;
    struct db_stmt *st;
    enum err e;
    int rc;

    memset(before, 0, sizeof *before);
    *first = true;
    if (q->limit == 0 || q->limit > STORE_MAX_LIST_LIMIT)
        return ERR_INVALID;
    if (q->after.published_at == 0 && q->after.id == 0)
        return ERR_OK;
    e = store__prepare(s, sql_back, &st);
    if (e != ERR_OK)
        return e;
    if (q->until != 0 && q->until < up)
        up = q->until;
    bind_list(st, lang, q, now);
    db_bind_i64(st, 2, q->after.published_at);
    db_bind_i64(st, 3, q->after.id);
    db_bind_i64(st, 4, up);
    /* the page before holds the cursor's own row and limit - 1 newer ones */
    db_bind_i64(st, 5, (int64_t)q->limit - 1);
    rc = db_step(st);
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

/* match_build turns query into "w1" "w2" ...: ASCII letters and digits and every
 * non-ASCII byte make words (lower-cased by the tokenizer), anything else separates
 * them; so quotes, operators and column filters never reach FTS5. false when no word. */
static bool match_build(struct str query, struct buf *out)
{
    size_t words = 0, i = 0;

    while (i < query.len && words < STORE_TRANSLATION_SEARCH_MAX_WORDS) {
        size_t start;
        while (i < query.len && !((unsigned char)query.ptr[i] >= 0x80 ||
                                  (query.ptr[i] >= 'a' && query.ptr[i] <= 'z') ||
                                  (query.ptr[i] >= 'A' && query.ptr[i] <= 'Z') ||
                                  (query.ptr[i] >= '0' && query.ptr[i] <= '9')))
            i++;
        start = i;
        while (i < query.len && ((unsigned char)query.ptr[i] >= 0x80 ||
                                 (query.ptr[i] >= 'a' && query.ptr[i] <= 'z') ||
                                 (query.ptr[i] >= 'A' && query.ptr[i] <= 'Z') ||
                                 (query.ptr[i] >= '0' && query.ptr[i] <= '9')))
            i++;
        if (i == start)
            break;
        buf_appendf(out, "%s\"%.*s\"", words > 0 ? " " : "", (int)(i - start), query.ptr + start);
        words++;
    }
    return words > 0;
}

enum err store_translation_search(struct store *s, struct arena *a, struct str lang,
                                  struct str query, size_t limit, size_t offset,
                                  struct store_summary **items, size_t *n, int64_t *total)
{
    int64_t now = utc_now();
    struct buf match;
    struct db_stmt *st;
    enum err e;

    *items = NULL;
    *n = 0;
    *total = 0;
    if (limit == 0 || limit > STORE_MAX_LIST_LIMIT)
        return ERR_INVALID;
    buf_init(&match, 4 * 1024);
    if (!match_build(query, &match) || buf_error(&match) != ERR_OK) {
        e = buf_error(&match);
        buf_free(&match);
        return e;
    }
    e = store__prepare(s, sql_search_count, &st);
    if (e == ERR_OK) {
        db_bind_str(st, 1, buf_str(&match));
        db_bind_str(st, 2, lang);
        db_bind_i64(st, 3, now);
        e = store__one_i64(s, st, total);
    }
    if (e == ERR_OK && *total > 0)
        e = store__prepare(s, sql_search, &st);
    if (e == ERR_OK && *total > 0) {
        db_bind_str(st, 1, buf_str(&match));
        db_bind_str(st, 2, lang);
        db_bind_i64(st, 3, now);
        db_bind_i64(st, 4, (int64_t)limit);
        db_bind_i64(st, 5, (int64_t)offset);
        e = summaries(s, a, st, limit, items, n, NULL);
    }
    buf_free(&match);
    return e;
}

enum err store_translation_save(struct store *s, int64_t article_id, struct str lang,
                                struct str slug, struct str title, struct str lead,
                                struct str body_md, bool published, int64_t *id)
{
    struct db_stmt *st;
    int64_t owner = 0;
    bool found = false;
    enum err e;

    *id = 0;
    if (!store_slug_valid(slug) || title.len == 0 || title.len > STORE_MAX_TITLE_BYTES ||
        lead.len > STORE_MAX_LEAD_BYTES || body_md.len > STORE_MAX_BODY_BYTES)
        return ERR_INVALID;
    e = store__prepare(s, sql_article_exists, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    e = store__opt_i64(s, st, &owner, &found);
    if (e != ERR_OK)
        return e;
    if (!found)
        return ERR_NOTFOUND; /* an English article without its original is refused */
    e = store__prepare(s, sql_slug_owner, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, lang);
    db_bind_str(st, 2, slug);
    e = store__opt_i64(s, st, &owner, &found);
    if (e != ERR_OK)
        return e;
    if (found && owner != article_id)
        return ERR_CONFLICT;
    e = store__prepare(s, sql_save, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_str(st, 2, lang);
    db_bind_str(st, 3, slug);
    db_bind_str(st, 4, title);
    db_bind_str(st, 5, lead);
    db_bind_str(st, 6, body_md);
    db_bind_cstr(st, 7, published ? "published" : "draft");
    db_bind_i64(st, 8, utc_now());
    return store__opt_i64(s, st, id, NULL);
}

enum err store_translation_missing(struct store *s, struct arena *a, struct str lang, size_t limit,
                                   struct store_summary **items, size_t *n, int64_t *total)
{
    int64_t now = utc_now();
    struct db_stmt *st;
    enum err e;

    *items = NULL;
    *n = 0;
    *total = 0;
    if (limit == 0 || limit > STORE_MAX_LIST_LIMIT)
        return ERR_INVALID;
    e = store__prepare(s, sql_missing_count, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, lang);
    db_bind_i64(st, 2, now);
    e = store__one_i64(s, st, total);
    if (e != ERR_OK)
        return e;
    e = store__prepare(s, sql_missing, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, lang);
    db_bind_i64(st, 2, now);
    db_bind_i64(st, 3, (int64_t)limit);
    return summaries(s, a, st, limit, items, n, NULL);
}

enum err store_translation_sitemap(struct store *s, struct arena *a, struct str lang, size_t limit,
                                   struct store_translation_url **out, size_t *n)
{
    struct db_stmt *st;
    enum err e;
    int rc;

    *out = NULL;
    *n = 0;
    if (limit == 0 || limit > STORE_TRANSLATION_SITEMAP_MAX)
        return ERR_INVALID;
    e = store__prepare(s, sql_sitemap, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, lang);
    db_bind_i64(st, 2, utc_now());
    db_bind_i64(st, 3, (int64_t)limit);
    *out = arena_alloc_array(a, limit, sizeof **out);
    while ((rc = db_step(st)) == DB_ROW) {
        struct store_translation_url *u = &(*out)[(*n)++];
        u->slug = store__col_str(a, st, 0);
        u->original_slug = store__col_str(a, st, 1);
        /* the later of the two, taken here: max(a, b) is SQLite's, GREATEST PostgreSQL's */
        u->lastmod = db_col_i64(st, 2);
        if (db_col_i64(st, 3) > u->lastmod)
            u->lastmod = db_col_i64(st, 3);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_translation_months(struct store *s, struct arena *a, struct str lang,
                                  struct store_month **items, size_t *n)
{
    struct db_stmt *st;
    size_t cap = 0;
    int rc;
    enum err e = store__prepare(s, sql_months, &st);

    *items = NULL;
    *n = 0;
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, lang);
    db_bind_i64(st, 2, utc_now());
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

enum err store_translation_refs(struct store *s, struct arena *a, struct str lang, bool is_tag,
                                struct store_ref **items, size_t *n)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, is_tag ? sql_tags : sql_depts, &st);

    *items = NULL;
    *n = 0;
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, lang);
    db_bind_i64(st, 2, utc_now());
    return store__refs_read(s, a, st, items, n);
}
