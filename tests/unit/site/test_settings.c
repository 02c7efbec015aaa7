/* test_settings.c: the editable layout values (site_settings.h): menu parsing and
 * validation, URL and text checks; and how header and footer render them with the real
 * theme (site__layout_values). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/buf.h"
#include "site/site_internal.h"
#include "site/site_settings.h"

static bool has(const struct buf *b, const char *needle)
{
    return str_find(buf_str(b), str_from_cstr(needle)) != SIZE_MAX;
}

static void test_urls(void)
{
    static const char *const good[] = {
        "/",
        "/news",
        "/pages/about",
        "/archive/2024?x=1#top",
        "/pages/контакти",
        "https://example.org",
        "http://example.org/a?b=c",
        "HTTPS://Example.org/",
    };
    static const char *const bad[] = {
        "",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,x",
        "mailto:a@b.c",
        "//evil.example",
        "news",
        "https://",
        "https:///x",
        "http:/x",
        "/a b",
        "/a\"onmouseover=x",
        "/a<b",
        "/a\\b",
        "ftp://x",
        "/\t",
        "vbscript:x",
    };
    char longurl[SITE_URL_MAX_BYTES + 2];

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(site_url_allowed(str_from_cstr(good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (site_url_allowed(str_from_cstr(bad[i])))
            fprintf(stderr, "allowed: %s\n", bad[i]);
        CHECK(!site_url_allowed(str_from_cstr(bad[i])));
    }
    CHECK(!site_url_allowed(STR_LIT("/\xff\xfe")));
    memset(longurl, 'a', sizeof longurl - 1);
    longurl[0] = '/';
    longurl[SITE_URL_MAX_BYTES] = '\0';
    CHECK(site_url_allowed(str_from_cstr(longurl))); /* exactly the limit */
    longurl[SITE_URL_MAX_BYTES] = 'a';
    longurl[SITE_URL_MAX_BYTES + 1] = '\0';
    CHECK(!site_url_allowed(str_from_cstr(longurl)));
}

static void test_text(void)
{
    CHECK(site_text_ok(STR_LIT(""), 10, false));
    CHECK(site_text_ok(STR_LIT("Новини"), 6, false)); /* characters, not bytes */
    CHECK(!site_text_ok(STR_LIT("Новини!"), 6, false));
    CHECK(!site_text_ok(STR_LIT("a\nb"), 10, false));
    CHECK(site_text_ok(STR_LIT("a\nb\r\n\tc"), 10, true));
    CHECK(!site_text_ok(STR_LIT("a\x01"), 10, true));
    CHECK(!site_text_ok(STR_LIT("a\x7f"), 10, true));
    CHECK(!site_text_ok(STR_LIT("a\xc2\x85"), 10, true));     /* U+0085, a C1 control */
    CHECK(!site_text_ok(STR_LIT("\xc0\xaf"), 10, false));     /* overlong */
    CHECK(!site_text_ok(STR_LIT("\xed\xa0\x80"), 10, false)); /* surrogate */
    CHECK(site_text_chars(STR_LIT("Ґанок ’")) == 7);
}

static void test_menu(void)
{
    struct site_menu_item items[SITE_MENU_MAX_ITEMS];
    size_t n, line;
    enum site_menu_problem pr;
    struct buf b;

    CHECK(site_menu_parse(STR_LIT("Новини | /news\r\n\r\n  Громади|https://example.org/g  \n"
                                  "A | B | /x\n"),
                          items, &n, &line, &pr) == ERR_OK);
    CHECK(n == 3 && pr == SITE_MENU_OK && line == 0);
    CHECK_STR(items[0].label, "Новини");
    CHECK_STR(items[0].url, "/news");
    CHECK_STR(items[1].label, "Громади");
    CHECK_STR(items[1].url, "https://example.org/g");
    CHECK_STR(items[2].label, "A | B"); /* split at the last bar */
    CHECK_STR(items[2].url, "/x");

    CHECK(site_menu_parse(STR_LIT(""), items, &n, &line, &pr) == ERR_OK && n == 0);
    CHECK(site_menu_parse(STR_LIT("\n \r\n"), items, &n, &line, &pr) == ERR_OK && n == 0);

    CHECK(site_menu_parse(STR_LIT("A | /a\nB /b\n"), items, &n, &line, &pr) == ERR_INVALID);
    CHECK(line == 2 && pr == SITE_MENU_NO_SEPARATOR && n == 0);
    CHECK(site_menu_parse(STR_LIT("A | /a\n\nЗло | javascript:alert(1)\n"), items, &n, &line,
                          &pr) == ERR_INVALID);
    CHECK(line == 3 && pr == SITE_MENU_BAD_URL);
    CHECK(site_menu_parse(STR_LIT(" | /a"), items, &n, &line, &pr) == ERR_INVALID);
    CHECK(line == 1 && pr == SITE_MENU_NO_LABEL);
    CHECK(site_menu_parse(STR_LIT("A |"), items, &n, &line, &pr) == ERR_INVALID);
    CHECK(pr == SITE_MENU_BAD_URL);
    CHECK(site_menu_parse(STR_LIT("A\x01 | /a"), items, &n, &line, &pr) == ERR_INVALID);
    CHECK(pr == SITE_MENU_LONG_LABEL);
    CHECK(site_menu_parse(STR_LIT("A | /a\n\xff | /b"), items, &n, &line, &pr) == ERR_INVALID);
    CHECK(pr == SITE_MENU_BAD_TEXT && line == 0);

    /* labels: 60 characters (Cyrillic: 120 bytes) pass, 61 do not */
    buf_init(&b, 4096);
    for (int i = 0; i < 60; i++)
        buf_append(&b, "Ж", 2);
    buf_append(&b, " | /a", 5);
    CHECK(site_menu_parse(buf_str(&b), items, &n, &line, &pr) == ERR_OK && n == 1);
    buf_reset(&b);
    for (int i = 0; i < 61; i++)
        buf_append(&b, "Ж", 2);
    buf_append(&b, " | /a", 5);
    CHECK(site_menu_parse(buf_str(&b), items, &n, &line, &pr) == ERR_INVALID);
    CHECK(pr == SITE_MENU_LONG_LABEL && line == 1);

    /* 12 items pass, the 13th is named */
    buf_reset(&b);
    for (int i = 0; i < SITE_MENU_MAX_ITEMS; i++)
        buf_appendf(&b, "Пункт %d | /p/%d\n", i, i);
    CHECK(site_menu_parse(buf_str(&b), items, &n, &line, &pr) == ERR_OK);
    CHECK(n == SITE_MENU_MAX_ITEMS);
    buf_appendf(&b, "\nЗайвий | /x\n");
    CHECK(site_menu_parse(buf_str(&b), items, &n, &line, &pr) == ERR_INVALID);
    CHECK(pr == SITE_MENU_TOO_MANY && line == SITE_MENU_MAX_ITEMS + 2);
    buf_free(&b);
}

/* render_layout renders the header and footer partials for settings. */
static void render_layout(struct site_theme *t, const struct str *settings, struct buf *out)
{
    struct arena *a = arena_new(64 * 1024);
    struct value *root = value_obj(a);

    site__layout_values(a, root, t->uk, t, settings, ALERT_BANNER_NONE, 0);
    buf_reset(out);
    CHECK(template_render(t->ts, "header", root, t->uk, out) == ERR_OK);
    CHECK(template_render(t->ts, "footer", root, t->uk, out) == ERR_OK);
    arena_free(a);
}

static void test_render(void)
{
    const char *src = getenv("VISNYK_SOURCE_DIR");
    char dir[1024], err[512] = "";
    struct site_theme *t = NULL;
    struct str set[SITE_N_SETTINGS];
    struct buf out;

    snprintf(dir, sizeof dir, "%s/templates/themes/default", src != NULL ? src : ".");
    CHECK(site__theme_load(dir, &t, err, sizeof err) == ERR_OK);
    if (t == NULL) {
        fprintf(stderr, "theme: %s\n", err);
        return;
    }
    buf_init(&out, 1 << 20);
    for (size_t i = 0; i < SITE_N_SETTINGS; i++)
        set[i] = STR_NULL;

    /* unset: today's menu and CC BY 4.0 notice */
    render_layout(t, set, &out);
    CHECK(has(&out, "<li><a href=\"/news\">Новини</a></li>"));
    CHECK(has(&out, "<li><a href=\"/pages/contacts\">Контакти</a></li>"));
    CHECK(has(&out, "Весь контент доступний за ліцензією <a "
                    "href=\"https://creativecommons.org/licenses/by/4.0/\" rel=\"license\">"
                    "Creative Commons Attribution 4.0 International license</a>, якщо не "
                    "зазначено інше"));
    CHECK(!has(&out, "footer-note"));

    /* set: the editor's menu (escaped), note with its line breaks, custom licence */
    set[SITE_SET_MENU] = STR_LIT("Громади <b> | /communities\nЗло | javascript:alert(1)\n"
                                 "Портал | https://example.org/?a=1&b=2\n");
    set[SITE_SET_FOOTER_NOTE] = STR_LIT("Рядок 1 <script>\nРядок 2");
    set[SITE_SET_LICENSE_MODE] = STR_LIT("custom");
    set[SITE_SET_LICENSE_NAME] = STR_LIT("CC0");
    set[SITE_SET_LICENSE_URL] = STR_LIT("javascript:alert(1)");
    set[SITE_SET_LICENSE_BEFORE] = STR_LIT("Тексти передано у");
    set[SITE_SET_LICENSE_AFTER] = STR_LIT("");
    render_layout(t, set, &out);
    CHECK(has(&out, "<a href=\"/communities\">Громади &lt;b&gt;</a>"));
    CHECK(has(&out, "href=\"https://example.org/?a=1&amp;b=2\""));
    CHECK(!has(&out, "javascript"));
    CHECK(!has(&out, ">Новини<")); /* the default menu is replaced, not added to */
    CHECK(has(&out, "<p class=\"footer-note\">Рядок 1 &lt;script&gt;\nРядок 2</p>"));
    CHECK(has(&out, "<p class=\"license\">Тексти передано у CC0</p>")); /* no bad link */
    set[SITE_SET_LICENSE_URL] = STR_LIT("https://creativecommons.org/publicdomain/zero/1.0/");
    render_layout(t, set, &out);
    CHECK(has(&out, "Тексти передано у <a href=\"https://creativecommons.org/publicdomain/zero/"
                    "1.0/\" rel=\"license\">CC0</a></p>"));

    /* only bad lines: the default menu rather than none */
    set[SITE_SET_MENU] = STR_LIT("Зло | javascript:alert(1)");
    set[SITE_SET_LICENSE_MODE] = STR_LIT("none");
    render_layout(t, set, &out);
    CHECK(has(&out, "<li><a href=\"/news\">Новини</a></li>"));
    CHECK(!has(&out, "class=\"license\""));

    buf_free(&out);
    site__theme_release(t);
}

int main(void)
{
    test_urls();
    test_text();
    test_menu();
    test_render();
    return check_done();
}
