/* mail.h: the news digest by e-mail. Addresses, MIME messages, signed tokens, the
 * subscription rules (double opt-in), digest building, and the outbox sender that
 * delivers over SMTP with libcurl.
 *
 * Durability: every message is a row of the outbox, written in the same transaction
 * that decided to send it. The sender claims a row (state sending, attempt counted,
 * committed) before talking to the server and marks it sent only after the server
 * accepted the message, so a crash at any point loses nothing and can resend at most
 * the one message in flight. 4xx answers and connection errors retry with exponential
 * backoff; 5xx answers fail the row for good and stop mail to that address.
 *
 * Texts come from the theme's catalog (mail.* keys of uk.ini), so an operator can
 * reword them like any page. */
#ifndef VISNYK_MAIL_MAIL_H
#define VISNYK_MAIL_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "render/i18n.h"
#include "store/mail.h"

#define MAIL_MAX_ADDRESS_BYTES 254 /* RFC 5321 path limit */
#define MAIL_MAX_LOCAL_BYTES 64
#define MAIL_MAX_MESSAGE_BYTES (4 * 1024 * 1024)
#define MAIL_TOKEN_TTL_SECONDS (48 * 3600)
#define MAIL_DIGEST_MAX_ARTICLES 30
#define MAIL_MAX_USER_AGENT_BYTES 256
#define MAIL_CONSENT_VERSION "2026-01" /* bump when the consent text in the catalog changes */
#define MAIL_SECRET_BYTES 32
#define MAIL_LEASE_SECONDS 300 /* a claimed row is retried after this if its sender vanished */
#define MAIL_BACKOFF_MAX_SECONDS (6 * 3600)
#define MAIL_MAX_ATTEMPTS 12 /* temporary failures, then the row fails */
#define MAIL_SMTP_CONNECT_TIMEOUT 20
#define MAIL_SMTP_TIMEOUT 90 /* seconds for one whole message */

/* ---- addresses ---- */

enum mail_addr_problem {
    MAIL_ADDR_OK,
    MAIL_ADDR_EMPTY,
    MAIL_ADDR_TOO_LONG,
    MAIL_ADDR_SYNTAX,   /* not local@domain, or characters not allowed */
    MAIL_ADDR_DOMAIN,   /* the domain is not a valid host name */
    MAIL_ADDR_NONASCII, /* non-ASCII before the @ (needs SMTPUTF8, which we do not use) */
};
/* mail_address_normalize checks an address as typed (surrounding spaces dropped) and
 * appends its normalised form: lower-cased and, when the domain is
 * internationalised, converted to its ASCII (punycode, "xn--") form. ERR_INVALID with
 * *why on a bad address; ERR_TOO_LARGE when out is full. */
ERR_MUST_USE
enum err mail_address_normalize(struct str in, struct buf *out, enum mail_addr_problem *why);
/* mail_punycode_label appends the punycode (RFC 3492) of one UTF-8 label, without
 * the "xn--" prefix. ERR_INVALID on bad UTF-8. */
ERR_MUST_USE
enum err mail_punycode_label(struct str label, struct buf *out);
/* mail_address_for_log appends a masked address for logs: "j***@example.org". */
void mail_address_for_log(struct str addr, char *out, size_t out_size);

/* ---- messages ---- */

struct mail_message {
    struct str from_name, from_addr, to, subject;
    struct str message_id; /* "<...@...>" */
    int64_t date;
    struct str list_unsubscribe_url;    /* empty: no List-Unsubscribe headers */
    struct str list_unsubscribe_mailto; /* "mailto:...", optional */
    struct str text;                    /* plain-text part, UTF-8, LF or CRLF line ends */
    struct str html;                    /* empty: text only */
};
/* mail_message_build appends an RFC 5322 message with CRLF line ends: headers (UTF-8
 * text as RFC 2047 encoded words), multipart/alternative when html is set, parts in
 * base64. ERR_INVALID when a header value holds CR or LF; ERR_TOO_LARGE past out's max. */
ERR_MUST_USE
enum err mail_message_build(const struct mail_message *m, struct buf *out);
/* mail_header_encode appends text as an unstructured header value: as is when it is
 * printable ASCII, else as UTF-8 "B" encoded words of at most 75 characters, folded,
 * never splitting a character. used is the length of "Name: " already on the line. */
ERR_MUST_USE
enum err mail_header_encode(struct buf *out, size_t used, struct str text);
/* mail_message_id_make appends "<hex random.time@domain>" (domain from from_addr). */
ERR_MUST_USE
enum err mail_message_id_make(struct str from_addr, int64_t now, struct buf *out);
/* mail_date_format appends an RFC 5322 date in Kyiv time: "Mon, 29 Dec 2025 16:51:00 +0200". */
ERR_MUST_USE
enum err mail_date_format(int64_t utc, struct buf *out);

/* ---- secrets and tokens ---- */

/* mail_secret_get reads the installation secret from the settings (key mail_secret),
 * creating it with randombytes_buf on first use. w must be a STORE_WRITE connection
 * outside a transaction. */
ERR_MUST_USE
enum err mail_secret_get(struct store *w, unsigned char secret[MAIL_SECRET_BYTES]);
/* Confirmation token "<id>.<expires>.<nonce>.<hmac>" (digits, hex and dots). The hash
 * (hex SHA-256 of the whole token) is what the database keeps. */
ERR_MUST_USE
enum err mail_token_confirm_make(const unsigned char *secret, int64_t subscriber_id,
                                 int64_t expires_at, struct buf *token, struct buf *hash);
/* mail_token_confirm_check verifies format and signature (not expiry, not use: the
 * database decides those) and gives the subscriber id and the hash. */
bool mail_token_confirm_check(const unsigned char *secret, struct str token, int64_t *subscriber_id,
                              struct buf *hash);
/* Long-lived link tokens "<id>.<hmac>" for unsubscribe ('u') and preferences ('p'),
 * bound to the subscriber's key so erasure voids them. */
ERR_MUST_USE
enum err mail_token_link_make(const unsigned char *secret, char purpose, int64_t subscriber_id,
                              struct str key, struct buf *out);
/* mail_token_link_id reads the id of a link token (false when malformed). */
bool mail_token_link_id(struct str token, int64_t *subscriber_id);
bool mail_token_link_check(const unsigned char *secret, char purpose, int64_t subscriber_id,
                           struct str key, struct str token);
/* mail_keyed_hash appends 32 hex characters of HMAC(secret, label | text): how IP
 * addresses are kept in consent records and rate counters. */
ERR_MUST_USE
enum err mail_keyed_hash(const unsigned char *secret, const char *label, struct str text,
                         struct buf *out);
/* mail_random_hex appends 2*n random hex characters. */
ERR_MUST_USE
enum err mail_random_hex(size_t n, struct buf *out);

/* ---- what messages need to know about the site ---- */

struct mail_site {
    const struct i18n *lang; /* the theme's catalog (mail.* keys) */
    struct str site_name;    /* settings site_name, else the catalog default */
    struct str base_url;     /* no trailing slash */
    struct str prefix;       /* "" or "/en": what every link's path starts with */
    /* The English catalog and site name (settings site_name_en), for subscribers whose
     * language is "en" (mail_site_english); NULL: they get the Ukrainian mail. */
    const struct i18n *lang_en;
    struct str site_name_en;
    struct str from_addr; /* mail_from */
    unsigned char secret[MAIL_SECRET_BYTES];
};
/* mail_site_load fills site: secret (see mail_secret_get) and site_name from the
 * settings. Strings are copied into a. w as for mail_secret_get. */
ERR_MUST_USE
enum err mail_site_load(struct store *w, struct arena *a, const struct i18n *lang,
                        const char *base_url, const char *from_addr, struct mail_site *site);

/* mail_site_english adds the English catalog en to site (see struct mail_site), with
 * the English site name from the settings (read with s, copied into a). */
ERR_MUST_USE
enum err mail_site_english(struct store *s, struct arena *a, const struct i18n *en,
                           struct mail_site *site);

/* ---- subscribing ---- */

struct mail_limits {
    unsigned ip_per_hour;  /* subscription requests per IP address per hour */
    unsigned addr_per_day; /* per address per day (mail is also never sent while a
                              confirmation is pending) */
};

struct mail_subscribe_input {
    struct str email; /* as typed */
    bool weekly;
    const int64_t *tag_ids, *dept_ids;
    size_t n_tags, n_depts;
    struct str ip, user_agent;
    struct str lang; /* "uk" or "en" (store_mail_lang_valid); empty = "uk" */
    int64_t now;
};

enum mail_sub_outcome {
    MAIL_SUB_ACCEPTED,     /* the same answer whatever happened to a valid address */
    MAIL_SUB_BAD_ADDRESS,  /* *why says what is wrong */
    MAIL_SUB_RATE_LIMITED, /* too many requests from this IP address */
};
/* mail_subscribe applies the double opt-in rules in one transaction on w: a new (or
 * unsubscribed) address becomes pending with its topics, a consent record and a
 * confirmation message in the outbox; a pending address with a live confirmation, an
 * active or bounced address, or one past its daily limit gets nothing, and the answer
 * does not tell these apart. */
ERR_MUST_USE
enum err mail_subscribe(struct store *w, struct arena *a, const struct mail_site *site,
                        const struct mail_limits *limits, const struct mail_subscribe_input *in,
                        enum mail_sub_outcome *outcome, enum mail_addr_problem *why);

enum mail_token_outcome {
    MAIL_TOKEN_OK,
    MAIL_TOKEN_INVALID, /* malformed, forged, or the subscriber is gone */
    MAIL_TOKEN_EXPIRED,
    MAIL_TOKEN_USED,
};
/* mail_confirm uses a confirmation token: the subscriber becomes active and the
 * consent record gets its confirmation time. */
ERR_MUST_USE
enum err mail_confirm(struct store *w, const struct mail_site *site, struct str token, int64_t now,
                      enum mail_token_outcome *outcome);
/* mail_unsubscribe uses an unsubscribe link token (idempotent). */
ERR_MUST_USE
enum err mail_unsubscribe(struct store *w, struct arena *a, const struct mail_site *site,
                          struct str token, int64_t now, enum mail_token_outcome *outcome);
/* mail_prefs_load finds the subscriber of a preferences token (MAIL_TOKEN_INVALID when
 * it does not check out). */
ERR_MUST_USE
enum err mail_prefs_load(struct store *s, struct arena *a, const struct mail_site *site,
                         struct str token, struct store_subscriber *sub,
                         enum mail_token_outcome *outcome);
/* mail_prefs_save replaces frequency, topics and (unless lang is empty) the language;
 * ERR_INVALID, with nothing changed, for a language store_mail_lang_valid refuses. */
ERR_MUST_USE
enum err mail_prefs_save(struct store *w, struct arena *a, const struct mail_site *site,
                         struct str token, bool weekly, const int64_t *tag_ids, size_t n_tags,
                         const int64_t *dept_ids, size_t n_depts, struct str lang,
                         enum mail_token_outcome *outcome);

/* ---- digests ---- */

/* mail_digest_compose builds the digest of the articles in (since, until] matching
 * sub's topics, newest first; in sub's language (struct mail_site.lang_en), where an
 * English digest lists the published English translations and leaves out articles
 * without one (at most MAIL_DIGEST_MAX_ARTICLES, then a link to the
 * site): subject, plain text and HTML (inline CSS, images by absolute URL with alt
 * text) in a, and the unsubscribe link when sub->id > 0. *n_articles = 0 when nothing
 * is new (the rest is then left empty). */
struct mail_composed {
    struct str subject, text, html, unsub_url, unsub_mailto;
};
ERR_MUST_USE
enum err mail_digest_compose(struct store *s, struct arena *a, const struct mail_site *site,
                             const struct store_subscriber *sub, int64_t since, int64_t until,
                             struct mail_composed *out, size_t *n_articles);
/* mail_digest_slots: the latest daily and weekly digest times at or before now
 * (hour:minute Kyiv time, weekday 1 = Monday .. 7 = Sunday). */
void mail_digest_slots(int64_t now, int hour, int minute, int weekday, int64_t *daily,
                       int64_t *weekly);
/* mail_digest_queue queues the digests due at (daily_slot, weekly_slot) (0 skips that
 * frequency; INT64_MAX for both: every active subscriber), each in the transaction that
 * moves the subscriber's last_digest_at to now. since >= 0 replaces each subscriber's
 * last digest as the start of "new". *queued counts messages, *checked subscribers. */
ERR_MUST_USE
enum err mail_digest_queue(struct store *w, const struct mail_site *site, int64_t now,
                           int64_t daily_slot, int64_t weekly_slot, int64_t since, int64_t *queued,
                           int64_t *checked);
/* mail_test_queue puts a sample digest (the newest articles) addressed to rcpt in the
 * outbox ("send me a test"). */
ERR_MUST_USE
enum err mail_test_queue(struct store *w, const struct mail_site *site, struct str rcpt,
                         int64_t now);

/* ---- the sender ---- */

struct mail_config {
    const char *db_path;
    const char *theme_dir; /* for the catalog */
    const char *smtp_url;  /* empty: nothing is sent (rows wait in the outbox) */
    const char *mail_from;
    const char *base_url;
    int digest_hour, digest_minute, digest_weekday;
    unsigned rate_per_minute;
    unsigned retry_seconds; /* first backoff step */
};

struct mail_sender;
/* mail_sender_new prepares an SMTP client for cfg (libcurl). The caller owns it. */
ERR_MUST_USE
enum err mail_sender_new(const struct mail_config *cfg, struct mail_sender **out);
void mail_sender_free(struct mail_sender *ms);
/* mail_sender_recover requeues rows left in sending by processes that are gone. */
ERR_MUST_USE
enum err mail_sender_recover(struct mail_sender *ms, struct store *w);
/* mail_sender_step claims and sends one due message, pacing to the configured rate.
 * ERR_NOTFOUND when nothing is due. *sent says whether the server accepted it; the
 * sent mark commits with the next claim (or mail_sender_flush). */
ERR_MUST_USE
enum err mail_sender_step(struct mail_sender *ms, struct store *w, bool *sent);
/* mail_sender_flush records a message accepted by the last step as sent (steps record
 * it together with the next claim, to save a commit). Call it before freeing. */
ERR_MUST_USE
enum err mail_sender_flush(struct mail_sender *ms, struct store *w);

/* The background service of `visnyk serve`: the sender thread and the digest
 * scheduler thread, each with its own database connection. */
struct mail_service;
ERR_MUST_USE
enum err mail_service_start(const struct mail_config *cfg, struct mail_service **out);
/* mail_service_stop asks both threads to stop, waits (a send in progress finishes or
 * times out) and frees the service. NULL is fine. */
void mail_service_stop(struct mail_service *svc);

/* mail_catalog_load loads <theme_dir>/i18n/uk.ini for mail texts outside the site;
 * mail_catalog_load_en its English one, <theme_dir>/i18n/en.ini. */
ERR_MUST_USE
enum err mail_catalog_load(const char *theme_dir, struct i18n **out);
ERR_MUST_USE
enum err mail_catalog_load_en(const char *theme_dir, struct i18n **out);

#endif
