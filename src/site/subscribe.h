/* subscribe.h: the digest subscription pages (subscribe.c), wired by site.c and
 * configured by `visnyk serve`.
 *
 *   GET  /subscribe                    the full form with topics (cacheable: no per-user data)
 *   POST /subscribe                    request a subscription (double opt-in)
 *   GET  /subscribe/confirm?t=         a page with a button (mail scanners follow links)
 *   POST /subscribe/confirm            confirm
 *   GET  /subscribe/unsubscribe?t=     a page with a button
 *   POST /subscribe/unsubscribe?t=     RFC 8058 one-click (no cookies, no login)
 *   GET  /subscribe/preferences?t=     topics and frequency
 *   POST /subscribe/preferences        save them */
#ifndef VISNYK_SITE_SUBSCRIBE_H
#define VISNYK_SITE_SUBSCRIBE_H

#include "http/http.h"
#include "mail/mail.h"

struct site;

struct site_subscribe_config {
    const char *mail_from; /* sender address of confirmation mail */
    struct mail_limits limits;
};

/* site_subscribe_configure copies cfg; call it before the server starts. Without it,
 * the defaults apply (10 requests per IP per hour, 3 per address per day). */
void site_subscribe_configure(const struct site_subscribe_config *cfg);
/* site_subscribe_routes adds the routes above to r. */
void site_subscribe_routes(struct site *s, struct http_router *r);
/* site_subscribe_close releases the writer connection the handlers share. */
void site_subscribe_close(void);

#endif
