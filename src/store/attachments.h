/* store/attachments.h: documents (PDF) attached to articles (attachments.c). */
#ifndef VISNYK_STORE_ATTACHMENTS_H
#define VISNYK_STORE_ATTACHMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

/* A document is a file media/<hash>.pdf plus a row per article that shows it: title,
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
/* store_attachment_refs: every distinct hash a live document row, a registry document
 * (store/registry.h) or a consultation (store/consultations.h) names, in hash order (for
 * `visnyk check`), with its recorded size in bytes. */
ERR_MUST_USE
enum err store_attachment_refs(struct store *s, struct arena *a, struct store_attachment **items,
                               size_t *n);

#endif
