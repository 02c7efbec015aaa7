/* db.c: store/db.h's calls, through the statement's engine (db_engine.h). */
#include "store/db.h"

#include "store/db_engine.h"

int db_step(struct db_stmt *st)
{
    return st->engine->step(st->impl);
}

bool db_rc_foreign_key(int rc)
{
    return rc >= DB_PG_RC_BASE ? db_engine_pg.rc_foreign_key(rc)
                               : db_engine_sqlite.rc_foreign_key(rc);
}

void db_bind_i64(struct db_stmt *st, int i, int64_t v)
{
    st->engine->bind_i64(st->impl, i, v);
}

void db_bind_str(struct db_stmt *st, int i, struct str v)
{
    st->engine->bind_text(st->impl, i, v.ptr != NULL ? v.ptr : "", v.len);
}

void db_bind_cstr(struct db_stmt *st, int i, const char *v)
{
    struct str s = str_from_cstr(v);
    st->engine->bind_text(st->impl, i, s.ptr, s.len);
}

void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
    st->engine->bind_blob(st->impl, i, p != NULL ? p : "", n);
}

void db_bind_null(struct db_stmt *st, int i)
{
    st->engine->bind_null(st->impl, i);
}

int64_t db_col_i64(struct db_stmt *st, int i)
{
    return st->engine->col_i64(st->impl, i);
}

int db_col_int(struct db_stmt *st, int i)
{
    return (int)st->engine->col_i64(st->impl, i);
}

bool db_col_null(struct db_stmt *st, int i)
{
    return st->engine->col_null(st->impl, i);
}

struct str db_col_text(struct db_stmt *st, int i)
{
    return st->engine->col_text(st->impl, i);
}

struct str db_col_blob(struct db_stmt *st, int i)
{
    return st->engine->col_blob(st->impl, i);
}

void db__stmt_reset(struct db_stmt *st)
{
    st->engine->reset(st->impl);
}
