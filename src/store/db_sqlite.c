/* db_sqlite.c: store/db.h on SQLite. A struct db_stmt is an sqlite3_stmt: the functions
 * only rename, so the feature files pay nothing for being engine-neutral. */
#include <sqlite3.h>

#include "store/sqlite_internal.h"

_Static_assert(DB_ROW == SQLITE_ROW && DB_DONE == SQLITE_DONE, "db_step passes codes through");

int db_step(struct db_stmt *st)
{
    return sqlite3_step(store__lite(st));
}

bool db_rc_foreign_key(int rc)
{
    return rc == SQLITE_CONSTRAINT_FOREIGNKEY;
}

void db_bind_i64(struct db_stmt *st, int i, int64_t v)
{
    sqlite3_bind_int64(store__lite(st), i, v);
}

void db_bind_str(struct db_stmt *st, int i, struct str v)
{
    sqlite3_bind_text64(store__lite(st), i, v.ptr != NULL ? v.ptr : "", v.len, SQLITE_STATIC,
                        SQLITE_UTF8);
}

void db_bind_cstr(struct db_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(store__lite(st), i, v, -1, SQLITE_STATIC);
}

void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
    sqlite3_bind_blob64(store__lite(st), i, p != NULL ? p : "", n, SQLITE_STATIC);
}

void db_bind_null(struct db_stmt *st, int i)
{
    sqlite3_bind_null(store__lite(st), i);
}

int64_t db_col_i64(struct db_stmt *st, int i)
{
    return sqlite3_column_int64(store__lite(st), i);
}

int db_col_int(struct db_stmt *st, int i)
{
    return sqlite3_column_int(store__lite(st), i);
}

bool db_col_null(struct db_stmt *st, int i)
{
    return sqlite3_column_type(store__lite(st), i) == SQLITE_NULL;
}

struct str db_col_text(struct db_stmt *st, int i)
{
    const unsigned char *p = sqlite3_column_text(store__lite(st), i);
    size_t n = (size_t)sqlite3_column_bytes(store__lite(st), i);
    return p != NULL ? str_make((const char *)p, n) : STR_LIT("");
}

struct str db_col_blob(struct db_stmt *st, int i)
{
    const void *p = sqlite3_column_blob(store__lite(st), i);
    size_t n = (size_t)sqlite3_column_bytes(store__lite(st), i);
    return p != NULL ? str_make(p, n) : STR_LIT("");
}

int64_t db_changes(struct store *s)
{
    return sqlite3_changes64(store__db(s));
}

int64_t db_last_id(struct store *s)
{
    return sqlite3_last_insert_rowid(store__db(s));
}
