#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/utf8.h"
#include "core/workdays.h"
#include "http/http.h"

static const char *const known_keys[] = {"db",
                                         "listen",
                                         "theme",
                                         "media",
                                         "demo",
                                         "base_url",
                                         "smtp_url",
                                         "mail_from",
                                         "threads",
                                         "page_cache",
                                         "log_level",
                                         "digest_time",
                                         "digest_weekday",
                                         "mail_rate",
                                         "mail_retry",
                                         "subscribe_ip_hour",
                                         "subscribe_addr_day",
                                         "header_timeout_ms",
                                         "max_conns_per_ip",
                                         "requests_per_ip_per_second",
                                         "request_burst",
                                         "limit_loopback",
                                         "warm_pages",
                                         "min_body_rate",
                                         "min_body_rate_grace",
                                         "body_memory_max",
                                         "query_renders_per_second",
                                         "upload_spool_max",
                                         "response_memory_max",
                                         "static_links",
                                         "static_mirror",
                                         "tls_proxy",
                                         "trusted_proxies",
                                         "cache_max_age",
                                         "cache_s_maxage",
                                         "cache_stale_while_revalidate",
                                         "cache_stale_if_error",
                                         "purge_url",
                                         "purge_auth",
                                         "log_format",
                                         "access_log",
                                         "metrics_allow",
                                         "alert_feed_url",
                                         "alert_feed_key",
                                         "alert_feed_key_header",
                                         "alert_region",
                                         "alert_feed_list",
                                         "alert_feed_region_field",
                                         "alert_feed_filter",
                                         "alert_poll_interval",
                                         "alert_stale_after",
                                         "alert_all_clear_for",
                                         "holidays",
                                         "registry",
                                         "vacancies",
                                         "requests",
                                         "appeals",
                                         "requests_keep_days",
                                         "consultations",
                                         "opendata",
                                         "opendata_contact",
                                         "opendata_email",
                                         NULL};

const char *const *config_keys(void)
{
    return known_keys;
}

#ifndef VISNYK_SOURCE_DIR
#define VISNYK_SOURCE_DIR "."
#endif

/* copy_value stores v in a fixed field, refusing what does not fit. */
static bool copy_value(char *dst, size_t dst_size, struct str v)
{
    if (v.len >= dst_size)
        return false;
    memcpy(dst, v.ptr, v.len);
    dst[v.len] = '\0';
    return true;
}

/* default_path: where a folder the binary ships with is by default. An installed build
 * (VISNYK_DATA_DIR, set by -DVISNYK_INSTALLED=ON as the Debian package does) looks only in
 * its data folder, never in the tree it was built from. Otherwise prefer the folder
 * beside the working directory (an unpacked release or the source tree), then the
 * source tree the binary was built from. */
static void default_path(char *dst, size_t dst_size, const char *relative, const char *installed)
{
#ifdef VISNYK_DATA_DIR
    (void)relative;
    snprintf(dst, dst_size, "%s/%s", VISNYK_DATA_DIR, installed);
#else
    (void)installed;
    if (access(relative, F_OK) == 0 || strcmp(VISNYK_SOURCE_DIR, ".") == 0) {
        snprintf(dst, dst_size, "%s", relative);
        return;
    }
    snprintf(dst, dst_size, "%s/%s", VISNYK_SOURCE_DIR, relative);
#endif
}

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->db, sizeof(c->db), "%s", "visnyk.db");
    snprintf(c->listen_host, sizeof(c->listen_host), "%s", "127.0.0.1");
    c->listen_port = 8080;
    default_path(c->theme, sizeof(c->theme), "templates/themes/default", "themes/default");
    default_path(c->demo, sizeof(c->demo), "demo", "demo");
    snprintf(c->media, sizeof(c->media), "%s", "media");
    c->threads = 0;
    c->page_cache = true;
    snprintf(c->log_level, sizeof(c->log_level), "%s", "info");
    c->digest_hour = 8;
    c->digest_minute = 0;
    c->digest_weekday = 1;
    c->mail_rate = 60;
    c->mail_retry = 60;
    c->subscribe_ip_hour = 10;
    c->subscribe_addr_day = 3;
    c->cache_max_age = 0; /* see config.h */
    c->cache_s_maxage = 60;
    c->cache_swr = 60;
    c->cache_sie = 86400;
    /* Per-address limits a reader never meets (README, docs/OPERATIONS.md): a browser
     * opens 6-10 connections and a page with its assets is ~10 requests; 64 connections
     * and 50 requests/s after a burst of 200 still leave room for an office of 50 people
     * behind one NAT address, while one machine can no longer take the whole server. */
    c->max_conns_per_ip = 64;
    c->requests_per_ip_per_second = 50;
    c->request_burst = 200;
    c->limit_loopback = true;
    c->warm_pages = true;
    c->min_body_rate = HTTP_MIN_BODY_BYTES_PER_SEC;
    c->min_body_rate_grace = HTTP_MIN_BODY_RATE_GRACE_S;
    c->query_renders_per_second = 200;
    c->body_memory_max = (unsigned)(HTTP_BODY_MEMORY_MAX >> 20);
    c->upload_spool_max = (unsigned)(HTTP_BODY_SPOOL_MAX >> 20);
    c->response_memory_max = (unsigned)(HTTP_RESPONSE_MEMORY_MAX >> 20);
    snprintf(c->trusted_proxies, sizeof(c->trusted_proxies), "%s", "127.0.0.1, ::1");
    /* health and metrics: /metrics answers the same host's Prometheus only */
    snprintf(c->log_format, sizeof(c->log_format), "%s", "text");
    snprintf(c->metrics_allow, sizeof(c->metrics_allow), "%s", "127.0.0.1, ::1");
    c->registry = true;
    c->vacancies = true;
    c->requests = true;
    c->appeals = true;
    c->requests_keep_days = 1095;
    c->consultations = true;
    c->opendata = true;
    /* the automatic banner: alerts.in.ua's format, a poll every 10 s, a silent feed
     * trusted for 5 minutes, «Відбій тривоги» shown for 15 */
    snprintf(c->alert_feed_key_header, sizeof(c->alert_feed_key_header), "%s", "Authorization");
    snprintf(c->alert_feed_list, sizeof(c->alert_feed_list), "%s", "/alerts");
    snprintf(c->alert_feed_region_field, sizeof(c->alert_feed_region_field), "%s",
             "location_title");
    snprintf(c->alert_feed_filter, sizeof(c->alert_feed_filter), "%s", "alert_type=air_raid");
    c->alert_poll_interval = 10;
    c->alert_stale_after = 300;
    c->alert_all_clear_for = 900;
}

/* parse_hhmm reads "HH:MM" (00:00 .. 23:59). */
static bool parse_hhmm(struct str v, int *hour, int *minute)
{
    int64_t h = 0, m = 0;
    if (v.len < 4 || v.len > 5 || str_find_char(v, ':') == SIZE_MAX)
        return false;
    size_t colon = str_find_char(v, ':');
    struct str hs = str_sub(v, 0, colon), ms = str_sub(v, colon + 1, v.len - colon - 1);
    if (hs.len < 1 || hs.len > 2 || ms.len != 2 || hs.ptr[0] == '-' || ms.ptr[0] == '-' ||
        !str_to_i64(hs, &h) || !str_to_i64(ms, &m) || h > 23 || m > 59)
        return false;
    *hour = (int)h;
    *minute = (int)m;
    return true;
}

/* parse_range reads a whole number in [lo, hi]. */
static bool parse_range(struct str v, int64_t lo, int64_t hi, unsigned *out)
{
    int64_t n = 0;
    if (!str_to_i64(v, &n) || n < lo || n > hi)
        return false;
    *out = (unsigned)n;
    return true;
}

static bool parse_listen(struct config *c, struct str v)
{
    /* HOST:PORT, [IPv6]:PORT or :PORT */
    size_t colon = SIZE_MAX;
    for (size_t i = v.len; i > 0; i--) {
        if (v.ptr[i - 1] == ':') {
            colon = i - 1;
            break;
        }
    }
    if (colon == SIZE_MAX)
        return false;
    struct str host = str_sub(v, 0, colon);
    struct str port = str_sub(v, colon + 1, SIZE_MAX);
    int64_t p = 0;
    if (!str_to_i64(port, &p) || p < 0 || p > 65535)
        return false;
    if (host.len >= 2 && host.ptr[0] == '[' && host.ptr[host.len - 1] == ']')
        host = str_sub(host, 1, host.len - 2);
    if (host.len == 0)
        host = STR_LIT("0.0.0.0");
    for (size_t i = 0; i < host.len; i++) {
        char ch = host.ptr[i];
        bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
                  (ch >= 'A' && ch <= 'F') || ch == '.' || ch == ':';
        if (!ok && !(str_eq_cstr(host, "localhost")))
            return false;
    }
    if (str_eq_cstr(host, "localhost"))
        host = STR_LIT("127.0.0.1");
    if (!copy_value(c->listen_host, sizeof(c->listen_host), host))
        return false;
    c->listen_port = (uint16_t)p;
    return true;
}

/* one_line_text: valid UTF-8 without control characters (a name shown on a page and
 * written into JSON). */
static bool one_line_text(struct str v)
{
    if (!utf8_valid(v.ptr, v.len))
        return false;
    for (size_t i = 0; i < v.len; i++)
        if ((unsigned char)v.ptr[i] < 0x20 || v.ptr[i] == 0x7f)
            return false;
    return true;
}

/* plain_email: local@domain in printable ASCII or UTF-8, one '@', a dot in the domain,
 * nothing that could end an attribute or a header. The workspace's mail module checks
 * addresses fully; this one only ends up in a mailto: link and the DCAT contact. */
static bool plain_email(struct str v)
{
    size_t at = str_find_char(v, '@');
    if (v.len > 254 || !one_line_text(v) || at == SIZE_MAX || at == 0 || at + 1 >= v.len)
        return false;
    struct str domain = str_sub(v, at + 1, v.len - at - 1);
    if (str_find_char(domain, '@') != SIZE_MAX || str_find_char(domain, '.') == SIZE_MAX)
        return false;
    for (size_t i = 0; i < v.len; i++) {
        char ch = v.ptr[i];
        if (ch == ' ' || ch == '"' || ch == '\'' || ch == '<' || ch == '>' || ch == '\\' ||
            ch == ',' || ch == ';' || ch == '(' || ch == ')')
            return false;
    }
    return true;
}

static bool parse_bool(struct str v, bool *out)
{
    if (str_eq_cstr(v, "1") || str_eq_nocase(v, STR_LIT("true")) ||
        str_eq_nocase(v, STR_LIT("on")) || str_eq_nocase(v, STR_LIT("yes"))) {
        *out = true;
        return true;
    }
    if (str_eq_cstr(v, "0") || str_eq_nocase(v, STR_LIT("false")) ||
        str_eq_nocase(v, STR_LIT("off")) || str_eq_nocase(v, STR_LIT("no"))) {
        *out = false;
        return true;
    }
    return false;
}

static bool is_http_url(struct str v)
{
    return (str_starts_with(v, STR_LIT("http://")) && v.len > 7) ||
           (str_starts_with(v, STR_LIT("https://")) && v.len > 8);
}

/* is_purge_url: an http(s) address with a host and nothing a header or a log line could
 * be split by (spaces, control characters). */
static bool is_purge_url(struct str v)
{
    if (!is_http_url(v))
        return false;
    size_t host = str_starts_with(v, STR_LIT("https://")) ? 8 : 7;
    if (v.ptr[host] == '/' || v.ptr[host] == ':' || v.ptr[host] == '?' || v.ptr[host] == '#')
        return false;
    for (size_t i = 0; i < v.len; i++)
        if ((unsigned char)v.ptr[i] <= 0x20 || v.ptr[i] == 0x7f)
            return false;
    return true;
}

/* is_header_line: "Name: value", a token name and a non-empty value of visible
 * characters and spaces (no CR or LF, which would add headers of their own). */
static bool is_header_line(struct str v)
{
    size_t colon = str_find_char(v, ':');
    if (colon == SIZE_MAX || colon == 0)
        return false;
    for (size_t i = 0; i < colon; i++) {
        char ch = v.ptr[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            return false;
    }
    if (str_trim(str_sub(v, colon + 1, SIZE_MAX)).len == 0)
        return false;
    for (size_t i = colon + 1; i < v.len; i++)
        if (((unsigned char)v.ptr[i] < 0x20 && v.ptr[i] != '\t') || v.ptr[i] == 0x7f)
            return false;
    return true;
}

/* is_alert_feed_url: https:// with a host, or http:// to a loopback host (127.x, ::1,
 * localhost) only, for a feed on the same machine and for tests: an alert feed's answer
 * decides what every reader sees, so it is not taken in clear text from the network. */
static bool is_alert_feed_url(struct str v)
{
    if (!is_purge_url(v))
        return false;
    if (str_starts_with(v, STR_LIT("https://")))
        return true;
    struct str auth = str_sub(v, 7, SIZE_MAX);
    for (size_t i = 0; i < auth.len; i++) {
        if (auth.ptr[i] == '/' || auth.ptr[i] == '?' || auth.ptr[i] == '#') {
            auth.len = i;
            break;
        }
    }
    if (str_find_char(auth, '@') != SIZE_MAX) /* http://127.0.0.1@elsewhere/ */
        return false;
    struct str host = auth;
    if (str_starts_with(auth, STR_LIT("["))) {
        size_t close = str_find_char(auth, ']');
        if (close == SIZE_MAX)
            return false;
        host = str_sub(auth, 1, close - 1);
        return str_eq_cstr(host, "::1");
    }
    size_t colon = str_find_char(auth, ':');
    if (colon != SIZE_MAX)
        host = str_sub(auth, 0, colon);
    if (str_eq_nocase(host, STR_LIT("localhost")))
        return true;
    if (!str_starts_with(host, STR_LIT("127.")))
        return false;
    int dots = 0;
    for (size_t i = 0; i < host.len; i++) {
        if (host.ptr[i] == '.')
            dots++;
        else if (host.ptr[i] < '0' || host.ptr[i] > '9')
            return false;
    }
    return dots == 3;
}

/* is_token: visible ASCII without spaces (an API key or a header name's characters). */
static bool is_token(struct str v, bool name)
{
    for (size_t i = 0; i < v.len; i++) {
        unsigned char ch = (unsigned char)v.ptr[i];
        if (ch <= 0x20 || ch >= 0x7f)
            return false;
        if (name && !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return false;
    }
    return v.len > 0;
}

/* is_json_field: a field name of the feed's entries (a non-empty string, no '=' nor
 * control characters). */
static bool is_json_field(struct str v)
{
    if (v.len == 0 || str_find_char(v, '=') != SIZE_MAX)
        return false;
    for (size_t i = 0; i < v.len; i++)
        if ((unsigned char)v.ptr[i] < 0x20)
            return false;
    return true;
}

enum err config_set(struct config *c, const char *origin, struct str key, struct str value,
                    char *err, size_t err_size)
{
    const char *expected = NULL;
    if (!utf8_valid(value.ptr, value.len) || str_find_char(value, '\0') != SIZE_MAX) {
        expected = "a value in UTF-8 without NUL bytes";
    } else if (value.len >= CONFIG_MAX_VALUE_BYTES) {
        expected = "at most 1023 bytes";
    } else if (str_eq_cstr(key, "db")) {
        if (value.len == 0 || !copy_value(c->db, sizeof(c->db), value))
            expected = "a path to the database file, e.g. /var/lib/visnyk/visnyk.db";
    } else if (str_eq_cstr(key, "listen")) {
        if (!parse_listen(c, value))
            expected = "HOST:PORT with a numeric address, e.g. 127.0.0.1:8080 or [::1]:8080";
    } else if (str_eq_cstr(key, "theme")) {
        if (value.len == 0 || !copy_value(c->theme, sizeof(c->theme), value))
            expected = "a path to a theme folder";
    } else if (str_eq_cstr(key, "media")) {
        if (value.len == 0 || !copy_value(c->media, sizeof(c->media), value))
            expected = "a path to the media folder";
    } else if (str_eq_cstr(key, "demo")) {
        if (value.len == 0 || !copy_value(c->demo, sizeof(c->demo), value))
            expected = "a path to the demo content folder";
    } else if (str_eq_cstr(key, "base_url")) {
        while (value.len > 0 && value.ptr[value.len - 1] == '/')
            value.len--;
        if (!is_http_url(value) || !copy_value(c->base_url, sizeof(c->base_url), value))
            expected = "an http:// or https:// address, e.g. https://news.example.gov.ua";
    } else if (str_eq_cstr(key, "smtp_url")) {
        if (!(str_starts_with(value, STR_LIT("smtp://")) ||
              str_starts_with(value, STR_LIT("smtps://"))) ||
            !copy_value(c->smtp_url, sizeof(c->smtp_url), value))
            expected = "smtp://user:password@host:587 or smtps://…";
    } else if (str_eq_cstr(key, "mail_from")) {
        if (str_find_char(value, '@') == SIZE_MAX || str_find_char(value, '\n') != SIZE_MAX ||
            !copy_value(c->mail_from, sizeof(c->mail_from), value))
            expected = "an e-mail address, e.g. news@example.gov.ua";
    } else if (str_eq_cstr(key, "threads")) {
        int64_t n = 0;
        if (!str_to_i64(value, &n) || n < 0 || n > 256)
            expected = "a number of threads from 0 (one per core) to 256";
        else
            c->threads = (unsigned)n;
    } else if (str_eq_cstr(key, "page_cache")) {
        if (!parse_bool(value, &c->page_cache))
            expected = "on or off";
    } else if (str_eq_cstr(key, "digest_time")) {
        if (!parse_hhmm(value, &c->digest_hour, &c->digest_minute))
            expected = "a Kyiv local time HH:MM, e.g. 08:00";
    } else if (str_eq_cstr(key, "digest_weekday")) {
        unsigned d = 0;
        if (!parse_range(value, 1, 7, &d))
            expected = "a weekday number from 1 (Monday) to 7 (Sunday)";
        else
            c->digest_weekday = (int)d;
    } else if (str_eq_cstr(key, "mail_rate")) {
        if (!parse_range(value, 1, 1000000, &c->mail_rate))
            expected = "messages per minute, from 1 to 1000000";
    } else if (str_eq_cstr(key, "mail_retry")) {
        if (!parse_range(value, 1, 86400, &c->mail_retry))
            expected = "seconds before the first retry, from 1 to 86400";
    } else if (str_eq_cstr(key, "subscribe_ip_hour")) {
        if (!parse_range(value, 1, 1000000, &c->subscribe_ip_hour))
            expected = "subscription requests per IP address per hour, from 1";
    } else if (str_eq_cstr(key, "subscribe_addr_day")) {
        if (!parse_range(value, 1, 1000, &c->subscribe_addr_day))
            expected = "subscription requests per address per day, from 1 to 1000";
    } else if (str_eq_cstr(key, "header_timeout_ms")) {
        if (!parse_range(value, 100, 600000, &c->header_timeout_ms))
            expected = "milliseconds for a whole request head, from 100 to 600000";
    } else if (str_eq_cstr(key, "max_conns_per_ip")) {
        if (!parse_range(value, 0, 1000000, &c->max_conns_per_ip))
            expected = "open connections per client address, 0 (off) to 1000000";
    } else if (str_eq_cstr(key, "requests_per_ip_per_second")) {
        if (!parse_range(value, 0, 1000000, &c->requests_per_ip_per_second))
            expected = "requests per second per client address, 0 (off) to 1000000";
    } else if (str_eq_cstr(key, "request_burst")) {
        if (!parse_range(value, 0, 1000000, &c->request_burst))
            expected = "requests a client may send at once, 0 (twice the rate) to 1000000";
    } else if (str_eq_cstr(key, "warm_pages")) {
        if (!parse_bool(value, &c->warm_pages))
            expected = "on or off";
    } else if (str_eq_cstr(key, "limit_loopback")) {
        if (!parse_bool(value, &c->limit_loopback))
            expected = "on or off";
    } else if (str_eq_cstr(key, "min_body_rate")) {
        if (!parse_range(value, 1, 1000000000, &c->min_body_rate))
            expected = "bytes per second a request body must average, from 1";
    } else if (str_eq_cstr(key, "query_renders_per_second")) {
        if (!parse_range(value, 0, 1000000, &c->query_renders_per_second))
            expected = "pages with a query (searches) rendered per second at most, 0 (no "
                       "bound) to 1000000";
    } else if (str_eq_cstr(key, "min_body_rate_grace")) {
        if (!parse_range(value, 1, 3600, &c->min_body_rate_grace))
            expected = "seconds before the body rate is checked, from 1 to 3600";
    } else if (str_eq_cstr(key, "body_memory_max")) {
        if (!parse_range(value, 1, 65536, &c->body_memory_max))
            expected = "MiB all request bodies in memory may use together, from 1 to 65536";
    } else if (str_eq_cstr(key, "upload_spool_max")) {
        if (!parse_range(value, 1, 1048576, &c->upload_spool_max))
            expected = "MiB of disk all uploads in progress may use together, from 1";
    } else if (str_eq_cstr(key, "response_memory_max")) {
        if (!parse_range(value, 1, 65536, &c->response_memory_max))
            expected = "MiB responses waiting for slow readers may use together, from 1 to "
                       "65536";
    } else if (str_eq_cstr(key, "static_links")) {
        if (!parse_bool(value, &c->static_links))
            expected = "on or off";
    } else if (str_eq_cstr(key, "static_mirror")) {
        if (!copy_value(c->static_mirror, sizeof(c->static_mirror), value))
            expected = "a folder for the static mirror, or empty for none";
    } else if (str_eq_cstr(key, "trusted_proxies")) {
        struct http_proxies table;
        struct str bad;
        enum err pe = http_proxies_parse(value, &table, &bad);
        if (pe != ERR_OK) {
            /* the entry is echoed: an address list holds no secret */
            snprintf(err, err_size,
                     "%s: trusted_proxies: %s '%.*s'; expected IPv4 or IPv6 "
                     "addresses and CIDR ranges separated by commas, e.g. 127.0.0.1, ::1, "
                     "10.0.0.0/8 (at most %d), or empty for none",
                     origin, pe == ERR_TOO_LARGE ? "too many entries from" : "bad entry",
                     (int)(bad.len > 64 ? 64 : bad.len), bad.ptr, HTTP_MAX_TRUSTED_PROXIES);
            return ERR_INVALID;
        }
        if (!copy_value(c->trusted_proxies, sizeof(c->trusted_proxies), value))
            expected = "a list of at most 1023 bytes";
    } else if (str_eq_cstr(key, "tls_proxy")) {
        if (!parse_bool(value, &c->tls_proxy))
            expected = "on or off";
    } else if (str_eq_cstr(key, "cache_max_age")) {
        if (!parse_range(value, 0, 31536000, &c->cache_max_age))
            expected = "seconds browsers may keep a public page, from 0 to 31536000";
    } else if (str_eq_cstr(key, "cache_s_maxage")) {
        if (!parse_range(value, 0, 31536000, &c->cache_s_maxage))
            expected = "seconds a CDN may keep a public page, from 0 to 31536000";
    } else if (str_eq_cstr(key, "cache_stale_while_revalidate")) {
        if (!parse_range(value, 0, 31536000, &c->cache_swr))
            expected = "seconds a stale page may be served while it is refetched, from 0 to "
                       "31536000";
    } else if (str_eq_cstr(key, "cache_stale_if_error")) {
        if (!parse_range(value, 0, 31536000, &c->cache_sie))
            expected = "seconds a stale page may be served while the site fails, from 0 to "
                       "31536000";
    } else if (str_eq_cstr(key, "purge_url")) {
        if ((value.len > 0 && !is_purge_url(value)) ||
            !copy_value(c->purge_url, sizeof(c->purge_url), value))
            expected = "an http:// or https:// address to POST purges to, e.g. "
                       "http://127.0.0.1:6081/_purge, or empty for none";
    } else if (str_eq_cstr(key, "purge_auth")) {
        if ((value.len > 0 && !is_header_line(value)) ||
            !copy_value(c->purge_auth, sizeof(c->purge_auth), value))
            expected = "a header sent with each purge, e.g. 'Authorization: Bearer TOKEN', or "
                       "empty for none";
    } else if (str_eq_cstr(key, "log_level")) {
        if (!(str_eq_cstr(value, "debug") || str_eq_cstr(value, "info") ||
              str_eq_cstr(value, "warn") || str_eq_cstr(value, "error")) ||
            !copy_value(c->log_level, sizeof(c->log_level), value))
            expected = "debug, info, warn or error";
    } else if (str_eq_cstr(key, "log_format")) {
        if (!(str_eq_cstr(value, "text") || str_eq_cstr(value, "json")) ||
            !copy_value(c->log_format, sizeof(c->log_format), value))
            expected = "text or json";
    } else if (str_eq_cstr(key, "holidays")) {
        struct workdays_calendar cal; /* only checked here; serve parses it again */
        if (workdays_parse(value, &cal) != ERR_OK ||
            !copy_value(c->holidays, sizeof(c->holidays), value))
            expected = "dates YYYY-MM-DD separated by commas, e.g. 2026-12-25, 2027-01-01";
    } else if (str_eq_cstr(key, "registry")) {
        if (!parse_bool(value, &c->registry))
            expected = "on or off";
    } else if (str_eq_cstr(key, "vacancies")) {
        if (!parse_bool(value, &c->vacancies))
            expected = "on or off";
    } else if (str_eq_cstr(key, "requests")) {
        if (!parse_bool(value, &c->requests))
            expected = "on or off";
    } else if (str_eq_cstr(key, "appeals")) {
        if (!parse_bool(value, &c->appeals))
            expected = "on or off";
    } else if (str_eq_cstr(key, "requests_keep_days")) {
        if (!parse_range(value, 0, 36500, &c->requests_keep_days))
            expected = "days the personal data of a closed request is kept, from 0 to 36500";
    } else if (str_eq_cstr(key, "consultations")) {
        if (!parse_bool(value, &c->consultations))
            expected = "on or off";
    } else if (str_eq_cstr(key, "opendata")) {
        if (!parse_bool(value, &c->opendata))
            expected = "on or off";
    } else if (str_eq_cstr(key, "opendata_contact")) {
        if (!one_line_text(str_trim(value)) ||
            !copy_value(c->opendata_contact, sizeof(c->opendata_contact), str_trim(value)))
            expected = "a name or a unit on one line, at most 255 bytes, e.g. "
                       "'Відділ цифрового розвитку', or empty for the site's name";
    } else if (str_eq_cstr(key, "opendata_email")) {
        if ((value.len > 0 && !plain_email(str_trim(value))) ||
            !copy_value(c->opendata_email, sizeof(c->opendata_email), str_trim(value)))
            expected = "an e-mail address, e.g. opendata@example.gov.ua, or empty for the "
                       "site's e-mail";
    } else if (str_eq_cstr(key, "access_log")) {
        if (!parse_bool(value, &c->access_log))
            expected = "on or off";
    } else if (str_eq_cstr(key, "metrics_allow")) {
        struct http_proxies table;
        struct str bad;
        enum err pe = http_proxies_parse(value, &table, &bad);
        if (pe != ERR_OK) {
            snprintf(err, err_size,
                     "%s: metrics_allow: %s '%.*s'; expected IPv4 or IPv6 "
                     "addresses and CIDR ranges separated by commas, e.g. 127.0.0.1, ::1, "
                     "10.0.0.0/8 (at most %d), or empty for nobody",
                     origin, pe == ERR_TOO_LARGE ? "too many entries from" : "bad entry",
                     (int)(bad.len > 64 ? 64 : bad.len), bad.ptr, HTTP_MAX_TRUSTED_PROXIES);
            return ERR_INVALID;
        }
        if (!copy_value(c->metrics_allow, sizeof(c->metrics_allow), value))
            expected = "a list of at most 1023 bytes";
    } else if (str_eq_cstr(key, "alert_feed_url")) {
        if ((value.len > 0 && !is_alert_feed_url(value)) ||
            !copy_value(c->alert_feed_url, sizeof(c->alert_feed_url), value))
            expected = "an https:// address of the alert feed, e.g. "
                       "https://api.alerts.in.ua/v1/alerts/active.json (http:// only on a "
                       "loopback host), or empty for none";
    } else if (str_eq_cstr(key, "alert_feed_key")) {
        if ((value.len > 0 && !is_token(value, false)) ||
            !copy_value(c->alert_feed_key, sizeof(c->alert_feed_key), value))
            expected = "the feed's API key (visible characters, no spaces), or empty for none";
    } else if (str_eq_cstr(key, "alert_feed_key_header")) {
        if (!is_token(value, true) ||
            !copy_value(c->alert_feed_key_header, sizeof(c->alert_feed_key_header), value))
            expected = "a header name, e.g. Authorization (sent as 'Bearer KEY') or X-API-Key";
    } else if (str_eq_cstr(key, "alert_region")) {
        if (!copy_value(c->alert_region, sizeof(c->alert_region), str_trim(value)))
            expected = "the region's name as the feed writes it, e.g. Полтавська область";
    } else if (str_eq_cstr(key, "alert_feed_list")) {
        if ((value.len > 0 && value.ptr[0] != '/') ||
            !copy_value(c->alert_feed_list, sizeof(c->alert_feed_list), value))
            expected = "a JSON pointer to the list of active alerts, e.g. /alerts, or empty "
                       "when the answer is the list";
    } else if (str_eq_cstr(key, "alert_feed_region_field")) {
        if (!is_json_field(value) ||
            !copy_value(c->alert_feed_region_field, sizeof(c->alert_feed_region_field), value))
            expected = "the field of an alert that names its region, e.g. location_title";
    } else if (str_eq_cstr(key, "alert_feed_filter")) {
        size_t eq = str_find_char(value, '=');
        if ((value.len > 0 && (eq == SIZE_MAX || !is_json_field(str_sub(value, 0, eq)))) ||
            !copy_value(c->alert_feed_filter, sizeof(c->alert_feed_filter), value))
            expected = "FIELD=VALUE an alert must have to count, e.g. alert_type=air_raid, or "
                       "empty for every alert";
    } else if (str_eq_cstr(key, "alert_poll_interval")) {
        if (!parse_range(value, 1, 3600, &c->alert_poll_interval))
            expected = "seconds between two polls of the alert feed, from 1 to 3600";
    } else if (str_eq_cstr(key, "alert_stale_after")) {
        if (!parse_range(value, 1, 86400, &c->alert_stale_after))
            expected = "seconds a silent alert feed keeps its last state, from 1 to 86400";
    } else if (str_eq_cstr(key, "alert_all_clear_for")) {
        if (!parse_range(value, 0, 86400, &c->alert_all_clear_for))
            expected = "seconds the all-clear banner is shown, from 0 to 86400";
    } else {
        snprintf(err, err_size,
                 "%s: unknown setting '%.*s'; known settings: db, listen, theme, "
                 "media, demo, base_url, smtp_url, mail_from, threads, page_cache, log_level, "
                 "digest_time, digest_weekday, mail_rate, mail_retry, subscribe_ip_hour, "
                 "subscribe_addr_day, header_timeout_ms, max_conns_per_ip, "
                 "requests_per_ip_per_second, request_burst, limit_loopback, warm_pages, "
                 "min_body_rate, "
                 "min_body_rate_grace, query_renders_per_second, body_memory_max, "
                 "upload_spool_max, "
                 "response_memory_max, static_links, "
                 "static_mirror, tls_proxy, trusted_proxies, cache_max_age, cache_s_maxage, "
                 "cache_stale_while_revalidate, cache_stale_if_error, purge_url, purge_auth, "
                 "log_format, access_log, metrics_allow, alert_feed_url, alert_feed_key, "
                 "alert_feed_key_header, alert_region, alert_feed_list, "
                 "alert_feed_region_field, alert_feed_filter, alert_poll_interval, "
                 "alert_stale_after, alert_all_clear_for, holidays, registry, vacancies, "
                 "requests, appeals, requests_keep_days, consultations, opendata, "
                 "opendata_contact, opendata_email",
                 origin, (int)(key.len > 64 ? 64 : key.len), key.ptr);
        return ERR_NOTFOUND;
    }
    if (expected != NULL) {
        /* The value itself is not echoed: it may hold a password (smtp_url). */
        snprintf(err, err_size, "%s: %.*s: expected %s", origin, (int)(key.len > 64 ? 64 : key.len),
                 key.ptr, expected);
        return ERR_INVALID;
    }
    return ERR_OK;
}

static bool valid_key(struct str k)
{
    if (k.len == 0 || k.len > 64)
        return false;
    for (size_t i = 0; i < k.len; i++) {
        char ch = k.ptr[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return false;
    }
    return true;
}

enum err config_ini_parse(const char *name, struct str text, config_ini_fn fn, void *ctx, char *err,
                          size_t err_size)
{
    if (text.len > CONFIG_MAX_FILE_BYTES) {
        snprintf(err, err_size, "%s: file is larger than 64 KiB; is it really a config file?",
                 name);
        return ERR_TOO_LARGE;
    }
    if (!utf8_valid(text.ptr, text.len)) {
        snprintf(err, err_size, "%s: not valid UTF-8; save the file as UTF-8", name);
        return ERR_INVALID;
    }
    struct str rest = text;
    struct str line;
    unsigned lineno = 0;
    while (str_split_next(&rest, '\n', &line)) {
        lineno++;
        struct str t = str_trim(line);
        if (t.len == 0 || t.ptr[0] == '#' || t.ptr[0] == ';')
            continue;
        char origin[300];
        snprintf(origin, sizeof(origin), "%s:%u", name, lineno);
        if (t.ptr[0] == '[') {
            if (!str_eq_cstr(t, "[visnyk]")) {
                snprintf(err, err_size, "%s: unknown section %.*s; use [visnyk] or none", origin,
                         (int)(t.len > 64 ? 64 : t.len), t.ptr);
                return ERR_PARSE;
            }
            continue;
        }
        size_t eq = str_find_char(t, '=');
        if (eq == SIZE_MAX) {
            snprintf(err, err_size, "%s: expected 'key = value'", origin);
            return ERR_PARSE;
        }
        struct str key = str_trim(str_sub(t, 0, eq));
        struct str value = str_trim(str_sub(t, eq + 1, SIZE_MAX));
        if (value.len >= 2 && value.ptr[0] == '"' && value.ptr[value.len - 1] == '"')
            value = str_sub(value, 1, value.len - 2);
        if (!valid_key(key)) {
            snprintf(err, err_size, "%s: a key is lowercase letters, digits and '_'", origin);
            return ERR_PARSE;
        }
        enum err e = fn(ctx, origin, key, value, err, err_size);
        if (e != ERR_OK)
            return e;
    }
    return ERR_OK;
}

static enum err set_from_ini(void *ctx, const char *origin, struct str key, struct str value,
                             char *err, size_t err_size)
{
    return config_set(ctx, origin, key, value, err, err_size);
}

enum err config_parse_text(struct config *c, const char *name, struct str text, char *err,
                           size_t err_size)
{
    return config_ini_parse(name, text, set_from_ini, c, err, err_size);
}

enum err config_ini_load(const char *path, config_ini_fn fn, void *ctx, char *err, size_t err_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
        return ERR_IO;
    }
    char *data = malloc(CONFIG_MAX_FILE_BYTES + 1);
    if (data == NULL)
        abort();
    size_t len = 0;
    enum err e = ERR_OK;
    for (;;) {
        ssize_t n = read(fd, data + len, CONFIG_MAX_FILE_BYTES + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, err_size, "%s: cannot read: %s", path, strerror(errno));
            e = ERR_IO;
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > CONFIG_MAX_FILE_BYTES)
            break;
    }
    e = config_ini_parse(path, str_make(data, len), fn, ctx, err, err_size);
out:
    free(data);
    close(fd);
    return e;
}

enum err config_load_file(struct config *c, const char *path, char *err, size_t err_size)
{
    return config_ini_load(path, set_from_ini, c, err, err_size);
}

enum err config_load_env(struct config *c, char *err, size_t err_size)
{
    for (const char *const *k = known_keys; *k != NULL; k++) {
        char name[64] = "VISNYK_";
        size_t n = 7;
        for (const char *p = *k; *p != '\0' && n + 1 < sizeof(name); p++)
            name[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
        name[n] = '\0';
        const char *v = getenv(name);
        if (v == NULL)
            continue;
        enum err e = config_set(c, name, str_from_cstr(*k), str_from_cstr(v), err, err_size);
        if (e != ERR_OK)
            return e;
    }
    return ERR_OK;
}
