/* fuzz_query: the query normalisation every cached page's key goes through
 * (http__query_canonical). The input is a raw query string, normalised for a route that
 * reads nothing, for the search page's names and for "*". Checks: the output uses only
 * unreserved characters, '%XX' (upper case), '=' and '&'; it decodes; a second pass
 * gives the same bytes (one spelling per page, so no two cache entries for one page);
 * a route that reads nothing always gets the empty query. */
#include "fuzz_util.h"

#include "core/arena.h"
#include "http/http_internal.h"

static struct arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    arena = arena_new(16 * 1024);
    return 0;
}

static bool shape_ok(struct str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == '%') {
            if (i + 2 >= s.len)
                return false;
            for (int k = 1; k <= 2; k++) {
                unsigned char h = (unsigned char)s.ptr[i + (size_t)k];
                if (!((h >= '0' && h <= '9') || (h >= 'A' && h <= 'F')))
                    return false;
            }
            i += 2;
            continue;
        }
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (!unreserved && c != '=' && c != '&')
            return false;
    }
    return true;
}

static void check_declared(const char *declared, struct str raw)
{
    struct str out;
    if (http__query_canonical(arena, declared, raw, &out) != ERR_OK)
        return;
    FUZZ_CHECK(shape_ok(out), "canonical query has a character outside its alphabet", raw.ptr,
               raw.len);
    char *copy = arena_strndup(arena, out.ptr, out.len);
    struct str again;
    FUZZ_CHECK(http__query_canonical(arena, declared, str_make(copy, out.len), &again) == ERR_OK,
               "canonical query does not normalise again", raw.ptr, raw.len);
    FUZZ_CHECK(str_eq(again, out), "normalising twice changes the query", raw.ptr, raw.len);
    struct str v;
    bool bad = false;
    if (strcmp(declared, "*") != 0 &&
        http_form_get(arena, str_make(copy, out.len), "q", &v, &bad)) {
        struct str want;
        bool want_bad = false;
        FUZZ_CHECK(http_form_get(arena, raw, "q", &want, &want_bad) && str_eq(v, want),
                   "the handler would read another q than the client sent", raw.ptr, raw.len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_reset(arena);
    struct str raw = str_make((const char *)data, size);
    struct str out;
    FUZZ_CHECK(http__query_canonical(arena, NULL, raw, &out) == ERR_OK && out.len == 0,
               "a route that reads nothing got a query", raw.ptr, raw.len);
    check_declared("q tag dept from to sort page", raw);
    check_declared("*", raw);
    return 0;
}
