/* err.h: the error codes every fallible function returns. */
#ifndef VISNYK_CORE_ERR_H
#define VISNYK_CORE_ERR_H

enum err {
    ERR_OK = 0,
    ERR_NOMEM,     /* only where a caller asked for a non-aborting allocation */
    ERR_TOO_LARGE, /* a bounded buffer or limit was exceeded */
    ERR_PARSE,     /* malformed input */
    ERR_INVALID,   /* well-formed but not acceptable (bad value, bad encoding) */
    ERR_DB,        /* the database failed */
    ERR_IO,        /* a file or socket operation failed */
    ERR_NOTFOUND,  /* the thing asked for does not exist */
    ERR_CONFLICT,  /* it exists already, or changed under us */
    ERR_BUSY,      /* try again later (locked, rate-limited) */
    ERR_VERSION,   /* data written by a newer version of visnyk */
};

/* ERR_MUST_USE goes on every exported function returning enum err (except the sticky
 * buf_append family, see buf.h): the compiler then warns where a caller drops the
 * result. GCC warns even through a (void) cast, so where ignoring an error really is
 * right, write `if (f() != ERR_OK) { comment why }`. */
#define ERR_MUST_USE __attribute__((warn_unused_result))

/* err_str returns a short static lowercase description of e. */
const char *err_str(enum err e);

#endif
