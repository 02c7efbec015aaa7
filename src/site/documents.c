/* documents.c: the documents (PDF) attached to an article: the list on its page and the
 * download itself at /documents/<hash>/<name>.pdf.
 *
 * The URL names the file by its content hash, so it may be cached forever and nothing
 * a client sends ever becomes part of a path (the hash is checked to be 64 hex digits;
 * the last segment is only a readable name for the reader's "save as" and for the
 * static mirror, and is checked but not used). A hash no live document row names is a
 * 404, so removing a document from an article takes its link down even though the file
 * stays in the media folder. Like photos, a document is reachable by anyone holding its
 * URL, whatever the article's state: the hash cannot be guessed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "media/document.h"
#include "site/site_internal.h"
#include "store/attachments.h"

/* Documents go out as downloads (Content-Disposition: attachment, set by
 * media_doc_disposition) and open in the reader's own viewer; should a browser render
 * one anyway, it gets a sandboxed, script-less origin that no other site may frame. */
#define DOC_CSP "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"

static bool url_name_ok(struct str name)
{
    if (name.len < 5 || name.len > 120 || !str_ends_with(name, STR_LIT(".pdf")))
        return false;
    for (size_t i = 0; i + 4 < name.len; i++) {
        char c = name.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

void site__document(struct http_request *req, struct http_response *res)
{
    struct site_thread *ctx = req->thread_ctx;
    struct store_attachment doc;

    res->cacheable = false; /* up to 16 MB: never in the page cache */
    if (ctx == NULL || req->n_params < 2 || !media_doc_hash_ok(req->params[0]) ||
        !url_name_ok(req->params[1])) {
        http_response_error(res, 404);
        return;
    }
    if (ctx->store == NULL) {
        http_response_error(res, 503);
        return;
    }
    enum err e = store_attachment_by_hash(ctx->store, req->arena, req->params[0], &doc);
    if (e != ERR_OK) {
        if (e != ERR_NOTFOUND)
            log_msg(LOG_ERROR, req->id, "document lookup failed: %s: %s", err_str(e),
                    store_errmsg(ctx->store));
        http_response_error(res, e == ERR_NOTFOUND ? 404 : e == ERR_BUSY ? 503 : 500);
        return;
    }
    site__pdf_respond(req, res, req->params[0], doc.title);
}

void site__pdf_respond(struct http_request *req, struct http_response *res, struct str hash,
                       struct str title)
{
    struct site_thread *ctx = req->thread_ctx;
    char *data = NULL;
    size_t len = 0;
    int64_t mtime = 0;

    res->cacheable = false; /* up to 16 MB: never in the page cache */
    if (!media_doc_hash_ok(hash)) {
        http_response_error(res, 404);
        return;
    }
    char *path = arena_printf(req->arena, "%s/%.*s.pdf", ctx->site->media_dir, STR_FMT(hash));
    enum err e = site__read_file(path, MEDIA_DOC_MAX_BYTES, &data, &len, &mtime);
    if (e != ERR_OK) {
        /* a row without its file: `visnyk check` reports it too */
        log_msg(LOG_ERROR, req->id, "document read failed: %s: %s", err_str(e), path);
        http_response_error(res, e == ERR_NOTFOUND ? 404 : 500);
        return;
    }
    http_response_header(res, req, "Content-Disposition", media_doc_disposition(req->arena, title));
    http_response_header(res, req, "Content-Security-Policy", STR_LIT(DOC_CSP));
    http_response_header(res, req, "X-Content-Type-Options", STR_LIT("nosniff"));
    /* named by content: the bytes never change under this URL */
    http_static_respond(req, res, STR_LIT(MEDIA_DOC_MIME), str_make(data, len), mtime, true);
    free(data);
}

struct value *site__documents(struct site_page *p, int64_t article_id)
{
    struct arena *a = p->a;
    struct store_attachment *docs;
    size_t n = 0;

    if (article_id <= 0 || p->ctx->store == NULL)
        return NULL;
    enum err e = store_attachments_of(p->ctx->store, a, article_id, &docs, &n);
    if (e != ERR_OK) {
        /* the page is still worth showing without its documents list */
        log_msg(LOG_ERROR, p->req->id, "documents load failed: %s", err_str(e));
        return NULL;
    }
    if (n == 0)
        return NULL;
    struct str mark = site__t(p, "doc.decimal_mark");
    struct media_doc_units u = {.b = site__t(p, "doc.unit.b"),
                                .kb = site__t(p, "doc.unit.kb"),
                                .mb = site__t(p, "doc.unit.mb"),
                                .decimal_mark = mark.len == 1 ? mark.ptr[0] : ','};
    struct value *list = value_list(a);
    for (size_t i = 0; i < n; i++) {
        struct value *d = value_obj(a);
        struct buf b;
        buf_init(&b, 64);
        /* a list with a size missing is a page with a hole: site__finish answers 500 */
        site__text_failed(p, media_doc_size_format((uint64_t)docs[i].bytes, &u, &b),
                          "document size");
        value_set_str(a, d, "title", docs[i].title);
        value_set_str(a, d, "size", arena_str(a, buf_str(&b)));
        buf_free(&b);
        value_set_str(a, d, "type", site__t(p, "doc.type.pdf"));
        value_set_str(a, d, "mime", docs[i].mime);
        if (docs[i].pages > 0)
            value_set_int(a, d, "pages", docs[i].pages);
        value_set_str(a, d, "url",
                      str_from_cstr(arena_printf(a, "/documents/%.*s/%.*s", STR_FMT(docs[i].hash),
                                                 STR_FMT(media_doc_url_name(a, docs[i].title)))));
        value_push(a, list, d);
    }
    return list;
}
