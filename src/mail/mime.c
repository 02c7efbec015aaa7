/* mime.c: RFC 5322 messages with MIME parts. Bodies go out in base64 so any byte of
 * UTF-8 text and any line length survive every relay; headers with non-ASCII text use
 * RFC 2047 encoded words cut at character boundaries. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/kyiv_time.h"
#include "mail/mail.h"

static bool has_crlf(struct str s)
{
    return str_find_char(s, '\r') != SIZE_MAX || str_find_char(s, '\n') != SIZE_MAX;
}

static bool printable_ascii(struct str s)
{
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.ptr[i] < 0x20 || (unsigned char)s.ptr[i] > 0x7e)
            return false;
    return true;
}

/* words appends text as encoded words, each at most 75 characters, folded with CRLF
 * and a space. 45 input bytes make 60 base64 characters, plus 12 of "=?UTF-8?B??=". */
static enum err words(struct buf *out, struct str text)
{
    enum err e = ERR_OK;
    size_t i = 0;
    bool first = true;
    while (e == ERR_OK && i < text.len) {
        size_t n = text.len - i > 45 ? 45 : text.len - i;
        /* back off to a character boundary so no word holds half a character */
        while (i + n < text.len && n > 0 && ((unsigned char)text.ptr[i + n] & 0xC0) == 0x80)
            n--;
        /* and, when there is one, cut before a space (which opens the next word), so
         * readers that wrongly show the fold as a space still show whole words */
        if (i + n < text.len) {
            size_t sp = n;
            while (sp > 15 && text.ptr[i + sp] != ' ')
                sp--;
            if (text.ptr[i + sp] == ' ')
                n = sp;
        }
        char b64[64];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)text.ptr + i, n,
                          sodium_base64_VARIANT_ORIGINAL);
        e = buf_appendf(out, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", b64);
        first = false;
        i += n;
    }
    return e;
}

enum err mail_header_encode(struct buf *out, size_t used, struct str text)
{
    if (has_crlf(text))
        return ERR_INVALID;
    if (printable_ascii(text) && used + text.len <= 998)
        return buf_append_str(out, text);
    return words(out, text);
}

/* phrase appends a display name: atoms as they are, anything else encoded. */
static enum err phrase(struct buf *out, struct str name)
{
    bool plain = true;
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == ' '))
            plain = false;
    }
    return plain ? buf_append_str(out, name) : words(out, name);
}

enum err mail_date_format(int64_t utc, struct buf *out)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct kyiv_tm t = kyiv_from_utc(utc);
    int off = t.utc_offset / 60;
    return buf_appendf(out, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d", days[t.weekday % 7],
                       t.day, months[(t.month - 1) % 12], t.year, t.hour, t.minute, t.second,
                       off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
                       (off < 0 ? -off : off) % 60);
}

enum err mail_message_id_make(struct str from_addr, int64_t now, struct buf *out)
{
    unsigned char rnd[16];
    char hex[33];
    size_t at = str_find_char(from_addr, '@');
    struct str domain =
        at == SIZE_MAX ? STR_LIT("localhost") : str_sub(from_addr, at + 1, from_addr.len - at - 1);
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    if (domain.len == 0 || has_crlf(domain) || str_find_char(domain, '>') != SIZE_MAX)
        domain = STR_LIT("localhost");
    return buf_appendf(out, "<%s.%lld@%.*s>", hex, (long long)now, STR_FMT(domain));
}

/* body_base64 appends text (LF or CRLF line ends) as base64 of its CRLF form, in lines
 * of 76 characters. */
static enum err body_base64(struct buf *out, struct str text)
{
    struct buf crlf;
    enum err e = ERR_OK;
    buf_init(&crlf, 2 * text.len + 16);
    for (size_t i = 0; e == ERR_OK && i < text.len; i++) {
        if (text.ptr[i] == '\n' && (i == 0 || text.ptr[i - 1] != '\r'))
            e = buf_append_char(&crlf, '\r');
        if (e == ERR_OK)
            e = buf_append_char(&crlf, text.ptr[i]);
    }
    for (size_t i = 0; e == ERR_OK && i < crlf.len; i += 57) {
        size_t n = crlf.len - i > 57 ? 57 : crlf.len - i;
        char line[80];
        sodium_bin2base64(line, sizeof line, (const unsigned char *)crlf.data + i, n,
                          sodium_base64_VARIANT_ORIGINAL);
        e = buf_appendf(out, "%s\r\n", line);
    }
    buf_free(&crlf);
    return e;
}

static enum err part(struct buf *out, const char *boundary, const char *type, struct str body)
{
    enum err e = buf_appendf(out,
                             "--%s\r\nContent-Type: %s; charset=utf-8\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\n",
                             boundary, type);
    if (e == ERR_OK)
        e = body_base64(out, body);
    return e;
}

enum err mail_message_build(const struct mail_message *m, struct buf *out)
{
    size_t start = out->len;
    enum err e;
    if (has_crlf(m->from_name) || has_crlf(m->from_addr) || has_crlf(m->to) ||
        has_crlf(m->subject) || has_crlf(m->message_id) || has_crlf(m->list_unsubscribe_url) ||
        has_crlf(m->list_unsubscribe_mailto) || !printable_ascii(m->to) ||
        !printable_ascii(m->from_addr) || !printable_ascii(m->list_unsubscribe_url) ||
        !printable_ascii(m->list_unsubscribe_mailto))
        return ERR_INVALID;

    e = buf_append_cstr(out, "Date: ");
    if (e == ERR_OK)
        e = mail_date_format(m->date, out);
    if (e == ERR_OK)
        e = buf_append_cstr(out, "\r\nFrom: ");
    if (e == ERR_OK && m->from_name.len > 0) {
        size_t from_line = out->len - 6, last_nl;
        e = phrase(out, m->from_name);
        /* fold before the address when the line would pass 78 characters */
        last_nl = from_line;
        for (size_t i = from_line; i < out->len; i++)
            if (out->data[i] == '\n')
                last_nl = i + 1;
        if (e == ERR_OK)
            e = buf_append_cstr(out,
                                out->len - last_nl + m->from_addr.len + 3 > 78 ? "\r\n " : " ");
    }
    if (e == ERR_OK)
        e = buf_appendf(out, "<%.*s>\r\nTo: <%.*s>\r\nSubject: ", STR_FMT(m->from_addr),
                        STR_FMT(m->to));
    if (e == ERR_OK)
        e = mail_header_encode(out, 9, m->subject);
    if (e == ERR_OK)
        e = buf_appendf(out, "\r\nMessage-ID: %.*s\r\nMIME-Version: 1.0\r\n",
                        STR_FMT(m->message_id));
    if (e == ERR_OK && m->list_unsubscribe_url.len > 0) {
        e = buf_appendf(out, "List-Unsubscribe: <%.*s>", STR_FMT(m->list_unsubscribe_url));
        if (e == ERR_OK && m->list_unsubscribe_mailto.len > 0)
            e = buf_appendf(out, ",\r\n <%.*s>", STR_FMT(m->list_unsubscribe_mailto));
        if (e == ERR_OK)
            e = buf_append_cstr(out, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
    }
    if (e != ERR_OK)
        goto out;
    if (m->html.len == 0) {
        e = buf_append_cstr(out, "Content-Type: text/plain; charset=utf-8\r\n"
                                 "Content-Transfer-Encoding: base64\r\n\r\n");
        if (e == ERR_OK)
            e = body_base64(out, m->text);
        goto out;
    }
    {
        unsigned char rnd[12];
        char hex[25], boundary[48];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        /* "=_" never occurs in base64, so the boundary cannot appear in a part */
        snprintf(boundary, sizeof boundary, "=_visnyk_%s", hex);
        e = buf_appendf(out,
                        "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n"
                        "This is a multi-part message in MIME format.\r\n",
                        boundary);
        if (e == ERR_OK)
            e = part(out, boundary, "text/plain", m->text);
        if (e == ERR_OK)
            e = part(out, boundary, "text/html", m->html);
        if (e == ERR_OK)
            e = buf_appendf(out, "--%s--\r\n", boundary);
    }
out:
    if (e != ERR_OK) {
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
    }
    return e;
}
