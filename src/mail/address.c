/* address.c: e-mail address checks. The local part must be an RFC 5322 dot-atom in
 * ASCII, folded to lower case (a quoted local part or a UTF-8 one would need SMTPUTF8, which
 * institutional servers often lack); the domain may be internationalised and goes out in its ASCII
 * form (punycode), so any SMTP server can deliver to it. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/utf8.h"
#include "mail/mail.h"

static bool atext(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL;
}

/* RFC 3492 parameters */
enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700 };

static uint32_t pc_adapt(uint32_t delta, uint32_t numpoints, bool first)
{
    uint32_t k = 0;
    delta = first ? delta / PC_DAMP : delta / 2;
    delta += delta / numpoints;
    while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
        delta /= PC_BASE - PC_TMIN;
        k += PC_BASE;
    }
    return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static char pc_digit(uint32_t d)
{
    return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

enum err mail_punycode_label(struct str label, struct buf *out)
{
    uint32_t cps[64];
    size_t n = 0, i = 0;
    enum err e = ERR_OK;

    while (i < label.len) {
        int32_t cp = utf8_decode(label.ptr, label.len, &i);
        if (cp < 0)
            return ERR_INVALID;
        if (n == sizeof cps / sizeof cps[0])
            return ERR_TOO_LARGE;
        cps[n++] = (uint32_t)cp;
    }
    size_t basic = 0;
    for (size_t k = 0; k < n; k++)
        if (cps[k] < 0x80) {
            e = buf_append_char(out, (char)cps[k]);
            basic++;
        }
    if (basic > 0)
        e = buf_append_char(out, '-');
    uint32_t next = 0x80, delta = 0, bias = 72;
    size_t h = basic;
    while (e == ERR_OK && h < n) {
        uint32_t m = UINT32_MAX;
        for (size_t k = 0; k < n; k++)
            if (cps[k] >= next && cps[k] < m)
                m = cps[k];
        delta += (m - next) * (uint32_t)(h + 1);
        next = m;
        for (size_t k = 0; k < n; k++) {
            if (cps[k] < next)
                delta++;
            if (cps[k] != next)
                continue;
            uint32_t q = delta;
            for (uint32_t kk = PC_BASE;; kk += PC_BASE) {
                uint32_t t = kk <= bias ? PC_TMIN : kk >= bias + PC_TMAX ? PC_TMAX : kk - bias;
                if (q < t)
                    break;
                e = buf_append_char(out, pc_digit(t + (q - t) % (PC_BASE - t)));
                q = (q - t) / (PC_BASE - t);
            }
            e = buf_append_char(out, pc_digit(q));
            bias = pc_adapt(delta, (uint32_t)(h + 1), h == basic);
            delta = 0;
            h++;
        }
        delta++;
        next++;
    }
    return e;
}

static bool ldh_label_ok(struct str l)
{
    if (l.len == 0 || l.len > 63 || l.ptr[0] == '-' || l.ptr[l.len - 1] == '-')
        return false;
    for (size_t i = 0; i < l.len; i++) {
        char c = l.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* domain_append lower-cases the domain and converts each non-ASCII label. */
static enum mail_addr_problem domain_append(struct str domain, struct buf *out)
{
    struct str rest = domain, label;
    size_t start = out->len, labels = 0;
    bool all_digits_tld = false;

    if (domain.len == 0 || domain.ptr[domain.len - 1] == '.')
        return MAIL_ADDR_DOMAIN;
    while (str_split_next(&rest, '.', &label)) {
        struct buf lower;
        bool ascii = true;
        size_t i = 0, at;
        buf_init(&lower, 4 * 64);
        while (i < label.len) {
            int32_t cp = utf8_decode(label.ptr, label.len, &i);
            char enc[4];
            if (cp < 0) {
                buf_free(&lower);
                return MAIL_ADDR_DOMAIN;
            }
            cp = utf8_lower(cp);
            if (cp >= 0x80)
                ascii = false;
            if (buf_append(&lower, enc, utf8_encode(cp, enc)) != ERR_OK) {
                buf_free(&lower);
                return MAIL_ADDR_TOO_LONG;
            }
        }
        if (labels++ > 0 && buf_append_char(out, '.') != ERR_OK) {
            buf_free(&lower);
            return MAIL_ADDR_TOO_LONG;
        }
        at = out->len;
        enum err e = ascii ? buf_append_str(out, buf_str(&lower)) : buf_append_cstr(out, "xn--");
        if (e == ERR_OK && !ascii)
            e = mail_punycode_label(buf_str(&lower), out);
        buf_free(&lower);
        if (e == ERR_TOO_LARGE)
            return MAIL_ADDR_TOO_LONG;
        if (e != ERR_OK)
            return MAIL_ADDR_DOMAIN;
        struct str ldh = str_make(out->data + at, out->len - at);
        if (!ldh_label_ok(ldh))
            return MAIL_ADDR_DOMAIN;
        all_digits_tld = true;
        for (size_t k = 0; k < ldh.len; k++)
            if (!(ldh.ptr[k] >= '0' && ldh.ptr[k] <= '9'))
                all_digits_tld = false;
    }
    /* a bare host name or an IP-looking domain cannot take public mail */
    if (labels < 2 || all_digits_tld)
        return MAIL_ADDR_DOMAIN;
    if (out->len - start > 253)
        return MAIL_ADDR_TOO_LONG;
    return MAIL_ADDR_OK;
}

enum err mail_address_normalize(struct str in, struct buf *out, enum mail_addr_problem *why)
{
    struct str s = str_trim(in), local, domain;
    size_t at, start = out->len;

    *why = MAIL_ADDR_OK;
    if (s.len == 0) {
        *why = MAIL_ADDR_EMPTY;
        return ERR_INVALID;
    }
    if (s.len > 4 * MAIL_MAX_ADDRESS_BYTES) {
        *why = MAIL_ADDR_TOO_LONG;
        return ERR_INVALID;
    }
    if (!utf8_valid(s.ptr, s.len)) {
        *why = MAIL_ADDR_SYNTAX;
        return ERR_INVALID;
    }
    at = SIZE_MAX;
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] == '@')
            at = i;
    if (at == SIZE_MAX || at == 0 || at + 1 == s.len) {
        *why = MAIL_ADDR_SYNTAX;
        return ERR_INVALID;
    }
    local = str_sub(s, 0, at);
    domain = str_sub(s, at + 1, s.len - at - 1);
    if (local.len > MAIL_MAX_LOCAL_BYTES) {
        *why = MAIL_ADDR_TOO_LONG;
        return ERR_INVALID;
    }
    for (size_t i = 0; i < local.len; i++) {
        unsigned char c = (unsigned char)local.ptr[i];
        if (c >= 0x80) {
            *why = MAIL_ADDR_NONASCII;
            return ERR_INVALID;
        }
        if (c == '.') {
            if (i == 0 || i + 1 == local.len || local.ptr[i + 1] == '.') {
                *why = MAIL_ADDR_SYNTAX;
                return ERR_INVALID;
            }
        } else if (!atext(c)) {
            *why = MAIL_ADDR_SYNTAX;
            return ERR_INVALID;
        }
    }
    for (size_t i = 0; i < domain.len; i++) {
        unsigned char c = (unsigned char)domain.ptr[i];
        if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.')) {
            *why = c == '@' || c == ' ' ? MAIL_ADDR_SYNTAX : MAIL_ADDR_DOMAIN;
            return ERR_INVALID;
        }
    }
    /* the local part is case-sensitive in theory and never in practice; folding it
     * keeps "Reader@" and "reader@" one subscriber (and one stream of mail) */
    enum err e = ERR_OK;
    for (size_t i = 0; e == ERR_OK && i < local.len; i++) {
        char c = local.ptr[i];
        e = buf_append_char(out, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
    }
    if (e == ERR_OK)
        e = buf_append_char(out, '@');
    if (e != ERR_OK)
        return e;
    *why = domain_append(domain, out);
    if (*why == MAIL_ADDR_OK && out->len - start > MAIL_MAX_ADDRESS_BYTES)
        *why = MAIL_ADDR_TOO_LONG;
    if (*why != MAIL_ADDR_OK) {
        out->len = start;
        out->data[start] = '\0';
        return ERR_INVALID;
    }
    return ERR_OK;
}

void mail_address_for_log(struct str addr, char *out, size_t out_size)
{
    size_t at = str_find_char(addr, '@');
    if (at == SIZE_MAX || at == 0) {
        snprintf(out, out_size, "***");
        return;
    }
    struct str domain = str_sub(addr, at + 1, addr.len - at - 1);
    char dom[128];
    log_escape(domain.ptr, domain.len, dom, sizeof dom);
    snprintf(out, out_size, "%c***@%s",
             addr.ptr[0] >= 0x21 && addr.ptr[0] < 0x7f ? addr.ptr[0] : '?', dom);
}
