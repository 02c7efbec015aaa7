/* search_sqlite.c: the full-text index (FTS5, migration 2) and the sitemap queries.
 *
 * A search runs in two steps: the ranked ids of one page (the sorter then carries
 * three numbers per match, not titles and leads), then, for each of the page's ids, its
 * summary, departments and a snippet (snippet() over one row is cheap; over every match
 * before sorting it is not). The MATCH expression is built by search_match_build from
 * folded, double-quoted words: user syntax never reaches FTS5. */
#include <stdio.h>
#include <string.h>

#include "core/kyiv_time.h"
#include "core/utf8.h"
#include "search/search.h"
#include "store/search.h"
#include "store/sqlite_internal.h"

#define VISIBLE "a.status IN ('published', 'scheduled')"
#define MATCH_BUF_BYTES 16384
#define SNIPPET_TOKENS "24"
#define SUGGEST_MAX_SCAN 200000
#define MAX_COMPLETIONS 32     /* a prefix with more is left to FTS5's prefix query */
#define MIN_COMPLETION_CHARS 4 /* shorter prefixes have FTS5 prefix indexes (2, 3) */
#define UPKEEP_MERGE_PAGES "400"
#define UPKEEP_SLICE "4000"
#define UPKEEP_MAX_MERGE_STEPS 100000

/* Candidates: the newest matches (by id, which follows publication) that pass the
 * filters, at most ?7 of them. ?1 match, ?2 now, ?3 from, ?4 until, ?5 tag, ?6
 * department. FTS5 yields its matches in rowid order by itself, so the scan stops after
 * ?7 visible rows whatever the query: bm25 and the sort work on a bounded window, not on
 * every article that says «області» (measured at 100,000 articles: 70 ms for bm25 over
 * 75,000 matches, 7 ms over a window of 500; STORE_SEARCH_WINDOW is 300). Relevance is therefore
 * exact for queries with fewer matches than the window and ranks the newest window
 * otherwise, which suits news. */
#define CANDIDATES(cols)                                                                           \
    "SELECT " cols " FROM article_fts CROSS JOIN articles a ON a.id = article_fts.rowid "          \
    "WHERE article_fts MATCH ?1 AND " VISIBLE " AND a.published_at <= ?2 "                         \
    "AND a.published_at >= ?3 AND a.published_at < ?4 "                                            \
    "AND (?5 = 0 OR EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = article_fts.rowid "  \
    "AND t.tag_id = ?5)) "                                                                         \
    "AND (?6 = 0 OR EXISTS (SELECT 1 FROM article_departments d "                                  \
    "WHERE d.article_id = article_fts.rowid AND d.department_id = ?6)) "                           \
    "ORDER BY article_fts.rowid DESC LIMIT ?7"

/* count(*) OVER (): how many candidates the window held, from the same scan */
static const char sql_search_rank[] = "SELECT id, count(*) OVER () FROM (" CANDIDATES(
    "article_fts.rowid AS id, bm25(article_fts, 10.0, 4.0, 1.0, "
    "2.0) AS r, a.published_at AS at") ") "
                                       "ORDER BY r, at DESC, id DESC LIMIT ?8 OFFSET ?9";
static const char sql_search_date[] = "SELECT id, count(*) OVER () FROM (" CANDIDATES(
    "article_fts.rowid AS id, a.published_at AS at") ") "
                                                     "ORDER BY at DESC, id DESC LIMIT ?8 OFFSET ?9";
static const char sql_search_count[] = "SELECT count(*) FROM (" CANDIDATES("1") ")";
static const char sql_search_exists[] = CANDIDATES("1");

static const char sql_hit_summary[] =
    "SELECT a.id, a.slug, a.title, a.lead, a.published_at, p.id, p.hash, p.width, p.height, "
    "p.caption, p.alt FROM articles a "
    "LEFT JOIN photos p ON p.article_id = a.id AND p.pos = 0 WHERE a.id = ?1";
static const char sql_hit_depts[] = "SELECT d.id, d.slug, d.name FROM article_departments l "
                                    "JOIN departments d ON d.id = l.department_id "
                                    "WHERE l.article_id = ?1 ORDER BY l.pos";
/* Snippets for one page of hits in one pass over the rowid range they span: lead, body
 * and captions, the first with a match giving the passage (the title is on the result
 * already). A lookup per hit (MATCH ... AND rowid = ?) re-opens every phrase's doclist
 * and cost about a million instructions at 100,000 articles; the range holds at most the
 * window's matches, and "+rowid" keeps the id list a filter rather than one more lookup
 * per id. */
static const char sql_hit_snippets[] =
    "SELECT rowid, snippet(article_fts, 1, char(1), char(2), '…', " SNIPPET_TOKENS "), "
    "snippet(article_fts, 2, char(1), char(2), '…', " SNIPPET_TOKENS "), "
    "snippet(article_fts, 3, char(1), char(2), '…', " SNIPPET_TOKENS ") "
    "FROM article_fts WHERE article_fts MATCH ?1 AND rowid >= ?2 AND rowid <= ?3 "
    "AND +rowid IN (SELECT value FROM json_each(?4))";

static const char sql_pages[] =
    "SELECT p.id, p.slug, p.title, snippet(page_fts, 1, char(1), char(2), '…', " SNIPPET_TOKENS ") "
    "FROM page_fts CROSS JOIN pages p ON p.id = page_fts.rowid WHERE page_fts MATCH ?1 "
    "ORDER BY bm25(page_fts, 10.0, 1.0) LIMIT ?2";

/* The vocabulary: search_terms (migration 7) when store_search_upkeep has caught up
 * with the index, fts5vocab over the index itself otherwise. */
static const char sql_terms_fresh[] = "SELECT changes = done FROM search_upkeep WHERE id = 1";
static const char sql_vocab_has[] = "SELECT doc FROM article_vocab WHERE term = ?1";
static const char sql_vocab_range[] =
    "SELECT term, doc FROM article_vocab WHERE term >= ?1 AND term < ?2";
static const char sql_terms_has[] = "SELECT docs FROM search_terms WHERE term = ?1";
static const char sql_terms_range[] =
    "SELECT term, docs FROM search_terms WHERE term >= ?1 AND term < ?2";
static const char sql_terms_completions[] =
    "SELECT term FROM search_terms WHERE term >= ?1 AND term < ?2 LIMIT ?3";

/* Upkeep: FTS5 merges a few hundred pages per 'merge' step, each step its own short
 * write transaction, so an editor's save waits for one step at most; the vocabulary is
 * rebuilt in slices of the old one's term order for the same reason. */
static const char sql_upkeep_state[] = "SELECT changes, done FROM search_upkeep WHERE id = 1";
static const char sql_upkeep_done[] = "UPDATE search_upkeep SET done = ?1 WHERE id = 1";
static const char sql_upkeep_touch[] =
    "UPDATE search_upkeep SET changes = changes + 1 WHERE id = 1";
static const char sql_fts_merge[] =
    "INSERT INTO article_fts (article_fts, rank) VALUES ('merge', -" UPKEEP_MERGE_PAGES ")";
static const char sql_terms_bound[] =
    "SELECT term FROM search_terms WHERE term > ?1 ORDER BY term LIMIT 1 OFFSET " UPKEEP_SLICE;
static const char sql_terms_clear[] =
    "DELETE FROM search_terms WHERE term >= ?1 AND (?2 IS NULL OR term < ?2)";
static const char sql_terms_fill[] =
    "INSERT INTO search_terms (term, docs) SELECT term, doc FROM article_vocab "
    "WHERE term >= ?1 AND term < ?2";
static const char sql_terms_fill_rest[] =
    "INSERT INTO search_terms (term, docs) SELECT term, doc FROM article_vocab WHERE term >= ?1";

static const char sql_captions[] =
    "SELECT coalesce(group_concat(caption, ' '), '') FROM (SELECT caption FROM photos "
    "WHERE article_id = ?1 AND caption <> '' ORDER BY pos)";
static const char sql_captions_set[] =
    "UPDATE article_fts SET captions = ?2 WHERE rowid = ?1 AND captions IS NOT ?2";

static const char sql_sitemap[] =
    "SELECT a.id, a.slug, max(a.updated_at, a.published_at) FROM articles a WHERE " VISIBLE
    " AND a.published_at <= ?1 ORDER BY a.id LIMIT ?2 OFFSET ?3";
static const char sql_sitemap_lastmod[] =
    "SELECT max(m) FROM (SELECT max(a.updated_at, a.published_at) AS m FROM articles a "
    "WHERE " VISIBLE " AND a.published_at <= ?1 ORDER BY a.id LIMIT ?2 OFFSET ?3)";

/* run prepares and steps a statement without parameters or rows. */
static enum err run(struct store *s, const char *sql)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql, &st);
    return e == ERR_OK ? store__step_done(s, st) : e;
}

enum err store__search_register(struct store *s)
{
    enum err e = search_sqlite_register(store__db(s));
    if (e != ERR_OK) {
        size_t size;
        char *msg = store__errbuf(s, &size);
        snprintf(msg, size, "sqlite has no fts5: the search index cannot work");
    }
    return e;
}

enum err store__search_article_refresh(struct store *s, int64_t id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_captions, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    int rc = db_step(st);
    if (rc != DB_ROW) {
        e = store__db_fail(s, rc);
        store__stmt_done(st);
        return e;
    }
    /* the text stays valid while st is not reset: bind it to the update first */
    struct db_stmt *up;
    e = store__prepare(s, sql_captions_set, &up);
    if (e == ERR_OK) {
        db_bind_i64(up, 1, id);
        db_bind_str(up, 2, db_col_text(st, 0));
        rc = db_step(up);
        if (rc != DB_DONE)
            e = store__db_fail(s, rc);
        bool changed = rc == DB_DONE && db_changes(s) > 0;
        store__stmt_done(up);
        if (changed)
            e = run(s, sql_upkeep_touch);
    }
    store__stmt_done(st);
    return e;
}

/* terms_fresh: whether search_terms holds the index's vocabulary as it is now. */
static bool terms_fresh(struct store *s)
{
    struct db_stmt *st;
    if (store__prepare(s, sql_terms_fresh, &st) != ERR_OK)
        return false;
    bool fresh = db_step(st) == DB_ROW && db_col_int(st, 0) == 1;
    store__stmt_done(st);
    return fresh;
}

static size_t char_count(struct str w)
{
    size_t chars = 0;
    for (size_t k = 0; k < w.len; k++)
        chars += ((unsigned char)w.ptr[k] & 0xc0) != 0x80;
    return chars;
}

/* prefix_end writes into hi the smallest string above every word that starts with w
 * (w with its last character + 1); its length, 0 when w is empty or not UTF-8. */
static size_t prefix_end(struct str w, char *hi, size_t size)
{
    size_t i = 0, before = 0;
    int32_t last = -1;
    while (i < w.len) {
        before = i;
        last = utf8_decode(w.ptr, w.len, &i);
        if (last < 0)
            return 0;
    }
    if (last < 0 || before + 4 > size)
        return 0;
    memcpy(hi, w.ptr, before);
    return before + utf8_encode(last + 1, hi + before);
}

/* completions_find lists the index's words that start with w when there are at most
 * MAX_COMPLETIONS of them and the vocabulary is fresh; *n stays 0 otherwise. */
static void completions_find(struct store *s, struct arena *a, struct str w, const struct str **out,
                             size_t *n)
{
    *out = NULL;
    *n = 0;
    char hi[SEARCH_MAX_WORD_BYTES + 8];
    size_t hn = prefix_end(w, hi, sizeof hi);
    struct db_stmt *st;
    if (hn == 0 || !terms_fresh(s) || store__prepare(s, sql_terms_completions, &st) != ERR_OK)
        return;
    db_bind_str(st, 1, w);
    db_bind_str(st, 2, str_make(hi, hn));
    db_bind_i64(st, 3, MAX_COMPLETIONS + 1);
    struct str *list = arena_alloc_array(a, MAX_COMPLETIONS + 1, sizeof *list);
    size_t k = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW && k <= MAX_COMPLETIONS)
        list[k++] = store__col_str(a, st, 0);
    store__stmt_done(st);
    /* with none, FTS5's prefix query has nothing to merge and answers at once */
    if (rc == DB_DONE && k > 0 && k <= MAX_COMPLETIONS) {
        *out = list;
        *n = k;
    }
}

/* match_build appends q's MATCH expression to the arena; STR_NULL when it is empty. */
static struct str match_build(struct arena *a, const struct search_query *q)
{
    struct buf m;
    buf_init(&m, MATCH_BUF_BYTES);
    struct str out = STR_NULL;
    if (search_match_build(&m, a, q) == ERR_OK && m.len > 0)
        out = arena_str(a, buf_str(&m));
    buf_free(&m);
    return out;
}

/* match_pair builds the MATCH expressions of text: *match for finding (the last word
 * may be a prefix) and, when exact is not NULL, *exact for snippets, which mark whole
 * words, stems and a prefix's completions only (a prefix term there would make FTS5
 * merge every doclist it starts for each page of results). STR_NULL when the text has
 * no words. */
static void match_pair(struct store *s, struct arena *a, struct str text, struct str *match,
                       struct str *exact)
{
    struct search_query q;
    search_query_parse(a, text, &q);
    *match = STR_NULL;
    if (exact != NULL)
        *exact = STR_NULL;
    if (q.n_words == 0)
        return;
    struct str last = q.words[q.n_words - 1];
    if (q.last_prefix && char_count(last) >= MIN_COMPLETION_CHARS)
        completions_find(s, a, last, &q.completions, &q.n_completions);
    *match = match_build(a, &q);
    if (exact == NULL)
        return;
    if (q.n_completions == 0)
        q.last_prefix = false;
    *exact = match_build(a, &q);
}

static struct str match_for(struct store *s, struct arena *a, struct str text)
{
    struct str match;
    match_pair(s, a, text, &match, NULL);
    return match;
}

static void bind_filters(struct db_stmt *st, struct str match, const struct store_search_query *q)
{
    db_bind_str(st, 1, match);
    db_bind_i64(st, 2, utc_now());
    db_bind_i64(st, 3, q->from != 0 ? q->from : INT64_MIN);
    db_bind_i64(st, 4, q->until != 0 ? q->until : INT64_MAX);
    db_bind_i64(st, 5, q->tag_id);
    db_bind_i64(st, 6, q->dept_id);
}

static enum err hit_fill(struct store *s, struct arena *a, int64_t id, struct store_search_hit *h)
{
    struct db_stmt *st;
    memset(h, 0, sizeof *h);
    enum err e = store__prepare(s, sql_hit_summary, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        store__summary_read(a, st, &h->summary);
    } else {
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    }
    store__stmt_done(st);
    if (e != ERR_OK)
        return e;

    e = store__prepare(s, sql_hit_depts, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    size_t cap = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        h->departments =
            store__grow(a, h->departments, h->n_departments, &cap, sizeof *h->departments);
        struct store_ref *r = &h->departments[h->n_departments++];
        r->id = db_col_i64(st, 0);
        r->slug = store__col_str(a, st, 1);
        r->name = store__col_str(a, st, 2);
        r->count = 0;
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    if (e != ERR_OK)
        return e;

    return ERR_OK;
}

/* snippets_fill gives each of the n hits (ids[i] ↔ hits[i]) the passage where match
 * occurs, or its lead when the match is in the title only. */
static enum err snippets_fill(struct store *s, struct arena *a, struct str match,
                              const int64_t *ids, struct store_search_hit *hits, size_t n)
{
    if (n == 0)
        return ERR_OK;
    int64_t lo = ids[0], hi = ids[0];
    struct buf list;
    buf_init(&list, n * 24 + 2);
    enum err e = buf_append_char(&list, '[');
    for (size_t i = 0; i < n && e == ERR_OK; i++) {
        lo = ids[i] < lo ? ids[i] : lo;
        hi = ids[i] > hi ? ids[i] : hi;
        e = buf_appendf(&list, i > 0 ? ",%lld" : "%lld", (long long)ids[i]);
    }
    if (e == ERR_OK)
        e = buf_append_char(&list, ']');
    struct db_stmt *st = NULL;
    if (e == ERR_OK)
        e = store__prepare(s, sql_hit_snippets, &st);
    if (e != ERR_OK)
        goto out;
    db_bind_str(st, 1, match);
    db_bind_i64(st, 2, lo);
    db_bind_i64(st, 3, hi);
    db_bind_str(st, 4, buf_str(&list));
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t id = db_col_i64(st, 0);
        size_t i = 0;
        while (i < n && ids[i] != id)
            i++;
        for (int col = 1; i < n && col <= 3; col++) {
            struct str sn = store__col_str(a, st, col);
            if (str_find_char(sn, SEARCH_MARK_OPEN) != SIZE_MAX) {
                hits[i].snippet = sn;
                break;
            }
        }
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
out:
    buf_free(&list);
    for (size_t i = 0; i < n; i++)
        if (hits[i].snippet.ptr == NULL)
            hits[i].snippet = hits[i].summary.lead;
    return e;
}

enum err store_search(struct store *s, struct arena *a, const struct store_search_query *q,
                      struct store_search_hit **items, size_t *n, bool *has_more, int64_t *total)
{
    *items = NULL;
    *n = 0;
    *has_more = false;
    if (total != NULL)
        *total = 0;
    if (q->limit == 0 || q->limit > STORE_MAX_LIST_LIMIT || q->offset > STORE_MAX_SEARCH_OFFSET)
        return ERR_INVALID;
    struct str match, exact;
    match_pair(s, a, q->text, &match, &exact);
    if (match.ptr == NULL)
        return ERR_OK;

    struct db_stmt *st;
    enum err e = store__prepare(s, q->by_date ? sql_search_date : sql_search_rank, &st);
    if (e != ERR_OK)
        return e;
    bind_filters(st, match, q);
    size_t window = q->offset + q->limit + 1;
    if (window < STORE_SEARCH_WINDOW)
        window = STORE_SEARCH_WINDOW;
    db_bind_i64(st, 7, (int64_t)window);
    db_bind_i64(st, 8, (int64_t)q->limit + 1);
    db_bind_i64(st, 9, (int64_t)q->offset);
    int64_t *ids = arena_alloc_array(a, q->limit, sizeof *ids);
    size_t n_ids = 0;
    int64_t in_window = -1;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (in_window < 0)
            in_window = db_col_i64(st, 1);
        if (n_ids == q->limit) {
            *has_more = true;
            break;
        }
        ids[n_ids++] = db_col_i64(st, 0);
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    if (e != ERR_OK)
        return e;

    *items = arena_alloc_array(a, n_ids > 0 ? n_ids : 1, sizeof **items);
    for (size_t i = 0; i < n_ids; i++) {
        e = hit_fill(s, a, ids[i], &(*items)[*n]);
        if (e == ERR_NOTFOUND) /* deleted between the two steps */
            continue;
        if (e != ERR_OK)
            return e;
        ids[(*n)++] = ids[i];
    }
    e = snippets_fill(s, a, exact, ids, *items, *n);
    if (e != ERR_OK)
        return e;
    if (total == NULL)
        return ERR_OK;
    if (in_window >= 0 || q->offset == 0) {
        /* a full window means there are more matches than it holds */
        *total = in_window < 0                  ? 0
                 : in_window >= (int64_t)window ? STORE_SEARCH_COUNT_MAX
                                                : in_window;
        return ERR_OK;
    }
    /* a page past the end: count (bounded) to tell how far the results go */
    e = store__prepare(s, sql_search_count, &st);
    if (e != ERR_OK)
        return e;
    bind_filters(st, match, q);
    db_bind_i64(st, 7, STORE_SEARCH_COUNT_MAX);
    return store__one_i64(s, st, total);
}

enum err store_search_pages(struct store *s, struct arena *a, struct str text, size_t limit,
                            struct store_page_hit **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    struct str match = match_for(s, a, text);
    if (match.ptr == NULL || limit == 0)
        return ERR_OK;
    if (limit > STORE_MAX_LIST_LIMIT)
        limit = STORE_MAX_LIST_LIMIT;
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_pages, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, match);
    db_bind_i64(st, 2, (int64_t)limit);
    *items = arena_alloc_array(a, limit, sizeof **items);
    int rc = DB_DONE;
    while (*n < limit && (rc = db_step(st)) == DB_ROW) {
        struct store_page_hit *h = &(*items)[(*n)++];
        h->id = db_col_i64(st, 0);
        h->slug = store__col_str(a, st, 1);
        h->title = store__col_str(a, st, 2);
        h->snippet = store__col_str(a, st, 3);
    }
    if (*n < limit && rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

/* vocab_has: whether term is a word of the index (surface or stem). */
static enum err vocab_has(struct store *s, bool fresh, struct str term, bool *has)
{
    struct db_stmt *st;
    *has = false;
    enum err e = store__prepare(s, fresh ? sql_terms_has : sql_vocab_has, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, term);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *has = true;
    else if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

/* closest finds the most frequent vocabulary word nearest to w among those sharing its
 * first one to three characters (by length: typos near the start are rare, and fts5vocab
 * reads each term's doclist to count it, so the range must stay a thin slice: 100 ms for
 * every «п…» word at 100,000 articles). */
static enum err closest(struct store *s, bool fresh, struct arena *a, struct str w,
                        struct str *best)
{
    *best = STR_NULL;
    size_t chars = char_count(w);
    size_t keep = chars >= 6 ? 3 : chars >= 4 ? 2 : 1, i = 0;
    for (size_t k = 0; k < keep && i < w.len; k++)
        utf8_decode(w.ptr, w.len, &i);
    /* the words in [prefix, prefix with its last character + 1) */
    char hi[SEARCH_MAX_WORD_BYTES + 8];
    size_t hn = prefix_end(str_make(w.ptr, i), hi, sizeof hi);
    if (hn == 0)
        return ERR_OK;
    int max = chars <= 4 ? 1 : 2;
    int best_d = max + 1;
    int64_t best_doc = 0;

    struct db_stmt *st;
    enum err e = store__prepare(s, fresh ? sql_terms_range : sql_vocab_range, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, str_make(w.ptr, i));
    db_bind_str(st, 2, str_make(hi, hn));
    int rc;
    size_t scanned = 0;
    while ((rc = db_step(st)) == DB_ROW && scanned++ < SUGGEST_MAX_SCAN) {
        struct str t = db_col_text(st, 0);
        int64_t doc = db_col_i64(st, 1);
        int d = search_edit_distance(w, t, max);
        if (d == 0 || d > max)
            continue;
        if (d < best_d || (d == best_d && doc > best_doc)) {
            best_d = d;
            best_doc = doc;
            *best = arena_str(a, t);
        }
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_search_suggest(struct store *s, struct arena *a, struct str text,
                              struct str *suggestion)
{
    *suggestion = STR_NULL;
    struct search_query q;
    search_query_parse(a, text, &q);
    if (q.n_words == 0)
        return ERR_NOTFOUND;
    struct buf out;
    buf_init(&out, SEARCH_MAX_QUERY_BYTES * 2);
    bool changed = false, fresh = terms_fresh(s);
    enum err e = ERR_OK;
    for (size_t i = 0; i < q.n_words && e == ERR_OK; i++) {
        struct str w = q.words[i], pick = w;
        bool has = false;
        e = vocab_has(s, fresh, w, &has);
        if (e == ERR_OK && !has) {
            struct str best;
            e = closest(s, fresh, a, w, &best);
            if (e == ERR_OK && best.ptr != NULL) {
                pick = best;
                changed = true;
            }
        }
        if (e == ERR_OK && i > 0)
            e = buf_append_char(&out, ' ');
        if (e == ERR_OK)
            e = buf_append_str(&out, pick);
    }
    if (e == ERR_OK && !changed)
        e = ERR_NOTFOUND;
    if (e != ERR_OK)
        goto out;
    /* only propose what finds something a reader may see */
    struct str cand = arena_str(a, buf_str(&out));
    struct str match = match_for(s, a, cand);
    struct db_stmt *st;
    e = match.ptr == NULL ? ERR_NOTFOUND : store__prepare(s, sql_search_exists, &st);
    if (e != ERR_OK)
        goto out;
    struct store_search_query none = {0};
    bind_filters(st, match, &none);
    db_bind_i64(st, 7, 1);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *suggestion = cand;
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
out:
    buf_free(&out);
    return e;
}

/* merge_step runs one FTS5 'merge' step in its own transaction; *worked says whether it
 * wrote anything (FTS5 documents a total_changes() delta of 2 or more as work done). */
static enum err merge_step(struct store *s, bool *worked)
{
    *worked = false;
    enum err e = store_begin(s);
    if (e != ERR_OK)
        return e;
    int before = sqlite3_total_changes(store__db(s));
    e = run(s, sql_fts_merge);
    int after = sqlite3_total_changes(store__db(s));
    if (e == ERR_OK)
        e = store_commit(s);
    else
        store_rollback(s);
    *worked = e == ERR_OK && after - before >= 2;
    return e;
}

/* run_range runs sql with ?1 = lo and ?2 = hi (NULL when hi is STR_NULL). */
static enum err run_range(struct store *s, const char *sql, struct str lo, struct str hi)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, lo);
    if (hi.ptr != NULL)
        db_bind_str(st, 2, hi);
    return store__step_done(s, st);
}

/* terms_slice replaces search_terms' rows in [lo, hi) (hi NULL: to the end) by the
 * index's, in one transaction; *next is hi's value for the following slice. */
static enum err terms_slice(struct store *s, struct arena *a, struct str lo, struct str *next)
{
    *next = STR_NULL;
    struct db_stmt *st;
    enum err e = store_begin(s);
    if (e != ERR_OK)
        return e;
    e = store__prepare(s, sql_terms_bound, &st);
    if (e == ERR_OK) {
        db_bind_str(st, 1, lo);
        int rc = db_step(st);
        if (rc == DB_ROW)
            *next = store__col_str(a, st, 0);
        else if (rc != DB_DONE)
            e = store__db_fail(s, rc);
        store__stmt_done(st);
    }
    if (e == ERR_OK)
        e = run_range(s, sql_terms_clear, lo, *next);
    if (e == ERR_OK)
        e = run_range(s, next->ptr != NULL ? sql_terms_fill : sql_terms_fill_rest, lo, *next);
    if (e == ERR_OK)
        return store_commit(s);
    store_rollback(s);
    return e;
}

enum err store_search_upkeep(struct store *s, struct store_search_upkeep_report *report)
{
    memset(report, 0, sizeof *report);
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_upkeep_state, &st);
    if (e != ERR_OK)
        return e;
    int64_t changes = 0, done = 0;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        changes = db_col_i64(st, 0);
        done = db_col_i64(st, 1);
    } else {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    if (e != ERR_OK || changes == done)
        return e;

    bool worked = true;
    while (e == ERR_OK && worked && report->merge_steps < UPKEEP_MAX_MERGE_STEPS) {
        e = merge_step(s, &worked);
        report->merge_steps += worked;
    }
    /* the slices follow the old vocabulary's order; any cut works, since each slice
     * replaces its whole range, and words new to the index land in the slice that
     * covers them */
    struct arena *a = arena_new(4096);
    struct str lo = STR_LIT("");
    while (e == ERR_OK) {
        arena_reset(a);
        struct str next;
        e = terms_slice(s, a, arena_str(a, lo), &next);
        report->vocabulary_slices++;
        if (e != ERR_OK || next.ptr == NULL)
            break;
        lo = next;
    }
    arena_free(a);
    if (e != ERR_OK)
        return e;
    e = store__prepare(s, sql_upkeep_done, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, changes);
    rc = db_step(st);
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    report->ran = e == ERR_OK;
    return e;
}

enum err store_sitemap_articles(struct store *s, struct arena *a, size_t offset, size_t limit,
                                struct store_sitemap_url **items, size_t *n, int64_t *lastmod)
{
    *items = NULL;
    *n = 0;
    if (lastmod != NULL)
        *lastmod = 0;
    if (limit == 0 || limit > STORE_MAX_SITEMAP_URLS)
        return ERR_INVALID;
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sitemap, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, utc_now());
    db_bind_i64(st, 2, (int64_t)limit);
    db_bind_i64(st, 3, (int64_t)offset);
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        *items = store__grow(a, *items, *n, &cap, sizeof **items);
        struct store_sitemap_url *u = &(*items)[(*n)++];
        u->id = db_col_i64(st, 0);
        u->slug = store__col_str(a, st, 1);
        u->lastmod = db_col_i64(st, 2);
        if (lastmod != NULL && u->lastmod > *lastmod)
            *lastmod = u->lastmod;
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_sitemap_lastmod(struct store *s, size_t offset, size_t limit, int64_t *lastmod)
{
    *lastmod = 0;
    if (limit == 0 || limit > STORE_MAX_SITEMAP_URLS)
        return ERR_INVALID;
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sitemap_lastmod, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, utc_now());
    db_bind_i64(st, 2, (int64_t)limit);
    db_bind_i64(st, 3, (int64_t)offset);
    e = store__one_i64(s, st, lastmod);
    /* max over no rows (no articles, or a page past the end) is NULL: *lastmod stays 0 */
    return e == ERR_NOTFOUND ? ERR_OK : e;
}
