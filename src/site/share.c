/* share.c: the shareable preview of an article that is not public yet. A link
 * /preview/<id>-<expires>-<mac> opens, without an account, the exact page readers will
 * see, with a visible notice that it is a preview; noindex (header and meta) and never
 * kept by the page cache, a CDN or a browser (Cache-Control: private, no-store).
 *
 * mac is HMAC-SHA256 over the article id and the expiry time, keyed with the article's
 * own random preview key (store/preview.h, 32 bytes, server side only): a link cannot be
 * forged or have its expiry moved without the key, and making a new key (or removing
 * it) voids every link made before. An expired link answers 403, any other 404. */
#include <inttypes.h>
#include <sodium.h>
#include <string.h>

#include "core/kyiv_time.h"
#include "site/site_internal.h"
#include "store/editorial.h"
#include "store/preview.h"

#define PREVIEW_KEY_BYTES 32
#define PREVIEW_MAC_HEX (2 * crypto_auth_hmacsha256_BYTES)

static bool mac_of(struct str nonce_hex, int64_t id, int64_t expires,
                   unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
    unsigned char key[PREVIEW_KEY_BYTES];
    size_t key_len = 0;
    char msg[96];
    if (sodium_hex2bin(key, sizeof key, nonce_hex.ptr, nonce_hex.len, NULL, &key_len, NULL) != 0 ||
        key_len != sizeof key)
        return false;
    int n = snprintf(msg, sizeof msg, "visnyk preview %" PRId64 " %" PRId64, id, expires);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, sizeof key);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, (unsigned long long)n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(key, sizeof key);
    sodium_memzero(&st, sizeof st);
    return true;
}

enum err site_preview_path(struct str nonce_hex, int64_t id, int64_t expires, struct buf *out)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[PREVIEW_MAC_HEX + 1];
    if (!mac_of(nonce_hex, id, expires, mac))
        return ERR_INVALID;
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    return buf_appendf(out, "/preview/%" PRId64 "-%" PRId64 "-%s", id, expires, hex);
}

/* parse_token reads "<id>-<expires>-<64 hex>"; false when it is not that. */
static bool parse_token(struct str t, int64_t *id, int64_t *expires, struct str *mac)
{
    struct str rest = t, part;
    if (!str_split_next(&rest, '-', &part) || !str_to_i64(part, id) || *id <= 0)
        return false;
    if (!str_split_next(&rest, '-', &part) || !str_to_i64(part, expires) || *expires <= 0)
        return false;
    if (rest.len != PREVIEW_MAC_HEX)
        return false;
    for (size_t i = 0; i < rest.len; i++) {
        char c = rest.ptr[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    *mac = rest;
    return true;
}

void site__shared_preview(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_preview_link link;
    struct store_article art;
    struct store_article_meta meta;
    struct str *rel, mac_hex;
    size_t n_rel;
    int64_t id, expires;
    unsigned char want[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];

    res->cacheable = false;
    if (req->n_params < 1 || !parse_token(req->params[0], &id, &expires, &mac_hex)) {
        http_response_error(res, 404);
        return;
    }
    if (!site__begin(&p, req, res))
        return;
    enum err e = store_preview_link_get(p.ctx->store, p.a, id, &link);
    size_t got_len = 0;
    if (e == ERR_OK &&
        (!mac_of(link.nonce, id, expires, want) ||
         sodium_hex2bin(got, sizeof got, mac_hex.ptr, mac_hex.len, NULL, &got_len, NULL) != 0 ||
         got_len != sizeof got || sodium_memcmp(want, got, sizeof got) != 0))
        e = ERR_NOTFOUND;
    if (e == ERR_OK && expires != link.expires_at)
        e = ERR_NOTFOUND; /* a link of an earlier key with the same id cannot get here */
    if (e == ERR_OK && expires <= utc_now()) {
        /* genuine but out of date: say so, rather than "no such page" */
        site__fail(&p, ERR_NOTFOUND, "preview");
        res->status = 403;
        return;
    }
    if (e == ERR_OK)
        e = store_article_admin_get(p.ctx->store, p.a, id, &art, &meta, &rel, &n_rel);
    if (e != ERR_OK) {
        site__fail(&p, e, "preview");
        return;
    }
    /* the plain mode; its path is no public page, so the switch leads to the /lv home */
    site__variant_of(STR_LIT("/"), &p.variant, &p.path);
    value_set_bool(p.a, p.root, "noindex", true);
    value_set_bool(p.a, p.root, "preview", true);
    value_set_str(p.a, p.root, "preview_until", site__date(&p, expires, true));
    http_response_header(res, req, "X-Robots-Tag", STR_LIT("noindex"));
    http_response_header(res, req, "Cache-Control", STR_LIT("private, no-store"));
    site__article_page(&p, &art);
    res->cacheable = false;
    res->n_cache_keys = 0;
}
