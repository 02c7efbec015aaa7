#include <stdlib.h>

#include "check.h"
#include "config/config.h"

/* Each case: INI text, the expected result, and a fragment the error must contain. */
struct ini_case {
    const char *text;
    enum err want;
    const char *err_has;
};

static const struct ini_case cases[] = {
    {"db = /tmp/x.db\nlisten = 0.0.0.0:9090\n", ERR_OK, ""},
    {"# comment\n; also\n\n[visnyk]\nthreads = 2\npage_cache = off\n", ERR_OK, ""},
    {"db = a\nlisten 127.0.0.1:1\n", ERR_PARSE, "t.ini:2: expected 'key = value'"},
    {"colour = blue\n", ERR_NOTFOUND, "t.ini:1: unknown setting 'colour'"},
    {"listen = 127.0.0.1:99999\n", ERR_INVALID, "t.ini:1: listen: expected HOST:PORT"},
    {"listen = evil.example:80\n", ERR_INVALID, "listen"},
    {"threads = -1\n", ERR_INVALID, "t.ini:1: threads"},
    {"[other]\n", ERR_PARSE, "unknown section"},
    {"base_url = ftp://x\n", ERR_INVALID, "base_url"},
    {"smtp_url = smtp://u:secretpw@h:587\nsmtp_url = http://u:secretpw@h\n", ERR_INVALID,
     "t.ini:2: smtp_url"},
    {"db = \xff\xfe\n", ERR_INVALID, "UTF-8"},
    {"Db = x\n", ERR_PARSE, "lowercase"},
    {"trusted_proxies = 127.0.0.1, ::1 10.0.0.0/8\ntrusted_proxies =\n", ERR_OK, ""},
    {"threads = 2\ntrusted_proxies = 127.0.0.1, 10.0.0.0/33\n", ERR_INVALID,
     "t.ini:2: trusted_proxies: bad entry '10.0.0.0/33'"},
    {"trusted_proxies = proxy.example\n", ERR_INVALID, "'proxy.example'"},
    /* in front of the origin: Cache-Control values and the CDN purge */
    {"cache_max_age = 0\ncache_s_maxage = 300\ncache_stale_while_revalidate = 30\n"
     "cache_stale_if_error = 604800\npurge_url = http://127.0.0.1:6081/_purge\n"
     "purge_auth = Authorization: Bearer secretpw\n",
     ERR_OK, ""},
    {"purge_url =\npurge_auth =\n", ERR_OK, ""},
    {"cache_s_maxage = -1\n", ERR_INVALID, "t.ini:1: cache_s_maxage: expected seconds"},
    {"cache_stale_if_error = 99999999999\n", ERR_INVALID, "cache_stale_if_error"},
    {"purge_url = ftp://cdn.example/purge\n", ERR_INVALID, "t.ini:1: purge_url: expected"},
    {"purge_url = https:///purge\n", ERR_INVALID, "purge_url"},
    {"purge_url = http://cdn.example/a b\n", ERR_INVALID, "purge_url"},
    {"purge_auth = Bearer secretpw\n", ERR_INVALID, "t.ini:1: purge_auth: expected"},
    {"purge_auth = X Auth: secretpw\n", ERR_INVALID, "purge_auth"},
    {"purge_auth = Fastly-Key:\n", ERR_INVALID, "purge_auth"},
    /* the automatic air-raid banner: https anywhere, http on loopback hosts only */
    {"alert_feed_url = https://api.alerts.in.ua/v1/alerts/active.json\n"
     "alert_feed_key = secretpw\nalert_region = Полтавська область\n"
     "alert_feed_key_header = X-API-Key\nalert_feed_list =\nalert_feed_filter =\n"
     "alert_poll_interval = 1\nalert_stale_after = 5\nalert_all_clear_for = 0\n",
     ERR_OK, ""},
    {"alert_feed_url = http://127.0.0.1:8089/feed\n", ERR_OK, ""},
    {"alert_feed_url = http://localhost/feed\n", ERR_OK, ""},
    {"alert_feed_url = http://[::1]:80/feed\n", ERR_OK, ""},
    {"alert_feed_url = http://alerts.example/feed\n", ERR_INVALID, "t.ini:1: alert_feed_url"},
    {"alert_feed_url = http://127.0.0.1@alerts.example/\n", ERR_INVALID, "alert_feed_url"},
    {"alert_feed_url = http://127.0.0.1.example/\n", ERR_INVALID, "alert_feed_url"},
    {"alert_feed_url = http://[::2]/\n", ERR_INVALID, "alert_feed_url"},
    {"alert_feed_url = ftp://127.0.0.1/\n", ERR_INVALID, "alert_feed_url"},
    {"alert_feed_key = secret pw\n", ERR_INVALID, "t.ini:1: alert_feed_key: expected"},
    {"alert_feed_key_header = X Key\n", ERR_INVALID, "alert_feed_key_header"},
    {"alert_feed_list = alerts\n", ERR_INVALID, "alert_feed_list"},
    {"alert_feed_filter = air_raid\n", ERR_INVALID, "alert_feed_filter"},
    {"alert_feed_region_field =\n", ERR_INVALID, "alert_feed_region_field"},
    {"alert_poll_interval = 0\n", ERR_INVALID, "alert_poll_interval"},
};

int main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct config c;
        config_defaults(&c);
        char err[512] = "";
        enum err e = config_parse_text(&c, "t.ini", str_from_cstr(cases[i].text), err, sizeof(err));
        CHECK(e == cases[i].want);
        CHECK(strstr(err, cases[i].err_has) != NULL);
        if (e != cases[i].want || strstr(err, cases[i].err_has) == NULL)
            fprintf(stderr, "case %zu: got %d '%s'\n", i, (int)e, err);
        /* A password in a bad value is never echoed back. */
        CHECK(strstr(err, "secretpw") == NULL);
    }

    struct config c;
    config_defaults(&c);
    CHECK(strcmp(c.db, "visnyk.db") == 0 && c.listen_port == 8080 && c.page_cache);
    /* per-address limits on by default, loopback included; the same-host proxy trusted */
    CHECK(c.max_conns_per_ip == 64 && c.requests_per_ip_per_second == 50 &&
          c.request_burst == 200 && c.limit_loopback);
    CHECK(strcmp(c.trusted_proxies, "127.0.0.1, ::1") == 0);
    CHECK(c.cache_max_age == 0 && c.cache_s_maxage == 60 && c.cache_swr == 60 &&
          c.cache_sie == 86400 && c.purge_url[0] == '\0' && c.purge_auth[0] == '\0');
    /* no feed by default; the mapping is alerts.in.ua's, polled every 10 s */
    CHECK(c.alert_feed_url[0] == '\0' && c.alert_poll_interval == 10 &&
          c.alert_stale_after == 300 && c.alert_all_clear_for == 900 &&
          strcmp(c.alert_feed_list, "/alerts") == 0 &&
          strcmp(c.alert_feed_region_field, "location_title") == 0 &&
          strcmp(c.alert_feed_filter, "alert_type=air_raid") == 0 &&
          strcmp(c.alert_feed_key_header, "Authorization") == 0);
    char err[512] = "";
    CHECK(config_parse_text(&c, "t.ini",
                            STR_LIT("listen = [::1]:8081\nbase_url = https://a.gov.ua/\n"), err,
                            sizeof(err)) == ERR_OK);
    CHECK(strcmp(c.listen_host, "::1") == 0 && c.listen_port == 8081);
    CHECK(strcmp(c.base_url, "https://a.gov.ua") == 0);

    setenv("VISNYK_LISTEN", "127.0.0.1:7070", 1);
    CHECK(config_load_env(&c, err, sizeof(err)) == ERR_OK);
    CHECK(c.listen_port == 7070);
    setenv("VISNYK_THREADS", "many", 1);
    CHECK(config_load_env(&c, err, sizeof(err)) == ERR_INVALID);
    CHECK(strstr(err, "VISNYK_THREADS") != NULL);
    unsetenv("VISNYK_THREADS");
    setenv("VISNYK_TRUSTED_PROXIES", "10.0.0.0/8 192.0.2.300", 1);
    CHECK(config_load_env(&c, err, sizeof(err)) == ERR_INVALID);
    CHECK(strstr(err, "VISNYK_TRUSTED_PROXIES: trusted_proxies: bad entry '192.0.2.300'") != NULL);
    setenv("VISNYK_TRUSTED_PROXIES", "", 1);
    CHECK(config_load_env(&c, err, sizeof(err)) == ERR_OK && c.trusted_proxies[0] == '\0');
    unsetenv("VISNYK_TRUSTED_PROXIES");

    CHECK(config_load_file(&c, "/nonexistent/visnyk.ini", err, sizeof(err)) == ERR_IO);
    CHECK(strstr(err, "/nonexistent/visnyk.ini") != NULL);
    return check_done();
}
