/* test_store.c: the SQLite store against real database files in a temporary folder. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "core/kyiv_time.h"
#include "store/content.h"
#include "store/settings.h"

static struct store *fresh(const char *name);
#include "content_contract.h"

static char dir[] = "/tmp/visnyk-store-XXXXXX";
static char paths[16][512];
static int n_paths;

/* fresh opens a new migrated database file named name in the temporary folder. */
static struct store *fresh(const char *name)
{
    char *p = paths[n_paths++];
    snprintf(p, 512, "%s/%s.db", dir, name);
    struct store *s = NULL;
    CHECK(store_open(p, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, NULL, NULL) == ERR_OK);
    return s;
}

static void test_migrate(void)
{
    char *p = paths[n_paths++];
    snprintf(p, 512, "%s/migrate.db", dir);
    struct store *s = NULL, *r = NULL;
    /* A reader cannot open what does not exist, nor an unmigrated file. */
    CHECK(store_open(p, STORE_READ, &r) != ERR_OK);
    CHECK(store_open(p, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_open(p, STORE_READ, &r) == ERR_VERSION);
    int from = -1, to = -1;
    CHECK(store_migrate(s, &from, &to) == ERR_OK);
    CHECK(from == 0 && to == store_schema_version() && to >= 1);
    CHECK(store_migrate(s, &from, &to) == ERR_OK);
    CHECK(from == store_schema_version() && to == store_schema_version());
    CHECK(store_open(p, STORE_READ, &r) == ERR_OK);
    /* A reader is read-only. */
    CHECK(store_setting_set(r, "x", STR_LIT("y")) != ERR_OK);
    store_close(r);

    /* A database written by a newer binary is refused by both kinds of connection. */
    sqlite3 *db;
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(store_migrate(s, &from, &to) == ERR_VERSION);
    CHECK(from == 999);
    CHECK(strstr(store_errmsg(s), "newer") != NULL);
    r = NULL;
    CHECK(store_open(p, STORE_READ, &r) == ERR_VERSION);
    CHECK(r == NULL);
    store_close(s);
}

static void test_settings_version(void)
{
    struct store *s = fresh("settings");
    struct arena *a = arena_new(4096);
    struct str v;
    CHECK(store_setting_get(s, a, "site_name", &v) == ERR_NOTFOUND);
    CHECK(store_setting_set(s, "site_name", STR_LIT("Полтавська ОВА")) == ERR_OK);
    CHECK(store_setting_set(s, "site_name", STR_LIT("Полтавська обласна")) == ERR_OK);
    CHECK(store_setting_set(s, "empty", STR_LIT("")) == ERR_OK);
    CHECK(store_setting_get(s, a, "site_name", &v) == ERR_OK);
    CHECK_STR(v, "Полтавська обласна");
    CHECK(store_setting_get(s, a, "empty", &v) == ERR_OK);
    CHECK(v.len == 0);

    /* The change counter moves on another connection's commit and on our own. */
    struct store *r = NULL;
    CHECK(store_open(paths[n_paths - 1], STORE_READ, &r) == ERR_OK);
    int64_t v1, v2, v3, w1, w2;
    CHECK(store_change_counter(r, &v1) == ERR_OK);
    CHECK(store_change_counter(r, &v2) == ERR_OK);
    CHECK(v1 == v2);
    CHECK(store_change_counter(s, &w1) == ERR_OK);
    CHECK(store_setting_set(s, "phone", STR_LIT("123")) == ERR_OK);
    CHECK(store_change_counter(r, &v3) == ERR_OK);
    CHECK(v3 != v2);
    CHECK(store_change_counter(s, &w2) == ERR_OK);
    CHECK(w2 != w1);
    /* A reader transaction sees one snapshot. */
    CHECK(store_begin(r) == ERR_OK);
    CHECK(store_setting_get(r, a, "phone", &v) == ERR_OK);
    CHECK(store_setting_set(s, "phone", STR_LIT("456")) == ERR_OK);
    CHECK(store_setting_get(r, a, "phone", &v) == ERR_OK);
    CHECK_STR(v, "123");
    CHECK(store_commit(r) == ERR_OK);
    CHECK(store_setting_get(r, a, "phone", &v) == ERR_OK);
    CHECK_STR(v, "456");
    store_close(r);
    arena_free(a);
    store_close(s);
}

/* The link tables' copies of published_at and visibility follow a direct UPDATE of the
 * article (as the editor will do) through the trigger. */
static void test_link_sync(void)
{
    struct store *s = fresh("sync");
    struct arena *a = arena_new(4096);
    struct str tag = STR_LIT("тег");
    CHECK(put(s, "one", 1700000000, STORE_PUBLISHED, &tag, 1, &tag, 1, NULL) == ERR_OK);
    CHECK(put(s, "two", 1700000100, STORE_PUBLISHED, &tag, 1, NULL, 0, NULL) == ERR_OK);
    struct store_ref ref;
    CHECK(store_tag_by_slug(s, a, STR_LIT("teh"), &ref) == ERR_OK);
    CHECK(ref.count == 2);
    sqlite3 *db;
    CHECK(sqlite3_open(paths[n_paths - 1], &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE articles SET status = 'withdrawn' WHERE slug = 'two'", NULL,
                       NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE articles SET published_at = 1750000000 WHERE slug = 'one'", NULL,
                       NULL, NULL) == SQLITE_OK);
    CHECK(store_tag_by_slug(s, a, STR_LIT("teh"), &ref) == ERR_OK);
    CHECK(ref.count == 1);
    struct store_list_query q = {.limit = 10, .tag_id = ref.id};
    struct store_summary *items;
    size_t n;
    bool more;
    CHECK(store_article_list(s, a, &q, &items, &n, &more) == ERR_OK);
    CHECK(n == 1 && items[0].published_at == 1750000000);
    CHECK(sqlite3_exec(db, "UPDATE articles SET status = 'published' WHERE slug = 'two'", NULL,
                       NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(store_article_list(s, a, &q, &items, &n, &more) == ERR_OK);
    CHECK(n == 2 && items[1].published_at == 1700000100);
    CHECK(store_dept_by_slug(s, a, STR_LIT("teh"), &ref) == ERR_OK);
    q.tag_id = 0;
    q.dept_id = ref.id;
    CHECK(store_article_list(s, a, &q, &items, &n, &more) == ERR_OK);
    CHECK(n == 1 && items[0].published_at == 1750000000);
    arena_free(a);
    store_close(s);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_migrate();
    test_article_roundtrip();
    test_lists();
    test_related();
    test_months();
    test_pages();
    test_settings_version();
    test_link_sync();
    test_unpublished_refs();
    test_editorial();
    test_mail_articles();
    for (int i = 0; i < n_paths; i++) {
        const char *suffix[] = {"", "-wal", "-shm"};
        for (size_t k = 0; k < 3; k++) {
            char p[8200]; /* gcc bounds paths[i] by the whole array, not one row */
            snprintf(p, sizeof p, "%s%s", paths[i], suffix[k]);
            unlink(p);
        }
    }
    rmdir(dir);
    return check_done();
}
