/* test_template.c: every construct of the template language, escaping, limits and
 * error messages. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "render/i18n.h"
#include "render/template.h"

static struct arena *A;

/* render compiles src as template "t" into a fresh set and renders it with root;
 * the output (or "ERR:<code>" / the compile error) lands in a static buffer. */
static char result[65536];

static const char *render_with(const char *src, const struct value *root, const struct i18n *lang,
                               size_t max)
{
    struct template_set *ts = template_set_new();
    char err[256];
    enum err e = template_set_compile_string(ts, "t", str_from_cstr(src), err, sizeof err);
    if (e != ERR_OK) {
        snprintf(result, sizeof result, "COMPILE:%s", err);
        template_set_unref(ts);
        return result;
    }
    struct buf b;
    buf_init(&b, max);
    e = template_render(ts, "t", root, lang, &b);
    if (e != ERR_OK)
        snprintf(result, sizeof result, "ERR:%d", (int)e);
    else
        snprintf(result, sizeof result, "%s", b.data ? b.data : "");
    buf_free(&b);
    template_set_unref(ts);
    return result;
}

static const char *render(const char *src, const struct value *root)
{
    return render_with(src, root, NULL, sizeof result - 1);
}

#define CHECK_RENDER(src, root, expected) CHECK_STR(str_from_cstr(render(src, root)), expected)

static void test_variables(void)
{
    struct value *root = value_obj(A);
    value_set_cstr(A, root, "name", "Полтава");
    value_set_cstr(A, root, "evil", "<script>alert(\"x\") & 'y'</script>");
    value_set(A, root, "html", render_raw(A, STR_LIT("<b>bold</b>")));
    value_set_int(A, root, "n", -42);
    value_set_int(A, root, "zero", 0);
    value_set_bool(A, root, "yes", true);
    value_set_bool(A, root, "no", false);
    value_set(A, root, "nothing", NULL);
    struct value *site = value_obj(A);
    struct value *owner = value_obj(A);
    value_set_cstr(A, owner, "title", "ОДА");
    value_set(A, site, "owner", owner);
    value_set_cstr(A, site, "name", "Вісник");
    value_set(A, root, "site", site);

    CHECK_RENDER("", root, "");
    CHECK_RENDER("plain text only", root, "plain text only");
    CHECK_RENDER("Hello, {{name}}!", root, "Hello, Полтава!");
    CHECK_RENDER("{{ name }}", root, "Полтава");
    CHECK_RENDER("{{evil}}", root,
                 "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
    CHECK_RENDER(
        "<a title=\"{{evil}}\">", root,
        "<a title=\"&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;\">");
    CHECK_RENDER("{{html}}", root, "<b>bold</b>");
    CHECK_RENDER("{{n}} {{zero}}", root, "-42 0");
    CHECK_RENDER("{{yes}} {{no}}", root, "true false");
    CHECK_RENDER("[{{missing}}][{{nothing}}][{{site}}]", root, "[][][]");
    CHECK_RENDER("{{site.name}} / {{site.owner.title}}", root, "Вісник / ОДА");
    CHECK_RENDER("[{{site.missing.x}}][{{name.x}}]", root, "[][]");
    CHECK_RENDER("{{! a comment }}x{{!multi\nline\ncomment}}y", root, "xy");
    CHECK_RENDER("a {{ not closed", root, "COMPILE:t:1: unterminated '{{'");
    CHECK_RENDER("{ single } braces } and }}", root, "{ single } braces } and }}");

    /* value_str copies: the source may go away */
    char tmp[8] = "abc";
    struct value *copy = value_obj(A);
    value_set_str(A, copy, "v", str_make(tmp, 3));
    tmp[0] = 'X';
    CHECK_RENDER("{{v}}", copy, "abc");
    /* a NULL root renders, empty */
    CHECK_RENDER("[{{x}}]", NULL, "[]");
    /* setting a key again replaces it, keeping its place */
    struct value *o = value_obj(A);
    value_set_cstr(A, o, "a", "1");
    value_set_cstr(A, o, "a", "2");
    CHECK_RENDER("{{a}}", o, "2");
}

static void test_sections(void)
{
    struct value *root = value_obj(A);
    struct value *tags = value_list(A);
    const char *names[] = {"економіка", "<b>", "освіта"};
    for (size_t i = 0; i < 3; i++) {
        struct value *t = value_obj(A);
        value_set_cstr(A, t, "name", names[i]);
        value_set_int(A, t, "id", (int64_t)i + 1);
        value_push(A, tags, t);
    }
    value_set(A, root, "tags", tags);
    value_set(A, root, "empty", value_list(A));
    struct value *words = value_list(A);
    value_push(A, words, value_cstr(A, "a<"));
    value_push(A, words, value_cstr(A, "b"));
    value_push(A, words, value_int(A, 7));
    value_set(A, root, "words", words);
    value_set_cstr(A, root, "title", "Root");
    value_set_bool(A, root, "flag", true);
    value_set_bool(A, root, "off", false);
    value_set_cstr(A, root, "blank", "");
    struct value *author = value_obj(A);
    value_set_cstr(A, author, "name", "Іван");
    value_set(A, root, "author", author);
    struct value *nested = value_list(A);
    for (int i = 0; i < 2; i++) {
        struct value *row = value_obj(A);
        struct value *cells = value_list(A);
        for (int j = 0; j < 3; j++)
            value_push(A, cells, value_int(A, i * 10 + j));
        value_set(A, row, "cells", cells);
        value_push(A, nested, row);
    }
    value_set(A, root, "rows", nested);

    CHECK_RENDER("{{#tags}}[{{id}}:{{name}}]{{/tags}}", root,
                 "[1:економіка][2:&lt;b&gt;][3:освіта]");
    CHECK_RENDER("{{#words}}<{{.}}>{{/words}}", root, "<a&lt;><b><7>");
    CHECK_RENDER("{{#tags}}{{@index}}{{#@first}}F{{/@first}}{{#@last}}L{{/@last}} {{/tags}}", root,
                 "1F 2 3L ");
    CHECK_RENDER("{{#tags}}{{name}}{{^@last}}, {{/@last}}{{/tags}}", root,
                 "економіка, &lt;b&gt;, освіта");
    CHECK_RENDER("{{#tags}}{{@first}}/{{@last}} {{/tags}}", root,
                 "true/false false/false false/true ");
    CHECK_RENDER("[{{@index}}{{@first}}]", root, "[]");
    /* outer scope reachable from inside a list */
    CHECK_RENDER("{{#tags}}{{title}}{{/tags}}", root, "RootRootRoot");
    CHECK_RENDER("{{#empty}}never{{/empty}}{{^empty}}none{{/empty}}", root, "none");
    CHECK_RENDER("{{^tags}}never{{/tags}}", root, "");
    CHECK_RENDER("{{#flag}}on{{/flag}}{{#off}}never{{/off}}{{^off}}off{{/off}}", root, "onoff");
    CHECK_RENDER("{{#blank}}never{{/blank}}{{^blank}}blank{{/blank}}", root, "blank");
    CHECK_RENDER("{{#missing}}never{{/missing}}{{^missing}}missing{{/missing}}", root, "missing");
    CHECK_RENDER("{{#author}}{{name}} ({{title}}){{/author}}", root, "Іван (Root)");
    CHECK_RENDER("{{#title}}<{{.}}>{{/title}}", root, "<Root>");
    CHECK_RENDER("{{#author.name}}by {{.}}{{/author.name}}", root, "by Іван");
    /* nested lists: @index refers to the innermost list */
    CHECK_RENDER("{{#rows}}[{{#cells}}{{.}}@{{@index}}{{^@last}},{{/@last}}{{/cells}}]{{/rows}}",
                 root, "[0@1,1@2,2@3][10@1,11@2,12@3]");
    CHECK_RENDER("{{#rows}}{{@index}}:{{#cells}}{{/cells}}{{@index}} {{/rows}}", root, "1:1 2:2 ");
}

static void test_standalone(void)
{
    struct value *root = value_obj(A);
    struct value *list = value_list(A);
    value_push(A, list, value_cstr(A, "a"));
    value_push(A, list, value_cstr(A, "b"));
    value_set(A, root, "items", list);
    CHECK_RENDER("<ul>\n  {{#items}}\n  <li>{{.}}</li>\n  {{/items}}\n</ul>\n", root,
                 "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n");
    CHECK_RENDER("a\n{{! comment }}\nb\n", root, "a\nb\n");
    CHECK_RENDER("a\r\n{{#items}}\r\n{{.}}\r\n{{/items}}\r\nz", root, "a\r\na\r\nb\r\nz");
    /* not standalone: other content on the line */
    CHECK_RENDER("x {{#items}}{{.}}{{/items}} y\n", root, "x ab y\n");
    CHECK_RENDER("{{#items}}{{.}}{{/items}}\n", root, "ab\n");
    /* a variable alone on its line keeps its line */
    CHECK_RENDER("a\n{{missing}}\nb", root, "a\n\nb");
    CHECK_RENDER("{{#items}}\n{{/items}}", root, "");
}

static void test_errors(void)
{
    struct value *root = value_obj(A);
    CHECK_RENDER("line1\nline2 {{#tags}}\nx", root, "COMPILE:t:2: unclosed section 'tags'");
    CHECK_RENDER("{{#a}}\n{{#b}}\n{{/b}}\n\n{{/c}}", root, "COMPILE:t:5: '{{/c}}' closes 'a'");
    CHECK_RENDER("\n\n{{/x}}", root, "COMPILE:t:3: '{{/x}}' without an open section");
    CHECK_RENDER("a\n{{!\n\n}}\n{{&raw}}", root, "COMPILE:t:5: unknown tag type '{{&'");
    CHECK_RENDER("{{{raw}}}", root,
                 "COMPILE:t:1: '{{{' is not supported: raw HTML comes only from render_raw "
                 "values");
    CHECK_RENDER("{{=<% %>=}}", root, "COMPILE:t:1: unknown tag type '{{='");
    CHECK_RENDER("\n{{}}", root, "COMPILE:t:2: empty tag '{{}}'");
    CHECK_RENDER("{{a b}}", root, "COMPILE:t:1: invalid name 'a b'");
    CHECK_RENDER("{{a..b}}", root, "COMPILE:t:1: invalid name 'a..b'");
    CHECK_RENDER("{{#a<}}{{/a<}}", root, "COMPILE:t:1: invalid section name 'a<'");
    CHECK_RENDER("{{t:Bad Key}}", root, "COMPILE:t:1: invalid i18n key 'Bad Key'");
    CHECK_RENDER("{{>../etc}}", root, "COMPILE:t:1: invalid partial name '../etc'");
    CHECK_RENDER("ok\n\xff", root, "COMPILE:t:2: not valid utf-8");

    /* nesting beyond the limit is refused at compile time */
    char deep[4096] = "";
    size_t n = 0;
    for (int i = 0; i <= TEMPLATE_MAX_DEPTH; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "{{#a}}");
    CHECK(strstr(render(deep, root), "nested deeper") != NULL);

    /* unknown template and unknown partial */
    struct template_set *ts = template_set_new();
    struct buf b;
    buf_init(&b, 1024);
    CHECK(template_render(ts, "nope", root, NULL, &b) == ERR_NOTFOUND);
    CHECK(template_set_compile_string(ts, "p", STR_LIT("x{{>later}}y"), NULL, 0) == ERR_OK);
    CHECK(template_render(ts, "p", root, NULL, &b) == ERR_NOTFOUND);
    CHECK(b.len == 0);
    CHECK(template_set_compile_string(ts, "later", STR_LIT("L"), NULL, 0) == ERR_OK);
    CHECK(template_render(ts, "p", root, NULL, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "xLy");
    CHECK(template_set_has(ts, "later") && !template_set_has(ts, "p2"));
    buf_free(&b);
    template_set_unref(ts);
}

static void test_partials(void)
{
    struct template_set *ts = template_set_new();
    char err[256] = "";
    CHECK(template_set_compile_string(ts, "page",
                                      STR_LIT("<h1>{{title}}</h1>\n{{#items}}\n"
                                              "{{>item}}\n{{/items}}\n"),
                                      err, sizeof err) == ERR_OK);
    CHECK(template_set_compile_string(ts, "item", STR_LIT("<li>{{name}} of {{title}}</li>\n"), err,
                                      sizeof err) == ERR_OK);
    /* recursion through data: a comment tree */
    CHECK(template_set_compile_string(ts, "tree",
                                      STR_LIT("({{name}}{{#children}}{{>tree}}{{/children}})"), err,
                                      sizeof err) == ERR_OK);
    CHECK(template_set_compile_string(ts, "loop", STR_LIT("x{{>loop}}"), err, sizeof err) ==
          ERR_OK);

    struct value *root = value_obj(A);
    value_set_cstr(A, root, "title", "T&T");
    struct value *items = value_list(A);
    for (int i = 0; i < 2; i++) {
        struct value *it = value_obj(A);
        value_set_cstr(A, it, "name", i ? "b" : "a");
        value_push(A, items, it);
    }
    value_set(A, root, "items", items);

    struct buf b;
    buf_init(&b, 1 << 16);
    CHECK(template_render(ts, "page", root, NULL, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "<h1>T&amp;T</h1>\n<li>a of T&amp;T</li>\n<li>b of T&amp;T</li>\n");

    /* a tree 3 deep renders; the same shape deeper than the limit does not */
    struct value *leaf = value_obj(A);
    value_set_cstr(A, leaf, "name", "c");
    /* lookup walks outwards: without this the leaf would find its parent's children
     * (and recurse until the depth bound); a present null member stops the walk */
    value_set(A, leaf, "children", NULL);
    struct value *mid = value_obj(A), *top = value_obj(A);
    value_set_cstr(A, mid, "name", "b");
    value_set_cstr(A, top, "name", "a");
    struct value *l1 = value_list(A), *l2 = value_list(A);
    value_push(A, l2, leaf);
    value_set(A, mid, "children", l2);
    value_push(A, l1, mid);
    value_set(A, top, "children", l1);
    buf_reset(&b);
    CHECK(template_render(ts, "tree", top, NULL, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "(a(b(c)))");

    struct value *deep = value_obj(A);
    value_set_cstr(A, deep, "name", "n");
    value_set(A, deep, "children", value_list(A));
    for (int i = 0; i < TEMPLATE_MAX_DEPTH; i++) {
        struct value *parent = value_obj(A), *l = value_list(A);
        value_set_cstr(A, parent, "name", "n");
        value_push(A, l, deep);
        value_set(A, parent, "children", l);
        deep = parent;
    }
    buf_reset(&b);
    CHECK(buf_append_cstr(&b, "keep") == ERR_OK);
    CHECK(template_render(ts, "tree", deep, NULL, &b) == ERR_TOO_LARGE);
    CHECK_STR(buf_str(&b), "keep"); /* out restored on failure */

    /* endless self-inclusion stops at the depth bound */
    buf_reset(&b);
    CHECK(template_render(ts, "loop", root, NULL, &b) == ERR_TOO_LARGE);
    CHECK(b.len == 0);

    /* replacing a template keeps links of the others */
    CHECK(template_set_compile_string(ts, "item", STR_LIT("[{{name}}]"), err, sizeof err) ==
          ERR_OK);
    buf_reset(&b);
    CHECK(template_render(ts, "page", root, NULL, &b) == ERR_OK);
    /* the standalone {{>item}} line is replaced by the partial, newline included */
    CHECK_STR(buf_str(&b), "<h1>T&amp;T</h1>\n[a][b]");

    /* output bound */
    struct buf small;
    buf_init(&small, 10);
    CHECK(template_render(ts, "page", root, NULL, &small) == ERR_TOO_LARGE);
    CHECK(small.len == 0);
    buf_free(&small);

    /* refcount: an extra reference keeps the set alive */
    template_set_ref(ts);
    template_set_unref(ts);
    buf_reset(&b);
    CHECK(template_render(ts, "item", value_list_at(items, 0), NULL, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "[a]");
    buf_free(&b);
    template_set_unref(ts);
}

static void test_i18n_tags(void)
{
    struct i18n *uk = NULL;
    char err[256];
    CHECK(i18n_parse("uk.ini", STR_LIT("nav.home = Головна\nquote = «<цитата>» & 'так'\n"), &uk,
                     err, sizeof err) == ERR_OK);
    struct value *root = value_obj(A);
    CHECK_STR(
        str_from_cstr(render_with("{{t:nav.home}}|{{ t:quote }}|{{t:no.such}}", root, uk, 4096)),
        "Головна|«&lt;цитата&gt;» &amp; &#39;так&#39;|no.such");
    CHECK_STR(str_from_cstr(render_with("{{t:nav.home}}", root, NULL, 4096)), "nav.home");
    i18n_free(uk);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
}

static void test_load(void)
{
    char dir[] = "/tmp/visnyk_tpl_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[512], err[256] = "";
    snprintf(path, sizeof path, "%s/base.html", dir);
    write_file(path, "<title>{{title}}</title>\n{{>footer}}");
    snprintf(path, sizeof path, "%s/footer.html", dir);
    write_file(path, "<footer>{{t:footer}}</footer>\n");
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    write_file(path, "{{#broken");
    snprintf(path, sizeof path, "%s/sub", dir);
    mkdir(path, 0700);

    struct template_set *ts = NULL;
    CHECK(template_set_load(dir, &ts, err, sizeof err) == ERR_OK);
    if (ts != NULL) {
        struct value *root = value_obj(A);
        value_set_cstr(A, root, "title", "<x>");
        struct buf b;
        buf_init(&b, 4096);
        CHECK(template_render(ts, "base", root, NULL, &b) == ERR_OK);
        CHECK_STR(buf_str(&b), "<title>&lt;x&gt;</title>\n<footer>footer</footer>\n");
        CHECK(!template_set_has(ts, "notes"));
        buf_free(&b);
        template_set_unref(ts);
    }

    /* a syntax error names the file and line */
    snprintf(path, sizeof path, "%s/article.html", dir);
    write_file(path, "<article>\n{{#tags}}\n{{name}}\n</article>\n");
    ts = NULL;
    CHECK(template_set_load(dir, &ts, err, sizeof err) == ERR_PARSE);
    CHECK_STR(str_from_cstr(err), "article.html:2: unclosed section 'tags'");
    CHECK(ts == NULL);

    /* an unknown partial is caught at load */
    write_file(path, "x\n{{>missing}}\n");
    CHECK(template_set_load(dir, &ts, err, sizeof err) == ERR_PARSE);
    CHECK_STR(str_from_cstr(err), "article.html:2: unknown partial 'missing'");

    /* too large */
    size_t big = TEMPLATE_MAX_FILE_BYTES + 1;
    char *text = malloc(big + 1);
    memset(text, 'a', big);
    text[big] = '\0';
    write_file(path, text);
    free(text);
    CHECK(template_set_load(dir, &ts, err, sizeof err) == ERR_TOO_LARGE);
    CHECK(strstr(err, "article.html") != NULL);
    unlink(path);

    CHECK(template_set_load("/nonexistent/visnyk", &ts, err, sizeof err) == ERR_IO);

    snprintf(path, sizeof path, "%s/base.html", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/footer.html", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/sub", dir);
    rmdir(path);
    rmdir(dir);
}

int main(void)
{
    A = arena_new(64 * 1024);
    test_variables();
    test_sections();
    test_standalone();
    test_errors();
    test_partials();
    test_i18n_tags();
    test_load();
    arena_free(A);
    return check_done();
}
