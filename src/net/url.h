/* url.h: libcurl helpers for the services that talk to other servers (mail/ sends over
 * SMTP, cdn/ posts purges). It lives in its own folder, below those services and above
 * core/: core/ depends on nothing (no libcurl), and neither service should include the
 * other's header for a shared helper. It includes libcurl and libc only, nothing of ours. */
#ifndef VISNYK_NET_URL_H
#define VISNYK_NET_URL_H

#include <stddef.h>

/* The URL parts net_url_for_log can drop, or-ed together. */
enum net_url_part {
    NET_URL_USER = 1 << 0,
    NET_URL_PASSWORD = 1 << 1,
    NET_URL_OPTIONS = 1 << 2, /* the ";options" after the password (IMAP, POP3, SMTP) */
    NET_URL_QUERY = 1 << 3,
};

/* net_curl_init calls curl_global_init once per process; call it before other libcurl
 * calls. Safe from any thread. */
void net_curl_init(void);

/* net_url_for_log writes url into out (out_size bytes, truncated, NUL-terminated)
 * without the parts in strip (enum net_url_part bits), for logs: credentials and tokens
 * must not reach them. When url does not parse, out says "(unparsable <what> url)". */
void net_url_for_log(const char *url, unsigned strip, const char *what, char *out, size_t out_size);

#endif
