/* sqlite_internal.h: what is SQLite's own in store/: the connection (store_sqlite.c),
 * its statement cache, and the functions and tokenizer registered with it. The feature
 * files are written against store/db.h; those that include this header too hold
 * engine-specific code (FTS5 search, the backup API, PRAGMAs). Not for use outside
 * store/. */
#ifndef VISNYK_STORE_SQLITE_INTERNAL_H
#define VISNYK_STORE_SQLITE_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/content.h"
#include "store/db.h"
#include "store/db_engine.h"

#define STORE__STMT_CACHE_SIZE 256

/* Prepared statements of the feature files, keyed by the address of their constant
 * SQL text. */
struct store__stmt_cache {
    const char *sql[STORE__STMT_CACHE_SIZE];
    struct db_stmt stmt[STORE__STMT_CACHE_SIZE];
};

sqlite3 *store__db(struct store *s);
/* store__lite_stmt prepares sql on the connection as a struct db_stmt of the SQLite
 * engine (db_sqlite.c) in *out; SQLite's result code. */
int store__lite_stmt(struct store *s, const char *sql, struct db_stmt *out);

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
