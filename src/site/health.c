/* health.c: what /readyz and /metrics (http/metrics.c) ask the site: whether its
 * database and theme are there, and the gauges only the database knows. Runs on a loop
 * thread with that loop's read-only connection. */
#include "core/kyiv_time.h"
#include "core/metrics.h"
#include "site/site_internal.h"

bool site_ready(void *thread_ctx, struct buf *reason)
{
    struct site_thread *ctx = thread_ctx;
    if (ctx == NULL || ctx->site == NULL) {
        buf_append_cstr(reason, "no site context on this loop");
        return false;
    }
    if (ctx->store == NULL) {
        buf_append_cstr(reason, "database not open");
        return false;
    }
    enum err e = store_ping(ctx->store);
    if (e != ERR_OK) {
        buf_appendf(reason, "database does not answer: %s", err_str(e));
        return false;
    }
    struct site_theme *t = site__theme_acquire(ctx->site);
    bool theme_ok = t != NULL && t->ts != NULL && t->uk != NULL;
    if (t != NULL)
        site__theme_release(t);
    if (!theme_ok) {
        buf_append_cstr(reason, "theme not loaded");
        return false;
    }
    return true;
}

void site_metrics_write(void *thread_ctx, struct buf *out)
{
    struct site_thread *ctx = thread_ctx;
    int64_t depth = 0, age = 0;
    bool ok = ctx != NULL && ctx->store != NULL &&
              store_outbox_queue_stats(ctx->store, utc_now(), &depth, &age) == ERR_OK;
    metrics_head(out, "visnyk_database_up", "gauge",
                 "1 when this scrape could read the database, else 0.");
    metrics_sample(out, "visnyk_database_up", NULL, ok ? 1 : 0);
    if (!ok)
        return; /* no value rather than a false 0 */
    metrics_head(out, "visnyk_mail_outbox_depth", "gauge",
                 "Outbox messages waiting to be sent (queued or being sent).");
    metrics_sample(out, "visnyk_mail_outbox_depth", NULL, (double)depth);
    metrics_head(out, "visnyk_mail_outbox_oldest_age_seconds", "gauge",
                 "Age of the oldest message waiting in the outbox (0 when none waits).");
    metrics_sample(out, "visnyk_mail_outbox_oldest_age_seconds", NULL, (double)age);
}
