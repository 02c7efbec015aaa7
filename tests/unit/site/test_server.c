/* test_server.c: the public pages through the real HTTP server (port 0, two loop
 * threads): routing, security headers on pages and errors, error pages in the site's
 * design, static assets, the page cache, HEAD and 405. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/kyiv_time.h"
#include "http/http.h"
#include "site/site.h"
#include "store/content.h"

static struct http_server *srv;
static struct http_config hcfg;
static uint16_t port;

static void *serve(void *arg)
{
    (void)arg;
    enum err e = http_server_run(&hcfg, site_on_reload, &srv);
    if (e != ERR_OK)
        fprintf(stderr, "http_server_run: %s\n", err_str(e));
    return NULL;
}

/* fetch sends one request (Connection: close) and returns the whole response in a
 * malloc'd string. */
static char *fetch(const char *method, const char *target)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    char req[1024];
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);

    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        out[0] = '\0';
        if (fd >= 0)
            close(fd);
        return out;
    }
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: visnyk.test\r\nConnection: close\r\n\r\n", method,
                     target);
    if (write(fd, req, (size_t)n) != n)
        fprintf(stderr, "short write\n");
    for (;;) {
        if (cap - len < 4096) {
            cap *= 2;
            out = realloc(out, cap);
        }
        ssize_t r = read(fd, out + len, cap - len - 1);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    out[len] = '\0';
    close(fd);
    return out;
}

static int status_of(const char *resp)
{
    int s = 0;
    if (strncmp(resp, "HTTP/1.1 ", 9) == 0)
        for (const char *p = resp + 9; *p >= '0' && *p <= '9'; p++)
            s = s * 10 + (*p - '0');
    return s;
}

static void seed(const char *db)
{
    struct store *s;
    int from, to;
    int64_t id;
    const struct str tags[] = {STR_LIT("безпека")};
    struct store_article_input in = {
        .slug = STR_LIT("persha-novyna"),
        .title = STR_LIT("Перша новина"),
        .lead = STR_LIT("Коротко."),
        .body_md = STR_LIT("Текст новини."),
        .published_at = kyiv_to_utc(2024, 8, 1, 16, 51, 0),
        .status = STORE_PUBLISHED,
        .tags = tags,
        .n_tags = 1,
    };
    CHECK(store_open(db, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, &from, &to) == ERR_OK);
    CHECK(store_begin(s) == ERR_OK);
    CHECK(store_article_upsert(s, &in, &id) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    store_close(s);
}

int main(void)
{
    const char *src = getenv("VISNYK_SOURCE_DIR");
    char tmpdir[] = "/tmp/visnyk-site-srv-XXXXXX", db[128], media[128], theme[1024], err[512];
    struct site *site = NULL;
    struct http_router *router;
    pthread_t th;
    size_t n_headers;
    char *r;

    if (mkdtemp(tmpdir) == NULL)
        return 1;
    snprintf(db, sizeof db, "%s/site.db", tmpdir);
    snprintf(media, sizeof media, "%s/media", tmpdir);
    mkdir(media, 0700);
    snprintf(theme, sizeof theme, "%s/templates/themes/default", src ? src : ".");
    seed(db);

    struct site_config cfg = {
        .db_path = db, .theme_dir = theme, .media_dir = media, .base_url = "http://visnyk.test"};
    CHECK(site_new(&cfg, &site, err, sizeof err) == ERR_OK);
    if (site == NULL) {
        fprintf(stderr, "site_new: %s\n", err);
        return check_done();
    }
    router = http_router_new();
    site_routes(site, router);
    hcfg.host = "127.0.0.1";
    hcfg.port = 0;
    hcfg.threads = 2;
    hcfg.page_cache = true;
    hcfg.router = router;
    hcfg.app = site;
    hcfg.thread_init = site_thread_init;
    hcfg.thread_done = site_thread_done;
    hcfg.error_page = site_error_page;
    hcfg.common_headers = site_security_headers(&n_headers);
    hcfg.n_common_headers = n_headers;
    pthread_create(&th, NULL, serve, NULL);
    for (int i = 0; i < 500 && __atomic_load_n(&srv, __ATOMIC_ACQUIRE) == NULL; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK(srv != NULL);
    if (srv == NULL)
        return check_done();
    port = http_server_port(srv);

    r = fetch("GET", "/news/persha-novyna");
    CHECK(status_of(r) == 200);
    CHECK(strstr(r, "Content-Security-Policy: default-src 'self'") != NULL);
    CHECK(strstr(r, "X-Frame-Options: SAMEORIGIN") != NULL);
    CHECK(strstr(r, "<h1>Перша новина</h1>") != NULL);
    free(r);
    r = fetch("GET", "/news/persha-novyna"); /* a page cache hit gives the same page */
    CHECK(status_of(r) == 200);
    CHECK(strstr(r, "<h1>Перша новина</h1>") != NULL);
    free(r);

    r = fetch("GET", "/news/nemaie");
    CHECK(status_of(r) == 404);
    CHECK(strstr(r, "Сторінку не знайдено") != NULL);
    CHECK(strstr(r, "Content-Security-Policy:") != NULL);
    free(r);
    r = fetch("GET", "/nemaie/zovsim");
    CHECK(status_of(r) == 404);
    CHECK(strstr(r, "Сторінку не знайдено") != NULL);
    free(r);
    r = fetch("POST", "/news");
    CHECK(status_of(r) == 405);
    CHECK(strstr(r, "Дію не підтримано") != NULL);
    free(r);
    r = fetch("HEAD", "/");
    CHECK(status_of(r) == 200);
    CHECK(strstr(r, "<html") == NULL);
    free(r);

    const char *pages[] = {"/",
                           "/news",
                           "/tags",
                           "/tags/bezpeka",
                           "/departments",
                           "/archive",
                           "/archive/2024",
                           "/archive/2024/08",
                           "/sitemap",
                           "/static/site.css",
                           "/favicon.ico"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        r = fetch("GET", pages[i]);
        if (status_of(r) != 200)
            fprintf(stderr, "%s: %d\n", pages[i], status_of(r));
        CHECK(status_of(r) == 200);
        free(r);
    }
    /* the hashed stylesheet the pages link to is served immutable */
    r = fetch("GET", "/");
    char css[128] = "";
    const char *p = strstr(r, "href=\"/static/site.");
    if (p != NULL) {
        p += strlen("href=\"");
        snprintf(css, sizeof css, "%.*s", (int)strcspn(p, "\""), p);
    }
    free(r);
    CHECK(css[0] != '\0');
    r = fetch("GET", css);
    CHECK(status_of(r) == 200);
    CHECK(strstr(r, "immutable") != NULL);
    free(r);
    r = fetch("GET", "/media/../../etc/passwd");
    CHECK(status_of(r) == 404 || status_of(r) == 400);
    free(r);
    r = fetch("GET", "/archive/20x4/08");
    CHECK(status_of(r) == 400);
    free(r);

    http_server_stop(srv);
    pthread_join(th, NULL);
    http_router_free(router);
    site_free(site);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_done();
}
