/* test_router.c: pattern matching, params, 404 vs 405 and the Allow set. */
#include "check.h"
#include "http/http_internal.h"

static void h_home(struct http_request *req, struct http_response *res)
{
    (void)req;
    (void)res;
}
static void h_news(struct http_request *req, struct http_response *res)
{
    (void)req;
    (void)res;
}
static void h_news_post(struct http_request *req, struct http_response *res)
{
    (void)req;
    (void)res;
}
static void h_slug(struct http_request *req, struct http_response *res)
{
    (void)req;
    (void)res;
}
static void h_static(struct http_request *req, struct http_response *res)
{
    (void)req;
    (void)res;
}
static void h_two(struct http_request *req, struct http_response *res)
{
    (void)req;
    (void)res;
}
static void h_slash(struct http_request *req, struct http_response *res)
{
    (void)req;
    (void)res;
}

int main(void)
{
    struct http_router *r = http_router_new();
    http_router_add(r, HTTP_M_GET, "/", h_home);
    http_router_add(r, HTTP_M_GET, "/news", h_news);
    http_router_add(r, HTTP_M_POST, "/news", h_news_post);
    http_router_add(r, HTTP_M_GET, "/news/:slug", h_slug);
    http_router_add(r, HTTP_M_GET, "/static/*", h_static);
    http_router_add(r, HTTP_M_DELETE, "/a/:x/b/:y", h_two);
    http_router_add(r, HTTP_M_GET, "/dir/", h_slash);

    struct http_request req;
    http_handler_fn h;
    unsigned allow;

    memset(&req, 0, sizeof(req));
    CHECK(http__router_match(r, HTTP_M_GET, STR_LIT("/"), &req, &h, &allow) == HTTP__ROUTE_FOUND);
    CHECK(h == h_home);
    CHECK(http__router_match(r, HTTP_M_HEAD, STR_LIT("/"), &req, &h, &allow) == HTTP__ROUTE_FOUND);
    CHECK(h == h_home);
    CHECK(http__router_match(r, HTTP_M_GET, STR_LIT("/news"), &req, &h, &allow) ==
          HTTP__ROUTE_FOUND);
    CHECK(h == h_news);
    CHECK(http__router_match(r, HTTP_M_POST, STR_LIT("/news"), &req, &h, &allow) ==
          HTTP__ROUTE_FOUND);
    CHECK(h == h_news_post);

    CHECK(http__router_match(r, HTTP_M_GET, STR_LIT("/news/привіт-світ"), &req, &h, &allow) ==
          HTTP__ROUTE_FOUND);
    CHECK(h == h_slug);
    CHECK(req.n_params == 1);
    CHECK_STR(req.params[0], "привіт-світ");

    CHECK(http__router_match(r, HTTP_M_GET, STR_LIT("/news/a/b"), &req, &h, &allow) ==
          HTTP__ROUTE_NOT_FOUND);
    CHECK(http__router_match(r, HTTP_M_GET, STR_LIT("/news/"), &req, &h, &allow) ==
          HTTP__ROUTE_NOT_FOUND);

    CHECK(http__router_match(r, HTTP_M_GET, STR_LIT("/static/css/site.css"), &req, &h, &allow) ==
          HTTP__ROUTE_FOUND);
    CHECK(h == h_static);
    CHECK(req.n_params == 1);
    CHECK_STR(req.params[0], "css/site.css");

    CHECK(http__router_match(r, HTTP_M_DELETE, STR_LIT("/a/1/b/2"), &req, &h, &allow) ==
          HTTP__ROUTE_FOUND);
    CHECK(req.n_params == 2);
    CHECK_STR(req.params[0], "1");
    CHECK_STR(req.params[1], "2");

    CHECK(http__router_match(r, HTTP_M_GET, STR_LIT("/dir/"), &req, &h, &allow) ==
          HTTP__ROUTE_FOUND);
    CHECK(h == h_slash);
    CHECK(http__router_match(r, HTTP_M_GET, STR_LIT("/dir"), &req, &h, &allow) ==
          HTTP__ROUTE_NOT_FOUND);

    /* path known, method not: 405 with Allow */
    CHECK(http__router_match(r, HTTP_M_DELETE, STR_LIT("/news"), &req, &h, &allow) ==
          HTTP__ROUTE_BAD_METHOD);
    CHECK(allow == ((1u << HTTP_M_GET) | (1u << HTTP_M_HEAD) | (1u << HTTP_M_POST)));
    CHECK(http__router_match(r, HTTP_M_OTHER, STR_LIT("/a/1/b/2"), &req, &h, &allow) ==
          HTTP__ROUTE_BAD_METHOD);
    CHECK(allow == (1u << HTTP_M_DELETE));
    CHECK(http__router_match(r, HTTP_M_GET, STR_LIT("/nothing"), &req, &h, &allow) ==
          HTTP__ROUTE_NOT_FOUND);
    CHECK(http__router_match(r, HTTP_M_GET, STR_LIT(""), &req, &h, &allow) ==
          HTTP__ROUTE_NOT_FOUND);
    CHECK(http__router_match(NULL, HTTP_M_GET, STR_LIT("/"), &req, &h, &allow) ==
          HTTP__ROUTE_NOT_FOUND);

    http_router_free(r);
    return check_done();
}
