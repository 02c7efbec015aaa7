/* uploads.c: what the photo (gallery.c) and document (documents.c) uploads share: the
 * article the files go to, who may change it, the per-file outcome list, and the cache
 * keys to drop afterwards. */
#include "admin/admin_internal.h"
#include "media/document.h"

bool admin__upload_article_load(struct admin_ctx *c, int64_t *id, struct store_article *art,
                                struct store_article_meta *meta)
{
    struct str *rel;
    size_t n_rel;
    if (!admin__path_id(c, id))
        return false;
    enum err e = store_article_admin_get(c->db, c->a, *id, art, meta, &rel, &n_rel);
    if (e != ERR_OK) {
        admin__db_error(c, e, "article load");
        return false;
    }
    /* an author changes only their own drafts; editors and admins any article */
    if (!admin__is(c, STORE_ROLE_EDITOR) &&
        !(meta->author_id == c->user.id && meta->status == STORE_DRAFT)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
        return false;
    }
    return true;
}

void admin__upload_article_invalidate(struct admin_ctx *c, int64_t id)
{
    int64_t *tags, *depts;
    size_t nt, nd;
    if (store_article_ref_ids(c->db, c->a, id, &tags, &nt, &depts, &nd) != ERR_OK)
        nt = nd = 0;
    admin__article_invalidate(c, id, tags, nt, depts, nd);
}

const char *admin__upload_label(struct admin_ctx *c, struct str filename, size_t i)
{
    if (filename.len == 0)
        return arena_printf(c->a, "#%zu", i + 1);
    struct str clean = media_doc_title_clean(c->a, str_sub(filename, 0, 200));
    return clean.len > 0 ? clean.ptr : arena_printf(c->a, "#%zu", i + 1);
}

void admin__upload_result(struct admin_ctx *c, struct value *list, const char *label, bool ok,
                          struct str message)
{
    struct value *v = value_obj(c->a);
    value_set_cstr(c->a, v, "file", label);
    value_set_bool(c->a, v, "ok", ok);
    value_set_str(c->a, v, "message", message);
    value_push(c->a, list, v);
}

void admin__upload_finish(struct admin_ctx *c, int64_t id, struct str title, struct value *results,
                          size_t n_ok, size_t n_files, const char *done_url_fmt, const char *page)
{
    if (n_ok > 0)
        admin__upload_article_invalidate(c, id);
    if (n_ok == n_files) {
        admin__redirect(c, done_url_fmt, (long long)id);
        return;
    }
    value_set_int(c->a, c->root, "id", id);
    value_set_str(c->a, c->root, "title", title);
    value_set(c->a, c->root, "results", results);
    value_set_bool(c->a, c->root, "nav_articles", true);
    admin__render(c, 422, page);
}
