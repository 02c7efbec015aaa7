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

int main(void)
{
    test_article_roundtrip();
    test_lists();
    test_related();
    test_months();
    test_pages();
    test_unpublished_refs();
    return check_done();
}
