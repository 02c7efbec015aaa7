/* metrics.c: process-wide counters and the Prometheus text exposition helpers. */
#include "core/metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const double metrics_bucket_s[METRICS_N_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,    0.25,  0.5,    1,     2.5,  5};
const uint64_t metrics_bucket_ns[METRICS_N_BUCKETS] = {
    500000,    1000000,   2500000,   5000000,    10000000,   25000000,  50000000,
    100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000};

struct metrics_global metrics_g;

unsigned metrics_bucket_of(uint64_t ns)
{
    unsigned i = 0;
    while (i < METRICS_N_BUCKETS && ns > metrics_bucket_ns[i])
        i++;
    return i;
}

void metrics_histogram_observe(struct metrics_histogram *h, uint64_t ns)
{
    atomic_fetch_add_explicit(&h->count[metrics_bucket_of(ns)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
}

uint64_t metrics_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void metrics_scheduler_lag(int64_t seconds)
{
    atomic_store_explicit(&metrics_g.scheduler_lag_s, seconds, memory_order_relaxed);
    atomic_store_explicit(&metrics_g.scheduler_lag_set, true, memory_order_relaxed);
}

void metrics_mirror_start(int64_t utc)
{
    atomic_store_explicit(&metrics_g.mirror_caught_up, utc, memory_order_relaxed);
    atomic_store_explicit(&metrics_g.mirror_on, true, memory_order_relaxed);
}

void metrics_mirror_caught_up(int64_t utc)
{
    atomic_store_explicit(&metrics_g.mirror_caught_up, utc, memory_order_relaxed);
}

/* ---- exposition ---- */

void metrics_head(struct buf *out, const char *name, const char *type, const char *help)
{
    buf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_sample(struct buf *out, const char *name, const char *labels, double value)
{
    buf_append_cstr(out, name);
    if (labels && *labels)
        buf_appendf(out, "{%s}", labels);
    if (isinf(value))
        buf_append_cstr(out, value > 0 ? " +Inf\n" : " -Inf\n");
    else if (isnan(value))
        buf_append_cstr(out, " NaN\n");
    else if (value == (double)(int64_t)value && fabs(value) < 9e15)
        buf_appendf(out, " %lld\n", (long long)value);
    else
        buf_appendf(out, " %.9g\n", value);
}

void metrics_sample_u64(struct buf *out, const char *name, const char *labels, uint64_t value)
{
    buf_append_cstr(out, name);
    if (labels && *labels)
        buf_appendf(out, "{%s}", labels);
    buf_appendf(out, " %llu\n", (unsigned long long)value);
}

bool metrics_label(char *out, size_t n, const char *name, const char *value)
{
    size_t o = 0, nl = strlen(name);
    if (nl + 3 > n)
        return false;
    memcpy(out, name, nl);
    o = nl;
    out[o++] = '=';
    out[o++] = '"';
    for (const char *p = value; *p; p++) {
        const char *esc = *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : *p == '\n' ? "\\n" : NULL;
        size_t l = esc ? 2 : 1;
        if (o + l + 2 > n)
            return false;
        if (esc)
            memcpy(out + o, esc, 2);
        else
            out[o] = *p;
        o += l;
    }
    out[o++] = '"';
    out[o] = '\0';
    return true;
}

void metrics_histogram_write(struct buf *out, const char *name, const char *labels,
                             const uint64_t count[METRICS_N_BUCKETS + 1], uint64_t sum_ns)
{
    const char *sep = labels && *labels ? "," : "";
    uint64_t cum = 0;
    for (unsigned i = 0; i <= METRICS_N_BUCKETS; i++) {
        cum += count[i];
        if (i < METRICS_N_BUCKETS)
            buf_appendf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels ? labels : "", sep,
                        metrics_bucket_s[i], (unsigned long long)cum);
        else
            buf_appendf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels ? labels : "", sep,
                        (unsigned long long)cum);
    }
    char sname[128];
    snprintf(sname, sizeof sname, "%s_sum", name);
    metrics_sample(out, sname, labels, (double)sum_ns / 1e9);
    snprintf(sname, sizeof sname, "%s_count", name);
    metrics_sample_u64(out, sname, labels, cum);
}

void metrics_global_write(struct buf *out, int64_t now_utc)
{
    struct metrics_global *g = &metrics_g;
    metrics_head(out, "visnyk_db_errors_total", "counter",
                 "Database calls that failed (constraint conflicts excluded), by kind.");
    metrics_sample_u64(out, "visnyk_db_errors_total", "kind=\"busy\"",
                       metrics_get(&g->db_errors_busy));
    metrics_sample_u64(out, "visnyk_db_errors_total", "kind=\"other\"",
                       metrics_get(&g->db_errors_other));

    metrics_head(out, "visnyk_login_failures_total", "counter",
                 "Editor logins refused for a wrong name or password.");
    metrics_sample_u64(out, "visnyk_login_failures_total", NULL, metrics_get(&g->login_failures));

    static const char *const results[METRICS_MAIL_N] = {"sent", "deferred", "bounced", "failed"};
    metrics_head(out, "visnyk_mail_messages_total", "counter",
                 "Outbox messages handled by this process's sender, by result.");
    for (unsigned i = 0; i < METRICS_MAIL_N; i++) {
        char l[48];
        if (metrics_label(l, sizeof l, "result", results[i]))
            metrics_sample_u64(out, "visnyk_mail_messages_total", l, metrics_get(&g->mail[i]));
    }

    metrics_head(out, "visnyk_scheduler_lag_seconds", "gauge",
                 "Seconds between the last scheduled article's time and its going live.");
    metrics_sample(out, "visnyk_scheduler_lag_seconds", NULL,
                   (double)atomic_load_explicit(&g->scheduler_lag_s, memory_order_relaxed));

    metrics_head(out, "visnyk_search_seconds", "histogram",
                 "Time of the full-text query behind the search page.");
    uint64_t c[METRICS_N_BUCKETS + 1];
    for (unsigned i = 0; i <= METRICS_N_BUCKETS; i++)
        c[i] = metrics_get(&g->search.count[i]);
    metrics_histogram_write(out, "visnyk_search_seconds", NULL, c, metrics_get(&g->search.sum_ns));

    metrics_head(out, "visnyk_database_seconds", "histogram",
                 "Time in the database: from a statement being handed out to its reset, "
                 "statements run inside another counting in the outer one.");
    for (unsigned i = 0; i <= METRICS_N_BUCKETS; i++)
        c[i] = metrics_get(&g->db.count[i]);
    metrics_histogram_write(out, "visnyk_database_seconds", NULL, c, metrics_get(&g->db.sum_ns));

    if (atomic_load_explicit(&g->mirror_on, memory_order_relaxed)) {
        int64_t at = atomic_load_explicit(&g->mirror_caught_up, memory_order_relaxed);
        metrics_head(out, "visnyk_static_mirror_lag_seconds", "gauge",
                     "Seconds since the static mirror was last up to date (counted from its "
                     "start until it first is).");
        metrics_sample(out, "visnyk_static_mirror_lag_seconds", NULL,
                       now_utc > at ? (double)(now_utc - at) : 0.0);
    }
}
