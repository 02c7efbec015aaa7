/* The legal deadlines of core/deadline.h: working days on a calendar with a holiday,
 * the 48 hours, the extension window, one month / 15 / 45 calendar days, the reminder a
 * working day before, and Kyiv days across the change to summer time. */
#include "check.h"
#include "core/deadline.h"
#include "core/kyiv_time.h"

/* K: Kyiv wall time to UTC seconds. */
static int64_t K(int y, int mo, int d, int h, int mi)
{
    return kyiv_to_utc(y, mo, d, h, mi, 0);
}

/* end: 23:59:59 Kyiv time of the day. */
static int64_t end(int y, int mo, int d)
{
    return kyiv_to_utc(y, mo, d, 23, 59, 59);
}

int main(void)
{
    static struct workdays_calendar cal, none;
    CHECK(workdays_parse(STR_LIT(""), &none) == ERR_OK);
    CHECK(workdays_parse(STR_LIT("2026-12-08, 2026-12-25"), &cal) == ERR_OK);

    /* Thursday 2026-12-03 15:20: Fri 4, Mon 7, Tue 8, Wed 9, Thu 10 */
    int64_t got = K(2026, 12, 3, 15, 20);
    CHECK(deadline_info(&none, got, false) == end(2026, 12, 10));
    /* Tuesday the 8th a holiday: Fri 4, Mon 7, Wed 9, Thu 10, Fri 11 */
    CHECK(deadline_info(&cal, got, false) == end(2026, 12, 11));
    /* registered on a Saturday: the days count from Monday, the Saturday itself not */
    CHECK(deadline_info(&none, K(2026, 12, 5, 10, 0), false) == end(2026, 12, 11));
    /* late in the evening is still that Kyiv day (21:30 UTC would be the next one) */
    CHECK(deadline_info(&none, K(2026, 12, 3, 23, 30), false) == end(2026, 12, 10));
    /* urgent: 48 hours from the moment, whatever the calendar */
    CHECK(deadline_info(&cal, got, true) == got + 48 * 3600);
    /* extended: 20 working days; with the holiday one day later */
    CHECK(deadline_info_extended(&none, got) == end(2026, 12, 31));
    CHECK(deadline_info_extended(&cal, got) == end(2027, 1, 4)); /* 8th, 25th; then Fri 1, Mon 4 */
    /* the extension only within the first 5 working days, never for an urgent one */
    CHECK(deadline_info_may_extend(&cal, got, false, end(2026, 12, 11)));
    CHECK(!deadline_info_may_extend(&cal, got, false, end(2026, 12, 11) + 1));
    CHECK(!deadline_info_may_extend(&cal, got, true, got + 60));

    /* appeals: one month (the same date, or the month's last day), 15 and 45 days */
    CHECK(deadline_appeal(got, DEADLINE_APPEAL_MONTH) == end(2027, 1, 3));
    CHECK(deadline_appeal(K(2027, 1, 31, 9, 0), DEADLINE_APPEAL_MONTH) == end(2027, 2, 28));
    CHECK(deadline_appeal(K(2028, 1, 31, 9, 0), DEADLINE_APPEAL_MONTH) == end(2028, 2, 29));
    CHECK(deadline_appeal(got, DEADLINE_APPEAL_SHORT) == end(2026, 12, 18));
    CHECK(deadline_appeal(got, DEADLINE_APPEAL_EXTENDED) == end(2027, 1, 17));
    /* across the change to summer time (2027-03-28): still the end of the Kyiv day */
    CHECK(deadline_appeal(K(2027, 3, 20, 12, 0), DEADLINE_APPEAL_SHORT) == end(2027, 4, 4));
    CHECK(deadline_day_end(deadline_kyiv_day(K(2027, 3, 28, 12, 0))) == end(2027, 3, 28));

    /* the reminder: the start of the last working day before the due day */
    CHECK(deadline_remind_at(&none, got, end(2026, 12, 10)) == K(2026, 12, 9, 0, 0));
    /* due on Monday: reminded on Friday */
    CHECK(deadline_remind_at(&none, got, end(2026, 12, 14)) == K(2026, 12, 11, 0, 0));
    /* due on Wednesday the 9th with Tuesday a holiday: reminded on Monday */
    CHECK(deadline_remind_at(&cal, got, end(2026, 12, 9)) == K(2026, 12, 7, 0, 0));
    /* the 48 hours, due on Saturday: at the start of Friday, the last working day */
    CHECK(deadline_remind_at(&cal, got, got + 48 * 3600) == K(2026, 12, 4, 0, 0));
    /* never before registration */
    CHECK(deadline_remind_at(&none, got, got + 3600) == got);
    return check_done();
}
