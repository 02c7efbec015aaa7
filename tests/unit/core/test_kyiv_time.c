#include "check.h"
#include "core/kyiv_time.h"

int main(void)
{
    /* 2024-08-01 16:51 Kyiv (summer, +03:00) = 13:51 UTC */
    int64_t t = 0;
    CHECK(kyiv_parse(STR_LIT("2024-08-01 16:51"), &t));
    CHECK(t == 1722520260);
    struct kyiv_tm k = kyiv_from_utc(t);
    CHECK(k.year == 2024 && k.month == 8 && k.day == 1 && k.hour == 16 && k.minute == 51);
    CHECK(k.utc_offset == 10800);
    CHECK(k.weekday == 4); /* Thursday */

    /* Winter: 2025-12-29 10:00 Kyiv = 08:00 UTC */
    CHECK(kyiv_parse(STR_LIT("2025-12-29T10:00:00"), &t));
    CHECK(t == 1766995200);
    CHECK(kyiv_from_utc(t).utc_offset == 7200);

    /* DST starts 2024-03-31 01:00 UTC: 00:59:59 UTC is 02:59:59 winter, 01:00 UTC is 04:00 */
    k = kyiv_from_utc(1711846799);
    CHECK(k.hour == 2 && k.minute == 59 && k.utc_offset == 7200);
    k = kyiv_from_utc(1711846800);
    CHECK(k.hour == 4 && k.minute == 0 && k.utc_offset == 10800);
    /* DST ends 2024-10-27 01:00 UTC: 04:00 summer -> 03:00 winter */
    k = kyiv_from_utc(1729990799);
    CHECK(k.hour == 3 && k.minute == 59 && k.utc_offset == 10800);
    k = kyiv_from_utc(1729990800);
    CHECK(k.hour == 3 && k.minute == 0 && k.utc_offset == 7200);
    /* Month boundary in local time: 2024-12-31 23:30 Kyiv is still December */
    CHECK(kyiv_parse(STR_LIT("2024-12-31 23:30"), &t));
    k = kyiv_from_utc(t);
    CHECK(k.year == 2024 && k.month == 12 && k.day == 31);

    CHECK(!kyiv_parse(STR_LIT("2024-02-30 10:00"), &t));
    CHECK(!kyiv_parse(STR_LIT("2023-02-29 10:00"), &t));
    CHECK(kyiv_parse(STR_LIT("2024-02-29 10:00"), &t));
    CHECK(!kyiv_parse(STR_LIT("2024-08-01 24:00"), &t));
    CHECK(!kyiv_parse(STR_LIT("2024-8-1 10:00"), &t));
    CHECK(!kyiv_parse(STR_LIT("garbage"), &t));
    CHECK(days_from_civil(1970, 1, 1) == 0);

    /* a day alone starts at Kyiv midnight: 2024-08-01 00:00 +03:00 = 07-31 21:00 UTC */
    CHECK(kyiv_parse_day(STR_LIT("2024-08-01"), &t));
    CHECK(t == 1722459600);
    CHECK(!kyiv_parse_day(STR_LIT("2024-08-1"), &t));
    CHECK(!kyiv_parse_day(STR_LIT("2024-08-01 10:00"), &t));
    CHECK(!kyiv_parse_day(STR_LIT("2024-13-01"), &t));
    CHECK(!kyiv_parse_day(STR_LIT("2024/08/01"), &t));
    return check_done();
}
