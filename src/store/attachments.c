/* attachments.c: documents attached to articles (migration 6; see attachments.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/kyiv_time.h"
#include "core/utf8.h"
#include "store/attachments.h"
#include "store/db.h"

#define ATT_COLS "id, article_id, hash, title, mime, bytes, pages, pos, created_at"

static const char sql_count[] =
    "SELECT count(*) FROM article_attachments WHERE article_id = ?1 AND removed_at = 0";
static const char sql_append[] =
    "INSERT INTO article_attachments (article_id, pos, hash, title, mime, bytes, pages, "
    "created_at, created_by) VALUES (?1, (SELECT coalesce(max(pos) + 1, 0) FROM "
    "article_attachments WHERE article_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id";
static const char sql_of[] = "SELECT " ATT_COLS " FROM article_attachments "
                             "WHERE article_id = ?1 AND removed_at = 0 ORDER BY pos, id";
static const char sql_remove[] = "UPDATE article_attachments SET removed_at = ?3 "
                                 "WHERE id = ?1 AND article_id = ?2 AND removed_at = 0";
static const char sql_title[] =
    "UPDATE article_attachments SET title = ?3 WHERE id = ?1 AND article_id = ?2";
static const char sql_pos[] =
    "UPDATE article_attachments SET pos = ?3 WHERE id = ?1 AND article_id = ?2";
/* a visible article's copy first: its title is the one readers saw on the page */
static const char sql_by_hash[] =
    "SELECT t.id, t.article_id, t.hash, t.title, t.mime, t.bytes, t.pages, t.pos, t.created_at "
    "FROM article_attachments t JOIN articles a ON a.id = t.article_id "
    "WHERE t.hash = ?1 AND t.removed_at = 0 "
    "ORDER BY (a.status IN ('published', 'scheduled') AND a.published_at <= ?2) DESC, t.id "
    "LIMIT 1";
/* the registry's signed originals (migration 15) and the consultations' drafts
 * (migration 19) are PDFs in the same folder */
static const char sql_refs[] =
    "SELECT hash, max(bytes) FROM (SELECT hash, bytes FROM article_attachments "
    "WHERE removed_at = 0 UNION ALL SELECT pdf_hash, pdf_bytes FROM registry_docs "
    "WHERE pdf_hash <> '' UNION ALL SELECT pdf_hash, pdf_bytes FROM consultations "
    "WHERE pdf_hash <> '') GROUP BY hash ORDER BY hash";

static bool hash_ok(struct str h)
{
    if (h.len != 64)
        return false;
    for (size_t i = 0; i < h.len; i++)
        if (!((h.ptr[i] >= '0' && h.ptr[i] <= '9') || (h.ptr[i] >= 'a' && h.ptr[i] <= 'f')))
            return false;
    return true;
}

static void row_read(struct arena *a, struct db_stmt *st, struct store_attachment *t)
{
    t->id = db_col_i64(st, 0);
    t->article_id = db_col_i64(st, 1);
    t->hash = store__col_str(a, st, 2);
    t->title = store__col_str(a, st, 3);
    t->mime = store__col_str(a, st, 4);
    t->bytes = db_col_i64(st, 5);
    t->pages = db_col_int(st, 6);
    t->pos = db_col_i64(st, 7);
    t->created_at = db_col_i64(st, 8);
}

static bool text_ok(struct str t)
{
    return utf8_valid(t.ptr != NULL ? t.ptr : "", t.len);
}

enum err store_attachment_append(struct store *s, int64_t article_id,
                                 const struct store_attachment_input *in, int64_t *id)
{
    size_t msg_size;
    char *msg = store__errbuf(s, &msg_size);
    struct db_stmt *st;
    int rc;

    *id = 0;
    if (in->title.len > STORE_MAX_ATTACHMENT_TITLE_BYTES) {
        snprintf(msg, msg_size, "document title over %d bytes", STORE_MAX_ATTACHMENT_TITLE_BYTES);
        return ERR_TOO_LARGE;
    }
    if (!hash_ok(in->hash) || in->title.len == 0 || !text_ok(in->title) || in->bytes <= 0 ||
        in->pages < 0 || in->mime.len == 0 || in->mime.len > 100) {
        snprintf(msg, msg_size, "bad document");
        return ERR_INVALID;
    }
    enum err e = store__article_touch(s, article_id);
    if (e == ERR_OK)
        e = store__prepare(s, sql_count, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    rc = db_step(st);
    int64_t count = rc == DB_ROW ? db_col_i64(st, 0) : 0;
    if (rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    if (e != ERR_OK)
        return e;
    if (count >= STORE_MAX_ATTACHMENTS) {
        snprintf(msg, msg_size, "more than %d documents", STORE_MAX_ATTACHMENTS);
        return ERR_TOO_LARGE;
    }
    e = store__prepare(s, sql_append, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_str(st, 2, in->hash);
    db_bind_str(st, 3, in->title);
    db_bind_str(st, 4, in->mime);
    db_bind_i64(st, 5, in->bytes);
    db_bind_i64(st, 6, in->pages);
    db_bind_i64(st, 7, utc_now());
    db_bind_i64(st, 8, in->created_by);
    rc = db_step(st);
    if (rc == DB_ROW) {
        *id = db_col_i64(st, 0);
        rc = db_step(st); /* RETURNING writes complete when the statement ends */
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_attachments_of(struct store *s, struct arena *a, int64_t article_id,
                              struct store_attachment **items, size_t *n)
{
    struct db_stmt *st;
    struct store_attachment *list = NULL;
    size_t count = 0, cap = 0;
    int rc;

    *items = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_of, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    while ((rc = db_step(st)) == DB_ROW) {
        list = store__grow(a, list, count, &cap, sizeof *list);
        row_read(a, st, &list[count++]);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    if (e != ERR_OK)
        return e;
    *items = list;
    *n = count;
    return ERR_OK;
}

struct arranged {
    int64_t id, key, old_pos;
};

static int arranged_cmp(const void *x, const void *y)
{
    const struct arranged *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->old_pos < b->old_pos ? -1 : a->old_pos > b->old_pos;
}

static enum err exec3(struct store *s, const char *sql, int64_t id, int64_t article_id,
                      const struct str *text, int64_t v)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, article_id);
    if (text != NULL)
        db_bind_str(st, 3, *text);
    else
        db_bind_i64(st, 3, v);
    return store__step_done(s, st);
}

enum err store_attachments_arrange(struct store *s, int64_t article_id,
                                   const struct store_attachment_edit *edits, size_t n)
{
    struct arena *a = arena_new(16 * 1024);
    struct store_attachment *items;
    struct arranged *keep = NULL;
    size_t n_items, w = 0;
    int64_t now = utc_now();

    enum err e = ERR_OK;
    for (size_t i = 0; i < n && e == ERR_OK; i++) {
        if (edits[i].title.len > STORE_MAX_ATTACHMENT_TITLE_BYTES)
            e = ERR_TOO_LARGE;
        else if (!text_ok(edits[i].title))
            e = ERR_INVALID;
    }
    if (e == ERR_OK)
        e = store__article_touch(s, article_id);
    if (e == ERR_OK)
        e = store_attachments_of(s, a, article_id, &items, &n_items);
    if (e != ERR_OK)
        goto out;
    keep = arena_alloc_array(a, n_items > 0 ? n_items : 1, sizeof *keep);
    for (size_t i = 0; i < n_items && e == ERR_OK; i++) {
        const struct store_attachment_edit *ed = NULL;
        for (size_t j = 0; j < n && ed == NULL; j++)
            if (edits[j].id == items[i].id)
                ed = &edits[j];
        if (ed != NULL && ed->remove) {
            e = exec3(s, sql_remove, items[i].id, article_id, NULL, now);
            continue;
        }
        keep[w].id = items[i].id;
        keep[w].old_pos = (int64_t)i;
        keep[w].key = (int64_t)i + 1;
        if (ed != NULL) {
            keep[w].key = ed->order;
            if (ed->title.len > 0 && !str_eq(ed->title, items[i].title))
                e = exec3(s, sql_title, items[i].id, article_id, &ed->title, 0);
        }
        w++;
    }
    if (e != ERR_OK)
        goto out;
    qsort(keep, w, sizeof *keep, arranged_cmp);
    for (size_t i = 0; i < w && e == ERR_OK; i++)
        e = exec3(s, sql_pos, keep[i].id, article_id, NULL, (int64_t)i);
out:
    arena_free(a);
    return e;
}

enum err store_attachment_by_hash(struct store *s, struct arena *a, struct str hash,
                                  struct store_attachment *out)
{
    struct db_stmt *st;
    if (!hash_ok(hash))
        return ERR_NOTFOUND;
    enum err e = store__prepare(s, sql_by_hash, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, hash);
    db_bind_i64(st, 2, utc_now());
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_read(a, st, out);
    else if (rc == DB_DONE)
        e = ERR_NOTFOUND;
    else
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_attachment_refs(struct store *s, struct arena *a, struct store_attachment **items,
                               size_t *n)
{
    struct db_stmt *st;
    struct store_attachment *list = NULL;
    size_t count = 0, cap = 0;
    int rc;

    *items = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_refs, &st);
    if (e != ERR_OK)
        return e;
    while ((rc = db_step(st)) == DB_ROW) {
        list = store__grow(a, list, count, &cap, sizeof *list);
        memset(&list[count], 0, sizeof list[count]);
        list[count].hash = store__col_str(a, st, 0);
        list[count].bytes = db_col_i64(st, 1);
        count++;
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    if (e != ERR_OK)
        return e;
    *items = list;
    *n = count;
    return ERR_OK;
}
