/* fuzz_util.h: what the libFuzzer targets share. Each target is one fuzz/fuzz_<name>.c
 * defining LLVMFuzzerTestOneInput; a broken invariant calls fuzz_fail, which prints
 * why and aborts, so libFuzzer saves the input as a crash and CI replays it from
 * fuzz/regressions/<name>/ from then on. */
#ifndef VISNYK_FUZZ_FUZZ_UTIL_H
#define VISNYK_FUZZ_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* fuzz_fail reports a broken invariant, with the offending bytes escaped, and aborts. */
static inline void fuzz_fail(const char *what, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    fprintf(stderr, "fuzz invariant broken: %s\n  in: \"", what);
    for (size_t i = 0; i < n && i < 2000; i++) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, "\"%s\n", n > 2000 ? " (cut)" : "");
    abort();
}

#define FUZZ_CHECK(cond, what, p, n)                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(what, (p), (size_t)(n));                                                     \
    } while (0)

/* fuzz_split cuts the input at the first occurrence of sep (a byte libFuzzer's mutations
 * insert easily), so one input can carry several fields: *head gets the part before,
 * *rest the part after; false (and *rest empty) when sep is absent. */
static inline bool fuzz_split(struct str in, char sep, struct str *head, struct str *rest)
{
    const char *p = in.len ? memchr(in.ptr, sep, in.len) : NULL;
    if (p == NULL) {
        *head = in;
        *rest = str_make(in.ptr + in.len, 0);
        return false;
    }
    *head = str_make(in.ptr, (size_t)(p - in.ptr));
    *rest = str_make(p + 1, in.len - (size_t)(p - in.ptr) - 1);
    return true;
}

/* fuzz_contains_nocase: does s contain needle (ASCII case-insensitive)? */
static inline bool fuzz_contains_nocase(struct str s, const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0)
        return true;
    for (size_t i = 0; i + m <= s.len; i++) {
        size_t k = 0;
        while (k < m) {
            unsigned char a = (unsigned char)s.ptr[i + k], b = (unsigned char)needle[k];
            if (a >= 'A' && a <= 'Z')
                a = (unsigned char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (unsigned char)(b - 'A' + 'a');
            if (a != b)
                break;
            k++;
        }
        if (k == m)
            return true;
    }
    return false;
}

/* fuzz_within: is the slice s inside [base, base + n] (a parser's output slices must
 * point into its input)? */
static inline bool fuzz_within(struct str s, const char *base, size_t n)
{
    if (s.len == 0)
        return true;
    return s.ptr >= base && s.ptr + s.len <= base + n;
}

#endif
