/* alert.h: the automatic air-raid banner. A worker thread polls an alert feed (JSON over
 * HTTPS, an API key in a header), decides whether the configured region is under an
 * air-raid alert, and keeps in memory which banner the site shows:
 *
 *     feed says alert                       → ALERT («Повітряна тривога», shelter message)
 *     feed says none after an alert         → ALL_CLEAR («Відбій тривоги») for all_clear_s,
 *                                             then NONE
 *     feed silent (errors, timeouts, bad JSON, non-2xx) for more than stale_after_s
 *                                           → NONE: no stale alarm, no stale all-clear
 *
 * Each change of the banner calls the on_change hook once (the server invalidates the
 * "banner" key there, as the workspace does for the manual banner); a poll that changes
 * nothing calls nothing. The state is not persisted: after a restart the first poll,
 * at once, is the truth (docs/OPERATIONS.md says why). The manual banner wins over this
 * one; that is the site's choice (site.c), not this module's.
 *
 * match.c is the JSON mapping (pure, unit-tested); feed.c the thread and libcurl. */
#ifndef VISNYK_ALERT_ALERT_H
#define VISNYK_ALERT_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"

#define ALERT_FEED_MAX_BODY_BYTES (2 * 1024 * 1024) /* alerts.in.ua's answer: ~20 KiB */
#define ALERT_FEED_TIMEOUT_S 8         /* a whole poll, never longer than the interval */
#define ALERT_FEED_CONNECT_TIMEOUT_S 3 /* likewise capped by the interval */
#define ALERT_FEED_ERROR_BYTES 256     /* the last error kept for the workspace */
#define ALERT_FEED_LOG_EVERY_S 300     /* a feed that stays down is logged this often */
#define ALERT_POINTER_MAX_DEPTH 16     /* segments of the JSON pointer to the list */

/* What the automatic banner shows. */
enum alert_banner {
    ALERT_BANNER_NONE = 0,
    ALERT_BANNER_ALERT = 1,
    ALERT_BANNER_ALL_CLEAR = 2,
};

/* How the feed's JSON says "alert on": the array at list (a JSON pointer, RFC 6901;
 * "" is the document itself) holds the active alerts; one whose region_field is the
 * region (alert_region_eq) and, when filter_field is set, whose filter_field is
 * filter_value, means the region is under alert. Fields are strings of each entry.
 * The preset for alerts.in.ua (GET /v1/alerts/active.json): list "/alerts",
 * region_field "location_title", filter alert_type = air_raid. */
struct alert_mapping {
    const char *list;
    const char *region_field;
    const char *filter_field; /* NULL or "" = every entry of the list counts */
    const char *filter_value;
};

/* alert_region_eq: whether two region names are the same to a reader: case (Cyrillic
 * and Latin) and the apostrophes ' ’ ʼ ‘ ` do not matter, nor spaces around the name or
 * repeated inside it. Invalid UTF-8 never equals anything. */
bool alert_region_eq(struct str a, struct str b);

/* alert_match reads one answer of the feed (body, len bytes) with m: *active is whether
 * region is under alert. ERR_PARSE when the body is not JSON or the list is missing or
 * not an array, with the reason in why (never the body itself). Entries that are not
 * objects, or whose fields are missing or not strings, are skipped. */
ERR_MUST_USE
enum err alert_match(const char *body, size_t len, const struct alert_mapping *m,
                     const char *region, bool *active, char *why, size_t why_size);

/* The banner's state machine, apart from the network so that it can be reasoned about
 * (and tested) alone. Times are monotonic milliseconds. */
enum alert_poll {
    ALERT_POLL_NONE,   /* no answer yet: only the clock moved */
    ALERT_POLL_ON,     /* the feed answered: alert in the region */
    ALERT_POLL_OFF,    /* the feed answered: no alert in the region */
    ALERT_POLL_FAILED, /* no usable answer */
};
struct alert_state {
    int known; /* 0 unknown, 1 alert, -1 no alert: the feed's last answer still trusted */
    int64_t last_ok_ms, clear_until_ms;
    enum alert_banner shown;
};
/* alert_state_step applies a poll's outcome at now_ms; true when shown changed. */
bool alert_state_step(struct alert_state *s, enum alert_poll r, int64_t now_ms,
                      unsigned stale_after_s, unsigned all_clear_s);

struct alert_feed_config {
    const char *url;        /* https://…, or http:// on a loopback host (config checks) */
    const char *key;        /* API key, or "" for none; secret: never logged or shown */
    const char *key_header; /* "Authorization" (sent as "Bearer <key>") or e.g. "X-API-Key" */
    const char *region;     /* e.g. "Полтавська область" */
    struct alert_mapping map;
    unsigned interval_s, stale_after_s, all_clear_s;
};

/* The feed's health, for the workspace and /metrics. */
struct alert_feed_status {
    char url[512]; /* without credentials or query */
    char region[256];
    int64_t last_ok; /* UTC seconds of the last good answer; 0 = none yet */
    int64_t last_error_at;
    char last_error[ALERT_FEED_ERROR_BYTES]; /* "" when the last poll succeeded */
    int known;                               /* as alert_state.known */
    enum alert_banner shown;
    uint64_t polls, errors;
};

struct alert_feed;

/* alert_feed_new copies cfg; the caller owns *out (alert_feed_free). ERR_INVALID
 * without a URL or a region. Starts nothing. */
ERR_MUST_USE
enum err alert_feed_new(const struct alert_feed_config *cfg, struct alert_feed **out);
/* alert_feed_start starts the poller thread; on_change(ctx) is called from it after each
 * change of the banner (no-op when already running or f is NULL). alert_feed_stop ends
 * it, cutting a poll in flight short, and joins it. */
void alert_feed_start(struct alert_feed *f, void (*on_change)(void *ctx), void *ctx);
void alert_feed_stop(struct alert_feed *f);
void alert_feed_free(struct alert_feed *f);
/* alert_feed_banner: what the automatic banner shows now (NONE for a NULL feed).
 * Thread-safe and lock-free: it runs for every page rendered. */
enum alert_banner alert_feed_banner(const struct alert_feed *f);
/* alert_feed_status copies the health into out. Thread-safe. */
void alert_feed_status(struct alert_feed *f, struct alert_feed_status *out);

#endif
