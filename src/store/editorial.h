/* store/editorial.h: the workspace's views and writes: articles of any status,
 * saves with version checks, revisions, galleries, tags and departments, pages,
 * scheduling (editorial.c). */
#ifndef VISNYK_STORE_EDITORIAL_H
#define VISNYK_STORE_EDITORIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/content.h"

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
    int64_t dept_id;   /* 0 = any */
    int64_t tag_id;    /* 0 = any */
    /* the range [from, to) of the sort key's time, UTC seconds; 0 = open */
    int64_t from, to;
    bool by_published; /* sort key: publication time; otherwise the last change */
    size_t offset, limit;
};
/* store_admin_articles: every article whatever its status that matches q, newest by
 * the sort key first. */
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
    struct str gallery; /* a photo a line, in order: "<sha256>\t<caption>\t<alt>" */
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

#endif
