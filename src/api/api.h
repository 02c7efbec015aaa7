/* api.h: the read-only open-data JSON API under /api/v1/ (documented by the OpenAPI 3
 * document served at /api/v1/openapi.json, api_openapi_json()).
 *
 *   GET /api/v1/articles?tag=&department=&from=&to=&q=&cursor=&limit=
 *   GET /api/v1/articles/{id or slug}
 *   GET /api/v1/tags
 *   GET /api/v1/departments
 *   GET /api/v1/registry?type=&year=&status=&q=&page=
 *   GET /api/v1/registry/{id}
 *   GET /api/v1/vacancies
 *   GET /api/v1/consultations?page=
 *   GET /api/v1/consultations/{id}
 *   GET /api/v1/leadership
 *   GET /api/v1/openapi.json
 *
 * JSON only through jansson. Every answer carries Access-Control-Allow-Origin: * (the
 * data is public; GETs without credentials need nothing more); the HTTP layer adds
 * ETag and answers 304. A bad parameter gets 400 with
 * {"error": {"parameter": "limit", "message": "..."}}; an unknown article 404 with
 * {"error": {"message": "..."}}.
 *
 * Each loop thread opens its own read-only database connection on first use (a
 * pthread key closes it when the thread ends), so the API needs nothing from the
 * site's thread context.
 *
 * Wiring (cmd_serve.c):
 *     struct api *api;
 *     api_new(&(struct api_config){.db_path = ..., .base_url = ..., .media_dir = ...}, &api);
 *     api_routes(router, api);
 *     ... after the server stopped: api_free(api); */
#ifndef VISNYK_API_API_H
#define VISNYK_API_API_H

#include <stddef.h>

#include "core/err.h"
#include "core/str.h"
#include "http/http.h"
#include "store/content.h"

#define API_DEFAULT_LIMIT 20
#define API_MAX_LIMIT 100
#define API_MAX_BODY_BYTES (8 * 1024 * 1024)

struct api_config {
    const char *db_path;
    const char *base_url; /* for canonical and image URLs, e.g. https://example.gov.ua */
    const char *media_dir;
    /* Sections the operator switched off (config `registry = off`, `vacancies = off`,
     * `consultations = off`): their endpoints answer 404, as the site's pages do. */
    bool registry_off, vacancies_off, consultations_off;
};

struct api;

/* api_new copies cfg's strings; the caller owns *out (api_free, after the server has
 * stopped). */
ERR_MUST_USE
enum err api_new(const struct api_config *cfg, struct api **out);
void api_free(struct api *api);

/* api_routes adds the API's GET routes to r, with api as their route context. */
void api_routes(struct http_router *r, struct api *api);

/* api_openapi_json: the OpenAPI 3 document (static storage, NUL-terminated). */
struct str api_openapi_json(void);

/* api_article_json builds the JSON object of one article as the API and the export
 * give it (full: with body_markdown and body_html); caller json_decref()s it. NULL when
 * a part of it could not be built (a buffer failed, out of memory, the body's Markdown):
 * the caller then fails rather than give an article with a part missing. The return
 * type is json_t * (void * here so the header needs no jansson). */
void *api_article_json(const char *base_url, const struct store_article *art, bool full);
/* api_ref_json: a tag or department {id, slug, name, url[, count]}; NULL as above. */
void *api_ref_json(const char *base_url, const struct store_ref *r, const char *prefix,
                   bool with_count);

#endif
