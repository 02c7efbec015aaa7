/* mail_internal.h: what the files of src/mail/ share. Not for other modules. */
#ifndef VISNYK_MAIL_MAIL_INTERNAL_H
#define VISNYK_MAIL_MAIL_INTERNAL_H

#include "mail/mail.h"

/* mail__t: the catalog text for key (the key itself when missing). */
struct str mail__t(const struct mail_site *site, const char *key);
/* mail__site_in: site as seen by a subscriber reading lang: the English catalog, site
 * name and "/en" prefix when lang is "en" and site has them, else site as is. */
void mail__site_in(const struct mail_site *site, struct str lang, struct mail_site *out);
/* mail__url appends base_url + prefix + path (path starts with '/'). */
ERR_MUST_USE
enum err mail__url(struct buf *out, const struct mail_site *site, const char *path);
/* mail__queue builds the message (From with the site name, a fresh Message-ID, Date,
 * List-Unsubscribe when unsub_url is set) and adds it to the outbox, in the caller's
 * transaction. */
struct mail__queued {
    int64_t subscriber_id;
    const char *kind;
    struct str rcpt, subject, text, html, unsub_url, unsub_mailto;
    int64_t now;
};
ERR_MUST_USE
enum err mail__queue(struct store *w, const struct mail_site *site, const struct mail__queued *q);
/* mail__confirm_queue makes a confirmation token for sub, stores its hash and queues
 * the confirmation message (caller's transaction). */
ERR_MUST_USE
enum err mail__confirm_queue(struct store *w, struct arena *a, const struct mail_site *site,
                             const struct store_subscriber *sub, int64_t now);
/* HTML helpers for messages: an escaped text, the shell of the page. */
ERR_MUST_USE
enum err mail__html_text(struct buf *out, struct str s);
ERR_MUST_USE
enum err mail__html_open(struct buf *out, const struct mail_site *site, struct str title);
ERR_MUST_USE
enum err mail__html_close(struct buf *out);

#endif
