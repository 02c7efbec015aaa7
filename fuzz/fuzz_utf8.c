/* fuzz_utf8: core text functions on any bytes. Checks that utf8_valid and utf8_decode
 * agree (a valid string decodes without -1 and re-encodes to the same bytes), that
 * utf8_slugify gives only [a-z0-9-] with no leading, trailing or doubled '-' and is
 * idempotent, and that utf8_normalize_word keeps valid text valid, leaves no other
 * apostrophe than U+0027, and is idempotent. */
#include "fuzz_util.h"

#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    bool valid = utf8_valid(p, size);

    /* decode/encode round trip */
    bool decoded_ok = true;
    char re[4 * 4096 + 8];
    size_t ro = 0;
    for (size_t i = 0; i < size;) {
        size_t before = i;
        int32_t cp = utf8_decode(p, size, &i);
        FUZZ_CHECK(i > before && i <= size, "utf8_decode did not advance within the input", p,
                   size);
        if (cp < 0) {
            decoded_ok = false;
            continue;
        }
        FUZZ_CHECK(cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF), "decoded a bad code point", p,
                   size);
        if (ro + 4 < sizeof re) {
            size_t k = utf8_encode(cp, re + ro);
            FUZZ_CHECK(k >= 1 && k <= 4 && k == i - before, "encode length differs from decode", p,
                       size);
            ro += k;
        }
    }
    FUZZ_CHECK(valid == decoded_ok, "utf8_valid and utf8_decode disagree", p, size);
    if (valid && size + 4 < sizeof re)
        FUZZ_CHECK(ro == size && memcmp(re, p, size) == 0, "decode+encode changed valid text", p,
                   size);

    /* slugs */
    struct buf slug, slug2;
    buf_init(&slug, size * 8 + 16);
    buf_init(&slug2, size * 8 + 16);
    if (utf8_slugify(&slug, p, size) == ERR_OK) {
        struct str s = buf_str(&slug);
        for (size_t i = 0; i < s.len; i++) {
            char c = s.ptr[i];
            FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-',
                       "slug holds a byte outside [a-z0-9-]", p, size);
            if (c == '-')
                FUZZ_CHECK(i > 0 && i + 1 < s.len && s.ptr[i + 1] != '-',
                           "slug has a leading, trailing or doubled '-'", p, size);
        }
        FUZZ_CHECK(utf8_slugify(&slug2, s.ptr, s.len) == ERR_OK && str_eq(buf_str(&slug2), s),
                   "slugify is not idempotent", p, size);
    }
    buf_free(&slug);
    buf_free(&slug2);

    /* word normalisation */
    struct buf w, w2;
    buf_init(&w, size * 4 + 16);
    buf_init(&w2, size * 4 + 16);
    if (utf8_normalize_word(&w, p, size) == ERR_OK && valid) {
        struct str s = buf_str(&w);
        FUZZ_CHECK(utf8_valid(s.ptr, s.len), "normalised word is not valid UTF-8", p, size);
        for (size_t i = 0; i < s.len;) {
            int32_t cp = utf8_decode(s.ptr, s.len, &i);
            FUZZ_CHECK(cp == '\'' || !utf8_is_apostrophe(cp), "apostrophe left unnormalised", p,
                       size);
            FUZZ_CHECK(cp < 0 || utf8_lower(cp) == cp, "upper case left", p, size);
        }
        FUZZ_CHECK(utf8_normalize_word(&w2, s.ptr, s.len) == ERR_OK && str_eq(buf_str(&w2), s),
                   "normalize_word is not idempotent", p, size);
    }
    buf_free(&w);
    buf_free(&w2);
    return 0;
}
