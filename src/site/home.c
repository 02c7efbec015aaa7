/* home.c: the front page: the newest article highlighted with its lead photo, then the
 * next ones, and links to the sections and departments. */
#include "site/site_internal.h"
#include "site/site_search.h"
#include "store/translations.h"

void site__home(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_list_query q = {.limit = SITE_HOME_SIZE};
    struct store_summary *items;
    struct store_ref *depts;
    size_t n, n_depts;
    bool more;
    enum err e;

    if (!site__begin(&p, req, res))
        return;
    e = site__article_list(&p, &q, &items, &n, &more);
    if (e != ERR_OK) {
        site__fail(&p, e, "home list");
        return;
    }
    e = p.variant.english ? store_translation_refs(p.ctx->store, p.a, STR_LIT(STORE_LANG_EN), false,
                                                   &depts, &n_depts)
                          : store_depts_published(p.ctx->store, p.a, &depts, &n_depts);
    if (e != ERR_OK) {
        site__fail(&p, e, "home departments");
        return;
    }
    site__layout(&p, STR_NULL, STR_LIT("/"), STR_NULL);
    site__structured_home(&p); /* OpenGraph, JSON-LD */
    site__key(&p, "list:news");
    value_set_bool(p.a, p.root, "nav_home", true);
    if (n > 0) {
        struct value *top = site__summary(&p, &items[0]);
        if (items[0].lead_photo != NULL)
            value_set(p.a, top, "picture",
                      site__picture(&p, items[0].lead_photo, items[0].title,
                                    "(min-width: 64rem) 38rem, 100vw", false));
        value_set(p.a, p.root, "top", top);
        if (n > 1)
            value_set(p.a, p.root, "items", site__summaries(&p, items + 1, n - 1));
    } else {
        value_set_bool(p.a, p.root, "empty", true);
    }
    if (n_depts > 0) {
        struct value *list = value_list(p.a);
        for (size_t i = 0; i < n_depts; i++) {
            site__key(&p, "dept:%lld", (long long)depts[i].id);
            value_push(p.a, list, site__ref(&p, &depts[i], "/departments/"));
        }
        if (value_list_len(list) > 0)
            value_set(p.a, p.root, "departments", list);
    }
    site__finish(&p, "home");
}
