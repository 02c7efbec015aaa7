/* test_form.c: percent-decoding and form lookup on good and hostile input. */
#include "check.h"
#include "http/http_internal.h"

int main(void)
{
    struct arena *a = arena_new(4096);
    struct str out;

    CHECK(http_url_decode(a, STR_LIT("/news/%D0%BF%D1%80%D0%B8"), false, &out) == ERR_OK);
    CHECK_STR(out, "/news/при");
    CHECK(http_url_decode(a, STR_LIT("a+b%20c"), false, &out) == ERR_OK);
    CHECK_STR(out, "a+b c");
    CHECK(http_url_decode(a, STR_LIT("a+b%20c"), true, &out) == ERR_OK);
    CHECK_STR(out, "a b c");
    CHECK(http_url_decode(a, STR_LIT(""), true, &out) == ERR_OK);
    CHECK(out.len == 0);
    CHECK(http_url_decode(a, STR_LIT("%41%4a%6b"), true, &out) == ERR_OK);
    CHECK_STR(out, "AJk");

    /* bad escapes */
    CHECK(http_url_decode(a, STR_LIT("%"), false, &out) == ERR_PARSE);
    CHECK(http_url_decode(a, STR_LIT("ab%4"), false, &out) == ERR_PARSE);
    CHECK(http_url_decode(a, STR_LIT("%zz"), false, &out) == ERR_PARSE);
    CHECK(http_url_decode(a, STR_LIT("%%41"), false, &out) == ERR_PARSE);
    /* the escape must not be read past len */
    CHECK(http_url_decode(a, str_make("%4142", 2), false, &out) == ERR_PARSE);
    /* invalid UTF-8, overlongs, surrogates, NUL */
    CHECK(http_url_decode(a, STR_LIT("%ff"), false, &out) == ERR_INVALID);
    CHECK(http_url_decode(a, STR_LIT("%C0%AF"), false, &out) == ERR_INVALID);
    CHECK(http_url_decode(a, STR_LIT("%ED%A0%80"), false, &out) == ERR_INVALID);
    CHECK(http_url_decode(a, STR_LIT("%D0"), false, &out) == ERR_INVALID);
    CHECK(http_url_decode(a, STR_LIT("a%00b"), false, &out) == ERR_INVALID);
    CHECK(http_url_decode(a, str_make("a\0b", 3), false, &out) == ERR_INVALID);
    CHECK(http_url_decode(a, STR_LIT("\xd0\xbf"), false, &out) == ERR_OK);

    /* form lookup */
    struct str form = STR_LIT("title=%D0%9D%D0%BE%D0%B2%D0%B8%D0%BD%D0%B0+%E2%84%961&empty=&flag"
                              "&bad=%zz&utf=%ff&my+key=v&a=1&a=2");
    bool bad;
    CHECK(http_form_get(a, form, "title", &out, &bad));
    CHECK_STR(out, "Новина №1");
    CHECK(!bad);
    CHECK(http_form_get(a, form, "empty", &out, &bad));
    CHECK(out.len == 0);
    CHECK(http_form_get(a, form, "flag", &out, &bad));
    CHECK(out.len == 0);
    CHECK(!http_form_get(a, form, "bad", &out, &bad));
    CHECK(bad);
    CHECK(!http_form_get(a, form, "utf", &out, &bad));
    CHECK(bad);
    CHECK(http_form_get(a, form, "my key", &out, &bad));
    CHECK_STR(out, "v");
    CHECK(http_form_get(a, form, "a", &out, NULL));
    CHECK_STR(out, "1");
    CHECK(!http_form_get(a, form, "missing", &out, &bad));
    CHECK(!bad);
    CHECK(!http_form_get(a, form, "titl", &out, &bad));
    CHECK(!http_form_get(a, STR_LIT(""), "a", &out, &bad));
    CHECK(!http_form_get(a, STR_NULL, "a", &out, &bad));
    CHECK(http_form_get(a, STR_LIT("&&x=1&&"), "x", &out, &bad));
    CHECK_STR(out, "1");
    /* the lookup stays inside len even when bytes follow */
    CHECK(!http_form_get(a, str_make("x=1&y=2", 3), "y", &out, &bad));

    /* request headers are case-insensitive */
    struct http_header hs[2] = {{STR_LIT("Host"), STR_LIT("example.org")},
                                {STR_LIT("Accept-Encoding"), STR_LIT("gzip")}};
    struct http_request req;
    memset(&req, 0, sizeof(req));
    req.headers = hs;
    req.n_headers = 2;
    CHECK_STR(http_request_header(&req, "accept-encoding"), "gzip");
    CHECK(http_request_header(&req, "Cookie").ptr == NULL);

    /* helpers the server builds on */
    CHECK(http__accepts_gzip(STR_LIT("gzip, deflate, br")));
    CHECK(http__accepts_gzip(STR_LIT("deflate, gzip;q=0.5")));
    CHECK(!http__accepts_gzip(STR_LIT("gzip;q=0")));
    CHECK(!http__accepts_gzip(STR_LIT("gzip; q=0.000, identity")));
    CHECK(!http__accepts_gzip(STR_LIT("*;q=1, gzip;q=0")));
    CHECK(http__accepts_gzip(STR_LIT("*")));
    CHECK(!http__accepts_gzip(STR_LIT("identity")));
    CHECK(!http__accepts_gzip(STR_NULL));
    CHECK(http__etag_match(STR_LIT("\"a\", W/\"b\""), STR_LIT("\"b\"")));
    CHECK(http__etag_match(STR_LIT("*"), STR_LIT("\"b\"")));
    CHECK(!http__etag_match(STR_LIT("\"a\""), STR_LIT("\"b\"")));
    CHECK(http__compressible(STR_LIT("text/html; charset=utf-8")));
    CHECK(http__compressible(STR_LIT("application/rss+xml")));
    CHECK(!http__compressible(STR_LIT("image/png")));
    char d[29];
    http__imf_date(784111777, d);
    CHECK_STR(str_make(d, 29), "Sun, 06 Nov 1994 08:49:37 GMT");
    int64_t t;
    CHECK(http__imf_parse(STR_LIT("Sun, 06 Nov 1994 08:49:37 GMT"), &t) && t == 784111777);
    CHECK(!http__imf_parse(STR_LIT("Sunday, 06-Nov-94 08:49:37 GMT"), &t));
    http__imf_date(0, d);
    CHECK_STR(str_make(d, 29), "Thu, 01 Jan 1970 00:00:00 GMT");

    arena_free(a);
    return check_done();
}
