/* test_escape.c: the escaping writers. */
#include "check.h"
#include "render/escape.h"

typedef enum err (*escape_fn)(struct buf *, struct str);

static void check_escape(escape_fn fn, const char *in, const char *expected)
{
    struct buf b;
    buf_init(&b, 4096);
    CHECK(fn(&b, str_from_cstr(in)) == ERR_OK);
    CHECK_STR(buf_str(&b), expected);
    buf_free(&b);
}

int main(void)
{
    /* HTML */
    check_escape(escape_html, "", "");
    check_escape(escape_html, "plain текст", "plain текст");
    check_escape(escape_html, "<script>alert('x')</script>",
                 "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    check_escape(escape_html, "a & b \"c\"", "a &amp; b &quot;c&quot;");
    check_escape(escape_html, "&amp;", "&amp;amp;");
    check_escape(escape_html, "\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
    check_escape(escape_html, "<<>>", "&lt;&lt;&gt;&gt;");
    check_escape(escape_html, "end<", "end&lt;");

    /* URL components */
    check_escape(escape_url_component, "AZaz09-._~", "AZaz09-._~");
    check_escape(escape_url_component, "a b&c=d/e?f#g", "a%20b%26c%3Dd%2Fe%3Ff%23g");
    check_escape(escape_url_component, "Київ", "%D0%9A%D0%B8%D1%97%D0%B2");
    check_escape(escape_url_component, "javascript:", "javascript%3A");
    check_escape(escape_url_component, "\"<>'", "%22%3C%3E%27");

    /* XML */
    check_escape(escape_xml, "a<b>&'\"", "a&lt;b&gt;&amp;&apos;&quot;");
    check_escape(escape_xml, "tab\tnl\ncr\r", "tab\tnl\ncr\r");
    check_escape(escape_xml, "bell\x07x\x01y", "bellxy");
    check_escape(escape_xml, "Полтава", "Полтава");

    /* JSON */
    check_escape(escape_json, "a\"b\\c", "a\\\"b\\\\c");
    check_escape(escape_json, "x\ny\tz\r", "x\\ny\\tz\\r");
    check_escape(escape_json, "</script>", "\\u003C/script\\u003E");
    check_escape(escape_json, "a&b", "a\\u0026b");
    check_escape(escape_json, "\x01", "\\u0001");
    check_escape(escape_json,
                 "a\xE2\x80\xA8"
                 "b\xE2\x80\xA9",
                 "a\\u2028b\\u2029");
    check_escape(escape_json, "Київ — ok", "Київ — ok");

    /* a full buffer fails cleanly */
    struct buf b;
    buf_init(&b, 8);
    CHECK(escape_html(&b, STR_LIT("<<<<")) == ERR_TOO_LARGE);
    CHECK(b.len <= 8);
    buf_free(&b);
    buf_init(&b, 4);
    CHECK(escape_url_component(&b, STR_LIT("ab cd")) == ERR_TOO_LARGE);
    buf_free(&b);
    return check_done();
}
