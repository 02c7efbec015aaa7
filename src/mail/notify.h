/* notify.h: the editorial workflow's notices by e-mail (notify.c): an article sent for
 * review (to every editor), returned to its author with a reason, published (to its
 * author). Plain-text messages through the durable outbox, queued in the caller's
 * transaction so that a notice commits with the change it tells of, or not at all.
 * Texts are the mail.notice.* keys of the theme's catalog. */
#ifndef VISNYK_MAIL_NOTIFY_H
#define VISNYK_MAIL_NOTIFY_H

#include <stdint.h>

#include "core/err.h"
#include "core/str.h"
#include "mail/mail.h"

#define MAIL_NOTICE_MAX_REASON_BYTES 4000
#define MAIL_NOTICE_MAX_TITLE_BYTES 300 /* of the subject line; longer titles end with … */

enum mail_notice_kind {
    MAIL_NOTICE_SUBMITTED, /* an author sent the article for review */
    MAIL_NOTICE_RETURNED,  /* an editor returned it to draft, with a reason */
    MAIL_NOTICE_PUBLISHED, /* it is public (also a scheduled one whose time came) */
};

struct mail_notice {
    enum mail_notice_kind kind;
    int64_t article_id;
    struct str title;
    struct str slug;   /* the public address's last part (published) */
    struct str actor;  /* who did it: a user name, empty for the scheduler */
    struct str reason; /* returned: what the editor wrote (may be empty) */
};

/* mail_notice_queue puts one notice to rcpt (a normalised address) in the outbox, in
 * w's current transaction. Control characters of the title become spaces in the subject;
 * the reason must be valid UTF-8 of at most MAIL_NOTICE_MAX_REASON_BYTES (ERR_INVALID).
 * Fails as mail_message_build and store_outbox_add do. */
ERR_MUST_USE
enum err mail_notice_queue(struct store *w, const struct mail_site *site,
                           const struct mail_notice *n, struct str rcpt, int64_t now);

#endif
