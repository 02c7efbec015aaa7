/* kyiv_time.h: times are stored as UTC seconds and shown in Europe/Kyiv. The rule
 * (EET, UTC+2; EEST, UTC+3 from the last Sunday of March 01:00 UTC to the last
 * Sunday of October 01:00 UTC) is computed here so no tz database is needed. */
#ifndef VISNYK_CORE_KYIV_TIME_H
#define VISNYK_CORE_KYIV_TIME_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "str.h"

struct kyiv_tm {
    int year, month, day; /* month 1..12 */
    int hour, minute, second;
    int weekday;    /* 0 = Sunday */
    int utc_offset; /* seconds east of UTC: 7200 or 10800 */
};

/* kyiv_from_utc converts UTC seconds to Kyiv wall time. */
struct kyiv_tm kyiv_from_utc(int64_t utc);
/* kyiv_to_utc converts Kyiv wall time to UTC seconds (ambiguous hour: first). */
int64_t kyiv_to_utc(int year, int month, int day, int hour, int minute, int second);
/* kyiv_parse accepts "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS]" in Kyiv time. */
bool kyiv_parse(struct str s, int64_t *utc);
/* kyiv_parse_day accepts "YYYY-MM-DD": the start of that day in Kyiv. */
bool kyiv_parse_day(struct str s, int64_t *utc);
/* days_from_civil: days since 1970-01-01 for a proleptic Gregorian date. */
int64_t days_from_civil(int year, int month, int day);
/* utc_now: current UTC seconds. */
int64_t utc_now(void);
/* realtime_in_ms: CLOCK_REALTIME ms from now, the deadline pthread_cond_timedwait takes
 * (the background threads' naps: a stop or a kick wakes them sooner). */
struct timespec realtime_in_ms(int64_t ms);

#endif
