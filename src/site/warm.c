/* warm.c: which pages the server's page warmer keeps ready (http_config.warm_paths):
 * the home page and the news list (Ukrainian, low-vision and English) and every article
 * the home page links to, the newest. These are what readers open first after a
 * publication (which invalidates all of them) and on a node that has just started. */
#include <stdio.h>
#include <string.h>

#include "site/site_internal.h"

/* spelled as the pages link to them: the cache keys by the path as asked */
static const char *const warm_fixed[] = {"/", "/news", "/lv", "/lv/news", "/en", "/en/news"};

enum err site_warm_paths(void *app, struct arena *a, struct str **paths, size_t *n)
{
    struct site *site = app;
    size_t n_fixed = sizeof warm_fixed / sizeof warm_fixed[0];
    struct str *out = arena_alloc_array(a, n_fixed + SITE_HOME_SIZE, sizeof *out);
    *paths = out;
    *n = 0;
    for (size_t i = 0; i < n_fixed; i++)
        out[(*n)++] = str_from_cstr(warm_fixed[i]);
    /* the warmer's own thread: its own short-lived read connection */
    struct store *s;
    enum err e = store_open(site->db_path, STORE_READ, &s);
    if (e != ERR_OK)
        return e;
    struct store_list_query q = {.limit = SITE_HOME_SIZE};
    struct store_summary *items;
    size_t n_items;
    bool more;
    e = store_article_list(s, a, &q, &items, &n_items, &more);
    store_close(s);
    if (e != ERR_OK)
        return e;
    for (size_t i = 0; i < n_items; i++) {
        /* slugs are [a-z0-9-] (store_slug_valid): nothing to encode */
        char *p = arena_printf(a, "/news/%.*s", (int)items[i].slug.len, items[i].slug.ptr);
        out[(*n)++] = str_from_cstr(p);
    }
    return ERR_OK;
}
