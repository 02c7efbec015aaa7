/* document.c: PDF documents attached to articles: the content check, the file on disk,
 * titles and the names and headers a download carries (see document.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "core/log.h"
#include "core/utf8.h"
#include "media/document.h"
#include "media/media.h"

#define URL_NAME_MAX 80

/* find: memmem over bytes, from a given start; SIZE_MAX when absent. */
static size_t find(const unsigned char *p, size_t n, size_t from, const char *needle)
{
    size_t k = strlen(needle);
    if (from > n || n - from < k)
        return SIZE_MAX;
    const unsigned char *hit = memmem(p + from, n - from, needle, k);
    return hit == NULL ? SIZE_MAX : (size_t)(hit - p);
}

static size_t count(const unsigned char *p, size_t n, const char *needle)
{
    size_t c = 0, at = 0, k = strlen(needle);
    while ((at = find(p, n, at, needle)) != SIZE_MAX) {
        c++;
        at += k;
    }
    return c;
}

/* PDF's white-space and delimiter characters (ISO 32000-1, 7.2.2): what may follow a
 * name and end it. */
static bool pdf_name_end(unsigned char c)
{
    return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ' || c == '(' ||
           c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' ||
           c == '/' || c == '%';
}

static bool pdf_space(unsigned char c)
{
    return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

/* page_count: "/Type /Page" objects (not "/Pages"), when the file is one plain piece;
 * 0 when it cannot be told reliably (see document.h). */
static int page_count(const unsigned char *p, size_t n)
{
    if (count(p, n, "%%EOF") != 1 || find(p, n, 0, "/ObjStm") != SIZE_MAX ||
        find(p, n, 0, "/Linearized") != SIZE_MAX)
        return 0;
    size_t pages = 0, at = 0;
    while ((at = find(p, n, at, "/Type")) != SIZE_MAX) {
        size_t i = at + 5;
        at = i;
        while (i < n && pdf_space(p[i]))
            i++;
        if (n - i >= 5 && memcmp(p + i, "/Page", 5) == 0 && (i + 5 == n || pdf_name_end(p[i + 5])))
            pages++;
    }
    return pages > 100000 ? 0 : (int)pages;
}

enum err media_doc_check(const unsigned char *p, size_t n, struct media_doc_info *info,
                         enum media_doc_problem *problem)
{
    if (n == 0) {
        *problem = MEDIA_DOC_EMPTY;
        return ERR_INVALID;
    }
    if (n > MEDIA_DOC_MAX_BYTES) {
        *problem = MEDIA_DOC_TOO_LARGE;
        return ERR_TOO_LARGE;
    }
    /* strict: the header at offset 0 (readers tolerate junk before it, which is how
     * HTML/PDF polyglots are made; we have no reason to) */
    if (n < MEDIA_DOC_MIN_BYTES || memcmp(p, "%PDF-", 5) != 0 || p[5] < '1' || p[5] > '9') {
        *problem = MEDIA_DOC_NOT_PDF;
        return ERR_INVALID;
    }
    size_t tail = n > MEDIA_DOC_EOF_WINDOW ? n - MEDIA_DOC_EOF_WINDOW : 0;
    if (find(p, n, tail, "%%EOF") == SIZE_MAX) {
        *problem = MEDIA_DOC_TRUNCATED;
        return ERR_INVALID;
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, p, n);
    sodium_bin2hex(info->hash, sizeof info->hash, h, sizeof h);
    info->mime = MEDIA_DOC_MIME;
    info->bytes = (uint64_t)n;
    info->pages = page_count(p, n);
    *problem = MEDIA_DOC_OK;
    return ERR_OK;
}

bool media_doc_hash_ok(struct str hash)
{
    if (hash.len != 64)
        return false;
    for (size_t i = 0; i < 64; i++) {
        char c = hash.ptr[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

enum err media_doc_write(const char *media_dir, const char *hash, const void *p, size_t n)
{
    char name[80];
    char path[4096];
    struct stat st;

    if (!media_doc_hash_ok(str_from_cstr(hash)))
        return ERR_INVALID;
    snprintf(name, sizeof name, "%s.pdf", hash);
    if (snprintf(path, sizeof path, "%s/%s", media_dir, name) >= (int)sizeof path)
        return ERR_TOO_LARGE;
    /* named by content: a file of the right size is this document already */
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == (uint64_t)n)
        return ERR_OK;
    return media_file_write(media_dir, name, p, n);
}

/* clean copies s keeping valid UTF-8 only, control characters as spaces, runs of spaces
 * as one, trimmed, cut at a character boundary to MEDIA_DOC_MAX_TITLE_BYTES. */
static struct str clean(struct arena *a, struct str s, bool underscores)
{
    char *d = arena_alloc(a, s.len + 1);
    size_t n = 0, i = 0;
    while (i < s.len) {
        size_t start = i;
        int32_t cp = utf8_decode(s.ptr, s.len, &i);
        if (cp < 0)
            continue;
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 ||
            (underscores && cp == '_'))
            cp = ' ';
        if (cp == ' ' && (n == 0 || d[n - 1] == ' '))
            continue;
        size_t len = cp == ' ' ? 1 : i - start;
        if (n + len > MEDIA_DOC_MAX_TITLE_BYTES)
            break;
        if (cp == ' ')
            d[n] = ' ';
        else
            memcpy(d + n, s.ptr + start, len);
        n += len;
    }
    while (n > 0 && d[n - 1] == ' ')
        n--;
    d[n] = '\0';
    return str_make(d, n);
}

static bool ends_pdf(struct str s)
{
    return s.len >= 4 && str_eq_nocase(str_sub(s, s.len - 4, 4), STR_LIT(".pdf"));
}

struct str media_doc_title_from_filename(struct arena *a, struct str filename)
{
    size_t from = 0;
    for (size_t i = 0; i < filename.len; i++)
        if (filename.ptr[i] == '/' || filename.ptr[i] == '\\')
            from = i + 1;
    struct str base = str_sub(filename, from, filename.len - from);
    if (ends_pdf(base))
        base.len -= 4;
    return clean(a, base, true);
}

struct str media_doc_title_clean(struct arena *a, struct str title)
{
    return clean(a, title, false);
}

/* slug_of: the transliterated title, at most max bytes (cut at a '-'), may be empty. */
static struct str slug_of(struct arena *a, struct str title, size_t max)
{
    struct buf b;
    struct str out = STR_LIT("");
    if (ends_pdf(title))
        title.len -= 4;
    buf_init(&b, 8 * MEDIA_DOC_MAX_TITLE_BYTES + 16);
    if (utf8_slugify(&b, title.ptr != NULL ? title.ptr : "", title.len) == ERR_OK) {
        struct str s = buf_str(&b);
        if (s.len > max) {
            s.len = max;
            while (s.len > 0 && s.ptr[s.len - 1] != '-')
                s.len--;
            while (s.len > 0 && s.ptr[s.len - 1] == '-')
                s.len--;
            if (s.len == 0)
                s = str_sub(buf_str(&b), 0, max);
        }
        out = arena_str(a, s);
    }
    buf_free(&b);
    return out;
}

struct str media_doc_url_name(struct arena *a, struct str title)
{
    struct str slug = slug_of(a, title, URL_NAME_MAX);
    if (slug.len == 0)
        slug = STR_LIT("document");
    return str_from_cstr(arena_printf(a, "%.*s.pdf", STR_FMT(slug)));
}

static bool attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$&+-.^_`|~", c) != NULL;
}

struct str media_doc_disposition(struct arena *a, struct str title)
{
    static const char hex[] = "0123456789ABCDEF";
    struct str ascii = slug_of(a, title, URL_NAME_MAX);
    if (ascii.len == 0)
        ascii = STR_LIT("document");
    if (title.len == 0)
        title = STR_LIT("document");
    bool has_ext = ends_pdf(title);
    /* every byte may become three, plus the fixed parts */
    size_t cap = 64 + ascii.len + 3 * title.len + 8;
    char *d = arena_alloc(a, cap);
    int k =
        snprintf(d, cap, "attachment; filename=\"%.*s.pdf\"; filename*=UTF-8''", STR_FMT(ascii));
    size_t n = k > 0 ? (size_t)k : 0;
    for (size_t i = 0; i < title.len && n + 4 < cap; i++) {
        unsigned char c = (unsigned char)title.ptr[i];
        if (c != '\0' && attr_char(c) && c != '%') {
            d[n++] = (char)c;
        } else {
            d[n++] = '%';
            d[n++] = hex[c >> 4];
            d[n++] = hex[c & 15];
        }
    }
    if (!has_ext && n + 5 < cap) {
        memcpy(d + n, ".pdf", 4);
        n += 4;
    }
    d[n] = '\0';
    return str_make(d, n);
}

enum err media_doc_size_format(uint64_t bytes, const struct media_doc_units *u, struct buf *out)
{
    static const char nbsp[] = "\xc2\xa0";
    if (bytes < 1024)
        return buf_appendf(out, "%llu%s%.*s", (unsigned long long)bytes, nbsp, STR_FMT(u->b));
    uint64_t kb = (bytes + 512) / 1024;
    if (kb < 1024)
        return buf_appendf(out, "%llu%s%.*s", (unsigned long long)kb, nbsp, STR_FMT(u->kb));
    /* tenths of a megabyte, rounded half up */
    uint64_t tenths = (bytes * 10 + 524288) / 1048576;
    return buf_appendf(out, "%llu%c%llu%s%.*s", (unsigned long long)(tenths / 10), u->decimal_mark,
                       (unsigned long long)(tenths % 10), nbsp, STR_FMT(u->mb));
}
