/* store/signing.h: the site's signing keys and the signatures of published revisions
 * (signing_sqlite.c). */
#ifndef VISNYK_STORE_SIGNING_H
#define VISNYK_STORE_SIGNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

/* Keys are made by the caller (sign/sign.h); the store keeps them. The secret key is
 * read only by store_key_current and never listed. */

struct store_signing_key {
    struct str key_id; /* 16 hex digits */
    unsigned char public_key[32];
    int64_t valid_from, valid_until; /* valid_until 0 = the current key */
};
/* store_key_add makes pk/sk the current key from now: the current one, if any, gets
 * valid_until = now. Needs a STORE_WRITE connection. */
ERR_MUST_USE
enum err store_key_add(struct store *s, struct str key_id, const unsigned char pk[32],
                       const unsigned char sk[64], int64_t now);
/* store_key_list: every key, oldest first, into the arena (public parts only). */
ERR_MUST_USE
enum err store_key_list(struct store *s, struct arena *a, struct store_signing_key **items,
                        size_t *n);
/* store_key_current copies the current key's id into key_id[17] and its secret into sk;
 * ERR_NOTFOUND when the site has no key yet. */
ERR_MUST_USE
enum err store_key_current(struct store *s, char key_id[17], unsigned char sk[64]);

struct store_signature {
    int64_t object_id, revision, signed_at;
    struct str kind, key_id, canonical, signature; /* signature: base64 */
};
/* store_key_generation: a number that changes whenever a key is added (a rotation) or
 * a key.sign-all audit entry is written, in any process. Cheap (two index lookups); a
 * running server polls it to notice `visnyk key rotate` and `visnyk key sign-all`. */
ERR_MUST_USE
enum err store_key_generation(struct store *s, int64_t *generation);
/* store_signature_add records a signed revision. */
ERR_MUST_USE
enum err store_signature_add(struct store *s, const struct store_signature *sig);
/* store_signature_latest: the newest signature of (kind, object_id) into the arena;
 * ERR_NOTFOUND when there is none. */
ERR_MUST_USE
enum err store_signature_latest(struct store *s, struct arena *a, const char *kind,
                                int64_t object_id, struct store_signature *out);
/* store_unsigned_ids lists into ids (at most limit, ascending, allocated in a) the
 * objects of kind ("article" or "page") with id > after whose current revision has no
 * signature: published and scheduled articles (revision = articles.version) and every
 * page (revision = pages.version). ERR_INVALID for another kind. */
ERR_MUST_USE
enum err store_unsigned_ids(struct store *s, struct arena *a, const char *kind, int64_t after,
                            size_t limit, int64_t **ids, size_t *n);

#endif
