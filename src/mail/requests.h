/* requests.h: the messages of requests for information and citizens' appeals
 * (store/requests.h) through the durable outbox: to the requester when a request is
 * registered, extended, answered, refused or forwarded, and to the handler a working day
 * before the deadline. Plain text, queued in the caller's transaction so that a message
 * commits with the change it tells of. Texts are the mail.rq.* keys of the catalog. */
#ifndef VISNYK_MAIL_REQUESTS_H
#define VISNYK_MAIL_REQUESTS_H

#include <stdint.h>

#include "core/err.h"
#include "core/str.h"
#include "mail/mail.h"
#include "store/requests.h"

#define MAIL_RQ_MAX_TEXT_BYTES (64 * 1024)

enum mail_rq_kind {
    MAIL_RQ_REGISTERED,
    MAIL_RQ_EXTENDED,
    MAIL_RQ_ANSWERED,
    MAIL_RQ_REFUSED,
    MAIL_RQ_FORWARDED,
    MAIL_RQ_REMINDER, /* to the handler: links the workspace's page of the request */
    MAIL_RQ_N_KINDS,
};

struct mail_rq_message {
    enum mail_rq_kind kind;
    int64_t request_id;
    struct str number;        /* «ЗІ-2026/0007» */
    struct str received, due; /* dates as the reader reads them */
    struct str text;          /* the request, answer, reason or addressee; may be empty */
};

/* mail_rq_number: the registration number as people read it, «ЗІ-2026/0007» for a
 * request for information, «ЗВ-2026/0003» for an appeal (arena memory). */
struct str mail_rq_number(struct arena *a, enum store_rq_kind kind, int year, int64_t seq);

/* mail_rq_queue puts message m to rcpt (a normalised address) in the outbox, in w's
 * current transaction. ERR_INVALID when the text is not valid UTF-8 or longer than
 * MAIL_RQ_MAX_TEXT_BYTES; fails as store_outbox_add does. */
ERR_MUST_USE
enum err mail_rq_queue(struct store *w, const struct mail_site *site,
                       const struct mail_rq_message *m, struct str rcpt, int64_t now);

#endif
