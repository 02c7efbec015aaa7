/* test_proxy.c: trusted proxies and the client behind them (proxy.c), and the
 * connection limit's exemption for trusted proxies (ratelimit.c). */
#include <string.h>

#include "check.h"
#include "http/http_internal.h"

static struct http_proxies table(const char *list)
{
    struct http_proxies p;
    struct str bad;
    enum err e = http_proxies_parse(str_from_cstr(list), &p, &bad);
    CHECK(e == ERR_OK);
    if (e != ERR_OK)
        p.n = 0;
    return p;
}

/* bad_entry: the entry http_proxies_parse refuses in list, "" when it accepts it. */
static struct str bad_entry(const char *list, enum err *e)
{
    struct http_proxies p;
    struct str bad;
    *e = http_proxies_parse(str_from_cstr(list), &p, &bad);
    return *e == ERR_OK ? STR_LIT("") : bad;
}

static void test_parse(void)
{
    struct http_proxies p = table("127.0.0.1, ::1 10.0.0.0/8,\t2001:db8::/32,,");
    CHECK(p.n == 4);
    p = table("");
    CHECK(p.n == 0);
    p = table("  , ");
    CHECK(p.n == 0);

    enum err e;
    CHECK_STR(bad_entry("127.0.0.1, 10.0.0.0/33", &e), "10.0.0.0/33");
    CHECK(e == ERR_INVALID);
    CHECK_STR(bad_entry("::/129", &e), "::/129");
    CHECK_STR(bad_entry("localhost", &e), "localhost");
    CHECK_STR(bad_entry("10.0.0.0/", &e), "10.0.0.0/");
    CHECK_STR(bad_entry("10.0.0.0/-1", &e), "10.0.0.0/-1");
    CHECK_STR(bad_entry("10.0.0.0/8/8", &e), "10.0.0.0/8/8");
    CHECK_STR(bad_entry("10.0.0", &e), "10.0.0");
    CHECK_STR(bad_entry("1.2.3.4;5.6.7.8", &e), "1.2.3.4;5.6.7.8");
    CHECK_STR(bad_entry("[::1]", &e), "[::1]");
    CHECK_STR(bad_entry("fe80::1%eth0", &e), "fe80::1%eth0");
    CHECK_STR(bad_entry("0.0.0.0/0, ::/0, 10.1.2.3/32, ::1/128", &e), "");
    CHECK(e == ERR_OK);

    /* the table is bounded; the first entry left out is named */
    char many[HTTP_MAX_TRUSTED_PROXIES * 12 + 32] = "";
    size_t len = 0;
    for (int i = 0; i <= HTTP_MAX_TRUSTED_PROXIES; i++)
        len += (size_t)snprintf(many + len, sizeof(many) - len, "10.0.0.%d,", i);
    CHECK_STR(bad_entry(many, &e), "10.0.0.64");
    CHECK(e == ERR_TOO_LARGE);
}

static void test_match(void)
{
    struct http_proxies p = table("10.0.0.0/8, 192.168.1.7/24, 203.0.113.9, 2001:db8::/32, ::1");
    CHECK(http__proxies_match(&p, "10.0.0.1"));
    CHECK(http__proxies_match(&p, "10.255.255.255"));
    CHECK(!http__proxies_match(&p, "11.0.0.0"));
    CHECK(!http__proxies_match(&p, "9.255.255.255"));
    /* host bits past the prefix are cleared: 192.168.1.7/24 is 192.168.1.0/24 */
    CHECK(http__proxies_match(&p, "192.168.1.200"));
    CHECK(!http__proxies_match(&p, "192.168.2.1"));
    CHECK(http__proxies_match(&p, "203.0.113.9"));
    CHECK(!http__proxies_match(&p, "203.0.113.8"));
    CHECK(http__proxies_match(&p, "2001:db8:ffff::1"));
    CHECK(http__proxies_match(&p, "2001:DB8::"));
    CHECK(!http__proxies_match(&p, "2001:db9::1"));
    CHECK(http__proxies_match(&p, "::1"));
    CHECK(http__proxies_match(&p, "0:0:0:0:0:0:0:1"));
    CHECK(!http__proxies_match(&p, "::2"));
    /* IPv4-mapped IPv6 is IPv4 */
    CHECK(http__proxies_match(&p, "::ffff:10.1.2.3"));
    CHECK(!http__proxies_match(&p, "::ffff:11.1.2.3"));
    /* an IPv4 range says nothing about IPv6 and the other way round */
    CHECK(!http__proxies_match(&p, "::a00:1")); /* ::10.0.0.1, not mapped */
    CHECK(!http__proxies_match(&p, "garbage"));
    CHECK(!http__proxies_match(&p, ""));
    CHECK(!http__proxies_match(NULL, "10.0.0.1"));

    /* edge prefixes */
    p = table("0.0.0.0/0");
    CHECK(http__proxies_match(&p, "1.2.3.4") && http__proxies_match(&p, "255.255.255.255"));
    CHECK(!http__proxies_match(&p, "2001:db8::1"));
    p = table("::/0");
    CHECK(http__proxies_match(&p, "2001:db8::1") && http__proxies_match(&p, "1.2.3.4"));
    p = table("198.51.100.1/32");
    CHECK(http__proxies_match(&p, "198.51.100.1") && !http__proxies_match(&p, "198.51.100.0"));
    p = table("2001:db8::1/128");
    CHECK(http__proxies_match(&p, "2001:db8::1") && !http__proxies_match(&p, "2001:db8::"));
    p = table("198.51.100.128/25");
    CHECK(http__proxies_match(&p, "198.51.100.255") && http__proxies_match(&p, "198.51.100.128"));
    CHECK(!http__proxies_match(&p, "198.51.100.127"));
    p = table("2001:db8::/127");
    CHECK(http__proxies_match(&p, "2001:db8::1") && !http__proxies_match(&p, "2001:db8::2"));
    p = table("");
    CHECK(!http__proxies_match(&p, "127.0.0.1"));
}

/* client resolves the client for peer with the given X-Forwarded-For lines (NULL-ended),
 * other headers mixed in between. */
static const char *client(const struct http_proxies *p, const char *peer, const char *const *xff)
{
    static char out[HTTP__IP_LEN];
    struct http_header h[16];
    size_t n = 0;
    h[n++] = (struct http_header){STR_LIT("Host"), STR_LIT("x")};
    for (size_t i = 0; xff != NULL && xff[i] != NULL && n + 1 < 16; i++) {
        h[n++] = (struct http_header){
            i % 2 ? STR_LIT("x-forwarded-for") : STR_LIT("X-Forwarded-For"), str_from_cstr(xff[i])};
        h[n++] = (struct http_header){STR_LIT("Accept"), STR_LIT("*/*")};
    }
    memset(out, 'z', sizeof(out));
    http__client_address(p, peer, h, n, out);
    return out;
}

#define XFF(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_client(void)
{
    struct http_proxies p = table("127.0.0.1, ::1, 10.0.0.0/8");
    /* a peer that is not trusted is the client, whatever it says */
    CHECK(strcmp(client(&p, "192.0.2.5", XFF("198.51.100.1")), "192.0.2.5") == 0);
    CHECK(strcmp(client(&p, "192.0.2.5", NULL), "192.0.2.5") == 0);
    /* a trusted peer without the header is the client itself */
    CHECK(strcmp(client(&p, "127.0.0.1", NULL), "127.0.0.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("198.51.100.1")), "198.51.100.1") == 0);
    /* a forged leftmost entry changes nothing: the rightmost untrusted hop wins */
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("203.0.113.66, 198.51.100.1")), "198.51.100.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("10.9.9.9, 198.51.100.1")), "198.51.100.1") == 0);
    /* trusted hops on the right are skipped */
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("203.0.113.66, 198.51.100.1, 10.1.1.1, 10.2.2.2")),
                 "198.51.100.1") == 0);
    /* every hop trusted: the leftmost */
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("10.3.3.3, 10.1.1.1")), "10.3.3.3") == 0);
    /* several lines are one list, in order */
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("203.0.113.66", "198.51.100.1, 10.1.1.1", "10.2.2.2")),
                 "198.51.100.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("198.51.100.1", "10.2.2.2")), "198.51.100.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("198.51.100.1", "")), "198.51.100.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("10.5.5.5", "203.0.113.7")), "203.0.113.7") == 0);
    /* empty list elements are skipped */
    CHECK(strcmp(client(&p, "127.0.0.1", XFF(" , 198.51.100.1 ,, ")), "198.51.100.1") == 0);
    /* garbage stops the walk: the last good hop, or the peer */
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("198.51.100.1, garbage")), "127.0.0.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("198.51.100.1, garbage, 10.1.1.1")), "10.1.1.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("garbage, 198.51.100.1")), "198.51.100.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("unknown")), "127.0.0.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("198.51.100.1 10.1.1.1")), "127.0.0.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("1.2.3.4.5")), "127.0.0.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("<script>")), "127.0.0.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1",
                        XFF("2001:db8::1:2:3:4:5:6:7:8:9:a:b:c:d:e:f:0:1:2:3:4:5:6:7:8:9:a:b")),
                 "127.0.0.1") == 0);
    /* ports and brackets some proxies write */
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("198.51.100.1:4711")), "198.51.100.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("[2001:db8::7]:4711")), "2001:db8::7") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("[2001:db8::7]")), "2001:db8::7") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("198.51.100.1:")), "127.0.0.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("[2001:db8::7]x")), "127.0.0.1") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("[2001:db8::7")), "127.0.0.1") == 0);
    /* one text per address: limits key a client the same way however it is written */
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("2001:DB8:0:0::7")), "2001:db8::7") == 0);
    CHECK(strcmp(client(&p, "127.0.0.1", XFF("::ffff:198.51.100.1")), "198.51.100.1") == 0);
    CHECK(strcmp(client(&p, "::ffff:127.0.0.1", XFF("198.51.100.1")), "198.51.100.1") == 0);
    CHECK(strcmp(client(&p, "::ffff:192.0.2.5", XFF("198.51.100.1")), "192.0.2.5") == 0);
    CHECK(strcmp(client(&p, "::1", XFF("198.51.100.1")), "198.51.100.1") == 0);
    CHECK(strcmp(client(&p, "0:0::1", NULL), "::1") == 0);
    /* nothing trusted: the header is ignored */
    struct http_proxies none = table("");
    CHECK(strcmp(client(&none, "127.0.0.1", XFF("198.51.100.1")), "127.0.0.1") == 0);
    CHECK(strcmp(client(NULL, "127.0.0.1", XFF("198.51.100.1")), "127.0.0.1") == 0);
    /* a peer that is no address (getpeername failed) is kept as it is */
    CHECK(strcmp(client(&p, "", XFF("198.51.100.1")), "") == 0);
}

static void test_conn_exemption(void)
{
    struct http_proxies p = table("10.0.0.0/8");
    struct http__ratelimit *rl = http__ratelimit_new(1, 0, 0, true, &p);
    bool counted;
    /* a trusted proxy carries many clients: no connection limit for it */
    for (int i = 0; i < 5; i++)
        CHECK(http__ratelimit_conn_open(rl, "10.0.0.1", &counted) && !counted);
    CHECK(http__ratelimit_conn_open(rl, "::ffff:10.0.0.1", &counted) && !counted);
    /* everybody else is limited, loopback too when limit_loopback */
    CHECK(http__ratelimit_conn_open(rl, "192.0.2.1", &counted) && counted);
    CHECK(!http__ratelimit_conn_open(rl, "192.0.2.1", &counted));
    CHECK(http__ratelimit_conn_open(rl, "127.0.0.1", &counted) && counted);
    CHECK(!http__ratelimit_conn_open(rl, "127.0.0.1", &counted));
    http__ratelimit_free(rl);
    /* requests are limited for the resolved client, proxy or not */
    rl = http__ratelimit_new(0, 1, 1, true, &p);
    unsigned retry;
    CHECK(http__ratelimit_request(rl, "10.0.0.1", &retry));
    CHECK(!http__ratelimit_request(rl, "10.0.0.1", &retry));
    http__ratelimit_free(rl);
}

int main(void)
{
    test_parse();
    test_match();
    test_client();
    test_conn_exemption();
    return check_done();
}
