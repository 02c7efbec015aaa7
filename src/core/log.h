/* log.h: leveled logging to stderr. Messages are lowercase, error first, no full
 * stop. Never log passwords, tokens or full e-mail addresses; pass client-supplied
 * text through log_escape. */
#ifndef VISNYK_CORE_LOG_H
#define VISNYK_CORE_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

void log_set_level(enum log_level level);
/* log_set_format: text lines (the default) or one JSON object per line, {"time",
 * "level", "req" (when there is a request id), "msg"}, for log shippers. */
void log_set_format(enum log_format format);
enum log_level log_get_level(void);
/* log_msg writes one line: time, level, request id (0 = none), message. Thread-safe. */
void log_msg(enum log_level level, uint64_t request_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* log_escape copies at most out_size-1 bytes of (p, n) into out, replacing control
 * characters and non-printable bytes by \xNN, so client text cannot forge log lines. */
void log_escape(const char *p, size_t n, char *out, size_t out_size);

#define log_debug(...) log_msg(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, 0, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, 0, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, 0, __VA_ARGS__)

#endif
