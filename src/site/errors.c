/* errors.c: error pages in the site's design. They must work with the database down,
 * so they read nothing from it: the footer comes from the settings this thread saw
 * last, else from the catalog. */
#include <stdio.h>

#include "core/log.h"
#include "site/site_internal.h"

static const char fallback_error_page[] =
    "<!doctype html><html lang=\"uk\"><meta charset=\"utf-8\"><title>Помилка</title>"
    "<h1>Помилка</h1><p>Сторінка зараз недоступна. Спробуйте пізніше або перейдіть на "
    "<a href=\"/\">головну сторінку</a>.</p></html>\n";

void site_error_page(struct http_request *req, struct http_response *res)
{
    struct site_thread *ctx = req->thread_ctx;
    struct site *site = ctx != NULL ? ctx->site : site__last();
    struct arena *own = NULL, *a = req->arena;
    struct site_theme *theme;
    struct str settings[SITE_N_SETTINGS];
    struct value *root, *error;
    const struct i18n *lang;
    char key[48];
    int status = res->status > 0 ? res->status : 500;
    enum err e;

    res->cacheable = false;
    buf_reset(&res->body);
    if (req->arena != NULL)
        http_response_header(res, req, "Content-Type", STR_LIT("text/html; charset=utf-8"));
    if (site == NULL) {
        buf_append(&res->body, fallback_error_page, sizeof fallback_error_page - 1);
        return;
    }
    if (a == NULL) {
        own = arena_new(16 * 1024);
        a = own;
    }
    theme = site__theme_acquire(site);
    lang = theme->uk;
    if (req->path.ptr != NULL) {
        struct site_variant variant;
        struct str rest;
        site__variant_of(req->path, &variant, &rest);
        if (variant.english)
            lang = theme->en;
    }
    for (size_t i = 0; i < SITE_N_SETTINGS; i++)
        settings[i] = ctx != NULL ? str_from_cstr(ctx->last[i]) : STR_NULL;
    root = value_obj(a);
    if (lang == theme->en)
        value_set_str(a, root, "data_lang", i18n_lang(theme->uk)); /* see site__layout */
    site__layout_values(a, root, lang, theme, settings, alert_feed_banner(site->alert),
                        site->sections_off);
    /* a reader lost under /lv/ or /en/ stays in that variant; the switch leads home, as
     * the same address in the other mode may not exist either */
    if (req->path.ptr != NULL) {
        struct site_variant variant;
        struct str rest;
        site__variant_of(req->path, &variant, &rest);
        site__variant_values(a, root, &variant, STR_LIT("/"), STR_LIT(""));
    }

    error = value_obj(a);
    value_set_int(a, error, "status", status);
    /* a reader quoting it lets the operator find the request in the log */
    if (status >= 500 && req->id != 0)
        value_set_int(a, error, "request_id", (int64_t)req->id);
    snprintf(key, sizeof key, "error.%d.title", status);
    struct str title = i18n_get(lang, str_from_cstr(key));
    if (str_eq_cstr(title, key)) /* a status the catalog does not know */
        title = i18n_get(lang, STR_LIT("error.other.title"));
    snprintf(key, sizeof key, "error.%d.text", status);
    struct str text = i18n_get(lang, str_from_cstr(key));
    if (str_eq_cstr(text, key))
        text = i18n_get(lang, STR_LIT("error.other.text"));
    value_set_str(a, error, "title", title);
    value_set_str(a, error, "text", text);
    value_set(a, root, "error", error);
    value_set_str(a, root, "title", title);
    struct str name = value_str_of(value_get(value_get(root, STR_LIT("site")), STR_LIT("name")));
    value_set_str(
        a, root, "head_title",
        str_from_cstr(arena_printf(a, "%d %.*s — %.*s", status, STR_FMT(title), STR_FMT(name))));
    value_set_bool(a, root, "noindex", true);

    e = template_render(theme->ts, "error", root, lang, &res->body);
    if (e != ERR_OK) {
        log_error("error page render failed: %s", err_str(e));
        buf_reset(&res->body);
        buf_append(&res->body, fallback_error_page, sizeof fallback_error_page - 1);
    }
    site__theme_release(theme);
    if (own != NULL)
        arena_free(own);
}
