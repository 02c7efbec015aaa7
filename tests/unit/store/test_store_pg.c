/* test_store_pg.c: store.h's connection on a real PostgreSQL (store_pg.c,
 * migrations_pg.c): a postgresql:// URL opens it, the schema migrates once (and again
 * without change), readers check the version, transactions commit and roll back, the
 * change counter follows other connections' commits; then the engine-neutral feature
 * files run unchanged against it (settings, accounts and sessions, the audit log and its
 * hash chain, subscribers and the outbox, workflow notices, side texts, presence).
 * cmake/tests.cmake runs it under pg_virtualenv, which starts a throwaway cluster and
 * sets the PG* variables libpq reads; the URL names no host, so they fill it in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "store/accounts.h"
#include "store/content.h"
#include "store/db.h"
#include "store/db_pg.h"
#include "store/mail.h"
#include "store/presence.h"
#include "store/preview.h"
#include "store/purge.h"
#include "store/settings.h"
#include "store/sidetext.h"
#include "store/store.h"
#include "store/workflow.h"

#define NOW 1760000000

static const char sql_article[] =
    "INSERT INTO articles (slug, title, status, published_at, created_at, updated_at) "
    "VALUES (?1, ?2, 'draft', 0, ?3, ?3) RETURNING id";
static const char sql_audit_update[] = "UPDATE audit_log SET detail = 'changed'";
static const char sql_audit_delete[] = "DELETE FROM audit_log";
static const char sql_tag[] = "INSERT INTO tags (slug, name) VALUES ('osvita', 'Освіта') "
                              "RETURNING id";
static const char sql_publish[] =
    "UPDATE articles SET status = 'published', published_at = ?1 WHERE slug = 'povidomlennia'";
static const char sql_rename[] = "UPDATE articles SET slug = 'novyna' WHERE slug = 'povidomlennia'";
static const char sql_not_null[] = "INSERT INTO settings (key, value) VALUES ('broken', NULL)";
static const char sql_set_version[] = "UPDATE schema_version SET version = ?1";
static const char sql_version[] = "SELECT version FROM schema_version";
static const char sql_count_settings[] = "SELECT count(*) FROM settings";
static const char sql_title_update[] = "UPDATE articles SET title = ?2 WHERE id = ?1";
static const char sql_article_version[] = "SELECT version FROM articles WHERE id = ?1";
static const char sql_order_uk[] =
    "SELECT string_agg(name, ' ' ORDER BY name COLLATE uk) FROM (VALUES ('ґава'), ('Дім'), "
    "('гора'), ('їжак'), ('іній'), ('и')) AS v (name)";

static const char *url(void)
{
    const char *u = getenv("VISNYK_TEST_PG");
    return u != NULL ? u : "postgresql:///";
}

static int64_t one(struct store *s, const char *sql, int64_t arg)
{
    struct db_stmt *st;
    int64_t v = -1;
    if (store__prepare(s, sql, &st) != ERR_OK)
        return -1;
    if (arg != 0)
        db_bind_i64(st, 1, arg);
    if (store__one_i64(s, st, &v) != ERR_OK)
        return -1;
    return v;
}

static enum err run(struct store *s, const char *sql)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql, &st);
    if (e != ERR_OK)
        return e;
    return store__step_done(s, st);
}

static int64_t article_add(struct store *s, const char *slug)
{
    struct db_stmt *st;
    int64_t id = 0;
    if (store__prepare(s, sql_article, &st) != ERR_OK)
        return 0;
    db_bind_cstr(st, 1, slug);
    db_bind_cstr(st, 2, "Заголовок");
    db_bind_i64(st, 3, NOW);
    if (store__opt_i64(s, st, &id, NULL) != ERR_OK)
        return 0;
    return id;
}

static void connection(void)
{
    CHECK(store_is_postgresql("postgresql://u@h/db") && store_is_postgresql("postgres:///x"));
    CHECK(!store_is_postgresql("visnyk.db") && !store_is_postgresql("/srv/postgresql.db"));

    /* a fresh database: readers refuse it until it is migrated */
    struct store *r = NULL;
    CHECK(store_open(url(), STORE_READ, &r) == ERR_VERSION && r == NULL);
    struct store *bad = NULL;
    CHECK(store_open("postgresql://nobody@127.0.0.1:1/none", STORE_WRITE, &bad) == ERR_IO);
    CHECK(bad == NULL);
}

static void migrate(struct store *w)
{
    int from = -1, to = -1;
    CHECK(store_migrate(w, &from, &to) == ERR_OK);
    CHECK(from == 0 && to == store_schema_version());
    from = to = -1;
    CHECK(store_migrate(w, &from, &to) == ERR_OK); /* idempotent */
    CHECK(from == store_schema_version() && to == store_schema_version());
    CHECK(one(w, sql_version, 0) == store_schema_version());

    struct store *r = NULL;
    CHECK(store_open(url(), STORE_READ, &r) == ERR_OK);
    CHECK(r != NULL && store_ping(r) == ERR_OK);
    /* a read connection refuses writes, as SQLite's query_only */
    CHECK(r != NULL && store_setting_set(r, "site_name", STR_LIT("x")) == ERR_DB);
    store_close(r);

    /* a database newer than the binary, or older: readers refuse it, and so does
     * store_migrate when it is newer */
    struct db_stmt *st;
    CHECK(store__prepare(w, sql_set_version, &st) == ERR_OK);
    db_bind_i64(st, 1, store_schema_version() + 1);
    CHECK(store__step_done(w, st) == ERR_OK);
    r = NULL;
    CHECK(store_open(url(), STORE_READ, &r) == ERR_VERSION && r == NULL);
    CHECK(store_migrate(w, &from, &to) == ERR_VERSION);
    CHECK(from == store_schema_version() + 1 && to == from);
    CHECK(strstr(store_errmsg(w), "newer") != NULL);
    CHECK(store__prepare(w, sql_set_version, &st) == ERR_OK);
    db_bind_i64(st, 1, store_schema_version());
    CHECK(store__step_done(w, st) == ERR_OK);
}

static void transactions(struct store *w)
{
    struct arena *a = arena_new(4096);
    struct str v;
    CHECK(!store_in_transaction(w));
    CHECK(store_begin(w) == ERR_OK && store_in_transaction(w));
    CHECK(store_setting_set(w, "site_name", STR_LIT("Вісник")) == ERR_OK);
    store_rollback(w);
    CHECK(!store_in_transaction(w));
    CHECK(store_setting_get(w, a, "site_name", &v) == ERR_NOTFOUND);
    CHECK(one(w, sql_count_settings, 0) == 0);

    CHECK(store_begin(w) == ERR_OK);
    CHECK(store_setting_set(w, "site_name", STR_LIT("Вісник громади")) == ERR_OK);
    CHECK(store_commit(w) == ERR_OK && !store_in_transaction(w));
    CHECK(store_setting_get(w, a, "site_name", &v) == ERR_OK);
    CHECK_STR(v, "Вісник громади");

    /* a transaction in which a statement failed does not commit what came before */
    CHECK(store_begin(w) == ERR_OK);
    CHECK(store_setting_set(w, "tagline", STR_LIT("до відкату")) == ERR_OK);
    CHECK(run(w, sql_not_null) == ERR_CONFLICT);
    CHECK(store_commit(w) == ERR_DB && !store_in_transaction(w));
    CHECK(store_setting_get(w, a, "tagline", &v) == ERR_NOTFOUND);

    /* settings.c: several in one statement */
    CHECK(store_setting_set(w, "tagline", STR_LIT("новини")) == ERR_OK);
    const char *keys[] = {"site_name", "nothing", "tagline"};
    struct str vals[3];
    CHECK(store_settings_load(w, a, keys, 3, vals) == ERR_OK);
    CHECK_STR(vals[0], "Вісник громади");
    CHECK(vals[1].ptr == NULL);
    CHECK_STR(vals[2], "новини");
    arena_free(a);
}

static void change_counter(struct store *w)
{
    struct store *r = NULL;
    CHECK(store_open(url(), STORE_READ, &r) == ERR_OK);
    if (r == NULL)
        return;
    int64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    CHECK(store_change_counter(r, &c0) == ERR_OK);
    CHECK(store_change_counter(r, &c1) == ERR_OK && c1 == c0); /* nothing committed */
    CHECK(store_setting_set(w, "footer", STR_LIT("1")) == ERR_OK);
    CHECK(store_change_counter(r, &c2) == ERR_OK && c2 != c1);

    /* a read transaction is one snapshot: another connection's commit is not seen in it
     * (nor by its counter), and is after it */
    struct arena *a = arena_new(4096);
    struct str v;
    CHECK(store_begin(r) == ERR_OK);
    CHECK(store_setting_get(r, a, "footer", &v) == ERR_OK);
    CHECK_STR(v, "1");
    CHECK(store_setting_set(w, "footer", STR_LIT("2")) == ERR_OK);
    CHECK(store_setting_get(r, a, "footer", &v) == ERR_OK);
    CHECK_STR(v, "1");
    CHECK(store_change_counter(r, &c3) == ERR_OK && c3 == c2);
    CHECK(store_commit(r) == ERR_OK);
    CHECK(store_setting_get(r, a, "footer", &v) == ERR_OK);
    CHECK_STR(v, "2");
    CHECK(store_change_counter(r, &c3) == ERR_OK && c3 != c2);

    /* Two writers: w writes first, w2 (autocommit) after it and commits first. w's
     * commit must still move the counter, though a younger transaction already ended
     * (the snapshot's xmax alone would not move). */
    struct store *w2 = NULL;
    CHECK(store_open(url(), STORE_WRITE, &w2) == ERR_OK);
    if (w2 != NULL) {
        CHECK(store_begin(w) == ERR_OK);
        CHECK(store_setting_set(w, "footer", STR_LIT("3")) == ERR_OK);
        CHECK(store_setting_set(w2, "header", STR_LIT("1")) == ERR_OK);
        CHECK(store_change_counter(r, &c0) == ERR_OK);
        /* writers are serialised: a second one waits, then gives up (5 s) */
        CHECK(store_begin(w2) == ERR_BUSY && !store_in_transaction(w2));
        CHECK(store_commit(w) == ERR_OK);
        CHECK(store_change_counter(r, &c1) == ERR_OK && c1 != c0);
        CHECK(store_begin(w2) == ERR_OK && store_commit(w2) == ERR_OK);
        store_close(w2);
    }
    store_close(r);
    arena_free(a);
}

static void accounts(struct store *w)
{
    struct arena *a = arena_new(4096);
    int64_t id = 0, id2 = 0;
    CHECK(store_user_add(w, STR_LIT("olena"), STORE_ROLE_EDITOR, STR_LIT("$argon2id$x"), &id) ==
          ERR_OK);
    CHECK(id > 0);
    CHECK(store_user_add(w, STR_LIT("olena"), STORE_ROLE_ADMIN, STR_LIT("$argon2id$y"), &id2) ==
          ERR_CONFLICT);
    CHECK(store_user_add(w, STR_LIT("taras"), STORE_ROLE_AUTHOR, STR_LIT("$argon2id$z"), &id2) ==
          ERR_OK);
    CHECK(id2 > id);
    struct store_user u;
    CHECK(store_user_by_name(w, a, STR_LIT("olena"), &u) == ERR_OK);
    CHECK(u.id == id && u.role == STORE_ROLE_EDITOR && !u.disabled);
    CHECK_STR(u.pw_hash, "$argon2id$x");
    CHECK(store_user_by_name(w, a, STR_LIT("nobody"), &u) == ERR_NOTFOUND);
    CHECK(store_user_set_role(w, id2, STORE_ROLE_EDITOR) == ERR_OK);
    CHECK(store_user_set_role(w, 999999, STORE_ROLE_EDITOR) == ERR_NOTFOUND);
    struct store_user *all;
    size_t n = 0;
    CHECK(store_users_all(w, a, &all, &n) == ERR_OK && n == 2);

    CHECK(store_session_create(w, STR_LIT("tokhash"), id, STR_LIT("csrf1"), STR_LIT("10.0.0.1"),
                               NOW) == ERR_OK);
    struct store_session sess;
    CHECK(store_session_get(w, a, STR_LIT("tokhash"), &sess) == ERR_OK);
    CHECK(sess.user_id == id && sess.created_at == NOW);
    CHECK_STR(sess.csrf, "csrf1");
    CHECK(store_session_touch(w, STR_LIT("tokhash"), NOW + 60) == ERR_OK);
    CHECK(store_session_get(w, a, STR_LIT("tokhash"), &sess) == ERR_OK &&
          sess.last_seen == NOW + 60);
    /* a new password ends the user's sessions */
    CHECK(store_user_set_password(w, id, STR_LIT("$argon2id$new")) == ERR_OK);
    CHECK(store_session_get(w, a, STR_LIT("tokhash"), &sess) == ERR_NOTFOUND);

    CHECK(store_login_record(w, STR_LIT("olena"), STR_LIT("10.0.0.1"), false, NOW) == ERR_OK);
    CHECK(store_login_record(w, STR_LIT("olena"), STR_LIT("10.0.0.2"), false, NOW) == ERR_OK);
    CHECK(store_login_record(w, STR_LIT("olena"), STR_LIT("10.0.0.1"), true, NOW + 1) == ERR_OK);
    struct store_login_counts lc;
    CHECK(store_login_counts(w, STR_LIT("olena"), STR_LIT("10.0.0.1"), NOW - 10, NOW - 10, &lc) ==
          ERR_OK);
    CHECK(lc.account_failures == 2 && lc.pair_failures == 1 && lc.ip_failures == 1);
    CHECK(lc.known_ip);

    /* the audit log: appended with its hash chain, which the C check recomputes */
    CHECK(store_audit_add(w, id, STR_LIT("olena"), STR_LIT("10.0.0.1"), 0, "user.login",
                          STR_LIT(""), STR_LIT(""), NOW) == ERR_OK);
    CHECK(store_audit_add(w, id, STR_LIT("olena"), STR_LIT("10.0.0.1"), 42, "article.save",
                          STR_LIT("стаття 1"), STR_LIT("заголовок: «Новини»"), NOW + 1) == ERR_OK);
    CHECK(store_audit_add(w, 0, STR_LIT(""), STR_LIT(""), 0, "key.rotate", STR_LIT(""), STR_LIT(""),
                          NOW + 2) == ERR_OK);
    struct store_audit_query q = {.action = STR_LIT("article."), .limit = 10};
    struct store_audit_entry *items;
    bool more = true;
    CHECK(store_audit_list(w, a, &q, &items, &n, &more) == ERR_OK);
    CHECK(n == 1 && !more);
    if (n == 1) {
        CHECK(items[0].request_id == 42 && items[0].user_id == id);
        CHECK_STR(items[0].detail, "заголовок: «Новини»");
    }
    struct store_audit_check chk;
    CHECK(store_audit_chain_check(w, &chk) == ERR_OK);
    CHECK(chk.ok && chk.entries == 3);
    /* append-only, whoever asks: refused as SQLite's trigger refuses (a conflict) */
    CHECK(run(w, sql_audit_update) == ERR_CONFLICT);
    CHECK(strstr(store_errmsg(w), "append-only") != NULL);
    CHECK(run(w, sql_audit_delete) == ERR_CONFLICT);
    CHECK(store_audit_list(w, a, &(struct store_audit_query){.limit = 10}, &items, &n, &more) ==
              ERR_OK &&
          n == 3);
    arena_free(a);
}

static void mail(struct store *w)
{
    struct arena *a = arena_new(4096);
    int64_t id = 0, other = 0;
    CHECK(store_subscriber_insert(w, STR_LIT("reader@example.org"), STR_LIT("key1"), false, NOW,
                                  &id) == ERR_OK);
    CHECK(id > 0);
    CHECK(store_subscriber_insert(w, STR_LIT("reader@example.org"), STR_LIT("key2"), true, NOW,
                                  &other) == ERR_CONFLICT);
    CHECK(store_subscriber_insert(w, STR_LIT("second@example.org"), STR_LIT("key3"), true, NOW,
                                  &other) == ERR_OK);
    CHECK(other > id); /* db_last_id gave each its own id */
    CHECK(store_subscriber_set_state(w, id, STORE_SUB_ACTIVE, NOW + 5) == ERR_OK);
    struct store_subscriber sub;
    CHECK(store_subscriber_by_email(w, a, STR_LIT("reader@example.org"), &sub) == ERR_OK);
    CHECK(sub.id == id && sub.state == STORE_SUB_ACTIVE && sub.confirmed_at == NOW + 5);
    CHECK_STR(sub.lang, "uk");
    /* topics: an unknown id is dropped, a repeated one kept once */
    int64_t tag = one(w, sql_tag, 0);
    CHECK(tag > 0);
    int64_t tags[] = {tag, 424242, tag};
    CHECK(store_subscriber_set_prefs(w, id, true, tags, 3, NULL, 0) == ERR_OK);
    CHECK(store_subscriber_by_id(w, a, id, &sub) == ERR_OK);
    CHECK(sub.weekly && sub.n_tags == 1 && sub.n_depts == 0);
    CHECK(sub.n_tags == 1 && sub.tag_ids[0] == tag);

    CHECK(store_mail_token_add(w, STR_LIT("tok"), id, NOW + 100) == ERR_OK);
    int64_t who = 0;
    CHECK(store_mail_token_use(w, STR_LIT("tok"), NOW, &who) == ERR_OK && who == id);
    CHECK(store_mail_token_use(w, STR_LIT("tok"), NOW, &who) == ERR_CONFLICT);

    /* the outbox: a body with NUL and CR LF bytes survives the round trip */
    static const char body[] = "Subject: x\r\n\r\nрядок\0байт";
    struct store_outbox_input in = {.subscriber_id = id,
                                    .kind = STR_LIT("digest"),
                                    .rcpt = STR_LIT("reader@example.org"),
                                    .subject = STR_LIT("Новини тижня"),
                                    .message_id = STR_LIT("<1@visnyk>"),
                                    .body = str_make(body, sizeof body - 1),
                                    .now = NOW};
    int64_t mid = 0, mid2 = 0;
    CHECK(store_outbox_add(w, &in, &mid) == ERR_OK && mid > 0);
    in.subscriber_id = 0;
    in.message_id = STR_LIT("<2@visnyk>");
    in.now = NOW + 1;
    CHECK(store_outbox_add(w, &in, &mid2) == ERR_OK && mid2 > mid);
    int64_t due = 0;
    CHECK(store_outbox_next_due(w, &due) == ERR_OK && due == NOW);
    struct store_outbox_msg m;
    CHECK(store_outbox_claim(w, a, NOW + 2, NOW + 60, 7, &m) == ERR_OK);
    CHECK(m.id == mid && m.attempts == 1 && m.state == STORE_OUTBOX_SENDING);
    CHECK(m.body.len == sizeof body - 1 && memcmp(m.body.ptr, body, m.body.len) == 0);
    CHECK(store_outbox_sent(w, mid, NOW + 3) == ERR_OK);
    CHECK(store_outbox_claim(w, a, NOW + 4, NOW + 60, 7, &m) == ERR_OK && m.id == mid2);
    CHECK(store_outbox_fail(w, mid2, NOW + 5, STR_LIT("550 no such user")) == ERR_OK);
    int64_t counts[4];
    CHECK(store_outbox_counts(w, counts) == ERR_OK);
    CHECK(counts[STORE_OUTBOX_QUEUED] == 0 && counts[STORE_OUTBOX_SENT] == 1);
    CHECK(counts[STORE_OUTBOX_FAILED] == 1);
    CHECK(store_outbox_claim(w, a, NOW + 6, NOW + 60, 7, &m) == ERR_NOTFOUND);
    arena_free(a);
}

static void editorial_side(struct store *w)
{
    struct arena *a = arena_new(4096);
    struct store_user u;
    CHECK(store_user_by_name(w, a, STR_LIT("olena"), &u) == ERR_OK);
    int64_t art = article_add(w, "povidomlennia");
    CHECK(art > 0);
    CHECK(article_add(w, "povidomlennia") == 0); /* the slug is taken */
    CHECK(strstr(store_errmsg(w), "articles_slug_key") != NULL);

    /* the version trigger: a writer that leaves version alone bumps it */
    CHECK(one(w, sql_article_version, art) == 1);
    struct db_stmt *st;
    CHECK(store__prepare(w, sql_title_update, &st) == ERR_OK);
    db_bind_i64(st, 1, art);
    db_bind_cstr(st, 2, "Новий заголовок");
    CHECK(store__step_done(w, st) == ERR_OK && db_changes(w) == 1);
    CHECK(one(w, sql_article_version, art) == 2);

    /* workflow notices */
    CHECK(store_notice_set(w, art, NOW + 100, u.id) == ERR_OK);
    CHECK(store_notice_set(w, art, NOW + 50, u.id) == ERR_OK); /* replaces */
    struct store_notice *due;
    size_t n = 9;
    CHECK(store_notices_due(w, a, NOW + 60, &due, &n) == ERR_OK && n == 1);
    CHECK(n == 1 && due[0].article_id == art && due[0].due_at == NOW + 50);
    CHECK(store_notice_drop(w, art) == ERR_OK);
    CHECK(store_notices_due(w, a, NOW + 60, &due, &n) == ERR_OK && n == 0);
    CHECK(store_user_email_set(w, u.id, STR_LIT("olena@example.org"), NOW) == ERR_OK);
    struct str email;
    CHECK(store_user_email_get(w, a, u.id, &email) == ERR_OK);
    CHECK_STR(email, "olena@example.org");

    /* side texts */
    struct store_side_text t = {.article_id = art,
                                .user_id = u.id,
                                .base_version = 2,
                                .saved_at = NOW,
                                .title = STR_LIT("Чернетка"),
                                .slug = STR_LIT("povidomlennia"),
                                .lead = STR_LIT(""),
                                .body = STR_LIT("Текст з апострофом: пам’ять"),
                                .date = STR_LIT(""),
                                .tags = STR_LIT(""),
                                .related = STR_LIT(""),
                                .departments = STR_LIT("")};
    CHECK(store_side_put(w, STORE_SIDE_AUTO, &t) == ERR_OK);
    t.body = STR_LIT("Друга версія");
    CHECK(store_side_put(w, STORE_SIDE_AUTO, &t) == ERR_OK);
    struct store_side_text got;
    CHECK(store_side_get(w, a, art, u.id, STORE_SIDE_AUTO, &got) == ERR_OK);
    CHECK_STR(got.body, "Друга версія");
    CHECK(store_side_get(w, a, art, u.id, STORE_SIDE_REFUSED, &got) == ERR_NOTFOUND);
    t.article_id = 999999;
    CHECK(store_side_put(w, STORE_SIDE_AUTO, &t) == ERR_NOTFOUND);

    /* presence */
    struct store_user u2;
    CHECK(store_user_by_name(w, a, STR_LIT("taras"), &u2) == ERR_OK);
    CHECK(store_presence_open(w, art, u.id, NOW, NOW - 30) == ERR_OK);
    CHECK(store_presence_open(w, art, u2.id, NOW + 1, NOW - 30) == ERR_OK);
    struct store_present *others;
    CHECK(store_presence_others(w, a, art, u.id, NOW - 30, &others, &n) == ERR_OK && n == 1);
    CHECK(n == 1 && others[0].user_id == u2.id);
    int64_t taken = 0;
    CHECK(store_presence_take(w, art, u2.id, STR_LIT("taras"), NOW - 30, &taken) == ERR_OK);
    CHECK(taken == 1);
    struct str by;
    CHECK(store_presence_beat(w, a, art, u.id, NOW + 2, &by) == ERR_OK);
    CHECK_STR(by, "taras");

    /* preview links */
    struct store_preview_link link = {
        .nonce = STR_LIT("00ff"), .expires_at = NOW + 3600, .created_by = u.id, .created_at = NOW};
    CHECK(store_preview_link_set(w, art, &link) == ERR_OK);
    link.nonce = STR_LIT("abcd");
    CHECK(store_preview_link_set(w, art, &link) == ERR_OK);
    struct store_preview_link pl;
    CHECK(store_preview_link_get(w, a, art, &pl) == ERR_OK && pl.expires_at == NOW + 3600);
    CHECK_STR(pl.nonce, "abcd");
    CHECK(store_preview_link_set(w, 999999, &link) == ERR_NOTFOUND);

    /* the slug history trigger: a published article's old slug answers with the new one */
    struct db_stmt *up;
    CHECK(store__prepare(w, sql_publish, &up) == ERR_OK);
    db_bind_i64(up, 1, NOW);
    CHECK(store__step_done(w, up) == ERR_OK);
    CHECK(run(w, sql_rename) == ERR_OK);
    struct str cur;
    CHECK(store_article_slug_current(w, a, STR_LIT("povidomlennia"), &cur) == ERR_OK);
    CHECK_STR(cur, "novyna");
    CHECK(one(w, sql_article_version, art) == 4); /* the publish and the rename */

    /* COLLATE uk: the Ukrainian alphabet, as store__collate_uk orders on SQLite */
    struct db_stmt *ord;
    CHECK(store__prepare(w, sql_order_uk, &ord) == ERR_OK);
    CHECK(db_step(ord) == DB_ROW);
    CHECK_STR(db_col_text(ord, 0), "гора ґава Дім и іній їжак");
    store__stmt_done(ord);
    arena_free(a);
}

static void purge(struct store *w)
{
    struct arena *a = arena_new(4096);
    CHECK(store_purge_enqueue(w, STR_LIT("article-1"), NOW) == ERR_OK);
    CHECK(store_purge_enqueue(w, STR_LIT("home"), NOW) == ERR_OK);
    CHECK(store_purge_enqueue(w, STR_LIT("article-1"), NOW + 1) == ERR_OK); /* a new version */
    struct store_purge_item *items;
    size_t n = 0;
    CHECK(store_purge_claim(w, a, NOW + 2, 10, &items, &n) == ERR_OK && n == 2);
    for (size_t i = 0; i < n; i++)
        CHECK(store_purge_done(w, &items[i], NOW + 3) == ERR_OK);
    CHECK(store_purge_claim(w, a, NOW + 4, 10, &items, &n) == ERR_OK && n == 0);
    arena_free(a);
}

/* Nodes starting together: several processes migrate one fresh database at once. The
 * migration lock lets one create the schema; the others find it done. */
static void migrate_race(void)
{
    char msg[256];
    struct db_pg *admin = NULL;
    CHECK(db_pg_connect("", &admin, msg, sizeof msg) == ERR_OK);
    if (admin == NULL)
        return;
    CHECK(db_pg_exec(admin, "CREATE DATABASE visnyk_race") == ERR_OK);
    enum { RACERS = 4 };
    pid_t pids[RACERS];
    for (int i = 0; i < RACERS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            struct store *s = NULL;
            int from = -1, to = -1;
            enum err e = store_open("postgresql:///visnyk_race", STORE_WRITE, &s);
            if (e == ERR_OK)
                e = store_migrate(s, &from, &to);
            if (e != ERR_OK)
                fprintf(stderr, "racer %d: %s\n", i, s != NULL ? store_errmsg(s) : "no connection");
            store_close(s);
            _exit(e == ERR_OK && to == store_schema_version() ? 0 : 1);
        }
    }
    int ok = 0;
    for (int i = 0; i < RACERS; i++) {
        int status = 0;
        if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
            ok++;
    }
    CHECK(ok == RACERS);
    struct store *r = NULL;
    CHECK(store_open("postgresql:///visnyk_race", STORE_READ, &r) == ERR_OK);
    CHECK(r != NULL && one(r, sql_version, 0) == store_schema_version());
    store_close(r);
    db_pg_close(admin);
}

int main(void)
{
    connection();
    struct store *w = NULL;
    enum err e = store_open(url(), STORE_WRITE, &w);
    CHECK(e == ERR_OK);
    if (e != ERR_OK) {
        fprintf(stderr, "no PostgreSQL to test against (run under pg_virtualenv): %s\n",
                w != NULL ? store_errmsg(w) : "");
        return check_done();
    }
    migrate(w);
    transactions(w);
    change_counter(w);
    accounts(w);
    mail(w);
    editorial_side(w);
    purge(w);
    store_close(w);
    migrate_race();
    return check_done();
}
