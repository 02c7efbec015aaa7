/* fuzz_form: query strings and urlencoded bodies (http_form_get), as every handler reads
 * them. The input is "name\nform": the field name to look up (fuzzed too, so escaped
 * keys are exercised) and the form. Checks: a found value is valid UTF-8 without NUL,
 * no longer than the form; absent + bad only together with an undecodable value;
 * looking up a name that the form lists first, unescaped, finds exactly its value. */
#include "fuzz_util.h"

#include "core/arena.h"
#include "core/utf8.h"
#include "http/http.h"

static struct arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    arena = arena_new(16 * 1024);
    return 0;
}

static void lookup(struct str form, const char *name)
{
    struct str v;
    bool bad = true;
    bool found = http_form_get(arena, form, name, &v, &bad);
    if (found) {
        FUZZ_CHECK(!bad, "found and bad at once", form.ptr, form.len);
        FUZZ_CHECK(v.len <= form.len, "value longer than the form", form.ptr, form.len);
        FUZZ_CHECK(utf8_valid(v.ptr, v.len), "value is not UTF-8", form.ptr, form.len);
        FUZZ_CHECK(v.len == 0 || memchr(v.ptr, '\0', v.len) == NULL, "value holds NUL", form.ptr,
                   form.len);
    } else {
        FUZZ_CHECK(v.ptr == NULL && v.len == 0, "absent value not empty", form.ptr, form.len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_reset(arena);
    struct str in = str_make((const char *)data, size), name_s, form;
    if (!fuzz_split(in, '\n', &name_s, &form)) {
        form = in;
        name_s = STR_LIT("q");
    }
    char *name = arena_strndup(arena, name_s.ptr, name_s.len);
    lookup(form, name);
    /* the names the site and the workspace read */
    static const char *const names[] = {"q", "after", "csrf", "email", "title", "body", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        lookup(form, names[i]);

    /* the first pair, when its key needs no decoding, must be found with its value */
    struct str rest = form, pair = STR_NULL;
    while (str_split_next(&rest, '&', &pair) && pair.len == 0) {
    }
    size_t eq = str_find_char(pair, '=');
    if (pair.len > 0 && eq != SIZE_MAX && eq > 0) {
        struct str key = str_make(pair.ptr, eq);
        bool plain = memchr(key.ptr, '%', key.len) == NULL &&
                     memchr(key.ptr, '+', key.len) == NULL &&
                     memchr(key.ptr, '\0', key.len) == NULL;
        if (plain) {
            char *k = arena_strndup(arena, key.ptr, key.len);
            struct str v, want;
            bool bad;
            bool found = http_form_get(arena, form, k, &v, &bad);
            struct str raw = str_make(pair.ptr + eq + 1, pair.len - eq - 1);
            if (http_url_decode(arena, raw, true, &want) == ERR_OK) {
                FUZZ_CHECK(found && str_eq(v, want), "first field not found with its value",
                           form.ptr, form.len);
            } else {
                FUZZ_CHECK(!found && bad, "undecodable value not reported as bad", form.ptr,
                           form.len);
            }
        }
    }
    return 0;
}
