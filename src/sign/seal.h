/* seal.h: signing what the site publishes. Reads an article through store/, renders its
 * body as the site serves it (render/markdown.h) and records the signature of its
 * canonical form (sign.h) with the site's current key. Callers: the editors' save, the
 * gallery and documents handlers, the importer. */
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
