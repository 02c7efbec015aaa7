/* value.c: the template data tree. Everything lives in the caller's arena; growth of
 * lists and objects doubles the array and abandons the old one to the arena, which is
 * cheaper than tracking it for a request-lived tree. Object lookup is linear: pages
 * hand templates objects of a few dozen keys at most, and a length check before
 * memcmp makes a miss cost a couple of compares. */
#include <assert.h>
#include <string.h>

#include "render/value.h"
#include "render/value_impl.h"

/* copy keeps empty slices off arena_str, whose memcpy must not see a NULL pointer. */
static struct str copy(struct arena *a, struct str s)
{
    return s.len == 0 ? STR_LIT("") : arena_str(a, s);
}

static struct value *value_new(struct arena *a, enum value_kind kind)
{
    struct value *v = arena_alloc(a, sizeof *v);
    v->kind = kind;
    return v;
}

struct value *value_obj(struct arena *a)
{
    return value_new(a, VALUE_OBJ);
}

struct value *value_list(struct arena *a)
{
    return value_new(a, VALUE_LIST);
}

struct value *value_str(struct arena *a, struct str s)
{
    struct value *v = value_new(a, VALUE_STR);
    v->u.s = copy(a, s);
    return v;
}

struct value *value_str_ref(struct arena *a, struct str s)
{
    struct value *v = value_new(a, VALUE_STR);
    v->u.s = s.ptr == NULL ? STR_LIT("") : s;
    return v;
}

struct value *value_cstr(struct arena *a, const char *s)
{
    return value_str(a, str_from_cstr(s));
}

struct value *value_int(struct arena *a, int64_t i)
{
    struct value *v = value_new(a, VALUE_INT);
    v->u.i = i;
    return v;
}

struct value *value_bool(struct arena *a, bool b)
{
    struct value *v = value_new(a, VALUE_BOOL);
    v->u.b = b;
    return v;
}

struct value *render_raw(struct arena *a, struct str html)
{
    struct value *v = value_new(a, VALUE_RAW);
    v->u.s = copy(a, html);
    return v;
}

struct value *render_raw_ref(struct arena *a, struct str html)
{
    struct value *v = value_new(a, VALUE_RAW);
    v->u.s = html.ptr == NULL ? STR_LIT("") : html;
    return v;
}

const struct value_member *value__find(const struct value *obj, struct str key)
{
    if (obj == NULL || obj->kind != VALUE_OBJ)
        return NULL;
    const struct value_member *m = obj->u.obj.members;
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        if (m[i].key.len == key.len && memcmp(m[i].key.ptr, key.ptr, key.len) == 0)
            return &m[i];
    }
    return NULL;
}

void value_set(struct arena *a, struct value *obj, const char *key, struct value *v)
{
    assert(obj != NULL && obj->kind == VALUE_OBJ);
    if (obj == NULL || obj->kind != VALUE_OBJ)
        return;
    struct str k = str_from_cstr(key);
    struct value_member *found = (struct value_member *)value__find(obj, k);
    if (found != NULL) {
        found->v = v;
        return;
    }
    if (obj->u.obj.len == obj->u.obj.cap) {
        size_t cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 8;
        struct value_member *m = arena_alloc_array(a, cap, sizeof *m);
        if (obj->u.obj.len > 0)
            memcpy(m, obj->u.obj.members, obj->u.obj.len * sizeof *m);
        obj->u.obj.members = m;
        obj->u.obj.cap = cap;
    }
    /* Keys are copied: callers build them in stack buffers as often as from literals. */
    obj->u.obj.members[obj->u.obj.len].key = copy(a, k);
    obj->u.obj.members[obj->u.obj.len].v = v;
    obj->u.obj.len++;
}

void value_set_str(struct arena *a, struct value *obj, const char *key, struct str s)
{
    value_set(a, obj, key, value_str(a, s));
}

void value_set_cstr(struct arena *a, struct value *obj, const char *key, const char *s)
{
    value_set(a, obj, key, value_cstr(a, s));
}

void value_set_int(struct arena *a, struct value *obj, const char *key, int64_t i)
{
    value_set(a, obj, key, value_int(a, i));
}

void value_set_bool(struct arena *a, struct value *obj, const char *key, bool b)
{
    value_set(a, obj, key, value_bool(a, b));
}

void value_push(struct arena *a, struct value *list, struct value *v)
{
    assert(list != NULL && list->kind == VALUE_LIST);
    if (list == NULL || list->kind != VALUE_LIST)
        return;
    if (list->u.list.len == list->u.list.cap) {
        size_t cap = list->u.list.cap ? list->u.list.cap * 2 : 8;
        struct value **items = arena_alloc_array(a, cap, sizeof *items);
        if (list->u.list.len > 0)
            memcpy(items, list->u.list.items, list->u.list.len * sizeof *items);
        list->u.list.items = items;
        list->u.list.cap = cap;
    }
    list->u.list.items[list->u.list.len++] = v;
}

enum value_kind value_kind_of(const struct value *v)
{
    return v == NULL ? VALUE_NULL : v->kind;
}

struct value *value_get(const struct value *v, struct str key)
{
    const struct value_member *m = value__find(v, key);
    return m == NULL ? NULL : m->v;
}

size_t value_list_len(const struct value *v)
{
    return (v != NULL && v->kind == VALUE_LIST) ? v->u.list.len : 0;
}

struct value *value_list_at(const struct value *v, size_t i)
{
    if (v == NULL || v->kind != VALUE_LIST || i >= v->u.list.len)
        return NULL;
    return v->u.list.items[i];
}

struct str value_str_of(const struct value *v)
{
    if (v == NULL || (v->kind != VALUE_STR && v->kind != VALUE_RAW))
        return STR_NULL;
    return v->u.s;
}

bool value_truthy(const struct value *v)
{
    if (v == NULL)
        return false;
    switch (v->kind) {
    case VALUE_NULL:
        return false;
    case VALUE_BOOL:
        return v->u.b;
    case VALUE_INT:
        return v->u.i != 0;
    case VALUE_STR:
    case VALUE_RAW:
        return v->u.s.len > 0;
    case VALUE_LIST:
        return v->u.list.len > 0;
    case VALUE_OBJ:
        return true;
    }
    return false;
}
