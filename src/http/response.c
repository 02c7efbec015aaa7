/* response.c: response building for handlers (headers, redirects, static files) and the
 * pieces the server assembles a response from: validators, dates, gzip, header block. */
#include <string.h>

#include "core/kyiv_time.h"
#include "core/log.h"
#include "http/http_internal.h"

const char *http_status_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Unknown";
    }
}

/* A header name is an RFC 9110 token; a value has no CR, LF or NUL (header injection). */
static bool header_name_ok(struct str n)
{
    if (n.len == 0)
        return false;
    for (size_t i = 0; i < n.len; i++) {
        unsigned char c = (unsigned char)n.ptr[i];
        if (c <= 0x20 || c >= 0x7f || c == ':' || c == '(' || c == ')' || c == ',' || c == '/' ||
            c == ';' || c == '<' || c == '=' || c == '>' || c == '?' || c == '@' || c == '[' ||
            c == '\\' || c == ']' || c == '{' || c == '}' || c == '"')
            return false;
    }
    return true;
}

static bool header_value_ok(struct str v)
{
    for (size_t i = 0; i < v.len; i++)
        if (v.ptr[i] == '\r' || v.ptr[i] == '\n' || v.ptr[i] == '\0')
            return false;
    return true;
}

void http_response_header(struct http_response *res, struct http_request *req, const char *name,
                          struct str value)
{
    struct str n = str_from_cstr(name);
    if (!header_name_ok(n) || !header_value_ok(value)) {
        log_msg(LOG_WARN, req->id, "invalid response header dropped");
        return;
    }
    /* Content-Type and ETag are single-valued: a second call replaces the first */
    if (str_eq_nocase(n, STR_LIT("Content-Type")) || str_eq_nocase(n, STR_LIT("ETag")) ||
        str_eq_nocase(n, STR_LIT("Location")) || str_eq_nocase(n, STR_LIT("Cache-Control")) ||
        str_eq_nocase(n, STR_LIT("Last-Modified"))) {
        for (size_t i = 0; i < res->n_headers; i++) {
            if (str_eq_nocase(res->headers[i].name, n)) {
                res->headers[i].value = arena_str(req->arena, value);
                return;
            }
        }
    }
    if (res->n_headers == res->cap_headers) {
        size_t cap = res->cap_headers ? res->cap_headers * 2 : 8;
        struct http_header *h = arena_alloc_array(req->arena, cap, sizeof(*h));
        if (res->n_headers)
            memcpy(h, res->headers, res->n_headers * sizeof(*h));
        res->headers = h;
        res->cap_headers = cap;
    }
    res->headers[res->n_headers].name = arena_str(req->arena, n);
    res->headers[res->n_headers].value = arena_str(req->arena, value);
    res->n_headers++;
}

void http_response_cache_key(struct http_response *res, struct http_request *req, struct str key)
{
    if (res->n_cache_keys == res->cap_cache_keys) {
        size_t cap = res->cap_cache_keys ? res->cap_cache_keys * 2 : 8;
        struct str *k = arena_alloc_array(req->arena, cap, sizeof(*k));
        if (res->n_cache_keys)
            memcpy(k, res->cache_keys, res->n_cache_keys * sizeof(*k));
        res->cache_keys = k;
        res->cap_cache_keys = cap;
    }
    res->cache_keys[res->n_cache_keys++] = arena_str(req->arena, key);
}

void http_response_error(struct http_response *res, int status)
{
    res->status = status;
    res->cacheable = false;
    buf_reset(&res->body);
}

void http_response_redirect(struct http_response *res, struct http_request *req, int status,
                            struct str location)
{
    if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308)
        status = 302;
    res->status = status;
    buf_reset(&res->body);
    http_response_header(res, req, "Location", location);
}

/* ---- validators ---- */

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

/* Murmur3-style mixing, 8 bytes a step: fast enough to run on every uncached 200. */
uint64_t http__etag_hash(const char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w *= 0x87c37b91114253d5ULL;
        w = rotl64(w, 31);
        w *= 0x4cf5ad432745937fULL;
        h ^= w;
        h = rotl64(h, 27) * 5 + 0x52dce729;
    }
    uint64_t t = 0;
    for (size_t k = 0; i + k < n; k++)
        t |= (uint64_t)(unsigned char)p[i + k] << (8 * k);
    h ^= fmix64(t ^ 0x2545f4914f6cdd1dULL);
    return fmix64(h);
}

size_t http__etag_format(uint64_t h, bool gz, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    out[o++] = '"';
    for (int i = 15; i >= 0; i--)
        out[o++] = hex[(h >> (i * 4)) & 0xf];
    if (gz) {
        out[o++] = '-';
        out[o++] = 'g';
        out[o++] = 'z';
    }
    out[o++] = '"';
    return o;
}

static struct str strip_weak(struct str t)
{
    if (t.len >= 2 && t.ptr[0] == 'W' && t.ptr[1] == '/')
        return str_make(t.ptr + 2, t.len - 2);
    return t;
}

bool http__etag_match(struct str inm, struct str etag)
{
    if (!inm.ptr || etag.len == 0)
        return false;
    struct str want = strip_weak(etag);
    struct str rest = inm, tag;
    while (str_split_next(&rest, ',', &tag)) {
        tag = str_trim(tag);
        if (tag.len == 1 && tag.ptr[0] == '*')
            return true;
        if (str_eq(strip_weak(tag), want))
            return true;
    }
    return false;
}

/* q is zero when it is "0", "0.", "0.0", "0.00" or "0.000". */
static bool q_is_zero(struct str q)
{
    if (q.len == 0 || q.ptr[0] != '0')
        return false;
    if (q.len == 1)
        return true;
    if (q.ptr[1] != '.' || q.len > 5)
        return false;
    for (size_t i = 2; i < q.len; i++)
        if (q.ptr[i] != '0')
            return false;
    return true;
}

bool http__accepts_gzip(struct str ae)
{
    if (!ae.ptr)
        return false;
    int gzip = -1, star = -1; /* -1 unseen, 0 refused, 1 accepted */
    struct str rest = ae, item;
    while (str_split_next(&rest, ',', &item)) {
        struct str params = item, coding = STR_NULL; /* stays empty for an empty item (",,") */
        str_split_next(&params, ';', &coding);
        coding = str_trim(coding);
        int accepted = 1;
        struct str p;
        while (str_split_next(&params, ';', &p)) {
            p = str_trim(p);
            if (p.len >= 2 && (p.ptr[0] == 'q' || p.ptr[0] == 'Q') && p.ptr[1] == '=')
                accepted = q_is_zero(str_trim(str_make(p.ptr + 2, p.len - 2))) ? 0 : 1;
        }
        if (str_eq_nocase(coding, STR_LIT("gzip")) || str_eq_nocase(coding, STR_LIT("x-gzip")))
            gzip = accepted;
        else if (coding.len == 1 && coding.ptr[0] == '*')
            star = accepted;
    }
    return gzip >= 0 ? gzip == 1 : star == 1;
}

bool http__compressible(struct str ct)
{
    size_t semi = str_find_char(ct, ';');
    if (semi != SIZE_MAX)
        ct = str_make(ct.ptr, semi);
    ct = str_trim(ct);
    if (ct.len > 5 && str_eq_nocase(str_make(ct.ptr, 5), STR_LIT("text/")))
        return true;
    return str_eq_nocase(ct, STR_LIT("application/xml")) ||
           str_eq_nocase(ct, STR_LIT("application/rss+xml")) ||
           str_eq_nocase(ct, STR_LIT("application/atom+xml")) ||
           str_eq_nocase(ct, STR_LIT("application/json")) ||
           str_eq_nocase(ct, STR_LIT("application/javascript")) ||
           str_eq_nocase(ct, STR_LIT("image/svg+xml"));
}

/* ---- dates ---- */

static const char wdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

void http__imf_date(int64_t t, char out[29])
{
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    /* civil_from_days (Howard Hinnant) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    if (m <= 2)
        y++;
    int wd = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    memcpy(out, wdays[wd], 3);
    out[3] = ',';
    out[4] = ' ';
    put2(out + 5, d);
    out[7] = ' ';
    memcpy(out + 8, months[m - 1], 3);
    out[11] = ' ';
    put2(out + 12, (int)(y / 100));
    put2(out + 14, (int)(y % 100));
    out[16] = ' ';
    put2(out + 17, (int)(secs / 3600));
    out[19] = ':';
    put2(out + 20, (int)(secs / 60 % 60));
    out[22] = ':';
    put2(out + 23, (int)(secs % 60));
    memcpy(out + 25, " GMT", 4);
}

static bool digits(const char *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

bool http__imf_parse(struct str s, int64_t *t)
{
    s = str_trim(s);
    if (s.len != 29 || s.ptr[3] != ',' || s.ptr[4] != ' ' || s.ptr[7] != ' ' || s.ptr[11] != ' ' ||
        s.ptr[16] != ' ' || s.ptr[19] != ':' || s.ptr[22] != ':' ||
        memcmp(s.ptr + 25, " GMT", 4) != 0)
        return false;
    int d, y, hh, mm, ss, mon = -1;
    for (int i = 0; i < 12; i++)
        if (memcmp(s.ptr + 8, months[i], 3) == 0)
            mon = i + 1;
    if (mon < 0 || !digits(s.ptr + 5, 2, &d) || !digits(s.ptr + 12, 4, &y) ||
        !digits(s.ptr + 17, 2, &hh) || !digits(s.ptr + 20, 2, &mm) || !digits(s.ptr + 23, 2, &ss))
        return false;
    if (d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
        return false;
    *t = days_from_civil(y, mon, d) * 86400 + hh * 3600 + mm * 60 + ss;
    return true;
}

/* ---- gzip ---- */

enum err http__gzip(z_stream *z, bool *z_ready, struct arena *a, const char *p, size_t n,
                    struct str *out)
{
    *out = STR_NULL;
    if (n > UINT32_MAX / 2)
        return ERR_TOO_LARGE;
    if (!*z_ready) {
        memset(z, 0, sizeof(*z));
        /* 15 + 16: gzip wrapper; level 6 is zlib's default balance */
        if (deflateInit2(z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return ERR_IO;
        *z_ready = true;
    } else if (deflateReset(z) != Z_OK) {
        return ERR_IO;
    }
    uLong bound = deflateBound(z, (uLong)n);
    char *dst = arena_alloc(a, bound);
    z->next_in = (Bytef *)(uintptr_t)p;
    z->avail_in = (uInt)n;
    z->next_out = (Bytef *)dst;
    z->avail_out = (uInt)bound;
    if (deflate(z, Z_FINISH) != Z_STREAM_END)
        return ERR_IO;
    *out = str_make(dst, bound - z->avail_out);
    return ERR_OK;
}

/* ---- header block ---- */

static bool server_owned(struct str n)
{
    return str_eq_nocase(n, STR_LIT("Content-Type")) ||
           str_eq_nocase(n, STR_LIT("Content-Length")) || str_eq_nocase(n, STR_LIT("ETag")) ||
           str_eq_nocase(n, STR_LIT("Date")) || str_eq_nocase(n, STR_LIT("Connection")) ||
           str_eq_nocase(n, STR_LIT("Transfer-Encoding")) ||
           str_eq_nocase(n, STR_LIT("Content-Encoding")) || str_eq_nocase(n, STR_LIT("Allow"));
}

static enum err line(struct buf *out, struct str name, struct str value)
{
    enum err e = buf_append_str(out, name);
    if (e == ERR_OK)
        e = buf_append(out, ": ", 2);
    if (e == ERR_OK)
        e = buf_append_str(out, value);
    if (e == ERR_OK)
        e = buf_append(out, "\r\n", 2);
    return e;
}

static enum err append_size(struct buf *out, size_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return buf_append(out, tmp + i, sizeof(tmp) - i);
}

enum err http__fields_build(struct buf *out, const struct http_config *cfg,
                            const struct http_response *res, const struct http__resp_meta *m)
{
    enum err e = ERR_OK;
    if (!m->not_modified) {
        e = line(out, STR_LIT("Content-Type"), m->content_type);
        if (e == ERR_OK)
            e = buf_append(out, "Content-Length: ", 16);
        if (e == ERR_OK)
            e = append_size(out, m->body.len);
        if (e == ERR_OK)
            e = buf_append(out, "\r\n", 2);
        if (e == ERR_OK && m->gzip)
            e = buf_append_str(out, STR_LIT("Content-Encoding: gzip\r\n"));
    }
    if (e == ERR_OK && m->etag.len)
        e = line(out, STR_LIT("ETag"), m->etag);
    if (e == ERR_OK && m->vary)
        e = buf_append_str(out, STR_LIT("Vary: Accept-Encoding\r\n"));
    if (e == ERR_OK && m->allow.len)
        e = line(out, STR_LIT("Allow"), m->allow);
    for (size_t i = 0; e == ERR_OK && i < cfg->n_common_headers; i++) {
        const struct http_header *h = &cfg->common_headers[i];
        bool overridden = false;
        for (size_t j = 0; j < res->n_headers && !overridden; j++)
            overridden = str_eq_nocase(res->headers[j].name, h->name);
        if (!overridden)
            e = line(out, h->name, h->value);
    }
    for (size_t i = 0; e == ERR_OK && i < res->n_headers; i++) {
        const struct http_header *h = &res->headers[i];
        if (server_owned(h->name))
            continue;
        if (m->not_modified && str_eq_nocase(h->name, STR_LIT("Set-Cookie")))
            continue;
        e = line(out, h->name, h->value);
    }
    if (e == ERR_OK)
        e = buf_append(out, "\r\n", 2);
    return e;
}

/* ---- static files ---- */

void http_static_respond(struct http_request *req, struct http_response *res,
                         struct str content_type, struct str body, int64_t mtime, bool immutable)
{
    char lm[29], tag[24], tag_gz[24];
    http__imf_date(mtime, lm);
    uint64_t h = http__etag_hash(body.ptr, body.len);
    struct str etag = str_make(tag, http__etag_format(h, false, tag));
    struct str etag_gz = str_make(tag_gz, http__etag_format(h, true, tag_gz));

    http_response_header(res, req, "Content-Type", content_type);
    http_response_header(res, req, "Last-Modified", str_make(lm, sizeof(lm)));
    http_response_header(res, req, "Cache-Control",
                         immutable ? STR_LIT("public, max-age=31536000, immutable")
                                   : STR_LIT("public, max-age=300"));
    buf_reset(&res->body);

    bool conditional = req->method == HTTP_M_GET || req->method == HTTP_M_HEAD;
    struct str inm = http_request_header(req, "If-None-Match");
    bool not_modified = false;
    if (conditional && inm.ptr) {
        /* the client may hold the gzip variant's tag (the server gzips after us) */
        if (http__etag_match(inm, etag)) {
            not_modified = true;
        } else if (http__etag_match(inm, etag_gz)) {
            not_modified = true;
            etag = etag_gz;
        }
    } else if (conditional) {
        struct str ims = http_request_header(req, "If-Modified-Since");
        int64_t since;
        if (ims.ptr && http__imf_parse(ims, &since) && mtime <= since)
            not_modified = true;
    }
    http_response_header(res, req, "ETag", etag);
    if (not_modified) {
        res->status = 304;
        return;
    }
    res->status = 200;
    if (body.len && buf_append(&res->body, body.ptr, body.len) != ERR_OK) {
        log_msg(LOG_ERROR, req->id, "static body over the response limit");
        res->status = 500;
        buf_reset(&res->body);
    }
}
