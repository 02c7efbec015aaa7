#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->err = ERR_OK;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = ERR_OK;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->err = ERR_OK;
    if (b->data != NULL)
        b->data[0] = '\0';
}

enum err buf_error(const struct buf *b)
{
    return b->err;
}

/* fail marks b with its first error and returns it. */
static enum err fail(struct buf *b, enum err e)
{
    if (b->err == ERR_OK)
        b->err = e;
    return e;
}

void buf_set_error(struct buf *b, enum err e)
{
    if (e != ERR_OK && b->err == ERR_OK)
        b->err = e;
}

/* grow makes room for n more bytes plus the NUL, doubling, never past max. On failure it
 * marks b; the contents stay as they were. */
static enum err grow(struct buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return fail(b, ERR_TOO_LARGE);
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return ERR_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return fail(b, ERR_NOMEM); /* realloc left the old block, and the contents, intact */
    b->data = p;
    b->cap = cap;
    return ERR_OK;
}

enum err buf_append(struct buf *b, const void *p, size_t n)
{
    if (b->err != ERR_OK)
        return b->err;
    enum err e = grow(b, n);
    if (e != ERR_OK)
        return e;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return ERR_OK;
}

enum err buf_append_str(struct buf *b, struct str s)
{
    return buf_append(b, s.ptr, s.len);
}

enum err buf_append_cstr(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

enum err buf_append_char(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

enum err buf_vappendf(struct buf *b, const char *fmt, va_list ap)
{
    if (b->err != ERR_OK)
        return b->err;
    /* Format straight into the spare room first: most calls fit, and formatting twice
     * (measure, then write) doubled the cost of every date and URL on a page. */
    va_list copy;
    va_copy(copy, ap);
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    int n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, copy);
    va_end(copy);
    if (n < 0) {
        if (room > 0)
            b->data[b->len] = '\0'; /* undo any partial write */
        return fail(b, ERR_INVALID);
    }
    if ((size_t)n < room) {
        if ((size_t)n > b->max - b->len) {
            b->data[b->len] = '\0';
            return fail(b, ERR_TOO_LARGE);
        }
        b->len += (size_t)n;
        return ERR_OK;
    }
    if (room > 0)
        b->data[b->len] = '\0'; /* undo the partial write */
    enum err e = grow(b, (size_t)n);
    if (e != ERR_OK)
        return e;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return ERR_OK;
}

enum err buf_appendf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum err e = buf_vappendf(b, fmt, ap);
    va_end(ap);
    return e;
}

struct str buf_str(const struct buf *b)
{
    return (struct str){b->data ? b->data : "", b->len};
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *p = b->data;
    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
