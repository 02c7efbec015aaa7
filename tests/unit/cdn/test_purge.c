/* test_purge.c: the CDN purge queue (store/purge_sqlite.c) and the request the worker
 * builds (cdn/purge.c). The worker against a real HTTP server is in
 * tests/integration/test_cdn_varnish.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdn/purge.h"
#include "check.h"
#include "core/arena.h"
#include "store/purge.h"

static char dir[] = "/tmp/visnyk-purge-XXXXXX";

static struct store *open_db(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/t.db", dir);
    struct store *s = NULL;
    CHECK(store_open(p, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, NULL, NULL) == ERR_OK);
    return s;
}

static void test_queue(void)
{
    struct store *s = open_db();
    struct arena *a = arena_new(4096);
    struct store_purge_item *it;
    size_t n;
    int64_t at;

    CHECK(store_purge_next_due(s, &at) == ERR_NOTFOUND);
    CHECK(store_purge_claim(s, a, 1000, 10, &it, &n) == ERR_OK && n == 0);
    CHECK(store_purge_enqueue(s, STR_LIT(""), 1000) == ERR_INVALID);
    char big[STORE_PURGE_MAX_KEY_BYTES + 1];
    memset(big, 'k', sizeof big);
    CHECK(store_purge_enqueue(s, str_make(big, sizeof big), 1000) == ERR_INVALID);

    /* coalescing: a waiting key is not added twice */
    CHECK(store_purge_enqueue(s, STR_LIT("article:42"), 1000) == ERR_OK);
    CHECK(store_purge_enqueue(s, STR_LIT("list:news"), 1000) == ERR_OK);
    CHECK(store_purge_enqueue(s, STR_LIT("article:42"), 1001) == ERR_OK);
    CHECK(store_purge_claim(s, a, 1001, 10, &it, &n) == ERR_OK && n == 2);
    CHECK_STR(it[0].key, "article:42");
    CHECK_STR(it[1].key, "list:news");
    CHECK(it[0].attempts == 0);
    CHECK(store_purge_claim(s, a, 999, 10, &it, &n) == ERR_OK && n == 0); /* not due yet */
    CHECK(store_purge_claim(s, a, 1001, 1, &it, &n) == ERR_OK && n == 1); /* the limit */

    /* failure: backoff per key, the error kept */
    CHECK(store_purge_claim(s, a, 1001, 10, &it, &n) == ERR_OK && n == 2);
    CHECK(store_begin(s) == ERR_OK);
    for (size_t i = 0; i < n; i++)
        CHECK(store_purge_retry(s, &it[i], 1002, STR_LIT("connection refused")) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    CHECK(store_purge_next_due(s, &at) == ERR_OK && at == 1002);
    CHECK(store_purge_claim(s, a, 1001, 10, &it, &n) == ERR_OK && n == 0);
    CHECK(store_purge_claim(s, a, 1002, 10, &it, &n) == ERR_OK && n == 2);
    CHECK(it[0].attempts == 1 && it[1].attempts == 1);

    /* a key enqueued again while its purge was in flight stays, due at once */
    struct store_purge_item flying = it[0], other = it[1];
    CHECK(store_purge_enqueue(s, STR_LIT("article:42"), 1003) == ERR_OK);
    CHECK(store_purge_done(s, &flying, 1004) == ERR_OK);
    CHECK(store_purge_done(s, &other, 1004) == ERR_OK);
    CHECK(store_purge_claim(s, a, 1004, 10, &it, &n) == ERR_OK && n == 1);
    CHECK_STR(it[0].key, "article:42");
    CHECK(it[0].attempts == 0 && it[0].version != flying.version);
    CHECK(store_purge_done(s, &it[0], 1005) == ERR_OK);
    CHECK(store_purge_next_due(s, &at) == ERR_NOTFOUND);

    /* a restart rewinds the backoff */
    int64_t waiting = -1;
    CHECK(store_purge_enqueue(s, STR_LIT("tag:7"), 1000) == ERR_OK);
    CHECK(store_purge_claim(s, a, 1000, 10, &it, &n) == ERR_OK && n == 1);
    CHECK(store_purge_retry(s, &it[0], 1300, STR_LIT("http 503")) == ERR_OK);
    CHECK(store_purge_rewind(s, 1010, &waiting) == ERR_OK && waiting == 1);
    CHECK(store_purge_next_due(s, &at) == ERR_OK && at == 1010);

    arena_free(a);
    store_close(s);
}

static void test_wire(void)
{
    struct str keys[] = {STR_LIT("site"), STR_LIT("article:42"), STR_LIT("tag:7")};
    struct buf b;
    buf_init(&b, 4096);
    CHECK(cdn_purge_header(keys, 3, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "site article:42 tag:7");
    buf_reset(&b);
    CHECK(cdn_purge_body(keys, 3, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "{\"tags\":[\"site\",\"article:42\",\"tag:7\"]}");
    buf_reset(&b);
    CHECK(cdn_purge_body(keys, 0, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "{\"tags\":[]}");
    buf_free(&b);

    CHECK(cdn_purge_key_ok(STR_LIT("list:news")));
    CHECK(!cdn_purge_key_ok(STR_LIT("")));
    CHECK(!cdn_purge_key_ok(STR_LIT("a b")));
    CHECK(!cdn_purge_key_ok(STR_LIT("a,b")));
    CHECK(!cdn_purge_key_ok(STR_LIT("a\r\nX-Evil: 1")));
    CHECK(!cdn_purge_key_ok(STR_LIT("a\"b")));
    CHECK(!cdn_purge_key_ok(STR_LIT("тег")));

    CHECK(cdn_purge_backoff(1) == 1 && cdn_purge_backoff(2) == 2 && cdn_purge_backoff(3) == 4);
    CHECK(cdn_purge_backoff(9) == 256 && cdn_purge_backoff(10) == 300);
    CHECK(cdn_purge_backoff(1000) == 300);
}

/* The hook queues durably without a running worker (the CDN is down, or visnyk stops
 * before the worker ran): the keys are in the database for the next start. */
static void test_hook(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/t.db", dir);
    struct cdn_purge *cp = NULL;
    CHECK(cdn_purge_new(&(struct cdn_purge_config){.db_path = p, .url = NULL}, &cp) == ERR_INVALID);
    CHECK(cdn_purge_new(&(struct cdn_purge_config){.db_path = p,
                                                   .url = "http://127.0.0.1:9/_purge",
                                                   .auth = "Authorization: Bearer x"},
                        &cp) == ERR_OK);
    cdn_purge_key(cp, STR_LIT("page:3"));
    cdn_purge_key(cp, STR_LIT("page:3"));
    cdn_purge_key(cp, STR_LIT("bad key"));
    cdn_purge_free(cp);

    struct store *s = open_db();
    struct arena *a = arena_new(4096);
    struct store_purge_item *it;
    size_t n;
    CHECK(store_purge_claim(s, a, INT64_MAX, 10, &it, &n) == ERR_OK);
    int page = 0, site = 0;
    for (size_t i = 0; i < n; i++) {
        page += str_eq_cstr(it[i].key, "page:3");
        site += str_eq_cstr(it[i].key, "site");
    }
    CHECK(page == 1 && site == 1); /* coalesced; the bad key became "site" */
    arena_free(a);
    store_close(s);
}

int main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    test_queue();
    test_wire();
    test_hook();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return check_done();
}
