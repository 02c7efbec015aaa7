/* sign.h: signed publications. The canonical form of a published article (the bytes a
 * site's Ed25519 key signs), key identifiers, signing and checking. Pure functions: no
 * SQL, no HTML, no files. docs/OPERATIONS.md ("Verifying a site") defines the form for
 * anyone who wants to check a site without visnyk. */
#ifndef VISNYK_SIGN_SIGN_H
#define VISNYK_SIGN_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

#define SIGN_VERSION "visnyk-sig-v1"
#define SIGN_PUBLIC_BYTES 32
#define SIGN_SECRET_BYTES 64
#define SIGN_BYTES 64
#define SIGN_KEY_ID_CHARS 16 /* hex of the first 8 bytes of SHA-256(public key) */
#define SIGN_HASH_HEX 64     /* a SHA-256 in lowercase hex */
#define SIGN_MAX_FILES 128   /* photos + attachments a form may list */
#define SIGN_MAX_CANONICAL_BYTES (8 * 1024)
/* The served article body is the bytes between these two markers (article.html). */
#define SIGN_BODY_BEGIN "<!--visnyk-body-->"
#define SIGN_BODY_END "<!--/visnyk-body-->"

/* What is signed. Strings are borrowed. Hashes are 64 lowercase hex digits. One form
 * for every kind; the kind decides the name of its time line (sign_time_field) and
 * whether it may list files (articles only: a page has no gallery or documents). */
struct sign_content {
    struct str kind; /* "article" or "page" */
    struct str slug, title;
    int64_t at;               /* UTC seconds: an article's published_at, a page's updated_at */
    struct str body_sha256;   /* SHA-256 of the body HTML as served */
    const struct str *photos; /* photo file hashes in gallery order */
    size_t n_photos;
    const struct str *attachments; /* attachment (PDF) file hashes in order */
    size_t n_attachments;
};

/* sign_time_field names the time line of kind: "published_at" (article), "updated_at"
 * (page); NULL for a kind the form does not know. */
const char *sign_time_field(struct str kind);

/* sign_canonical appends the canonical form of c to out:
 *   visnyk-sig-v1\n kind: K\n slug: S\n title: T\n <time field>: YYYY-MM-DDTHH:MM:SSZ\n
 *   body_sha256: H\n then photo_sha256: H\n per photo and attachment_sha256: H\n per
 * attachment. A line break (CR or LF) inside slug or title is written as a space.
 * ERR_INVALID for an unknown kind, a page with files, a hash that is not 64 lowercase hex
 * digits or too many files; ERR_TOO_LARGE past SIGN_MAX_CANONICAL_BYTES (out's own limit). */
ERR_MUST_USE
enum err sign_canonical(const struct sign_content *c, struct buf *out);

/* sign_sha256_hex writes the lowercase hex SHA-256 of data into hex[65]. */
void sign_sha256_hex(const void *data, size_t len, char hex[SIGN_HASH_HEX + 1]);
/* sign_iso_utc writes utc as YYYY-MM-DDTHH:MM:SSZ into out[21]. */
void sign_iso_utc(int64_t utc, char out[21]);
/* sign_iso_utc_parse reads what sign_iso_utc writes. false when s is not that. */
bool sign_iso_utc_parse(struct str s, int64_t *utc);

/* sign_keypair makes a new Ed25519 key pair. */
void sign_keypair(unsigned char pk[SIGN_PUBLIC_BYTES], unsigned char sk[SIGN_SECRET_BYTES]);
/* sign_key_id writes the identifier of a public key into id[17]. */
void sign_key_id(const unsigned char pk[SIGN_PUBLIC_BYTES], char id[SIGN_KEY_ID_CHARS + 1]);
/* sign_detached signs msg with sk. */
void sign_detached(const unsigned char sk[SIGN_SECRET_BYTES], struct str msg,
                   unsigned char sig[SIGN_BYTES]);
/* sign_check: true when sig is pk's signature of msg. */
bool sign_check(const unsigned char pk[SIGN_PUBLIC_BYTES], struct str msg,
                const unsigned char sig[SIGN_BYTES]);

/* Base64 (standard alphabet, padded) of small binary values. */
#define SIGN_B64_MAX 96
void sign_b64(const unsigned char *bin, size_t len, char out[SIGN_B64_MAX]);
/* sign_b64_decode decodes exactly want bytes into bin; false otherwise. */
bool sign_b64_decode(struct str b64, unsigned char *bin, size_t want);

/* sign_canonical_parse reads a canonical form back into c (strings point into text;
 * the photo and attachment lists go into the caller's arrays of SIGN_MAX_FILES). false
 * when text is not one sign_canonical writes. */
bool sign_canonical_parse(struct str text, struct sign_content *c, struct str *photos,
                          struct str *attachments);

#endif
