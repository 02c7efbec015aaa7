/* metrics.h: process-wide counters that layers other than the HTTP core bump (the
 * store's error path, login, the scheduler, the mail sender, search, the static mirror),
 * and the Prometheus text exposition helpers (format 0.0.4) every writer of /metrics
 * uses. Every counter is a relaxed atomic: bumping one costs one locked add, and nothing
 * orders it with other memory. http/metrics.c sums these with its own per-loop counters
 * when /metrics is scraped. Base units: seconds and bytes. */
#ifndef VISNYK_CORE_METRICS_H
#define VISNYK_CORE_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

/* Latency buckets (upper bounds, seconds): 0.5 ms … 5 s, then +Inf. */
#define METRICS_N_BUCKETS 13
extern const double metrics_bucket_s[METRICS_N_BUCKETS];
extern const uint64_t metrics_bucket_ns[METRICS_N_BUCKETS];

/* metrics_bucket_of: the index of the first bucket holding ns (METRICS_N_BUCKETS: +Inf). */
unsigned metrics_bucket_of(uint64_t ns);

/* A histogram bumped from any thread; counts are per bucket (not cumulative). */
struct metrics_histogram {
    atomic_uint_fast64_t count[METRICS_N_BUCKETS + 1];
    atomic_uint_fast64_t sum_ns;
};
void metrics_histogram_observe(struct metrics_histogram *h, uint64_t ns);

/* metrics_now_ns: CLOCK_MONOTONIC in nanoseconds (vDSO: no system call). */
uint64_t metrics_now_ns(void);

enum metrics_mail {
    METRICS_MAIL_SENT,
    METRICS_MAIL_DEFERRED,
    METRICS_MAIL_BOUNCED,
    METRICS_MAIL_FAILED,
    METRICS_MAIL_N
};

/* The process-wide values; bump them with the helpers below. */
struct metrics_global {
    atomic_uint_fast64_t db_errors_busy;  /* SQLITE_BUSY/LOCKED after SQLite's retries */
    atomic_uint_fast64_t db_errors_other; /* any other failure (constraint conflicts excluded) */
    atomic_uint_fast64_t login_failures;
    atomic_uint_fast64_t mail[METRICS_MAIL_N];
    atomic_int_fast64_t scheduler_lag_s; /* last value */
    atomic_bool scheduler_lag_set;
    struct metrics_histogram search;      /* store_search as the search page calls it */
    struct metrics_histogram db;          /* store statements, outermost first to last */
    atomic_bool mirror_on;                /* the static mirror runs */
    atomic_int_fast64_t mirror_caught_up; /* UTC second it was last up to date (or started) */
};
extern struct metrics_global metrics_g;

static inline void metrics_inc(atomic_uint_fast64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}
static inline uint64_t metrics_get(atomic_uint_fast64_t *c)
{
    return (uint64_t)atomic_load_explicit(c, memory_order_relaxed);
}
void metrics_scheduler_lag(int64_t seconds);
/* metrics_mirror_start: the static mirror runs from utc (its lag counts from there). */
void metrics_mirror_start(int64_t utc);
void metrics_mirror_caught_up(int64_t utc);

/* ---- exposition (text format 0.0.4) ---- */

/* metrics_head writes "# HELP name help" and "# TYPE name type". help must not hold a
 * newline or a backslash (they are constants). */
void metrics_head(struct buf *out, const char *name, const char *type, const char *help);
/* metrics_sample writes "name{labels} value": labels is NULL or already written
 * ("class=\"page\"", from metrics_label); value as an integer when it is one. */
void metrics_sample(struct buf *out, const char *name, const char *labels, double value);
void metrics_sample_u64(struct buf *out, const char *name, const char *labels, uint64_t value);
/* metrics_label writes name="value" into out (size n), escaping \, " and newline as the
 * format asks; false when it does not fit. */
bool metrics_label(char *out, size_t n, const char *name, const char *value);
/* metrics_histogram_write writes the _bucket (cumulative, with le), _sum (seconds) and
 * _count lines of one labelled series from per-bucket counts and a sum in ns. */
void metrics_histogram_write(struct buf *out, const char *name, const char *labels,
                             const uint64_t count[METRICS_N_BUCKETS + 1], uint64_t sum_ns);
/* metrics_global_write writes every metric of metrics_g (HELP, TYPE and samples). */
void metrics_global_write(struct buf *out, int64_t now_utc);

#endif
