/* translations.h: articles in a second language (the English version, issue 14).
 *
 * A translation belongs to one Ukrainian article, its original, and shares the
 * original's publication time, photos, tags and departments; it has its own slug,
 * title, lead and body. It is public while its status is "published" and its original
 * is public (published or scheduled, and its time has come), so the English site never
 * carries what the Ukrainian one does not (Law 2704-VIII art. 27). Migration 14.
 *
 * Lists reuse struct store_summary and struct store_list_query (store.h): a summary's id
 * is the original's id (cache keys "article:<id>" then cover both languages), its slug,
 * title and lead the translation's. Text is copied into the caller's arena. */
#ifndef VISNYK_STORE_TRANSLATIONS_H
#define VISNYK_STORE_TRANSLATIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

/* The language translations are in (the only one for now: the table's CHECK), and the
 * language of the articles themselves. */
#define STORE_LANG_EN "en"
#define STORE_LANG_UK "uk"
/* English URLs one sitemap file holds at most (the protocol allows 50,000). */
#define STORE_TRANSLATION_SITEMAP_MAX 10000
/* Words of an English search that reach the index; the rest are ignored. */
#define STORE_TRANSLATION_SEARCH_MAX_WORDS 16

struct store_translation {
    int64_t id;
    int64_t article_id;
    struct str lang, slug, title, lead, body_md;
    bool published;
    int64_t updated_at;
    struct str original_slug;  /* the Ukrainian article's slug */
    struct str original_title; /* and its title, for the workspace */
};

/* store_translation_by_slug: the public translation in lang with this slug.
 * ERR_NOTFOUND when there is none (or it or its original is not public). */
ERR_MUST_USE
enum err store_translation_by_slug(struct store *s, struct arena *a, struct str lang,
                                   struct str slug, struct store_translation *out);
/* store_translation_of: the translation in lang of article_id; public_only asks for a
 * public one only (the language switch), else any (the workspace). ERR_NOTFOUND when
 * there is none. */
ERR_MUST_USE
enum err store_translation_of(struct store *s, struct arena *a, int64_t article_id, struct str lang,
                              bool public_only, struct store_translation *out);
/* store_translation_list: public translations in lang, newest first, with q's filters
 * (tag, department, from, until, after; limit 1..STORE_MAX_LIST_LIMIT, else
 * ERR_INVALID), as store_article_list. */
ERR_MUST_USE
enum err store_translation_list(struct store *s, struct arena *a, struct str lang,
                                const struct store_list_query *q, struct store_summary **items,
                                size_t *n, bool *has_more);
/* store_translation_page_before: as store_article_page_before, for translations. */
ERR_MUST_USE
enum err store_translation_page_before(struct store *s, struct str lang,
                                       const struct store_list_query *q,
                                       struct store_cursor *before, bool *first);
/* store_translation_search: public translations in lang matching every word of query
 * (English stems: "shelters" finds "shelter"), best first, at most limit from offset;
 * *total counts every match. Words are letters and digits; other characters separate
 * them, so no query syntax reaches FTS5. An empty query matches nothing. */
ERR_MUST_USE
enum err store_translation_search(struct store *s, struct arena *a, struct str lang,
                                  struct str query, size_t limit, size_t offset,
                                  struct store_summary **items, size_t *n, int64_t *total);
/* store_translation_save creates or replaces the translation in lang of article_id
 * (call inside store_begin_write/commit). ERR_NOTFOUND when the original does not
 * exist, ERR_CONFLICT when another translation has the slug, ERR_INVALID for a bad slug
 * or empty title. *id receives the translation's id. */
ERR_MUST_USE
enum err store_translation_save(struct store *s, int64_t article_id, struct str lang,
                                struct str slug, struct str title, struct str lead,
                                struct str body_md, bool published, int64_t *id);
/* store_translation_months: the months (Kyiv calendar, the originals' time) with public
 * translations in lang and how many, newest first, as store_archive_months. */
ERR_MUST_USE
enum err store_translation_months(struct store *s, struct arena *a, struct str lang,
                                  struct store_month **items, size_t *n);
/* store_translation_refs: the tags (is_tag) or departments with public translations in
 * lang, each with how many, ordered as store_tags_published / store_depts_published. */
ERR_MUST_USE
enum err store_translation_refs(struct store *s, struct arena *a, struct str lang, bool is_tag,
                                struct store_ref **items, size_t *n);
/* One public translation for the sitemap: its slug, its original's and the later of
 * their modification times. */
struct store_translation_url {
    struct str slug, original_slug;
    int64_t lastmod;
};
/* store_translation_sitemap: the public translations in lang, newest first, at most
 * limit (1..STORE_TRANSLATION_SITEMAP_MAX, else ERR_INVALID). */
ERR_MUST_USE
enum err store_translation_sitemap(struct store *s, struct arena *a, struct str lang, size_t limit,
                                   struct store_translation_url **out, size_t *n);
/* store_translation_missing: public Ukrainian articles without a translation in lang,
 * newest first, at most limit (summaries; lead_photo NULL); *total counts them all. */
ERR_MUST_USE
enum err store_translation_missing(struct store *s, struct arena *a, struct str lang, size_t limit,
                                   struct store_summary **items, size_t *n, int64_t *total);

#endif
