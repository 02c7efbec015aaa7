/* test_value.c: the value tree's accessors and truthiness. */
#include "check.h"
#include "render/value.h"

int main(void)
{
    struct arena *a = arena_new(4096);
    struct value *o = value_obj(a);
    for (int i = 0; i < 40; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        value_set_int(a, o, key, i);
    }
    value_set_cstr(a, o, "k7", "seven"); /* replaces, keeps order */
    CHECK(value_kind_of(value_get(o, STR_LIT("k39"))) == VALUE_INT);
    CHECK_STR(value_str_of(value_get(o, STR_LIT("k7"))), "seven");
    CHECK(value_get(o, STR_LIT("k40")) == NULL);
    CHECK(value_get(o, STR_LIT("k")) == NULL);
    CHECK(value_get(NULL, STR_LIT("k1")) == NULL);
    CHECK(value_kind_of(NULL) == VALUE_NULL);

    struct value *l = value_list(a);
    CHECK(value_list_len(l) == 0 && !value_truthy(l));
    for (int i = 0; i < 20; i++)
        value_push(a, l, value_int(a, i));
    CHECK(value_list_len(l) == 20 && value_truthy(l));
    CHECK(value_list_at(l, 20) == NULL);
    CHECK(value_list_at(o, 0) == NULL && value_list_len(o) == 0);
    CHECK(value_get(l, STR_LIT("x")) == NULL);

    CHECK(!value_truthy(NULL));
    CHECK(!value_truthy(value_bool(a, false)) && value_truthy(value_bool(a, true)));
    CHECK(!value_truthy(value_int(a, 0)) && value_truthy(value_int(a, -1)));
    CHECK(!value_truthy(value_cstr(a, "")) && value_truthy(value_cstr(a, "x")));
    CHECK(!value_truthy(render_raw(a, STR_LIT(""))));
    CHECK(value_truthy(value_obj(a)));
    CHECK(value_kind_of(render_raw(a, STR_LIT("<b>"))) == VALUE_RAW);
    CHECK_STR(value_str_of(value_str(a, STR_NULL)), "");
    CHECK_STR(value_str_of(value_cstr(a, NULL)), "");
    CHECK_STR(value_str_of(value_str_ref(a, STR_LIT("ref"))), "ref");
    CHECK_STR(value_str_of(value_int(a, 1)), "");
    arena_free(a);
    return check_done();
}
