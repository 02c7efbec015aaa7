/* test_db_pg.c: store/db.h on a real PostgreSQL (db_pg.c): parameters translated and
 * bound (text slices without a NUL, blobs with NUL bytes, integers at their limits,
 * NULL), rows stepped, statements reused, RETURNING, change counts, and the errors the
 * feature files rely on (a unique key taken is a conflict, a missing parent row is a
 * foreign-key error). cmake/tests.cmake runs it under pg_virtualenv, which starts a
 * throwaway PostgreSQL cluster and sets the PG* variables libpq reads. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "store/db_pg.h"

static const char sql_insert[] = "INSERT INTO t (name, data, n, parent) VALUES (?1, ?2, ?3, ?4) "
                                 "RETURNING id";
static const char sql_read[] =
    "SELECT name, data, n, parent, 'why?1 -- not a parameter', length(?2::text) "
    "FROM t WHERE id = ?1";
static const char sql_bump[] = "UPDATE t SET n = n + 1 WHERE n < ?";

static void translate_cases(void)
{
    char out[256];
    int n = -1;
    CHECK(db_pg_translate("a = ?12 AND b = '?3' AND \"c?\" = ?1 -- ?7\n AND d = ?2", out,
                          sizeof out, &n) == ERR_OK);
    CHECK(strcmp(out, "a = $12 AND b = '?3' AND \"c?\" = $1 -- ?7\n AND d = $2") == 0);
    CHECK(n == 12);
    CHECK(db_pg_translate("x = ? AND y = ?", out, sizeof out, &n) == ERR_OK);
    CHECK(strcmp(out, "x = $1 AND y = $2") == 0 && n == 2);
    CHECK(db_pg_translate("'it''s ?' || ?1", out, sizeof out, &n) == ERR_OK);
    CHECK(strcmp(out, "'it''s ?' || $1") == 0 && n == 1);
    CHECK(db_pg_translate("x = ?33", out, sizeof out, &n) == ERR_INVALID);
    CHECK(db_pg_translate("x = ?0", out, sizeof out, &n) == ERR_INVALID);
    CHECK(db_pg_translate("x = ?1", out, 4, &n) == ERR_TOO_LARGE);
}

static int64_t insert(struct db_pg *db, struct str name, const void *data, size_t n_data, int64_t n,
                      int64_t parent, int *rc_out)
{
    struct db_stmt *st;
    if (db_pg_prepare(db, sql_insert, &st) != ERR_OK)
        return -1;
    db_bind_str(st, 1, name);
    db_bind_blob(st, 2, data, n_data);
    db_bind_i64(st, 3, n);
    if (parent != 0)
        db_bind_i64(st, 4, parent);
    else
        db_bind_null(st, 4);
    int64_t id = -1;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        id = db_col_i64(st, 0);
        rc = db_step(st);
    }
    *rc_out = rc;
    db_pg_done(st);
    return id;
}

int main(void)
{
    translate_cases();

    char msg[256];
    struct db_pg *db = NULL;
    const char *url = getenv("VISNYK_TEST_PG");
    enum err e = db_pg_connect(url != NULL ? url : "", &db, msg, sizeof msg);
    CHECK(e == ERR_OK);
    if (e != ERR_OK) {
        fprintf(stderr, "no PostgreSQL to test against (run under pg_virtualenv): %s\n", msg);
        return check_done();
    }
    struct db_pg *bad = NULL;
    CHECK(db_pg_connect("postgresql://nobody@127.0.0.1:1/none", &bad, msg, sizeof msg) == ERR_DB);
    CHECK(bad == NULL && strlen(msg) > 0);

    CHECK(db_pg_exec(db, "DROP TABLE IF EXISTS t; CREATE TABLE t ("
                         " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                         " name TEXT NOT NULL UNIQUE, data BYTEA NOT NULL, n BIGINT NOT NULL,"
                         " parent BIGINT REFERENCES t (id))") == ERR_OK);
    CHECK(db_pg_exec(db, "CREATE TABLE t (") == ERR_DB);
    CHECK(strstr(db_pg_errmsg(db), "syntax") != NULL);

    /* a slice of a larger buffer: the bytes after it must not be sent */
    const char *names = "Пам’ятка з укриттяXXXX";
    struct str name = str_make(names, strlen("Пам’ятка з укриття"));
    static const unsigned char data[] = {0, 1, 2, 0, 255, '\\', 'x', 0};
    int rc = 0;
    int64_t first = insert(db, name, data, sizeof data, INT64_MIN, 0, &rc);
    CHECK(first > 0 && rc == DB_DONE);
    CHECK(db_pg_changes(db) == 1);
    int64_t second = insert(db, STR_LIT("інша"), "", 0, INT64_MAX, first, &rc);
    CHECK(second > first && rc == DB_DONE);

    /* the same name again: a unique key, which the feature files answer as a conflict */
    CHECK(insert(db, STR_LIT("інша"), "", 0, 1, 0, &rc) == -1);
    CHECK(rc != DB_ROW && rc != DB_DONE && !db_rc_foreign_key(rc));
    CHECK(db_pg_fail(db, rc) == ERR_CONFLICT);
    char state[6];
    CHECK(strcmp(db_pg_sqlstate(rc, state), "23505") == 0);
    /* a parent that does not exist */
    CHECK(insert(db, STR_LIT("сирота"), "", 0, 1, 999999, &rc) == -1);
    CHECK(db_rc_foreign_key(rc) && db_pg_fail(db, rc) == ERR_CONFLICT);
    CHECK(!db_rc_foreign_key(DB_DONE) && !db_rc_foreign_key(787 - 1));

    struct db_stmt *st;
    for (int round = 0; round < 2; round++) { /* the second run reuses the prepared one */
        CHECK(db_pg_prepare(db, sql_read, &st) == ERR_OK);
        db_bind_i64(st, 1, first);
        db_bind_cstr(st, 2, "п’ять");
        CHECK(db_step(st) == DB_ROW);
        CHECK_STR(db_col_text(st, 0), "Пам’ятка з укриття");
        struct str blob = db_col_blob(st, 1);
        CHECK(blob.len == sizeof data && memcmp(blob.ptr, data, sizeof data) == 0);
        CHECK(db_col_i64(st, 2) == INT64_MIN);
        CHECK(db_col_null(st, 3) && db_col_i64(st, 3) == 0 && db_col_text(st, 3).len == 0);
        CHECK_STR(db_col_text(st, 4), "why?1 -- not a parameter");
        CHECK(db_col_int(st, 5) == 5);
        CHECK(db_step(st) == DB_DONE);
        db_pg_done(st);
    }
    struct db_stmt *again;
    CHECK(db_pg_prepare(db, sql_read, &again) == ERR_OK && again == st);

    /* no row at all */
    CHECK(db_pg_prepare(db, sql_read, &st) == ERR_OK);
    db_bind_i64(st, 1, 424242);
    db_bind_cstr(st, 2, "");
    CHECK(db_step(st) == DB_DONE);
    db_pg_done(st);

    CHECK(db_pg_prepare(db, sql_bump, &st) == ERR_OK);
    db_bind_i64(st, 1, INT64_MAX);
    CHECK(db_step(st) == DB_DONE);
    CHECK(db_pg_changes(db) == 1); /* INT64_MIN + 1; INT64_MAX is not below itself */
    db_pg_done(st);

    /* a statement the server refuses to prepare */
    static const char sql_wrong[] = "SELECT nothing FROM nowhere WHERE x = ?1";
    CHECK(db_pg_prepare(db, sql_wrong, &st) == ERR_DB);
    CHECK(strstr(db_pg_errmsg(db), "nowhere") != NULL);

    CHECK(db_pg_exec(db, "DROP TABLE t") == ERR_OK);
    db_pg_close(db);
    return check_done();
}
