/* test_notify.c: what a workflow notice does with an article's title before it goes
 * into a Subject header (one_line, reached by including notify.c): every control
 * character (CR, LF, tab, C1, the Unicode line and paragraph separators) becomes a space,
 * so a title cannot add a header; a long title is cut on a character boundary with «…». */
#include "../../../src/mail/notify.c"

#include "check.h"

static struct str line_of(const char *in, size_t max, struct buf *b)
{
    buf_reset(b);
    CHECK(one_line(b, str_from_cstr(in), max) == ERR_OK);
    return buf_str(b);
}

int main(void)
{
    struct buf b;
    buf_init(&b, 4096);
    CHECK_STR(line_of("Нова школа", 300, &b), "Нова школа");
    CHECK_STR(line_of("Title\r\nBcc: evil@example.org", 300, &b), "Title  Bcc: evil@example.org");
    CHECK_STR(line_of("a\tb\x7f"
                      "c",
                      300, &b),
              "a b c");
    CHECK_STR(line_of("a\xc2\x85"
                      "b",
                      300, &b),
              "a b"); /* NEL (C1) */
    CHECK_STR(line_of("a\xe2\x80\xa8"
                      "b\xe2\x80\xa9",
                      300, &b),
              "a b "); /* U+2028/9 */
    /* cut at 3 bytes: "Ш" (2 bytes) fits, the next one starts at byte 2 < 3, the third
     * at 4 >= 3: two characters and the ellipsis, never half a character */
    CHECK_STR(line_of("ШШШШ", 3, &b), "ШШ…");
    CHECK_STR(line_of("abc", 3, &b), "abc");
    buf_free(&b);
    return check_done();
}
