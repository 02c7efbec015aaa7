/* test_markdown.c: article Markdown: GFM features, typography kept, and above all
 * that no input can put script into the page. */
#include <ctype.h>
#include <stdlib.h>

#include "check.h"
#include "render/markdown.h"

static char html[1 << 16];

static const char *md_html(const char *md)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    enum err e = markdown_to_html(str_from_cstr(md), &b);
    if (e != ERR_OK)
        snprintf(html, sizeof html, "ERR:%d", (int)e);
    else
        snprintf(html, sizeof html, "%s", b.data ? b.data : "");
    buf_free(&b);
    return html;
}

static const char *md_text(const char *md)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    enum err e = markdown_to_text(str_from_cstr(md), &b);
    if (e != ERR_OK)
        snprintf(html, sizeof html, "ERR:%d", (int)e);
    else
        snprintf(html, sizeof html, "%s", b.data ? b.data : "");
    buf_free(&b);
    return html;
}

#define CHECK_HTML(md, expected) CHECK_STR(str_from_cstr(md_html(md)), expected)
#define CHECK_HAS(md, needle) CHECK(strstr(md_html(md), needle) != NULL)
#define CHECK_LACKS(md, needle) CHECK(strstr(md_html(md), needle) == NULL)

/* url_safe: an attribute value as a browser would see it is http(s), mailto or has no
 * scheme. Entities are not decoded here: cmark writes URLs percent-encoded, so an
 * '&' in a scheme position would itself be a failure. */
static bool url_safe(const char *v, size_t n)
{
    size_t i = 0;
    while (i < n && v[i] != ':' && v[i] != '/' && v[i] != '?' && v[i] != '#')
        i++;
    if (i == n || v[i] != ':')
        return true;
    return (i == 4 && strncasecmp(v, "http", 4) == 0) ||
           (i == 5 && strncasecmp(v, "https", 5) == 0) ||
           (i == 6 && strncasecmp(v, "mailto", 6) == 0);
}

/* output_safe scans every tag of html: no script/iframe/object/style elements, no
 * attribute starting with "on", href/src only with safe URLs. */
static bool output_safe(const char *out)
{
    for (const char *p = strchr(out, '<'); p != NULL; p = strchr(p + 1, '<')) {
        const char *end = strchr(p, '>');
        if (end == NULL)
            return false;
        char tag[4096];
        size_t n = (size_t)(end - p);
        if (n >= sizeof tag)
            return false;
        for (size_t i = 0; i < n; i++)
            tag[i] = (char)tolower((unsigned char)p[i]);
        tag[n] = '\0';
        if (strncmp(tag, "<!-- raw html omitted --", 24) == 0)
            continue;
        const char *bad_tags[] = {"<script", "<iframe", "<object", "<embed", "<style", "<svg",
                                  "<math",   "<form",   "<base",   "<meta",  "<link"};
        for (size_t k = 0; k < sizeof bad_tags / sizeof bad_tags[0]; k++) {
            if (strncmp(tag, bad_tags[k], strlen(bad_tags[k])) == 0)
                return false;
        }
        /* attributes: name="value" pairs; the value is between quotes */
        const char *a = tag + 1;
        while (*a && !isspace((unsigned char)*a))
            a++;
        while (*a) {
            while (isspace((unsigned char)*a) || *a == '/')
                a++;
            const char *name = a;
            while (*a && *a != '=' && !isspace((unsigned char)*a) && *a != '/')
                a++;
            size_t name_len = (size_t)(a - name);
            if (name_len >= 2 && name[0] == 'o' && name[1] == 'n')
                return false;
            if (*a != '=')
                continue;
            a++;
            if (*a != '"')
                return false; /* cmark always quotes */
            const char *v = ++a;
            while (*a && *a != '"')
                a++;
            if (*a != '"')
                return false;
            if (((name_len == 4 && strncmp(name, "href", 4) == 0) ||
                 (name_len == 3 && strncmp(name, "src", 3) == 0)) &&
                !url_safe(v, (size_t)(a - v)))
                return false;
            a++;
        }
    }
    return true;
}

static void test_features(void)
{
    CHECK_HTML("", "");
    CHECK_HTML("Привіт, **світе**!", "<p>Привіт, <strong>світе</strong>!</p>\n");
    CHECK_HTML("| Район | Сума |\n|---|--:|\n| Полтавський | 10 |\n",
               "<table>\n<thead>\n<tr>\n<th>Район</th>\n<th align=\"right\">Сума</th>\n</tr>\n"
               "</thead>\n<tbody>\n<tr>\n<td>Полтавський</td>\n<td align=\"right\">10</td>\n"
               "</tr>\n</tbody>\n</table>\n");
    CHECK_HTML("see https://poltava.gov.ua/news and www.rada.gov.ua",
               "<p>see <a href=\"https://poltava.gov.ua/news\">https://poltava.gov.ua/news</a> "
               "and <a href=\"http://www.rada.gov.ua\">www.rada.gov.ua</a></p>\n");
    CHECK_HTML("~~старе~~ нове", "<p><del>старе</del> нове</p>\n");
    /* typography as typed: no smart quotes, dashes or ellipses */
    CHECK_HTML("«Цитата» \"лапки\" пов’язані п'ять -- ...",
               "<p>«Цитата» &quot;лапки&quot; пов’язані п'ять -- ...</p>\n");
    CHECK_HTML("[m](mailto:press@poltava.gov.ua)",
               "<p><a href=\"mailto:press@poltava.gov.ua\">m</a></p>\n");
    CHECK_HTML("[rel](/news/42) [frag](#top) [path](docs/a.pdf) [q](?page=2)",
               "<p><a href=\"/news/42\">rel</a> <a href=\"#top\">frag</a> "
               "<a href=\"docs/a.pdf\">path</a> <a href=\"?page=2\">q</a></p>\n");
    CHECK_HTML("![Фото](/media/1.jpg \"Підпис\")",
               "<p><img src=\"/media/1.jpg\" alt=\"Фото\" title=\"Підпис\" /></p>\n");
    CHECK_HTML("[x](HTTPS://EXAMPLE.UA)", "<p><a href=\"HTTPS://EXAMPLE.UA\">x</a></p>\n");
    CHECK_HTML("`<b>` code", "<p><code>&lt;b&gt;</code> code</p>\n");
}

static void test_security(void)
{
    /* raw HTML is dropped, never passed through */
    CHECK_HTML("<script>alert(1)</script>", "<!-- raw HTML omitted -->\n");
    CHECK_LACKS("a <script>alert(1)</script> b", "<script");
    CHECK_LACKS("<img src=x onerror=alert(1)>", "onerror");
    CHECK_LACKS("<a href=\"javascript:alert(1)\">x</a>", "javascript");
    /* links with other schemes become text */
    CHECK_HTML("[x](javascript:alert(1))", "<p>x</p>\n");
    CHECK_HTML("[x](JaVaScRiPt:alert(1))", "<p>x</p>\n");
    CHECK_HTML("[x](&#106;avascript:alert(1))", "<p>x</p>\n");
    CHECK_HTML("[x](vbscript:msgbox(1))", "<p>x</p>\n");
    CHECK_HTML("[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>x</p>\n");
    CHECK_HTML("[x](file:///etc/passwd)", "<p>x</p>\n");
    CHECK_HTML("[x](<java script:alert(1)>)", "<p>x</p>\n");
    CHECK_HTML("[**bold** link](javascript:x)", "<p><strong>bold</strong> link</p>\n");
    CHECK_HTML("[x][r]\n\n[r]: javascript:alert(1)", "<p>x</p>\n");
    CHECK_LACKS("<javascript:alert(1)>", "href");
    /* images with other schemes are dropped */
    CHECK_HTML("a ![i](data:image/png;base64,iVBORw0KGgo=) b", "<p>a  b</p>\n");
    CHECK_HTML("![i](javascript:alert(1))", "");
    CHECK_HTML("[![img](/a.png)](javascript:x)", "<p><img src=\"/a.png\" alt=\"img\" /></p>\n");
    CHECK_HTML("![i [l](javascript:x)](data:x)", "");
    /* attributes stay quoted and escaped */
    CHECK_HTML("[t](http://a.ua \"x\\\" onmouseover=alert(1)\")",
               "<p><a href=\"http://a.ua\" title=\"x&quot; onmouseover=alert(1)\">t</a></p>\n");
    CHECK_HTML("[q](http://a.ua/?a=1&b=\"2\")",
               "<p><a href=\"http://a.ua/?a=1&amp;b=%222%22\">q</a></p>\n");

    /* a sweep: nothing dangerous in any tag for a list of known attacks */
    const char *attacks[] = {
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//x.ua/x.js></SCRIPT>",
        "<svg/onload=alert(1)>",
        "<iframe src=javascript:alert(1)>",
        "<div style=\"x:expression(alert(1))\">x</div>",
        "[a](javascript:alert(1))",
        "[a](javascript&colon;alert(1))",
        "[a](java\tscript:alert(1))",
        "[a](\x01javascript:alert(1))",
        "[a]( javascript:alert(1))",
        "[a](<javascript:alert(1)>)",
        "[a](jav&#x09;ascript:alert(1))",
        "[a](jav&#10;ascript:alert(1))",
        "[a](%6aavascript:alert(1))",
        "![a](javascript:alert(1))",
        "![a](data:image/svg+xml;base64,PHN2Zz4=)",
        "![a](\"onerror=\"alert(1))",
        "[a](http://x.ua\" onclick=\"alert(1))",
        "[a]: javascript:alert(1)\n\n[a]",
        "<a href=\"https://ok.ua\" onclick=\"alert(1)\">x</a>",
        "<details open ontoggle=alert(1)>",
        "```html\n<script>alert(1)</script>\n```",
        "| a |\n|---|\n| <script>alert(1)</script> |",
        "| a |\n|---|\n| [x](javascript:alert(1)) |",
        "~~<script>~~",
        "www.x.ua/<script>",
        "https://x.ua/\"onmouseover=\"alert(1)",
        "<!-- --><script>alert(1)</script>",
        "<textarea><script>alert(1)</script></textarea>",
        "<style>body{}</style>",
        "<https://x.ua\" onmouseover=\"alert(1)>",
        "[x](vbscript:alert(1))",
        "[x](VBSCRIPT:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
    };
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        const char *out = md_html(attacks[i]);
        bool ok = strncmp(out, "ERR:", 4) != 0 && output_safe(out);
        if (!ok)
            fprintf(stderr, "unsafe for %s: %s\n", attacks[i], out);
        CHECK(ok);
    }

    /* the checker itself catches what it is meant to */
    CHECK(!output_safe("<a href=\"javascript:alert(1)\">"));
    CHECK(!output_safe("<img src=\"x\" onerror=\"alert(1)\" />"));
    CHECK(!output_safe("<script>"));
    CHECK(output_safe("<p><a href=\"/x\">x</a> javascript:alert(1) onclick=</p>"));

    CHECK(markdown_url_allowed(STR_LIT("https://x.ua")));
    CHECK(markdown_url_allowed(STR_LIT("/a:b")));
    CHECK(markdown_url_allowed(STR_LIT("")));
    CHECK(!markdown_url_allowed(STR_LIT("foo:bar")));
    CHECK(!markdown_url_allowed(STR_LIT("https://x.ua/a b")));
    CHECK(!markdown_url_allowed(STR_LIT("ftp://x.ua")));
    CHECK(!markdown_url_allowed(STR_LIT(":x")));
}

static void test_limits(void)
{
    CHECK_HTML("bad \xff byte", "ERR:4"); /* ERR_INVALID */
    CHECK_HTML("overlong \xc0\xaf", "ERR:4");
    CHECK_STR(str_from_cstr(md_text("surrogate \xed\xa0\x80")), "ERR:4");
    size_t n = MARKDOWN_MAX_INPUT_BYTES + 1;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    CHECK_HTML(big, "ERR:2"); /* ERR_TOO_LARGE */
    big[n - 1] = '\0';
    struct buf b;
    buf_init(&b, 1 << 21);
    CHECK(markdown_to_html(str_make(big, n - 1), &b) == ERR_OK);
    buf_free(&b);
    free(big);
    /* output bound: out keeps what it had */
    buf_init(&b, 16);
    CHECK(buf_append_cstr(&b, "keep") == ERR_OK);
    CHECK(markdown_to_html(STR_LIT("a long enough paragraph of text"), &b) == ERR_TOO_LARGE);
    CHECK_STR(buf_str(&b), "keep");
    CHECK(markdown_to_text(STR_LIT("a long enough paragraph of text"), &b) == ERR_TOO_LARGE);
    CHECK_STR(buf_str(&b), "keep");
    buf_free(&b);
}

static void test_text(void)
{
    CHECK_STR(str_from_cstr(md_text("# Заголовок\n\nПерший *абзац*\nдалі.\n\nДругий & <b>.")),
              "Заголовок\n\nПерший абзац далі.\n\nДругий & .");
    CHECK_STR(str_from_cstr(md_text("[посилання](https://x.ua) і ![фото](/a.jpg) і "
                                    "[js](javascript:x)")),
              "посилання і фото і js");
    CHECK_STR(str_from_cstr(md_text("| a | b |\n|---|---|\n| 1 | 2 |")), "a b\n\n1 2");
    CHECK_STR(str_from_cstr(md_text("```\ncode\n```\n- one\n- two")), "code\n\none\n\ntwo");
    CHECK_STR(str_from_cstr(md_text("")), "");

    struct buf b;
    buf_init(&b, 1024);
    CHECK(markdown_excerpt(STR_LIT("# Новини\n\nОбласна рада   ухвалила\nбюджет."), 100, &b) ==
          ERR_OK);
    CHECK_STR(buf_str(&b), "Новини Обласна рада ухвалила бюджет.");
    buf_reset(&b);
    CHECK(markdown_excerpt(STR_LIT("Обласна рада ухвалила бюджет"), 20, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "Обласна рада…");
    buf_reset(&b);
    CHECK(markdown_excerpt(STR_LIT("Надзвичайнодовгеслово"), 5, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "Надзв…");
    buf_free(&b);
}

static bool not_media(struct str url)
{
    return !str_starts_with(url, STR_LIT("/media/"));
}

/* the low-vision mode: images as their alt text, site links kept in the mode */
static void test_variant(void)
{
    struct markdown_variant lv = {
        .images_as_text = true, .link_prefix = "/lv", .keep_link = not_media};
    const char *md = "![Голова ОВА на нараді](/media/a.jpg) [новини](/news/x), "
                     "[фото](/media/b.jpg), [сайт](https://x.ua/y), [пошта](mailto:a@b.ua), "
                     "[до](#top), [чужий](//x.ua/z)\n\n![](https://x.ua/i.png)";
    struct buf b;

    buf_init(&b, 1 << 16);
    CHECK(markdown_to_html_variant(str_from_cstr(md), &lv, &b) == ERR_OK);
    CHECK(buf_append(&b, "", 1) == ERR_OK);
    CHECK(strstr(b.data, "<img") == NULL);
    CHECK(strstr(b.data, "<p>Голова ОВА на нараді <a href=\"/lv/news/x\">") != NULL);
    CHECK(strstr(b.data, "href=\"/media/b.jpg\"") != NULL);
    CHECK(strstr(b.data, "href=\"https://x.ua/y\"") != NULL);
    CHECK(strstr(b.data, "href=\"mailto:a@b.ua\"") != NULL);
    CHECK(strstr(b.data, "href=\"#top\"") != NULL);
    CHECK(strstr(b.data, "href=\"//x.ua/z\"") != NULL);
    buf_free(&b);
    /* no variant: as markdown_to_html */
    buf_init(&b, 1 << 16);
    CHECK(markdown_to_html_variant(str_from_cstr(md), NULL, &b) == ERR_OK);
    CHECK(buf_append(&b, "", 1) == ERR_OK);
    CHECK(strstr(b.data, "<img src=\"/media/a.jpg\" alt=\"Голова ОВА на нараді\"") != NULL);
    CHECK(strstr(b.data, "href=\"/news/x\"") != NULL);
    buf_free(&b);
}

int main(void)
{
    test_variant();
    test_features();
    test_security();
    test_limits();
    test_text();
    return check_done();
}
