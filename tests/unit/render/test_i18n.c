/* test_i18n.c: catalog parsing, errors with line numbers, lookups and Kyiv dates. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "core/kyiv_time.h"
#include "render/i18n.h"

static const char UK[] =
    "# Ukrainian catalog\n"
    "\n"
    "nav.home = Головна\n"
    "  search.placeholder   =   Пошук на сайті  \n"
    "formula = a = b\n"
    "empty =\n"
    "month.gen.1 = січня\nmonth.gen.2 = лютого\nmonth.gen.3 = березня\n"
    "month.gen.4 = квітня\nmonth.gen.5 = травня\nmonth.gen.6 = червня\n"
    "month.gen.7 = липня\nmonth.gen.8 = серпня\nmonth.gen.9 = вересня\n"
    "month.gen.10 = жовтня\nmonth.gen.11 = листопада\nmonth.gen.12 = грудня\r\n"
    "month.nom.8 = серпень\n";

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static void check_parse_error(const char *text, enum err expected, const char *msg)
{
    struct i18n *c = NULL;
    char err[256] = "";
    CHECK(i18n_parse("uk.ini", str_from_cstr(text), &c, err, sizeof err) == expected);
    CHECK_STR(str_from_cstr(err), msg);
    CHECK(c == NULL);
}

static void check_date(const struct i18n *c, int64_t t, bool with_time, const char *expected)
{
    struct buf b;
    buf_init(&b, 256);
    CHECK(i18n_format_date(c, t, with_time, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), expected);
    buf_free(&b);
}

static void check_iso(int64_t t, const char *expected)
{
    struct buf b;
    buf_init(&b, 256);
    CHECK(i18n_format_iso(t, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), expected);
    buf_free(&b);
}

static void check_short(int64_t t, const char *expected)
{
    struct buf b;
    buf_init(&b, 256);
    CHECK(i18n_format_date_short(t, &b) == ERR_OK);
    CHECK_STR(buf_str(&b), expected);
    buf_free(&b);
}

static void test_lookup(void)
{
    struct i18n *c = NULL;
    char err[256] = "";
    CHECK(i18n_parse("themes/default/i18n/uk.ini", str_from_cstr(UK), &c, err, sizeof err) ==
          ERR_OK);
    if (c == NULL)
        return;
    CHECK_STR(i18n_get(c, STR_LIT("nav.home")), "Головна");
    CHECK_STR(i18n_get(c, STR_LIT("search.placeholder")), "Пошук на сайті");
    CHECK_STR(i18n_get(c, STR_LIT("formula")), "a = b");
    CHECK_STR(i18n_get(c, STR_LIT("empty")), "");
    CHECK_STR(i18n_get(c, STR_LIT("month.gen.12")), "грудня");
    CHECK_STR(i18n_get(c, STR_LIT("no.such.key")), "no.such.key");
    CHECK(i18n_has(c, STR_LIT("nav.home")) && !i18n_has(c, STR_LIT("no.such.key")));
    CHECK_STR(i18n_get(NULL, STR_LIT("x")), "x");
    CHECK_STR(i18n_lang(c), "uk");
    CHECK_STR(i18n_month(c, 8, true), "серпня");
    CHECK_STR(i18n_month(c, 8, false), "серпень");
    CHECK_STR(i18n_month(c, 9, false), "month.nom.9");
    CHECK_STR(i18n_month(c, 13, true), "");
    CHECK_STR(i18n_month(NULL, 3, false), "березень");

    /* dates */
    check_date(c, utc(2024, 8, 1, 13, 51, 0), true, "01 серпня 2024, 16:51");
    check_date(c, utc(2024, 8, 1, 13, 51, 0), false, "01 серпня 2024");
    check_date(c, utc(2024, 1, 15, 10, 5, 0), true, "15 січня 2024, 12:05");
    /* New Year's Eve 23:30 UTC is already 1 January in Kyiv */
    check_date(c, utc(2023, 12, 31, 23, 30, 0), true, "01 січня 2024, 01:30");
    check_date(c, utc(2024, 12, 9, 8, 0, 0), true, "09 грудня 2024, 10:00");
    check_date(NULL, utc(2024, 8, 1, 13, 51, 0), true, "01 серпня 2024, 16:51");
    i18n_free(c);

    struct i18n *en = NULL;
    CHECK(i18n_parse("en.ini", STR_LIT("month.gen.8 = August\n"), &en, err, sizeof err) == ERR_OK);
    CHECK_STR(i18n_lang(en), "en");
    check_date(en, utc(2024, 8, 1, 13, 51, 0), true, "01 August 2024, 16:51");
    i18n_free(en);
    /* the theme's en.ini writes English days with one digit below 10 */
    CHECK(i18n_parse("en.ini", STR_LIT("month.gen.8 = August\ndate.day_digits = 1\n"), &en, err,
                     sizeof err) == ERR_OK);
    check_date(en, utc(2024, 8, 1, 13, 51, 0), true, "1 August 2024, 16:51");
    check_date(en, utc(2024, 8, 1, 13, 51, 0), false, "1 August 2024");
    check_date(en, utc(2024, 8, 19, 13, 51, 0), true, "19 August 2024, 16:51");
    i18n_free(en);
    CHECK(i18n_parse("x.ini", STR_LIT("lang = pl\n"), &en, err, sizeof err) == ERR_OK);
    CHECK_STR(i18n_lang(en), "pl");
    i18n_free(en);
}

static void test_times(void)
{
    check_iso(utc(2024, 8, 1, 13, 51, 0), "2024-08-01T16:51:00+03:00");
    check_iso(utc(2024, 1, 15, 10, 5, 7), "2024-01-15T12:05:07+02:00");
    check_short(utc(2024, 8, 1, 13, 51, 0), "01.08.2024");
    check_short(utc(2024, 2, 29, 22, 0, 0), "01.03.2024");
    /* summer time starts 2024-03-31 01:00 UTC (03:00 → 04:00 local) */
    check_iso(utc(2024, 3, 31, 0, 59, 59), "2024-03-31T02:59:59+02:00");
    check_iso(utc(2024, 3, 31, 1, 0, 0), "2024-03-31T04:00:00+03:00");
    /* and ends 2024-10-27 01:00 UTC (04:00 → 03:00 local) */
    check_iso(utc(2024, 10, 27, 0, 59, 59), "2024-10-27T03:59:59+03:00");
    check_iso(utc(2024, 10, 27, 1, 0, 0), "2024-10-27T03:00:00+02:00");
    check_date(NULL, utc(2024, 10, 27, 0, 30, 0), true, "27 жовтня 2024, 03:30");
    check_date(NULL, utc(2024, 10, 27, 1, 30, 0), true, "27 жовтня 2024, 03:30");
    /* 2025: last Sundays are 30 March and 26 October */
    check_iso(utc(2025, 3, 30, 1, 0, 0), "2025-03-30T04:00:00+03:00");
    check_iso(utc(2025, 10, 26, 0, 0, 0), "2025-10-26T03:00:00+03:00");
    check_iso(utc(2025, 10, 26, 2, 0, 0), "2025-10-26T04:00:00+02:00");
}

static void test_errors(void)
{
    check_parse_error("a = 1\n\nno equals sign\n", ERR_PARSE, "uk.ini:3: expected 'key = text'");
    check_parse_error("# c\nBad.Key = x\n", ERR_PARSE,
                      "uk.ini:2: invalid key 'Bad.Key' (use a-z 0-9 . _ -)");
    check_parse_error("= no key\n", ERR_PARSE, "uk.ini:1: invalid key '' (use a-z 0-9 . _ -)");
    check_parse_error("ключ = x\n", ERR_PARSE, "uk.ini:1: invalid key 'ключ' (use a-z 0-9 . _ -)");
    check_parse_error("a = 1\nb = 2\n# x\na = 3\n", ERR_PARSE,
                      "uk.ini:4: duplicate key 'a' (first on line 1)");
    check_parse_error("a = 1\nb = \xd0\n", ERR_PARSE, "uk.ini:2: not valid utf-8");

    size_t big = I18N_MAX_FILE_BYTES + 1;
    char *text = malloc(big + 1);
    memset(text, '#', big);
    text[big] = '\0';
    check_parse_error(text, ERR_TOO_LARGE, "uk.ini: larger than 262144 bytes");

    /* from a file */
    char path[] = "/tmp/visnyk_i18n_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *body = "\xEF\xBB\xBFnav.home = Головна\nnav.home = Дім\n";
    CHECK(write(fd, body, strlen(body)) == (ssize_t)strlen(body));
    close(fd);
    struct i18n *c = NULL;
    char err[512] = "", expected[512];
    CHECK(i18n_load(path, &c, err, sizeof err) == ERR_PARSE);
    snprintf(expected, sizeof expected, "%s:2: duplicate key 'nav.home' (first on line 1)", path);
    CHECK_STR(str_from_cstr(err), expected);

    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(write(fd, text, big) == (ssize_t)big);
    close(fd);
    CHECK(i18n_load(path, &c, err, sizeof err) == ERR_TOO_LARGE);
    free(text);

    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(write(fd, body, strlen(body) - strlen("nav.home = Дім\n")) > 0);
    close(fd);
    CHECK(i18n_load(path, &c, err, sizeof err) == ERR_OK);
    CHECK_STR(i18n_get(c, STR_LIT("nav.home")), "Головна");
    i18n_free(c);
    unlink(path);

    CHECK(i18n_load("/nonexistent/uk.ini", &c, err, sizeof err) == ERR_IO);
    CHECK(strstr(err, "/nonexistent/uk.ini: cannot open") == err);
}

int main(void)
{
    test_lookup();
    test_times();
    test_errors();
    return check_done();
}
