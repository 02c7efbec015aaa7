/* scheduler.c: scheduled publishing. Visibility is decided when pages are read
 * (status scheduled and published_at <= now), so nothing has to be written when an
 * article's time comes; what must happen is that cached pages which do not show it yet
 * are dropped. Once a second this thread asks which articles became visible since the
 * last look and invalidates their keys, whether or not anyone visits the site. The same
 * tick notices a key rotation or a sign-all made by another process (watch_keys), and
 * sends the «published» notices of scheduled articles whose time came (notify.c), and
 * removes the banner when its time is over (banner_expire). */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/metrics.h"
#include "store/consultations.h"
#include "store/registry.h"
#include "store/settings.h"
#include "store/signing.h"

#define TICK_MS 1000

static void invalidate(struct admin *ad, const char *fmt, long long id)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, fmt, id);
    if (n > 0 && (size_t)n < sizeof tmp)
        http_cache_invalidate(ad->srv, str_make(tmp, (size_t)n));
}

static void tick(struct admin *ad, struct store *db, struct arena *a, int64_t *last)
{
    int64_t now = utc_now(), *ids, *tags, *depts;
    size_t n, nt, nd;
    if (now <= *last)
        return;
    enum err e = store_articles_became_visible(db, a, *last, now, &ids, &n);
    if (e != ERR_OK) {
        log_warn("scheduler query failed: %s: %s", err_str(e), store_errmsg(db));
        return;
    }
    if (n > 0) {
        http_cache_invalidate(ad->srv, STR_LIT("list:news"));
        http_cache_invalidate(ad->srv, STR_LIT("archive"));
    }
    for (size_t i = 0; i < n; i++) {
        invalidate(ad, "article:%lld", (long long)ids[i]);
        int64_t at; /* /metrics: how late after its time the article went live */
        if (store_article_published_at(db, ids[i], &at) == ERR_OK)
            metrics_scheduler_lag(now > at ? now - at : 0);
        if (store_article_ref_ids(db, a, ids[i], &tags, &nt, &depts, &nd) != ERR_OK)
            continue;
        for (size_t k = 0; k < nt; k++)
            invalidate(ad, "tag:%lld", (long long)tags[k]);
        for (size_t k = 0; k < nd; k++)
            invalidate(ad, "dept:%lld", (long long)depts[k]);
        log_info("scheduled article %lld is now visible", (long long)ids[i]);
    }
    /* vacancies past their deadline leave the open list by themselves (issue 13) */
    e = store_vac_expired(db, a, *last, now, &ids, &n);
    if (e != ERR_OK)
        log_warn("scheduler vacancy query failed: %s: %s", err_str(e), store_errmsg(db));
    if (e == ERR_OK && n > 0)
        http_cache_invalidate(ad->srv, STR_LIT("list:vacancies"));
    for (size_t i = 0; e == ERR_OK && i < n; i++)
        invalidate(ad, "vacancy:%lld", (long long)ids[i]);
    /* consultations that opened or closed: their form appears or goes (issue 13) */
    e = store_consult_changed(db, a, *last, now, &ids, &n);
    if (e != ERR_OK)
        log_warn("scheduler consultation query failed: %s: %s", err_str(e), store_errmsg(db));
    if (e == ERR_OK && n > 0)
        http_cache_invalidate(ad->srv, STR_LIT("list:consultations"));
    for (size_t i = 0; e == ERR_OK && i < n; i++)
        invalidate(ad, "consultation:%lld", (long long)ids[i]);
    *last = now;
}

/* banner_expire removes the editors' banner once its time (banner_until) has passed,
 * and drops every page that showed it (and, with purge_url, purges them at the CDN). */
static void banner_expire(struct admin *ad, struct store *db, struct arena *a)
{
    struct str until_text, text;
    int64_t until = 0;
    if (store_setting_get(db, a, "banner_until", &until_text) != ERR_OK ||
        !str_to_i64(until_text, &until) || until <= 0 || until > utc_now())
        return;
    pthread_mutex_lock(&ad->lock);
    enum err e = store_setting_get(ad->db, a, "banner_text", &text);
    if (e == ERR_NOTFOUND) {
        text = STR_LIT("");
        e = ERR_OK;
    }
    if (e == ERR_OK)
        e = store_begin(ad->db);
    if (e == ERR_OK && text.len > 0)
        e = store_setting_set(ad->db, "banner_text", STR_LIT(""));
    if (e == ERR_OK)
        e = store_setting_set(ad->db, "banner_until", STR_LIT(""));
    if (e == ERR_OK && text.len > 0)
        e = store_audit_add(ad->db, 0, STR_LIT(""), STR_LIT(""), 0, "banner.expire",
                            STR_LIT("banner"), text, utc_now());
    if (e == ERR_OK)
        e = store_commit(ad->db);
    if (e != ERR_OK)
        store_rollback(ad->db);
    pthread_mutex_unlock(&ad->lock);
    if (e != ERR_OK) {
        log_warn("banner expiry failed, tried again next tick: %s", err_str(e));
        return;
    }
    http_cache_invalidate(ad->srv, STR_LIT("banner"));
    if (text.len > 0)
        log_info("the banner's time is over: removed");
}

/* watch_keys: `visnyk key rotate` and `visnyk key sign-all` run in another process,
 * which cannot reach this server's page cache, and every cached page names the current
 * key in its head (/.well-known/visnyk.pub lists the keys; sign-all gives unsigned pages
 * their signature header). When either has run, every cached page is dropped (and, with
 * purge_url, the whole site purged at the CDN). New signatures need nothing: sealing
 * reads the current key at each save. */
static void watch_keys(struct admin *ad, struct store *db, int64_t *generation)
{
    int64_t now;
    if (store_key_generation(db, &now) != ERR_OK)
        return; /* asked again next tick */
    if (*generation >= 0 && now != *generation) {
        http_cache_clear(ad->srv);
        log_info("signing keys or signatures changed by another process: cached pages dropped");
    }
    *generation = now;
}

static void *run(void *arg)
{
    struct admin *ad = arg;
    struct store *db = NULL;
    struct arena *a = arena_new(16 * 1024);
    int64_t last = utc_now(), key_generation = -1, requests_last = last;

    /* the key the server started with, so a rotation in the first second counts too */
    if (store_open(ad->db_path, STORE_READ, &db) != ERR_OK)
        db = NULL;
    if (db != NULL)
        watch_keys(ad, db, &key_generation);

    pthread_mutex_lock(&ad->sched_lock);
    while (!ad->sched_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += TICK_MS / 1000;
        pthread_cond_timedwait(&ad->sched_cond, &ad->sched_lock, &ts);
        if (ad->sched_stop)
            break;
        pthread_mutex_unlock(&ad->sched_lock);
        if (db == NULL && store_open(ad->db_path, STORE_READ, &db) != ERR_OK)
            db = NULL;
        if (db != NULL) {
            tick(ad, db, a, &last);
            watch_keys(ad, db, &key_generation);
            arena_reset(a);
            admin__notices_tick(ad, a);
            banner_expire(ad, db, a);
            arena_reset(a);
            admin__requests_tick(ad, db, a, &requests_last);
        }
        arena_reset(a);
        pthread_mutex_lock(&ad->sched_lock);
    }
    pthread_mutex_unlock(&ad->sched_lock);
    store_close(db);
    arena_free(a);
    return NULL;
}

void admin__scheduler_start(struct admin *ad)
{
    if (ad->sched_running || ad->srv == NULL)
        return;
    ad->sched_stop = false;
    if (pthread_create(&ad->sched, NULL, run, ad) != 0) {
        log_error("scheduler thread did not start: scheduled articles appear on the next write");
        return;
    }
    ad->sched_running = true;
}

void admin__scheduler_stop(struct admin *ad)
{
    if (!ad->sched_running)
        return;
    pthread_mutex_lock(&ad->sched_lock);
    ad->sched_stop = true;
    pthread_cond_signal(&ad->sched_cond);
    pthread_mutex_unlock(&ad->sched_lock);
    pthread_join(ad->sched, NULL);
    ad->sched_running = false;
}
