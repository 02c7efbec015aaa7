/* metrics_sqlite.c: the small reads /readyz and /metrics make at request time (the
 * health endpoints and gauges, http/metrics.c and site/health.c) and the scheduler's
 * lag. Each is one indexed statement. */
#include <sqlite3.h>

#include "store/mail.h"
#include "store/sqlite_internal.h"

/* reads the first page of the schema: the file is there, readable and not locked out */
static const char sql_ping[] = "SELECT count(*) FROM sqlite_schema";

enum err store_ping(struct store *s)
{
    sqlite3_stmt *st;
    enum err e = store__prepare(s, sql_ping, &st);
    if (e != ERR_OK)
        return e;
    int64_t n;
    return store__one_i64(s, st, &n);
}

static const char sql_outbox_queue[] =
    "SELECT count(*), min(created_at) FROM mail_outbox WHERE state IN ('queued', 'sending')";

enum err store_outbox_queue_stats(struct store *s, int64_t now, int64_t *depth, int64_t *oldest_age)
{
    sqlite3_stmt *st;
    *depth = *oldest_age = 0;
    enum err e = store__prepare(s, sql_outbox_queue, &st);
    if (e != ERR_OK)
        return e;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *depth = sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            int64_t oldest = sqlite3_column_int64(st, 1);
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
    sqlite3_stmt *st;
    *at = 0;
    enum err e = store__prepare(s, sql_published_at, &st);
    if (e != ERR_OK)
        return e;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *at = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        e = ERR_NOTFOUND;
    else
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}
