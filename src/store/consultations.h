/* consultations.h: public consultations («Громадське обговорення», CMU resolution 996 of
 * 03.11.2010), issue 13. The schema is migration 20; the queries are in
 * store/consultations.c. Text out-parameters live in the caller's arena.
 *
 * A consultation's state is derived from its dates at the time asked, never stored:
 * announced before starts_at, open until ends_at, finished after. Comments wait for a
 * moderator: only approved ones are public, and the commenter's name only when they
 * agreed (show_name); the e-mail is for the moderator and never leaves the workspace. */
#ifndef VISNYK_STORE_CONSULTATIONS_H
#define VISNYK_STORE_CONSULTATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

#define STORE_CONSULT_MAX_LIMIT 100
#define STORE_CONSULT_MAX_COMMENTS 1000 /* comments one page or queue shows */

enum store_consult_state { STORE_CONSULT_ANNOUNCED, STORE_CONSULT_OPEN, STORE_CONSULT_FINISHED };

struct store_consultation {
    int64_t id;
    struct str title, summary_md, contact, outcome_md;
    int64_t draft_id;                /* a registry document (store/registry.h); 0: none */
    int64_t dept_id;                 /* the responsible department; 0: none */
    struct str dept_name, dept_slug; /* read only: the department's, "" when none */
    struct str pdf_hash;             /* "" or 64 hex digits: the draft as a PDF, media/<hash>.pdf */
    int64_t pdf_bytes;
    int64_t starts_at, ends_at; /* UTC seconds */
    int64_t updated_at;
    int64_t pending;  /* read only (store_consult_list): comments awaiting moderation */
    bool has_outcome; /* read only: outcome_md is not empty (filled by list and get) */
};

/* store_consult_state_at: the state of c at now. */
enum store_consult_state store_consult_state_at(const struct store_consultation *c, int64_t now);

/* store_consult_list: consultations in reading order at now: open ones (soonest end
 * first), then announced ones (soonest start first), then finished ones (latest end
 * first); from offset, at most limit (1..STORE_CONSULT_MAX_LIMIT), and how many there are
 * in all (*total). Texts but the title and department are left empty; pending and
 * has_outcome are filled. */
ERR_MUST_USE
enum err store_consult_list(struct store *s, struct arena *a, int64_t now, size_t offset,
                            size_t limit, struct store_consultation **items, size_t *n,
                            int64_t *total);
/* store_consult_get reads consultation id whole; ERR_NOTFOUND when there is none. */
ERR_MUST_USE
enum err store_consult_get(struct store *s, struct arena *a, int64_t id,
                           struct store_consultation *out);
/* store_consult_save inserts c (c->id 0; *id the new id) or replaces c->id, stamping
 * now. ERR_NOTFOUND when c->id, the draft or the department does not exist. Call inside
 * a write transaction to commit it with its audit entry. */
ERR_MUST_USE
enum err store_consult_save(struct store *s, const struct store_consultation *c, int64_t now,
                            int64_t *id);
/* store_consult_changed: consultations that started or ended in (from, to]: the
 * scheduler drops their cached pages then, so no cache shows a finished one as open. */
ERR_MUST_USE
enum err store_consult_changed(struct store *s, struct arena *a, int64_t from, int64_t to,
                               int64_t **ids, size_t *n);
/* store_consult_newest: the newest updated_at of the consultations (0 when none),
 * for the feed's <updated>. */
ERR_MUST_USE
enum err store_consult_newest(struct store *s, int64_t *updated_at);

/* Comments. */
enum store_comment_state { STORE_COMMENT_PENDING, STORE_COMMENT_APPROVED, STORE_COMMENT_REJECTED };

struct store_consult_comment {
    int64_t id, consultation_id;
    struct str name, email, body, reason;
    bool show_name;
    enum store_comment_state state;
    int64_t created_at, moderated_at;
};

/* store_comment_add stores a pending comment of consultation c->consultation_id (its id
 * in *id). ERR_NOTFOUND when the consultation does not exist. */
ERR_MUST_USE
enum err store_comment_add(struct store *s, const struct store_consult_comment *c, int64_t *id);
/* store_comment_list: the comments of consultation id, oldest first: the approved ones
 * when approved_only (what readers see), else all of them, pending first (the
 * moderator's view). At most STORE_CONSULT_MAX_COMMENTS. */
ERR_MUST_USE
enum err store_comment_list(struct store *s, struct arena *a, int64_t consultation_id,
                            bool approved_only, struct store_consult_comment **items, size_t *n);
/* store_comment_get reads comment id; ERR_NOTFOUND. */
ERR_MUST_USE
enum err store_comment_get(struct store *s, struct arena *a, int64_t id,
                           struct store_consult_comment *out);
/* store_comment_moderate sets a pending comment's state (approved or rejected with
 * reason) by user at now. ERR_NOTFOUND when there is no such comment; ERR_CONFLICT when
 * it was moderated already. */
ERR_MUST_USE
enum err store_comment_moderate(struct store *s, int64_t id, enum store_comment_state state,
                                struct str reason, int64_t user_id, int64_t now);
/* store_comment_pending_total: how many comments await moderation, over all. */
ERR_MUST_USE
enum err store_comment_pending_total(struct store *s, int64_t *n);

#endif
