/* site_settings.h: the editable parts of the layout (main menu, footer note, licence
 * notice) as the site renders them and the workspace validates them. Pure functions over
 * strings: no database, no allocation. Shared by site/ (rendering) and admin/ (the
 * settings form), so both accept exactly the same values. */
#ifndef VISNYK_SITE_SITE_SETTINGS_H
#define VISNYK_SITE_SITE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/str.h"

/* Limits of the editable layout values. */
#define SITE_MENU_MAX_ITEMS 12
#define SITE_MENU_MAX_LABEL_CHARS 60
#define SITE_MENU_MAX_BYTES 8192
#define SITE_URL_MAX_BYTES 500
#define SITE_FOOTER_NOTE_MAX_CHARS 1000
#define SITE_LICENSE_NAME_MAX_CHARS 200
#define SITE_LICENSE_TEXT_MAX_CHARS 300
/* The licence the site has always shown (catalog footer.license_*). */
#define SITE_LICENSE_DEFAULT_URL "https://creativecommons.org/licenses/by/4.0/"

/* Setting keys (the settings table). menu: one "label | url" per line, in order.
 * license_mode: "" or "default" (catalog CC BY 4.0 text), "custom" (the license_*
 * settings), "none" (no notice). */
#define SITE_KEY_MENU "menu"
#define SITE_KEY_FOOTER_NOTE "footer_note"
#define SITE_KEY_LICENSE_MODE "license_mode"
#define SITE_KEY_LICENSE_NAME "license_name"
#define SITE_KEY_LICENSE_URL "license_url"
#define SITE_KEY_LICENSE_BEFORE "license_before"
#define SITE_KEY_LICENSE_AFTER "license_after"

struct site_menu_item {
    struct str label, url; /* point into the parsed text */
};

/* The menu shown while the "menu" setting is unset or empty: catalog label keys and
 * paths, in order (what the header showed before the menu became editable). */
/* The sections an operator can switch off (config `registry`, `vacancies`, `opendata`). */
#define SITE_SECTION_REGISTRY 1u
#define SITE_SECTION_VACANCIES 2u
#define SITE_SECTION_REQUESTS 4u /* config `requests`, `appeals` */
#define SITE_SECTION_APPEALS 8u
#define SITE_SECTION_CONSULTATIONS 16u /* config `consultations` */
#define SITE_SECTION_OPENDATA 32u
struct site_menu_default {
    const char *label_key, *url;
    unsigned section; /* SITE_SECTION_* it belongs to, 0 = always */
};
#define SITE_MENU_N_DEFAULTS 6
extern const struct site_menu_default site_menu_defaults[SITE_MENU_N_DEFAULTS];

enum site_menu_problem {
    SITE_MENU_OK = 0,
    SITE_MENU_NO_SEPARATOR, /* no '|' between label and address */
    SITE_MENU_NO_LABEL,
    SITE_MENU_LONG_LABEL, /* over SITE_MENU_MAX_LABEL_CHARS, or control characters */
    SITE_MENU_BAD_URL,    /* see site_url_allowed */
    SITE_MENU_TOO_MANY,   /* item number SITE_MENU_MAX_ITEMS + 1 */
    SITE_MENU_BAD_TEXT,   /* not UTF-8, or the whole text over SITE_MENU_MAX_BYTES */
};

/* site_url_allowed: a site-relative path ("/news", not "//host") or an absolute
 * http:// or https:// URL with a host; at most SITE_URL_MAX_BYTES, no spaces, control
 * characters, quotes, angle brackets or backslashes. Everything else (javascript:,
 * data:, mailto:, relative paths) is refused. */
bool site_url_allowed(struct str url);

/* site_text_chars: the number of code points in s (valid UTF-8 assumed). */
size_t site_text_chars(struct str s);

/* site_text_ok: s is valid UTF-8 of at most max_chars code points, without control
 * characters; multiline allows line feeds, carriage returns and tabs. */
bool site_text_ok(struct str s, size_t max_chars, bool multiline);

/* site_menu_line_parse reads one line "label | url" (split at the last '|', both parts
 * trimmed) into *out (pointing into line). */
enum site_menu_problem site_menu_line_parse(struct str line, struct site_menu_item *out);

/* site_menu_parse reads text (one item a line, blank lines skipped) into items (room
 * for SITE_MENU_MAX_ITEMS), *n the count (0: use the default menu). Strict: ERR_INVALID
 * at the first bad line, with its 1-based number in *bad_line and the reason in
 * *problem (bad_line 0 when the text as a whole is bad). */
ERR_MUST_USE
enum err site_menu_parse(struct str text, struct site_menu_item *items, size_t *n, size_t *bad_line,
                         enum site_menu_problem *problem);

#endif
