/* settings.c: parsing and validation of the editable layout values (main menu, footer
 * note, licence notice). See site_settings.h. */
#include <string.h>

#include "core/utf8.h"
#include "site/site_settings.h"

const struct site_menu_default site_menu_defaults[SITE_MENU_N_DEFAULTS] = {
    {"menu.news", "/news", 0},
    {"menu.registry", "/registry", SITE_SECTION_REGISTRY},
    {"menu.appeals", "/appeals", SITE_SECTION_APPEALS},
    {"menu.leadership", "/leadership", 0},
    {"menu.public_info", "/public-information", 0},
    {"menu.contacts", "/pages/contacts", 0},
};

static bool starts_nocase(struct str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && str_eq_nocase(str_make(s.ptr, n), str_make(prefix, n));
}

bool site_url_allowed(struct str url)
{
    size_t rest;

    if (url.len == 0 || url.len > SITE_URL_MAX_BYTES || !utf8_valid(url.ptr, url.len))
        return false;
    for (size_t i = 0; i < url.len; i++) {
        unsigned char c = (unsigned char)url.ptr[i];
        /* what could end an attribute, hide a scheme or confuse a browser's parser */
        if (c <= 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' ||
            c == '`')
            return false;
    }
    if (url.ptr[0] == '/')
        return url.len == 1 || url.ptr[1] != '/'; /* "//host" leaves the site */
    if (starts_nocase(url, "https://"))
        rest = 8;
    else if (starts_nocase(url, "http://"))
        rest = 7;
    else
        return false;
    /* a host must follow: "https:///x" and "https://" are not links anywhere */
    return url.len > rest && url.ptr[rest] != '/' && url.ptr[rest] != '?' && url.ptr[rest] != '#';
}

size_t site_text_chars(struct str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        if (((unsigned char)s.ptr[i] & 0xC0) != 0x80)
            n++;
    return n;
}

bool site_text_ok(struct str s, size_t max_chars, bool multiline)
{
    size_t i = 0, chars = 0;

    if (!utf8_valid(s.ptr, s.len))
        return false;
    while (i < s.len) {
        int32_t cp = utf8_decode(s.ptr, s.len, &i);
        if (cp < 0)
            return false;
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xA0)) {
            if (!multiline || (cp != '\n' && cp != '\r' && cp != '\t'))
                return false;
        }
        if (++chars > max_chars)
            return false;
    }
    return true;
}

enum site_menu_problem site_menu_line_parse(struct str line, struct site_menu_item *out)
{
    size_t bar = SIZE_MAX;

    out->label = out->url = STR_NULL;
    /* the last '|': a label may contain one, an address should not */
    for (size_t i = line.len; i > 0; i--) {
        if (line.ptr[i - 1] == '|') {
            bar = i - 1;
            break;
        }
    }
    if (bar == SIZE_MAX)
        return SITE_MENU_NO_SEPARATOR;
    out->label = str_trim(str_sub(line, 0, bar));
    out->url = str_trim(str_sub(line, bar + 1, line.len - bar - 1));
    if (out->label.len == 0)
        return SITE_MENU_NO_LABEL;
    if (!site_text_ok(out->label, SITE_MENU_MAX_LABEL_CHARS, false))
        return SITE_MENU_LONG_LABEL;
    if (!site_url_allowed(out->url))
        return SITE_MENU_BAD_URL;
    return SITE_MENU_OK;
}

enum err site_menu_parse(struct str text, struct site_menu_item *items, size_t *n, size_t *bad_line,
                         enum site_menu_problem *problem)
{
    struct str rest = text, line;
    size_t number = 0;

    *n = 0;
    *bad_line = 0;
    *problem = SITE_MENU_OK;
    if (text.len > SITE_MENU_MAX_BYTES || !utf8_valid(text.ptr, text.len)) {
        *problem = SITE_MENU_BAD_TEXT;
        return ERR_INVALID;
    }
    while (str_split_next(&rest, '\n', &line)) {
        struct site_menu_item item;
        enum site_menu_problem p;

        number++;
        line = str_trim(line); /* also drops the '\r' of a browser's CRLF */
        if (line.len == 0)
            continue;
        if (*n == SITE_MENU_MAX_ITEMS) {
            p = SITE_MENU_TOO_MANY;
        } else {
            p = site_menu_line_parse(line, &item);
            if (p == SITE_MENU_OK) {
                items[(*n)++] = item;
                continue;
            }
        }
        *bad_line = number;
        *problem = p;
        *n = 0;
        return ERR_INVALID;
    }
    return ERR_OK;
}
