/* test_content_pg.c: the readers' content queries and the import's writes (content.h)
 * on a real PostgreSQL, held to the contract SQLite is held to (content_contract.h,
 * which test_store.c runs on SQLite): articles with tags, departments, photos and the
 * editors' related choices read back by slug and id, lists in order with keyset paging
 * by tag and department, counts, the page before, neighbours, related order, tags and
 * departments with counts in Ukrainian order, archive months, pages, and the visibility
 * rule for scheduled, draft and withdrawn articles. Each test gets a database of its
 * own in the throwaway cluster pg_virtualenv starts (cmake/tests.cmake); libpq takes
 * the host, port and user from the PG* variables it sets. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "store/content.h"
#include "store/db.h"
#include "store/db_pg.h"
#include "store/store.h"

static struct store *fresh(const char *name);
#include "content_contract.h"

/* fresh creates the database content_<name> and opens and migrates it. The name is
 * one of the contract's literals: a database's name is an identifier, which no
 * parameter can carry. */
static struct store *fresh(const char *name)
{
    char msg[256] = "", sql[128], url[128];
    struct db_pg *db = NULL;
    struct store *s = NULL;
    snprintf(sql, sizeof sql, "CREATE DATABASE content_%s", name);
    snprintf(url, sizeof url, "postgresql:///content_%s", name);
    enum err e = db_pg_connect("postgresql:///", &db, msg, sizeof msg);
    if (e == ERR_OK)
        e = db_pg_exec(db, sql);
    if (e == ERR_OK)
        e = store_open(url, STORE_WRITE, &s);
    if (e == ERR_OK)
        e = store_migrate(s, NULL, NULL);
    CHECK(e == ERR_OK);
    if (e != ERR_OK) {
        /* the contract's tests cannot go on without their store */
        fprintf(stderr, "no PostgreSQL database %s (run under pg_virtualenv): %s\n", url,
                s != NULL    ? store_errmsg(s)
                : db != NULL ? db_pg_errmsg(db)
                             : msg);
        exit(1);
    }
    db_pg_close(db);
    return s;
}

static const char sql_withdraw[] = "UPDATE articles SET status = 'withdrawn' WHERE slug = 'two'";
static const char sql_move[] = "UPDATE articles SET published_at = 1750000000 WHERE slug = 'one'";
static const char sql_republish[] = "UPDATE articles SET status = 'published' WHERE slug = 'two'";

static enum err run(struct store *s, const char *sql)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    return store__step_done(s, st);
}

/* The link tables' copies of published_at and visibility follow a direct UPDATE of the
 * article through the plpgsql trigger (test_store.c's test_link_sync on SQLite). */
static void link_sync(void)
{
    struct store *s = fresh("sync");
    struct arena *a = arena_new(4096);
    struct str tag = STR_LIT("тег");
    CHECK(put(s, "one", 1700000000, STORE_PUBLISHED, &tag, 1, &tag, 1, NULL) == ERR_OK);
    CHECK(put(s, "two", 1700000100, STORE_PUBLISHED, &tag, 1, NULL, 0, NULL) == ERR_OK);
    struct store_ref ref;
    CHECK(store_tag_by_slug(s, a, STR_LIT("teh"), &ref) == ERR_OK);
    CHECK(ref.count == 2);
    CHECK(run(s, sql_withdraw) == ERR_OK);
    CHECK(run(s, sql_move) == ERR_OK);
    CHECK(store_tag_by_slug(s, a, STR_LIT("teh"), &ref) == ERR_OK);
    CHECK(ref.count == 1);
    struct store_list_query q = {.limit = 10, .tag_id = ref.id};
    struct store_summary *items;
    size_t n;
    bool more;
    CHECK(store_article_list(s, a, &q, &items, &n, &more) == ERR_OK);
    CHECK(n == 1 && items[0].published_at == 1750000000);
    CHECK(run(s, sql_republish) == ERR_OK);
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
    test_article_roundtrip();
    test_lists();
    test_related();
    test_months();
    test_pages();
    test_unpublished_refs();
    test_editorial();
    test_mail_articles();
    link_sync();
    return check_done();
}
