/* site.h: the public pages (what a reader sees). Handlers read through store/ and
 * render the theme's templates through render/; nothing here writes data.
 *
 * Wiring, as main.c does it:
 *
 *     struct site *site;
 *     site_new(&cfg, &site, err, sizeof err);
 *     struct http_router *r = http_router_new();
 *     site_routes(site, r);
 *     size_t n;
 *     http_cfg.router = r;
 *     http_cfg.app = site;
 *     http_cfg.thread_init = site_thread_init;
 *     http_cfg.thread_done = site_thread_done;
 *     http_cfg.error_page = site_error_page;
 *     http_cfg.common_headers = site_security_headers(&n);
 *     http_cfg.n_common_headers = n;
 *     http_server_run(&http_cfg, site_on_reload, &srv);
 *     ... http_router_free(r); site_free(site);
 *
 * URL scheme (all GET):
 *   /                          home
 *   /news                      newest first, ?after=<published_at>.<id> for older pages
 *   /news/after/<published_at>.<id>  the same older page as a path (also under
 *                              /tags/<slug>, /departments/<slug>, /archive/<yyyy>/<mm>)
 *   /news/<slug>               an article
 *   /tags, /tags/<slug>        tag index with counts, articles of a tag
 *   /departments, /departments/<slug>
 *   /archive, /archive/<yyyy>, /archive/<yyyy>/<mm>
 *   /pages/<slug>              static pages (about, contacts)
 *   /sitemap                   HTML site map
 *   /static/<name>.<hash8>.<ext> theme assets, immutable; /static/<name> short cache
 *   /media/<sha256>[-<w>].(jpg|webp) image files from the media folder
 *   /favicon.ico               the theme's favicon.svg (404 when the theme has none) */
#ifndef VISNYK_SITE_SITE_H
#define VISNYK_SITE_SITE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "http/http.h"

#define SITE_PAGE_SIZE 20   /* articles per list page */
#define SITE_HOME_SIZE 13   /* articles on the home page (1 highlighted) */
#define SITE_LATEST_SIZE 9  /* «Останні новини» beside an article */
#define SITE_RELATED_SIZE 3 /* «Новина за темою» */
#define SITE_MAX_ASSET_BYTES (2 * 1024 * 1024)
#define SITE_MAX_ASSETS 64
#define SITE_MAX_MEDIA_BYTES (16 * 1024 * 1024)

struct site_config {
    const char *db_path;
    const char *theme_dir; /* e.g. templates/themes/default */
    const char *media_dir;
    const char *base_url; /* e.g. http://127.0.0.1:8080, for canonical and share links */
    /* Pagination links as paths (/news/after/<published_at>.<id>) instead of queries
     * (?after=...), so a static mirror can hold every list page as a file. The live site
     * answers both forms either way. */
    bool static_links;
    /* The automatic air-raid banner (alert/alert.h), or NULL: shown on every page while
     * no editor's banner is set. Owned by the caller; outlives the site's use of it. */
    struct alert_feed *alert;
    /* Sections of issue 13 an operator switched off (config `registry = off`,
     * `vacancies = off`): their pages answer 404 and leave the default menu, the site
     * map and the sitemaps. */
    bool registry_off, vacancies_off;
    /* requests for information and citizens' appeals (config `requests = off`,
     * `appeals = off`), and the working-day calendar their deadlines count on (config
     * `holidays`, "YYYY-MM-DD, ..."; NULL or "" = weekends only) */
    bool requests_off, appeals_off;
    const char *holidays;
    bool consultations_off; /* config `consultations = off` (site/consultations.c) */
    /* Open data (config `opendata = off`: /opendata answers 404 and leaves the menu),
     * and the passports' responsible person and e-mail (NULL or empty: the site's name
     * and e-mail settings). */
    bool opendata_off;
    const char *opendata_contact, *opendata_email;
};

struct site;

/* site_new loads the theme: templates, the uk (default) and en catalogs and the static
 * assets. The strings in cfg are copied. The caller owns *out (site_free). Fails with
 * ERR_PARSE/ERR_IO and "file:line: what is wrong" in err when the theme is broken. */
ERR_MUST_USE
enum err site_new(const struct site_config *cfg, struct site **out, char *err, size_t err_size);
/* site_reload loads the theme again and swaps it in; requests in flight finish with
 * the old one. On error the old theme stays and the reason is logged. Thread-safe. */
ERR_MUST_USE
enum err site_reload(struct site *s);
/* site_on_reload is site_reload shaped for http_server_run's on_reload (app = site). */
void site_on_reload(void *app);
/* site_free releases the site; call it after the server has stopped. */
void site_free(struct site *s);

/* site_routes adds every public route to r. */
void site_routes(struct site *s, struct http_router *r);

/* Thread hooks for http_config (app = the struct site). Each loop thread gets its own
 * read-only database connection; when the database cannot be opened the thread still
 * starts, pages answer 503 and the connection is retried. */
void *site_thread_init(void *app);
void site_thread_done(void *thread_ctx);

/* site_error_page fills res->body for res->status in the site's design (http_config
 * .error_page). It never touches the database: the footer comes from the settings the
 * thread saw last, else from the catalog. */
void site_error_page(struct http_request *req, struct http_response *res);
/* Health and metrics (health.c), for http_config.ready and .metrics_write: site_ready is
 * true when this loop's database connection answers a trivial read and a theme is
 * loaded, else false with the reason appended; site_metrics_write appends the gauges read
 * from the database at scrape time (outbox depth and the age of its oldest message). */
bool site_ready(void *thread_ctx, struct buf *reason);
/* site_warm_paths, for http_config.warm_paths (warm.c): the home page and the news list
 * (also in the low-vision mode and in English) and the articles the home page shows. */
ERR_MUST_USE
enum err site_warm_paths(void *app, struct arena *a, struct str **paths, size_t *n);
void site_metrics_write(void *thread_ctx, struct buf *out);

/* site_security_headers: the headers every response carries (CSP and friends); static
 * storage, *n receives the count. */
const struct http_header *site_security_headers(size_t *n);

/* ---- for the editors' workspace (preview.c) ---- */
struct value;
struct store;
struct store_article;
/* site_render_page renders template tmpl (an admin-*.html of the theme) with root into
 * out, using the site's current theme: its uk catalog, and root.asset.<name> set to the
 * hashed URLs of the static files. Errors as template_render. */
ERR_MUST_USE
enum err site_render_page(struct site *s, const char *tmpl, struct arena *a, struct value *root,
                          struct buf *out);
/* site_text: the catalog text for key (uk), copied into a. */
struct str site_text(struct site *s, struct arena *a, const char *key);
/* site_preview_path appends the path of a shareable preview link of article id that
 * works until expires (UTC), signed with the article's preview key nonce_hex (64 hex
 * digits, store/preview.h): "/preview/<id>-<expires>-<mac>" (share.c). ERR_INVALID
 * when the key is not 32 bytes of hex. */
struct buf;
ERR_MUST_USE
enum err site_preview_path(struct str nonce_hex, int64_t id, int64_t expires, struct buf *out);
/* site_render_article_preview answers res with art rendered exactly as the public
 * article page (noindex, never cached), reading settings, latest and related articles
 * through db (any connection; the caller serialises its use). art need not be stored
 * nor visible. */
void site_render_article_preview(struct site *s, struct store *db, struct http_request *req,
                                 struct http_response *res, const struct store_article *art);

#endif
