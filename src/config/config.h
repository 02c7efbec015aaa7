/* config.h: visnyk's settings, from (lowest to highest precedence) built-in
 * defaults, an INI file, VISNYK_* environment variables and the command line.
 * Every value is validated when it is set, and an error names where it came from:
 * "visnyk.ini:7: listen: expected HOST:PORT, e.g. 127.0.0.1:8080". */
#ifndef VISNYK_CONFIG_CONFIG_H
#define VISNYK_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"

#define CONFIG_MAX_FILE_BYTES (64 * 1024)
#define CONFIG_MAX_VALUE_BYTES 1024

struct config {
    char db[CONFIG_MAX_VALUE_BYTES];
    char listen_host[64];
    uint16_t listen_port;
    char theme[CONFIG_MAX_VALUE_BYTES];
    char media[CONFIG_MAX_VALUE_BYTES];
    char demo[CONFIG_MAX_VALUE_BYTES];
    char base_url[CONFIG_MAX_VALUE_BYTES];
    char smtp_url[CONFIG_MAX_VALUE_BYTES];
    char mail_from[CONFIG_MAX_VALUE_BYTES];
    unsigned threads; /* 0 = one per core */
    bool page_cache;
    char log_level[16];
    /* staying up (issues 6, 9): limits per client address, 0 = off; slow-client timeout */
    unsigned header_timeout_ms;          /* whole request head within; default 10000 */
    unsigned max_conns_per_ip;           /* open connections per address; default 64 */
    unsigned requests_per_ip_per_second; /* token bucket rate; default 50 */
    unsigned request_burst;              /* bucket size; default 200 */
    bool limit_loopback;                 /* limit 127.0.0.1/::1 too; default on */
    bool warm_pages; /* render the front pages ahead of readers (http/warm.c); default on */
    /* bodies and budgets (issue 9; http.h): a body averaging under min_body_rate bytes/s
     * after min_body_rate_grace s gets 408; budgets in MiB, past them 503 */
    unsigned min_body_rate, min_body_rate_grace;
    unsigned query_renders_per_second; /* uncached pages with a query; default 200, 0 = off */
    unsigned body_memory_max, upload_spool_max, response_memory_max;
    /* proxies whose X-Forwarded-For names the client, as written (validated when set);
     * default "127.0.0.1, ::1", empty = none. http_proxies_parse makes the table. */
    char trusted_proxies[CONFIG_MAX_VALUE_BYTES];
    bool static_links;                          /* pagination links as paths (/news/after/...) */
    char static_mirror[CONFIG_MAX_VALUE_BYTES]; /* folder serve keeps exported; "" = off */
    bool tls_proxy; /* served behind a TLS-terminating proxy: Secure cookies, HSTS */
    /* e-mail digest */
    int digest_hour, digest_minute; /* digest_time, Kyiv local, default 08:00 */
    int digest_weekday;             /* weekly digests: 1 = Monday .. 7 = Sunday */
    unsigned mail_rate;             /* messages per minute, default 60 */
    unsigned mail_retry;            /* first retry delay in seconds, doubling; default 60 */
    unsigned subscribe_ip_hour;     /* subscription requests per IP per hour, default 10 */
    unsigned subscribe_addr_day;    /* per address per day, default 3 */
    /* in front of the origin: Cache-Control of public pages (seconds) and the CDN purge */
    /* browsers, default 0: they revalidate each view (a cheap 304 from the page cache
     * or the CDN), so the emergency banner and a withdrawal reach a reader at once */
    unsigned cache_max_age;
    unsigned cache_s_maxage;                 /* shared caches (the CDN), default 60 */
    unsigned cache_swr;                      /* stale-while-revalidate, default 60 */
    unsigned cache_sie;                      /* stale-if-error, default 86400 */
    char purge_url[CONFIG_MAX_VALUE_BYTES];  /* where purges are POSTed; "" = none */
    char purge_auth[CONFIG_MAX_VALUE_BYTES]; /* "Name: value" header sent with them; secret */
    /* health and metrics (docs/OPERATIONS.md): log lines as "text" (default) or "json";
     * one info line per request; socket peers that may read /metrics, as written
     * (validated like trusted_proxies), default "127.0.0.1, ::1", empty = nobody */
    char log_format[8];
    bool access_log;
    /* the sections of issue 13 (docs/OPERATIONS.md, "Documents registry and vacancies"):
     * days off besides weekends for working-day deadlines ("YYYY-MM-DD, ..."), and
     * whether the registry and vacancies are served (both on by default) */
    char holidays[CONFIG_MAX_VALUE_BYTES];
    bool registry, vacancies;
    /* requests for public information and citizens' appeals (docs/OPERATIONS.md,
     * "Requests for information and appeals"): served (on by default), and the days a
     * closed request's personal data is kept (default 1095) */
    bool requests, appeals;
    unsigned requests_keep_days;
    bool consultations; /* public consultations (site/consultations.c), on by default */
    /* open data (docs/OPERATIONS.md, "Open data"): whether /opendata is served (on by
     * default), and the passports' responsible person and e-mail (empty: the site's
     * name and e-mail from the workspace settings) */
    bool opendata;
    char opendata_contact[256];
    char opendata_email[256];
    char metrics_allow[CONFIG_MAX_VALUE_BYTES];
    /* the automatic air-raid banner (src/alert/alert.h, docs/OPERATIONS.md): off while
     * alert_feed_url is empty; the defaults of the mapping are alerts.in.ua's format */
    char alert_feed_url[CONFIG_MAX_VALUE_BYTES]; /* https://, or http:// on loopback */
    char alert_feed_key[CONFIG_MAX_VALUE_BYTES]; /* secret: never logged or shown */
    char alert_feed_key_header[64];              /* default Authorization (Bearer) */
    char alert_region[256];                      /* e.g. Полтавська область */
    char alert_feed_list[256];                   /* JSON pointer, default /alerts */
    char alert_feed_region_field[128];           /* default location_title */
    char alert_feed_filter[256];                 /* field=value, default alert_type=air_raid */
    unsigned alert_poll_interval;                /* seconds, default 10 */
    unsigned alert_stale_after;                  /* seconds, default 300 */
    unsigned alert_all_clear_for;                /* seconds, default 900 */
};

/* config_defaults fills c with the built-in defaults. */
void config_defaults(struct config *c);
/* config_set validates and stores one value by key ("db", "listen", …). origin names
 * where it came from for the message ("--listen", "VISNYK_LISTEN", "site.ini:3").
 * ERR_NOTFOUND for an unknown key, ERR_INVALID for a bad value; err explains. */
ERR_MUST_USE
enum err config_set(struct config *c, const char *origin, struct str key, struct str value,
                    char *err, size_t err_size);
/* config_load_file parses an INI file ("key = value", '#' or ';' comments, optional
 * [visnyk] section). Any malformed line fails the whole load, naming file and line. */
ERR_MUST_USE
enum err config_load_file(struct config *c, const char *path, char *err, size_t err_size);
/* config_parse_text is config_load_file on text already in memory (tests, fuzzing). */
ERR_MUST_USE
enum err config_parse_text(struct config *c, const char *name, struct str text, char *err,
                           size_t err_size);
/* The INI reader itself, for other files of the same shape (demo/site.ini): fn gets
 * each key and value with its origin ("file:line") and may fail, which stops the parse. */
typedef enum err (*config_ini_fn)(void *ctx, const char *origin, struct str key, struct str value,
                                  char *err, size_t err_size);
ERR_MUST_USE
enum err config_ini_parse(const char *name, struct str text, config_ini_fn fn, void *ctx, char *err,
                          size_t err_size);
ERR_MUST_USE
enum err config_ini_load(const char *path, config_ini_fn fn, void *ctx, char *err, size_t err_size);

/* config_load_env applies every VISNYK_<KEY> variable that is set. */
ERR_MUST_USE
enum err config_load_env(struct config *c, char *err, size_t err_size);
/* config_keys: NULL-terminated list of known keys (for --help). */
const char *const *config_keys(void);

#endif
