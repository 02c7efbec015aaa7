/* purge.c: the CDN purge hook and its worker (see purge.h). The hook and the worker share
 * one database connection (STORE_WRITE) behind a mutex, held only for the queue's short
 * writes and never while a request to the CDN is in flight. Each enqueue commits by
 * itself before the hook returns, so once an editor's save has been answered its purge
 * is on disk. The worker keeps no state the database does not have: it claims the keys
 * that are due, sends them in one request, and then removes them or schedules their
 * retry, in one transaction. */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdn/purge.h"
#include "core/arena.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/str.h"
#include "net/url.h"
#include "store/purge.h"

struct cdn_purge {
    char *db_path, *url, *auth;
    char log_url[512];    /* the URL without credentials or query, for logs */
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t wake;
    struct store *db; /* opened on first use */
    bool stop, kick, running;
    pthread_t thread;
    /* keys the database refused (locked past its timeout), written by the worker later;
     * past CDN_PURGE_SPILL_MAX, "site" stands for the rest */
    char *spill[CDN_PURGE_SPILL_MAX];
    size_t n_spill;
    bool spill_full;
};

bool cdn_purge_key_ok(struct str key)
{
    if (key.len == 0 || key.len > STORE_PURGE_MAX_KEY_BYTES)
        return false;
    for (size_t i = 0; i < key.len; i++) {
        unsigned char ch = (unsigned char)key.ptr[i];
        /* visible ASCII but the separators of Surrogate-Key, Cache-Tag and JSON */
        if (ch <= 0x20 || ch >= 0x7f || ch == ',' || ch == '"' || ch == '\\')
            return false;
    }
    return true;
}

unsigned cdn_purge_backoff(int attempts)
{
    unsigned d = 1;
    for (int i = 1; i < attempts && d < CDN_PURGE_BACKOFF_MAX_S; i++)
        d *= 2;
    return d < CDN_PURGE_BACKOFF_MAX_S ? d : CDN_PURGE_BACKOFF_MAX_S;
}

enum err cdn_purge_header(const struct str *keys, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_append_char(out, ' ');
        buf_append_str(out, keys[i]);
    }
    return buf_error(out);
}

enum err cdn_purge_body(const struct str *keys, size_t n, struct buf *out)
{
    json_t *tags = json_array();
    json_t *doc = json_object();
    if (tags == NULL || doc == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        json_t *k = json_stringn(keys[i].ptr, keys[i].len);
        if (k == NULL) { /* not UTF-8: the hook lets only ASCII through */
            json_decref(tags);
            json_decref(doc);
            return ERR_INVALID;
        }
        json_array_append_new(tags, k);
    }
    json_object_set_new(doc, "tags", tags);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (text == NULL)
        abort();
    buf_append_cstr(out, text);
    free(text);
    return buf_error(out);
}

enum err cdn_purge_new(const struct cdn_purge_config *cfg, struct cdn_purge **out)
{
    *out = NULL;
    if (cfg->url == NULL || cfg->url[0] == '\0' || cfg->db_path == NULL)
        return ERR_INVALID;
    net_curl_init();
    struct cdn_purge *p = calloc(1, sizeof *p);
    if (p == NULL)
        abort();
    p->db_path = str_cstr_dup(cfg->db_path);
    p->url = str_cstr_dup(cfg->url);
    p->auth = str_cstr_dup(cfg->auth != NULL ? cfg->auth : "");
    /* the query too: a token could hide there */
    net_url_for_log(p->url, NET_URL_USER | NET_URL_PASSWORD | NET_URL_QUERY, "purge", p->log_url,
                    sizeof p->log_url);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    *out = p;
    return ERR_OK;
}

static enum err open_locked(struct cdn_purge *p)
{
    if (p->db != NULL)
        return ERR_OK;
    enum err e = store_open(p->db_path, STORE_WRITE, &p->db);
    if (e != ERR_OK)
        p->db = NULL;
    return e;
}

static void spill_locked(struct cdn_purge *p, struct str key)
{
    for (size_t i = 0; i < p->n_spill; i++)
        if (str_eq_cstr(key, p->spill[i]))
            return;
    if (p->n_spill == CDN_PURGE_SPILL_MAX) {
        p->spill_full = true;
        return;
    }
    char *k = malloc(key.len + 1);
    if (k == NULL)
        abort();
    memcpy(k, key.ptr, key.len);
    k[key.len] = '\0';
    p->spill[p->n_spill++] = k;
}

/* flush_locked writes the spilled keys into the queue, keeping those that still fail. */
static enum err flush_locked(struct cdn_purge *p, int64_t now)
{
    enum err e = ERR_OK;
    if (p->spill_full) {
        e = store_purge_enqueue(p->db, STR_LIT("site"), now);
        if (e != ERR_OK)
            return e;
        p->spill_full = false;
    }
    while (p->n_spill > 0) {
        e = store_purge_enqueue(p->db, str_from_cstr(p->spill[p->n_spill - 1]), now);
        if (e != ERR_OK)
            return e;
        free(p->spill[--p->n_spill]);
    }
    return ERR_OK;
}

void cdn_purge_key(void *ctx, struct str key)
{
    struct cdn_purge *p = ctx;
    if (p == NULL)
        return;
    if (!cdn_purge_key_ok(key))
        key = STR_LIT("site"); /* over-purging is safe, a lost purge is not */
    pthread_mutex_lock(&p->lock);
    enum err e = open_locked(p);
    if (e == ERR_OK)
        e = store_purge_enqueue(p->db, key, utc_now());
    if (e != ERR_OK) {
        log_warn("cdn purge: queue write failed, key kept in memory until it succeeds: %s: %s",
                 err_str(e), p->db != NULL ? store_errmsg(p->db) : "cannot open the database");
        spill_locked(p, key);
    }
    p->kick = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

/* wait_locked waits up to ms milliseconds for a kick or stop (lock held). */
static void wait_locked(struct cdn_purge *p, int64_t ms)
{
    struct timespec ts = realtime_in_ms(ms);
    if (!p->stop && !p->kick)
        pthread_cond_timedwait(&p->wake, &p->lock, &ts);
}

struct reply {
    char text[200]; /* the start of the answer, for the error message */
    size_t len;
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
    struct reply *r = userp;
    size_t n = size * nmemb;
    for (size_t i = 0; i < n && r->len + 1 < sizeof r->text; i++) {
        unsigned char ch = (unsigned char)ptr[i];
        r->text[r->len++] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
    }
    r->text[r->len] = '\0';
    return n;
}

/* post sends one batch; true when the CDN answered 2xx, else why says what happened. */
static bool post(struct cdn_purge *p, CURL *c, const struct str *keys, size_t n, char *why,
                 size_t why_size)
{
    struct buf hdr, body;
    struct curl_slist *headers = NULL;
    bool ok = false;
    buf_init(&hdr, 16 * 1024);
    buf_init(&body, 64 * 1024);
    buf_append_cstr(&hdr, "Surrogate-Key: ");
    if (cdn_purge_header(keys, n, &hdr) != ERR_OK || cdn_purge_body(keys, n, &body) != ERR_OK) {
        snprintf(why, why_size, "keys do not fit in one request");
        goto out;
    }
    const char *fixed[] = {buf_str(&hdr).ptr,
                           "Fastly-Soft-Purge: 1",
                           "Content-Type: application/json",
                           "Accept: application/json",
                           "Expect:",
                           p->auth[0] != '\0' ? p->auth : NULL};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (fixed[i] == NULL)
            continue;
        struct curl_slist *h = curl_slist_append(headers, fixed[i]);
        if (h == NULL)
            abort();
        headers = h;
    }
    struct reply reply = {.len = 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, p->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "visnyk/" VISNYK_VERSION);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)CDN_PURGE_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)CDN_PURGE_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK)
        snprintf(why, why_size, "%s", errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
    else if (code < 200 || code > 299)
        snprintf(why, why_size, "http %ld: %s", code, reply.text);
    else
        ok = true;
out:
    curl_slist_free_all(headers);
    buf_free(&hdr);
    buf_free(&body);
    return ok;
}

/* record marks the batch purged or schedules its retry, in one transaction. */
static enum err record_locked(struct cdn_purge *p, const struct store_purge_item *items, size_t n,
                              bool ok, const char *why)
{
    int64_t now = utc_now();
    enum err e = store_begin(p->db);
    for (size_t i = 0; i < n && e == ERR_OK; i++) {
        if (ok)
            e = store_purge_done(p->db, &items[i], now);
        else
            e = store_purge_retry(p->db, &items[i], now + cdn_purge_backoff(items[i].attempts + 1),
                                  str_from_cstr(why));
    }
    if (e == ERR_OK)
        e = store_commit(p->db);
    if (e != ERR_OK)
        store_rollback(p->db);
    return e;
}

static void *worker_main(void *arg)
{
    struct cdn_purge *p = arg;
    struct arena *a = arena_new(16 * 1024);
    CURL *c = curl_easy_init();
    bool rewound = false;
    if (c == NULL)
        abort();
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct store_purge_item *items = NULL;
        size_t n = 0;
        int64_t now = utc_now();
        arena_reset(a);
        enum err e = open_locked(p);
        if (e == ERR_OK && !rewound) {
            /* keys left from before a restart are purged now, not after their backoff */
            int64_t waiting = 0;
            e = store_purge_rewind(p->db, now, &waiting);
            rewound = e == ERR_OK;
            if (rewound && waiting > 0)
                log_info("cdn purge: %lld key(s) waiting from before, purging them now",
                         (long long)waiting);
        }
        if (e == ERR_OK)
            e = flush_locked(p, now);
        p->kick = false;
        if (e == ERR_OK)
            e = store_purge_claim(p->db, a, now, CDN_PURGE_BATCH_KEYS, &items, &n);
        if (e != ERR_OK) {
            log_error("cdn purge: queue read failed, retrying: %s: %s", err_str(e),
                      p->db != NULL ? store_errmsg(p->db) : "cannot open the database");
            wait_locked(p, 2000);
            continue;
        }
        if (n == 0) {
            int64_t due = 0, ms = CDN_PURGE_IDLE_MS;
            if (store_purge_next_due(p->db, &due) == ERR_OK)
                ms = due > now ? (due - now) * 1000 : 200;
            wait_locked(p, ms < CDN_PURGE_IDLE_MS ? ms : CDN_PURGE_IDLE_MS);
            continue;
        }
        pthread_mutex_unlock(&p->lock);

        struct str keys[CDN_PURGE_BATCH_KEYS];
        for (size_t i = 0; i < n; i++)
            keys[i] = items[i].key;
        char why[CURL_ERROR_SIZE + 256] = "";
        bool ok = post(p, c, keys, n, why, sizeof why);

        pthread_mutex_lock(&p->lock);
        if (ok) {
            log_info("cdn purge: %zu key(s) purged (%.*s%s)", n, STR_FMT(keys[0]),
                     n > 1 ? " …" : "");
        } else {
            int attempts = items[0].attempts + 1;
            log_warn("cdn purge: %s refused or unreachable, %zu key(s) kept, next try in %u s "
                     "(attempt %d): %s",
                     p->log_url, n, cdn_purge_backoff(attempts), attempts, why);
        }
        e = record_locked(p, items, n, ok, why);
        if (e != ERR_OK) {
            log_error("cdn purge: queue update failed (the keys will be sent again): %s: %s",
                      err_str(e), store_errmsg(p->db));
            wait_locked(p, 2000);
        }
    }
    pthread_mutex_unlock(&p->lock);
    curl_easy_cleanup(c);
    arena_free(a);
    return NULL;
}

void cdn_purge_start(struct cdn_purge *p)
{
    if (p == NULL || p->running)
        return;
    p->stop = false;
    if (pthread_create(&p->thread, NULL, worker_main, p) != 0) {
        log_error("cdn purge: worker thread did not start: purges wait in the queue");
        return;
    }
    p->running = true;
    log_info("cdn purge: purging by surrogate key through %s", p->log_url);
}

void cdn_purge_stop(struct cdn_purge *p)
{
    if (p == NULL || !p->running)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    p->running = false;
}

void cdn_purge_free(struct cdn_purge *p)
{
    if (p == NULL)
        return;
    cdn_purge_stop(p);
    if (p->n_spill > 0 || p->spill_full) {
        /* last chance for keys the database refused: queue them for the next start */
        if (open_locked(p) != ERR_OK || flush_locked(p, utc_now()) != ERR_OK)
            log_error("cdn purge: %zu key(s) could not be queued and are lost; purge the "
                      "whole site at the CDN (key: site)",
                      p->n_spill + (p->spill_full ? 1 : 0));
    }
    for (size_t i = 0; i < p->n_spill; i++)
        free(p->spill[i]);
    store_close(p->db);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p->db_path);
    free(p->url);
    free(p->auth);
    free(p);
}
