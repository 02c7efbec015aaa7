/* cmd_verify.c: `visnyk verify URL|DIR` and `visnyk verify-site BASE_URL`: check that
 * what a site (or a static mirror of it) serves matches a revision the site signed.
 * For each article or static page: read its manifest (/news/<slug>/signature.json,
 * /pages/<slug>/signature.json) and the
 * site's public keys (/.well-known/visnyk.pub, or --keys FILE|URL), rebuild the
 * canonical form from the manifest's fields, check the Ed25519 signature with the key
 * valid when it was made, then check that the page shows what the manifest claims: the
 * body between the visnyk-body markers hashes to body_sha256, the <h1> is the title,
 * the <time datetime> is the date, every photo and document hash is referenced.
 * docs/OPERATIONS.md, "Verifying a site". Everything is bounded: sizes, time, count. */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "net/url.h"
#include "render/escape.h"
#include "render/i18n.h"
#include "sign/sign.h"

#define VERIFY_MAX_PAGE_BYTES (8 * 1024 * 1024)
#define VERIFY_MAX_JSON_BYTES (256 * 1024)
#define VERIFY_MAX_SITEMAP_BYTES (16 * 1024 * 1024)
#define VERIFY_TIMEOUT_SECONDS 20L
#define VERIFY_MAX_KEYS 64
#define VERIFY_MAX_PAGES 20000  /* pages one run checks */
#define VERIFY_MAX_SITEMAPS 100 /* sitemap files read by verify-site */
#define VERIFY_MAX_DEPTH 8      /* folder depth walked in a mirror */

struct vkey {
    char id[SIGN_KEY_ID_CHARS + 1];
    unsigned char pk[SIGN_PUBLIC_BYTES];
    int64_t from, until; /* until 0 = still current */
};

struct verifier {
    struct vkey keys[VERIFY_MAX_KEYS];
    size_t n_keys;
    size_t checked, failed;
    bool quiet_ok; /* verify-site lists failures only */
};

/* ---- fetching ---- */

struct fetch {
    struct buf *body;
    char sig_header[512];
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct fetch *f = ud;
    return buf_append(f->body, p, size * n) == ERR_OK ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct fetch *f = ud;
    size_t len = size * n;
    static const char name[] = "visnyk-signature:";
    if (len > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
        size_t start = sizeof name - 1;
        while (start < len && (p[start] == ' ' || p[start] == '\t'))
            start++;
        size_t end = len;
        while (end > start && (p[end - 1] == '\r' || p[end - 1] == '\n' || p[end - 1] == ' '))
            end--;
        snprintf(f->sig_header, sizeof f->sig_header, "%.*s", (int)(end - start), p + start);
    }
    return len;
}

/* fetch_url GETs url into body (within its limit); status 200 only. why receives the
 * reason otherwise. */
static bool fetch_url(const char *url, struct buf *body, char *sig_header, size_t sig_size,
                      char *why, size_t why_size)
{
    struct fetch f = {.body = body};
    CURL *h = curl_easy_init();
    if (h == NULL) {
        snprintf(why, why_size, "curl failed to start");
        return false;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, VERIFY_TIMEOUT_SECONDS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "visnyk-verify/" VISNYK_VERSION);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &f);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK) {
        snprintf(why, why_size, "%s",
                 buf_error(body) != ERR_OK ? "answer too large" : curl_easy_strerror(rc));
        return false;
    }
    if (status != 200) {
        snprintf(why, why_size, "HTTP status %ld", status);
        return false;
    }
    if (sig_header != NULL)
        snprintf(sig_header, sig_size, "%s", f.sig_header);
    return true;
}

static bool read_file(const char *path, struct buf *out, char *why, size_t why_size)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (buf_append(out, chunk, n) != ERR_OK)
            break;
    }
    bool ok = !ferror(fp) && buf_error(out) == ERR_OK;
    fclose(fp);
    if (!ok)
        snprintf(why, why_size, "cannot read %s (too large?)", path);
    return ok;
}

static bool is_url(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* origin_of writes scheme://host[:port] of url into out. */
static void origin_of(const char *url, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    p = p != NULL ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    snprintf(out, size, "%.*s", (int)(p - url + (ptrdiff_t)n), url);
}

/* ---- keys ---- */

static bool load_keys(struct verifier *v, struct str json, char *why, size_t why_size)
{
    json_error_t jerr;
    json_t *root = json_loadb(json.ptr, json.len, 0, &jerr);
    json_t *list = root != NULL ? json_object_get(root, "keys") : NULL;
    if (!json_is_array(list)) {
        snprintf(why, why_size, "the public keys are not a visnyk.pub JSON document");
        json_decref(root);
        return false;
    }
    size_t i;
    json_t *k;
    json_array_foreach(list, i, k)
    {
        const char *id = json_string_value(json_object_get(k, "id"));
        const char *alg = json_string_value(json_object_get(k, "alg"));
        const char *pk = json_string_value(json_object_get(k, "public_key"));
        const char *from = json_string_value(json_object_get(k, "valid_from"));
        const char *until = json_string_value(json_object_get(k, "valid_until"));
        if (v->n_keys == VERIFY_MAX_KEYS || id == NULL || alg == NULL || pk == NULL ||
            from == NULL || strcmp(alg, "Ed25519") != 0 || strlen(id) != SIGN_KEY_ID_CHARS)
            continue;
        struct vkey *vk = &v->keys[v->n_keys];
        char check[SIGN_KEY_ID_CHARS + 1];
        if (!sign_b64_decode(str_from_cstr(pk), vk->pk, SIGN_PUBLIC_BYTES) ||
            !sign_iso_utc_parse(str_from_cstr(from), &vk->from))
            continue;
        vk->until = 0;
        if (until != NULL && !sign_iso_utc_parse(str_from_cstr(until), &vk->until))
            continue;
        sign_key_id(vk->pk, check);
        if (strcmp(check, id) != 0)
            continue; /* an id that does not name its key */
        memcpy(vk->id, id, sizeof vk->id);
        v->n_keys++;
    }
    json_decref(root);
    if (v->n_keys == 0) {
        snprintf(why, why_size, "the public keys list no usable Ed25519 key");
        return false;
    }
    return true;
}

static bool keys_from(struct verifier *v, const char *where)
{
    struct buf b;
    char why[512];
    buf_init(&b, VERIFY_MAX_JSON_BYTES);
    bool ok = is_url(where) ? fetch_url(where, &b, NULL, 0, why, sizeof why)
                            : read_file(where, &b, why, sizeof why);
    if (ok)
        ok = load_keys(v, buf_str(&b), why, sizeof why);
    if (!ok)
        fprintf(stderr, "visnyk verify: no public keys from %s: %s\n", where, why);
    buf_free(&b);
    return ok;
}

/* ---- one page ---- */

static const char *jfield(json_t *m, const char *k)
{
    return json_string_value(json_object_get(m, k));
}

/* check_page returns NULL when page and manifest verify, else the reason (in why). */
static const char *check_page(const struct verifier *v, struct str page, struct str manifest,
                              const char *sig_header, char *why, size_t why_size)
{
    json_error_t jerr;
    struct str photos[SIGN_MAX_FILES], atts[SIGN_MAX_FILES];
    const char *result = why;
    struct buf canon, esc;
    buf_init(&canon, SIGN_MAX_CANONICAL_BYTES);
    buf_init(&esc, 64 * 1024);
    json_t *m = json_loadb(manifest.ptr, manifest.len, 0, &jerr);
    const char *kind = jfield(m, "kind"), *time_field = NULL;
    if (kind != NULL)
        time_field = sign_time_field(str_from_cstr(kind)); /* published_at, updated_at */
    const char *slug = jfield(m, "slug"), *title = jfield(m, "title"),
               *date = time_field != NULL ? jfield(m, time_field) : NULL,
               *body = jfield(m, "body_sha256"), *key_id = jfield(m, "key_id"),
               *sig64 = jfield(m, "signature"), *signed_at = jfield(m, "signed_at");
    json_t *ph = json_object_get(m, "photos_sha256"),
           *at = json_object_get(m, "attachments_sha256");
    struct sign_content c = {.photos = photos, .attachments = atts};
    int64_t when = 0;
    if (m == NULL || kind == NULL || slug == NULL || title == NULL || date == NULL ||
        body == NULL || key_id == NULL || sig64 == NULL || signed_at == NULL ||
        !json_is_array(ph) || !json_is_array(at) ||
        json_array_size(ph) + json_array_size(at) > SIGN_MAX_FILES ||
        !sign_iso_utc_parse(str_from_cstr(date), &c.at) ||
        !sign_iso_utc_parse(str_from_cstr(signed_at), &when)) {
        snprintf(why, why_size, "the signature manifest is malformed");
        goto out;
    }
    c.kind = str_from_cstr(kind);
    c.slug = str_from_cstr(slug);
    c.title = str_from_cstr(title);
    c.body_sha256 = str_from_cstr(body);
    size_t i;
    json_t *x;
    json_array_foreach(ph, i, x) photos[c.n_photos++] =
        str_from_cstr(json_string_value(x) ? json_string_value(x) : "");
    json_array_foreach(at, i, x) atts[c.n_attachments++] =
        str_from_cstr(json_string_value(x) ? json_string_value(x) : "");
    if (sign_canonical(&c, &canon) != ERR_OK) {
        snprintf(why, why_size, "the signature manifest has malformed fields");
        goto out;
    }
    /* the signature: made by a listed key, while it was valid */
    const struct vkey *k = NULL;
    for (size_t j = 0; j < v->n_keys; j++)
        if (strcmp(v->keys[j].id, key_id) == 0)
            k = &v->keys[j];
    unsigned char sig[SIGN_BYTES];
    if (k == NULL) {
        snprintf(why, why_size, "signed by key %.20s, which the site's keys do not list", key_id);
        goto out;
    }
    if (!sign_b64_decode(str_from_cstr(sig64), sig, sizeof sig) ||
        !sign_check(k->pk, buf_str(&canon), sig)) {
        snprintf(why, why_size,
                 "the signature does not match the manifest's fields (the manifest was altered)");
        goto out;
    }
    if (when < k->from || (k->until != 0 && when > k->until)) {
        snprintf(why, why_size, "signed at %s, outside the validity of key %s", signed_at, k->id);
        goto out;
    }
    if (sig_header != NULL && sig_header[0] != '\0' && strstr(sig_header, sig64) == NULL) {
        snprintf(why, why_size, "the Visnyk-Signature header differs from the manifest");
        goto out;
    }
    /* the page shows what was signed */
    size_t b0 = str_find(page, STR_LIT(SIGN_BODY_BEGIN));
    if (b0 == SIZE_MAX) {
        snprintf(why, why_size, "the page has no signed body (no visnyk-body marker)");
        goto out;
    }
    b0 += sizeof SIGN_BODY_BEGIN - 1;
    size_t b1 = SIZE_MAX;
    for (size_t off = b0; off < page.len;) { /* the last end marker: nothing hides after */
        size_t f = str_find(str_make(page.ptr + off, page.len - off), STR_LIT(SIGN_BODY_END));
        if (f == SIZE_MAX)
            break;
        b1 = off + f;
        off = b1 + 1;
    }
    char hex[SIGN_HASH_HEX + 1];
    if (b1 == SIZE_MAX) {
        snprintf(why, why_size, "the page's body has no end marker");
        goto out;
    }
    sign_sha256_hex(page.ptr + b0, b1 - b0, hex);
    if (strcmp(hex, body) != 0) {
        snprintf(why, why_size, "the body differs from the signed revision %lld",
                 (long long)json_integer_value(json_object_get(m, "revision")));
        goto out;
    }
    buf_append_cstr(&esc, "<h1>");
    (void)escape_html(&esc, c.title); /* checked through buf_error below */
    buf_append_cstr(&esc, "</h1>");
    if (buf_error(&esc) != ERR_OK || str_find(page, buf_str(&esc)) == SIZE_MAX) {
        snprintf(why, why_size, "the title shown differs from the signed title");
        goto out;
    }
    buf_reset(&esc);
    buf_append_cstr(&esc, "datetime=\"");
    if (i18n_format_iso(c.at, &esc) != ERR_OK) {
        snprintf(why, why_size, "the signed date cannot be shown");
        goto out;
    }
    buf_append_cstr(&esc, "\"");
    if (buf_error(&esc) != ERR_OK || str_find(page, buf_str(&esc)) == SIZE_MAX) {
        snprintf(why, why_size, "the date shown differs from the signed date %s", date);
        goto out;
    }
    for (size_t j = 0; j < c.n_photos; j++)
        if (str_find(page, c.photos[j]) == SIZE_MAX) {
            snprintf(why, why_size, "photo %zu of the signed revision is not on the page", j + 1);
            goto out;
        }
    for (size_t j = 0; j < c.n_attachments; j++)
        if (str_find(page, c.attachments[j]) == SIZE_MAX) {
            snprintf(why, why_size, "document %zu of the signed revision is not on the page",
                     j + 1);
            goto out;
        }
    result = NULL;
out:
    json_decref(m);
    buf_free(&canon);
    buf_free(&esc);
    return result;
}

static void report(struct verifier *v, const char *label, const char *reason, const char *rev)
{
    v->checked++;
    if (reason != NULL) {
        v->failed++;
        printf("FAILED %s: %s\n", label, reason);
    } else if (!v->quiet_ok) {
        printf("OK %s%s\n", label, rev);
    }
    fflush(stdout);
}

/* manifest_href finds the page's <link title="visnyk-signature" href="...">. */
static bool manifest_href(struct str page, char *out, size_t size)
{
    static const char mark[] = "title=\"visnyk-signature\" href=\"";
    size_t at = str_find(page, STR_LIT(mark));
    if (at == SIZE_MAX)
        return false;
    struct str rest = str_make(page.ptr + at + sizeof mark - 1, page.len - at - sizeof mark + 1);
    size_t q = str_find_char(rest, '"');
    if (q == SIZE_MAX || q == 0 || q >= size || rest.ptr[0] != '/')
        return false;
    snprintf(out, size, "%.*s", (int)q, rest.ptr);
    return true;
}

static void revision_note(struct str manifest, char *out, size_t size)
{
    json_error_t jerr;
    json_t *m = json_loadb(manifest.ptr, manifest.len, 0, &jerr);
    out[0] = '\0';
    if (m != NULL)
        snprintf(out, size, " (revision %lld, key %s)",
                 (long long)json_integer_value(json_object_get(m, "revision")),
                 jfield(m, "key_id") ? jfield(m, "key_id") : "?");
    json_decref(m);
}

static void verify_url(struct verifier *v, const char *url)
{
    struct buf page, man;
    char why[512], sig_header[512], origin[1024], href[1024], murl[2100], rev[128] = "";
    const char *reason = why;
    buf_init(&page, VERIFY_MAX_PAGE_BYTES);
    buf_init(&man, VERIFY_MAX_JSON_BYTES);
    if (!fetch_url(url, &page, sig_header, sizeof sig_header, why, sizeof why))
        goto out;
    if (!manifest_href(buf_str(&page), href, sizeof href)) {
        snprintf(why, sizeof why, "the page links no signature manifest (unsigned or altered)");
        goto out;
    }
    origin_of(url, origin, sizeof origin);
    snprintf(murl, sizeof murl, "%s%s", origin, href);
    if (!fetch_url(murl, &man, NULL, 0, why, sizeof why)) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s", why);
        snprintf(why, sizeof why, "the manifest %.200s: %.250s", href, tmp);
        goto out;
    }
    reason = check_page(v, buf_str(&page), buf_str(&man), sig_header, why, sizeof why);
    revision_note(buf_str(&man), rev, sizeof rev);
out:
    report(v, url, reason, rev);
    buf_free(&page);
    buf_free(&man);
}

/* ---- a static mirror ---- */

static void verify_file(struct verifier *v, const char *dir, const char *html_path)
{
    struct buf page, man;
    char why[512], href[1024], mpath[4200], rev[128] = "";
    const char *reason = why;
    buf_init(&page, VERIFY_MAX_PAGE_BYTES);
    buf_init(&man, VERIFY_MAX_JSON_BYTES);
    if (!read_file(html_path, &page, why, sizeof why))
        goto out;
    if (!manifest_href(buf_str(&page), href, sizeof href)) {
        snprintf(why, sizeof why, "the page links no signature manifest (unsigned or altered)");
        goto out;
    }
    if (strstr(href, "..") != NULL) {
        snprintf(why, sizeof why, "the manifest link leaves the mirror");
        goto out;
    }
    snprintf(mpath, sizeof mpath, "%s%s", dir, href);
    if (!read_file(mpath, &man, why, sizeof why))
        goto out;
    reason = check_page(v, buf_str(&page), buf_str(&man), NULL, why, sizeof why);
    revision_note(buf_str(&man), rev, sizeof rev);
out:
    report(v, html_path, reason, rev);
    buf_free(&page);
    buf_free(&man);
}

static int strcmp_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* walk_folder verifies every <dir>/<sub>/<slug>/index.html of a mirror (sub: news or
 * pages, the signed kinds). */
static int walk_folder(struct verifier *v, const char *dir, const char *sub)
{
    char news[4096];
    snprintf(news, sizeof news, "%s/%s", dir, sub);
    DIR *d = opendir(news);
    if (d == NULL) {
        fprintf(stderr, "visnyk verify: %s has no %s/ folder: is it a visnyk mirror?\n", dir, sub);
        return 1;
    }
    /* sorted output: collect names, then sort */
    size_t n = 0, cap = 256;
    char **names = malloc(cap * sizeof *names);
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < VERIFY_MAX_PAGES) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "after") == 0)
            continue;
        if (n == cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof *names);
        }
        if (names == NULL)
            abort();
        names[n++] = str_cstr_dup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, strcmp_ptr);
    for (size_t i = 0; i < n; i++) {
        char html[4200];
        struct stat st;
        snprintf(html, sizeof html, "%s/%s/index.html", news, names[i]);
        if (stat(html, &st) == 0 && S_ISREG(st.st_mode))
            verify_file(v, dir, html);
        free(names[i]);
    }
    free(names);
    return 0;
}

/* ---- commands ---- */

/* take_keys removes "--keys X" from argv, leaving *keys pointing at X (or NULL). */
static bool take_keys(int *argc, char **argv, const char **keys)
{
    int kept = 0;
    *keys = NULL;
    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--keys") == 0) {
            if (i + 1 >= *argc)
                return false;
            *keys = argv[++i];
        } else if (strncmp(argv[i], "--keys=", 7) == 0) {
            *keys = argv[i] + 7;
        } else if (strncmp(argv[i], "--", 2) == 0) {
            return false;
        } else {
            argv[kept++] = argv[i];
        }
    }
    *argc = kept;
    return true;
}

static int finish(const struct verifier *v)
{
    printf("%zu checked, %zu failed\n", v->checked, v->failed);
    return v->checked > 0 && v->failed == 0 ? 0 : 1;
}

static int cmd_verify(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    (void)c;
    (void)f;
    const char *keys;
    if (!take_keys(&argc, argv, &keys))
        return cli_usage_error("verify", "%s", "options: --keys FILE|URL");
    if (argc != 1)
        return cli_usage_error("verify", "%s", "name one page URL or one mirror folder");
    struct verifier *v = calloc(1, sizeof *v);
    if (v == NULL)
        abort();
    char where[4096];
    int rc = 1;
    net_curl_init();
    if (is_url(argv[0])) {
        if (keys == NULL) {
            char origin[2048];
            origin_of(argv[0], origin, sizeof origin);
            snprintf(where, sizeof where, "%s/.well-known/visnyk.pub", origin);
            keys = where;
        }
        if (keys_from(v, keys)) {
            verify_url(v, argv[0]);
            rc = finish(v);
        }
    } else {
        struct stat st;
        if (stat(argv[0], &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "visnyk verify: %s is neither an http(s) URL nor a folder\n", argv[0]);
            free(v);
            return CLI_EXIT_USAGE;
        }
        if (keys == NULL) {
            snprintf(where, sizeof where, "%s/.well-known/visnyk.pub", argv[0]);
            keys = where;
        }
        /* a site without static pages has no pages/ folder: only news/ is required */
        char pages[4200];
        struct stat pst;
        snprintf(pages, sizeof pages, "%s/pages", argv[0]);
        if (keys_from(v, keys) && walk_folder(v, argv[0], "news") == 0 &&
            (stat(pages, &pst) != 0 || walk_folder(v, argv[0], "pages") == 0))
            rc = finish(v);
    }
    free(v);
    return rc;
}

/* sitemap_locs appends to list every <loc> of xml (up to max entries). */
static void sitemap_locs(struct str xml, char ***list, size_t *n, size_t max)
{
    struct str rest = xml;
    for (;;) {
        size_t a = str_find(rest, STR_LIT("<loc>"));
        if (a == SIZE_MAX || *n >= max)
            return;
        rest = str_make(rest.ptr + a + 5, rest.len - a - 5);
        size_t b = str_find(rest, STR_LIT("</loc>"));
        if (b == SIZE_MAX || b == 0 || b > 2048)
            return;
        *list = realloc(*list, (*n + 1) * sizeof **list);
        if (*list == NULL)
            abort();
        (*list)[(*n)++] = str_dup(str_make(rest.ptr, b));
        rest = str_make(rest.ptr + b, rest.len - b);
    }
}

static int cmd_verify_site(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    (void)c;
    (void)f;
    const char *keys;
    if (!take_keys(&argc, argv, &keys))
        return cli_usage_error("verify-site", "%s", "options: --keys FILE|URL");
    if (argc != 1 || !is_url(argv[0]))
        return cli_usage_error("verify-site", "%s", "name the site's base URL (http or https)");
    struct verifier *v = calloc(1, sizeof *v);
    if (v == NULL)
        abort();
    v->quiet_ok = true;
    net_curl_init();
    char origin[2048], where[4096], why[512];
    origin_of(argv[0], origin, sizeof origin);
    if (keys == NULL) {
        snprintf(where, sizeof where, "%s/.well-known/visnyk.pub", origin);
        keys = where;
    }
    int rc = 1;
    char **maps = NULL, **pages = NULL;
    size_t n_maps = 0, n_pages = 0;
    struct buf b;
    buf_init(&b, VERIFY_MAX_SITEMAP_BYTES);
    if (!keys_from(v, keys))
        goto out;
    snprintf(where, sizeof where, "%s/sitemap.xml", origin);
    if (!fetch_url(where, &b, NULL, 0, why, sizeof why)) {
        fprintf(stderr, "visnyk verify-site: %s: %s\n", where, why);
        goto out;
    }
    if (str_find(buf_str(&b), STR_LIT("<sitemapindex")) != SIZE_MAX)
        sitemap_locs(buf_str(&b), &maps, &n_maps, VERIFY_MAX_SITEMAPS);
    else
        sitemap_locs(buf_str(&b), &pages, &n_pages, VERIFY_MAX_PAGES);
    for (size_t i = 0; i < n_maps; i++) {
        buf_reset(&b);
        if (!fetch_url(maps[i], &b, NULL, 0, why, sizeof why)) {
            fprintf(stderr, "visnyk verify-site: %s: %s\n", maps[i], why);
            continue;
        }
        sitemap_locs(buf_str(&b), &pages, &n_pages, VERIFY_MAX_PAGES);
    }
    /* a page may be listed by more than one sitemap (news and the full list) */
    qsort(pages, n_pages, sizeof *pages, strcmp_ptr);
    for (size_t i = 0; i < n_pages; i++) {
        if (i > 0 && strcmp(pages[i], pages[i - 1]) == 0)
            continue;
        /* articles and static pages are what is signed: /news/<slug>, /pages/<slug> */
        const char *path = strstr(pages[i], "://");
        path = path != NULL ? path + 3 + strcspn(path + 3, "/") : pages[i];
        size_t at = strncmp(path, "/news/", 6) == 0 ? 6 : strncmp(path, "/pages/", 7) == 0 ? 7 : 0;
        if (at == 0 || strchr(path + at, '/') != NULL || path[at] == '\0')
            continue;
        verify_url(v, pages[i]);
    }
    rc = finish(v);
out:
    for (size_t i = 0; i < n_maps; i++)
        free(maps[i]);
    for (size_t i = 0; i < n_pages; i++)
        free(pages[i]);
    free(maps);
    free(pages);
    buf_free(&b);
    free(v);
    return rc;
}

static const char *const verify_options[] = {NULL};

const struct cli_command cli_cmd_verify = {
    .name = "verify",
    .summary = "check that a page (URL) or a static mirror (DIR) matches what the site signed",
    .usage = "visnyk verify [--keys FILE|URL] URL|DIR",
    .options = verify_options,
    .run = cmd_verify,
    .own_options = true,
};

const struct cli_command cli_cmd_verify_site = {
    .name = "verify-site",
    .summary = "crawl a site's sitemap and list every article or page that does not verify",
    .usage = "visnyk verify-site [--keys FILE|URL] BASE_URL",
    .options = verify_options,
    .run = cmd_verify_site,
    .own_options = true,
};
