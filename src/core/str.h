/* str.h: read-only byte slices (pointer + length). A str never owns its bytes and is
 * never assumed NUL-terminated. Also the one heap copy of a C string (str_cstr_dup). */
#ifndef VISNYK_CORE_STR_H
#define VISNYK_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct str {
    const char *ptr;
    size_t len;
};

#define STR_LIT(s) ((struct str){(s), sizeof(s) - 1})
#define STR_NULL ((struct str){NULL, 0})
/* printf("%.*s", STR_FMT(s)) */
#define STR_FMT(s) (int)(s).len, (s).ptr

/* str_from_cstr wraps a NUL-terminated string (NULL gives the empty str). */
struct str str_from_cstr(const char *s);
struct str str_make(const char *ptr, size_t len);
bool str_eq(struct str a, struct str b);
bool str_eq_cstr(struct str a, const char *b);
/* ASCII case-insensitive comparison (for header names and tokens). */
bool str_eq_nocase(struct str a, struct str b);
bool str_starts_with(struct str s, struct str prefix);
bool str_ends_with(struct str s, struct str suffix);
/* str_find returns the offset of the first needle in s, or SIZE_MAX. */
size_t str_find(struct str s, struct str needle);
size_t str_find_char(struct str s, char c);
struct str str_sub(struct str s, size_t from, size_t len);
/* str_trim drops ASCII whitespace at both ends. */
struct str str_trim(struct str s);
/* str_split_next cuts the next piece of *rest before sep, advancing *rest past sep.
 * Returns false when *rest is empty: "a,,b" gives "a", "", "b"; a trailing sep adds
 * no empty piece. */
bool str_split_next(struct str *rest, char sep, struct str *piece);
/* str_to_i64 parses an optional '-' and decimal digits, all of s, into *out.
 * Fails (false) on empty input, other characters or overflow. */
bool str_to_i64(struct str s, int64_t *out);
/* str_hash is FNV-1a over the bytes: fast, for in-memory hash tables only. */
uint64_t str_hash(struct str s);

/* str_cstr_dup returns a malloc'd copy of the NUL-terminated s (not NULL), which the
 * caller frees; str_dup the same for a slice (NUL-terminated; an empty or null slice
 * gives ""). Allocation failure aborts, so neither returns NULL. */
char *str_cstr_dup(const char *s);
char *str_dup(struct str s);

#endif
