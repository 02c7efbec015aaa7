/* test_multipart.c: multipart/form-data on good forms and hostile ones. Table-driven:
 * each case is a Content-Type, a body, the expected result and, for good forms, the
 * parts as "name|filename|content-type|data" lines. */
#include <stdlib.h>

#include "check.h"
#include "http/multipart.h"

#define CT "multipart/form-data; boundary=XyZ"
#define D "--XyZ"

struct mp_case {
    const char *what;
    const char *ct;
    const char *body;
    size_t body_len; /* 0: strlen(body) */
    enum err want;
    const char *parts[4]; /* "name|filename|type|data" */
};

static const struct mp_case cases[] = {
    /* ---- good forms ---- */
    {"one field",
     CT,
     D "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nНовина\r\n" D "--\r\n",
     0,
     ERR_OK,
     {"title|||Новина"}},
    {"no final CRLF",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n" D "--",
     0,
     ERR_OK,
     {"a|||x"}},
    {"empty form", CT, D "--\r\n", 0, ERR_OK, {NULL}},
    {"file and fields",
     CT,
     D "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n" D
       "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"фото 1.jpg\"\r\n"
       "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0"
       "data\r\n\r\nmore\r\n" D
       "\r\ncontent-disposition: FORM-DATA; NAME=\"photo\"; FILENAME=\"b.png\"\r\n"
       "content-type: image/png\r\n\r\n\x89"
       "PNG\r\n" D "--\r\n",
     0,
     ERR_OK,
     {"csrf|||tok",
      "photo|фото 1.jpg|image/jpeg|\xff\xd8\xff\xe0"
      "data\r\n\r\nmore",
      "photo|b.png|image/png|\x89"
      "PNG"}},
    {"empty data and empty file",
     CT,
     D "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n" D
       "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n"
       "Content-Type: application/octet-stream\r\n\r\n\r\n" D "--",
     0,
     ERR_OK,
     {"a|||", "f||application/octet-stream|"}},
    {"escaped quotes in names",
     CT,
     D "\r\nContent-Disposition: form-data; name=\"a\\\"b\"; filename=\"x\\\\y "
       "\\\"q\\\".jpg\"\r\n\r\nv\r\n" D "--",
     0,
     ERR_OK,
     {"a\"b|x\\y \"q\".jpg||v"}},
    {"boundary text inside data (no CRLF before it)",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\n\r\nx--XyZ y\n--XyZ\r--XyZ\r\n" D "--",
     0,
     ERR_OK,
     {"a|||x--XyZ y\n--XyZ\r--XyZ"}},
    {"quoted boundary with space",
     "multipart/form-data; boundary=\"a b'()+_,-./:=?\"",
     "--a b'()+_,-./:=?\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--a b'()+_,-./:=?--",
     0,
     ERR_OK,
     {"a|||1"}},
    {"other params and case",
     "Multipart/Form-Data ; charset=utf-8; BOUNDARY=XyZ",
     D "\r\nContent-Disposition: form-data; name=a\r\nX-Other: ignored\r\n\r\n1\r\n" D "--",
     0,
     ERR_OK,
     {"a|||1"}},
    {"binary transfer encoding",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\nContent-Transfer-Encoding: "
       "binary\r\n\r\n1\r\n" D "--",
     0,
     ERR_OK,
     {"a|||1"}},
    {"NUL bytes in data",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\n\r\n\0\0\r\n" D "--",
     sizeof(D "\r\nContent-Disposition: form-data; name=a\r\n\r\n\0\0\r\n" D "--") - 1,
     ERR_OK,
     {"a|||"}}, /* data checked separately: 2 NULs */
    {"filename* ignored",
     CT,
     D "\r\nContent-Disposition: form-data; name=a; filename*=UTF-8''x.jpg\r\n\r\n1\r\n" D "--",
     0,
     ERR_OK,
     {"a|||1"}},

    /* ---- the Content-Type ---- */
    {"missing boundary", "multipart/form-data", D "--", 0, ERR_INVALID, {NULL}},
    {"empty boundary", "multipart/form-data; boundary=\"\"", "----", 0, ERR_INVALID, {NULL}},
    {"two boundaries", CT "; boundary=abc", D "--", 0, ERR_INVALID, {NULL}},
    {"boundary too long",
     "multipart/form-data; boundary=12345678901234567890123456789012345678901234567890123456789"
     "012345678901",
     "--",
     0,
     ERR_INVALID,
     {NULL}},
    {"boundary bad char",
     "multipart/form-data; boundary=\"a;b\"",
     "--a;b--",
     0,
     ERR_INVALID,
     {NULL}},
    {"boundary ends in space",
     "multipart/form-data; boundary=\"ab \"",
     "--ab --",
     0,
     ERR_INVALID,
     {NULL}},
    {"not form-data", "multipart/mixed; boundary=XyZ", D "--", 0, ERR_INVALID, {NULL}},
    {"urlencoded", "application/x-www-form-urlencoded", "a=1", 0, ERR_INVALID, {NULL}},
    {"bad parameter", "multipart/form-data; boundary", D "--", 0, ERR_INVALID, {NULL}},

    /* ---- malformed bodies ---- */
    {"empty body", CT, "", 0, ERR_PARSE, {NULL}},
    {"preamble", CT, "hello\r\n" D "--", 0, ERR_PARSE, {NULL}},
    {"truncated in data",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\n\r\nabc",
     0,
     ERR_PARSE,
     {NULL}},
    {"truncated in head", CT, D "\r\nContent-Disposition: form-da", 0, ERR_PARSE, {NULL}},
    {"no closing delimiter",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\n\r\nabc\r\n" D,
     0,
     ERR_PARSE,
     {NULL}},
    {"closing delimiter cut",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\n\r\nabc\r\n" D "-",
     0,
     ERR_PARSE,
     {NULL}},
    {"epilogue",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n" D "--\r\nmore",
     0,
     ERR_PARSE,
     {NULL}},
    {"LF only",
     CT,
     D "\nContent-Disposition: form-data; name=a\n\n1\n" D "--\n",
     0,
     ERR_PARSE,
     {NULL}},
    {"LF inside head",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"CR only",
     CT,
     D "\rContent-Disposition: form-data; name=a\r\r1\r" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"transport padding",
     CT,
     D " \r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"delimiter followed by junk",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n" D "X\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"no blank line",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"head shares the delimiter CRLF",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\n\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"no disposition",
     CT,
     D "\r\nContent-Type: text/plain\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"two dispositions",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b\r\n"
       "\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"attachment",
     CT,
     D "\r\nContent-Disposition: attachment; name=a\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"no name",
     CT,
     D "\r\nContent-Disposition: form-data; filename=\"a.jpg\"\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"empty name",
     CT,
     D "\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"two names",
     CT,
     D "\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"unterminated quote",
     CT,
     D "\r\nContent-Disposition: form-data; name=\"a\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"backslash at end of quote",
     CT,
     D "\r\nContent-Disposition: form-data; name=\"a\\\"\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"folded header line",
     CT,
     D "\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"base64 transfer encoding",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\nContent-Transfer-Encoding: "
       "base64\r\n\r\nMQ==\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"invalid UTF-8 file name",
     CT,
     D "\r\nContent-Disposition: form-data; name=a; filename=\"\xff.jpg\"\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"tab in file name",
     CT,
     D "\r\nContent-Disposition: form-data; name=a; filename=\"a\tb.jpg\"\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"escaped CR in file name",
     CT,
     D "\r\nContent-Disposition: form-data; name=a; filename=\"a\\\rb.jpg\"\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"junk after parameter",
     CT,
     D "\r\nContent-Disposition: form-data; name=a b\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"header without colon",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\nbogus\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},

    /* ---- header injection: a CRLF smuggled in a file name must not become a header ---- */
    {"CRLF in quoted file name",
     CT,
     D "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.jpg\r\nContent-Type: "
       "text/html\"\r\n\r\n<script>\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"bare LF in file name",
     CT,
     D "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.jpg\nX: y\"\r\n\r\n1\r\n" D
       "--",
     0,
     ERR_PARSE,
     {NULL}},
    {"NUL in file name",
     CT,
     D "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\0.jpg\"\r\n\r\n1\r\n" D "--",
     sizeof(D "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\0.jpg\"\r\n\r\n1\r\n" D
              "--") -
         1,
     ERR_PARSE,
     {NULL}},
    {"two content types",
     CT,
     D "\r\nContent-Disposition: form-data; name=a\r\nContent-Type: image/png\r\n"
       "Content-Type: text/html\r\n\r\n1\r\n" D "--",
     0,
     ERR_PARSE,
     {NULL}},
};

/* split a "name|filename|type|data" expectation */
static void expect_part(const char *what, const struct http_multipart_part *p, const char *spec)
{
    const char *f[4];
    size_t len[4];
    const char *s = spec;
    for (int i = 0; i < 4; i++) {
        const char *bar = i < 3 ? strchr(s, '|') : NULL;
        f[i] = s;
        len[i] = bar ? (size_t)(bar - s) : strlen(s);
        s = bar ? bar + 1 : s + len[i];
    }
    struct str got[4] = {p->name, p->filename, p->content_type, p->data};
    for (int i = 0; i < 4; i++) {
        bool ok = got[i].len == len[i] && (len[i] == 0 || memcmp(got[i].ptr, f[i], len[i]) == 0);
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  case \"%s\" field %d: got \"%.*s\", expected \"%.*s\"\n", what, i,
                    (int)got[i].len, got[i].ptr ? got[i].ptr : "", (int)len[i], f[i]);
    }
}

static void run_case(struct arena *a, const struct mp_case *tc)
{
    size_t blen = tc->body_len ? tc->body_len : strlen(tc->body);
    /* a heap copy of exactly blen bytes, so ASan sees any read past the body */
    char *body = malloc(blen ? blen : 1);
    memcpy(body, tc->body, blen);
    struct http_multipart_part *parts = (void *)1;
    size_t n = 99;
    enum err e =
        http_multipart_parse_body(a, str_from_cstr(tc->ct), str_make(body, blen), &parts, &n);
    CHECK(e == tc->want);
    if (e != tc->want)
        fprintf(stderr, "  case \"%s\": got %s, expected %s\n", tc->what, err_str(e),
                err_str(tc->want));
    if (e != ERR_OK) {
        CHECK(parts == NULL && n == 0);
        free(body);
        return;
    }
    size_t want_n = 0;
    while (want_n < 4 && tc->parts[want_n])
        want_n++;
    CHECK(n == want_n);
    if (n != want_n)
        fprintf(stderr, "  case \"%s\": %zu parts, expected %zu\n", tc->what, n, want_n);
    for (size_t i = 0; i < n && i < want_n; i++) {
        if (strcmp(tc->what, "NUL bytes in data") == 0) {
            CHECK(parts[i].data.len == 2 && parts[i].data.ptr[0] == 0 && parts[i].data.ptr[1] == 0);
            continue;
        }
        expect_part(tc->what, &parts[i], tc->parts[i]);
        /* data never leaves the body */
        CHECK(parts[i].data.ptr >= body && parts[i].data.ptr + parts[i].data.len <= body + blen);
    }
    free(body);
}

/* many_parts builds a form of count small fields */
static char *many_parts(size_t count, size_t *len)
{
    static const char one[] = D "\r\nContent-Disposition: form-data; name=f\r\n\r\nv\r\n";
    size_t n = count * (sizeof(one) - 1) + sizeof(D "--") - 1;
    char *p = malloc(n);
    for (size_t i = 0; i < count; i++)
        memcpy(p + i * (sizeof(one) - 1), one, sizeof(one) - 1);
    /* the first part's delimiter has no CRLF in front: drop the leading one of the
     * following parts by writing them as CRLF-prefixed (the "\r\n" at the end of each
     * part's data is that CRLF) */
    memcpy(p + count * (sizeof(one) - 1), D "--", sizeof(D "--") - 1);
    *len = n;
    return p;
}

int main(void)
{
    struct arena *a = arena_new(4096);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_case(a, &cases[i]);
        arena_reset(a);
    }

    /* part count: 64 is fine, 65 and a flood are refused as a whole */
    struct http_multipart_part *parts;
    size_t n, len;
    char *body = many_parts(HTTP_MULTIPART_MAX_PARTS, &len);
    CHECK(http_multipart_parse_body(a, STR_LIT(CT), str_make(body, len), &parts, &n) == ERR_OK);
    CHECK(n == HTTP_MULTIPART_MAX_PARTS);
    free(body);
    body = many_parts(HTTP_MULTIPART_MAX_PARTS + 1, &len);
    CHECK(http_multipart_parse_body(a, STR_LIT(CT), str_make(body, len), &parts, &n) ==
          ERR_TOO_LARGE);
    CHECK(parts == NULL && n == 0);
    free(body);
    body = many_parts(100000, &len);
    CHECK(http_multipart_parse_body(a, STR_LIT(CT), str_make(body, len), &parts, &n) ==
          ERR_TOO_LARGE);
    free(body);

    /* header bytes and lines per part */
    {
        char big[8192];
        size_t o = (size_t)snprintf(big, sizeof(big),
                                    D "\r\nContent-Disposition: form-data; name=a\r\nX-Pad: ");
        memset(big + o, 'p', 3000);
        o += 3000;
        o += (size_t)snprintf(big + o, sizeof(big) - o, "\r\n\r\n1\r\n" D "--");
        CHECK(http_multipart_parse_body(a, STR_LIT(CT), str_make(big, o), &parts, &n) ==
              ERR_TOO_LARGE);
        o = (size_t)snprintf(big, sizeof(big), D "\r\nContent-Disposition: form-data; name=a\r\n");
        for (int i = 0; i < HTTP_MULTIPART_MAX_PART_HEADERS; i++)
            o += (size_t)snprintf(big + o, sizeof(big) - o, "X-%d: v\r\n", i);
        o += (size_t)snprintf(big + o, sizeof(big) - o, "\r\n1\r\n" D "--");
        CHECK(http_multipart_parse_body(a, STR_LIT(CT), str_make(big, o), &parts, &n) ==
              ERR_TOO_LARGE);
        /* a part with no blank line and megabytes of "head" fails without scanning on */
        size_t mlen = 3 * 1024 * 1024;
        char *m = malloc(mlen);
        memset(m, 'h', mlen);
        memcpy(m, D "\r\n", 7);
        memcpy(m + mlen - 9, "\r\n" D "--", 9);
        CHECK(http_multipart_parse_body(a, STR_LIT(CT), str_make(m, mlen), &parts, &n) ==
              ERR_TOO_LARGE);
        free(m);
    }

    /* a large file: data is a slice of the body, not a copy */
    {
        size_t flen = 5 * 1024 * 1024;
        static const char pre[] = D "\r\nContent-Disposition: form-data; name=\"photo\"; "
                                    "filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n";
        static const char post[] = "\r\n" D "--\r\n";
        size_t blen = sizeof(pre) - 1 + flen + sizeof(post) - 1;
        char *b = malloc(blen);
        memcpy(b, pre, sizeof(pre) - 1);
        for (size_t i = 0; i < flen; i++)
            b[sizeof(pre) - 1 + i] = (char)(i % 253); /* contains CR, LF and '-' bytes */
        memcpy(b + sizeof(pre) - 1 + flen, post, sizeof(post) - 1);
        size_t used = arena_bytes_used(a);
        CHECK(http_multipart_parse_body(a, STR_LIT(CT), str_make(b, blen), &parts, &n) == ERR_OK);
        CHECK(n == 1 && parts[0].data.len == flen && parts[0].data.ptr == b + sizeof(pre) - 1);
        CHECK(arena_bytes_used(a) - used < 64 * 1024);
        free(b);
    }

    /* through a request: the Content-Type header is looked up by name */
    {
        struct http_header h[2] = {{STR_LIT("Host"), STR_LIT("x")},
                                   {STR_LIT("content-type"), STR_LIT(CT)}};
        struct http_request req = {0};
        req.arena = a;
        req.headers = h;
        req.n_headers = 2;
        req.body = STR_LIT(D "\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n" D "--");
        CHECK(http_multipart_parse(a, &req, &parts, &n) == ERR_OK && n == 1);
        req.n_headers = 1;
        CHECK(http_multipart_parse(a, &req, &parts, &n) == ERR_INVALID);
        CHECK(parts == NULL && n == 0);
    }

    /* boundary extraction on its own */
    {
        struct str b;
        CHECK(http_multipart_boundary(a,
                                      STR_LIT("multipart/form-data; boundary=----WebKitForm"
                                              "BoundaryAbC123"),
                                      &b) == ERR_OK);
        CHECK_STR(b, "----WebKitFormBoundaryAbC123");
        CHECK(http_multipart_boundary(a, STR_LIT("multipart/form-data;boundary=\"q\\\"x\""), &b) ==
              ERR_INVALID); /* '"' is not a boundary character */
        CHECK(http_multipart_boundary(a, STR_LIT("multipart/form-data;boundary=x"), &b) == ERR_OK);
        CHECK_STR(b, "x");
    }

    arena_free(a);
    return check_done();
}
