/* test_buf.c: the bounded buffer's sticky error. buf.c is included (not linked) so that
 * its realloc can be made to fail. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

static int allocs_left = -1; /* -1: every allocation succeeds */

static void *test_realloc(void *p, size_t n)
{
    if (allocs_left == 0)
        return NULL;
    if (allocs_left > 0)
        allocs_left--;
    return realloc(p, n);
}

#define realloc test_realloc
#include "core/buf.c"
#undef realloc

/* Past the maximum: the first failure marks the buffer and every later append fails
 * with that error, even one that would fit, and leaves the contents alone. */
static void test_too_large_sticks(void)
{
    struct buf b;
    buf_init(&b, 8);
    CHECK(buf_error(&b) == ERR_OK);
    CHECK(buf_append_cstr(&b, "12345") == ERR_OK);
    CHECK(buf_append_cstr(&b, "6789") == ERR_TOO_LARGE);
    CHECK(buf_error(&b) == ERR_TOO_LARGE);
    CHECK_STR(buf_str(&b), "12345");
    CHECK(buf_append_char(&b, '6') == ERR_TOO_LARGE); /* would fit, still refused */
    CHECK(buf_append(&b, "x", 1) == ERR_TOO_LARGE);
    CHECK(buf_append_str(&b, STR_LIT("y")) == ERR_TOO_LARGE);
    CHECK(buf_appendf(&b, "%d", 7) == ERR_TOO_LARGE);
    CHECK(buf_append(&b, NULL, 0) == ERR_TOO_LARGE);
    CHECK_STR(buf_str(&b), "12345");
    CHECK(b.data[b.len] == '\0');

    /* buf_reset clears the error and keeps the memory */
    char *mem = b.data;
    buf_reset(&b);
    CHECK(buf_error(&b) == ERR_OK);
    CHECK(b.data == mem);
    CHECK(buf_append_cstr(&b, "12345678") == ERR_OK);
    CHECK_STR(buf_str(&b), "12345678");
    buf_free(&b);
}

/* A formatted append past the maximum marks the buffer (it is measured in the spare
 * room first, then refused without growing). */
static void test_appendf_sticks(void)
{
    struct buf b;
    buf_init(&b, 10);
    CHECK(buf_appendf(&b, "%s", "abc") == ERR_OK);
    CHECK(buf_appendf(&b, "%s", "defghijklmnop") == ERR_TOO_LARGE);
    CHECK(buf_error(&b) == ERR_TOO_LARGE);
    CHECK_STR(buf_str(&b), "abc");
    CHECK(buf_appendf(&b, "%c", 'd') == ERR_TOO_LARGE);
    CHECK_STR(buf_str(&b), "abc");
    buf_free(&b);
    CHECK(buf_error(&b) == ERR_OK); /* buf_free clears it too */
    CHECK(buf_appendf(&b, "%d-%d", 1, 2) == ERR_OK);
    CHECK_STR(buf_str(&b), "1-2");
    buf_free(&b);
}

/* An allocation failure returns ERR_NOMEM and marks the buffer (no abort); what was
 * there stays. */
static void test_nomem(void)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    allocs_left = 0;
    CHECK(buf_append_cstr(&b, "first") == ERR_NOMEM);
    CHECK(buf_error(&b) == ERR_NOMEM);
    CHECK(b.len == 0);
    CHECK_STR(buf_str(&b), "");
    allocs_left = -1;
    CHECK(buf_append_cstr(&b, "later") == ERR_NOMEM); /* memory is back; still failed */
    buf_reset(&b);
    CHECK(buf_append_cstr(&b, "kept") == ERR_OK);

    /* growing an existing block fails: the old block and its text stay */
    char big[300];
    memset(big, 'x', sizeof big);
    allocs_left = 0;
    CHECK(buf_append(&b, big, sizeof big) == ERR_NOMEM);
    CHECK_STR(buf_str(&b), "kept");
    CHECK(buf_appendf(&b, "%s", "more") == ERR_NOMEM);
    CHECK_STR(buf_str(&b), "kept");
    allocs_left = -1;

    /* a formatted append that needs growing fails the same way */
    buf_reset(&b);
    CHECK(buf_append_cstr(&b, "ab") == ERR_OK);
    allocs_left = 0;
    CHECK(buf_appendf(&b, "%300s", "y") == ERR_NOMEM);
    CHECK(buf_error(&b) == ERR_NOMEM);
    CHECK_STR(buf_str(&b), "ab");
    allocs_left = -1;
    buf_free(&b);
}

/* buf_set_error passes a failure on from elsewhere; the first error wins and ERR_OK does
 * nothing. */
static void test_set_error(void)
{
    struct buf b;
    buf_init(&b, 64);
    buf_set_error(&b, ERR_OK);
    CHECK(buf_error(&b) == ERR_OK);
    CHECK(buf_append_cstr(&b, "page") == ERR_OK);
    buf_set_error(&b, ERR_NOMEM);
    buf_set_error(&b, ERR_TOO_LARGE);
    CHECK(buf_error(&b) == ERR_NOMEM);
    CHECK(buf_append_cstr(&b, "!") == ERR_NOMEM);
    CHECK_STR(buf_str(&b), "page");
    buf_reset(&b);
    CHECK(buf_error(&b) == ERR_OK);
    buf_free(&b);
}

/* buf_detach keeps the error: what was detached is known to be cut. */
static void test_detach(void)
{
    struct buf b;
    size_t len = 0;
    buf_init(&b, 4);
    CHECK(buf_append_cstr(&b, "abc") == ERR_OK);
    CHECK(buf_append_cstr(&b, "de") == ERR_TOO_LARGE);
    char *p = buf_detach(&b, &len);
    CHECK(len == 3 && p != NULL && strcmp(p, "abc") == 0);
    CHECK(buf_error(&b) == ERR_TOO_LARGE);
    free(p);
    buf_free(&b);
    CHECK(buf_error(&b) == ERR_OK);
}

int main(void)
{
    test_too_large_sticks();
    test_appendf_sticks();
    test_nomem();
    test_set_error();
    test_detach();
    return check_done();
}
