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

/* One photo of an upload with what goes with it: a row of the form (photo_K with
 * caption_K, alt_K, decorative_K; row is K) or a file of the plain "photo" field, which
 * takes the shared caption, alt and decorative fields (row 0: scripts and older forms). */
struct upload_file {
    const struct http_multipart_part *part;
    size_t row;
    struct str caption, alt;
    bool decorative;
};

/* row_of: K of a field named prefix_K, 1 ≤ K ≤ ADMIN_MAX_UPLOAD_FILES; 0 otherwise */
static size_t row_of(struct str name, const char *prefix)
{
    struct str p = str_from_cstr(prefix);
    int64_t k;
    if (!str_starts_with(name, p) || !str_to_i64(str_sub(name, p.len, name.len - p.len), &k) ||
        k < 1 || k > ADMIN_MAX_UPLOAD_FILES)
        return 0;
    return (size_t)k;
}

/* refused_rows: the upload form again, with what was typed in each row and the error
 * next to the field it is about; nothing of the upload was saved */
static void refused_rows(struct admin_ctx *c, int64_t id, struct str title,
                         const struct upload_file *files, size_t n_files, size_t n_rows,
                         struct str *row_caption, struct str *row_alt, bool *row_decorative)
{
    struct value *rows = value_list(c->a), *results = value_list(c->a);
    for (size_t k = 1; k <= n_rows; k++) {
        struct value *r = value_obj(c->a);
        value_set_int(c->a, r, "k", (int64_t)k);
        value_set_str(c->a, r, "caption", row_caption[k]);
        value_set_str(c->a, r, "alt", row_alt[k]);
        value_set_bool(c->a, r, "decorative", row_decorative[k]);
        for (size_t i = 0; i < n_files; i++)
            if (files[i].row == k && files[i].alt.len == 0 && !files[i].decorative)
                value_set_str(c->a, r, "alt_error", admin__t(c, "admin.photo.alt_required"));
        value_push(c->a, rows, r);
    }
    for (size_t i = 0; i < n_files; i++)
        if (files[i].row == 0 && files[i].alt.len == 0 && !files[i].decorative)
            admin__upload_result(c, results, admin__upload_label(c, files[i].part->filename, i),
                                 false, admin__t(c, "admin.photo.alt_required"));
    value_set_int(c->a, c->root, "id", id);
    value_set_str(c->a, c->root, "title", title);
    value_set(c->a, c->root, "results", results);
    value_set(c->a, c->root, "upload_rows", rows);
    value_set_bool(c->a, c->root, "rows_refused", true);
    value_set_bool(c->a, c->root, "nav_articles", true);
    admin__render(c, 422, "admin-upload");
}

void admin__photos_upload(struct admin_ctx *c)
{
    struct store_article art;
    struct store_article_meta meta;
    struct http_multipart_part *parts;
    size_t n_parts, n_files = 0, n_ok = 0, n_rows = ADMIN_UPLOAD_ROWS;
    struct str caption = STR_LIT(""), alt = STR_LIT(""), csrf = STR_NULL;
    struct str row_caption[ADMIN_MAX_UPLOAD_FILES + 1], row_alt[ADMIN_MAX_UPLOAD_FILES + 1];
    bool row_decorative[ADMIN_MAX_UPLOAD_FILES + 1], decorative = false, too_long = false;
    struct upload_file files[ADMIN_MAX_UPLOAD_FILES];
    size_t k;
    int64_t id;

    for (k = 0; k <= ADMIN_MAX_UPLOAD_FILES; k++) {
        row_caption[k] = row_alt[k] = STR_LIT("");
        row_decorative[k] = false;
    }
    enum err e = http_multipart_parse(c->a, c->req, &parts, &n_parts);
    if (e != ERR_OK) {
        admin__message(c, e == ERR_TOO_LARGE ? 413 : 400, "admin.err.bad_title",
                       "admin.photo.bad_form");
        return;
    }
    for (size_t i = 0; i < n_parts; i++) {
        struct str name = parts[i].name;
        if (str_eq_cstr(name, "csrf"))
            csrf = parts[i].data;
        else if (str_eq_cstr(name, "caption"))
            caption = str_trim(parts[i].data);
        else if (str_eq_cstr(name, "alt"))
            alt = str_trim(parts[i].data);
        else if (str_eq_cstr(name, "decorative"))
            decorative = true;
        else if ((k = row_of(name, "caption_")) > 0)
            row_caption[k] = str_trim(parts[i].data);
        else if ((k = row_of(name, "alt_")) > 0)
            row_alt[k] = str_trim(parts[i].data);
        else if ((k = row_of(name, "decorative_")) > 0)
            row_decorative[k] = true;
        else
            continue;
        if (parts[i].data.len > STORE_MAX_CAPTION_BYTES)
            too_long = true;
    }
    for (size_t i = 0; i < n_parts; i++) {
        struct str name = parts[i].name;
        k = row_of(name, "photo_");
        if ((k == 0 && !str_eq_cstr(name, "photo")) || parts[i].data.len == 0)
            continue;
        if (n_files == ADMIN_MAX_UPLOAD_FILES) {
            n_files++;
            break;
        }
        if (k > n_rows)
            n_rows = k;
        files[n_files++] = (struct upload_file){
            .part = &parts[i],
            .row = k,
            .caption = k > 0 ? row_caption[k] : caption,
            .alt = k > 0 ? row_alt[k] : alt,
            .decorative = k > 0 ? row_decorative[k] : decorative,
        };
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
    if (too_long || caption.len > STORE_MAX_CAPTION_BYTES || alt.len > STORE_MAX_CAPTION_BYTES) {
        admin__message(c, 413, "admin.photo.title", "admin.photo.caption_long");
        return;
    }
    /* every photo says what it shows, or is marked decorative (alt=""): a photo without
     * either refuses the whole upload before anything is stored (issue 12) */
    bool missing = false;
    for (size_t i = 0; i < n_files; i++) {
        if (files[i].decorative)
            files[i].alt = STR_LIT("");
        else if (files[i].alt.len == 0)
            missing = true;
    }
    if (missing) {
        refused_rows(c, id, art.title, files, n_files, n_rows, row_caption, row_alt,
                     row_decorative);
        return;
    }

    struct value *results = value_list(c->a);
    for (size_t i = 0; i < n_files; i++) {
        const struct http_multipart_part *p = files[i].part;
        struct media_encoded enc;
        const char *mime;
        char err[512] = "";
        const char *label = admin__upload_label(c, p->filename, i);
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
                                       .caption = files[i].caption,
                                       .alt = files[i].alt};
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

/* move_apply: the gallery's order after a «move» button, written back as orders 1..n
 * (the typed orders first, ties in page order); the id of the photo that moved, or 0 */
static int64_t move_apply(struct admin_ctx *c, struct store_photo_edit *edits, size_t n)
{
    struct str move = admin__field(c, c->req->body, "move");
    bool up = str_starts_with(move, STR_LIT("up_"));
    int64_t pid;
    if (n == 0 || (!up && !str_starts_with(move, STR_LIT("down_"))) ||
        !str_to_i64(str_sub(move, up ? 3 : 5, move.len - (up ? 3 : 5)), &pid))
        return 0;
    /* a stable insertion sort: a gallery holds at most 100 photos */
    for (size_t i = 1; i < n; i++) {
        struct store_photo_edit t = edits[i];
        size_t j = i;
        for (; j > 0 && edits[j - 1].order > t.order; j--)
            edits[j] = edits[j - 1];
        edits[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        if (edits[i].id != pid)
            continue;
        size_t other = up ? i - 1 : i + 1;
        if ((up && i == 0) || (!up && i + 1 == n))
            break;
        struct store_photo_edit t = edits[i];
        edits[i] = edits[other];
        edits[other] = t;
        break;
    }
    for (size_t i = 0; i < n; i++)
        edits[i].order = (int64_t)i + 1;
    return pid;
}

void admin__photos_arrange(struct admin_ctx *c)
{
    struct store_article art;
    struct store_article_meta meta;
    struct str body = c->req->body;
    int64_t id;

    struct str *rel;
    size_t n_rel;
    if (!admin__path_id(c, &id))
        return;
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
    /* «Вище» / «Нижче» (move=up_ID, down_ID): the keyboard's and the no-JS way to
     * reorder; the rest of the form (captions typed meanwhile) is saved with it */
    int64_t moved = move_apply(c, edits, n);
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
    if (moved > 0) /* back to the photo that moved, where the keyboard user was */
        admin__redirect(c, "/admin/articles/%lld?m=gallery_saved#gphoto-%lld", (long long)id,
                        (long long)moved);
    else
        admin__redirect(c, "/admin/articles/%lld?m=gallery_saved#photos", (long long)id);
}
