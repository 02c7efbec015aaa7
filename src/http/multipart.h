/* multipart.h: multipart/form-data bodies (RFC 7578 over RFC 2046), for uploads.
 *
 * The parser works on the complete body the server has already buffered (req->body,
 * bounded by the route's limit, see http_router_add_limit) and copies nothing: every
 * part's data is a slice of req->body. It is strict, because what it accepts reaches
 * the media worker and the database: anything malformed fails as a whole with ERR_PARSE
 * and no partial result, never "the parts we could read". */
#ifndef VISNYK_HTTP_MULTIPART_H
#define VISNYK_HTTP_MULTIPART_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "http/http.h"

/* Limits. More parts than this, or a part head longer than this, fail with
 * ERR_TOO_LARGE (a handler answers 413). */
#define HTTP_MULTIPART_MAX_PARTS 64
#define HTTP_MULTIPART_MAX_PART_HEADER_BYTES 2048 /* one part's header lines together */
#define HTTP_MULTIPART_MAX_PART_HEADERS 8
#define HTTP_MULTIPART_MAX_BOUNDARY 70    /* RFC 2046 5.1.1 */
#define HTTP_MULTIPART_MAX_NAME_BYTES 256 /* field name and file name, after unquoting */

/* A suggested body limit for upload routes: several photos of MEDIA_MAX_FILE_BYTES
 * (20 MB) each at once need more than the 1 MiB every other route gets. Memory: the
 * whole body is buffered in the connection's arena, so this bounds each uploading
 * connection. */
#define HTTP_UPLOAD_MAX_BODY_BYTES ((size_t)64 * 1024 * 1024)

struct http_multipart_part {
    struct str name;         /* form field name (unquoted, arena copy when it had escapes) */
    struct str filename;     /* the client's file name, empty for plain fields. A label for
                              * messages only: never a path, never trusted (may contain
                              * '/', '..' and any UTF-8; never NUL, CR or LF) */
    struct str content_type; /* the part's declared Content-Type, empty when absent;
                              * declared by the client, so never trusted for files */
    struct str data;         /* the part's bytes, a slice of req->body */
};

/* http_multipart_parse reads req->body as multipart/form-data, with the boundary taken
 * from req's Content-Type header. On ERR_OK *parts (arena memory, valid until the request
 * ends) holds *n parts in body order; *n may be 0 for a body with only the closing
 * delimiter. Every part must have Content-Disposition: form-data with a name.
 * Fails with:
 *   ERR_INVALID   the request's Content-Type is not multipart/form-data, or its
 *                 boundary is missing or not 1..70 characters of RFC 2046's set
 *   ERR_PARSE     malformed body: no opening delimiter, bad CRLFs, a part without a
 *                 proper Content-Disposition, a bad quoted string, a filename with NUL,
 *                 CR or LF, missing closing delimiter (truncated body)
 *   ERR_TOO_LARGE more than HTTP_MULTIPART_MAX_PARTS parts, or a part head over
 *                 HTTP_MULTIPART_MAX_PART_HEADER_BYTES / _MAX_PART_HEADERS
 * On failure *parts is NULL and *n is 0. */
ERR_MUST_USE
enum err http_multipart_parse(struct arena *a, const struct http_request *req,
                              struct http_multipart_part **parts, size_t *n);

/* http_multipart_parse_body is the same on a Content-Type value and a body given
 * directly (tests, fuzzing). */
ERR_MUST_USE
enum err http_multipart_parse_body(struct arena *a, struct str content_type, struct str body,
                                   struct http_multipart_part **parts, size_t *n);

/* http_multipart_boundary extracts and validates the boundary parameter of a
 * multipart/form-data Content-Type value into *boundary (a slice of content_type, or an
 * arena copy when it was a quoted string with escapes). Errors as above (ERR_INVALID). */
ERR_MUST_USE
enum err http_multipart_boundary(struct arena *a, struct str content_type, struct str *boundary);

#endif
