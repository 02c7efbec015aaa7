/* sign.c: canonical form, Ed25519 through libsodium, SHA-256, base64. */
#include "sign/sign.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_hash(struct str h)
{
    if (h.len != SIGN_HASH_HEX)
        return false;
    for (size_t i = 0; i < h.len; i++) {
        char ch = h.ptr[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return false;
    }
    return true;
}

/* line appends "name: value\n" with CR and LF in value written as spaces. */
static void line(struct buf *out, const char *name, struct str value)
{
    buf_append_cstr(out, name);
    buf_append_cstr(out, ": ");
    size_t start = 0;
    for (size_t i = 0; i < value.len; i++) {
        if (value.ptr[i] == '\n' || value.ptr[i] == '\r') {
            buf_append(out, value.ptr + start, i - start);
            buf_append_cstr(out, " ");
            start = i + 1;
        }
    }
    buf_append(out, value.ptr + start, value.len - start);
    buf_append_cstr(out, "\n");
}

const char *sign_time_field(struct str kind)
{
    if (str_eq_cstr(kind, "article"))
        return "published_at";
    if (str_eq_cstr(kind, "page"))
        return "updated_at";
    return NULL;
}

enum err sign_canonical(const struct sign_content *c, struct buf *out)
{
    const char *time_field = sign_time_field(c->kind);
    if (time_field == NULL || !is_hash(c->body_sha256) ||
        c->n_photos + c->n_attachments > SIGN_MAX_FILES)
        return ERR_INVALID;
    if (str_eq_cstr(c->kind, "page") && c->n_photos + c->n_attachments > 0)
        return ERR_INVALID;
    for (size_t i = 0; i < c->n_photos; i++)
        if (!is_hash(c->photos[i]))
            return ERR_INVALID;
    for (size_t i = 0; i < c->n_attachments; i++)
        if (!is_hash(c->attachments[i]))
            return ERR_INVALID;
    char iso[21];
    sign_iso_utc(c->at, iso);
    buf_append_cstr(out, SIGN_VERSION "\n");
    line(out, "kind", c->kind);
    line(out, "slug", c->slug);
    line(out, "title", c->title);
    line(out, time_field, str_from_cstr(iso));
    line(out, "body_sha256", c->body_sha256);
    for (size_t i = 0; i < c->n_photos; i++)
        line(out, "photo_sha256", c->photos[i]);
    for (size_t i = 0; i < c->n_attachments; i++)
        line(out, "attachment_sha256", c->attachments[i]);
    return buf_error(out);
}

void sign_sha256_hex(const void *data, size_t len, char hex[SIGN_HASH_HEX + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, SIGN_HASH_HEX + 1, h, sizeof h);
}

/* days_from_civil: days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void sign_iso_utc(int64_t utc, char out[21])
{
    int64_t days = utc >= 0 ? utc / 86400 : (utc - 86399) / 86400;
    int64_t secs = utc - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    if (y < 0 || y > 9999) {
        snprintf(out, 21, "0000-00-00T00:00:00Z");
        return;
    }
    char tmp[64]; /* a roomy buffer: the compiler cannot see the fields' ranges */
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m, (int)d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    memcpy(out, tmp, 20);
    out[20] = '\0';
}

static bool digits(struct str s, size_t at, size_t n, int64_t *v)
{
    *v = 0;
    for (size_t i = at; i < at + n; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
        *v = *v * 10 + (s.ptr[i] - '0');
    }
    return true;
}

bool sign_iso_utc_parse(struct str s, int64_t *utc)
{
    int64_t y, mo, d, h, mi, se;
    if (s.len != 20 || s.ptr[4] != '-' || s.ptr[7] != '-' || s.ptr[10] != 'T' || s.ptr[13] != ':' ||
        s.ptr[16] != ':' || s.ptr[19] != 'Z')
        return false;
    if (!digits(s, 0, 4, &y) || !digits(s, 5, 2, &mo) || !digits(s, 8, 2, &d) ||
        !digits(s, 11, 2, &h) || !digits(s, 14, 2, &mi) || !digits(s, 17, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
        return false;
    *utc = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    char back[21];
    sign_iso_utc(*utc, back);
    return memcmp(back, s.ptr, 20) == 0;
}

void sign_keypair(unsigned char pk[SIGN_PUBLIC_BYTES], unsigned char sk[SIGN_SECRET_BYTES])
{
    if (sodium_init() < 0)
        abort();
    crypto_sign_keypair(pk, sk);
}

void sign_key_id(const unsigned char pk[SIGN_PUBLIC_BYTES], char id[SIGN_KEY_ID_CHARS + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, pk, SIGN_PUBLIC_BYTES);
    sodium_bin2hex(id, SIGN_KEY_ID_CHARS + 1, h, SIGN_KEY_ID_CHARS / 2);
}

void sign_detached(const unsigned char sk[SIGN_SECRET_BYTES], struct str msg,
                   unsigned char sig[SIGN_BYTES])
{
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg.ptr, msg.len, sk);
}

bool sign_check(const unsigned char pk[SIGN_PUBLIC_BYTES], struct str msg,
                const unsigned char sig[SIGN_BYTES])
{
    return crypto_sign_verify_detached(sig, (const unsigned char *)msg.ptr, msg.len, pk) == 0;
}

void sign_b64(const unsigned char *bin, size_t len, char out[SIGN_B64_MAX])
{
    if (sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL) > SIGN_B64_MAX) {
        out[0] = '\0';
        return;
    }
    sodium_bin2base64(out, SIGN_B64_MAX, bin, len, sodium_base64_VARIANT_ORIGINAL);
}

bool sign_b64_decode(struct str b64, unsigned char *bin, size_t want)
{
    size_t got = 0;
    if (b64.len == 0 || b64.len >= SIGN_B64_MAX)
        return false;
    if (sodium_base642bin(bin, want, b64.ptr, b64.len, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    return got == want;
}

static bool take(struct str *rest, const char *name, struct str *value)
{
    struct str ln;
    size_t nl = str_find_char(*rest, '\n');
    if (nl == SIZE_MAX)
        return false;
    ln = str_make(rest->ptr, nl);
    size_t n = strlen(name);
    if (ln.len < n + 2 || memcmp(ln.ptr, name, n) != 0 || ln.ptr[n] != ':' || ln.ptr[n + 1] != ' ')
        return false;
    *value = str_make(ln.ptr + n + 2, ln.len - n - 2);
    *rest = str_make(rest->ptr + nl + 1, rest->len - nl - 1);
    return true;
}

bool sign_canonical_parse(struct str text, struct sign_content *c, struct str *photos,
                          struct str *attachments)
{
    struct str rest = text, date;
    memset(c, 0, sizeof *c);
    if (!str_starts_with(rest, STR_LIT(SIGN_VERSION "\n")))
        return false;
    rest = str_make(rest.ptr + sizeof SIGN_VERSION, rest.len - sizeof SIGN_VERSION);
    if (!take(&rest, "kind", &c->kind) || sign_time_field(c->kind) == NULL ||
        !take(&rest, "slug", &c->slug) || !take(&rest, "title", &c->title) ||
        !take(&rest, sign_time_field(c->kind), &date) ||
        !take(&rest, "body_sha256", &c->body_sha256) || !sign_iso_utc_parse(date, &c->at))
        return false;
    c->photos = photos;
    c->attachments = attachments;
    struct str h;
    while (c->n_photos < SIGN_MAX_FILES && take(&rest, "photo_sha256", &h))
        photos[c->n_photos++] = h;
    while (c->n_photos + c->n_attachments < SIGN_MAX_FILES && take(&rest, "attachment_sha256", &h))
        attachments[c->n_attachments++] = h;
    return rest.len == 0 && (!str_eq_cstr(c->kind, "page") || c->n_photos + c->n_attachments == 0);
}
