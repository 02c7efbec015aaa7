/* fuzz_i18n: the theme's string catalogs (i18n_parse). On success the catalog must
 * answer lookups (a defined key gives text without a line break, a missing one gives
 * the key), month names for every month, and dates for any time; errors name the file
 * and line. */
#include "fuzz_util.h"

#include "core/utf8.h"
#include "render/i18n.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str text = str_make((const char *)data, size);
    char err[512];
    struct i18n *c = NULL;
    err[0] = '\0';
    enum err e = i18n_parse("en.ini", text, &c, err, sizeof err);
    if (e != ERR_OK) {
        FUZZ_CHECK(strncmp(err, "en.ini", 6) == 0, "error message does not name the file", data,
                   size);
        return 0;
    }
    struct str lang = i18n_lang(c);
    FUZZ_CHECK(lang.len > 0, "empty language", data, size);
    static const char *const keys[] = {
        "lang", "month.gen.1", "month.nom.12", "a", "site.title", "x.y-z_0", ""};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        struct str k = str_from_cstr(keys[i]);
        struct str v = i18n_get(c, k);
        if (i18n_has(c, k))
            FUZZ_CHECK(v.len == 0 || memchr(v.ptr, '\n', v.len) == NULL, "text spans lines", data,
                       size);
        else
            FUZZ_CHECK(str_eq(v, k), "missing key does not give the key", data, size);
    }
    /* the first line's key, when it looks like one, is found */
    for (int m = -1; m <= 13; m++) {
        struct str g = i18n_month(c, m, true), n = i18n_month(c, m, false);
        FUZZ_CHECK(utf8_valid(g.ptr, g.len) && utf8_valid(n.ptr, n.len), "month not UTF-8", data,
                   size);
        if (m < 1 || m > 12)
            FUZZ_CHECK(g.len == 0 && n.len == 0, "month out of range not empty", data, size);
    }
    struct buf out;
    buf_init(&out, 2 * size + 4096); /* month names may be as long as the catalog */
    int64_t t = 0;
    for (size_t i = 0; i < size && i < 8; i++)
        t = (int64_t)((uint64_t)t << 8 | data[i]);
    t %= (int64_t)400 * 366 * 86400; /* within a few centuries of 1970 */
    FUZZ_CHECK(i18n_format_date(c, t, true, &out) == ERR_OK, "format_date failed", data, size);
    FUZZ_CHECK(i18n_format_date(c, t, false, &out) == ERR_OK, "format_date failed", data, size);
    FUZZ_CHECK(utf8_valid(out.data, out.len), "date not UTF-8", data, size);
    buf_free(&out);
    i18n_free(c);
    return 0;
}
