/* pages.c: static pages (about, contacts, …) and the HTML site map. */
#include <stdio.h>

#include "render/markdown.h"
#include "site/site_internal.h"
#include "store/translations.h"

void site__page(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_page pg;
    struct str path, names[1];
    struct buf body;
    enum err e;

    if (!site__begin(&p, req, res))
        return;
    if (req->n_params < 1 || req->params[0].len == 0 || req->params[0].len > STORE_MAX_SLUG_BYTES) {
        site__fail(&p, ERR_NOTFOUND, "page slug");
        return;
    }
    e = store_page_by_slug(p.ctx->store, p.a, req->params[0], &pg);
    if (e != ERR_OK) {
        site__fail(&p, e, "page");
        return;
    }
    buf_init(&body, 4 * MARKDOWN_MAX_INPUT_BYTES);
    e = site__markdown(&p, pg.body_md, &body);
    if (e != ERR_OK) {
        site__text_failed(&p, e, "page body"); /* site__finish answers 500 */
        buf_reset(&body);
    }
    path = site__path(&p, "/pages/", pg.slug);
    site__layout(&p, pg.title, path, site__plain_excerpt(&p, pg.body_md, 300));
    site__key(&p, "page:%lld", (long long)pg.id);
    if (p.variant.english) {
        /* static pages have no translations yet: the English site shows the Ukrainian
         * text, marked as such for screen readers, and pairs it with nothing */
        value_set_str(p.a, p.root, "content_lang", i18n_lang(p.theme->uk));
        site__counterpart(&p, path, STR_LIT(""));
    }
    if (str_eq_cstr(pg.slug, "about"))
        value_set_bool(p.a, p.root, "nav_about", true);
    else if (str_eq_cstr(pg.slug, "contacts"))
        value_set_bool(p.a, p.root, "nav_contacts", true);
    value_set(p.a, p.root, "body", render_raw(p.a, buf_str(&body)));
    /* the revision signed: its time is shown, as a verifier checks it */
    value_set_str(p.a, p.root, "updated", site__date(&p, pg.updated_at, false));
    value_set_str(p.a, p.root, "updated_iso", site__date_iso(&p, pg.updated_at));
    site__signature_mark(&p, "page", pg.id, pg.slug); /* signing.c */
    buf_free(&body);
    names[0] = pg.title;
    site__crumbs(&p, 1, names, NULL);
    site__finish(&p, "page");
}

static struct value *ref_list(struct site_page *p, const struct store_ref *r, size_t n,
                              const char *prefix, const char *key)
{
    struct value *list = value_list(p->a);
    for (size_t i = 0; i < n; i++) {
        site__key(p, "%s:%lld", key, (long long)r[i].id);
        value_push(p->a, list, site__ref(p, &r[i], prefix));
    }
    return value_list_len(list) > 0 ? list : NULL;
}

void site__sitemap(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_ref *tags, *depts;
    struct store_month *months;
    struct store_page *pages;
    size_t n_tags, n_depts, n_months, n_pages;
    struct str title, names[1];
    struct value *list;
    enum err e;

    if (!site__begin(&p, req, res))
        return;
    e = store_tags_published(p.ctx->store, p.a, &tags, &n_tags);
    if (e == ERR_OK)
        e = store_depts_published(p.ctx->store, p.a, &depts, &n_depts);
    if (e == ERR_OK)
        e = p.variant.english ? store_translation_months(p.ctx->store, p.a, STR_LIT(STORE_LANG_EN),
                                                         &months, &n_months)
                              : store_archive_months(p.ctx->store, p.a, &months, &n_months);
    if (e == ERR_OK)
        e = store_pages_all(p.ctx->store, p.a, &pages, &n_pages);
    if (e != ERR_OK) {
        site__fail(&p, e, "sitemap");
        return;
    }
    title = site__t(&p, "sitemap.title");
    site__layout(&p, title, STR_LIT("/sitemap"), STR_NULL);
    site__key(&p, "list:news");
    site__key(&p, "archive");
    list = ref_list(&p, depts, n_depts, "/departments/", "dept");
    if (list != NULL)
        value_set(p.a, p.root, "departments", list);
    list = ref_list(&p, tags, n_tags, "/tags/", "tag");
    if (list != NULL)
        value_set(p.a, p.root, "tags", list);
    list = value_list(p.a);
    for (size_t i = 0; i < n_months; i++) {
        char key[32];
        struct value *m = value_obj(p.a);
        snprintf(key, sizeof key, "month.nom.%d", months[i].month);
        value_set_str(
            p.a, m, "name",
            str_from_cstr(arena_printf(p.a, "%.*s %d", STR_FMT(site__t(&p, key)), months[i].year)));
        value_set_str(p.a, m, "url",
                      site__href(&p, str_from_cstr(arena_printf(p.a, "/archive/%04d/%02d",
                                                                months[i].year, months[i].month))));
        value_set_int(p.a, m, "count", months[i].count);
        value_push(p.a, list, m);
    }
    if (n_months > 0)
        value_set(p.a, p.root, "months", list);
    list = value_list(p.a);
    for (size_t i = 0; i < n_pages; i++) {
        struct value *pv = value_obj(p.a);
        site__key(&p, "page:%lld", (long long)pages[i].id);
        value_set_str(p.a, pv, "name", pages[i].title);
        value_set_str(p.a, pv, "url", site__href(&p, site__path(&p, "/pages/", pages[i].slug)));
        value_push(p.a, list, pv);
    }
    if (n_pages > 0)
        value_set(p.a, p.root, "pages", list);
    names[0] = title;
    site__crumbs(&p, 1, names, NULL);
    site__finish(&p, "sitemap");
}

/* site__public_info: «Публічна інформація», the page that leads to every section the law
 * asks of an administration's site (issue 13: the registry, requests, appeals,
 * consultations, open data, vacancies, the leadership and the departments), each with
 * a line on what it holds. The main menu names only the most used of them, so that it
 * stays two rows on a phone; the template shows a section only when it is switched on
 * (the *_on flags every page carries). */
void site__public_info(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct str names[1];

    if (!site__begin(&p, req, res))
        return;
    struct str title = site__t(&p, "pi.title");
    site__layout(&p, title, STR_LIT("/public-information"), site__t(&p, "pi.description"));
    site__key(&p, "settings");
    value_set_str(p.a, p.root, "title", title);
    names[0] = title;
    site__crumbs(&p, 1, names, NULL);
    site__finish(&p, "public-info");
}
