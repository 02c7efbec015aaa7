#include "net/url.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void net_curl_init(void)
{
    pthread_once(&curl_once, curl_init_once);
}

void net_url_for_log(const char *url, unsigned strip, const char *what, char *out, size_t out_size)
{
    CURLU *u = curl_url();
    char *clean = NULL;
    snprintf(out, out_size, "(unparsable %s url)", what);
    if (u == NULL)
        return;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        if (strip & NET_URL_USER)
            curl_url_set(u, CURLUPART_USER, NULL, 0);
        if (strip & NET_URL_PASSWORD)
            curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        if (strip & NET_URL_OPTIONS)
            curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
        if (strip & NET_URL_QUERY)
            curl_url_set(u, CURLUPART_QUERY, NULL, 0);
        if (curl_url_get(u, CURLUPART_URL, &clean, 0) == CURLUE_OK)
            snprintf(out, out_size, "%s", clean);
        curl_free(clean);
    }
    curl_url_cleanup(u);
}
