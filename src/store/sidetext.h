/* sidetext.h: texts kept beside an article that never become its revisions
 * (sidetext.c, migration 16): a user's autosave of the edit form, and the text
 * of their last save that was refused because someone else had saved first. One of each
 * kind per article and user; the form's fields as typed, so that restoring one fills
 * the form exactly as it was. */
#ifndef VISNYK_STORE_SIDETEXT_H
#define VISNYK_STORE_SIDETEXT_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

enum store_side_kind {
    STORE_SIDE_AUTO,    /* autosaved while typing or on leaving the page */
    STORE_SIDE_REFUSED, /* a save refused as stale */
};

struct store_side_text {
    int64_t article_id, user_id;
    int64_t base_version; /* the article's version the form was opened on */
    int64_t saved_at;
    struct str title, slug, lead, body, date, tags, related;
    struct str departments; /* names, one per line */
};

/* store_side_put keeps t as the (article, user) text of kind, replacing the one before.
 * ERR_NOTFOUND when the article or user does not exist. */
ERR_MUST_USE
enum err store_side_put(struct store *s, enum store_side_kind kind,
                        const struct store_side_text *t);
/* store_side_get: ERR_NOTFOUND when there is none. Texts copied into a. */
ERR_MUST_USE
enum err store_side_get(struct store *s, struct arena *a, int64_t article_id, int64_t user_id,
                        enum store_side_kind kind, struct store_side_text *out);
/* store_side_drop removes it (fine when there is none). */
ERR_MUST_USE
enum err store_side_drop(struct store *s, int64_t article_id, int64_t user_id,
                         enum store_side_kind kind);

#endif
