/* search.h: Ukrainian text for full-text search. Splitting text into words (the
 * apostrophes ’ ʼ ' ` ‘ inside a word are one letter, never a split), folding them
 * (Cyrillic and Latin lower case, Ґ Є І Ї included; every apostrophe as U+0027), stems
 * from Debian's hunspell-uk dictionary, the SQLite FTS5 tokenizer built from these, the
 * query builder that turns any user string into a valid FTS5 MATCH expression, and edit
 * distance on code points for "did you mean".
 *
 * The same word splitting and folding run when indexing and when querying, so a query
 * finds what the index holds whatever apostrophe or case either side used. */
#ifndef VISNYK_SEARCH_SEARCH_H
#define VISNYK_SEARCH_SEARCH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

#define SEARCH_MAX_WORD_BYTES 128  /* a folded word is cut here (whole characters) */
#define SEARCH_MAX_QUERY_BYTES 512 /* a longer query is cut here */
#define SEARCH_MAX_QUERY_WORDS 12  /* words past this are ignored */
#define SEARCH_MAX_STEMS 3         /* stems kept per word */
#define SEARCH_MIN_PREFIX_CHARS 2  /* shorter last words are matched whole */
#define SEARCH_STEM_CACHE_SLOTS 8192
#define SEARCH_DICT_AFF "/usr/share/hunspell/uk_UA.aff"
#define SEARCH_DICT_DIC "/usr/share/hunspell/uk_UA.dic"
#define SEARCH_TOKENIZER_NAME "visnyk"

/* search_word_next finds the next word in text from *pos on: [*start, *end) are its byte
 * offsets in text and folded receives its folded form (folded is reset first; cut at
 * SEARCH_MAX_WORD_BYTES). *pos moves past the word. Returns false when no word is left.
 * Invalid UTF-8 bytes separate words. */
bool search_word_next(const char *text, size_t len, size_t *pos, size_t *start, size_t *end,
                      struct buf *folded);

/* search_word_fold appends the folded form of one word (case, apostrophes). */
ERR_MUST_USE
enum err search_word_fold(struct buf *out, struct str word);

/* A stem cache: one per database connection (not thread-safe), so a busy index
 * seldom waits for the process-wide dictionary lock. */
struct search_stem_cache;
struct search_stem_cache *search_stem_cache_new(void);
void search_stem_cache_free(struct search_stem_cache *c);

/* search_stems gives the folded stems of a folded word that differ from the word itself
 * (at most SEARCH_MAX_STEMS), as slices into the cache (valid until the next call with
 * the same cache) or, with cache NULL, into a (the arena). The dictionary is loaded on
 * first use, once per process, and shared behind a mutex (Hunhandle is not
 * thread-safe); when it cannot be loaded *n is 0 and search still works on the surface
 * forms. */
void search_stems(struct search_stem_cache *cache, struct arena *a, struct str folded,
                  struct str *stems, size_t *n);
/* search_word_known says whether the dictionary knows the folded word as it is (or
 * capitalised, for proper nouns); false without a dictionary. */
bool search_word_known(struct str folded);
/* search_dict_available loads the dictionary if needed and says whether it is there. */
bool search_dict_available(void);
/* search_dict_preload starts loading the dictionary on a background thread (0.6 s, far
 * more under sanitizers), so the first search or write after start-up does not wait
 * for it in a request. */
void search_dict_preload(void);

/* A user's query, parsed. */
struct search_query {
    struct str words[SEARCH_MAX_QUERY_WORDS]; /* folded, in the arena */
    size_t n_words;
    bool last_prefix; /* the query did not end with a space: its last word may be typed on */
    /* The index's words that start with the last word, when the caller looked them up
     * (all of them, few enough to list): the prefix is then matched as these whole
     * words, which FTS5 streams, instead of a prefix term, which it merges in full. */
    const struct str *completions;
    size_t n_completions;
};

/* search_query_parse splits any string into folded words (never fails; n_words may be
 * 0 for a query of punctuation only). One-letter words are dropped when longer ones are
 * present (prepositions and conjunctions: в, у, і, з). */
void search_query_parse(struct arena *a, struct str q, struct search_query *out);

/* search_match_build appends the FTS5 MATCH expression for q: every word as
 * ("word" OR "stem" ...), the last one also as a prefix when q->last_prefix, it has at
 * least SEARCH_MIN_PREFIX_CHARS characters and the dictionary does not know it (a known
 * word is complete: its stems find its forms), all joined by AND. A prefix with
 * q->completions is spelt as those words. Every term is
 * double-quoted (and its quotes doubled), so no user syntax reaches FTS5. Appends
 * nothing when q has no words. ERR_TOO_LARGE when out is full. */
ERR_MUST_USE
enum err search_match_build(struct buf *out, struct arena *a, const struct search_query *q);

/* search_edit_distance: Damerau-Levenshtein (adjacent transpositions) distance between
 * two UTF-8 strings counted in code points; returns max + 1 as soon as it exceeds max.
 * Words longer than SEARCH_MAX_WORD_BYTES characters compare as far apart. */
int search_edit_distance(struct str a, struct str b, int max);

/* search_plain_text appends the plain text of Markdown for the index (render's
 * markdown_to_text, with the snippet markers \x01 \x02 removed so stored text can never
 * forge a highlight). On Markdown failure it appends the source as is. */
ERR_MUST_USE
enum err search_plain_text(struct buf *out, struct str md);

/* Snippet markers: the index's snippet() puts these around matched words; the page
 * escapes the text and only then turns them into <mark>. */
#define SEARCH_MARK_OPEN '\x01'
#define SEARCH_MARK_CLOSE '\x02'

/* search_snippet_html appends snippet text as HTML: escaped, with the markers turned
 * into <mark> and </mark> (balanced even when the text is cut). */
ERR_MUST_USE
enum err search_snippet_html(struct buf *out, struct str snippet);

/* search_sqlite_register registers the "visnyk" FTS5 tokenizer and the visnyk_plain()
 * SQL function (search_plain_text) on db. Call once per connection, before the search
 * tables are used. The tokenizer's stem cache lives as long as the connection.
 * ERR_DB when FTS5 is missing. */
ERR_MUST_USE
enum err search_sqlite_register(sqlite3 *db);

#endif
