/* escape.c: the escaping writers. Each scans for the next byte needing a
 * replacement and appends the clean run before it in one call, so ordinary text costs
 * one buf_append per run rather than per byte. */
#include <stdbool.h>
#include <stdint.h>

#include "render/escape.h"

/* html_special marks the bytes escape_html and escape_xml replace. */
static const bool html_special[256] = {
    ['&'] = true, ['<'] = true, ['>'] = true, ['"'] = true, ['\''] = true,
};

static enum err escape_entities(struct buf *out, struct str s, bool xml)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t run = 0;
    enum err e;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = p[i];
        const char *rep;
        size_t rep_len;
        bool xml_ctl = xml && c < 0x20 && c != '\t' && c != '\n' && c != '\r';
        if (!html_special[c] && !xml_ctl)
            continue;
        switch (c) {
        case '&':
            rep = "&amp;", rep_len = 5;
            break;
        case '<':
            rep = "&lt;", rep_len = 4;
            break;
        case '>':
            rep = "&gt;", rep_len = 4;
            break;
        case '"':
            rep = "&quot;", rep_len = 6;
            break;
        case '\'':
            rep = xml ? "&apos;" : "&#39;";
            rep_len = xml ? 6 : 5;
            break;
        default:
            rep = "", rep_len = 0;
            break; /* forbidden XML control: dropped */
        }
        if (i > run) {
            e = buf_append(out, s.ptr + run, i - run);
            if (e != ERR_OK)
                return e;
        }
        if (rep_len > 0) {
            e = buf_append(out, rep, rep_len);
            if (e != ERR_OK)
                return e;
        }
        run = i + 1;
    }
    if (s.len > run)
        return buf_append(out, s.ptr + run, s.len - run);
    return ERR_OK;
}

enum err escape_html(struct buf *out, struct str s)
{
    return escape_entities(out, s, false);
}

enum err escape_xml(struct buf *out, struct str s)
{
    return escape_entities(out, s, true);
}

static bool url_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static const char hex_upper[] = "0123456789ABCDEF";

enum err escape_url_component(struct buf *out, struct str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t run = 0;
    enum err e;
    for (size_t i = 0; i < s.len; i++) {
        if (url_unreserved(p[i]))
            continue;
        if (i > run) {
            e = buf_append(out, s.ptr + run, i - run);
            if (e != ERR_OK)
                return e;
        }
        char pct[3] = {'%', hex_upper[p[i] >> 4], hex_upper[p[i] & 15]};
        e = buf_append(out, pct, 3);
        if (e != ERR_OK)
            return e;
        run = i + 1;
    }
    if (s.len > run)
        return buf_append(out, s.ptr + run, s.len - run);
    return ERR_OK;
}

enum err escape_json(struct buf *out, struct str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t run = 0;
    enum err e;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = p[i];
        char rep[6];
        size_t rep_len = 0, skip = 1;
        if (c == '"' || c == '\\') {
            rep[0] = '\\', rep[1] = (char)c, rep_len = 2;
        } else if (c == '\n') {
            rep[0] = '\\', rep[1] = 'n', rep_len = 2;
        } else if (c == '\r') {
            rep[0] = '\\', rep[1] = 'r', rep_len = 2;
        } else if (c == '\t') {
            rep[0] = '\\', rep[1] = 't', rep_len = 2;
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            rep_len = 6;
        } else if (c == 0xE2 && i + 2 < s.len && p[i + 1] == 0x80 &&
                   (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
            /* U+2028/U+2029 end a line in JavaScript though JSON allows them raw */
            rep_len = 6, skip = 3;
        } else {
            continue;
        }
        if (rep_len == 6) {
            unsigned cp = skip == 3 ? (p[i + 2] == 0xA8 ? 0x2028u : 0x2029u) : c;
            rep[0] = '\\', rep[1] = 'u';
            rep[2] = hex_upper[(cp >> 12) & 15], rep[3] = hex_upper[(cp >> 8) & 15];
            rep[4] = hex_upper[(cp >> 4) & 15], rep[5] = hex_upper[cp & 15];
        }
        if (i > run) {
            e = buf_append(out, s.ptr + run, i - run);
            if (e != ERR_OK)
                return e;
        }
        e = buf_append(out, rep, rep_len);
        if (e != ERR_OK)
            return e;
        i += skip - 1;
        run = i + 1;
    }
    if (s.len > run)
        return buf_append(out, s.ptr + run, s.len - run);
    return ERR_OK;
}
