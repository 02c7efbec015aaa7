/* workdays.c: Monday-to-Friday arithmetic on day numbers with a holiday list. */
#include "core/workdays.h"

#include <stdlib.h>

#include "core/kyiv_time.h"

static int cmp_day(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static bool is_sep(char ch)
{
    return ch == ',' || ch == ' ' || ch == '\t' || ch == ';';
}

/* read_day parses exactly "YYYY-MM-DD" at s and checks that the date exists. */
static bool read_day(struct str s, int64_t *day)
{
    if (s.len != 10 || s.ptr[4] != '-' || s.ptr[7] != '-')
        return false;
    int v[3] = {0, 0, 0};
    static const size_t start[3] = {0, 5, 8}, len[3] = {4, 2, 2};
    for (int f = 0; f < 3; f++)
        for (size_t i = start[f]; i < start[f] + len[f]; i++) {
            if (s.ptr[i] < '0' || s.ptr[i] > '9')
                return false;
            v[f] = v[f] * 10 + (s.ptr[i] - '0');
        }
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > mdays[v[1] - 1])
        return false;
    bool leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
    if (v[1] == 2 && v[2] == 29 && !leap)
        return false;
    *day = days_from_civil(v[0], v[1], v[2]);
    return true;
}

enum err workdays_parse(struct str list, struct workdays_calendar *cal)
{
    size_t i = 0;
    cal->n = 0;
    while (i < list.len) {
        if (is_sep(list.ptr[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < list.len && !is_sep(list.ptr[i]))
            i++;
        int64_t day;
        if (!read_day(str_make(list.ptr + start, i - start), &day)) {
            cal->n = 0;
            return ERR_PARSE;
        }
        if (cal->n == WORKDAYS_MAX_HOLIDAYS) {
            cal->n = 0;
            return ERR_TOO_LARGE;
        }
        cal->holiday[cal->n++] = day;
    }
    qsort(cal->holiday, cal->n, sizeof cal->holiday[0], cmp_day);
    size_t kept = 0;
    for (size_t k = 0; k < cal->n; k++)
        if (kept == 0 || cal->holiday[kept - 1] != cal->holiday[k])
            cal->holiday[kept++] = cal->holiday[k];
    cal->n = kept;
    return ERR_OK;
}

bool workdays_is_working(const struct workdays_calendar *cal, int64_t day)
{
    /* 1970-01-01 was a Thursday: day 0 has weekday 4 (0 = Sunday) */
    int64_t wd = ((day % 7) + 7 + 4) % 7;
    if (wd == 0 || wd == 6)
        return false;
    return bsearch(&day, cal->holiday, cal->n, sizeof cal->holiday[0], cmp_day) == NULL;
}

int64_t workdays_add(const struct workdays_calendar *cal, int64_t day, int n)
{
    while (n > 0) {
        day++;
        if (workdays_is_working(cal, day))
            n--;
    }
    return day;
}

int64_t workdays_between(const struct workdays_calendar *cal, int64_t from, int64_t to)
{
    int64_t count = 0;
    for (int64_t d = from + 1; d <= to; d++)
        if (workdays_is_working(cal, d))
            count++;
    return count;
}
