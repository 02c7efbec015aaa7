/* utf8.h: UTF-8 validation and the few text transformations visnyk owns. */
#ifndef VISNYK_CORE_UTF8_H
#define VISNYK_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "str.h"

/* utf8_valid: strict UTF-8 (no overlongs, no surrogates, max U+10FFFF). */
bool utf8_valid(const char *p, size_t n);
/* utf8_decode reads one code point at p[*i], advancing *i; returns -1 on invalid input
 * (and advances one byte). */
int32_t utf8_decode(const char *p, size_t n, size_t *i);
/* utf8_encode writes cp into out (4 bytes room) and returns the byte count. */
size_t utf8_encode(int32_t cp, char *out);
/* utf8_is_apostrophe: ' (U+0027), ’ (U+2019), ʼ (U+02BC), ‘ (U+2018), ` (U+0060):
 * to a Ukrainian reader the same letter inside a word. */
bool utf8_is_apostrophe(int32_t cp);
/* utf8_lower folds Latin and Cyrillic (incl. Ґ Є І Ї Ў) to lower case. */
int32_t utf8_lower(int32_t cp);
/* utf8_normalize_word appends (p, n) lower-cased with every apostrophe as U+0027. */
ERR_MUST_USE
enum err utf8_normalize_word(struct buf *out, const char *p, size_t n);
/* utf8_translit appends the official Ukrainian-Latin transliteration (Cabinet of
 * Ministers resolution 55 of 2010), lower-cased, as a URL slug: letters and digits
 * kept, everything else collapsed into single '-', no leading/trailing '-'. */
ERR_MUST_USE
enum err utf8_slugify(struct buf *out, const char *p, size_t n);

#endif
