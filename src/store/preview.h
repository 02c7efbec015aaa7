/* preview.h: an article's shareable preview link (preview.c, migration 16): the
 * random key its links are signed with (hex, site_preview_path makes and checks them)
 * and when they stop working. One per article: making a new one voids the old. */
#ifndef VISNYK_STORE_PREVIEW_H
#define VISNYK_STORE_PREVIEW_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

struct store_preview_link {
    struct str nonce; /* hex */
    int64_t expires_at, created_by, created_at;
};

/* store_preview_link_get: ERR_NOTFOUND when the article has none. Copied into a. */
ERR_MUST_USE
enum err store_preview_link_get(struct store *s, struct arena *a, int64_t article_id,
                                struct store_preview_link *out);
/* store_preview_link_set replaces the article's link (ERR_NOTFOUND: no such article). */
ERR_MUST_USE
enum err store_preview_link_set(struct store *s, int64_t article_id,
                                const struct store_preview_link *link);
/* store_preview_link_drop removes it (fine when there is none). */
ERR_MUST_USE
enum err store_preview_link_drop(struct store *s, int64_t article_id);

#endif
