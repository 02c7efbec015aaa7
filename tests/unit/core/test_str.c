#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"

static void test_split(void)
{
    struct str rest = STR_LIT("a,,b,");
    struct str piece;
    const char *want[] = {"a", "", "b"};
    size_t n = 0;
    while (str_split_next(&rest, ',', &piece)) {
        CHECK(n < 3);
        if (n < 3)
            CHECK_STR(piece, want[n]);
        n++;
    }
    CHECK(n == 3);
}

static void test_numbers(void)
{
    int64_t v = 0;
    CHECK(str_to_i64(STR_LIT("9223372036854775807"), &v) && v == INT64_MAX);
    CHECK(str_to_i64(STR_LIT("-9223372036854775808"), &v) && v == INT64_MIN);
    CHECK(!str_to_i64(STR_LIT("9223372036854775808"), &v));
    CHECK(!str_to_i64(STR_LIT(""), &v));
    CHECK(!str_to_i64(STR_LIT("-"), &v));
    CHECK(!str_to_i64(STR_LIT("12a"), &v));
    CHECK(!str_to_i64(STR_LIT(" 1"), &v));
}

static void test_misc(void)
{
    CHECK(str_eq_nocase(STR_LIT("Content-Length"), STR_LIT("content-length")));
    CHECK(str_find(STR_LIT("hello world"), STR_LIT("wor")) == 6);
    CHECK(str_find(STR_LIT("hi"), STR_LIT("high")) == SIZE_MAX);
    CHECK_STR(str_trim(STR_LIT("  x y \r\n")), "x y");
    CHECK_STR(str_sub(STR_LIT("abc"), 1, 100), "bc");
    CHECK(str_starts_with(STR_LIT("/news/x"), STR_LIT("/news/")));
    CHECK(str_ends_with(STR_LIT("a.jpg"), STR_LIT(".jpg")));
}

static void test_buf_bounds(void)
{
    struct buf b;
    buf_init(&b, 8);
    CHECK(buf_append_cstr(&b, "12345678") == ERR_OK);
    CHECK(buf_append_char(&b, '9') == ERR_TOO_LARGE);
    CHECK_STR(buf_str(&b), "12345678");
    buf_reset(&b);
    CHECK(buf_appendf(&b, "%d-%s", 42, "ab") == ERR_OK);
    CHECK_STR(buf_str(&b), "42-ab");
    CHECK(buf_appendf(&b, "%s", "toolong") == ERR_TOO_LARGE);
    CHECK_STR(buf_str(&b), "42-ab");
    buf_free(&b);
}

static void test_arena(void)
{
    struct arena *a = arena_new(256);
    char *big = arena_alloc(a, 10000);
    big[9999] = 'x';
    for (int i = 0; i < 1000; i++) {
        int *p = arena_alloc(a, sizeof(int) * 3);
        CHECK(((uintptr_t)p % _Alignof(max_align_t)) == 0);
        p[2] = i;
    }
    char *s = arena_printf(a, "%s/%d", "news", 7);
    CHECK(strcmp(s, "news/7") == 0);
    struct str copy = arena_str(a, STR_LIT("abc"));
    CHECK_STR(copy, "abc");
    CHECK(copy.ptr[3] == '\0');
    arena_reset(a);
    CHECK(arena_bytes_used(a) == 0);
    arena_free(a);
}

int main(void)
{
    test_split();
    test_numbers();
    test_misc();
    test_buf_bounds();
    test_arena();

    char *d = str_dup(STR_LIT("ab\0c")); /* a slice may hold a NUL: copied as is */
    CHECK(memcmp(d, "ab\0c", 5) == 0);
    free(d);
    d = str_dup(STR_NULL);
    CHECK(d != NULL && d[0] == '\0');
    free(d);
    d = str_cstr_dup("Полтава");
    CHECK(strcmp(d, "Полтава") == 0);
    free(d);
    return check_done();
}
