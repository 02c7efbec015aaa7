/* test_site.c: the public pages against a temporary database and the real theme. The
 * handlers are called directly with a request built here (what the router would fill),
 * and error pages through site_error_page as the server would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/kyiv_time.h"
#include "site/site.h"
#include "site/site_internal.h"
#include "store/content.h"
#include "store/settings.h"

static char tmpdir[256], db_path[300], media_dir[300], theme_dir[1024];
static struct site_thread *ctx;

struct reply {
    int status;
    char *body; /* malloc'd, NUL-terminated */
    size_t len;
    bool cacheable;
    char keys[2048]; /* cache keys joined by ' ', with a leading and trailing ' ' */
    char content_type[64];
    char cache_control[64];
};

static void reply_free(struct reply *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* call runs handler for path with up to two route params and a query, the way the
 * server would: an error status with an empty body goes through site_error_page. */
static struct reply call(http_handler_fn handler, const char *path, const char *p0, const char *p1,
                         const char *query)
{
    struct http_request req = {0};
    struct http_response res = {0};
    struct reply r = {0};
    struct arena *a = arena_new(64 * 1024);

    req.arena = a;
    req.id = 1;
    req.method = HTTP_M_GET;
    req.path = str_from_cstr(path);
    req.target = req.path;
    req.query = str_from_cstr(query);
    if (p0 != NULL)
        req.params[req.n_params++] = str_from_cstr(p0);
    if (p1 != NULL)
        req.params[req.n_params++] = str_from_cstr(p1);
    req.thread_ctx = ctx;
    res.status = 200;
    buf_init(&res.body, HTTP_MAX_RESPONSE_BYTES);
    handler(&req, &res);
    if (res.status >= 400 && res.body.len == 0)
        site_error_page(&req, &res);
    if (getenv("SITE_TEST_DUMP_DIR") != NULL) {
        /* for looking at the pages: SITE_TEST_DUMP_DIR=/tmp/pages */
        char name[512];
        int n = snprintf(name, sizeof name, "%s/", getenv("SITE_TEST_DUMP_DIR"));
        for (const char *c = path; *c != '\0' && n < (int)sizeof name - 8; c++)
            name[n++] = (*c == '/' || *c == '.') ? '_' : *c;
        snprintf(name + n, sizeof name - (size_t)n, "%d.html", res.status);
        FILE *f = fopen(name, "w");
        if (f != NULL) {
            fwrite(res.body.data, 1, res.body.len, f);
            fclose(f);
        }
    }
    r.status = res.status;
    r.cacheable = res.cacheable;
    r.body = buf_detach(&res.body, &r.len);
    if (r.body == NULL) {
        r.body = calloc(1, 1);
        r.len = 0;
    }
    size_t off = 0;
    r.keys[off++] = ' ';
    for (size_t i = 0; i < res.n_cache_keys && off + res.cache_keys[i].len + 2 < sizeof r.keys;
         i++) {
        memcpy(r.keys + off, res.cache_keys[i].ptr, res.cache_keys[i].len);
        off += res.cache_keys[i].len;
        r.keys[off++] = ' ';
    }
    r.keys[off] = '\0';
    for (size_t i = 0; i < res.n_headers; i++) {
        if (str_eq_nocase(res.headers[i].name, STR_LIT("Content-Type")))
            snprintf(r.content_type, sizeof r.content_type, "%.*s", STR_FMT(res.headers[i].value));
        if (str_eq_nocase(res.headers[i].name, STR_LIT("Cache-Control")))
            snprintf(r.cache_control, sizeof r.cache_control, "%.*s",
                     STR_FMT(res.headers[i].value));
    }
    buf_free(&res.body);
    arena_free(a);
    return r;
}

static bool has(const struct reply *r, const char *needle)
{
    bool found = r->body != NULL && strstr(r->body, needle) != NULL;
    if (!found)
        fprintf(stderr, "  missing: %s\n", needle);
    return found;
}

static bool has_key(const struct reply *r, const char *key)
{
    char k[128];
    snprintf(k, sizeof k, " %s ", key);
    return strstr(r->keys, k) != NULL;
}

static bool lacks(const struct reply *r, const char *needle)
{
    return r->body == NULL || strstr(r->body, needle) == NULL;
}

static size_t count_of(const struct reply *r, const char *needle)
{
    size_t n = 0;
    for (const char *p = r->body; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

#define HASH(c)                                                                                    \
    c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c  \
        c c c c c c c c c c c c c c c c c

static void seed(void)
{
    struct store *s;
    int from, to;
    int64_t id;
    const struct str depts[] = {
        STR_LIT("Департамент економічного розвитку, торгівлі та залучення інвестицій"),
        STR_LIT("Департамент з питань оборонної роботи, цивільного захисту та взаємодії з "
                "правоохоронними органами"),
        STR_LIT("Департамент інформаційної діяльності та комунікацій з громадськістю"),
    };
    const struct str tags[] = {STR_LIT("безпека"), STR_LIT("Володимир Василенко"),
                               STR_LIT("право")};
    const struct store_photo_input photos[] = {
        {STR_LIT(HASH("a")), 1600, 1067, STR_LIT("Василенко Касянов"), STR_LIT("")},
        {STR_LIT(HASH("b")), 1200, 800, STR_LIT("КМЄС (1)"), STR_LIT("Делегація КМЄС")},
        {STR_LIT(HASH("c")), 2000, 1333, STR_LIT("Зустріч"), STR_LIT("")},
        {STR_LIT(HASH("d")), 400, 300, STR_LIT(""), STR_LIT("")},
    };
    struct store_article_input in = {
        .slug = STR_LIT("na-poltavshchyni-realizovuvatymut-proiekty"),
        .title = STR_LIT("На Полтавщині реалізовуватимуть проєкти спільно з Консультативною "
                         "місією Європейського Союзу"),
        .lead = STR_LIT("Полтавщину відвідала делегація Консультативної місії ЄС."),
        .body_md = STR_LIT("Полтавщину відвідала делегація.\n\n«Мої колеги мають значний "
                           "досвід», – зазначив **Ове Уруп-Мадсен**.\n"),
        .published_at = kyiv_to_utc(2024, 8, 1, 16, 51, 0),
        .status = STORE_PUBLISHED,
        .departments = depts,
        .n_departments = 3,
        .tags = tags,
        .n_tags = 3,
        .photos = photos,
        .n_photos = 4,
    };

    CHECK(store_open(db_path, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, &from, &to) == ERR_OK);
    CHECK(store_begin(s) == ERR_OK);
    CHECK(store_article_upsert(s, &in, &id) == ERR_OK);

    struct store_article_input b = {
        .slug = STR_LIT("script-v-zaholovku"),
        .title = STR_LIT("Заголовок <script>alert(1)</script> & «лапки»"),
        .lead = STR_LIT(""),
        .body_md = STR_LIT("Текст <b>сирий</b> і [посилання](javascript:alert(1)).\n"),
        .published_at = kyiv_to_utc(2024, 7, 30, 10, 0, 0),
        .status = STORE_PUBLISHED,
        .tags = tags,
        .n_tags = 1,
    };
    CHECK(store_article_upsert(s, &b, &id) == ERR_OK);
    /* enough newer articles for two pages of /news */
    for (int i = 0; i < 25; i++) {
        char slug[32], title[64];
        snprintf(slug, sizeof slug, "novyna-%d", i);
        snprintf(title, sizeof title, "Новина номер %d", i);
        struct store_article_input c = {
            .slug = str_from_cstr(slug),
            .title = str_from_cstr(title),
            .lead = STR_LIT("Коротко."),
            .body_md = STR_LIT("Текст."),
            .published_at = kyiv_to_utc(2025, 12, 29, 8, i, 0),
            .status = STORE_PUBLISHED,
            .departments = depts,
            .n_departments = 1,
        };
        CHECK(store_article_upsert(s, &c, &id) == ERR_OK);
    }
    struct store_article_input draft = {
        .slug = STR_LIT("chernetka"),
        .title = STR_LIT("Чернетка"),
        .lead = STR_LIT(""),
        .body_md = STR_LIT("x"),
        .published_at = kyiv_to_utc(2024, 8, 2, 10, 0, 0),
        .status = STORE_DRAFT,
    };
    CHECK(store_article_upsert(s, &draft, &id) == ERR_OK);
    CHECK(store_page_upsert(s, STR_LIT("about"), STR_LIT("Про адміністрацію"),
                            STR_LIT("Полтавська обласна військова адміністрація.")) == ERR_OK);
    CHECK(store_setting_set(s, "site_name",
                            STR_LIT("ПОЛТАВСЬКА ОБЛАСНА ВІЙСЬКОВА АДМІНІСТРАЦІЯ")) == ERR_OK);
    CHECK(store_setting_set(s, "address", STR_LIT("36014, Полтава, вулиця Соборності, 45")) ==
          ERR_OK);
    CHECK(store_setting_set(s, "phone", STR_LIT("+380 (532) 56-02-90")) == ERR_OK);
    CHECK(store_setting_set(s, "email", STR_LIT("info@example.gov.ua")) == ERR_OK);
    CHECK(store_setting_set(s, "support_email", STR_LIT("support@example.gov.ua")) == ERR_OK);
    CHECK(store_setting_set(s, "banner_text", STR_LIT("Повітряна тривога")) == ERR_OK);
    CHECK(store_setting_set(s, "banner_level", STR_LIT("danger")) == ERR_OK);
    CHECK(store_setting_set(s, "banner_link", STR_LIT("javascript:alert(1)")) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    store_close(s);
}

static void test_article(void)
{
    struct reply r = call(site__article, "/news/na-poltavshchyni-realizovuvatymut-proiekty",
                          "na-poltavshchyni-realizovuvatymut-proiekty", NULL, "");
    CHECK(r.status == 200);
    CHECK(r.cacheable);
    CHECK(strcmp(r.content_type, "text/html; charset=utf-8") == 0);
    CHECK(has(&r, "<html lang=\"uk\">"));
    CHECK(has(&r, "<a class=\"skip\" href=\"#main\">Перейти до основного вмісту</a>"));
    CHECK(has(&r, "<main id=\"main\""));
    CHECK(has(&r, ">Новини</a>"));
    CHECK(has(&r, ">Документи</a>"));
    CHECK(has(&r, ">Публічна інформація</a>"));
    CHECK(has(&r, ">Контакти</a>"));
    CHECK(has(&r, "<span aria-current=\"page\">На Полтавщині"));
    CHECK(count_of(&r, "<h1") == 1);
    CHECK(has(&r, "<h1>На Полтавщині реалізовуватимуть проєкти спільно з Консультативною "
                  "місією Європейського Союзу</h1>"));
    CHECK(has(&r, "<time datetime=\"2024-08-01T16:51:00+03:00\">01 серпня 2024, 16:51</time>"));
    CHECK(has(&r, ">Департамент економічного розвитку, торгівлі та залучення інвестицій</a>"));
    CHECK(has(&r, "href=\"/departments/"));
    CHECK(has(&r, "Загальне Фото (4)"));
    CHECK(count_of(&r, "<span id=\"photo-") == 4);
    /* each photo opens full size: its own file, or the largest variant */
    CHECK(count_of(&r, "<a class=\"photo-full\" href=\"/media/") == 4);
    CHECK(has(&r, "<a class=\"photo-full\" href=\"/media/" HASH("a") ".jpg\">"));
    CHECK(has(&r, "<a class=\"photo-full\" href=\"/media/" HASH("d") ".jpg\">"));
    CHECK(has(&r, "<figcaption><span class=\"caption\">Василенко Касянов</span>"));
    CHECK(has(&r, "href=\"#photo-2\""));
    CHECK(has(&r, "href=\"#photo-4\"")); /* the first photo's «previous» wraps round */
    CHECK(count_of(&r, "<img ") == count_of(&r, " alt=\""));
    CHECK(count_of(&r, "loading=\"lazy\"") == 3);
    CHECK(has(&r, "<source type=\"image/webp\" srcset=\"/media/" HASH(
                      "a") "-480.webp 480w, "
                           "/media/" HASH("a") "-960.webp 960w\""));
    CHECK(has(&r, "alt=\"Делегація КМЄС\""));
    CHECK(has(&r, "<strong>Ове Уруп-Мадсен</strong>"));
    CHECK(has(&r, "Поділитись"));
    CHECK(has(&r, "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Fvisnyk.test%2Fnews%2F"
                  "na-poltavshchyni-realizovuvatymut-proiekty"));
    CHECK(has(&r, "https://t.me/share/url?url=http%3A%2F%2Fvisnyk.test"));
    CHECK(has(&r, "https://twitter.com/intent/tweet?url="));
    CHECK(has(&r, "mailto:?subject=%D0%9D"));
    CHECK(has(&r, ">Посилання</a>"));
    CHECK(has(&r, "<link rel=\"canonical\" href=\"http://visnyk.test/news/"
                  "na-poltavshchyni-realizovuvatymut-proiekty\">"));
    CHECK(has(&r, "<meta name=\"description\" content=\"Полтавщину відвідала делегація"));
    CHECK(has(&r, ">Теги</h2>"));
    CHECK(has(&r, ">безпека</a>"));
    CHECK(has(&r, ">Володимир Василенко</a>"));
    CHECK(has(&r, ">Новина за темою</h2>"));
    CHECK(has(&r, "<time datetime=\"2024-07-30T10:00:00+03:00\">30.07.2024</time>"));
    CHECK(has(&r, ">Останні новини</h2>"));
    CHECK(has(&r, "<a href=\"/news\">Більше новин</a>"));
    {
        /* «Останні новини» holds the 9 newest, all from 29.12.2025 */
        const char *from = strstr(r.body, "id=\"latest-title\"");
        const char *to = from != NULL ? strstr(from, "</aside>") : NULL;
        size_t n = 0;
        for (const char *q = from; q != NULL && to != NULL; q += 10) {
            q = strstr(q, "29.12.2025");
            if (q == NULL || q > to)
                break;
            n++;
        }
        CHECK(n == 9);
    }
    CHECK(has(&r, "ПОЛТАВСЬКА ОБЛАСНА ВІЙСЬКОВА АДМІНІСТРАЦІЯ"));
    CHECK(has(&r, "Офіційний веб-сайт"));
    CHECK(has(&r, "36014, Полтава, вулиця Соборності, 45"));
    CHECK(has(&r, "<a href=\"tel:+380532560290\">+380 (532) 56-02-90</a>"));
    CHECK(has(&r, "<a href=\"mailto:info@example.gov.ua\">info@example.gov.ua</a>"));
    CHECK(has(&r, "Гаряча лінія"));
    CHECK(has(&r, ">112</a>"));
    CHECK(has(&r, "Весь контент доступний за ліцензією <a href=\"https://creativecommons.org/"
                  "licenses/by/4.0/\" rel=\"license\">Creative Commons Attribution 4.0 "
                  "International license</a>, якщо не зазначено інше"));
    CHECK(has(&r, "Технічна підтримка сайту"));
    CHECK(has(&r, "mailto:support@example.gov.ua"));
    CHECK(has(&r, "<a href=\"/sitemap\">Мапа сайту</a>"));
    CHECK(has(&r, "class=\"banner banner-danger\" role=\"alert\""));
    CHECK(has(&r, "Повітряна тривога"));
    CHECK(lacks(&r, "javascript:")); /* neither the banner link nor anything else */
    /* the only script element is structured data, which browsers never run */
    CHECK(count_of(&r, "<script") == count_of(&r, "<script type=\"application/ld+json\">"));
    CHECK(lacks(&r, "alert(1)</script>"));
    CHECK(lacks(&r, "style=\""));
    CHECK(has_key(&r, "list:news"));
    CHECK(has_key(&r, "settings"));
    CHECK(has_key(&r, "banner"));
    CHECK(has_key(&r, "tag:1"));
    CHECK(has_key(&r, "dept:1"));
    CHECK(strstr(r.keys, " article:") != NULL);
    /* the weight budget: HTML plus CSS under 60 KB before images */
    {
        char css[1200];
        struct stat st;
        snprintf(css, sizeof css, "%s/static/site.css", theme_dir);
        CHECK(stat(css, &st) == 0);
        CHECK(r.len + (size_t)st.st_size < 60 * 1024);
    }
    reply_free(&r);
}

static void test_escaping(void)
{
    struct reply r =
        call(site__article, "/news/script-v-zaholovku", "script-v-zaholovku", NULL, "");
    CHECK(r.status == 200);
    CHECK(has(&r, "<h1>Заголовок &lt;script&gt;alert(1)&lt;/script&gt; &amp; «лапки»</h1>"));
    CHECK(lacks(&r, "<script>"));
    CHECK(lacks(&r, "<b>сирий</b>"));
    CHECK(lacks(&r, "href=\"javascript:"));
    /* a title in the share links is percent-encoded */
    CHECK(has(&r, "%3Cscript%3E"));
    reply_free(&r);
}

static void test_not_found(void)
{
    struct reply r = call(site__article, "/news/nemaie", "nemaie", NULL, "");
    CHECK(r.status == 404);
    CHECK(!r.cacheable);
    CHECK(has(&r, "Сторінку не знайдено"));
    CHECK(has(&r, "ПОЛТАВСЬКА ОБЛАСНА ВІЙСЬКОВА АДМІНІСТРАЦІЯ")); /* remembered settings */
    CHECK(count_of(&r, "<h1") == 1);
    reply_free(&r);

    r = call(site__article, "/news/chernetka", "chernetka", NULL, "");
    CHECK(r.status == 404); /* drafts are not public */
    reply_free(&r);
    r = call(site__tag, "/tags/nemaie", "nemaie", NULL, "");
    CHECK(r.status == 404);
    reply_free(&r);
    r = call(site__page, "/pages/nemaie", "nemaie", NULL, "");
    CHECK(r.status == 404);
    reply_free(&r);
}

static void test_lists(void)
{
    struct reply r = call(site__news, "/news", NULL, NULL, "");
    CHECK(r.status == 200);
    CHECK(count_of(&r, "<article class=\"card\">") == SITE_PAGE_SIZE);
    CHECK(has(&r, "rel=\"next\""));
    CHECK(has(&r, "Наступна сторінка"));
    CHECK(has_key(&r, "list:news"));
    /* follow the «older» link */
    const char *q = strstr(r.body, "href=\"/news?after=");
    CHECK(q != NULL);
    char after[64] = "";
    if (q != NULL) {
        q += strlen("href=\"/news?");
        size_t n = strcspn(q, "\"");
        snprintf(after, sizeof after, "%.*s", (int)n, q);
    }
    reply_free(&r);
    r = call(site__news, "/news", NULL, NULL, after);
    CHECK(r.status == 200);
    CHECK(count_of(&r, "<article class=\"card") == 27 - SITE_PAGE_SIZE);
    /* the page before is the first: «Попередня» leads there, «Найновіші» would repeat it */
    CHECK(has(&r, "<a href=\"/news\" rel=\"prev\">Попередня сторінка</a>"));
    CHECK(lacks(&r, "Найновіші"));
    CHECK(lacks(&r, "rel=\"next\""));
    /* the one article with a photo shows its smallest file as a thumbnail */
    CHECK(count_of(&r, "<article class=\"card with-thumb\">") == 1);
    CHECK(has(
        &r, "<source type=\"image/webp\" srcset=\"/media/" HASH(
                "a") "-480.webp\">"
                     "<img src=\"/media/" HASH("a") "-480.jpg\" width=\"480\" height=\"320\" "
                                                    "alt=\"Василенко Касянов\" loading=\"lazy\""));
    reply_free(&r);

    r = call(site__news, "/news", NULL, NULL, "after=zzz");
    CHECK(r.status == 400);
    reply_free(&r);

    r = call(site__home, "/", NULL, NULL, "");
    CHECK(r.status == 200);
    CHECK(has(&r, "class=\"featured\"")); /* the newest has no photo: one column */
    CHECK(has(&r, "Більше новин"));
    CHECK(count_of(&r, "<h1") == 1);
    reply_free(&r);

    r = call(site__tag, "/tags/bezpeka", "bezpeka", NULL, "");
    CHECK(r.status == 200);
    CHECK(has(&r, "<h1>безпека</h1>"));
    CHECK(count_of(&r, "<article class=\"card") == 2);
    CHECK(has_key(&r, "tag:1"));
    reply_free(&r);

    r = call(site__tags, "/tags", NULL, NULL, "");
    CHECK(r.status == 200);
    CHECK(has(&r, ">безпека</a> <span class=\"count\">(2)</span>"));
    reply_free(&r);

    r = call(site__depts, "/departments", NULL, NULL, "");
    CHECK(r.status == 200);
    CHECK(has(&r, "(26)"));
    reply_free(&r);
}

static void test_archive_pages(void)
{
    struct reply r = call(site__archive, "/archive", NULL, NULL, "");
    CHECK(r.status == 200);
    CHECK(has(&r, "href=\"/archive/2024/08\">Серпень</a>"));
    CHECK(has(&r, "href=\"/archive/2025/12\">Грудень</a> <span class=\"count\">(25)</span>"));
    CHECK(has_key(&r, "archive"));
    reply_free(&r);

    r = call(site__archive_year, "/archive/2024", "2024", NULL, "");
    CHECK(r.status == 200);
    CHECK(has(&r, "Липень"));
    CHECK(lacks(&r, "Грудень"));
    reply_free(&r);
    r = call(site__archive_year, "/archive/2001", "2001", NULL, "");
    CHECK(r.status == 404);
    reply_free(&r);
    r = call(site__archive_year, "/archive/x24", "x24", NULL, "");
    CHECK(r.status == 400);
    reply_free(&r);

    r = call(site__archive_month, "/archive/2024/08", "2024", "08", "");
    CHECK(r.status == 200);
    CHECK(has(&r, "<h1>Серпень 2024</h1>"));
    CHECK(count_of(&r, "<article class=\"card") == 1);
    reply_free(&r);
    r = call(site__archive_month, "/archive/2024/13", "2024", "13", "");
    CHECK(r.status == 400);
    reply_free(&r);
    r = call(site__archive_month, "/archive/2024/01", "2024", "01", "");
    CHECK(r.status == 404);
    reply_free(&r);

    r = call(site__page, "/pages/about", "about", NULL, "");
    CHECK(r.status == 200);
    CHECK(has(&r, "<h1>Про адміністрацію</h1>"));
    CHECK(has_key(&r, "page:1"));
    reply_free(&r);

    /* «Публічна інформація»: its menu item is the current page; it leads to the sections */
    r = call(site__public_info, "/public-information", NULL, NULL, "");
    CHECK(r.status == 200);
    CHECK(has(&r, "href=\"/public-information\" aria-current=\"page\""));
    CHECK(has(&r, "href=\"/registry\"") && has(&r, "href=\"/opendata\""));
    CHECK(has(&r, "href=\"/pages/about\""));
    reply_free(&r);

    r = call(site__sitemap, "/sitemap", NULL, NULL, "");
    CHECK(r.status == 200);
    CHECK(has(&r, "<h1>Мапа сайту</h1>"));
    CHECK(has(&r, "href=\"/pages/about\">Про адміністрацію</a>"));
    CHECK(has(&r, "Серпень 2024"));
    CHECK(has(&r, ">право</a>"));
    reply_free(&r);
}

static void test_assets(void)
{
    struct site_theme *t = site__theme_acquire(ctx->site);
    bool hashed = false;
    const struct site_asset *css = site__asset_find(t, STR_LIT("site.css"), &hashed);
    CHECK(css != NULL && !hashed);
    char hashed_name[128] = "";
    if (css != NULL)
        snprintf(hashed_name, sizeof hashed_name, "%s", css->hashed);
    site__theme_release(t);

    struct reply r = call(site__static, "/static/x", hashed_name, NULL, "");
    CHECK(r.status == 200);
    CHECK(strstr(r.cache_control, "immutable") != NULL);
    CHECK(strncmp(r.content_type, "text/css", 8) == 0);
    reply_free(&r);
    r = call(site__static, "/static/site.css", "site.css", NULL, "");
    CHECK(r.status == 200);
    CHECK(strstr(r.cache_control, "immutable") == NULL);
    reply_free(&r);
    r = call(site__static, "/static/nemaie.css", "nemaie.css", NULL, "");
    CHECK(r.status == 404);
    reply_free(&r);
    r = call(site__favicon, "/favicon.ico", NULL, NULL, "");
    CHECK(r.status == 200);
    reply_free(&r);

    /* media: only content-hash names, read from the media folder */
    char path[600];
    snprintf(path, sizeof path, "%s/%s-480.webp", media_dir, HASH("a"));
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("RIFF0000WEBP", f);
        fclose(f);
    }
    r = call(site__media, "/media/x", HASH("a") "-480.webp", NULL, "");
    CHECK(r.status == 200);
    CHECK(strcmp(r.content_type, "image/webp") == 0);
    CHECK(r.len == 12);
    reply_free(&r);
    r = call(site__media, "/media/x", HASH("b") ".jpg", NULL, "");
    CHECK(r.status == 404); /* well-formed but absent */
    reply_free(&r);
    const char *bad[] = {"../etc/passwd",     HASH("A") ".jpg",         HASH("a") ".png",
                         HASH("a") "-.jpg",   HASH("a") "-1234567.jpg", "x.jpg",
                         HASH("a") ".jpg.jpg"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *type;
        CHECK(!site__media_name_ok(str_from_cstr(bad[i]), &type));
    }
    const char *type = NULL;
    CHECK(site__media_name_ok(STR_LIT(HASH("0") "-1600.jpg"), &type));
    CHECK(type != NULL && strcmp(type, "image/jpeg") == 0);
}

static void test_headers_and_reload(void)
{
    size_t n = 0;
    const struct http_header *h = site_security_headers(&n);
    CHECK(n == 6);
    CHECK(str_eq_cstr(h[0].name, "Content-Security-Policy"));
    CHECK(str_find(h[0].value, STR_LIT("script-src 'self'")) != SIZE_MAX);
    CHECK(site_reload(ctx->site) == ERR_OK);
    struct reply r = call(site__home, "/", NULL, NULL, "");
    CHECK(r.status == 200);
    reply_free(&r);
}

static void test_db_down(void)
{
    /* a thread whose database cannot be opened answers 503 in the site's design */
    struct site_thread *saved = ctx;
    struct site_thread down = {.site = saved->site, .retry_at = INT64_MAX};
    ctx = &down;
    struct reply r = call(site__home, "/", NULL, NULL, "");
    CHECK(r.status == 503);
    CHECK(has(&r, "Сайт тимчасово недоступний"));
    CHECK(has(&r, "Мапа сайту"));
    reply_free(&r);
    ctx = saved;
}

/* the variant comes from the path's first segment only, and whole */
static void test_variant_of(void)
{
    static const struct {
        const char *path, *rest;
        bool lv;
    } cases[] = {
        {"/", "/", false},
        {"/news", "/news", false},
        {"/lv", "/", true},
        {"/lv/", "/", true},
        {"/lv/news", "/news", true},
        {"/lvx", "/lvx", false},
        {"/news/lv", "/news/lv", false},
        {"/lv/lv/x", "/lv/x", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct site_variant v;
        struct str rest;
        site__variant_of(str_from_cstr(cases[i].path), &v, &rest);
        CHECK(v.low_vision == cases[i].lv);
        CHECK_STR(rest, cases[i].rest);
        CHECK_STR(v.prefix, cases[i].lv ? "/lv" : "");
    }
    CHECK(site__mirrored(STR_LIT("/news/x")));
    CHECK(site__mirrored(STR_LIT("/pages/about?x=1")));
    CHECK(!site__mirrored(STR_LIT("/media/a.jpg")));
    CHECK(!site__mirrored(STR_LIT("/tags/x/feed.xml")));
    CHECK(!site__mirrored(STR_LIT("/feed.xml#top")));
    CHECK(!site__mirrored(STR_LIT("/admin/articles")));
}

int main(void)
{
    const char *src = getenv("VISNYK_SOURCE_DIR");
    char err[512] = "";
    struct site *site = NULL;

    test_variant_of();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/visnyk-site-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(db_path, sizeof db_path, "%s/site.db", tmpdir);
    snprintf(media_dir, sizeof media_dir, "%s/media", tmpdir);
    mkdir(media_dir, 0700);
    snprintf(theme_dir, sizeof theme_dir, "%s/templates/themes/default", src ? src : ".");

    seed();
    struct site_config cfg = {
        .db_path = db_path,
        .theme_dir = theme_dir,
        .media_dir = media_dir,
        .base_url = "http://visnyk.test/",
    };
    enum err e = site_new(&cfg, &site, err, sizeof err);
    CHECK(e == ERR_OK);
    if (e != ERR_OK) {
        fprintf(stderr, "site_new: %s: %s\n", err_str(e), err);
        return check_done();
    }
    ctx = site_thread_init(site);
    CHECK(ctx != NULL && ctx->store != NULL);

    test_article();
    test_escaping();
    test_not_found();
    test_lists();
    test_archive_pages();
    test_assets();
    test_headers_and_reload();
    test_db_down();

    site_thread_done(ctx);
    site_free(site);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_done();
}
