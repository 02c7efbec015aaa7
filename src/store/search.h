/* store/search.h: full-text search of articles and pages, "did you mean", and the
 * index's upkeep (search_sqlite.c, upkeep.c). */
#ifndef VISNYK_STORE_SEARCH_H
#define VISNYK_STORE_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/content.h"

/* The full-text index (migration 2) covers articles' titles, leads, bodies (as plain
 * text) and photo captions, and static pages; triggers keep it in step with every write
 * of content, and queries apply the visibility rule. Words are Ukrainian-aware (see
 * search/search.h): case, apostrophes, stems. */

struct store_search_query {
    struct str text; /* what the reader typed: any string is a valid query */
    int64_t tag_id;  /* 0 = any */
    int64_t dept_id; /* 0 = any */
    int64_t from;    /* published_at >= from, 0 = no bound */
    int64_t until;   /* published_at < until, 0 = no bound */
    bool by_date;    /* newest first instead of best match first */
    size_t offset;   /* results to skip (at most STORE_MAX_SEARCH_OFFSET) */
    size_t limit;    /* 1..STORE_MAX_LIST_LIMIT */
};
#define STORE_MAX_SEARCH_OFFSET 10000
#define STORE_SEARCH_WINDOW 300 /* newest matches ranked by relevance (at least) */
#define STORE_SEARCH_COUNT_MAX (STORE_SEARCH_WINDOW + 1) /* "more than 300" */

struct store_search_hit {
    struct store_summary summary;
    struct store_ref *departments;
    size_t n_departments;
    /* a passage around the matched words, plain text with SEARCH_MARK_OPEN (\x01) and
     * SEARCH_MARK_CLOSE (\x02) around each match: escape it, then mark */
    struct str snippet;
};

/* store_search ranks visible articles matching q->text: titles weigh most (bm25 column
 * weights title 10, lead 4, captions 2, body 1), then newer first. The ranking covers
 * the newest max(STORE_SEARCH_WINDOW, offset + limit + 1) matches, so its cost is bounded
 * however common the words (exact for rarer queries). *total counts matches up to
 * STORE_SEARCH_COUNT_MAX (that value means "more than STORE_SEARCH_COUNT_MAX - 1"; pass
 * NULL to skip the count). A query without words finds nothing (ERR_OK, *n 0).
 * ERR_INVALID for a bad limit. Results live in a. */
ERR_MUST_USE
enum err store_search(struct store *s, struct arena *a, const struct store_search_query *q,
                      struct store_search_hit **items, size_t *n, bool *has_more, int64_t *total);

struct store_page_hit {
    int64_t id;
    struct str slug, title, snippet; /* snippet marked as in store_search_hit */
};
/* store_search_pages: static pages matching text, best first, at most limit. */
ERR_MUST_USE
enum err store_search_pages(struct store *s, struct arena *a, struct str text, size_t limit,
                            struct store_page_hit **items, size_t *n);

/* store_search_suggest proposes a spelling of text whose words are in the index's own
 * vocabulary (edit distance on code points, the most frequent closest word), and only
 * when that spelling finds visible articles. ERR_NOTFOUND when there is nothing to
 * propose. */
ERR_MUST_USE
enum err store_search_suggest(struct store *s, struct arena *a, struct str text,
                              struct str *suggestion);

/* store_search_upkeep keeps the search index quick to read: it merges the FTS
 * segments that every write adds (a search opens each segment; a lookup in 28 segments
 * cost 5× one in a merged index at 100,000 articles) and rebuilds search_terms, the
 * vocabulary that "did you mean" and prefix completion read. It does nothing when no
 * indexed text changed since its last run. Each step is its own short write
 * transaction (STORE_WRITE connection), so writers wait for one step at most; readers
 * fall back to the index itself until it has finished. */
struct store_search_upkeep_report {
    bool ran;               /* false: nothing had changed */
    long merge_steps;       /* FTS5 'merge' steps that did work */
    long vocabulary_slices; /* transactions that rebuilt a slice of search_terms */
};
ERR_MUST_USE
enum err store_search_upkeep(struct store *s, struct store_search_upkeep_report *report);

/* store_upkeep_start runs store_search_upkeep every 20 s on a thread of its own (with
 * its own write connection) until store_upkeep_stop; NULL (logged) when the thread
 * cannot start, which only makes searches slower. stop(NULL) does nothing. */
struct store_upkeep;
struct store_upkeep *store_upkeep_start(const char *db_path);
void store_upkeep_stop(struct store_upkeep *u);

#endif
