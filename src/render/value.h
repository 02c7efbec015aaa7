/* value.h: the data a template sees: a small tree of strings, numbers, booleans,
 * lists and objects, allocated from the request arena. Strings are HTML-escaped on
 * output unless marked raw (render_raw), which only the Markdown renderer and the
 * escaping writers themselves produce. */
#ifndef VISNYK_RENDER_VALUE_H
#define VISNYK_RENDER_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/str.h"

enum value_kind { VALUE_NULL, VALUE_BOOL, VALUE_INT, VALUE_STR, VALUE_RAW, VALUE_LIST, VALUE_OBJ };

struct value;

/* Constructors allocate from a (the request arena); the value lives until the arena is
 * reset. value_str, value_cstr and render_raw copy the bytes into the arena, so the
 * source may be a SQLite row or a stack buffer; the _ref variants keep the pointer
 * (use them for text that already lives in the arena or outlives it). */
struct value *value_obj(struct arena *a);
struct value *value_list(struct arena *a);
struct value *value_str(struct arena *a, struct str s); /* escaped on output */
struct value *value_cstr(struct arena *a, const char *s);
struct value *value_int(struct arena *a, int64_t i);
struct value *value_bool(struct arena *a, bool b);
/* render_raw: trusted HTML, written as is. Greppable on purpose. */
struct value *render_raw(struct arena *a, struct str html);
struct value *value_str_ref(struct arena *a, struct str s);
struct value *render_raw_ref(struct arena *a, struct str html);

/* Objects keep insertion order; setting an existing key replaces it. The key is
 * copied. v may be NULL (a present but null member: lookup stops there). Calling
 * these on a value of another kind is a programming error (asserted, else ignored). */
void value_set(struct arena *a, struct value *obj, const char *key, struct value *v);
void value_set_str(struct arena *a, struct value *obj, const char *key, struct str s);
void value_set_cstr(struct arena *a, struct value *obj, const char *key, const char *s);
void value_set_int(struct arena *a, struct value *obj, const char *key, int64_t i);
void value_set_bool(struct arena *a, struct value *obj, const char *key, bool b);
void value_push(struct arena *a, struct value *list, struct value *v);

enum value_kind value_kind_of(const struct value *v);
/* value_get: member of an object (NULL when absent or v is not an object). Dotted
 * paths ("site.name") are resolved by the template engine, not here. */
struct value *value_get(const struct value *v, struct str key);
size_t value_list_len(const struct value *v);
struct value *value_list_at(const struct value *v, size_t i);
/* value_str_of: the bytes of a STR or RAW value; the empty str for other kinds. */
struct str value_str_of(const struct value *v);
/* Truthiness for sections: NULL, false, 0, "", empty list are false. */
bool value_truthy(const struct value *v);

#endif
