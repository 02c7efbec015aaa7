/* template.h: the logic-less template language, compiled once into an op list.
 *
 *   {{name}} {{a.b.c}}    variable, HTML-escaped (raw values written as they are)
 *   {{#name}}…{{/name}}   section: once if truthy object/scalar (entering its scope),
 *                         once per element if a list
 *   {{^name}}…{{/name}}   inverted section: when falsy or empty list
 *   {{>partial}}          include another template of the same set
 *   {{t:key}}             string from the i18n catalog of the current language (escaped)
 *   {{!comment}}
 *   {{.}}                 the current element in a list of scalars
 *   {{@index}} {{@first}} {{@last}} inside lists (index counts from 1)
 * Lookup walks the scope stack outwards for the first segment of a dotted name; a
 * member present with a NULL value stops the walk. A section over a scalar pushes it
 * as the scope ({{.}} inside). @first/@last/@index also work as section names:
 * {{^@last}}, {{/@last}}. Outside any list they are empty/false.
 * There is no way to emit unescaped text from a template itself: raw HTML only
 * enters through values made by render_raw ('{{{' and '{{&' are syntax errors).
 * A section, close, comment or partial tag alone on its line removes that line.
 * Values print as: STR escaped, RAW as is, INT decimal, BOOL true/false, others
 * nothing. */
#ifndef VISNYK_RENDER_TEMPLATE_H
#define VISNYK_RENDER_TEMPLATE_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "render/i18n.h"
#include "render/value.h"

#define TEMPLATE_MAX_FILE_BYTES (512 * 1024)
#define TEMPLATE_MAX_DEPTH 32 /* nesting of sections and partials */

/* A compiled set: every *.html in one folder, named by file name without ".html".
 * Reference counted: a reload makes a new set; requests holding the old one finish
 * with it. */
struct template_set;

/* template_set_load compiles every template in dir (not recursive; hidden files and
 * other extensions ignored). On a syntax error, an invalid UTF-8 byte or a partial
 * naming no template of the set it fails with ERR_PARSE and writes "file:line: what
 * is wrong" into err (err_size bytes); ERR_TOO_LARGE for a file over
 * TEMPLATE_MAX_FILE_BYTES, ERR_IO when the folder or a file cannot be read. On
 * success *out holds one reference (release with template_set_unref). */
ERR_MUST_USE
enum err template_set_load(const char *dir, struct template_set **out, char *err, size_t err_size);
void template_set_ref(struct template_set *ts);
void template_set_unref(struct template_set *ts);
/* template_set_compile_string adds or replaces one template from memory (tests,
 * fuzzing). Error messages are prefixed with name. Partials may name templates added
 * later; a render reaching one still unknown fails with ERR_NOTFOUND. Must not be
 * called while other threads render with ts. The replaced template's memory is
 * freed at once. */
ERR_MUST_USE
enum err template_set_compile_string(struct template_set *ts, const char *name, struct str text,
                                     char *err, size_t err_size);
/* template_set_new returns an empty set holding one reference. */
struct template_set *template_set_new(void);
/* template_set_has: whether the set has a template called name. */
bool template_set_has(const struct template_set *ts, const char *name);

/* template_render appends the output of template name rendered with root to out.
 * ERR_NOTFOUND for an unknown template (or partial), ERR_TOO_LARGE when out's maximum
 * is reached or sections and partials nest deeper than TEMPLATE_MAX_DEPTH. On failure
 * out's contents are left as they were (a failed append also leaves out's sticky error,
 * see buf.h). lang may be NULL ({{t:key}} then prints the key). Allocates
 * nothing; safe to call from many threads on one set. */
ERR_MUST_USE
enum err template_render(const struct template_set *ts, const char *name, const struct value *root,
                         const struct i18n *lang, struct buf *out);

#endif
