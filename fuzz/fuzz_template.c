/* fuzz_template: the template compiler and renderer. The input is a template text and,
 * after the first NUL, a second template "p" the first may include ({{>p}}); both are
 * compiled into one set and "main" is rendered against a fixed value tree of every
 * kind (strings, raw HTML, numbers, booleans, lists, nested objects, a null member)
 * with a small catalog.
 *
 * Escaping invariant: every string value and catalog text holds the marker \x02<"\x03,
 * so when neither template contains the bytes \x02 and \x03, an unescaped '<' or '"'
 * right after \x02 in the output can only come from a value or catalog text written
 * without escaping. Also: a failed render leaves the output as it was, and rendering is
 * deterministic (the same set and tree give the same bytes twice). */
#include "fuzz_util.h"

#include "core/arena.h"
#include "render/i18n.h"
#include "render/template.h"
#include "render/value.h"

#define MARK "\x02<\"\x03"
#define OUT_MAX (256 * 1024)

static struct arena *arena;
static struct value *root;
static struct i18n *catalog;

static struct value *item(const char *name)
{
    struct value *o = value_obj(arena);
    value_set_cstr(arena, o, "name", name);
    value_set_cstr(arena, o, "url", "/news/" MARK);
    value_set_int(arena, o, "id", 42);
    return o;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* the tree lives for the whole run, in its own arena */
    arena = arena_new(16 * 1024);
    root = value_obj(arena);
    value_set_cstr(arena, root, "title", "Title " MARK);
    value_set_cstr(arena, root, "empty", "");
    value_set_int(arena, root, "n", -7);
    value_set_int(arena, root, "zero", 0);
    value_set_bool(arena, root, "yes", true);
    value_set_bool(arena, root, "no", false);
    value_set(arena, root, "html", render_raw(arena, STR_LIT("<b>raw</b>")));
    value_set(arena, root, "nul", NULL);
    struct value *items = value_list(arena);
    value_push(arena, items, item("one " MARK));
    value_push(arena, items, item("two " MARK));
    value_push(arena, items, item("three " MARK));
    value_set(arena, root, "items", items);
    struct value *tags = value_list(arena);
    value_push(arena, tags, value_cstr(arena, "tag " MARK));
    value_push(arena, tags, value_int(arena, 5));
    value_push(arena, tags, value_bool(arena, true));
    value_set(arena, root, "tags", tags);
    value_set(arena, root, "none", value_list(arena));
    struct value *site = value_obj(arena);
    value_set_cstr(arena, site, "name", "Site " MARK);
    struct value *deep = value_obj(arena);
    value_set_cstr(arena, deep, "x", "deep " MARK);
    value_set(arena, deep, "items", items);
    value_set(arena, site, "deep", deep);
    value_set(arena, root, "site", site);

    static const char cat[] = "lang = uk\n"
                              "hello = Hello " MARK "\n"
                              "month.gen.8 = серпня\n"
                              "a.b-c_d = x = y " MARK "\n";
    char err[256];
    if (i18n_parse("uk.ini", STR_LIT(cat), &catalog, err, sizeof err) != ERR_OK) {
        fprintf(stderr, "fuzz_template: catalog: %s\n", err);
        abort();
    }
    return 0;
}

static bool has_byte(struct str s, char c)
{
    return s.len > 0 && memchr(s.ptr, c, s.len) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str in = str_make((const char *)data, size), main_t, part_t;
    bool has_part = fuzz_split(in, '\0', &main_t, &part_t);
    char err[256];
    struct template_set *ts = template_set_new();
    if (template_set_compile_string(ts, "main", main_t, err, sizeof err) != ERR_OK)
        goto out;
    if (has_part && template_set_compile_string(ts, "p", part_t, err, sizeof err) != ERR_OK)
        goto out;

    struct buf a, b;
    buf_init(&a, OUT_MAX);
    buf_init(&b, OUT_MAX);
    buf_append_cstr(&a, "PRE");
    buf_append_cstr(&b, "PRE");
    enum err e1 = template_render(ts, "main", root, catalog, &a);
    enum err e2 = template_render(ts, "main", root, catalog, &b);
    FUZZ_CHECK(e1 == e2 && str_eq(buf_str(&a), buf_str(&b)), "render is not deterministic", data,
               size);
    if (e1 != ERR_OK) {
        FUZZ_CHECK(e1 == ERR_NOTFOUND || e1 == ERR_TOO_LARGE, "render: unexpected error", data,
                   size);
        FUZZ_CHECK(str_eq_cstr(buf_str(&a), "PRE"), "failed render changed the output", data, size);
    } else if (!has_byte(in, '\x02') && !has_byte(in, '\x03')) {
        struct str o = buf_str(&a);
        for (size_t i = 0; i + 1 < o.len; i++)
            if (o.ptr[i] == '\x02')
                FUZZ_CHECK(o.ptr[i + 1] != '<' && o.ptr[i + 1] != '"',
                           "a value or catalog text was written unescaped", data, size);
    }
    /* without a catalog, {{t:key}} prints the key */
    buf_reset(&a);
    if (template_render(ts, "main", root, NULL, &a) != ERR_OK) {
        /* a failed render is fine here: this run only checks it does not crash */
    }
    buf_free(&a);
    buf_free(&b);
out:
    template_set_unref(ts);
    return 0;
}
