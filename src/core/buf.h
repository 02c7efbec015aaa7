/* buf.h: growable byte buffer with a hard maximum (curl's dynbuf). Going past the
 * maximum fails with ERR_TOO_LARGE and leaves the contents as they were; an allocation
 * failure fails with ERR_NOMEM the same way (buf never aborts). The buffer owns its
 * heap memory; release it with buf_free. The data is always NUL-terminated (the NUL is
 * not counted in len).
 *
 * Errors are sticky: the first failed append records its error in the buffer, and every
 * later append on it fails at once with that error and leaves the contents unchanged.
 * So a writer may ignore the result of each append and check buf_error once at the end
 * (the HTTP core does this for every response body); only buf_reset and buf_free clear
 * the error. Code that copies a buffer's contents elsewhere (into another buffer or a
 * value) must check buf_error first, or it would pass on a truncated text. */
#ifndef VISNYK_CORE_BUF_H
#define VISNYK_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"
#include "str.h"

struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    enum err err; /* the first failed append's error; ERR_OK while the buffer is fine */
};

void buf_init(struct buf *b, size_t max);
/* buf_free releases the memory and clears the sticky error; b may be used again. */
void buf_free(struct buf *b);
/* buf_reset empties the buffer, keeps its memory and clears the sticky error. */
void buf_reset(struct buf *b);
/* buf_error returns the error of the first failed append since buf_init, buf_reset or
 * buf_free, or ERR_OK if none failed. */
ERR_MUST_USE
enum err buf_error(const struct buf *b);
/* buf_set_error marks b as failed with e (ERR_OK does nothing; an earlier error stays):
 * for code that built a part elsewhere (a scratch buffer, a value) and must pass its
 * failure on to the buffer that was to receive it. The contents stay as they are. */
void buf_set_error(struct buf *b, enum err e);
/* The appends return ERR_OK, or ERR_TOO_LARGE (past max) or ERR_NOMEM (allocation
 * failed) or, for the formatted ones, ERR_INVALID (bad format), each of which also marks
 * the buffer (see above); on a marked buffer they return its error and do nothing.
 * Their results may be ignored when buf_error is checked later. */
enum err buf_append(struct buf *b, const void *p, size_t n);
enum err buf_append_str(struct buf *b, struct str s);
enum err buf_append_cstr(struct buf *b, const char *s);
enum err buf_append_char(struct buf *b, char c);
enum err buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum err buf_vappendf(struct buf *b, const char *fmt, va_list ap);
struct str buf_str(const struct buf *b);
/* buf_detach hands the heap memory to the caller (free it with free()) and empties b;
 * the sticky error stays, so check buf_error before trusting what was detached. */
char *buf_detach(struct buf *b, size_t *len);

#endif
