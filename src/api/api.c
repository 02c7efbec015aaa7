/* api.c: the open-data JSON API (see api.h). */
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/buf.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/str.h"
#include "core/utf8.h"
#include "media/document.h"
#include "render/escape.h"
#include "render/i18n.h"
#include "render/markdown.h"
#include "search/search.h"
#include "store/attachments.h"
#include "store/consultations.h"
#include "store/leadership.h"
#include "store/registry.h"
#include "store/search.h"
#include "store/signing.h"

#define API_STORE_RETRY_SECONDS 5

struct api {
    char *db_path, *base_url, *media_dir;
    bool registry_off, vacancies_off, consultations_off;
    pthread_key_t key; /* the loop thread's struct api_thread */
};

struct api_thread {
    struct store *store;
    int64_t retry_at;
};

static const int variant_widths[] = {480, 960, 1600};

static void thread_free(void *p)
{
    struct api_thread *t = p;
    if (t == NULL)
        return;
    store_close(t->store);
    free(t);
}

enum err api_new(const struct api_config *cfg, struct api **out)
{
    struct api *api = calloc(1, sizeof *api);
    if (api == NULL)
        abort();
    api->db_path = str_cstr_dup(cfg->db_path != NULL ? cfg->db_path : "");
    api->base_url = str_cstr_dup(cfg->base_url != NULL ? cfg->base_url : "");
    api->media_dir = str_cstr_dup(cfg->media_dir != NULL ? cfg->media_dir : "media");
    api->registry_off = cfg->registry_off;
    api->vacancies_off = cfg->vacancies_off;
    api->consultations_off = cfg->consultations_off;
    /* strip a trailing slash so URLs join cleanly */
    size_t n = strlen(api->base_url);
    if (n > 0 && api->base_url[n - 1] == '/')
        api->base_url[n - 1] = '\0';
    if (pthread_key_create(&api->key, thread_free) != 0) {
        api_free(api);
        return ERR_IO;
    }
    *out = api;
    return ERR_OK;
}

void api_free(struct api *api)
{
    if (api == NULL)
        return;
    /* the loop threads have ended (their connections closed by the key's destructor);
     * a connection opened on this thread is closed here */
    thread_free(pthread_getspecific(api->key));
    pthread_setspecific(api->key, NULL);
    pthread_key_delete(api->key);
    free(api->db_path);
    free(api->base_url);
    free(api->media_dir);
    free(api);
}

static struct store *thread_store(struct api *api)
{
    struct api_thread *t = pthread_getspecific(api->key);
    if (t == NULL) {
        t = calloc(1, sizeof *t);
        if (t == NULL)
            abort();
        pthread_setspecific(api->key, t);
    }
    if (t->store != NULL)
        return t->store;
    int64_t now = utc_now();
    if (now < t->retry_at)
        return NULL;
    enum err e = store_open(api->db_path, STORE_READ, &t->store);
    if (e != ERR_OK) {
        t->store = NULL;
        t->retry_at = now + API_STORE_RETRY_SECONDS;
        log_error("api: database open failed: %s: %s", err_str(e), api->db_path);
    }
    return t->store;
}

/* ---- JSON building ---------------------------------------------------------------- */

static json_t *jstr(struct str s)
{
    json_t *j = json_stringn(s.ptr != NULL ? s.ptr : "", s.len);
    return j != NULL ? j : json_string("");
}

/* jbuf: the JSON string of a scratch buffer's text, freeing the buffer; NULL when the
 * buffer failed (a part that cannot be built fails the whole answer, see put). */
static json_t *jbuf(struct buf *b)
{
    json_t *j = buf_error(b) == ERR_OK ? jstr(buf_str(b)) : NULL;
    buf_free(b);
    return j;
}

/* put sets o[k] = v (taking v); false when v is NULL (a part failed) or jansson fails. */
static bool put(json_t *o, const char *k, json_t *v)
{
    return json_object_set_new(o, k, v) == 0;
}

/* push appends v to the array list (taking v); false as for put. */
static bool push(json_t *list, json_t *v)
{
    return json_array_append_new(list, v) == 0;
}

static json_t *jprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *jprintf(const char *fmt, ...)
{
    struct buf b;
    va_list ap;
    buf_init(&b, 64 * 1024);
    va_start(ap, fmt);
    buf_vappendf(&b, fmt, ap);
    va_end(ap);
    return jbuf(&b);
}

static json_t *jtime(int64_t utc)
{
    struct buf b;
    buf_init(&b, 64);
    buf_set_error(&b, i18n_format_iso(utc, &b));
    return jbuf(&b);
}

/* jurl_path: base_url + prefix + the percent-encoded slug. */
static json_t *jurl_path(const char *base_url, const char *prefix, struct str slug)
{
    struct buf b;
    buf_init(&b, 4096);
    buf_appendf(&b, "%s%s", base_url, prefix);
    buf_set_error(&b, escape_url_component(&b, slug));
    return jbuf(&b);
}

void *api_ref_json(const char *base_url, const struct store_ref *r, const char *prefix,
                   bool with_count)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "slug", jstr(r->slug));
    json_object_set_new(o, "name", jstr(r->name));
    if (!put(o, "url", jurl_path(base_url, prefix, r->slug))) {
        json_decref(o);
        return NULL;
    }
    if (with_count)
        json_object_set_new(o, "count", json_integer(r->count));
    return o;
}

static json_t *photo_json(const char *base_url, const struct store_photo *ph)
{
    json_t *o = json_object();
    bool ok = true;
    json_object_set_new(o, "caption", jstr(ph->caption));
    json_object_set_new(o, "alt", jstr(ph->alt));
    json_object_set_new(o, "width", json_integer(ph->width));
    json_object_set_new(o, "height", json_integer(ph->height));
    ok = put(o, "url", jprintf("%s/media/%.*s.jpg", base_url, STR_FMT(ph->hash))) && ok;
    json_t *variants = json_array();
    for (size_t i = 0; i < sizeof variant_widths / sizeof variant_widths[0]; i++) {
        int w = variant_widths[i];
        if (ph->width > 0 && w >= ph->width)
            continue;
        json_t *v = json_object();
        json_object_set_new(v, "width", json_integer(w));
        json_object_set_new(v, "height",
                            json_integer(ph->width > 0 ? (int64_t)ph->height * w / ph->width : 0));
        ok = put(v, "jpeg", jprintf("%s/media/%.*s-%d.jpg", base_url, STR_FMT(ph->hash), w)) && ok;
        ok = put(v, "webp", jprintf("%s/media/%.*s-%d.webp", base_url, STR_FMT(ph->hash), w)) && ok;
        json_array_append_new(variants, v);
    }
    json_object_set_new(o, "variants", variants);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void *api_article_json(const char *base_url, const struct store_article *art, bool full)
{
    json_t *o = json_object();
    bool ok = true; /* false once a part failed (NULL from a builder): then no object */
    json_object_set_new(o, "id", json_integer(art->id));
    json_object_set_new(o, "slug", jstr(art->slug));
    ok = put(o, "url", jurl_path(base_url, "/news/", art->slug)) && ok;
    json_object_set_new(o, "title", jstr(art->title));
    json_object_set_new(o, "lead", jstr(art->lead));
    ok = put(o, "published_at", jtime(art->published_at)) && ok;
    ok = put(o, "updated_at",
             jtime(art->updated_at > art->published_at ? art->updated_at : art->published_at)) &&
         ok;
    json_t *d = json_array(), *t = json_array(), *g = json_array();
    for (size_t i = 0; i < art->n_departments; i++)
        ok = push(d, api_ref_json(base_url, &art->departments[i], "/departments/", false)) && ok;
    for (size_t i = 0; i < art->n_tags; i++)
        ok = push(t, api_ref_json(base_url, &art->tags[i], "/tags/", false)) && ok;
    for (size_t i = 0; i < art->n_photos; i++)
        ok = push(g, photo_json(base_url, &art->photos[i])) && ok;
    json_object_set_new(o, "departments", d);
    json_object_set_new(o, "tags", t);
    json_object_set_new(o, "gallery", g);
    if (full) {
        json_object_set_new(o, "body_markdown", jstr(art->body_md));
        struct buf html;
        buf_init(&html, 4 * MARKDOWN_MAX_INPUT_BYTES);
        buf_set_error(&html, markdown_to_html(art->body_md, &html));
        ok = put(o, "body_html", jbuf(&html)) && ok;
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- responses ---------------------------------------------------------------------- */

static void cors(struct http_request *req, struct http_response *res)
{
    http_response_header(res, req, "Access-Control-Allow-Origin", STR_LIT("*"));
    http_response_header(res, req, "Access-Control-Expose-Headers", STR_LIT("ETag"));
}

/* send_json serialises doc (taking ownership) as the response body. */
static void send_json(struct http_request *req, struct http_response *res, int status, json_t *doc,
                      bool cacheable)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    buf_reset(&res->body);
    if (text == NULL || buf_append_cstr(&res->body, text) != ERR_OK ||
        buf_append_char(&res->body, '\n') != ERR_OK) {
        free(text);
        buf_reset(&res->body);
        buf_append_cstr(&res->body, "{\"error\":{\"message\":\"response too large\"}}\n");
        status = 500;
        cacheable = false;
    } else {
        free(text);
    }
    res->status = status;
    http_response_header(res, req, "Content-Type", STR_LIT("application/json; charset=utf-8"));
    cors(req, res);
    res->cacheable = cacheable && status == 200;
    if (!res->cacheable)
        res->n_cache_keys = 0;
}

/* client_text makes a JSON string of text that may hold what the client sent: bytes
 * that are not UTF-8 become '?', since jansson refuses such strings outright. */
static json_t *client_text(struct arena *a, const char *text)
{
    json_t *j = json_string(text);
    if (j != NULL)
        return j;
    size_t n = strlen(text);
    char *clean = arena_strndup(a, text, n);
    size_t i = 0;
    while (i < n) {
        size_t at = i;
        if (utf8_decode(clean, n, &i) < 0) {
            clean[at] = '?';
            i = at + 1;
        }
    }
    j = json_string(clean);
    return j != NULL ? j : json_string("?");
}

static void send_error(struct http_request *req, struct http_response *res, int status,
                       const char *parameter, const char *message)
{
    json_t *err = json_object();
    if (parameter != NULL)
        json_object_set_new(err, "parameter", client_text(req->arena, parameter));
    json_object_set_new(err, "message", client_text(req->arena, message));
    json_t *doc = json_object();
    json_object_set_new(doc, "error", err);
    send_json(req, res, status, doc, false);
}

static void key(struct http_request *req, struct http_response *res, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void key(struct http_request *req, struct http_response *res, const char *fmt, ...)
{
    char tmp[96];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n <= 0 || (size_t)n >= sizeof tmp)
        return;
    struct str k = str_make(tmp, (size_t)n);
    for (size_t i = 0; i < res->n_cache_keys; i++)
        if (str_eq(res->cache_keys[i], k))
            return;
    http_response_cache_key(res, req, k);
}

/* begin finds the API and this thread's database; false when it has answered. */
static bool begin(struct http_request *req, struct http_response *res, struct api **api,
                  struct store **st)
{
    *api = req->route_ctx;
    *st = *api != NULL ? thread_store(*api) : NULL;
    if (*st == NULL) {
        send_error(req, res, 503, NULL, "the database is not available, try again later");
        return false;
    }
    return true;
}

static void store_failed(struct http_request *req, struct http_response *res, struct store *st,
                         enum err e, const char *what)
{
    if (e == ERR_BUSY) {
        send_error(req, res, 503, NULL, "the database is busy, try again later");
        return;
    }
    log_msg(LOG_ERROR, req->id, "api: %s failed: %s: %s", what, err_str(e), store_errmsg(st));
    send_error(req, res, 500, NULL, "internal error");
}

/* ---- parameters --------------------------------------------------------------------- */

static const char *const list_params[] = {"tag", "department", "from",  "to",
                                          "q",   "cursor",     "limit", NULL};

/* unknown_param names the first query parameter not in allowed (NULL when none). */
static const char *unknown_param(struct http_request *req, const char *const *allowed,
                                 struct str *name_out)
{
    struct str rest = req->query, piece;
    while (str_split_next(&rest, '&', &piece)) {
        if (piece.len == 0)
            continue;
        size_t eq = str_find_char(piece, '=');
        struct str raw = eq == SIZE_MAX ? piece : str_sub(piece, 0, eq), name;
        if (http_url_decode(req->arena, raw, true, &name) != ERR_OK)
            name = raw;
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL && !ok; i++)
            ok = str_eq_cstr(name, allowed[i]);
        if (!ok) {
            *name_out = name;
            return "unknown parameter";
        }
    }
    return NULL;
}

/* parse_time: YYYY-MM-DD (start of that day in Kyiv) or YYYY-MM-DDTHH:MM[:SS] (Kyiv). */
static bool parse_time(struct str v, int64_t *utc, bool *date_only)
{
    *date_only = false;
    if (v.len == 10) {
        *date_only = true;
        return kyiv_parse_day(v, utc);
    }
    return v.len <= 19 && kyiv_parse(v, utc);
}

/* find_ref: by slug, else by name with case and apostrophes folded. */
static const struct store_ref *find_ref(const struct store_ref *r, size_t n, struct str v)
{
    for (size_t i = 0; i < n; i++)
        if (str_eq(r[i].slug, v))
            return &r[i];
    struct buf a, b;
    buf_init(&a, STORE_MAX_NAME_BYTES * 2 + 8);
    buf_init(&b, STORE_MAX_NAME_BYTES * 2 + 8);
    const struct store_ref *found = NULL;
    if (search_word_fold(&a, str_trim(v)) == ERR_OK) {
        for (size_t i = 0; i < n && found == NULL; i++) {
            buf_reset(&b);
            if (search_word_fold(&b, r[i].name) == ERR_OK && str_eq(buf_str(&a), buf_str(&b)))
                found = &r[i];
        }
    }
    buf_free(&a);
    buf_free(&b);
    return found;
}

/* ---- handlers ------------------------------------------------------------------------ */

/* A list request of /api/v1/articles, read from its query. */
struct list_request {
    struct store_list_query lq;
    struct str q;          /* a search when not empty */
    int64_t limit, offset; /* offset: of a search's cursor */
};

/* read_times reads from and to (a date "to" includes that whole day); false when it
 * answered 400. */
static bool read_times(struct http_request *req, struct http_response *res, struct list_request *lr)
{
    struct arena *a = req->arena;
    struct str v;
    bool bad = false;
    const char *const time_params[2] = {"from", "to"};
    for (int i = 0; i < 2; i++) {
        int64_t t;
        bool date_only;
        if (!http_form_get(a, req->query, time_params[i], &v, &bad)) {
            if (bad) {
                send_error(req, res, 400, time_params[i], "not valid UTF-8 or a bad %-escape");
                return false;
            }
            continue;
        }
        if (!parse_time(v, &t, &date_only)) {
            send_error(req, res, 400, time_params[i],
                       "expected a date YYYY-MM-DD or a Kyiv time YYYY-MM-DDTHH:MM[:SS]");
            return false;
        }
        if (i == 0) {
            lr->lq.from = t;
        } else {
            /* a date "to" includes that whole day */
            if (date_only) {
                struct kyiv_tm next = kyiv_from_utc(t + 30 * 3600);
                t = kyiv_to_utc(next.year, next.month, next.day, 0, 0, 0);
            } else {
                t += 1;
            }
            lr->lq.until = t;
        }
    }
    return true;
}

/* read_refs reads tag and department (slug or name) and names them as the answer's
 * cache keys; false when it answered. */
static bool read_refs(struct http_request *req, struct http_response *res, struct store *st,
                      struct list_request *lr)
{
    struct arena *a = req->arena;
    struct str v;
    bool bad = false;
    const char *const ref_params[2] = {"tag", "department"};
    for (int i = 0; i < 2; i++) {
        if (!http_form_get(a, req->query, ref_params[i], &v, &bad)) {
            if (bad) {
                send_error(req, res, 400, ref_params[i], "not valid UTF-8 or a bad %-escape");
                return false;
            }
            continue;
        }
        struct store_ref *refs;
        size_t n;
        enum err e = i == 0 ? store_tags_published(st, a, &refs, &n)
                            : store_depts_published(st, a, &refs, &n);
        if (e != ERR_OK) {
            store_failed(req, res, st, e, "refs");
            return false;
        }
        const struct store_ref *r = find_ref(refs, n, v);
        if (r == NULL) {
            send_error(req, res, 400, ref_params[i],
                       i == 0 ? "no such tag (give its slug or name; see /api/v1/tags)"
                              : "no such department (give its slug or name; see "
                                "/api/v1/departments)");
            return false;
        }
        if (i == 0)
            lr->lq.tag_id = r->id;
        else
            lr->lq.dept_id = r->id;
        key(req, res, "%s:%lld", i == 0 ? "tag" : "dept", (long long)r->id);
    }
    return true;
}

/* read_cursor reads cursor: "<published_at>.<id>" for lists, "s<offset>" for searches;
 * false when it answered 400. */
static bool read_cursor(struct http_request *req, struct http_response *res,
                        struct list_request *lr)
{
    struct str v;
    bool bad = false;
    if (http_form_get(req->arena, req->query, "cursor", &v, &bad) && v.len > 0) {
        bool ok;
        if (lr->q.len > 0) {
            ok = v.ptr[0] == 's' && str_to_i64(str_sub(v, 1, v.len - 1), &lr->offset) &&
                 lr->offset >= 0 && lr->offset <= STORE_MAX_SEARCH_OFFSET;
        } else {
            size_t dot = str_find_char(v, '.');
            ok = dot != SIZE_MAX && str_to_i64(str_sub(v, 0, dot), &lr->lq.after.published_at) &&
                 str_to_i64(str_sub(v, dot + 1, v.len - dot - 1), &lr->lq.after.id) &&
                 lr->lq.after.published_at >= 0 && lr->lq.after.id > 0;
        }
        if (!ok) {
            send_error(req, res, 400, "cursor",
                       "not a cursor this API gave (use next_cursor of the previous page "
                       "with the same parameters)");
            return false;
        }
    } else if (bad) {
        send_error(req, res, 400, "cursor", "not valid UTF-8 or a bad %-escape");
        return false;
    }
    return true;
}

/* list_ids finds the ids of the page lr asks for (a search or a list) and the cursor of
 * the next page (JSON null on the last). */
static enum err list_ids(struct store *st, struct arena *a, struct list_request *lr,
                         int64_t **ids_out, size_t *n_out, json_t **next_out)
{
    int64_t limit = lr->limit, offset = lr->offset;
    int64_t *ids = arena_alloc_array(a, (size_t)limit, sizeof *ids);
    size_t n_ids = 0;
    bool more = false;
    json_t *next = json_null();
    enum err e;
    if (lr->q.len > 0) {
        struct store_search_query sq = {.text = lr->q,
                                        .tag_id = lr->lq.tag_id,
                                        .dept_id = lr->lq.dept_id,
                                        .from = lr->lq.from,
                                        .until = lr->lq.until,
                                        .offset = (size_t)offset,
                                        .limit = (size_t)limit};
        struct store_search_hit *hits;
        e = store_search(st, a, &sq, &hits, &n_ids, &more, NULL);
        for (size_t i = 0; e == ERR_OK && i < n_ids; i++)
            ids[i] = hits[i].summary.id;
        if (e == ERR_OK && more && offset + limit <= STORE_MAX_SEARCH_OFFSET) {
            next = jprintf("s%lld", (long long)(offset + limit));
            if (next == NULL)
                e = ERR_NOMEM; /* its buffer failed: no list without its cursor */
        }
    } else {
        struct store_summary *items;
        lr->lq.limit = (size_t)limit;
        e = store_article_list(st, a, &lr->lq, &items, &n_ids, &more);
        for (size_t i = 0; e == ERR_OK && i < n_ids; i++)
            ids[i] = items[i].id;
        if (e == ERR_OK && more && n_ids > 0) {
            next = jprintf("%lld.%lld", (long long)items[n_ids - 1].published_at,
                           (long long)items[n_ids - 1].id);
            if (next == NULL)
                e = ERR_NOMEM; /* its buffer failed: no list without its cursor */
        }
    }
    *ids_out = ids;
    *n_out = n_ids;
    *next_out = next;
    return e;
}

static void h_articles(struct http_request *req, struct http_response *res)
{
    struct api *api;
    struct store *st;
    if (!begin(req, res, &api, &st))
        return;
    struct arena *a = req->arena;
    struct str bad_name;
    if (unknown_param(req, list_params, &bad_name) != NULL) {
        char *msg = arena_printf(a,
                                 "unknown parameter %.*s; known: tag, department, from, to, "
                                 "q, cursor, limit",
                                 STR_FMT(bad_name));
        send_error(req, res, 400, arena_strndup(a, bad_name.ptr, bad_name.len), msg);
        return;
    }
    struct str v;
    bool bad = false;
    struct list_request lr = {.limit = API_DEFAULT_LIMIT};
    if (http_form_get(a, req->query, "limit", &v, &bad) &&
        (!str_to_i64(v, &lr.limit) || lr.limit < 1 || lr.limit > API_MAX_LIMIT)) {
        send_error(req, res, 400, "limit", "limit must be a whole number from 1 to 100");
        return;
    }
    if (bad) {
        send_error(req, res, 400, "limit", "not valid UTF-8 or a bad %-escape");
        return;
    }
    if (!read_times(req, res, &lr) || !read_refs(req, res, st, &lr))
        return;
    if (http_form_get(a, req->query, "q", &v, &bad))
        lr.q = str_trim(v);
    else if (bad) {
        send_error(req, res, 400, "q", "not valid UTF-8 or a bad %-escape");
        return;
    }
    if (lr.q.len > SEARCH_MAX_QUERY_BYTES) {
        send_error(req, res, 400, "q", "the query is too long (at most 512 bytes)");
        return;
    }
    if (!read_cursor(req, res, &lr))
        return;

    int64_t *ids;
    size_t n_ids;
    json_t *next;
    enum err e = list_ids(st, a, &lr, &ids, &n_ids, &next);
    if (e != ERR_OK) {
        json_decref(next);
        store_failed(req, res, st, e, "article list");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n_ids; i++) {
        struct store_article art;
        e = store_article_by_id(st, a, ids[i], &art);
        if (e == ERR_NOTFOUND)
            continue;
        if (e != ERR_OK) {
            json_decref(list);
            json_decref(next);
            store_failed(req, res, st, e, "article");
            return;
        }
        if (!push(list, api_article_json(api->base_url, &art, false))) {
            json_decref(list);
            json_decref(next);
            send_error(req, res, 500, NULL, "internal error");
            return;
        }
        key(req, res, "article:%lld", (long long)art.id);
    }
    key(req, res, "list:news");
    json_t *doc = json_object();
    json_object_set_new(doc, "items", list);
    json_object_set_new(doc, "next_cursor", next);
    send_json(req, res, 200, doc, true);
}

/* no_params: true when the request has no query parameters; otherwise the 400 naming
 * the first one is sent and false returned (endpoints that take none). */
static bool no_params(struct http_request *req, struct http_response *res)
{
    static const char *const none[] = {NULL};
    struct str bad_name;
    if (unknown_param(req, none, &bad_name) == NULL)
        return true;
    send_error(req, res, 400, arena_strndup(req->arena, bad_name.ptr, bad_name.len),
               "this endpoint takes no parameters");
    return false;
}

static void h_article(struct http_request *req, struct http_response *res)
{
    struct api *api;
    struct store *st;
    if (!begin(req, res, &api, &st))
        return;
    if (!no_params(req, res))
        return;
    struct str idv = req->n_params > 0 ? req->params[0] : STR_NULL;
    struct store_article art;
    int64_t id;
    enum err e;
    if (idv.len == 0 || idv.len > STORE_MAX_SLUG_BYTES)
        e = ERR_NOTFOUND;
    else if (str_to_i64(idv, &id))
        e = id > 0 ? store_article_by_id(st, req->arena, id, &art) : ERR_NOTFOUND;
    else
        e = store_article_by_slug(st, req->arena, idv, &art);
    if (e == ERR_NOTFOUND) {
        send_error(req, res, 404, NULL, "no such article");
        return;
    }
    if (e != ERR_OK) {
        store_failed(req, res, st, e, "article");
        return;
    }
    key(req, res, "article:%lld", (long long)art.id);
    json_t *doc = api_article_json(api->base_url, &art, true);
    if (doc == NULL) {
        send_error(req, res, 500, NULL, "internal error");
        return;
    }
    /* the signed revision (docs/OPERATIONS.md, "Verifying a site") */
    struct store_signature sig;
    if (store_signature_latest(st, req->arena, "article", art.id, &sig) == ERR_OK) {
        json_t *sg = json_object();
        json_object_set_new(sg, "alg", json_string("Ed25519"));
        json_object_set_new(sg, "key_id", jstr(sig.key_id));
        json_object_set_new(sg, "revision", json_integer(sig.revision));
        json_object_set_new(sg, "signature", jstr(sig.signature));
        json_object_set_new(sg, "canonical", jstr(sig.canonical));
        json_t *page = jurl_path(api->base_url, "/news/", art.slug);
        const char *page_url = json_string_value(page);
        json_object_set_new(sg, "manifest",
                            jprintf("%s/signature.json", page_url != NULL ? page_url : ""));
        json_decref(page);
        json_object_set_new(doc, "signature", sg);
    }
    struct store_attachment *docs;
    size_t n_docs;
    e = store_attachments_of(st, req->arena, art.id, &docs, &n_docs);
    if (e != ERR_OK) {
        json_decref(doc);
        store_failed(req, res, st, e, "documents");
        return;
    }
    json_t *dl = json_array();
    for (size_t i = 0; i < n_docs; i++) {
        json_t *o = json_object();
        struct str name = media_doc_url_name(req->arena, docs[i].title);
        if (!put(o, "url",
                 jprintf("%s/documents/%.*s/%.*s", api->base_url, STR_FMT(docs[i].hash),
                         STR_FMT(name)))) {
            json_decref(o);
            json_decref(dl);
            json_decref(doc);
            send_error(req, res, 500, NULL, "internal error");
            return;
        }
        json_object_set_new(o, "title", jstr(docs[i].title));
        json_object_set_new(o, "type", jstr(docs[i].mime));
        json_object_set_new(o, "bytes", json_integer(docs[i].bytes));
        if (docs[i].pages > 0)
            json_object_set_new(o, "pages", json_integer(docs[i].pages));
        json_array_append_new(dl, o);
    }
    json_object_set_new(doc, "documents", dl);
    send_json(req, res, 200, doc, true);
}

/* dept_details_json adds the department's head, functions and contacts to o as
 * "details" (empty strings where not filled in). */
static enum err dept_details_json(struct http_request *req, struct store *st, int64_t id, json_t *o)
{
    static const char *const names[STORE_DEPT_N_FIELDS] = {
        [STORE_DEPT_HEAD_NAME] = "head_name",
        [STORE_DEPT_HEAD_POSITION] = "head_position",
        [STORE_DEPT_FUNCTIONS_MD] = "functions_markdown",
        [STORE_DEPT_ADDRESS] = "address",
        [STORE_DEPT_PHONE] = "phone",
        [STORE_DEPT_EMAIL] = "email",
        [STORE_DEPT_HOURS] = "reception_hours",
    };
    struct store_ref ref;
    struct store_dept_details d;
    enum err e = store_dept_details_get(st, req->arena, id, &ref, &d);
    if (e != ERR_OK)
        return e;
    json_t *details = json_object();
    for (int f = 0; f < STORE_DEPT_N_FIELDS; f++)
        json_object_set_new(details, names[f], jstr(d.field[f]));
    json_object_set_new(o, "details", details);
    return ERR_OK;
}

static void refs(struct http_request *req, struct http_response *res, bool is_tag)
{
    struct api *api;
    struct store *st;
    if (!begin(req, res, &api, &st))
        return;
    if (!no_params(req, res))
        return;
    struct store_ref *items;
    size_t n;
    enum err e = is_tag ? store_tags_published(st, req->arena, &items, &n)
                        : store_depts_published(st, req->arena, &items, &n);
    if (e != ERR_OK) {
        store_failed(req, res, st, e, "refs");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o =
            api_ref_json(api->base_url, &items[i], is_tag ? "/tags/" : "/departments/", true);
        if (o != NULL && !is_tag) {
            /* what the department's page shows above its news; a dozen departments, one
             * short row each */
            e = dept_details_json(req, st, items[i].id, o);
            if (e != ERR_OK) {
                json_decref(o);
                json_decref(list);
                store_failed(req, res, st, e, "department details");
                return;
            }
            key(req, res, "dept:%lld", (long long)items[i].id);
        }
        if (!push(list, o)) {
            json_decref(list);
            send_error(req, res, 500, NULL, "internal error");
            return;
        }
    }
    key(req, res, "list:news");
    json_t *doc = json_object();
    json_object_set_new(doc, "items", list);
    send_json(req, res, 200, doc, true);
}

static void h_tags(struct http_request *req, struct http_response *res)
{
    refs(req, res, true);
}

static void h_departments(struct http_request *req, struct http_response *res)
{
    refs(req, res, false);
}

/* ---- the documents registry and vacancies (issue 13) ------------------------------- */

/* reg_date: "YYYY-MM-DD" of a Kyiv day's start (a document's date has no time). */
static json_t *reg_date(int64_t utc)
{
    if (utc == 0)
        return json_null();
    struct kyiv_tm k = kyiv_from_utc(utc);
    return jprintf("%04d-%02d-%02d", k.year, k.month, k.day);
}

/* reg_doc_json: a document as the API gives it; a restricted one without title, text
 * or PDF. full adds the text and the links to the documents that change it. */
static json_t *reg_doc_json(struct api *api, const struct store_reg_doc *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(d->id));
    json_object_set_new(o, "url", jprintf("%s/registry/%lld", api->base_url, (long long)d->id));
    json_object_set_new(o, "type", json_string(store_reg_kind_name(d->kind)));
    json_object_set_new(o, "number", jstr(d->number));
    json_object_set_new(o, "date", reg_date(d->doc_date));
    json_object_set_new(o, "status", json_string(store_reg_status_name(d->status)));
    json_object_set_new(o, "restricted", json_boolean(d->restricted));
    json_object_set_new(o, "updated", jtime(d->updated_at));
    if (!d->restricted) {
        json_object_set_new(o, "title", jstr(d->title));
        if (d->pdf_hash.len > 0) {
            json_object_set_new(
                o, "original_pdf",
                jprintf("%s/registry/%lld/original.pdf", api->base_url, (long long)d->id));
            json_object_set_new(o, "original_bytes", json_integer(d->pdf_bytes));
        }
    }
    if (d->amends_id != 0 && d->kind != STORE_REG_DRAFT) {
        json_object_set_new(o, d->link == STORE_REG_LINK_REPEALS ? "repeals" : "amends",
                            json_integer(d->amends_id));
    }
    if (d->kind == STORE_REG_DRAFT) {
        json_object_set_new(o, "discussion_from", reg_date(d->discussion_from));
        json_object_set_new(o, "discussion_until", reg_date(d->discussion_until));
        json_object_set_new(o, "adopted_on", reg_date(d->adopted_on));
    }
    return o;
}

/* section_off answers 404 for an endpoint whose section the operator switched off, as
 * the site does for its pages; true when it has answered. */
static bool section_off(struct http_request *req, struct http_response *res, bool off)
{
    if (off)
        send_error(req, res, 404, NULL, "this section is switched off on this site");
    return off;
}

static void h_registry(struct http_request *req, struct http_response *res)
{
    struct api *api;
    struct store *st;
    if (!begin(req, res, &api, &st) || section_off(req, res, api->registry_off))
        return;
    static const char *const allowed[] = {"type", "year", "status", "q", "page", NULL};
    struct str bad_name, v;
    if (unknown_param(req, allowed, &bad_name) != NULL) {
        send_error(req, res, 400, arena_strndup(req->arena, bad_name.ptr, bad_name.len),
                   "unknown parameter");
        return;
    }
    struct store_reg_query q = {.kind = -1, .status = -1, .limit = 50};
    bool bad = false;
    int64_t n64 = 0;
    if (http_form_get(req->arena, req->query, "type", &v, &bad) &&
        (q.kind = store_reg_kind_parse(v)) < 0) {
        send_error(req, res, 400, "type", "one of order, decree, decision, draft, regulatory");
        return;
    }
    if (http_form_get(req->arena, req->query, "status", &v, &bad) &&
        ((q.status = store_reg_status_parse(v)) < 0)) {
        send_error(req, res, 400, "status", "one of in_force, amended, repealed, draft");
        return;
    }
    if (http_form_get(req->arena, req->query, "year", &v, &bad)) {
        if (!str_to_i64(v, &n64) || n64 < 1991 || n64 > 2100) {
            send_error(req, res, 400, "year", "a year between 1991 and 2100");
            return;
        }
        q.year = (int)n64;
    }
    int64_t page = 1;
    if (http_form_get(req->arena, req->query, "page", &v, &bad) &&
        (!str_to_i64(v, &page) || page < 1 || page > 10000)) {
        send_error(req, res, 400, "page", "a page number from 1 to 10000");
        return;
    }
    if (http_form_get(req->arena, req->query, "q", &v, &bad)) {
        if (v.len > 200) {
            send_error(req, res, 400, "q", "at most 200 bytes");
            return;
        }
        q.text = v;
    }
    if (bad) {
        send_error(req, res, 400, NULL, "a parameter is not valid UTF-8 or percent-encoding");
        return;
    }
    q.offset = (size_t)(page - 1) * q.limit;
    struct store_reg_doc *items;
    size_t n;
    int64_t total;
    enum err e = store_reg_list(st, req->arena, &q, &items, &n, &total);
    if (e != ERR_OK) {
        store_failed(req, res, st, e, "registry");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, reg_doc_json(api, &items[i]));
    key(req, res, "list:registry");
    json_t *doc = json_object();
    json_object_set_new(doc, "items", list);
    json_object_set_new(doc, "total", json_integer(total));
    json_object_set_new(doc, "page", json_integer(page));
    send_json(req, res, 200, doc, true);
}

static void h_registry_doc(struct http_request *req, struct http_response *res)
{
    struct api *api;
    struct store *st;
    if (!begin(req, res, &api, &st) || section_off(req, res, api->registry_off))
        return;
    if (!no_params(req, res))
        return;
    int64_t id = 0;
    struct store_reg_doc d, *by;
    size_t n_by;
    enum err e = req->n_params > 0 && str_to_i64(req->params[0], &id) && id > 0
                     ? store_reg_get(st, req->arena, id, &d)
                     : ERR_NOTFOUND;
    if (e == ERR_OK)
        e = store_reg_amended_by(st, req->arena, id, &by, &n_by);
    if (e == ERR_NOTFOUND) {
        send_error(req, res, 404, NULL, "no such document");
        return;
    }
    if (e != ERR_OK) {
        store_failed(req, res, st, e, "registry document");
        return;
    }
    json_t *o = reg_doc_json(api, &d);
    if (!d.restricted)
        json_object_set_new(o, "text_markdown", jstr(d.body_md));
    json_t *changed = json_array();
    for (size_t i = 0; i < n_by; i++) {
        json_t *c = json_object();
        json_object_set_new(c, "id", json_integer(by[i].id));
        json_object_set_new(
            c, "how", json_string(by[i].link == STORE_REG_LINK_REPEALS ? "repeals" : "amends"));
        json_array_append_new(changed, c);
        key(req, res, "registry:%lld", (long long)by[i].id);
    }
    json_object_set_new(o, "changed_by", changed);
    key(req, res, "registry:%lld", (long long)id);
    send_json(req, res, 200, o, true);
}

static void h_vacancies(struct http_request *req, struct http_response *res)
{
    struct api *api;
    struct store *st;
    if (!begin(req, res, &api, &st) || section_off(req, res, api->vacancies_off))
        return;
    if (!no_params(req, res))
        return;
    struct store_vacancy *v;
    size_t n;
    enum err e =
        store_vac_list(st, req->arena, STORE_VAC_OPEN, utc_now(), STORE_VAC_MAX_LIMIT, &v, &n);
    if (e != ERR_OK) {
        store_failed(req, res, st, e, "vacancies");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(v[i].id));
        json_object_set_new(o, "url",
                            jprintf("%s/vacancies/%lld", api->base_url, (long long)v[i].id));
        json_object_set_new(o, "title", jstr(v[i].title));
        json_object_set_new(o, "unit", jstr(v[i].unit));
        json_object_set_new(o, "requirements_markdown", jstr(v[i].requirements_md));
        json_object_set_new(o, "apply_markdown", jstr(v[i].apply_md));
        json_object_set_new(o, "deadline", jtime(v[i].deadline));
        json_array_append_new(list, o);
    }
    /* the scheduler drops this key when a deadline passes */
    key(req, res, "list:vacancies");
    json_t *doc = json_object();
    json_object_set_new(doc, "items", list);
    send_json(req, res, 200, doc, true);
}

/* ---- public consultations and the leadership (issue 13) ---------------------------- */

#define API_CONSULT_PAGE 50

static const char *const consult_states[] = {"announced", "open", "finished"};

/* consult_json: a consultation as the list gives it; its status is at now (the
 * scheduler drops the keys when one opens or closes, so a cached answer stays true). */
static json_t *consult_json(struct api *api, const struct store_consultation *c, int64_t now)
{
    json_t *o = json_object();
    bool ok = true;
    json_object_set_new(o, "id", json_integer(c->id));
    json_object_set_new(o, "title", jstr(c->title));
    json_object_set_new(o, "status", json_string(consult_states[store_consult_state_at(c, now)]));
    ok = put(o, "starts_at", jtime(c->starts_at)) && ok;
    ok = put(o, "ends_at", jtime(c->ends_at)) && ok;
    ok = put(o, "url", jprintf("%s/consultations/%lld", api->base_url, (long long)c->id)) && ok;
    json_object_set_new(o, "draft_id", c->draft_id > 0 ? json_integer(c->draft_id) : json_null());
    json_object_set_new(o, "has_outcome", json_boolean(c->has_outcome));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void h_consultations(struct http_request *req, struct http_response *res)
{
    struct api *api;
    struct store *st;
    if (!begin(req, res, &api, &st) || section_off(req, res, api->consultations_off))
        return;
    static const char *const allowed[] = {"page", NULL};
    struct str bad_name, v;
    if (unknown_param(req, allowed, &bad_name) != NULL) {
        send_error(req, res, 400, arena_strndup(req->arena, bad_name.ptr, bad_name.len),
                   "unknown parameter");
        return;
    }
    int64_t page = 1;
    bool bad = false;
    if (http_form_get(req->arena, req->query, "page", &v, &bad) &&
        (!str_to_i64(v, &page) || page < 1 || page > 10000)) {
        send_error(req, res, 400, "page", "a page number from 1 to 10000");
        return;
    }
    if (bad) {
        send_error(req, res, 400, NULL, "a parameter is not valid UTF-8 or percent-encoding");
        return;
    }
    struct store_consultation *items;
    size_t n;
    int64_t total, now = utc_now();
    enum err e = store_consult_list(st, req->arena, now, (size_t)(page - 1) * API_CONSULT_PAGE,
                                    API_CONSULT_PAGE, &items, &n, &total);
    if (e != ERR_OK) {
        store_failed(req, res, st, e, "consultations");
        return;
    }
    json_t *list = json_array();
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        ok = push(list, consult_json(api, &items[i], now)) && ok;
    if (!ok) {
        json_decref(list);
        send_error(req, res, 500, NULL, "internal error");
        return;
    }
    key(req, res, "list:consultations");
    json_t *doc = json_object();
    json_object_set_new(doc, "items", list);
    json_object_set_new(doc, "total", json_integer(total));
    json_object_set_new(doc, "page", json_integer(page));
    send_json(req, res, 200, doc, true);
}

/* jmarkdown: the HTML of md, JSON null when md is empty; NULL when it failed. */
static json_t *jmarkdown(struct str md)
{
    if (md.len == 0)
        return json_null();
    struct buf html;
    buf_init(&html, 4 * MARKDOWN_MAX_INPUT_BYTES);
    buf_set_error(&html, markdown_to_html(md, &html));
    return jbuf(&html);
}

/* h_consultation: one consultation with its summary and outcome as HTML and the approved
 * comments, each with the commenter's name only when they agreed; the e-mail never. */
static void h_consultation(struct http_request *req, struct http_response *res)
{
    struct api *api;
    struct store *st;
    if (!begin(req, res, &api, &st) || section_off(req, res, api->consultations_off))
        return;
    if (!no_params(req, res))
        return;
    int64_t id = 0;
    struct store_consultation c;
    struct store_consult_comment *comments;
    size_t n = 0;
    enum err e = req->n_params > 0 && str_to_i64(req->params[0], &id) && id > 0
                     ? store_consult_get(st, req->arena, id, &c)
                     : ERR_NOTFOUND;
    if (e == ERR_OK)
        e = store_comment_list(st, req->arena, id, true, &comments, &n);
    if (e == ERR_NOTFOUND) {
        send_error(req, res, 404, NULL, "no such consultation");
        return;
    }
    if (e != ERR_OK) {
        store_failed(req, res, st, e, "consultation");
        return;
    }
    json_t *o = consult_json(api, &c, utc_now());
    bool ok = o != NULL;
    if (ok) {
        ok = put(o, "summary_html", jmarkdown(c.summary_md)) && ok;
        ok = put(o, "outcome_html", jmarkdown(c.outcome_md)) && ok;
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++) {
            const struct store_consult_comment *k = &comments[i];
            json_t *j = json_object();
            json_object_set_new(j, "id", json_integer(k->id));
            json_object_set_new(j, "name", k->show_name ? jstr(k->name) : json_null());
            ok = put(j, "created_at", jtime(k->created_at)) && ok;
            json_object_set_new(j, "body", jstr(k->body));
            json_array_append_new(list, j);
        }
        json_object_set_new(o, "comments", list);
    }
    if (!ok) {
        json_decref(o);
        send_error(req, res, 500, NULL, "internal error");
        return;
    }
    /* the key the page has: a save, a moderated comment, the start and the end drop it */
    key(req, res, "consultation:%lld", (long long)id);
    send_json(req, res, 200, o, true);
}

/* h_leadership: the head and deputies in the editors' order. */
static void h_leadership(struct http_request *req, struct http_response *res)
{
    struct api *api;
    struct store *st;
    if (!begin(req, res, &api, &st))
        return;
    if (!no_params(req, res))
        return;
    struct store_leader *items;
    size_t n;
    enum err e = store_leaders_list(st, req->arena, &items, &n);
    if (e != ERR_OK) {
        store_failed(req, res, st, e, "leadership");
        return;
    }
    json_t *list = json_array();
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        const struct store_leader *l = &items[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(l->id));
        json_object_set_new(o, "name", jstr(l->name));
        json_object_set_new(o, "position", jstr(l->position));
        json_t *areas = json_array();
        struct str rest = l->areas, line;
        while (str_split_next(&rest, '\n', &line)) {
            line = str_trim(line);
            if (line.len > 0)
                json_array_append_new(areas, jstr(line));
        }
        json_object_set_new(o, "areas", areas);
        json_t *depts = json_array();
        for (size_t k = 0; k < l->n_depts; k++) {
            ok = push(depts, api_ref_json(api->base_url, &l->depts[k], "/departments/", false)) &&
                 ok;
            key(req, res, "dept:%lld", (long long)l->depts[k].id);
        }
        json_object_set_new(o, "departments", depts);
        json_object_set_new(o, "phone", jstr(l->phone));
        json_object_set_new(o, "email", jstr(l->email));
        json_object_set_new(o, "hours", jstr(l->hours));
        if (l->photo_hash.len > 0)
            ok = put(o, "photo_url",
                     jprintf("%s/media/%.*s.jpg", api->base_url, STR_FMT(l->photo_hash))) &&
                 ok;
        else
            json_object_set_new(o, "photo_url", json_null());
        json_array_append_new(list, o);
    }
    if (!ok) {
        json_decref(list);
        send_error(req, res, 500, NULL, "internal error");
        return;
    }
    key(req, res, "list:leadership");
    json_t *doc = json_object();
    json_object_set_new(doc, "items", list);
    send_json(req, res, 200, doc, true);
}

static void h_openapi(struct http_request *req, struct http_response *res)
{
    struct str doc = api_openapi_json();
    buf_reset(&res->body);
    buf_append_str(&res->body, doc);
    res->status = 200;
    http_response_header(res, req, "Content-Type", STR_LIT("application/json; charset=utf-8"));
    cors(req, res);
    res->cacheable = true;
}

void api_routes(struct http_router *r, struct api *api)
{
    /* every query parameter reaches the handlers ("*"): they refuse the ones they do not
     * know with 400, and a page with a query is cached as an open-ended variant */
    const struct http_route_opts o = {.ctx = api, .query = "*"};
    http_router_add_opts(r, HTTP_M_GET, "/api/v1/articles", h_articles, &o);
    http_router_add_opts(r, HTTP_M_GET, "/api/v1/articles/:id", h_article, &o);
    http_router_add_opts(r, HTTP_M_GET, "/api/v1/tags", h_tags, &o);
    http_router_add_opts(r, HTTP_M_GET, "/api/v1/departments", h_departments, &o);
    http_router_add_opts(r, HTTP_M_GET, "/api/v1/registry", h_registry, &o);
    http_router_add_opts(r, HTTP_M_GET, "/api/v1/registry/:id", h_registry_doc, &o);
    http_router_add_opts(r, HTTP_M_GET, "/api/v1/vacancies", h_vacancies, &o);
    http_router_add_opts(r, HTTP_M_GET, "/api/v1/consultations", h_consultations, &o);
    http_router_add_opts(r, HTTP_M_GET, "/api/v1/consultations/:id", h_consultation, &o);
    http_router_add_opts(r, HTTP_M_GET, "/api/v1/leadership", h_leadership, &o);
    http_router_add_opts(r, HTTP_M_GET, "/api/v1/openapi.json", h_openapi, &o);
}
