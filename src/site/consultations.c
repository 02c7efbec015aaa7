/* consultations.c: public consultations («Громадське обговорення», CMU 996/2010):
 * /consultations (open ones first, then announced, then finished ones, which stay
 * readable; 20 a page), /consultations/<id> (the draft under discussion, dates, the
 * approved comments, the outcome report once there is one, and the comment form while
 * the consultation is open), POST /consultations/<id> (a comment), and
 * /consultations/atom.xml.
 *
 * The pages carry no per-reader data, so they stay in the page cache: keys
 * "list:consultations" and "consultation:<id>"; the workspace's scheduler drops them when
 * a consultation starts or ends, so no cached page keeps the form of a finished one.
 * The comment form is anonymous, so it works like the subscription form
 * (subscribe.c): cross-site POSTs are refused, a honeypot field catches simple bots,
 * and accepted comments are counted per client address (a keyed hash, never the
 * address) in the mail rate counters. Writes go through one shared writer connection. */
#include <string.h>
#include <time.h>

#include "core/kyiv_time.h"
#include "core/log.h"
#include "mail/mail.h"
#include "media/document.h"
#include "render/escape.h"
#include "render/markdown.h"
#include "site/site_internal.h"
#include "site/site_settings.h"
#include "store/consultations.h"
#include "store/registry.h"

#define CONSULT_PAGE_SIZE 20
#define CONSULT_MAX_PAGE 10000
#define CONSULT_FEED_SIZE 30
#define CONSULT_MAX_NAME_CHARS 200
#define CONSULT_MAX_COMMENT_CHARS 5000
#define CONSULT_COMMENTS_PER_IP_HOUR 10

static bool section_on(struct site_page *p)
{
    if ((p->site->sections_off & SITE_SECTION_CONSULTATIONS) == 0)
        return true;
    site__fail(p, ERR_NOTFOUND, "section off");
    return false;
}

static const char *const state_keys[] = {"consult.state.announced", "consult.state.open",
                                         "consult.state.finished"};
static const char *const state_classes[] = {"announced", "open", "finished"};

static struct str consult_path(struct site_page *p, int64_t id)
{
    return str_from_cstr(arena_printf(p->a, "/consultations/%lld", (long long)id));
}

/* summary: what the list and the page show of c at now. */
static struct value *summary(struct site_page *p, const struct store_consultation *c, int64_t now)
{
    enum store_consult_state s = store_consult_state_at(c, now);
    struct value *v = value_obj(p->a);
    value_set_str(p->a, v, "title", c->title);
    value_set_str(p->a, v, "url", site__href(p, consult_path(p, c->id)));
    value_set_str(p->a, v, "state", site__t(p, state_keys[s]));
    value_set_cstr(p->a, v, "state_class", state_classes[s]);
    value_set_str(p->a, v, "starts", site__date(p, c->starts_at, true));
    value_set_str(p->a, v, "starts_iso", site__date_iso(p, c->starts_at));
    value_set_str(p->a, v, "ends", site__date(p, c->ends_at, true));
    value_set_str(p->a, v, "ends_iso", site__date_iso(p, c->ends_at));
    value_set_bool(p->a, v, "is_open", s == STORE_CONSULT_OPEN);
    value_set_bool(p->a, v, "is_announced", s == STORE_CONSULT_ANNOUNCED);
    value_set_bool(p->a, v, "is_finished", s == STORE_CONSULT_FINISHED);
    /* every key set, so that no section looks one up in the page around it */
    value_set_str(p->a, v, "dept", c->dept_name);
    value_set_str(p->a, v, "dept_url",
                  c->dept_name.len > 0 ? site__href(p, site__path(p, "/departments/", c->dept_slug))
                                       : STR_LIT(""));
    return v;
}

static struct str page_url(struct site_page *p, int64_t n)
{
    struct str base = site__href(p, STR_LIT("/consultations"));
    if (n <= 1)
        return base;
    return str_from_cstr(arena_printf(p->a, "%.*s?page=%lld", STR_FMT(base), (long long)n));
}

void site__consultations(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_consultation *items;
    size_t n;
    int64_t total, page = 1;
    struct str names[1];

    if (!site__begin(&p, req, res))
        return;
    if (!section_on(&p))
        return;
    struct str v = STR_LIT("");
    bool bad = false;
    if (!http_form_get(p.a, req->query, "page", &v, &bad))
        v = STR_LIT("");
    if (bad || (v.len > 0 && (!str_to_i64(v, &page) || page < 1 || page > CONSULT_MAX_PAGE))) {
        site__fail(&p, ERR_PARSE, "consultations page");
        return;
    }
    int64_t now = utc_now();
    size_t offset = (size_t)(page - 1) * CONSULT_PAGE_SIZE;
    enum err e =
        store_consult_list(p.ctx->store, p.a, now, offset, CONSULT_PAGE_SIZE, &items, &n, &total);
    if (e != ERR_OK) {
        site__fail(&p, e, "consultations");
        return;
    }
    if (page > 1 && n == 0) {
        site__fail(&p, ERR_NOTFOUND, "consultations page");
        return;
    }
    struct str title = site__t(&p, "consult.title");
    site__layout(&p, title, STR_LIT("/consultations"), site__t(&p, "consult.description"));
    site__key(&p, "list:consultations");
    struct value *feeds = value_list(p.a), *atom = value_obj(p.a);
    value_set_cstr(p.a, atom, "type", "application/atom+xml");
    value_set_str(p.a, atom, "title",
                  str_from_cstr(arena_printf(p.a, "%.*s — Atom", STR_FMT(title))));
    value_set_cstr(p.a, atom, "href", "/consultations/atom.xml");
    value_push(p.a, feeds, atom);
    value_set(p.a, p.root, "feeds", feeds);
    struct value *open = value_list(p.a), *done = value_list(p.a);
    for (size_t i = 0; i < n; i++) {
        bool finished = store_consult_state_at(&items[i], now) == STORE_CONSULT_FINISHED;
        value_push(p.a, finished ? done : open, summary(&p, &items[i], now));
    }
    if (value_list_len(open) > 0)
        value_set(p.a, p.root, "ongoing", open);
    if (value_list_len(done) > 0)
        value_set(p.a, p.root, "finished", done);
    if (n == 0)
        value_set_bool(p.a, p.root, "empty", true);
    value_set_str(p.a, p.root, "title", title);
    if (page > 1 || (int64_t)offset + (int64_t)n < total) {
        struct value *pager = value_obj(p.a);
        if (page > 1)
            value_set_str(p.a, pager, "prev_url", page_url(&p, page - 1));
        if ((int64_t)offset + (int64_t)n < total)
            value_set_str(p.a, pager, "next_url", page_url(&p, page + 1));
        value_set_int(p.a, pager, "page", page);
        value_set(p.a, p.root, "pager", pager);
    }
    names[0] = title;
    site__crumbs(&p, 1, names, NULL);
    site__finish(&p, "consultations");
}

/* ---- one consultation ---- */

/* What the comment form shows again after a refused POST: the typed values and each
 * field's problem (catalog keys, NULL when fine). */
struct comment_form {
    struct str name, email, body, honeypot;
    bool show_name;
    const char *name_err, *email_err, *body_err;
};

static bool load(struct site_page *p, struct store_consultation *c)
{
    int64_t id;
    if (!site__path_id(p, &id, "consultation id"))
        return false;
    enum err e = store_consult_get(p->ctx->store, p->a, id, c);
    if (e != ERR_OK) {
        site__fail(p, e, "consultation");
        return false;
    }
    return true;
}

static void markdown_value(struct site_page *p, struct value *v, const char *key, struct str md)
{
    if (md.len == 0)
        return;
    struct buf html;
    buf_init(&html, 4 * MARKDOWN_MAX_INPUT_BYTES);
    enum err e = site__markdown(p, md, &html);
    site__text_failed(p, e, "consultation text");
    if (e == ERR_OK)
        value_set(p->a, v, key, render_raw(p->a, buf_str(&html)));
    buf_free(&html);
}

/* draft_value: the registry document under discussion ({name, title, url}), NULL when
 * there is none. */
static struct value *draft_value(struct site_page *p, int64_t draft_id)
{
    struct store_reg_doc d;
    if (draft_id <= 0)
        return NULL;
    enum err e = store_reg_get(p->ctx->store, p->a, draft_id, &d);
    if (e != ERR_OK) {
        if (e != ERR_NOTFOUND)
            site__text_failed(p, e, "consultation draft");
        return NULL;
    }
    site__key(p, "registry:%lld", (long long)d.id);
    struct value *v = value_obj(p->a);
    struct str kind = site__t(p, arena_printf(p->a, "reg.kind.%s", store_reg_kind_name(d.kind)));
    struct str from = site__t(p, "reg.from");
    struct kyiv_tm k = kyiv_from_utc(d.doc_date);
    value_set_str(
        p->a, v, "name",
        str_from_cstr(arena_printf(p->a, "%.*s № %.*s %.*s %02d.%02d.%04d", STR_FMT(kind),
                                   STR_FMT(d.number), STR_FMT(from), k.day, k.month, k.year)));
    value_set_str(p->a, v, "doc_title", d.restricted ? STR_LIT("") : d.title);
    value_set_str(p->a, v, "url", STR_LIT(""));
    value_set_str(p->a, v, "pdf_url", STR_LIT(""));
    value_set_str(p->a, v, "pdf_size", STR_LIT(""));
    if ((p->site->sections_off & SITE_SECTION_REGISTRY) == 0) {
        value_set_str(
            p->a, v, "url",
            site__href(p, str_from_cstr(arena_printf(p->a, "/registry/%lld", (long long)d.id))));
        if (!d.restricted && d.pdf_hash.len > 0)
            value_set_str(
                p->a, v, "pdf_url",
                str_from_cstr(arena_printf(p->a, "/registry/%lld/original.pdf", (long long)d.id)));
    }
    return v;
}

/* pdf_size: "1,2 МБ" in the page's language. */
static struct str pdf_size(struct site_page *p, int64_t bytes)
{
    struct str mark = site__t(p, "doc.decimal_mark");
    struct media_doc_units u = {.b = site__t(p, "doc.unit.b"),
                                .kb = site__t(p, "doc.unit.kb"),
                                .mb = site__t(p, "doc.unit.mb"),
                                .decimal_mark = mark.len == 1 ? mark.ptr[0] : ','};
    struct buf b;
    buf_init(&b, 64);
    site__text_failed(p, media_doc_size_format((uint64_t)bytes, &u, &b), "consultation pdf size");
    struct str out = arena_str(p->a, buf_str(&b));
    buf_free(&b);
    return out;
}

/* consult_page renders consultation c; f is the refused form (NULL: a plain GET). */
static void consult_page(struct site_page *p, const struct store_consultation *c,
                         const struct comment_form *f)
{
    struct store_consult_comment *comments;
    size_t n;
    struct str names[2], urls[2];
    int64_t now = utc_now();

    enum err e = store_comment_list(p->ctx->store, p->a, c->id, true, &comments, &n);
    if (e != ERR_OK) {
        site__fail(p, e, "consultation comments");
        return;
    }
    struct str path = consult_path(p, c->id);
    site__layout(p, c->title, path, site__plain_excerpt(p, c->summary_md, 160));
    site__key(p, "consultation:%lld", (long long)c->id);
    if (c->dept_id > 0)
        site__key(p, "dept:%lld", (long long)c->dept_id);
    struct value *v = summary(p, c, now);
    markdown_value(p, v, "summary", c->summary_md);
    markdown_value(p, v, "outcome", c->outcome_md);
    if (c->contact.len > 0)
        value_set_str(p->a, v, "contact", c->contact);
    struct value *draft = draft_value(p, c->draft_id);
    if (draft == NULL && c->pdf_hash.len > 0) {
        /* no registry document: the uploaded draft stands in for it */
        draft = value_obj(p->a);
        value_set_str(p->a, draft, "name", site__t(p, "consult.draft_file"));
        value_set_str(p->a, draft, "doc_title", STR_LIT(""));
        value_set_str(p->a, draft, "url", STR_LIT(""));
        value_set_str(p->a, draft, "pdf_url", STR_LIT(""));
        value_set_str(p->a, draft, "pdf_size", STR_LIT(""));
    }
    if (draft != NULL) {
        if (c->pdf_hash.len > 0) {
            value_set_str(p->a, draft, "pdf_url",
                          str_from_cstr(arena_printf(p->a, "/consultations/%lld/draft.pdf",
                                                     (long long)c->id)));
            value_set_str(p->a, draft, "pdf_size", pdf_size(p, c->pdf_bytes));
        }
        value_set(p->a, v, "draft", draft);
    }
    struct value *list = value_list(p->a);
    for (size_t i = 0; i < n; i++) {
        struct value *o = value_obj(p->a);
        value_set_str(p->a, o, "name",
                      comments[i].show_name ? comments[i].name : site__t(p, "consult.anonymous"));
        value_set_str(p->a, o, "date", site__date(p, comments[i].created_at, true));
        value_set_str(p->a, o, "date_iso", site__date_iso(p, comments[i].created_at));
        value_set_str(p->a, o, "body", comments[i].body);
        value_set_int(p->a, o, "id", comments[i].id);
        value_push(p->a, list, o);
    }
    if (n > 0)
        value_set(p->a, v, "comments", list);
    value_set_int(p->a, v, "n_comments", (int64_t)n);
    if (store_consult_state_at(c, now) == STORE_CONSULT_OPEN) {
        struct value *form = value_obj(p->a);
        /* the fragment brings a reader whose comment was refused back to the form */
        struct str action = site__href(p, path);
        value_set_str(p->a, form, "action",
                      str_from_cstr(arena_printf(p->a, "%.*s#consult-form", STR_FMT(action))));
        value_set_int(p->a, form, "max_name", CONSULT_MAX_NAME_CHARS);
        value_set_int(p->a, form, "max_body", CONSULT_MAX_COMMENT_CHARS);
        static const struct comment_form blank;
        const struct comment_form *t = f != NULL ? f : &blank;
        value_set_str(p->a, form, "name", t->name);
        value_set_str(p->a, form, "email", t->email);
        value_set_str(p->a, form, "body", t->body);
        value_set_bool(p->a, form, "show_name", t->show_name);
        static const char *const keys[] = {"name_err", "email_err", "body_err"};
        const char *errs[] = {t->name_err, t->email_err, t->body_err};
        for (size_t i = 0; i < 3; i++)
            value_set_str(p->a, form, keys[i], errs[i] != NULL ? site__t(p, errs[i]) : STR_LIT(""));
        value_set_bool(p->a, form, "has_errors", f != NULL);
        value_set(p->a, v, "form", form);
    }
    value_set(p->a, p->root, "consult", v);
    value_set_str(p->a, p->root, "title", c->title);
    names[0] = site__t(p, "consult.title");
    urls[0] = STR_LIT("/consultations"); /* site__crumbs adds the variant */
    names[1] = c->title;
    urls[1] = STR_NULL;
    site__crumbs(p, 2, names, urls);
    site__finish(p, "consultation");
}

void site__consultation(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_consultation c;
    if (!site__begin(&p, req, res))
        return;
    if (!section_on(&p) || !load(&p, &c))
        return;
    consult_page(&p, &c, NULL);
}

/* site__consult_pdf: GET /consultations/<id>/draft.pdf, the uploaded draft. */
void site__consult_pdf(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_consultation c;
    if (!site__begin(&p, req, res))
        return;
    if (!section_on(&p) || !load(&p, &c))
        return;
    if (c.pdf_hash.len == 0) {
        site__fail(&p, ERR_NOTFOUND, "consultation pdf");
        return;
    }
    if (store_in_transaction(p.ctx->store))
        store_rollback(p.ctx->store);
    site__theme_release(p.theme);
    p.theme = NULL;
    site__pdf_respond(req, res, c.pdf_hash, c.title);
}

/* ---- POST /consultations/<id>: a comment ---- */

static void no_store(struct site_page *p)
{
    p->res->cacheable = false;
    p->res->n_cache_keys = 0;
    http_response_header(p->res, p->req, "Cache-Control", STR_LIT("no-store"));
}

/* message answers with a titled message and a link back to consultation c. */
static void message(struct site_page *p, int status, const struct store_consultation *c,
                    const char *title_key, const char *text_key)
{
    struct str title = site__t(p, title_key);
    struct str names[3] = {site__t(p, "consult.title"), c->title, title};
    struct str urls[3] = {STR_LIT("/consultations"), consult_path(p, c->id), STR_NULL};
    site__layout(p, title, consult_path(p, c->id), STR_NULL);
    value_set_bool(p->a, p->root, "noindex", true);
    value_set_str(p->a, p->root, "title", title);
    value_set_str(p->a, p->root, "text", site__t(p, text_key));
    value_set_str(p->a, p->root, "back_url", site__href(p, consult_path(p, c->id)));
    value_set_str(p->a, p->root, "back_title", c->title);
    site__crumbs(p, 3, names, urls);
    site__finish(p, "consultation-message");
    if (p->res->status == 200)
        p->res->status = status;
    no_store(p);
}

static struct str field(struct site_page *p, const char *name, bool *bad)
{
    struct str v = STR_LIT("");
    if (!http_form_get(p->a, p->req->body, name, &v, bad))
        v = STR_LIT("");
    return v;
}

/* check_form sets each field's problem; the e-mail becomes its normalised form. Returns
 * how many fields are bad. */
static size_t check_form(struct site_page *p, struct comment_form *f)
{
    size_t bad = 0;
    struct str name = str_trim(f->name);
    if (name.len == 0)
        f->name_err = "consult.err.name_empty";
    else if (!site_text_ok(name, CONSULT_MAX_NAME_CHARS, false))
        f->name_err = "consult.err.name_bad";
    struct str body = str_trim(f->body);
    if (body.len == 0)
        f->body_err = "consult.err.body_empty";
    else if (site_text_chars(body) > CONSULT_MAX_COMMENT_CHARS)
        f->body_err = "consult.err.body_long";
    else if (!site_text_ok(body, CONSULT_MAX_COMMENT_CHARS, true))
        f->body_err = "consult.err.body_bad";
    struct buf addr;
    buf_init(&addr, MAIL_MAX_ADDRESS_BYTES + 1);
    enum mail_addr_problem why = MAIL_ADDR_OK;
    if (str_trim(f->email).len == 0)
        f->email_err = "consult.err.email_empty";
    else if (mail_address_normalize(f->email, &addr, &why) != ERR_OK)
        f->email_err = "consult.err.email_bad";
    else
        f->email = arena_str(p->a, buf_str(&addr));
    buf_free(&addr);
    bad += f->name_err != NULL;
    bad += f->email_err != NULL;
    bad += f->body_err != NULL;
    if (bad == 0) {
        f->name = name;
        f->body = body;
    }
    return bad;
}

/* rate_ok counts an accepted comment from the client's address; false past the limit. */
static enum err rate_ok(struct store *w, struct site_page *p, int64_t now, bool *ok)
{
    unsigned char secret[MAIL_SECRET_BYTES];
    struct buf key;
    int64_t count = 0;
    enum err e = mail_secret_get(w, secret);
    buf_init(&key, 128);
    if (e == ERR_OK)
        e = buf_append_cstr(&key, "consult:");
    if (e == ERR_OK)
        e = mail_keyed_hash(secret, "ip", str_from_cstr(p->req->client_ip), &key);
    if (e == ERR_OK)
        e = store_mail_rate_hit(w, buf_str(&key), now - now % 3600, now - 2 * 86400, &count);
    buf_free(&key);
    *ok = count <= CONSULT_COMMENTS_PER_IP_HOUR;
    return e;
}

void site__consult_comment(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_consultation c;
    struct comment_form f;
    bool bad = false;

    if (!site__begin(&p, req, res))
        return;
    if (!section_on(&p) || !load(&p, &c))
        return;
    if (site__cross_site(&p)) {
        message(&p, 403, &c, "consult.cross.title", "consult.cross.text");
        return;
    }
    memset(&f, 0, sizeof f);
    f.name = field(&p, "name", &bad);
    f.email = field(&p, "email", &bad);
    f.body = field(&p, "comment", &bad);
    f.honeypot = field(&p, "website", &bad);
    f.show_name = field(&p, "show_name", &bad).len > 0;
    int64_t now = utc_now();
    enum store_consult_state state = store_consult_state_at(&c, now);
    if (state != STORE_CONSULT_OPEN) {
        message(&p, 403, &c, "consult.closed.title",
                state == STORE_CONSULT_ANNOUNCED ? "consult.closed.not_yet"
                                                 : "consult.closed.text");
        return;
    }
    if (f.honeypot.len > 0) {
        /* a bot: answer as if all went well, keep nothing */
        message(&p, 200, &c, "consult.sent.title", "consult.sent.text");
        return;
    }
    if (bad) {
        /* bytes that are not UTF-8 (or a broken escape): nothing to show again */
        f.name_err = "consult.err.encoding";
        f.name = f.email = f.body = STR_LIT("");
    }
    if (bad || check_form(&p, &f) > 0) {
        consult_page(&p, &c, &f);
        if (p.res->status == 200)
            p.res->status = 422;
        no_store(&p);
        return;
    }
    struct store *w = site__writer_lock(p.site); /* the public forms' writer */
    if (w == NULL) {
        site__fail(&p, ERR_BUSY, "consultation writer");
        return;
    }
    bool ok = true;
    int64_t id = 0;
    enum err e = rate_ok(w, &p, now, &ok);
    if (e == ERR_OK && ok) {
        struct store_consult_comment in = {.consultation_id = c.id,
                                           .name = f.name,
                                           .email = f.email,
                                           .body = f.body,
                                           .show_name = f.show_name,
                                           .created_at = now};
        e = store_comment_add(w, &in, &id);
    }
    site__writer_unlock();
    if (e != ERR_OK) {
        log_msg(LOG_ERROR, req->id, "consultation comment failed: %s", err_str(e));
        site__fail(&p, e == ERR_NOTFOUND ? ERR_NOTFOUND : ERR_DB, "consultation comment");
        return;
    }
    if (!ok) {
        http_response_header(res, req, "Retry-After", STR_LIT("3600"));
        message(&p, 429, &c, "consult.limited.title", "consult.limited.text");
        return;
    }
    log_msg(LOG_INFO, req->id, "consultation %lld: comment %lld awaits moderation", (long long)c.id,
            (long long)id);
    message(&p, 200, &c, "consult.sent.title", "consult.sent.text");
}

/* ---- the Atom feed ---- */

/* feed_entry: one consultation, its dates and summary (its text as HTML). */
static void feed_entry(struct site_page *p, struct buf *b, const struct store_consultation *c)
{
    struct str url = site__absolute(p, consult_path(p, c->id));
    buf_append_cstr(b, "<entry>\n<title>");
    escape_xml(b, c->title);
    buf_append_cstr(b, "</title>\n<id>");
    escape_xml(b, url);
    buf_append_cstr(b, "</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
    escape_xml(b, url);
    buf_append_cstr(b, "\"/>\n<updated>");
    site__rfc3339(b, c->updated_at);
    buf_append_cstr(b, "</updated>\n<summary>");
    struct str from = site__date(p, c->starts_at, true), until = site__date(p, c->ends_at, true);
    escape_xml(b, str_from_cstr(arena_printf(p->a, "%.*s — %.*s", STR_FMT(from), STR_FMT(until))));
    buf_append_cstr(b, "</summary>\n");
    struct str md = c->outcome_md.len > 0 ? c->outcome_md : c->summary_md;
    if (md.len > 0) {
        struct buf html;
        buf_init(&html, 4 * MARKDOWN_MAX_INPUT_BYTES);
        enum err e = markdown_to_html(md, &html);
        site__text_failed(p, e, "consultation feed text");
        if (e == ERR_OK) {
            buf_append_cstr(b, "<content type=\"html\">");
            escape_xml(b, buf_str(&html));
            buf_append_cstr(b, "</content>\n");
        }
        buf_free(&html);
    }
    buf_append_cstr(b, "</entry>\n");
}

void site__consult_feed(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_consultation *items;
    size_t n;
    int64_t total, newest = 0;

    if (!site__begin(&p, req, res))
        return;
    if (!section_on(&p))
        return;
    enum err e =
        store_consult_list(p.ctx->store, p.a, utc_now(), 0, CONSULT_FEED_SIZE, &items, &n, &total);
    for (size_t i = 0; e == ERR_OK && i < n; i++)
        e = store_consult_get(p.ctx->store, p.a, items[i].id, &items[i]); /* with its texts */
    if (e == ERR_OK)
        e = store_consult_newest(p.ctx->store, &newest);
    if (e != ERR_OK) {
        site__fail(&p, e, "consultation feed");
        return;
    }
    site__key(&p, "list:consultations");
    struct buf *b = &res->body;
    site__atom_open(&p, b, "consult.title", STR_LIT("/consultations/atom.xml"),
                    STR_LIT("/consultations"), newest);
    for (size_t i = 0; i < n; i++) {
        site__key(&p, "consultation:%lld", (long long)items[i].id);
        feed_entry(&p, b, &items[i]);
    }
    site__atom_close(&p, req, res);
}
