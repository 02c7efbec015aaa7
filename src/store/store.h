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
enum err store_open(const char *path, enum store_mode mode, struct store **out);
void store_close(struct store *s);
/* store_errmsg: the last database error message, for logs (never shown to readers). */
const char *store_errmsg(struct store *s);

/* store_migrate applies every pending numbered migration, each in its own
 * transaction. Idempotent. ERR_VERSION when the database is newer than the binary. */
enum err store_migrate(struct store *s, int *from_version, int *to_version);
/* The schema version this binary writes. */
int store_schema_version(void);

/* Explicit transactions. On a STORE_WRITE connection store_begin takes the write lock
 * at once (BEGIN IMMEDIATE, so two writers never deadlock upgrading); on a STORE_READ
 * connection it opens a read transaction, giving several reads one consistent
 * snapshot (one per request). ERR_BUSY when the lock stays taken past busy_timeout. */
enum err store_begin(struct store *s);
enum err store_commit(struct store *s);
void store_rollback(struct store *s);

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
};

/* Reads of published content: status published or scheduled, and published_at <= now
 * (a scheduled article becomes visible by itself when its time comes).
 * ERR_NOTFOUND when there is no such visible article. */
enum err store_article_by_slug(struct store *s, struct arena *a, struct str slug,
                               struct store_article *out);
enum err store_article_by_id(struct store *s, struct arena *a, int64_t id,
                             struct store_article *out);
/* store_article_by_slug_any: the article whatever its status or time (editor, import).
 * ERR_NOTFOUND when the slug is unknown. */
enum err store_article_by_slug_any(struct store *s, struct arena *a, struct str slug,
                                   struct store_article *out);
/* store_article_list fills items (newest first) and *has_more when another page
 * follows. Keyset pagination: cost does not grow with the depth of the page. */
enum err store_article_list(struct store *s, struct arena *a, const struct store_list_query *q,
                            struct store_summary **items, size_t *n, bool *has_more);
/* store_article_related: other visible articles sharing tags or departments with
 * article_id, ranked by score (2 per shared tag, 1 per shared department), then newest,
 * then highest id. Candidates are the newest STORE__RELATED_PER_REF (300) articles of
 * each shared tag or department, which bounds the work for big departments. *n may be
 * 0. limit is capped at STORE_MAX_LIST_LIMIT. */
enum err store_article_related(struct store *s, struct arena *a, int64_t article_id, size_t limit,
                               struct store_summary **items, size_t *n);
/* store_article_neighbours: the previous (older) and next (newer) article, if any
 * (id 0 when absent). */
enum err store_article_neighbours(struct store *s, struct arena *a, const struct store_article *art,
                                  struct store_summary *older, struct store_summary *newer);
/* store_next_visible_at: the earliest published_at still in the future among articles
 * that will become visible by themselves (status published or scheduled), so caches and
 * the scheduler know when lists change without any write. ERR_NOTFOUND when none. */
enum err store_next_visible_at(struct store *s, int64_t *at);
enum err store_article_count(struct store *s, const struct store_list_query *q, int64_t *count);

enum err store_tag_by_slug(struct store *s, struct arena *a, struct str slug,
                           struct store_ref *out);
enum err store_dept_by_slug(struct store *s, struct arena *a, struct str slug,
                            struct store_ref *out);
/* All tags / departments with their published-article counts, by name. */
enum err store_tags_all(struct store *s, struct arena *a, struct store_ref **items, size_t *n);
enum err store_depts_all(struct store *s, struct arena *a, struct store_ref **items, size_t *n);
/* Months that have published articles, newest first. */
enum err store_archive_months(struct store *s, struct arena *a, struct store_month **items,
                              size_t *n);
enum err store_page_by_slug(struct store *s, struct arena *a, struct str slug,
                            struct store_page *out);
enum err store_pages_all(struct store *s, struct arena *a, struct store_page **items, size_t *n);
/* Site settings: key/value text (site_name, address, phone, email, hotline,
 * support_email, ...). ERR_NOTFOUND when unset. */
enum err store_setting_get(struct store *s, struct arena *a, const char *key, struct str *value);
/* store_setting_set: ERR_TOO_LARGE past STORE_MAX_SETTING_KEY_BYTES/STORE_MAX_SETTING_BYTES. */
enum err store_setting_set(struct store *s, const char *key, struct str value);
/* store_data_version changes whenever any connection (this one included) commits a
 * write: PRAGMA data_version (other connections) plus this connection's change count.
 * Cheap; for noticing other processes' writes. Compare values only on one connection. */
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
enum err store_article_upsert(struct store *s, const struct store_article_input *in, int64_t *id);
/* store_page_upsert inserts or replaces the static page with this slug; same checks. */
enum err store_page_upsert(struct store *s, struct str slug, struct str title, struct str body_md);

#endif
