/* The Prometheus exposition helpers: buckets, cumulative histogram lines, label escaping,
 * number formatting. */
#include "check.h"
#include "core/buf.h"
#include "core/metrics.h"

static bool contains(const struct buf *b, const char *s)
{
    return strstr(b->data ? b->data : "", s) != NULL;
}

static void test_buckets(void)
{
    CHECK(metrics_bucket_of(0) == 0);
    CHECK(metrics_bucket_of(500000) == 0); /* le is inclusive */
    CHECK(metrics_bucket_of(500001) == 1);
    CHECK(metrics_bucket_of(5000000000ull) == METRICS_N_BUCKETS - 1);
    CHECK(metrics_bucket_of(5000000001ull) == METRICS_N_BUCKETS); /* +Inf */
    for (unsigned i = 0; i < METRICS_N_BUCKETS; i++)
        CHECK((uint64_t)(metrics_bucket_s[i] * 1e9 + 0.5) == metrics_bucket_ns[i]);
}

static void test_histogram(void)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    uint64_t c[METRICS_N_BUCKETS + 1] = {0};
    c[0] = 2;
    c[2] = 1;
    c[METRICS_N_BUCKETS] = 1;
    metrics_histogram_write(&b, "x_seconds", "class=\"page\"", c, 1500000000ull);
    buf_append_char(&b, '\0');
    CHECK(contains(&b, "x_seconds_bucket{class=\"page\",le=\"0.0005\"} 2\n"));
    CHECK(contains(&b, "x_seconds_bucket{class=\"page\",le=\"0.001\"} 2\n"));
    CHECK(contains(&b, "x_seconds_bucket{class=\"page\",le=\"0.0025\"} 3\n"));
    CHECK(contains(&b, "x_seconds_bucket{class=\"page\",le=\"5\"} 3\n"));
    CHECK(contains(&b, "x_seconds_bucket{class=\"page\",le=\"+Inf\"} 4\n"));
    CHECK(contains(&b, "x_seconds_sum{class=\"page\"} 1.5\n"));
    CHECK(contains(&b, "x_seconds_count{class=\"page\"} 4\n"));
    buf_reset(&b);
    metrics_histogram_write(&b, "y", NULL, c, 0);
    buf_append_char(&b, '\0');
    CHECK(contains(&b, "y_bucket{le=\"0.0005\"} 2\n"));
    CHECK(contains(&b, "y_sum 0\n"));
    buf_free(&b);
}

static void test_labels_and_samples(void)
{
    char l[64];
    CHECK(metrics_label(l, sizeof l, "path", "a\"b\\c\nd"));
    CHECK(strcmp(l, "path=\"a\\\"b\\\\c\\nd\"") == 0);
    CHECK(!metrics_label(l, 8, "path", "longer than eight"));
    struct buf b;
    buf_init(&b, 4096);
    metrics_head(&b, "z_total", "counter", "Things.");
    metrics_sample(&b, "z_total", NULL, 3);
    metrics_sample(&b, "g", "k=\"v\"", 0.25);
    metrics_sample_u64(&b, "u", NULL, 18446744073709551615ull);
    buf_append_char(&b, '\0');
    CHECK(strcmp(b.data, "# HELP z_total Things.\n# TYPE z_total counter\nz_total 3\n"
                         "g{k=\"v\"} 0.25\nu 18446744073709551615\n") == 0);
    buf_free(&b);
}

int main(void)
{
    test_buckets();
    test_histogram();
    test_labels_and_samples();
    return check_done();
}
