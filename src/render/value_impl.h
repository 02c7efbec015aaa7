/* value_impl.h: the layout of struct value, private to render/ (the template engine
 * reads values directly on its hot path instead of through accessor calls). */
#ifndef VISNYK_RENDER_VALUE_IMPL_H
#define VISNYK_RENDER_VALUE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"
#include "render/value.h"

struct value_member {
    struct str key;
    struct value *v; /* NULL means present but null: lookup stops here */
};

struct value {
    enum value_kind kind;
    union {
        bool b;
        int64_t i;
        struct str s; /* VALUE_STR and VALUE_RAW */
        struct {
            struct value **items;
            size_t len, cap;
        } list;
        struct {
            struct value_member *members;
            size_t len, cap;
        } obj;
    } u;
};

/* value__find looks key up in obj; returns the member or NULL when absent. */
const struct value_member *value__find(const struct value *obj, struct str key);

#endif
