/* fuzz_api: the JSON API's parameters, end to end. A temporary database (migrated, with
 * a few articles, tags and departments) backs the real API handlers, and each input
 * becomes one in-process GET (http_local_get) on the router api_routes filled:
 * the first byte picks the endpoint and the rest is its query string or, for the
 * article endpoint, its id-or-slug segment (raw, percent-encoded as in a URL).
 *
 *   0: /api/v1/articles?<rest>   1: /api/v1/articles/<rest>   2: /api/v1/tags?<rest>
 *   3: /api/v1/departments?<rest>
 *
 * Checks: the answer is 200, 304, 400 or 404, never 5xx; the body is valid JSON (an
 * object); a 400 names what was wrong in {"error": {"message": ...}}; a list holds at
 * most API_MAX_LIMIT items. */
#include "fuzz_util.h"

#include <jansson.h>
#include <unistd.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/utf8.h"
#include "store/content.h"

static struct http_router *router;
static struct api *api;
static struct arena *arena;
static char dir[] = "/tmp/visnyk-fuzz-api-XXXXXX";
static char db_path[sizeof dir + 16];

static void cleanup(void)
{
    /* the database and its WAL files; the API's connections are closed by then */
    char p[sizeof db_path + 8];
    api_free(api);
    http_router_free(router);
    unlink(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    unlink(p);
    rmdir(dir);
}

static void seed(struct store *s)
{
    static const struct str depts[] = {STR_LIT("Освіта"), STR_LIT("Охорона здоров’я")};
    static const struct str tags[] = {STR_LIT("безпека"), STR_LIT("право"),
                                      STR_LIT("Володимир Василенко")};
    static const struct {
        const char *slug, *title, *lead, *body;
        int64_t at;
    } rows[] = {
        {"na-poltavshchyni-proiekty", "На Полтавщині реалізовуватимуть проєкти", "Коротко",
         "Текст **статті** з [посиланням](https://example.org).", 1722520260},
        {"kanikuly", "Канікули", "", "Школярі йдуть на канікули.", 1722606660},
        {"zaplanovano", "Заплановано", "", "Ще не видно.", 4102444800},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct store_article_input in = {
            .slug = str_from_cstr(rows[i].slug),
            .title = str_from_cstr(rows[i].title),
            .lead = str_from_cstr(rows[i].lead),
            .body_md = str_from_cstr(rows[i].body),
            .published_at = rows[i].at,
            .status = STORE_PUBLISHED,
            .departments = depts,
            .n_departments = i % 2 + 1,
            .tags = tags,
            .n_tags = i + 1,
        };
        int64_t id;
        if (store_article_upsert(s, &in, &id) != ERR_OK) {
            fprintf(stderr, "fuzz_api: seeding: %s\n", store_errmsg(s));
            abort();
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(db_path, sizeof db_path, "%s/api.db", dir);
    struct store *s = NULL;
    int from, to;
    if (store_open(db_path, STORE_WRITE, &s) != ERR_OK || store_migrate(s, &from, &to) != ERR_OK) {
        fprintf(stderr, "fuzz_api: cannot create %s\n", db_path);
        abort();
    }
    seed(s);
    store_close(s);
    struct api_config cfg = {
        .db_path = db_path, .base_url = "https://example.gov.ua", .media_dir = dir};
    if (api_new(&cfg, &api) != ERR_OK)
        abort();
    router = http_router_new();
    api_routes(router, api);
    arena = arena_new(64 * 1024);
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const char *const prefix[] = {"/api/v1/articles?", "/api/v1/articles/", "/api/v1/tags?",
                                         "/api/v1/departments?"};
    const char *pre = prefix[data[0] % 4];
    arena_reset(arena);
    size_t plen = strlen(pre);
    char *target = arena_alloc(arena, plen + size);
    memcpy(target, pre, plen);
    memcpy(target + plen, data + 1, size - 1);
    struct str t = str_make(target, plen + size - 1);

    struct http_response res;
    memset(&res, 0, sizeof res);
    buf_init(&res.body, HTTP_MAX_RESPONSE_BYTES);
    enum err e = http_local_get(router, NULL, t, arena, &res);
    if (e != ERR_OK) {
        FUZZ_CHECK(e == ERR_NOTFOUND || e == ERR_INVALID, "http_local_get: unexpected error", t.ptr,
                   t.len);
        goto out;
    }
    FUZZ_CHECK(res.status == 200 || res.status == 304 || res.status == 400 || res.status == 404,
               "API answered neither 200, 304, 400 nor 404", t.ptr, t.len);
    if (res.status == 304)
        goto out;
    json_error_t jerr;
    json_t *doc = json_loadb(res.body.data, res.body.len, 0, &jerr);
    if (doc == NULL) {
        fprintf(stderr, "body: %.*s\n", (int)(res.body.len > 2000 ? 2000 : res.body.len),
                res.body.data);
        fuzz_fail("API body is not JSON", t.ptr, t.len);
    }
    FUZZ_CHECK(json_is_object(doc) || json_is_array(doc), "API body is not an object", t.ptr,
               t.len);
    if (res.status == 400) {
        json_t *msg = json_object_get(json_object_get(doc, "error"), "message");
        FUZZ_CHECK(json_is_string(msg) && json_string_length(msg) > 0, "400 without error.message",
                   t.ptr, t.len);
    }
    if (res.status == 200 && json_is_object(doc)) {
        json_t *items = json_object_get(doc, "items");
        if (json_is_array(items))
            FUZZ_CHECK(json_array_size(items) <= API_MAX_LIMIT, "more items than API_MAX_LIMIT",
                       t.ptr, t.len);
    }
    json_decref(doc);
out:
    buf_free(&res.body);
    return 0;
}
