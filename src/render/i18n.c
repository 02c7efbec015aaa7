/* i18n.c: UI string catalogs. The file is read once into one buffer; keys and texts
 * are slices of it, indexed by an open-addressing hash table (a page asks for a few
 * dozen strings per render, so a lookup must not walk the catalog). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/kyiv_time.h"
#include "core/utf8.h"
#include "render/i18n.h"

struct i18n_entry {
    struct str key, text;
    uint32_t line;
};

struct i18n {
    char *data;
    struct i18n_entry *entries;
    size_t n;
    uint32_t *slots; /* entry index + 1; 0 is empty */
    size_t mask;     /* slot count - 1 (a power of two) */
    char lang[16];
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL && n > 0)
        abort(); /* house rule: allocation failure aborts */
    return q;
}

static bool valid_key(struct str k)
{
    if (k.len == 0 || k.len > I18N_MAX_KEY_BYTES)
        return false;
    for (size_t i = 0; i < k.len; i++) {
        char ch = k.ptr[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
              ch == '-'))
            return false;
    }
    return true;
}

static const struct i18n_entry *find(const struct i18n *c, struct str key)
{
    if (c->slots == NULL)
        return NULL;
    for (size_t i = str_hash(key) & c->mask;; i = (i + 1) & c->mask) {
        uint32_t s = c->slots[i];
        if (s == 0)
            return NULL;
        if (str_eq(c->entries[s - 1].key, key))
            return &c->entries[s - 1];
    }
}

static uint32_t line_of(const char *p, size_t upto)
{
    uint32_t line = 1;
    for (size_t i = 0; i < upto; i++)
        line += p[i] == '\n';
    return line;
}

/* parse fills c from c->data (len bytes); label prefixes error messages. */
static enum err parse(struct i18n *c, size_t len, const char *label, char *err, size_t err_size)
{
    struct str rest = str_make(c->data, len), raw;
    size_t cap = 0;
    uint32_t line = 0;
    if (!utf8_valid(c->data, len)) {
        size_t i = 0;
        while (i < len) {
            size_t at = i;
            if (utf8_decode(c->data, len, &i) < 0) {
                i = at;
                break;
            }
        }
        snprintf(err, err_size, "%s:%u: not valid utf-8", label, (unsigned)line_of(c->data, i));
        return ERR_PARSE;
    }
    const char *nul = memchr(c->data, '\0', len);
    if (nul != NULL) {
        snprintf(err, err_size, "%s:%u: NUL byte; a catalog is plain text", label,
                 (unsigned)line_of(c->data, (size_t)(nul - c->data)));
        return ERR_PARSE;
    }
    if (str_starts_with(rest, STR_LIT("\xEF\xBB\xBF")))
        rest = str_sub(rest, 3, rest.len); /* a BOM some editors add */
    while (str_split_next(&rest, '\n', &raw)) {
        line++;
        struct str s = str_trim(raw);
        if (s.len == 0 || s.ptr[0] == '#')
            continue;
        size_t eq = str_find_char(s, '=');
        if (eq == SIZE_MAX) {
            snprintf(err, err_size, "%s:%u: expected 'key = text'", label, (unsigned)line);
            return ERR_PARSE;
        }
        struct str key = str_trim(str_sub(s, 0, eq));
        struct str text = str_trim(str_sub(s, eq + 1, s.len));
        if (!valid_key(key)) {
            snprintf(err, err_size, "%s:%u: invalid key '%.*s' (use a-z 0-9 . _ -)", label,
                     (unsigned)line, (int)(key.len > 64 ? 64 : key.len), key.ptr);
            return ERR_PARSE;
        }
        if (c->n == cap) {
            cap = cap ? cap * 2 : 64;
            c->entries = xrealloc(c->entries, cap * sizeof *c->entries);
        }
        c->entries[c->n++] = (struct i18n_entry){key, text, line};
    }
    size_t nslots = 16;
    while (nslots < c->n * 2)
        nslots *= 2;
    c->slots = xrealloc(NULL, nslots * sizeof *c->slots);
    memset(c->slots, 0, nslots * sizeof *c->slots);
    c->mask = nslots - 1;
    for (size_t k = 0; k < c->n; k++) {
        size_t i = str_hash(c->entries[k].key) & c->mask;
        for (; c->slots[i] != 0; i = (i + 1) & c->mask) {
            const struct i18n_entry *first = &c->entries[c->slots[i] - 1];
            if (str_eq(first->key, c->entries[k].key)) {
                snprintf(err, err_size, "%s:%u: duplicate key '%.*s' (first on line %u)", label,
                         (unsigned)c->entries[k].line, (int)c->entries[k].key.len,
                         c->entries[k].key.ptr, (unsigned)first->line);
                return ERR_PARSE;
            }
        }
        c->slots[i] = (uint32_t)(k + 1);
    }
    return ERR_OK;
}

/* set_lang: the "lang" key when present, else the file name stem ("uk" of uk.ini). */
static void set_lang(struct i18n *c, const char *path)
{
    const struct i18n_entry *e = find(c, STR_LIT("lang"));
    struct str lang;
    if (e != NULL && e->text.len > 0) {
        lang = e->text;
    } else {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        lang = str_from_cstr(base);
        size_t dot = str_find_char(lang, '.');
        if (dot != SIZE_MAX)
            lang.len = dot;
    }
    if (lang.len >= sizeof c->lang)
        lang.len = sizeof c->lang - 1;
    if (lang.len > 0)
        memcpy(c->lang, lang.ptr, lang.len);
    c->lang[lang.len] = '\0';
}

enum err i18n_parse(const char *label, struct str text, struct i18n **out, char *err,
                    size_t err_size)
{
    char dummy[1];
    if (err == NULL || err_size == 0) {
        err = dummy;
        err_size = sizeof dummy;
    }
    err[0] = '\0';
    if (text.len > I18N_MAX_FILE_BYTES) {
        snprintf(err, err_size, "%s: larger than %d bytes", label, I18N_MAX_FILE_BYTES);
        return ERR_TOO_LARGE;
    }
    struct i18n *c = xrealloc(NULL, sizeof *c);
    memset(c, 0, sizeof *c);
    c->data = xrealloc(NULL, text.len + 1);
    if (text.len > 0)
        memcpy(c->data, text.ptr, text.len);
    c->data[text.len] = '\0';
    enum err e = parse(c, text.len, label, err, err_size);
    if (e != ERR_OK) {
        i18n_free(c);
        return e;
    }
    set_lang(c, label);
    *out = c;
    return ERR_OK;
}

enum err i18n_load(const char *path, struct i18n **out, char *err, size_t err_size)
{
    char dummy[1];
    if (err == NULL || err_size == 0) {
        err = dummy;
        err_size = sizeof dummy;
    }
    enum err e = ERR_OK;
    size_t len = 0, max = I18N_MAX_FILE_BYTES;
    char *data = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
        return ERR_IO;
    }
    data = xrealloc(NULL, max + 1);
    while (len <= max) {
        ssize_t n = read(fd, data + len, max + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, err_size, "%s: cannot read: %s", path, strerror(errno));
            e = ERR_IO;
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    /* past the limit i18n_parse reports ERR_TOO_LARGE with the path */
    e = i18n_parse(path, str_make(data, len), out, err, err_size);
out:
    free(data);
    close(fd);
    return e;
}

void i18n_free(struct i18n *c)
{
    if (c == NULL)
        return;
    free(c->data);
    free(c->entries);
    free(c->slots);
    free(c);
}

struct str i18n_get(const struct i18n *c, struct str key)
{
    if (c == NULL)
        return key;
    const struct i18n_entry *e = find(c, key);
    return e == NULL ? key : e->text;
}

bool i18n_has(const struct i18n *c, struct str key)
{
    return c != NULL && find(c, key) != NULL;
}

struct str i18n_lang(const struct i18n *c)
{
    if (c == NULL)
        return STR_LIT("uk");
    return str_from_cstr(c->lang);
}

/* Used only when no catalog is given (tools, tests): the default language's names. */
static const char *const month_gen_uk[12] = {
    "січня", "лютого", "березня", "квітня", "травня",    "червня",
    "липня", "серпня", "вересня", "жовтня", "листопада", "грудня",
};
static const char *const month_nom_uk[12] = {
    "січень", "лютий",   "березень", "квітень", "травень",  "червень",
    "липень", "серпень", "вересень", "жовтень", "листопад", "грудень",
};

struct str i18n_month(const struct i18n *c, int month, bool genitive)
{
    if (month < 1 || month > 12)
        return STR_LIT("");
    if (c == NULL)
        return str_from_cstr(genitive ? month_gen_uk[month - 1] : month_nom_uk[month - 1]);
    /* static keys: i18n_get hands back the key itself when it is missing */
    static const char *const gen_keys[12] = {
        "month.gen.1", "month.gen.2", "month.gen.3", "month.gen.4",  "month.gen.5",  "month.gen.6",
        "month.gen.7", "month.gen.8", "month.gen.9", "month.gen.10", "month.gen.11", "month.gen.12",
    };
    static const char *const nom_keys[12] = {
        "month.nom.1", "month.nom.2", "month.nom.3", "month.nom.4",  "month.nom.5",  "month.nom.6",
        "month.nom.7", "month.nom.8", "month.nom.9", "month.nom.10", "month.nom.11", "month.nom.12",
    };
    return i18n_get(c, str_from_cstr(genitive ? gen_keys[month - 1] : nom_keys[month - 1]));
}
/* Dates are formatted by hand: pages show dozens of them and printf dominated the
 * cost of rendering a list (callgrind, article page: about a fifth of all work). */
static char *put_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Years outside 1000..9999 never come from the store; fall back to printf for them. */
static bool year_plain(int year)
{
    return year >= 1000 && year <= 9999;
}

enum err i18n_format_date(const struct i18n *c, int64_t utc, bool with_time, struct buf *out)
{
    struct kyiv_tm t = kyiv_from_utc(utc);
    struct str m = i18n_month(c, t.month, true);
    /* "1 August" in English, «01 серпня» in Ukrainian: the catalog says which */
    int day_digits =
        t.day < 10 && str_eq_cstr(i18n_get(c, STR_LIT("date.day_digits")), "1") ? 1 : 2;
    if (!year_plain(t.year))
        return buf_appendf(out, "%0*d %.*s %d, %02d:%02d", day_digits, t.day, STR_FMT(m), t.year,
                           t.hour, t.minute);
    char head[3], tail[16];
    char *p = put_digits(head, t.day, day_digits);
    *p = ' ';
    p = tail;
    *p++ = ' ';
    p = put_digits(p, t.year, 4);
    if (with_time) {
        *p++ = ',';
        *p++ = ' ';
        p = put_digits(p, t.hour, 2);
        *p++ = ':';
        p = put_digits(p, t.minute, 2);
    }
    enum err e = buf_append(out, head, (size_t)day_digits + 1);
    if (e == ERR_OK)
        e = buf_append_str(out, m);
    if (e == ERR_OK)
        e = buf_append(out, tail, (size_t)(p - tail));
    return e;
}

enum err i18n_format_date_short(int64_t utc, struct buf *out)
{
    struct kyiv_tm t = kyiv_from_utc(utc);
    if (!year_plain(t.year))
        return buf_appendf(out, "%02d.%02d.%04d", t.day, t.month, t.year);
    char s[10];
    char *p = put_digits(s, t.day, 2);
    *p++ = '.';
    p = put_digits(p, t.month, 2);
    *p++ = '.';
    put_digits(p, t.year, 4);
    return buf_append(out, s, sizeof s);
}

enum err i18n_format_iso(int64_t utc, struct buf *out)
{
    struct kyiv_tm t = kyiv_from_utc(utc);
    int off = t.utc_offset / 60;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    if (!year_plain(t.year))
        return buf_appendf(out, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", t.year, t.month, t.day,
                           t.hour, t.minute, t.second, sign, off / 60, off % 60);
    char s[25];
    char *p = put_digits(s, t.year, 4);
    *p++ = '-';
    p = put_digits(p, t.month, 2);
    *p++ = '-';
    p = put_digits(p, t.day, 2);
    *p++ = 'T';
    p = put_digits(p, t.hour, 2);
    *p++ = ':';
    p = put_digits(p, t.minute, 2);
    *p++ = ':';
    p = put_digits(p, t.second, 2);
    *p++ = sign;
    p = put_digits(p, off / 60, 2);
    *p++ = ':';
    put_digits(p, off % 60, 2);
    return buf_append(out, s, sizeof s);
}
