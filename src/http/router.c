/* router.c: method + decoded path → handler. Patterns are split into segments once at
 * start-up; matching walks the path without allocating. Routes are tried in the order
 * they were added, so add literal routes before ':param' routes that would shadow them. */
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

#define ROUTE_MAX_SEGMENTS 16

enum seg_kind { SEG_LITERAL, SEG_PARAM, SEG_REST };

struct route_seg {
    enum seg_kind kind;
    char *text; /* literal text (owned) */
    size_t len;
};

struct route {
    enum http_method method;
    struct http__route info;
    struct route_seg segs[ROUTE_MAX_SEGMENTS];
    size_t n_segs;
};

struct http_router {
    struct route *routes;
    size_t n, cap;
};

struct http_router *http_router_new(void)
{
    struct http_router *r = calloc(1, sizeof(*r));
    if (!r)
        abort();
    return r;
}

void http_router_free(struct http_router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        for (size_t j = 0; j < r->routes[i].n_segs; j++)
            free(r->routes[i].segs[j].text);
    for (size_t i = 0; i < r->n; i++)
        free(r->routes[i].info.query);
    free(r->routes);
    free(r);
}

/* A bad pattern is a programming error found at start-up, so it aborts loudly. */
void http_router_add(struct http_router *r, enum http_method method, const char *pattern,
                     http_handler_fn handler)
{
    http_router_add_ctx(r, method, pattern, handler, NULL);
}

void http_router_add_ctx(struct http_router *r, enum http_method method, const char *pattern,
                         http_handler_fn handler, void *ctx)
{
    http_router_add_limit(r, method, pattern, handler, ctx, 0);
}

void http_router_add_limit(struct http_router *r, enum http_method method, const char *pattern,
                           http_handler_fn handler, void *ctx, size_t max_body_bytes)
{
    struct http_route_opts o = {.ctx = ctx, .max_body_bytes = max_body_bytes};
    http_router_add_opts(r, method, pattern, handler, &o);
}

/* query_names_ok: space-separated names of [A-Za-z0-9_-], or "*" alone. */
static bool query_names_ok(const char *q)
{
    if (strcmp(q, "*") == 0)
        return true;
    for (const char *p = q; *p; p++) {
        char ch = *p;
        if (!(ch == ' ' || ch == '_' || ch == '-' || (ch >= '0' && ch <= '9') ||
              (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
            return false;
    }
    return true;
}

void http_router_add_opts(struct http_router *r, enum http_method method, const char *pattern,
                          http_handler_fn handler, const struct http_route_opts *opts)
{
    if (!pattern || pattern[0] != '/' || !handler || !opts)
        abort();
    if (opts->query && !query_names_ok(opts->query))
        abort();
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct route *nr = realloc(r->routes, cap * sizeof(*nr));
        if (!nr)
            abort();
        r->routes = nr;
        r->cap = cap;
    }
    struct route *rt = &r->routes[r->n];
    memset(rt, 0, sizeof(*rt));
    rt->method = method;
    rt->info.handler = handler;
    rt->info.ctx = opts->ctx;
    rt->info.max_body = opts->max_body_bytes;
    rt->info.spool_body = opts->spool_body;
    rt->info.head_check = opts->head_check;
    if (opts->query) {
        size_t n = strlen(opts->query);
        rt->info.query = malloc(n + 1);
        if (!rt->info.query)
            abort();
        memcpy(rt->info.query, opts->query, n + 1);
    }

    struct str rest = str_from_cstr(pattern + 1);
    struct str seg;
    size_t n_params = 0;
    /* "/" alone has no segments */
    while (rest.len > 0 && str_split_next(&rest, '/', &seg)) {
        if (rt->n_segs == ROUTE_MAX_SEGMENTS)
            abort();
        struct route_seg *s = &rt->segs[rt->n_segs++];
        if (seg.len == 1 && seg.ptr[0] == '*') {
            if (rest.len > 0 || n_params == HTTP_MAX_PARAMS)
                abort(); /* '*' only at the end */
            s->kind = SEG_REST;
            n_params++;
        } else if (seg.len > 0 && seg.ptr[0] == ':') {
            if (n_params == HTTP_MAX_PARAMS)
                abort();
            s->kind = SEG_PARAM;
            n_params++;
        } else {
            s->kind = SEG_LITERAL;
            s->text = malloc(seg.len + 1);
            if (!s->text)
                abort();
            memcpy(s->text, seg.ptr, seg.len);
            s->text[seg.len] = '\0';
            s->len = seg.len;
        }
    }
    /* a trailing slash ("/news/") is a literal empty last segment */
    if (pattern[1] != '\0' && pattern[strlen(pattern) - 1] == '/') {
        if (rt->n_segs == ROUTE_MAX_SEGMENTS)
            abort();
        struct route_seg *s = &rt->segs[rt->n_segs++];
        s->kind = SEG_LITERAL;
        s->text = calloc(1, 1);
        if (!s->text)
            abort();
    }
    r->n++;
}

/* path_match compares path (starting '/') with rt's segments, capturing params. */
static bool path_match(const struct route *rt, struct str path, struct str *params,
                       size_t *n_params)
{
    struct str rest = str_make(path.ptr + 1, path.len - 1);
    size_t np = 0;
    bool any = path.len > 1;
    for (size_t i = 0; i < rt->n_segs; i++) {
        const struct route_seg *s = &rt->segs[i];
        if (s->kind == SEG_REST) {
            params[np++] = rest;
            *n_params = np;
            return true;
        }
        struct str seg;
        if (!any)
            return false;
        size_t slash = str_find_char(rest, '/');
        if (slash == SIZE_MAX) {
            seg = rest;
            rest = str_make(rest.ptr + rest.len, 0);
            any = false;
        } else {
            seg = str_make(rest.ptr, slash);
            rest = str_make(rest.ptr + slash + 1, rest.len - slash - 1);
        }
        if (s->kind == SEG_PARAM) {
            if (seg.len == 0)
                return false;
            params[np++] = seg;
        } else if (seg.len != s->len || (seg.len && memcmp(seg.ptr, s->text, seg.len) != 0)) {
            return false;
        }
    }
    if (any)
        return false;
    *n_params = np;
    return true;
}

const struct http__route *http__router_find(const struct http_router *r, enum http_method method,
                                            struct str path, struct http_request *req,
                                            enum http__route_result *result, unsigned *allow)
{
    *allow = 0;
    *result = HTTP__ROUTE_NOT_FOUND;
    if (!r || path.len == 0 || path.ptr[0] != '/')
        return NULL;
    bool path_seen = false;
    struct str params[HTTP_MAX_PARAMS];
    for (size_t i = 0; i < r->n; i++) {
        const struct route *rt = &r->routes[i];
        size_t np = 0;
        if (!path_match(rt, path, params, &np))
            continue;
        path_seen = true;
        bool ok = rt->method == method || (method == HTTP_M_HEAD && rt->method == HTTP_M_GET);
        if (ok) {
            if (req) {
                req->route_ctx = rt->info.ctx;
                for (size_t k = 0; k < np; k++)
                    req->params[k] = params[k];
                req->n_params = np;
            }
            *result = HTTP__ROUTE_FOUND;
            return &rt->info;
        }
        *allow |= 1u << rt->method;
        if (rt->method == HTTP_M_GET)
            *allow |= 1u << HTTP_M_HEAD;
    }
    *result = path_seen ? HTTP__ROUTE_BAD_METHOD : HTTP__ROUTE_NOT_FOUND;
    return NULL;
}

enum http__route_result http__router_match(const struct http_router *r, enum http_method method,
                                           struct str path, struct http_request *req,
                                           http_handler_fn *handler, unsigned *allow)
{
    enum http__route_result result;
    const struct http__route *rt = http__router_find(r, method, path, req, &result, allow);
    *handler = rt ? rt->handler : NULL;
    return result;
}
