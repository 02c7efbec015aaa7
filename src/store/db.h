/* store/db.h: the statement interface the feature files of store/ are written against,
 * so that their C is the same whatever engine runs (SQLite now; PostgreSQL next, see
 * docs/ARCHITECTURE.md "Engines"). A statement is prepared once per connection from a
 * constant SQL text (its address is the key), bound by position (?1, ?2, ...), stepped
 * row by row and reset. What differs between engines is the SQL text of a few
 * statements and the engine-specific parts (the connection, full-text search, backups,
 * functions registered with the engine), which stay in files that include
 * sqlite_internal.h. Not for use outside store/. */
#ifndef VISNYK_STORE_DB_H
#define VISNYK_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/content.h"

struct db_stmt;

/* db_step results; anything else is the engine's error code, for store__db_fail. */
#define DB_ROW 100
#define DB_DONE 101

/* db_step runs the statement to its next row: DB_ROW, DB_DONE or an error code. */
int db_step(struct db_stmt *st);
/* db_rc_foreign_key: the error code says a foreign key named no row (an article or user
 * deleted meanwhile), which callers answer with ERR_NOTFOUND. */
bool db_rc_foreign_key(int rc);
/* Binding by position from 1. Text and blobs are not copied: the caller keeps them
 * alive until store__stmt_done. A NULL text pointer binds the empty string (every text
 * column is NOT NULL). db_bind_cstr takes a constant, NUL-terminated string. */
void db_bind_i64(struct db_stmt *st, int i, int64_t v);
void db_bind_str(struct db_stmt *st, int i, struct str v);
void db_bind_cstr(struct db_stmt *st, int i, const char *v);
void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n);
void db_bind_null(struct db_stmt *st, int i);
/* Columns of the current row, from 0. Text and blobs are borrowed until the next step
 * or store__stmt_done (copy them with store__col_str); NULL reads as 0 or empty. */
int64_t db_col_i64(struct db_stmt *st, int i);
int db_col_int(struct db_stmt *st, int i);
bool db_col_null(struct db_stmt *st, int i);
struct str db_col_text(struct db_stmt *st, int i);
struct str db_col_blob(struct db_stmt *st, int i);
/* db_changes: rows the connection's last INSERT, UPDATE or DELETE changed. */
int64_t db_changes(struct store *s);
/* db_last_id: the id the connection's last INSERT gave its row (on PostgreSQL the
 * value it last drew from an identity column, lastval(); 0 when none). INSERT ...
 * RETURNING id with store__opt_i64 says the same on both engines. */
int64_t db_last_id(struct store *s);
/* store__sql picks the statement text for the connection's engine, for the few
 * statements whose SQL differs (docs/ARCHITECTURE.md, "Engines"): both are constants,
 * kept beside each other in the feature file. */
const char *store__sql(const struct store *s, const char *sqlite_sql, const char *pg_sql);

enum store_mode store__mode(const struct store *s);
/* store__errbuf: the buffer store_errmsg returns, for messages of our own. */
char *store__errbuf(struct store *s, size_t *size);
/* store__prepare hands out the statement for the constant sql (a string literal or a
 * static array: its address is the key), preparing it once per connection. Use it,
 * then store__stmt_done. */
ERR_MUST_USE
enum err store__prepare(struct store *s, const char *sql, struct db_stmt **out);
/* store__stmt_done resets a statement and clears its bindings. */
void store__stmt_done(struct db_stmt *st);
/* store__step_done steps a bound statement that returns no rows, then
 * store__stmt_done; the mapped error when the step failed. */
ERR_MUST_USE
enum err store__step_done(struct store *s, struct db_stmt *st);
/* store__one_i64 steps a bound statement that returns one row of one integer (a count,
 * a min) into *out, then store__stmt_done. *out is 0 unless ERR_OK;
 * ERR_NOTFOUND when the value is NULL (min or max over no rows), the mapped error when
 * the step gave no row. */
ERR_MUST_USE
enum err store__one_i64(struct store *s, struct db_stmt *st, int64_t *out);
/* store__opt_i64 steps a bound statement returning at most one integer (RETURNING id,
 * SELECT id) to its end, then store__stmt_done: *v is 0 and *found (when not NULL)
 * false when it returned no row. */
ERR_MUST_USE
enum err store__opt_i64(struct store *s, struct db_stmt *st, int64_t *v, bool *found);
/* store__ids runs sql with one integer parameter (two when two) and collects the first
 * column of every row (arena memory). */
ERR_MUST_USE
enum err store__ids(struct store *s, struct arena *a, const char *sql, int64_t arg1, int64_t arg2,
                    bool two, int64_t **ids, size_t *n);
/* store__article_touch stamps the article's updated_at (feeds, sitemaps and caches
 * follow it); ERR_NOTFOUND when there is no such article. (editorial.c) */
ERR_MUST_USE
enum err store__article_touch(struct store *s, int64_t article_id);
/* store__db_fail records the connection's message and maps a result code to an err. */
ERR_MUST_USE
enum err store__db_fail(struct store *s, int rc);
/* store__col_str copies a text column into the arena. */
struct str store__col_str(struct arena *a, struct db_stmt *st, int i);
/* store__summary_read fills out from a row of SUMMARY_COLS (store_sqlite.c): id, slug,
 * title, lead, published_at, then the lead photo's id, hash, width, height, caption,
 * alt (NULL when the article has none), copying text into the arena. */
void store__summary_read(struct arena *a, struct db_stmt *st, struct store_summary *out);
/* store__refs_read steps a bound statement whose rows are (id, slug, name, count) to its
 * end, collecting them into *items (arena memory), then store__stmt_done. */
ERR_MUST_USE
enum err store__refs_read(struct store *s, struct arena *a, struct db_stmt *st,
                          struct store_ref **items, size_t *n);
/* store__grow returns an arena array with room for n+1 items, copying the n in old. */
void *store__grow(struct arena *a, void *old, size_t n, size_t *cap, size_t size);

#endif
