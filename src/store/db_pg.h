/* store/db_pg.h: a PostgreSQL connection (libpq) that hands out store/db.h statements.
 * Statements are prepared once per connection, keyed by the address of their constant
 * SQL text as on SQLite, after db_pg_translate has turned SQLite's numbered parameters
 * (?1, ?2, ...) into PostgreSQL's ($1, $2, ...), so the feature files keep one SQL text
 * wherever the dialects agree. Parameters travel separately from the text (extended
 * query protocol), never spliced in. Only for the engine files of store/. */
#ifndef VISNYK_STORE_DB_PG_H
#define VISNYK_STORE_DB_PG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/db.h"

/* Most parameters one statement takes. */
#define DB_PG_MAX_PARAMS 32

struct db_pg;

/* db_pg_connect connects to url (a postgresql:// URI or key=value conninfo; the empty
 * string takes libpq's PG* environment) with a 5 s connect timeout. On failure *out is
 * NULL and msg holds libpq's reason. ERR_DB when the server cannot be reached or refuses. */
ERR_MUST_USE
enum err db_pg_connect(const char *url, struct db_pg **out, char *msg, size_t msg_size);
void db_pg_close(struct db_pg *db);
/* db_pg_prepare hands out the statement for the constant sql (its address is the key),
 * preparing it on the server on first use; reset it with db_pg_done. */
ERR_MUST_USE
enum err db_pg_prepare(struct db_pg *db, const char *sql, struct db_stmt **out);
/* db_pg_done resets a statement: bindings cleared, its result freed. */
void db_pg_done(struct db_stmt *st);
/* db_pg_exec runs sql without parameters or rows (DDL, BEGIN, COMMIT); several
 * statements separated by semicolons run as one implicit transaction. */
ERR_MUST_USE
enum err db_pg_exec(struct db_pg *db, const char *sql);
/* db_pg_fail records the connection's message and maps a db_step result to an err:
 * integrity violations ERR_CONFLICT, serialisation failures, deadlocks and lock waits
 * ERR_BUSY, values too large ERR_TOO_LARGE, anything else ERR_DB. */
ERR_MUST_USE
enum err db_pg_fail(struct db_pg *db, int rc);
/* db_pg_changes: rows the connection's last INSERT, UPDATE or DELETE changed. */
int64_t db_pg_changes(const struct db_pg *db);
const char *db_pg_errmsg(const struct db_pg *db);
/* db_pg_record sets the message db_pg_errmsg gives, for the callers' own errors. */
void db_pg_record(struct db_pg *db, const char *msg);

/* Where the connection stands between statements. */
enum db_pg_tx {
    DB_PG_TX_NONE,   /* autocommit: no transaction open */
    DB_PG_TX_OPEN,   /* in a transaction that can still commit */
    DB_PG_TX_FAILED, /* in a transaction a statement failed: COMMIT would roll it back */
    DB_PG_TX_LOST,   /* the connection is broken */
};
enum db_pg_tx db_pg_transaction(const struct db_pg *db);
/* db_pg_sqlstate: the five-character SQLSTATE a db_step result carries ("" for DB_ROW,
 * DB_DONE and codes that are not PostgreSQL's), into buf[6]. */
const char *db_pg_sqlstate(int rc, char buf[6]);

/* db_pg_translate copies sql into out (out_size bytes, NUL-terminated) with ?N written
 * $N and each bare ? numbered in turn, leaving string literals, quoted identifiers and
 * comments as they are; *n_params is the highest parameter number. ERR_TOO_LARGE when out
 * is too small, ERR_INVALID when a number exceeds DB_PG_MAX_PARAMS. */
ERR_MUST_USE
enum err db_pg_translate(const char *sql, char *out, size_t out_size, int *n_params);

#endif
