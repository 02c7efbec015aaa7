/* registry.c: the documents registry (/registry: filters by type, year and status, a
 * search over the registry's own index, 20 a page; /registry/<id>: one document, its
 * links to the documents it changes and that change it, its text and its signed
 * original) and vacancies (/vacancies: the open ones, decided at request time;
 * /vacancies/archive; /vacancies/<id>). A restricted document shows its type, number
 * and date only. Keys: "list:registry", "registry:<id>", "list:vacancies",
 * "vacancy:<id>"; the workspace's scheduler drops the vacancy keys when a deadline
 * passes, so no cached page shows an expired vacancy as open. */
#include <string.h>
#include <time.h>

#include "core/kyiv_time.h"
#include "media/document.h"
#include "render/escape.h"
#include "render/markdown.h"
#include "site/site_internal.h"
#include "site/site_settings.h"
#include "store/registry.h"

#define REG_PAGE_SIZE 20
#define REG_MAX_PAGE 10000
#define REG_MAX_QUERY_BYTES 200

static const char *const kind_keys[STORE_REG_N_KINDS] = {"reg.kind.order", "reg.kind.decree",
                                                         "reg.kind.decision", "reg.kind.draft",
                                                         "reg.kind.regulatory"};

static struct str day(struct site_page *p, int64_t utc)
{
    struct kyiv_tm k = kyiv_from_utc(utc);
    return str_from_cstr(arena_printf(p->a, "%02d.%02d.%04d", k.day, k.month, k.year));
}

static struct str day_iso(struct site_page *p, int64_t utc)
{
    struct kyiv_tm k = kyiv_from_utc(utc);
    return str_from_cstr(arena_printf(p->a, "%04d-%02d-%02d", k.year, k.month, k.day));
}

static struct str status_label(struct site_page *p, enum store_reg_status s)
{
    return site__t(p, arena_printf(p->a, "reg.status.%s", store_reg_status_name(s)));
}

/* doc_name: «Розпорядження № 125-р від 01.02.2026». */
static struct str doc_name(struct site_page *p, const struct store_reg_doc *d)
{
    struct str kind = site__t(p, kind_keys[d->kind]), from = site__t(p, "reg.from");
    struct str date = day(p, d->doc_date);
    return str_from_cstr(arena_printf(p->a, "%.*s № %.*s %.*s %.*s", STR_FMT(kind),
                                      STR_FMT(d->number), STR_FMT(from), STR_FMT(date)));
}

static struct str doc_path(struct site_page *p, int64_t id)
{
    return str_from_cstr(arena_printf(p->a, "/registry/%lld", (long long)id));
}

/* end_page: what site__finish does for a page that renders no template (a feed, a
 * file): the read transaction closed, the theme released. */
static void end_page(struct site_page *p)
{
    if (store_in_transaction(p->ctx->store))
        store_rollback(p->ctx->store);
    site__theme_release(p->theme);
    p->theme = NULL;
}

static bool sections_on(struct site_page *p, unsigned section)
{
    if ((p->site->sections_off & section) == 0)
        return true;
    site__fail(p, ERR_NOTFOUND, "section off");
    return false;
}

/* summary: what a list shows of d (no title when restricted). */
static struct value *summary(struct site_page *p, const struct store_reg_doc *d)
{
    struct value *v = value_obj(p->a);
    value_set_str(p->a, v, "url", site__href(p, doc_path(p, d->id)));
    value_set_str(p->a, v, "name", doc_name(p, d));
    value_set_str(p->a, v, "kind", site__t(p, kind_keys[d->kind]));
    value_set_str(p->a, v, "number", d->number);
    value_set_str(p->a, v, "date", day(p, d->doc_date));
    value_set_str(p->a, v, "iso", day_iso(p, d->doc_date));
    value_set_cstr(p->a, v, "status_class", store_reg_status_name(d->status));
    if (d->kind != STORE_REG_DRAFT)
        value_set_str(p->a, v, "status", status_label(p, d->status));
    else if (d->discussion_until != 0)
        /* a date, not "open"/"closed": the cached list stays true after the day passes */
        value_set_str(p->a, v, "comments_until", day(p, d->discussion_until));
    if (!d->restricted)
        value_set_str(p->a, v, "doc_title", d->title);
    /* every key set, so that no section looks one up in the page around it */
    value_set_bool(p->a, v, "restricted", d->restricted);
    return v;
}

/* options: the choices of one filter, the current one selected. */
static struct value *option(struct site_page *p, struct str value, struct str label, bool selected)
{
    struct value *o = value_obj(p->a);
    value_set_str(p->a, o, "value", value);
    value_set_str(p->a, o, "label", label);
    if (selected)
        value_set_bool(p->a, o, "selected", true);
    return o;
}

/* qget: the query parameter name, empty when absent; *bad set when it is malformed. */
static struct str qget(struct site_page *p, const char *name, bool *bad)
{
    struct str v = STR_LIT("");
    if (!http_form_get(p->a, p->req->query, name, &v, bad))
        v = STR_LIT("");
    return v;
}

/* read_filters reads ?type=&year=&status=&q=&page=; false (400 answered) when one is
 * not a value the form offers. */
static bool read_filters(struct site_page *p, struct store_reg_query *q, int64_t *page,
                         struct str *type, struct str *year, struct str *status)
{
    struct str v;
    bool bad = false;
    memset(q, 0, sizeof *q);
    q->kind = q->status = -1;
    *page = 1;
    *type = qget(p, "type", &bad);
    *year = qget(p, "year", &bad);
    *status = qget(p, "status", &bad);
    bool ok = !bad;
    if (type->len > 0 && (q->kind = store_reg_kind_parse(*type)) < 0)
        ok = false;
    if (status->len > 0 &&
        ((q->status = store_reg_status_parse(*status)) < 0 || q->status == STORE_REG_UNDER_DRAFT))
        ok = false;
    int64_t y = 0;
    if (year->len > 0 && (!str_to_i64(*year, &y) || y < 1991 || y > 2100))
        ok = false;
    q->year = (int)y;
    v = qget(p, "page", &bad);
    if (v.len > 0 && (!str_to_i64(v, page) || *page < 1 || *page > REG_MAX_PAGE))
        ok = false;
    q->text = str_trim(qget(p, "q", &bad));
    if (bad || q->text.len > REG_MAX_QUERY_BYTES)
        ok = false;
    if (!ok) {
        site__fail(p, ERR_PARSE, "registry filters");
        return false;
    }
    q->offset = (size_t)(*page - 1) * REG_PAGE_SIZE;
    q->limit = REG_PAGE_SIZE;
    return true;
}

/* page_url: /registry with the filters and page n. */
static struct str page_url(struct site_page *p, int64_t n)
{
    struct str base = site__href(p, STR_LIT("/registry"));
    bool bad = false;
    struct buf b;
    buf_init(&b, 4096);
    buf_append(&b, base.ptr, base.len);
    char sep = '?';
    static const char *const names[] = {"type", "year", "status", "q"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct str v = qget(p, names[i], &bad);
        if (v.len == 0)
            continue;
        struct str enc = site__url_encode(p, v);
        buf_appendf(&b, "%c%s=%.*s", sep, names[i], STR_FMT(enc));
        sep = '&';
    }
    if (n > 1)
        buf_appendf(&b, "%cpage=%lld", sep, (long long)n);
    struct str out = arena_str(p->a, buf_str(&b));
    site__text_failed(p, b.err, "registry page link");
    buf_free(&b);
    return out;
}

void site__registry(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_reg_query q;
    struct str type, year, status, title, names[1];
    int64_t page, total;
    struct store_reg_doc *items;
    size_t n;
    int *years;
    size_t n_years;

    if (!site__begin(&p, req, res))
        return;
    if (!sections_on(&p, SITE_SECTION_REGISTRY) ||
        !read_filters(&p, &q, &page, &type, &year, &status))
        return;
    enum err e = store_reg_list(p.ctx->store, p.a, &q, &items, &n, &total);
    if (e == ERR_OK)
        e = store_reg_years(p.ctx->store, p.a, &years, &n_years);
    if (e != ERR_OK) {
        site__fail(&p, e, "registry");
        return;
    }
    if (page > 1 && n == 0) {
        site__fail(&p, ERR_NOTFOUND, "registry page");
        return;
    }
    title = site__t(&p, "reg.title");
    site__layout(&p, title, STR_LIT("/registry"), site__t(&p, "reg.description"));
    site__key(&p, "list:registry");
    value_set_bool(p.a, p.root, "nav_registry", true);
    struct value *feeds = value_list(p.a), *atom = value_obj(p.a);
    value_set_cstr(p.a, atom, "type", "application/atom+xml");
    value_set_str(p.a, atom, "title",
                  str_from_cstr(arena_printf(p.a, "%.*s — Atom", STR_FMT(title))));
    value_set_cstr(p.a, atom, "href", "/registry/atom.xml");
    value_push(p.a, feeds, atom);
    value_set(p.a, p.root, "feeds", feeds);

    struct value *list = value_list(p.a);
    for (size_t i = 0; i < n; i++)
        value_push(p.a, list, summary(&p, &items[i]));
    if (n > 0)
        value_set(p.a, p.root, "docs", list);
    else
        value_set_bool(p.a, p.root, "empty", true);
    value_set_int(p.a, p.root, "total", total);

    struct value *kinds = value_list(p.a), *statuses = value_list(p.a), *ys = value_list(p.a);
    value_push(p.a, kinds, option(&p, STR_LIT(""), site__t(&p, "reg.any"), type.len == 0));
    for (int k = 0; k < STORE_REG_N_KINDS; k++)
        value_push(p.a, kinds,
                   option(&p, str_from_cstr(store_reg_kind_name((enum store_reg_kind)k)),
                          site__t(&p, kind_keys[k]), q.kind == k));
    value_push(p.a, statuses, option(&p, STR_LIT(""), site__t(&p, "reg.any"), status.len == 0));
    for (int s = 0; s < STORE_REG_UNDER_DRAFT; s++)
        value_push(p.a, statuses,
                   option(&p, str_from_cstr(store_reg_status_name((enum store_reg_status)s)),
                          status_label(&p, (enum store_reg_status)s), q.status == s));
    value_push(p.a, ys, option(&p, STR_LIT(""), site__t(&p, "reg.any"), year.len == 0));
    for (size_t i = 0; i < n_years; i++) {
        struct str y = str_from_cstr(arena_printf(p.a, "%d", years[i]));
        value_push(p.a, ys, option(&p, y, y, q.year == years[i]));
    }
    value_set(p.a, p.root, "kinds", kinds);
    value_set(p.a, p.root, "statuses", statuses);
    value_set(p.a, p.root, "years", ys);
    value_set_str(p.a, p.root, "q", q.text);
    value_set_str(p.a, p.root, "action", site__href(&p, STR_LIT("/registry")));

    if (page > 1 || (int64_t)q.offset + (int64_t)n < total) {
        struct value *pager = value_obj(p.a);
        if (page > 1)
            value_set_str(p.a, pager, "prev_url", page_url(&p, page - 1));
        if ((int64_t)q.offset + (int64_t)n < total)
            value_set_str(p.a, pager, "next_url", page_url(&p, page + 1));
        value_set_int(p.a, pager, "page", page);
        value_set(p.a, p.root, "pager", pager);
    }
    names[0] = title;
    site__crumbs(&p, 1, names, NULL);
    site__finish(&p, "registry");
}

/* load_doc reads the document named by the route's first parameter; false when it
 * answered (404 and the like). */
static bool load_doc(struct site_page *p, struct store_reg_doc *d)
{
    int64_t id;
    if (!site__path_id(p, &id, "registry id"))
        return false;
    enum err e = store_reg_get(p->ctx->store, p->a, id, d);
    if (e != ERR_OK) {
        site__fail(p, e, "registry document");
        return false;
    }
    return true;
}

static struct value *link_of(struct site_page *p, const struct store_reg_doc *d,
                             const char *how_key)
{
    struct value *v = value_obj(p->a);
    value_set_str(p->a, v, "how", site__t(p, how_key));
    value_set_str(p->a, v, "name", doc_name(p, d));
    value_set_str(p->a, v, "url", site__href(p, doc_path(p, d->id)));
    return v;
}

void site__registry_doc(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_reg_doc d, target, *by;
    size_t n_by;
    struct str names[2], urls[2];

    if (!site__begin(&p, req, res))
        return;
    if (!sections_on(&p, SITE_SECTION_REGISTRY) || !load_doc(&p, &d))
        return;
    enum err e = store_reg_amended_by(p.ctx->store, p.a, d.id, &by, &n_by);
    bool has_target = false;
    if (e == ERR_OK && d.amends_id != 0 && d.kind != STORE_REG_DRAFT) {
        e = store_reg_get(p.ctx->store, p.a, d.amends_id, &target);
        has_target = e == ERR_OK;
        if (e == ERR_NOTFOUND)
            e = ERR_OK;
    }
    if (e != ERR_OK) {
        site__fail(&p, e, "registry links");
        return;
    }
    struct str name = doc_name(&p, &d);
    struct str path = doc_path(&p, d.id);
    struct str title =
        d.restricted
            ? name
            : str_from_cstr(arena_printf(p.a, "%.*s «%.*s»", STR_FMT(name), STR_FMT(d.title)));
    site__layout(&p, title, path,
                 d.restricted ? STR_NULL : site__plain_excerpt(&p, d.body_md, 160));
    site__key(&p, "registry:%lld", (long long)d.id);
    value_set_bool(p.a, p.root, "nav_registry", true);

    struct value *v = summary(&p, &d);
    if (has_target) {
        site__key(&p, "registry:%lld", (long long)target.id);
        value_set(
            p.a, v, "changes",
            link_of(&p, &target, d.link == STORE_REG_LINK_REPEALS ? "reg.repeals" : "reg.amends"));
    }
    if (n_by > 0) {
        struct value *list = value_list(p.a);
        for (size_t i = 0; i < n_by; i++) {
            site__key(&p, "registry:%lld", (long long)by[i].id);
            value_push(p.a, list,
                       link_of(&p, &by[i],
                               by[i].link == STORE_REG_LINK_REPEALS ? "reg.repealed_by"
                                                                    : "reg.amended_by"));
        }
        value_set(p.a, v, "changed_by", list);
    }
    if (d.kind == STORE_REG_DRAFT && d.discussion_from != 0) {
        struct value *dis = value_obj(p.a);
        value_set_str(p.a, dis, "from", day(&p, d.discussion_from));
        value_set_str(p.a, dis, "until", day(&p, d.discussion_until));
        value_set_str(p.a, dis, "from_iso", day_iso(&p, d.discussion_from));
        value_set_str(p.a, dis, "until_iso", day_iso(&p, d.discussion_until));
        if (d.adopted_on != 0) {
            value_set_str(p.a, dis, "adopted", day(&p, d.adopted_on));
            value_set_str(p.a, dis, "adopted_iso", day_iso(&p, d.adopted_on));
        }
        value_set(p.a, v, "discussion", dis);
    }
    if (!d.restricted) {
        if (d.body_md.len > 0) {
            struct buf html;
            buf_init(&html, 4 * MARKDOWN_MAX_INPUT_BYTES);
            e = site__markdown(&p, d.body_md, &html);
            site__text_failed(&p, e, "registry text");
            if (e == ERR_OK)
                value_set(p.a, v, "body", render_raw(p.a, buf_str(&html)));
            buf_free(&html);
        }
        if (d.pdf_hash.len > 0) {
            struct str mark = site__t(&p, "doc.decimal_mark");
            struct media_doc_units u = {.b = site__t(&p, "doc.unit.b"),
                                        .kb = site__t(&p, "doc.unit.kb"),
                                        .mb = site__t(&p, "doc.unit.mb"),
                                        .decimal_mark = mark.len == 1 ? mark.ptr[0] : ','};
            struct buf b;
            buf_init(&b, 64);
            site__text_failed(&p, media_doc_size_format((uint64_t)d.pdf_bytes, &u, &b),
                              "registry pdf size");
            value_set_str(p.a, v, "pdf_size", arena_str(p.a, buf_str(&b)));
            buf_free(&b);
            value_set_str(
                p.a, v, "pdf_url",
                str_from_cstr(arena_printf(p.a, "/registry/%lld/original.pdf", (long long)d.id)));
        }
    }
    value_set(p.a, p.root, "doc", v);
    value_set_str(p.a, p.root, "title", title);
    names[0] = site__t(&p, "reg.title");
    urls[0] = STR_LIT("/registry"); /* site__crumbs adds the variant */
    names[1] = name;
    urls[1] = STR_NULL;
    site__crumbs(&p, 2, names, urls);
    site__finish(&p, "registry-doc");
}

void site__registry_pdf(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_reg_doc d;

    if (!site__begin(&p, req, res))
        return;
    if (!sections_on(&p, SITE_SECTION_REGISTRY) || !load_doc(&p, &d))
        return;
    if (d.restricted || d.pdf_hash.len == 0) {
        site__fail(&p, ERR_NOTFOUND, "registry pdf");
        return;
    }
    struct str title = doc_name(&p, &d);
    end_page(&p);
    site__pdf_respond(req, res, d.pdf_hash, title);
}

/* ---- the registry's Atom feed --------------------------------------------------------- */

#define REG_FEED_SIZE 30

/* feed_entry writes one document: its name and title, its text as HTML (none when
 * restricted), dated by its last change. */
static void feed_entry(struct site_page *p, struct buf *b, const struct store_reg_doc *d)
{
    struct str url = site__absolute(p, doc_path(p, d->id));
    struct str name = doc_name(p, d);
    buf_append_cstr(b, "<entry>\n<title>");
    escape_xml(b, d->restricted ? name
                                : str_from_cstr(arena_printf(p->a, "%.*s «%.*s»", STR_FMT(name),
                                                             STR_FMT(d->title))));
    buf_append_cstr(b, "</title>\n<id>");
    escape_xml(b, url);
    buf_append_cstr(b, "</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
    escape_xml(b, url);
    buf_append_cstr(b, "\"/>\n<updated>");
    site__rfc3339(b, d->updated_at);
    buf_append_cstr(b, "</updated>\n<category term=\"");
    escape_xml(b, str_from_cstr(store_reg_kind_name(d->kind)));
    buf_append_cstr(b, "\" label=\"");
    escape_xml(b, site__t(p, kind_keys[d->kind]));
    buf_append_cstr(b, "\"/>\n");
    if (d->restricted) {
        buf_append_cstr(b, "<summary>");
        escape_xml(b, site__t(p, "reg.restricted"));
        buf_append_cstr(b, "</summary>\n</entry>\n");
        return;
    }
    buf_append_cstr(b, "<summary>");
    escape_xml(b, d->title);
    buf_append_cstr(b, "</summary>\n");
    if (d->body_md.len > 0) {
        struct buf html;
        buf_init(&html, 4 * MARKDOWN_MAX_INPUT_BYTES);
        enum err e = markdown_to_html(d->body_md, &html);
        site__text_failed(p, e, "registry feed text");
        if (e == ERR_OK) {
            buf_append_cstr(b, "<content type=\"html\">");
            escape_xml(b, buf_str(&html));
            buf_append_cstr(b, "</content>\n");
        }
        buf_free(&html);
    }
    buf_append_cstr(b, "</entry>\n");
}

void site__registry_feed(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_reg_query q = {.kind = -1, .status = -1, .limit = REG_FEED_SIZE};
    struct store_reg_doc *items;
    size_t n;
    int64_t total, newest = 0;

    if (!site__begin(&p, req, res))
        return;
    if (!sections_on(&p, SITE_SECTION_REGISTRY))
        return;
    enum err e = store_reg_list(p.ctx->store, p.a, &q, &items, &n, &total);
    for (size_t i = 0; e == ERR_OK && i < n; i++) {
        e = store_reg_get(p.ctx->store, p.a, items[i].id, &items[i]); /* with its text */
        if (items[i].updated_at > newest)
            newest = items[i].updated_at;
    }
    if (e != ERR_OK) {
        site__fail(&p, e, "registry feed");
        return;
    }
    site__key(&p, "list:registry");
    struct buf *b = &res->body;
    site__atom_open(&p, b, "reg.title", STR_LIT("/registry/atom.xml"), STR_LIT("/registry"),
                    newest);
    for (size_t i = 0; i < n; i++) {
        site__key(&p, "registry:%lld", (long long)items[i].id);
        feed_entry(&p, b, &items[i]);
    }
    site__atom_close(&p, req, res);
}

/* ---- vacancies ------------------------------------------------------------------------ */

static struct value *vacancy_value(struct site_page *p, const struct store_vacancy *v, int64_t now,
                                   bool full)
{
    struct value *o = value_obj(p->a);
    value_set_str(p->a, o, "title", v->title);
    value_set_str(p->a, o, "unit", v->unit);
    value_set_str(
        p->a, o, "url",
        site__href(p, str_from_cstr(arena_printf(p->a, "/vacancies/%lld", (long long)v->id))));
    value_set_str(p->a, o, "deadline", site__date(p, v->deadline, true));
    value_set_str(p->a, o, "deadline_iso", site__date_iso(p, v->deadline));
    bool open = !v->closed && v->deadline > now;
    value_set_bool(p->a, o, "open", open);
    if (!full)
        return o;
    static const char *const md_names[] = {"requirements", "apply"};
    struct str md[] = {v->requirements_md, v->apply_md};
    for (size_t i = 0; i < 2; i++) {
        struct buf html;
        buf_init(&html, 4 * MARKDOWN_MAX_INPUT_BYTES);
        enum err e = site__markdown(p, md[i], &html);
        site__text_failed(p, e, "vacancy text");
        if (e == ERR_OK)
            value_set(p->a, o, md_names[i], render_raw(p->a, buf_str(&html)));
        buf_free(&html);
    }
    return o;
}

static void vacancy_list(struct http_request *req, struct http_response *res, bool archive)
{
    struct site_page p;
    struct store_vacancy *items;
    size_t n;
    struct str names[2], urls[2];

    if (!site__begin(&p, req, res))
        return;
    if (!sections_on(&p, SITE_SECTION_VACANCIES))
        return;
    int64_t now = utc_now();
    enum err e = store_vac_list(p.ctx->store, p.a, archive ? STORE_VAC_ARCHIVE : STORE_VAC_OPEN,
                                now, STORE_VAC_MAX_LIMIT, &items, &n);
    if (e != ERR_OK) {
        site__fail(&p, e, "vacancies");
        return;
    }
    struct str title = site__t(&p, archive ? "vac.archive" : "vac.title");
    site__layout(&p, title, archive ? STR_LIT("/vacancies/archive") : STR_LIT("/vacancies"),
                 STR_NULL);
    site__key(&p, "list:vacancies");
    value_set_bool(p.a, p.root, "nav_vacancies", true);
    struct value *list = value_list(p.a);
    for (size_t i = 0; i < n; i++)
        value_push(p.a, list, vacancy_value(&p, &items[i], now, false));
    if (n > 0)
        value_set(p.a, p.root, "vacancies", list);
    else
        value_set_bool(p.a, p.root, "empty", true);
    value_set_bool(p.a, p.root, archive ? "is_archive" : "is_open", true);
    value_set_str(p.a, p.root, "title", title);
    value_set_str(p.a, p.root, "archive_url", site__href(&p, STR_LIT("/vacancies/archive")));
    value_set_str(p.a, p.root, "open_url", site__href(&p, STR_LIT("/vacancies")));
    names[0] = site__t(&p, "vac.title");
    urls[0] = STR_LIT("/vacancies"); /* site__crumbs adds the variant */
    names[1] = title;
    urls[1] = STR_NULL;
    site__crumbs(&p, archive ? 2 : 1, names, archive ? urls : NULL);
    site__finish(&p, "vacancies");
}

void site__vacancies(struct http_request *req, struct http_response *res)
{
    vacancy_list(req, res, false);
}

void site__vacancies_archive(struct http_request *req, struct http_response *res)
{
    vacancy_list(req, res, true);
}

void site__vacancy(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_vacancy v;
    struct str names[2], urls[2];
    int64_t id;

    if (!site__begin(&p, req, res))
        return;
    if (!sections_on(&p, SITE_SECTION_VACANCIES))
        return;
    if (!site__path_id(&p, &id, "vacancy id"))
        return;
    enum err e = store_vac_get(p.ctx->store, p.a, id, &v);
    if (e != ERR_OK) {
        site__fail(&p, e, "vacancy");
        return;
    }
    site__layout(&p, v.title, str_from_cstr(arena_printf(p.a, "/vacancies/%lld", (long long)id)),
                 site__plain_excerpt(&p, v.requirements_md, 160));
    site__key(&p, "vacancy:%lld", (long long)id);
    value_set_bool(p.a, p.root, "nav_vacancies", true);
    value_set(p.a, p.root, "vacancy", vacancy_value(&p, &v, utc_now(), true));
    value_set_str(p.a, p.root, "title", v.title);
    names[0] = site__t(&p, "vac.title");
    urls[0] = STR_LIT("/vacancies"); /* site__crumbs adds the variant */
    names[1] = v.title;
    urls[1] = STR_NULL;
    site__crumbs(&p, 2, names, urls);
    site__finish(&p, "vacancy");
}
