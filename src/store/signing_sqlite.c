/* signing_sqlite.c: the site's signing keys, the signatures of published revisions (and
 * which revisions have none yet) and the hash chain of the audit log (migrations 9 and
 * 10). The visnyk_audit_hash() SQL function registered here is what store_audit_add and
 * migration 9 chain entries with; the check recomputes it in C. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/accounts.h"
#include "store/signing.h"
#include "store/sqlite_internal.h"

static const char sql_key_retire[] =
    "UPDATE signing_keys SET valid_until = ?1 WHERE valid_until = 0";
static const char sql_key_add[] = "INSERT INTO signing_keys (key_id, public_key, secret_key, "
                                  "valid_from) VALUES (?1, ?2, ?3, ?4)";
static const char sql_key_list[] =
    "SELECT key_id, public_key, valid_from, valid_until FROM signing_keys ORDER BY id";
static const char sql_key_current[] = "SELECT key_id, secret_key FROM signing_keys "
                                      "WHERE valid_until = 0 ORDER BY id DESC LIMIT 1";
static const char sql_sig_add[] =
    "INSERT INTO signatures (kind, object_id, revision, key_id, canonical, signature, "
    "signed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_sig_latest[] =
    "SELECT object_id, revision, signed_at, kind, key_id, canonical, signature FROM "
    "signatures WHERE kind = ?1 AND object_id = ?2 ORDER BY id DESC LIMIT 1";
/* Both terms only grow, so their sum changes when either does: a new key, or a
 * sign-all (audited as key.sign-all; the index audit_log_action finds its newest). */
static const char sql_key_generation[] =
    "SELECT (SELECT coalesce(max(id), 0) FROM signing_keys) + "
    "(SELECT coalesce(max(id), 0) FROM audit_log WHERE action = 'key.sign-all')";
/* The current revision of each published object without its signature; the index
 * signatures_object (kind, object_id, id) answers each NOT EXISTS. */
static const char sql_unsigned_articles[] =
    "SELECT a.id FROM articles a WHERE a.id > ?1 AND a.status IN ('published', 'scheduled') "
    "AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.kind = 'article' AND "
    "s.object_id = a.id AND s.revision = a.version) ORDER BY a.id LIMIT ?2";
static const char sql_unsigned_pages[] =
    "SELECT p.id FROM pages p WHERE p.id > ?1 AND NOT EXISTS (SELECT 1 FROM signatures s "
    "WHERE s.kind = 'page' AND s.object_id = p.id AND s.revision = p.version) "
    "ORDER BY p.id LIMIT ?2";
static const char sql_audit_all[] =
    "SELECT id, at, coalesce(user_id, 0), user_name, ip, action, object, detail, prev_hash, "
    "hash, request_id FROM audit_log ORDER BY id";

static void hash_field(crypto_hash_sha256_state *h, struct str v)
{
    char len[24];
    int n = snprintf(len, sizeof len, "%zu:", v.len);
    crypto_hash_sha256_update(h, (const unsigned char *)len, (unsigned long long)n);
    if (v.len > 0)
        crypto_hash_sha256_update(h, (const unsigned char *)v.ptr, v.len);
    crypto_hash_sha256_update(h, (const unsigned char *)"\n", 1);
}

static void hash_int(crypto_hash_sha256_state *h, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", (long long)v);
    hash_field(h, str_make(num, (size_t)n));
}

void store_audit_hash(int64_t id, int64_t at, int64_t user_id, struct str user_name, struct str ip,
                      struct str action, struct str object, struct str detail, int64_t request_id,
                      struct str prev_hash, char hex[65])
{
    crypto_hash_sha256_state h;
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(
        &h, (const unsigned char *)(request_id != 0 ? "visnyk-audit-v2\n" : "visnyk-audit-v1\n"),
        16);
    hash_int(&h, id);
    hash_int(&h, at);
    hash_int(&h, user_id);
    hash_field(&h, user_name);
    hash_field(&h, ip);
    hash_field(&h, action);
    hash_field(&h, object);
    hash_field(&h, detail);
    if (request_id != 0)
        hash_int(&h, request_id);
    hash_field(&h, prev_hash);
    crypto_hash_sha256_final(&h, out);
    sodium_bin2hex(hex, 65, out, sizeof out);
}

static struct str arg_str(sqlite3_value *v)
{
    const unsigned char *p = sqlite3_value_text(v);
    size_t n = (size_t)sqlite3_value_bytes(v);
    return p != NULL ? str_make((const char *)p, n) : str_make("", 0);
}

/* visnyk_audit_hash(id, at, user_id, user_name, ip, action, object, detail, prev_hash
 * [, request_id]): nine arguments as migration 9 chains the old rows, ten for new ones. */
static void audit_hash_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    char hex[65];
    store_audit_hash(sqlite3_value_int64(argv[0]), sqlite3_value_int64(argv[1]),
                     sqlite3_value_int64(argv[2]), arg_str(argv[3]), arg_str(argv[4]),
                     arg_str(argv[5]), arg_str(argv[6]), arg_str(argv[7]),
                     argc > 9 ? sqlite3_value_int64(argv[9]) : 0, arg_str(argv[8]), hex);
    sqlite3_result_text(ctx, hex, 64, SQLITE_TRANSIENT);
}

enum err store__signing_register(struct store *s)
{
    int rc = SQLITE_OK;
    for (int args = 9; args <= 10 && rc == SQLITE_OK; args++)
        rc = sqlite3_create_function_v2(store__db(s), "visnyk_audit_hash", args,
                                        SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, audit_hash_fn,
                                        NULL, NULL, NULL);
    return rc == SQLITE_OK ? ERR_OK : store__db_fail(s, rc);
}

enum err store_key_add(struct store *s, struct str key_id, const unsigned char pk[32],
                       const unsigned char sk[64], int64_t now)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_key_retire, &st);
    if (e != ERR_OK)
        return e;
    db_bind_i64(st, 1, now);
    e = store__step_done(s, st);
    if (e != ERR_OK)
        return e;
    e = store__prepare(s, sql_key_add, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, key_id);
    db_bind_blob(st, 2, pk, 32);
    db_bind_blob(st, 3, sk, 64);
    db_bind_i64(st, 4, now);
    return store__step_done(s, st);
}

enum err store_key_list(struct store *s, struct arena *a, struct store_signing_key **items,
                        size_t *n)
{
    struct db_stmt *st;
    size_t cap = 0;
    int rc;
    *items = NULL;
    *n = 0;
    enum err e = store__prepare(s, sql_key_list, &st);
    if (e != ERR_OK)
        return e;
    while ((rc = db_step(st)) == DB_ROW) {
        struct str pk = db_col_blob(st, 1);
        if (pk.len != 32)
            continue;
        *items = store__grow(a, *items, *n, &cap, sizeof **items);
        struct store_signing_key *k = &(*items)[(*n)++];
        k->key_id = store__col_str(a, st, 0);
        memcpy(k->public_key, pk.ptr, 32);
        k->valid_from = db_col_i64(st, 2);
        k->valid_until = db_col_i64(st, 3);
    }
    if (rc != DB_DONE)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_key_current(struct store *s, char key_id[17], unsigned char sk[64])
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_key_current, &st);
    if (e != ERR_OK)
        return e;
    int rc = db_step(st);
    struct str id = rc == DB_ROW ? db_col_text(st, 0) : STR_NULL;
    struct str secret = rc == DB_ROW ? db_col_blob(st, 1) : STR_NULL;
    if (rc == DB_ROW && id.len == 16 && secret.len == 64) {
        memcpy(key_id, id.ptr, 16);
        key_id[16] = '\0';
        memcpy(sk, secret.ptr, 64);
    } else if (rc == DB_ROW || rc == DB_DONE) {
        e = ERR_NOTFOUND;
    } else {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

enum err store_key_generation(struct store *s, int64_t *generation)
{
    struct db_stmt *st;
    *generation = 0;
    enum err e = store__prepare(s, sql_key_generation, &st);
    if (e != ERR_OK)
        return e;
    int rc = db_step(st);
    if (rc == DB_ROW)
        *generation = db_col_i64(st, 0);
    else
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}

enum err store_unsigned_ids(struct store *s, struct arena *a, const char *kind, int64_t after,
                            size_t limit, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    bool pages = strcmp(kind, "page") == 0;
    if (!pages && strcmp(kind, "article") != 0)
        return ERR_INVALID;
    return store__ids(s, a, pages ? sql_unsigned_pages : sql_unsigned_articles, after,
                      (int64_t)limit, true, ids, n);
}

enum err store_signature_add(struct store *s, const struct store_signature *sig)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sig_add, &st);
    if (e != ERR_OK)
        return e;
    db_bind_str(st, 1, sig->kind);
    db_bind_i64(st, 2, sig->object_id);
    db_bind_i64(st, 3, sig->revision);
    db_bind_str(st, 4, sig->key_id);
    db_bind_str(st, 5, sig->canonical);
    db_bind_str(st, 6, sig->signature);
    db_bind_i64(st, 7, sig->signed_at);
    return store__step_done(s, st);
}

enum err store_signature_latest(struct store *s, struct arena *a, const char *kind,
                                int64_t object_id, struct store_signature *out)
{
    struct db_stmt *st;
    enum err e = store__prepare(s, sql_sig_latest, &st);
    if (e != ERR_OK)
        return e;
    db_bind_cstr(st, 1, kind);
    db_bind_i64(st, 2, object_id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        out->object_id = db_col_i64(st, 0);
        out->revision = db_col_i64(st, 1);
        out->signed_at = db_col_i64(st, 2);
        out->kind = store__col_str(a, st, 3);
        out->key_id = store__col_str(a, st, 4);
        out->canonical = store__col_str(a, st, 5);
        out->signature = store__col_str(a, st, 6);
    } else if (rc == DB_DONE) {
        e = ERR_NOTFOUND;
    } else {
        e = store__db_fail(s, rc);
    }
    store__stmt_done(st);
    return e;
}

enum err store_audit_chain_check(struct store *s, struct store_audit_check *out)
{
    struct db_stmt *st;
    char prev[65] = "", hex[65];
    int rc;
    memset(out, 0, sizeof *out);
    out->ok = true;
    enum err e = store__prepare(s, sql_audit_all, &st);
    if (e != ERR_OK)
        return e;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t id = db_col_i64(st, 0), at = db_col_i64(st, 1);
        struct str prev_hash = db_col_text(st, 8), hash = db_col_text(st, 9);
        out->entries++;
        if (!str_eq(prev_hash, str_from_cstr(prev))) {
            out->ok = false;
            snprintf(out->reason, sizeof out->reason,
                     "its link to the entry before does not match (an entry before it was "
                     "removed or altered)");
        } else {
            store_audit_hash(id, at, db_col_i64(st, 2), db_col_text(st, 3), db_col_text(st, 4),
                             db_col_text(st, 5), db_col_text(st, 6), db_col_text(st, 7),
                             db_col_i64(st, 10), prev_hash, hex);
            if (!str_eq(hash, str_make(hex, 64))) {
                out->ok = false;
                snprintf(out->reason, sizeof out->reason,
                         "its content does not match its hash (the entry was altered)");
            }
        }
        if (!out->ok) {
            out->bad_id = id;
            out->bad_at = at;
            break;
        }
        memcpy(prev, hash.ptr, hash.len < 64 ? hash.len : 64);
        prev[hash.len < 64 ? hash.len : 64] = '\0';
    }
    if (rc != DB_DONE && rc != DB_ROW)
        e = store__db_fail(s, rc);
    store__stmt_done(st);
    return e;
}
