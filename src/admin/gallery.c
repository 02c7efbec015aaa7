/* gallery.c: photo uploads (several at once, multipart/form-data) and the gallery
 * form (captions, alt texts, order, removal).
 *
 * An upload is checked here before any decoder sees it: size (MEDIA_MAX_FILE_BYTES),
 * then the type by its magic bytes (JPEG, PNG, WebP; never by name or declared type).
 * Decoding, the pixel limit, resizing and metadata stripping happen in the confined
 * media worker; this process only writes the encoded files it gets back (atomically,
 * named by content hash) and records the photo. The workspace lock is released while
 * the worker runs, so other editors are not held up by a large photo. */
#include <stdio.h>
#include <string.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "http/multipart.h"
#include "media/media.h"
#include "media/worker.h"
#include "sign/seal.h"

void admin__photos_upload(struct admin_ctx *c)
{
    struct store_article art;
    struct store_article_meta meta;
    struct http_multipart_part *parts;
    size_t n_parts, n_files = 0, n_ok = 0;
    struct str caption = STR_LIT(""), alt = STR_LIT(""), csrf = STR_NULL;
    int64_t id;

    enum err e = http_multipart_parse(c->a, c->req, &parts, &n_parts);
    if (e != ERR_OK) {
        admin__message(c, e == ERR_TOO_LARGE ? 413 : 400, "admin.err.bad_title",
                       "admin.photo.bad_form");
        return;
    }
    for (size_t i = 0; i < n_parts; i++) {
        if (str_eq_cstr(parts[i].name, "csrf"))
            csrf = parts[i].data;
        else if (str_eq_cstr(parts[i].name, "caption"))
            caption = str_trim(parts[i].data);
        else if (str_eq_cstr(parts[i].name, "alt"))
            alt = str_trim(parts[i].data);
        else if (str_eq_cstr(parts[i].name, "photo") && parts[i].data.len > 0)
            n_files++;
    }
    if (!admin__csrf_ok(c, csrf)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.csrf");
        return;
    }
    if (!admin__upload_article_load(c, &id, &art, &meta))
        return;
    if (n_files == 0) {
        admin__message(c, 422, "admin.photo.title", "admin.photo.none");
        return;
    }
    if (n_files > ADMIN_MAX_UPLOAD_FILES) {
        admin__message(c, 413, "admin.photo.title", "admin.photo.too_many");
        return;
    }
    if (c->ad->worker == NULL) {
        admin__message(c, 503, "admin.photo.title", "admin.photo.unavailable");
        return;
    }
    if (caption.len > STORE_MAX_CAPTION_BYTES || alt.len > STORE_MAX_CAPTION_BYTES) {
        admin__message(c, 413, "admin.photo.title", "admin.photo.caption_long");
        return;
    }

    struct value *results = value_list(c->a);
    for (size_t i = 0, k = 0; i < n_parts; i++) {
        const struct http_multipart_part *p = &parts[i];
        struct media_encoded enc;
        const char *mime;
        char err[512] = "";
        if (!str_eq_cstr(p->name, "photo") || p->data.len == 0)
            continue;
        const char *label = admin__upload_label(c, p->filename, k++);
        if (p->data.len > MEDIA_MAX_FILE_BYTES) {
            admin__upload_result(c, results, label, false, admin__t(c, "admin.photo.too_big"));
            admin__audit(c, "photo.refused", str_from_cstr(label), STR_LIT("too large"));
            continue;
        }
        if (media_sniff((const unsigned char *)p->data.ptr, p->data.len, &mime) != ERR_OK) {
            admin__upload_result(c, results, label, false, admin__t(c, "admin.photo.bad_type"));
            admin__audit(c, "photo.refused", str_from_cstr(label), STR_LIT("not an image"));
            continue;
        }
        admin__unlock(c);
        e = media_worker_encode(c->ad->worker, (const unsigned char *)p->data.ptr, p->data.len,
                                label, &enc, err, sizeof err);
        /* the worker died on this request and was restarted: one more try, so a worker
         * lost to something else (killed while idle) does not cost the editor a photo; a
         * file that kills it twice is refused */
        if (e == ERR_IO)
            e = media_worker_encode(c->ad->worker, (const unsigned char *)p->data.ptr, p->data.len,
                                    label, &enc, err, sizeof err);
        if (e == ERR_OK) {
            e = media_encoded_write(c->ad->media_dir, &enc);
            if (e != ERR_OK) {
                log_msg(LOG_ERROR, c->req->id, "media write failed: %s", c->ad->media_dir);
                media_encoded_free(&enc);
            }
        }
        admin__lock(c);
        if (e != ERR_OK) {
            struct str why = e == ERR_TOO_LARGE ? admin__t(c, "admin.photo.too_many_pixels")
                             : e == ERR_INVALID ? admin__t(c, "admin.photo.bad_image")
                                                : admin__t(c, "admin.photo.failed");
            admin__upload_result(c, results, label, false, why);
            admin__audit(c, "photo.refused", str_from_cstr(label), str_from_cstr(err));
            continue;
        }
        struct store_photo_input in = {.hash = str_from_cstr(enc.image.hash),
                                       .width = enc.image.width,
                                       .height = enc.image.height,
                                       .caption = caption,
                                       .alt = alt};
        int64_t photo_id = 0;
        e = store_begin(c->db);
        if (e == ERR_OK)
            e = store_photo_append(c->db, id, &in, &photo_id);
        if (e == ERR_OK)
            e = admin__audit_in(
                c, "photo.upload",
                str_from_cstr(
                    arena_printf(c->a, "article:%lld %.*s", (long long)id, STR_FMT(art.title))),
                str_from_cstr(arena_printf(c->a, "%s %s %dx%d", label, enc.image.hash,
                                           enc.image.width, enc.image.height)));
        if (e == ERR_OK) /* the article's files are part of what is signed */
            e = sign_seal_article(c->db, c->a, id, utc_now());
        if (e == ERR_OK)
            e = store_commit(c->db);
        media_encoded_free(&enc);
        if (e != ERR_OK) {
            store_rollback(c->db);
            admin__upload_result(c, results, label, false,
                                 e == ERR_TOO_LARGE ? admin__t(c, "admin.photo.limit")
                                                    : admin__t(c, "admin.photo.failed"));
            continue;
        }
        n_ok++;
        admin__upload_result(c, results, label, true, admin__t(c, "admin.photo.ok"));
    }
    admin__upload_finish(c, id, art.title, results, n_ok, n_files,
                         "/admin/articles/%lld?m=uploaded#photos", "admin-upload");
}

void admin__photos_arrange(struct admin_ctx *c)
{
    struct store_article art;
    struct store_article_meta meta;
    struct str body = c->req->body;
    int64_t id;

    struct str *rel;
    size_t n_rel;
    if (c->req->n_params < 1 || !str_to_i64(c->req->params[0], &id) || id <= 0) {
        admin__message(c, 404, "admin.err.notfound_title", "admin.err.notfound");
        return;
    }
    enum err e = store_article_admin_get(c->db, c->a, id, &art, &meta, &rel, &n_rel);
    if (e != ERR_OK) {
        admin__db_error(c, e, "article load");
        return;
    }
    /* who may arrange: as admin__upload_article_load; the author of an article that went
     * to the editors since the page was loaded gets the page back with what they typed */
    bool own = meta.author_id == c->user.id;
    bool may = admin__is(c, STORE_ROLE_EDITOR) || (own && meta.status == STORE_DRAFT);
    if (!may && !own) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
        return;
    }
    struct store_photo_edit *edits =
        arena_alloc_array(c->a, art.n_photos > 0 ? art.n_photos : 1, sizeof *edits);
    size_t n = 0, removed = 0;
    for (size_t i = 0; i < art.n_photos; i++) {
        int64_t pid = art.photos[i].id, order;
        struct store_photo_edit *ed = &edits[n++];
        ed->id = pid;
        if (!admin__field_i64(c, body, arena_printf(c->a, "order_%lld", (long long)pid), &order))
            order = (int64_t)i + 1;
        ed->order = order;
        ed->caption =
            str_trim(admin__field(c, body, arena_printf(c->a, "caption_%lld", (long long)pid)));
        ed->alt = str_trim(admin__field(c, body, arena_printf(c->a, "alt_%lld", (long long)pid)));
        ed->remove =
            admin__field(c, body, arena_printf(c->a, "remove_%lld", (long long)pid)).len > 0;
        if (ed->remove)
            removed++;
    }
    if (!may) {
        admin__article_gallery_refused(c, id, edits, n, 403, "admin.photo.in_review");
        return;
    }
    /* the form's gallery version: a save from a form loaded before someone else's save
     * would put back their captions, so it is refused and shown again (issue 12) */
    int64_t expected = 0, new_version = 0;
    if (!admin__field_i64(c, body, "gallery_version", &expected))
        expected = 0;
    e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_gallery_claim(c->db, id, expected, c->user.name, utc_now(), &new_version);
    if (e == ERR_CONFLICT) {
        store_rollback(c->db);
        admin__article_gallery_refused(c, id, edits, n, 409, "admin.photo.stale");
        return;
    }
    if (e == ERR_OK)
        e = store_photos_arrange(c->db, id, edits, n);
    if (e == ERR_OK)
        e = admin__audit_in(
            c, "photo.arrange",
            str_from_cstr(
                arena_printf(c->a, "article:%lld %.*s", (long long)id, STR_FMT(art.title))),
            str_from_cstr(arena_printf(c->a, "%zu photos, %zu removed, gallery version %lld", n,
                                       removed, (long long)new_version)));
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e == ERR_TOO_LARGE) {
        store_rollback(c->db);
        admin__message(c, 413, "admin.photo.title", "admin.photo.caption_long");
        return;
    }
    if (e != ERR_OK) {
        admin__db_error(c, e, "gallery");
        return;
    }
    admin__upload_article_invalidate(c, id);
    admin__redirect(c, "/admin/articles/%lld?m=gallery_saved#photos", (long long)id);
}
