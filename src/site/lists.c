/* lists.c: article lists (all news, by tag, by department; 20 a page, keyset
 * pagination) and the tag and department indexes. */
#include "render/markdown.h"
#include "site/site_internal.h"
#include "site/site_search.h"
#include "store/translations.h"

/* tel_uri: the phone as typed ("+380 (532) 56-02-90") cut to what a tel: URI holds
 * ("+380532560290"); the workspace allows only digits, separators and a leading '+'. */
static struct str tel_uri(struct arena *a, struct str phone)
{
    char *out = arena_alloc(a, phone.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < phone.len; i++)
        if ((phone.ptr[i] >= '0' && phone.ptr[i] <= '9') || (phone.ptr[i] == '+' && n == 0))
            out[n++] = phone.ptr[i];
    return str_make(out, n);
}

/* dept_details puts the department's head, contacts and functions into root.dept (shown
 * above its news) and its GovernmentOrganization JSON-LD; a department without details
 * shows just its news, as before. */
static void dept_details(struct site_page *p, const struct store_ref *ref)
{
    struct store_ref r;
    struct store_dept_details d;
    enum err e = store_dept_details_get(p->ctx->store, p->a, ref->id, &r, &d);
    if (e != ERR_OK) {
        site__text_failed(p, e, "department details"); /* site__finish answers 500 */
        return;
    }
    struct str *f = d.field;
    struct value *v = value_obj(p->a);
    bool any = false;
    static const char *const names[STORE_DEPT_N_FIELDS] = {
        [STORE_DEPT_HEAD_NAME] = "dept_head_name",
        [STORE_DEPT_HEAD_POSITION] = "dept_head_position",
        [STORE_DEPT_ADDRESS] = "dept_address",
        [STORE_DEPT_PHONE] = "dept_phone",
        [STORE_DEPT_EMAIL] = "dept_email",
        [STORE_DEPT_HOURS] = "dept_hours",
    };
    for (int i = 0; i < STORE_DEPT_N_FIELDS; i++) {
        if (names[i] == NULL || f[i].len == 0)
            continue;
        value_set_str(p->a, v, names[i], f[i]);
        any = true;
    }
    if (f[STORE_DEPT_PHONE].len > 0)
        value_set_str(p->a, v, "dept_tel", tel_uri(p->a, f[STORE_DEPT_PHONE]));
    if (f[STORE_DEPT_ADDRESS].len + f[STORE_DEPT_PHONE].len + f[STORE_DEPT_EMAIL].len +
            f[STORE_DEPT_HOURS].len >
        0)
        value_set_bool(p->a, v, "dept_has_contacts", true);
    if (f[STORE_DEPT_FUNCTIONS_MD].len > 0) {
        struct buf html;
        buf_init(&html, 4 * MARKDOWN_MAX_INPUT_BYTES);
        e = markdown_to_html(f[STORE_DEPT_FUNCTIONS_MD], &html);
        site__text_failed(p, e, "department functions");
        if (e == ERR_OK)
            value_set(p->a, v, "dept_functions", render_raw(p->a, buf_str(&html)));
        buf_free(&html);
        any = true;
    }
    if (!any)
        return;
    value_set(p->a, p->root, "dept", v);
    site__structured_dept(p, ref, &d);
}

void site__news(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_list_query q = {0};
    struct str title, names[1];

    if (!site__begin(&p, req, res))
        return;
    if (!site__list_page(&p, &q, STR_LIT("/news")))
        return;
    title = site__t(&p, "news.title");
    site__layout(&p, title, STR_LIT("/news"), STR_NULL);
    site__key(&p, "list:news");
    value_set_bool(p.a, p.root, "nav_news", true);
    names[0] = title;
    site__crumbs(&p, 1, names, NULL);
    site__finish(&p, "list");
}

/* by_ref serves /tags/:slug and /departments/:slug. */
static void by_ref(struct http_request *req, struct http_response *res, bool is_tag)
{
    const char *prefix = is_tag ? "/tags/" : "/departments/";
    struct site_page p;
    struct store_list_query q = {0};
    struct store_ref ref;
    struct str path, names[2], urls[2];
    enum err e;

    if (!site__begin(&p, req, res))
        return;
    if (req->n_params < 1 || req->params[0].len == 0 || req->params[0].len > STORE_MAX_SLUG_BYTES) {
        site__fail(&p, ERR_NOTFOUND, "slug");
        return;
    }
    e = is_tag ? store_tag_by_slug(p.ctx->store, p.a, req->params[0], &ref)
               : store_dept_by_slug(p.ctx->store, p.a, req->params[0], &ref);
    if (e != ERR_OK) {
        site__fail(&p, e, is_tag ? "tag" : "department");
        return;
    }
    if (is_tag)
        q.tag_id = ref.id;
    else
        q.dept_id = ref.id;
    path = site__path(&p, prefix, ref.slug);
    if (!site__list_page(&p, &q, path))
        return;
    site__layout(&p, ref.name, path, STR_NULL);
    site__feed_links(&p, prefix, ref.slug, ref.name); /* its own RSS and Atom */
    site__key(&p, "%s:%lld", is_tag ? "tag" : "dept", (long long)ref.id);
    value_set_str(p.a, p.root, "kicker", site__t(&p, is_tag ? "tag.kicker" : "dept.kicker"));
    names[0] = site__t(&p, is_tag ? "tags.title" : "depts.title");
    urls[0] = str_from_cstr(is_tag ? "/tags" : "/departments");
    names[1] = ref.name;
    urls[1] = STR_NULL;
    site__crumbs(&p, 2, names, urls);
    if (!is_tag)
        dept_details(&p, &ref);
    site__finish(&p, "list");
}

void site__tag(struct http_request *req, struct http_response *res)
{
    by_ref(req, res, true);
}

void site__dept(struct http_request *req, struct http_response *res)
{
    by_ref(req, res, false);
}

/* index serves /tags and /departments: every one with a published article, with its
 * count. */
static void index_page(struct http_request *req, struct http_response *res, bool is_tag)
{
    struct site_page p;
    struct store_ref *items;
    struct str title, names[1];
    struct value *list;
    size_t n;
    enum err e;

    if (!site__begin(&p, req, res))
        return;
    if (p.variant.english) /* only those with English articles, and their counts */
        e = store_translation_refs(p.ctx->store, p.a, STR_LIT(STORE_LANG_EN), is_tag, &items, &n);
    else
        e = is_tag ? store_tags_published(p.ctx->store, p.a, &items, &n)
                   : store_depts_published(p.ctx->store, p.a, &items, &n);
    if (e != ERR_OK) {
        site__fail(&p, e, is_tag ? "tags" : "departments");
        return;
    }
    title = site__t(&p, is_tag ? "tags.title" : "depts.title");
    site__layout(&p, title, str_from_cstr(is_tag ? "/tags" : "/departments"), STR_NULL);
    /* counts change whenever an article is published or withdrawn */
    site__key(&p, "list:news");
    list = value_list(p.a);
    for (size_t i = 0; i < n; i++) {
        site__key(&p, "%s:%lld", is_tag ? "tag" : "dept", (long long)items[i].id);
        value_push(p.a, list, site__ref(&p, &items[i], is_tag ? "/tags/" : "/departments/"));
    }
    if (value_list_len(list) > 0)
        value_set(p.a, p.root, "refs", list);
    else
        value_set_bool(p.a, p.root, "empty", true);
    value_set_bool(p.a, p.root, is_tag ? "is_tags" : "is_depts", true);
    names[0] = title;
    site__crumbs(&p, 1, names, NULL);
    site__finish(&p, "refs");
}

void site__tags(struct http_request *req, struct http_response *res)
{
    index_page(req, res, true);
}

void site__depts(struct http_request *req, struct http_response *res)
{
    index_page(req, res, false);
}
