/* export.h: the static mirror. Every public page is rendered in-process through the
 * site's own handlers (http_local_get: no sockets) and written as plain files that
 * nginx, a CDN or object storage serve unchanged:
 *     /                      → index.html
 *     /news/<slug>           → news/<slug>/index.html   (every text/html page: <path>/index.html)
 *     /news/after/<cursor>   → news/after/<cursor>/index.html (pagination as paths)
 *     /feed.xml, /robots.txt → feed.xml, robots.txt     (other types: the path itself)
 *     /static/<asset>        → static/<asset>
 *     /media/<file>          → media/<file> (copied from the media folder)
 * with <file>.gz beside every text file (gzip -9, no timestamp, so unchanged pages give
 * unchanged bytes). nginx: `try_files $uri $uri/index.html =404; gzip_static on;`.
 *
 * The page list is the store's (home, every list page following the keyset, every
 * article, tag, department, archive year and month, static page) plus the optional
 * routes that exist (/feed.xml, /sitemap.xml, /robots.txt, ...) plus every site link
 * found in the pages written, so pagination and anything a template links to come along.
 *
 * Incremental and atomic: a file whose bytes are unchanged is not touched; a changed one
 * is written to a temporary name and renamed over the old one, so a mirror being served
 * is never half-updated file by file; files no page produces any more are removed. The
 * folder gets a marker file (.visnyk-export) and a folder without one that is not empty
 * is refused, so a mistyped path never loses someone's files. */
#ifndef VISNYK_EXPORT_EXPORT_H
#define VISNYK_EXPORT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define EXPORT_MARKER ".visnyk-export"
#define EXPORT_MAX_PAGES 200000 /* a bound on the crawl, far above any real site */

struct export_config {
    const char *db_path;
    const char *theme_dir;
    const char *media_dir;
    const char *base_url; /* absolute links (canonical, feeds); "" for none */
    const char *out_dir;
    bool gzip; /* write .gz beside text files */
    bool quiet;
};

struct export_stats {
    size_t pages;     /* pages rendered */
    size_t written;   /* files written (new or changed, .gz included) */
    size_t unchanged; /* files already right on disk */
    size_t removed;   /* files no page produces any more */
    size_t media;     /* media files in the mirror */
    size_t broken;    /* site links that did not render (404 or failure) */
    size_t skipped;   /* links with a query string, which no file can stand for */
    double seconds;
};

/* export_static_run writes or updates the mirror in cfg->out_dir (created when missing)
 * and fills *st. Fails with ERR_CONFLICT when out_dir is a non-empty folder without the
 * marker, ERR_IO when files cannot be written, ERR_DB/ERR_VERSION when the database
 * cannot be read; err says why in a lowercase sentence. Broken links are counted, not
 * fatal (the first ones are logged). */
ERR_MUST_USE
enum err export_static_run(const struct export_config *cfg, struct export_stats *st, char *err,
                           size_t err_size);

/* Keeping a mirror up to date while serving (config static_mirror): a background
 * thread with its own read connection exports once at start, then again whenever the
 * database changes (store_change_counter: any writer, any process) or a scheduled article
 * comes due, checking every interval_s seconds. Polling keeps it decoupled from every
 * writer; an export of an unchanged site rewrites nothing. The strings in cfg are copied.
 * NULL when the thread cannot start (logged). export_watch_stop waits for an export in
 * progress to finish, then frees; NULL is fine. */
struct export_watch;
struct export_watch *export_watch_start(const struct export_config *cfg, unsigned interval_s);
void export_watch_stop(struct export_watch *w);

#endif
