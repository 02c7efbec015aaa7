/* local.c: running a GET handler in-process, without sockets, for the static mirror
 * (export-static renders every public page through the same handlers readers hit, so
 * the mirror can never drift from the live site). No page cache, no error pages, no
 * gzip: the caller gets exactly what the handler produced. */
#include <string.h>

#include "http/http_internal.h"

enum err http_local_get(const struct http_router *r, void *thread_ctx, struct str target,
                        struct arena *a, struct http_response *res)
{
    struct http_request req;
    struct str raw_path = target, query = STR_LIT("");
    size_t q = str_find_char(target, '?');

    if (q != SIZE_MAX) {
        raw_path = str_make(target.ptr, q);
        query = str_make(target.ptr + q + 1, target.len - q - 1);
    }
    memset(&req, 0, sizeof req);
    req.arena = a;
    req.id = http__next_request_id();
    req.method = HTTP_M_GET;
    req.target = target;
    req.query = query;
    req.body = STR_LIT("");
    req.thread_ctx = thread_ctx;
    memcpy(req.client_ip, "127.0.0.1", sizeof "127.0.0.1");
    if (raw_path.len == 0 || raw_path.ptr[0] != '/')
        return ERR_INVALID;
    enum err e = http_url_decode(a, raw_path, false, &req.path);
    if (e != ERR_OK)
        return ERR_INVALID;
    /* the same refusals as the server's (no "..", no control bytes), so a crafted link
     * found in content can never make the exporter read outside its folders */
    for (size_t i = 0; i < req.path.len; i++) {
        unsigned char ch = (unsigned char)req.path.ptr[i];
        if (ch < 0x20 || ch == 0x7f || ch == '\\')
            return ERR_INVALID;
    }
    if (str_find(req.path, STR_LIT("/../")) != SIZE_MAX ||
        str_find(req.path, STR_LIT("/./")) != SIZE_MAX || str_ends_with(req.path, STR_LIT("/..")) ||
        str_ends_with(req.path, STR_LIT("/.")))
        return ERR_INVALID;

    res->status = 200;
    res->headers = NULL;
    res->n_headers = res->cap_headers = 0;
    buf_reset(&res->body);
    res->cacheable = false;
    res->cache_keys = NULL;
    res->n_cache_keys = res->cap_cache_keys = 0;

    http_handler_fn handler;
    unsigned allow;
    if (http__router_match(r, HTTP_M_GET, req.path, &req, &handler, &allow) != HTTP__ROUTE_FOUND)
        return ERR_NOTFOUND;
    handler(&req, res);
    if (res->status < 100 || res->status > 599)
        res->status = 500;
    return ERR_OK;
}

struct str http_response_header_get(const struct http_response *res, const char *name)
{
    struct str n = str_from_cstr(name);
    for (size_t i = 0; i < res->n_headers; i++)
        if (str_eq_nocase(res->headers[i].name, n))
            return res->headers[i].value;
    return STR_NULL;
}
