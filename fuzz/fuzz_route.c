/* fuzz_route: request targets → URL decoding → routing, as the server does it.
 *
 * The input is a raw request target ("/news/%D0%B0?x=1"). It goes through
 * http_local_get (decode, refuse "..", control bytes and backslashes, match) on a router
 * holding the site's, the subscription pages', the editors' workspace's and the API's
 * patterns, with a handler that checks what every real handler relies on: the path is
 * decoded, valid UTF-8, starts with '/', holds no NUL, control byte, backslash or dot
 * segment, and the captured params are slices of it without '/' (except a final '*'). The
 * same path is
 * matched for POST (http__router_match, as the server does), and http_url_decode is
 * checked on its own: output valid UTF-8 without NUL, never longer than the input,
 * identical to the input when there is nothing to decode, and decode(encode(x)) == x. */
#include "fuzz_util.h"

#include "core/arena.h"
#include "core/utf8.h"
#include "http/http.h"
#include "http/http_internal.h"
#include "render/escape.h"

static struct http_router *router;
static struct arena *arena;

/* Which route a handler was registered for: whether its last param is a '*' rest. */
static const int route_plain = 0, route_rest = 1;

static bool has_dot_segment(struct str p)
{
    struct str rest = p, seg;
    while (str_split_next(&rest, '/', &seg))
        if (str_eq_cstr(seg, ".") || str_eq_cstr(seg, ".."))
            return true;
    return false;
}

static void check_handler(struct http_request *req, struct http_response *res)
{
    struct str p = req->path;
    FUZZ_CHECK(p.len > 0 && p.ptr[0] == '/', "routed path does not start with /", p.ptr, p.len);
    FUZZ_CHECK(utf8_valid(p.ptr, p.len), "routed path is not valid UTF-8", p.ptr, p.len);
    for (size_t i = 0; i < p.len; i++) {
        unsigned char c = (unsigned char)p.ptr[i];
        FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '\\', "routed path holds a control byte or \\",
                   p.ptr, p.len);
    }
    FUZZ_CHECK(!has_dot_segment(p), "routed path holds a . or .. segment", p.ptr, p.len);
    FUZZ_CHECK(req->n_params <= HTTP_MAX_PARAMS, "too many params", p.ptr, p.len);
    bool rest = req->route_ctx == &route_rest;
    for (size_t i = 0; i < req->n_params; i++) {
        struct str v = req->params[i];
        FUZZ_CHECK(fuzz_within(v, p.ptr, p.len), "param is not a slice of the path", p.ptr, p.len);
        bool last = i + 1 == req->n_params;
        if (!(rest && last))
            FUZZ_CHECK(v.len == 0 || memchr(v.ptr, '/', v.len) == NULL, "param holds a /", v.ptr,
                       v.len);
    }
    res->status = 200;
    buf_append_cstr(&res->body, "ok");
}

static void add(enum http_method m, const char *pattern)
{
    size_t n = strlen(pattern);
    const int *kind = n > 0 && pattern[n - 1] == '*' ? &route_rest : &route_plain;
    http_router_add_ctx(router, m, pattern, check_handler, (void *)kind);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    router = http_router_new();
    arena = arena_new(16 * 1024);
    /* The public site (site.c site_routes), in its order. */
    static const char *const site_get[] = {
        "/", "/news", "/news/:slug", "/tags", "/tags/:slug", "/departments", "/departments/:slug",
        "/archive", "/archive/:year", "/archive/:year/:month", "/pages/:slug", "/sitemap",
        "/news/after/:cursor", "/tags/:slug/after/:cursor", "/departments/:slug/after/:cursor",
        "/archive/:year/:month/after/:cursor", "/static/*", "/media/*", "/favicon.ico", "/search",
        "/feed.xml", "/atom.xml", "/tags/:slug/feed.xml", "/tags/:slug/atom.xml",
        "/departments/:slug/feed.xml", "/departments/:slug/atom.xml", "/robots.txt", "/sitemap.xml",
        "/sitemaps/:name", "/subscribe", "/subscribe/confirm", "/subscribe/unsubscribe",
        "/subscribe/preferences",
        /* the editors' workspace (admin/core.c) */
        "/admin/login", "/admin", "/admin/account", "/admin/articles", "/admin/articles/new",
        "/admin/articles/:id", "/admin/articles/:id/revisions", "/admin/articles/:id/diff",
        "/admin/tags", "/admin/departments", "/admin/pages", "/admin/pages/:slug", "/admin/banner",
        "/admin/settings", "/admin/users", "/admin/audit",
        /* the JSON API (api/api.c) */
        "/api/v1/articles", "/api/v1/articles/:id", "/api/v1/tags", "/api/v1/departments",
        "/api/v1/openapi.json"};
    static const char *const post[] = {"/subscribe",
                                       "/subscribe/confirm",
                                       "/subscribe/unsubscribe",
                                       "/subscribe/preferences",
                                       "/admin/login",
                                       "/admin/logout",
                                       "/admin/account",
                                       "/admin/articles/new",
                                       "/admin/preview",
                                       "/admin/articles/:id",
                                       "/admin/articles/:id/restore",
                                       "/admin/articles/:id/photos",
                                       "/admin/articles/:id/gallery",
                                       "/admin/tags/:id",
                                       "/admin/tags/:id/merge",
                                       "/admin/departments",
                                       "/admin/departments/:id",
                                       "/admin/pages/:slug",
                                       "/admin/pages/:slug/delete",
                                       "/admin/banner",
                                       "/admin/banner/clear",
                                       "/admin/settings",
                                       "/admin/users",
                                       "/admin/users/:id"};
    for (size_t i = 0; i < sizeof site_get / sizeof site_get[0]; i++)
        add(HTTP_M_GET, site_get[i]);
    for (size_t i = 0; i < sizeof post / sizeof post[0]; i++)
        add(HTTP_M_POST, post[i]);
    return 0;
}

static void check_decode(struct str in, bool plus)
{
    struct str out;
    enum err e = http_url_decode(arena, in, plus, &out);
    if (e != ERR_OK) {
        FUZZ_CHECK(e == ERR_PARSE || e == ERR_INVALID, "http_url_decode: unexpected error", in.ptr,
                   in.len);
        return;
    }
    FUZZ_CHECK(out.len <= in.len, "decoded longer than the input", in.ptr, in.len);
    FUZZ_CHECK(utf8_valid(out.ptr, out.len), "decoded is not UTF-8", in.ptr, in.len);
    FUZZ_CHECK(out.len == 0 || memchr(out.ptr, '\0', out.len) == NULL, "decoded holds NUL", in.ptr,
               in.len);
    bool plain = (in.len == 0 || memchr(in.ptr, '%', in.len) == NULL) &&
                 (!plus || memchr(in.ptr, '+', in.len) == NULL);
    if (plain)
        FUZZ_CHECK(str_eq(in, out), "decoding changed text without escapes", in.ptr, in.len);

    /* round trip: what we escape for links decodes back to the same text */
    struct buf enc;
    buf_init(&enc, out.len * 3 + 16);
    FUZZ_CHECK(escape_url_component(&enc, out) == ERR_OK, "escape_url_component failed", in.ptr,
               in.len);
    struct str back;
    FUZZ_CHECK(http_url_decode(arena, buf_str(&enc), plus, &back) == ERR_OK,
               "escaped text does not decode", enc.data, enc.len);
    FUZZ_CHECK(str_eq(back, out), "decode(escape(x)) != x", in.ptr, in.len);
    buf_free(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str target = str_make((const char *)data, size);
    arena_reset(arena);

    check_decode(target, false);
    check_decode(target, true);

    struct http_response res;
    memset(&res, 0, sizeof res);
    buf_init(&res.body, 4096);
    enum err e = http_local_get(router, NULL, target, arena, &res);
    FUZZ_CHECK(e == ERR_OK || e == ERR_NOTFOUND || e == ERR_INVALID,
               "http_local_get: unexpected error", data, size);
    if (e == ERR_OK)
        FUZZ_CHECK(res.status == 200 && str_eq_cstr(buf_str(&res.body), "ok"),
                   "handler answer lost", data, size);
    buf_free(&res.body);

    /* POST goes through the same matcher on the decoded path (no query). */
    size_t q = str_find_char(target, '?');
    struct str raw = q == SIZE_MAX ? target : str_make(target.ptr, q);
    struct str path;
    if (http_url_decode(arena, raw, false, &path) == ERR_OK && path.len > 0 && path.ptr[0] == '/') {
        struct http_request req;
        memset(&req, 0, sizeof req);
        req.arena = arena;
        req.path = path;
        http_handler_fn h = NULL;
        unsigned allow = 0;
        enum http__route_result r = http__router_match(router, HTTP_M_POST, path, &req, &h, &allow);
        if (r == HTTP__ROUTE_FOUND) {
            FUZZ_CHECK(h == check_handler, "matched an unknown handler", data, size);
            for (size_t i = 0; i < req.n_params; i++)
                FUZZ_CHECK(fuzz_within(req.params[i], path.ptr, path.len),
                           "POST param is not a slice of the path", data, size);
        } else if (r == HTTP__ROUTE_BAD_METHOD) {
            FUZZ_CHECK(allow != 0, "405 without Allow", data, size);
        }
        enum http__route_result r2;
        const struct http__route *rt =
            http__router_find(router, HTTP_M_POST, path, NULL, &r2, &allow);
        FUZZ_CHECK(r2 == r && (rt != NULL) == (r == HTTP__ROUTE_FOUND), "find and match disagree",
                   data, size);
    }
    return 0;
}
