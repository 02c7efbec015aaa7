/* seal.c: sign a published article's or a page's current revision (see seal.h). */
#include "sign/seal.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#include "render/markdown.h"
#include "sign/sign.h"
#include "store/attachments.h"
#include "store/content.h"
#include "store/editorial.h"
#include "store/signing.h"

enum err sign_body_sha256(struct str body_md, char hex[65])
{
    struct buf body;
    buf_init(&body, 4 * MARKDOWN_MAX_INPUT_BYTES);
    enum err e = markdown_to_html(body_md, &body);
    if (e == ERR_OK) {
        struct str html = buf_str(&body);
        sign_sha256_hex(html.ptr, html.len, hex);
    }
    buf_free(&body);
    return e;
}

/* seal signs c, the canonical content of revision `revision` of object id, with the
 * current key and records the signature: the one step every kind shares. */
static enum err seal(struct store *s, const struct sign_content *c, int64_t id, int64_t revision,
                     int64_t now)
{
    char key_id[17], b64[SIGN_B64_MAX];
    unsigned char sk[64], sig[SIGN_BYTES];
    struct buf canon;
    buf_init(&canon, SIGN_MAX_CANONICAL_BYTES);
    enum err e = sign_canonical(c, &canon);
    if (e == ERR_OK)
        e = store_key_current(s, key_id, sk); /* read each time: a rotation applies at once */
    if (e == ERR_OK) {
        sign_detached(sk, buf_str(&canon), sig);
        sodium_memzero(sk, sizeof sk);
        sign_b64(sig, sizeof sig, b64);
        struct store_signature row = {
            .object_id = id,
            .revision = revision,
            .signed_at = now,
            .kind = c->kind,
            .key_id = str_make(key_id, 16),
            .canonical = buf_str(&canon),
            .signature = str_from_cstr(b64),
        };
        e = store_signature_add(s, &row);
    }
    buf_free(&canon);
    return e;
}

enum err sign_seal_article(struct store *s, struct arena *a, int64_t id, int64_t now)
{
    struct store_article art;
    struct store_article_meta meta;
    struct str *related;
    size_t n_related;
    struct store_attachment *docs = NULL;
    size_t n_docs = 0;
    char body_hex[65];

    enum err e = store_article_admin_get(s, a, id, &art, &meta, &related, &n_related);
    if (e != ERR_OK)
        return e;
    if (meta.status != STORE_PUBLISHED && meta.status != STORE_SCHEDULED)
        return ERR_OK;
    /* documents are the article's attachments: their hashes are part of its form */
    e = store_attachments_of(s, a, id, &docs, &n_docs);
    if (e != ERR_OK)
        return e;
    e = sign_body_sha256(art.body_md, body_hex);
    if (e != ERR_OK)
        return e;
    struct str *photos = arena_alloc_array(a, art.n_photos + 1, sizeof *photos);
    for (size_t i = 0; i < art.n_photos; i++)
        photos[i] = art.photos[i].hash;
    struct str *atts = arena_alloc_array(a, n_docs + 1, sizeof *atts);
    for (size_t i = 0; i < n_docs; i++)
        atts[i] = docs[i].hash;
    struct sign_content c = {
        .kind = STR_LIT("article"),
        .slug = art.slug,
        .title = art.title,
        .at = art.published_at,
        .body_sha256 = str_make(body_hex, 64),
        .photos = photos,
        .n_photos = art.n_photos,
        .attachments = atts,
        .n_attachments = n_docs,
    };
    return seal(s, &c, id, meta.version, now);
}

enum err sign_seal_page(struct store *s, struct arena *a, int64_t id, int64_t now)
{
    struct store_page pg;
    char body_hex[65];
    enum err e = store_page_by_id(s, a, id, &pg);
    if (e == ERR_OK)
        e = sign_body_sha256(pg.body_md, body_hex);
    if (e != ERR_OK)
        return e;
    struct sign_content c = {
        .kind = STR_LIT("page"),
        .slug = pg.slug,
        .title = pg.title,
        .at = pg.updated_at,
        .body_sha256 = str_make(body_hex, 64),
    };
    return seal(s, &c, id, pg.version, now);
}

/* seal_batch signs, in one transaction, up to SIGN_SEAL_BATCH objects of kind after
 * *after that have no signature; *after moves past them, *n counts them, *more says
 * whether the batch was full. */
static enum err seal_batch(struct store *s, struct arena *a, const char *kind, int64_t now,
                           int64_t *after, size_t *n, bool *more)
{
    int64_t *ids;
    size_t n_ids;
    *more = false;
    enum err e = store_begin(s);
    if (e != ERR_OK)
        return e;
    e = store_unsigned_ids(s, a, kind, *after, SIGN_SEAL_BATCH, &ids, &n_ids);
    for (size_t i = 0; e == ERR_OK && i < n_ids; i++) {
        e = strcmp(kind, "page") == 0 ? sign_seal_page(s, a, ids[i], now)
                                      : sign_seal_article(s, a, ids[i], now);
        *after = ids[i];
    }
    if (e == ERR_OK)
        e = store_commit(s);
    if (e != ERR_OK) {
        store_rollback(s);
        return e;
    }
    *n += n_ids;
    *more = n_ids == SIGN_SEAL_BATCH;
    return ERR_OK;
}

enum err sign_seal_missing(struct store *s, int64_t now, size_t *n_signed)
{
    static const char *const kinds[] = {"article", "page"};
    *n_signed = 0;
    bool created;
    enum err e = sign_ensure_key(s, now, &created);
    struct arena *a = arena_new(64 * 1024);
    for (size_t k = 0; e == ERR_OK && k < sizeof kinds / sizeof kinds[0]; k++) {
        int64_t after = 0;
        bool more = true;
        while (e == ERR_OK && more) {
            e = seal_batch(s, a, kinds[k], now, &after, n_signed, &more);
            arena_reset(a);
            /* a breath between batches: a server's writer waiting on the lock gets it */
            if (more)
                nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
        }
    }
    arena_free(a);
    return e;
}

enum err sign_new_key(struct store *s, int64_t now, char key_id[17])
{
    unsigned char pk[SIGN_PUBLIC_BYTES], sk[SIGN_SECRET_BYTES];
    sign_keypair(pk, sk);
    sign_key_id(pk, key_id);
    enum err e = store_key_add(s, str_make(key_id, 16), pk, sk, now);
    sodium_memzero(sk, sizeof sk);
    return e;
}

enum err sign_ensure_key(struct store *s, int64_t now, bool *created)
{
    char key_id[17];
    unsigned char sk[64];
    *created = false;
    bool own = !store_in_transaction(s);
    /* Every start asks; almost always the key is there. Asking outside a write
     * transaction keeps a restarting server from queueing behind busy writers for a
     * lock it does not need (a start under a stream of imports timed out on it). */
    enum err e = store_key_current(s, key_id, sk);
    sodium_memzero(sk, sizeof sk);
    if (e != ERR_NOTFOUND)
        return e;
    e = own ? store_begin(s) : ERR_OK;
    if (e != ERR_OK)
        return e;
    e = store_key_current(s, key_id, sk);
    sodium_memzero(sk, sizeof sk);
    if (e == ERR_NOTFOUND) {
        e = sign_new_key(s, now, key_id);
        *created = e == ERR_OK;
    }
    if (own) {
        if (e == ERR_OK)
            e = store_commit(s);
        else
            store_rollback(s);
    }
    return e;
}
