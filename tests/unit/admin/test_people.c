/* test_people.c: a department's details: the workspace's checks of each field (bounds,
 * UTF-8, control characters, phone and e-mail syntax) and the store's round trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#include "admin/admin_internal.h"
#include "store/editorial.h"

static struct store_dept_details details(const char *name, const char *position,
                                         const char *functions, const char *address,
                                         const char *phone, const char *email, const char *hours)
{
    struct store_dept_details d;
    d.field[STORE_DEPT_HEAD_NAME] = str_from_cstr(name);
    d.field[STORE_DEPT_HEAD_POSITION] = str_from_cstr(position);
    d.field[STORE_DEPT_FUNCTIONS_MD] = str_from_cstr(functions);
    d.field[STORE_DEPT_ADDRESS] = str_from_cstr(address);
    d.field[STORE_DEPT_PHONE] = str_from_cstr(phone);
    d.field[STORE_DEPT_EMAIL] = str_from_cstr(email);
    d.field[STORE_DEPT_HOURS] = str_from_cstr(hours);
    return d;
}

/* only_bad: exactly field f has a problem, and it is key */
static bool only_bad(struct arena *a, struct store_dept_details d, int f, const char *key)
{
    const char *problem[STORE_DEPT_N_FIELDS];
    size_t bad = admin__dept_details_check(a, &d, problem);
    for (int i = 0; i < STORE_DEPT_N_FIELDS; i++)
        if (i != f && problem[i] != NULL)
            return false;
    return bad == 1 && problem[f] != NULL && strcmp(problem[f], key) == 0;
}

static void test_phone(void)
{
    CHECK(admin__phone_problem(STR_LIT("+380 (532) 56-02-90")) == NULL);
    CHECK(admin__phone_problem(STR_LIT("0532560290")) == NULL);
    CHECK(admin__phone_problem(STR_LIT("15-45-1")) == NULL);
    CHECK(admin__phone_problem(STR_LIT("15-45")) != NULL);             /* 4 digits: too few */
    CHECK(admin__phone_problem(STR_LIT("+3805325602901234")) != NULL); /* 16 digits */
    CHECK(admin__phone_problem(STR_LIT("38+0532560290")) != NULL);     /* + not first */
    CHECK(admin__phone_problem(STR_LIT("0532 560290 ext. 5")) != NULL);
    CHECK(admin__phone_problem(STR_LIT("0532560290\"><script>")) != NULL);
    CHECK(admin__phone_problem(STR_LIT("053256029０")) != NULL); /* a full-width digit */
}

static void test_check(void)
{
    struct arena *a = arena_new(4096);
    const char *problem[STORE_DEPT_N_FIELDS];

    /* everything empty is fine: a department without details */
    struct store_dept_details d = details("", "", "", "", "", "", "");
    CHECK(admin__dept_details_check(a, &d, problem) == 0);

    /* a full, good set: single lines trimmed, the e-mail normalised, lines kept */
    d = details("  Петренко Олена Іванівна ", "директор", "- перше\n- друге\n",
                "Полтава, вул. Соборності, 45", " +380 (532) 56-02-90 ", " Info@Adm-PL.gov.ua ",
                "Пн: 10–13\r\nЧт: 14–17");
    CHECK(admin__dept_details_check(a, &d, problem) == 0);
    CHECK_STR(d.field[STORE_DEPT_HEAD_NAME], "Петренко Олена Іванівна");
    CHECK_STR(d.field[STORE_DEPT_PHONE], "+380 (532) 56-02-90");
    CHECK_STR(d.field[STORE_DEPT_EMAIL], "info@adm-pl.gov.ua");
    CHECK_STR(d.field[STORE_DEPT_HOURS], "Пн: 10–13\r\nЧт: 14–17");

    struct store_dept_details good =
        details("Ім’я", "посада", "текст", "адреса", "0532560290", "a@b.ua", "години");
    /* each field alone, each problem */
    d = good;
    d.field[STORE_DEPT_HEAD_NAME] = STR_LIT("Ім\xff");
    CHECK(only_bad(a, d, STORE_DEPT_HEAD_NAME, "admin.dept.err.utf8"));
    d = good;
    d.field[STORE_DEPT_HEAD_POSITION] = STR_LIT("директор\nі ще рядок");
    CHECK(only_bad(a, d, STORE_DEPT_HEAD_POSITION, "admin.dept.err.line"));
    d = good;
    d.field[STORE_DEPT_FUNCTIONS_MD] = STR_LIT("текст\x01");
    CHECK(only_bad(a, d, STORE_DEPT_FUNCTIONS_MD, "admin.dept.err.control"));
    d = good;
    d.field[STORE_DEPT_ADDRESS] = STR_LIT("вул.\xe2\x80\xa8Соборності"); /* U+2028 */
    CHECK(only_bad(a, d, STORE_DEPT_ADDRESS, "admin.dept.err.line"));
    d = good;
    d.field[STORE_DEPT_PHONE] = STR_LIT("<script>");
    CHECK(only_bad(a, d, STORE_DEPT_PHONE, "admin.dept.err.phone"));
    d = good;
    d.field[STORE_DEPT_EMAIL] = STR_LIT("not an address");
    CHECK(only_bad(a, d, STORE_DEPT_EMAIL, "admin.dept.err.email"));
    d = good;
    d.field[STORE_DEPT_EMAIL] = STR_LIT("a@b.ua\">x");
    CHECK(only_bad(a, d, STORE_DEPT_EMAIL, "admin.dept.err.email"));
    d = good;
    d.field[STORE_DEPT_HOURS] = STR_LIT("Пн\x7f");
    CHECK(only_bad(a, d, STORE_DEPT_HOURS, "admin.dept.err.control"));

    /* bounds are in characters: 300 Cyrillic letters (600 bytes) fit, 301 do not */
    char *long_line = malloc(301 * 2 + 1);
    for (int i = 0; i < 301; i++)
        memcpy(long_line + 2 * i, "ж", 2);
    d = good;
    d.field[STORE_DEPT_ADDRESS] = str_make(long_line, 300 * 2);
    CHECK(admin__dept_details_check(a, &d, problem) == 0);
    d = good;
    d.field[STORE_DEPT_ADDRESS] = str_make(long_line, 301 * 2);
    CHECK(only_bad(a, d, STORE_DEPT_ADDRESS, "admin.dept.err.too_long"));
    free(long_line);
    size_t big = ADMIN_DEPT_MAX_FUNCTIONS_CHARS + 1;
    char *functions = malloc(big);
    memset(functions, 'x', big);
    d = good;
    d.field[STORE_DEPT_FUNCTIONS_MD] = str_make(functions, big);
    CHECK(only_bad(a, d, STORE_DEPT_FUNCTIONS_MD, "admin.dept.err.too_long"));
    d.field[STORE_DEPT_FUNCTIONS_MD] = str_make(functions, big - 1);
    CHECK(admin__dept_details_check(a, &d, problem) == 0);
    free(functions);

    /* several bad fields are all reported */
    d = details("ok", "ok", "ok", "ok", "phone!", "mail", "ok");
    CHECK(admin__dept_details_check(a, &d, problem) == 2);
    CHECK(problem[STORE_DEPT_PHONE] != NULL && problem[STORE_DEPT_EMAIL] != NULL);
    arena_free(a);
}

static void test_store(const char *path)
{
    struct store *s;
    struct arena *a = arena_new(4096);
    struct store_ref ref;
    struct store_dept_details d, got;
    int64_t id;

    CHECK(store_open(path, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, NULL, NULL) == ERR_OK);
    CHECK(store_dept_add(s, STR_LIT("Управління молоді"), STR_NULL, &id) == ERR_OK);
    /* a new department has no details */
    CHECK(store_dept_details_get(s, a, id, &ref, &got) == ERR_OK);
    CHECK_STR(ref.name, "Управління молоді");
    for (int f = 0; f < STORE_DEPT_N_FIELDS; f++)
        CHECK(got.field[f].len == 0);
    d = details("Ім’я", "посада", "**функції**", "адреса", "0532560290", "a@b.ua", "Пн\nВт");
    CHECK(store_dept_details_set(s, id, &d) == ERR_OK);
    CHECK(store_dept_details_get(s, a, id, &ref, &got) == ERR_OK);
    for (int f = 0; f < STORE_DEPT_N_FIELDS; f++)
        CHECK(str_eq(got.field[f], d.field[f]));
    CHECK(store_dept_details_set(s, id + 100, &d) == ERR_NOTFOUND);
    CHECK(store_dept_details_get(s, a, id + 100, &ref, &got) == ERR_NOTFOUND);
    store_close(s);
    arena_free(a);
}

int main(void)
{
    char path[] = "/tmp/visnyk-people-test-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    test_phone();
    test_check();
    test_store(path);
    unlink(path);
    return check_done();
}
