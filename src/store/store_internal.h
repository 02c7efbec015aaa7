/* store_internal.h: what the backend-independent part of store/ (store_common.c,
 * migrations.c) shares with a backend (store_sqlite.c now, a PostgreSQL one later).
 * Not for use outside store/. */
#ifndef VISNYK_STORE_STORE_INTERNAL_H
#define VISNYK_STORE_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "store/content.h"

/* The numbered migrations: store__migrations[N-1] brings user_version to N (SQLite),
 * store__migrations_pg[N-1] brings schema_version to N (PostgreSQL, migrations_pg.c;
 * each a NULL-terminated list of texts run in order, in one transaction).
 * Both files hold STORE__SCHEMA_VERSION texts, checked where each is defined, so one
 * schema version means the same on both engines. */
#define STORE__SCHEMA_VERSION 21
extern const char *const store__migrations[];
extern const char *const *const store__migrations_pg[];
extern const size_t store__migration_count;

/* Input checks shared by every backend; msg receives a lowercase reason.
 * ERR_INVALID (empty or malformed) or ERR_TOO_LARGE (past a STORE_MAX_* limit). */
ERR_MUST_USE
enum err store__article_input_check(const struct store_article_input *in, char *msg,
                                    size_t msg_size);
ERR_MUST_USE
enum err store__page_input_check(struct str slug, struct str title, struct str body_md, char *msg,
                                 size_t msg_size);

/* store__published_ym: Kyiv local year * 100 + month of a UTC time. */
int64_t store__published_ym(int64_t utc);

/* store__ref_slug appends the slug for a new tag or department named name: its
 * transliteration, cut to leave room for a "-N" suffix, or fallback when the name
 * has no letters or digits. */
ERR_MUST_USE
enum err store__ref_slug(struct buf *out, struct str name, const char *fallback);

/* store__collate_uk orders text as a Ukrainian reader expects (а б в г ґ д е є ж з
 * и і ї й ...), case-insensitively first, then bytewise so only equal text is equal. */
int store__collate_uk(const char *a, size_t an, const char *b, size_t bn);

/* Related-article candidates: one entry per (article, shared tag or department). */
struct store__candidate {
    int64_t id;
    int64_t published_at;
    int score;
};
/* store__candidates_rank merges entries of the same article (summing scores) and
 * sorts by score, then newest, then id, all descending. Returns the merged count. */
size_t store__candidates_rank(struct store__candidate *c, size_t n);

/* Weights of an editor's choice, a shared tag and a shared department in
 * related-article ranking. */
#define STORE__RELATED_MANUAL_WEIGHT 1000000
#define STORE__RELATED_TAG_WEIGHT 2
#define STORE__RELATED_DEPT_WEIGHT 1
/* Newest candidates taken per shared tag or department: bounds the work for big
 * departments while keeping the ranking exact among recent articles. */
#define STORE__RELATED_PER_REF 30

#endif
