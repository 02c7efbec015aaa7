/* slugs.c: earlier slugs of articles (migration 12). A rename of an article that
 * was public leaves its old slug in article_slug_history (a trigger does that, so every
 * path that renames, the workspace, the import, restores, is covered); readers and the
 * static export look an unknown slug up here to send the reader on. */
#include "store/content.h"
#include "store/db.h"

#include "core/kyiv_time.h"

static const char sql_slug_current[] =
    "SELECT a.slug FROM article_slug_history h JOIN articles a ON a.id = h.article_id "
    "WHERE h.slug = ?1 AND a.status IN ('published', 'scheduled') AND a.published_at <= ?2";

static const char sql_slug_history_all[] =
    "SELECT h.slug, a.slug FROM article_slug_history h JOIN articles a ON a.id = h.article_id "
    "WHERE a.status IN ('published', 'scheduled') AND a.published_at <= ?1 ORDER BY h.slug";

enum err store_article_slug_current(struct store *s, struct arena *a, struct str old_slug,
                                    struct str *current)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_slug_current, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, old_slug);
    db_bind_i64(st, 2, utc_now());
    int rc = db_step(st);
    if (rc == DB_ROW)
        *current = store__col_str(a, st, 0);
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_article_slug_history(struct store *s, struct arena *a, struct store_slug_move **out,
                                    size_t *n)
{
    struct db_stmt *st;
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_slug_history_all, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, utc_now());
    while ((rc = db_step(st)) == DB_ROW) {
        *out = store__grow(a, *out, *n, &cap, sizeof **out);
        (*out)[*n].old_slug = store__col_str(a, st, 0);
        (*out)[*n].slug = store__col_str(a, st, 1);
        (*n)++;
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}
