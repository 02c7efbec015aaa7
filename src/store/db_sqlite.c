/* db_sqlite.c: store/db.h on SQLite: the engine table of a struct db_stmt whose impl is
 * an sqlite3_stmt. (The connection's change count and last row id are the connection's,
 * in store_sqlite.c, which knows which engine it holds.) */
#include <sqlite3.h>

#include "store/db_engine.h"
#include "store/sqlite_internal.h"

_Static_assert(DB_ROW == SQLITE_ROW && DB_DONE == SQLITE_DONE, "db_step passes codes through");
_Static_assert(DB_PG_RC_BASE > 0xffffff / 16, "SQLite's extended codes stay below the PG range");

static int lite_step(void *impl)
{
    return sqlite3_step(impl);
}

static bool lite_rc_foreign_key(int rc)
{
    return rc == SQLITE_CONSTRAINT_FOREIGNKEY;
}

static void lite_bind_i64(void *impl, int i, int64_t v)
{
    sqlite3_bind_int64(impl, i, v);
}

static void lite_bind_text(void *impl, int i, const char *p, size_t n)
{
    sqlite3_bind_text64(impl, i, p, n, SQLITE_STATIC, SQLITE_UTF8);
}

static void lite_bind_blob(void *impl, int i, const void *p, size_t n)
{
    sqlite3_bind_blob64(impl, i, p, n, SQLITE_STATIC);
}

static void lite_bind_null(void *impl, int i)
{
    sqlite3_bind_null(impl, i);
}

static int64_t lite_col_i64(void *impl, int i)
{
    return sqlite3_column_int64(impl, i);
}

static bool lite_col_null(void *impl, int i)
{
    return sqlite3_column_type(impl, i) == SQLITE_NULL;
}

static struct str lite_col_text(void *impl, int i)
{
    const unsigned char *p = sqlite3_column_text(impl, i);
    size_t n = (size_t)sqlite3_column_bytes(impl, i);
    return p != NULL ? str_make((const char *)p, n) : STR_LIT("");
}

static struct str lite_col_blob(void *impl, int i)
{
    const void *p = sqlite3_column_blob(impl, i);
    size_t n = (size_t)sqlite3_column_bytes(impl, i);
    return p != NULL ? str_make(p, n) : STR_LIT("");
}

static void lite_reset(void *impl)
{
    sqlite3_reset(impl);
    sqlite3_clear_bindings(impl);
}

const struct db_engine db_engine_sqlite = {
    .name = "sqlite",
    .step = lite_step,
    .bind_i64 = lite_bind_i64,
    .bind_text = lite_bind_text,
    .bind_blob = lite_bind_blob,
    .bind_null = lite_bind_null,
    .col_i64 = lite_col_i64,
    .col_null = lite_col_null,
    .col_text = lite_col_text,
    .col_blob = lite_col_blob,
    .reset = lite_reset,
    .rc_foreign_key = lite_rc_foreign_key,
};
