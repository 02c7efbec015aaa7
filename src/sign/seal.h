/* seal.h: signing what the site publishes. Reads an article or a static page through
 * store/, renders its body as the site serves it (render/markdown.h) and records the
 * signature of its canonical form (sign.h) with the site's current key. Callers: the
 * editors' saves (articles, galleries, documents, pages), the importer, and
 * `visnyk key sign-all` for what was published before signing existed. */
#ifndef VISNYK_SIGN_SEAL_H
#define VISNYK_SIGN_SEAL_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

/* sign_seal_article signs the article id's current revision when it is published or
 * scheduled (anything else is left alone: ERR_OK). Call on a STORE_WRITE connection,
 * inside the transaction that changed the article. ERR_NOTFOUND when the site has no
 * key (run `visnyk init` or `visnyk key rotate`). */
ERR_MUST_USE
enum err sign_seal_article(struct store *s, struct arena *a, int64_t id, int64_t now);

/* sign_seal_page signs the static page id's current revision (pages are public from
 * their first save). Same connection, transaction and errors as sign_seal_article. */
ERR_MUST_USE
enum err sign_seal_page(struct store *s, struct arena *a, int64_t id, int64_t now);

/* Objects signed per transaction by sign_seal_missing: each batch holds the write lock
 * for a few milliseconds, so a running server's saves wait no longer than that. */
#define SIGN_SEAL_BATCH 100

/* sign_seal_missing signs every published article and page whose current revision has
 * no signature (a database from before signing, an older visnyk's saves), making the
 * first key if there is none. Idempotent: a second run signs nothing. Needs a
 * STORE_WRITE connection outside a transaction; commits every SIGN_SEAL_BATCH objects,
 * so on failure what was signed before stays signed. *n_signed counts the signatures. */
ERR_MUST_USE
enum err sign_seal_missing(struct store *s, int64_t now, size_t *n_signed);

/* sign_ensure_key makes the site's first key when it has none (*created says so). Needs
 * a STORE_WRITE connection; runs in its own transaction unless one is open. */
ERR_MUST_USE
enum err sign_ensure_key(struct store *s, int64_t now, bool *created);

/* sign_new_key makes a new key the current one (rotation); key_id[17] receives its id. */
ERR_MUST_USE
enum err sign_new_key(struct store *s, int64_t now, char key_id[17]);

/* sign_body_sha256 writes the hex SHA-256 of the HTML the site serves for body_md. */
ERR_MUST_USE
enum err sign_body_sha256(struct str body_md, char hex[65]);

#endif
