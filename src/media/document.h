/* document.h: downloadable documents (PDF) attached to articles.
 *
 * A document is never decoded or rendered here: it is checked by its bytes (a PDF
 * header at offset 0, an end-of-file marker near the end, a size bound), named by the
 * hex SHA-256 of its bytes and written atomically into the media folder as
 * <hash>.pdf, next to the photos (so backups, restores and the static mirror, which
 * copy the whole folder, carry documents with no extra step). Readers download it from
 * /documents/<hash>/<name>.pdf; the server adds the headers that keep a browser from
 * treating it as anything but a PDF (see media_doc_disposition).
 *
 * Thread-safety: every function here is reentrant. */
#ifndef VISNYK_MEDIA_DOCUMENT_H
#define VISNYK_MEDIA_DOCUMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

/* Size bound of one document. Responses are built in memory and capped at
 * HTTP_MAX_RESPONSE_BYTES (16 MiB), so a document may not be larger than that; the
 * issue's "e.g. 20 MB" needs streaming responses first (see the report). */
#define MEDIA_DOC_MAX_BYTES ((size_t)16 * 1024 * 1024)
/* "%%EOF" must start within this many bytes of the end (what PDF readers accept). */
#define MEDIA_DOC_EOF_WINDOW 1024
/* The smallest file that can hold a header, one object, a trailer and the marker. */
#define MEDIA_DOC_MIN_BYTES 32
/* Titles shown to readers and used as the download's file name. */
#define MEDIA_DOC_MAX_TITLE_BYTES 512
#define MEDIA_DOC_MIME "application/pdf"

/* Why a file was refused: each has its own message for the editor. */
enum media_doc_problem {
    MEDIA_DOC_OK,
    MEDIA_DOC_EMPTY,     /* no bytes at all */
    MEDIA_DOC_TOO_LARGE, /* over MEDIA_DOC_MAX_BYTES */
    MEDIA_DOC_NOT_PDF,   /* does not start with "%PDF-<digit>" */
    MEDIA_DOC_TRUNCATED, /* a PDF header but no "%%EOF" near the end (cut short) */
};

struct media_doc_info {
    char hash[65];    /* lowercase hex SHA-256 of the bytes, NUL-terminated */
    const char *mime; /* static MEDIA_DOC_MIME */
    uint64_t bytes;
    int pages; /* page count when it can be read cheaply and reliably, else 0 */
};

/* media_doc_check validates (p, n) as a PDF by content alone (never by name or declared
 * type) and fills *info. ERR_OK with *problem MEDIA_DOC_OK; otherwise ERR_TOO_LARGE
 * (MEDIA_DOC_TOO_LARGE) or ERR_INVALID with *problem saying why, and *info untouched.
 * The page count is only given for a file written in one piece without object streams
 * (no incremental update, not linearised): there each page is one "/Type /Page" object
 * in plain text, so counting them is exact; any other file gets 0 (unknown) rather than
 * a wrong number. */
ERR_MUST_USE
enum err media_doc_check(const unsigned char *p, size_t n, struct media_doc_info *info,
                         enum media_doc_problem *problem);

/* media_doc_hash_ok: exactly 64 lowercase hex digits, the only names documents have
 * on disk and in URLs (so no path can be built from anything else). */
bool media_doc_hash_ok(struct str hash);

/* media_doc_write stores (p, n) as media_dir/<hash>.pdf atomically (temp file in the
 * same folder, fsync, rename, fsync of the folder). A file already there with the same
 * size is the same content (named by its hash) and is left alone. ERR_INVALID for a bad
 * hash, ERR_IO when the folder cannot be written. */
ERR_MUST_USE
enum err media_doc_write(const char *media_dir, const char *hash, const void *p, size_t n);

/* media_doc_title_from_filename: a title made from the client's file name, for an
 * upload that came without one: the last path segment, without a ".pdf" ending, with
 * '_' as spaces, trimmed, invalid UTF-8 and control characters dropped, cut to
 * MEDIA_DOC_MAX_TITLE_BYTES at a character boundary. May be empty (arena memory). */
struct str media_doc_title_from_filename(struct arena *a, struct str filename);

/* media_doc_title_clean: the same cleaning for a title an editor typed (control
 * characters become spaces, the ends are trimmed, the length is cut). */
struct str media_doc_title_clean(struct arena *a, struct str title);

/* media_doc_url_name: the last segment of a document's URL, "<slug>.pdf", the slug being
 * the transliterated title ("document.pdf" when that is empty), at most 80 characters
 * before ".pdf". Arena memory. */
struct str media_doc_url_name(struct arena *a, struct str title);

/* media_doc_disposition: the Content-Disposition value for serving a document titled
 * title: `inline; filename="<ascii>.pdf"; filename*=UTF-8''<percent-encoded title>.pdf`
 * (RFC 6266 and RFC 8187), the ASCII name being the transliterated title. Arena memory. */
struct str media_doc_disposition(struct arena *a, struct str title);

/* Units for media_doc_size_format, from the catalog: "Б", "КБ", "МБ" with ',' for
 * Ukrainian; "B", "KB", "MB" with '.' for English. */
struct media_doc_units {
    struct str b, kb, mb;
    char decimal_mark;
};
/* media_doc_size_format appends a reader-friendly size: under 1 KB in bytes ("512 Б"),
 * under 1 MB in whole kilobytes ("340 КБ", never "0 КБ"), else in megabytes with one
 * decimal ("1,2 МБ", "15,8 МБ"; 1024 as the step, rounded half up). A no-break space
 * (U+00A0) joins number and unit, so a line never breaks between them. */
ERR_MUST_USE
enum err media_doc_size_format(uint64_t bytes, const struct media_doc_units *u, struct buf *out);

#endif
