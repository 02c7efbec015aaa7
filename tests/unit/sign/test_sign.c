/* test_sign.c: the canonical form (exact bytes, parse round trip, refusals), Ed25519
 * sign and check through sign.h, UTC dates, key ids, base64, and the store's signing
 * keys, signatures and audit hash chain on a temporary database. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "sign/seal.h"
#include "sign/sign.h"
#include "store/accounts.h"
#include "store/content.h"
#include "store/signing.h"
#include "store/sqlite_internal.h"

#define H1 "0000000000000000000000000000000000000000000000000000000000000001"
#define H2 "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

static void test_canonical(void)
{
    struct str photos[] = {STR_LIT(H1), STR_LIT(H2)}, atts[] = {STR_LIT(H2)};
    struct sign_content c = {.kind = STR_LIT("article"),
                             .slug = STR_LIT("na-poltavshchyni"),
                             .title = STR_LIT("На Полтавщині\nрядок"),
                             .at = 1722520260, /* 2024-08-01 13:51 UTC */
                             .body_sha256 = STR_LIT(H2),
                             .photos = photos,
                             .n_photos = 2,
                             .attachments = atts,
                             .n_attachments = 1};
    struct buf b;
    buf_init(&b, SIGN_MAX_CANONICAL_BYTES);
    CHECK(sign_canonical(&c, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "visnyk-sig-v1\n"
                           "kind: article\n"
                           "slug: na-poltavshchyni\n"
                           "title: На Полтавщині рядок\n"
                           "published_at: 2024-08-01T13:51:00Z\n"
                           "body_sha256: " H2 "\n"
                           "photo_sha256: " H1 "\n"
                           "photo_sha256: " H2 "\n"
                           "attachment_sha256: " H2 "\n");

    struct sign_content back;
    struct str p2[SIGN_MAX_FILES], a2[SIGN_MAX_FILES];
    CHECK(sign_canonical_parse(buf_str(&b), &back, p2, a2));
    CHECK(back.at == c.at && back.n_photos == 2 && back.n_attachments == 1);
    CHECK_STR(back.photos[1], H2);
    CHECK_STR(back.title, "На Полтавщині рядок");
    struct buf again;
    buf_init(&again, SIGN_MAX_CANONICAL_BYTES);
    CHECK(sign_canonical(&back, &again) == ERR_OK);
    CHECK(str_eq(buf_str(&again), buf_str(&b)));
    CHECK(!sign_canonical_parse(STR_LIT("visnyk-sig-v2\nkind: article\n"), &back, p2, a2));

    /* a hash that is not 64 lowercase hex digits is refused */
    struct sign_content bad = c;
    bad.body_sha256 = STR_LIT("ABCDEF");
    buf_reset(&again);
    CHECK(sign_canonical(&bad, &again) == ERR_INVALID);
    buf_free(&b);
    buf_free(&again);
}

/* A page: the same form with its own kind and time line, and no files. */
static void test_canonical_page(void)
{
    struct str photos[] = {STR_LIT(H1)};
    struct sign_content c = {.kind = STR_LIT("page"),
                             .slug = STR_LIT("about"),
                             .title = STR_LIT("Про нас"),
                             .at = 1764720000, /* 2025-12-03 00:00 UTC */
                             .body_sha256 = STR_LIT(H1)};
    struct buf b;
    buf_init(&b, SIGN_MAX_CANONICAL_BYTES);
    CHECK(sign_canonical(&c, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), "visnyk-sig-v1\n"
                           "kind: page\n"
                           "slug: about\n"
                           "title: Про нас\n"
                           "updated_at: 2025-12-03T00:00:00Z\n"
                           "body_sha256: " H1 "\n");
    struct sign_content back;
    struct str p2[SIGN_MAX_FILES], a2[SIGN_MAX_FILES];
    CHECK(sign_canonical_parse(buf_str(&b), &back, p2, a2));
    CHECK(back.at == c.at && str_eq_cstr(back.kind, "page") && back.n_photos == 0);
    /* a page's form with an article's time line, or with a photo, is not a page's form */
    CHECK(
        !sign_canonical_parse(STR_LIT("visnyk-sig-v1\nkind: page\nslug: a\ntitle: b\n"
                                      "published_at: 2025-12-03T00:00:00Z\nbody_sha256: " H1 "\n"),
                              &back, p2, a2));
    CHECK(!sign_canonical_parse(STR_LIT("visnyk-sig-v1\nkind: page\nslug: a\ntitle: b\n"
                                        "updated_at: 2025-12-03T00:00:00Z\nbody_sha256: " H1
                                        "\nphoto_sha256: " H1 "\n"),
                                &back, p2, a2));
    struct sign_content bad = c;
    bad.photos = photos;
    bad.n_photos = 1;
    buf_reset(&b);
    CHECK(sign_canonical(&bad, &b) == ERR_INVALID);
    bad = c;
    bad.kind = STR_LIT("banner");
    buf_reset(&b);
    CHECK(sign_canonical(&bad, &b) == ERR_INVALID);
    buf_free(&b);
}

static void test_sign_check(void)
{
    unsigned char pk[SIGN_PUBLIC_BYTES], sk[SIGN_SECRET_BYTES], sig[SIGN_BYTES];
    unsigned char pk2[SIGN_PUBLIC_BYTES], sk2[SIGN_SECRET_BYTES];
    char id[SIGN_KEY_ID_CHARS + 1], b64[SIGN_B64_MAX];
    sign_keypair(pk, sk);
    sign_keypair(pk2, sk2);
    sign_key_id(pk, id);
    CHECK(strlen(id) == 16 && strspn(id, "0123456789abcdef") == 16);
    struct str msg = STR_LIT("visnyk-sig-v1\nkind: article\n");
    sign_detached(sk, msg, sig);
    CHECK(sign_check(pk, msg, sig));
    CHECK(!sign_check(pk2, msg, sig));
    CHECK(!sign_check(pk, STR_LIT("visnyk-sig-v1\nkind: articlE\n"), sig));
    sign_b64(sig, sizeof sig, b64);
    CHECK(strlen(b64) == 88);
    unsigned char back[SIGN_BYTES];
    CHECK(sign_b64_decode(str_from_cstr(b64), back, sizeof back));
    CHECK(memcmp(back, sig, sizeof sig) == 0);
    CHECK(!sign_b64_decode(STR_LIT("AAAA"), back, sizeof back));

    char iso[21];
    int64_t t = 0;
    sign_iso_utc(0, iso);
    CHECK(strcmp(iso, "1970-01-01T00:00:00Z") == 0);
    sign_iso_utc(1709251199, iso); /* the last second of a leap February */
    CHECK(strcmp(iso, "2024-02-29T23:59:59Z") == 0);
    CHECK(sign_iso_utc_parse(str_from_cstr(iso), &t) && t == 1709251199);
    CHECK(!sign_iso_utc_parse(STR_LIT("2024-02-30T00:00:00Z"), &t));
    CHECK(!sign_iso_utc_parse(STR_LIT("2024-02-29 23:59:59Z"), &t));

    char hex[65];
    sign_sha256_hex("abc", 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
}

static void test_store(void)
{
    char path[] = "/tmp/visnyk-test-sign-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    struct store *s = NULL;
    int from, to;
    CHECK(store_open(path, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, &from, &to) == ERR_OK);
    struct arena *a = arena_new(16 * 1024);

    bool created = false;
    CHECK(sign_ensure_key(s, 1000, &created) == ERR_OK && created);
    CHECK(sign_ensure_key(s, 1001, &created) == ERR_OK && !created);
    char id2[17];
    CHECK(store_begin(s) == ERR_OK);
    CHECK(sign_new_key(s, 2000, id2) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    struct store_signing_key *keys;
    size_t n;
    CHECK(store_key_list(s, a, &keys, &n) == ERR_OK && n == 2);
    CHECK(n == 2 && keys[0].valid_from == 1000 && keys[0].valid_until == 2000 &&
          keys[1].valid_until == 0);
    char cur[17];
    unsigned char sk[64];
    CHECK(store_key_current(s, cur, sk) == ERR_OK && strcmp(cur, id2) == 0);

    struct store_signature sig = {.object_id = 7,
                                  .revision = 3,
                                  .signed_at = 2100,
                                  .kind = STR_LIT("article"),
                                  .key_id = str_from_cstr(id2),
                                  .canonical = STR_LIT("x"),
                                  .signature = STR_LIT("y")};
    CHECK(store_signature_add(s, &sig) == ERR_OK);
    struct store_signature got;
    CHECK(store_signature_latest(s, a, "article", 7, &got) == ERR_OK && got.revision == 3);
    CHECK(store_signature_latest(s, a, "article", 8, &got) == ERR_NOTFOUND);

    /* entries with and without a request id (the command line) chain alike */
    for (int i = 0; i < 4; i++)
        CHECK(store_audit_add(s, i, STR_LIT("ed"), STR_LIT("127.0.0.1"), i % 2 ? 0 : 900 + i,
                              "test.add", STR_LIT("obj"), STR_LIT("detail\nline"),
                              3000 + i) == ERR_OK);
    struct store_audit_check chk;
    CHECK(store_audit_chain_check(s, &chk) == ERR_OK && chk.ok && chk.entries == 4);
    /* the request id is covered: changing it breaks the link of that entry */
    sqlite3 *db = store__db(s);
    CHECK(sqlite3_exec(db,
                       "DROP TRIGGER audit_log_no_update; "
                       "UPDATE audit_log SET request_id = 77 WHERE id = 3",
                       NULL, NULL, NULL) == SQLITE_OK);
    CHECK(store_audit_chain_check(s, &chk) == ERR_OK && !chk.ok && chk.bad_id == 3);
    char h1[65], h2[65], h3[65];
    store_audit_hash(1, 3000, 0, STR_LIT("ed"), STR_LIT("127.0.0.1"), STR_LIT("test.add"),
                     STR_LIT("obj"), STR_LIT("detail\nline"), 0, STR_LIT(""), h1);
    store_audit_hash(1, 3000, 0, STR_LIT("ed"), STR_LIT("127.0.0.1"), STR_LIT("test.add"),
                     STR_LIT("ob"), STR_LIT("jdetail\nline"), 0, STR_LIT(""), h2);
    CHECK(strcmp(h1, h2) != 0); /* fields are length-prefixed: no shifting bytes across */
    store_audit_hash(1, 3000, 0, STR_LIT("ed"), STR_LIT("127.0.0.1"), STR_LIT("test.add"),
                     STR_LIT("obj"), STR_LIT("detail\nline"), 5, STR_LIT(""), h3);
    CHECK(strcmp(h1, h3) != 0);

    /* pages: each save is a new revision; sign_seal_missing signs each one once */
    int64_t gen0, gen1;
    CHECK(store_key_generation(s, &gen0) == ERR_OK && gen0 > 0);
    CHECK(store_begin(s) == ERR_OK);
    CHECK(store_page_upsert(s, STR_LIT("about"), STR_LIT("Про нас"), STR_LIT("*Текст*")) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    struct store_page pg;
    CHECK(store_page_by_slug(s, a, STR_LIT("about"), &pg) == ERR_OK && pg.version == 1);
    size_t signed_n = 0;
    CHECK(sign_seal_missing(s, 4000, &signed_n) == ERR_OK && signed_n == 1);
    CHECK(store_signature_latest(s, a, "page", pg.id, &got) == ERR_OK && got.revision == 1);
    CHECK(str_starts_with(got.canonical, STR_LIT("visnyk-sig-v1\nkind: page\nslug: about\n")));
    CHECK(sign_seal_missing(s, 4001, &signed_n) == ERR_OK && signed_n == 0);
    CHECK(store_begin(s) == ERR_OK);
    CHECK(store_page_upsert(s, STR_LIT("about"), STR_LIT("Про нас"), STR_LIT("Нове")) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    CHECK(store_page_by_id(s, a, pg.id, &pg) == ERR_OK && pg.version == 2);
    CHECK(sign_seal_missing(s, 4002, &signed_n) == ERR_OK && signed_n == 1);
    CHECK(store_signature_latest(s, a, "page", pg.id, &got) == ERR_OK && got.revision == 2);
    int64_t *ids;
    CHECK(store_unsigned_ids(s, a, "page", 0, 10, &ids, &n) == ERR_OK && n == 0);
    CHECK(store_unsigned_ids(s, a, "banner", 0, 10, &ids, &n) == ERR_INVALID);
    /* a rotation changes the generation a running server watches */
    CHECK(store_key_generation(s, &gen1) == ERR_OK && gen1 == gen0);
    CHECK(store_begin(s) == ERR_OK);
    CHECK(sign_new_key(s, 5000, id2) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    CHECK(store_key_generation(s, &gen1) == ERR_OK && gen1 != gen0);
    store_close(s);
    arena_free(a);
    unlink(path);
    char side[64];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

int main(void)
{
    test_canonical();
    test_canonical_page();
    test_sign_check();
    test_store();
    return check_done();
}
