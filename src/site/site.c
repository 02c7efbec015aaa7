/* site.c: wiring (site_new, routes, thread hooks, theme swapping) and the helpers every
 * page family shares (layout data, dates, summaries, pictures, pagination). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/str.h"
#include "core/utf8.h"
#include "render/escape.h"
#include "render/markdown.h"
#include "site/site_internal.h"
#include "site/site_search.h"
#include "site/site_settings.h"
#include "site/subscribe.h"
#include "store/translations.h"

#define STORE_RETRY_SECONDS 5

/* route_ctx of the /.../after/:cursor routes: its address marks a path cursor */
char site__cursor_route = 'c';

const char *const site__setting_keys[SITE_N_SETTINGS] = {
    [SITE_SET_NAME] = "site_name",
    [SITE_SET_TAGLINE] = "site_tagline",
    [SITE_SET_ADDRESS] = "address",
    [SITE_SET_PHONE] = "phone",
    [SITE_SET_EMAIL] = "email",
    [SITE_SET_HOTLINE] = "hotline",
    [SITE_SET_SUPPORT_EMAIL] = "support_email",
    [SITE_SET_BANNER_TEXT] = "banner_text",
    [SITE_SET_BANNER_LEVEL] = "banner_level",
    [SITE_SET_BANNER_LINK] = "banner_link",
    [SITE_SET_BANNER_UNTIL] = "banner_until",
    [SITE_SET_MENU] = SITE_KEY_MENU,
    [SITE_SET_FOOTER_NOTE] = SITE_KEY_FOOTER_NOTE,
    [SITE_SET_LICENSE_MODE] = SITE_KEY_LICENSE_MODE,
    [SITE_SET_LICENSE_NAME] = SITE_KEY_LICENSE_NAME,
    [SITE_SET_LICENSE_URL] = SITE_KEY_LICENSE_URL,
    [SITE_SET_LICENSE_BEFORE] = SITE_KEY_LICENSE_BEFORE,
    [SITE_SET_LICENSE_AFTER] = SITE_KEY_LICENSE_AFTER,
    [SITE_SET_NAME_EN] = "site_name_en",
    [SITE_SET_TAGLINE_EN] = "site_tagline_en",
};

/* Error pages may come from a request the server rejected before it knew its thread
 * context; they then use the last site created. */
static _Atomic(struct site *) last_site;

struct site *site__last(void)
{
    return atomic_load(&last_site);
}

/* ---- theme ---------------------------------------------------------------------- */

static void theme_free(struct site_theme *t)
{
    if (t == NULL)
        return;
    if (t->ts != NULL)
        template_set_unref(t->ts);
    i18n_free(t->uk);
    i18n_free(t->en);
    site__assets_free(t);
    free(t);
}

enum err site__theme_load(const char *theme_dir, struct site_theme **out, char *err,
                          size_t err_size)
{
    struct site_theme *t = calloc(1, sizeof *t);
    char path[4096];
    enum err e;

    if (t == NULL)
        abort();
    atomic_init(&t->refs, 1);
    e = template_set_load(theme_dir, &t->ts, err, err_size);
    if (e != ERR_OK)
        goto out;
    snprintf(path, sizeof path, "%s/i18n/uk.ini", theme_dir);
    e = i18n_load(path, &t->uk, err, err_size);
    if (e != ERR_OK)
        goto out;
    snprintf(path, sizeof path, "%s/i18n/en.ini", theme_dir);
    e = i18n_load(path, &t->en, err, err_size);
    if (e != ERR_OK)
        goto out;
    e = site__assets_load(theme_dir, t, err, err_size);
out:
    if (e != ERR_OK) {
        theme_free(t);
        return e;
    }
    *out = t;
    return ERR_OK;
}

struct site_theme *site__theme_acquire(struct site *s)
{
    struct site_theme *t;

    pthread_mutex_lock(&s->lock);
    t = s->theme;
    atomic_fetch_add(&t->refs, 1);
    pthread_mutex_unlock(&s->lock);
    return t;
}

void site__theme_release(struct site_theme *t)
{
    if (t != NULL && atomic_fetch_sub(&t->refs, 1) == 1)
        theme_free(t);
}

/* ---- lifecycle -------------------------------------------------------------------- */

enum err site_new(const struct site_config *cfg, struct site **out, char *err, size_t err_size)
{
    struct site *s;
    enum err e;

    if (cfg->db_path == NULL || cfg->theme_dir == NULL) {
        snprintf(err, err_size, "site needs a database path and a theme folder");
        return ERR_INVALID;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        abort();
    s->db_path = str_cstr_dup(cfg->db_path);
    s->theme_dir = str_cstr_dup(cfg->theme_dir);
    s->media_dir = str_cstr_dup(cfg->media_dir != NULL ? cfg->media_dir : "media");
    s->base_url = str_cstr_dup(cfg->base_url != NULL ? cfg->base_url : "");
    s->static_links = cfg->static_links;
    s->alert = cfg->alert;
    s->sections_off = (cfg->registry_off ? SITE_SECTION_REGISTRY : 0u) |
                      (cfg->vacancies_off ? SITE_SECTION_VACANCIES : 0u) |
                      (cfg->requests_off ? SITE_SECTION_REQUESTS : 0u) |
                      (cfg->appeals_off ? SITE_SECTION_APPEALS : 0u) |
                      (cfg->consultations_off ? SITE_SECTION_CONSULTATIONS : 0u) |
                      (cfg->opendata_off ? SITE_SECTION_OPENDATA : 0u);
    s->opendata_contact = str_cstr_dup(cfg->opendata_contact != NULL ? cfg->opendata_contact : "");
    s->opendata_email = str_cstr_dup(cfg->opendata_email != NULL ? cfg->opendata_email : "");
    /* "http://host/" + "/news/x" would give a double slash in canonical links */
    {
        size_t n = strlen(s->base_url);
        while (n > 0 && s->base_url[n - 1] == '/')
            s->base_url[--n] = '\0';
    }
    pthread_mutex_init(&s->lock, NULL);
    if (workdays_parse(str_from_cstr(cfg->holidays != NULL ? cfg->holidays : ""), &s->holidays) !=
        ERR_OK) {
        snprintf(err, err_size, "holidays: expected dates YYYY-MM-DD separated by commas");
        site_free(s);
        return ERR_INVALID;
    }
    e = site__theme_load(s->theme_dir, &s->theme, err, err_size);
    if (e != ERR_OK) {
        site_free(s);
        return e;
    }
    atomic_store(&last_site, s);
    *out = s;
    return ERR_OK;
}

enum err site_reload(struct site *s)
{
    struct site_theme *t, *old;
    char err[512] = "";
    enum err e = site__theme_load(s->theme_dir, &t, err, sizeof err);

    if (e != ERR_OK) {
        log_error("theme reload failed, keeping the old theme: %s: %s", err_str(e), err);
        return e;
    }
    pthread_mutex_lock(&s->lock);
    old = s->theme;
    s->theme = t;
    pthread_mutex_unlock(&s->lock);
    site__theme_release(old);
    log_info("theme reloaded from %s", s->theme_dir);
    return ERR_OK;
}

void site_on_reload(void *app)
{
    if (site_reload(app) != ERR_OK) {
        /* site_reload has logged why; the old theme keeps serving */
    }
}

void site_free(struct site *s)
{
    if (s == NULL)
        return;
    struct site *expected = s;
    atomic_compare_exchange_strong(&last_site, &expected, NULL);
    site__theme_release(s->theme);
    site_subscribe_close();
    pthread_mutex_destroy(&s->lock);
    free(s->db_path);
    free(s->theme_dir);
    free(s->media_dir);
    free(s->base_url);
    free(s->opendata_contact);
    free(s->opendata_email);
    free(s);
}

/* ---- variants ------------------------------------------------------------------------ */

/* strip_prefix: whether path is prefix itself or lies under it ("/lv", "/lv/x"); *rest
 * then gets what follows ("/" for the prefix alone). */
static bool strip_prefix(struct str path, struct str prefix, struct str *rest)
{
    if (!str_starts_with(path, prefix) || (path.len > prefix.len && path.ptr[prefix.len] != '/'))
        return false;
    *rest = path.len <= prefix.len + 1 ? STR_LIT("/")
                                       : str_make(path.ptr + prefix.len, path.len - prefix.len);
    return true;
}

void site__variant_of(struct str path, struct site_variant *v, struct str *rest)
{
    memset(v, 0, sizeof *v);
    v->prefix = STR_LIT("");
    v->lang_prefix = STR_LIT("");
    *rest = path;
    if (strip_prefix(path, STR_LIT(SITE_EN_PREFIX), rest)) {
        v->english = true;
        v->prefix = STR_LIT(SITE_EN_PREFIX);
        v->lang_prefix = v->prefix;
    }
    if (strip_prefix(*rest, STR_LIT(SITE_LV_PREFIX), rest)) {
        v->low_vision = true;
        v->prefix = v->english ? STR_LIT(SITE_EN_PREFIX SITE_LV_PREFIX) : STR_LIT(SITE_LV_PREFIX);
    }
}

void site__route(struct http_router *r, enum http_method m, const char *pattern, http_handler_fn fn,
                 const struct http_route_opts *opts)
{
    static const struct http_route_opts none;
    static const char *const prefixes[] = {SITE_LV_PREFIX, SITE_EN_PREFIX,
                                           SITE_EN_PREFIX SITE_LV_PREFIX};
    char path[256];
    int n;

    if (opts == NULL)
        opts = &none;
    http_router_add_opts(r, m, pattern, fn, opts);
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        if (strcmp(pattern, "/") == 0) {
            /* the home page answers "/lv" and "/lv/" */
            http_router_add_opts(r, m, prefixes[i], fn, opts);
            n = snprintf(path, sizeof path, "%s/", prefixes[i]);
        } else {
            n = snprintf(path, sizeof path, "%s%s", prefixes[i], pattern);
        }
        if (n < 0 || (size_t)n >= sizeof path)
            abort(); /* a route pattern is a constant: too long is a programming error */
        http_router_add_opts(r, m, path, fn, opts);
    }
}

bool site__mirrored(struct str path)
{
    static const char *const files[] = {"/static/",      "/media/",    "/documents/", "/api/",
                                        "/.well-known/", "/sitemaps/", "/admin"};
    static const char *const suffixes[] = {"/feed.xml",    "/atom.xml",   "/signature.json",
                                           "/sitemap.xml", "/robots.txt", "/favicon.ico"};
    size_t cut = 0;

    while (cut < path.len && path.ptr[cut] != '?' && path.ptr[cut] != '#')
        cut++;
    path.len = cut;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (str_starts_with(path, str_from_cstr(files[i])))
            return false;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        struct str s = str_from_cstr(suffixes[i]);
        if (path.len >= s.len && memcmp(path.ptr + path.len - s.len, s.ptr, s.len) == 0)
            return false;
    }
    return true;
}

enum err site__markdown(struct site_page *p, struct str md, struct buf *out)
{
    char prefix[16];
    struct markdown_variant v = {.images_as_text = p->variant.low_vision,
                                 .link_prefix = prefix,
                                 .keep_link = site__mirrored};

    if (p->variant.prefix.len == 0 || p->variant.prefix.len >= sizeof prefix)
        return markdown_to_html(md, out);
    memcpy(prefix, p->variant.prefix.ptr, p->variant.prefix.len);
    prefix[p->variant.prefix.len] = '\0';
    return markdown_to_html_variant(md, &v, out);
}

struct str site__href(struct site_page *p, struct str path)
{
    if (p->variant.prefix.len == 0)
        return path;
    /* "/lv" + "/" would leave a trailing slash on the home page's link */
    if (str_eq_cstr(path, "/"))
        return p->variant.prefix;
    return str_from_cstr(arena_printf(p->a, "%.*s%.*s", STR_FMT(p->variant.prefix), STR_FMT(path)));
}

/* other_prefix: the prefix of the variant with the same language and the other mode
 * (other_mode) or the same mode and the other language. */
static struct str other_prefix(const struct site_variant *v, bool other_mode)
{
    bool english = other_mode ? v->english : !v->english;
    bool lv = other_mode ? !v->low_vision : v->low_vision;
    if (english)
        return lv ? STR_LIT(SITE_EN_PREFIX SITE_LV_PREFIX) : STR_LIT(SITE_EN_PREFIX);
    return lv ? STR_LIT(SITE_LV_PREFIX) : STR_LIT("");
}

/* in_prefix: path under prefix, query kept ("/lv" + "/" is "/lv", "" + "/" is "/"). */
static struct str in_prefix(struct arena *a, struct str prefix, struct str path, struct str query)
{
    if (prefix.len > 0 && str_eq_cstr(path, "/"))
        path = STR_LIT("");
    return str_from_cstr(arena_printf(a, "%.*s%.*s%s%.*s", STR_FMT(prefix), STR_FMT(path),
                                      query.len > 0 ? "?" : "", STR_FMT(query)));
}

void site__variant_values(struct arena *a, struct value *root, const struct site_variant *v,
                          struct str path, struct str query)
{
    value_set_str(a, root, "base", v->prefix);
    value_set_str(a, root, "lang_base", v->lang_prefix); /* feeds: per language, one mode */
    if (v->low_vision)
        value_set_bool(a, root, "lv", true);
    value_set_str(a, root, "lv_switch", in_prefix(a, other_prefix(v, true), path, query));
    /* until the page names its counterpart (site__counterpart): the other language's home */
    value_set_str(a, root, "lang_switch",
                  in_prefix(a, other_prefix(v, false), STR_LIT("/"), STR_LIT("")));
}

struct str site__lang_path(struct site_page *p, struct str path)
{
    return in_prefix(p->a, p->variant.lang_prefix, path, STR_LIT(""));
}

void site__counterpart(struct site_page *p, struct str uk_path, struct str en_path)
{
    struct arena *a = p->a;
    struct str other = p->variant.english ? uk_path : en_path;
    struct str query = STR_LIT("");

    /* a search keeps its words; a list's cursor means nothing in the other language */
    if (str_eq_cstr(p->path, "/search") && p->req != NULL)
        query = p->req->query;
    value_set_str(a, p->root, "lang_switch",
                  in_prefix(a, other_prefix(&p->variant, false),
                            other.len > 0 ? other : STR_LIT("/"),
                            other.len > 0 ? query : STR_LIT("")));
    value_set_bool(a, p->root, "alternates", false);
    if (uk_path.len == 0 || en_path.len == 0 || p->variant.low_vision)
        return; /* hreflang pairs only real counterparts, and only indexed pages */
    struct value *list = value_list(a);
    struct str langs[] = {i18n_lang(p->theme->uk), i18n_lang(p->theme->en), STR_LIT("x-default")};
    for (size_t i = 0; i < 3; i++) {
        struct value *alt = value_obj(a);
        struct str path =
            i == 1 ? in_prefix(a, STR_LIT(SITE_EN_PREFIX), en_path, STR_LIT("")) : uk_path;
        value_set_str(a, alt, "hreflang", langs[i]);
        value_set_str(a, alt, "href", site__absolute(p, path));
        value_push(a, list, alt);
    }
    value_set(a, p->root, "alternates", list);
}

/* add_with_query registers a reader's GET page that reads the query parameters named in
 * query (http_route_opts.query); every other route reads none, so no query can make a
 * new page-cache entry for it. */
static void add_with_query(struct http_router *r, const char *pattern, http_handler_fn fn,
                           const char *query)
{
    struct http_route_opts o = {.query = query};
    site__route(r, HTTP_M_GET, pattern, fn, &o);
}

static void add_page(struct http_router *r, const char *pattern, http_handler_fn fn)
{
    site__route(r, HTTP_M_GET, pattern, fn, NULL);
}

static void add_page_ctx(struct http_router *r, const char *pattern, http_handler_fn fn, void *ctx)
{
    struct http_route_opts o = {.ctx = ctx};
    site__route(r, HTTP_M_GET, pattern, fn, &o);
}

void site_routes(struct site *s, struct http_router *r)
{
    (void)s; /* handlers find the site through their thread context */
    /* reader's pages: also under /lv/ (site__route) */
    add_page(r, "/", site__home);
    add_with_query(r, "/news", site__news, "after");
    add_page(r, "/news/:slug", site__article);
    http_router_add(r, HTTP_M_GET, "/news/:slug/signature.json", site__article_signature);
    http_router_add(r, HTTP_M_GET, "/.well-known/visnyk.pub", site__well_known_keys);
    http_router_add(r, HTTP_M_GET, "/preview/:token", site__shared_preview);
    add_page(r, "/tags", site__tags);
    add_with_query(r, "/tags/:slug", site__tag, "after");
    add_page(r, "/departments", site__depts);
    add_with_query(r, "/departments/:slug", site__dept, "after");
    add_page(r, "/archive", site__archive);
    add_page(r, "/archive/:year", site__archive_year);
    add_with_query(r, "/archive/:year/:month", site__archive_month, "after");
    add_page(r, "/pages/:slug", site__page);
    http_router_add(r, HTTP_M_GET, "/pages/:slug/signature.json", site__page_signature);
    add_page(r, "/sitemap", site__sitemap);
    add_page(r, "/public-information", site__public_info);
    /* issue 13: the documents registry and vacancies (registry.c); each answers 404
     * when its section is off */
    add_with_query(r, "/registry", site__registry, "type year status q page");
    http_router_add(r, HTTP_M_GET, "/registry/atom.xml", site__registry_feed); /* before :id */
    add_page(r, "/registry/:id", site__registry_doc);
    http_router_add(r, HTTP_M_GET, "/registry/:id/original.pdf", site__registry_pdf);
    add_page(r, "/vacancies", site__vacancies);
    add_page(r, "/vacancies/archive", site__vacancies_archive); /* before :id */
    add_page(r, "/vacancies/:id", site__vacancy);
    site__requests_routes(r); /* requests for information and appeals (requests.c) */
    /* public consultations (consultations.c); 404 when the section is off */
    add_with_query(r, "/consultations", site__consultations, "page");
    http_router_add(r, HTTP_M_GET, "/consultations/atom.xml", site__consult_feed); /* before :id */
    add_page(r, "/consultations/:id", site__consultation);
    site__route(r, HTTP_M_POST, "/consultations/:id", site__consult_comment, NULL);
    http_router_add(r, HTTP_M_GET, "/consultations/:id/draft.pdf", site__consult_pdf);
    /* open data (opendata.c; 404 when off) and the leadership (leadership.c) */
    add_page(r, "/leadership", site__leadership);
    add_page(r, "/opendata", site__opendata);
    http_router_add(r, HTTP_M_GET, "/opendata/catalog.json", site__opendata_catalog);
    add_page(r, "/opendata/:name", site__opendata_set); /* pages, and .csv/.json unprefixed */
    /* pagination as a path (static_links): the cursor is the route's last param */
    add_page_ctx(r, "/news/after/:cursor", site__news, &site__cursor_route);
    add_page_ctx(r, "/tags/:slug/after/:cursor", site__tag, &site__cursor_route);
    add_page_ctx(r, "/departments/:slug/after/:cursor", site__dept, &site__cursor_route);
    add_page_ctx(r, "/archive/:year/:month/after/:cursor", site__archive_month,
                 &site__cursor_route);
    http_router_add(r, HTTP_M_GET, "/static/*", site__static);
    http_router_add(r, HTTP_M_GET, "/media/*", site__media);
    http_router_add(r, HTTP_M_GET, "/documents/:hash/:name", site__document);
    http_router_add(r, HTTP_M_GET, "/favicon.ico", site__favicon);
    site_subscribe_routes(s, r); /* the e-mail digest (subscribe.h) */
    /* finding the news (site_search.h) */
    add_with_query(r, "/search", site__search, "q tag dept from to sort page");
    /* not mirrored under /lv/: feeds, sitemaps and files are the same in every mode */
    for (size_t i = 0; i < 2; i++) {
        /* each language has its feeds: /feed.xml and /en/feed.xml */
        static const char *const langs[2] = {"", SITE_EN_PREFIX};
        static const struct {
            const char *path;
            http_handler_fn fn;
        } feeds[] = {
            {"/feed.xml", site__feed_rss},
            {"/atom.xml", site__feed_atom},
            {"/tags/:slug/feed.xml", site__tag_feed_rss},
            {"/tags/:slug/atom.xml", site__tag_feed_atom},
            {"/departments/:slug/feed.xml", site__dept_feed_rss},
            {"/departments/:slug/atom.xml", site__dept_feed_atom},
        };
        char path[128];
        for (size_t k = 0; k < sizeof feeds / sizeof feeds[0]; k++) {
            int n = snprintf(path, sizeof path, "%s%s", langs[i], feeds[k].path);
            if (n < 0 || (size_t)n >= sizeof path)
                abort(); /* constants: too long is a programming error */
            http_router_add(r, HTTP_M_GET, path, feeds[k].fn);
        }
    }
    http_router_add(r, HTTP_M_GET, "/feed", site__feed_guess);
    http_router_add(r, HTTP_M_GET, "/robots.txt", site__robots);
    http_router_add(r, HTTP_M_GET, "/sitemap.xml", site__sitemap_index);
    http_router_add(r, HTTP_M_GET, "/sitemaps/:name", site__sitemap_file);
}

/* ---- threads ---------------------------------------------------------------------- */

static bool thread_store_open(struct site_thread *ctx)
{
    int64_t now = utc_now();
    enum err e;

    if (ctx->store != NULL)
        return true;
    if (now < ctx->retry_at)
        return false;
    e = store_open(ctx->site->db_path, STORE_READ, &ctx->store);
    if (e != ERR_OK) {
        ctx->store = NULL;
        ctx->retry_at = now + STORE_RETRY_SECONDS;
        log_error("database open failed, pages answer 503: %s: %s", err_str(e), ctx->site->db_path);
        return false;
    }
    return true;
}

void *site_thread_init(void *app)
{
    struct site_thread *ctx = calloc(1, sizeof *ctx);

    if (ctx == NULL)
        abort();
    ctx->site = app;
    thread_store_open(ctx);
    return ctx;
}

void site_thread_done(void *thread_ctx)
{
    struct site_thread *ctx = thread_ctx;

    if (ctx == NULL)
        return;
    if (ctx->store != NULL)
        store_close(ctx->store);
    for (size_t i = 0; i < SITE_N_SETTINGS; i++)
        free(ctx->last[i]);
    free(ctx);
}

/* ---- security headers --------------------------------------------------------------- */

/* STR_LIT is a compound literal, not a constant initializer for static storage */
#define SLIT(s)                                                                                    \
    {                                                                                              \
        (s), sizeof(s) - 1                                                                         \
    }

static const struct http_header security_headers[] = {
    {SLIT("Content-Security-Policy"),
     SLIT("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
          "object-src 'none'; base-uri 'self'; form-action 'self'; "
          "frame-ancestors 'self'")},
    {SLIT("X-Content-Type-Options"), SLIT("nosniff")},
    {SLIT("Referrer-Policy"), SLIT("strict-origin-when-cross-origin")},
    {SLIT("Permissions-Policy"), SLIT("camera=(), microphone=(), geolocation=()")},
    {SLIT("X-Frame-Options"), SLIT("SAMEORIGIN")},
    {SLIT("Cross-Origin-Opener-Policy"), SLIT("same-origin")},
};

const struct http_header *site_security_headers(size_t *n)
{
    *n = sizeof security_headers / sizeof security_headers[0];
    return security_headers;
}

/* ---- page building ---------------------------------------------------------------- */

bool site__begin(struct site_page *p, struct http_request *req, struct http_response *res)
{
    memset(p, 0, sizeof *p);
    p->req = req;
    p->res = res;
    p->a = req->arena;
    p->ctx = req->thread_ctx;
    if (p->ctx == NULL) {
        log_error("site handler without thread context: set http_config.thread_init");
        http_response_error(res, 500);
        return false;
    }
    p->site = p->ctx->site;
    if (!thread_store_open(p->ctx)) {
        http_response_error(res, 503);
        return false;
    }
    /* One read transaction per page: one snapshot for every query, and one lock
     * round trip instead of one per statement (measured: 2.4k → see bench/RESULTS.md).
     * A transaction a previous page left open is closed first. */
    if (store_in_transaction(p->ctx->store))
        store_rollback(p->ctx->store);
    if (store_begin(p->ctx->store) != ERR_OK) {
        http_response_error(res, 503);
        return false;
    }
    p->theme = site__theme_acquire(p->site);
    p->root = value_obj(p->a);
    site__variant_of(req->path, &p->variant, &p->path);
    p->lang = p->variant.english ? p->theme->en : p->theme->uk;
    return true;
}

/* end_read closes the page's read transaction (nothing to commit: a rollback is the
 * cheapest way out). */
static void end_read(struct site_page *p)
{
    if (p->ctx->store != NULL && store_in_transaction(p->ctx->store))
        store_rollback(p->ctx->store);
}

void site__key(struct site_page *p, const char *fmt, ...)
{
    struct http_response *res = p->res;
    char tmp[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return;
    struct str key = str_make(tmp, (size_t)n);
    /* the same article often shows twice (list and «Останні новини») */
    for (size_t i = 0; i < res->n_cache_keys; i++)
        if (str_eq(res->cache_keys[i], key))
            return;
    http_response_cache_key(res, p->req, key); /* copies the key */
}

struct str site__t(struct site_page *p, const char *key)
{
    return i18n_get(p->lang, str_from_cstr(key));
}

void site__text_failed(struct site_page *p, enum err e, const char *what)
{
    if (e == ERR_OK)
        return;
    log_msg(LOG_ERROR, p->req->id, "page text failed: %s: %s", what, err_str(e));
    if (p->err == ERR_OK)
        p->err = e;
}

/* buf_to_arena moves a scratch buffer's text into the arena and frees the buffer; when
 * the buffer failed, the page fails (site__text_failed) and the text is empty. */
static struct str buf_to_arena(struct site_page *p, struct buf *b, const char *what)
{
    struct str s = STR_LIT("");
    enum err e = buf_error(b);
    if (e == ERR_OK)
        s = arena_str(p->a, buf_str(b));
    else
        site__text_failed(p, e, what);
    buf_free(b);
    return s;
}

struct str site__date(struct site_page *p, int64_t utc, bool with_time)
{
    struct buf b;
    buf_init(&b, 256);
    buf_set_error(&b, i18n_format_date(p->lang, utc, with_time, &b));
    return buf_to_arena(p, &b, "date");
}

struct str site__date_short(struct site_page *p, int64_t utc)
{
    struct buf b;
    buf_init(&b, 64);
    buf_set_error(&b, i18n_format_date_short(utc, &b));
    return buf_to_arena(p, &b, "short date");
}

struct str site__date_iso(struct site_page *p, int64_t utc)
{
    struct buf b;
    buf_init(&b, 64);
    buf_set_error(&b, i18n_format_iso(utc, &b));
    return buf_to_arena(p, &b, "iso date");
}

struct str site__url_encode(struct site_page *p, struct str s)
{
    struct buf b;
    buf_init(&b, 3 * s.len + 16);
    escape_url_component(&b, s);
    return buf_to_arena(p, &b, "url");
}

struct str site__path(struct site_page *p, const char *prefix, struct str slug)
{
    struct str enc = site__url_encode(p, slug);
    char *s = arena_printf(p->a, "%s%.*s", prefix, STR_FMT(enc));
    return str_from_cstr(s);
}

struct str site__absolute(struct site_page *p, struct str path)
{
    return str_from_cstr(arena_printf(p->a, "%s%.*s", p->site->base_url, STR_FMT(path)));
}

struct str site__plain_excerpt(struct site_page *p, struct str md, size_t max)
{
    struct buf b;
    struct str text, cut;
    size_t n;

    buf_init(&b, MARKDOWN_MAX_INPUT_BYTES + 1);
    enum err e = markdown_to_text(md, &b);
    if (e != ERR_OK) {
        site__text_failed(p, e, "plain excerpt");
        buf_free(&b);
        return STR_LIT("");
    }
    /* one line for a meta tag: newlines become spaces */
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] == '\n' || b.data[i] == '\r' || b.data[i] == '\t')
            b.data[i] = ' ';
    text = str_trim(buf_str(&b));
    if (text.len <= max) {
        cut = arena_str(p->a, text);
        buf_free(&b);
        return cut;
    }
    n = max;
    while (n > 0 && ((unsigned char)text.ptr[n] & 0xC0) == 0x80)
        n--; /* never cut a character in half */
    {
        size_t space = n;
        while (space > max / 2 && text.ptr[space] != ' ')
            space--;
        if (text.ptr[space] == ' ')
            n = space;
    }
    cut = str_from_cstr(arena_printf(p->a, "%.*s…", (int)n, text.ptr));
    buf_free(&b);
    return cut;
}

/* ---- layout --------------------------------------------------------------------------- */

/* digits_for_tel keeps '+' and digits: "+380 (532) 56-02-90" → "+380532560290". */
static struct str digits_for_tel(struct arena *a, struct str phone)
{
    char *d = arena_alloc(a, phone.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < phone.len; i++) {
        char c = phone.ptr[i];
        if ((c >= '0' && c <= '9') || (c == '+' && n == 0))
            d[n++] = c;
    }
    return str_make(d, n);
}

static void set_if(struct arena *a, struct value *obj, const char *key, struct str s)
{
    if (s.ptr != NULL && s.len > 0)
        value_set_str(a, obj, key, s);
}

/* menu_values sets root.menu, [{label, url}]: the "menu" setting's valid lines, or the
 * default menu from the catalog when it has none. The workspace refuses bad lines; any
 * that got in another way (sqlite3, an old backup) are left out, never shown raw. */
static void menu_values(struct arena *a, struct value *root, const struct i18n *lang,
                        struct str text, unsigned sections_off)
{
    struct value *menu = value_list(a);
    struct str rest = text, line;
    size_t n = 0;

    if (text.len > SITE_MENU_MAX_BYTES || !utf8_valid(text.ptr, text.len))
        rest = STR_NULL;
    while (n < SITE_MENU_MAX_ITEMS && str_split_next(&rest, '\n', &line)) {
        struct site_menu_item it;
        line = str_trim(line);
        if (line.len == 0 || site_menu_line_parse(line, &it) != SITE_MENU_OK)
            continue;
        struct value *v = value_obj(a);
        value_set_str(a, v, "label", it.label);
        value_set_str(a, v, "url", it.url);
        value_push(a, menu, v);
        n++;
    }
    for (size_t i = 0; n == 0 && i < SITE_MENU_N_DEFAULTS; i++) {
        if ((site_menu_defaults[i].section & sections_off) != 0)
            continue;
        struct value *v = value_obj(a);
        value_set_str(a, v, "label",
                      i18n_get(lang, str_from_cstr(site_menu_defaults[i].label_key)));
        value_set_cstr(a, v, "url", site_menu_defaults[i].url);
        value_push(a, menu, v);
    }
    value_set(a, root, "menu", menu);
}

/* license_values sets footer.license {before, name, url, after} as license_mode says:
 * unset or "default" the catalog's CC BY 4.0 notice, "custom" the license_* settings,
 * "none" nothing. */
static void license_values(struct arena *a, struct value *footer, const struct i18n *lang,
                           const struct str *settings)
{
    struct str mode = settings[SITE_SET_LICENSE_MODE];
    struct value *lic;

    if (str_eq_cstr(mode, "none"))
        return;
    lic = value_obj(a);
    if (str_eq_cstr(mode, "custom") && settings[SITE_SET_LICENSE_NAME].len > 0) {
        struct str url = settings[SITE_SET_LICENSE_URL];
        set_if(a, lic, "before", settings[SITE_SET_LICENSE_BEFORE]);
        value_set_str(a, lic, "name", settings[SITE_SET_LICENSE_NAME]);
        /* http(s) only here: a site-relative licence page is fine, javascript: is not */
        if (url.len > 0 && site_url_allowed(url))
            value_set_str(a, lic, "url", url);
        set_if(a, lic, "after", settings[SITE_SET_LICENSE_AFTER]);
    } else {
        value_set_str(a, lic, "before", i18n_get(lang, STR_LIT("footer.license_before")));
        value_set_str(a, lic, "name", i18n_get(lang, STR_LIT("footer.license_name")));
        value_set_cstr(a, lic, "url", SITE_LICENSE_DEFAULT_URL);
        value_set_str(a, lic, "after", i18n_get(lang, STR_LIT("footer.license_after")));
    }
    value_set(a, footer, "license", lic);
}

/* menu_mark_current marks the menu item for path: the item whose address is the path
 * (aria-current="page"), else the one with the longest address the path lies under
 * (aria-current="true": /news for /news/x). Off-site addresses never match. */
static void menu_mark_current(struct arena *a, struct value *root, struct str path)
{
    struct value *menu = value_get(root, STR_LIT("menu")), *best = NULL;
    size_t best_len = 0, n = value_list_len(menu);
    bool exact = false;

    for (size_t i = 0; i < n && !exact; i++) {
        struct value *item = value_list_at(menu, i);
        struct str url = value_str_of(value_get(item, STR_LIT("url")));
        size_t cut = 0;
        while (cut < url.len && url.ptr[cut] != '?' && url.ptr[cut] != '#')
            cut++;
        url.len = cut;
        if (url.len == 0 || url.ptr[0] != '/')
            continue;
        if (str_eq(url, path)) {
            best = item;
            exact = true;
        } else if (url.len > 1 && url.len > best_len && str_starts_with(path, url) &&
                   (url.ptr[url.len - 1] == '/' || path.ptr[url.len] == '/')) {
            best = item;
            best_len = url.len;
        }
    }
    if (best != NULL)
        value_set_cstr(a, best, "current", exact ? "page" : "true");
}

/* site__layout_values fills what head, header and footer show. settings[i].ptr NULL = unset.
 * Shared by pages and error pages (which pass the thread's last-known settings). */
void site__layout_values(struct arena *a, struct value *root, const struct i18n *lang,
                         const struct site_theme *theme, const struct str *settings,
                         enum alert_banner automatic, unsigned sections_off)
{
    struct value *site = value_obj(a), *footer = value_obj(a), *asset = value_obj(a);
    struct str name = settings[SITE_SET_NAME], tagline = settings[SITE_SET_TAGLINE];
    struct str hotline = settings[SITE_SET_HOTLINE];

    if (lang == theme->en) {
        /* the English version's own name, else the Ukrainian one, marked as such */
        if (settings[SITE_SET_NAME_EN].len > 0)
            name = settings[SITE_SET_NAME_EN];
        else if (name.len > 0)
            value_set_str(a, site, "name_lang", i18n_lang(theme->uk));
        if (settings[SITE_SET_TAGLINE_EN].len > 0)
            tagline = settings[SITE_SET_TAGLINE_EN];
        else if (tagline.len > 0)
            value_set_str(a, site, "tagline_lang", i18n_lang(theme->uk));
    }
    if (name.len == 0)
        name = i18n_get(lang, STR_LIT("default.site_name"));
    if (tagline.len == 0)
        tagline = i18n_get(lang, STR_LIT("default.site_tagline"));
    if (hotline.len == 0)
        hotline = i18n_get(lang, STR_LIT("default.hotline"));
    value_set_str(a, site, "name", name);
    value_set_str(a, site, "tagline", tagline);
    value_set(a, root, "site", site);

    set_if(a, footer, "address", settings[SITE_SET_ADDRESS]);
    if (settings[SITE_SET_PHONE].len > 0) {
        value_set_str(a, footer, "phone", settings[SITE_SET_PHONE]);
        struct str tel = digits_for_tel(a, settings[SITE_SET_PHONE]);
        if (tel.len > 0)
            value_set_str(a, footer, "phone_href",
                          str_from_cstr(arena_printf(a, "tel:%.*s", STR_FMT(tel))));
    }
    if (settings[SITE_SET_EMAIL].len > 0) {
        value_set_str(a, footer, "email", settings[SITE_SET_EMAIL]);
        value_set_str(
            a, footer, "email_href",
            str_from_cstr(arena_printf(a, "mailto:%.*s", STR_FMT(settings[SITE_SET_EMAIL]))));
    }
    value_set_str(a, footer, "hotline", hotline);
    value_set_str(a, footer, "hotline_href",
                  str_from_cstr(arena_printf(a, "tel:%.*s", STR_FMT(digits_for_tel(a, hotline)))));
    if (settings[SITE_SET_SUPPORT_EMAIL].len > 0) {
        value_set_str(a, footer, "support_email", settings[SITE_SET_SUPPORT_EMAIL]);
        value_set_str(a, footer, "support_href",
                      str_from_cstr(arena_printf(a, "mailto:%.*s",
                                                 STR_FMT(settings[SITE_SET_SUPPORT_EMAIL]))));
    }
    set_if(a, footer, "note", settings[SITE_SET_FOOTER_NOTE]);
    license_values(a, footer, lang, settings);
    value_set(a, root, "footer", footer);

    /* a banner past its time is gone even before the scheduler removes it (and drops
     * the pages that show it) */
    int64_t until = 0;
    bool expired =
        str_to_i64(settings[SITE_SET_BANNER_UNTIL], &until) && until > 0 && until <= utc_now();
    if (settings[SITE_SET_BANNER_TEXT].len > 0 && !expired) {
        struct value *banner = value_obj(a);
        struct str level = settings[SITE_SET_BANNER_LEVEL];
        if (!str_eq_cstr(level, "warning") && !str_eq_cstr(level, "danger") &&
            !str_eq_cstr(level, "allclear"))
            level = STR_LIT("info");
        value_set_str(a, banner, "text", settings[SITE_SET_BANNER_TEXT]);
        value_set_str(a, banner, "level", level);
        /* danger interrupts a screen reader at once; info and warning wait politely */
        value_set_cstr(a, banner, "role", str_eq_cstr(level, "danger") ? "alert" : "status");
        struct str link = settings[SITE_SET_BANNER_LINK];
        /* only site-relative or web links: a setting must not smuggle javascript: */
        if (link.len > 0 &&
            ((str_starts_with(link, STR_LIT("/")) && !str_starts_with(link, STR_LIT("//"))) ||
             str_starts_with(link, STR_LIT("https://")) ||
             str_starts_with(link, STR_LIT("http://"))))
            value_set_str(a, banner, "link", link);
        value_set(a, root, "banner", banner);
    } else if (automatic != ALERT_BANNER_NONE) {
        /* the editors' banner, when set, wins: they may know more than the feed */
        bool alert = automatic == ALERT_BANNER_ALERT;
        struct value *banner = value_obj(a);
        value_set_str(a, banner, "headline",
                      i18n_get(lang, alert ? STR_LIT("banner.alert.title")
                                           : STR_LIT("banner.all_clear.title")));
        value_set_str(a, banner, "text",
                      i18n_get(lang, alert ? STR_LIT("banner.alert.text")
                                           : STR_LIT("banner.all_clear.text")));
        value_set_cstr(a, banner, "level", alert ? "danger" : "allclear");
        value_set_cstr(a, banner, "role", alert ? "alert" : "status");
        value_set(a, root, "banner", banner);
    }
    menu_values(a, root, lang, settings[SITE_SET_MENU], sections_off);
    if ((sections_off & SITE_SECTION_REGISTRY) == 0)
        value_set_bool(a, root, "registry_on", true);
    if ((sections_off & SITE_SECTION_VACANCIES) == 0)
        value_set_bool(a, root, "vacancies_on", true);
    if ((sections_off & SITE_SECTION_REQUESTS) == 0)
        value_set_bool(a, root, "requests_on", true);
    if ((sections_off & SITE_SECTION_APPEALS) == 0)
        value_set_bool(a, root, "appeals_on", true);
    if ((sections_off & SITE_SECTION_CONSULTATIONS) == 0)
        value_set_bool(a, root, "consultations_on", true);
    if ((sections_off & SITE_SECTION_OPENDATA) == 0)
        value_set_bool(a, root, "opendata_on", true);

    for (size_t i = 0; i < theme->n_assets; i++)
        value_set_str(a, asset, theme->assets[i].key, str_from_cstr(theme->assets[i].url));
    value_set(a, root, "asset", asset);
    value_set_int(a, root, "year", kyiv_from_utc(utc_now()).year);
}

/* menu_in_variant keeps the menu's and the banner's site-relative links in the page's
 * variant; links off the site, and to files, stay as they are. */
static void menu_in_variant(struct site_page *p)
{
    struct value *menu = value_get(p->root, STR_LIT("menu"));
    struct value *banner = value_get(p->root, STR_LIT("banner"));
    struct str link = value_str_of(value_get(banner, STR_LIT("link")));
    size_t n = value_list_len(menu);

    if (p->variant.prefix.len == 0)
        return;
    if (str_starts_with(link, STR_LIT("/")) && !str_starts_with(link, STR_LIT("//")) &&
        site__mirrored(link))
        value_set_str(p->a, banner, "link", site__href(p, link));
    for (size_t i = 0; i < n; i++) {
        struct value *item = value_list_at(menu, i);
        struct str url = value_str_of(value_get(item, STR_LIT("url")));
        if (str_starts_with(url, STR_LIT("/")) && !str_starts_with(url, STR_LIT("//")) &&
            site__mirrored(url))
            value_set_str(p->a, item, "url", site__href(p, url));
    }
}

static void remember_settings(struct site_thread *ctx, const struct str *settings)
{
    for (size_t i = 0; i < SITE_N_SETTINGS; i++) {
        const char *old = ctx->last[i];
        struct str now = settings[i];
        if (now.ptr == NULL) {
            free(ctx->last[i]);
            ctx->last[i] = NULL;
            continue;
        }
        if (old != NULL && str_eq_cstr(now, old))
            continue;
        char *copy = malloc(now.len + 1);
        if (copy == NULL)
            abort();
        memcpy(copy, now.ptr, now.len);
        copy[now.len] = '\0';
        free(ctx->last[i]);
        ctx->last[i] = copy;
    }
}

void site__layout(struct site_page *p, struct str title, struct str canonical_path,
                  struct str description)
{
    struct arena *a = p->a;
    struct str name;

    /* one statement for every setting the layout shows (it was one per key) */
    enum err e =
        store_settings_load(p->ctx->store, a, site__setting_keys, SITE_N_SETTINGS, p->settings);
    if (e != ERR_OK) {
        /* show what this thread saw last rather than the catalog's defaults */
        log_warn("settings read failed: %s", err_str(e));
        for (size_t i = 0; i < SITE_N_SETTINGS; i++)
            p->settings[i] = p->ctx->last[i] != NULL ? str_from_cstr(p->ctx->last[i]) : STR_NULL;
    } else {
        remember_settings(p->ctx, p->settings);
    }
    site__layout_values(a, p->root, p->lang, p->theme, p->settings,
                        alert_feed_banner(p->site->alert), p->site->sections_off);
    if (p->req != NULL) {
        menu_mark_current(a, p->root, p->path);
        site__variant_values(a, p->root, &p->variant, p->path, p->req->query);
        site__counterpart(p, p->path, p->path);
        menu_in_variant(p);
    }
    if (p->variant.low_vision)
        value_set_bool(a, p->root, "noindex", true); /* the plain page is the one to index */
    /* what the editors wrote in Ukrainian (the site's name, departments, tags, captions)
     * shows on English pages too: templates mark it with this language */
    if (p->variant.english)
        value_set_str(a, p->root, "data_lang", i18n_lang(p->theme->uk));
    site__key(p, "settings");
    site__key(p, "banner");
    site__head_key(p); /* signing.c */

    name = value_str_of(value_get(value_get(p->root, STR_LIT("site")), STR_LIT("name")));
    if (title.len > 0) {
        value_set_str(a, p->root, "title", title);
        value_set_str(a, p->root, "head_title",
                      str_from_cstr(arena_printf(a, "%.*s — %.*s", STR_FMT(title), STR_FMT(name))));
    } else {
        value_set_str(a, p->root, "head_title", name);
    }
    if (description.len == 0)
        description =
            value_str_of(value_get(value_get(p->root, STR_LIT("site")), STR_LIT("tagline")));
    value_set_str(a, p->root, "description", description);
    /* the English page is its own original; the low-vision copies point to theirs */
    canonical_path = site__lang_path(p, canonical_path);
    value_set_str(a, p->root, "canonical", site__absolute(p, canonical_path));
}

void site__finish(struct site_page *p, const char *tmpl)
{
    struct http_response *res = p->res;
    enum err e;

    end_read(p);
    buf_reset(&res->body);
    /* a part of the page that could not be built (logged then) fails the whole page:
     * 500, never a page with a hole in it */
    e = p->err;
    if (e == ERR_OK)
        e = template_render(p->theme->ts, tmpl, p->root, p->lang, &res->body);
    site__theme_release(p->theme);
    p->theme = NULL;
    if (e != ERR_OK) {
        log_msg(LOG_ERROR, p->req->id, "page render failed: %s: %s", tmpl, err_str(e));
        buf_reset(&res->body);
        res->cacheable = false;
        res->n_cache_keys = 0;
        http_response_error(res, 500);
        return;
    }
    res->status = 200;
    http_response_header(res, p->req, "Content-Type", STR_LIT("text/html; charset=utf-8"));
    res->cacheable = true;
}

bool site__path_id(struct site_page *p, int64_t *id, const char *what)
{
    if (p->req->n_params < 1 || !str_to_i64(p->req->params[0], id) || *id <= 0) {
        site__fail(p, ERR_NOTFOUND, what);
        return false;
    }
    return true;
}

void site__fail(struct site_page *p, enum err e, const char *what)
{
    int status;

    end_read(p);
    switch (e) {
    case ERR_NOTFOUND:
        status = 404;
        break;
    case ERR_PARSE:
    case ERR_INVALID:
        status = 400;
        break;
    case ERR_BUSY:
        status = 503;
        break;
    default:
        status = 500;
        log_msg(LOG_ERROR, p->req->id, "page failed: %s: %s: %s", what, err_str(e),
                p->ctx->store != NULL ? store_errmsg(p->ctx->store) : "no database");
        break;
    }
    if ((e == ERR_BUSY || e == ERR_DB) && p->ctx->store != NULL) {
        /* The database is locked or failing. Leave it alone for a few seconds: the
         * pages that follow answer 503 at once (and the server sends the cached copy,
         * even a stale one, where it has one) instead of each waiting out the lock. */
        store_close(p->ctx->store);
        p->ctx->store = NULL;
        p->ctx->retry_at = utc_now() + STORE_RETRY_SECONDS;
        status = 503;
    }
    site__theme_release(p->theme);
    p->theme = NULL;
    p->res->cacheable = false;
    p->res->n_cache_keys = 0;
    buf_reset(&p->res->body);
    http_response_error(p->res, status);
}

/* ---- shared values -------------------------------------------------------------------- */

/* Variant widths the media module writes next to each original (media.h MEDIA_WIDTHS):
 * <hash>-<w>.webp and .jpg for every width smaller than <hash>.jpg itself. */
static const int variant_widths[] = {480, 960, 1600};
#define N_VARIANTS (sizeof variant_widths / sizeof variant_widths[0])

static bool variant_exists(const struct store_photo *ph, size_t i)
{
    return ph->width <= 0 || variant_widths[i] < ph->width;
}

/* photo_alt: what a photo says to someone who cannot see it: its own alt text, else its
 * caption, else fallback (the article's title). */
static struct str photo_alt(const struct store_photo *ph, struct str fallback)
{
    if (ph->alt.len > 0)
        return ph->alt;
    if (ph->caption.len > 0)
        return ph->caption;
    return fallback;
}

/* thumb: {src, webp, width, height, alt} of the smallest file of a photo, for the list
 * items (the lists show a small picture, so the smallest variant is the right one). */
static struct value *thumb(struct site_page *p, const struct store_photo *ph, struct str title)
{
    struct arena *a = p->a;
    struct value *v = value_obj(a);
    int w = ph->width > 0 ? ph->width : variant_widths[0];
    int h = ph->height > 0 ? ph->height : variant_widths[0] * 2 / 3;

    if (variant_exists(ph, 0)) {
        /* the variant keeps the aspect ratio; the attributes only reserve the space */
        h = (int)(((int64_t)h * variant_widths[0] + w / 2) / w);
        w = variant_widths[0];
        value_set_cstr(a, v, "src", arena_printf(a, "/media/%.*s-%d.jpg", STR_FMT(ph->hash), w));
        value_set_cstr(a, v, "webp", arena_printf(a, "/media/%.*s-%d.webp", STR_FMT(ph->hash), w));
    } else {
        value_set_cstr(a, v, "src", arena_printf(a, "/media/%.*s.jpg", STR_FMT(ph->hash)));
    }
    value_set_int(a, v, "width", w);
    value_set_int(a, v, "height", h > 0 ? h : 1);
    value_set_str(a, v, "alt", photo_alt(ph, title));
    return v;
}

struct value *site__picture(struct site_page *p, const struct store_photo *ph, struct str alt,
                            const char *sizes, bool lazy)
{
    struct arena *a = p->a;
    struct value *v = value_obj(a);
    struct buf webp, jpg;
    struct str src = STR_NULL, full = STR_NULL, last = STR_NULL;

    buf_init(&webp, 1024);
    buf_init(&jpg, 1024);
    for (size_t i = 0; i < N_VARIANTS; i++) {
        if (!variant_exists(ph, i))
            continue;
        buf_appendf(&webp, "%s/media/%.*s-%d.webp %dw", webp.len > 0 ? ", " : "", STR_FMT(ph->hash),
                    variant_widths[i], variant_widths[i]);
        buf_appendf(&jpg, "%s/media/%.*s-%d.jpg %dw", jpg.len > 0 ? ", " : "", STR_FMT(ph->hash),
                    variant_widths[i], variant_widths[i]);
        last = str_from_cstr(
            arena_printf(a, "/media/%.*s-%d.jpg", STR_FMT(ph->hash), variant_widths[i]));
        /* the fallback src: a middle size, as most screens want */
        if (src.ptr == NULL || variant_widths[i] <= 960)
            src = last;
    }
    if (ph->width > 0) {
        buf_appendf(&jpg, "%s/media/%.*s.jpg %dw", jpg.len > 0 ? ", " : "", STR_FMT(ph->hash),
                    ph->width);
        full = str_from_cstr(arena_printf(a, "/media/%.*s.jpg", STR_FMT(ph->hash)));
        if (src.ptr == NULL)
            src = full;
    }
    value_set_str(a, v, "src", src);
    /* the largest file, for a link that opens the photo full size */
    value_set_str(a, v, "full", full.ptr != NULL ? full : last);
    if (webp.len > 0)
        value_set_str(a, v, "webp_srcset", buf_to_arena(p, &webp, "srcset"));
    else
        buf_free(&webp);
    value_set_str(a, v, "jpg_srcset", buf_to_arena(p, &jpg, "srcset"));
    value_set_cstr(a, v, "sizes", sizes);
    /* width/height reserve the space (no layout shift); CSS scales the image */
    value_set_int(a, v, "width", ph->width > 0 ? ph->width : 1600);
    value_set_int(a, v, "height", ph->height > 0 ? ph->height : 1067);
    value_set_str(a, v, "alt", photo_alt(ph, alt));
    value_set_bool(a, v, "lazy", lazy);
    return v;
}

struct value *site__summary(struct site_page *p, const struct store_summary *s)
{
    struct arena *a = p->a;
    struct value *v = value_obj(a);

    site__key(p, "article:%lld", (long long)s->id);
    value_set_str(a, v, "title", s->title);
    value_set_str(a, v, "url", site__href(p, site__path(p, "/news/", s->slug)));
    value_set_str(a, v, "lead", s->lead);
    value_set_str(a, v, "date", site__date(p, s->published_at, true));
    value_set_str(a, v, "date_short", site__date_short(p, s->published_at));
    value_set_str(a, v, "iso", site__date_iso(p, s->published_at));
    if (s->lead_photo != NULL)
        value_set(a, v, "thumb", thumb(p, s->lead_photo, s->title));
    return v;
}

struct value *site__summaries(struct site_page *p, const struct store_summary *items, size_t n)
{
    struct value *list = value_list(p->a);
    for (size_t i = 0; i < n; i++)
        value_push(p->a, list, site__summary(p, &items[i]));
    return list;
}

struct value *site__ref(struct site_page *p, const struct store_ref *r, const char *prefix)
{
    struct value *v = value_obj(p->a);
    value_set_str(p->a, v, "name", r->name);
    value_set_str(p->a, v, "url", site__href(p, site__path(p, prefix, r->slug)));
    value_set_int(p->a, v, "count", r->count);
    return v;
}

void site__crumbs(struct site_page *p, size_t n, const struct str *names, const struct str *urls)
{
    struct arena *a = p->a;
    struct value *list = value_list(a), *home = value_obj(a);

    value_set_str(a, home, "name", site__t(p, "menu.home"));
    value_set_str(a, home, "url", site__href(p, STR_LIT("/")));
    value_push(a, list, home);
    for (size_t i = 0; i < n; i++) {
        struct value *c = value_obj(a);
        value_set_str(a, c, "name", names[i]);
        if (i + 1 == n)
            value_set_bool(a, c, "current", true);
        else
            value_set_str(a, c, "url", site__href(p, urls[i]));
        value_push(a, list, c);
    }
    value_set(a, p->root, "crumbs", list);
}

enum err site__article_list(struct site_page *p, const struct store_list_query *q,
                            struct store_summary **items, size_t *n, bool *more)
{
    if (p->variant.english)
        return store_translation_list(p->ctx->store, p->a, STR_LIT(STORE_LANG_EN), q, items, n,
                                      more);
    return store_article_list(p->ctx->store, p->a, q, items, n, more);
}

enum err site__latest(struct site_page *p, size_t n)
{
    struct store_list_query q = {.limit = n};
    struct store_summary *items;
    size_t count;
    bool more;
    enum err e = site__article_list(p, &q, &items, &count, &more);

    if (e != ERR_OK)
        return e;
    site__key(p, "list:news");
    if (count > 0)
        value_set(p->a, p->root, "latest", site__summaries(p, items, count));
    return ERR_OK;
}

bool site__parse_after(struct site_page *p, struct store_cursor *after)
{
    struct str v, t, i;
    bool bad = false;
    size_t dot;

    memset(after, 0, sizeof *after);
    if (p->req->route_ctx == &site__cursor_route && p->req->n_params > 0) {
        v = p->req->params[p->req->n_params - 1];
    } else if (!http_form_get(p->a, p->req->query, "after", &v, &bad)) {
        if (!bad)
            return true;
        site__fail(p, ERR_PARSE, "after");
        return false;
    }
    dot = str_find_char(v, '.');
    if (dot == SIZE_MAX)
        goto bad;
    t = str_sub(v, 0, dot);
    i = str_sub(v, dot + 1, v.len - dot - 1);
    if (!str_to_i64(t, &after->published_at) || !str_to_i64(i, &after->id) ||
        after->published_at < 0 || after->id <= 0)
        goto bad;
    return true;
bad:
    memset(after, 0, sizeof *after);
    site__fail(p, ERR_PARSE, "after");
    return false;
}

/* page_url: base_path with the cursor of a page, as a query or, for a static mirror, as a
 * path (static_links). */
static struct str page_url(struct site_page *p, struct str base_path, struct store_cursor c)
{
    base_path = site__href(p, base_path);
    return str_from_cstr(
        arena_printf(p->a, p->site->static_links ? "%.*s/after/%lld.%lld" : "%.*s?after=%lld.%lld",
                     STR_FMT(base_path), (long long)c.published_at, (long long)c.id));
}

bool site__list_page(struct site_page *p, struct store_list_query *q, struct str base_path)
{
    struct arena *a = p->a;
    struct store_summary *items;
    struct store_cursor before;
    size_t n;
    bool more, first;
    enum err e;

    if (!site__parse_after(p, &q->after))
        return false;
    q->limit = SITE_PAGE_SIZE;
    e = site__article_list(p, q, &items, &n, &more);
    if (e == ERR_OK && p->variant.english)
        e = store_translation_page_before(p->ctx->store, STR_LIT(STORE_LANG_EN), q, &before,
                                          &first);
    else if (e == ERR_OK)
        e = store_article_page_before(p->ctx->store, q, &before, &first);
    if (e != ERR_OK) {
        site__fail(p, e, "article list");
        return false;
    }
    value_set(a, p->root, "items", site__summaries(p, items, n));
    if (n == 0)
        value_set_bool(a, p->root, "empty", true);
    if (more || q->after.id != 0) {
        struct value *pager = value_obj(a);
        if (q->after.id != 0) {
            /* «Найновіші» only where «Попередня» does not already lead there */
            if (!first)
                value_set_str(a, pager, "first_url", site__href(p, base_path));
            value_set_str(a, pager, "prev_url",
                          first ? site__href(p, base_path) : page_url(p, base_path, before));
        }
        if (more && n > 0) {
            struct store_cursor last = {items[n - 1].published_at, items[n - 1].id};
            value_set_str(a, pager, "next_url", page_url(p, base_path, last));
        }
        value_set(a, p->root, "pager", pager);
    }
    return true;
}
