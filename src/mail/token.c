/* token.c: the installation secret and what is signed with it (HMAC-SHA256 through
 * libsodium): confirmation tokens (single use, 48 h; the database keeps only their
 * SHA-256), long-lived unsubscribe and preferences links bound to the subscriber's
 * random key, and keyed hashes of IP addresses. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail.h"
#include "store/settings.h"

static void init_sodium(void)
{
    if (sodium_init() < 0)
        abort(); /* no usable random source: nothing safe can be done */
}

enum err mail_random_hex(size_t n, struct buf *out)
{
    unsigned char rnd[64];
    char hex[129];
    if (n > sizeof rnd)
        return ERR_INVALID;
    init_sodium();
    randombytes_buf(rnd, n);
    sodium_bin2hex(hex, sizeof hex, rnd, n);
    return buf_append(out, hex, 2 * n);
}

enum err mail_secret_get(struct store *w, unsigned char secret[MAIL_SECRET_BYTES])
{
    struct arena *a = arena_new(1024);
    struct str v;
    char hex[2 * MAIL_SECRET_BYTES + 1];
    enum err e;

    init_sodium();
    /* BEGIN IMMEDIATE: two processes starting at once must not each write a secret */
    e = store_begin(w);
    if (e != ERR_OK)
        goto out;
    e = store_setting_get(w, a, "mail_secret", &v);
    if (e == ERR_NOTFOUND) {
        randombytes_buf(secret, MAIL_SECRET_BYTES);
        sodium_bin2hex(hex, sizeof hex, secret, MAIL_SECRET_BYTES);
        e = store_setting_set(w, "mail_secret", str_make(hex, 2 * MAIL_SECRET_BYTES));
        if (e == ERR_OK)
            e = store_commit(w);
        goto out;
    }
    if (e == ERR_OK) {
        size_t bin_len = 0;
        if (v.len != 2 * MAIL_SECRET_BYTES ||
            sodium_hex2bin(secret, MAIL_SECRET_BYTES, v.ptr, v.len, NULL, &bin_len, NULL) != 0 ||
            bin_len != MAIL_SECRET_BYTES)
            e = ERR_INVALID;
    }
    if (e == ERR_OK)
        e = store_commit(w);
out:
    if (e != ERR_OK)
        store_rollback(w);
    arena_free(a);
    return e;
}

static void hmac_hex(const unsigned char *secret, struct str msg, size_t bytes, char *hex,
                     size_t hex_size)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, secret, MAIL_SECRET_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg.ptr, msg.len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, hex_size, mac, bytes);
}

static bool all_digits(struct str s)
{
    if (s.len == 0 || s.len > 18)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
    return true;
}

static bool all_hex(struct str s, size_t len)
{
    if (s.len != len)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

static void sha256_hex(struct str s, struct buf *out)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(h, (const unsigned char *)s.ptr, s.len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    buf_append(out, hex, 2 * sizeof h);
}

enum err mail_token_confirm_make(const unsigned char *secret, int64_t subscriber_id,
                                 int64_t expires_at, struct buf *token, struct buf *hash)
{
    char payload[96], mac[65];
    unsigned char nonce[12];
    char nonce_hex[25];
    init_sodium();
    randombytes_buf(nonce, sizeof nonce);
    sodium_bin2hex(nonce_hex, sizeof nonce_hex, nonce, sizeof nonce);
    int n = snprintf(payload, sizeof payload, "c.%lld.%lld.%s", (long long)subscriber_id,
                     (long long)expires_at, nonce_hex);
    if (n < 0 || (size_t)n >= sizeof payload)
        return ERR_INVALID;
    hmac_hex(secret, str_make(payload, (size_t)n), 32, mac, sizeof mac);
    size_t start = token->len;
    /* the leading "c." only separates purposes inside the signature */
    enum err e = buf_appendf(token, "%s.%s", payload + 2, mac);
    if (e == ERR_OK)
        sha256_hex(str_make(token->data + start, token->len - start), hash);
    return e;
}

bool mail_token_confirm_check(const unsigned char *secret, struct str token, int64_t *subscriber_id,
                              struct buf *hash)
{
    struct str rest = token, id, exp, nonce, mac, extra;
    char payload[96], want[65];
    int64_t expires;
    if (token.len > 200 || !str_split_next(&rest, '.', &id) || !str_split_next(&rest, '.', &exp) ||
        !str_split_next(&rest, '.', &nonce) || !str_split_next(&rest, '.', &mac) ||
        str_split_next(&rest, '.', &extra))
        return false;
    if (!all_digits(id) || !all_digits(exp) || !all_hex(nonce, 24) || !all_hex(mac, 64) ||
        !str_to_i64(id, subscriber_id) || !str_to_i64(exp, &expires))
        return false;
    int n = snprintf(payload, sizeof payload, "c.%.*s.%.*s.%.*s", STR_FMT(id), STR_FMT(exp),
                     STR_FMT(nonce));
    if (n < 0 || (size_t)n >= sizeof payload)
        return false;
    hmac_hex(secret, str_make(payload, (size_t)n), 32, want, sizeof want);
    if (sodium_memcmp(want, mac.ptr, 64) != 0)
        return false;
    sha256_hex(token, hash);
    return true;
}

static int link_mac(const unsigned char *secret, char purpose, int64_t subscriber_id,
                    struct str key, char *hex, size_t hex_size)
{
    char payload[200];
    int n = snprintf(payload, sizeof payload, "%c.%lld.%.*s", purpose, (long long)subscriber_id,
                     (int)(key.len > 64 ? 64 : key.len), key.ptr);
    if (n < 0 || (size_t)n >= sizeof payload)
        return -1;
    hmac_hex(secret, str_make(payload, (size_t)n), 16, hex, hex_size);
    return 0;
}

enum err mail_token_link_make(const unsigned char *secret, char purpose, int64_t subscriber_id,
                              struct str key, struct buf *out)
{
    char mac[33];
    if (link_mac(secret, purpose, subscriber_id, key, mac, sizeof mac) != 0)
        return ERR_INVALID;
    return buf_appendf(out, "%lld.%s", (long long)subscriber_id, mac);
}

bool mail_token_link_id(struct str token, int64_t *subscriber_id)
{
    size_t dot = str_find_char(token, '.');
    if (dot == SIZE_MAX || token.len > 64)
        return false;
    struct str id = str_sub(token, 0, dot);
    return all_digits(id) && str_to_i64(id, subscriber_id) && *subscriber_id > 0 &&
           all_hex(str_sub(token, dot + 1, token.len - dot - 1), 32);
}

bool mail_token_link_check(const unsigned char *secret, char purpose, int64_t subscriber_id,
                           struct str key, struct str token)
{
    char want[33];
    int64_t id;
    if (!mail_token_link_id(token, &id) || id != subscriber_id)
        return false;
    if (link_mac(secret, purpose, subscriber_id, key, want, sizeof want) != 0)
        return false;
    return sodium_memcmp(want, token.ptr + token.len - 32, 32) == 0;
}

enum err mail_keyed_hash(const unsigned char *secret, const char *label, struct str text,
                         struct buf *out)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[33];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, secret, MAIL_SECRET_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)label, strlen(label));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"|", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)text.ptr, text.len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof hex, mac, 16);
    return buf_append(out, hex, 32);
}
