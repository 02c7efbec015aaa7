/* search.c: /search, the results page. Works without JavaScript (a GET form); every
 * combination of parameters is its own cacheable page, dropped when any article changes
 * ("list:news": a write anywhere may change any result list). */
#include <string.h>

#include "core/buf.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/metrics.h"
#include "render/escape.h"
#include "search/search.h"
#include "site/site_search.h"
#include "store/search.h"
#include "store/translations.h"

#define SEARCH_SUGGEST_BELOW 3 /* fewer results than this: propose a spelling too */

/* param gives a query parameter, trimmed; false (and *bad) when it is not valid UTF-8. */
static bool param(struct site_page *p, const char *name, struct str *v, bool *bad)
{
    bool this_bad = false;
    *v = STR_NULL;
    if (!http_form_get(p->a, p->req->query, name, v, &this_bad)) {
        *bad = *bad || this_bad; /* http_form_get clears its flag: keep earlier ones */
        return false;
    }
    *v = str_trim(*v);
    return v->len > 0;
}

/* snippet_value: escaped HTML with <mark>, built here so render_raw gets only what
 * escape_html produced. */
static struct value *snippet_value(struct site_page *p, struct str snippet)
{
    struct buf b;
    buf_init(&b, 8 * snippet.len + 64);
    enum err e = search_snippet_html(&b, snippet);
    if (e != ERR_OK) {
        site__text_failed(p, e, "search snippet"); /* site__finish answers 500 */
        buf_reset(&b);
    }
    struct value *v = render_raw(p->a, buf_str(&b));
    buf_free(&b);
    return v;
}

/* url_with builds /search?… from the current filters with page and q replaced. */
static struct str url_with(struct site_page *p, struct str q, struct str tag, struct str dept,
                           struct str from, struct str to, bool by_date, size_t page)
{
    struct buf b;
    buf_init(&b, 4096);
    buf_append(&b, p->variant.prefix.ptr, p->variant.prefix.len);
    buf_append_cstr(&b, "/search?q=");
    escape_url_component(&b, q);
    const char *names[] = {"tag", "dept", "from", "to"};
    struct str vals[] = {tag, dept, from, to};
    for (size_t i = 0; i < 4; i++) {
        if (vals[i].len == 0)
            continue;
        buf_appendf(&b, "&%s=", names[i]);
        escape_url_component(&b, vals[i]);
    }
    if (by_date)
        buf_append_cstr(&b, "&sort=date");
    if (page > 1)
        buf_appendf(&b, "&page=%zu", page);
    site__text_failed(p, buf_error(&b), "search link"); /* ERR_OK does nothing */
    struct str s = arena_str(p->a, buf_str(&b));
    buf_free(&b);
    return s;
}

static struct value *ref_options(struct site_page *p, const struct store_ref *r, size_t n,
                                 struct str selected)
{
    struct value *list = value_list(p->a);
    for (size_t i = 0; i < n; i++) {
        struct value *o = value_obj(p->a);
        value_set_str(p->a, o, "slug", r[i].slug);
        value_set_str(p->a, o, "name", r[i].name);
        if (str_eq(r[i].slug, selected))
            value_set_bool(p->a, o, "selected", true);
        value_push(p->a, list, o);
    }
    return list;
}

void site__search(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct str q, tag, dept, from_s, to_s, sort, page_s, names[1];
    bool bad = false;
    struct store_search_query sq = {.limit = SITE_SEARCH_PAGE_SIZE};
    struct store_ref *tags = NULL, *depts = NULL;
    size_t n_tags = 0, n_depts = 0;
    int64_t page = 1;
    enum err e;

    if (!site__begin(&p, req, res))
        return;
    param(&p, "q", &q, &bad);
    param(&p, "tag", &tag, &bad);
    param(&p, "dept", &dept, &bad);
    param(&p, "from", &from_s, &bad);
    param(&p, "to", &to_s, &bad);
    param(&p, "sort", &sort, &bad);
    if (param(&p, "page", &page_s, &bad) &&
        (!str_to_i64(page_s, &page) || page < 1 || page > SITE_SEARCH_MAX_PAGE))
        bad = true;
    if ((from_s.len > 0 && !kyiv_parse_day(from_s, &sq.from)) ||
        (to_s.len > 0 && !kyiv_parse_day(to_s, &sq.until)))
        bad = true;
    if (bad) {
        site__fail(&p, ERR_INVALID, "search parameters");
        return;
    }
    if (sq.until != 0) {
        /* "to" is inclusive: the bound is the next midnight in Kyiv (23 to 25 hours on) */
        struct kyiv_tm next = kyiv_from_utc(sq.until + 30 * 3600);
        sq.until = kyiv_to_utc(next.year, next.month, next.day, 0, 0, 0);
    }
    sq.text = q;
    sq.by_date = str_eq_cstr(sort, "date");
    sq.offset = (size_t)(page - 1) * SITE_SEARCH_PAGE_SIZE;

    e = store_tags_published(p.ctx->store, p.a, &tags, &n_tags);
    if (e == ERR_OK)
        e = store_depts_published(p.ctx->store, p.a, &depts, &n_depts);
    if (e != ERR_OK) {
        site__fail(&p, e, "search filters");
        return;
    }
    for (size_t i = 0; i < n_tags && tag.len > 0 && sq.tag_id == 0; i++)
        if (str_eq(tags[i].slug, tag))
            sq.tag_id = tags[i].id;
    for (size_t i = 0; i < n_depts && dept.len > 0 && sq.dept_id == 0; i++)
        if (str_eq(depts[i].slug, dept))
            sq.dept_id = depts[i].id;
    if ((tag.len > 0 && sq.tag_id == 0) || (dept.len > 0 && sq.dept_id == 0)) {
        site__fail(&p, ERR_NOTFOUND, "search filter");
        return;
    }

    struct store_search_hit *hits = NULL;
    size_t n = 0;
    bool more = false;
    int64_t total = 0;
    if (q.len > 0 && p.variant.english) {
        /* English articles, English stems; the filters and sorting are the Ukrainian
         * search's only (the English form does not offer them) */
        struct store_summary *found;
        memset(&sq, 0, sizeof sq);
        sq.offset = (size_t)(page - 1) * SITE_SEARCH_PAGE_SIZE;
        e = store_translation_search(p.ctx->store, p.a, STR_LIT(STORE_LANG_EN), q,
                                     SITE_SEARCH_PAGE_SIZE, sq.offset, &found, &n, &total);
        if (e != ERR_OK) {
            site__fail(&p, e, "english search");
            return;
        }
        hits = arena_alloc_array(p.a, n > 0 ? n : 1, sizeof *hits);
        for (size_t i = 0; i < n; i++) {
            memset(&hits[i], 0, sizeof hits[i]);
            hits[i].summary = found[i];
            hits[i].snippet = found[i].lead; /* no marks: the lead, escaped like any */
        }
        more = (int64_t)(sq.offset + n) < total;
        tag = dept = from_s = to_s = STR_NULL;
    } else if (q.len > 0) {
        uint64_t t0 = metrics_now_ns(); /* /metrics: search latency */
        e = store_search(p.ctx->store, p.a, &sq, &hits, &n, &more, &total);
        metrics_histogram_observe(&metrics_g.search, metrics_now_ns() - t0);
        if (e != ERR_OK) {
            site__fail(&p, e, "search");
            return;
        }
    }

    struct arena *a = p.a;
    struct str title = site__t(&p, "search.title");
    if (q.len > 0)
        title = str_from_cstr(arena_printf(a, "%.*s: %.*s", STR_FMT(title), STR_FMT(q)));
    site__layout(&p, title, STR_LIT("/search"), STR_NULL);
    site__key(&p, "list:news");
    /* results pages are many and thin: keep them out of search engines' indexes */
    value_set_bool(a, p.root, "noindex", true);
    names[0] = site__t(&p, "search.title");
    site__crumbs(&p, 1, names, NULL);

    struct value *form = value_obj(a);
    value_set_str(a, form, "q", q);
    value_set_str(a, form, "from", from_s);
    value_set_str(a, form, "to", to_s);
    value_set_bool(a, form, "by_date", sq.by_date);
    value_set(a, form, "tags", ref_options(&p, tags, n_tags, tag));
    value_set(a, form, "depts", ref_options(&p, depts, n_depts, dept));
    value_set_bool(a, form, "simple", p.variant.english);
    value_set(a, p.root, "search", form);
    value_set_str(a, p.root, "query", q);

    if (q.len == 0) {
        value_set_bool(a, p.root, "no_query", true);
    } else {
        if (total >= STORE_SEARCH_COUNT_MAX)
            value_set_str(
                a, p.root, "total",
                str_from_cstr(arena_printf(a, "%.*s %d", STR_FMT(site__t(&p, "search.more_than")),
                                           STORE_SEARCH_COUNT_MAX - 1)));
        else
            value_set_int(a, p.root, "total", total);
        struct value *list = value_list(a);
        for (size_t i = 0; i < n; i++) {
            struct value *v = site__summary(&p, &hits[i].summary);
            value_set(a, v, "snippet", snippet_value(&p, hits[i].snippet));
            if (hits[i].n_departments > 0) {
                struct value *dl = value_list(a);
                for (size_t k = 0; k < hits[i].n_departments; k++)
                    value_push(a, dl, site__ref(&p, &hits[i].departments[k], "/departments/"));
                value_set(a, v, "departments", dl);
            }
            value_push(a, list, v);
        }
        if (n > 0)
            value_set(a, p.root, "results", list);

        /* static pages (about, contacts) answer questions news cannot: on the first
         * page of an unfiltered search only */
        if (page == 1 && sq.tag_id == 0 && sq.dept_id == 0 && sq.from == 0 && sq.until == 0 &&
            !p.variant.english) {
            struct store_page_hit *ph;
            size_t n_ph;
            e = store_search_pages(p.ctx->store, a, q, 3, &ph, &n_ph);
            if (e == ERR_OK && n_ph > 0) {
                struct value *pl = value_list(a);
                for (size_t i = 0; i < n_ph; i++) {
                    struct value *v = value_obj(a);
                    site__key(&p, "page:%lld", (long long)ph[i].id);
                    value_set_str(a, v, "title", ph[i].title);
                    value_set_str(a, v, "url",
                                  site__href(&p, site__path(&p, "/pages/", ph[i].slug)));
                    value_set(a, v, "snippet", snippet_value(&p, ph[i].snippet));
                    value_push(a, pl, v);
                }
                value_set(a, p.root, "page_hits", pl);
            }
        }

        if (total < SEARCH_SUGGEST_BELOW && page == 1 && !p.variant.english) {
            struct str sug;
            if (store_search_suggest(p.ctx->store, a, q, &sug) == ERR_OK) {
                struct value *s = value_obj(a);
                value_set_str(a, s, "text", sug);
                value_set_str(a, s, "url",
                              url_with(&p, sug, tag, dept, from_s, to_s, sq.by_date, 1));
                value_set(a, p.root, "suggestion", s);
            }
        }
        if (n == 0) {
            value_set_bool(a, p.root, "nothing", true);
            if (sq.tag_id != 0 || sq.dept_id != 0 || sq.from != 0 || sq.until != 0)
                value_set_str(a, p.root, "unfiltered_url",
                              url_with(&p, q, STR_NULL, STR_NULL, STR_NULL, STR_NULL, false, 1));
            e = site__latest(&p, SITE_LATEST_SIZE);
            if (e != ERR_OK)
                log_msg(LOG_WARN, req->id, "search: latest news failed: %s", err_str(e));
        }
        if (page > 1 || more) {
            struct value *pager = value_obj(a);
            if (page > 1)
                value_set_str(
                    a, pager, "prev_url",
                    url_with(&p, q, tag, dept, from_s, to_s, sq.by_date, (size_t)page - 1));
            if (more && page < SITE_SEARCH_MAX_PAGE)
                value_set_str(
                    a, pager, "next_url",
                    url_with(&p, q, tag, dept, from_s, to_s, sq.by_date, (size_t)page + 1));
            value_set_int(a, pager, "page", page);
            value_set(a, p.root, "pager", pager);
        }
        /* the English search sorts by relevance only */
        if (!p.variant.english && sq.by_date)
            value_set_str(a, p.root, "sort_relevance_url",
                          url_with(&p, q, tag, dept, from_s, to_s, false, 1));
        else if (!p.variant.english)
            value_set_str(a, p.root, "sort_date_url",
                          url_with(&p, q, tag, dept, from_s, to_s, true, 1));
    }
    site__finish(&p, "search");
}
