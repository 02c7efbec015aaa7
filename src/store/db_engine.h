/* store/db_engine.h: what an engine gives store/db.h. A struct db_stmt is one engine's
 * statement behind that engine's table of functions, so that one binary can hold
 * connections to both engines at once (`visnyk migrate-db` reads one and writes the
 * other). db.c turns the db_* calls into calls through the table. Only for the engine
 * files of store/ (db_sqlite.c, db_pg.c, and the connections that hand statements out). */
#ifndef VISNYK_STORE_DB_ENGINE_H
#define VISNYK_STORE_DB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"
#include "store/db.h"

/* Result codes of db_step beyond DB_ROW and DB_DONE are the engine's own: SQLite's
 * (extended) result codes, or for PostgreSQL DB_PG_RC_BASE plus the class of its
 * SQLSTATE (db_pg.c), ranges that do not meet. */
#define DB_PG_RC_BASE 0x100000

struct db_engine {
    const char *name; /* "sqlite", "postgresql" */
    int (*step)(void *impl);
    void (*bind_i64)(void *impl, int i, int64_t v);
    void (*bind_text)(void *impl, int i, const char *p, size_t n);
    void (*bind_blob)(void *impl, int i, const void *p, size_t n);
    void (*bind_null)(void *impl, int i);
    int64_t (*col_i64)(void *impl, int i);
    bool (*col_null)(void *impl, int i);
    struct str (*col_text)(void *impl, int i);
    struct str (*col_blob)(void *impl, int i);
    /* reset: ready for the next run, bindings cleared and results dropped */
    void (*reset)(void *impl);
    bool (*rc_foreign_key)(int rc);
};

struct db_stmt {
    const struct db_engine *engine;
    void *impl; /* sqlite3_stmt, or struct db_pg_stmt */
};

extern const struct db_engine db_engine_sqlite;
extern const struct db_engine db_engine_pg;

/* db__stmt_reset resets through the engine (store__stmt_done adds the timing). */
void db__stmt_reset(struct db_stmt *st);

#endif
