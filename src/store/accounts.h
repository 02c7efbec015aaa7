/* store/accounts.h: the editors' accounts, sessions, login throttling and the audit
 * log with its hash chain (accounts.c, signing_sqlite.c for the chain). */
#ifndef VISNYK_STORE_ACCOUNTS_H
#define VISNYK_STORE_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

#define STORE_MAX_USER_NAME_BYTES 64
#define STORE_MAX_PW_HASH_BYTES 256
#define STORE_MAX_AUDIT_TEXT_BYTES 1024 /* object and detail are cut to this */

enum store_role {
    STORE_ROLE_AUTHOR = 1, /* writes drafts, submits them for review */
    STORE_ROLE_EDITOR = 2, /* edits, schedules, publishes, withdraws; tags, pages, banner */
    STORE_ROLE_ADMIN = 3,  /* also users and site settings */
};
/* "author", "editor", "admin"; store_role_parse fails (false) on anything else. */
const char *store_role_text(enum store_role r);
bool store_role_parse(struct str text, enum store_role *out);
/* store_user_name_valid: 1..STORE_MAX_USER_NAME_BYTES of [a-z0-9._-] (names are
 * lower-cased by the callers before they get here). */
bool store_user_name_valid(struct str name);

struct store_user {
    int64_t id;
    struct str name;
    enum store_role role;
    bool disabled;
    struct str pw_hash; /* libsodium crypto_pwhash_str string */
    int64_t created_at, last_login_at;
};

/* store_user_add creates a user. ERR_INVALID for a bad name, ERR_CONFLICT when the
 * name is taken. */
ERR_MUST_USE
enum err store_user_add(struct store *s, struct str name, enum store_role role, struct str pw_hash,
                        int64_t *id);
/* ERR_NOTFOUND when there is no such user. */
ERR_MUST_USE
enum err store_user_by_name(struct store *s, struct arena *a, struct str name,
                            struct store_user *out);
ERR_MUST_USE
enum err store_user_by_id(struct store *s, struct arena *a, int64_t id, struct store_user *out);
/* store_users_all: every user, by name. */
ERR_MUST_USE
enum err store_users_all(struct store *s, struct arena *a, struct store_user **items, size_t *n);
/* The setters fail with ERR_NOTFOUND for an unknown id. Changing the password or
 * disabling a user also ends all of that user's sessions. */
ERR_MUST_USE
enum err store_user_set_password(struct store *s, int64_t id, struct str pw_hash);
ERR_MUST_USE
enum err store_user_set_role(struct store *s, int64_t id, enum store_role role);
ERR_MUST_USE
enum err store_user_set_disabled(struct store *s, int64_t id, bool disabled);
ERR_MUST_USE
enum err store_user_logged_in(struct store *s, int64_t id, int64_t now);

/* Sessions: the token itself never reaches the database, only its hash. */
struct store_session {
    int64_t user_id;
    struct str csrf;
    int64_t created_at, last_seen;
};
ERR_MUST_USE
enum err store_session_create(struct store *s, struct str token_hash, int64_t user_id,
                              struct str csrf, struct str ip, int64_t now);
/* ERR_NOTFOUND for an unknown (or ended) session. */
ERR_MUST_USE
enum err store_session_get(struct store *s, struct arena *a, struct str token_hash,
                           struct store_session *out);
ERR_MUST_USE
enum err store_session_touch(struct store *s, struct str token_hash, int64_t now);
ERR_MUST_USE
enum err store_session_delete(struct store *s, struct str token_hash);
ERR_MUST_USE
enum err store_sessions_delete_user(struct store *s, int64_t user_id);
/* store_sessions_expire drops sessions idle since before idle_before or created before
 * created_before. */
ERR_MUST_USE
enum err store_sessions_expire(struct store *s, int64_t idle_before, int64_t created_before);

/* Login attempts, for throttling. name is what was typed (lower-cased), known or not. */
struct store_login_counts {
    int64_t account_failures; /* failures for this name since `since`, from any address */
    int64_t pair_failures;    /* failures for this name from this address since `since` */
    int64_t ip_failures;      /* failures from this address, any name, since `since` */
    bool known_ip;            /* a successful login for name from ip since known_since */
};
/* store_login_record appends one attempt and drops attempts older than two days. */
ERR_MUST_USE
enum err store_login_record(struct store *s, struct str name, struct str ip, bool ok, int64_t now);
ERR_MUST_USE
enum err store_login_counts(struct store *s, struct str name, struct str ip, int64_t since,
                            int64_t known_since, struct store_login_counts *out);

/* The audit log: append-only (the schema refuses UPDATE and DELETE). */
struct store_audit_entry {
    int64_t id, at, user_id;
    struct str user_name, ip, action, object, detail;
    int64_t request_id; /* the HTTP request that made it (its log lines and error page
                         * carry the same id); 0 = the command line or before migration 10 */
};
/* store_audit_add appends an entry at now; texts over STORE_MAX_AUDIT_TEXT_BYTES are
 * cut at a character boundary. user_id 0 = nobody (failed logins, the command line). */
ERR_MUST_USE
enum err store_audit_add(struct store *s, int64_t user_id, struct str user_name, struct str ip,
                         int64_t request_id, const char *action, struct str object,
                         struct str detail, int64_t now);
struct store_audit_query {
    struct str user_name; /* exact, empty = any */
    struct str action;    /* prefix ("article." matches every article action), empty = any */
    int64_t from, until;  /* at >= from, at < until; 0 = no bound */
    int64_t before_id;    /* entries with id < before_id; 0 = newest */
    size_t limit;         /* 1..STORE_MAX_LIST_LIMIT */
};
/* store_audit_list: newest first. */
ERR_MUST_USE
enum err store_audit_list(struct store *s, struct arena *a, const struct store_audit_query *q,
                          struct store_audit_entry **items, size_t *n, bool *has_more);

/* store_audit_hash writes into hex[65] the chain hash of an audit entry: lowercase hex
 * SHA-256 of "visnyk-audit-v1\n" then, for id, at, user_id (0 = nobody), user_name,
 * ip, action, object, detail and prev_hash, "<byte length>:<bytes>\n" (integers in
 * decimal). An entry with a request id (migration 10) starts "visnyk-audit-v2\n" and
 * has the request id after detail; entries without one hash as they did before. */
void store_audit_hash(int64_t id, int64_t at, int64_t user_id, struct str user_name, struct str ip,
                      struct str action, struct str object, struct str detail, int64_t request_id,
                      struct str prev_hash, char hex[65]);
struct store_audit_check {
    bool ok;
    int64_t entries;        /* entries read */
    int64_t bad_id, bad_at; /* the first broken link when !ok */
    char reason[160];
};
/* store_audit_chain_check reads the whole audit log in id order, recomputing each
 * entry's hash and its link to the entry before. */
ERR_MUST_USE
enum err store_audit_chain_check(struct store *s, struct store_audit_check *out);

#endif
