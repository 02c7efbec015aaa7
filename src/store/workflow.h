/* workflow.h: what the editorial workflow's e-mail notices need from the database
 * (workflow.c): each user's address for notices, who should hear of an article
 * sent for review, and the «published» notices of scheduled articles waiting for their
 * time (migration 16). */
#ifndef VISNYK_STORE_WORKFLOW_H
#define VISNYK_STORE_WORKFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

#define STORE_MAX_NOTICE_RECIPIENTS 200 /* editors told of one submission */
#define STORE_MAX_NOTICES_PER_TICK 100  /* due notices taken at once */

/* A user who gets a notice. */
struct store_recipient {
    int64_t id;
    struct str name, email;
};

/* store_user_email_get gives the user's address for notices (empty when none);
 * ERR_NOTFOUND for an unknown user. Copied into a. */
ERR_MUST_USE
enum err store_user_email_get(struct store *s, struct arena *a, int64_t user_id, struct str *email);
/* store_user_email_set replaces it (the caller has normalised it; empty removes it).
 * ERR_NOTFOUND for an unknown user. */
ERR_MUST_USE
enum err store_user_email_set(struct store *s, int64_t user_id, struct str email, int64_t now);
/* store_reviewers: every enabled editor and admin with an address, except user
 * except_id (whoever caused the notice), by name; at most STORE_MAX_NOTICE_RECIPIENTS. */
ERR_MUST_USE
enum err store_reviewers(struct store *s, struct arena *a, int64_t except_id,
                         struct store_recipient **out, size_t *n);

/* A «published» notice waiting for a scheduled article's time. */
struct store_notice {
    int64_t article_id, due_at, actor_id;
};
/* store_notice_set makes article_id's notice due at due_at, named as sent by actor_id
 * (replacing one already waiting); store_notice_drop removes it (fine when there is
 * none). Both in the caller's transaction. */
ERR_MUST_USE
enum err store_notice_set(struct store *s, int64_t article_id, int64_t due_at, int64_t actor_id);
ERR_MUST_USE
enum err store_notice_drop(struct store *s, int64_t article_id);
/* store_notices_due: notices due at or before now, oldest first, at most
 * STORE_MAX_NOTICES_PER_TICK (arena memory). */
ERR_MUST_USE
enum err store_notices_due(struct store *s, struct arena *a, int64_t now, struct store_notice **out,
                           size_t *n);

#endif
