#include "check.h"
#include "core/kyiv_time.h"
#include "core/workdays.h"

static int64_t D(int y, int m, int d)
{
    return days_from_civil(y, m, d);
}

int main(void)
{
    static struct workdays_calendar cal, none;

    CHECK(workdays_parse(STR_LIT(""), &none) == ERR_OK && none.n == 0);
    /* weekends: 2026-12-05 is a Saturday, 12-06 a Sunday, 12-07 a Monday */
    CHECK(workdays_is_working(&none, D(2026, 12, 4)));
    CHECK(!workdays_is_working(&none, D(2026, 12, 5)));
    CHECK(!workdays_is_working(&none, D(2026, 12, 6)));
    CHECK(workdays_is_working(&none, D(2026, 12, 7)));
    CHECK(!workdays_is_working(&none, D(1970, 1, 3))); /* day 2, a Saturday */
    CHECK(workdays_is_working(&none, D(1970, 1, 1)));  /* day 0, a Thursday */

    /* 10 working days after Thursday 2026-12-03: Fri 4, Mon 7 .. Fri 11, Mon 14 .. Thu 17 */
    CHECK(workdays_add(&none, D(2026, 12, 3), 10) == D(2026, 12, 17));
    CHECK(workdays_add(&none, D(2026, 12, 3), 0) == D(2026, 12, 3));
    CHECK(workdays_add(&none, D(2026, 12, 5), 1) == D(2026, 12, 7)); /* from a Saturday */
    CHECK(workdays_between(&none, D(2026, 12, 3), D(2026, 12, 17)) == 10);
    CHECK(workdays_between(&none, D(2026, 12, 3), D(2026, 12, 16)) == 9);
    CHECK(workdays_between(&none, D(2026, 12, 17), D(2026, 12, 3)) == 0);

    /* a holiday inside the period pushes the end by a day; repeats and order do not matter */
    CHECK(workdays_parse(STR_LIT("2026-12-25, 2026-12-08 2026-12-08;2027-01-01"), &cal) == ERR_OK);
    CHECK(cal.n == 3);
    CHECK(cal.holiday[0] == D(2026, 12, 8) && cal.holiday[2] == D(2027, 1, 1));
    CHECK(!workdays_is_working(&cal, D(2026, 12, 8)));
    CHECK(workdays_add(&cal, D(2026, 12, 3), 10) == D(2026, 12, 18));
    CHECK(workdays_between(&cal, D(2026, 12, 3), D(2026, 12, 17)) == 9);
    /* across the new year: Dec 24 + 3 = Dec 28 (25 holiday), 29, 30 */
    CHECK(workdays_add(&cal, D(2026, 12, 24), 3) == D(2026, 12, 30));
    CHECK(workdays_add(&cal, D(2026, 12, 30), 2) == D(2027, 1, 4)); /* 31, (1 holiday), 4 */

    /* malformed lists are refused whole */
    CHECK(workdays_parse(STR_LIT("2026-02-30"), &cal) == ERR_PARSE && cal.n == 0);
    CHECK(workdays_parse(STR_LIT("2025-02-29"), &cal) == ERR_PARSE);
    CHECK(workdays_parse(STR_LIT("2024-02-29"), &cal) == ERR_OK && cal.n == 1);
    CHECK(workdays_parse(STR_LIT("2026-1-01"), &cal) == ERR_PARSE);
    CHECK(workdays_parse(STR_LIT("2026-01-01x"), &cal) == ERR_PARSE);
    CHECK(workdays_parse(STR_LIT("2026-13-01"), &cal) == ERR_PARSE);
    CHECK(workdays_parse(STR_LIT("tomorrow"), &cal) == ERR_PARSE);

    /* bounded */
    char big[(WORKDAYS_MAX_HOLIDAYS + 1) * 11];
    size_t n = 0;
    for (int i = 0; i <= WORKDAYS_MAX_HOLIDAYS; i++) {
        int y = 2000 + i / 12, m = 1 + i % 12;
        big[n++] = (char)('0' + y / 1000);
        big[n++] = (char)('0' + y / 100 % 10);
        big[n++] = (char)('0' + y / 10 % 10);
        big[n++] = (char)('0' + y % 10);
        big[n++] = '-';
        big[n++] = (char)('0' + m / 10);
        big[n++] = (char)('0' + m % 10);
        big[n++] = '-';
        big[n++] = '0';
        big[n++] = '1';
        big[n++] = ',';
    }
    CHECK(workdays_parse(str_make(big, n), &cal) == ERR_TOO_LARGE && cal.n == 0);
    CHECK(workdays_parse(str_make(big, n - 11), &cal) == ERR_OK && cal.n == WORKDAYS_MAX_HOLIDAYS);
    return check_done();
}
