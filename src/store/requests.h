/* requests.h: requests for public information (Law 2939-VI art. 19-22) and citizens'
 * e-appeals (Law «Про звернення громадян» art. 5, 20) in one table (migration 18),
 * since the law gives them the same machinery: a registration number per year and kind
 * that is never reused, a status, an assignee, a deadline computed in C (core/deadline.h)
 * and stored as UTC seconds, a reminder sent once, and the requester's personal data
 * (name, address, e-mail, phone, text, answer), erased some time after the request was
 * closed while the row with its number, dates, kind and status stays for the
 * statistics. Queries in requests.c, written against db.h. Text out-parameters live in
 * the caller's arena. */
#ifndef VISNYK_STORE_REQUESTS_H
#define VISNYK_STORE_REQUESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

#define STORE_RQ_MAX_LIST 200
#define STORE_RQ_MAX_STATS 200 /* half-years × kinds in one statistics answer */
#define STORE_RQ_MAX_BATCH 100 /* reminders taken at once */

enum store_rq_kind { STORE_RQ_INFO, STORE_RQ_APPEAL, STORE_RQ_N_KINDS };

enum store_rq_status {
    STORE_RQ_NEW,
    STORE_RQ_IN_PROGRESS,
    STORE_RQ_EXTENDED,
    STORE_RQ_ANSWERED,
    STORE_RQ_REFUSED,
    STORE_RQ_FORWARDED,
    STORE_RQ_N_STATUSES,
};

/* An appeal's category (art. 3); requests have none. */
enum store_rq_category {
    STORE_RQ_CAT_NONE,
    STORE_RQ_CAT_PROPOSAL,  /* пропозиція */
    STORE_RQ_CAT_STATEMENT, /* заява */
    STORE_RQ_CAT_COMPLAINT, /* скарга */
    STORE_RQ_N_CATEGORIES,
};

struct store_request {
    int64_t id;
    enum store_rq_kind kind;
    int year, half; /* Kyiv year and half-year (1, 2) of received_at */
    int64_t seq;    /* the number within year and kind */
    int64_t received_at, due_at, remind_at;
    int64_t reminded_at; /* 0: the reminder of the current deadline is not sent yet */
    int64_t extended_at, closed_at, erased_at;
    bool urgent;     /* a request about life or freedom, the environment, an emergency */
    bool short_term; /* an appeal marked as needing no further study: 15 days */
    enum store_rq_category category;
    enum store_rq_status status;
    int64_t assignee_id;      /* 0: nobody */
    struct str assignee_name; /* read only */
    struct str name, address, email, phone, body;
    struct str extend_reason, answer, close_reason; /* refused: the grounds; forwarded: to whom */
};

/* Names in URLs, forms and files: "info"/"appeal", "new", "in_progress", ...,
 * "proposal", ... ("" for none); the parsers give -1 for anything else. */
const char *store_rq_kind_name(enum store_rq_kind k);
const char *store_rq_status_name(enum store_rq_status s);
const char *store_rq_category_name(enum store_rq_category c);
int store_rq_kind_parse(struct str name);
int store_rq_status_parse(struct str name);
int store_rq_category_parse(struct str name);
/* store_rq_open: the status still runs against a deadline. */
bool store_rq_open(enum store_rq_status s);

/* store_rq_insert registers r (its id, seq and status ignored; r->year the numbering
 * year): the next number of r->kind in r->year, never given before, goes to *seq and the
 * new id to *id. In the caller's write transaction, with the mail that tells of it. */
ERR_MUST_USE
enum err store_rq_insert(struct store *s, const struct store_request *r, int64_t *id, int64_t *seq);
/* store_rq_get reads request id whole. ERR_NOTFOUND when there is none. */
ERR_MUST_USE
enum err store_rq_get(struct store *s, struct arena *a, int64_t id, struct store_request *out);
/* store_rq_list: requests of kind and status (-1: any), newest first, at most
 * STORE_RQ_MAX_LIST; texts left empty except the assignee's name. */
ERR_MUST_USE
enum err store_rq_list(struct store *s, struct arena *a, int kind, int status,
                       struct store_request **items, size_t *n);
/* store_rq_update writes what the workspace changes of r->id: status, assignee,
 * deadlines, reminder, extension, answer, close reason and time. ERR_NOTFOUND. */
ERR_MUST_USE
enum err store_rq_update(struct store *s, const struct store_request *r);
/* store_rq_reminders_due: open requests whose reminder time has come (remind_at <= now)
 * and whose reminder was not sent, oldest deadline first, at most STORE_RQ_MAX_BATCH. */
ERR_MUST_USE
enum err store_rq_reminders_due(struct store *s, struct arena *a, int64_t now, int64_t **ids,
                                size_t *n);
/* store_rq_due_between: open requests whose deadline fell in (from, to]: the public
 * statistics count them as overdue from then on. */
ERR_MUST_USE
enum err store_rq_due_between(struct store *s, struct arena *a, int64_t from, int64_t to,
                              int64_t **ids, size_t *n);
/* store_rq_erase empties the personal data of every request closed at or before
 * closed_before and not erased yet, stamping now; *n how many. */
ERR_MUST_USE
enum err store_rq_erase(struct store *s, int64_t closed_before, int64_t now, int64_t *n);

/* One row of the statistics: a half-year of one kind. Overdue: answered (or refused,
 * forwarded) after the deadline, or still open past it at now. */
struct store_rq_stat {
    int year, half;
    enum store_rq_kind kind;
    int64_t received, answered, refused, overdue;
};
/* store_rq_stats: every half-year and kind that has requests, newest first. */
ERR_MUST_USE
enum err store_rq_stats(struct store *s, struct arena *a, int64_t now, struct store_rq_stat **rows,
                        size_t *n);

#endif
