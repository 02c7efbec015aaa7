/* test_backup.c: store_backup_to (a consistent, self-contained copy taken while the
 * source stays open), store_check (a sound copy has no problems; a broken reference is
 * named) and store_media_refs, on real database files in a temporary folder. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "core/kyiv_time.h"
#include "store/content.h"
#include "store/maintenance.h"

static char dir[] = "/tmp/visnyk-backup-XXXXXX";

static void path_of(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static void put(struct store *s, const char *slug, const char *photo_hash)
{
    struct store_photo_input photo = {str_from_cstr(photo_hash), 800, 600, STR_LIT("підпис"),
                                      STR_LIT("опис")};
    struct store_article_input in = {
        .slug = str_from_cstr(slug),
        .title = STR_LIT("Резервна копія"),
        .lead = STR_LIT("lead"),
        .body_md = STR_LIT("body"),
        .published_at = kyiv_to_utc(2024, 8, 1, 16, 51, 0),
        .status = STORE_PUBLISHED,
        .photos = photo_hash != NULL ? &photo : NULL,
        .n_photos = photo_hash != NULL ? 1 : 0,
    };
    int64_t id;
    CHECK(store_article_upsert(s, &in, &id) == ERR_OK);
}

static void query_text(const char *db_path, const char *sql, char *out, size_t n)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    out[0] = '\0';
    CHECK(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    char src[512], copy[512], text[64];
    path_of(src, sizeof src, "site.db");
    path_of(copy, sizeof copy, "copy.db");
    struct store *s = NULL;
    CHECK(store_open(src, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, NULL, NULL) == ERR_OK);
    put(s, "persha", "aaaa");
    put(s, "druha", "bbbb");
    put(s, "tretia", "aaaa"); /* the same photo twice: one media reference */

    CHECK(store_backup_to(s, copy) == ERR_OK);
    /* a second backup to the same file refuses rather than overwrite */
    CHECK(store_backup_to(s, copy) == ERR_CONFLICT);
    /* a write after the backup is not in it; the source goes on working */
    put(s, "pislia", NULL);

    /* the copy is one self-contained file, not WAL (no -wal beside it needed) */
    query_text(copy, "PRAGMA journal_mode", text, sizeof text);
    CHECK(strcmp(text, "delete") == 0);
    query_text(copy, "SELECT count(*) FROM articles", text, sizeof text);
    CHECK(strcmp(text, "3") == 0);
    query_text(src, "SELECT count(*) FROM articles", text, sizeof text);
    CHECK(strcmp(text, "4") == 0);

    struct arena *a = arena_new(4096);
    struct store *c = NULL;
    CHECK(store_open(copy, STORE_READ, &c) == ERR_OK);
    struct store_article art;
    CHECK(store_article_by_slug(c, a, STR_LIT("druha"), &art) == ERR_OK);
    CHECK(str_eq_cstr(art.title, "Резервна копія"));
    struct str *problems;
    size_t n;
    CHECK(store_check(c, a, &problems, &n) == ERR_OK && n == 0);
    struct store_media_ref *refs;
    CHECK(store_media_refs(c, a, &refs, &n) == ERR_OK && n == 2);
    CHECK(n == 2 && str_eq_cstr(refs[0].hash, "aaaa") && str_eq_cstr(refs[1].hash, "bbbb"));
    CHECK(n == 2 && refs[0].width == 800);
    store_close(c);

    /* a row pointing at nothing (written with foreign keys off) is a named problem */
    sqlite3 *db;
    CHECK(sqlite3_open(copy, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "PRAGMA foreign_keys = OFF; "
                       "INSERT INTO article_tags (article_id, tag_id, pos, published_at, visible) "
                       "VALUES (999, 999, 0, 0, 1)",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(store_open(copy, STORE_READ, &c) == ERR_OK);
    CHECK(store_check(c, a, &problems, &n) == ERR_OK && n >= 1);
    if (n >= 1)
        CHECK(str_find(problems[0], STR_LIT("article_tags")) != SIZE_MAX);
    store_close(c);

    /* a backup to a folder that does not exist fails and leaves nothing behind */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/no/such/dir.db", dir);
    CHECK(store_backup_to(s, bad) != ERR_OK);
    CHECK(access(bad, F_OK) != 0);

    store_close(s);
    arena_free(a);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_done();
}
