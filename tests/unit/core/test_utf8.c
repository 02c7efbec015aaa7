#include "check.h"
#include "core/utf8.h"

static void check_slug(const char *in, const char *want)
{
    struct buf b;
    buf_init(&b, 1024);
    CHECK(utf8_slugify(&b, in, strlen(in)) == ERR_OK);
    CHECK_STR(buf_str(&b), want);
    buf_free(&b);
}

static void check_norm(const char *in, const char *want)
{
    struct buf b;
    buf_init(&b, 1024);
    CHECK(utf8_normalize_word(&b, in, strlen(in)) == ERR_OK);
    CHECK_STR(buf_str(&b), want);
    buf_free(&b);
}

int main(void)
{
    CHECK(utf8_valid("пов’язані", strlen("пов’язані")));
    CHECK(!utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    CHECK(!utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(!utf8_valid("\xe2\x82", 2));         /* truncated */
    CHECK(utf8_valid("", 0));

    /* Official transliteration, examples from resolution 55 of 2010 */
    check_slug("Згорани", "zghorany");
    check_slug("Розгон", "rozghon");
    check_slug("Їжакевич", "yizhakevych");
    check_slug("Кадиївка", "kadyivka");
    check_slug("Юрій", "yurii");
    check_slug("Стрий", "stryi");
    check_slug("Знам’янка", "znamianka");
    check_slug("Щербухи", "shcherbukhy");
    check_slug("Гадяч", "hadiach");
    check_slug("Ґалаґан", "galagan");
    check_slug("Єнакієве", "yenakiieve");
    check_slug("  На Полтавщині — проєкти ЄС! ", "na-poltavshchyni-proiekty-yes");
    check_slug("КМЄС (1)", "kmies-1");
    check_slug("2024 рік", "2024-rik");

    check_norm("П’ЯТЬ", "п'ять");
    check_norm("пʼять", "п'ять");
    check_norm("Ґанок ЇЖАК Єва", "ґанок їжак єва");
    struct buf b;
    buf_init(&b, 16);
    CHECK(utf8_normalize_word(&b, "\xff", 1) == ERR_INVALID);
    buf_free(&b);
    return check_done();
}
