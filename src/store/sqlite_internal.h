/* sqlite_internal.h: what the SQLite backend's files share. store_sqlite.c holds the
 * connection and the core content queries; each feature (search, accounts, the
 * outbox, ...) keeps its own queries in its own store/<feature>_sqlite.c, written with
 * these helpers. Not for use outside store/. */
#ifndef VISNYK_STORE_SQLITE_INTERNAL_H
#define VISNYK_STORE_SQLITE_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/content.h"

#define STORE__STMT_CACHE_SIZE 256

/* Prepared statements of the feature files, keyed by the address of their constant
 * SQL text. */
struct store__stmt_cache {
    const char *sql[STORE__STMT_CACHE_SIZE];
    sqlite3_stmt *stmt[STORE__STMT_CACHE_SIZE];
};

sqlite3 *store__db(struct store *s);
enum store_mode store__mode(const struct store *s);
/* store__errbuf: the buffer store_errmsg returns, for messages of our own. */
char *store__errbuf(struct store *s, size_t *size);
/* store__prepare hands out the statement for the constant sql (a string literal or a
 * static array: its address is the key), preparing it once per connection. Use it,
 * then store__stmt_done. */
ERR_MUST_USE
enum err store__prepare(struct store *s, const char *sql, sqlite3_stmt **out);
/* store__stmt_done resets a statement and clears its bindings. */
void store__stmt_done(sqlite3_stmt *st);
/* store__step_done steps a bound statement that returns no rows, then
 * store__stmt_done; the mapped error when the step failed. */
ERR_MUST_USE
enum err store__step_done(struct store *s, sqlite3_stmt *st);
/* store__one_i64 steps a bound statement that returns one row of one integer (a count,
 * a min, a pragma) into *out, then store__stmt_done. *out is 0 unless ERR_OK;
 * ERR_NOTFOUND when the value is NULL (min or max over no rows), the mapped error when
 * the step gave no row. */
ERR_MUST_USE
enum err store__one_i64(struct store *s, sqlite3_stmt *st, int64_t *out);
/* store__opt_i64 steps a bound statement returning at most one integer (RETURNING id,
 * SELECT id) to its end, then store__stmt_done: *v is 0 and *found (when not NULL)
 * false when it returned no row. */
ERR_MUST_USE
enum err store__opt_i64(struct store *s, sqlite3_stmt *st, int64_t *v, bool *found);
/* store__ids runs sql with one integer parameter (two when two) and collects the first
 * column of every row (arena memory). */
ERR_MUST_USE
enum err store__ids(struct store *s, struct arena *a, const char *sql, int64_t arg1, int64_t arg2,
                    bool two, int64_t **ids, size_t *n);
/* store__article_touch stamps the article's updated_at (feeds, sitemaps and caches
 * follow it); ERR_NOTFOUND when there is no such article. (editorial_sqlite.c) */
ERR_MUST_USE
enum err store__article_touch(struct store *s, int64_t article_id);
/* store__db_fail records the connection's message and maps a result code to an err. */
ERR_MUST_USE
enum err store__db_fail(struct store *s, int rc);
/* store__bind_str binds text without copying (the caller keeps it alive until done). */
int store__bind_str(sqlite3_stmt *st, int i, struct str v);
/* store__col_str copies a text column into the arena. */
struct str store__col_str(struct arena *a, sqlite3_stmt *st, int i);
/* store__summary_read fills out from a row of SUMMARY_COLS (store_sqlite.c): id, slug,
 * title, lead, published_at, then the lead photo's id, hash, width, height, caption,
 * alt (NULL when the article has none), copying text into the arena. */
void store__summary_read(struct arena *a, sqlite3_stmt *st, struct store_summary *out);
/* store__grow returns an arena array with room for n+1 items, copying the n in old. */
void *store__grow(struct arena *a, void *old, size_t n, size_t *cap, size_t size);

/* store__signing_register: the visnyk_audit_hash() SQL function (signing_sqlite.c). */
ERR_MUST_USE
enum err store__signing_register(struct store *s);

/* store__search_register: the tokenizer and SQL functions the search index needs
 * (search_sqlite.c); store_open calls it on every connection. */
ERR_MUST_USE
enum err store__search_register(struct store *s);
/* store__search_article_refresh re-indexes the photo captions of article id after its
 * photos were replaced (no-op when they did not change or the article is not indexed);
 * store_article_upsert calls it. */
ERR_MUST_USE
enum err store__search_article_refresh(struct store *s, int64_t id);

#endif
