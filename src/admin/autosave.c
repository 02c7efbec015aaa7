/* autosave.c: the texts kept beside an article (store/sidetext.h). admin.js posts the
 * edit form here every ~30 s while someone types and once more when they leave the page
 * (sendBeacon), so a closed tab or a crash loses at most the last seconds; the edit page
 * then offers to restore it (articles.c). The same table keeps the text of a save that
 * was refused because someone else saved first, for the diff and a restore. Neither ever
 * touches the article or its revisions. */
#include <string.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "store/sidetext.h"

#define SIDE_MAX_DEPTS 64

bool admin__side_kind(struct str text, enum store_side_kind *kind)
{
    if (str_eq_cstr(text, "auto"))
        *kind = STORE_SIDE_AUTO;
    else if (str_eq_cstr(text, "refused"))
        *kind = STORE_SIDE_REFUSED;
    else
        return false;
    return true;
}

void admin__side_from_post(struct admin_ctx *c, int64_t id, struct store_side_text *t)
{
    struct str body = c->req->body, depts[SIDE_MAX_DEPTS];
    memset(t, 0, sizeof *t);
    t->article_id = id;
    t->user_id = c->user.id;
    t->saved_at = utc_now();
    if (!admin__field_i64(c, body, "version", &t->base_version))
        t->base_version = 0;
    t->title = admin__field(c, body, "title");
    t->slug = admin__field(c, body, "slug");
    t->lead = admin__field(c, body, "lead");
    t->body = admin__field(c, body, "body");
    t->date = admin__field(c, body, "date");
    t->tags = admin__field(c, body, "tags");
    t->related = admin__field(c, body, "related");
    size_t n = admin__fields(c, body, "dept", depts, SIDE_MAX_DEPTS);
    struct buf b;
    buf_init(&b, 64 * 1024);
    for (size_t i = 0; i < n; i++) {
        buf_append_str(&b, depts[i]);
        buf_append_char(&b, '\n');
    }
    t->departments = arena_str(c->a, buf_str(&b));
    buf_free(&b);
}

void admin__autosave(struct admin_ctx *c)
{
    struct store_article art;
    struct store_article_meta meta;
    struct store_side_text t;
    struct str *rel;
    size_t n_rel;
    int64_t id;
    if (c->req->n_params < 1 || !str_to_i64(c->req->params[0], &id) || id <= 0) {
        c->res->status = 404;
        return;
    }
    enum err e = store_article_admin_get(c->db, c->a, id, &art, &meta, &rel, &n_rel);
    if (e == ERR_NOTFOUND) {
        c->res->status = 404;
        return;
    }
    if (e != ERR_OK) {
        admin__db_error(c, e, "autosave load");
        return;
    }
    /* as for a save: editors any article, authors their own drafts */
    if (!admin__is(c, STORE_ROLE_EDITOR) &&
        (meta.author_id != c->user.id || meta.status != STORE_DRAFT)) {
        c->res->status = 403;
        return;
    }
    admin__side_from_post(c, id, &t);
    e = store_side_put(c->db, STORE_SIDE_AUTO, &t);
    if (e != ERR_OK) {
        admin__db_error(c, e, "autosave");
        return;
    }
    c->res->status = 204; /* nothing to show: the page stays as it is */
}

void admin__side_values(struct admin_ctx *c, int64_t id)
{
    struct store_side_text t;
    struct value *v;
    if (store_side_get(c->db, c->a, id, c->user.id, STORE_SIDE_AUTO, &t) == ERR_OK) {
        v = value_obj(c->a);
        value_set_str(c->a, v, "at", admin__date(c, t.saved_at));
        value_set_int(c->a, v, "id", id);
        value_set(c->a, c->root, "autosaved", v);
    }
    if (store_side_get(c->db, c->a, id, c->user.id, STORE_SIDE_REFUSED, &t) == ERR_OK) {
        v = value_obj(c->a);
        value_set_str(c->a, v, "at", admin__date(c, t.saved_at));
        value_set_int(c->a, v, "id", id);
        value_set(c->a, c->root, "refused", v);
    }
}

void admin__side_discard(struct admin_ctx *c)
{
    enum store_side_kind kind;
    int64_t id;
    if (c->req->n_params < 2 || !str_to_i64(c->req->params[0], &id) || id <= 0 ||
        !admin__side_kind(c->req->params[1], &kind)) {
        admin__message(c, 404, "admin.err.notfound_title", "admin.err.notfound");
        return;
    }
    /* only ever the user's own text, so no further check is needed */
    enum err e = store_side_drop(c->db, id, c->user.id, kind);
    if (e != ERR_OK) {
        admin__db_error(c, e, "side text discard");
        return;
    }
    admin__redirect(c, "/admin/articles/%lld?m=side_discarded", (long long)id);
}
