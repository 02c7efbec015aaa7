/* signing.c: what readers and verifiers see of the site's signatures: the
 * Visnyk-Signature header and the manifest link on an article or static page, the
 * manifest itself (/news/<slug>/signature.json, /pages/<slug>/signature.json), the
 * public keys (/.well-known/visnyk.pub) and the current key in every page's head.
 * docs/OPERATIONS.md, "Verifying a site". */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "sign/sign.h"
#include "site/site_internal.h"
#include "store/signing.h"

static json_t *jstr(struct str s)
{
    json_t *j = json_stringn(s.ptr != NULL ? s.ptr : "", s.len);
    return j != NULL ? j : json_string("");
}

static json_t *jtime(int64_t utc)
{
    char iso[21];
    sign_iso_utc(utc, iso);
    return json_string(iso);
}

/* send_json answers 200 with the JSON text of j (freed here), or 500. */
static void send_json(struct site_page *p, json_t *j)
{
    char *text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    site__theme_release(p->theme);
    p->theme = NULL;
    buf_reset(&p->res->body);
    if (text == NULL || buf_append_cstr(&p->res->body, text) != ERR_OK ||
        buf_append_char(&p->res->body, '\n') != ERR_OK) {
        free(text);
        log_msg(LOG_ERROR, p->req->id, "signature json failed");
        buf_reset(&p->res->body);
        p->res->n_cache_keys = 0;
        http_response_error(p->res, 500);
        return;
    }
    free(text);
    p->res->status = 200;
    http_response_header(p->res, p->req, "Content-Type",
                         STR_LIT("application/json; charset=utf-8"));
    p->res->cacheable = true;
}

/* prefix: where pages of kind live on the site ("/news/" or "/pages/"). */
static const char *prefix(const char *kind)
{
    return strcmp(kind, "page") == 0 ? "/pages/" : "/news/";
}

static struct str manifest_path(struct arena *a, const char *kind, struct str slug)
{
    return str_from_cstr(arena_printf(a, "%s%.*s/signature.json", prefix(kind), STR_FMT(slug)));
}

void site__signature_mark(struct site_page *p, const char *kind, int64_t id, struct str slug)
{
    struct store_signature sig;
    if (store_signature_latest(p->ctx->store, p->a, kind, id, &sig) != ERR_OK)
        return; /* unsigned (or the read failed): the page is served without */
    struct value *v = value_obj(p->a);
    value_set_str(p->a, v, "manifest", manifest_path(p->a, kind, slug));
    value_set(p->a, p->root, "signature", v);
    http_response_header(
        p->res, p->req, "Visnyk-Signature",
        str_from_cstr(arena_printf(p->a, "keyid=%.*s; sig=%.*s; rev=%lld", STR_FMT(sig.key_id),
                                   STR_FMT(sig.signature), (long long)sig.revision)));
}

void site__head_key(struct site_page *p)
{
    struct store_signing_key *keys;
    size_t n;
    if (store_key_list(p->ctx->store, p->a, &keys, &n) != ERR_OK)
        return;
    for (size_t i = n; i-- > 0;) {
        if (keys[i].valid_until != 0)
            continue;
        char b64[SIGN_B64_MAX];
        sign_b64(keys[i].public_key, sizeof keys[i].public_key, b64);
        value_set_str(
            p->a, p->root, "visnyk_key",
            str_from_cstr(arena_printf(p->a, "ed25519:%.*s:%s", STR_FMT(keys[i].key_id), b64)));
        return;
    }
}

/* manifest answers /news/<slug>/signature.json or /pages/<slug>/signature.json: the
 * newest signature of the article or page, with its canonical fields spelled out. */
static void manifest(struct http_request *req, struct http_response *res, const char *kind)
{
    struct site_page p;
    struct store_article art;
    struct store_page pg;
    struct store_signature sig;
    struct sign_content c;
    struct str photos[SIGN_MAX_FILES], atts[SIGN_MAX_FILES], slug = STR_NULL;
    int64_t id = 0;
    bool is_page = strcmp(kind, "page") == 0;

    if (!site__begin(&p, req, res))
        return;
    if (req->n_params < 1 || req->params[0].len == 0 || req->params[0].len > STORE_MAX_SLUG_BYTES) {
        site__fail(&p, ERR_NOTFOUND, "slug");
        return;
    }
    enum err e = is_page ? store_page_by_slug(p.ctx->store, p.a, req->params[0], &pg)
                         : store_article_by_slug(p.ctx->store, p.a, req->params[0], &art);
    if (e == ERR_OK) {
        id = is_page ? pg.id : art.id;
        slug = is_page ? pg.slug : art.slug;
        e = store_signature_latest(p.ctx->store, p.a, kind, id, &sig);
    }
    if (e != ERR_OK) {
        site__fail(&p, e, "signature");
        return;
    }
    site__key(&p, "%s:%lld", kind, (long long)id);
    if (!sign_canonical_parse(sig.canonical, &c, photos, atts)) {
        site__fail(&p, ERR_PARSE, "stored canonical form");
        return;
    }
    json_t *o = json_object(), *ph = json_array(), *at = json_array();
    for (size_t i = 0; i < c.n_photos; i++)
        json_array_append_new(ph, jstr(c.photos[i]));
    for (size_t i = 0; i < c.n_attachments; i++)
        json_array_append_new(at, jstr(c.attachments[i]));
    json_object_set_new(o, "format", json_string(SIGN_VERSION));
    json_object_set_new(o, "kind", jstr(c.kind));
    json_object_set_new(o, "page", jstr(site__path(&p, prefix(kind), slug)));
    json_object_set_new(o, "slug", jstr(c.slug));
    json_object_set_new(o, "title", jstr(c.title));
    json_object_set_new(o, sign_time_field(c.kind), jtime(c.at));
    json_object_set_new(o, "body_sha256", jstr(c.body_sha256));
    json_object_set_new(o, "photos_sha256", ph);
    json_object_set_new(o, "attachments_sha256", at);
    json_object_set_new(o, "revision", json_integer(sig.revision));
    json_object_set_new(o, "signed_at", jtime(sig.signed_at));
    json_object_set_new(o, "key_id", jstr(sig.key_id));
    json_object_set_new(o, "alg", json_string("Ed25519"));
    json_object_set_new(o, "signature", jstr(sig.signature));
    json_object_set_new(o, "canonical", jstr(sig.canonical));
    json_object_set_new(o, "keys", json_string("/.well-known/visnyk.pub"));
    send_json(&p, o);
}

void site__article_signature(struct http_request *req, struct http_response *res)
{
    manifest(req, res, "article");
}

void site__page_signature(struct http_request *req, struct http_response *res)
{
    manifest(req, res, "page");
}

void site__well_known_keys(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_signing_key *keys;
    size_t n;
    if (!site__begin(&p, req, res))
        return;
    enum err e = store_key_list(p.ctx->store, p.a, &keys, &n);
    if (e != ERR_OK) {
        site__fail(&p, e, "signing keys");
        return;
    }
    site__key(&p, "keys");
    json_t *o = json_object(), *list = json_array();
    for (size_t i = 0; i < n; i++) {
        char b64[SIGN_B64_MAX];
        json_t *k = json_object();
        sign_b64(keys[i].public_key, sizeof keys[i].public_key, b64);
        json_object_set_new(k, "id", jstr(keys[i].key_id));
        json_object_set_new(k, "alg", json_string("Ed25519"));
        json_object_set_new(k, "public_key", json_string(b64));
        json_object_set_new(k, "valid_from", jtime(keys[i].valid_from));
        json_object_set_new(k, "valid_until",
                            keys[i].valid_until != 0 ? jtime(keys[i].valid_until) : json_null());
        json_array_append_new(list, k);
    }
    json_object_set_new(o, "keys", list);
    send_json(&p, o);
}

void site__feed_signature(struct site_page *p, struct buf *b, const struct store_article *art)
{
    struct store_signature sig;
    if (store_signature_latest(p->ctx->store, p->a, "article", art->id, &sig) != ERR_OK)
        return;
    /* key ids are hex, signatures base64, the path a slug: nothing to escape */
    buf_appendf(b,
                "<visnyk:signature keyid=\"%.*s\" revision=\"%lld\" manifest=\"%.*s\">%.*s"
                "</visnyk:signature>\n",
                STR_FMT(sig.key_id), (long long)sig.revision,
                STR_FMT(site__absolute(p, manifest_path(p->a, "article", art->slug))),
                STR_FMT(sig.signature));
}
