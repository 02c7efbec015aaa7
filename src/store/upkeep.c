/* upkeep.c: the database's background upkeep while the server runs. Every
 * UPKEEP_INTERVAL_S a thread with its own write connection runs store_search_upkeep,
 * which returns at once when no indexed text changed; after a publish the merged
 * index and the vocabulary catch up within that interval (until then searches read the
 * index itself, only slower). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/kyiv_time.h"
#include "core/log.h"
#include "store/search.h"

#define UPKEEP_INTERVAL_S 20

struct store_upkeep {
    char *db_path;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

static double monotonic_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void upkeep_once(struct store *db)
{
    struct store_search_upkeep_report r;
    double t0 = monotonic_ms();
    enum err e = store_search_upkeep(db, &r);
    if (e != ERR_OK)
        log_warn("search upkeep failed (searches stay correct, only slower): %s: %s", err_str(e),
                 store_errmsg(db));
    else if (r.ran)
        log_info("search upkeep: %ld merge steps, %ld vocabulary slices in %.0f ms", r.merge_steps,
                 r.vocabulary_slices, monotonic_ms() - t0);
}

static void *run(void *arg)
{
    struct store_upkeep *u = arg;
    struct store *db = NULL;
    pthread_mutex_lock(&u->lock);
    while (!u->stop) {
        struct timespec ts = realtime_in_ms(UPKEEP_INTERVAL_S * 1000);
        pthread_cond_timedwait(&u->wake, &u->lock, &ts);
        if (u->stop)
            break;
        pthread_mutex_unlock(&u->lock);
        if (db == NULL && store_open(u->db_path, STORE_WRITE, &db) != ERR_OK)
            db = NULL;
        if (db != NULL)
            upkeep_once(db);
        pthread_mutex_lock(&u->lock);
    }
    pthread_mutex_unlock(&u->lock);
    store_close(db);
    return NULL;
}

struct store_upkeep *store_upkeep_start(const char *db_path)
{
    struct store_upkeep *u = calloc(1, sizeof *u);
    if (u == NULL)
        return NULL;
    u->db_path = str_cstr_dup(db_path);
    pthread_mutex_init(&u->lock, NULL);
    pthread_cond_init(&u->wake, NULL);
    if (u->db_path == NULL || pthread_create(&u->thread, NULL, run, u) != 0) {
        log_warn("database upkeep thread did not start: searches stay correct, only slower");
        pthread_mutex_destroy(&u->lock);
        pthread_cond_destroy(&u->wake);
        free(u->db_path);
        free(u);
        return NULL;
    }
    return u;
}

void store_upkeep_stop(struct store_upkeep *u)
{
    if (u == NULL)
        return;
    pthread_mutex_lock(&u->lock);
    u->stop = true;
    pthread_cond_signal(&u->wake);
    pthread_mutex_unlock(&u->lock);
    pthread_join(u->thread, NULL);
    pthread_mutex_destroy(&u->lock);
    pthread_cond_destroy(&u->wake);
    free(u->db_path);
    free(u);
}
