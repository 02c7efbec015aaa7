/* import.h: Markdown files with a small front matter into the store (`visnyk import`,
 * demo content, migrations from the old site).
 *
 * A file is "---", front matter lines, "---", then the Markdown body. Front matter:
 *   type: page                 optional; "article" (default) or "page"
 *   title: ...                 required
 *   date: 2024-08-01 16:51     articles only, required; Kyiv local time
 *   slug: ...                  optional; default: the title transliterated
 *   status: published          articles only, optional; draft review scheduled
 *                              published withdrawn
 *   lead: ...                  articles only, optional
 *   departments: / tags:       articles only; lists of "  - name" lines
 *   related:                   articles only; "  - slug" lines: the editors' choice
 *                              for «Новина за темою», in order
 *   photos:                    articles only; "  - file: photos/a.jpg" followed by
 *                              optional "    caption: ..." and "    alt: ..." lines
 *   lang: en                   optional; "uk" (default) or "en": an English translation,
 *   translation_of: <slug>     which must name its Ukrainian original (imported before
 *                              it, else the file is refused) and has only title, slug,
 *                              lead and body: the rest is the original's
 * A value is the rest of the line after "key:", trimmed, with one pair of surrounding
 * double quotes removed. Blank lines and lines starting with '#' are ignored. Unknown
 * keys are errors. Photo files are relative to the folder of the .md file.
 *
 * Each file goes in in one transaction, so a bad file leaves nothing behind; importing
 * again replaces by slug (idempotent). Photos are stored first through the media module,
 * whose files are content-addressed, so a failed import leaves at most unused images. */
#ifndef VISNYK_IMPORT_IMPORT_H
#define VISNYK_IMPORT_IMPORT_H

#include <stddef.h>

#include "core/err.h"
#include "store/store.h"

#define IMPORT_MAX_FILE_BYTES (2 * 1024 * 1024)

/* Counters; import_file and import_paths add to them (zero it first). */
struct import_result {
    size_t files;        /* files attempted */
    size_t articles;     /* articles inserted or replaced */
    size_t pages;        /* static pages inserted or replaced */
    size_t translations; /* English articles (lang: en) inserted or replaced */
    size_t photos;       /* photos stored */
    size_t failed;       /* files that were not imported */
};

/* Where photos come from and go to. media_dir: the media folder (must exist; NULL is
 * allowed only for files without photos). photo_root: when not NULL, photo paths are
 * relative to it instead of to the folder of the .md file (the demo content, whose
 * photos are generated into a temporary folder). A NULL options pointer means both NULL. */
struct import_options {
    const char *media_dir;
    const char *photo_root;
};

/* import_file imports one file into s (a STORE_WRITE connection, outside any
 * transaction) storing its photos under media_dir (which must exist; NULL is allowed
 * only when the file has no photos). On failure nothing of the file is in the store and
 * err (when not NULL) gets one line naming the file and line and saying what to do:
 * "demo/x.md:3: date must look like 2024-08-01 16:51". Fails with ERR_IO (unreadable
 * file or photo), ERR_TOO_LARGE (file over IMPORT_MAX_FILE_BYTES or a field over a
 * STORE_MAX_* limit), ERR_PARSE (malformed front matter), ERR_INVALID (bad value,
 * not UTF-8, not an image), or the store's error. */
ERR_MUST_USE
enum err import_file(struct store *s, const char *path, const struct import_options *opts,
                     struct import_result *res, char *err, size_t err_size);

/* Called once per file by import_paths: message is NULL on success, else the error line. */
typedef void (*import_report_fn)(void *ctx, const char *path, enum err e, const char *message);

/* import_paths imports each path: a file as is, a folder as its *.md files (not
 * recursive, hidden files skipped) in byte order of their names. It goes on after a
 * failed file and returns the first failure's error (ERR_OK when all went in). report
 * may be NULL: failures are then logged with log_error. */
ERR_MUST_USE
enum err import_paths(struct store *s, const char *const *paths, size_t n_paths,
                      const struct import_options *opts, struct import_result *res,
                      import_report_fn report, void *ctx);

/* import_check_text parses and validates text as import_file would (front matter,
 * required keys, dates, slugs, sizes) without a store and without reading photos, which
 * are files next to the .md file. name labels the messages ("x.md:3: ..."). Errors as
 * import_file, but never the store's. For fuzzing and for checking files before an
 * import. */
ERR_MUST_USE
enum err import_check_text(const char *name, struct str text, char *err, size_t err_size);

#endif
