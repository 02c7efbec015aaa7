#include "utf8.h"

#include <string.h>

int32_t utf8_decode(const char *p, size_t n, size_t *i)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t at = *i;
    unsigned char c = s[at];
    int32_t cp;
    size_t need;
    int32_t min;
    if (c < 0x80) {
        *i = at + 1;
        return c;
    } else if (c >= 0xc2 && c <= 0xdf) {
        cp = c & 0x1f;
        need = 1;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        cp = c & 0x0f;
        need = 2;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        cp = c & 0x07;
        need = 3;
        min = 0x10000;
    } else {
        *i = at + 1;
        return -1;
    }
    if (n - at - 1 < need) {
        *i = at + 1;
        return -1;
    }
    for (size_t k = 1; k <= need; k++) {
        unsigned char cc = s[at + k];
        if ((cc & 0xc0) != 0x80) {
            *i = at + 1;
            return -1;
        }
        cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        *i = at + 1;
        return -1;
    }
    *i = at + 1 + need;
    return cp;
}

bool utf8_valid(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)p[i] < 0x80) {
            i++;
            continue;
        }
        if (utf8_decode(p, n, &i) < 0)
            return false;
    }
    return true;
}

size_t utf8_encode(int32_t cp, char *out)
{
    uint32_t c = (uint32_t)cp;
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

bool utf8_is_apostrophe(int32_t cp)
{
    return cp == 0x27 || cp == 0x2019 || cp == 0x02bc || cp == 0x2018 || cp == 0x60;
}

int32_t utf8_lower(int32_t cp)
{
    if (cp >= 'A' && cp <= 'Z')
        return cp + 0x20;
    if (cp >= 0x0410 && cp <= 0x042f) /* А..Я */
        return cp + 0x20;
    if (cp >= 0x0400 && cp <= 0x040f) /* Ѐ..Џ, with Є І Ї Ў */
        return cp + 0x50;
    if (cp == 0x0490) /* Ґ */
        return 0x0491;
    return cp;
}

enum err utf8_normalize_word(struct buf *out, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        int32_t cp = utf8_decode(p, n, &i);
        if (cp < 0)
            return ERR_INVALID;
        if (utf8_is_apostrophe(cp))
            cp = '\'';
        char enc[4];
        enum err e = buf_append(out, enc, utf8_encode(utf8_lower(cp), enc));
        if (e != ERR_OK)
            return e;
    }
    return ERR_OK;
}

/* Official transliteration (resolution 55 of 2010): letters with a different form at
 * the start of a word give "initial", elsewhere "medial". */
struct translit {
    int32_t cp;
    const char *initial;
    const char *medial;
};

static const struct translit translit_table[] = {
    {0x0430, "a", "a"},
    {0x0431, "b", "b"},
    {0x0432, "v", "v"},
    {0x0433, "h", "h"},
    {0x0491, "g", "g"},
    {0x0434, "d", "d"},
    {0x0435, "e", "e"},
    {0x0454, "ye", "ie"},
    {0x0436, "zh", "zh"},
    {0x0437, "z", "z"},
    {0x0438, "y", "y"},
    {0x0456, "i", "i"},
    {0x0457, "yi", "i"},
    {0x0439, "y", "i"},
    {0x043a, "k", "k"},
    {0x043b, "l", "l"},
    {0x043c, "m", "m"},
    {0x043d, "n", "n"},
    {0x043e, "o", "o"},
    {0x043f, "p", "p"},
    {0x0440, "r", "r"},
    {0x0441, "s", "s"},
    {0x0442, "t", "t"},
    {0x0443, "u", "u"},
    {0x0444, "f", "f"},
    {0x0445, "kh", "kh"},
    {0x0446, "ts", "ts"},
    {0x0447, "ch", "ch"},
    {0x0448, "sh", "sh"},
    {0x0449, "shch", "shch"},
    {0x044c, "", ""},
    {0x044e, "yu", "iu"},
    {0x044f, "ya", "ia"},
    /* Russian letters that turn up in names and quotations */
    {0x044b, "y", "y"},
    {0x044d, "e", "e"},
    {0x0451, "io", "io"},
    {0x044a, "", ""},
    {0x045e, "u", "u"},
};

static const struct translit *translit_find(int32_t cp)
{
    for (size_t k = 0; k < sizeof(translit_table) / sizeof(translit_table[0]); k++) {
        if (translit_table[k].cp == cp)
            return &translit_table[k];
    }
    return NULL;
}

enum err utf8_slugify(struct buf *out, const char *p, size_t n)
{
    size_t start_len = out->len;
    bool at_word_start = true;
    bool pending_dash = false;
    int32_t prev = 0;
    size_t i = 0;
    while (i < n) {
        int32_t cp = utf8_decode(p, n, &i);
        if (cp < 0)
            return ERR_INVALID;
        cp = utf8_lower(cp);
        if (utf8_is_apostrophe(cp) || cp == 0x044c || cp == 0x044a) {
            /* Apostrophe and soft sign are dropped and do not break the word. */
            continue;
        }
        const char *piece = NULL;
        char ascii[2] = {0, 0};
        const struct translit *t = translit_find(cp);
        if (t != NULL) {
            /* "зг" is written "zgh" to keep it apart from "ж" (zh). */
            piece =
                (cp == 0x0433 && prev == 0x0437) ? "gh" : (at_word_start ? t->initial : t->medial);
        } else if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            ascii[0] = (char)cp;
            piece = ascii;
        }
        if (piece == NULL) {
            pending_dash = out->len > start_len;
            at_word_start = true;
            prev = 0;
            continue;
        }
        if (pending_dash) {
            enum err e = buf_append_char(out, '-');
            if (e != ERR_OK)
                return e;
            pending_dash = false;
        }
        enum err e = buf_append_cstr(out, piece);
        if (e != ERR_OK)
            return e;
        at_word_start = false;
        prev = cp;
    }
    return ERR_OK;
}
