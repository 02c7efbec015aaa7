/* health.c: what /readyz and /metrics (http/metrics.c) ask the site: whether its
 * database and theme are there, and the gauges only the database knows. Runs on a loop
 * thread with that loop's read-only connection. */
#include "core/kyiv_time.h"
#include "core/metrics.h"
#include "site/site_internal.h"
#include "store/mail.h"

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

/* alert_metrics: the automatic banner's state and its feed's health (only when a feed
 * is configured: an absent series says "not configured" better than a 0). */
static void alert_metrics(struct alert_feed *f, struct buf *out)
{
    struct alert_feed_status st;
    if (f == NULL)
        return;
    alert_feed_status(f, &st);
    metrics_head(out, "visnyk_alert_banner", "gauge",
                 "The automatic banner shown: 0 none, 1 air-raid alert, 2 all clear.");
    metrics_sample(out, "visnyk_alert_banner", NULL, (double)st.shown);
    metrics_head(out, "visnyk_alert_feed_polls_total", "counter",
                 "Polls of the alert feed since the start.");
    metrics_sample(out, "visnyk_alert_feed_polls_total", NULL, (double)st.polls);
    metrics_head(out, "visnyk_alert_feed_errors_total", "counter",
                 "Polls of the alert feed without a usable answer (errors, timeouts, non-2xx, "
                 "bad JSON).");
    metrics_sample(out, "visnyk_alert_feed_errors_total", NULL, (double)st.errors);
    metrics_head(out, "visnyk_alert_feed_last_success_timestamp_seconds", "gauge",
                 "When the alert feed last answered usably (Unix time; 0 = not yet).");
    metrics_sample(out, "visnyk_alert_feed_last_success_timestamp_seconds", NULL,
                   (double)st.last_ok);
}

void site_metrics_write(void *thread_ctx, struct buf *out)
{
    struct site_thread *ctx = thread_ctx;
    if (ctx != NULL && ctx->site != NULL)
        alert_metrics(ctx->site->alert, out);
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
