#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static _Atomic int current_level = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(enum log_level level)
{
    atomic_store(&current_level, (int)level);
}

enum log_level log_get_level(void)
{
    return (enum log_level)atomic_load(&current_level);
}

static const char *level_name(enum log_level level)
{
    switch (level) {
    case LOG_DEBUG: return "debug";
    case LOG_INFO: return "info";
    case LOG_WARN: return "warn";
    case LOG_ERROR: return "error";
    }
    return "?";
}

void log_msg(enum log_level level, uint64_t request_id, const char *fmt, ...)
{
    if ((int)level < atomic_load(&current_level))
        return;
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, level_name(level));
    if (n < 0)
        return;
    size_t used = (size_t)n;
    if (request_id != 0 && used < sizeof(line)) {
        n = snprintf(line + used, sizeof(line) - used, "req=%llu ",
                     (unsigned long long)request_id);
        if (n > 0)
            used += (size_t)n;
    }
    if (used < sizeof(line)) {
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(line + used, sizeof(line) - used, fmt, ap);
        va_end(ap);
        if (n > 0)
            used += (size_t)n;
    }
    if (used >= sizeof(line))
        used = sizeof(line) - 1;
    pthread_mutex_lock(&log_lock);
    fwrite(line, 1, used, stderr);
    fputc('\n', stderr);
    pthread_mutex_unlock(&log_lock);
}

void log_escape(const char *p, size_t n, char *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    if (out_size == 0)
        return;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c != 0x7f && c != '\\') {
            if (o + 1 >= out_size)
                break;
            out[o++] = (char)c;
        } else {
            if (o + 4 >= out_size)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}
