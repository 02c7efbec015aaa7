/* deadline.c: the legal deadlines of deadline.h on Kyiv days. */
#include "core/deadline.h"

#include "core/kyiv_time.h"

int64_t deadline_kyiv_day(int64_t utc)
{
    struct kyiv_tm k = kyiv_from_utc(utc);
    return days_from_civil(k.year, k.month, k.day);
}

/* day_start: 00:00 Kyiv time of day number day (days_from_civil is linear in the day of
 * the month, so 1970-01-(1 + day) is that day). */
static int64_t day_start(int64_t day)
{
    return kyiv_to_utc(1970, 1, (int)(1 + day), 0, 0, 0);
}

int64_t deadline_day_end(int64_t day)
{
    return day_start(day + 1) - 1;
}

int64_t deadline_info(const struct workdays_calendar *cal, int64_t received, bool urgent)
{
    if (urgent)
        return received + DEADLINE_INFO_URGENT_SECONDS;
    return deadline_day_end(workdays_add(cal, deadline_kyiv_day(received), DEADLINE_INFO_WORKDAYS));
}

int64_t deadline_info_extended(const struct workdays_calendar *cal, int64_t received)
{
    return deadline_day_end(
        workdays_add(cal, deadline_kyiv_day(received), DEADLINE_INFO_EXTENDED_WORKDAYS));
}

bool deadline_info_may_extend(const struct workdays_calendar *cal, int64_t received, bool urgent,
                              int64_t now)
{
    return !urgent && now <= deadline_info(cal, received, false);
}

static int month_days(int year, int month)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : mdays[month - 1];
}

int64_t deadline_appeal(int64_t received, enum deadline_appeal_term term)
{
    int64_t day = deadline_kyiv_day(received);
    if (term == DEADLINE_APPEAL_SHORT)
        return deadline_day_end(day + DEADLINE_APPEAL_SHORT_DAYS);
    if (term == DEADLINE_APPEAL_EXTENDED)
        return deadline_day_end(day + DEADLINE_APPEAL_MAX_DAYS);
    struct kyiv_tm k = kyiv_from_utc(received);
    int y = k.year, m = k.month + 1;
    if (m > 12) {
        m = 1;
        y++;
    }
    int d = k.day <= month_days(y, m) ? k.day : month_days(y, m);
    return deadline_day_end(days_from_civil(y, m, d));
}

int64_t deadline_remind_at(const struct workdays_calendar *cal, int64_t received, int64_t due)
{
    int64_t day = deadline_kyiv_day(due) - 1;
    while (!workdays_is_working(cal, day) && day > deadline_kyiv_day(received))
        day--;
    int64_t at = day_start(day);
    return at < received ? received : at;
}
