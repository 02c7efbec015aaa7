/* fuzz_headers: the request header values the server itself interprets (response.c):
 * If-None-Match (http__etag_match), If-Modified-Since (http__imf_parse),
 * Accept-Encoding (http__accepts_gzip), and the Content-Type test for compression.
 * The input is a header value; after the first '\n', a second one for the pairs.
 * Checks: a parsed date formats back to a date that parses to the same time; the ETag
 * the server makes for a body always matches itself, in a list and through "*", and
 * never matches a different body's; "gzip" alone is always accepted. */
#include "fuzz_util.h"

#include "http/http_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str in = str_make((const char *)data, size), a, b;
    fuzz_split(in, '\n', &a, &b);

    int64_t t;
    if (http__imf_parse(a, &t)) {
        char out[29];
        int64_t t2;
        http__imf_date(t, out);
        FUZZ_CHECK(http__imf_parse(str_make(out, sizeof out), &t2) && t2 == t,
                   "formatted date does not parse back", data, size);
    }

    char e1[24], e2[24], list[80];
    size_t n1 = http__etag_format(http__etag_hash(a.ptr, a.len), size % 2 == 0, e1);
    struct str etag = str_make(e1, n1);
    FUZZ_CHECK(n1 > 2 && n1 <= sizeof e1, "etag length", data, size);
    FUZZ_CHECK(http__etag_match(etag, etag), "etag does not match itself", data, size);
    FUZZ_CHECK(http__etag_match(STR_LIT("*"), etag), "etag does not match *", data, size);
    size_t nl = (size_t)snprintf(list, sizeof list, "W/\"x\", %.*s , \"y\"", (int)n1, e1);
    FUZZ_CHECK(http__etag_match(str_make(list, nl), etag), "etag not found in a list", data, size);
    size_t n2 = http__etag_format(http__etag_hash(b.ptr, b.len), size % 2 == 0, e2);
    if (!str_eq(a, b) && !(n1 == n2 && memcmp(e1, e2, n1) == 0))
        FUZZ_CHECK(!http__etag_match(str_make(e2, n2), etag), "different etags match", data, size);
    (void)http__etag_match(a, etag);
    (void)http__etag_match(a, b);

    (void)http__accepts_gzip(a);
    FUZZ_CHECK(http__accepts_gzip(STR_LIT("gzip")), "plain gzip refused", data, size);
    (void)http__compressible(a);
    return 0;
}
