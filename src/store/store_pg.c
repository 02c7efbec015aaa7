/* store_pg.c: store.h's connection on PostgreSQL (pg_internal.h): the session set-up,
 * the schema version in a one-row table, the migrations of migrations_pg.c, the
 * transactions and the change counter. store_sqlite.c's struct store calls in here when
 * it holds a PostgreSQL connection. */
#include <stdio.h>
#include <string.h>

#include "store/pg_internal.h"
#include "store/store_internal.h"

/* Keys of the transaction-scoped advisory locks (any fixed numbers; these are "vis-mig"
 * and "vis-wri" in ASCII, 0x7669732d6d6967 and 0x7669732d777269): one migrator at a
 * time across every node, and one writer at a time as store.h promises. */
#define MIGRATE_LOCK "33329990656158055"
#define WRITER_LOCK "33329990656815721"

/* The schema version lives in a table of its own with exactly one row (the unique index
 * on a constant admits no second). It is created before migration 1, under the
 * migration lock, so migrations can read and set it like SQLite's user_version. */
static const char sql_version_table[] =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);\n"
    "CREATE UNIQUE INDEX IF NOT EXISTS schema_version_one ON schema_version ((true));\n"
    "INSERT INTO schema_version (version) SELECT 0\n"
    "    WHERE NOT EXISTS (SELECT 1 FROM schema_version)";
static const char sql_has_version[] = "SELECT to_regclass('schema_version') IS NOT NULL";
static const char sql_version[] = "SELECT coalesce(max(version), 0) FROM schema_version";
static const char sql_version_set[] = "UPDATE schema_version SET version = ?1";
static const char sql_lastval[] = "SELECT lastval()";
/* The transaction snapshot as text is xmin:xmax:the transactions in progress. It
 * changes whenever a transaction that holds an id ends: one that was in progress leaves
 * the list, or one that began since raises xmax. It never comes back to an earlier
 * value, since xmax only grows and below xmax the list only loses members. xmax alone
 * would miss a commit that ends after a younger transaction's (xmax already past it).
 * Every write holds an id, so every commit moves it; so do rollbacks, and writes to the
 * cluster's other databases (both are only needless invalidations). A 64-bit hash of it
 * is the number store.h asks for: compared on one connection, equal only when nothing
 * ended (a collision is a 2^-64 chance). */
static const char sql_change_counter[] = "SELECT hashtextextended(pg_current_snapshot()::text, 0)";

static void own_message(struct store *s, const char *msg)
{
    size_t size;
    char *buf = store__errbuf(s, &size);
    snprintf(buf, size, "%s", msg);
}

/* exec runs sql (no parameters, no rows) and records the server's message on failure. */
static enum err exec(struct store *s, const char *sql)
{
    enum err e = db_pg_exec(store__pg(s), sql);
    if (e != ERR_OK)
        own_message(s, db_pg_errmsg(store__pg(s)));
    return e;
}

static enum err one_i64(struct store *s, const char *sql, int64_t *v)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    return store__one_i64(s, st, v);
}

/* version reads the schema version: 0 when the database has no schema_version yet. */
static enum err version(struct store *s, int *out)
{
    int64_t has = 0, v = 0;
    *out = 0;
    enum err e = one_i64(s, sql_has_version, &has);
    if (e == ERR_OK && has)
        e = one_i64(s, sql_version, &v);
    if (e == ERR_OK)
        *out = (int)v;
    return e;
}

enum err store__pg_open(struct store *s, const char *url, enum store_mode mode, struct db_pg **out)
{
    size_t size;
    char *msg = store__errbuf(s, &size);
    enum err e = db_pg_connect(url, out, msg, size);
    if (e != ERR_OK)
        return ERR_IO; /* unreachable, refused, or no such database: as a missing file */
    /* Notices (IF NOT EXISTS found the table) are not errors, and libpq would print
     * them on stderr. A lock held past 5 s is ERR_BUSY, SQLite's busy timeout. A read
     * connection refuses writes, as SQLite's query_only. */
    e = exec(s, mode == STORE_READ ? "SET client_min_messages = warning; "
                                     "SET lock_timeout = '5s'; "
                                     "SET default_transaction_read_only = on"
                                   : "SET client_min_messages = warning; "
                                     "SET lock_timeout = '5s'");
    if (e != ERR_OK || mode != STORE_READ)
        return e;
    int v = 0;
    e = version(s, &v);
    if (e == ERR_OK && v != store_schema_version()) {
        snprintf(msg, size, "database schema version %d, this binary needs %d (run visnyk init)", v,
                 store_schema_version());
        e = ERR_VERSION;
    }
    return e;
}

/* migrate_one takes the migration lock and applies the migration after the version it
 * finds (*found), unless the schema is current (*done): *now is where the database
 * stands after. Another node may have migrated while this one waited for the lock. */
static enum err migrate_one(struct store *s, int *found, int *now, bool *done)
{
    int v = 0;
    *done = false;
    enum err e = exec(s, "BEGIN; SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")");
    if (e == ERR_OK)
        e = exec(s, sql_version_table);
    if (e == ERR_OK)
        e = version(s, &v);
    if (e == ERR_OK)
        *found = *now = v;
    if (e == ERR_OK && v > store_schema_version()) {
        size_t size;
        char *msg = store__errbuf(s, &size);
        snprintf(msg, size, "database schema version %d is newer than this binary's %d", v,
                 store_schema_version());
        e = ERR_VERSION;
    }
    if (e == ERR_OK && v < store_schema_version()) {
        for (const char *const *part = store__migrations_pg[v]; e == ERR_OK && *part != NULL;
             part++)
            e = exec(s, *part);
        struct db_stmt *st = NULL;
        if (e == ERR_OK)
            e = store__prepare(s, sql_version_set, &st);
        if (e == ERR_OK) {
            db_bind_i64(st, 1, v + 1);
            e = store__step_done(s, st);
        }
    } else if (e == ERR_OK) {
        *done = true;
    }
    if (e == ERR_OK)
        e = store__pg_commit(s);
    else
        store__pg_rollback(s);
    if (e == ERR_OK && !*done)
        *now = v + 1;
    return e;
}

enum err store__pg_migrate(struct store *s, int *from_version, int *to_version)
{
    bool done = false;
    for (bool first = true; !done; first = false) {
        int found = 0, now = 0;
        enum err e = migrate_one(s, &found, &now, &done);
        /* as on SQLite: the version found is reported even when it is too new */
        if (first && from_version != NULL)
            *from_version = found;
        if (first && to_version != NULL)
            *to_version = found;
        if (e != ERR_OK)
            return e;
        if (to_version != NULL)
            *to_version = now;
    }
    return ERR_OK;
}

enum err store__pg_begin(struct store *s, enum store_mode mode)
{
    /* A reader's transaction is one snapshot for all its reads (store.h). Writers run
     * READ COMMITTED and take the writer lock at once, which serialises them as store.h
     * promises (the feature files count on it: the audit chain's max(id) + 1, the
     * version checks); a lock wait past lock_timeout is ERR_BUSY. */
    enum err e = exec(s, mode == STORE_READ ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                                            : "BEGIN ISOLATION LEVEL READ COMMITTED; "
                                              "SELECT pg_advisory_xact_lock(" WRITER_LOCK ")");
    if (e != ERR_OK)
        store__pg_rollback(s);
    return e;
}

enum err store__pg_commit(struct store *s)
{
    if (db_pg_transaction(store__pg(s)) == DB_PG_TX_FAILED) {
        store__pg_rollback(s);
        own_message(s, "transaction rolled back: a statement in it had failed");
        return ERR_DB;
    }
    return exec(s, "COMMIT");
}

void store__pg_rollback(struct store *s)
{
    enum db_pg_tx tx = db_pg_transaction(store__pg(s));
    /* db_pg_exec, not exec: the message of what failed stays in store_errmsg. A failed
     * ROLLBACK means the connection is gone, and the transaction with it. */
    if ((tx == DB_PG_TX_OPEN || tx == DB_PG_TX_FAILED) &&
        db_pg_exec(store__pg(s), "ROLLBACK") != ERR_OK)
        return;
}

bool store__pg_in_transaction(struct store *s)
{
    enum db_pg_tx tx = db_pg_transaction(store__pg(s));
    return tx == DB_PG_TX_OPEN || tx == DB_PG_TX_FAILED;
}

enum err store__pg_change_counter(struct store *s, int64_t *counter)
{
    return one_i64(s, sql_change_counter, counter);
}

int64_t store__pg_last_id(struct store *s)
{
    int64_t id = 0;
    if (one_i64(s, sql_lastval, &id) != ERR_OK)
        return 0;
    return id;
}
