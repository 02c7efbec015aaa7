/* test_search.c: words, folding, queries, edit distance, snippets; then the index
 * through the store on a temporary database (apostrophes, case, prefixes, word forms,
 * typos, hostile queries, index kept in step with writes). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "search/search.h"
#include "store/search.h"

static void words(const char *text, const char *expected)
{
    struct buf w, all;
    size_t pos = 0, start, end, len = strlen(text);
    buf_init(&w, SEARCH_MAX_WORD_BYTES + 8);
    buf_init(&all, 4096);
    while (search_word_next(text, len, &pos, &start, &end, &w)) {
        if (all.len > 0)
            buf_append_char(&all, '|');
        buf_append_str(&all, buf_str(&w));
    }
    CHECK_STR(buf_str(&all), expected);
    buf_free(&w);
    buf_free(&all);
}

static void match(const char *q, const char *expected)
{
    struct arena *a = arena_new(4096);
    struct search_query sq;
    struct buf m;
    buf_init(&m, 16384);
    search_query_parse(a, str_from_cstr(q), &sq);
    CHECK(search_match_build(&m, a, &sq) == ERR_OK);
    CHECK_STR(buf_str(&m), expected);
    buf_free(&m);
    arena_free(a);
}

static void text_tests(void)
{
    words("П’ять пʼять п'ять п`ять", "п'ять|п'ять|п'ять|п'ять");
    words("ҐРУНТ Єдність ІНШІ Їжак", "ґрунт|єдність|інші|їжак");
    words("'цитата' кінця' «Полтава»—2024!", "цитата|кінця|полтава|2024");
    words("наголо\xcc\x81с", "наголос"); /* the stress mark stays inside the word */
    words("a\xff"
          "b",
          "a|b"); /* a bad byte separates */
    words("", "");
    words("\" * NEAR( '); DROP", "near|drop");

    /* every term double-quoted: nothing of the user's syntax survives */
    match("\"", "");
    match("* NEAR(", "(\"near\")"); /* "(" ends the word: not a prefix */
    match("* NEAR", "(\"near\"*)");
    match("1 2", "(\"1\") AND (\"2\")"); /* one character is too short a prefix */
    match("Київ ", "(\"київ\" OR \"кий\")");
    match("безпека", "(\"безпека\")"); /* a dictionary word is complete: no prefix */
    match("укритт", "(\"укритт\"*)");  /* typed so far: a prefix */
    struct arena *ca = arena_new(4096);
    struct search_query cq;
    struct buf cm;
    buf_init(&cm, 4096);
    search_query_parse(ca, STR_LIT("безпека укритт"), &cq);
    struct str done[] = {STR_LIT("укриття"), STR_LIT("укриттям")};
    cq.completions = done;
    cq.n_completions = 2;
    CHECK(search_match_build(&cm, ca, &cq) == ERR_OK);
    CHECK_STR(buf_str(&cm), "(\"безпека\") AND (\"укритт\" OR \"укриття\" OR \"укриттям\")");
    buf_free(&cm);
    arena_free(ca);

    struct arena *a = arena_new(4096);
    struct search_query q;
    search_query_parse(a, STR_LIT("в Полтаві і "), &q);
    CHECK(q.n_words == 1 && !q.last_prefix);
    CHECK_STR(q.words[0], "полтаві");
    search_query_parse(a, STR_LIT("в"), &q);
    CHECK(q.n_words == 1); /* a lone short word is still a query */
    search_query_parse(a, STR_LIT("безпек"), &q);
    CHECK(q.n_words == 1 && q.last_prefix);
    arena_free(a);

    CHECK(search_edit_distance(STR_LIT("безпека"), STR_LIT("безпека"), 2) == 0);
    CHECK(search_edit_distance(STR_LIT("безпкеа"), STR_LIT("безпека"), 2) == 1);
    CHECK(search_edit_distance(STR_LIT("безпеак"), STR_LIT("безпека"), 2) == 1);
    CHECK(search_edit_distance(STR_LIT("полтавщна"), STR_LIT("полтавщина"), 2) == 1);
    CHECK(search_edit_distance(STR_LIT("а"), STR_LIT("полтавщина"), 2) == 3);

    struct buf h;
    buf_init(&h, 4096);
    CHECK(search_snippet_html(&h, STR_LIT("a <b> \x01x&y\x02 \x01open")) == ERR_OK);
    CHECK_STR(buf_str(&h), "a &lt;b&gt; <mark>x&amp;y</mark> <mark>open</mark>");
    buf_reset(&h);
    CHECK(search_plain_text(&h, STR_LIT("**жирний** [посилання](https://x.ua) \x01")) == ERR_OK);
    CHECK(strstr(h.data, "жирний") != NULL && strchr(h.data, '\x01') == NULL &&
          strstr(h.data, "x.ua") == NULL);
    buf_free(&h);
}

static struct store *db;
static struct arena *ta;

static int64_t put(const char *slug, const char *title, const char *lead, const char *body,
                   enum store_status status, const char *caption)
{
    struct store_photo_input ph = {.hash = STR_LIT("0000000000000000000000000000000000000000000000"
                                                   "000000000000000000"),
                                   .width = 800,
                                   .height = 600,
                                   .caption = str_from_cstr(caption)};
    struct str tag = STR_LIT("безпека");
    struct store_article_input in = {
        .slug = str_from_cstr(slug),
        .title = str_from_cstr(title),
        .lead = str_from_cstr(lead),
        .body_md = str_from_cstr(body),
        .published_at = 1700000000,
        .status = status,
        .tags = &tag,
        .n_tags = 1,
        .photos = caption != NULL ? &ph : NULL,
        .n_photos = caption != NULL ? 1 : 0,
    };
    int64_t id = 0;
    CHECK(store_begin(db) == ERR_OK);
    CHECK(store_article_upsert(db, &in, &id) == ERR_OK);
    CHECK(store_commit(db) == ERR_OK);
    return id;
}

/* found: the slugs store_search gives for q, joined by '|'. */
static struct str found(const char *q)
{
    struct store_search_query sq = {.text = str_from_cstr(q), .limit = 10};
    struct store_search_hit *hits;
    size_t n;
    bool more;
    int64_t total;
    struct buf b;
    buf_init(&b, 4096);
    CHECK(store_search(db, ta, &sq, &hits, &n, &more, &total) == ERR_OK);
    CHECK(total == (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_append_char(&b, '|');
        buf_append_str(&b, hits[i].summary.slug);
    }
    struct str s = arena_str(ta, buf_str(&b));
    buf_free(&b);
    return s;
}

static void store_tests(void)
{
    char path[] = "/tmp/visnyk-search-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    unlink(path);
    CHECK(store_open(path, STORE_WRITE, &db) == ERR_OK);
    CHECK(store_migrate(db, NULL, NULL) == ERR_OK);
    ta = arena_new(65536);

    put("seed", "На Полтавщині реалізовуватимуть проєкти", "Делегація відвідала Полтавщину.",
        "Усі питання, пов’язані з безпекою, обговорили.", STORE_PUBLISHED, "Зустріч у Кременчуці");
    put("other", "Погода на вихідні", "Синоптики попереджають.",
        "Про безпеку на дорогах у ожеледицю. Безпека понад усе: п'ять порад.", STORE_PUBLISHED,
        NULL);
    put("draft", "Таємна чернетка", "", "Ембарго до понеділка: унікальнеслово.", STORE_DRAFT, NULL);

    CHECK_STR(found("полтавщині безпека"), "seed");
    CHECK_STR(found("пов'язані"), "seed");  /* ASCII apostrophe finds ’ */
    CHECK_STR(found("ПОВʼЯЗАНІ"), "seed");  /* modifier letter, upper case */
    CHECK_STR(found("Полтавщина"), "seed"); /* another form of the word */
    CHECK_STR(found("пʼять"), "other");
    CHECK_STR(found("кременчуці"), "seed"); /* photo caption */
    CHECK_STR(found("реалізов"), "seed");   /* prefix as you type */
    CHECK_STR(found("погода"), "other");
    struct str both = found("безпекою"); /* both by stem */
    CHECK(str_eq_cstr(both, "other|seed") || str_eq_cstr(both, "seed|other"));
    CHECK_STR(found("унікальнеслово"), ""); /* drafts are not found */
    const char *hostile[] = {"\"",      "*",          "NEAR(",   "'); DROP TABLE articles; --",
                             "\"\"\"*", "AND OR NOT", "title:x", "^",
                             "(((",     "\xff\xfe",   "",        "   "};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        struct store_search_query sq = {.text = str_from_cstr(hostile[i]), .limit = 10};
        struct store_search_hit *hits;
        size_t n;
        bool more;
        CHECK(store_search(db, ta, &sq, &hits, &n, &more, NULL) == ERR_OK);
    }

    struct str sug;
    CHECK(store_search_suggest(db, ta, STR_LIT("полтавщна"), &sug) == ERR_OK);
    CHECK_STR(sug, "полтавщина");
    CHECK(store_search_suggest(db, ta, STR_LIT("погода"), &sug) == ERR_NOTFOUND);
    CHECK(store_search_suggest(db, ta, STR_LIT("чернетко"), &sug) == ERR_NOTFOUND);
    CHECK(store_search_suggest(db, ta, STR_LIT("унікальнеслов"), &sug) == ERR_NOTFOUND);

    /* snippets mark the matched words */
    struct store_search_query sq = {.text = STR_LIT("пов'язані"), .limit = 10};
    struct store_search_hit *hits;
    size_t n;
    bool more;
    CHECK(store_search(db, ta, &sq, &hits, &n, &more, NULL) == ERR_OK && n == 1);
    CHECK(n == 1 && str_find(hits[0].snippet, STR_LIT("\x01пов’язані\x02")) != SIZE_MAX);

    /* writes keep the index in step: edit, withdraw, publish */
    put("other", "Погода на тиждень", "", "Тепло.", STORE_PUBLISHED, NULL);
    CHECK_STR(found("ожеледицю"), "");
    CHECK_STR(found("тиждень"), "other");
    put("other", "Погода на тиждень", "", "Тепло.", STORE_WITHDRAWN, NULL);
    CHECK_STR(found("тиждень"), "");
    put("draft", "Таємна чернетка", "", "Ембарго до понеділка: унікальнеслово.", STORE_PUBLISHED,
        NULL);
    CHECK_STR(found("унікальнеслово"), "draft");
    put("seed", "На Полтавщині реалізовуватимуть проєкти", "Делегація відвідала Полтавщину.",
        "Усі питання, пов’язані з безпекою, обговорили.", STORE_PUBLISHED, "Зустріч у Лубнах");
    CHECK_STR(found("кременчуці"), "");
    CHECK_STR(found("лубнах"), "seed");

    /* upkeep: merges the index, fills the vocabulary; searches read the vocabulary when
     * it is fresh and the index itself otherwise, with the same answers */
    struct store_search_upkeep_report up;
    CHECK(store_search_upkeep(db, &up) == ERR_OK && up.ran && up.vocabulary_slices >= 1);
    CHECK(store_search_upkeep(db, &up) == ERR_OK && !up.ran); /* nothing changed since */
    CHECK_STR(found("реалізов"), "seed");                     /* completed from the vocabulary */
    CHECK_STR(found("унікальнесл"), "draft");
    CHECK(store_search_suggest(db, ta, STR_LIT("полтавщна"), &sug) == ERR_OK);
    CHECK_STR(sug, "полтавщина");
    put("fresh", "Новий пункт обігріву", "", "Відкрили пунктобігрівуномерпʼять.", STORE_PUBLISHED,
        NULL);
    CHECK_STR(found("пунктобігрів"), "fresh"); /* stale vocabulary: the index's prefix */
    CHECK(store_search_upkeep(db, &up) == ERR_OK && up.ran);
    CHECK_STR(found("пунктобігрів"), "fresh"); /* fresh again: from the vocabulary */
    struct store_search_query cq = {.text = STR_LIT("пунктобігрів"), .limit = 10};
    struct store_search_hit *ch;
    size_t cn;
    bool cmore;
    CHECK(store_search(db, ta, &cq, &ch, &cn, &cmore, NULL) == ERR_OK && cn == 1);
    CHECK(cn == 1 && str_find(ch[0].snippet, STR_LIT("\x01пунктобігрівуномерпʼять\x02")) !=
                         SIZE_MAX); /* a completion is marked like a whole word */
    CHECK(store_search_suggest(db, ta, STR_LIT("пунктобігрівуномерпʼятт"), &sug) == ERR_OK);
    CHECK_STR(sug, "пунктобігрівуномерп'ять");

    /* static pages */
    CHECK(store_begin(db) == ERR_OK);
    CHECK(store_page_upsert(db, STR_LIT("contacts"), STR_LIT("Контакти"),
                            STR_LIT("Приймальня громадян: вул. Соборності, 45")) == ERR_OK);
    CHECK(store_commit(db) == ERR_OK);
    struct store_page_hit *ph;
    CHECK(store_search_pages(db, ta, STR_LIT("приймальня"), 3, &ph, &n) == ERR_OK);
    CHECK(n == 1 && n > 0 && str_eq_cstr(ph[0].slug, "contacts"));

    arena_free(ta);
    store_close(db);
    unlink(path);
    char wal[64];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
}

int main(void)
{
    text_tests();
    store_tests();
    return check_done();
}
