/* share.c: an article's shareable preview link in the workspace (site/share.c serves
 * it): anyone who may see the article in the workspace (editors; the author) makes one
 * for ADMIN_PREVIEW_LINK_SECONDS, or a new one, which voids the old, or removes it.
 * The edit page shows the link while it works.
 *
 *   POST /admin/articles/:id/share   op=make | op=revoke */
#include <sodium.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "site/site.h"
#include "store/preview.h"

static bool may_share(struct admin_ctx *c, const struct store_article_meta *m)
{
    return admin__is(c, STORE_ROLE_EDITOR) || m->author_id == c->user.id;
}

void admin__share(struct admin_ctx *c)
{
    struct store_article art;
    struct store_article_meta meta;
    struct str *rel;
    size_t n_rel;
    int64_t id;
    if (!admin__path_id(c, &id))
        return;
    enum err e = store_article_admin_get(c->db, c->a, id, &art, &meta, &rel, &n_rel);
    if (e != ERR_OK) {
        admin__db_error(c, e, "share load");
        return;
    }
    if (!may_share(c, &meta)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
        return;
    }
    struct str op = admin__field(c, c->req->body, "op");
    struct str object =
        str_from_cstr(arena_printf(c->a, "article:%lld %.*s", (long long)id, STR_FMT(art.title)));
    e = store_begin(c->db);
    if (str_eq_cstr(op, "make")) {
        unsigned char key[32];
        char hex[2 * sizeof key + 1];
        randombytes_buf(key, sizeof key);
        sodium_bin2hex(hex, sizeof hex, key, sizeof key);
        sodium_memzero(key, sizeof key);
        int64_t now = utc_now();
        struct store_preview_link link = {.nonce = arena_str(c->a, str_from_cstr(hex)),
                                          .expires_at = now + ADMIN_PREVIEW_LINK_SECONDS,
                                          .created_by = c->user.id,
                                          .created_at = now};
        sodium_memzero(hex, sizeof hex);
        if (e == ERR_OK)
            e = store_preview_link_set(c->db, id, &link);
        if (e == ERR_OK)
            e = admin__audit_in(c, "article.preview_link", object, STR_LIT("made"));
    } else if (str_eq_cstr(op, "revoke")) {
        if (e == ERR_OK)
            e = store_preview_link_drop(c->db, id);
        if (e == ERR_OK)
            e = admin__audit_in(c, "article.preview_link", object, STR_LIT("revoked"));
    } else {
        store_rollback(c->db);
        admin__message(c, 400, "admin.err.bad_title", "admin.err.bad");
        return;
    }
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "share");
        return;
    }
    admin__redirect(c, "/admin/articles/%lld?m=%s#share", (long long)id,
                    str_eq_cstr(op, "make") ? "share_made" : "share_revoked");
}

void admin__share_values(struct admin_ctx *c, struct value *v, int64_t id)
{
    struct store_preview_link link;
    if (store_preview_link_get(c->db, c->a, id, &link) != ERR_OK || link.expires_at <= utc_now())
        return;
    struct buf b;
    buf_init(&b, 2048);
    enum err e = buf_append_cstr(&b, admin__base_url());
    if (e == ERR_OK)
        e = site_preview_path(link.nonce, id, link.expires_at, &b);
    if (e == ERR_OK) {
        struct value *s = value_obj(c->a);
        value_set_str(c->a, s, "url", arena_str(c->a, buf_str(&b)));
        value_set_str(c->a, s, "until", admin__date(c, link.expires_at));
        value_set(c->a, v, "share", s);
    }
    buf_free(&b);
}
