/* metrics.c: the small reads /readyz and /metrics make at request time (the
 * health endpoints and gauges, http/metrics.c and site/health.c) and the scheduler's
 * lag. Each is one indexed statement. */

#include "store/db.h"
#include "store/mail.h"

/* SQLite: reads the first page of the schema: the file is there, readable and not
 * locked out. PostgreSQL: the server answers on this connection. */
static const char sql_ping[] = "SELECT count(*) FROM sqlite_schema";
static const char sql_ping_pg[] = "SELECT 1";

enum err store_ping(struct store *s)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, store__sql(s, sql_ping, sql_ping_pg), &st);
    if (e != ERR_OK)
        return e;
    int64_t n;
    return store__one_i64(s, st, &n);
}

static const char sql_outbox_queue[] =
    "SELECT count(*), min(created_at) FROM mail_outbox WHERE state IN ('queued', 'sending')";

enum err store_outbox_queue_stats(struct store *s, int64_t now, int64_t *depth, int64_t *oldest_age)
{
    struct db_stmt *st;
    *depth = *oldest_age = 0;
    enum err e = store__prepare(s, sql_outbox_queue, &st);
    if (e != ERR_OK)
        return e;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *depth = db_col_i64(st, 0);
        if (!db_col_null(st, 1)) {
            int64_t oldest = db_col_i64(st, 1);
            *oldest_age = now > oldest ? now - oldest : 0;
        }
    } else {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

static const char sql_published_at[] = "SELECT published_at FROM articles WHERE id = ?1";

enum err store_article_published_at(struct store *s, int64_t id, int64_t *at)
{
    struct db_stmt *st;
    *at = 0;
    enum err e = store__prepare(s, sql_published_at, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *at = db_col_i64(st, 0);
    else if (rc == DB_DONE)
        e = ERR_NOTFOUND;
    else
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}
