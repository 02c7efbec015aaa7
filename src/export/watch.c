/* watch.c: the mirror kept up to date by a background thread (see export.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/metrics.h"
#include "export/export.h"
#include "store/content.h"

struct export_watch {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    bool running; /* the thread was started and must be joined */
    unsigned interval_s;
    char *db, *theme, *media, *base_url, *out;
    struct export_config cfg;
};

static char *dup_or_empty(const char *s)
{
    return str_cstr_dup(s != NULL ? s : "");
}

/* run_once exports once; false when it failed. */
static bool run_once(struct export_watch *w)
{
    struct export_stats st;
    char err[1024];
    enum err e = export_static_run(&w->cfg, &st, err, sizeof err);
    if (e == ERR_OK)
        metrics_mirror_caught_up(utc_now()); /* /metrics: static-mirror lag */
    if (e != ERR_OK)
        log_error("static mirror update failed: %s", err);
    else if (st.written || st.removed)
        log_info("static mirror %s updated: %zu files written, %zu removed, %zu unchanged, "
                 "%.2f s",
                 w->cfg.out_dir, st.written, st.removed, st.unchanged, st.seconds);
    return e == ERR_OK;
}

/* wait_or_stop sleeps interval_s unless stopped first; true when stopping. */
static bool wait_or_stop(struct export_watch *w)
{
    struct timespec until = realtime_in_ms((int64_t)w->interval_s * 1000);
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0)
            break;
    }
    bool stop = w->stop;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

static void *watch_thread(void *arg)
{
    struct export_watch *w = arg;
    struct store *s = NULL;
    int64_t seen = -1, due = 0;
    bool fresh = false; /* the last export succeeded (metrics) */

    for (;;) {
        if (s == NULL && store_open(w->cfg.db_path, STORE_READ, &s) != ERR_OK)
            s = NULL;
        if (s != NULL) {
            int64_t v;
            int64_t now = utc_now();
            if (store_change_counter(s, &v) != ERR_OK) {
                store_close(s);
                s = NULL;
            } else if (v != seen || (due > 0 && now >= due)) {
                seen = v;
                fresh = run_once(w);
                int64_t at;
                due = store_next_visible_at(s, &at) == ERR_OK ? at : 0;
            } else if (fresh) {
                metrics_mirror_caught_up(now); /* nothing changed: still up to date */
            }
        }
        if (wait_or_stop(w))
            break;
    }
    store_close(s);
    return NULL;
}

struct export_watch *export_watch_start(const struct export_config *cfg, unsigned interval_s)
{
    struct export_watch *w = calloc(1, sizeof *w);
    if (w == NULL)
        abort();
    w->db = dup_or_empty(cfg->db_path);
    w->theme = dup_or_empty(cfg->theme_dir);
    w->media = dup_or_empty(cfg->media_dir);
    w->base_url = dup_or_empty(cfg->base_url);
    w->out = dup_or_empty(cfg->out_dir);
    w->cfg = *cfg;
    w->cfg.db_path = w->db;
    w->cfg.theme_dir = w->theme;
    w->cfg.media_dir = w->media;
    w->cfg.base_url = w->base_url;
    w->cfg.out_dir = w->out;
    w->interval_s = interval_s ? interval_s : 5;
    metrics_mirror_start(utc_now()); /* /metrics: its lag counts from now */
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, watch_thread, w) != 0) {
        log_error("cannot start the static mirror thread");
        export_watch_stop(w);
        return NULL;
    }
    w->running = true;
    log_info("keeping the static mirror %s up to date (every %u s)", w->out, w->interval_s);
    return w;
}

void export_watch_stop(struct export_watch *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (w->running)
        pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w->db);
    free(w->theme);
    free(w->media);
    free(w->base_url);
    free(w->out);
    free(w);
}
