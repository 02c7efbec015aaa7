#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/utf8.h"

static _Atomic int current_level = LOG_INFO;
static _Atomic int current_format = LOG_FORMAT_TEXT;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(enum log_level level)
{
    atomic_store(&current_level, (int)level);
}

void log_set_format(enum log_format format)
{
    atomic_store(&current_format, (int)format);
}

/* json_line writes {"time":…,"level":…,"req":N,"msg":…} into out from the message text,
 * escaping what JSON asks (quote, backslash, control characters) and replacing bytes that
 * are not UTF-8 with U+FFFD, so a shipper never meets a line it cannot parse. */
static size_t json_line(char *out, size_t size, const char *time_s, const char *level,
                        uint64_t request_id, const char *msg, size_t msg_len)
{
    static const char hex[] = "0123456789abcdef";
    int n;
    if (request_id != 0)
        n = snprintf(out, size, "{\"time\":\"%s\",\"level\":\"%s\",\"req\":%llu,\"msg\":\"", time_s,
                     level, (unsigned long long)request_id);
    else
        n = snprintf(out, size, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", time_s, level);
    if (n < 0 || (size_t)n >= size)
        return 0;
    size_t o = (size_t)n;
    size_t room = size - 3; /* the closing quote, brace and a NUL */
    for (size_t i = 0; i < msg_len;) {
        size_t start = i;
        unsigned char ch = (unsigned char)msg[i];
        char esc[8];
        const char *w = esc;
        size_t wl;
        if (ch < 0x80) {
            i++;
            if (ch == '"' || ch == '\\') {
                esc[0] = '\\';
                esc[1] = (char)ch;
                wl = 2;
            } else if (ch < 0x20 || ch == 0x7f) {
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[ch >> 4];
                esc[5] = hex[ch & 15];
                wl = 6;
            } else {
                esc[0] = (char)ch;
                wl = 1;
            }
        } else if (utf8_decode(msg, msg_len, &i) < 0) {
            w = "\\ufffd";
            wl = 6;
        } else {
            w = msg + start;
            wl = i - start;
        }
        if (o + wl > room)
            break;
        memcpy(out + o, w, wl);
        o += wl;
    }
    out[o++] = '"';
    out[o++] = '}';
    out[o] = '\0';
    return o;
}

enum log_level log_get_level(void)
{
    return (enum log_level)atomic_load(&current_level);
}

static const char *level_name(enum log_level level)
{
    switch (level) {
    case LOG_DEBUG:
        return "debug";
    case LOG_INFO:
        return "info";
    case LOG_WARN:
        return "warn";
    case LOG_ERROR:
        return "error";
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
    char time_s[64];
    snprintf(time_s, sizeof(time_s), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    if (atomic_load(&current_format) == LOG_FORMAT_JSON) {
        char msg[2048], json[4096];
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        size_t ml = m < 0 ? 0 : (size_t)m >= sizeof(msg) ? sizeof(msg) - 1 : (size_t)m;
        size_t jl = json_line(json, sizeof(json), time_s, level_name(level), request_id, msg, ml);
        pthread_mutex_lock(&log_lock);
        fwrite(json, 1, jl, stderr);
        fputc('\n', stderr);
        pthread_mutex_unlock(&log_lock);
        return;
    }
    int n = snprintf(line, sizeof(line), "%s %s ", time_s, level_name(level));
    if (n < 0)
        return;
    size_t used = (size_t)n;
    if (request_id != 0 && used < sizeof(line)) {
        n = snprintf(line + used, sizeof(line) - used, "req=%llu ", (unsigned long long)request_id);
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
