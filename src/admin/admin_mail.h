/* admin_mail.h: the e-mail digest in the editors' workspace (mail.c), built on the
 * workspace's sessions, roles and CSRF checks:
 *
 *   GET  /admin/mail                  counts by state and topic, send log, next digest
 *                                     preview, "send me a test" (editors)
 *   POST /admin/mail/test             queue a sample digest to an address (editors)
 *   GET  /admin/mail/subscribers.csv  export (admins)
 *   POST /admin/mail/erase            erase one subscriber on request (admins)
 *
 * Register before admin_routes: its catch-all for every other /admin path would
 * shadow these. */
#ifndef VISNYK_ADMIN_ADMIN_MAIL_H
#define VISNYK_ADMIN_ADMIN_MAIL_H

#include "admin/admin.h"
#include "http/http.h"

struct admin_mail_config {
    const char *theme_dir; /* catalog for mail texts */
    const char *base_url;  /* links inside mail */
    const char *mail_from;
};

/* admin_mail_routes copies cfg and adds the routes above. */
void admin_mail_routes(struct admin *ad, struct http_router *r,
                       const struct admin_mail_config *cfg);
/* admin_mail_free releases what admin_mail_routes loaded; after the server stopped. */
void admin_mail_free(void);

#endif
