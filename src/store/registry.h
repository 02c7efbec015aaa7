/* registry.h: the documents registry («Розпорядження та накази», «Проєкти рішень») and
 * vacancies («Вакансії»), issue 13. The schema is migration 15; the queries are in
 * store/registry_sqlite.c. Text out-parameters live in the caller's arena.
 *
 * A document's status is derived, never stored: «втратив чинність» when it lapsed
 * (an editor's mark) or a document repeals it, «змінено» when a document amends it,
 * «чинний» otherwise; drafts have none. A restricted document (martial law) is stored
 * whole but its title, text and PDF are the caller's to hide; the search index never
 * holds them. */
#ifndef VISNYK_STORE_REGISTRY_H
#define VISNYK_STORE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

#define STORE_REG_MAX_LIMIT 100

enum store_reg_kind {
    STORE_REG_ORDER,      /* розпорядження */
    STORE_REG_DECREE,     /* наказ */
    STORE_REG_DECISION,   /* рішення */
    STORE_REG_DRAFT,      /* проєкт рішення */
    STORE_REG_REGULATORY, /* регуляторний акт */
    STORE_REG_N_KINDS,
};

enum store_reg_status {
    STORE_REG_IN_FORCE,
    STORE_REG_AMENDED,
    STORE_REG_REPEALED,
    STORE_REG_UNDER_DRAFT, /* a draft: no legal force yet */
    STORE_REG_N_STATUSES,
};

enum store_reg_link { STORE_REG_LINK_NONE, STORE_REG_LINK_AMENDS, STORE_REG_LINK_REPEALS };

struct store_reg_doc {
    int64_t id;
    enum store_reg_kind kind;
    struct str number;
    int64_t doc_date; /* UTC seconds of the Kyiv day's start */
    int year;         /* Kyiv year of doc_date (the save fills it) */
    struct str title;
    struct str body_md; /* empty in lists */
    bool lapsed;
    int64_t amends_id; /* 0: none */
    enum store_reg_link link;
    struct str pdf_hash; /* "" or 64 hex digits: media/<hash>.pdf */
    int64_t pdf_bytes;
    bool restricted;
    int64_t discussion_from, discussion_until, adopted_on; /* drafts; 0 = not set */
    int64_t updated_at;
    enum store_reg_status status; /* read only: derived */
};

/* Filters of the public list: kind/status -1 and year 0 mean any; text is a search
 * (the Ukrainian tokenizer's stems, as for news), empty for none. */
struct store_reg_query {
    int kind, status, year;
    struct str text;
    size_t offset, limit; /* limit 1..STORE_REG_MAX_LIMIT */
};

/* The kinds' and statuses' names in URLs, forms and the API ("order", "in_force"). */
const char *store_reg_kind_name(enum store_reg_kind k);
const char *store_reg_status_name(enum store_reg_status s);
/* store_reg_kind_parse / store_reg_status_parse: -1 for a name that is none of them. */
int store_reg_kind_parse(struct str name);
int store_reg_status_parse(struct str name);

/* store_reg_get reads document id (with its body). ERR_NOTFOUND when there is none. */
ERR_MUST_USE
enum err store_reg_get(struct store *s, struct arena *a, int64_t id, struct store_reg_doc *out);
/* store_reg_list: the documents matching q, newest date first, and how many match in all
 * (*total). Bodies are left empty. */
ERR_MUST_USE
enum err store_reg_list(struct store *s, struct arena *a, const struct store_reg_query *q,
                        struct store_reg_doc **items, size_t *n, int64_t *total);
/* store_reg_amended_by: the documents that amend or repeal id (their link says which),
 * oldest first. */
ERR_MUST_USE
enum err store_reg_amended_by(struct store *s, struct arena *a, int64_t id,
                              struct store_reg_doc **items, size_t *n);
/* store_reg_years: the years that have documents, newest first (the filter's choices). */
ERR_MUST_USE
enum err store_reg_years(struct store *s, struct arena *a, int **years, size_t *n);
/* store_reg_find: the id of the document of kind, year and number; ERR_NOTFOUND. */
ERR_MUST_USE
enum err store_reg_find(struct store *s, enum store_reg_kind kind, int year, struct str number,
                        int64_t *id);
/* store_reg_save inserts d (d->id 0; *id gets the new id) or replaces document d->id,
 * stamping now. ERR_CONFLICT when another document has the same kind, year and number;
 * ERR_NOTFOUND when d->id does not exist. Call inside a write transaction to commit it
 * with its audit entry. */
ERR_MUST_USE
enum err store_reg_save(struct store *s, const struct store_reg_doc *d, int64_t now, int64_t *id);

/* Vacancies. Open: not closed and now < deadline (UTC seconds). */
#define STORE_VAC_MAX_LIMIT 200
struct store_vacancy {
    int64_t id;
    struct str title, unit, requirements_md, apply_md;
    int64_t deadline;
    bool closed;
    int64_t updated_at;
};
/* store_vac_list: open ones (soonest deadline first) when open, else the archive
 * (closed or past their deadline at now, latest deadline first); all of them, for the
 * workspace, when all. At most limit. */
enum store_vac_list_kind { STORE_VAC_OPEN, STORE_VAC_ARCHIVE, STORE_VAC_ALL };
ERR_MUST_USE
enum err store_vac_list(struct store *s, struct arena *a, enum store_vac_list_kind which,
                        int64_t now, size_t limit, struct store_vacancy **items, size_t *n);
/* store_vac_next_deadline: the soonest deadline after now of an open vacancy (0 when
 * there is none): how long an open list may be cached. */
ERR_MUST_USE
enum err store_vac_next_deadline(struct store *s, int64_t now, int64_t *deadline);
/* store_vac_expired: the open vacancies whose deadline fell in (from, to]: the scheduler
 * drops their cached pages then, so no cache shows an expired one as open. */
ERR_MUST_USE
enum err store_vac_expired(struct store *s, struct arena *a, int64_t from, int64_t to,
                           int64_t **ids, size_t *n);
ERR_MUST_USE
enum err store_vac_get(struct store *s, struct arena *a, int64_t id, struct store_vacancy *out);
/* store_vac_delete removes vacancy id; ERR_NOTFOUND when there is none. */
ERR_MUST_USE
enum err store_vac_delete(struct store *s, int64_t id);
/* store_vac_save inserts (v->id 0; *id the new id) or replaces v->id; ERR_NOTFOUND. */
ERR_MUST_USE
enum err store_vac_save(struct store *s, const struct store_vacancy *v, int64_t now, int64_t *id);

#endif
