/* feeds.c: RSS 2.0 and Atom 1.0 for all news and for each tag and department: the
 * newest SITE_FEED_SIZE articles in full (HTML of the body), the lead as summary and
 * the lead photo as enclosure. Text goes out only through escape_xml. Page-cached with
 * the same keys as the lists they mirror; the HTTP layer adds ETag and answers 304. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/buf.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "render/escape.h"
#include "render/markdown.h"
#include "site/site_search.h"
#include "store/translations.h"

#define FEED_MAX_BYTES (8 * 1024 * 1024)

enum feed_kind { FEED_RSS, FEED_ATOM };

/* xml appends escaped text. */
static void xml(struct buf *b, struct str s)
{
    escape_xml(b, s);
}

static void rfc822(struct buf *b, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char tmp[64];
    gmtime_r(&tt, &tm);
    size_t n = strftime(tmp, sizeof tmp, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    buf_append(b, tmp, n);
}

void site__rfc3339(struct buf *b, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char tmp[64];
    gmtime_r(&tt, &tm);
    size_t n = strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_append(b, tmp, n);
}

void site__atom_open(struct site_page *p, struct buf *b, const char *title_key,
                     struct str self_path, struct str page_path, int64_t updated)
{
    struct str self = site__absolute(p, self_path);
    buf_reset(b);
    buf_append_cstr(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"uk\">\n<title>");
    escape_xml(b, site__t(p, title_key));
    buf_append_cstr(b, "</title>\n<id>");
    escape_xml(b, self);
    buf_append_cstr(b, "</id>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"");
    escape_xml(b, self);
    buf_append_cstr(b, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
    escape_xml(b, site__absolute(p, page_path));
    buf_append_cstr(b, "\"/>\n<updated>");
    site__rfc3339(b, updated > 0 ? updated : utc_now());
    struct str site_name;
    if (store_setting_get(p->ctx->store, p->a, "site_name", &site_name) != ERR_OK ||
        site_name.len == 0)
        site_name = site__t(p, "default.site_name");
    site__key(p, "settings");
    buf_append_cstr(b, "</updated>\n<author><name>");
    escape_xml(b, site_name);
    buf_append_cstr(b, "</name></author>\n<generator>visnyk</generator>\n");
}

void site__atom_close(struct site_page *p, struct http_request *req, struct http_response *res)
{
    struct buf *b = &res->body;
    enum err e = buf_append_cstr(b, "</feed>\n");
    if (e == ERR_OK)
        e = p->err;
    if (store_in_transaction(p->ctx->store))
        store_rollback(p->ctx->store);
    site__theme_release(p->theme);
    p->theme = NULL;
    if (e != ERR_OK) {
        buf_reset(b);
        res->n_cache_keys = 0;
        http_response_error(res, 500);
        return;
    }
    res->status = 200;
    http_response_header(res, req, "Content-Type", STR_LIT("application/atom+xml; charset=utf-8"));
    res->cacheable = true;
}

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

struct feed {
    struct str title;     /* channel title */
    struct str html_path; /* the page the feed mirrors: "/news", "/tags/x" */
    struct str self_path; /* "/feed.xml", "/tags/x/atom.xml" */
    struct str description;
};

static void item_write(struct site_page *p, struct buf *b, enum feed_kind kind,
                       const struct store_article *art)
{
    struct str url = site__absolute(p, site__lang_path(p, site__path(p, "/news/", art->slug)));
    struct buf html;
    buf_init(&html, 4 * MARKDOWN_MAX_INPUT_BYTES);
    /* an entry without its text must not go out: the failure marks the feed's body */
    buf_set_error(b, markdown_to_html(art->body_md, &html));
    struct str summary = art->lead;
    struct buf excerpt;
    buf_init(&excerpt, 4096);
    if (summary.len == 0) {
        buf_set_error(b, markdown_excerpt(art->body_md, 300, &excerpt));
        summary = buf_str(&excerpt);
    }
    struct site_image img = {0};
    if (art->n_photos > 0)
        site__share_image(p, &art->photos[0], &img);
    int64_t updated = art->updated_at > art->published_at ? art->updated_at : art->published_at;

    if (kind == FEED_RSS) {
        buf_append_cstr(b, "<item>\n<title>");
        xml(b, art->title);
        buf_append_cstr(b, "</title>\n<link>");
        xml(b, url);
        buf_append_cstr(b, "</link>\n<guid isPermaLink=\"true\">");
        xml(b, url);
        buf_append_cstr(b, "</guid>\n<pubDate>");
        rfc822(b, art->published_at);
        buf_append_cstr(b, "</pubDate>\n<description>");
        xml(b, summary);
        buf_append_cstr(b, "</description>\n<content:encoded>");
        xml(b, buf_str(&html));
        buf_append_cstr(b, "</content:encoded>\n");
        for (size_t i = 0; i < art->n_departments; i++) {
            buf_append_cstr(b, "<category>");
            xml(b, art->departments[i].name);
            buf_append_cstr(b, "</category>\n");
        }
        for (size_t i = 0; i < art->n_tags; i++) {
            buf_append_cstr(b, "<category>");
            xml(b, art->tags[i].name);
            buf_append_cstr(b, "</category>\n");
        }
        if (img.url.len > 0) {
            buf_append_cstr(b, "<enclosure url=\"");
            xml(b, img.url);
            buf_appendf(b, "\" length=\"%lld\" type=\"image/jpeg\"/>\n",
                        (long long)file_size(img.file.ptr));
        }
        buf_append_cstr(b, "</item>\n");
    } else {
        buf_append_cstr(b, "<entry>\n<title>");
        xml(b, art->title);
        buf_append_cstr(b, "</title>\n<id>");
        xml(b, url);
        buf_append_cstr(b, "</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
        xml(b, url);
        buf_append_cstr(b, "\"/>\n<published>");
        site__rfc3339(b, art->published_at);
        buf_append_cstr(b, "</published>\n<updated>");
        site__rfc3339(b, updated);
        buf_append_cstr(b, "</updated>\n<summary>");
        xml(b, summary);
        buf_append_cstr(b, "</summary>\n<content type=\"html\">");
        xml(b, buf_str(&html));
        buf_append_cstr(b, "</content>\n");
        /* the signature covers the Ukrainian original; translations are not signed */
        if (!p->variant.english)
            site__feed_signature(p, b, art); /* signing.c */
        for (size_t i = 0; i < art->n_tags; i++) {
            buf_append_cstr(b, "<category term=\"");
            xml(b, art->tags[i].name);
            buf_append_cstr(b, "\"/>\n");
        }
        if (img.url.len > 0) {
            buf_append_cstr(b, "<link rel=\"enclosure\" type=\"image/jpeg\" href=\"");
            xml(b, img.url);
            buf_appendf(b, "\" length=\"%lld\"/>\n", (long long)file_size(img.file.ptr));
        }
        buf_append_cstr(b, "</entry>\n");
    }
    buf_free(&excerpt);
    buf_free(&html);
}

/* english: art with its public English translation's slug, title, lead and body;
 * ERR_NOTFOUND when it has none (the list had it a moment ago: skip it). */
static enum err english(struct site_page *p, struct store_article *art)
{
    struct store_translation tr;
    enum err e =
        store_translation_of(p->ctx->store, p->a, art->id, STR_LIT(STORE_LANG_EN), true, &tr);
    if (e != ERR_OK)
        return e;
    art->slug = tr.slug;
    art->title = tr.title;
    art->lead = tr.lead;
    art->body_md = tr.body_md;
    if (tr.updated_at > art->updated_at)
        art->updated_at = tr.updated_at;
    return ERR_OK;
}

/* feed_serve writes the feed of q's articles. */
static void feed_serve(struct site_page *p, enum feed_kind kind, const struct feed *f,
                       struct store_list_query *q)
{
    struct store *st = p->ctx->store;
    struct store_summary *items;
    size_t n;
    bool more;
    struct str site_name;

    q->limit = SITE_FEED_SIZE;
    enum err e = site__article_list(p, q, &items, &n, &more);
    if (e != ERR_OK) {
        site__fail(p, e, "feed list");
        return;
    }
    /* the English feeds take the English name when the editors gave one */
    if (!p->variant.english || store_setting_get(st, p->a, "site_name_en", &site_name) != ERR_OK ||
        site_name.len == 0)
        site_name = STR_LIT("");
    if (site_name.len == 0 &&
        (store_setting_get(st, p->a, "site_name", &site_name) != ERR_OK || site_name.len == 0))
        site_name = site__t(p, "default.site_name");
    site__key(p, "settings");

    struct buf *b = &p->res->body;
    buf_reset(b);
    struct str title = f->title.len > 0
                           ? str_from_cstr(arena_printf(p->a, "%.*s — %.*s", STR_FMT(f->title),
                                                        STR_FMT(site_name)))
                           : site_name;
    struct str html_url = site__absolute(p, site__lang_path(p, f->html_path));
    struct str self_url = site__absolute(p, site__lang_path(p, f->self_path));
    struct str lang = i18n_lang(p->lang);
    int64_t newest = 0;

    struct store_article *arts = arena_alloc_array(p->a, n > 0 ? n : 1, sizeof *arts);
    size_t n_arts = 0;
    for (size_t i = 0; i < n; i++) {
        e = store_article_by_id(st, p->a, items[i].id, &arts[n_arts]);
        if (e == ERR_OK && p->variant.english)
            e = english(p, &arts[n_arts]);
        if (e == ERR_NOTFOUND)
            continue;
        if (e != ERR_OK) {
            site__fail(p, e, "feed article");
            return;
        }
        site__key(p, "article:%lld", (long long)items[i].id);
        int64_t u = arts[n_arts].updated_at > arts[n_arts].published_at ? arts[n_arts].updated_at
                                                                        : arts[n_arts].published_at;
        if (u > newest)
            newest = u;
        n_arts++;
    }
    /* an empty feed (a tag with no English article yet) keeps a fixed date: with the time
     * of the request, every static export would rewrite it */
    if (newest == 0)
        newest = 1;

    buf_append_cstr(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if (kind == FEED_RSS) {
        buf_append_cstr(b, "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" "
                           "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n"
                           "<channel>\n<title>");
        xml(b, title);
        buf_append_cstr(b, "</title>\n<link>");
        xml(b, html_url);
        buf_append_cstr(b, "</link>\n<description>");
        xml(b, f->description.len > 0 ? f->description : title);
        buf_append_cstr(b, "</description>\n<language>");
        xml(b, lang);
        buf_append_cstr(b, "</language>\n<lastBuildDate>");
        rfc822(b, newest);
        buf_append_cstr(b, "</lastBuildDate>\n<generator>visnyk</generator>\n"
                           "<atom:link rel=\"self\" type=\"application/rss+xml\" href=\"");
        xml(b, self_url);
        buf_append_cstr(b, "\"/>\n");
    } else {
        buf_append_cstr(b, "<feed xmlns=\"http://www.w3.org/2005/Atom\" "
                           "xmlns:visnyk=\"" SITE_SIGNATURE_NS "\" xml:lang=\"");
        xml(b, lang);
        buf_append_cstr(b, "\">\n<title>");
        xml(b, title);
        buf_append_cstr(b, "</title>\n<id>");
        xml(b, self_url);
        buf_append_cstr(b, "</id>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"");
        xml(b, self_url);
        buf_append_cstr(b, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
        xml(b, html_url);
        buf_append_cstr(b, "\"/>\n<updated>");
        site__rfc3339(b, newest);
        buf_append_cstr(b, "</updated>\n<author><name>");
        xml(b, site_name);
        buf_append_cstr(b, "</name></author>\n<generator>visnyk</generator>\n");
        if (f->description.len > 0) {
            buf_append_cstr(b, "<subtitle>");
            xml(b, f->description);
            buf_append_cstr(b, "</subtitle>\n");
        }
    }
    for (size_t i = 0; i < n_arts; i++)
        item_write(p, b, kind, &arts[i]);
    enum err last = buf_append_cstr(b, kind == FEED_RSS ? "</channel>\n</rss>\n" : "</feed>\n");
    if (last == ERR_OK)
        last = p->err; /* a text helper failed (logged then) */
    if (last != ERR_OK) {
        site__fail(p, last == ERR_NOMEM ? ERR_NOMEM : ERR_TOO_LARGE, "feed body");
        return;
    }
    p->res->status = 200;
    http_response_header(p->res, p->req, "Content-Type",
                         kind == FEED_RSS ? STR_LIT("application/rss+xml; charset=utf-8")
                                          : STR_LIT("application/atom+xml; charset=utf-8"));
    p->res->cacheable = true;
}

/* begin: feeds render no template, but site__t needs the theme's catalog, so they
 * hold the theme like a page does and release it in finish. */
static bool begin(struct site_page *p, struct http_request *req, struct http_response *res)
{
    return site__begin(p, req, res);
}

static void finish(struct site_page *p)
{
    site__theme_release(p->theme);
    p->theme = NULL;
}

static void all_feed(struct http_request *req, struct http_response *res, enum feed_kind kind)
{
    struct site_page p;
    struct store_list_query q = {0};
    if (!begin(&p, req, res))
        return;
    struct feed f = {
        .title = STR_NULL,
        .html_path = STR_LIT("/news"),
        .self_path = kind == FEED_RSS ? STR_LIT("/feed.xml") : STR_LIT("/atom.xml"),
    };
    struct str tagline;
    if (p.variant.english &&
        store_setting_get(p.ctx->store, p.a, "site_tagline_en", &tagline) == ERR_OK)
        f.description = tagline;
    if (f.description.len == 0 &&
        store_setting_get(p.ctx->store, p.a, "site_tagline", &tagline) == ERR_OK)
        f.description = tagline;
    site__key(&p, "list:news");
    feed_serve(&p, kind, &f, &q);
    finish(&p);
}

static void ref_feed(struct http_request *req, struct http_response *res, enum feed_kind kind,
                     bool is_tag)
{
    struct site_page p;
    struct store_list_query q = {0};
    struct store_ref ref;
    if (!begin(&p, req, res))
        return;
    if (req->n_params < 1 || req->params[0].len == 0 || req->params[0].len > STORE_MAX_SLUG_BYTES) {
        site__fail(&p, ERR_NOTFOUND, "feed slug");
        return;
    }
    enum err e = is_tag ? store_tag_by_slug(p.ctx->store, p.a, req->params[0], &ref)
                        : store_dept_by_slug(p.ctx->store, p.a, req->params[0], &ref);
    if (e != ERR_OK) {
        site__fail(&p, e, is_tag ? "feed tag" : "feed department");
        return;
    }
    const char *prefix = is_tag ? "/tags/" : "/departments/";
    struct str path = site__path(&p, prefix, ref.slug);
    struct feed f = {
        .title = ref.name,
        .html_path = path,
        .self_path = str_from_cstr(arena_printf(p.a, "%.*s/%s", STR_FMT(path),
                                                kind == FEED_RSS ? "feed.xml" : "atom.xml")),
        .description = ref.name,
    };
    if (is_tag)
        q.tag_id = ref.id;
    else
        q.dept_id = ref.id;
    site__key(&p, "%s:%lld", is_tag ? "tag" : "dept", (long long)ref.id);
    site__key(&p, "list:news");
    feed_serve(&p, kind, &f, &q);
    finish(&p);
}

void site__feed_rss(struct http_request *req, struct http_response *res)
{
    all_feed(req, res, FEED_RSS);
}

void site__feed_guess(struct http_request *req, struct http_response *res)
{
    http_response_redirect(res, req, 301, STR_LIT("/feed.xml"));
}

void site__feed_atom(struct http_request *req, struct http_response *res)
{
    all_feed(req, res, FEED_ATOM);
}

void site__tag_feed_rss(struct http_request *req, struct http_response *res)
{
    ref_feed(req, res, FEED_RSS, true);
}

void site__tag_feed_atom(struct http_request *req, struct http_response *res)
{
    ref_feed(req, res, FEED_ATOM, true);
}

void site__dept_feed_rss(struct http_request *req, struct http_response *res)
{
    ref_feed(req, res, FEED_RSS, false);
}

void site__dept_feed_atom(struct http_request *req, struct http_response *res)
{
    ref_feed(req, res, FEED_ATOM, false);
}

void site__feed_links(struct site_page *p, const char *prefix, struct str slug, struct str name)
{
    struct arena *a = p->a;
    struct value *list = value_list(a);
    struct str site_name =
        value_str_of(value_get(value_get(p->root, STR_LIT("site")), STR_LIT("name")));
    if (prefix != NULL && slug.len > 0) {
        struct str path = site__lang_path(p, site__path(p, prefix, slug));
        struct value *r = value_obj(a), *at = value_obj(a);
        value_set_cstr(a, r, "type", "application/rss+xml");
        value_set_str(a, r, "title", str_from_cstr(arena_printf(a, "%.*s — RSS", STR_FMT(name))));
        value_set_str(a, r, "href", str_from_cstr(arena_printf(a, "%.*s/feed.xml", STR_FMT(path))));
        value_push(a, list, r);
        value_set_cstr(a, at, "type", "application/atom+xml");
        value_set_str(a, at, "title", str_from_cstr(arena_printf(a, "%.*s — Atom", STR_FMT(name))));
        value_set_str(a, at, "href",
                      str_from_cstr(arena_printf(a, "%.*s/atom.xml", STR_FMT(path))));
        value_push(a, list, at);
    }
    struct value *r = value_obj(a), *at = value_obj(a);
    value_set_cstr(a, r, "type", "application/rss+xml");
    value_set_str(a, r, "title", str_from_cstr(arena_printf(a, "%.*s — RSS", STR_FMT(site_name))));
    value_set_str(a, r, "href", site__lang_path(p, STR_LIT("/feed.xml")));
    value_push(a, list, r);
    value_set_cstr(a, at, "type", "application/atom+xml");
    value_set_str(a, at, "title",
                  str_from_cstr(arena_printf(a, "%.*s — Atom", STR_FMT(site_name))));
    value_set_str(a, at, "href", site__lang_path(p, STR_LIT("/atom.xml")));
    value_push(a, list, at);
    value_set(a, p->root, "feeds", list);
}
