/* sender.c: the outbox worker. One message at a time: claim (committed), send over
 * SMTP with libcurl, then mark sent, retry later or fail. The claim records the
 * attempt before any byte leaves, so after a crash the row is visibly in flight and is
 * retried (the only message that can go out twice). Pacing keeps to the configured
 * messages per minute. The digest scheduler thread lives here too (mail_service). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/str.h"
#include "mail/mail_internal.h"
#include "net/url.h"

struct mail_sender {
    CURL *curl;
    char *url;
    char log_url[512];
    char *from;
    bool loopback;
    unsigned rate_per_minute;
    unsigned retry_seconds;
    int64_t next_send_ns; /* monotonic time before which the next send waits */
    /* A message the server accepted, marked sent in the same commit as the next claim:
     * one fsync per message instead of two. A crash before that commit leaves it in
     * flight, and it is the one message that may go out twice. */
    int64_t accepted_id, accepted_at;
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* What the logs leave out of the SMTP URL: the login (user, password, ;options). */
static const unsigned smtp_url_hidden = NET_URL_USER | NET_URL_PASSWORD | NET_URL_OPTIONS;

static bool host_is_loopback(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;
    bool yes = false;
    if (u == NULL)
        return false;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        yes = strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
              strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
    }
    curl_free(host);
    curl_url_cleanup(u);
    return yes;
}

enum err mail_sender_new(const struct mail_config *cfg, struct mail_sender **out)
{
    *out = NULL;
    if (cfg->smtp_url == NULL || cfg->smtp_url[0] == '\0' || cfg->mail_from == NULL ||
        cfg->mail_from[0] == '\0')
        return ERR_INVALID;
    net_curl_init();
    struct mail_sender *ms = calloc(1, sizeof *ms);
    if (ms == NULL)
        abort();
    ms->curl = curl_easy_init();
    if (ms->curl == NULL)
        abort();
    ms->url = str_cstr_dup(cfg->smtp_url);
    ms->from = str_cstr_dup(cfg->mail_from);
    ms->loopback = host_is_loopback(cfg->smtp_url);
    ms->rate_per_minute = cfg->rate_per_minute > 0 ? cfg->rate_per_minute : 60;
    ms->retry_seconds = cfg->retry_seconds > 0 ? cfg->retry_seconds : 60;
    net_url_for_log(cfg->smtp_url, smtp_url_hidden, "smtp", ms->log_url, sizeof ms->log_url);
    *out = ms;
    return ERR_OK;
}

static enum err mark(struct store *w, enum store_outbox_state st, int64_t id, int64_t t,
                     struct str error);

/* flush_accepted records the accepted message now (nothing more to claim). */
static enum err flush_accepted(struct mail_sender *ms, struct store *w)
{
    if (ms->accepted_id == 0)
        return ERR_OK;
    enum err e = mark(w, STORE_OUTBOX_SENT, ms->accepted_id, ms->accepted_at, STR_NULL);
    if (e == ERR_OK)
        ms->accepted_id = 0;
    return e;
}

enum err mail_sender_flush(struct mail_sender *ms, struct store *w)
{
    return ms != NULL ? flush_accepted(ms, w) : ERR_OK;
}

void mail_sender_free(struct mail_sender *ms)
{
    if (ms == NULL)
        return;
    curl_easy_cleanup(ms->curl);
    free(ms->url);
    free(ms->from);
    free(ms);
}

static bool claimer_alive(int64_t pid)
{
    if (pid <= 0 || pid == (int64_t)getpid())
        return false; /* ours from a previous life (a reused pid): nothing is in flight */
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

enum err mail_sender_recover(struct mail_sender *ms, struct store *w)
{
    int64_t n = 0;
    (void)ms;
    enum err e = store_outbox_recover(w, claimer_alive, utc_now(), &n);
    if (e == ERR_OK && n > 0)
        log_warn("outbox: %lld message(s) left in flight by a stopped sender will be retried",
                 (long long)n);
    return e;
}

struct upload {
    struct str body;
    size_t pos;
};

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
    struct upload *u = userp;
    size_t room = size * nmemb, left = u->body.len - u->pos;
    size_t n = left < room ? left : room;
    memcpy(ptr, u->body.ptr + u->pos, n);
    u->pos += n;
    return n;
}

/* retry_after: exponential backoff from retry_seconds, capped. */
static int64_t retry_after(const struct mail_sender *ms, int attempts)
{
    int64_t d = ms->retry_seconds;
    for (int i = 1; i < attempts && d < MAIL_BACKOFF_MAX_SECONDS; i++)
        d *= 2;
    return d < MAIL_BACKOFF_MAX_SECONDS ? d : MAIL_BACKOFF_MAX_SECONDS;
}

/* mark retries the bookkeeping write a few times: the server already has the message,
 * and giving up here would send it again after the lease. */
static enum err mark(struct store *w, enum store_outbox_state st, int64_t id, int64_t t,
                     struct str error)
{
    enum err e = ERR_BUSY;
    for (int i = 0; i < 20 && e == ERR_BUSY; i++) {
        if (i > 0)
            usleep(100000);
        if (st == STORE_OUTBOX_SENT)
            e = store_outbox_sent(w, id, t);
        else if (st == STORE_OUTBOX_FAILED)
            e = store_outbox_fail(w, id, t, error);
        else
            e = store_outbox_retry(w, id, t, error);
    }
    return e;
}

enum err mail_sender_step(struct mail_sender *ms, struct store *w, bool *sent)
{
    struct arena *a;
    struct store_outbox_msg m;
    struct curl_slist *rcpt = NULL;
    char errbuf[CURL_ERROR_SIZE] = "", who[160], rcpt_buf[MAIL_MAX_ADDRESS_BYTES + 3];
    enum err e;

    *sent = false;
    /* pacing: never faster than rate_per_minute */
    int64_t wait = ms->next_send_ns - mono_ns();
    if (wait > 0) {
        struct timespec ts = {(time_t)(wait / 1000000000), (long)(wait % 1000000000)};
        nanosleep(&ts, NULL);
    }
    a = arena_new(64 * 1024);
    int64_t now = utc_now();
    if (ms->accepted_id != 0) {
        e = store_begin(w);
        if (e == ERR_OK)
            e = store_outbox_sent(w, ms->accepted_id, ms->accepted_at);
        if (e == ERR_OK)
            e = store_outbox_claim(w, a, now, now + MAIL_LEASE_SECONDS, (int64_t)getpid(), &m);
        if (e == ERR_OK || e == ERR_NOTFOUND) {
            enum err ce = store_commit(w);
            if (ce == ERR_OK)
                ms->accepted_id = 0;
            else
                e = ce;
        }
        if (e != ERR_OK && e != ERR_NOTFOUND)
            store_rollback(w);
    } else {
        e = store_outbox_claim(w, a, now, now + MAIL_LEASE_SECONDS, (int64_t)getpid(), &m);
    }
    if (e != ERR_OK) {
        arena_free(a);
        return e;
    }
    ms->next_send_ns = mono_ns() + 60000000000LL / ms->rate_per_minute;
    mail_address_for_log(m.rcpt, who, sizeof who);
    snprintf(rcpt_buf, sizeof rcpt_buf, "<%.*s>",
             (int)(m.rcpt.len > MAIL_MAX_ADDRESS_BYTES ? MAIL_MAX_ADDRESS_BYTES : m.rcpt.len),
             m.rcpt.ptr);
    rcpt = curl_slist_append(NULL, rcpt_buf);
    if (rcpt == NULL)
        abort();
    char from_buf[1100];
    snprintf(from_buf, sizeof from_buf, "<%s>", ms->from);

    struct upload up = {m.body, 0};
    CURL *c = ms->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, ms->url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from_buf);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m.body.len);
    /* STARTTLS is required unless the server is on this machine (smtps:// is TLS from
     * the first byte either way) */
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     ms->loopback ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)MAIL_SMTP_CONNECT_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)MAIL_SMTP_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);

    now = utc_now();
    if (rc == CURLE_OK) {
        ms->accepted_id = m.id;
        ms->accepted_at = now;
        *sent = true;
        metrics_inc(&metrics_g.mail[METRICS_MAIL_SENT]); /* /metrics */
        log_debug("outbox: message %lld (%.*s) sent to %s", (long long)m.id, STR_FMT(m.kind), who);
    } else {
        char why[CURL_ERROR_SIZE + 64];
        snprintf(why, sizeof why, "smtp %ld: %s", code,
                 errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
        /* 5xx refuses this message for good, except authentication answers, which are
         * our configuration's fault and must not cost the reader the subscription */
        bool permanent =
            code >= 500 && code <= 599 && code != 530 && code != 535 && code != 534 && code != 538;
        if (permanent) {
            metrics_inc(&metrics_g.mail[METRICS_MAIL_BOUNCED]); /* /metrics */
            log_warn("outbox: message %lld to %s refused for good: %s", (long long)m.id, who, why);
            e = store_begin(w);
            if (e == ERR_OK)
                e = store_outbox_fail(w, m.id, now, str_from_cstr(why));
            if (e == ERR_OK && m.subscriber_id > 0)
                e = store_subscriber_bounce(w, m.rcpt, str_from_cstr(why), now);
            if (e == ERR_OK)
                e = store_commit(w);
            if (e != ERR_OK)
                store_rollback(w);
        } else if (m.attempts >= MAIL_MAX_ATTEMPTS) {
            metrics_inc(&metrics_g.mail[METRICS_MAIL_FAILED]); /* /metrics */
            log_warn("outbox: message %lld to %s given up after %d attempts: %s", (long long)m.id,
                     who, m.attempts, why);
            e = mark(w, STORE_OUTBOX_FAILED, m.id, now, str_from_cstr(why));
        } else {
            int64_t d = retry_after(ms, m.attempts);
            metrics_inc(&metrics_g.mail[METRICS_MAIL_DEFERRED]); /* /metrics */
            log_warn("outbox: message %lld to %s will be retried in %lld s (via %s): %s",
                     (long long)m.id, who, (long long)d, ms->log_url, why);
            e = mark(w, STORE_OUTBOX_QUEUED, m.id, now + d, str_from_cstr(why));
        }
    }
    arena_free(a);
    return e;
}

/* ---- the service: sender and digest scheduler threads ---- */

struct mail_service {
    struct mail_config cfg;
    char *db_path, *theme_dir, *smtp_url, *mail_from, *base_url;
    pthread_t sender_thread, scheduler_thread;
    bool sender_started, scheduler_started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

/* nap waits up to ms milliseconds or until stop; returns true when stopping. */
static bool nap(struct mail_service *svc, int64_t ms)
{
    struct timespec ts = realtime_in_ms(ms);
    pthread_mutex_lock(&svc->lock);
    if (!svc->stop)
        pthread_cond_timedwait(&svc->wake, &svc->lock, &ts);
    bool stop = svc->stop;
    pthread_mutex_unlock(&svc->lock);
    return stop;
}

static bool stopping(struct mail_service *svc)
{
    pthread_mutex_lock(&svc->lock);
    bool stop = svc->stop;
    pthread_mutex_unlock(&svc->lock);
    return stop;
}

static void *sender_main(void *arg)
{
    struct mail_service *svc = arg;
    struct store *w = NULL;
    struct mail_sender *ms = NULL;
    enum err e;

    while (!stopping(svc)) {
        if (w == NULL) {
            e = store_open(svc->db_path, STORE_WRITE, &w);
            if (e != ERR_OK) {
                log_error("outbox: database open failed, retrying: %s", err_str(e));
                w = NULL;
                if (nap(svc, 5000))
                    break;
                continue;
            }
            if (mail_sender_new(&svc->cfg, &ms) != ERR_OK)
                break;
            e = mail_sender_recover(ms, w);
            if (e != ERR_OK) /* left rows are retried at the next start; sending goes on */
                log_error("outbox: recovering messages in flight failed: %s", err_str(e));
        }
        bool sent = false;
        e = mail_sender_step(ms, w, &sent);
        if (e == ERR_NOTFOUND) {
            flush_accepted(ms, w);
            if (nap(svc, 1000))
                break;
        } else if (e != ERR_OK) {
            log_error("outbox: send step failed: %s: %s", err_str(e), store_errmsg(w));
            if (nap(svc, 2000))
                break;
        }
    }
    if (w != NULL)
        flush_accepted(ms, w);
    mail_sender_free(ms);
    store_close(w);
    return NULL;
}

static void *scheduler_main(void *arg)
{
    struct mail_service *svc = arg;
    struct i18n *lang = NULL, *lang_en = NULL;
    struct arena *a = arena_new(16 * 1024);
    struct store *w = NULL;

    if (mail_catalog_load(svc->theme_dir, &lang) != ERR_OK)
        goto out;
    if (mail_catalog_load_en(svc->theme_dir, &lang_en) != ERR_OK)
        lang_en = NULL; /* English subscribers then get the Ukrainian digest; logged */
    while (!stopping(svc)) {
        int64_t now = utc_now(), daily, weekly, queued = 0, checked = 0;
        struct mail_site site;
        enum err e = ERR_OK;
        if (w == NULL)
            e = store_open(svc->db_path, STORE_WRITE, &w);
        if (e != ERR_OK) {
            w = NULL;
        } else {
            arena_reset(a);
            mail_digest_slots(now, svc->cfg.digest_hour, svc->cfg.digest_minute,
                              svc->cfg.digest_weekday, &daily, &weekly);
            e = mail_site_load(w, a, lang, svc->base_url, svc->mail_from, &site);
            if (e == ERR_OK && lang_en != NULL)
                e = mail_site_english(w, a, lang_en, &site);
            if (e == ERR_OK)
                e = mail_digest_queue(w, &site, now, daily, weekly, -1, &queued, &checked);
            sodium_memzero(site.secret, sizeof site.secret);
        }
        if (e != ERR_OK)
            log_error("digest: scheduling failed, will retry: %s", err_str(e));
        else if (queued > 0)
            log_info("digest: %lld digest(s) queued for %lld subscriber(s)", (long long)queued,
                     (long long)checked);
        if (nap(svc, 30000))
            break;
    }
out:
    store_close(w);
    i18n_free(lang);
    i18n_free(lang_en);
    arena_free(a);
    return NULL;
}

enum err mail_service_start(const struct mail_config *cfg, struct mail_service **out)
{
    struct mail_service *svc = calloc(1, sizeof *svc);
    if (svc == NULL)
        abort();
    svc->cfg = *cfg;
    svc->db_path = str_cstr_dup(cfg->db_path);
    svc->theme_dir = str_cstr_dup(cfg->theme_dir);
    svc->smtp_url = str_cstr_dup(cfg->smtp_url != NULL ? cfg->smtp_url : "");
    svc->mail_from = str_cstr_dup(cfg->mail_from != NULL ? cfg->mail_from : "");
    svc->base_url = str_cstr_dup(cfg->base_url != NULL ? cfg->base_url : "");
    svc->cfg.db_path = svc->db_path;
    svc->cfg.theme_dir = svc->theme_dir;
    svc->cfg.smtp_url = svc->smtp_url;
    svc->cfg.mail_from = svc->mail_from;
    svc->cfg.base_url = svc->base_url;
    pthread_mutex_init(&svc->lock, NULL);
    pthread_cond_init(&svc->wake, NULL);
    *out = svc;
    if (svc->smtp_url[0] == '\0' || svc->mail_from[0] == '\0') {
        log_warn("mail: smtp_url or mail_from not set: subscriptions are kept and mail waits "
                 "in the outbox, but nothing is sent and no digest is scheduled");
        return ERR_OK;
    }
    net_curl_init();
    char shown[512];
    net_url_for_log(svc->smtp_url, smtp_url_hidden, "smtp", shown, sizeof shown);
    log_info("mail: sending through %s, %u message(s) per minute, digests at %02d:%02d Kyiv time "
             "(weekly on day %d)",
             shown, cfg->rate_per_minute, cfg->digest_hour, cfg->digest_minute,
             cfg->digest_weekday);
    svc->sender_started = pthread_create(&svc->sender_thread, NULL, sender_main, svc) == 0;
    svc->scheduler_started = pthread_create(&svc->scheduler_thread, NULL, scheduler_main, svc) == 0;
    if (!svc->sender_started || !svc->scheduler_started)
        log_error("mail: cannot start the mail threads");
    return ERR_OK;
}

void mail_service_stop(struct mail_service *svc)
{
    if (svc == NULL)
        return;
    pthread_mutex_lock(&svc->lock);
    svc->stop = true;
    pthread_cond_broadcast(&svc->wake);
    pthread_mutex_unlock(&svc->lock);
    if (svc->sender_started)
        pthread_join(svc->sender_thread, NULL);
    if (svc->scheduler_started)
        pthread_join(svc->scheduler_thread, NULL);
    pthread_cond_destroy(&svc->wake);
    pthread_mutex_destroy(&svc->lock);
    free(svc->db_path);
    free(svc->theme_dir);
    free(svc->smtp_url);
    free(svc->mail_from);
    free(svc->base_url);
    free(svc);
}
