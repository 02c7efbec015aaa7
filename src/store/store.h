/* store.h: the only way to the data. SQLite now (WAL, synchronous=FULL,
 * foreign_keys=ON, busy_timeout); PostgreSQL later behind the same functions, so
 * nothing SQLite-specific leaks out of store/.
 *
 * A struct store is one database connection. It is not thread-safe: each loop thread
 * opens its own. Everything a query returns is allocated from the arena passed in and
 * lives as long as that arena. Times are UTC seconds since the epoch. */
#ifndef VISNYK_STORE_STORE_H
#define VISNYK_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"

/* Limits on what is stored (checked by import and the editor). */
#define STORE_MAX_TITLE_BYTES 1024
#define STORE_MAX_SLUG_BYTES 200
#define STORE_MAX_LEAD_BYTES 4096
#define STORE_MAX_BODY_BYTES (1024 * 1024)
#define STORE_MAX_LIST_LIMIT 100
#define STORE_MAX_NAME_BYTES 256     /* a tag or department name */
#define STORE_MAX_REFS 64            /* tags, and departments, per article */
#define STORE_MAX_RELATED 12         /* editors' related choices per article */
#define STORE_MAX_PHOTOS 100         /* photos per article */
#define STORE_MAX_CAPTION_BYTES 2048 /* a photo caption or alt text */
#define STORE_MAX_HASH_BYTES 128     /* a photo content hash */
#define STORE_MAX_SETTING_KEY_BYTES 64
#define STORE_MAX_SETTING_BYTES (64 * 1024)

struct store;

enum store_mode {
    STORE_READ,  /* read-only connection for serving pages */
    STORE_WRITE, /* read-write; creates the file if missing */
};

enum store_status {
    STORE_DRAFT,
    STORE_REVIEW,
    STORE_SCHEDULED,
    STORE_PUBLISHED,
    STORE_WITHDRAWN,
};

/* Status names, as stored and as written in import files: "draft", "review",
 * "scheduled", "published", "withdrawn". store_status_parse fails (false) on anything
 * else; store_status_text gives "draft" for an out-of-range value. */
const char *store_status_text(enum store_status st);
bool store_status_parse(struct str text, enum store_status *out);
/* store_slug_valid: 1..STORE_MAX_SLUG_BYTES of [a-z0-9-], so slugs are safe in URLs
 * and file names without escaping. Article and page slugs must pass it. */
bool store_slug_valid(struct str slug);

/* store_open opens path; the caller owns *out and closes it with store_close.
 * A STORE_READ connection fails with ERR_VERSION when the schema is not the one this
 * binary knows (run `visnyk init`), and with ERR_IO when the file does not exist.
 * ERR_INVALID when the file is not an SQLite database. */
ERR_MUST_USE
enum err store_open(const char *path, enum store_mode mode, struct store **out);
void store_close(struct store *s);
/* store_errmsg: the last database error message, for logs (never shown to readers). */
const char *store_errmsg(struct store *s);

/* store_migrate applies every pending numbered migration, each in its own
 * transaction. Idempotent. ERR_VERSION when the database is newer than the binary. */
ERR_MUST_USE
enum err store_migrate(struct store *s, int *from_version, int *to_version);
/* The schema version this binary writes. */
int store_schema_version(void);

/* Explicit transactions. On a STORE_WRITE connection store_begin takes the write lock
 * at once (BEGIN IMMEDIATE, so two writers never deadlock upgrading); on a STORE_READ
 * connection it opens a read transaction, giving several reads one consistent
 * snapshot (one per request). ERR_BUSY when the lock stays taken past busy_timeout. */
ERR_MUST_USE
enum err store_begin(struct store *s);
ERR_MUST_USE
enum err store_commit(struct store *s);
void store_rollback(struct store *s);
/* store_in_transaction: whether a transaction is open on this connection. */
bool store_in_transaction(struct store *s);

/* A tag or a department. */
struct store_ref {
    int64_t id;
    struct str slug;
    struct str name;
    int64_t count; /* published articles, where a query fills it; else 0 */
};

struct store_photo {
    int64_t id;
    struct str hash; /* content hash naming the files under the media folder */
    int width, height;
    struct str caption;
    struct str alt;
};

struct store_article {
    int64_t id;
    struct str slug, title, lead, body_md;
    int64_t published_at, updated_at;
    enum store_status status;
    struct store_ref *departments;
    size_t n_departments;
    struct store_ref *tags;
    size_t n_tags;
    struct store_photo *photos; /* in gallery order; photos[0] is the lead photo */
    size_t n_photos;
};

/* What lists show. lead_photo is NULL when the article has no photo. */
struct store_summary {
    int64_t id;
    struct str slug, title, lead;
    int64_t published_at;
    struct store_photo *lead_photo;
};

/* Keyset position in the (published_at DESC, id DESC) order. Zero means the start. */
struct store_cursor {
    int64_t published_at;
    int64_t id;
};

struct store_list_query {
    int64_t tag_id;            /* 0 = any */
    int64_t dept_id;           /* 0 = any */
    int64_t from;              /* published_at >= from, 0 = no bound */
    int64_t until;             /* published_at < until, 0 = no bound */
    struct store_cursor after; /* items strictly after this position, zero = first page */
    size_t limit;              /* 1..STORE_MAX_LIST_LIMIT */
};

struct store_month {
    int year, month; /* Kyiv local calendar */
    int64_t count;
};

struct store_page {
    int64_t id;
    struct str slug, title, body_md;
    int64_t updated_at;
    int64_t version; /* 1 when created, one more on every save (the signed revision) */
};

/* Reads of published content: status published or scheduled, and published_at <= now
 * (a scheduled article becomes visible by itself when its time comes).
 * ERR_NOTFOUND when there is no such visible article. */
ERR_MUST_USE
enum err store_article_by_slug(struct store *s, struct arena *a, struct str slug,
                               struct store_article *out);
ERR_MUST_USE
enum err store_article_by_id(struct store *s, struct arena *a, int64_t id,
                             struct store_article *out);
/* store_article_by_slug_any: the article whatever its status or time (editor, import).
 * ERR_NOTFOUND when the slug is unknown. */
ERR_MUST_USE
enum err store_article_by_slug_any(struct store *s, struct arena *a, struct str slug,
                                   struct store_article *out);
/* store_article_slug_current: the current slug of the visible article that had
 * old_slug before a rename (slugs_sqlite.c), copied into a. ERR_NOTFOUND when no
 * visible article had it. */
ERR_MUST_USE
enum err store_article_slug_current(struct store *s, struct arena *a, struct str old_slug,
                                    struct str *current);
/* An earlier slug of a visible article and the slug it answers with now. */
struct store_slug_move {
    struct str old_slug, slug;
};
/* store_article_slug_history: every earlier slug of a visible article (the static
 * export writes a redirect page for each), ordered by old slug, in a. */
ERR_MUST_USE
enum err store_article_slug_history(struct store *s, struct arena *a, struct store_slug_move **out,
                                    size_t *n);
/* store_article_list fills items (newest first) and *has_more when another page
 * follows. Keyset pagination: cost does not grow with the depth of the page. */
ERR_MUST_USE
enum err store_article_list(struct store *s, struct arena *a, const struct store_list_query *q,
                            struct store_summary **items, size_t *n, bool *has_more);
/* store_article_page_before: where the page before q's page starts, for a link back
 * ("previous page") in the keyset order: the page of q->limit rows that ends with the
 * cursor q->after itself (same filters and bounds as store_article_list). *first is true
 * (and *before zero) when that page is the first one, including when q->after is zero.
 * ERR_INVALID for a limit out of 1..STORE_MAX_LIST_LIMIT. */
ERR_MUST_USE
enum err store_article_page_before(struct store *s, const struct store_list_query *q,
                                   struct store_cursor *before, bool *first);
/* store_article_related: other visible articles sharing tags or departments with
 * article_id, ranked by score (2 per shared tag, 1 per shared department), then newest,
 * then highest id. Candidates are the newest STORE__RELATED_PER_REF (300) articles of
 * each shared tag or department, which bounds the work for big departments. *n may be
 * 0. limit is capped at STORE_MAX_LIST_LIMIT. */
ERR_MUST_USE
enum err store_article_related(struct store *s, struct arena *a, int64_t article_id, size_t limit,
                               struct store_summary **items, size_t *n);
/* store_article_neighbours: the previous (older) and next (newer) article, if any
 * (id 0 when absent). */
ERR_MUST_USE
enum err store_article_neighbours(struct store *s, struct arena *a, const struct store_article *art,
                                  struct store_summary *older, struct store_summary *newer);
/* store_next_visible_at: the earliest published_at still in the future among articles
 * that will become visible by themselves (status published or scheduled), so caches and
 * the scheduler know when lists change without any write. ERR_NOTFOUND when none. */
ERR_MUST_USE
enum err store_next_visible_at(struct store *s, int64_t *at);
ERR_MUST_USE
enum err store_article_count(struct store *s, const struct store_list_query *q, int64_t *count);

/* A tag or department is public while it has at least one published article (the rule
 * above, applied to its articles): only then do readers learn its name and slug.
 * store_tag_by_slug / store_dept_by_slug: the public one with this slug and its count;
 * ERR_NOTFOUND alike when the slug is unknown and when it has no published article. */
ERR_MUST_USE
enum err store_tag_by_slug(struct store *s, struct arena *a, struct str slug,
                           struct store_ref *out);
ERR_MUST_USE
enum err store_dept_by_slug(struct store *s, struct arena *a, struct str slug,
                            struct store_ref *out);
/* The public tags (by name) / departments (by sort, then name) with their
 * published-article counts (each >= 1): what every reader-facing surface lists. */
ERR_MUST_USE
enum err store_tags_published(struct store *s, struct arena *a, struct store_ref **items,
                              size_t *n);
ERR_MUST_USE
enum err store_depts_published(struct store *s, struct arena *a, struct store_ref **items,
                               size_t *n);
/* Every tag / department with its published-article count, those with none included
 * (count 0): for the editors' workspace only, never a public page, feed or export. */
ERR_MUST_USE
enum err store_tags_all(struct store *s, struct arena *a, struct store_ref **items, size_t *n);
ERR_MUST_USE
enum err store_depts_all(struct store *s, struct arena *a, struct store_ref **items, size_t *n);
/* Months that have published articles, newest first. */
ERR_MUST_USE
enum err store_archive_months(struct store *s, struct arena *a, struct store_month **items,
                              size_t *n);
ERR_MUST_USE
enum err store_page_by_slug(struct store *s, struct arena *a, struct str slug,
                            struct store_page *out);
/* store_page_by_id: as store_page_by_slug, by id. */
ERR_MUST_USE
enum err store_page_by_id(struct store *s, struct arena *a, int64_t id, struct store_page *out);
ERR_MUST_USE
enum err store_pages_all(struct store *s, struct arena *a, struct store_page **items, size_t *n);
/* Site settings: key/value text (site_name, address, phone, email, hotline,
 * support_email, ...). ERR_NOTFOUND when unset. */
ERR_MUST_USE
enum err store_setting_get(struct store *s, struct arena *a, const char *key, struct str *value);
/* store_setting_set: ERR_TOO_LARGE past STORE_MAX_SETTING_KEY_BYTES/STORE_MAX_SETTING_BYTES. */
ERR_MUST_USE
enum err store_setting_set(struct store *s, const char *key, struct str value);
/* store_data_version changes whenever any connection (this one included) commits a
 * write: PRAGMA data_version (other connections) plus this connection's change count.
 * Cheap; for noticing other processes' writes. Compare values only on one connection. */
ERR_MUST_USE
enum err store_data_version(struct store *s, int64_t *version);

/* Writes (import and, later, the editor). Callers wrap them in begin/commit. */
struct store_photo_input {
    struct str hash;
    int width, height;
    struct str caption, alt;
};

struct store_article_input {
    struct str slug, title, lead, body_md;
    int64_t published_at;
    enum store_status status;
    const struct str *departments; /* names; created when missing */
    size_t n_departments;
    const struct str *tags; /* names; created when missing */
    size_t n_tags;
    const struct store_photo_input *photos;
    size_t n_photos;
    /* Editors' choice for «Новина за темою»: slugs, shown first and in this order when
     * visible; the automatic ranking fills the rest. The slugs may name articles not
     * written yet (an import in any order). */
    const struct str *related;
    size_t n_related;
};

/* store_article_upsert inserts or, when the slug exists, replaces the article with its
 * departments, tags and photos (in the given order; duplicates dropped). Departments and
 * tags are found by exact name or created with a transliterated slug made unique with
 * -2, -3, ... updated_at = now; created_at is kept on replace. *id receives its id.
 * ERR_INVALID for an empty title, a malformed slug (see store_slug_valid) or
 * bad UTF-8; ERR_TOO_LARGE past a STORE_MAX_* limit (store_errmsg says which). */
ERR_MUST_USE
enum err store_article_upsert(struct store *s, const struct store_article_input *in, int64_t *id);
/* store_page_upsert inserts or replaces the static page with this slug; same checks. */
ERR_MUST_USE
enum err store_page_upsert(struct store *s, struct str slug, struct str title, struct str body_md);

/* ---- resilience: backup, checks, media references (backup_sqlite.c) ---- */

/* store_backup_to writes a consistent copy of the whole database to dest_path (a new
 * file: ERR_CONFLICT when it exists) while other connections keep reading and writing:
 * the copy is the snapshot at the moment the backup began, in rollback-journal mode
 * (one self-contained file), fsynced. Works on a STORE_READ connection. ERR_BUSY when
 * the database stays locked, ERR_IO/ERR_DB otherwise (store_errmsg says why); a partial
 * file is removed. */
ERR_MUST_USE
enum err store_backup_to(struct store *s, const char *dest_path);
/* store_check runs PRAGMA integrity_check and PRAGMA foreign_key_check; *problems gets
 * one lowercase line per problem found (arena memory), *n = 0 when the database is
 * sound. Fails only when the checks cannot run. */
ERR_MUST_USE
enum err store_check(struct store *s, struct arena *a, struct str **problems, size_t *n);
/* A media file set the content refers to: <hash>.jpg plus its variants. */
struct store_media_ref {
    struct str hash;
    int width; /* of <hash>.jpg, as recorded (0 when unknown) */
};
/* store_media_refs lists every distinct photo hash, in hash order. */
ERR_MUST_USE
enum err store_media_refs(struct store *s, struct arena *a, struct store_media_ref **items,
                          size_t *n);

/* ---- editors' workspace: accounts, sessions, login throttling, audit log
 * (accounts_sqlite.c); editorial writes, revisions, galleries, tags, departments,
 * pages, scheduling (editorial_sqlite.c) ---- */

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

/* Editorial views and writes. */
struct store_article_meta {
    int64_t id;
    struct str slug, title;
    enum store_status status;
    int64_t published_at, updated_at, version, author_id;
    struct str author_name; /* empty when unknown (imported) */
    int64_t n_photos;
};
struct store_admin_query {
    int status;        /* an enum store_status, or -1 for any */
    int64_t author_id; /* 0 = any */
    struct str text;   /* title contains (case-insensitive for ASCII), empty = any */
    size_t offset, limit;
};
/* store_admin_articles: every article whatever its status, most recently changed
 * first. */
ERR_MUST_USE
enum err store_admin_articles(struct store *s, struct arena *a, const struct store_admin_query *q,
                              struct store_article_meta **items, size_t *n, bool *has_more);
/* store_article_admin_get: the article by id whatever its status, with departments,
 * tags, photos, the editors' related slugs (*related, *n_related) and its meta.
 * ERR_NOTFOUND when there is none. */
ERR_MUST_USE
enum err store_article_admin_get(struct store *s, struct arena *a, int64_t id,
                                 struct store_article *art, struct store_article_meta *meta,
                                 struct str **related, size_t *n_related);

/* store_article_save creates (id 0) or updates an article from the editor: text,
 * status, time, departments, tags and related slugs (photos are kept; in->photos is
 * ignored). An update only happens when the article's version is still
 * expected_version: otherwise ERR_CONFLICT with *stale = true. A slug used by another
 * article is ERR_CONFLICT with *stale = false. Every save records a revision (and, the
 * first time, one of the state before it) by user_id/user_name. Input checks as
 * store_article_upsert. *id and *version receive the result. Call inside begin/commit. */
ERR_MUST_USE
enum err store_article_save(struct store *s, int64_t id, int64_t expected_version,
                            const struct store_article_input *in, int64_t user_id,
                            struct str user_name, int64_t *out_id, int64_t *out_version,
                            bool *stale);

struct store_revision {
    int64_t id, article_id, version, user_id, created_at, published_at;
    struct str user_name, slug, title, lead, body_md, status;
    struct str departments, tags, related; /* names or slugs, one per line */
};
/* store_revisions_list: newest first, without the texts (body_md, lead empty). */
ERR_MUST_USE
enum err store_revisions_list(struct store *s, struct arena *a, int64_t article_id,
                              struct store_revision **items, size_t *n);
/* ERR_NOTFOUND when the article has no such version. */
ERR_MUST_USE
enum err store_revision_get(struct store *s, struct arena *a, int64_t article_id, int64_t version,
                            struct store_revision *out);

/* Gallery: photos of an article, in order (pos). */
ERR_MUST_USE
enum err store_photo_append(struct store *s, int64_t article_id, const struct store_photo_input *p,
                            int64_t *photo_id);
/* The gallery's version: one more on every save of its captions, alt texts and order
 * (not on uploads, which only add), with who saved it last and when ("" and 0 before). */
struct store_gallery_state {
    int64_t version, saved_at;
    struct str saved_by;
};
/* store_gallery_state reads it (saved_by copied into a); ERR_NOTFOUND for no article. */
ERR_MUST_USE
enum err store_gallery_state(struct store *s, struct arena *a, int64_t article_id,
                             struct store_gallery_state *out);
/* store_gallery_claim, inside the transaction of a gallery save: when the gallery is
 * still at expected_version, moves it on one, records user_name and now, and gives the
 * new version; otherwise ERR_CONFLICT (someone saved it since the form was loaded, or
 * there is no such article) and nothing changes. */
ERR_MUST_USE
enum err store_gallery_claim(struct store *s, int64_t article_id, int64_t expected_version,
                             struct str user_name, int64_t now, int64_t *new_version);
struct store_photo_edit {
    int64_t id;    /* a photo of the article; others are ignored */
    int64_t order; /* new position key: sorted ascending, ties by old position */
    struct str caption, alt;
    bool remove;
};
/* store_photos_arrange applies captions, alt texts, removals and the new order. */
ERR_MUST_USE
enum err store_photos_arrange(struct store *s, int64_t article_id,
                              const struct store_photo_edit *edits, size_t n);

/* store_article_ref_ids: ids of the article's tags and departments (cache keys). */
ERR_MUST_USE
enum err store_article_ref_ids(struct store *s, struct arena *a, int64_t article_id,
                               int64_t **tag_ids, size_t *n_tags, int64_t **dept_ids,
                               size_t *n_depts);
/* store_articles_became_visible: ids of articles (status published or scheduled) whose
 * published_at is in (after, until], for the scheduler's cache invalidation. */
ERR_MUST_USE
enum err store_articles_became_visible(struct store *s, struct arena *a, int64_t after,
                                       int64_t until, int64_t **ids, size_t *n);

/* Tags and departments. ERR_CONFLICT when the name or slug is taken, ERR_INVALID for
 * an empty name or a malformed slug, ERR_NOTFOUND for an unknown id. */
ERR_MUST_USE
enum err store_ref_rename(struct store *s, bool is_tag, int64_t id, struct str name,
                          struct str slug);
/* store_tag_merge moves every article of tag from_id to into_id and deletes from_id. */
ERR_MUST_USE
enum err store_tag_merge(struct store *s, int64_t from_id, int64_t into_id);
/* store_dept_add creates a department (slug from the name when slug is empty). */
ERR_MUST_USE
enum err store_dept_add(struct store *s, struct str name, struct str slug, int64_t *id);
ERR_MUST_USE
enum err store_page_delete(struct store *s, struct str slug);

/* ---- department details (people_sqlite.c) ----
 * What a department's public page shows above its news. Each field is empty when not
 * filled in; the workspace validates them (bounds, UTF-8, e-mail and phone syntax)
 * before store_dept_details_set, which stores what it is given. */
enum store_dept_field {
    STORE_DEPT_HEAD_NAME,
    STORE_DEPT_HEAD_POSITION,
    STORE_DEPT_FUNCTIONS_MD,
    STORE_DEPT_ADDRESS,
    STORE_DEPT_PHONE,
    STORE_DEPT_EMAIL,
    STORE_DEPT_HOURS,
    STORE_DEPT_N_FIELDS
};
struct store_dept_details {
    struct str field[STORE_DEPT_N_FIELDS]; /* indexed by enum store_dept_field */
};
/* store_dept_details_get: the department's name, slug and details, copied into a,
 * whether or not it has published articles (callers that serve readers look it up
 * with store_dept_by_slug first). ERR_NOTFOUND for an unknown id. */
ERR_MUST_USE
enum err store_dept_details_get(struct store *s, struct arena *a, int64_t id, struct store_ref *ref,
                                struct store_dept_details *out);
/* store_dept_details_set replaces every detail of department id; ERR_NOTFOUND for an
 * unknown id. Needs a STORE_WRITE connection (callers wrap it in begin/commit). */
ERR_MUST_USE
enum err store_dept_details_set(struct store *s, int64_t id, const struct store_dept_details *in);

/* ---- e-mail digest: subscribers, consent, tokens, outbox, rate limits (mail_sqlite.c) ----
 * Writes need a STORE_WRITE connection; callers group them in begin/commit so a
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
    struct str key; /* random, signed into its long-lived links */
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

/* ---- search, feeds, sitemaps, open data (store/search_sqlite.c) ----
 * The full-text index (migration 2) covers articles' titles, leads, bodies (as plain
 * text) and photo captions, and static pages; triggers keep it in step with every write
 * of content, and queries apply the visibility rule. Words are Ukrainian-aware (see
 * search/search.h): case, apostrophes, stems. */

/* store__search_register: the tokenizer and SQL functions the index needs; store_open
 * calls it on every connection. Internal to store/. */
ERR_MUST_USE
enum err store__search_register(struct store *s);
/* store__search_article_refresh re-indexes the photo captions of article id after its
 * photos were replaced (no-op when they did not change or the article is not indexed).
 * Internal to store/: store_article_upsert calls it. */
ERR_MUST_USE
enum err store__search_article_refresh(struct store *s, int64_t id);

struct store_search_query {
    struct str text; /* what the reader typed: any string is a valid query */
    int64_t tag_id;  /* 0 = any */
    int64_t dept_id; /* 0 = any */
    int64_t from;    /* published_at >= from, 0 = no bound */
    int64_t until;   /* published_at < until, 0 = no bound */
    bool by_date;    /* newest first instead of best match first */
    size_t offset;   /* results to skip (at most STORE_MAX_SEARCH_OFFSET) */
    size_t limit;    /* 1..STORE_MAX_LIST_LIMIT */
};
#define STORE_MAX_SEARCH_OFFSET 10000
#define STORE_SEARCH_WINDOW 300 /* newest matches ranked by relevance (at least) */
#define STORE_SEARCH_COUNT_MAX (STORE_SEARCH_WINDOW + 1) /* "more than 300" */

struct store_search_hit {
    struct store_summary summary;
    struct store_ref *departments;
    size_t n_departments;
    /* a passage around the matched words, plain text with SEARCH_MARK_OPEN (\x01) and
     * SEARCH_MARK_CLOSE (\x02) around each match: escape it, then mark */
    struct str snippet;
};

/* store_search ranks visible articles matching q->text: titles weigh most (bm25 column
 * weights title 10, lead 4, captions 2, body 1), then newer first. The ranking covers
 * the newest max(STORE_SEARCH_WINDOW, offset + limit + 1) matches, so its cost is bounded
 * however common the words (exact for rarer queries). *total counts matches up to
 * STORE_SEARCH_COUNT_MAX (that value means "more than STORE_SEARCH_COUNT_MAX - 1"; pass
 * NULL to skip the count). A query without words finds nothing (ERR_OK, *n 0).
 * ERR_INVALID for a bad limit. Results live in a. */
ERR_MUST_USE
enum err store_search(struct store *s, struct arena *a, const struct store_search_query *q,
                      struct store_search_hit **items, size_t *n, bool *has_more, int64_t *total);

struct store_page_hit {
    int64_t id;
    struct str slug, title, snippet; /* snippet marked as in store_search_hit */
};
/* store_search_pages: static pages matching text, best first, at most limit. */
ERR_MUST_USE
enum err store_search_pages(struct store *s, struct arena *a, struct str text, size_t limit,
                            struct store_page_hit **items, size_t *n);

/* store_search_suggest proposes a spelling of text whose words are in the index's own
 * vocabulary (edit distance on code points, the most frequent closest word), and only
 * when that spelling finds visible articles. ERR_NOTFOUND when there is nothing to
 * propose. */
ERR_MUST_USE
enum err store_search_suggest(struct store *s, struct arena *a, struct str text,
                              struct str *suggestion);

/* store_search_upkeep keeps the search index quick to read: it merges the FTS
 * segments that every write adds (a search opens each segment; a lookup in 28 segments
 * cost 5× one in a merged index at 100,000 articles) and rebuilds search_terms, the
 * vocabulary that "did you mean" and prefix completion read. It does nothing when no
 * indexed text changed since its last run. Each step is its own short write
 * transaction (STORE_WRITE connection), so writers wait for one step at most; readers
 * fall back to the index itself until it has finished. */
struct store_search_upkeep_report {
    bool ran;               /* false: nothing had changed */
    long merge_steps;       /* FTS5 'merge' steps that did work */
    long vocabulary_slices; /* transactions that rebuilt a slice of search_terms */
};
ERR_MUST_USE
enum err store_search_upkeep(struct store *s, struct store_search_upkeep_report *report);

/* store_upkeep_start runs store_search_upkeep every 20 s on a thread of its own (with
 * its own write connection) until store_upkeep_stop; NULL (logged) when the thread
 * cannot start, which only makes searches slower. stop(NULL) does nothing. */
struct store_upkeep;
struct store_upkeep *store_upkeep_start(const char *db_path);
void store_upkeep_stop(struct store_upkeep *u);

/* An article URL for sitemaps. */
struct store_sitemap_url {
    int64_t id;
    struct str slug;
    int64_t lastmod; /* the later of updated_at and published_at */
};
/* store_sitemap_articles: visible articles in id order, the offset-th onwards, at most
 * limit (1..STORE_MAX_SITEMAP_URLS); *lastmod (may be NULL) gets the newest lastmod of
 * that slice (0 when empty). */
#define STORE_MAX_SITEMAP_URLS 50000
ERR_MUST_USE
enum err store_sitemap_articles(struct store *s, struct arena *a, size_t offset, size_t limit,
                                struct store_sitemap_url **items, size_t *n, int64_t *lastmod);
/* store_sitemap_lastmod: only the newest lastmod of that slice (cheap, for the index). */
ERR_MUST_USE
enum err store_sitemap_lastmod(struct store *s, size_t offset, size_t limit, int64_t *lastmod);

/* ---- site settings read as a whole (store/settings_sqlite.c) ---- */
/* store_settings_load reads the settings named by keys[0..n) with one statement:
 * values[i] gets keys[i]'s value copied into a, STR_NULL when unset. Rows with other
 * keys are not copied. On failure every value is STR_NULL and the error (ERR_DB,
 * ERR_BUSY, ...) is returned. */
ERR_MUST_USE
enum err store_settings_load(struct store *s, struct arena *a, const char *const *keys, size_t n,
                             struct str *values);

/* ---- documents attached to articles (attachments_sqlite.c, migration 6) ----
 * A document is a file media/<hash>.pdf plus a row per article that shows it: title,
 * type, size, order. Removing one from an article stamps the row removed (the file and
 * the row stay: a published document is never lost); withdrawing the article keeps its
 * documents. Writes need a STORE_WRITE connection and a transaction (begin/commit). */

#define STORE_MAX_ATTACHMENTS 50 /* documents per article */
#define STORE_MAX_ATTACHMENT_TITLE_BYTES 512

struct store_attachment {
    int64_t id, article_id;
    struct str hash;  /* 64 lowercase hex digits: the file is <hash>.pdf */
    struct str title; /* what readers see and the download's file name */
    struct str mime;  /* "application/pdf" */
    int64_t bytes;
    int pages; /* 0 = unknown */
    int64_t pos, created_at;
};
struct store_attachment_input {
    struct str hash, title, mime;
    int64_t bytes;
    int pages;
    int64_t created_by; /* user id, 0 = the command line */
};
/* store_attachment_append adds a document at the end of the article's list and bumps
 * the article's updated_at. ERR_NOTFOUND for an unknown article, ERR_INVALID for a bad
 * hash, an empty title, bad UTF-8 or a size <= 0, ERR_TOO_LARGE past
 * STORE_MAX_ATTACHMENTS or STORE_MAX_ATTACHMENT_TITLE_BYTES. */
ERR_MUST_USE
enum err store_attachment_append(struct store *s, int64_t article_id,
                                 const struct store_attachment_input *in, int64_t *id);
/* store_attachments_of: the article's documents in order (removed ones left out). */
ERR_MUST_USE
enum err store_attachments_of(struct store *s, struct arena *a, int64_t article_id,
                              struct store_attachment **items, size_t *n);
struct store_attachment_edit {
    int64_t id;       /* a document of the article; others are ignored */
    int64_t order;    /* new position key: sorted ascending, ties by old position */
    struct str title; /* empty = keep the current title */
    bool remove;
};
/* store_attachments_arrange applies new titles, removals and the new order, and bumps
 * the article's updated_at. ERR_TOO_LARGE for a title over the limit, ERR_INVALID for
 * bad UTF-8, ERR_NOTFOUND for an unknown article. */
ERR_MUST_USE
enum err store_attachments_arrange(struct store *s, int64_t article_id,
                                   const struct store_attachment_edit *edits, size_t n);
/* store_attachment_by_hash: a live (not removed) document with this hash, preferring
 * one of a visible article, then the oldest; for serving the file with its title.
 * ERR_NOTFOUND when no article shows this document. */
ERR_MUST_USE
enum err store_attachment_by_hash(struct store *s, struct arena *a, struct str hash,
                                  struct store_attachment *out);
/* store_attachment_refs: every distinct hash a live document row or a registry document
 * (store/registry.h) names, in hash order (for `visnyk check`), with its recorded size
 * in bytes. */
ERR_MUST_USE
enum err store_attachment_refs(struct store *s, struct arena *a, struct store_attachment **items,
                               size_t *n);

/* ---- CDN purge queue (purge_sqlite.c, migration 8) ----
 * Surrogate keys (the page cache's dependency keys, see http_cache_invalidate) waiting to
 * be purged at the CDN, so a purge survives a CDN outage and a restart. One row per
 * waiting key: enqueueing a key that already waits only bumps its version, so a burst
 * of edits costs one purge. One worker sends (cdn/purge.c); a second one would only
 * purge some keys twice, which is harmless. Writes need a STORE_WRITE connection and
 * commit by themselves unless the caller opened a transaction. */
#define STORE_PURGE_MAX_KEY_BYTES 128

struct store_purge_item {
    int64_t id;
    int64_t version; /* as claimed: a newer enqueue of the same key changes it */
    struct str key;
    int attempts; /* failed attempts so far */
};
/* store_purge_enqueue adds key (1..STORE_PURGE_MAX_KEY_BYTES bytes, else ERR_INVALID),
 * due at now; a key already waiting keeps its row and due time and gets a new version. */
ERR_MUST_USE
enum err store_purge_enqueue(struct store *s, struct str key, int64_t now);
/* store_purge_claim lists up to limit keys due at now (oldest due first) into the arena.
 * It writes nothing: the single worker sends them, then calls done or retry. *n may be
 * 0. */
ERR_MUST_USE
enum err store_purge_claim(struct store *s, struct arena *a, int64_t now, size_t limit,
                           struct store_purge_item **items, size_t *n);
/* store_purge_done removes a purged key, unless it was enqueued again while the purge
 * was in flight (its version changed): then it stays, due at now, attempts reset. */
ERR_MUST_USE
enum err store_purge_done(struct store *s, const struct store_purge_item *it, int64_t now);
/* store_purge_retry counts a failed attempt and makes the key due again at next_at,
 * keeping the first 500 bytes of error. */
ERR_MUST_USE
enum err store_purge_retry(struct store *s, const struct store_purge_item *it, int64_t next_at,
                           struct str error);
/* store_purge_rewind makes every waiting key due at now (a restart retries at once
 * instead of waiting out the last backoff); *n receives how many keys wait. */
ERR_MUST_USE
enum err store_purge_rewind(struct store *s, int64_t now, int64_t *n);
/* store_purge_next_due: the earliest due time of a waiting key; ERR_NOTFOUND when none
 * waits. */
ERR_MUST_USE
enum err store_purge_next_due(struct store *s, int64_t *at);

/* ---- signed publications and the audit chain (signing_sqlite.c, migration 9) ----
 * Keys are made by the caller (sign/sign.h); the store keeps them. The secret key is
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

/* ---- health and metrics (metrics_sqlite.c) ---- */

/* store_ping makes a trivial read of the database file (its schema page): ERR_OK when the
 * database answers, the mapped error otherwise. For /readyz. */
ERR_MUST_USE
enum err store_ping(struct store *s);
/* store_outbox_queue_stats: how many outbox messages wait (queued or being sent) and how
 * old the oldest of them is at now (0 when none), in seconds. For /metrics. */
ERR_MUST_USE
enum err store_outbox_queue_stats(struct store *s, int64_t now, int64_t *depth,
                                  int64_t *oldest_age);
/* store_article_published_at: the article's publication time (UTC seconds);
 * ERR_NOTFOUND when there is no such article. For the scheduler's lag. */
ERR_MUST_USE
enum err store_article_published_at(struct store *s, int64_t id, int64_t *at);

#endif
