/* test_api.c: the JSON API's own parsing and encoding (api.c's static helpers): the
 * date filters, finding a tag by slug or by name however its apostrophe and case are
 * typed, the percent-encoded URLs, parameter checking and what becomes of bytes that are
 * not UTF-8 in an error message. The handlers themselves run in tests/integration/test_api.py. */
#include <stdlib.h>
#include <string.h>

#include "check.h"

#include "api/api.c"

static void test_parse_time(void)
{
    int64_t t = 0;
    bool day = false;
    CHECK(parse_time(STR_LIT("2024-08-01"), &t, &day) && day && t == 1722459600);
    CHECK(parse_time(STR_LIT("2024-08-01T16:51"), &t, &day) && !day && t == 1722520260);
    CHECK(parse_time(STR_LIT("2024-08-01T16:51:30"), &t, &day) && t == 1722520290);
    CHECK(!parse_time(STR_LIT("2024-08-32"), &t, &day));
    CHECK(!parse_time(STR_LIT("2024-08-01T16:51:30Z"), &t, &day)); /* Kyiv time only */
    CHECK(!parse_time(STR_LIT("вчора"), &t, &day));
    CHECK(!parse_time(STR_LIT(""), &t, &day));
}

static void test_find_ref(void)
{
    struct store_ref refs[] = {
        {.id = 1, .slug = STR_LIT("zdorovia"), .name = STR_LIT("Здоров’я")},
        {.id = 2, .slug = STR_LIT("osvita"), .name = STR_LIT("Освіта")},
    };
    const struct store_ref *r = find_ref(refs, 2, STR_LIT("osvita"));
    CHECK(r != NULL && r->id == 2);
    /* the three apostrophes a reader may type are one letter; case does not matter */
    r = find_ref(refs, 2, STR_LIT("здоров'я"));
    CHECK(r != NULL && r->id == 1);
    r = find_ref(refs, 2, STR_LIT("ЗДОРОВʼЯ"));
    CHECK(r != NULL && r->id == 1);
    r = find_ref(refs, 2, STR_LIT("  Освіта "));
    CHECK(r != NULL && r->id == 2);
    CHECK(find_ref(refs, 2, STR_LIT("культура")) == NULL);
    CHECK(find_ref(refs, 0, STR_LIT("osvita")) == NULL);
}

static void test_urls_and_text(void)
{
    json_t *j = jurl_path("https://example.gov.ua", "/tags/", STR_LIT("охорона здоров’я"));
    CHECK(j != NULL && json_is_string(j));
    if (j != NULL)
        CHECK(strcmp(json_string_value(j),
                     "https://example.gov.ua/tags/%D0%BE%D1%85%D0%BE%D1%80%D0%BE%D0%BD%D0%B0"
                     "%20%D0%B7%D0%B4%D0%BE%D1%80%D0%BE%D0%B2%E2%80%99%D1%8F") == 0);
    json_decref(j);
    j = jurl_path("", "/news/", STR_LIT("a-b_c.d~e"));
    CHECK(j != NULL && strcmp(json_string_value(j), "/news/a-b_c.d~e") == 0);
    json_decref(j);

    struct arena *a = arena_new(4096);
    j = client_text(a, "bad \xff\xfe byte");
    CHECK(j != NULL && strcmp(json_string_value(j), "bad ?? byte") == 0);
    json_decref(j);
    j = client_text(a, "добре");
    CHECK(j != NULL && strcmp(json_string_value(j), "добре") == 0);
    json_decref(j);

    struct http_request req = {.arena = a};
    static const char *const allowed[] = {"tag", "limit", NULL};
    struct str name = STR_NULL;
    req.query = STR_LIT("tag=osvita&limit=5");
    CHECK(unknown_param(&req, allowed, &name) == NULL);
    req.query = STR_LIT("limit=5&&tag=x");
    CHECK(unknown_param(&req, allowed, &name) == NULL);
    req.query = STR_LIT("limit=5&%74ag=x&sort=new");
    CHECK(unknown_param(&req, allowed, &name) != NULL && str_eq_cstr(name, "sort"));
    arena_free(a);
}

int main(void)
{
    test_parse_time();
    test_find_ref();
    test_urls_and_text();
    return check_done();
}
