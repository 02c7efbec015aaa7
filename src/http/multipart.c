/* multipart.c: multipart/form-data (RFC 7578, RFC 2046 5.1). The body is complete in
 * memory, so the parser is a cursor over it: no copies, no state across calls. It is
 * deliberately stricter than the RFCs where browsers and curl never use the latitude
 * (no preamble, no transport padding after a delimiter, CRLF only, no folded header
 * lines, no epilogue beyond one CRLF), because every leniency is a place where two parsers
 * could disagree about where a file starts. */
#include "http/multipart.h"

#include <string.h>

#include "core/utf8.h"

/* ---- small cursor helpers ---- */

static bool is_tchar(unsigned char ch)
{
    /* RFC 9110 token characters */
    if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
        return true;
    return ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static bool is_bchar(unsigned char ch)
{
    /* RFC 2046 bcharsnospace plus space (which may not end a boundary) */
    if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
        return true;
    return ch != 0 && strchr("'()+_,-./:=? ", ch) != NULL;
}

static void skip_ows(struct str *s)
{
    while (s->len > 0 && (s->ptr[0] == ' ' || s->ptr[0] == '\t')) {
        s->ptr++;
        s->len--;
    }
}

static struct str take_token(struct str *s)
{
    size_t i = 0;
    while (i < s->len && is_tchar((unsigned char)s->ptr[i]))
        i++;
    struct str t = str_make(s->ptr, i);
    s->ptr += i;
    s->len -= i;
    return t;
}

/* take_quoted reads a quoted-string at the start of *s (which begins with '"'),
 * undoing quoted-pairs. The result is a slice of *s when there were no escapes and an
 * arena copy otherwise. Control characters (NUL, CR, LF and the rest of C0 but HTAB,
 * and DEL) fail: names and file names are shown to people and written to logs. */
static enum err take_quoted(struct arena *a, struct str *s, struct str *out)
{
    size_t i = 1;
    bool escaped = false;
    for (;;) {
        if (i >= s->len)
            return ERR_PARSE; /* unterminated */
        unsigned char ch = (unsigned char)s->ptr[i];
        if (ch == '"')
            break;
        if (ch == '\\') {
            escaped = true;
            i++;
            if (i >= s->len)
                return ERR_PARSE;
            ch = (unsigned char)s->ptr[i];
        }
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return ERR_PARSE;
        i++;
    }
    struct str raw = str_make(s->ptr + 1, i - 1);
    s->ptr += i + 1;
    s->len -= i + 1;
    if (!escaped) {
        *out = raw;
        return ERR_OK;
    }
    char *p = arena_alloc(a, raw.len + 1);
    size_t n = 0;
    for (size_t k = 0; k < raw.len; k++) {
        if (raw.ptr[k] == '\\')
            k++; /* a backslash is never last: checked above */
        p[n++] = raw.ptr[k];
    }
    *out = str_make(p, n);
    return ERR_OK;
}

/* take_param reads `; name=value` (value a token or quoted string) from *s. */
static enum err take_param(struct arena *a, struct str *s, struct str *name, struct str *value)
{
    skip_ows(s);
    if (s->len == 0 || s->ptr[0] != ';')
        return ERR_PARSE;
    s->ptr++;
    s->len--;
    skip_ows(s);
    *name = take_token(s);
    if (name->len == 0)
        return ERR_PARSE;
    skip_ows(s);
    if (s->len == 0 || s->ptr[0] != '=')
        return ERR_PARSE;
    s->ptr++;
    s->len--;
    skip_ows(s);
    if (s->len > 0 && s->ptr[0] == '"')
        return take_quoted(a, s, value);
    *value = take_token(s);
    return value->len > 0 ? ERR_OK : ERR_PARSE;
}

/* ---- the boundary ---- */

enum err http_multipart_boundary(struct arena *a, struct str content_type, struct str *boundary)
{
    struct str s = str_trim(content_type);
    struct str type = take_token(&s);
    if (!str_eq_nocase(type, STR_LIT("multipart")) || s.len == 0 || s.ptr[0] != '/')
        return ERR_INVALID;
    s.ptr++;
    s.len--;
    struct str sub = take_token(&s);
    if (!str_eq_nocase(sub, STR_LIT("form-data")))
        return ERR_INVALID;
    struct str found = STR_NULL;
    bool have = false;
    while (str_trim(s).len > 0) {
        struct str name, value;
        if (take_param(a, &s, &name, &value) != ERR_OK)
            return ERR_INVALID;
        if (!str_eq_nocase(name, STR_LIT("boundary")))
            continue;
        if (have)
            return ERR_INVALID; /* two boundaries: which one would a proxy use? */
        have = true;
        found = value;
    }
    if (!have || found.len == 0 || found.len > HTTP_MULTIPART_MAX_BOUNDARY ||
        found.ptr[found.len - 1] == ' ')
        return ERR_INVALID;
    for (size_t i = 0; i < found.len; i++)
        if (!is_bchar((unsigned char)found.ptr[i]))
            return ERR_INVALID;
    *boundary = found;
    return ERR_OK;
}

/* ---- part heads ---- */

static bool name_ok(struct str s)
{
    if (s.len > HTTP_MULTIPART_MAX_NAME_BYTES || !utf8_valid(s.ptr, s.len))
        return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];
        if (ch < 0x20 || ch == 0x7f) /* NUL, CR, LF, TAB and the rest: labels stay one line */
            return false;
    }
    return true;
}

/* disposition reads `form-data; name="..."; filename="..."`. Unknown parameters
 * (filename* among them, which RFC 7578 4.2 tells senders not to use) are ignored;
 * a repeated name or filename fails. */
static enum err disposition(struct arena *a, struct str v, struct http_multipart_part *part,
                            bool *have_name)
{
    struct str type = take_token(&v);
    if (!str_eq_nocase(type, STR_LIT("form-data")))
        return ERR_PARSE;
    bool have_file = false;
    *have_name = false;
    while (str_trim(v).len > 0) {
        struct str pn, pv;
        if (take_param(a, &v, &pn, &pv) != ERR_OK)
            return ERR_PARSE;
        if (str_eq_nocase(pn, STR_LIT("name"))) {
            if (*have_name || pv.len == 0 || !name_ok(pv))
                return ERR_PARSE;
            *have_name = true;
            part->name = pv;
        } else if (str_eq_nocase(pn, STR_LIT("filename"))) {
            if (have_file || !name_ok(pv))
                return ERR_PARSE;
            have_file = true;
            part->filename = pv;
        }
    }
    return *have_name ? ERR_OK : ERR_PARSE;
}

static bool value_ok(struct str v)
{
    for (size_t i = 0; i < v.len; i++) {
        unsigned char ch = (unsigned char)v.ptr[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return false;
    }
    return true;
}

/* part_head parses the header lines of one part, from *cur up to and including the
 * blank line, advancing *cur past it. */
static enum err part_head(struct arena *a, struct str *cur, struct http_multipart_part *part)
{
    size_t lines = 0, bytes = 0;
    bool have_disp = false, have_type = false;
    for (;;) {
        /* look no further than the head may reach, so a huge part without line breaks
         * costs no more than a small one */
        size_t room = HTTP_MULTIPART_MAX_PART_HEADER_BYTES - bytes;
        size_t eol = str_find(str_sub(*cur, 0, room), STR_LIT("\r\n"));
        if (eol == SIZE_MAX)
            return cur->len >= room ? ERR_TOO_LARGE : ERR_PARSE;
        struct str line = str_make(cur->ptr, eol);
        cur->ptr += eol + 2;
        cur->len -= eol + 2;
        bytes += eol + 2;
        if (bytes > HTTP_MULTIPART_MAX_PART_HEADER_BYTES)
            return ERR_TOO_LARGE;
        if (line.len == 0)
            break;
        if (++lines > HTTP_MULTIPART_MAX_PART_HEADERS)
            return ERR_TOO_LARGE;
        /* a bare CR or LF inside a line, or a folded line, is where injected headers hide */
        if (memchr(line.ptr, '\r', line.len) || memchr(line.ptr, '\n', line.len))
            return ERR_PARSE;
        struct str rest = line;
        struct str name = take_token(&rest);
        if (name.len == 0 || rest.len == 0 || rest.ptr[0] != ':')
            return ERR_PARSE;
        struct str value = str_trim(str_make(rest.ptr + 1, rest.len - 1));
        if (!value_ok(value))
            return ERR_PARSE;
        if (str_eq_nocase(name, STR_LIT("Content-Disposition"))) {
            bool have_name;
            if (have_disp || disposition(a, value, part, &have_name) != ERR_OK)
                return ERR_PARSE;
            have_disp = true;
        } else if (str_eq_nocase(name, STR_LIT("Content-Type"))) {
            if (have_type)
                return ERR_PARSE;
            have_type = true;
            part->content_type = value;
        } else if (str_eq_nocase(name, STR_LIT("Content-Transfer-Encoding"))) {
            /* deprecated by RFC 7578 4.7; anything that changes the bytes is refused,
             * since we hand the data on as it is */
            if (!str_eq_nocase(value, STR_LIT("binary")) &&
                !str_eq_nocase(value, STR_LIT("8bit")) && !str_eq_nocase(value, STR_LIT("7bit")))
                return ERR_PARSE;
        }
        /* RFC 7578 4.8: other header fields must be ignored */
    }
    return have_disp ? ERR_OK : ERR_PARSE;
}

/* ---- the body ---- */

/* after_delimiter looks at what follows "--boundary": "--" ends the body (with at most a
 * CRLF after it), CRLF starts another part. *last tells which. */
static enum err after_delimiter(struct str *cur, bool *last)
{
    if (str_starts_with(*cur, STR_LIT("--"))) {
        struct str tail = str_make(cur->ptr + 2, cur->len - 2);
        if (tail.len == 0 || (tail.len == 2 && tail.ptr[0] == '\r' && tail.ptr[1] == '\n')) {
            *last = true;
            return ERR_OK;
        }
        return ERR_PARSE;
    }
    if (str_starts_with(*cur, STR_LIT("\r\n"))) {
        cur->ptr += 2;
        cur->len -= 2;
        *last = false;
        return ERR_OK;
    }
    return ERR_PARSE;
}

enum err http_multipart_parse_body(struct arena *a, struct str content_type, struct str body,
                                   struct http_multipart_part **parts, size_t *n)
{
    *parts = NULL;
    *n = 0;
    struct str boundary;
    enum err e = http_multipart_boundary(a, content_type, &boundary);
    if (e != ERR_OK)
        return e;
    if (!body.ptr)
        return ERR_PARSE;

    /* delim = CRLF "--" boundary; the first one has no CRLF (no preamble allowed) */
    size_t dlen = 4 + boundary.len;
    char *delim_buf = arena_alloc(a, dlen);
    memcpy(delim_buf, "\r\n--", 4);
    memcpy(delim_buf + 4, boundary.ptr, boundary.len);
    struct str delim = str_make(delim_buf, dlen);
    struct str first = str_make(delim_buf + 2, dlen - 2);

    if (!str_starts_with(body, first))
        return ERR_PARSE;
    struct str cur = str_make(body.ptr + first.len, body.len - first.len);
    struct http_multipart_part *out = arena_alloc_array(a, HTTP_MULTIPART_MAX_PARTS, sizeof(*out));
    size_t count = 0;
    bool last;
    e = after_delimiter(&cur, &last);
    if (e != ERR_OK)
        return e;
    while (!last) {
        if (count == HTTP_MULTIPART_MAX_PARTS)
            return ERR_TOO_LARGE;
        struct http_multipart_part *part = &out[count];
        memset(part, 0, sizeof(*part));
        part->name = part->filename = part->content_type = STR_LIT("");
        /* the head ends at the first blank line; the data at the next delimiter. A
         * delimiter inside the head (a part with no blank line) is malformed */
        size_t end = str_find(cur, delim);
        if (end == SIZE_MAX)
            return ERR_PARSE; /* truncated: no delimiter closes this part */
        struct str region = str_make(cur.ptr, end);
        /* the head must end with its blank line before the delimiter: a part whose
         * head runs into the delimiter ("H\r\n\r\n--b" sharing one CRLF) is refused,
         * no client sends it */
        struct str hc = region;
        e = part_head(a, &hc, part);
        if (e != ERR_OK)
            return e;
        size_t head_len = (size_t)(hc.ptr - cur.ptr);
        part->data = str_make(region.ptr + head_len, end - head_len);
        count++;
        cur = str_make(cur.ptr + end + dlen, cur.len - end - dlen);
        e = after_delimiter(&cur, &last);
        if (e != ERR_OK)
            return e;
    }
    *parts = out;
    *n = count;
    return ERR_OK;
}

enum err http_multipart_parse(struct arena *a, const struct http_request *req,
                              struct http_multipart_part **parts, size_t *n)
{
    *parts = NULL;
    *n = 0;
    struct str ct = http_request_header(req, "Content-Type");
    if (!ct.ptr)
        return ERR_INVALID;
    return http_multipart_parse_body(a, ct, req->body, parts, n);
}
