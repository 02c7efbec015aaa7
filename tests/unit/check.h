/* check.h: the unit tests' assertions. Each failing CHECK prints file:line and the
 * expression, the run goes on, and check_done() prints "N passed, N failed" and gives
 * the exit code. */
#ifndef VISNYK_TESTS_CHECK_H
#define VISNYK_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

/* CHECK_STR compares a (ptr, len) slice with a C string and shows both on failure. */
#define CHECK_STR(s, expected)                                                                     \
    do {                                                                                           \
        struct str check_s_ = (s);                                                                 \
        const char *check_e_ = (expected);                                                         \
        if (check_s_.len == strlen(check_e_) &&                                                    \
            (check_s_.len == 0 || memcmp(check_s_.ptr, check_e_, check_s_.len) == 0)) {            \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: got \"%.*s\", expected \"%s\"\n", __FILE__, __LINE__,          \
                    (int)check_s_.len, check_s_.ptr ? check_s_.ptr : "", check_e_);                \
        }                                                                                          \
    } while (0)

/* check_done also fails a run that checked nothing: a test whose loop never ran or
 * whose cases were all skipped must not pass silently. */
static inline int check_done(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    if (check_passed + check_failed == 0) {
        fprintf(stderr, "FAIL: this test ran no checks\n");
        return 1;
    }
    return check_failed == 0 ? 0 : 1;
}

#endif
