#include "str.h"

#include <stdlib.h>
#include <string.h>

struct str str_from_cstr(const char *s)
{
    if (s == NULL)
        return STR_NULL;
    return (struct str){s, strlen(s)};
}

struct str str_make(const char *ptr, size_t len)
{
    return (struct str){ptr, len};
}

bool str_eq(struct str a, struct str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool str_eq_cstr(struct str a, const char *b)
{
    return str_eq(a, str_from_cstr(b));
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

bool str_eq_nocase(struct str a, struct str b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++) {
        if (ascii_lower(a.ptr[i]) != ascii_lower(b.ptr[i]))
            return false;
    }
    return true;
}

bool str_starts_with(struct str s, struct str prefix)
{
    return s.len >= prefix.len && (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}

bool str_ends_with(struct str s, struct str suffix)
{
    return s.len >= suffix.len &&
           (suffix.len == 0 || memcmp(s.ptr + s.len - suffix.len, suffix.ptr, suffix.len) == 0);
}

size_t str_find(struct str s, struct str needle)
{
    if (needle.len == 0)
        return 0;
    if (needle.len > s.len)
        return SIZE_MAX;
    const char *hit = memmem(s.ptr, s.len, needle.ptr, needle.len);
    return hit ? (size_t)(hit - s.ptr) : SIZE_MAX;
}

size_t str_find_char(struct str s, char c)
{
    if (s.len == 0)
        return SIZE_MAX;
    const char *hit = memchr(s.ptr, c, s.len);
    return hit ? (size_t)(hit - s.ptr) : SIZE_MAX;
}

struct str str_sub(struct str s, size_t from, size_t len)
{
    if (from > s.len)
        from = s.len;
    if (len > s.len - from)
        len = s.len - from;
    return (struct str){s.ptr + from, len};
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

struct str str_trim(struct str s)
{
    while (s.len > 0 && is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && is_space(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

bool str_split_next(struct str *rest, char sep, struct str *piece)
{
    if (rest->len == 0)
        return false;
    size_t at = str_find_char(*rest, sep);
    if (at == SIZE_MAX) {
        *piece = *rest;
        rest->ptr += rest->len;
        rest->len = 0;
        return true;
    }
    *piece = (struct str){rest->ptr, at};
    rest->ptr += at + 1;
    rest->len -= at + 1;
    return true;
}

bool str_to_i64(struct str s, int64_t *out)
{
    size_t i = 0;
    bool negative = false;
    if (s.len > 0 && s.ptr[0] == '-') {
        negative = true;
        i = 1;
    }
    if (i == s.len)
        return false;
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (; i < s.len; i++) {
        char c = s.ptr[i];
        if (c < '0' || c > '9')
            return false;
        unsigned d = (unsigned)(c - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = negative ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

uint64_t str_hash(struct str s)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)s.ptr[i];
        h *= 1099511628211ULL;
    }
    return h;
}

char *str_dup(struct str s)
{
    char *d = malloc(s.len + 1);
    if (d == NULL)
        abort(); /* house rule: allocation failure aborts */
    if (s.len > 0)
        memcpy(d, s.ptr, s.len);
    d[s.len] = '\0';
    return d;
}

char *str_cstr_dup(const char *s)
{
    return str_dup(str_make(s, strlen(s)));
}
