/* article.c: one news article with everything the original site shows around it:
 * departments, photo gallery, body, share links, tags, related and latest news. */
#include "render/markdown.h"
#include "site/site_internal.h"
#include "site/site_search.h"
#include "store/translations.h"

#define META_DESCRIPTION_BYTES 300

/* gallery: every photo a slide with an anchor #photo-N; previous/next are plain links to
 * the neighbouring anchor, so they work without JavaScript (the theme's CSS shows the
 * slide whose anchor is the :target), and each photo links to its largest file. */
static struct value *gallery(struct site_page *p, const struct store_article *art)
{
    struct arena *a = p->a;
    struct value *g = value_obj(a), *list = value_list(a);
    size_t n = art->n_photos;

    for (size_t i = 0; i < n; i++) {
        const struct store_photo *ph = &art->photos[i];
        struct value *f = value_obj(a);
        value_set_int(a, f, "n", (int64_t)(i + 1));
        value_set_str(a, f, "caption", ph->caption);
        /* the low-vision mode lists the photos as text: alt text, then the caption */
        if (ph->alt.len > 0 && !str_eq(ph->alt, ph->caption))
            value_set_str(a, f, "text", ph->alt);
        /* only the first photo is in view at once; the rest may wait */
        value_set(a, f, "picture",
                  site__picture(p, ph, art->title, "(min-width: 52rem) 48rem, 100vw", i > 0));
        if (n > 1) {
            value_set_int(a, f, "prev", (int64_t)(i == 0 ? n : i));
            value_set_int(a, f, "next", (int64_t)(i + 1 == n ? 1 : i + 2));
        }
        value_push(a, list, f);
    }
    value_set_int(a, g, "count", (int64_t)n);
    value_set_bool(a, g, "nav", n > 1);
    value_set(a, g, "photos", list);
    return g;
}

static struct value *share(struct site_page *p, struct str url, struct str title)
{
    struct arena *a = p->a;
    struct value *s = value_obj(a);
    struct str u = site__url_encode(p, url), t = site__url_encode(p, title);

    value_set_str(a, s, "facebook",
                  str_from_cstr(arena_printf(a, "https://www.facebook.com/sharer/sharer.php?u=%.*s",
                                             STR_FMT(u))));
    value_set_str(a, s, "telegram",
                  str_from_cstr(arena_printf(a, "https://t.me/share/url?url=%.*s&text=%.*s",
                                             STR_FMT(u), STR_FMT(t))));
    value_set_str(
        a, s, "x",
        str_from_cstr(arena_printf(a, "https://twitter.com/intent/tweet?url=%.*s&text=%.*s",
                                   STR_FMT(u), STR_FMT(t))));
    value_set_str(
        a, s, "email",
        str_from_cstr(arena_printf(a, "mailto:?subject=%.*s&body=%.*s", STR_FMT(t), STR_FMT(u))));
    value_set_str(a, s, "link", url);
    return s;
}

static struct value *refs(struct site_page *p, const struct store_ref *r, size_t n,
                          const char *prefix, const char *key)
{
    struct value *list = value_list(p->a);
    for (size_t i = 0; i < n; i++) {
        site__key(p, "%s:%lld", key, (long long)r[i].id);
        value_push(p->a, list, site__ref(p, &r[i], prefix));
    }
    return list;
}

/* english_article: the English page of a translation: its original's photos, tags,
 * departments and time with the translation's slug, title, lead and body. */
static void english_article(struct site_page *p, struct str slug)
{
    struct store_translation tr;
    struct store_article art;
    enum err e = store_translation_by_slug(p->ctx->store, p->a, STR_LIT(STORE_LANG_EN), slug, &tr);

    if (e == ERR_OK)
        e = store_article_by_id(p->ctx->store, p->a, tr.article_id, &art);
    if (e != ERR_OK) {
        site__fail(p, e, "translation");
        return;
    }
    art.slug = tr.slug;
    art.title = tr.title;
    art.lead = tr.lead;
    art.body_md = tr.body_md;
    if (tr.updated_at > art.updated_at)
        art.updated_at = tr.updated_at;
    p->original_slug = tr.original_slug;
    site__article_page(p, &art);
}

void site__article(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_article art;
    enum err e;

    if (!site__begin(&p, req, res))
        return;
    if (req->n_params < 1 || req->params[0].len == 0 || req->params[0].len > STORE_MAX_SLUG_BYTES) {
        site__fail(&p, ERR_NOTFOUND, "article slug");
        return;
    }
    if (p.variant.english) {
        english_article(&p, req->params[0]);
        return;
    }
    e = store_article_by_slug(p.ctx->store, p.a, req->params[0], &art);
    if (e == ERR_NOTFOUND) {
        /* an address shared before a rename still leads to the article (issue 12) */
        struct str current;
        e = store_article_slug_current(p.ctx->store, p.a, req->params[0], &current);
        if (e == ERR_OK) {
            http_response_redirect(res, req, 301, site__path(&p, "/news/", current));
            site__theme_release(p.theme);
            return;
        }
    }
    if (e != ERR_OK) {
        site__fail(&p, e, "article");
        return;
    }
    site__signature_mark(&p, "article", art.id, art.slug); /* signing.c */
    site__article_page(&p, &art);
}

/* counterpart: the article in the other language for the switch and hreflang: the
 * original of an English page, the public translation of a Ukrainian one (none: the
 * switch leads to the English home). */
static void counterpart(struct site_page *p, const struct store_article *art, struct str path)
{
    struct store_translation tr;
    enum err e;

    if (p->variant.english) {
        site__counterpart(p, site__path(p, "/news/", p->original_slug), path);
        return;
    }
    e = store_translation_of(p->ctx->store, p->a, art->id, STR_LIT(STORE_LANG_EN), true, &tr);
    if (e != ERR_OK && e != ERR_NOTFOUND)
        site__text_failed(p, e, "translation");
    site__counterpart(p, path, e == ERR_OK ? site__path(p, "/news/", tr.slug) : STR_LIT(""));
}

/* site__article_page builds and renders the page of art (also the editors' preview,
 * which passes an article that is not stored or not visible yet). */
void site__article_page(struct site_page *pp, const struct store_article *artp)
{
    struct site_page p = *pp;
    struct store_article art = *artp;
    struct store_summary *related;
    size_t n_related;
    struct buf body;
    struct str path, description, names[2], urls[2];
    struct value *v;
    enum err e;

    /* «Новина за темою» ranks Ukrainian articles; the English page goes without it */
    n_related = 0;
    e = p.variant.english ? ERR_OK
                          : store_article_related(p.ctx->store, p.a, art.id, SITE_RELATED_SIZE,
                                                  &related, &n_related);
    if (e != ERR_OK) {
        site__fail(&p, e, "related articles");
        return;
    }
    e = site__latest(&p, SITE_LATEST_SIZE);
    if (e != ERR_OK) {
        site__fail(&p, e, "latest articles");
        return;
    }

    buf_init(&body, 4 * MARKDOWN_MAX_INPUT_BYTES);
    e = site__markdown(&p, art.body_md, &body);
    if (e != ERR_OK) {
        /* a page without its body is not the article: site__finish answers 500 */
        site__text_failed(&p, e, "article body");
        buf_reset(&body);
    }

    path = site__path(&p, "/news/", art.slug);
    description =
        art.lead.len > 0 ? art.lead : site__plain_excerpt(&p, art.body_md, META_DESCRIPTION_BYTES);
    site__layout(&p, art.title, path, description);
    counterpart(&p, &art, path);
    site__structured_article(&p, &art); /* OpenGraph, JSON-LD */
    site__key(&p, "article:%lld", (long long)art.id);
    value_set_bool(p.a, p.root, "nav_news", true);
    names[0] = site__t(&p, "menu.news");
    urls[0] = STR_LIT("/news");
    names[1] = art.title;
    urls[1] = STR_NULL;
    site__crumbs(&p, 2, names, urls);

    v = value_obj(p.a);
    value_set_str(p.a, v, "title", art.title);
    value_set_str(p.a, v, "lead", art.lead);
    value_set_str(p.a, v, "date", site__date(&p, art.published_at, true));
    value_set_str(p.a, v, "iso", site__date_iso(&p, art.published_at));
    if (art.n_departments > 0)
        value_set(p.a, v, "departments",
                  refs(&p, art.departments, art.n_departments, "/departments/", "dept"));
    if (art.n_tags > 0)
        value_set(p.a, v, "tags", refs(&p, art.tags, art.n_tags, "/tags/", "tag"));
    if (art.n_photos > 0)
        value_set(p.a, v, "gallery", gallery(&p, &art));
    value_set(p.a, v, "body", render_raw(p.a, buf_str(&body)));
    buf_free(&body);
    struct value *docs = site__documents(&p, art.id);
    if (docs != NULL)
        value_set(p.a, v, "documents", docs);
    value_set(p.a, v, "share",
              share(&p, value_str_of(value_get(p.root, STR_LIT("canonical"))), art.title));
    value_set(p.a, p.root, "article", v);
    if (n_related > 0)
        value_set(p.a, p.root, "related", site__summaries(&p, related, n_related));
    site__finish(&p, "article");
    *pp = p;
}
