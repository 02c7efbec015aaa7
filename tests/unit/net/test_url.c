#include "check.h"
#include "net/url.h"

/* The SMTP URL as mail/sender.c logs it: no user, password or ;options. */
static void test_smtp(void)
{
    const unsigned hide = NET_URL_USER | NET_URL_PASSWORD | NET_URL_OPTIONS;
    char out[256];
    net_url_for_log("smtp://news%40adm:s3cret@mail.example.org:587", hide, "smtp", out, sizeof out);
    CHECK(strstr(out, "s3cret") == NULL && strstr(out, "news") == NULL);
    CHECK(strstr(out, "mail.example.org:587") != NULL);
    net_url_for_log("smtps://mail.example.org", hide, "smtp", out, sizeof out);
    CHECK(strstr(out, "smtps://mail.example.org") != NULL);
}

/* The purge URL as cdn/purge.c logs it: no user, password or query. */
static void test_purge(void)
{
    const unsigned hide = NET_URL_USER | NET_URL_PASSWORD | NET_URL_QUERY;
    char out[256];
    net_url_for_log("https://k:s3cret@cdn.example.org/purge?token=t0ken", hide, "purge", out,
                    sizeof out);
    CHECK(strcmp(out, "https://cdn.example.org/purge") == 0);
    net_url_for_log("https://cdn.example.org/purge?token=t0ken", NET_URL_USER, "purge", out,
                    sizeof out);
    CHECK(strstr(out, "t0ken") != NULL); /* only what strip names goes */
    net_url_for_log("http://[::1", hide, "purge", out, sizeof out);
    CHECK(strcmp(out, "(unparsable purge url)") == 0);
}

int main(void)
{
    net_curl_init();
    test_smtp();
    test_purge();
    return check_done();
}
