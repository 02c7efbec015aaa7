/* documents.c: PDF documents attached to an article: upload (one or several at once,
 * multipart/form-data, each with a title or one taken from its file name), and the
 * list form (titles, order, removal). Same rules as the gallery: an author may change
 * the documents of an own draft, an editor or admin those of any article.
 *
 * A document is checked by its bytes before anything is written (media_doc_check: the
 * PDF header at offset 0, the end marker, the size), stored once under its content hash
 * (media/<hash>.pdf, atomically) and recorded with its title, type and size; every
 * upload, refusal and change goes to the audit log. Nothing here parses the PDF beyond
 * those markers: the site only serves the bytes back, with headers that stop a browser
 * from treating them as anything else. */
#include <stdio.h>
#include <string.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "http/multipart.h"
#include "media/document.h"
#include "sign/seal.h"
#include "store/attachments.h"
#include "store/editorial.h"

static const char *problem_key(enum media_doc_problem p)
{
    switch (p) {
    case MEDIA_DOC_EMPTY:
        return "admin.doc.empty";
    case MEDIA_DOC_TOO_LARGE:
        return "admin.doc.too_big";
    case MEDIA_DOC_TRUNCATED:
        return "admin.doc.truncated";
    case MEDIA_DOC_NOT_PDF:
    case MEDIA_DOC_OK:
        break;
    }
    return "admin.doc.not_pdf";
}

static const char *problem_log(enum media_doc_problem p)
{
    switch (p) {
    case MEDIA_DOC_EMPTY:
        return "empty file";
    case MEDIA_DOC_TOO_LARGE:
        return "too large";
    case MEDIA_DOC_TRUNCATED:
        return "no %%EOF near the end";
    case MEDIA_DOC_NOT_PDF:
    case MEDIA_DOC_OK:
        break;
    }
    return "not a pdf";
}

/* One file of the form, with the title it goes with. */
struct doc_part {
    const struct http_multipart_part *part;
    struct str title;
};

void admin__documents_upload(struct admin_ctx *c)
{
    struct store_article art;
    struct store_article_meta meta;
    struct http_multipart_part *parts;
    size_t n_parts, n_files = 0, n_ok = 0;
    struct str csrf = STR_NULL, pending = STR_NULL;
    struct doc_part files[HTTP_MULTIPART_MAX_PARTS];
    bool title_long = false;
    int64_t id;

    enum err e = http_multipart_parse(c->a, c->req, &parts, &n_parts);
    if (e != ERR_OK) {
        admin__message(c, e == ERR_TOO_LARGE ? 413 : 400, "admin.err.bad_title",
                       "admin.doc.bad_form");
        return;
    }
    /* A title field names the file field that follows it (the form has rows of
     * title + file); a file without its own title, or the second file of one input,
     * takes its title from its file name. */
    for (size_t i = 0; i < n_parts; i++) {
        const struct http_multipart_part *p = &parts[i];
        if (str_eq_cstr(p->name, "csrf")) {
            csrf = p->data;
        } else if (str_eq_cstr(p->name, "title")) {
            pending = str_trim(p->data);
            if (pending.len > STORE_MAX_ATTACHMENT_TITLE_BYTES)
                title_long = true;
        } else if (str_eq_cstr(p->name, "document")) {
            struct str title = pending;
            pending = STR_NULL;
            if (p->data.len == 0 && p->filename.len == 0)
                continue; /* a row left empty */
            files[n_files].part = p;
            files[n_files].title = title;
            n_files++;
        }
    }
    if (!admin__csrf_ok(c, csrf)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.csrf");
        return;
    }
    if (!admin__upload_article_load(c, &id, &art, &meta))
        return;
    if (n_files == 0) {
        admin__message(c, 422, "admin.doc.title", "admin.doc.none");
        return;
    }
    if (n_files > ADMIN_MAX_UPLOAD_FILES) {
        admin__message(c, 413, "admin.doc.title", "admin.doc.too_many");
        return;
    }
    if (title_long) {
        admin__message(c, 413, "admin.doc.title", "admin.doc.title_long");
        return;
    }

    struct value *results = value_list(c->a);
    struct str object =
        str_from_cstr(arena_printf(c->a, "article:%lld %.*s", (long long)id, STR_FMT(art.title)));
    for (size_t k = 0; k < n_files; k++) {
        const struct http_multipart_part *p = files[k].part;
        const char *label = admin__upload_label(c, p->filename, k);
        struct media_doc_info info;
        enum media_doc_problem problem = MEDIA_DOC_OK;

        e = media_doc_check((const unsigned char *)p->data.ptr, p->data.len, &info, &problem);
        if (e != ERR_OK) {
            admin__upload_result(c, results, label, false, admin__t(c, problem_key(problem)));
            admin__audit(c, "document.refused", object,
                         str_from_cstr(arena_printf(c->a, "%s: %s, %zu bytes", label,
                                                    problem_log(problem), p->data.len)));
            continue;
        }
        struct str title = media_doc_title_clean(c->a, files[k].title);
        if (title.len == 0)
            title = media_doc_title_from_filename(c->a, p->filename);
        if (title.len == 0)
            title = admin__t(c, "doc.default_title");
        /* the write needs no database: let other editors work meanwhile */
        admin__unlock(c);
        e = media_doc_write(c->ad->media_dir, info.hash, p->data.ptr, p->data.len);
        admin__lock(c);
        if (e != ERR_OK) {
            log_msg(LOG_ERROR, c->req->id, "document write failed: %s: %s", c->ad->media_dir,
                    err_str(e));
            admin__upload_result(c, results, label, false, admin__t(c, "admin.doc.failed"));
            continue;
        }
        struct store_attachment_input in = {.hash = str_from_cstr(info.hash),
                                            .title = title,
                                            .mime = str_from_cstr(info.mime),
                                            .bytes = (int64_t)info.bytes,
                                            .pages = info.pages,
                                            .created_by = c->user.id};
        int64_t doc_id = 0;
        e = store_begin(c->db);
        if (e == ERR_OK)
            e = store_attachment_append(c->db, id, &in, &doc_id);
        if (e == ERR_OK)
            e = admin__audit_in(
                c, "document.upload", object,
                str_from_cstr(arena_printf(
                    c->a, "«%.*s» %s %s %llu bytes%s", STR_FMT(title), label, info.hash,
                    (unsigned long long)info.bytes,
                    info.pages > 0 ? arena_printf(c->a, ", %d pages", info.pages) : "")));
        if (e == ERR_OK) /* the article's files are part of what is signed */
            e = sign_seal_article(c->db, c->a, id, utc_now());
        if (e == ERR_OK)
            e = store_commit(c->db);
        if (e != ERR_OK) {
            store_rollback(c->db);
            log_msg(LOG_ERROR, c->req->id, "document record failed: %s: %s", err_str(e),
                    store_errmsg(c->db));
            admin__upload_result(c, results, label, false,
                                 e == ERR_TOO_LARGE ? admin__t(c, "admin.doc.limit")
                                                    : admin__t(c, "admin.doc.failed"));
            continue;
        }
        n_ok++;
        admin__upload_result(c, results, label, true, admin__t(c, "admin.doc.ok"));
    }
    admin__upload_finish(c, id, art.title, results, n_ok, n_files,
                         "/admin/articles/%lld?m=documents_uploaded#documents", "admin-documents");
}

void admin__documents_arrange(struct admin_ctx *c)
{
    struct store_article art;
    struct store_article_meta meta;
    struct store_attachment *docs;
    struct str body = c->req->body;
    size_t n_docs, removed = 0, renamed = 0;
    int64_t id;

    if (!admin__upload_article_load(c, &id, &art, &meta))
        return;
    enum err e = store_attachments_of(c->db, c->a, id, &docs, &n_docs);
    if (e != ERR_OK) {
        admin__db_error(c, e, "documents");
        return;
    }
    struct store_attachment_edit *edits =
        arena_alloc_array(c->a, n_docs > 0 ? n_docs : 1, sizeof *edits);
    struct buf detail;
    buf_init(&detail, STORE_MAX_AUDIT_TEXT_BYTES);
    for (size_t i = 0; i < n_docs; i++) {
        long long did = (long long)docs[i].id;
        struct store_attachment_edit *ed = &edits[i];
        ed->id = docs[i].id;
        if (!admin__field_i64(c, body, arena_printf(c->a, "dorder_%lld", did), &ed->order))
            ed->order = (int64_t)i + 1;
        struct str raw = admin__field(c, body, arena_printf(c->a, "dtitle_%lld", did));
        if (raw.len > STORE_MAX_ATTACHMENT_TITLE_BYTES) {
            buf_free(&detail);
            admin__message(c, 413, "admin.doc.title", "admin.doc.title_long");
            return;
        }
        ed->title = media_doc_title_clean(c->a, raw);
        ed->remove = admin__field(c, body, arena_printf(c->a, "dremove_%lld", did)).len > 0;
        if (ed->remove) {
            removed++;
            buf_appendf(&detail, "; removed «%.*s» %.*s", STR_FMT(docs[i].title),
                        STR_FMT(docs[i].hash));
        } else if (ed->title.len > 0 && !str_eq(ed->title, docs[i].title)) {
            renamed++;
            buf_appendf(&detail, "; renamed «%.*s» → «%.*s»", STR_FMT(docs[i].title),
                        STR_FMT(ed->title));
        }
    }
    struct str summary =
        str_from_cstr(arena_printf(c->a, "%zu documents, %zu removed, %zu renamed%.*s", n_docs,
                                   removed, renamed, STR_FMT(buf_str(&detail))));
    buf_free(&detail);
    e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_attachments_arrange(c->db, id, edits, n_docs);
    if (e == ERR_OK)
        e = admin__audit_in(c, removed > 0 ? "document.remove" : "document.arrange",
                            str_from_cstr(arena_printf(c->a, "article:%lld %.*s", (long long)id,
                                                       STR_FMT(art.title))),
                            summary);
    if (e == ERR_OK)
        e = sign_seal_article(c->db, c->a, id, utc_now()); /* files are signed too */
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e == ERR_TOO_LARGE || e == ERR_INVALID) {
        store_rollback(c->db);
        admin__message(c, 413, "admin.doc.title", "admin.doc.title_long");
        return;
    }
    if (e != ERR_OK) {
        admin__db_error(c, e, "documents");
        return;
    }
    admin__upload_article_invalidate(c, id);
    admin__redirect(c, "/admin/articles/%lld?m=documents_saved#documents", (long long)id);
}

void admin__documents_values(struct admin_ctx *c, struct value *v, int64_t article_id,
                             bool can_edit)
{
    struct arena *a = c->a;
    struct store_attachment *docs;
    size_t n = 0;
    if (article_id <= 0)
        return;
    if (store_attachments_of(c->db, a, article_id, &docs, &n) != ERR_OK) {
        log_msg(LOG_ERROR, c->req->id, "documents load failed: %s", store_errmsg(c->db));
        n = 0;
    }
    struct str mark = admin__t(c, "doc.decimal_mark");
    struct media_doc_units u = {.b = admin__t(c, "doc.unit.b"),
                                .kb = admin__t(c, "doc.unit.kb"),
                                .mb = admin__t(c, "doc.unit.mb"),
                                .decimal_mark = mark.len == 1 ? mark.ptr[0] : ','};
    struct value *list = value_list(a);
    for (size_t i = 0; i < n; i++) {
        struct value *d = value_obj(a);
        struct buf b;
        buf_init(&b, 64);
        enum err e = media_doc_size_format((uint64_t)docs[i].bytes, &u, &b);
        if (e != ERR_OK) { /* the workspace page (never cached) shows the list without it */
            log_msg(LOG_ERROR, c->req->id, "document size failed: %s", err_str(e));
            buf_reset(&b);
        }
        value_set_int(a, d, "id", docs[i].id);
        value_set_int(a, d, "n", (int64_t)(i + 1));
        value_set_str(a, d, "title", docs[i].title);
        value_set_str(a, d, "size", arena_str(a, buf_str(&b)));
        buf_free(&b);
        if (docs[i].pages > 0)
            value_set_int(a, d, "pages", docs[i].pages);
        value_set_str(a, d, "url",
                      str_from_cstr(arena_printf(a, "/documents/%.*s/%.*s", STR_FMT(docs[i].hash),
                                                 STR_FMT(media_doc_url_name(a, docs[i].title)))));
        value_push(a, list, d);
    }
    if (n > 0)
        value_set(a, v, "documents", list);
    value_set_int(a, v, "n_documents", (int64_t)n);
    value_set_bool(a, v, "can_documents", can_edit);
    value_set_int(a, v, "doc_max_mb", (int64_t)(MEDIA_DOC_MAX_BYTES / (1024 * 1024)));
}
