/* opendata.h: what the open-data sets (site/opendata.c, CMU resolution 835/2015) read
 * that the other feature headers do not give: the public news one page at a time with
 * the names of their departments and tags, and when each set last changed (its
 * dct:modified). The documents registry and vacancies come from store/registry.h.
 * Text out-parameters live in the caller's arena. */
#ifndef VISNYK_STORE_OPENDATA_H
#define VISNYK_STORE_OPENDATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

#define STORE_OD_MAX_PAGE 500

/* One public article as the news set lists it; departments and tags are names, one per
 * line (names never hold a line break). */
struct store_od_news {
    int64_t id;
    struct str slug, title;
    int64_t published_at;
    struct str departments, tags;
};

/* store_od_news_page: at most limit (1..STORE_OD_MAX_PAGE) public articles (published
 * or scheduled, published_at <= now) newest first, strictly before the cursor
 * (before_at, before_id); a cursor of (INT64_MAX, INT64_MAX) starts at the newest.
 * The caller pages on by the last row's (published_at, id), so memory stays one page
 * whatever the number of articles. */
ERR_MUST_USE
enum err store_od_news_page(struct store *s, struct arena *a, int64_t now, int64_t before_at,
                            int64_t before_id, size_t limit, struct store_od_news **items,
                            size_t *n);

/* What a set shows, for store_od_modified. */
enum store_od_source { STORE_OD_REGISTRY, STORE_OD_NEWS, STORE_OD_VACANCIES, STORE_OD_REQUESTS };

/* store_od_span: when the source's data began (*issued: the first document or vacancy
 * entered, the first article published, the first request or appeal received) and its
 * newest change at now (*modified: a document saved; an article saved or its publication
 * time reached; a vacancy saved or its deadline passed, which changed its status; a
 * request received or closed, or its deadline passed while open, which made it count as
 * overdue), UTC seconds; both 0 when it has no rows. */
ERR_MUST_USE
enum err store_od_span(struct store *s, enum store_od_source src, int64_t now, int64_t *issued,
                       int64_t *modified);

#endif
