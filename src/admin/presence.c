/* presence.c: «Олена редагує з 09:41» on an article someone else has open. Opening the
 * edit page records the user (store/presence.h); admin.js sends a heartbeat every ~30 s
 * while the page is open; a user not heard from for ADMIN_PRESENCE_STALE_SECONDS is
 * gone. «Взяти на себе» takes the article over: the others' next heartbeat answers 409
 * with who took it, which admin.js shows. Without JavaScript the notice still shows for
 * ADMIN_PRESENCE_STALE_SECONDS after someone opened the page.
 *
 *   POST /admin/articles/:id/presence   heartbeat (204, or 409 text/plain when taken)
 *   POST /admin/articles/:id/takeover   take the article over, back to the edit page */
#include <string.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "store/presence.h"

static bool article_id(struct admin_ctx *c, int64_t *id)
{
    return c->req->n_params >= 1 && str_to_i64(c->req->params[0], id) && *id > 0;
}

/* may_edit as articles.c decides it: editors any article, authors their own drafts. */
static bool may_edit_id(struct admin_ctx *c, int64_t id, struct store_article *art)
{
    struct store_article_meta meta;
    struct str *rel;
    size_t n_rel;
    if (store_article_admin_get(c->db, c->a, id, art, &meta, &rel, &n_rel) != ERR_OK)
        return false;
    return admin__is(c, STORE_ROLE_EDITOR) ||
           (meta.author_id == c->user.id && meta.status == STORE_DRAFT);
}

static struct str hhmm(struct admin_ctx *c, int64_t utc)
{
    struct kyiv_tm t = kyiv_from_utc(utc);
    return str_from_cstr(arena_printf(c->a, "%02d:%02d", t.hour, t.minute));
}

void admin__presence_values(struct admin_ctx *c, int64_t id)
{
    struct store_present *others;
    size_t n;
    int64_t now = utc_now(), since = now - ADMIN_PRESENCE_STALE_SECONDS;
    if (store_presence_open(c->db, id, c->user.id, now, since) != ERR_OK ||
        store_presence_others(c->db, c->a, id, c->user.id, since, &others, &n) != ERR_OK) {
        log_msg(LOG_WARN, c->req->id, "presence failed: %s", store_errmsg(c->db));
        return;
    }
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_str(c->a, v, "name", others[i].name);
        value_set_str(c->a, v, "since", hhmm(c, others[i].opened_at));
        value_set_int(c->a, v, "aid", id);
        value_push(c->a, list, v);
    }
    if (n > 0)
        value_set(c->a, c->root, "editing", list);
}

void admin__presence_beat(struct admin_ctx *c)
{
    struct store_article art;
    struct str taken_by;
    int64_t id, now = utc_now();
    if (!article_id(c, &id)) {
        c->res->status = 404;
        return;
    }
    if (!may_edit_id(c, id, &art)) {
        c->res->status = 403;
        return;
    }
    enum err e = store_presence_beat(c->db, c->a, id, c->user.id, now, &taken_by);
    if (e == ERR_NOTFOUND) /* the row went with the database's upkeep: open it again */
        e = store_presence_open(c->db, id, c->user.id, now, now - ADMIN_PRESENCE_STALE_SECONDS);
    if (e != ERR_OK) {
        admin__db_error(c, e, "presence");
        return;
    }
    if (taken_by.len == 0) {
        c->res->status = 204;
        return;
    }
    c->res->status = 409;
    http_response_header(c->res, c->req, "Content-Type", STR_LIT("text/plain; charset=utf-8"));
    buf_appendf(&c->res->body, "%.*s %.*s", STR_FMT(taken_by),
                STR_FMT(admin__t(c, "admin.presence.took")));
}

void admin__takeover(struct admin_ctx *c)
{
    struct store_article art;
    int64_t id, n = 0, now = utc_now(), since = now - ADMIN_PRESENCE_STALE_SECONDS;
    if (!article_id(c, &id)) {
        admin__message(c, 404, "admin.err.notfound_title", "admin.err.notfound");
        return;
    }
    if (!may_edit_id(c, id, &art)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
        return;
    }
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_presence_take(c->db, id, c->user.id, c->user.name, since, &n);
    if (e == ERR_OK)
        e = store_presence_open(c->db, id, c->user.id, now, since);
    if (e == ERR_OK && n > 0)
        e = admin__audit_in(c, "article.takeover",
                            str_from_cstr(arena_printf(c->a, "article:%lld %.*s", (long long)id,
                                                       STR_FMT(art.title))),
                            STR_NULL);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "takeover");
        return;
    }
    admin__redirect(c, "/admin/articles/%lld?m=taken_over", (long long)id);
}
