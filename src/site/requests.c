/* requests.c: requests for public information (/requests, Law 2939-VI art. 19-22) and
 * citizens' e-appeals (/appeals, Law «Про звернення громадян» art. 5), one machinery
 * for both: the procedure, the form with each field the law names, the half-yearly
 * statistics (also /requests/statistics.csv and .json, an open-data set). A good form
 * is registered in one transaction on the public forms' writer (subscribe.c) with its
 * number, its deadline (core/deadline.h on the operator's `holidays`) and, when an
 * e-mail was given, the confirmation in the outbox; the answer page shows the number
 * and is never cached. Bad input: each problem beside its field, the typed values kept,
 * nothing saved. No CSRF token (the pages stay cacheable and carry no session): a
 * cross-site POST is refused, a honeypot catches simple bots and each address may
 * register RQ_MAX_PER_IP_HOUR an hour. Key: "requests" (every page showing statistics;
 * the workspace and the scheduler drop it when a count changes). */
#include <stdio.h>
#include <string.h>

#include "core/deadline.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "mail/requests.h"
#include "site/site_internal.h"
#include "site/site_settings.h"
#include "store/mail.h"
#include "store/requests.h"

#define RQ_MAX_NAME_CHARS 300
#define RQ_MAX_ADDRESS_CHARS 500
#define RQ_MAX_PHONE_CHARS 40
#define RQ_MAX_BODY_CHARS 10000
#define RQ_MAX_PER_IP_HOUR 20

enum rq_field { F_NAME, F_ADDRESS, F_EMAIL, F_PHONE, F_CATEGORY, F_BODY, F_N };
static const char *const field_err[F_N] = {"name_err",  "address_err",  "email_err",
                                           "phone_err", "category_err", "body_err"};

struct rq_form {
    struct str name, address, email, phone, category, body, honeypot;
    bool urgent;
};

static const char *const category_keys[STORE_RQ_N_CATEGORIES] = {
    "", "rq.category.proposal", "rq.category.statement", "rq.category.complaint"};

static unsigned section_of(enum store_rq_kind k)
{
    return k == STORE_RQ_INFO ? SITE_SECTION_REQUESTS : SITE_SECTION_APPEALS;
}

static const char *path_of(enum store_rq_kind k)
{
    return k == STORE_RQ_INFO ? "/requests" : "/appeals";
}

static bool section_on(struct site_page *p, enum store_rq_kind k)
{
    if ((p->site->sections_off & section_of(k)) == 0)
        return true;
    site__fail(p, ERR_NOTFOUND, "section off");
    return false;
}

static void no_store(struct site_page *p)
{
    p->res->cacheable = false;
    p->res->n_cache_keys = 0;
    http_response_header(p->res, p->req, "Cache-Control", STR_LIT("no-store"));
}

/* stats_values puts the half-years of kind on the page (root.stats). */
static enum err stats_values(struct site_page *p, enum store_rq_kind kind)
{
    struct store_rq_stat *rows;
    size_t n;
    enum err e = store_rq_stats(p->ctx->store, p->a, utc_now(), &rows, &n);
    if (e != ERR_OK)
        return e;
    struct value *list = value_list(p->a);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].kind != kind)
            continue;
        struct value *v = value_obj(p->a);
        struct str half = site__t(p, rows[i].half == 1 ? "rq.half.1" : "rq.half.2");
        value_set_str(p->a, v, "period",
                      str_from_cstr(arena_printf(p->a, "%d, %.*s", rows[i].year, STR_FMT(half))));
        value_set_int(p->a, v, "received", rows[i].received);
        value_set_int(p->a, v, "answered", rows[i].answered);
        value_set_int(p->a, v, "refused", rows[i].refused);
        value_set_int(p->a, v, "overdue", rows[i].overdue);
        value_push(p->a, list, v);
    }
    if (value_list_len(list) > 0)
        value_set(p->a, p->root, "stats", list);
    return ERR_OK;
}

/* form_page renders the section's page with f as typed: each problem (a catalog key or
 * NULL per field) beside its field, or error_key above the form; status other than 200
 * is never cached. */
static void form_page(struct site_page *p, enum store_rq_kind kind, int status,
                      const struct rq_form *f, const char *const *problem, const char *error_key)
{
    bool info = kind == STORE_RQ_INFO;
    struct str title = site__t(p, info ? "rq.info.title" : "rq.appeal.title");
    struct str names[1] = {title};
    site__layout(p, title, str_from_cstr(path_of(kind)),
                 site__t(p, info ? "rq.info.description" : "rq.appeal.description"));
    site__key(p, "requests");
    value_set_bool(p->a, p->root, info ? "nav_requests" : "nav_appeals", true);
    value_set_bool(p->a, p->root, info ? "is_info" : "is_appeal", true);
    value_set_str(p->a, p->root, "title", title);
    value_set_str(p->a, p->root, "action", site__href(p, str_from_cstr(path_of(kind))));
    value_set_str(p->a, p->root, "other_url",
                  site__href(p, str_from_cstr(path_of(info ? STORE_RQ_APPEAL : STORE_RQ_INFO))));
    value_set_str(p->a, p->root, "schedule_url", site__href(p, STR_LIT("/pages/pryiom-hromadian")));
    if ((p->site->sections_off & section_of(info ? STORE_RQ_APPEAL : STORE_RQ_INFO)) == 0)
        value_set_bool(p->a, p->root, "other_on", true);
    struct value *form = value_obj(p->a);
    value_set_str(p->a, form, "name", f->name);
    value_set_str(p->a, form, "address", f->address);
    value_set_str(p->a, form, "email", f->email);
    value_set_str(p->a, form, "phone", f->phone);
    value_set_str(p->a, form, "body", f->body);
    value_set_bool(p->a, form, "urgent", f->urgent);
    value_set_int(p->a, form, "max_body", RQ_MAX_BODY_CHARS);
    struct value *cats = value_list(p->a);
    for (int c = 1; c < STORE_RQ_N_CATEGORIES; c++) {
        struct value *o = value_obj(p->a);
        const char *name = store_rq_category_name((enum store_rq_category)c);
        value_set_cstr(p->a, o, "value", name);
        value_set_str(p->a, o, "label", site__t(p, category_keys[c]));
        value_set_cstr(p->a, o, "id", arena_printf(p->a, "rq-cat-%s", name));
        if (str_eq_cstr(f->category, name))
            value_set_bool(p->a, o, "checked", true);
        value_push(p->a, cats, o);
    }
    value_set(p->a, form, "categories", cats);
    size_t bad = 0;
    for (int i = 0; problem != NULL && i < F_N; i++)
        if (problem[i] != NULL) {
            value_set_str(p->a, form, field_err[i], site__t(p, problem[i]));
            bad++;
        }
    value_set(p->a, p->root, "form", form);
    if (bad > 0 || error_key != NULL)
        value_set_str(p->a, p->root, "error", site__t(p, bad > 0 ? "rq.err.summary" : error_key));
    enum err e = stats_values(p, kind);
    if (e != ERR_OK) {
        site__fail(p, e, "request statistics");
        return;
    }
    value_set_str(p->a, p->root, "csv_url", STR_LIT("/requests/statistics.csv"));
    value_set_str(p->a, p->root, "json_url", STR_LIT("/requests/statistics.json"));
    site__crumbs(p, 1, names, NULL);
    site__finish(p, "requests");
    if (status != 200) {
        if (p->res->status == 200)
            p->res->status = status;
        no_store(p);
    }
}

static void page_get(struct http_request *req, struct http_response *res, enum store_rq_kind kind)
{
    struct site_page p;
    struct rq_form f;
    memset(&f, 0, sizeof f);
    if (!site__begin(&p, req, res) || !section_on(&p, kind))
        return;
    form_page(&p, kind, 200, &f, NULL, NULL);
}

static void info_get(struct http_request *req, struct http_response *res)
{
    page_get(req, res, STORE_RQ_INFO);
}

static void appeal_get(struct http_request *req, struct http_response *res)
{
    page_get(req, res, STORE_RQ_APPEAL);
}

static struct str field(struct site_page *p, const char *name)
{
    struct str v = STR_LIT("");
    if (!http_form_get(p->a, p->req->body, name, &v, NULL))
        v = STR_LIT("");
    return v;
}

/* text_problem: NULL when v is fine for a field of at most max characters. */
static const char *text_problem(struct str v, size_t max, bool multiline, bool required)
{
    if (v.len == 0)
        return required ? "rq.err.required" : NULL;
    return site_text_ok(v, max, multiline) ? NULL : "rq.err.text";
}

static bool phone_ok(struct str v)
{
    size_t digits = 0;
    for (size_t i = 0; i < v.len; i++) {
        char ch = v.ptr[i];
        if (ch >= '0' && ch <= '9')
            digits++;
        else if (ch != ' ' && ch != '+' && ch != '-' && ch != '(' && ch != ')')
            return false;
    }
    return digits >= 5 && v.len <= RQ_MAX_PHONE_CHARS;
}

static const char *email_problem(enum mail_addr_problem why)
{
    switch (why) {
    case MAIL_ADDR_TOO_LONG:
        return "subscribe.bad.too_long";
    case MAIL_ADDR_DOMAIN:
        return "subscribe.bad.domain";
    case MAIL_ADDR_NONASCII:
        return "subscribe.bad.nonascii";
    default:
        return "subscribe.bad.syntax";
    }
}

/* check fills problem[] and r from f; the number of problems. */
static size_t check(enum store_rq_kind kind, const struct rq_form *f, struct buf *email,
                    const char **problem, struct store_request *r)
{
    memset(problem, 0, F_N * sizeof *problem);
    problem[F_NAME] = text_problem(f->name, RQ_MAX_NAME_CHARS, false, true);
    problem[F_ADDRESS] =
        text_problem(f->address, RQ_MAX_ADDRESS_CHARS, true, kind == STORE_RQ_APPEAL);
    if (f->email.len > 0) {
        enum mail_addr_problem why = MAIL_ADDR_OK;
        if (mail_address_normalize(f->email, email, &why) != ERR_OK)
            problem[F_EMAIL] = email_problem(why);
    }
    if (kind == STORE_RQ_INFO && f->address.len == 0 && f->email.len == 0)
        problem[F_ADDRESS] = "rq.err.contact";
    if (f->phone.len > 0 && !phone_ok(f->phone))
        problem[F_PHONE] = "rq.err.phone";
    int cat = store_rq_category_parse(f->category);
    if (kind == STORE_RQ_APPEAL && cat <= 0)
        problem[F_CATEGORY] = "rq.err.category";
    problem[F_BODY] = text_problem(f->body, RQ_MAX_BODY_CHARS, true, true);
    size_t bad = 0;
    for (int i = 0; i < F_N; i++)
        bad += problem[i] != NULL;
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->name = f->name;
    r->address = f->address;
    r->email = buf_str(email);
    r->phone = kind == STORE_RQ_INFO ? f->phone : STR_LIT("");
    r->body = f->body;
    r->urgent = kind == STORE_RQ_INFO && f->urgent;
    r->category =
        kind == STORE_RQ_APPEAL && cat > 0 ? (enum store_rq_category)cat : STORE_RQ_CAT_NONE;
    return bad;
}

/* rate_ok counts one registration from the client's address (a keyed hash of it, as
 * the subscription form keeps them) in w's transaction. */
static enum err rate_ok(struct store *w, struct site_page *p, const struct mail_site *ms,
                        int64_t now, bool *ok)
{
    struct buf key;
    int64_t count = 0;
    buf_init(&key, 128);
    enum err e = buf_append_cstr(&key, "rq:");
    if (e == ERR_OK)
        e = mail_keyed_hash(ms->secret, "rq-ip", str_from_cstr(p->req->client_ip), &key);
    if (e == ERR_OK)
        e = store_mail_rate_hit(w, buf_str(&key), now - now % 3600, now - 2 * 86400, &count);
    buf_free(&key);
    *ok = count <= RQ_MAX_PER_IP_HOUR;
    return e;
}

/* register_one stores r with its deadline and queues its confirmation, in one
 * transaction on the writer; *limited when the address sent too many. */
static enum err register_one(struct site_page *p, struct store_request *r, bool *limited)
{
    struct mail_site ms;
    bool ok = true;
    int64_t id = 0;
    *limited = false;
    struct store *w = site__writer_lock(p->site);
    if (w == NULL)
        return ERR_BUSY;
    enum err e = site__mail_site(w, p, &ms);
    if (e == ERR_OK)
        e = store_begin(w);
    if (e != ERR_OK) {
        site__writer_unlock();
        return e;
    }
    e = rate_ok(w, p, &ms, r->received_at, &ok);
    if (e == ERR_OK && !ok) {
        *limited = true;
        e = store_commit(w); /* the count stays */
        site__writer_unlock();
        return e;
    }
    if (e == ERR_OK)
        e = store_rq_insert(w, r, &id, &r->seq);
    if (e == ERR_OK && r->email.len > 0) {
        struct mail_rq_message m = {
            .kind = MAIL_RQ_REGISTERED,
            .request_id = id,
            .number = mail_rq_number(p->a, r->kind, r->year, r->seq),
            .received = site__date(p, r->received_at, true),
            .due = site__date(p, r->due_at, r->urgent),
            .text = r->body,
        };
        e = mail_rq_queue(w, &ms, &m, r->email, r->received_at);
    }
    if (e == ERR_OK)
        e = store_commit(w);
    if (e != ERR_OK)
        store_rollback(w);
    site__writer_unlock();
    r->id = id;
    return e;
}

static void done_page(struct site_page *p, const struct store_request *r)
{
    bool info = r->kind == STORE_RQ_INFO;
    struct str title = site__t(p, info ? "rq.done.info" : "rq.done.appeal");
    struct str names[2] = {site__t(p, info ? "rq.info.title" : "rq.appeal.title"), title};
    struct str urls[2] = {str_from_cstr(path_of(r->kind)), STR_NULL};
    site__layout(p, title, str_from_cstr(path_of(r->kind)), STR_NULL);
    value_set_bool(p->a, p->root, "noindex", true);
    value_set_str(p->a, p->root, "title", title);
    value_set_str(p->a, p->root, "number", mail_rq_number(p->a, r->kind, r->year, r->seq));
    value_set_str(p->a, p->root, "received", site__date(p, r->received_at, true));
    value_set_str(p->a, p->root, "received_iso", site__date_iso(p, r->received_at));
    value_set_str(p->a, p->root, "due", site__date(p, r->due_at, r->urgent));
    value_set_str(p->a, p->root, "due_iso", site__date_iso(p, r->due_at));
    value_set_bool(p->a, p->root, "mailed", r->email.len > 0);
    value_set_bool(p->a, p->root, "urgent", r->urgent);
    value_set_bool(p->a, p->root, info ? "is_info" : "is_appeal", true);
    value_set_str(p->a, p->root, "back_url", site__href(p, str_from_cstr(path_of(r->kind))));
    site__crumbs(p, 2, names, urls);
    site__finish(p, "request-done");
    no_store(p);
}

static void page_post(struct http_request *req, struct http_response *res, enum store_rq_kind kind)
{
    struct site_page p;
    struct rq_form f;
    struct store_request r;
    const char *problem[F_N];
    struct buf email;

    if (!site__begin(&p, req, res) || !section_on(&p, kind))
        return;
    memset(&f, 0, sizeof f);
    if (site__cross_site(&p)) {
        form_page(&p, kind, 403, &f, NULL, "rq.err.cross");
        return;
    }
    f.name = str_trim(field(&p, "name"));
    f.address = str_trim(field(&p, "address"));
    f.email = str_trim(field(&p, "email"));
    f.phone = str_trim(field(&p, "phone"));
    f.category = field(&p, "category");
    f.body = str_trim(field(&p, "body"));
    f.honeypot = field(&p, "website");
    f.urgent = field(&p, "urgent").len > 0;
    buf_init(&email, 4 * MAIL_MAX_ADDRESS_BYTES);
    size_t bad = check(kind, &f, &email, problem, &r);
    if (bad > 0 || f.honeypot.len > 0) {
        buf_free(&email);
        form_page(&p, kind, 422, &f, problem, "rq.err.summary");
        return;
    }
    r.email = arena_str(p.a, buf_str(&email));
    buf_free(&email);
    int64_t now = utc_now();
    struct kyiv_tm k = kyiv_from_utc(now);
    r.received_at = now;
    r.year = k.year;
    r.half = k.month <= 6 ? 1 : 2;
    r.due_at = kind == STORE_RQ_INFO ? deadline_info(&p.site->holidays, now, r.urgent)
                                     : deadline_appeal(now, DEADLINE_APPEAL_MONTH);
    r.remind_at = deadline_remind_at(&p.site->holidays, now, r.due_at);
    bool limited = false;
    enum err e = register_one(&p, &r, &limited);
    if (e != ERR_OK) {
        log_msg(LOG_ERROR, req->id, "request registration failed: %s", err_str(e));
        site__fail(&p, e == ERR_BUSY ? ERR_BUSY : ERR_DB, "request registration");
        return;
    }
    if (limited) {
        http_response_header(res, req, "Retry-After", STR_LIT("3600"));
        form_page(&p, kind, 429, &f, NULL, "rq.err.limited");
        return;
    }
    http_cache_invalidate(req->server, STR_LIT("requests"));
    log_msg(LOG_INFO, req->id, "%s %lld registered", store_rq_kind_name(kind), (long long)r.id);
    done_page(&p, &r);
}

static void info_post(struct http_request *req, struct http_response *res)
{
    page_post(req, res, STORE_RQ_INFO);
}

static void appeal_post(struct http_request *req, struct http_response *res)
{
    page_post(req, res, STORE_RQ_APPEAL);
}

/* ---- /requests/statistics.csv and .json ---------------------------------------------- */

static void stats_file(struct http_request *req, struct http_response *res, bool json)
{
    struct site_page p;
    struct store_rq_stat *rows;
    size_t n;
    if (!site__begin(&p, req, res))
        return;
    if ((p.site->sections_off & (SITE_SECTION_REQUESTS | SITE_SECTION_APPEALS)) ==
        (SITE_SECTION_REQUESTS | SITE_SECTION_APPEALS)) {
        site__fail(&p, ERR_NOTFOUND, "section off");
        return;
    }
    enum err e = store_rq_stats(p.ctx->store, p.a, utc_now(), &rows, &n);
    if (store_in_transaction(p.ctx->store))
        store_rollback(p.ctx->store);
    site__theme_release(p.theme);
    p.theme = NULL;
    if (e != ERR_OK) {
        http_response_error(res, 500);
        return;
    }
    struct buf *b = &res->body;
    buf_reset(b);
    if (json)
        buf_append_cstr(b, "[");
    else
        buf_append_cstr(b, "period,kind,received,answered,refused,overdue\r\n");
    for (size_t i = 0; i < n; i++) {
        const char *kind = rows[i].kind == STORE_RQ_INFO ? "information_request" : "appeal";
        if (json)
            buf_appendf(b,
                        "%s\n{\"period\":\"%d-H%d\",\"kind\":\"%s\",\"received\":%lld,"
                        "\"answered\":%lld,\"refused\":%lld,\"overdue\":%lld}",
                        i > 0 ? "," : "", rows[i].year, rows[i].half, kind,
                        (long long)rows[i].received, (long long)rows[i].answered,
                        (long long)rows[i].refused, (long long)rows[i].overdue);
        else
            buf_appendf(b, "%d-H%d,%s,%lld,%lld,%lld,%lld\r\n", rows[i].year, rows[i].half, kind,
                        (long long)rows[i].received, (long long)rows[i].answered,
                        (long long)rows[i].refused, (long long)rows[i].overdue);
    }
    if (json)
        buf_append_cstr(b, "\n]\n");
    if (b->err != ERR_OK) {
        buf_reset(b);
        http_response_error(res, 500);
        return;
    }
    res->status = 200;
    http_response_header(res, req, "Content-Type",
                         json ? STR_LIT("application/json; charset=utf-8")
                              : STR_LIT("text/csv; charset=utf-8; header=present"));
    res->cacheable = true;
    site__key(&p, "requests");
}

static void stats_csv(struct http_request *req, struct http_response *res)
{
    stats_file(req, res, false);
}

static void stats_json(struct http_request *req, struct http_response *res)
{
    stats_file(req, res, true);
}

void site__requests_routes(struct http_router *r)
{
    site__route(r, HTTP_M_GET, "/requests", info_get, NULL);
    site__route(r, HTTP_M_POST, "/requests", info_post, NULL);
    site__route(r, HTTP_M_GET, "/appeals", appeal_get, NULL);
    site__route(r, HTTP_M_POST, "/appeals", appeal_post, NULL);
    http_router_add(r, HTTP_M_GET, "/requests/statistics.csv", stats_csv);
    http_router_add(r, HTTP_M_GET, "/requests/statistics.json", stats_json);
}
