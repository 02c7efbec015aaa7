/* notify.c: the workflow's e-mail notices (mail/notify.h) from the workspace: who hears
 * of what, queued in the transaction of the change they tell of; and the scheduler's
 * part, the «published» notice of a scheduled article once its time has come. Users
 * without an address (accounts page) get nothing; nobody is told of their own act. */
#include <sodium.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "mail/notify.h"
#include "store/workflow.h"

static enum err to_user(struct store *w, struct arena *a, const struct mail_site *ms,
                        const struct mail_notice *n, int64_t user_id, int64_t now)
{
    struct str email;
    enum err e = store_user_email_get(w, a, user_id, &email);
    if (e == ERR_NOTFOUND) /* an imported article's author: nobody to tell */
        return ERR_OK;
    if (e != ERR_OK || email.len == 0)
        return e;
    return mail_notice_queue(w, ms, n, email, now);
}

enum err admin__notify_in(struct admin_ctx *c, const struct mail_site *ms,
                          const struct mail_notice *n, int64_t author_id)
{
    int64_t now = utc_now();
    if (n->kind != MAIL_NOTICE_SUBMITTED)
        return author_id == c->user.id ? ERR_OK : to_user(c->db, c->a, ms, n, author_id, now);
    struct store_recipient *r;
    size_t nr;
    enum err e = store_reviewers(c->db, c->a, c->user.id, &r, &nr);
    for (size_t i = 0; i < nr && e == ERR_OK; i++)
        e = mail_notice_queue(c->db, ms, n, r[i].email, now);
    return e;
}

/* one_due sends the notice of one scheduled article whose time came, and deletes it, in
 * one transaction. The article may have changed since: it is read now. */
static enum err one_due(struct store *w, struct arena *a, const struct mail_site *ms,
                        const struct store_notice *x, int64_t now)
{
    struct store_article art;
    struct store_article_meta meta;
    struct str *rel;
    size_t n_rel;
    enum err e = store_begin(w);
    if (e != ERR_OK)
        return e;
    e = store_article_admin_get(w, a, x->article_id, &art, &meta, &rel, &n_rel);
    if (e == ERR_OK && meta.status == STORE_PUBLISHED && meta.author_id != x->actor_id) {
        struct mail_notice n = {.kind = MAIL_NOTICE_PUBLISHED,
                                .article_id = x->article_id,
                                .title = art.title,
                                .slug = art.slug};
        e = to_user(w, a, ms, &n, meta.author_id, now);
    }
    /* a notice that cannot be written (gone article, unusable title) is dropped rather
     * than tried every second */
    if (e == ERR_OK || e == ERR_NOTFOUND || e == ERR_INVALID)
        e = store_notice_drop(w, x->article_id);
    if (e == ERR_OK)
        e = store_commit(w);
    if (e != ERR_OK)
        store_rollback(w);
    return e;
}

void admin__notices_tick(struct admin *ad, struct arena *a)
{
    struct store_notice *due;
    struct mail_site ms;
    size_t n;
    int64_t now = utc_now();
    pthread_mutex_lock(&ad->lock);
    enum err e = store_notices_due(ad->db, a, now, &due, &n);
    if (e == ERR_OK && n > 0 && admin__notice_site(ad->db, a, &ms)) {
        for (size_t i = 0; i < n && e == ERR_OK; i++)
            e = one_due(ad->db, a, &ms, &due[i], now);
        sodium_memzero(ms.secret, sizeof ms.secret);
    }
    pthread_mutex_unlock(&ad->lock);
    if (e != ERR_OK)
        log_warn("workflow notices failed, tried again next tick: %s", err_str(e));
}

/* ---- the user's own address for notices (account page) ---- */

void admin__account_email_save(struct admin_ctx *c)
{
    struct str typed = str_trim(admin__field(c, c->req->body, "email"));
    enum mail_addr_problem why = MAIL_ADDR_OK;
    struct buf norm;
    enum err e = ERR_OK;
    buf_init(&norm, MAIL_MAX_ADDRESS_BYTES + 1);
    if (typed.len > 0) /* empty: no notices */
        e = mail_address_normalize(typed, &norm, &why);
    if (e != ERR_OK) {
        buf_free(&norm);
        value_set_str(c->a, c->root, "email_error", admin__t(c, "admin.account.email_bad"));
        value_set_str(c->a, c->root, "email", typed);
        value_set_bool(c->a, c->root, "nav_account", true);
        admin__render(c, 422, "admin-account");
        return;
    }
    struct str email = arena_str(c->a, buf_str(&norm));
    buf_free(&norm);
    e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_user_email_set(c->db, c->user.id, email, utc_now());
    if (e == ERR_OK) /* the address itself stays out of the audit log, as out of logs */
        e = admin__audit_in(c, "user.email", c->user.name,
                            email.len > 0 ? STR_LIT("set") : STR_LIT("removed"));
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "e-mail change");
        return;
    }
    admin__redirect(c, "/admin/account?m=email_saved");
}

void admin__account_email_values(struct admin_ctx *c)
{
    struct str email;
    if (store_user_email_get(c->db, c->a, c->user.id, &email) == ERR_OK)
        value_set_str(c->a, c->root, "email", email);
}
