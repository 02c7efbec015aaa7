/* fuzz_search: the reader's search box. The input is the query and, after the first NUL,
 * a document text. Checks:
 * - search_query_parse: at most SEARCH_MAX_QUERY_WORDS words, each non-empty, valid
 *   UTF-8 and already folded (folding it again changes nothing);
 * - search_match_build: whatever the user typed, the MATCH expression is valid FTS5
 *   syntax: it is run against an in-memory FTS5 table with the "visnyk" tokenizer, and
 *   a syntax error (SQLITE_ERROR) is a finding;
 * - the document text goes through the tokenizer (INSERT) and search_snippet_html, whose
 *   output may hold no other markup than balanced <mark></mark>;
 * - search_edit_distance is symmetric, 0 on equal strings, and at most max + 1. */
#include "fuzz_util.h"

#include <sqlite3.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "search/search.h"

static struct arena *arena;
static sqlite3 *db;
static sqlite3_stmt *q_match, *q_put;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    arena = arena_new(16 * 1024);
    if (sqlite3_open(":memory:", &db) != SQLITE_OK || search_sqlite_register(db) != ERR_OK)
        abort();
    const char *setup =
        "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='visnyk');"
        "INSERT INTO docs(rowid, body) VALUES (1, 'На Полтавщині реалізовуватимуть проєкти'),"
        "(2, 'безпекою пов’язані питання'), (3, 'Volodymyr O''Neil and \"quotes\" AND OR NOT');";
    if (sqlite3_exec(db, setup, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT rowid FROM docs WHERE docs MATCH ?", -1, &q_match, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO docs(rowid, body) VALUES (100, ?)", -1,
                           &q_put, NULL) != SQLITE_OK) {
        fprintf(stderr, "fuzz_search: %s\n", sqlite3_errmsg(db));
        abort();
    }
    return 0;
}

static void check_snippet(struct str text)
{
    struct buf out;
    buf_init(&out, text.len * 8 + 64);
    if (search_snippet_html(&out, text) == ERR_OK) {
        struct str o = buf_str(&out);
        int depth = 0;
        for (size_t i = 0; i < o.len; i++) {
            if (o.ptr[i] != '<')
                continue;
            struct str rest = str_make(o.ptr + i, o.len - i);
            if (str_starts_with(rest, STR_LIT("<mark>")))
                depth++;
            else if (str_starts_with(rest, STR_LIT("</mark>")))
                depth--;
            else
                fuzz_fail("snippet holds markup other than <mark>", text.ptr, text.len);
            FUZZ_CHECK(depth == 0 || depth == 1, "snippet marks nest or close unopened", text.ptr,
                       text.len);
        }
        FUZZ_CHECK(depth == 0, "snippet leaves a <mark> open", text.ptr, text.len);
    }
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_reset(arena);
    struct str in = str_make((const char *)data, size), query, doc;
    bool has_doc = fuzz_split(in, '\0', &query, &doc);

    struct search_query q;
    search_query_parse(arena, query, &q);
    FUZZ_CHECK(q.n_words <= SEARCH_MAX_QUERY_WORDS, "too many words", data, size);
    struct buf folded;
    buf_init(&folded, SEARCH_MAX_WORD_BYTES * 4 + 16);
    for (size_t i = 0; i < q.n_words; i++) {
        struct str w = q.words[i];
        FUZZ_CHECK(w.len > 0 && utf8_valid(w.ptr, w.len), "empty or invalid word", data, size);
        buf_reset(&folded);
        FUZZ_CHECK(search_word_fold(&folded, w) == ERR_OK && str_eq(buf_str(&folded), w),
                   "a parsed word is not folded", data, size);
    }
    buf_free(&folded);

    struct buf match;
    buf_init(&match, 64 * 1024);
    enum err e = search_match_build(&match, arena, &q);
    FUZZ_CHECK(e == ERR_OK, "search_match_build failed", data, size);
    FUZZ_CHECK((match.len == 0) == (q.n_words == 0), "empty expression for words or back", data,
               size);
    if (match.len > 0) {
        sqlite3_reset(q_match);
        sqlite3_bind_text(q_match, 1, match.data, (int)match.len, SQLITE_STATIC);
        int rc;
        while ((rc = sqlite3_step(q_match)) == SQLITE_ROW) {
        }
        if (rc != SQLITE_DONE) {
            fprintf(stderr, "MATCH %s: %s\n", match.data, sqlite3_errmsg(db));
            fuzz_fail("FTS5 refused the MATCH expression", data, size);
        }
        sqlite3_reset(q_match);
    }
    buf_free(&match);

    if (has_doc) {
        sqlite3_reset(q_put);
        sqlite3_bind_text(q_put, 1, doc.ptr, (int)doc.len, SQLITE_STATIC);
        int rc = sqlite3_step(q_put);
        FUZZ_CHECK(rc == SQLITE_DONE, "indexing a text failed", data, size);
        sqlite3_reset(q_put);
        check_snippet(doc);
    } else {
        check_snippet(query);
    }

    struct str a = query, b = has_doc ? doc : STR_LIT("пов’язані");
    int max = (int)(size % 8);
    int d1 = search_edit_distance(a, b, max), d2 = search_edit_distance(b, a, max);
    FUZZ_CHECK(d1 == d2, "edit distance not symmetric", data, size);
    FUZZ_CHECK(d1 >= 0 && d1 <= max + 1, "edit distance out of range", data, size);
    /* search_edit_distance compares at most 64 code points (MAX_DISTANCE_CHARS in
     * text.c); longer strings are "far apart", even from themselves */
    size_t cps = 0;
    for (size_t i = 0; i < a.len; i++)
        cps += ((unsigned char)a.ptr[i] & 0xC0) != 0x80;
    if (cps <= 64 && utf8_valid(a.ptr, a.len))
        FUZZ_CHECK(search_edit_distance(a, a, max) == 0, "distance to itself not 0", data, size);
    return 0;
}
