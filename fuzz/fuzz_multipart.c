/* fuzz_multipart: upload bodies (http_multipart_parse_body, http_multipart_boundary).
 * The input is the Content-Type value, a newline, then the body. Checks: on success at
 * most HTTP_MULTIPART_MAX_PARTS parts, each with a non-empty name, every data slice
 * inside the body, parts in body order without overlap, and file names without NUL, CR
 * or LF; on failure no parts and one of the documented errors; a boundary found is
 * 1..70 characters. */
#include "fuzz_util.h"

#include "core/arena.h"
#include "http/multipart.h"

static struct arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    arena = arena_new(64 * 1024);
    return 0;
}

static bool clean_name(struct str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] == '\0' || s.ptr[i] == '\r' || s.ptr[i] == '\n')
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_reset(arena);
    struct str in = str_make((const char *)data, size), ct, body;
    fuzz_split(in, '\n', &ct, &body);

    struct str boundary;
    enum err be = http_multipart_boundary(arena, ct, &boundary);
    if (be == ERR_OK)
        FUZZ_CHECK(boundary.len >= 1 && boundary.len <= HTTP_MULTIPART_MAX_BOUNDARY,
                   "boundary length out of range", data, size);
    else
        FUZZ_CHECK(be == ERR_INVALID, "boundary: unexpected error", data, size);

    struct http_multipart_part *parts = (void *)1;
    size_t n = 99;
    enum err e = http_multipart_parse_body(arena, ct, body, &parts, &n);
    if (e != ERR_OK) {
        FUZZ_CHECK(e == ERR_INVALID || e == ERR_PARSE || e == ERR_TOO_LARGE,
                   "parse: unexpected error", data, size);
        FUZZ_CHECK(parts == NULL && n == 0, "failed parse left parts", data, size);
        if (be != ERR_OK)
            FUZZ_CHECK(e == ERR_INVALID, "bad boundary not reported as ERR_INVALID", data, size);
        return 0;
    }
    FUZZ_CHECK(be == ERR_OK, "parsed with a refused boundary", data, size);
    FUZZ_CHECK(n <= HTTP_MULTIPART_MAX_PARTS, "too many parts", data, size);
    FUZZ_CHECK(n == 0 || parts != NULL, "no parts array", data, size);
    const char *prev_end = body.ptr;
    for (size_t i = 0; i < n; i++) {
        const struct http_multipart_part *p = &parts[i];
        FUZZ_CHECK(p->name.len > 0, "part without a name", data, size);
        FUZZ_CHECK(p->name.len <= HTTP_MULTIPART_MAX_NAME_BYTES &&
                       p->filename.len <= HTTP_MULTIPART_MAX_NAME_BYTES,
                   "name longer than the limit", data, size);
        FUZZ_CHECK(clean_name(p->filename), "file name with NUL, CR or LF", data, size);
        FUZZ_CHECK(fuzz_within(p->data, body.ptr, body.len), "data outside the body", data, size);
        if (p->data.len > 0) {
            FUZZ_CHECK(p->data.ptr >= prev_end, "parts overlap or out of order", data, size);
            prev_end = p->data.ptr + p->data.len;
        }
    }
    return 0;
}
