/* site_internal.h: what the page families (home.c, article.c, lists.c, archive.c,
 * pages.c, assets.c, errors.c) share with site.c. Not for other modules. */
#ifndef VISNYK_SITE_SITE_INTERNAL_H
#define VISNYK_SITE_SITE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "alert/alert.h"
#include "core/arena.h"
#include "core/str.h"
#include "core/workdays.h"
#include "http/http.h"
#include "render/i18n.h"
#include "render/template.h"
#include "render/value.h"
#include "site/site.h"
#include "store/content.h"
#include "store/settings.h"

/* One theme file from static/, kept in memory for the theme's lifetime. */
struct site_asset {
    char *name;   /* "site.css" */
    char *hashed; /* "site.1a2b3c4d.css" */
    char *url;    /* "/static/site.1a2b3c4d.css" */
    char *key;    /* "site_css": templates write {{asset.site_css}} */
    const char *content_type;
    char *data;
    size_t len;
    int64_t mtime;
};

/* Everything loaded from the theme folder, swapped as a whole on SIGHUP. Reference
 * counted: the site holds one reference, each request another while it renders. */
struct site_theme {
    atomic_int refs;
    struct template_set *ts;
    struct i18n *uk, *en;
    struct site_asset *assets;
    size_t n_assets;
};

struct site {
    char *db_path, *theme_dir, *media_dir, *base_url;
    pthread_mutex_t lock; /* guards theme (the pointer, not what it points to) */
    struct site_theme *theme;
    bool static_links;        /* pagination links as paths, see site_config */
    struct alert_feed *alert; /* see site_config; NULL = no automatic banner */
    unsigned sections_off;    /* SITE_SECTION_* not served (site_config) */
    /* site_config.holidays: the calendar request deadlines count on */
    struct workdays_calendar holidays;
    /* the open-data passports' contact; "" = the site's name and e-mail (site_config) */
    char *opendata_contact, *opendata_email;
};

/* Settings the layout shows; the order matches site__setting_keys. */
enum site_setting {
    SITE_SET_NAME,
    SITE_SET_TAGLINE,
    SITE_SET_ADDRESS,
    SITE_SET_PHONE,
    SITE_SET_EMAIL,
    SITE_SET_HOTLINE,
    SITE_SET_SUPPORT_EMAIL,
    SITE_SET_BANNER_TEXT,
    SITE_SET_BANNER_LEVEL,
    SITE_SET_BANNER_LINK,
    SITE_SET_BANNER_UNTIL, /* UTC seconds after which the banner is gone; empty: none */
    SITE_SET_MENU,         /* the editable layout: see site_settings.h */
    SITE_SET_FOOTER_NOTE,
    SITE_SET_LICENSE_MODE,
    SITE_SET_LICENSE_NAME,
    SITE_SET_LICENSE_URL,
    SITE_SET_LICENSE_BEFORE,
    SITE_SET_LICENSE_AFTER,
    SITE_SET_NAME_EN, /* the English version's name and tagline */
    SITE_SET_TAGLINE_EN,
    SITE_N_SETTINGS,
};
extern const char *const site__setting_keys[SITE_N_SETTINGS];
/* route_ctx of the pagination-as-path routes (/news/after/:cursor, ...). */
extern char site__cursor_route;

/* What thread_init returns: one per loop thread, used by that thread only. */
struct site_thread {
    struct site *site;
    struct store *store; /* NULL while the database cannot be opened */
    int64_t retry_at;    /* earliest time to try opening it again */
    /* The settings the last page read (heap copies, NULL when unset), so error pages
     * show the real footer without touching the database. */
    char *last[SITE_N_SETTINGS];
};

/* The variant of the site a request asked for, taken from its path once (site__begin):
 * "/lv/news" is the low-vision mode of "/news", "/en/news" its English version and
 * "/en/lv/news" both. Every page link goes through site__href (C) or {{base}}
 * (templates), so a reader stays in the variant; canonical links, structured data and
 * feeds use the variant's language prefix only (site__lang_path). */
#define SITE_LV_PREFIX "/lv"
#define SITE_EN_PREFIX "/en"
struct site_variant {
    struct str prefix;      /* "", "/lv", "/en" or "/en/lv": what every page link starts with */
    struct str lang_prefix; /* "" or "/en": the language part of prefix */
    bool low_vision;
    bool english;
};
/* site__variant_of splits path into its variant and the path within it ("/lv", "/lv/",
 * "/en" and "/en/lv/" → "/"). */
void site__variant_of(struct str path, struct site_variant *v, struct str *rest);
/* site__route adds a reader's page route (GET or a form's POST) four times: as pattern
 * and under every variant's prefix (/lv, /en, /en/lv). Feeds, sitemaps, files and the API use
 * http_router_add alone: they are not mirrored. */
void site__route(struct http_router *r, enum http_method m, const char *pattern, http_handler_fn fn,
                 const struct http_route_opts *opts);

/* One page being built. */
struct site_page {
    struct http_request *req;
    struct http_response *res;
    struct site_thread *ctx;
    struct site *site;
    struct site_theme *theme;
    const struct i18n *lang;
    struct arena *a;
    struct value *root;
    struct str settings[SITE_N_SETTINGS]; /* ptr NULL when unset */
    struct site_variant variant;
    struct str path; /* the request's path within its variant ("/news" for "/lv/news") */
    /* An English article's Ukrainian original (its slug), for the language switch. */
    struct str original_slug;
    /* Sticky, like a buf's: the first text a helper could not build (site__text_failed).
     * site__finish and the feed and sitemap writers then answer 500, never a page with
     * a hole in it. */
    enum err err;
};

struct site_theme *site__theme_acquire(struct site *s);
void site__theme_release(struct site_theme *t);
/* site__theme_load reads theme_dir; "file:line: what is wrong" in err on failure. */
ERR_MUST_USE
enum err site__theme_load(const char *theme_dir, struct site_theme **out, char *err,
                          size_t err_size);
/* site__assets_load fills t->assets from dir/static (assets.c). */
ERR_MUST_USE
enum err site__assets_load(const char *theme_dir, struct site_theme *t, char *err, size_t err_size);
void site__assets_free(struct site_theme *t);
/* site__read_file reads a regular file of at most max bytes into a malloc'd buffer
 * (NUL-terminated past *len; the caller frees it) with its modification time.
 * ERR_NOTFOUND (missing or not a regular file), ERR_TOO_LARGE, ERR_IO. (assets.c) */
ERR_MUST_USE
enum err site__read_file(const char *path, size_t max, char **data, size_t *len, int64_t *mtime);
const struct site_asset *site__asset_find(const struct site_theme *t, struct str name,
                                          bool *hashed);

/* site__last: the site created last (for error pages without a thread context). */
struct site *site__last(void);
/* site__layout_values fills what head, header and footer show from settings
 * (settings[i].ptr NULL = unset; catalog defaults then) and, when no editor's banner is
 * set, the automatic one (alert/alert.h) from the catalog. Touches no database. */
void site__layout_values(struct arena *a, struct value *root, const struct i18n *lang,
                         const struct site_theme *theme, const struct str *settings,
                         enum alert_banner automatic, unsigned sections_off);

/* site__mirrored: whether the site path has a copy under each variant's prefix (pages
 * do; files, feeds, sitemaps, the API and the workspace do not). */
bool site__mirrored(struct str path);
/* site__markdown appends md as HTML in the page's variant: in the low-vision mode images
 * become their alt text and links to the site's pages stay in the mode. Errors as
 * markdown_to_html. */
ERR_MUST_USE
enum err site__markdown(struct site_page *p, struct str md, struct buf *out);

/* site__variant_values sets what the templates need to keep a reader in the variant:
 * base (the link prefix), lv (true in the low-vision mode) and lv_switch, the same page
 * (path within the variant, query kept) in the other mode. Shared with error pages. */
void site__variant_values(struct arena *a, struct value *root, const struct site_variant *v,
                          struct str path, struct str query);

/* site__counterpart names the page's two language versions by their paths within the
 * variant ("/news/x", empty when that language has none): the language switch leads to
 * the other one (its home when empty) and, on indexed pages with both, the head gets
 * hreflang alternates (uk, en, x-default = uk). site__layout calls it with the page's
 * own path for both; an article or a static page calls it again after. */
void site__counterpart(struct site_page *p, struct str uk_path, struct str en_path);

/* site__begin prepares p for a page: the thread context, the theme, the database.
 * Returns false when it has already answered (503 without a database). */
bool site__begin(struct site_page *p, struct http_request *req, struct http_response *res);
/* site__layout adds what every page shows: site name, menu, footer, banner, assets,
 * title, canonical link and description; and the "settings" and "banner" cache keys.
 * All settings come from one query (store_settings_load); the menu item matching the
 * request path gets aria-current ("page" on it, "true" below it).
 * canonical_path is site-relative ("/news/x"); title and description may be empty. */
void site__layout(struct site_page *p, struct str title, struct str canonical_path,
                  struct str description);
/* site__finish renders template tmpl with p->root into the body, marks the page
 * cacheable and releases the theme; it answers 500 instead (not cacheable) when the
 * render fails or a part of the page failed before (p->err). */
void site__finish(struct site_page *p, const char *tmpl);
/* site__fail answers with the status that fits e (404, 400, 500, 503) and releases
 * the theme. what names the failed step for the log. */
void site__fail(struct site_page *p, enum err e, const char *what);
/* site__path_id reads the route's first parameter (:id) as a positive integer into *id;
 * anything else answers 404 (site__fail, what for the log) and gives false. */
bool site__path_id(struct site_page *p, int64_t *id, const char *what);
/* site__text_failed records that a part of the page could not be built (e from a
 * scratch buffer or a writer; ERR_OK does nothing) and logs it with what; the page then
 * ends in 500 (see site_page.err). The handler may go on building: the answer is decided
 * at the end. */
void site__text_failed(struct site_page *p, enum err e, const char *what);
void site__key(struct site_page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Text helpers: results live in p->a. */
struct str site__t(struct site_page *p, const char *key);
struct str site__date(struct site_page *p, int64_t utc, bool with_time);
struct str site__date_short(struct site_page *p, int64_t utc);
struct str site__date_iso(struct site_page *p, int64_t utc);
/* site__path: prefix followed by the URL-encoded slug ("/news/" + slug): the page's
 * plain path, for canonical links and structured data. */
struct str site__path(struct site_page *p, const char *prefix, struct str slug);
/* site__lang_path: path in the page's language only ("/en" + path), for canonical
 * links and structured data (a low-vision copy points to the plain page). */
struct str site__lang_path(struct site_page *p, struct str path);
/* site__href: a link to the site path path in the page's variant ("/lv" + path). */
struct str site__href(struct site_page *p, struct str path);
struct str site__url_encode(struct site_page *p, struct str s);
struct str site__absolute(struct site_page *p, struct str path);
/* site__plain_excerpt: at most max bytes of text (whole UTF-8 characters, whole
 * words when possible) from Markdown, for meta descriptions. */
struct str site__plain_excerpt(struct site_page *p, struct str md, size_t max);

/* Values for templates. Each summary also records "article:<id>"; one with a lead photo
 * has a thumb {src, webp, width, height, alt}: its smallest file. */
struct value *site__summary(struct site_page *p, const struct store_summary *s);
struct value *site__summaries(struct site_page *p, const struct store_summary *items, size_t n);
/* site__picture: {src, full, webp_srcset, jpg_srcset, sizes, width, height, alt, lazy};
 * full is the largest file (the photo's own size), for a link to it. */
struct value *site__picture(struct site_page *p, const struct store_photo *ph, struct str alt,
                            const char *sizes, bool lazy);
struct value *site__ref(struct site_page *p, const struct store_ref *r, const char *prefix);
/* site__crumbs adds breadcrumbs: Головна, then the given (name, url) pairs, the last one
 * the current page (url may be empty). */
void site__crumbs(struct site_page *p, size_t n, const struct str *names, const struct str *urls);
/* site__article_list: store_article_list in the page's language (the English version
 * lists translations, store/translations.h). */
ERR_MUST_USE
enum err site__article_list(struct site_page *p, const struct store_list_query *q,
                            struct store_summary **items, size_t *n, bool *more);
/* site__latest sets root.latest (newest n articles) and records "list:news". */
ERR_MUST_USE
enum err site__latest(struct site_page *p, size_t n);
/* site__parse_after reads ?after=<published_at>.<id>; false (and 400 answered) when it
 * is malformed. */
bool site__parse_after(struct site_page *p, struct store_cursor *after);
/* site__list_page runs q (q->after and q->limit filled here) and sets root.items,
 * root.pager; the list links go to base_path?after=… . false when it answered. */
bool site__list_page(struct site_page *p, struct store_list_query *q, struct str base_path);

/* Handlers. */
void site__home(struct http_request *req, struct http_response *res);
void site__article(struct http_request *req, struct http_response *res);
/* site__article_page renders art as the article page (after site__begin). */
void site__article_page(struct site_page *p, const struct store_article *art);
/* signing.c: the signature header and manifest link of a published article or a static
 * page (kind "article" or "page"), the current key in the head, the manifests and the
 * public keys. */
void site__signature_mark(struct site_page *p, const char *kind, int64_t id, struct str slug);
void site__head_key(struct site_page *p);
void site__article_signature(struct http_request *req, struct http_response *res);
void site__page_signature(struct http_request *req, struct http_response *res);
void site__well_known_keys(struct http_request *req, struct http_response *res);
/* share.c: GET /preview/:token, an article's shareable preview (site_preview_path). */
void site__shared_preview(struct http_request *req, struct http_response *res);
/* The sections' own Atom feeds (the registry, consultations; feeds.c):
 * site__rfc3339 writes t as an Atom date. site__atom_open starts the feed in b: the
 * title from the catalog key, self_path as its id and self link, page_path as the page
 * it mirrors, updated (0: now), the site's name as author. site__atom_close ends it and
 * the page (transaction and theme released): a failure answers 500 with nothing cached,
 * else 200 application/atom+xml, cacheable. */
void site__rfc3339(struct buf *b, int64_t t);
void site__atom_open(struct site_page *p, struct buf *b, const char *title_key,
                     struct str self_path, struct str page_path, int64_t updated);
void site__atom_close(struct site_page *p, struct http_request *req, struct http_response *res);
/* site__feed_signature writes an Atom entry's <visnyk:signature> (nothing if unsigned). */
#define SITE_SIGNATURE_NS "urn:visnyk:signature:1"
void site__feed_signature(struct site_page *p, struct buf *b, const struct store_article *art);
void site__news(struct http_request *req, struct http_response *res);
void site__tag(struct http_request *req, struct http_response *res);
void site__tags(struct http_request *req, struct http_response *res);
void site__dept(struct http_request *req, struct http_response *res);
void site__depts(struct http_request *req, struct http_response *res);
void site__archive(struct http_request *req, struct http_response *res);
void site__archive_year(struct http_request *req, struct http_response *res);
void site__archive_month(struct http_request *req, struct http_response *res);
void site__page(struct http_request *req, struct http_response *res);
void site__sitemap(struct http_request *req, struct http_response *res);
/* «Публічна інформація»: every section the law requires, the switched-on ones (pages.c) */
void site__public_info(struct http_request *req, struct http_response *res);
void site__static(struct http_request *req, struct http_response *res);
void site__media(struct http_request *req, struct http_response *res);
void site__favicon(struct http_request *req, struct http_response *res);

/* site__media_name_ok: [0-9a-f]{64}(-\d+)?\.(jpg|webp) */
bool site__media_name_ok(struct str name, const char **content_type);

/* documents.c: /documents/:hash/:name (the PDF with its download headers), and the
 * list of an article's documents for its page: {title, size, type, mime, pages, url},
 * NULL when it has none (or they cannot be read: logged, the page shows without). */
void site__document(struct http_request *req, struct http_response *res);
/* site__pdf_respond answers with media/<hash>.pdf as a download titled title, with the
 * headers that keep a browser from treating it as anything else (404 for a bad hash or
 * a missing file). Also serves the registry's originals (registry.c). */
void site__pdf_respond(struct http_request *req, struct http_response *res, struct str hash,
                       struct str title);
/* registry.c: the documents registry (/registry) and vacancies (/vacancies). */
void site__registry(struct http_request *req, struct http_response *res);
void site__registry_doc(struct http_request *req, struct http_response *res);
void site__registry_pdf(struct http_request *req, struct http_response *res);
void site__registry_feed(struct http_request *req, struct http_response *res);
void site__vacancies(struct http_request *req, struct http_response *res);
void site__vacancies_archive(struct http_request *req, struct http_response *res);
void site__vacancy(struct http_request *req, struct http_response *res);
/* requests.c: requests for public information (/requests) and citizens' appeals
 * (/appeals): the procedure, the form, the statistics (also as CSV and JSON). */
void site__requests_routes(struct http_router *r);
/* subscribe.c: what the public forms share: the one writer connection (held under a
 * lock: site__writer_lock gives it, NULL when the database cannot be opened, and
 * site__writer_unlock releases it), the cross-site check of a POST, and the mail side
 * of the site on the writer (catalog, base URL, sender, secret). */
struct mail_site;
struct store *site__writer_lock(struct site *site);
void site__writer_unlock(void);
bool site__cross_site(struct site_page *p);
ERR_MUST_USE
enum err site__mail_site(struct store *w, struct site_page *p, struct mail_site *ms);
/* consultations.c: public consultations (/consultations, a page per consultation with
 * its comment form, the comment POST on the public forms' writer, and the Atom feed). */
void site__consultations(struct http_request *req, struct http_response *res);
void site__consultation(struct http_request *req, struct http_response *res);
void site__consult_comment(struct http_request *req, struct http_response *res);
void site__consult_feed(struct http_request *req, struct http_response *res);
void site__consult_pdf(struct http_request *req, struct http_response *res);

struct value *site__documents(struct site_page *p, int64_t article_id);

/* opendata.c: /opendata, /opendata/<slug>[.csv|.json], /opendata/catalog.json. */
void site__opendata(struct http_request *req, struct http_response *res);
void site__opendata_set(struct http_request *req, struct http_response *res);
void site__opendata_catalog(struct http_request *req, struct http_response *res);
/* site__opendata_paths: the paths of the catalogue, catalog.json, and each set's page
 * and files that are on (none when open data is off), in a; returns their number. */
size_t site__opendata_paths(struct site *s, struct arena *a, const char ***paths);
/* leadership.c: /leadership. */
void site__leadership(struct http_request *req, struct http_response *res);

#endif
