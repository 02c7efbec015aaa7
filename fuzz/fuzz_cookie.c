/* fuzz_cookie: what the editors' workspace reads from a request before it trusts it:
 * the Cookie header (admin__cookie), the CSRF token comparison (admin__csrf_ok) and the
 * form helpers (admin__field, admin__fields, admin__field_i64).
 *
 * The input is up to four header lines "Name: value" (split at '\n') that become the
 * request's headers, then, after a NUL, a form body. Checks: a cookie value found is a
 * slice of a Cookie header, holds no ';' and is the one admin__cookie's contract names
 * (the first "name=" piece, spaces trimmed); the CSRF check accepts exactly the session's
 * token and only when logged in; every repeated field value is valid text. */
#include "fuzz_util.h"

#include <sodium.h>

#include "admin/admin_internal.h"
#include "core/arena.h"
#include "core/utf8.h"

static struct arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    arena = arena_new(16 * 1024);
    if (sodium_init() < 0)
        abort();
    return 0;
}

/* first_cookie: the value of the first "name=value" piece of any Cookie header, by an
 * independent, simple reading of the same rule. */
static bool first_cookie(const struct http_request *req, struct str name, struct str *value)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (!str_eq_nocase(req->headers[i].name, STR_LIT("cookie")))
            continue;
        struct str v = req->headers[i].value;
        size_t start = 0;
        for (size_t k = 0; k <= v.len; k++) {
            if (k < v.len && v.ptr[k] != ';')
                continue;
            struct str piece = str_trim(str_make(v.ptr + start, k - start));
            start = k + 1;
            size_t eq = str_find_char(piece, '=');
            if (eq != SIZE_MAX && str_eq(str_make(piece.ptr, eq), name)) {
                *value = str_make(piece.ptr + eq + 1, piece.len - eq - 1);
                return true;
            }
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_reset(arena);
    struct str in = str_make((const char *)data, size), head, form;
    fuzz_split(in, '\0', &head, &form);

    struct http_header headers[4];
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.arena = arena;
    req.headers = headers;
    struct str rest = head, line;
    while (req.n_headers < 4 && str_split_next(&rest, '\n', &line)) {
        size_t colon = str_find_char(line, ':');
        struct http_header *h = &headers[req.n_headers++];
        if (colon == SIZE_MAX) {
            h->name = STR_LIT("Cookie");
            h->value = str_trim(line);
        } else {
            h->name = str_trim(str_make(line.ptr, colon));
            h->value = str_trim(str_make(line.ptr + colon + 1, line.len - colon - 1));
        }
    }

    static const char *const names[] = {"visnyk_session", "__Host-visnyk_session", "csrf", "a", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct str got = admin__cookie(&req, names[i]), want = STR_NULL;
        bool expected = first_cookie(&req, str_from_cstr(names[i]), &want);
        FUZZ_CHECK(expected == (got.ptr != NULL), "cookie found/absent differs from the rule", data,
                   size);
        if (expected) {
            FUZZ_CHECK(str_eq(got, want), "cookie value differs from the rule", data, size);
            FUZZ_CHECK(got.len == 0 || memchr(got.ptr, ';', got.len) == NULL, "value holds ';'",
                       data, size);
            FUZZ_CHECK(fuzz_within(got, head.ptr, head.len), "value outside the headers", data,
                       size);
        }
    }

    /* CSRF: the session's token is fixed; the form's "csrf" field is the attempt */
    static const char token[] = "0123456789abcdef0123456789abcdef";
    struct admin_ctx c;
    memset(&c, 0, sizeof c);
    c.a = arena;
    c.req = &req;
    c.csrf = STR_LIT(token);
    struct str attempt = admin__field(&c, form, "csrf");
    bool same = str_eq(attempt, STR_LIT(token));
    c.logged_in = false;
    FUZZ_CHECK(!admin__csrf_ok(&c, attempt), "CSRF accepted without a session", data, size);
    c.logged_in = true;
    FUZZ_CHECK(admin__csrf_ok(&c, attempt) == same, "CSRF check differs from equality", data, size);
    c.csrf = STR_LIT("");
    FUZZ_CHECK(!admin__csrf_ok(&c, attempt), "CSRF accepted against an empty token", data, size);

    struct str values[8];
    size_t n = admin__fields(&c, form, "tag", values, 8);
    FUZZ_CHECK(n <= 8, "more fields than asked", data, size);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(utf8_valid(values[i].ptr, values[i].len), "field value not UTF-8", data, size);
    int64_t id;
    (void)admin__field_i64(&c, form, "id", &id);
    return 0;
}
