/* query.c: one query string per page. A route declares the parameters it reads; the
 * server rewrites the query to those alone, in one spelling, before the page cache looks
 * it up and before the handler sees it. "/news?utm_source=x" and "/news?x=<counter>" are
 * then the same page as "/news", and "?q=%D0%B0" the same as "?q=а": an attacker cannot
 * make a new cache entry per request, and a reader's link with tracking parameters still
 * hits the cache. */
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

struct pair {
    struct str name, value; /* decoded */
};

/* Unreserved characters (RFC 3986) stay as they are; everything else is %XX, a space
 * included (as %20, never '+', so one spelling). */
static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static size_t encoded_len(struct str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        n += unreserved((unsigned char)s.ptr[i]) ? 1 : 3;
    return n;
}

static char *encode_into(char *o, struct str s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (unreserved(c)) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    return o;
}

/* split_pair cuts "name=value" (either part may be empty, '=' may be missing). */
static void split_pair(struct str piece, struct str *name, struct str *value)
{
    size_t eq = str_find_char(piece, '=');
    if (eq == SIZE_MAX) {
        *name = piece;
        *value = str_make(piece.ptr + piece.len, 0);
    } else {
        *name = str_make(piece.ptr, eq);
        *value = str_make(piece.ptr + eq + 1, piece.len - eq - 1);
    }
}

static bool declared_has(const char *declared, struct str name)
{
    const char *p = declared;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        size_t n = (size_t)(p - start);
        if (n > 0 && n == name.len && memcmp(start, name.ptr, n) == 0)
            return true;
    }
    return false;
}

static int pair_cmp(const struct pair *a, const struct pair *b)
{
    size_t n = a->name.len < b->name.len ? a->name.len : b->name.len;
    int c = n ? memcmp(a->name.ptr, b->name.ptr, n) : 0;
    if (c != 0)
        return c;
    return a->name.len < b->name.len ? -1 : a->name.len > b->name.len;
}

/* insertion sort: stable (same names keep their order) and the lists are short */
static void sort_pairs(struct pair *p, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct pair x = p[i];
        size_t j = i;
        while (j > 0 && pair_cmp(&p[j - 1], &x) > 0) {
            p[j] = p[j - 1];
            j--;
        }
        p[j] = x;
    }
}

enum err http__query_canonical(struct arena *a, const char *declared, struct str raw,
                               struct str *out)
{
    *out = STR_LIT("");
    if (!declared || raw.len == 0)
        return ERR_OK;
    if (raw.len > HTTP_MAX_URI_BYTES)
        return ERR_TOO_LARGE;
    bool any = strcmp(declared, "*") == 0;
    /* at most one pair per two bytes ("a&") */
    size_t cap = raw.len / 2 + 1, n = 0;
    struct pair *pairs = arena_alloc_array(a, cap, sizeof(*pairs));
    struct str rest = raw, piece;
    while (str_split_next(&rest, '&', &piece)) {
        struct str rn, rv, name, value;
        split_pair(piece, &rn, &rv);
        if (rn.len == 0)
            continue;
        enum err e = http_url_decode(a, rn, true, &name);
        if (e != ERR_OK) {
            if (any)
                return e;
            continue; /* not a name the route reads, whatever it was */
        }
        if (!any) {
            if (!declared_has(declared, name))
                continue;
            bool seen = false;
            for (size_t i = 0; i < n && !seen; i++)
                seen = str_eq(pairs[i].name, name);
            if (seen)
                continue; /* the first one is what http_form_get reads */
        }
        e = http_url_decode(a, rv, true, &value);
        if (e != ERR_OK)
            return e;
        if (n == cap)
            return ERR_TOO_LARGE; /* cannot happen: cap bounds the pieces */
        pairs[n].name = name;
        pairs[n].value = value;
        n++;
    }
    if (any) {
        sort_pairs(pairs, n);
    } else {
        /* the declared order, so two spellings of the same query meet */
        struct pair *ordered = arena_alloc_array(a, n ? n : 1, sizeof(*ordered));
        size_t k = 0;
        const char *p = declared;
        while (*p && k < n) {
            while (*p == ' ')
                p++;
            const char *start = p;
            while (*p && *p != ' ')
                p++;
            struct str want = str_make(start, (size_t)(p - start));
            for (size_t i = 0; i < n; i++)
                if (want.len > 0 && str_eq(pairs[i].name, want))
                    ordered[k++] = pairs[i];
        }
        pairs = ordered;
        n = k;
    }
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (i ? 1 : 0) + encoded_len(pairs[i].name) + 1 + encoded_len(pairs[i].value);
    if (len > 3 * HTTP_MAX_URI_BYTES)
        return ERR_TOO_LARGE;
    char *buf = arena_alloc(a, len + 1), *o = buf;
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = '&';
        o = encode_into(o, pairs[i].name);
        *o++ = '=';
        o = encode_into(o, pairs[i].value);
    }
    *o = '\0';
    *out = str_make(buf, len);
    return ERR_OK;
}
