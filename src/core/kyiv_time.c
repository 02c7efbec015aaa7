#include "kyiv_time.h"

#include <string.h>
#include <time.h>

/* Howard Hinnant's civil-from-days algorithms (public domain). */
int64_t days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(y + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* UTC second at which summer time starts/ends in year: last Sunday, 01:00 UTC. */
static int64_t last_sunday_0100_utc(int year, int month)
{
    int64_t last = days_from_civil(year, month, 31);
    int64_t weekday = (last + 4) % 7; /* 1970-01-01 was a Thursday */
    if (weekday < 0)
        weekday += 7;
    return (last - weekday) * 86400 + 3600;
}

static int offset_at(int64_t utc)
{
    int year, month, day;
    civil_from_days(floor_div(utc, 86400), &year, &month, &day);
    if (utc >= last_sunday_0100_utc(year, 3) && utc < last_sunday_0100_utc(year, 10))
        return 3 * 3600;
    return 2 * 3600;
}

struct kyiv_tm kyiv_from_utc(int64_t utc)
{
    struct kyiv_tm t;
    t.utc_offset = offset_at(utc);
    int64_t local = utc + t.utc_offset;
    int64_t days = floor_div(local, 86400);
    int64_t secs = local - days * 86400;
    civil_from_days(days, &t.year, &t.month, &t.day);
    t.hour = (int)(secs / 3600);
    t.minute = (int)(secs / 60 % 60);
    t.second = (int)(secs % 60);
    int64_t wd = (days + 4) % 7;
    t.weekday = (int)(wd < 0 ? wd + 7 : wd);
    return t;
}

int64_t kyiv_to_utc(int year, int month, int day, int hour, int minute, int second)
{
    int64_t local = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    /* Try winter time first: in the repeated autumn hour that picks the first one. */
    int64_t summer = local - 3 * 3600;
    if (offset_at(summer) == 3 * 3600)
        return summer;
    return local - 2 * 3600;
}

static bool digits(struct str s, size_t at, size_t n, int *out)
{
    if (at + n > s.len)
        return false;
    int v = 0;
    for (size_t i = at; i < at + n; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
        v = v * 10 + (s.ptr[i] - '0');
    }
    *out = v;
    return true;
}

bool kyiv_parse_day(struct str s, int64_t *utc)
{
    if (s.len != 10)
        return false;
    char tmp[16];
    memcpy(tmp, s.ptr, 10);
    memcpy(tmp + 10, " 00:00", 6);
    return kyiv_parse(str_make(tmp, 16), utc);
}

bool kyiv_parse(struct str s, int64_t *utc)
{
    int year, month, day, hour, minute, second = 0;
    if (s.len != 16 && s.len != 19)
        return false;
    if (!digits(s, 0, 4, &year) || s.ptr[4] != '-' || !digits(s, 5, 2, &month) || s.ptr[7] != '-' ||
        !digits(s, 8, 2, &day) || (s.ptr[10] != ' ' && s.ptr[10] != 'T') ||
        !digits(s, 11, 2, &hour) || s.ptr[13] != ':' || !digits(s, 14, 2, &minute))
        return false;
    if (s.len == 19 && (s.ptr[16] != ':' || !digits(s, 17, 2, &second)))
        return false;
    static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1900 || month < 1 || month > 12 || day < 1 || day > month_days[month - 1] ||
        hour > 23 || minute > 59 || second > 59)
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && day == 29 && !leap)
        return false;
    *utc = kyiv_to_utc(year, month, day, hour, minute, second);
    return true;
}

int64_t utc_now(void)
{
    return (int64_t)time(NULL);
}

struct timespec realtime_in_ms(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return ts;
}
