/* editorial.c: what the editors' workspace writes and reads beyond the public
 * queries: saves with optimistic concurrency and revisions, galleries, tags and
 * departments, pages, and the articles that became visible (for the scheduler).
 *
 * Revisions are taken by SQL from the article row itself (INSERT ... SELECT), so what
 * a revision holds is exactly what was stored, departments and tags included, in the
 * same transaction as the save. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/kyiv_time.h"
#include "core/utf8.h"
#include "search/search.h"
#include "store/db.h"
#include "store/editorial.h"
#include "store/store_internal.h"

#define MAX_REVISIONS_LISTED 500

/* The status an editor sees: a scheduled article whose time has come is published (it
 * is visible to readers since then; nothing is written at that moment, see
 * admin/scheduler.c), so the list, its «опубліковано» filter and the edit page agree
 * with the site. */
#define STATUS_NOW                                                                                 \
    "(CASE WHEN a.status = 'scheduled' AND a.published_at <= unixepoch() THEN 'published' "        \
    "ELSE a.status END)"

#define META_COLS                                                                                  \
    "a.id, a.slug, a.title, " STATUS_NOW ", a.published_at, a.updated_at, a.version, "             \
    "coalesce(a.author_id, 0), coalesce(u.name, ''), "                                             \
    "(SELECT count(*) FROM photos p WHERE p.article_id = a.id)"

/* the list's sort key: ?11 = 1 the publication time, 0 the last change */
#define ADMIN_SORT_KEY "(CASE WHEN ?11 = 1 THEN a.published_at ELSE a.updated_at END)"
/* ?1 any status, ?2 status, ?3 author (0 any), ?4 title text, ?5 limit, ?6 offset,
 * ?7 department (0 any), ?8 tag (0 any), ?9 from and ?10 to on the sort key (0 open) */
#define ADMIN_LIST(find)                                                                           \
    "SELECT " META_COLS " FROM articles a LEFT JOIN users u ON u.id = a.author_id "                \
    "WHERE (?1 OR " STATUS_NOW " = ?2) AND (?3 = 0 OR a.author_id = ?3) "                          \
    "AND (?4 = '' OR " find "(lower(a.title), lower(?4)) > 0) "                                    \
    "AND (?7 = 0 OR EXISTS (SELECT 1 FROM article_departments l WHERE l.article_id = a.id "        \
    "AND l.department_id = ?7)) "                                                                  \
    "AND (?8 = 0 OR EXISTS (SELECT 1 FROM article_tags l WHERE l.article_id = a.id "               \
    "AND l.tag_id = ?8)) "                                                                         \
    "AND (?9 = 0 OR " ADMIN_SORT_KEY " >= ?9) AND (?10 = 0 OR " ADMIN_SORT_KEY " < ?10) "          \
    "ORDER BY " ADMIN_SORT_KEY " DESC, a.id DESC LIMIT ?5 OFFSET ?6"
/* PostgreSQL's strpos is SQLite's instr; its lower() also folds Cyrillic (SQLite's only
 * ASCII), so there the title filter ignores case in every alphabet */
static const char sql_admin_list[] = ADMIN_LIST("instr");
static const char sql_admin_list_pg[] = ADMIN_LIST("strpos");
static const char sql_admin_meta[] =
    "SELECT " META_COLS " FROM articles a LEFT JOIN users u ON u.id = a.author_id WHERE a.id = ?1";
static const char sql_related_of[] =
    "SELECT related_slug FROM article_related WHERE article_id = ?1 ORDER BY pos";

static const char sql_slug_owner[] = "SELECT id FROM articles WHERE slug = ?1";
static const char sql_insert[] =
    "INSERT INTO articles (slug, title, lead, body_md, status, published_at, published_ym, "
    "created_at, updated_at, version, author_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 1, nullif(?9, 0)) RETURNING id";
static const char sql_update[] =
    "UPDATE articles SET slug = ?3, title = ?4, lead = ?5, body_md = ?6, status = ?7, "
    "published_at = ?8, published_ym = ?9, updated_at = ?10, version = version + 1 "
    "WHERE id = ?1 AND version = ?2";
static const char sql_exists[] = "SELECT version FROM articles WHERE id = ?1";
static const char sql_unlink_depts[] = "DELETE FROM article_departments WHERE article_id = ?1";
static const char sql_unlink_tags[] = "DELETE FROM article_tags WHERE article_id = ?1";
static const char sql_unlink_related[] = "DELETE FROM article_related WHERE article_id = ?1";
static const char sql_link_related[] =
    "INSERT INTO article_related (article_id, pos, related_slug) VALUES (?1, ?2, ?3) "
    "ON CONFLICT DO NOTHING";
/* the copies of published_at and visibility come from the article row, as in
 * store_sqlite.c, so the visibility rule stays in SQL */
static const char sql_link_dept[] =
    "INSERT INTO article_departments (article_id, department_id, pos, published_at, visible) "
    "SELECT a.id, ?2, ?3, a.published_at, a.status IN ('published', 'scheduled') "
    "FROM articles a WHERE a.id = ?1 ON CONFLICT DO NOTHING";
static const char sql_link_tag[] =
    "INSERT INTO article_tags (article_id, tag_id, pos, published_at, visible) "
    "SELECT a.id, ?2, ?3, a.published_at, a.status IN ('published', 'scheduled') "
    "FROM articles a WHERE a.id = ?1 ON CONFLICT DO NOTHING";
/* PostgreSQL's: the rule is a boolean there and the flag an integer (store_sqlite.c's
 * stmt_sql_pg[] says the same of its copies) */
#define LINK_REF_PG(tbl, col)                                                                      \
    "INSERT INTO " tbl " (article_id, " col ", pos, published_at, visible) "                       \
    "SELECT a.id, ?2, ?3, a.published_at, "                                                        \
    "CASE WHEN a.status IN ('published', 'scheduled') THEN 1 ELSE 0 END "                          \
    "FROM articles a WHERE a.id = ?1 ON CONFLICT DO NOTHING"
static const char sql_link_dept_pg[] = LINK_REF_PG("article_departments", "department_id");
static const char sql_link_tag_pg[] = LINK_REF_PG("article_tags", "tag_id");
static const char sql_tag_by_name[] = "SELECT id FROM tags WHERE name = ?1";
static const char sql_tag_names[] = "SELECT id, name FROM tags ORDER BY id";
static const char sql_dept_by_name[] = "SELECT id FROM departments WHERE name = ?1";
static const char sql_tag_slug_taken[] = "SELECT 1 FROM tags WHERE slug = ?1";
static const char sql_dept_slug_taken[] = "SELECT 1 FROM departments WHERE slug = ?1";
static const char sql_tag_insert[] = "INSERT INTO tags (slug, name) VALUES (?1, ?2) RETURNING id";
static const char sql_dept_insert[] =
    "INSERT INTO departments (slug, name, sort) VALUES (?1, ?2, "
    "(SELECT coalesce(max(sort), 0) + 1 FROM departments)) RETURNING id";

#define REVISION_SELECT(user)                                                                      \
    "SELECT a.id, a.version, " user                                                                \
    ", a.updated_at, a.slug, a.title, a.lead, a.body_md, " STATUS_NOW ", a.published_at, "         \
    "coalesce((SELECT group_concat(name, char(10)) FROM (SELECT d.name FROM article_departments "  \
    "l JOIN departments d ON d.id = l.department_id WHERE l.article_id = a.id ORDER BY l.pos)), "  \
    "''), "                                                                                        \
    "coalesce((SELECT group_concat(name, char(10)) FROM (SELECT t.name FROM article_tags l "       \
    "JOIN tags t ON t.id = l.tag_id WHERE l.article_id = a.id ORDER BY l.pos)), ''), "             \
    "coalesce((SELECT group_concat(related_slug, char(10)) FROM (SELECT related_slug FROM "        \
    "article_related WHERE article_id = a.id ORDER BY pos)), ''), "                                \
    "coalesce((SELECT group_concat(line, char(10)) FROM (SELECT hash || char(9) || "               \
    "replace(replace(caption, char(9), ' '), char(10), ' ') || char(9) || "                        \
    "replace(replace(alt, char(9), ' '), char(10), ' ') AS line FROM photos WHERE "                \
    "article_id = a.id ORDER BY pos)), '') FROM articles a WHERE a.id = ?1"
/* PostgreSQL's: string_agg orders by itself (group_concat follows its subquery's order
 * there), chr is SQLite's char */
#define REVISION_SELECT_PG(user)                                                                   \
    "SELECT a.id, a.version, " user                                                                \
    ", a.updated_at, a.slug, a.title, a.lead, a.body_md, " STATUS_NOW ", a.published_at, "         \
    "coalesce((SELECT string_agg(d.name, chr(10) ORDER BY l.pos) FROM article_departments l "      \
    "JOIN departments d ON d.id = l.department_id WHERE l.article_id = a.id), ''), "               \
    "coalesce((SELECT string_agg(t.name, chr(10) ORDER BY l.pos) FROM article_tags l "             \
    "JOIN tags t ON t.id = l.tag_id WHERE l.article_id = a.id), ''), "                             \
    "coalesce((SELECT string_agg(related_slug, chr(10) ORDER BY pos) FROM article_related "        \
    "WHERE article_id = a.id), ''), "                                                              \
    "coalesce((SELECT string_agg(hash || chr(9) || "                                               \
    "replace(replace(caption, chr(9), ' '), chr(10), ' ') || chr(9) || "                           \
    "replace(replace(alt, chr(9), ' '), chr(10), ' '), chr(10) ORDER BY pos) FROM photos "         \
    "WHERE article_id = a.id), '') FROM articles a WHERE a.id = ?1"
#define REVISION_INSERT                                                                            \
    "INSERT INTO revisions (article_id, version, user_id, user_name, created_at, "                 \
    "slug, title, lead, body_md, status, published_at, departments, tags, related, gallery) "
/* the state before the first save from the workspace (imported text), once */
static const char sql_revision_before[] =
    REVISION_INSERT REVISION_SELECT("NULL, ''") " AND NOT EXISTS (SELECT 1 FROM revisions r "
                                                "WHERE r.article_id = a.id) ON CONFLICT DO NOTHING";
static const char sql_revision_now[] =
    REVISION_INSERT REVISION_SELECT("nullif(?2, 0), ?3") " ON CONFLICT DO NOTHING";
static const char sql_revision_before_pg[] = REVISION_INSERT REVISION_SELECT_PG(
    "NULL, ''") " AND NOT EXISTS (SELECT 1 FROM revisions r "
                "WHERE r.article_id = a.id) ON CONFLICT DO NOTHING";
static const char sql_revision_now_pg[] =
    REVISION_INSERT REVISION_SELECT_PG("nullif(?2, 0), ?3") " ON CONFLICT DO NOTHING";

static const char sql_revisions_list[] =
    "SELECT id, article_id, version, coalesce(user_id, 0), user_name, created_at, slug, title, "
    "status, published_at FROM revisions WHERE article_id = ?1 ORDER BY version DESC LIMIT ?2";
static const char sql_revision_get[] =
    "SELECT id, article_id, version, coalesce(user_id, 0), user_name, created_at, slug, title, "
    "status, published_at, lead, body_md, departments, tags, related, gallery FROM revisions "
    "WHERE article_id = ?1 AND version = ?2";

static const char sql_photo_count[] = "SELECT count(*) FROM photos WHERE article_id = ?1";
static const char sql_photo_append[] =
    "INSERT INTO photos (article_id, pos, hash, width, height, caption, alt) VALUES (?1, "
    "(SELECT coalesce(max(pos) + 1, 0) FROM photos WHERE article_id = ?1), ?2, ?3, ?4, ?5, ?6) "
    "RETURNING id";
static const char sql_photo_ids[] = "SELECT id, pos FROM photos WHERE article_id = ?1 ORDER BY pos";
static const char sql_photo_delete[] = "DELETE FROM photos WHERE id = ?1 AND article_id = ?2";
static const char sql_photo_text[] =
    "UPDATE photos SET caption = ?3, alt = ?4 WHERE id = ?1 AND article_id = ?2";
static const char sql_photo_park[] = "UPDATE photos SET pos = -1 - pos WHERE article_id = ?1";
static const char sql_photo_pos[] = "UPDATE photos SET pos = ?3 WHERE id = ?1 AND article_id = ?2";
static const char sql_article_touch[] = "UPDATE articles SET updated_at = ?2 WHERE id = ?1";

static const char sql_tag_ids[] = "SELECT tag_id FROM article_tags WHERE article_id = ?1";
static const char sql_dept_ids[] =
    "SELECT department_id FROM article_departments WHERE article_id = ?1";
static const char sql_became_visible[] =
    "SELECT a.id FROM articles a WHERE a.status IN ('published', 'scheduled') "
    "AND a.published_at > ?1 AND a.published_at <= ?2 ORDER BY a.published_at";

static const char sql_tag_rename[] = "UPDATE tags SET name = ?2, slug = ?3 WHERE id = ?1";
static const char sql_dept_rename[] = "UPDATE departments SET name = ?2, slug = ?3 WHERE id = ?1";
static const char sql_tag_exists[] = "SELECT count(*) FROM tags WHERE id = ?1";
static const char sql_tag_move[] =
    "INSERT INTO article_tags (article_id, tag_id, pos, published_at, visible) "
    "SELECT article_id, ?2, pos, published_at, visible FROM article_tags WHERE tag_id = ?1 "
    "ON CONFLICT DO NOTHING";
static const char sql_tag_unlink_all[] = "DELETE FROM article_tags WHERE tag_id = ?1";
static const char sql_tag_delete[] = "DELETE FROM tags WHERE id = ?1";
static const char sql_page_delete[] = "DELETE FROM pages WHERE slug = ?1";

static enum err exec_id(struct store *s, const char *sql, int64_t id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    return store__step_done(s, st);
}

static void meta_read(struct arena *a, struct db_stmt *st, struct store_article_meta *m)
{
    m->id = db_col_i64(st, 0);
    m->slug = store__col_str(a, st, 1);
    m->title = store__col_str(a, st, 2);
    if (!store_status_parse(store__col_str(a, st, 3), &m->status))
        m->status = STORE_DRAFT;
    m->published_at = db_col_i64(st, 4);
    m->updated_at = db_col_i64(st, 5);
    m->version = db_col_i64(st, 6);
    m->author_id = db_col_i64(st, 7);
    m->author_name = store__col_str(a, st, 8);
    m->n_photos = db_col_i64(st, 9);
}

enum err store_admin_articles(struct store *s, struct arena *a, const struct store_admin_query *q,
                              struct store_article_meta **items, size_t *n, bool *has_more)
{
    struct db_stmt *st;
    size_t cap = 0, limit = q->limit;
    int rc;
    *items = NULL;
    *n = 0;
    *has_more = false;
    if (limit == 0 || limit > STORE_MAX_LIST_LIMIT)
        limit = STORE_MAX_LIST_LIMIT;
    enum err e = store__prepare(s, store__sql(s, sql_admin_list, sql_admin_list_pg), &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, q->status < 0 ? 1 : 0);
    db_bind_cstr(st, 2, store_status_text((enum store_status)(q->status < 0 ? 0 : q->status)));
    db_bind_i64(st, 3, q->author_id);
    db_bind_str(st, 4, q->text);
    db_bind_i64(st, 5, (int64_t)limit + 1);
    db_bind_i64(st, 6, (int64_t)q->offset);
    db_bind_i64(st, 7, q->dept_id);
    db_bind_i64(st, 8, q->tag_id);
    db_bind_i64(st, 9, q->from);
    db_bind_i64(st, 10, q->to);
    db_bind_i64(st, 11, q->by_published ? 1 : 0);
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == limit) {
            *has_more = true;
            break;
        }
        *items = store__grow(a, *items, *n, &cap, sizeof **items);
        meta_read(a, st, &(*items)[(*n)++]);
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_article_admin_get(struct store *s, struct arena *a, int64_t id,
                                 struct store_article *art, struct store_article_meta *meta,
                                 struct str **related, size_t *n_related)
{
    struct db_stmt *st;
    size_t cap = 0;
    int rc;
    memset(meta, 0, sizeof *meta);
    *related = NULL;
    *n_related = 0;
    enum err e = store__prepare(s, sql_admin_meta, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    rc = db_step(st);
    if (rc == DB_ROW)
        meta_read(a, st, meta);
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    if (e != ERR_OK)
        return e;
    e = store_article_by_slug_any(s, a, meta->slug, art);
    if (e != ERR_OK)
        return e;
    e = store__prepare(s, sql_related_of, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    while ((rc = db_step(st)) == DB_ROW) {
        *related = store__grow(a, *related, *n_related, &cap, sizeof **related);
        (*related)[(*n_related)++] = store__col_str(a, st, 0);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

/* ref_create inserts a tag or department called name with slug (or one made from the
 * name, unique by -2, -3, ... when slug is empty). */
static enum err ref_create(struct store *s, bool is_tag, struct str name, struct str slug,
                           int64_t *id)
{
    struct db_stmt *st;
    struct buf b;
    enum err e;
    bool found;
    int64_t taken;

    buf_init(&b, STORE_MAX_SLUG_BYTES);
    if (slug.len > 0) {
        e = buf_append_str(&b, slug);
    } else {
        e = store__ref_slug(&b, name, is_tag ? "tag" : "department");
        size_t base = b.len;
        for (int k = 2; e == ERR_OK; k++) {
            e = store__prepare(s, is_tag ? sql_tag_slug_taken : sql_dept_slug_taken, &st);
            if (e != ERR_OK)
                break;
            db_bind_str(st, 1, buf_str(&b));
            e = store__opt_i64(s, st, &taken, &found);
            if (e != ERR_OK || !found)
                break;
            b.len = base;
            e = buf_appendf(&b, "-%d", k);
        }
    }
    if (e == ERR_OK)
        e = store__prepare(s, is_tag ? sql_tag_insert : sql_dept_insert, &st);
    if (e == ERR_OK) {
        db_bind_str(st, 1, buf_str(&b));
        db_bind_str(st, 2, name);
        e = store__opt_i64(s, st, id, &found);
    }
    buf_free(&b);
    return e;
}

/* tag_by_folded_name finds the oldest tag whose name folds (case, the apostrophes ’ ʼ ')
 * as name does, as the search matches words: «Укриття» typed after «укриття» exists is
 * that tag, not a second one with a -2 slug (issue 12). Scanned in C, because only a
 * name with no exact match gets here and a site has a few thousand tags at most. */
static enum err tag_by_folded_name(struct store *s, struct str name, int64_t *id, bool *found)
{
    struct db_stmt *st;
    struct buf want, got;
    int rc = DB_DONE;

    *found = false;
    enum err e = store__prepare(s, sql_tag_names, &st);
    if (e != ERR_OK)
        return e;
    buf_init(&want, 4 * STORE_MAX_NAME_BYTES + 16);
    buf_init(&got, 4 * STORE_MAX_NAME_BYTES + 16);
    /* a name too long to fold is new (the save refuses it by its length anyway) */
    bool foldable = search_word_fold(&want, name) == ERR_OK;
    while (foldable && !*found && (rc = db_step(st)) == DB_ROW) {
        buf_reset(&got);
        if (search_word_fold(&got, db_col_text(st, 1)) != ERR_OK)
            continue;
        if (str_eq(buf_str(&got), buf_str(&want))) {
            *id = db_col_i64(st, 0);
            *found = true;
        }
    }
    if (!*found && rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    buf_free(&want);
    buf_free(&got);
    return e;
}

static enum err ref_ensure(struct store *s, bool is_tag, struct str name, int64_t *id)
{
    struct db_stmt *st;
    bool found;
    name = str_trim(name);
    enum err e = store__prepare(s, is_tag ? sql_tag_by_name : sql_dept_by_name, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, name);
    e = store__opt_i64(s, st, id, &found);
    if (e != ERR_OK || found)
        return e;
    if (is_tag) {
        e = tag_by_folded_name(s, name, id, &found);
        if (e != ERR_OK || found)
            return e;
    }
    return ref_create(s, is_tag, name, STR_NULL, id);
}

static enum err link_refs(struct store *s, bool is_tag, int64_t article_id, const struct str *names,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t ref_id;
        struct db_stmt *st;
        enum err e = ref_ensure(s, is_tag, names[i], &ref_id);
        if (e == ERR_OK)
            e = store__prepare(s,
                               is_tag ? store__sql(s, sql_link_tag, sql_link_tag_pg)
                                      : store__sql(s, sql_link_dept, sql_link_dept_pg),
                               &st);
        if (e != ERR_OK)
            return e;
        db_bind_i64(st, 1, article_id);
        db_bind_i64(st, 2, ref_id);
        db_bind_i64(st, 3, (int64_t)i);
        e = store__step_done(s, st);
        if (e != ERR_OK)
            return e;
    }
    return ERR_OK;
}

static enum err revision_add(struct store *s, int64_t id, bool before, int64_t user_id,
                             struct str user_name)
{
    struct db_stmt *st;
    enum err e = store__prepare(s,
                                before ? store__sql(s, sql_revision_before, sql_revision_before_pg)
                                       : store__sql(s, sql_revision_now, sql_revision_now_pg),
                                &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    if (!before) {
        db_bind_i64(st, 2, user_id);
        db_bind_str(st, 3, user_name);
    }
    return store__step_done(s, st);
}

enum err store_article_save(struct store *s, int64_t id, int64_t expected_version,
                            const struct store_article_input *in, int64_t user_id,
                            struct str user_name, int64_t *out_id, int64_t *out_version,
                            bool *stale)
{
    size_t msg_size;
    char *msg = store__errbuf(s, &msg_size);
    struct db_stmt *st;
    int64_t owner = 0, now = utc_now();
    bool found;

    *out_id = 0;
    *out_version = 0;
    *stale = false;
    msg[0] = '\0';
    enum err e = store__article_input_check(in, msg, msg_size);
    if (e != ERR_OK)
        return e;
    e = store__prepare(s, sql_slug_owner, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, in->slug);
    e = store__opt_i64(s, st, &owner, &found);
    if (e != ERR_OK)
        return e;
    if (found && owner != id) {
        snprintf(msg, msg_size, "slug is used by another article");
        return ERR_CONFLICT;
    }

    if (id == 0) {
        e = store__prepare(s, sql_insert, &st);
        if (e != ERR_OK)
            return e;
        db_bind_str(st, 1, in->slug);
        db_bind_str(st, 2, in->title);
        db_bind_str(st, 3, in->lead);
        db_bind_str(st, 4, in->body_md);
        db_bind_cstr(st, 5, store_status_text(in->status));
        db_bind_i64(st, 6, in->published_at);
        db_bind_i64(st, 7, store__published_ym(in->published_at));
        db_bind_i64(st, 8, now);
        db_bind_i64(st, 9, user_id);
        e = store__opt_i64(s, st, &id, &found);
        if (e != ERR_OK)
            return e;
    } else {
        e = revision_add(s, id, true, 0, STR_NULL);
        if (e == ERR_OK)
            e = store__prepare(s, sql_update, &st);
        if (e != ERR_OK)
            return e;
        db_bind_i64(st, 1, id);
        db_bind_i64(st, 2, expected_version);
        db_bind_str(st, 3, in->slug);
        db_bind_str(st, 4, in->title);
        db_bind_str(st, 5, in->lead);
        db_bind_str(st, 6, in->body_md);
        db_bind_cstr(st, 7, store_status_text(in->status));
        db_bind_i64(st, 8, in->published_at);
        db_bind_i64(st, 9, store__published_ym(in->published_at));
        db_bind_i64(st, 10, now);
        e = store__step_done(s, st);
        if (e != ERR_OK)
            return e;
        if (db_changes(s) == 0) {
            int64_t v;
            e = store__prepare(s, sql_exists, &st);
            if (e != ERR_OK)
                return e;
            db_bind_i64(st, 1, id);
            e = store__opt_i64(s, st, &v, &found);
            if (e != ERR_OK)
                return e;
            if (!found)
                return ERR_NOTFOUND;
            snprintf(msg, msg_size, "article changed since the form was opened (version %lld)",
                     (long long)v);
            *stale = true;
            return ERR_CONFLICT;
        }
    }
    e = exec_id(s, sql_unlink_depts, id);
    if (e == ERR_OK)
        e = exec_id(s, sql_unlink_tags, id);
    if (e == ERR_OK)
        e = exec_id(s, sql_unlink_related, id);
    if (e == ERR_OK)
        e = link_refs(s, false, id, in->departments, in->n_departments);
    if (e == ERR_OK)
        e = link_refs(s, true, id, in->tags, in->n_tags);
    for (size_t i = 0; i < in->n_related && e == ERR_OK; i++) {
        e = store__prepare(s, sql_link_related, &st);
        if (e != ERR_OK)
            break;
        db_bind_i64(st, 1, id);
        db_bind_i64(st, 2, (int64_t)i);
        db_bind_str(st, 3, in->related[i]);
        e = store__step_done(s, st);
    }
    if (e == ERR_OK)
        e = revision_add(s, id, false, user_id, user_name);
    if (e == ERR_OK)
        e = store__prepare(s, sql_exists, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    e = store__opt_i64(s, st, out_version, &found);
    if (e == ERR_OK)
        *out_id = id;
    return e;
}

static void revision_read(struct arena *a, struct db_stmt *st, struct store_revision *r, bool full)
{
    memset(r, 0, sizeof *r);
    r->id = db_col_i64(st, 0);
    r->article_id = db_col_i64(st, 1);
    r->version = db_col_i64(st, 2);
    r->user_id = db_col_i64(st, 3);
    r->user_name = store__col_str(a, st, 4);
    r->created_at = db_col_i64(st, 5);
    r->slug = store__col_str(a, st, 6);
    r->title = store__col_str(a, st, 7);
    r->status = store__col_str(a, st, 8);
    r->published_at = db_col_i64(st, 9);
    if (full) {
        r->lead = store__col_str(a, st, 10);
        r->body_md = store__col_str(a, st, 11);
        r->departments = store__col_str(a, st, 12);
        r->tags = store__col_str(a, st, 13);
        r->related = store__col_str(a, st, 14);
        r->gallery = store__col_str(a, st, 15);
    }
}

enum err store_revisions_list(struct store *s, struct arena *a, int64_t article_id,
                              struct store_revision **items, size_t *n)
{
    struct db_stmt *st;
    size_t cap = 0;
    int rc;
    *items = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_revisions_list, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_i64(st, 2, MAX_REVISIONS_LISTED);
    while ((rc = db_step(st)) == DB_ROW) {
        *items = store__grow(a, *items, *n, &cap, sizeof **items);
        revision_read(a, st, &(*items)[(*n)++], false);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_revision_get(struct store *s, struct arena *a, int64_t article_id, int64_t version,
                            struct store_revision *out)
{
    struct db_stmt *st;
    memset(out, 0, sizeof *out);
    enum err e = store__prepare(s, sql_revision_get, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_i64(st, 2, version);
    int rc = db_step(st);
    if (rc == DB_ROW)
        revision_read(a, st, out, true);
    else
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store__article_touch(struct store *s, int64_t article_id)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_article_touch, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_i64(st, 2, utc_now());
    e = store__step_done(s, st);
    if (e == ERR_OK && db_changes(s) == 0)
        e = ERR_NOTFOUND;
    return e;
}

enum err store_photo_append(struct store *s, int64_t article_id, const struct store_photo_input *p,
                            int64_t *photo_id)
{
    size_t msg_size;
    char *msg = store__errbuf(s, &msg_size);
    struct db_stmt *st;
    int64_t count;
    bool found;

    *photo_id = 0;
    if (p->hash.len == 0 || p->hash.len > STORE_MAX_HASH_BYTES ||
        p->caption.len > STORE_MAX_CAPTION_BYTES || p->alt.len > STORE_MAX_CAPTION_BYTES ||
        !utf8_valid(p->caption.ptr != NULL ? p->caption.ptr : "", p->caption.len) ||
        !utf8_valid(p->alt.ptr != NULL ? p->alt.ptr : "", p->alt.len) || p->width <= 0 ||
        p->height <= 0) {
        snprintf(msg, msg_size, "bad photo");
        return ERR_INVALID;
    }
    enum err e = store__article_touch(s, article_id);
    if (e == ERR_OK)
        e = store__prepare(s, sql_photo_count, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    e = store__opt_i64(s, st, &count, &found);
    if (e != ERR_OK)
        return e;
    if (count >= STORE_MAX_PHOTOS) {
        snprintf(msg, msg_size, "more than %d photos", STORE_MAX_PHOTOS);
        return ERR_TOO_LARGE;
    }
    e = store__prepare(s, sql_photo_append, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_str(st, 2, p->hash);
    db_bind_i64(st, 3, p->width);
    db_bind_i64(st, 4, p->height);
    db_bind_str(st, 5, p->caption);
    db_bind_str(st, 6, p->alt);
    return store__opt_i64(s, st, photo_id, &found);
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

enum err store_photos_arrange(struct store *s, int64_t article_id,
                              const struct store_photo_edit *edits, size_t n)
{
    struct db_stmt *st;
    struct arranged *keep = NULL;
    size_t n_keep = 0, cap = 0;
    int rc;

    for (size_t i = 0; i < n; i++)
        if (edits[i].caption.len > STORE_MAX_CAPTION_BYTES ||
            edits[i].alt.len > STORE_MAX_CAPTION_BYTES)
            return ERR_TOO_LARGE;
    enum err e = store__article_touch(s, article_id);
    if (e == ERR_OK)
        e = store__prepare(s, sql_photo_ids, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    while ((rc = db_step(st)) == DB_ROW) {
        if (n_keep == cap) {
            cap = cap ? cap * 2 : 16;
            keep = realloc(keep, cap * sizeof *keep);
            if (keep == NULL)
                abort();
        }
        keep[n_keep].id = db_col_i64(st, 0);
        keep[n_keep].old_pos = db_col_i64(st, 1);
        keep[n_keep].key = keep[n_keep].old_pos + 1;
        n_keep++;
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);

    size_t w = 0;
    for (size_t i = 0; i < n_keep && e == ERR_OK; i++) {
        const struct store_photo_edit *ed = NULL;
        for (size_t j = 0; j < n && ed == NULL; j++)
            if (edits[j].id == keep[i].id)
                ed = &edits[j];
        if (ed != NULL && ed->remove) {
            e = store__prepare(s, sql_photo_delete, &st);
            if (e != ERR_OK)
                break;
            db_bind_i64(st, 1, keep[i].id);
            db_bind_i64(st, 2, article_id);
            e = store__step_done(s, st);
            continue;
        }
        if (ed != NULL) {
            keep[i].key = ed->order;
            e = store__prepare(s, sql_photo_text, &st);
            if (e != ERR_OK)
                break;
            db_bind_i64(st, 1, keep[i].id);
            db_bind_i64(st, 2, article_id);
            db_bind_str(st, 3, ed->caption);
            db_bind_str(st, 4, ed->alt);
            e = store__step_done(s, st);
        }
        keep[w++] = keep[i];
    }
    if (e == ERR_OK) {
        n_keep = w;
        qsort(keep, n_keep, sizeof *keep, arranged_cmp);
        /* positions are unique per article: park them all below zero, then renumber */
        e = exec_id(s, sql_photo_park, article_id);
    }
    for (size_t i = 0; i < n_keep && e == ERR_OK; i++) {
        e = store__prepare(s, sql_photo_pos, &st);
        if (e != ERR_OK)
            break;
        db_bind_i64(st, 1, keep[i].id);
        db_bind_i64(st, 2, article_id);
        db_bind_i64(st, 3, (int64_t)i);
        e = store__step_done(s, st);
    }
    free(keep);
    return e;
}

enum err store__ids(struct store *s, struct arena *a, const char *sql, int64_t arg1, int64_t arg2,
                    bool two, int64_t **ids, size_t *n)
{
    struct db_stmt *st;
    size_t cap = 0;
    int rc;
    *ids = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, arg1);
    if (two)
        db_bind_i64(st, 2, arg2);
    while ((rc = db_step(st)) == DB_ROW) {
        *ids = store__grow(a, *ids, *n, &cap, sizeof **ids);
        (*ids)[(*n)++] = db_col_i64(st, 0);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_article_ref_ids(struct store *s, struct arena *a, int64_t article_id,
                               int64_t **tag_ids, size_t *n_tags, int64_t **dept_ids,
                               size_t *n_depts)
{
    enum err e = store__ids(s, a, sql_tag_ids, article_id, 0, false, tag_ids, n_tags);
    if (e == ERR_OK)
        e = store__ids(s, a, sql_dept_ids, article_id, 0, false, dept_ids, n_depts);
    return e;
}

enum err store_articles_became_visible(struct store *s, struct arena *a, int64_t after,
                                       int64_t until, int64_t **ids, size_t *n)
{
    return store__ids(s, a, sql_became_visible, after, until, true, ids, n);
}

static enum err name_check(struct store *s, struct str name)
{
    size_t msg_size;
    char *msg = store__errbuf(s, &msg_size);
    if (str_trim(name).len == 0 || name.len > STORE_MAX_NAME_BYTES ||
        !utf8_valid(name.ptr, name.len)) {
        snprintf(msg, msg_size, "name must be 1 to %d bytes of text", STORE_MAX_NAME_BYTES);
        return ERR_INVALID;
    }
    return ERR_OK;
}

enum err store_ref_rename(struct store *s, bool is_tag, int64_t id, struct str name,
                          struct str slug)
{
    struct db_stmt *st;
    enum err e = name_check(s, name);
    if (e != ERR_OK)
        return e;
    if (!store_slug_valid(slug))
        return ERR_INVALID;
    e = store__prepare(s, is_tag ? sql_tag_rename : sql_dept_rename, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, id);
    db_bind_str(st, 2, str_trim(name));
    db_bind_str(st, 3, slug);
    e = store__step_done(s, st);
    if (e == ERR_OK && db_changes(s) == 0)
        e = ERR_NOTFOUND;
    return e;
}

enum err store_tag_merge(struct store *s, int64_t from_id, int64_t into_id)
{
    struct db_stmt *st;
    int64_t count;
    bool found;
    if (from_id == into_id)
        return ERR_INVALID;
    enum err e = store__prepare(s, sql_tag_exists, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, into_id);
    e = store__opt_i64(s, st, &count, &found);
    if (e != ERR_OK)
        return e;
    if (count == 0)
        return ERR_NOTFOUND;
    e = store__prepare(s, sql_tag_move, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, from_id);
    db_bind_i64(st, 2, into_id);
    e = store__step_done(s, st);
    if (e == ERR_OK)
        e = exec_id(s, sql_tag_unlink_all, from_id);
    if (e == ERR_OK)
        e = exec_id(s, sql_tag_delete, from_id);
    if (e == ERR_OK && db_changes(s) == 0)
        e = ERR_NOTFOUND;
    return e;
}

enum err store_dept_add(struct store *s, struct str name, struct str slug, int64_t *id)
{
    *id = 0;
    enum err e = name_check(s, name);
    if (e != ERR_OK)
        return e;
    if (slug.len > 0 && !store_slug_valid(slug))
        return ERR_INVALID;
    return ref_create(s, false, str_trim(name), slug, id);
}

enum err store_page_delete(struct store *s, struct str slug)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_page_delete, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, slug);
    e = store__step_done(s, st);
    if (e == ERR_OK && db_changes(s) == 0)
        e = ERR_NOTFOUND;
    return e;
}

static const char sql_gallery_state[] =
    "SELECT gallery_version, gallery_saved_by, gallery_saved_at FROM articles WHERE id = ?1";
static const char sql_gallery_claim[] =
    "UPDATE articles SET gallery_version = gallery_version + 1, gallery_saved_by = ?3, "
    "gallery_saved_at = ?4 WHERE id = ?1 AND gallery_version = ?2 RETURNING gallery_version";

enum err store_gallery_state(struct store *s, struct arena *a, int64_t article_id,
                             struct store_gallery_state *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_gallery_state, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        out->version = db_col_i64(st, 0);
        out->saved_by = store__col_str(a, st, 1);
        out->saved_at = db_col_i64(st, 2);
    } else {
        e = rc == DB_DONE ? ERR_NOTFOUND : store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

enum err store_gallery_claim(struct store *s, int64_t article_id, int64_t expected_version,
                             struct str user_name, int64_t now, int64_t *new_version)
{
    struct db_stmt *st;
    bool found;
    enum err e = store__prepare(s, sql_gallery_claim, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, article_id);
    db_bind_i64(st, 2, expected_version);
    db_bind_str(st, 3, user_name);
    db_bind_i64(st, 4, now);
    e = store__opt_i64(s, st, new_version, &found);
    if (e == ERR_OK && !found)
        e = ERR_CONFLICT;
    return e;
}
