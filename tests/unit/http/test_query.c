/* test_query.c: one query string per page (query.c): what a route reads is kept, once,
 * in one spelling and one order; everything else is dropped. */
#include "check.h"
#include "http/http_internal.h"

static struct str canon(struct arena *a, const char *declared, const char *raw, enum err *e)
{
    struct str out = STR_NULL;
    *e = http__query_canonical(a, declared, str_from_cstr(raw), &out);
    return out;
}

int main(void)
{
    struct arena *a = arena_new(4096);
    enum err e;

    /* a route that reads nothing: every query is the empty one (cache busters, utm_*) */
    CHECK_STR(canon(a, NULL, "x=1", &e), "");
    CHECK(e == ERR_OK);
    CHECK_STR(canon(a, NULL, "utm_source=fb&fbclid=abc", &e), "");
    CHECK_STR(canon(a, NULL, "%zz", &e), "");
    CHECK(e == ERR_OK);

    /* declared names: kept in the declared order, first occurrence, others dropped */
    const char *search = "q tag dept from to sort page";
    CHECK_STR(canon(a, search, "page=2&q=%D0%B0&utm_source=x", &e), "q=%D0%B0&page=2");
    CHECK(e == ERR_OK);
    CHECK_STR(canon(a, search, "q=а&page=2", &e), "q=%D0%B0&page=2");
    CHECK_STR(canon(a, search, "q=%d0%b0", &e), "q=%D0%B0");
    CHECK_STR(canon(a, search, "q=a+b", &e), "q=a%20b");
    CHECK_STR(canon(a, search, "q=a%20b", &e), "q=a%20b");
    CHECK_STR(canon(a, search, "q=first&q=second", &e), "q=first");
    CHECK_STR(canon(a, search, "q", &e), "q=");
    CHECK_STR(canon(a, search, "&&q=x&&", &e), "q=x");
    CHECK_STR(canon(a, search, "=x&q=y", &e), "q=y");
    CHECK_STR(canon(a, search, "%71=encoded-name", &e), "q=encoded-name");
    CHECK_STR(canon(a, search, "qq=1&tagx=2", &e), "");
    /* unreserved characters stay, the rest is escaped in upper case */
    CHECK_STR(canon(a, search, "q=A-z_0.9~", &e), "q=A-z_0.9~");
    CHECK_STR(canon(a, search, "q=a%2Fb%26c", &e), "q=a%2Fb%26c");
    /* a kept value that does not decode is refused (the raw query goes to the handler,
     * which answers 400); an unknown one that does not decode is only dropped */
    canon(a, search, "q=%zz", &e);
    CHECK(e == ERR_PARSE);
    canon(a, search, "q=%ff", &e);
    CHECK(e == ERR_INVALID);
    CHECK_STR(canon(a, search, "junk=%zz&q=ok", &e), "q=ok");
    CHECK(e == ERR_OK);

    /* "*": every pair, re-encoded, sorted by name, same names in their order */
    CHECK_STR(canon(a, "*", "limit=5&cursor=x&tag=b&tag=a", &e), "cursor=x&limit=5&tag=b&tag=a");
    CHECK(e == ERR_OK);
    CHECK_STR(canon(a, "*", "b=1&a", &e), "a=&b=1");
    CHECK_STR(canon(a, "*", "", &e), "");
    canon(a, "*", "%zz=1", &e);
    CHECK(e == ERR_PARSE);

    /* idempotent: the canonical form of a canonical form is itself */
    struct str once = canon(a, search, "sort=date&q=Полтава+безпека&page=3&tag=x", &e);
    char *copy = arena_strndup(a, once.ptr, once.len);
    CHECK_STR(canon(a, search, copy, &e), copy);

    /* bounded */
    char big[HTTP_MAX_URI_BYTES + 10];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    canon(a, "*", big, &e);
    CHECK(e == ERR_TOO_LARGE);

    arena_free(a);
    return check_done();
}
