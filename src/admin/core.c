/* core.c: the workspace's wiring (admin_new, routes) and what every handler goes
 * through: security headers, the origin check, the session and role check, the CSRF
 * token, rendering, redirects, the audit log and cache invalidation. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <sys/stat.h>

#include <sodium.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/str.h"
#include "http/multipart.h"
#include "media/worker.h"
#include "render/escape.h"
#include "render/i18n.h"
#include "site/site.h"
#include "store/accounts.h"
#include "store/settings.h"

/* 'none' everywhere a workspace page could be framed or could load from elsewhere;
 * scripts only from our own files (no inline script, no eval). */
#define ADMIN_CSP                                                                                  \
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "        \
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

enum err admin_new(const struct admin_config *cfg, struct admin **out, char *err, size_t err_size)
{
    struct admin *ad;
    enum err e;

    *out = NULL;
    if (cfg->db_path == NULL || cfg->site == NULL) {
        snprintf(err, err_size, "workspace needs a database and the site");
        return ERR_INVALID;
    }
    if (sodium_init() < 0) {
        snprintf(err, err_size, "libsodium failed to start");
        return ERR_INVALID;
    }
    ad = calloc(1, sizeof *ad);
    if (ad == NULL)
        abort();
    ad->db_path = str_cstr_dup(cfg->db_path);
    ad->media_dir = str_cstr_dup(cfg->media_dir != NULL ? cfg->media_dir : "media");
    ad->site = cfg->site;
    ad->alert = cfg->alert;
    ad->tls = cfg->tls;
    ad->requests_keep_days = cfg->requests_keep_days;
    if (workdays_parse(str_from_cstr(cfg->holidays != NULL ? cfg->holidays : ""), &ad->holidays) !=
        ERR_OK) {
        snprintf(err, err_size, "holidays: expected dates YYYY-MM-DD separated by commas");
        free(ad->db_path);
        free(ad->media_dir);
        free(ad);
        return ERR_INVALID;
    }
    pthread_mutex_init(&ad->lock, NULL);
    pthread_mutex_init(&ad->sched_lock, NULL);
    pthread_cond_init(&ad->sched_cond, NULL);
    atomic_init(&ad->hashing, 0);
    e = store_open(ad->db_path, STORE_WRITE, &ad->db);
    if (e != ERR_OK) {
        snprintf(err, err_size, "workspace cannot open database %s: %s", ad->db_path, err_str(e));
        admin_free(ad);
        return e;
    }
    /* a fresh install has no media folder until the first upload */
    if (mkdir(ad->media_dir, 0755) != 0 && errno != EEXIST)
        log_warn("media folder cannot be created, uploads will fail: %s", ad->media_dir);
    if (cfg->start_worker) {
        e = media_worker_start(&ad->worker);
        if (e != ERR_OK) {
            /* the site still serves; uploads say the photo service is unavailable */
            log_error("media worker did not start, photo uploads are refused: %s", err_str(e));
            ad->worker = NULL;
        }
    }
    *out = ad;
    return ERR_OK;
}

void admin_free(struct admin *ad)
{
    if (ad == NULL)
        return;
    admin__scheduler_stop(ad);
    media_worker_stop(ad->worker);
    store_close(ad->db);
    pthread_mutex_destroy(&ad->lock);
    pthread_mutex_destroy(&ad->sched_lock);
    pthread_cond_destroy(&ad->sched_cond);
    free(ad->db_path);
    free(ad->media_dir);
    free(ad);
}

void admin_on_start(struct admin *ad, struct http_server *srv)
{
    ad->srv = srv;
    admin__scheduler_start(ad);
}

void admin_on_stop(struct admin *ad)
{
    admin__scheduler_stop(ad);
    ad->srv = NULL;
}

/* ---- requests ---------------------------------------------------------------------- */

void admin__lock(struct admin_ctx *c)
{
    if (!c->locked) {
        pthread_mutex_lock(&c->ad->lock);
        c->locked = true;
        c->db = c->ad->db;
    }
}

void admin__unlock(struct admin_ctx *c)
{
    if (c->locked) {
        c->db = NULL;
        c->locked = false;
        pthread_mutex_unlock(&c->ad->lock);
    }
}

bool admin__is(const struct admin_ctx *c, enum store_role role)
{
    return c->logged_in && c->user.role >= role;
}

/* host_of drops the scheme of an Origin value: "https://example.org:8443" → host:port. */
static struct str host_of(struct str origin)
{
    size_t at = str_find(origin, STR_LIT("://"));
    if (at == SIZE_MAX)
        return STR_NULL;
    return str_sub(origin, at + 3, origin.len - at - 3);
}

/* origin_ok refuses a state change a browser says came from another site. Browsers send
 * Sec-Fetch-Site and Origin with every POST; a client sending neither (curl, scripts)
 * still needs the session cookie and the CSRF token. */
static bool origin_ok(struct http_request *req)
{
    struct str sfs = http_request_header(req, "Sec-Fetch-Site");
    if (sfs.ptr != NULL && !str_eq_cstr(sfs, "same-origin"))
        return false;
    struct str origin = http_request_header(req, "Origin");
    if (origin.ptr != NULL) {
        struct str host = http_request_header(req, "Host");
        if (host.ptr == NULL || !str_eq_nocase(host_of(origin), host))
            return false;
    }
    return true;
}

static bool is_multipart(struct http_request *req)
{
    struct str ct = http_request_header(req, "Content-Type");
    return ct.len >= 19 && str_eq_nocase(str_sub(ct, 0, 19), STR_LIT("multipart/form-data"));
}

static void security_headers(struct admin_ctx *c)
{
    http_response_header(c->res, c->req, "Content-Security-Policy", STR_LIT(ADMIN_CSP));
    http_response_header(c->res, c->req, "X-Frame-Options", STR_LIT("DENY"));
    http_response_header(c->res, c->req, "Cache-Control", STR_LIT("no-store"));
    http_response_header(c->res, c->req, "Referrer-Policy", STR_LIT("same-origin"));
    if (c->ad->tls)
        http_response_header(c->res, c->req, "Strict-Transport-Security",
                             STR_LIT("max-age=31536000; includeSubDomains"));
}

static void ctx_init(struct admin_ctx *c, struct http_request *req, struct http_response *res)
{
    const struct admin_route *rt = req->route_ctx;
    memset(c, 0, sizeof *c);
    c->ad = rt->ad;
    c->req = req;
    c->res = res;
    c->a = req->arena;
    c->root = value_obj(c->a);
    c->ip = admin__client_ip(c->ad, req);
    res->cacheable = false;
    security_headers(c);
}

/* authorized: the request comes from this site, with a session whose role the route
 * needs; otherwise the answer (login redirect, 403) is in c->res. Needs the lock. */
static bool authorized(struct admin_ctx *c, const struct admin_route *rt)
{
    struct http_request *req = c->req;
    if (req->method == HTTP_M_POST && !origin_ok(req)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.cross_site");
        return false;
    }
    c->logged_in = admin__session_load(c);
    if (rt->role <= 0)
        return true;
    if (!c->logged_in) {
        if (req->method == HTTP_M_GET || req->method == HTTP_M_HEAD) {
            struct buf b;
            buf_init(&b, 2 * HTTP_MAX_URI_BYTES);
            buf_append_cstr(&b, "/admin/login?next=");
            escape_url_component(&b, req->path);
            admin__redirect(c, "%s", b.data);
            buf_free(&b);
        } else {
            admin__message(c, 403, "admin.err.session_title", "admin.err.session");
        }
        return false;
    }
    if ((int)c->user.role < rt->role) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
        return false;
    }
    return true;
}

/* head_check runs before the body is read (http_head_check_fn): a POST from another
 * site or without a session with the route's role never gets to send its body, so no
 * anonymous client can make the server hold an upload. dispatch checks again (the
 * session may end in between) and checks the CSRF token, which is in the body. */
static bool head_check(struct http_request *req, struct http_response *res)
{
    const struct admin_route *rt = req->route_ctx;
    struct admin_ctx c;
    ctx_init(&c, req, res);
    admin__lock(&c);
    bool ok = authorized(&c, rt);
    admin__unlock(&c);
    return ok;
}

static void dispatch(struct http_request *req, struct http_response *res)
{
    const struct admin_route *rt = req->route_ctx;
    struct admin_ctx c;
    ctx_init(&c, req, res);
    admin__lock(&c);
    if (!authorized(&c, rt))
        goto out;
    if (rt->role > 0 && req->method == HTTP_M_POST && !is_multipart(req) &&
        !admin__csrf_ok(&c, admin__field(&c, req->body, "csrf"))) {
        admin__message(&c, 403, "admin.err.forbidden", "admin.err.csrf");
        goto out;
    }
    rt->fn(&c);
out:
    admin__unlock(&c);
}

void admin__add(struct admin *ad, struct http_router *r, enum http_method m, const char *pattern,
                admin_fn fn, int role, size_t max_body)
{
    if (ad->n_routes == ADMIN__MAX_ROUTES)
        abort(); /* raise ADMIN__MAX_ROUTES */
    struct admin_route *rt = &ad->routes[ad->n_routes++];
    rt->ad = ad;
    rt->fn = fn;
    rt->role = role;
    /* the workspace reads any query parameter; its pages are never cached. A body is
     * read only from a signed-in user with the role (head_check), and an upload's body
     * (a route with its own, larger limit) is spooled to disk, never held in memory */
    struct http_route_opts o = {
        .ctx = rt,
        .max_body_bytes = max_body,
        .spool_body = max_body > 0,
        .head_check = m == HTTP_M_POST && role > 0 ? head_check : NULL,
        .query = "*",
    };
    http_router_add_opts(r, m, pattern, dispatch, &o);
}

static void not_found(struct admin_ctx *c)
{
    admin__message(c, 404, "admin.err.notfound_title", "admin.err.notfound");
}

void admin_routes(struct admin *ad, struct http_router *r)
{
    const int A = STORE_ROLE_AUTHOR, E = STORE_ROLE_EDITOR, S = STORE_ROLE_ADMIN;

    admin__add(ad, r, HTTP_M_GET, "/admin/login", admin__login_form, 0, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/login", admin__login, 0, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/logout", admin__logout, A, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin", admin__home, A, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/account", admin__account, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/account", admin__account_save, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/account/email", admin__account_email_save, A, 0);

    admin__add(ad, r, HTTP_M_GET, "/admin/articles", admin__articles, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/bulk", admin__articles_bulk, A, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/articles/new", admin__article_new, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/new", admin__article_save, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/preview", admin__article_preview, A, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/articles/:id", admin__article_edit, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id", admin__article_save, A, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/articles/:id/revisions", admin__revisions, A, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/articles/:id/diff", admin__diff, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/restore", admin__restore, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/takeback", admin__article_takeback, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/autosave", admin__autosave, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/share", admin__share, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/presence", admin__presence_beat, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/takeover", admin__takeover, A, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/articles/:id/side/:kind", admin__side_diff, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/side/:kind/discard", admin__side_discard, A,
               0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/photos", admin__photos_upload, A,
               HTTP_UPLOAD_MAX_BODY_BYTES);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/gallery", admin__photos_arrange, A, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/documents", admin__documents_upload, A,
               HTTP_UPLOAD_MAX_BODY_BYTES);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/documents/arrange",
               admin__documents_arrange, A, 0);

    admin__add(ad, r, HTTP_M_GET, "/admin/articles/:id/en", admin__translation_edit, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/articles/:id/en", admin__translation_save, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/translations", admin__translations_missing, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/tags", admin__tags, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/tags/:id", admin__tag_save, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/tags/:id/merge", admin__tag_merge, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/departments", admin__depts, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/departments", admin__dept_add, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/departments/:id", admin__dept_save, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/departments/:id", admin__dept_edit, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/departments/:id/details", admin__dept_details_save, E,
               0);
    admin__add(ad, r, HTTP_M_GET, "/admin/registry", admin__registry, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/registry/new", admin__registry_new, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/registry/new", admin__registry_save, E,
               HTTP_UPLOAD_MAX_BODY_BYTES);
    admin__add(ad, r, HTTP_M_GET, "/admin/registry/:id", admin__registry_edit, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/registry/:id", admin__registry_save, E,
               HTTP_UPLOAD_MAX_BODY_BYTES);
    admin__add(ad, r, HTTP_M_GET, "/admin/vacancies", admin__vacancies, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/vacancies/new", admin__vacancy_new, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/vacancies/new", admin__vacancy_save, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/vacancies/:id", admin__vacancy_edit, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/vacancies/:id", admin__vacancy_save, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/vacancies/:id/delete", admin__vacancy_delete, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/requests", admin__requests, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/requests/:id", admin__request, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/requests/:id", admin__request_save, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/consultations", admin__consultations, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/consultations/new", admin__consultation_new, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/consultations/new", admin__consultation_save, E,
               HTTP_UPLOAD_MAX_BODY_BYTES);
    admin__add(ad, r, HTTP_M_GET, "/admin/consultations/:id", admin__consultation_edit, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/consultations/:id", admin__consultation_save, E,
               HTTP_UPLOAD_MAX_BODY_BYTES);
    admin__add(ad, r, HTTP_M_GET, "/admin/consultations/:id/comments", admin__consultation_comments,
               E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/consultations/comment/:id", admin__consultation_moderate,
               E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/leadership", admin__leadership, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/leadership/new", admin__leader_new, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/leadership/new", admin__leader_save, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/leadership/:id", admin__leader_edit, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/leadership/:id", admin__leader_save, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/leadership/:id/delete", admin__leader_delete, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/leadership/:id/photo", admin__leader_photo, E,
               HTTP_UPLOAD_MAX_BODY_BYTES);
    admin__add(ad, r, HTTP_M_GET, "/admin/pages", admin__pages, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/pages/:slug", admin__page_edit, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/pages/:slug", admin__page_save, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/pages/:slug/delete", admin__page_delete, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/banner", admin__banner, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/banner", admin__banner_save, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/banner/clear", admin__banner_clear, E, 0);

    admin__add(ad, r, HTTP_M_GET, "/admin/settings", admin__settings, S, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/settings", admin__settings_save, S, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/users", admin__users, S, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/users", admin__user_add, S, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/users/:id", admin__user_save, S, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/audit", admin__audit_view, S, 0);
    /* anything else under /admin is answered here, with the workspace's headers */
    admin__add(ad, r, HTTP_M_GET, "/admin/*", not_found, 0, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/*", not_found, 0, 0);
}

/* ---- forms ---------------------------------------------------------------------------- */

struct str admin__field(struct admin_ctx *c, struct str form, const char *name)
{
    struct str v;
    if (!http_form_get(c->a, form, name, &v, NULL))
        return STR_LIT("");
    return v;
}

size_t admin__fields(struct admin_ctx *c, struct str form, const char *name, struct str *out,
                     size_t max)
{
    struct str rest = form, pair, k, v;
    size_t n = 0;
    while (n < max && str_split_next(&rest, '&', &pair)) {
        size_t eq = str_find_char(pair, '=');
        if (eq == SIZE_MAX)
            continue;
        if (http_url_decode(c->a, str_sub(pair, 0, eq), true, &k) != ERR_OK ||
            !str_eq_cstr(k, name))
            continue;
        if (http_url_decode(c->a, str_sub(pair, eq + 1, pair.len - eq - 1), true, &v) != ERR_OK)
            continue;
        out[n++] = v;
    }
    return n;
}

bool admin__field_i64(struct admin_ctx *c, struct str form, const char *name, int64_t *out)
{
    return str_to_i64(str_trim(admin__field(c, form, name)), out);
}

bool admin__csrf_ok(struct admin_ctx *c, struct str token)
{
    if (!c->logged_in || c->csrf.len == 0 || token.len != c->csrf.len)
        return false;
    return sodium_memcmp(token.ptr, c->csrf.ptr, token.len) == 0;
}

/* ---- output ----------------------------------------------------------------------------- */

struct str admin__t(struct admin_ctx *c, const char *key)
{
    return site_text(c->ad->site, c->a, key);
}

struct str admin__int_str(struct arena *a, int64_t v)
{
    return str_from_cstr(arena_printf(a, "%lld", (long long)v));
}

struct str admin__date(struct admin_ctx *c, int64_t utc)
{
    struct buf b;
    struct str s = STR_LIT("");
    if (utc == 0)
        return s;
    buf_init(&b, 128);
    if (i18n_format_date(NULL, utc, true, &b) == ERR_OK)
        s = arena_str(c->a, buf_str(&b));
    buf_free(&b);
    return s;
}

struct str admin__date_input(struct admin_ctx *c, int64_t utc)
{
    struct kyiv_tm t = kyiv_from_utc(utc);
    return str_from_cstr(
        arena_printf(c->a, "%04d-%02d-%02dT%02d:%02d", t.year, t.month, t.day, t.hour, t.minute));
}

/* msg_key: the flash message named by ?m=, when it is one the catalog knows. */
static void flash(struct admin_ctx *c)
{
    struct str m = admin__field(c, c->req->query, "m");
    if (m.len == 0 || m.len > 32)
        return;
    for (size_t i = 0; i < m.len; i++)
        if (!((m.ptr[i] >= 'a' && m.ptr[i] <= 'z') || m.ptr[i] == '_'))
            return;
    char *key = arena_printf(c->a, "admin.msg.%.*s", STR_FMT(m));
    struct str text = admin__t(c, key);
    if (!str_eq_cstr(text, key))
        value_set_str(c->a, c->root, "flash", text);
}

void admin__render(struct admin_ctx *c, int status, const char *tmpl)
{
    struct arena *a = c->a;
    struct value *root = c->root, *user;
    struct str site_name = STR_NULL;

    if (c->locked && store_setting_get(c->db, a, "site_name", &site_name) != ERR_OK)
        site_name = STR_NULL;
    if (site_name.len == 0)
        site_name = admin__t(c, "default.site_name");
    value_set_str(a, root, "site_name", site_name);
    if (c->logged_in) {
        user = value_obj(a);
        value_set_str(a, user, "name", c->user.name);
        value_set_str(a, user, "role",
                      admin__t(c, arena_printf(a, "admin.role.%s", store_role_text(c->user.role))));
        value_set(a, root, "user", user);
        value_set_str(a, root, "csrf", c->csrf);
        value_set_bool(a, root, "is_editor", c->user.role >= STORE_ROLE_EDITOR);
        value_set_bool(a, root, "is_admin", c->user.role >= STORE_ROLE_ADMIN);
    }
    flash(c);
    buf_reset(&c->res->body);
    enum err e = site_render_page(c->ad->site, tmpl, a, root, &c->res->body);
    if (e != ERR_OK) {
        log_msg(LOG_ERROR, c->req->id, "workspace page render failed: %s: %s", tmpl, err_str(e));
        buf_reset(&c->res->body);
        c->res->status = 500;
        buf_append_cstr(&c->res->body, "500 internal error\n");
        http_response_header(c->res, c->req, "Content-Type", STR_LIT("text/plain; charset=utf-8"));
        return;
    }
    c->res->status = status;
    http_response_header(c->res, c->req, "Content-Type", STR_LIT("text/html; charset=utf-8"));
}

bool admin__path_id(struct admin_ctx *c, int64_t *id)
{
    if (c->req->n_params < 1 || !str_to_i64(c->req->params[0], id) || *id <= 0) {
        admin__message(c, 404, "admin.err.notfound_title", "admin.err.notfound");
        return false;
    }
    return true;
}

void admin__message(struct admin_ctx *c, int status, const char *title_key, const char *text_key)
{
    value_set_str(c->a, c->root, "title", admin__t(c, title_key));
    value_set_str(c->a, c->root, "text", admin__t(c, text_key));
    value_set_int(c->a, c->root, "status", status);
    admin__render(c, status, "admin-message");
}

void admin__redirect(struct admin_ctx *c, const char *fmt, ...)
{
    va_list ap;
    char tmp[2 * HTTP_MAX_URI_BYTES];
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        n = snprintf(tmp, sizeof tmp, "/admin");
    http_response_redirect(c->res, c->req, 303, str_make(tmp, (size_t)n));
}

enum err admin__audit_in(struct admin_ctx *c, const char *action, struct str object,
                         struct str detail)
{
    return store_audit_add(c->db, c->logged_in ? c->user.id : 0,
                           c->logged_in ? c->user.name : STR_NULL, c->ip, (int64_t)c->req->id,
                           action, object, detail, utc_now());
}

void admin__audit(struct admin_ctx *c, const char *action, struct str object, struct str detail)
{
    struct admin_ctx *cc = c;
    bool was_locked = cc->locked;
    admin__lock(cc);
    enum err e = admin__audit_in(cc, action, object, detail);
    if (e != ERR_OK)
        log_msg(LOG_ERROR, c->req->id, "audit write failed: %s: %s: %s", action, err_str(e),
                store_errmsg(cc->db));
    if (!was_locked)
        admin__unlock(cc);
}

void admin__invalidate(struct admin_ctx *c, const char *fmt, ...)
{
    va_list ap;
    char tmp[128];
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp || c->req->server == NULL)
        return;
    http_cache_invalidate(c->req->server, str_make(tmp, (size_t)n));
}

void admin__db_error(struct admin_ctx *c, enum err e, const char *what)
{
    if (c->db != NULL)
        store_rollback(c->db);
    if (e == ERR_NOTFOUND) {
        admin__message(c, 404, "admin.err.notfound_title", "admin.err.notfound");
        return;
    }
    log_msg(LOG_ERROR, c->req->id, "workspace %s failed: %s: %s", what, err_str(e),
            c->db != NULL ? store_errmsg(c->db) : "");
    if (e == ERR_BUSY)
        admin__message(c, 503, "admin.err.busy_title", "admin.err.busy");
    else
        admin__message(c, 500, "admin.err.internal_title", "admin.err.internal");
}

/* ---- cookies, tokens, addresses ------------------------------------------------------------ */

struct str admin__client_ip(struct admin *ad, struct http_request *req)
{
    (void)ad;
    /* already the client behind trusted_proxies (http/proxy.c), normalised */
    return str_from_cstr(req->client_ip);
}

struct str admin__cookie(struct http_request *req, const char *name)
{
    struct str rest, piece, want = str_from_cstr(name);
    for (size_t i = 0; i < req->n_headers; i++) {
        if (!str_eq_nocase(req->headers[i].name, STR_LIT("Cookie")))
            continue;
        rest = req->headers[i].value;
        while (str_split_next(&rest, ';', &piece)) {
            piece = str_trim(piece);
            size_t eq = str_find_char(piece, '=');
            if (eq == SIZE_MAX)
                continue;
            if (str_eq(str_sub(piece, 0, eq), want))
                return str_sub(piece, eq + 1, piece.len - eq - 1);
        }
    }
    return STR_NULL;
}

const char *admin__session_cookie_name(const struct admin *ad)
{
    return ad->tls ? "__Host-visnyk_session" : "visnyk_session";
}

void admin__set_cookie(struct admin_ctx *c, const char *name, struct str value, int max_age)
{
    /* __Host- cookies must be Secure with Path=/; over plain HTTP the cookie stays on
     * /admin so public pages never receive it */
    char *h = arena_printf(c->a, "%s=%.*s; Path=%s; Max-Age=%d; HttpOnly; SameSite=Strict%s", name,
                           STR_FMT(value), c->ad->tls ? "/" : "/admin", max_age,
                           c->ad->tls ? "; Secure" : "");
    http_response_header(c->res, c->req, "Set-Cookie", str_from_cstr(h));
}

struct str admin__token(struct arena *a)
{
    unsigned char raw[16];
    char *hex = arena_alloc(a, 2 * sizeof raw + 1);
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, 2 * sizeof raw + 1, raw, sizeof raw);
    return str_make(hex, 2 * sizeof raw);
}

struct str admin__sha256_hex(struct arena *a, struct str s)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char *hex = arena_alloc(a, 2 * sizeof h + 1);
    crypto_hash_sha256(h, (const unsigned char *)s.ptr, s.len);
    sodium_bin2hex(hex, 2 * sizeof h + 1, h, sizeof h);
    return str_make(hex, 2 * sizeof h);
}
