/* store/content.h: what readers see: articles, static pages, tags, departments (with
 * their details), the archive and sitemaps; and the writes of import. Reads apply the
 * visibility rule below. (store_sqlite.c, people.c, slugs.c,
 * search_sqlite.c for sitemaps) */
#ifndef VISNYK_STORE_CONTENT_H
#define VISNYK_STORE_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

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
 * old_slug before a rename (slugs.c), copied into a. ERR_NOTFOUND when no
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

/* ---- department details (people.c) ----
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

/* store_article_published_at: the article's publication time (UTC seconds);
 * ERR_NOTFOUND when there is no such article. For the scheduler's lag. */
ERR_MUST_USE
enum err store_article_published_at(struct store *s, int64_t id, int64_t *at);

#endif
