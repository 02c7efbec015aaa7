/* assets.c: the theme's static files (held in memory, named by content hash so they can
 * be cached forever) and the image files of the media folder (read from disk). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "site/site_internal.h"

static const struct {
    const char *ext;
    const char *type;
} content_types[] = {
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *content_type_for(const char *name)
{
    struct str n = str_from_cstr(name);
    for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
        if (str_ends_with(n, str_from_cstr(content_types[i].ext)))
            return content_types[i].type;
    return "application/octet-stream";
}

/* Names that can appear in a URL as they are and never climb out of the folder. */
static bool asset_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 100 || name[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

enum err site__read_file(const char *path, size_t max, char **data, size_t *len, int64_t *mtime)
{
    struct stat st;
    char *d = NULL;
    size_t got = 0;
    enum err e = ERR_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return errno == ENOENT ? ERR_NOTFOUND : ERR_IO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        e = ERR_NOTFOUND;
        goto out;
    }
    if ((size_t)st.st_size > max) {
        e = ERR_TOO_LARGE;
        goto out;
    }
    d = malloc((size_t)st.st_size + 1);
    if (d == NULL)
        abort();
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, d + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            e = ERR_IO;
            goto out;
        }
        got += (size_t)r;
    }
    d[got] = '\0';
    *data = d;
    *len = got;
    *mtime = (int64_t)st.st_mtime;
    d = NULL;
out:
    free(d);
    close(fd);
    return e;
}

static void asset_fill(struct site_asset *as, const char *name, char *data, size_t len,
                       int64_t mtime)
{
    char hash[17];
    const char *dot = strrchr(name, '.');
    size_t base = dot != NULL ? (size_t)(dot - name) : strlen(name);
    const char *ext = dot != NULL ? dot : "";
    char tmp[256];

    /* FNV-1a is enough here: the hash only has to change when the file does */
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)str_hash(str_make(data, len)));
    as->name = str_cstr_dup(name);
    snprintf(tmp, sizeof tmp, "%.*s.%.8s%s", (int)base, name, hash, ext);
    as->hashed = str_cstr_dup(tmp);
    snprintf(tmp, sizeof tmp, "/static/%s", as->hashed);
    as->url = str_cstr_dup(tmp);
    as->key = str_cstr_dup(name);
    for (char *c = as->key; *c != '\0'; c++)
        if (*c == '.' || *c == '-')
            *c = '_';
    as->content_type = content_type_for(name);
    as->data = data;
    as->len = len;
    as->mtime = mtime;
}

enum err site__assets_load(const char *theme_dir, struct site_theme *t, char *err, size_t err_size)
{
    char dir[4096], path[4096 + 300];
    struct dirent *de;
    DIR *d;
    enum err e = ERR_OK;

    snprintf(dir, sizeof dir, "%s/static", theme_dir);
    d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return ERR_OK; /* a theme without static files is allowed */
        snprintf(err, err_size, "%s: cannot open: %s", dir, strerror(errno));
        return ERR_IO;
    }
    t->assets = calloc(SITE_MAX_ASSETS, sizeof *t->assets);
    if (t->assets == NULL)
        abort();
    while ((de = readdir(d)) != NULL) {
        char *data;
        size_t len;
        int64_t mtime;

        if (!asset_name_ok(de->d_name))
            continue;
        if (t->n_assets == SITE_MAX_ASSETS) {
            snprintf(err, err_size, "%s: more than %d files", dir, SITE_MAX_ASSETS);
            e = ERR_TOO_LARGE;
            goto out;
        }
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        e = site__read_file(path, SITE_MAX_ASSET_BYTES, &data, &len, &mtime);
        if (e == ERR_NOTFOUND) { /* a subfolder or a file gone meanwhile */
            e = ERR_OK;
            continue;
        }
        if (e != ERR_OK) {
            snprintf(err, err_size, "%s: cannot read: %s", path, err_str(e));
            goto out;
        }
        asset_fill(&t->assets[t->n_assets++], de->d_name, data, len, mtime);
    }
out:
    closedir(d);
    return e;
}

void site__assets_free(struct site_theme *t)
{
    for (size_t i = 0; i < t->n_assets; i++) {
        struct site_asset *as = &t->assets[i];
        free(as->name);
        free(as->hashed);
        free(as->url);
        free(as->key);
        free(as->data);
    }
    free(t->assets);
    t->assets = NULL;
    t->n_assets = 0;
}

const struct site_asset *site__asset_find(const struct site_theme *t, struct str name, bool *hashed)
{
    for (size_t i = 0; i < t->n_assets; i++) {
        if (str_eq_cstr(name, t->assets[i].hashed)) {
            *hashed = true;
            return &t->assets[i];
        }
        if (str_eq_cstr(name, t->assets[i].name)) {
            *hashed = false;
            return &t->assets[i];
        }
    }
    return NULL;
}

static void asset_respond(struct http_request *req, struct http_response *res, struct str name)
{
    struct site_thread *ctx = req->thread_ctx;
    struct site_theme *t;
    const struct site_asset *as;
    bool hashed = false;

    if (ctx == NULL) {
        http_response_error(res, 500);
        return;
    }
    t = site__theme_acquire(ctx->site);
    as = site__asset_find(t, name, &hashed);
    if (as == NULL) {
        site__theme_release(t);
        http_response_error(res, 404);
        return;
    }
    /* a hashed name never changes content; the plain name may after a reload, so it
     * gets the short cache http_static_respond gives non-immutable files */
    http_static_respond(req, res, str_from_cstr(as->content_type), str_make(as->data, as->len),
                        as->mtime, hashed);
    site__theme_release(t);
}

void site__static(struct http_request *req, struct http_response *res)
{
    if (req->n_params < 1) {
        http_response_error(res, 404);
        return;
    }
    asset_respond(req, res, req->params[0]);
}

void site__favicon(struct http_request *req, struct http_response *res)
{
    asset_respond(req, res, STR_LIT("favicon.svg"));
}

static bool is_hex_lower(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool site__media_name_ok(struct str name, const char **content_type)
{
    size_t i = 64;

    if (name.len < 64 + 4 || name.len > 64 + 1 + 5 + 5)
        return false;
    for (size_t k = 0; k < 64; k++)
        if (!is_hex_lower(name.ptr[k]))
            return false;
    if (name.ptr[i] == '-') {
        size_t digits = 0;
        i++;
        while (i < name.len && name.ptr[i] >= '0' && name.ptr[i] <= '9') {
            i++;
            digits++;
        }
        if (digits == 0 || digits > 5)
            return false;
    }
    struct str ext = str_sub(name, i, name.len - i);
    if (str_eq_cstr(ext, ".jpg")) {
        *content_type = "image/jpeg";
        return true;
    }
    if (str_eq_cstr(ext, ".webp")) {
        *content_type = "image/webp";
        return true;
    }
    return false;
}

void site__media(struct http_request *req, struct http_response *res)
{
    struct site_thread *ctx = req->thread_ctx;
    const char *type = NULL;
    char *data = NULL;
    size_t len = 0;
    int64_t mtime = 0;
    enum err e;

    if (ctx == NULL || req->n_params < 1 || !site__media_name_ok(req->params[0], &type)) {
        http_response_error(res, 404);
        return;
    }
    char *path = arena_printf(req->arena, "%s/%.*s", ctx->site->media_dir, STR_FMT(req->params[0]));
    e = site__read_file(path, SITE_MAX_MEDIA_BYTES, &data, &len, &mtime);
    if (e != ERR_OK) {
        if (e != ERR_NOTFOUND)
            log_msg(LOG_WARN, req->id, "media read failed: %s: %s", err_str(e), path);
        http_response_error(res, e == ERR_NOTFOUND ? 404 : 500);
        return;
    }
    /* media files are named by their content: they never change under a name */
    http_static_respond(req, res, str_from_cstr(type), str_make(data, len), mtime, true);
    free(data);
}
