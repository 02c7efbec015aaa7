/* i18n.h: UI string catalogs, one per language, loaded from the theme's i18n folder
 * (uk.ini default, en.ini second): lines "key = text".
 *
 * Format: UTF-8 (a leading BOM is skipped), one "key = text" per line, spaces around
 * both trimmed, the text taken literally up to the end of the line (it may contain
 * '='; no escapes, no quotes). Blank lines and lines starting with '#' are ignored.
 * Keys are [a-z0-9._-]+ (at most I18N_MAX_KEY_BYTES) and unique. Well-known keys:
 * month.gen.1..12 (genitive: «серпня»), month.nom.1..12 (nominative: «серпень»),
 * and optionally "lang" (the language code; without it the file name stem is used).
 * A catalog is immutable after loading and may be shared between threads. */
#ifndef VISNYK_RENDER_I18N_H
#define VISNYK_RENDER_I18N_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

#define I18N_MAX_FILE_BYTES (256 * 1024)
#define I18N_MAX_KEY_BYTES 128

struct i18n;

/* i18n_load reads one catalog file; err gets "file:line: what is wrong" on ERR_PARSE
 * (syntax, bad key, duplicate key, invalid UTF-8), "file: …" with ERR_IO when it cannot
 * be read and ERR_TOO_LARGE past I18N_MAX_FILE_BYTES. The caller owns *out and frees
 * it with i18n_free. */
ERR_MUST_USE
enum err i18n_load(const char *path, struct i18n **out, char *err, size_t err_size);
/* i18n_parse is i18n_load from memory; label names the source in errors and gives the
 * language when there is no "lang" key ("en.ini" → "en"). */
ERR_MUST_USE
enum err i18n_parse(const char *label, struct str text, struct i18n **out, char *err,
                    size_t err_size);
void i18n_free(struct i18n *c);
/* i18n_lang: the catalog's language code ("uk", "en"): the "lang" key when defined,
 * else the file name stem; "uk" for a NULL catalog. Valid while c lives. */
struct str i18n_lang(const struct i18n *c);
/* i18n_has: whether key is defined (i18n_get cannot tell a missing key apart). */
bool i18n_has(const struct i18n *c, struct str key);
/* i18n_month: month name (1..12) from month.gen.N or month.nom.N; built-in Ukrainian
 * when c is NULL; empty for a month out of range. */
struct str i18n_month(const struct i18n *c, int month, bool genitive);
/* i18n_get returns the text for key, or the key itself when missing (visible, never
 * empty, so a missing string is noticed). c may be NULL (gives the key). The text
 * lives as long as c. */
struct str i18n_get(const struct i18n *c, struct str key);
/* i18n_format_date appends «01 серпня 2024, 16:51» (Kyiv time, genitive month from
 * the catalog keys month.gen.1..12, built-in Ukrainian when c is NULL); with_time
 * false gives «01 серпня 2024». A catalog with "date.day_digits = 1" writes days
 * below 10 with one digit ("1 August 2024, 16:51"). The date functions fail only with
 * ERR_TOO_LARGE. */
ERR_MUST_USE
enum err i18n_format_date(const struct i18n *c, int64_t utc, bool with_time, struct buf *out);
/* «01.08.2024», the Ukrainian short form (DSTU), as in lists. */
ERR_MUST_USE
enum err i18n_format_date_short(int64_t utc, struct buf *out);
/* ISO 8601 with the Kyiv offset, for <time datetime>: 2024-08-01T16:51:00+03:00 */
ERR_MUST_USE
enum err i18n_format_iso(int64_t utc, struct buf *out);

#endif
