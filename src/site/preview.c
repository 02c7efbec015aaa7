/* preview.c: what the editors' workspace (src/admin/) borrows from the public site:
 * rendering its own templates with the site's theme (catalog, assets), and the article
 * preview, which goes through the very code that renders the public article page. */
#include <stdlib.h>
#include <string.h>

#include "site/site_internal.h"

enum err site_render_page(struct site *s, const char *tmpl, struct arena *a, struct value *root,
                          struct buf *out)
{
    struct site_theme *t = site__theme_acquire(s);
    struct value *asset = value_obj(a);

    for (size_t i = 0; i < t->n_assets; i++)
        value_set_str(a, asset, t->assets[i].key, str_from_cstr(t->assets[i].url));
    value_set(a, root, "asset", asset);
    enum err e = template_render(t->ts, tmpl, root, t->uk, out);
    site__theme_release(t);
    return e;
}

struct str site_text(struct site *s, struct arena *a, const char *key)
{
    struct site_theme *t = site__theme_acquire(s);
    struct str v = arena_str(a, i18n_get(t->uk, str_from_cstr(key)));
    site__theme_release(t);
    return v;
}

void site_render_article_preview(struct site *s, struct store *db, struct http_request *req,
                                 struct http_response *res, const struct store_article *art)
{
    struct site_thread ctx;
    struct site_page p;

    memset(&ctx, 0, sizeof ctx);
    ctx.site = s;
    ctx.store = db;
    memset(&p, 0, sizeof p);
    p.req = req;
    p.res = res;
    p.ctx = &ctx;
    p.site = s;
    p.a = req->arena;
    p.theme = site__theme_acquire(s);
    p.lang = p.theme->uk;
    p.root = value_obj(p.a);
    /* the plain mode; its path is no public page, so the switch leads to the /lv home */
    site__variant_of(STR_LIT("/"), &p.variant, &p.path);
    value_set_bool(p.a, p.root, "noindex", true);
    value_set_bool(p.a, p.root, "preview", true);
    site__article_page(&p, art); /* releases the theme, answers 200 or an error */
    /* a preview is never a public page: nothing may keep it */
    res->cacheable = false;
    res->n_cache_keys = 0;
    for (size_t i = 0; i < SITE_N_SETTINGS; i++)
        free(ctx.last[i]);
}
