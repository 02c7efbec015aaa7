/* workdays.h: working days on a calendar: Monday to Friday, minus a list of holidays
 * the operator configures (public holidays; under martial law the list may be empty,
 * since holidays are then not days off). Days are counted as days since 1970-01-01
 * (days_from_civil), so a deadline's arithmetic never meets time zones: the caller turns
 * a Kyiv date into a day number first. Pure functions, no I/O, reentrant: the documents
 * registry checks drafts' comment periods with them, and legal deadlines (requests for
 * information, appeals) can reuse them. */
#ifndef VISNYK_CORE_WORKDAYS_H
#define VISNYK_CORE_WORKDAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"

/* Holidays in one calendar: a few years of Ukraine's (about a dozen a year). */
#define WORKDAYS_MAX_HOLIDAYS 256

struct workdays_calendar {
    int64_t holiday[WORKDAYS_MAX_HOLIDAYS]; /* day numbers, ascending, no repeats */
    size_t n;
};

/* workdays_parse reads a list of dates "YYYY-MM-DD" separated by commas, spaces or
 * both ("2026-01-01, 2026-06-28") into *cal (sorted, repeats dropped). An empty list is
 * a calendar of weekends only. ERR_PARSE for anything that is not a real date (cal is
 * then empty), ERR_TOO_LARGE past WORKDAYS_MAX_HOLIDAYS. */
ERR_MUST_USE
enum err workdays_parse(struct str list, struct workdays_calendar *cal);

/* workdays_is_working: day is Monday to Friday and not a holiday. */
bool workdays_is_working(const struct workdays_calendar *cal, int64_t day);

/* workdays_add: the n-th working day after day (n >= 1; day itself does not count,
 * whatever it is), as a day number. n <= 0 gives day. */
int64_t workdays_add(const struct workdays_calendar *cal, int64_t day, int n);

/* workdays_between: how many working days lie after from, up to and including to
 * (0 when to <= from). */
int64_t workdays_between(const struct workdays_calendar *cal, int64_t from, int64_t to);

#endif
