/* diff.c: line diff for revisions. Common leading and trailing lines are matched
 * first (an edit usually touches a few paragraphs), then the middle gets a longest
 * common subsequence table when it is small enough; past ADMIN__DIFF_MAX_CELLS it is
 * shown as removed-then-added, which is still correct, only less precise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_internal.h"

static size_t split_lines(struct arena *a, struct str text, struct str **out)
{
    size_t n = 0, cap = 1;
    for (size_t i = 0; i < text.len; i++)
        if (text.ptr[i] == '\n')
            cap++;
    *out = arena_alloc_array(a, cap, sizeof **out);
    struct str rest = text, piece;
    while (str_split_next(&rest, '\n', &piece)) {
        if (piece.len > 0 && piece.ptr[piece.len - 1] == '\r')
            piece.len--;
        (*out)[n++] = piece;
    }
    return n;
}

static void push(struct admin_diff_line *out, size_t *n, enum admin_diff_op op, struct str text)
{
    out[*n].op = op;
    out[*n].text = text;
    (*n)++;
}

void admin__diff_lines(struct arena *a, struct str old_text, struct str new_text,
                       struct admin_diff_line **out, size_t *n)
{
    struct str *x, *y;
    size_t nx = split_lines(a, old_text, &x), ny = split_lines(a, new_text, &y);
    size_t pre = 0, suf = 0;

    *n = 0;
    *out = arena_alloc_array(a, nx + ny + 1, sizeof **out);
    while (pre < nx && pre < ny && str_eq(x[pre], y[pre]))
        pre++;
    while (suf < nx - pre && suf < ny - pre && str_eq(x[nx - 1 - suf], y[ny - 1 - suf]))
        suf++;
    for (size_t i = 0; i < pre; i++)
        push(*out, n, ADMIN_DIFF_SAME, x[i]);

    size_t mx = nx - pre - suf, my = ny - pre - suf;
    struct str *mxs = x + pre, *mys = y + pre;
    if (mx > 0 && my > 0 && (mx + 1) * (my + 1) <= ADMIN__DIFF_MAX_CELLS) {
        /* lcs[i][j]: LCS length of mxs[i..] and mys[j..] */
        size_t w = my + 1;
        uint32_t *lcs = calloc((mx + 1) * w, sizeof *lcs);
        if (lcs == NULL)
            abort();
        for (size_t i = mx; i-- > 0;)
            for (size_t j = my; j-- > 0;)
                lcs[i * w + j] =
                    str_eq(mxs[i], mys[j])
                        ? lcs[(i + 1) * w + j + 1] + 1
                        : (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] ? lcs[(i + 1) * w + j]
                                                                      : lcs[i * w + j + 1]);
        size_t i = 0, j = 0;
        while (i < mx && j < my) {
            if (str_eq(mxs[i], mys[j])) {
                push(*out, n, ADMIN_DIFF_SAME, mxs[i]);
                i++;
                j++;
            } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                push(*out, n, ADMIN_DIFF_DEL, mxs[i++]);
            } else {
                push(*out, n, ADMIN_DIFF_ADD, mys[j++]);
            }
        }
        while (i < mx)
            push(*out, n, ADMIN_DIFF_DEL, mxs[i++]);
        while (j < my)
            push(*out, n, ADMIN_DIFF_ADD, mys[j++]);
        free(lcs);
    } else {
        for (size_t i = 0; i < mx; i++)
            push(*out, n, ADMIN_DIFF_DEL, mxs[i]);
        for (size_t j = 0; j < my; j++)
            push(*out, n, ADMIN_DIFF_ADD, mys[j]);
    }
    for (size_t i = nx - suf; i < nx; i++)
        push(*out, n, ADMIN_DIFF_SAME, x[i]);
}
