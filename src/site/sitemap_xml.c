/* sitemap_xml.c: robots.txt and the XML sitemaps search engines read. The index names
 * one file of section pages (the same links as the HTML site map: sections, tags,
 * departments, archive months, static pages), the article files of at most
 * SITE_SITEMAP_CHUNK URLs each (id order, so an article keeps its file), and the news
 * sitemap of the last two days, and en.xml: the English version's sections and articles,
 * each with its hreflang pair. XML text goes out only through escape_xml. */
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "render/escape.h"
#include "site/site_search.h"
#include "site/site_settings.h"
#include "store/consultations.h"
#include "store/registry.h"
#include "store/translations.h"

#define SITEMAP_NS "http://www.sitemaps.org/schemas/sitemap/0.9"
#define NEWS_NS "http://www.google.com/schemas/sitemap-news/0.9"
#define XHTML_NS "http://www.w3.org/1999/xhtml"

static void w3c_date(struct buf *b, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char tmp[64];
    gmtime_r(&tt, &tm);
    size_t n = strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_append(b, tmp, n);
}

static void url_entry(struct site_page *p, struct buf *b, struct str path, int64_t lastmod)
{
    buf_append_cstr(b, "<url><loc>");
    escape_xml(b, site__absolute(p, path));
    buf_append_cstr(b, "</loc>");
    if (lastmod > 0) {
        buf_append_cstr(b, "<lastmod>");
        w3c_date(b, lastmod);
        buf_append_cstr(b, "</lastmod>");
    }
    buf_append_cstr(b, "</url>\n");
}

/* send finishes an XML or text answer in res->body. */
static void send(struct site_page *p, const char *content_type, enum err e)
{
    site__theme_release(p->theme);
    p->theme = NULL;
    if (e == ERR_OK)
        e = buf_error(&p->res->body);
    if (e == ERR_OK)
        e = p->err; /* a text helper failed (logged then) */
    if (e != ERR_OK) {
        log_msg(LOG_ERROR, p->req->id, "sitemap failed: %s: %s", content_type, err_str(e));
        buf_reset(&p->res->body);
        p->res->n_cache_keys = 0;
        http_response_error(p->res, 500);
        return;
    }
    p->res->status = 200;
    http_response_header(p->res, p->req, "Content-Type", str_from_cstr(content_type));
    p->res->cacheable = true;
}

void site__robots(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    if (!site__begin(&p, req, res))
        return;
    struct buf *b = &res->body;
    buf_reset(b);
    buf_append_cstr(b, "User-agent: *\n"
                       "Disallow: /search\n"
                       "Allow: /\n\n"
                       "Sitemap: ");
    enum err e = buf_append_str(b, site__absolute(&p, STR_LIT("/sitemap.xml")));
    if (e == ERR_OK)
        e = buf_append_char(b, '\n');
    site__key(&p, "settings");
    send(&p, "text/plain; charset=utf-8", e);
}

static size_t chunk_count(int64_t articles)
{
    return articles <= 0 ? 1 : (size_t)((articles + SITE_SITEMAP_CHUNK - 1) / SITE_SITEMAP_CHUNK);
}

void site__sitemap_index(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_list_query all = {0};
    int64_t count = 0, newest = 0;
    if (!site__begin(&p, req, res))
        return;
    enum err e = store_article_count(p.ctx->store, &all, &count);
    if (e != ERR_OK) {
        site__fail(&p, e, "sitemap count");
        return;
    }
    struct buf *b = &res->body;
    buf_reset(b);
    buf_append_cstr(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<sitemapindex xmlns=\"" SITEMAP_NS "\">\n");
    size_t chunks = chunk_count(count);
    struct str loc[3];
    for (size_t i = 0; i < chunks && e == ERR_OK; i++) {
        int64_t lastmod = 0;
        e = store_sitemap_lastmod(p.ctx->store, i * SITE_SITEMAP_CHUNK, SITE_SITEMAP_CHUNK,
                                  &lastmod);
        if (lastmod > newest)
            newest = lastmod;
        buf_append_cstr(b, "<sitemap><loc>");
        escape_xml(b, site__absolute(&p, str_from_cstr(arena_printf(
                                             p.a, "/sitemaps/articles-%zu.xml", i + 1))));
        buf_append_cstr(b, "</loc>");
        if (lastmod > 0) {
            buf_append_cstr(b, "<lastmod>");
            w3c_date(b, lastmod);
            buf_append_cstr(b, "</lastmod>");
        }
        buf_append_cstr(b, "</sitemap>\n");
    }
    loc[0] = STR_LIT("/sitemaps/pages.xml");
    loc[1] = STR_LIT("/sitemaps/news.xml");
    loc[2] = STR_LIT("/sitemaps/en.xml");
    for (size_t i = 0; i < 3; i++) {
        buf_append_cstr(b, "<sitemap><loc>");
        escape_xml(b, site__absolute(&p, loc[i]));
        buf_append_cstr(b, "</loc>");
        if (newest > 0) {
            buf_append_cstr(b, "<lastmod>");
            w3c_date(b, newest);
            buf_append_cstr(b, "</lastmod>");
        }
        buf_append_cstr(b, "</sitemap>\n");
    }
    if (e == ERR_OK)
        e = buf_append_cstr(b, "</sitemapindex>\n");
    site__key(&p, "list:news");
    site__key(&p, "settings");
    send(&p, "application/xml; charset=utf-8", e);
}

/* sections_13: the documents registry (every document, restricted ones too: they are
 * listed), the open vacancies and the request and appeal forms, unless the operator
 * switched them off (issue 13). */
static enum err sections_13(struct site_page *p, struct buf *b)
{
    int64_t now = utc_now();
    if ((p->site->sections_off & SITE_SECTION_REGISTRY) == 0) {
        site__key(p, "list:registry");
        url_entry(p, b, STR_LIT("/registry"), 0);
        struct store_reg_query q = {.kind = -1, .status = -1, .limit = STORE_REG_MAX_LIMIT};
        for (size_t pages = 0; pages < SITE_SITEMAP_CHUNK / STORE_REG_MAX_LIMIT; pages++) {
            struct store_reg_doc *docs;
            size_t n;
            int64_t total;
            enum err e = store_reg_list(p->ctx->store, p->a, &q, &docs, &n, &total);
            if (e != ERR_OK)
                return e;
            for (size_t i = 0; i < n; i++)
                url_entry(
                    p, b,
                    str_from_cstr(arena_printf(p->a, "/registry/%lld", (long long)docs[i].id)),
                    docs[i].updated_at);
            q.offset += n;
            if (n < STORE_REG_MAX_LIMIT)
                break;
        }
    }
    if ((p->site->sections_off & SITE_SECTION_VACANCIES) == 0) {
        site__key(p, "list:vacancies");
        url_entry(p, b, STR_LIT("/vacancies"), 0);
        url_entry(p, b, STR_LIT("/vacancies/archive"), 0);
        struct store_vacancy *v;
        size_t n;
        enum err e =
            store_vac_list(p->ctx->store, p->a, STORE_VAC_OPEN, now, STORE_VAC_MAX_LIMIT, &v, &n);
        if (e != ERR_OK)
            return e;
        for (size_t i = 0; i < n; i++)
            url_entry(p, b,
                      str_from_cstr(arena_printf(p->a, "/vacancies/%lld", (long long)v[i].id)),
                      v[i].updated_at);
    }
    /* the forms of requests for information and appeals (requests.c) */
    if ((p->site->sections_off & SITE_SECTION_REQUESTS) == 0)
        url_entry(p, b, STR_LIT("/requests"), 0);
    if ((p->site->sections_off & SITE_SECTION_APPEALS) == 0)
        url_entry(p, b, STR_LIT("/appeals"), 0);
    if ((p->site->sections_off & SITE_SECTION_CONSULTATIONS) == 0) {
        /* every consultation: finished ones stay readable with their outcome report */
        site__key(p, "list:consultations");
        url_entry(p, b, STR_LIT("/consultations"), 0);
        size_t offset = 0;
        for (size_t pages = 0; pages < SITE_SITEMAP_CHUNK / STORE_CONSULT_MAX_LIMIT; pages++) {
            struct store_consultation *k;
            size_t n;
            int64_t total;
            enum err e = store_consult_list(p->ctx->store, p->a, now, offset,
                                            STORE_CONSULT_MAX_LIMIT, &k, &n, &total);
            if (e != ERR_OK)
                return e;
            for (size_t i = 0; i < n; i++)
                url_entry(
                    p, b,
                    str_from_cstr(arena_printf(p->a, "/consultations/%lld", (long long)k[i].id)),
                    k[i].updated_at);
            offset += n;
            if (n < STORE_CONSULT_MAX_LIMIT)
                break;
        }
    }
    /* the leadership, and the open-data pages (their files are data, not pages) */
    site__key(p, "list:leadership");
    url_entry(p, b, STR_LIT("/leadership"), 0);
    url_entry(p, b, STR_LIT("/public-information"), 0);
    const char **od;
    size_t n_od = site__opendata_paths(p->site, p->a, &od);
    for (size_t i = 0; i < n_od; i++)
        if (strchr(od[i], '.') == NULL)
            url_entry(p, b, str_from_cstr(od[i]), 0);
    return ERR_OK;
}

static enum err pages_file(struct site_page *p, struct buf *b)
{
    struct store *st = p->ctx->store;
    struct store_ref *tags, *depts;
    struct store_page *pages;
    struct store_month *months;
    size_t n_tags, n_depts, n_pages, n_months;
    enum err e = store_tags_published(st, p->a, &tags, &n_tags);
    if (e == ERR_OK)
        e = store_depts_published(st, p->a, &depts, &n_depts);
    if (e == ERR_OK)
        e = store_pages_all(st, p->a, &pages, &n_pages);
    if (e == ERR_OK)
        e = store_archive_months(st, p->a, &months, &n_months);
    if (e != ERR_OK)
        return e;
    static const char *const sections[] = {"/",     "/news",        "/archive",
                                           "/tags", "/departments", "/sitemap"};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        url_entry(p, b, str_from_cstr(sections[i]), 0);
    for (size_t i = 0; i < n_pages; i++) {
        url_entry(p, b, site__path(p, "/pages/", pages[i].slug), pages[i].updated_at);
        site__key(p, "page:%lld", (long long)pages[i].id);
    }
    for (size_t i = 0; i < n_depts; i++)
        url_entry(p, b, site__path(p, "/departments/", depts[i].slug), 0);
    for (size_t i = 0; i < n_tags; i++)
        url_entry(p, b, site__path(p, "/tags/", tags[i].slug), 0);
    int last_year = 0;
    for (size_t i = 0; i < n_months; i++) {
        if (months[i].year != last_year) {
            last_year = months[i].year;
            url_entry(p, b, str_from_cstr(arena_printf(p->a, "/archive/%04d", last_year)), 0);
        }
        url_entry(p, b,
                  str_from_cstr(
                      arena_printf(p->a, "/archive/%04d/%02d", months[i].year, months[i].month)),
                  0);
    }
    return e == ERR_OK ? sections_13(p, b) : e;
}

/* alternate writes one xhtml:link of a URL's language versions. */
static void alternate(struct site_page *p, struct buf *b, const char *hreflang, struct str path)
{
    buf_append_cstr(b, "<xhtml:link rel=\"alternate\" hreflang=\"");
    buf_append_cstr(b, hreflang);
    buf_append_cstr(b, "\" href=\"");
    escape_xml(b, site__absolute(p, path));
    buf_append_cstr(b, "\"/>");
}

/* pair_entries writes the English URL and the Ukrainian one, each naming both (the
 * protocol wants every version to list every other, itself included). */
static void pair_entries(struct site_page *p, struct buf *b, struct str uk, struct str en,
                         int64_t lastmod)
{
    struct str locs[2] = {en, uk};
    for (size_t i = 0; i < 2; i++) {
        buf_append_cstr(b, "<url><loc>");
        escape_xml(b, site__absolute(p, locs[i]));
        buf_append_cstr(b, "</loc>");
        if (lastmod > 0) {
            buf_append_cstr(b, "<lastmod>");
            w3c_date(b, lastmod);
            buf_append_cstr(b, "</lastmod>");
        }
        alternate(p, b, STORE_LANG_UK, uk);
        alternate(p, b, STORE_LANG_EN, en);
        alternate(p, b, "x-default", uk);
        buf_append_cstr(b, "</url>\n");
    }
}

static enum err en_file(struct site_page *p, struct buf *b)
{
    static const char *const sections[] = {"/", "/news", "/archive", "/tags", "/departments"};
    struct store_translation_url *urls;
    size_t n;
    enum err e = store_translation_sitemap(p->ctx->store, p->a, STR_LIT(STORE_LANG_EN),
                                           STORE_TRANSLATION_SITEMAP_MAX, &urls, &n);
    if (e != ERR_OK)
        return e;
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        struct str uk = str_from_cstr(sections[i]);
        pair_entries(p, b, uk,
                     str_eq_cstr(uk, "/")
                         ? STR_LIT(SITE_EN_PREFIX)
                         : str_from_cstr(arena_printf(p->a, SITE_EN_PREFIX "%s", sections[i])),
                     0);
    }
    for (size_t i = 0; i < n; i++)
        pair_entries(p, b, site__path(p, "/news/", urls[i].original_slug),
                     site__path(p, SITE_EN_PREFIX "/news/", urls[i].slug), urls[i].lastmod);
    return ERR_OK;
}

static enum err articles_file(struct site_page *p, struct buf *b, size_t chunk)
{
    struct store_sitemap_url *urls;
    size_t n;
    enum err e = store_sitemap_articles(p->ctx->store, p->a, (chunk - 1) * SITE_SITEMAP_CHUNK,
                                        SITE_SITEMAP_CHUNK, &urls, &n, NULL);
    if (e != ERR_OK)
        return e;
    if (n == 0 && chunk > 1)
        return ERR_NOTFOUND;
    for (size_t i = 0; i < n; i++)
        url_entry(p, b, site__path(p, "/news/", urls[i].slug), urls[i].lastmod);
    return ERR_OK;
}

static enum err news_file(struct site_page *p, struct buf *b)
{
    struct store_list_query q = {.from = utc_now() - SITE_NEWS_SITEMAP_DAYS * 86400, .limit = 100};
    struct str name;
    if (store_setting_get(p->ctx->store, p->a, "site_name", &name) != ERR_OK || name.len == 0)
        name = site__t(p, "default.site_name");
    size_t total = 0;
    for (;;) {
        struct store_summary *items;
        size_t n;
        bool more;
        enum err e = store_article_list(p->ctx->store, p->a, &q, &items, &n, &more);
        if (e != ERR_OK)
            return e;
        for (size_t i = 0; i < n && total < SITE_NEWS_SITEMAP_MAX; i++, total++) {
            buf_append_cstr(b, "<url><loc>");
            escape_xml(b, site__absolute(p, site__path(p, "/news/", items[i].slug)));
            buf_append_cstr(b, "</loc><news:news><news:publication><news:name>");
            escape_xml(b, name);
            buf_append_cstr(b, "</news:name><news:language>");
            escape_xml(b, i18n_lang(p->lang));
            buf_append_cstr(b, "</news:language></news:publication><news:publication_date>");
            w3c_date(b, items[i].published_at);
            buf_append_cstr(b, "</news:publication_date><news:title>");
            escape_xml(b, items[i].title);
            buf_append_cstr(b, "</news:title></news:news></url>\n");
        }
        if (!more || n == 0 || total >= SITE_NEWS_SITEMAP_MAX)
            break;
        q.after.published_at = items[n - 1].published_at;
        q.after.id = items[n - 1].id;
    }
    return ERR_OK;
}

void site__sitemap_file(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    if (!site__begin(&p, req, res))
        return;
    struct str name = req->n_params > 0 ? req->params[0] : STR_NULL;
    struct buf *b = &res->body;
    buf_reset(b);
    enum err e;
    bool news = str_eq_cstr(name, "news.xml"), en = str_eq_cstr(name, "en.xml");
    buf_append_cstr(b,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"" SITEMAP_NS "\"");
    buf_append_cstr(b, news ? " xmlns:news=\"" NEWS_NS "\">\n"
                       : en ? " xmlns:xhtml=\"" XHTML_NS "\">\n"
                            : ">\n");
    if (en) {
        e = en_file(&p, b);
    } else if (str_eq_cstr(name, "pages.xml")) {
        e = pages_file(&p, b);
    } else if (news) {
        e = news_file(&p, b);
    } else if (str_starts_with(name, STR_LIT("articles-")) &&
               str_ends_with(name, STR_LIT(".xml")) && name.len > 13) {
        int64_t chunk = 0;
        struct str num = str_sub(name, 9, name.len - 13);
        if (!str_to_i64(num, &chunk) || chunk < 1 || chunk > 100000 || num.ptr[0] == '0')
            e = ERR_NOTFOUND;
        else
            e = articles_file(&p, b, (size_t)chunk);
    } else {
        e = ERR_NOTFOUND;
    }
    if (e != ERR_OK) {
        site__fail(&p, e, "sitemap file");
        return;
    }
    e = buf_append_cstr(b, "</urlset>\n");
    site__key(&p, "list:news");
    site__key(&p, "settings");
    send(&p, "application/xml; charset=utf-8", e);
}
