/* db_pg.c: store/db.h on PostgreSQL through libpq (db_pg.h). Results come back in text
 * form (integers parsed, bytea unescaped on reading); integers and text are sent as text
 * parameters, blobs as binary ones, so no value is ever part of the SQL text. */
#include "store/db_pg.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_engine.h"

#define DB_PG_CACHE_SIZE 256
/* bytea columns read in one row that stay valid until the next step */
#define DB_PG_MAX_BLOBS 8

struct db_pg_stmt {
    struct db_pg *db;
    char name[16]; /* the server-side prepared statement */
    int n_params;
    const char *values[DB_PG_MAX_PARAMS];
    int lengths[DB_PG_MAX_PARAMS];
    int formats[DB_PG_MAX_PARAMS];
    char ints[DB_PG_MAX_PARAMS][24]; /* integer parameters as text */
    PGresult *res;
    int row; /* the current row; -1 before the first step */
    unsigned char *blobs[DB_PG_MAX_BLOBS];
    size_t n_blobs;
};

struct db_pg {
    PGconn *conn;
    const char *sql[DB_PG_CACHE_SIZE];
    struct db_stmt stmt[DB_PG_CACHE_SIZE];
    unsigned n_prepared;
    int64_t changes;
    char errmsg[256];
};

/* SQLSTATEs are five characters of [0-9A-Z]: read as a base-36 number they fit an int
 * above DB_PG_RC_BASE, so a db_step result carries the whole code. */
static int rc_of_sqlstate(const char *state)
{
    int v = 0;
    for (size_t i = 0; i < 5; i++) {
        char c = state != NULL && state[0] != '\0' ? state[i] : '0';
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 0;
        v = v * 36 + d;
        if (state == NULL || state[i] == '\0')
            break;
    }
    return DB_PG_RC_BASE + v;
}

const char *db_pg_sqlstate(int rc, char buf[6])
{
    buf[0] = '\0';
    if (rc < DB_PG_RC_BASE)
        return buf;
    int v = rc - DB_PG_RC_BASE;
    for (int i = 4; i >= 0; i--) {
        int d = v % 36;
        buf[i] = (char)(d < 10 ? '0' + d : 'A' + d - 10);
        v /= 36;
    }
    buf[5] = '\0';
    return buf;
}

static bool state_is(int rc, const char *prefix)
{
    char buf[6];
    if (rc < DB_PG_RC_BASE)
        return false;
    db_pg_sqlstate(rc, buf); /* five characters and a NUL; prefix is at most five */
    return memcmp(buf, prefix, strlen(prefix)) == 0;
}

static void record(struct db_pg *db, const char *msg)
{
    snprintf(db->errmsg, sizeof db->errmsg, "%s", msg != NULL ? msg : "");
    /* libpq's messages end in a newline: logs carry one line each */
    size_t n = strlen(db->errmsg);
    while (n > 0 && (db->errmsg[n - 1] == '\n' || db->errmsg[n - 1] == '\r'))
        db->errmsg[--n] = '\0';
}

enum err db_pg_fail(struct db_pg *db, int rc)
{
    if (state_is(rc, "23"))
        return ERR_CONFLICT; /* the caller's input (a slug taken), not a failing database */
    if (state_is(rc, "40001") || state_is(rc, "40P01") || state_is(rc, "55P03"))
        return ERR_BUSY;
    if (state_is(rc, "54") || state_is(rc, "22001"))
        return ERR_TOO_LARGE;
    (void)db;
    return ERR_DB;
}

/* translate is db_pg_translate, also setting bit N-1 of *used for each ?N it meets. */
static enum err translate(const char *sql, char *out, size_t out_size, int *n_params,
                          uint32_t *used)
{
    _Static_assert(DB_PG_MAX_PARAMS <= 32, "a parameter's bit in uint32_t used");
    *used = 0;
    size_t o = 0;
    int highest = 0, bare = 0;
    char quote = 0; /* inside '...' or "..." */
    bool line_comment = false;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (o + 1 >= out_size)                                                                     \
            return ERR_TOO_LARGE;                                                                  \
        out[o++] = (ch);                                                                           \
    } while (0)
    for (const char *p = sql; *p != '\0'; p++) {
        if (line_comment) {
            line_comment = *p != '\n';
        } else if (quote != 0) {
            if (*p == quote)
                quote = 0; /* a doubled quote closes and reopens: same result */
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (p[0] == '-' && p[1] == '-') {
            line_comment = true;
        } else if (*p == '?') {
            long n;
            if (p[1] >= '0' && p[1] <= '9') {
                char *end;
                n = strtol(p + 1, &end, 10);
                p = end - 1;
            } else {
                n = ++bare;
            }
            if (n < 1 || n > DB_PG_MAX_PARAMS)
                return ERR_INVALID;
            if (n > highest)
                highest = (int)n;
            *used |= (uint32_t)1 << (n - 1);
            char num[16];
            int len = snprintf(num, sizeof num, "$%ld", n);
            for (int i = 0; i < len; i++)
                PUT(num[i]);
            continue;
        }
        PUT(*p);
    }
#undef PUT
    out[o] = '\0';
    *n_params = highest;
    return ERR_OK;
}

enum err db_pg_translate(const char *sql, char *out, size_t out_size, int *n_params)
{
    uint32_t used;
    return translate(sql, out, out_size, n_params, &used);
}

enum err db_pg_connect(const char *url, struct db_pg **out, char *msg, size_t msg_size)
{
    *out = NULL;
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {url, "5", "visnyk", NULL};
    /* expand_dbname: dbname may be a whole URI or conninfo, whose own settings win */
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (conn == NULL)
        abort(); /* allocation failure aborts, as everywhere in visnyk */
    if (PQstatus(conn) != CONNECTION_OK) {
        snprintf(msg, msg_size, "%s", PQerrorMessage(conn));
        size_t n = strlen(msg);
        while (n > 0 && msg[n - 1] == '\n')
            msg[--n] = '\0';
        PQfinish(conn);
        return ERR_DB;
    }
    struct db_pg *db = calloc(1, sizeof *db);
    if (db == NULL)
        abort();
    db->conn = conn;
    /* times are integers and text is UTF-8 whatever the server's defaults */
    enum err e = db_pg_exec(db, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'");
    if (e != ERR_OK) {
        snprintf(msg, msg_size, "%s", db->errmsg);
        db_pg_close(db);
        return e;
    }
    *out = db;
    return ERR_OK;
}

static void stmt_clear(struct db_pg_stmt *st)
{
    for (size_t i = 0; i < st->n_blobs; i++)
        PQfreemem(st->blobs[i]);
    st->n_blobs = 0;
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
}

void db_pg_close(struct db_pg *db)
{
    if (db == NULL)
        return;
    for (size_t i = 0; i < DB_PG_CACHE_SIZE; i++) {
        if (db->stmt[i].impl != NULL) {
            stmt_clear(db->stmt[i].impl);
            free(db->stmt[i].impl);
        }
    }
    PQfinish(db->conn);
    free(db);
}

const char *db_pg_errmsg(const struct db_pg *db)
{
    return db->errmsg;
}

void db_pg_record(struct db_pg *db, const char *msg)
{
    record(db, msg);
}

enum db_pg_tx db_pg_transaction(const struct db_pg *db)
{
    switch (PQtransactionStatus(db->conn)) {
    case PQTRANS_IDLE:
        return DB_PG_TX_NONE;
    case PQTRANS_INTRANS:
    case PQTRANS_ACTIVE:
        return DB_PG_TX_OPEN;
    case PQTRANS_INERROR:
        return DB_PG_TX_FAILED;
    case PQTRANS_UNKNOWN:
    default:
        return DB_PG_TX_LOST;
    }
}

int64_t db_pg_changes(const struct db_pg *db)
{
    return db->changes;
}

enum err db_pg_exec(struct db_pg *db, const char *sql)
{
    PGresult *res = PQexec(db->conn, sql);
    ExecStatusType status = PQresultStatus(res);
    enum err e = ERR_OK;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        record(db, PQresultErrorMessage(res));
        e = db_pg_fail(db, rc_of_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE)));
    }
    PQclear(res);
    return e;
}

static enum err stmt_new(struct db_pg *db, const char *sql, struct db_stmt *out)
{
    size_t cap = strlen(sql) * 2 + 16; /* "?1" becomes "$1"; bare "?" at most "$32" */
    char *text = malloc(cap);
    if (text == NULL)
        abort();
    int n_params = 0;
    uint32_t used = 0;
    enum err e = translate(sql, text, cap, &n_params, &used);
    if (e != ERR_OK) {
        record(db, "statement has a parameter number beyond DB_PG_MAX_PARAMS");
        free(text);
        return e;
    }
    struct db_pg_stmt *st = calloc(1, sizeof *st);
    if (st == NULL)
        abort();
    st->db = db;
    st->n_params = n_params;
    st->row = -1;
    snprintf(st->name, sizeof st->name, "v%u", db->n_prepared++);
    /* PostgreSQL types every parameter up to the highest, and cannot guess one the text
     * never mentions: feature code binds by fixed numbers (the ref queries' ?9 is now,
     * the counts leave the lists' ?4 out), so a number left out is declared text, which
     * takes whatever the caller binds there and is never read. The others are inferred
     * (type 0). */
    Oid types[DB_PG_MAX_PARAMS] = {0};
    for (int i = 0; i < n_params; i++)
        if ((used & (uint32_t)1 << i) == 0)
            types[i] = 25; /* TEXTOID */
    PGresult *res = PQprepare(db->conn, st->name, text, n_params, types);
    free(text);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        record(db, PQresultErrorMessage(res));
        e = db_pg_fail(db, rc_of_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE)));
        PQclear(res);
        free(st);
        return e;
    }
    PQclear(res);
    *out = (struct db_stmt){.engine = &db_engine_pg, .impl = st};
    return ERR_OK;
}

enum err db_pg_prepare(struct db_pg *db, const char *sql, struct db_stmt **out)
{
    *out = NULL;
    size_t h = (size_t)(((uintptr_t)sql >> 3) * 2654435761u) % DB_PG_CACHE_SIZE;
    for (size_t k = 0; k < DB_PG_CACHE_SIZE; k++) {
        size_t at = (h + k) % DB_PG_CACHE_SIZE;
        if (db->sql[at] == sql) {
            *out = &db->stmt[at];
            return ERR_OK;
        }
        if (db->sql[at] == NULL) {
            enum err e = stmt_new(db, sql, &db->stmt[at]);
            if (e != ERR_OK)
                return e;
            db->sql[at] = sql;
            *out = &db->stmt[at];
            return ERR_OK;
        }
    }
    abort(); /* more statements than slots: raise DB_PG_CACHE_SIZE */
}

void db_pg_done(struct db_stmt *st)
{
    if (st != NULL)
        db__stmt_reset(st);
}

/* pg_step runs the statement on its first step and walks its rows after. */
static int pg_step(void *impl)
{
    struct db_pg_stmt *st = impl;
    for (size_t i = 0; i < st->n_blobs; i++)
        PQfreemem(st->blobs[i]);
    st->n_blobs = 0;
    if (st->res == NULL) {
        st->res = PQexecPrepared(st->db->conn, st->name, st->n_params, st->values, st->lengths,
                                 st->formats, 0);
        ExecStatusType status = PQresultStatus(st->res);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            st->db->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
        } else {
            record(st->db, PQresultErrorMessage(st->res));
            int rc = rc_of_sqlstate(PQresultErrorField(st->res, PG_DIAG_SQLSTATE));
            PQclear(st->res);
            st->res = NULL;
            return rc;
        }
    }
    if (st->row + 1 < PQntuples(st->res)) {
        st->row++;
        return DB_ROW;
    }
    st->row = PQntuples(st->res);
    return DB_DONE;
}

static bool pg_rc_foreign_key(int rc)
{
    return state_is(rc, "23503");
}

static void pg_bind_i64(void *impl, int i, int64_t v)
{
    struct db_pg_stmt *st = impl;
    if (i < 1 || i > DB_PG_MAX_PARAMS)
        return;
    snprintf(st->ints[i - 1], sizeof st->ints[i - 1], "%lld", (long long)v);
    st->values[i - 1] = st->ints[i - 1];
    st->lengths[i - 1] = 0;
    st->formats[i - 1] = 0;
}

/* Text goes in binary form: for text the binary form is the bytes themselves, so the
 * caller's string needs no terminating NUL (db.h binds slices of larger buffers). */
static void pg_bind_text(void *impl, int i, const char *p, size_t n)
{
    struct db_pg_stmt *st = impl;
    if (i < 1 || i > DB_PG_MAX_PARAMS)
        return;
    st->values[i - 1] = p;
    st->lengths[i - 1] = (int)(n > (size_t)INT32_MAX ? (size_t)INT32_MAX : n);
    st->formats[i - 1] = 1;
}

static void pg_bind_blob(void *impl, int i, const void *p, size_t n)
{
    pg_bind_text(impl, i, p, n); /* bytea's binary form is its bytes too */
}

static void pg_bind_null(void *impl, int i)
{
    struct db_pg_stmt *st = impl;
    if (i < 1 || i > DB_PG_MAX_PARAMS)
        return;
    st->values[i - 1] = NULL;
    st->lengths[i - 1] = 0;
    st->formats[i - 1] = 0;
}

static bool pg_col_null(void *impl, int i)
{
    struct db_pg_stmt *st = impl;
    return st->res == NULL || st->row < 0 || st->row >= PQntuples(st->res) ||
           i >= PQnfields(st->res) || PQgetisnull(st->res, st->row, i);
}

static int64_t pg_col_i64(void *impl, int i)
{
    struct db_pg_stmt *st = impl;
    if (pg_col_null(impl, i))
        return 0;
    const char *v = PQgetvalue(st->res, st->row, i);
    if (v[0] == 't' || v[0] == 'f') /* boolean */
        return v[0] == 't';
    return strtoll(v, NULL, 10);
}

static struct str pg_col_text(void *impl, int i)
{
    struct db_pg_stmt *st = impl;
    if (pg_col_null(impl, i))
        return STR_LIT("");
    return str_make(PQgetvalue(st->res, st->row, i), (size_t)PQgetlength(st->res, st->row, i));
}

static struct str pg_col_blob(void *impl, int i)
{
    struct db_pg_stmt *st = impl;
    if (pg_col_null(impl, i))
        return STR_LIT("");
    if (PQftype(st->res, i) != 17 /* BYTEAOID */)
        return pg_col_text(impl, i);
    if (st->n_blobs == DB_PG_MAX_BLOBS)
        abort(); /* more bytea columns in one row than DB_PG_MAX_BLOBS */
    size_t n = 0;
    unsigned char *p = PQunescapeBytea((const unsigned char *)PQgetvalue(st->res, st->row, i), &n);
    if (p == NULL)
        abort();
    st->blobs[st->n_blobs++] = p;
    return str_make((const char *)p, n);
}

static void pg_reset(void *impl)
{
    struct db_pg_stmt *st = impl;
    stmt_clear(st);
    memset(st->values, 0, sizeof st->values);
    memset(st->lengths, 0, sizeof st->lengths);
    memset(st->formats, 0, sizeof st->formats);
}

const struct db_engine db_engine_pg = {
    .name = "postgresql",
    .step = pg_step,
    .bind_i64 = pg_bind_i64,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .col_i64 = pg_col_i64,
    .col_null = pg_col_null,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .reset = pg_reset,
    .rc_foreign_key = pg_rc_foreign_key,
};
