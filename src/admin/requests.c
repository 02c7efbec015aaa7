/* requests.c: requests for public information and citizens' appeals in the workspace
 * (/admin/requests, editors and administrators only: authors never see the requesters'
 * personal data). The queue with number, date, kind, assignee, status and deadline,
 * overdue rows marked in words as well as colour, filters by status and kind; a
 * request's page to assign it, extend it (with a reason, within what the law allows),
 * mark an appeal as needing no further study (15 days), answer, refuse (with the
 * grounds of art. 22) or forward it. Every step that the requester should hear of is
 * mailed through the outbox in the transaction of the change, with its audit entry.
 * The scheduler's part (admin__requests_tick): the reminder a working day before the
 * deadline, sent once; the statistics' cached pages dropped when a deadline passes; the
 * personal data erased requests_keep_days after a request was closed. */
#include <string.h>

#include "admin/admin_internal.h"
#include "core/deadline.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "mail/requests.h"
#include "store/requests.h"
#include "store/workflow.h"

#define RQ_MAX_REASON_CHARS 4000
#define RQ_MAX_ANSWER_CHARS 50000
#define RQ_ERASE_EVERY_S 10

static struct str number_of(struct admin_ctx *c, const struct store_request *r)
{
    return mail_rq_number(c->a, r->kind, r->year, r->seq);
}

static struct str status_label(struct admin_ctx *c, enum store_rq_status s)
{
    return admin__t(c, arena_printf(c->a, "rq.status.%s", store_rq_status_name(s)));
}

static struct str kind_label(struct admin_ctx *c, enum store_rq_kind k)
{
    return admin__t(c, k == STORE_RQ_INFO ? "rq.kind.info" : "rq.kind.appeal");
}

static bool overdue(const struct store_request *r, int64_t now)
{
    return store_rq_open(r->status) ? r->due_at < now : r->closed_at > r->due_at;
}

/* late_label: what an overdue row says: «прострочено» while open, «із порушенням
 * строку» once closed late. */
static struct str late_label(struct admin_ctx *c, const struct store_request *r)
{
    return admin__t(c, store_rq_open(r->status) ? "admin.rq.overdue" : "admin.rq.late");
}

static struct value *option(struct admin_ctx *c, const char *value, struct str label, bool sel)
{
    struct value *o = value_obj(c->a);
    value_set_cstr(c->a, o, "value", value);
    value_set_str(c->a, o, "label", label);
    if (sel)
        value_set_bool(c->a, o, "selected", true);
    return o;
}

void admin__requests(struct admin_ctx *c)
{
    struct store_request *items;
    size_t n;
    struct str kind_q = admin__field(c, c->req->query, "kind");
    struct str status_q = admin__field(c, c->req->query, "status");
    int kind = kind_q.len > 0 ? store_rq_kind_parse(kind_q) : -1;
    int status = status_q.len > 0 ? store_rq_status_parse(status_q) : -1;
    enum err e = store_rq_list(c->db, c->a, kind, status, &items, &n);
    if (e != ERR_OK) {
        admin__db_error(c, e, "request list");
        return;
    }
    int64_t now = utc_now();
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct store_request *r = &items[i];
        struct value *v = value_obj(c->a);
        value_set_int(c->a, v, "id", r->id);
        value_set_str(c->a, v, "number", number_of(c, r));
        value_set_str(c->a, v, "received", admin__date(c, r->received_at));
        value_set_str(c->a, v, "kind", kind_label(c, r->kind));
        value_set_str(c->a, v, "assignee", r->assignee_name);
        value_set_str(c->a, v, "status", status_label(c, r->status));
        value_set_str(c->a, v, "due", admin__date(c, r->due_at));
        value_set_bool(c->a, v, "overdue", overdue(r, now));
        value_set_str(c->a, v, "late", late_label(c, r));
        value_set_bool(c->a, v, "urgent", r->urgent);
        value_push(c->a, list, v);
    }
    if (n > 0)
        value_set(c->a, c->root, "requests", list);
    struct value *kinds = value_list(c->a), *statuses = value_list(c->a);
    value_push(c->a, kinds, option(c, "", admin__t(c, "rq.any"), kind < 0));
    for (int k = 0; k < STORE_RQ_N_KINDS; k++)
        value_push(c->a, kinds,
                   option(c, store_rq_kind_name((enum store_rq_kind)k),
                          kind_label(c, (enum store_rq_kind)k), kind == k));
    value_push(c->a, statuses, option(c, "", admin__t(c, "rq.any"), status < 0));
    for (int s = 0; s < STORE_RQ_N_STATUSES; s++)
        value_push(c->a, statuses,
                   option(c, store_rq_status_name((enum store_rq_status)s),
                          status_label(c, (enum store_rq_status)s), status == s));
    value_set(c->a, c->root, "kinds", kinds);
    value_set(c->a, c->root, "statuses", statuses);
    value_set_str(c->a, c->root, "page_title", admin__t(c, "admin.rq.title"));
    value_set_bool(c->a, c->root, "nav_requests", true);
    admin__render(c, 200, "admin-requests");
}

static bool load(struct admin_ctx *c, struct store_request *r)
{
    int64_t id;
    if (!admin__path_id(c, &id))
        return false;
    enum err e = store_rq_get(c->db, c->a, id, r);
    if (e != ERR_OK) {
        admin__db_error(c, e, "request");
        return false;
    }
    return true;
}

static bool may_extend(struct admin_ctx *c, const struct store_request *r, int64_t now)
{
    if (!store_rq_open(r->status) || r->extended_at != 0)
        return false;
    if (r->kind == STORE_RQ_APPEAL)
        return true;
    return deadline_info_may_extend(&c->ad->holidays, r->received_at, r->urgent, now);
}

/* page renders request r with the forms its state allows; err names a field's problem. */
static void page(struct admin_ctx *c, int status, const struct store_request *r,
                 const char *err_field, const char *err_key, struct str typed)
{
    int64_t now = utc_now();
    struct value *v = value_obj(c->a);
    value_set_int(c->a, v, "id", r->id);
    value_set_str(c->a, v, "number", number_of(c, r));
    value_set_str(c->a, v, "kind", kind_label(c, r->kind));
    value_set_str(c->a, v, "received", admin__date(c, r->received_at));
    value_set_str(c->a, v, "due", admin__date(c, r->due_at));
    value_set_str(c->a, v, "status", status_label(c, r->status));
    value_set_bool(c->a, v, "overdue", overdue(r, now));
    value_set_str(c->a, v, "late", late_label(c, r));
    value_set_bool(c->a, v, "urgent", r->urgent);
    value_set_bool(c->a, v, "open", store_rq_open(r->status));
    value_set_bool(c->a, v, "erased", r->erased_at != 0);
    if (r->category != STORE_RQ_CAT_NONE)
        value_set_str(
            c->a, v, "category",
            admin__t(c, arena_printf(c->a, "rq.category.%s", store_rq_category_name(r->category))));
    value_set_str(c->a, v, "name", r->name);
    value_set_str(c->a, v, "address", r->address);
    value_set_str(c->a, v, "email", r->email);
    value_set_str(c->a, v, "phone", r->phone);
    value_set_str(c->a, v, "body", r->body);
    value_set_str(c->a, v, "extend_reason", r->extend_reason);
    value_set_str(c->a, v, "answer", r->answer);
    value_set_str(c->a, v, "close_reason", r->close_reason);
    value_set_str(c->a, v, "assignee", r->assignee_name);
    value_set_bool(c->a, v, "may_extend", may_extend(c, r, now));
    value_set_bool(c->a, v, "may_short",
                   r->kind == STORE_RQ_APPEAL && !r->short_term && r->extended_at == 0 &&
                       store_rq_open(r->status));
    if (err_field != NULL) {
        value_set_str(c->a, v, arena_printf(c->a, "%s_err", err_field), admin__t(c, err_key));
        value_set_str(c->a, v, arena_printf(c->a, "%s_typed", err_field), typed);
    }
    struct store_user *users;
    size_t nu;
    enum err e = store_users_all(c->db, c->a, &users, &nu);
    if (e != ERR_OK) {
        admin__db_error(c, e, "users");
        return;
    }
    struct value *list = value_list(c->a);
    value_push(c->a, list, option(c, "0", admin__t(c, "admin.rq.nobody"), r->assignee_id == 0));
    for (size_t i = 0; i < nu; i++) {
        if (users[i].disabled || users[i].role < STORE_ROLE_EDITOR)
            continue; /* an author may not see the requester's data */
        value_push(c->a, list,
                   option(c, arena_printf(c->a, "%lld", (long long)users[i].id), users[i].name,
                          users[i].id == r->assignee_id));
    }
    value_set(c->a, v, "users", list);
    value_set(c->a, c->root, "rq", v);
    value_set_str(c->a, c->root, "page_title", number_of(c, r));
    value_set_bool(c->a, c->root, "nav_requests", true);
    if (status != 200)
        value_set_str(c->a, c->root, "error", admin__t(c, err_key));
    struct str m = admin__field(c, c->req->query, "m");
    if (status == 200 && m.len > 0 && m.len < 20 && str_eq_cstr(m, "saved"))
        value_set_str(c->a, c->root, "flash", admin__t(c, "admin.rq.saved"));
    admin__render(c, status, "admin-request");
}

void admin__request(struct admin_ctx *c)
{
    struct store_request r;
    if (load(c, &r))
        page(c, 200, &r, NULL, NULL, STR_NULL);
}

/* tell queues message kind to the requester when they gave an e-mail (else the
 * answer goes by post, from the address on the page). */
static enum err tell(struct admin_ctx *c, const struct mail_site *ms, const struct store_request *r,
                     enum mail_rq_kind kind, struct str text)
{
    if (r->email.len == 0)
        return ERR_OK;
    struct mail_rq_message m = {.kind = kind,
                                .request_id = r->id,
                                .number = number_of(c, r),
                                .received = admin__date(c, r->received_at),
                                .due =
                                    kind == MAIL_RQ_EXTENDED ? admin__date(c, r->due_at) : STR_NULL,
                                .text = text};
    return mail_rq_queue(c->db, ms, &m, r->email, utc_now());
}

static const char *text_problem(struct str v, size_t max)
{
    if (v.len == 0)
        return "rq.err.required";
    return admin__reg_text_problem(v, max, true, true);
}

void admin__request_save(struct admin_ctx *c)
{
    struct store_request r;
    if (!load(c, &r))
        return;
    struct str body = c->req->body;
    struct str op = admin__field(c, body, "op");
    struct str text = str_trim(admin__field(c, body, "text"));
    int64_t now = utc_now();
    const char *action = NULL;
    enum mail_rq_kind tell_kind = MAIL_RQ_N_KINDS;
    const char *problem = NULL, *where = NULL;

    if (str_eq_cstr(op, "assign")) {
        int64_t uid = 0;
        struct store_user u;
        if (!admin__field_i64(c, body, "assignee", &uid) || uid < 0) {
            problem = "admin.rq.err.assignee";
            where = "assignee";
        } else if (uid > 0 && (store_user_by_id(c->db, c->a, uid, &u) != ERR_OK || u.disabled ||
                               u.role < STORE_ROLE_EDITOR)) {
            problem = "admin.rq.err.assignee";
            where = "assignee";
        } else {
            r.assignee_id = uid;
            if (r.status == STORE_RQ_NEW && uid > 0)
                r.status = STORE_RQ_IN_PROGRESS;
            r.reminded_at = 0; /* the new handler hears of the deadline too */
            action = "request.assign";
        }
    } else if (!store_rq_open(r.status)) {
        problem = "admin.rq.err.closed";
    } else if (str_eq_cstr(op, "extend")) {
        if (!may_extend(c, &r, now)) {
            problem = r.kind == STORE_RQ_INFO ? "admin.rq.err.extend_late" : "admin.rq.err.closed";
        } else if ((problem = text_problem(text, RQ_MAX_REASON_CHARS)) != NULL) {
            where = "extend";
        } else {
            r.due_at = r.kind == STORE_RQ_INFO
                           ? deadline_info_extended(&c->ad->holidays, r.received_at)
                           : deadline_appeal(r.received_at, DEADLINE_APPEAL_EXTENDED);
            r.remind_at = deadline_remind_at(&c->ad->holidays, r.received_at, r.due_at);
            r.reminded_at = 0;
            r.extended_at = now;
            r.extend_reason = text;
            r.status = STORE_RQ_EXTENDED;
            action = "request.extend";
            tell_kind = MAIL_RQ_EXTENDED;
        }
    } else if (str_eq_cstr(op, "short")) {
        if (r.kind != STORE_RQ_APPEAL || r.extended_at != 0) {
            problem = "admin.rq.err.closed";
        } else {
            r.short_term = true;
            r.due_at = deadline_appeal(r.received_at, DEADLINE_APPEAL_SHORT);
            r.remind_at = deadline_remind_at(&c->ad->holidays, r.received_at, r.due_at);
            r.reminded_at = 0;
            action = "request.short";
        }
    } else if (str_eq_cstr(op, "answer") || str_eq_cstr(op, "refuse") ||
               str_eq_cstr(op, "forward")) {
        bool answer = str_eq_cstr(op, "answer"), refuse = str_eq_cstr(op, "refuse");
        where = answer ? "answer" : refuse ? "refuse" : "forward";
        problem = text_problem(text, answer ? RQ_MAX_ANSWER_CHARS : RQ_MAX_REASON_CHARS);
        if (problem == NULL) {
            where = NULL;
            if (answer)
                r.answer = text;
            else
                r.close_reason = text;
            r.status = answer ? STORE_RQ_ANSWERED : refuse ? STORE_RQ_REFUSED : STORE_RQ_FORWARDED;
            r.closed_at = now;
            action = answer ? "request.answer" : refuse ? "request.refuse" : "request.forward";
            tell_kind = answer ? MAIL_RQ_ANSWERED : refuse ? MAIL_RQ_REFUSED : MAIL_RQ_FORWARDED;
        }
    } else {
        problem = "admin.rq.err.op";
    }
    if (problem != NULL) {
        struct store_request fresh;
        if (store_rq_get(c->db, c->a, r.id, &fresh) == ERR_OK)
            r = fresh;
        page(c, 422, &r, where, problem, text);
        return;
    }
    /* what messages need is read before the transaction (admin__notice_site) */
    struct mail_site ms;
    bool mail = tell_kind != MAIL_RQ_N_KINDS && r.email.len > 0;
    if (mail && !admin__notice_site(c->db, c->a, &ms)) {
        admin__db_error(c, ERR_DB, "request mail");
        return;
    }
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_rq_update(c->db, &r);
    if (e == ERR_OK && mail)
        e = tell(c, &ms, &r, tell_kind, text);
    if (e == ERR_OK)
        e = admin__audit_in(c, action,
                            str_from_cstr(arena_printf(c->a, "request:%lld", (long long)r.id)),
                            number_of(c, &r));
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "request save"); /* rolls back */
        return;
    }
    admin__invalidate(c, "requests");
    admin__redirect(c, "/admin/requests/%lld?m=saved", (long long)r.id);
}

/* ---- the scheduler's part ------------------------------------------------------------- */

/* remind_one queues the reminder of request id to its assignee (or, when nobody is
 * assigned or they have no address, every editor with one) and records it as sent, in
 * one transaction. */
static enum err remind_one(struct admin *ad, struct arena *a, const struct mail_site *ms,
                           int64_t id, int64_t now)
{
    struct store_request r;
    struct str email = STR_LIT("");
    enum err e = store_begin(ad->db);
    if (e != ERR_OK)
        return e;
    e = store_rq_get(ad->db, a, id, &r);
    if (e == ERR_OK && r.assignee_id > 0) {
        e = store_user_email_get(ad->db, a, r.assignee_id, &email);
        if (e == ERR_NOTFOUND)
            e = ERR_OK;
    }
    struct kyiv_tm due = kyiv_from_utc(r.due_at), got = kyiv_from_utc(r.received_at);
    struct mail_rq_message m = {
        .kind = MAIL_RQ_REMINDER,
        .request_id = id,
        .number = mail_rq_number(a, r.kind, r.year, r.seq),
        .received = str_from_cstr(arena_printf(a, "%02d.%02d.%04d", got.day, got.month, got.year)),
        .due = str_from_cstr(arena_printf(a, "%02d.%02d.%04d %02d:%02d", due.day, due.month,
                                          due.year, due.hour, due.minute)),
    };
    if (e == ERR_OK && email.len > 0) {
        e = mail_rq_queue(ad->db, ms, &m, email, now);
    } else if (e == ERR_OK) {
        struct store_recipient *to;
        size_t n;
        e = store_reviewers(ad->db, a, 0, &to, &n);
        for (size_t i = 0; e == ERR_OK && i < n; i++)
            e = mail_rq_queue(ad->db, ms, &m, to[i].email, now);
    }
    if (e == ERR_OK) {
        r.reminded_at = now;
        e = store_rq_update(ad->db, &r);
    }
    if (e == ERR_OK)
        e = store_commit(ad->db);
    if (e != ERR_OK)
        store_rollback(ad->db);
    return e;
}

void admin__requests_tick(struct admin *ad, struct store *db, struct arena *a, int64_t *last)
{
    int64_t now = utc_now(), *ids;
    size_t n;
    if (now <= *last)
        return;
    /* a deadline passed: the statistics now count the request as overdue */
    if (store_rq_due_between(db, a, *last, now, &ids, &n) == ERR_OK && n > 0)
        http_cache_invalidate(ad->srv, STR_LIT("requests"));
    enum err e = store_rq_reminders_due(db, a, now, &ids, &n);
    if (e == ERR_OK && n > 0) {
        struct mail_site ms;
        pthread_mutex_lock(&ad->lock);
        if (admin__notice_site(ad->db, a, &ms))
            for (size_t i = 0; i < n && e == ERR_OK; i++)
                e = remind_one(ad, a, &ms, ids[i], now);
        pthread_mutex_unlock(&ad->lock);
        if (e != ERR_OK)
            log_warn("request reminders failed, tried again next tick: %s", err_str(e));
    }
    if (now / RQ_ERASE_EVERY_S != *last / RQ_ERASE_EVERY_S) {
        int64_t erased = 0;
        pthread_mutex_lock(&ad->lock);
        e = store_rq_erase(ad->db, now - (int64_t)ad->requests_keep_days * 86400, now, &erased);
        pthread_mutex_unlock(&ad->lock);
        if (e != ERR_OK)
            log_warn("request erasure failed, tried again later: %s", err_str(e));
        else if (erased > 0)
            log_info("personal data of %lld closed requests erased", (long long)erased);
    }
    *last = now;
}
