/* test_attachments.c: documents attached to articles (migration 6): append with its
 * checks and limit, order, rename, removal that keeps the row, lookup by hash preferring
 * a visible article, the references `visnyk check` reads, and that an article holding
 * documents cannot be deleted. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "core/kyiv_time.h"
#include "store/attachments.h"
#include "store/content.h"

static const char H1[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char H2[] = "2222222222222222222222222222222222222222222222222222222222222222";
static const char H3[] = "3333333333333333333333333333333333333333333333333333333333333333";

static int64_t article(struct store *s, const char *slug, enum store_status st, int64_t at)
{
    struct store_article_input in = {.slug = str_from_cstr(slug),
                                     .title = str_from_cstr(slug),
                                     .published_at = at,
                                     .status = st};
    int64_t id = 0;
    CHECK(store_article_upsert(s, &in, &id) == ERR_OK);
    return id;
}

static enum err add(struct store *s, int64_t art, const char *hash, const char *title,
                    int64_t bytes, int64_t *id)
{
    struct store_attachment_input in = {.hash = str_from_cstr(hash),
                                        .title = str_from_cstr(title),
                                        .mime = STR_LIT("application/pdf"),
                                        .bytes = bytes,
                                        .pages = 3,
                                        .created_by = 0};
    int64_t dummy;
    return store_attachment_append(s, art, &in, id != NULL ? id : &dummy);
}

int main(void)
{
    char dir[] = "/tmp/visnyk-att-XXXXXX", path[256];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.db", dir);
    struct store *s = NULL;
    struct arena *a = arena_new(64 * 1024);
    CHECK(store_open(path, STORE_WRITE, &s) == ERR_OK);
    int from = 0, to = 0;
    CHECK(store_migrate(s, &from, &to) == ERR_OK);
    CHECK(to >= 6);

    int64_t now = utc_now();
    int64_t pub = article(s, "published", STORE_PUBLISHED, now - 100);
    int64_t draft = article(s, "draft", STORE_DRAFT, now - 100);
    int64_t d1, d2, d3;
    CHECK(add(s, pub, H1, "Рішення № 1", 1234, &d1) == ERR_OK);
    CHECK(add(s, pub, H2, "План", 99, &d2) == ERR_OK);
    CHECK(add(s, pub, H3, "Звіт", 5000, &d3) == ERR_OK);
    /* checks */
    CHECK(add(s, pub, "../../etc/passwd", "x", 1, NULL) == ERR_INVALID);
    CHECK(add(s, pub, H1, "", 1, NULL) == ERR_INVALID);
    CHECK(add(s, pub, H1, "x", 0, NULL) == ERR_INVALID);
    CHECK(add(s, pub, H1, "bad \xff", 1, NULL) == ERR_INVALID);
    CHECK(add(s, 999999, H1, "x", 1, NULL) == ERR_NOTFOUND);
    char longt[600];
    memset(longt, 'a', sizeof longt - 1);
    longt[sizeof longt - 1] = '\0';
    CHECK(add(s, pub, H1, longt, 1, NULL) == ERR_TOO_LARGE);

    struct store_attachment *items;
    size_t n;
    CHECK(store_attachments_of(s, a, pub, &items, &n) == ERR_OK);
    CHECK(n == 3);
    if (n == 3) {
        CHECK_STR(items[0].title, "Рішення № 1");
        CHECK_STR(items[0].hash, H1);
        CHECK_STR(items[0].mime, "application/pdf");
        CHECK(items[0].bytes == 1234 && items[0].pages == 3);
        CHECK(items[1].id == d2 && items[2].id == d3);
    }

    /* rename the second, move the third first, remove the first */
    struct store_attachment_edit ed[3] = {
        {.id = d1, .order = 1, .remove = true},
        {.id = d2, .order = 5, .title = STR_LIT("План на 2025 рік")},
        {.id = d3, .order = 2},
    };
    CHECK(store_begin(s) == ERR_OK);
    CHECK(store_attachments_arrange(s, pub, ed, 3) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    CHECK(store_attachments_of(s, a, pub, &items, &n) == ERR_OK);
    CHECK(n == 2);
    if (n == 2) {
        CHECK(items[0].id == d3 && items[1].id == d2);
        CHECK_STR(items[1].title, "План на 2025 рік");
    }
    struct store_attachment_edit tl = {.id = d2, .order = 1, .title = {longt, 600 - 1}};
    CHECK(store_attachments_arrange(s, pub, &tl, 1) == ERR_TOO_LARGE);
    CHECK(store_attachments_arrange(s, 999999, NULL, 0) == ERR_NOTFOUND);

    /* the removed row stays (never lost) but is not served */
    struct store_attachment one;
    CHECK(store_attachment_by_hash(s, a, str_from_cstr(H1), &one) == ERR_NOTFOUND);
    CHECK(store_attachment_by_hash(s, a, STR_LIT("zz"), &one) == ERR_NOTFOUND);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(db, "SELECT count(*) FROM article_attachments WHERE removed_at > 0",
                             -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
    sqlite3_finalize(st);

    /* the same file in a draft with another title: the published article's title wins */
    CHECK(add(s, draft, H2, "Чернетка", 99, NULL) == ERR_OK);
    CHECK(store_attachment_by_hash(s, a, str_from_cstr(H2), &one) == ERR_OK);
    CHECK(one.article_id == pub);
    CHECK_STR(one.title, "План на 2025 рік");
    /* withdrawn: the documents stay listed for the editor and reachable by link */
    struct store_article_input w = {.slug = STR_LIT("published"),
                                    .title = STR_LIT("published"),
                                    .published_at = now - 100,
                                    .status = STORE_WITHDRAWN};
    int64_t wid;
    CHECK(store_article_upsert(s, &w, &wid) == ERR_OK && wid == pub);
    CHECK(store_attachments_of(s, a, pub, &items, &n) == ERR_OK && n == 2);
    CHECK(store_attachment_by_hash(s, a, str_from_cstr(H3), &one) == ERR_OK);
    CHECK(store_attachment_by_hash(s, a, str_from_cstr(H2), &one) == ERR_OK);
    CHECK(one.article_id == pub); /* neither visible now: the oldest row */

    /* references for `visnyk check`: live rows only, distinct, in hash order */
    CHECK(store_attachment_refs(s, a, &items, &n) == ERR_OK);
    CHECK(n == 2);
    if (n == 2) {
        CHECK_STR(items[0].hash, H2);
        CHECK_STR(items[1].hash, H3);
        CHECK(items[1].bytes == 5000);
    }

    /* an article with documents cannot be deleted by accident */
    char *errmsg = NULL;
    CHECK(sqlite3_exec(db,
                       "PRAGMA foreign_keys = ON; DELETE FROM articles WHERE slug = 'published'",
                       NULL, NULL, &errmsg) != SQLITE_OK);
    sqlite3_free(errmsg);
    sqlite3_close(db);

    /* the per-article limit */
    int64_t many = article(s, "many", STORE_DRAFT, now);
    enum err e = ERR_OK;
    for (int i = 0; i < STORE_MAX_ATTACHMENTS && e == ERR_OK; i++)
        e = add(s, many, H1, "x", 1, NULL);
    CHECK(e == ERR_OK);
    CHECK(add(s, many, H1, "x", 1, NULL) == ERR_TOO_LARGE);

    store_close(s);
    arena_free(a);
    char side[300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
    return check_done();
}
