/* structured.c: what messengers and search engines read from a page's head:
 * OpenGraph and Twitter-card values (root.og, written by head.html) and JSON-LD
 * (root.jsonld: NewsArticle + BreadcrumbList on articles, GovernmentOrganization +
 * WebSite on the home page). JSON is built with jansson and made safe for a <script>
 * element by writing < > & as \u escapes (they can only occur inside JSON strings). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "site/site_search.h"

#define JSONLD_MAX_BYTES (256 * 1024)

static json_t *jstr(struct str s)
{
    json_t *j = json_stringn(s.ptr != NULL ? s.ptr : "", s.len);
    return j != NULL ? j : json_string("");
}

/* push_jsonld serialises doc (taking ownership) into root.jsonld[]. */
static void push_jsonld(struct site_page *p, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (text == NULL) {
        site__text_failed(p, ERR_NOMEM, "json-ld"); /* jansson fails only out of memory */
        return;
    }
    struct buf b;
    buf_init(&b, JSONLD_MAX_BYTES);
    enum err e = ERR_OK;
    for (const char *c = text; *c != '\0' && e == ERR_OK; c++) {
        if (*c == '<')
            e = buf_append_cstr(&b, "\\u003c");
        else if (*c == '>')
            e = buf_append_cstr(&b, "\\u003e");
        else if (*c == '&')
            e = buf_append_cstr(&b, "\\u0026");
        else
            e = buf_append_char(&b, *c);
    }
    free(text);
    site__text_failed(p, e, "json-ld"); /* ERR_OK does nothing; else site__finish answers 500 */
    if (e == ERR_OK) {
        struct value *list = value_get(p->root, STR_LIT("jsonld"));
        if (list == NULL) {
            list = value_list(p->a);
            value_set(p->a, p->root, "jsonld", list);
        }
        struct value *item = value_obj(p->a);
        value_set(p->a, item, "json", render_raw(p->a, buf_str(&b)));
        value_push(p->a, list, item);
    }
    buf_free(&b);
}

static struct str site_name(struct site_page *p)
{
    return value_str_of(value_get(value_get(p->root, STR_LIT("site")), STR_LIT("name")));
}

void site__share_image(struct site_page *p, const struct store_photo *ph, struct site_image *out)
{
    memset(out, 0, sizeof *out);
    const char *name;
    if (ph->width > 1600) {
        name = arena_printf(p->a, "%.*s-1600.jpg", STR_FMT(ph->hash));
        out->width = 1600;
        out->height = (int)((int64_t)ph->height * 1600 / ph->width);
    } else {
        name = arena_printf(p->a, "%.*s.jpg", STR_FMT(ph->hash));
        out->width = ph->width;
        out->height = ph->height;
    }
    out->url = site__absolute(p, str_from_cstr(arena_printf(p->a, "/media/%s", name)));
    out->file = str_from_cstr(arena_printf(p->a, "%s/%s", p->site->media_dir, name));
}

static json_t *organization(struct site_page *p)
{
    json_t *org = json_object();
    json_object_set_new(org, "@type", json_string("GovernmentOrganization"));
    json_object_set_new(org, "name", jstr(site_name(p)));
    json_object_set_new(org, "url", jstr(site__absolute(p, STR_LIT("/"))));
    return org;
}

void site__structured_article(struct site_page *p, const struct store_article *art)
{
    struct arena *a = p->a;
    struct str path = site__path(p, "/news/", art->slug);
    struct str url = site__absolute(p, site__lang_path(p, path));
    struct str published = site__date_iso(p, art->published_at);
    struct str modified = site__date_iso(
        p, art->updated_at > art->published_at ? art->updated_at : art->published_at);
    struct value *og = value_obj(a);
    struct site_image img = {0};

    value_set_cstr(a, og, "type", "article");
    value_set_str(a, og, "published_time", published);
    value_set_str(a, og, "modified_time", modified);
    if (art->n_photos > 0) {
        site__share_image(p, &art->photos[0], &img);
        value_set_str(a, og, "image", img.url);
        if (img.width > 0 && img.height > 0) {
            value_set_int(a, og, "image_width", img.width);
            value_set_int(a, og, "image_height", img.height);
        }
        struct str alt = art->photos[0].alt.len > 0 ? art->photos[0].alt : art->title;
        value_set_str(a, og, "image_alt", alt);
    }
    if (art->n_departments > 0)
        value_set_str(a, og, "section", art->departments[0].name);
    struct value *tags = value_list(a);
    for (size_t i = 0; i < art->n_tags; i++) {
        struct value *t = value_obj(a);
        value_set_str(a, t, "name", art->tags[i].name);
        value_push(a, tags, t);
    }
    if (art->n_tags > 0)
        value_set(a, og, "tags", tags);
    value_set(a, p->root, "og", og);

    json_t *doc = json_object();
    json_object_set_new(doc, "@context", json_string("https://schema.org"));
    json_object_set_new(doc, "@type", json_string("NewsArticle"));
    json_object_set_new(doc, "headline", jstr(art->title));
    if (art->lead.len > 0)
        json_object_set_new(doc, "description", jstr(art->lead));
    json_object_set_new(doc, "url", jstr(url));
    json_t *page = json_object();
    json_object_set_new(page, "@type", json_string("WebPage"));
    json_object_set_new(page, "@id", jstr(url));
    json_object_set_new(doc, "mainEntityOfPage", page);
    json_object_set_new(doc, "datePublished", jstr(published));
    json_object_set_new(doc, "dateModified", jstr(modified));
    json_object_set_new(doc, "inLanguage", jstr(i18n_lang(p->lang)));
    if (art->n_photos > 0) {
        json_t *images = json_array();
        for (size_t i = 0; i < art->n_photos && i < 3; i++) {
            struct site_image im;
            site__share_image(p, &art->photos[i], &im);
            json_t *io = json_object();
            json_object_set_new(io, "@type", json_string("ImageObject"));
            json_object_set_new(io, "url", jstr(im.url));
            if (im.width > 0 && im.height > 0) {
                json_object_set_new(io, "width", json_integer(im.width));
                json_object_set_new(io, "height", json_integer(im.height));
            }
            if (art->photos[i].caption.len > 0)
                json_object_set_new(io, "caption", jstr(art->photos[i].caption));
            json_array_append_new(images, io);
        }
        json_object_set_new(doc, "image", images);
    }
    if (art->n_tags > 0) {
        json_t *kw = json_array();
        for (size_t i = 0; i < art->n_tags; i++)
            json_array_append_new(kw, jstr(art->tags[i].name));
        json_object_set_new(doc, "keywords", kw);
    }
    if (art->n_departments > 0) {
        json_t *sec = json_array();
        for (size_t i = 0; i < art->n_departments; i++)
            json_array_append_new(sec, jstr(art->departments[i].name));
        json_object_set_new(doc, "articleSection", sec);
    }
    json_object_set_new(doc, "publisher", organization(p));
    json_object_set_new(doc, "author", organization(p));
    push_jsonld(p, doc);

    json_t *crumbs = json_object();
    json_object_set_new(crumbs, "@context", json_string("https://schema.org"));
    json_object_set_new(crumbs, "@type", json_string("BreadcrumbList"));
    json_t *items = json_array();
    struct str names[3] = {site__t(p, "menu.home"), site__t(p, "menu.news"), art->title};
    struct str urls[3] = {site__absolute(p, site__lang_path(p, STR_LIT("/"))),
                          site__absolute(p, site__lang_path(p, STR_LIT("/news"))), url};
    for (int i = 0; i < 3; i++) {
        json_t *li = json_object();
        json_object_set_new(li, "@type", json_string("ListItem"));
        json_object_set_new(li, "position", json_integer(i + 1));
        json_object_set_new(li, "name", jstr(names[i]));
        json_object_set_new(li, "item", jstr(urls[i]));
        json_array_append_new(items, li);
    }
    json_object_set_new(crumbs, "itemListElement", items);
    push_jsonld(p, crumbs);
}

void site__structured_home(struct site_page *p)
{
    struct value *og = value_obj(p->a);
    value_set_cstr(p->a, og, "type", "website");
    value_set(p->a, p->root, "og", og);

    json_t *org = organization(p);
    json_object_set_new(org, "@context", json_string("https://schema.org"));
    struct str tagline =
        value_str_of(value_get(value_get(p->root, STR_LIT("site")), STR_LIT("tagline")));
    if (tagline.len > 0)
        json_object_set_new(org, "description", jstr(tagline));
    if (p->settings[SITE_SET_ADDRESS].len > 0) {
        json_t *addr = json_object();
        json_object_set_new(addr, "@type", json_string("PostalAddress"));
        json_object_set_new(addr, "streetAddress", jstr(p->settings[SITE_SET_ADDRESS]));
        json_object_set_new(addr, "addressCountry", json_string("UA"));
        json_object_set_new(org, "address", addr);
    }
    if (p->settings[SITE_SET_PHONE].len > 0)
        json_object_set_new(org, "telephone", jstr(p->settings[SITE_SET_PHONE]));
    if (p->settings[SITE_SET_EMAIL].len > 0)
        json_object_set_new(org, "email", jstr(p->settings[SITE_SET_EMAIL]));
    push_jsonld(p, org);

    json_t *site = json_object();
    json_object_set_new(site, "@context", json_string("https://schema.org"));
    json_object_set_new(site, "@type", json_string("WebSite"));
    json_object_set_new(site, "name", jstr(site_name(p)));
    json_object_set_new(site, "url", jstr(site__absolute(p, site__lang_path(p, STR_LIT("/")))));
    json_object_set_new(site, "inLanguage", jstr(i18n_lang(p->lang)));
    json_t *action = json_object();
    json_object_set_new(action, "@type", json_string("SearchAction"));
    json_object_set_new(
        action, "target",
        jstr(site__absolute(p, site__lang_path(p, STR_LIT("/search?q={search_term_string}")))));
    json_object_set_new(action, "query-input", json_string("required name=search_term_string"));
    json_object_set_new(site, "potentialAction", action);
    push_jsonld(p, site);
}

void site__structured_dept(struct site_page *p, const struct store_ref *ref,
                           const struct store_dept_details *d)
{
    const struct str *f = d->field;
    json_t *org = json_object();
    json_object_set_new(org, "@context", json_string("https://schema.org"));
    json_object_set_new(org, "@type", json_string("GovernmentOrganization"));
    json_object_set_new(org, "name", jstr(ref->name));
    json_object_set_new(org, "url",
                        jstr(site__absolute(p, site__path(p, "/departments/", ref->slug))));
    if (f[STORE_DEPT_PHONE].len > 0)
        json_object_set_new(org, "telephone", jstr(f[STORE_DEPT_PHONE]));
    if (f[STORE_DEPT_EMAIL].len > 0)
        json_object_set_new(org, "email", jstr(f[STORE_DEPT_EMAIL]));
    if (f[STORE_DEPT_ADDRESS].len > 0) {
        json_t *addr = json_object();
        json_object_set_new(addr, "@type", json_string("PostalAddress"));
        json_object_set_new(addr, "streetAddress", jstr(f[STORE_DEPT_ADDRESS]));
        json_object_set_new(addr, "addressCountry", json_string("UA"));
        json_object_set_new(org, "address", addr);
    }
    if (f[STORE_DEPT_HEAD_NAME].len > 0) {
        json_t *head = json_object();
        json_object_set_new(head, "@type", json_string("Person"));
        json_object_set_new(head, "name", jstr(f[STORE_DEPT_HEAD_NAME]));
        if (f[STORE_DEPT_HEAD_POSITION].len > 0)
            json_object_set_new(head, "jobTitle", jstr(f[STORE_DEPT_HEAD_POSITION]));
        json_object_set_new(org, "employee", head);
    }
    json_object_set_new(org, "parentOrganization", organization(p));
    push_jsonld(p, org);
}
