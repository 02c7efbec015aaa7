/* text.c: words, folding, queries, edit distance and snippet markup for search. */
#include <string.h>

#include "core/utf8.h"
#include "render/escape.h"
#include "render/markdown.h"
#include "search/search.h"

#define MAX_DISTANCE_CHARS 64

/* Ignorable inside a word: combining marks (the stress mark U+0301 in dictionaries and
 * textbooks), the soft hyphen and zero-width joiners. They neither split a word nor
 * become part of it. */
static bool is_ignorable(int32_t cp)
{
    return (cp >= 0x300 && cp <= 0x36f) || cp == 0xad || cp == 0x200c || cp == 0x200d ||
           cp == 0x2060 || cp == 0xfeff;
}

/* is_word_char: letters and digits of the scripts a Ukrainian news site meets; all
 * punctuation, symbols, spaces and emoji separate words. */
static bool is_word_char(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    if (cp == 0xaa || cp == 0xb5 || cp == 0xba)
        return true;
    if (cp >= 0xc0 && cp <= 0x24f)
        return cp != 0xd7 && cp != 0xf7;
    if (cp >= 0x370 && cp <= 0x3ff)
        return cp != 0x37e && cp != 0x387;
    if (cp >= 0x400 && cp <= 0x52f)
        return cp != 0x482;
    if (cp >= 0x1e00 && cp <= 0x1fff)
        return true;
    if (cp >= 0x2000 && cp <= 0x2e7f) /* punctuation, symbols, arrows, box drawing */
        return false;
    if (cp >= 0x3000 && cp <= 0x303f)
        return false;
    if (cp >= 0xd800 && cp <= 0xf8ff) /* surrogates (never valid) and private use */
        return false;
    if (cp >= 0xfe00 && cp <= 0xfe6f)
        return false;
    if (cp >= 0xff00 && cp <= 0xff20)
        return false;
    if (cp >= 0x1f000)
        return false;
    return cp >= 0x2e80;
}

/* fold_char: lower case beyond what core's utf8_lower covers (Latin-1 and Greek). */
static int32_t fold_char(int32_t cp)
{
    cp = utf8_lower(cp);
    if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
        return cp + 0x20;
    if (cp >= 0x391 && cp <= 0x3ab && cp != 0x3a2)
        return cp + 0x20;
    return cp;
}

/* peek decodes the code point at i without moving; -1 at the end or on bad bytes. */
static int32_t peek(const char *p, size_t n, size_t i, size_t *next)
{
    if (i >= n) {
        *next = i;
        return -1;
    }
    size_t j = i;
    int32_t cp = utf8_decode(p, n, &j);
    *next = j;
    return cp;
}

static void append_cp(struct buf *out, int32_t cp)
{
    char enc[4];
    size_t k = utf8_encode(cp, enc);
    if (out->len + k <= SEARCH_MAX_WORD_BYTES)
        buf_append(out, enc, k); /* cannot fail below the word limit's size */
}

bool search_word_next(const char *text, size_t len, size_t *pos, size_t *start, size_t *end,
                      struct buf *folded)
{
    size_t i = *pos, next;
    buf_reset(folded);
    /* skip to the first character of a word */
    for (;;) {
        int32_t cp = peek(text, len, i, &next);
        if (i >= len) {
            *pos = len;
            return false;
        }
        if (cp >= 0 && is_word_char(cp))
            break;
        i = next;
    }
    *start = i;
    size_t last_end = i;
    while (i < len) {
        int32_t cp = peek(text, len, i, &next);
        if (cp < 0)
            break;
        if (is_word_char(cp)) {
            append_cp(folded, fold_char(cp));
            last_end = next;
            i = next;
            continue;
        }
        if (is_ignorable(cp)) {
            i = next;
            continue;
        }
        if (utf8_is_apostrophe(cp)) {
            /* inside a word only: a letter must follow (п'ять, not 'цитата' or кінця') */
            size_t after;
            int32_t nx = peek(text, len, next, &after);
            if (nx >= 0 && is_word_char(nx)) {
                append_cp(folded, '\'');
                i = next;
                continue;
            }
        }
        break;
    }
    *end = last_end;
    *pos = i > last_end ? i : last_end;
    if (*pos == *start) /* cannot happen: the loop consumed at least one char */
        *pos = *start + 1;
    return true;
}

enum err search_word_fold(struct buf *out, struct str word)
{
    size_t i = 0;
    while (i < word.len) {
        int32_t cp = utf8_decode(word.ptr, word.len, &i);
        if (cp < 0 || is_ignorable(cp))
            continue;
        if (utf8_is_apostrophe(cp))
            cp = '\'';
        char enc[4];
        enum err e = buf_append(out, enc, utf8_encode(fold_char(cp), enc));
        if (e != ERR_OK)
            return e;
    }
    return ERR_OK;
}

static size_t char_count(struct str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        if (((unsigned char)s.ptr[i] & 0xc0) != 0x80)
            n++;
    return n;
}

void search_query_parse(struct arena *a, struct str q, struct search_query *out)
{
    memset(out, 0, sizeof *out);
    if (q.len > SEARCH_MAX_QUERY_BYTES) {
        size_t n = SEARCH_MAX_QUERY_BYTES;
        while (n > 0 && ((unsigned char)q.ptr[n] & 0xc0) == 0x80)
            n--;
        q.len = n;
    }
    struct str all[SEARCH_MAX_QUERY_WORDS];
    size_t n_all = 0, pos = 0, start, end, longest = 0;
    bool ends_in_word = false;
    struct buf w;
    buf_init(&w, SEARCH_MAX_WORD_BYTES + 8);
    while (n_all < SEARCH_MAX_QUERY_WORDS &&
           search_word_next(q.ptr, q.len, &pos, &start, &end, &w)) {
        struct str f = buf_str(&w);
        ends_in_word = end == q.len;
        bool dup = false;
        for (size_t k = 0; k < n_all; k++)
            dup = dup || str_eq(all[k], f);
        if (dup)
            continue;
        all[n_all++] = arena_str(a, f);
        size_t c = char_count(f);
        if (c > longest)
            longest = c;
    }
    buf_free(&w);
    for (size_t k = 0; k < n_all; k++) {
        /* a lone «в» is still a query; beside other words it only slows the match */
        if (longest > 1 && char_count(all[k]) < 2)
            continue;
        out->words[out->n_words++] = all[k];
    }
    out->last_prefix =
        ends_in_word && out->n_words > 0 && out->words[out->n_words - 1].ptr == all[n_all - 1].ptr;
}

/* append_quoted writes "term" with FTS5's quote doubling (our words never hold a '"',
 * but the rule keeps the expression valid whatever the splitter lets through). */
static enum err append_quoted(struct buf *out, struct str term)
{
    enum err e = buf_append_char(out, '"');
    for (size_t i = 0; i < term.len && e == ERR_OK; i++)
        e = term.ptr[i] == '"' ? buf_append(out, "\"\"", 2) : buf_append_char(out, term.ptr[i]);
    if (e == ERR_OK)
        e = buf_append_char(out, '"');
    return e;
}

enum err search_match_build(struct buf *out, struct arena *a, const struct search_query *q)
{
    enum err e = ERR_OK;
    for (size_t i = 0; i < q->n_words && e == ERR_OK; i++) {
        struct str w = q->words[i];
        struct str stems[SEARCH_MAX_STEMS];
        size_t n_stems = 0;
        search_stems(NULL, a, w, stems, &n_stems);
        /* A word the dictionary knows is complete: its stems already find its other
         * forms, and a prefix term costs FTS5 a merge of every doclist it starts
         * («області»*: 1.7 ms against 0.06 ms at 100,000 articles). A word the
         * dictionary does not know is taken as typed so far («укритт», «реалізов»). */
        bool prefix = i + 1 == q->n_words && q->last_prefix &&
                      char_count(w) >= SEARCH_MIN_PREFIX_CHARS && n_stems == 0 &&
                      !search_word_known(w);
        if (i > 0)
            e = buf_append_cstr(out, " AND ");
        if (e == ERR_OK)
            e = buf_append_char(out, '(');
        if (e == ERR_OK)
            e = append_quoted(out, w);
        if (e == ERR_OK && prefix && q->n_completions == 0)
            e = buf_append_char(out, '*');
        for (size_t k = 0; prefix && k < q->n_completions && e == ERR_OK; k++) {
            if (str_eq(q->completions[k], w))
                continue;
            e = buf_append_cstr(out, " OR ");
            if (e == ERR_OK)
                e = append_quoted(out, q->completions[k]);
        }
        for (size_t k = 0; k < n_stems && e == ERR_OK; k++) {
            e = buf_append_cstr(out, " OR ");
            if (e == ERR_OK)
                e = append_quoted(out, stems[k]);
        }
        if (e == ERR_OK)
            e = buf_append_char(out, ')');
    }
    return e;
}

/* decode_all fills cps with s's code points; false when s has more than max. */
static bool decode_all(struct str s, int32_t *cps, size_t max, size_t *n)
{
    size_t i = 0;
    *n = 0;
    while (i < s.len) {
        if (*n == max)
            return false;
        cps[(*n)++] = utf8_decode(s.ptr, s.len, &i);
    }
    return true;
}

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

int search_edit_distance(struct str a, struct str b, int max)
{
    int32_t x[MAX_DISTANCE_CHARS], y[MAX_DISTANCE_CHARS];
    size_t nx, ny;
    if (!decode_all(a, x, MAX_DISTANCE_CHARS, &nx) || !decode_all(b, y, MAX_DISTANCE_CHARS, &ny))
        return max + 1;
    int diff = (int)nx - (int)ny;
    if (diff > max || -diff > max)
        return max + 1;
    /* three rows of the optimal-string-alignment table */
    int rows[3][MAX_DISTANCE_CHARS + 1];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= ny; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= nx; i++) {
        cur[0] = (int)i;
        int row_min = cur[0];
        for (size_t j = 1; j <= ny; j++) {
            int cost = x[i - 1] == y[j - 1] ? 0 : 1;
            int v = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
                prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > max)
            return max + 1;
        int *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[ny] > max ? max + 1 : prev[ny];
}

enum err search_plain_text(struct buf *out, struct str md)
{
    size_t from = out->len;
    enum err e = markdown_to_text(md, out);
    if (e != ERR_OK) {
        out->len = from;
        if (out->data != NULL)
            out->data[from] = '\0';
        e = buf_append_str(out, md);
        if (e != ERR_OK)
            return e;
    }
    size_t w = from;
    for (size_t r = from; r < out->len; r++)
        if (out->data[r] != SEARCH_MARK_OPEN && out->data[r] != SEARCH_MARK_CLOSE)
            out->data[w++] = out->data[r];
    out->len = w;
    if (out->data != NULL) /* nothing was ever appended for an empty body */
        out->data[w] = '\0';
    return ERR_OK;
}

enum err search_snippet_html(struct buf *out, struct str snippet)
{
    bool open = false;
    size_t run = 0;
    enum err e = ERR_OK;
    for (size_t i = 0; i <= snippet.len && e == ERR_OK; i++) {
        char c = i < snippet.len ? snippet.ptr[i] : '\0';
        if (i < snippet.len && c != SEARCH_MARK_OPEN && c != SEARCH_MARK_CLOSE)
            continue;
        e = escape_html(out, str_make(snippet.ptr + run, i - run));
        run = i + 1;
        if (e != ERR_OK)
            break;
        if (c == SEARCH_MARK_OPEN && !open) {
            e = buf_append_cstr(out, "<mark>");
            open = true;
        } else if ((c == SEARCH_MARK_CLOSE || i == snippet.len) && open) {
            e = buf_append_cstr(out, "</mark>");
            open = false;
        }
    }
    return e;
}
