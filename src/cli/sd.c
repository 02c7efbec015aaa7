/* sd.c: the systemd notification glue for `visnyk serve` (see sd.h). */
#include "cli/sd.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "core/log.h"

/* The watchdog thread's state: created by cli_sd_ready, joined by cli_sd_stopping. */
static pthread_t wd_thread;
static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cond;
static bool wd_running;
static bool wd_stop;
static uint64_t wd_interval_usec;

static bool under_systemd(void)
{
    const char *s = getenv("NOTIFY_SOCKET");
    return s != NULL && s[0] != '\0';
}

static void notify(const char *state)
{
    int rc = sd_notify(0, state);
    if (rc < 0)
        log_warn("systemd: cannot send %s: %s", state, strerror(-rc));
}

/* watchdog_run pings every wd_interval_usec until wd_stop; the condition variable runs
 * on CLOCK_MONOTONIC so a wall-clock jump neither stalls nor floods the pings. */
static void *watchdog_run(void *arg)
{
    (void)arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&wd_lock);
    while (!wd_stop) {
        pthread_mutex_unlock(&wd_lock);
        notify("WATCHDOG=1");
        pthread_mutex_lock(&wd_lock);
        next.tv_sec += (time_t)(wd_interval_usec / 1000000u);
        next.tv_nsec += (long)(wd_interval_usec % 1000000u) * 1000L;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        int rc = 0;
        while (!wd_stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&wd_cond, &wd_lock, &next);
    }
    pthread_mutex_unlock(&wd_lock);
    return NULL;
}

static void watchdog_start(uint64_t usec)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&wd_cond, &attr);
    pthread_condattr_destroy(&attr);
    /* half the interval, as sd_watchdog_enabled(3) advises; never below 1 ms */
    wd_interval_usec = usec / 2 > 1000 ? usec / 2 : 1000;
    wd_stop = false;
    if (pthread_create(&wd_thread, NULL, watchdog_run, NULL) != 0) {
        log_error("systemd: cannot start the watchdog thread; the service manager will "
                  "restart the server when WatchdogSec= passes");
        pthread_cond_destroy(&wd_cond);
        return;
    }
    wd_running = true;
    log_info("systemd: watchdog every %llu ms", (unsigned long long)(wd_interval_usec / 1000));
}

void cli_sd_ready(void)
{
    if (!under_systemd())
        return;
    char state[64];
    snprintf(state, sizeof(state), "READY=1\nMAINPID=%ld", (long)getpid());
    notify(state);
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
        watchdog_start(usec);
}

void cli_sd_stopping(void)
{
    if (!under_systemd())
        return;
    notify("STOPPING=1");
    if (!wd_running)
        return;
    pthread_mutex_lock(&wd_lock);
    wd_stop = true;
    pthread_cond_signal(&wd_cond);
    pthread_mutex_unlock(&wd_lock);
    pthread_join(wd_thread, NULL);
    pthread_cond_destroy(&wd_cond);
    wd_running = false;
}
