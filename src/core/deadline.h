/* deadline.h: the legal deadlines of requests for public information (Law 2939-VI
 * art. 20: 5 working days; 48 hours where the request concerns a person's life or
 * freedom, the environment or an emergency; an extension to 20 working days only
 * within the first 5) and of citizens' appeals (Law «Про звернення громадян» art. 20:
 * one month; 15 days when no further study is needed; 45 days in all when extended).
 * A deadline ends with its Kyiv day (23:59:59), except the 48 hours, which run from
 * the moment of registration. Pure functions on UTC seconds and the working-day
 * calendar of workdays.h; no I/O. */
#ifndef VISNYK_CORE_DEADLINE_H
#define VISNYK_CORE_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/workdays.h"

#define DEADLINE_INFO_WORKDAYS 5
#define DEADLINE_INFO_EXTENDED_WORKDAYS 20
#define DEADLINE_INFO_URGENT_SECONDS (48 * 3600)
#define DEADLINE_APPEAL_SHORT_DAYS 15
#define DEADLINE_APPEAL_MAX_DAYS 45

/* deadline_kyiv_day: the day number (days since 1970-01-01) of the Kyiv date at utc. */
int64_t deadline_kyiv_day(int64_t utc);
/* deadline_day_end: the last second (UTC) of the Kyiv day number day. */
int64_t deadline_day_end(int64_t day);

/* deadline_info: when the answer to a request registered at received is due: the end
 * of the 5th working day after the day of registration, or 48 hours after it when
 * urgent. */
int64_t deadline_info(const struct workdays_calendar *cal, int64_t received, bool urgent);
/* deadline_info_extended: the end of the 20th working day after registration. */
int64_t deadline_info_extended(const struct workdays_calendar *cal, int64_t received);
/* deadline_info_may_extend: an extension is allowed at now: the request is not urgent
 * and now is still within the first 5 working days after registration. */
bool deadline_info_may_extend(const struct workdays_calendar *cal, int64_t received, bool urgent,
                              int64_t now);

enum deadline_appeal_term {
    DEADLINE_APPEAL_MONTH,    /* the rule: one month */
    DEADLINE_APPEAL_SHORT,    /* no further study needed: 15 days */
    DEADLINE_APPEAL_EXTENDED, /* extended with a reason: 45 days in all */
};
/* deadline_appeal: the end of the Kyiv day one month (the same date of the next month,
 * or its last day), 15 or 45 calendar days after the day of registration. */
int64_t deadline_appeal(int64_t received, enum deadline_appeal_term term);

/* deadline_remind_at: when the handler is reminded of a deadline due: the start of the
 * last working day before the due day (for the 48 hours too: at least a day ahead);
 * never before received. */
int64_t deadline_remind_at(const struct workdays_calendar *cal, int64_t received, int64_t due);

#endif
