/* mail.c: the e-mail digest in the workspace. Everything goes through the workspace's
 * dispatcher (session, role, CSRF, origin) and its locked writer connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_internal.h"
#include "admin/admin_mail.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "mail/mail.h"

#define LOG_ROWS 50
#define CSV_MAX_BYTES (64 * 1024 * 1024)

static struct {
    char base_url[1200], mail_from[1100];
    struct i18n *lang;
} mail_cfg;

static bool site_for(struct admin_ctx *c, struct mail_site *ms)
{
    const char *from = mail_cfg.mail_from[0] != '\0' ? mail_cfg.mail_from : "noreply@localhost";
    /* the secret is created outside a transaction: the workspace holds none here */
    enum err e = mail_site_load(c->db, c->a, mail_cfg.lang, mail_cfg.base_url, from, ms);
    if (e != ERR_OK) {
        admin__db_error(c, e, "mail settings");
        return false;
    }
    return true;
}

const char *admin__base_url(void)
{
    return mail_cfg.base_url; /* trailing slashes cut once, in admin_mail_routes */
}

bool admin__notice_site(struct store *w, struct arena *a, struct mail_site *ms)
{
    const char *from = mail_cfg.mail_from[0] != '\0' ? mail_cfg.mail_from : "noreply@localhost";
    enum err e = mail_site_load(w, a, mail_cfg.lang, mail_cfg.base_url, from, ms);
    if (e != ERR_OK)
        log_warn("workflow notices: mail settings unreadable: %s", err_str(e));
    return e == ERR_OK;
}

static struct value *ref_counts(struct admin_ctx *c, const struct store_ref *r, size_t n)
{
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_str(c->a, v, "name", r[i].name);
        value_set_int(c->a, v, "count", r[i].count);
        value_push(c->a, list, v);
    }
    return n > 0 ? list : NULL;
}

static void mail_page(struct admin_ctx *c, int status, const char *note_key)
{
    struct arena *a = c->a;
    int64_t subs[4], out[4];
    struct store_ref *tags, *depts;
    size_t n_tags, n_depts, n_log;
    struct store_outbox_msg *log;
    bool failed_only = admin__field(c, c->req->query, "failed").len > 0;
    enum err e = store_subscriber_counts(c->db, subs);
    if (e == ERR_OK)
        e = store_outbox_counts(c->db, out);
    if (e == ERR_OK)
        e = store_subscriber_topic_counts(c->db, a, &tags, &n_tags, &depts, &n_depts);
    if (e == ERR_OK)
        e = store_outbox_log(c->db, a, 0, failed_only, LOG_ROWS, &log, &n_log);
    if (e != ERR_OK) {
        admin__db_error(c, e, "mail overview");
        return;
    }
    struct value *root = c->root, *counts = value_obj(a), *queue = value_obj(a);
    for (int i = 0; i < 4; i++) {
        value_set_int(a, counts, store_sub_state_text((enum store_sub_state)i), subs[i]);
        value_set_int(a, queue, store_outbox_state_text((enum store_outbox_state)i), out[i]);
    }
    value_set(a, root, "subscribers", counts);
    value_set(a, root, "outbox", queue);
    value_set(a, root, "topic_tags", ref_counts(c, tags, n_tags));
    value_set(a, root, "topic_depts", ref_counts(c, depts, n_depts));
    value_set_bool(a, root, "failed_only", failed_only);
    struct value *rows = value_list(a);
    for (size_t i = 0; i < n_log; i++) {
        struct value *v = value_obj(a);
        char who[160];
        mail_address_for_log(log[i].rcpt, who, sizeof who);
        value_set_int(a, v, "id", log[i].id);
        value_set_str(a, v, "kind", log[i].kind);
        value_set_cstr(a, v, "rcpt", who);
        value_set_str(a, v, "subject", log[i].subject);
        value_set_cstr(a, v, "state", store_outbox_state_text(log[i].state));
        value_set_bool(a, v, "bad", log[i].state == STORE_OUTBOX_FAILED);
        value_set_int(a, v, "attempts", log[i].attempts);
        value_set_str(a, v, "created", admin__date(c, log[i].created_at));
        if (log[i].sent_at > 0)
            value_set_str(a, v, "sent", admin__date(c, log[i].sent_at));
        value_set_str(a, v, "error", log[i].last_error);
        value_push(a, rows, v);
    }
    if (n_log > 0)
        value_set(a, root, "log", rows);

    /* the next daily digest of a subscriber without topics: everything since today's
     * (or yesterday's) slot */
    struct mail_site ms;
    if (!site_for(c, &ms))
        return;
    int64_t now = utc_now(), daily, weekly;
    mail_digest_slots(now, 8, 0, 1, &daily, &weekly);
    struct store_subscriber sample = {0};
    struct mail_composed mc;
    size_t n = 0;
    e = mail_digest_compose(c->db, a, &ms, &sample, daily, now + 86400, &mc, &n);
    if (e == ERR_OK && n > 0) {
        value_set_str(a, root, "preview_subject", mc.subject);
        value_set_str(a, root, "preview_text", mc.text);
        value_set_int(a, root, "preview_count", (int64_t)n);
    }
    if (note_key != NULL)
        value_set_str(a, root, "note", admin__t(c, note_key));
    value_set_bool(a, root, "nav_mail", true);
    admin__render(c, status, "admin-mail");
}

static void mail_overview(struct admin_ctx *c)
{
    mail_page(c, 200, NULL);
}

static void mail_test(struct admin_ctx *c)
{
    struct buf norm;
    enum mail_addr_problem why;
    struct mail_site ms;
    buf_init(&norm, 4 * MAIL_MAX_ADDRESS_BYTES);
    if (mail_address_normalize(admin__field(c, c->req->body, "email"), &norm, &why) != ERR_OK) {
        buf_free(&norm);
        mail_page(c, 422, "admin.mail.bad_address");
        return;
    }
    if (!site_for(c, &ms)) {
        buf_free(&norm);
        return;
    }
    enum err e = mail_test_queue(c->db, &ms, buf_str(&norm), utc_now());
    char who[160];
    mail_address_for_log(buf_str(&norm), who, sizeof who);
    buf_free(&norm);
    if (e == ERR_NOTFOUND) {
        mail_page(c, 422, "admin.mail.nothing");
        return;
    }
    if (e != ERR_OK) {
        admin__db_error(c, e, "mail test");
        return;
    }
    admin__audit(c, "mail.test", str_from_cstr(who), STR_NULL);
    mail_page(c, 200, "admin.mail.test_queued");
}

static void csv_field(struct buf *b, struct str s)
{
    /* quote always; a leading = + - @ would be a formula in a spreadsheet */
    buf_append_char(b, '"');
    if (s.len > 0 && strchr("=+-@", s.ptr[0]) != NULL)
        buf_append_char(b, '\'');
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '"')
            buf_append_char(b, '"');
        buf_append_char(b, s.ptr[i]);
    }
    buf_append_char(b, '"');
}

static void mail_export(struct admin_ctx *c)
{
    struct buf *b = &c->res->body;
    int64_t after = 0;
    enum err e = ERR_OK;
    buf_reset(b);
    buf_append_cstr(b, "email,state,frequency,created_at,confirmed_at,tag_ids,department_ids\r\n");
    for (;;) {
        struct store_subscriber *items;
        size_t n;
        e = store_subscribers_page(c->db, c->a, after, STORE_MAX_LIST_LIMIT, &items, &n);
        if (e != ERR_OK)
            break;
        for (size_t i = 0; i < n && e == ERR_OK; i++) {
            struct store_subscriber *s = &items[i];
            csv_field(b, s->email);
            buf_appendf(b, ",%s,%s,%lld,%lld,\"", store_sub_state_text(s->state),
                        s->weekly ? "weekly" : "daily", (long long)s->created_at,
                        (long long)s->confirmed_at);
            for (size_t k = 0; k < s->n_tags; k++)
                buf_appendf(b, "%s%lld", k > 0 ? " " : "", (long long)s->tag_ids[k]);
            buf_append_cstr(b, "\",\"");
            for (size_t k = 0; k < s->n_depts; k++)
                buf_appendf(b, "%s%lld", k > 0 ? " " : "", (long long)s->dept_ids[k]);
            e = buf_append_cstr(b, "\"\r\n");
            after = s->id;
        }
        if (n < STORE_MAX_LIST_LIMIT)
            break;
    }
    if (e != ERR_OK) {
        buf_reset(b);
        admin__db_error(c, e, "subscriber export");
        return;
    }
    admin__audit(c, "mail.export", STR_NULL, STR_NULL);
    c->res->status = 200;
    http_response_header(c->res, c->req, "Content-Type", STR_LIT("text/csv; charset=utf-8"));
    http_response_header(c->res, c->req, "Content-Disposition",
                         STR_LIT("attachment; filename=\"subscribers.csv\""));
}

static void mail_erase(struct admin_ctx *c)
{
    struct buf norm;
    enum mail_addr_problem why;
    struct store_subscriber s;
    buf_init(&norm, 4 * MAIL_MAX_ADDRESS_BYTES);
    if (mail_address_normalize(admin__field(c, c->req->body, "email"), &norm, &why) != ERR_OK) {
        buf_free(&norm);
        mail_page(c, 422, "admin.mail.bad_address");
        return;
    }
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_subscriber_by_email(c->db, c->a, buf_str(&norm), &s);
    if (e == ERR_OK)
        e = store_subscriber_erase(c->db, s.id);
    if (e == ERR_OK)
        e = store_commit(c->db);
    else
        store_rollback(c->db);
    char who[160];
    mail_address_for_log(buf_str(&norm), who, sizeof who);
    buf_free(&norm);
    if (e == ERR_NOTFOUND) {
        mail_page(c, 404, "admin.mail.unknown");
        return;
    }
    if (e != ERR_OK) {
        admin__db_error(c, e, "subscriber erase");
        return;
    }
    /* the audit keeps the masked address only: the erasure must not be undone by it */
    admin__audit(c, "mail.erase", str_from_cstr(who), STR_NULL);
    mail_page(c, 200, "admin.mail.erased");
}

void admin_mail_routes(struct admin *ad, struct http_router *r, const struct admin_mail_config *cfg)
{
    const int E = STORE_ROLE_EDITOR, S = STORE_ROLE_ADMIN;
    snprintf(mail_cfg.base_url, sizeof mail_cfg.base_url, "%s",
             cfg->base_url != NULL ? cfg->base_url : "");
    for (size_t n = strlen(mail_cfg.base_url); n > 0 && mail_cfg.base_url[n - 1] == '/'; n--)
        mail_cfg.base_url[n - 1] = '\0';
    snprintf(mail_cfg.mail_from, sizeof mail_cfg.mail_from, "%s",
             cfg->mail_from != NULL ? cfg->mail_from : "");
    if (mail_cfg.lang == NULL && mail_catalog_load(cfg->theme_dir, &mail_cfg.lang) != ERR_OK)
        mail_cfg.lang = NULL; /* texts then show their keys; logged by the loader */
    admin__add(ad, r, HTTP_M_GET, "/admin/mail", mail_overview, E, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/mail/test", mail_test, E, 0);
    admin__add(ad, r, HTTP_M_GET, "/admin/mail/subscribers.csv", mail_export, S, 0);
    admin__add(ad, r, HTTP_M_POST, "/admin/mail/erase", mail_erase, S, 0);
}

void admin_mail_free(void)
{
    i18n_free(mail_cfg.lang);
    mail_cfg.lang = NULL;
}
