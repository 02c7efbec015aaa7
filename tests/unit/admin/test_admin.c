/* test_admin.c: the workspace's pure parts (line diff, password policy and hashing,
 * login throttling, safe redirects) and its store functions (accounts, sessions,
 * throttling counts, audit log, saves with optimistic concurrency, revisions, galleries,
 * tags) on a temporary database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#include "admin/login.c"

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "store/accounts.h"
#include "store/editorial.h"
#include "store/sqlite_internal.h"

static void test_diff(void)
{
    struct arena *a = arena_new(4096);
    struct admin_diff_line *d;
    size_t n;

    admin__diff_lines(a, STR_LIT("a\nb\nc\nd"), STR_LIT("a\nB\nc\nd\ne"), &d, &n);
    CHECK(n == 6);
    CHECK(d[0].op == ADMIN_DIFF_SAME && str_eq_cstr(d[0].text, "a"));
    CHECK(d[1].op == ADMIN_DIFF_DEL && str_eq_cstr(d[1].text, "b"));
    CHECK(d[2].op == ADMIN_DIFF_ADD && str_eq_cstr(d[2].text, "B"));
    CHECK(d[3].op == ADMIN_DIFF_SAME && d[4].op == ADMIN_DIFF_SAME);
    CHECK(d[5].op == ADMIN_DIFF_ADD && str_eq_cstr(d[5].text, "e"));
    admin__diff_lines(a, STR_LIT("same\r\ntext"), STR_LIT("same\ntext"), &d, &n);
    CHECK(n == 2 && d[0].op == ADMIN_DIFF_SAME && d[1].op == ADMIN_DIFF_SAME);
    admin__diff_lines(a, STR_LIT(""), STR_LIT("new"), &d, &n);
    CHECK(n == 1 && d[0].op == ADMIN_DIFF_ADD);
    /* a middle too big for the table falls back to removed-then-added, still correct */
    size_t lines = 2500;
    char *x = malloc(lines * 8), *y = malloc(lines * 8);
    size_t nx = 0, ny = 0;
    for (size_t i = 0; i < lines; i++) {
        nx += (size_t)snprintf(x + nx, 8, "x%zu\n", i);
        ny += (size_t)snprintf(y + ny, 8, "y%zu\n", i);
    }
    admin__diff_lines(a, str_make(x, nx), str_make(y, ny), &d, &n);
    size_t adds = 0, dels = 0;
    for (size_t i = 0; i < n; i++)
        adds += d[i].op == ADMIN_DIFF_ADD, dels += d[i].op == ADMIN_DIFF_DEL;
    CHECK(adds == lines && dels == lines);
    free(x);
    free(y);
    arena_free(a);
}

static void test_passwords(void)
{
    char hash[ADMIN_PW_HASH_BYTES];
    CHECK(admin_password_check(STR_LIT("short")) != NULL);
    CHECK(admin_password_check(STR_LIT("довгий пароль")) == NULL); /* 13 characters */
    CHECK(admin_password_check(STR_LIT("пароль123")) != NULL);     /* 9 characters */
    CHECK(admin_password_hash(STR_LIT("correct horse battery"), hash) == ERR_OK);
    CHECK(strncmp(hash, "$argon2id$", 10) == 0);
    CHECK(strstr(hash, "m=19456,t=2") != NULL);
    CHECK(admin_password_verify(str_from_cstr(hash), STR_LIT("correct horse battery")));
    CHECK(!admin_password_verify(str_from_cstr(hash), STR_LIT("correct horse batterY")));
    CHECK(!admin_password_verify(STR_LIT(""), STR_LIT("x")));
}

static void test_throttle(void)
{
    struct store_login_counts c = {0};
    CHECK(admin_login_allowed(&c));
    c.pair_failures = ADMIN_MAX_FAILS_PER_PAIR;
    CHECK(!admin_login_allowed(&c));
    c.pair_failures = 0;
    c.ip_failures = ADMIN_MAX_FAILS_PER_IP;
    CHECK(!admin_login_allowed(&c));
    c.ip_failures = 0;
    c.account_failures = ADMIN_MAX_FAILS_PER_ACCOUNT;
    CHECK(!admin_login_allowed(&c)); /* a stranger's address: locked */
    c.known_ip = true;
    CHECK(admin_login_allowed(&c)); /* the real user's address stays open */
    c.pair_failures = ADMIN_MAX_FAILS_PER_PAIR;
    CHECK(!admin_login_allowed(&c)); /* but not for guessing from it */
}

static void test_safe_next(void)
{
    CHECK(str_eq_cstr(safe_next(STR_LIT("/admin/articles/3")), "/admin/articles/3"));
    CHECK(str_eq_cstr(safe_next(STR_LIT("//evil.example/admin")), "/admin"));
    CHECK(str_eq_cstr(safe_next(STR_LIT("https://evil.example")), "/admin"));
    CHECK(str_eq_cstr(safe_next(STR_LIT("/admin\\@evil")), "/admin"));
    CHECK(str_eq_cstr(safe_next(STR_LIT("/admin/login")), "/admin"));
    CHECK(str_eq_cstr(safe_next(STR_LIT("/admin\r\nSet-Cookie: x")), "/admin"));
}

static struct store *open_db(char *path)
{
    struct store *s = NULL;
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    CHECK(store_open(path, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, NULL, NULL) == ERR_OK);
    return s;
}

static void test_accounts(struct store *s, struct arena *a)
{
    int64_t id = 0, id2 = 0;
    struct store_user u;
    struct store_session ss;
    struct store_login_counts lc;
    int64_t now = utc_now();

    CHECK(store_user_add(s, STR_LIT("boss"), STORE_ROLE_ADMIN, STR_LIT("$argon2id$x"), &id) ==
          ERR_OK);
    CHECK(store_user_add(s, STR_LIT("boss"), STORE_ROLE_EDITOR, STR_LIT("h"), &id2) ==
          ERR_CONFLICT);
    CHECK(store_user_add(s, STR_LIT("Bad Name"), STORE_ROLE_EDITOR, STR_LIT("h"), &id2) ==
          ERR_INVALID);
    CHECK(store_user_by_name(s, a, STR_LIT("boss"), &u) == ERR_OK && u.role == STORE_ROLE_ADMIN);
    CHECK(store_session_create(s, STR_LIT("hash1"), id, STR_LIT("csrf1"), STR_LIT("1.2.3.4"),
                               now) == ERR_OK);
    CHECK(store_session_get(s, a, STR_LIT("hash1"), &ss) == ERR_OK && ss.user_id == id &&
          str_eq_cstr(ss.csrf, "csrf1"));
    /* a new password ends every session */
    CHECK(store_user_set_password(s, id, STR_LIT("$argon2id$y")) == ERR_OK);
    CHECK(store_session_get(s, a, STR_LIT("hash1"), &ss) == ERR_NOTFOUND);
    CHECK(store_session_create(s, STR_LIT("hash2"), id, STR_LIT("c"), STR_LIT(""), now - 7200) ==
          ERR_OK);
    CHECK(store_sessions_expire(s, now - 3600, now - 86400) == ERR_OK);
    CHECK(store_session_get(s, a, STR_LIT("hash2"), &ss) == ERR_NOTFOUND);
    CHECK(store_session_create(s, STR_LIT("hash3"), id, STR_LIT("c"), STR_LIT(""), now) == ERR_OK);
    CHECK(store_user_set_disabled(s, id, true) == ERR_OK);
    CHECK(store_session_get(s, a, STR_LIT("hash3"), &ss) == ERR_NOTFOUND);
    CHECK(store_user_set_role(s, 999, STORE_ROLE_AUTHOR) == ERR_NOTFOUND);

    for (int i = 0; i < 3; i++)
        CHECK(store_login_record(s, STR_LIT("boss"), STR_LIT("10.0.0.1"), false, now) == ERR_OK);
    CHECK(store_login_record(s, STR_LIT("boss"), STR_LIT("10.0.0.2"), false, now) == ERR_OK);
    CHECK(store_login_record(s, STR_LIT("boss"), STR_LIT("10.0.0.3"), true, now) == ERR_OK);
    CHECK(store_login_record(s, STR_LIT("other"), STR_LIT("10.0.0.1"), false, now) == ERR_OK);
    CHECK(store_login_counts(s, STR_LIT("boss"), STR_LIT("10.0.0.1"), now - 3600, now - 86400,
                             &lc) == ERR_OK);
    CHECK(lc.account_failures == 4 && lc.pair_failures == 3 && lc.ip_failures == 4 && !lc.known_ip);
    CHECK(store_login_counts(s, STR_LIT("boss"), STR_LIT("10.0.0.3"), now - 3600, now - 86400,
                             &lc) == ERR_OK);
    CHECK(lc.known_ip && lc.pair_failures == 0);
}

static void test_audit(struct store *s, struct arena *a)
{
    struct store_audit_entry *items;
    size_t n;
    bool more;
    int64_t now = utc_now();
    CHECK(store_audit_add(s, 1, STR_LIT("boss"), STR_LIT("::1"), 11, "article.publish",
                          STR_LIT("article:1"), STR_LIT("v2"), now) == ERR_OK);
    CHECK(store_audit_add(s, 1, STR_LIT("boss"), STR_LIT("::1"), 12, "login", STR_LIT("boss"),
                          STR_NULL, now) == ERR_OK);
    CHECK(store_audit_add(s, 0, STR_LIT("anon"), STR_LIT("::1"), 13, "login.failed", STR_LIT("x"),
                          STR_NULL, now) == ERR_OK);
    struct store_audit_query q = {.action = STR_LIT("login"), .limit = 10};
    CHECK(store_audit_list(s, a, &q, &items, &n, &more) == ERR_OK && n == 2 && !more);
    CHECK(str_eq_cstr(items[0].action, "login.failed")); /* newest first */
    CHECK(items[0].request_id == 13 && items[1].request_id == 12);
    q = (struct store_audit_query){.user_name = STR_LIT("boss"), .limit = 1};
    CHECK(store_audit_list(s, a, &q, &items, &n, &more) == ERR_OK && n == 1 && more);
    /* append-only: the schema refuses changes whoever asks */
    sqlite3 *db = store__db(s);
    CHECK(sqlite3_exec(db, "UPDATE audit_log SET action = 'x'", NULL, NULL, NULL) != SQLITE_OK);
    CHECK(sqlite3_exec(db, "DELETE FROM audit_log", NULL, NULL, NULL) != SQLITE_OK);
}

static void test_articles(struct store *s, struct arena *a)
{
    struct str depts[] = {STR_LIT("Департамент охорони здоров’я")};
    struct str tags[] = {STR_LIT("безпека"), STR_LIT("право")};
    struct store_article_input in = {.slug = STR_LIT("persha"),
                                     .title = STR_LIT("Перша"),
                                     .body_md = STR_LIT("один\nдва"),
                                     .published_at = utc_now() - 60,
                                     .status = STORE_DRAFT,
                                     .departments = depts,
                                     .n_departments = 1,
                                     .tags = tags,
                                     .n_tags = 2};
    int64_t id, v1, v2, id2, v;
    bool stale;
    struct store_article art;
    struct store_article_meta meta;
    struct str *rel;
    size_t nrel, n;
    struct store_revision *revs, r;

    CHECK(store_article_save(s, 0, 0, &in, 1, STR_LIT("boss"), &id, &v1, &stale) == ERR_OK);
    CHECK(id > 0 && v1 == 1);
    in.body_md = STR_LIT("один\nтри");
    in.status = STORE_PUBLISHED;
    CHECK(store_article_save(s, id, v1, &in, 1, STR_LIT("boss"), &id2, &v2, &stale) == ERR_OK);
    CHECK(id2 == id && v2 == 2);
    /* the second writer of version 1 is refused, not silently applied */
    in.body_md = STR_LIT("чужа правка");
    CHECK(store_article_save(s, id, v1, &in, 2, STR_LIT("ed"), &id2, &v, &stale) == ERR_CONFLICT);
    CHECK(stale);
    CHECK(store_article_admin_get(s, a, id, &art, &meta, &rel, &nrel) == ERR_OK);
    CHECK(str_eq_cstr(art.body_md, "один\nтри") && meta.version == 2 && art.n_tags == 2);
    CHECK(store_revisions_list(s, a, id, &revs, &n) == ERR_OK && n == 2 && revs[0].version == 2);
    CHECK(store_revision_get(s, a, id, 1, &r) == ERR_OK && str_eq_cstr(r.body_md, "один\nдва"));
    CHECK(str_eq_cstr(r.tags, "безпека\nправо"));
    /* another article may not take its slug */
    struct store_article_input other = in;
    other.title = STR_LIT("Друга");
    CHECK(store_article_save(s, 0, 0, &other, 1, STR_LIT("boss"), &id2, &v, &stale) ==
          ERR_CONFLICT);
    CHECK(!stale);
    /* an import (upsert) bumps the version too, so stale forms notice it */
    in.body_md = STR_LIT("з імпорту");
    CHECK(store_article_upsert(s, &in, &id2) == ERR_OK && id2 == id);
    CHECK(store_article_admin_get(s, a, id, &art, &meta, &rel, &nrel) == ERR_OK);
    CHECK(meta.version == 3);

    /* gallery */
    struct store_photo_input p = {.hash = STR_LIT("h1"), .width = 10, .height = 10};
    int64_t p1, p2, p3;
    CHECK(store_photo_append(s, id, &p, &p1) == ERR_OK);
    p.hash = STR_LIT("h2");
    CHECK(store_photo_append(s, id, &p, &p2) == ERR_OK);
    p.hash = STR_LIT("h3");
    CHECK(store_photo_append(s, id, &p, &p3) == ERR_OK);
    struct store_photo_edit ed[] = {
        {.id = p1, .order = 3, .caption = STR_LIT("перше")},
        {.id = p2, .order = 1, .remove = true},
        {.id = p3, .order = 2, .alt = STR_LIT("опис")},
    };
    CHECK(store_photos_arrange(s, id, ed, 3) == ERR_OK);
    CHECK(store_article_admin_get(s, a, id, &art, &meta, &rel, &nrel) == ERR_OK);
    CHECK(art.n_photos == 2 && art.photos[0].id == p3 && art.photos[1].id == p1);
    CHECK(str_eq_cstr(art.photos[1].caption, "перше") && str_eq_cstr(art.photos[0].alt, "опис"));

    /* scheduler: what became visible in a window */
    int64_t *ids;
    CHECK(store_articles_became_visible(s, a, utc_now() - 3600, utc_now(), &ids, &n) == ERR_OK);
    CHECK(n == 1 && ids[0] == id);

    /* tags: merge moves the articles */
    struct store_ref t1, t2;
    CHECK(store_tag_by_slug(s, a, STR_LIT("bezpeka"), &t1) == ERR_OK);
    CHECK(store_tag_by_slug(s, a, STR_LIT("pravo"), &t2) == ERR_OK);
    CHECK(store_tag_merge(s, t2.id, t1.id) == ERR_OK);
    CHECK(store_tag_by_slug(s, a, STR_LIT("pravo"), &t2) == ERR_NOTFOUND);
    CHECK(store_ref_rename(s, true, t1.id, STR_LIT("Безпека"), STR_LIT("bezpeka-2")) == ERR_OK);
    int64_t did;
    CHECK(store_dept_add(s, STR_LIT("Нове управління"), STR_NULL, &did) == ERR_OK);
    CHECK(store_dept_add(s, STR_LIT("Нове управління"), STR_NULL, &did) == ERR_CONFLICT);
}

int main(void)
{
    char path[] = "/tmp/visnyk-admin-test-XXXXXX";
    struct arena *a = arena_new(64 * 1024);
    test_diff();
    test_passwords();
    test_throttle();
    test_safe_next();
    struct store *s = open_db(path);
    if (s != NULL) {
        test_accounts(s, a);
        test_audit(s, a);
        test_articles(s, a);
        store_close(s);
    }
    unlink(path);
    char wal[64];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    arena_free(a);
    return check_done();
}
