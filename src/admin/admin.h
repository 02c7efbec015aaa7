/* admin.h: the editors' workspace under /admin: accounts and sessions, articles with
 * revisions and previews, galleries, tags, departments, pages, the emergency banner,
 * site settings, users and the audit log. Server-rendered HTML forms that work without
 * JavaScript; every handler checks the session, the role and (for POST) the CSRF token
 * and the request's origin on the server.
 *
 * Wiring, as cmd_serve.c does it (after site_new, before http_server_run):
 *
 *     struct admin *ad;
 *     admin_new(&(struct admin_config){.db_path = ..., .media_dir = ..., .site = site,
 *               .tls = ..., .start_worker = true}, &ad, err, sizeof err);
 *     admin_routes(ad, router);
 *     http_cfg.on_start → admin_on_start(ad, srv); on_stop → admin_on_stop(ad);
 *     ... after the server stopped: admin_free(ad);
 *
 * Threads: handlers run on every loop thread; the workspace's one database connection
 * (a writer) is used under a mutex, which is fine for a dozen editors. Password hashing
 * (Argon2id) runs on the loop thread but at most ADMIN_MAX_HASHING at once (a login
 * beyond that is told to retry), so logins can neither exhaust memory nor stall every
 * loop at once. */
#ifndef VISNYK_ADMIN_ADMIN_H
#define VISNYK_ADMIN_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/str.h"
#include "http/http.h"

/* Argon2id parameters: OWASP's minimum (m = 19 MiB, t = 2, p = 1). */
#define ADMIN_PW_OPSLIMIT 2
#define ADMIN_PW_MEMLIMIT ((size_t)19 * 1024 * 1024)
#define ADMIN_PW_HASH_BYTES 128 /* crypto_pwhash_STRBYTES */
#define ADMIN_PW_MIN_CHARS 10
#define ADMIN_PW_MAX_BYTES 256
#define ADMIN_MAX_HASHING 2 /* concurrent password hashes (each holds 19 MiB) */

#define ADMIN_SESSION_IDLE_SECONDS (30 * 60)
#define ADMIN_SESSION_MAX_SECONDS (12 * 3600)
#define ADMIN_SESSION_TOUCH_SECONDS 60 /* last_seen is written at most this often */

/* Login throttling, over the last hour. An account locked by failures from elsewhere
 * stays open from addresses it logged in from successfully within the last 30 days,
 * so an attacker cannot lock the real user out. */
#define ADMIN_THROTTLE_WINDOW 3600
#define ADMIN_MAX_FAILS_PER_ACCOUNT 100
#define ADMIN_MAX_FAILS_PER_PAIR 10 /* one account from one address */
#define ADMIN_MAX_FAILS_PER_IP 50   /* one address, any account */
#define ADMIN_KNOWN_IP_SECONDS (30 * 24 * 3600)

#define ADMIN_MAX_UPLOAD_FILES 20 /* photos in one upload */
#define ADMIN_UPLOAD_ROWS 4       /* file + caption + alt rows the form shows without JS */

struct admin_config {
    const char *db_path;
    const char *media_dir;
    struct site *site;        /* templates, catalog, assets and the article preview */
    bool tls;                 /* served over HTTPS or behind a TLS proxy: Secure __Host- cookie,
                               * HSTS; X-Forwarded-For from a loopback proxy names the client */
    bool start_worker;        /* start the confined media worker (uploads need it) */
    struct alert_feed *alert; /* the automatic banner's feed, for its health; or NULL */
    const char *holidays;     /* days off besides weekends, "YYYY-MM-DD, ..." (workdays.h);
                               * NULL or "" = none */
    /* days a closed request's personal data is kept (config requests_keep_days) */
    unsigned requests_keep_days;
};

struct admin;
struct alert_feed;

/* admin_new opens the workspace's database connection and (when asked) starts the media
 * worker. The caller owns *out (admin_free). ERR_IO/ERR_DB with a message in err. */
ERR_MUST_USE
enum err admin_new(const struct admin_config *cfg, struct admin **out, char *err, size_t err_size);
/* admin_free stops the worker and closes the database; after the server stopped. */
void admin_free(struct admin *ad);
/* admin_routes adds every /admin route to r. */
void admin_routes(struct admin *ad, struct http_router *r);
/* admin_on_start starts the scheduler thread: when a scheduled article's time comes it
 * invalidates the cached pages that must now show it. admin_on_stop joins it. */
void admin_on_start(struct admin *ad, struct http_server *srv);
void admin_on_stop(struct admin *ad);

/* Passwords. admin_password_check says why a new password is refused (a catalog key,
 * e.g. "admin.pw.short"), or NULL when it is acceptable. */
const char *admin_password_check(struct str pw);
/* admin_password_hash writes the Argon2id string for pw into out. ERR_NOMEM when
 * libsodium cannot get the memory. Does not take the concurrency cap (the command
 * line calls it). */
ERR_MUST_USE
enum err admin_password_hash(struct str pw, char out[ADMIN_PW_HASH_BYTES]);
bool admin_password_verify(struct str hash, struct str pw);

/* Login throttling decision from the counts (pure; see the limits above). */
struct store_login_counts;
bool admin_login_allowed(const struct store_login_counts *c);

#endif
