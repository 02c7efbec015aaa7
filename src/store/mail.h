/* store/mail.h: the e-mail digest: subscribers, consent, tokens, the outbox, rate
 * limits (mail.c). */
#ifndef VISNYK_STORE_MAIL_H
#define VISNYK_STORE_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/content.h"

/* Writes need a STORE_WRITE connection; callers group them in begin/commit so a
 * decision and the mail it causes commit together. */

#define STORE_MAIL_MAX_TOPICS 64 /* tags plus departments per subscriber */

enum store_sub_state {
    STORE_SUB_PENDING,      /* asked, not yet confirmed */
    STORE_SUB_ACTIVE,       /* confirmed, receives digests */
    STORE_SUB_UNSUBSCRIBED, /* left; may subscribe again */
    STORE_SUB_BOUNCED,      /* the server refused the address for good: no more mail */
};
const char *store_sub_state_text(enum store_sub_state st);

struct store_subscriber {
    int64_t id;
    struct str email; /* normalised (see mail_address_normalize) */
    enum store_sub_state state;
    bool weekly;
    struct str key;  /* random, signed into its long-lived links */
    struct str lang; /* "uk" or "en": the digest's language (store/mail_lang.h) */
    int64_t created_at, confirmed_at, last_digest_at;
    int64_t *tag_ids, *dept_ids; /* chosen topics; none of either = every article */
    size_t n_tags, n_depts;
};

/* ERR_NOTFOUND when there is no such subscriber. Topics are loaded too. */
ERR_MUST_USE
enum err store_subscriber_by_email(struct store *s, struct arena *a, struct str email,
                                   struct store_subscriber *out);
ERR_MUST_USE
enum err store_subscriber_by_id(struct store *s, struct arena *a, int64_t id,
                                struct store_subscriber *out);
/* store_subscriber_insert adds a pending subscriber; ERR_CONFLICT when the address is
 * known. */
ERR_MUST_USE
enum err store_subscriber_insert(struct store *s, struct str email, struct str key, bool weekly,
                                 int64_t now, int64_t *id);
/* store_subscriber_set_state changes the state (and updated_at). Becoming active sets
 * confirmed_at and last_digest_at to now, so the first digest holds what follows. */
ERR_MUST_USE
enum err store_subscriber_set_state(struct store *s, int64_t id, enum store_sub_state st,
                                    int64_t now);
/* store_subscriber_set_prefs replaces frequency and topics (ids of tags and
 * departments; unknown ids are dropped). ERR_TOO_LARGE past STORE_MAIL_MAX_TOPICS. */
ERR_MUST_USE
enum err store_subscriber_set_prefs(struct store *s, int64_t id, bool weekly,
                                    const int64_t *tag_ids, size_t n_tags, const int64_t *dept_ids,
                                    size_t n_depts);
/* store_subscriber_digest_done records that the digest slot up to at was handled. */
ERR_MUST_USE
enum err store_subscriber_digest_done(struct store *s, int64_t id, int64_t at);
/* store_subscriber_bounce marks the subscriber with this address bounced, with why. */
ERR_MUST_USE
enum err store_subscriber_bounce(struct store *s, struct str email, struct str why, int64_t now);
/* store_subscribers_due lists (by id, after after_id, at most limit) active subscribers
 * whose last digest is before their slot: daily_slot for daily ones, weekly_slot for
 * weekly ones (0 = that frequency is not due). */
ERR_MUST_USE
enum err store_subscribers_due(struct store *s, struct arena *a, int64_t daily_slot,
                               int64_t weekly_slot, int64_t after_id, size_t limit, int64_t **ids,
                               size_t *n);
/* store_subscriber_erase deletes the subscriber with everything about it (topics,
 * consent, tokens, its outbox rows): the erasure a reader may ask for. */
ERR_MUST_USE
enum err store_subscriber_erase(struct store *s, int64_t id);

/* Consent: one record per request; confirming stamps the newest unconfirmed one. */
struct store_consent_input {
    int64_t subscriber_id, requested_at;
    struct str text_version, ip_hash, user_agent;
};
ERR_MUST_USE
enum err store_mail_consent_add(struct store *s, const struct store_consent_input *in);
ERR_MUST_USE
enum err store_mail_consent_confirm(struct store *s, int64_t subscriber_id, int64_t now);

/* Single-use tokens, stored by hash. store_mail_token_use marks it used: ERR_NOTFOUND
 * when unknown, ERR_CONFLICT when already used, ERR_INVALID when expired. */
ERR_MUST_USE
enum err store_mail_token_add(struct store *s, struct str hash, int64_t subscriber_id,
                              int64_t expires_at);
ERR_MUST_USE
enum err store_mail_token_use(struct store *s, struct str hash, int64_t now,
                              int64_t *subscriber_id);
/* store_mail_token_live: whether the subscriber has an unused token not yet expired
 * (a confirmation mail is on its way: do not send another). */
ERR_MUST_USE
enum err store_mail_token_live(struct store *s, int64_t subscriber_id, int64_t now, bool *live);

/* Rate counters: store_mail_rate_hit adds one to (key, window_start) and gives the new
 * count; windows older than forget_before are dropped on the way. */
ERR_MUST_USE
enum err store_mail_rate_hit(struct store *s, struct str key, int64_t window_start,
                             int64_t forget_before, int64_t *count);

/* The outbox. */
enum store_outbox_state {
    STORE_OUTBOX_QUEUED,
    STORE_OUTBOX_SENDING,
    STORE_OUTBOX_SENT,
    STORE_OUTBOX_FAILED,
};
const char *store_outbox_state_text(enum store_outbox_state st);

struct store_outbox_input {
    int64_t subscriber_id; /* 0 = none (a test message) */
    struct str kind;       /* "confirm", "digest", "test" */
    struct str rcpt, subject, message_id;
    struct str body; /* the whole RFC 5322 message, CRLF line ends */
    int64_t now;
};
struct store_outbox_msg {
    int64_t id, subscriber_id;
    struct str kind, rcpt, subject, message_id, body, last_error;
    enum store_outbox_state state;
    int attempts;
    int64_t next_attempt_at, created_at, sent_at;
};
ERR_MUST_USE
enum err store_outbox_add(struct store *s, const struct store_outbox_input *in, int64_t *id);
/* store_outbox_claim takes the oldest due row (queued, or sending with an expired
 * lease): state sending, attempts + 1, claimed_by = claimer, lease until lease_until.
 * Commits by itself (call outside a transaction) so the claim is durable before the
 * send. ERR_NOTFOUND when nothing is due. */
ERR_MUST_USE
enum err store_outbox_claim(struct store *s, struct arena *a, int64_t now, int64_t lease_until,
                            int64_t claimer, struct store_outbox_msg *out);
/* store_outbox_sent marks a row sent (and drops its body). */
ERR_MUST_USE
enum err store_outbox_sent(struct store *s, int64_t id, int64_t now);
/* store_outbox_retry puts a row back in the queue for next_at with the error. */
ERR_MUST_USE
enum err store_outbox_retry(struct store *s, int64_t id, int64_t next_at, struct str error);
/* store_outbox_fail marks a row failed for good (its body dropped). */
ERR_MUST_USE
enum err store_outbox_fail(struct store *s, int64_t id, int64_t now, struct str error);
/* store_outbox_recover requeues rows a dead process left in sending: alive(claimer)
 * says whether the claimer still runs. *n receives the count. */
ERR_MUST_USE
enum err store_outbox_recover(struct store *s, bool (*alive)(int64_t claimer), int64_t now,
                              int64_t *n);
/* store_outbox_next_due: earliest next_attempt_at among queued or sending rows;
 * ERR_NOTFOUND when the queue is empty. */
ERR_MUST_USE
enum err store_outbox_next_due(struct store *s, int64_t *at);
/* store_outbox_log: newest rows first (before_id 0 = from the newest), bodies left
 * out; failed_only keeps failed rows and those with an error. */
ERR_MUST_USE
enum err store_outbox_log(struct store *s, struct arena *a, int64_t before_id, bool failed_only,
                          size_t limit, struct store_outbox_msg **items, size_t *n);
/* store_outbox_counts: rows per state, indexed by enum store_outbox_state. */
ERR_MUST_USE
enum err store_outbox_counts(struct store *s, int64_t counts[4]);

/* Subscriber statistics: counts per state (indexed by enum store_sub_state), and per
 * topic among active subscribers (ref.count), tags then departments. */
ERR_MUST_USE
enum err store_subscriber_counts(struct store *s, int64_t counts[4]);
ERR_MUST_USE
enum err store_subscriber_topic_counts(struct store *s, struct arena *a, struct store_ref **tags,
                                       size_t *n_tags, struct store_ref **depts, size_t *n_depts);
/* store_subscribers_page lists subscribers by id after after_id (for CSV export). */
ERR_MUST_USE
enum err store_subscribers_page(struct store *s, struct arena *a, int64_t after_id, size_t limit,
                                struct store_subscriber **items, size_t *n);

/* store_mail_articles: visible articles with since < published_at <= until, newest
 * first, matching any of the tags or departments (both empty = all), at most limit
 * (<= STORE_MAX_LIST_LIMIT) and *has_more when more match. */
ERR_MUST_USE
enum err store_mail_articles(struct store *s, struct arena *a, int64_t since, int64_t until,
                             const int64_t *tag_ids, size_t n_tags, const int64_t *dept_ids,
                             size_t n_depts, size_t limit, struct store_summary **items, size_t *n,
                             bool *has_more);

/* store_outbox_queue_stats: how many outbox messages wait (queued or being sent) and how
 * old the oldest of them is at now (0 when none), in seconds. For /metrics. */
ERR_MUST_USE
enum err store_outbox_queue_stats(struct store *s, int64_t now, int64_t *depth,
                                  int64_t *oldest_age);

#endif
