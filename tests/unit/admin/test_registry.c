/* test_registry.c: the documents registry's field checks (numbers, text bounds), the
 * earliest adoption day of a draft on a calendar with a holiday, and the store's derived
 * status, filters and restricted search on a real SQLite file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "store/registry.h"

static void test_fields(void)
{
    CHECK(admin__reg_number_problem(STR_LIT("125-р")) == NULL);
    CHECK(admin__reg_number_problem(STR_LIT("45/2026")) == NULL);
    CHECK(admin__reg_number_problem(STR_LIT("12.3 дск")) == NULL);
    CHECK(admin__reg_number_problem(STR_LIT("")) != NULL);
    CHECK(admin__reg_number_problem(STR_LIT("без")) != NULL);    /* no digit */
    CHECK(admin__reg_number_problem(STR_LIT("1  2")) != NULL);   /* two spaces */
    CHECK(admin__reg_number_problem(STR_LIT(" 12")) != NULL);    /* leading space */
    CHECK(admin__reg_number_problem(STR_LIT("12<b>")) != NULL);  /* markup */
    CHECK(admin__reg_number_problem(STR_LIT("12\xff")) != NULL); /* bad UTF-8 */
    CHECK(admin__reg_number_problem(STR_LIT("1234567890123456789012345678901234567890")) == NULL);
    CHECK(admin__reg_number_problem(STR_LIT("12345678901234567890123456789012345678901")) != NULL);
    CHECK(admin__reg_text_problem(STR_LIT("рядок"), 5, false, true) == NULL);
    CHECK(admin__reg_text_problem(STR_LIT("рядок!"), 5, false, true) != NULL);
    CHECK(admin__reg_text_problem(STR_LIT("a\nb"), 5, false, false) != NULL);
    CHECK(admin__reg_text_problem(STR_LIT("a\nb"), 5, true, false) == NULL);
    CHECK(admin__reg_text_problem(STR_LIT(""), 5, true, true) != NULL);
    CHECK(admin__reg_text_problem(STR_LIT("a\xe2\x80\xa8"), 5, true, false) != NULL);
}

static void test_adoption(void)
{
    static struct workdays_calendar cal, none;
    CHECK(workdays_parse(STR_LIT("2026-12-08"), &cal) == ERR_OK);
    CHECK(workdays_parse(STR_LIT(""), &none) == ERR_OK);
    int64_t published = kyiv_to_utc(2026, 12, 3, 15, 30, 0); /* a Thursday afternoon */
    int64_t earliest = admin__reg_earliest_adoption(&none, published);
    CHECK(earliest == kyiv_to_utc(2026, 12, 17, 0, 0, 0));
    earliest = admin__reg_earliest_adoption(&cal, published);
    CHECK(earliest == kyiv_to_utc(2026, 12, 18, 0, 0, 0));
    /* across the change to summer time: 2027-03-26 (Fri) + 10 working days = 2027-04-09 */
    earliest = admin__reg_earliest_adoption(&none, kyiv_to_utc(2027, 3, 26, 0, 0, 0));
    CHECK(earliest == kyiv_to_utc(2027, 4, 9, 0, 0, 0));
}

static int64_t save(struct store *s, enum store_reg_kind kind, const char *number, int year,
                    const char *title, const char *body, int64_t amends, enum store_reg_link link,
                    bool restricted)
{
    struct store_reg_doc d = {.kind = kind,
                              .number = str_from_cstr(number),
                              .doc_date = kyiv_to_utc(year, 5, 1, 0, 0, 0),
                              .year = year,
                              .title = str_from_cstr(title),
                              .body_md = str_from_cstr(body),
                              .amends_id = amends,
                              .link = link,
                              .restricted = restricted};
    int64_t id = 0;
    CHECK(store_reg_save(s, &d, 1000, &id) == ERR_OK);
    return id;
}

static size_t count(struct store *s, struct arena *a, int kind, int status, int year,
                    const char *text)
{
    struct store_reg_query q = {
        .kind = kind, .status = status, .year = year, .text = str_from_cstr(text), .limit = 50};
    struct store_reg_doc *items;
    size_t n = 0;
    int64_t total = -1;
    CHECK(store_reg_list(s, a, &q, &items, &n, &total) == ERR_OK);
    CHECK(total == (int64_t)n);
    return n;
}

static void test_store(const char *path)
{
    struct store *s;
    struct arena *a = arena_new(4096);
    CHECK(store_open(path, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, NULL, NULL) == ERR_OK);
    int64_t a1 = save(s, STORE_REG_ORDER, "1-р", 2026, "Про туризм", "Текст про музеї.", 0,
                      STORE_REG_LINK_NONE, false);
    int64_t a2 =
        save(s, STORE_REG_ORDER, "2-р", 2026, "Зміни", "", a1, STORE_REG_LINK_AMENDS, false);
    save(s, STORE_REG_DRAFT, "П-1", 2026, "Проєкт", "", a2, STORE_REG_LINK_REPEALS, false);
    save(s, STORE_REG_DECREE, "7", 2025, "Таємне", "Секретні музеї.", 0, STORE_REG_LINK_NONE, true);
    struct store_reg_doc d;
    CHECK(store_reg_get(s, a, a1, &d) == ERR_OK && d.status == STORE_REG_AMENDED);
    /* a draft that names a document changes nothing until adopted */
    CHECK(store_reg_get(s, a, a2, &d) == ERR_OK && d.status == STORE_REG_IN_FORCE);
    CHECK(d.amends_id == a1 && d.link == STORE_REG_LINK_AMENDS);
    /* the same kind, year and number twice */
    struct store_reg_doc dup = {
        .kind = STORE_REG_ORDER, .number = STR_LIT("1-р"), .year = 2026, .title = STR_LIT("x")};
    int64_t id;
    CHECK(store_reg_save(s, &dup, 1, &id) == ERR_CONFLICT);
    CHECK(store_reg_find(s, STORE_REG_ORDER, 2026, STR_LIT("2-р"), &id) == ERR_OK && id == a2);
    CHECK(store_reg_find(s, STORE_REG_ORDER, 2025, STR_LIT("2-р"), &id) == ERR_NOTFOUND);

    CHECK(count(s, a, -1, -1, 0, "") == 4);
    CHECK(count(s, a, STORE_REG_ORDER, -1, 0, "") == 2);
    CHECK(count(s, a, -1, STORE_REG_AMENDED, 0, "") == 1);
    CHECK(count(s, a, -1, STORE_REG_UNDER_DRAFT, 0, "") == 1);
    CHECK(count(s, a, -1, -1, 2025, "") == 1);
    /* the restricted decree's words are not in the index; the order's are */
    CHECK(count(s, a, -1, -1, 0, "музеї") == 1);
    CHECK(count(s, a, -1, -1, 0, "Таємне") == 0);
    /* repealed once an order in force repeals it */
    save(s, STORE_REG_ORDER, "3-р", 2026, "Скасування", "", a2, STORE_REG_LINK_REPEALS, false);
    CHECK(store_reg_get(s, a, a2, &d) == ERR_OK && d.status == STORE_REG_REPEALED);
    struct store_reg_doc *by;
    size_t n;
    CHECK(store_reg_amended_by(s, a, a2, &by, &n) == ERR_OK && n == 1);
    int *years;
    CHECK(store_reg_years(s, a, &years, &n) == ERR_OK && n == 2 && years[0] == 2026);
    store_close(s);
    arena_free(a);
}

int main(void)
{
    char path[] = "/tmp/visnyk-registry-test-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    test_fields();
    test_adoption();
    test_store(path);
    unlink(path);
    char wal[64];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    return check_done();
}
