/* feed.c: the alert feed's poller thread (see alert.h). One GET per interval with
 * libcurl, as cdn/purge.c does its POSTs: the URL's own scheme only, no redirects,
 * connect and total timeouts, the answer bounded. The banner is one atomic the page
 * renderers read without a lock; the health behind a mutex held only to copy it. The
 * API key goes into one header and nowhere else: an error text that echoes it (a feed
 * quoting the request back) has it blanked before it is logged or shown. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/alert.h"
#include "core/buf.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "net/url.h"

struct alert_feed {
    char *url, *region, *list, *region_field, *filter_field, *filter_value;
    char *auth_header; /* "Name: value" with the key, or NULL */
    char *key;         /* to blank it out of error texts */
    unsigned interval_s, stale_after_s, all_clear_s;
    char log_url[512];
    atomic_int shown;     /* enum alert_banner */
    atomic_bool cancel;   /* stop asked: cuts a poll in flight short */
    pthread_mutex_t lock; /* guards what follows */
    pthread_cond_t wake;
    bool stop, running;
    pthread_t thread;
    void (*on_change)(void *ctx);
    void *ctx;
    struct alert_feed_status st;
};

static char *dup_or_empty(const char *s)
{
    return str_cstr_dup(s != NULL ? s : "");
}

enum err alert_feed_new(const struct alert_feed_config *cfg, struct alert_feed **out)
{
    *out = NULL;
    if (cfg->url == NULL || cfg->url[0] == '\0' || cfg->region == NULL || cfg->region[0] == '\0')
        return ERR_INVALID;
    net_curl_init();
    struct alert_feed *f = calloc(1, sizeof *f);
    if (f == NULL)
        abort();
    f->url = str_cstr_dup(cfg->url);
    f->region = str_cstr_dup(cfg->region);
    f->list = dup_or_empty(cfg->map.list);
    f->region_field = dup_or_empty(cfg->map.region_field);
    f->filter_field = dup_or_empty(cfg->map.filter_field);
    f->filter_value = dup_or_empty(cfg->map.filter_value);
    f->key = dup_or_empty(cfg->key);
    if (f->key[0] != '\0') {
        const char *name = cfg->key_header != NULL && cfg->key_header[0] != '\0' ? cfg->key_header
                                                                                 : "Authorization";
        bool bearer = strcasecmp(name, "Authorization") == 0;
        size_t n = strlen(name) + strlen(f->key) + 16;
        f->auth_header = malloc(n);
        if (f->auth_header == NULL)
            abort();
        snprintf(f->auth_header, n, "%s: %s%s", name, bearer ? "Bearer " : "", f->key);
    }
    f->interval_s = cfg->interval_s > 0 ? cfg->interval_s : 10;
    f->stale_after_s = cfg->stale_after_s;
    f->all_clear_s = cfg->all_clear_s;
    /* the query too: alerts.in.ua also takes the key as ?token= */
    net_url_for_log(f->url, NET_URL_USER | NET_URL_PASSWORD | NET_URL_QUERY, "alert feed",
                    f->log_url, sizeof f->log_url);
    snprintf(f->st.url, sizeof f->st.url, "%s", f->log_url);
    snprintf(f->st.region, sizeof f->st.region, "%s", f->region);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->wake, NULL);
    *out = f;
    return ERR_OK;
}

enum alert_banner alert_feed_banner(const struct alert_feed *f)
{
    if (f == NULL)
        return ALERT_BANNER_NONE;
    return (enum alert_banner)atomic_load(&((struct alert_feed *)f)->shown);
}

void alert_feed_status(struct alert_feed *f, struct alert_feed_status *out)
{
    pthread_mutex_lock(&f->lock);
    *out = f->st;
    pthread_mutex_unlock(&f->lock);
    out->shown = alert_feed_banner(f);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* blank_key overwrites every occurrence of key in text with '*'. */
static void blank_key(char *text, const char *key)
{
    size_t n = strlen(key);
    if (n == 0)
        return;
    for (char *p = strstr(text, key); p != NULL; p = strstr(p + n, key))
        memset(p, '*', n);
}

struct answer {
    struct buf body;
    bool too_large;
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
    struct answer *a = userp;
    size_t n = size * nmemb;
    if (buf_append(&a->body, ptr, n) != ERR_OK) {
        a->too_large = true;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    return n;
}

static int progress_cb(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    struct alert_feed *f = userp;
    return atomic_load(&f->cancel) ? 1 : 0;
}

/* poll_once fetches and reads the feed; why says what went wrong on ALERT_POLL_FAILED. */
static enum alert_poll poll_once(struct alert_feed *f, CURL *c, char *why, size_t why_size)
{
    struct curl_slist *headers = NULL;
    struct answer ans = {.too_large = false};
    enum alert_poll r = ALERT_POLL_FAILED;
    buf_init(&ans.body, ALERT_FEED_MAX_BODY_BYTES);
    const char *fixed[] = {"Accept: application/json", f->auth_header};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (fixed[i] == NULL)
            continue;
        struct curl_slist *h = curl_slist_append(headers, fixed[i]);
        if (h == NULL)
            abort();
        headers = h;
    }
    /* a hung feed must not outlast the interval: the banner's timing rests on it */
    long total = f->interval_s < ALERT_FEED_TIMEOUT_S ? (long)f->interval_s : ALERT_FEED_TIMEOUT_S;
    long connect = total < ALERT_FEED_CONNECT_TIMEOUT_S ? total : ALERT_FEED_CONNECT_TIMEOUT_S;
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, f->url);
    /* only the scheme configured (config allows http for loopback hosts alone) */
    bool https = strncmp(f->url, "https://", 8) == 0;
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, https ? "https" : "http");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(https ? CURLPROTO_HTTPS : CURLPROTO_HTTP));
#endif
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "visnyk/" VISNYK_VERSION);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connect);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, total);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* gzip when the feed offers it */
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (ans.too_large) {
        snprintf(why, why_size, "the answer is larger than %d bytes", ALERT_FEED_MAX_BODY_BYTES);
    } else if (rc != CURLE_OK) {
        snprintf(why, why_size, "%s", errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
    } else if (code < 200 || code > 299) {
        snprintf(why, why_size, "http %ld%s", code,
                 code >= 300 && code < 400 ? " (redirects are not followed)" : "");
    } else {
        bool active = false;
        struct str body = buf_str(&ans.body);
        struct alert_mapping m = {.list = f->list,
                                  .region_field = f->region_field,
                                  .filter_field = f->filter_field,
                                  .filter_value = f->filter_value};
        if (alert_match(body.ptr, body.len, &m, f->region, &active, why, why_size) == ERR_OK)
            r = active ? ALERT_POLL_ON : ALERT_POLL_OFF;
    }
    curl_slist_free_all(headers);
    buf_free(&ans.body);
    return r;
}

static const char *banner_name(enum alert_banner b)
{
    switch (b) {
    case ALERT_BANNER_ALERT:
        return "air-raid alert";
    case ALERT_BANNER_ALL_CLEAR:
        return "all clear";
    case ALERT_BANNER_NONE:
        break;
    }
    return "no banner";
}

/* wait_locked waits up to ms for stop (lock held). */
static void wait_locked(struct alert_feed *f, int64_t ms)
{
    struct timespec ts = realtime_in_ms(ms);
    if (!f->stop)
        pthread_cond_timedwait(&f->wake, &f->lock, &ts);
}

static void *poller_main(void *arg)
{
    struct alert_feed *f = arg;
    struct alert_state state = {.known = 0};
    CURL *c = curl_easy_init();
    bool failing = false;
    int64_t logged_at = 0;
    uint64_t failed_since_log = 0;
    if (c == NULL)
        abort();
    pthread_mutex_lock(&f->lock);
    while (!f->stop) {
        int64_t started = mono_ms();
        pthread_mutex_unlock(&f->lock);

        char why[CURL_ERROR_SIZE + 256] = "";
        enum alert_poll r = poll_once(f, c, why, sizeof why);
        blank_key(why, f->key);
        int64_t now = mono_ms();
        bool changed = alert_state_step(&state, r, now, f->stale_after_s, f->all_clear_s);
        atomic_store(&f->shown, (int)state.shown);

        pthread_mutex_lock(&f->lock);
        if (f->stop)
            break; /* a poll cut short by the stop is no error of the feed's */
        f->st.polls++;
        f->st.known = state.known;
        if (r == ALERT_POLL_FAILED) {
            f->st.errors++;
            f->st.last_error_at = utc_now();
            /* cut to what the workspace shows (a whole curl error fits) */
            size_t n = strnlen(why, sizeof f->st.last_error - 1);
            memcpy(f->st.last_error, why, n);
            f->st.last_error[n] = '\0';
        } else {
            f->st.last_ok = utc_now();
            f->st.last_error[0] = '\0';
        }
        pthread_mutex_unlock(&f->lock);

        /* a feed that stays down is logged when it fails, then every few minutes */
        if (r == ALERT_POLL_FAILED) {
            failed_since_log++;
            if (!failing || now - logged_at >= (int64_t)ALERT_FEED_LOG_EVERY_S * 1000) {
                log_warn("alert feed: %s does not answer usably (%llu failed poll(s)), the "
                         "banner keeps its state for %u s: %s",
                         f->log_url, (unsigned long long)failed_since_log, f->stale_after_s, why);
                logged_at = now;
                failed_since_log = 0;
            }
            failing = true;
        } else if (failing) {
            log_info("alert feed: %s answers again", f->log_url);
            failing = false;
            failed_since_log = 0;
        }
        if (changed) {
            log_info("alert feed: banner for %s is now: %s", f->region, banner_name(state.shown));
            if (f->on_change != NULL)
                f->on_change(f->ctx);
        }

        pthread_mutex_lock(&f->lock);
        int64_t next = started + (int64_t)f->interval_s * 1000 - mono_ms();
        if (next > 0)
            wait_locked(f, next);
    }
    pthread_mutex_unlock(&f->lock);
    curl_easy_cleanup(c);
    return NULL;
}

void alert_feed_start(struct alert_feed *f, void (*on_change)(void *ctx), void *ctx)
{
    if (f == NULL || f->running)
        return;
    f->on_change = on_change;
    f->ctx = ctx;
    f->stop = false;
    atomic_store(&f->cancel, false);
    if (pthread_create(&f->thread, NULL, poller_main, f) != 0) {
        log_error("alert feed: poller thread did not start: no automatic banner");
        return;
    }
    f->running = true;
    log_info("alert feed: polling %s every %u s for %s", f->log_url, f->interval_s, f->region);
}

void alert_feed_stop(struct alert_feed *f)
{
    if (f == NULL || !f->running)
        return;
    pthread_mutex_lock(&f->lock);
    f->stop = true;
    atomic_store(&f->cancel, true);
    pthread_cond_signal(&f->wake);
    pthread_mutex_unlock(&f->lock);
    pthread_join(f->thread, NULL);
    f->running = false;
}

void alert_feed_free(struct alert_feed *f)
{
    if (f == NULL)
        return;
    alert_feed_stop(f);
    pthread_cond_destroy(&f->wake);
    pthread_mutex_destroy(&f->lock);
    if (f->auth_header != NULL) {
        memset(f->auth_header, 0, strlen(f->auth_header));
        free(f->auth_header);
    }
    memset(f->key, 0, strlen(f->key));
    free(f->key);
    free(f->url);
    free(f->region);
    free(f->list);
    free(f->region_field);
    free(f->filter_field);
    free(f->filter_value);
    free(f);
}
