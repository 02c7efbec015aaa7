/* buf.h: growable byte buffer with a hard maximum (curl's dynbuf). Going past the
 * maximum fails with ERR_TOO_LARGE and leaves the contents as they were. The buffer
 * owns its heap memory; release it with buf_free. The data is always NUL-terminated
 * (the NUL is not counted in len). */
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
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* buf_reset empties the buffer and keeps its memory. */
void buf_reset(struct buf *b);
enum err buf_append(struct buf *b, const void *p, size_t n);
enum err buf_append_str(struct buf *b, struct str s);
enum err buf_append_cstr(struct buf *b, const char *s);
enum err buf_append_char(struct buf *b, char c);
enum err buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum err buf_vappendf(struct buf *b, const char *fmt, va_list ap);
struct str buf_str(const struct buf *b);
/* buf_detach hands the heap memory to the caller (free it with free()) and empties b. */
char *buf_detach(struct buf *b, size_t *len);

#endif
