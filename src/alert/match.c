/* match.c: what an alert feed's JSON says about one region (see alert.h), and the
 * banner's state machine. No I/O here. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "core/utf8.h"

static bool is_space(int32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xa0;
}

/* A reader of folded code points: lower case, one apostrophe, a run of spaces as one
 * ' ' and none at either end. */
struct folder {
    struct str s;
    size_t i;
    int32_t held; /* a character read past a run of spaces, handed out next */
    bool started; /* a character was handed out: spaces before it were leading */
};

/* fold_next: the next folded code point; 0 at the end, -1 on invalid UTF-8. */
static int32_t fold_next(struct folder *f)
{
    if (f->held != 0) {
        int32_t cp = f->held;
        f->held = 0;
        return cp;
    }
    bool space = false;
    while (f->i < f->s.len) {
        int32_t cp = utf8_decode(f->s.ptr, f->s.len, &f->i);
        if (cp < 0)
            return -1;
        if (is_space(cp)) {
            space = true;
            continue;
        }
        cp = utf8_is_apostrophe(cp) ? '\'' : utf8_lower(cp);
        if (space && f->started) {
            f->held = cp;
            return ' ';
        }
        f->started = true;
        return cp;
    }
    return 0;
}

bool alert_region_eq(struct str a, struct str b)
{
    struct folder x = {.s = a}, y = {.s = b};
    for (;;) {
        int32_t cx = fold_next(&x), cy = fold_next(&y);
        if (cx < 0 || cy < 0 || cx != cy)
            return false;
        if (cx == 0)
            return true;
    }
}

/* pointer_get follows a JSON pointer (RFC 6901: "/a/0/b", "~1" for '/', "~0" for '~'). */
static json_t *pointer_get(json_t *doc, const char *ptr)
{
    json_t *cur = doc;
    if (ptr == NULL || ptr[0] == '\0')
        return cur;
    if (ptr[0] != '/')
        return NULL;
    const char *p = ptr + 1;
    for (int depth = 0; depth < ALERT_POINTER_MAX_DEPTH; depth++) {
        char seg[256];
        size_t n = 0;
        while (*p != '\0' && *p != '/') {
            char ch = *p++;
            if (ch == '~' && (*p == '0' || *p == '1'))
                ch = *p++ == '0' ? '~' : '/';
            if (n + 1 >= sizeof seg)
                return NULL;
            seg[n++] = ch;
        }
        seg[n] = '\0';
        if (json_is_object(cur)) {
            cur = json_object_get(cur, seg);
        } else if (json_is_array(cur)) {
            char *end = NULL;
            unsigned long idx = strtoul(seg, &end, 10);
            cur = n > 0 && end == seg + n ? json_array_get(cur, idx) : NULL;
        } else {
            cur = NULL;
        }
        if (cur == NULL || *p == '\0')
            return cur;
        p++; /* the '/' before the next segment */
    }
    return NULL;
}

static bool field_is(json_t *entry, const char *field, const char *want)
{
    json_t *v = json_object_get(entry, field);
    if (!json_is_string(v))
        return false;
    return alert_region_eq(str_make(json_string_value(v), json_string_length(v)),
                           str_from_cstr(want));
}

enum err alert_match(const char *body, size_t len, const struct alert_mapping *m,
                     const char *region, bool *active, char *why, size_t why_size)
{
    json_error_t jerr;
    *active = false;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        /* not jerr.text: it quotes the answer, whose bytes may be anything */
        snprintf(why, why_size, "the answer is not JSON (line %d, column %d)", jerr.line,
                 jerr.column);
        return ERR_PARSE;
    }
    json_t *list = pointer_get(doc, m->list);
    if (!json_is_array(list)) {
        snprintf(why, why_size, "the answer has no list of alerts at '%s'",
                 m->list != NULL ? m->list : "");
        json_decref(doc);
        return ERR_PARSE;
    }
    bool filtered = m->filter_field != NULL && m->filter_field[0] != '\0';
    size_t i;
    json_t *entry;
    json_array_foreach(list, i, entry)
    {
        if (!json_is_object(entry) || !field_is(entry, m->region_field, region))
            continue;
        if (filtered &&
            !field_is(entry, m->filter_field, m->filter_value != NULL ? m->filter_value : ""))
            continue;
        *active = true;
        break;
    }
    json_decref(doc);
    return ERR_OK;
}

bool alert_state_step(struct alert_state *s, enum alert_poll r, int64_t now_ms,
                      unsigned stale_after_s, unsigned all_clear_s)
{
    enum alert_banner before = s->shown;
    if (r == ALERT_POLL_ON) {
        s->known = 1;
        s->last_ok_ms = now_ms;
        s->clear_until_ms = 0;
    } else if (r == ALERT_POLL_OFF) {
        /* the all-clear follows an alert the feed itself reported, not one it forgot */
        if (s->known == 1)
            s->clear_until_ms = now_ms + (int64_t)all_clear_s * 1000;
        s->known = -1;
        s->last_ok_ms = now_ms;
    }
    if (s->known != 0 && now_ms - s->last_ok_ms > (int64_t)stale_after_s * 1000) {
        /* silent too long: show nothing rather than what may no longer be true */
        s->known = 0;
        s->clear_until_ms = 0;
    }
    if (s->known == 1)
        s->shown = ALERT_BANNER_ALERT;
    else if (s->known == -1 && now_ms < s->clear_until_ms)
        s->shown = ALERT_BANNER_ALL_CLEAR;
    else
        s->shown = ALERT_BANNER_NONE;
    return s->shown != before;
}
