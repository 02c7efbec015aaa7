/* form.c: percent-decoding and urlencoded form/query lookup. Input is client data:
 * every read is bounded by the slice length, nothing is assumed NUL-terminated. */
#include <string.h>

#include "core/utf8.h"
#include "http/http_internal.h"

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum err http_url_decode(struct arena *a, struct str in, bool plus_is_space, struct str *out)
{
    *out = STR_NULL;
    char *dst = arena_alloc(a, in.len + 1);
    size_t o = 0;
    for (size_t i = 0; i < in.len; i++) {
        unsigned char c = (unsigned char)in.ptr[i];
        if (c == '%') {
            if (in.len - i < 3)
                return ERR_PARSE;
            int hi = hex_val((unsigned char)in.ptr[i + 1]);
            int lo = hex_val((unsigned char)in.ptr[i + 2]);
            if (hi < 0 || lo < 0)
                return ERR_PARSE;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0')
            return ERR_INVALID;
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    if (!utf8_valid(dst, o))
        return ERR_INVALID;
    *out = str_make(dst, o);
    return ERR_OK;
}

/* key_equals compares a raw (still encoded) form key with name, decoding only when the
 * key has escapes, so the common case allocates nothing. */
static bool key_equals(struct arena *a, struct str raw, const char *name, size_t name_len)
{
    if (memchr(raw.ptr, '%', raw.len) == NULL && memchr(raw.ptr, '+', raw.len) == NULL)
        return raw.len == name_len && memcmp(raw.ptr, name, name_len) == 0;
    struct str dec;
    if (http_url_decode(a, raw, true, &dec) != ERR_OK)
        return false;
    return dec.len == name_len && memcmp(dec.ptr, name, name_len) == 0;
}

bool http_form_get(struct arena *a, struct str form, const char *name, struct str *value, bool *bad)
{
    if (bad)
        *bad = false;
    *value = STR_NULL;
    if (!name || !form.ptr)
        return false;
    size_t name_len = strlen(name);
    struct str rest = form;
    struct str pair;
    while (str_split_next(&rest, '&', &pair)) {
        if (pair.len == 0)
            continue;
        size_t eq = str_find_char(pair, '=');
        struct str k = eq == SIZE_MAX ? pair : str_make(pair.ptr, eq);
        struct str v = eq == SIZE_MAX ? str_make(pair.ptr + pair.len, 0)
                                      : str_make(pair.ptr + eq + 1, pair.len - eq - 1);
        if (!key_equals(a, k, name, name_len))
            continue;
        if (http_url_decode(a, v, true, value) != ERR_OK) {
            *value = STR_NULL;
            if (bad)
                *bad = true;
            return false;
        }
        return true;
    }
    return false;
}

struct str http_request_header(const struct http_request *req, const char *name)
{
    struct str n = str_from_cstr(name);
    for (size_t i = 0; i < req->n_headers; i++)
        if (str_eq_nocase(req->headers[i].name, n))
            return req->headers[i].value;
    return STR_NULL;
}
