/* fuzz_markdown: article bodies (markdown_to_html, markdown_to_text, markdown_excerpt).
 *
 * The HTML is trusted output (render_raw), so its safety is checked on every input by
 * scanning it as a browser would: a tag may not be script, style, iframe, object,
 * embed, form, svg, math, base, meta or link; no attribute may be an event handler
 * (on...) or style; every href/src/action attribute value, after entity decoding and
 * with the bytes browsers ignore removed, must pass the URL policy (http, https, mailto
 * or relative), so javascript:, vbscript: and data: are out however they are spelt.
 * Text outside tags may not contain a raw '<' that starts a tag or comment. Also: the
 * output is valid UTF-8 and the excerpt has at most max + 1 code points. */
#include "fuzz_util.h"

#include "core/utf8.h"
#include "render/markdown.h"

#define OUT_MAX (4 * 1024 * 1024)

static struct str in_md; /* for messages */

static void bad(const char *what, struct str html)
{
    fprintf(stderr, "output: %.*s\n", (int)(html.len > 4000 ? 4000 : html.len), html.ptr);
    fuzz_fail(what, in_md.ptr, in_md.len);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* decode_attr: HTML character references (&#NN; &#xHH; and the few named ones that
 * matter for URLs) decoded, then ASCII tab/LF/CR removed and leading C0/space removed,
 * as the URL parser of a browser does before it looks at the scheme. */
static size_t decode_attr(struct str v, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < v.len && o + 4 < cap; i++) {
        char c = v.ptr[i];
        if (c == '&') {
            size_t j = i + 1;
            long cp = -1;
            if (j < v.len && v.ptr[j] == '#') {
                j++;
                bool hex = j < v.len && (v.ptr[j] == 'x' || v.ptr[j] == 'X');
                if (hex)
                    j++;
                long n = 0;
                size_t start = j;
                while (j < v.len && n < 0x110000) {
                    char d = v.ptr[j];
                    int dv = d >= '0' && d <= '9'                        ? d - '0'
                             : hex && lower(d) >= 'a' && lower(d) <= 'f' ? lower(d) - 'a' + 10
                                                                         : -1;
                    if (dv < 0)
                        break;
                    n = n * (hex ? 16 : 10) + dv;
                    j++;
                }
                if (j > start)
                    cp = n;
            } else {
                static const struct {
                    const char *name;
                    char ch;
                } named[] = {{"amp", '&'}, {"colon", ':'}, {"tab", '\t'}, {"newline", '\n'},
                             {"lt", '<'},  {"gt", '>'},    {"quot", '"'}, {"apos", '\''},
                             {"sol", '/'}, {"lpar", '('},  {"rpar", ')'}};
                for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
                    size_t m = strlen(named[k].name);
                    if (v.len - j >= m && memcmp(v.ptr + j, named[k].name, m) == 0) {
                        cp = named[k].ch;
                        j += m;
                        break;
                    }
                }
            }
            if (cp >= 0) {
                if (j < v.len && v.ptr[j] == ';')
                    j++;
                i = j - 1;
                if (cp > 0 && cp < 0x80)
                    c = (char)cp;
                else
                    c = '?'; /* non-ASCII cannot spell a scheme */
            }
        }
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (o == 0 && (unsigned char)c <= 0x20)
            continue;
        out[o++] = c;
    }
    return o;
}

static void check_url(struct str html, struct str value)
{
    char buf[8192];
    size_t n = decode_attr(value, buf, sizeof buf);
    struct str url = str_make(buf, n);
    /* The scheme is what the URL starts with (browsers do not decode percent-escapes
     * in it); "javascript:" later on, after a '/', '?' or '#', is only text. */
    static const char *const bad_schemes[] = {"javascript:", "vbscript:", "data:"};
    for (size_t i = 0; i < sizeof bad_schemes / sizeof bad_schemes[0]; i++) {
        size_t m = strlen(bad_schemes[i]);
        if (n >= m && fuzz_contains_nocase(str_make(buf, m), bad_schemes[i]))
            bad("scripting or data: URL in href/src", html);
    }
    if (!markdown_url_allowed(url))
        bad("href/src outside the URL policy", html);
}

static bool name_is(struct str name, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++)
        if (str_eq_nocase(name, str_from_cstr(list[i])))
            return true;
    return false;
}

/* check_tag scans one tag starting at html[*i] == '<' and moves *i past it. */
static void check_tag(struct str html, size_t *i)
{
    static const char *const banned_tags[] = {"script", "style", "iframe",   "object", "embed",
                                              "form",   "svg",   "math",     "base",   "meta",
                                              "link",   "frame", "frameset", "applet", NULL};
    static const char *const url_attrs[] = {
        "href", "src", "action", "formaction", "poster", "background", "xlink:href", "cite", NULL};
    const char *p = html.ptr;
    size_t n = html.len, j = *i + 1;
    if (n - j >= 3 && memcmp(p + j, "!--", 3) == 0) {
        struct str rest = str_make(p + j + 3, n - j - 3);
        size_t end = str_find(rest, STR_LIT("-->"));
        if (end == SIZE_MAX)
            bad("unterminated comment", html);
        *i = j + 3 + end + 3;
        return;
    }
    if (j < n && p[j] == '/')
        j++;
    size_t name_start = j;
    while (j < n && ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z') ||
                     (p[j] >= '0' && p[j] <= '9')))
        j++;
    struct str name = str_make(p + name_start, j - name_start);
    if (name.len == 0)
        bad("a raw '<' that is not a tag", html);
    if (name_is(name, banned_tags))
        bad("forbidden tag", html);
    for (;;) {
        while (j < n && (is_space(p[j]) || p[j] == '/'))
            j++;
        if (j >= n)
            bad("unterminated tag", html);
        if (p[j] == '>') {
            *i = j + 1;
            return;
        }
        size_t an = j;
        while (j < n && !is_space(p[j]) && p[j] != '=' && p[j] != '>' && p[j] != '/')
            j++;
        struct str attr = str_make(p + an, j - an);
        if (attr.len >= 2 && lower(attr.ptr[0]) == 'o' && lower(attr.ptr[1]) == 'n')
            bad("event handler attribute", html);
        if (str_eq_nocase(attr, STR_LIT("style")) || str_eq_nocase(attr, STR_LIT("srcdoc")))
            bad("style/srcdoc attribute", html);
        while (j < n && is_space(p[j]))
            j++;
        struct str value = STR_NULL;
        if (j < n && p[j] == '=') {
            j++;
            while (j < n && is_space(p[j]))
                j++;
            if (j < n && (p[j] == '"' || p[j] == '\'')) {
                char q = p[j++];
                size_t vs = j;
                while (j < n && p[j] != q)
                    j++;
                if (j >= n)
                    bad("unterminated attribute value", html);
                value = str_make(p + vs, j - vs);
                j++;
            } else {
                size_t vs = j;
                while (j < n && !is_space(p[j]) && p[j] != '>')
                    j++;
                value = str_make(p + vs, j - vs);
            }
        }
        if (name_is(attr, url_attrs))
            check_url(html, value);
    }
}

static void check_html(struct str html)
{
    if (!utf8_valid(html.ptr, html.len))
        bad("HTML is not valid UTF-8", html);
    for (size_t i = 0; i < html.len;) {
        if (html.ptr[i] == '<')
            check_tag(html, &i);
        else
            i++;
    }
}

static size_t code_points(struct str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        if (((unsigned char)s.ptr[i] & 0xC0) != 0x80)
            n++;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_md = str_make((const char *)data, size);
    struct buf out;
    buf_init(&out, OUT_MAX);
    enum err e = markdown_to_html(in_md, &out);
    if (e == ERR_OK)
        check_html(buf_str(&out));
    else
        FUZZ_CHECK(e == ERR_INVALID || e == ERR_TOO_LARGE, "markdown_to_html: unexpected error",
                   data, size);
    if (e == ERR_INVALID)
        FUZZ_CHECK(!utf8_valid(in_md.ptr, in_md.len), "valid UTF-8 refused", data, size);

    buf_reset(&out);
    buf_append_cstr(&out, "PRE");
    e = markdown_to_text(in_md, &out);
    if (e == ERR_OK)
        FUZZ_CHECK(utf8_valid(out.data, out.len), "text is not valid UTF-8", data, size);
    else
        FUZZ_CHECK(str_eq_cstr(buf_str(&out), "PRE"), "failed markdown_to_text changed out", data,
                   size);

    size_t max = size % 64 + 1;
    buf_reset(&out);
    e = markdown_excerpt(in_md, max, &out);
    if (e == ERR_OK) {
        FUZZ_CHECK(utf8_valid(out.data, out.len), "excerpt is not valid UTF-8", data, size);
        FUZZ_CHECK(code_points(buf_str(&out)) <= max + 1, "excerpt longer than asked", data, size);
    }
    buf_free(&out);
    return 0;
}
