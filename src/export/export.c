/* export.c: the static mirror (see export.h). One pass: seed the page list from the
 * store, render each page through the site's handlers in-process, write what changed,
 * follow the site links each page shows, copy the media folder, then remove what no
 * page produced. Single-threaded: the demo site (about 1,000 pages) takes seconds, and
 * the bytes on disk are the same whatever the order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "export/export.h"
#include "http/http.h"
#include "render/escape.h"
#include "site/site.h"
#include "store/content.h"

#define EXPORT_PATH_MAX 4096
#define EXPORT_TMP_SUFFIX ".export-tmp"
#define EXPORT_MAX_MEDIA_BYTES ((size_t)64 * 1024 * 1024)
#define EXPORT_LOG_BROKEN 10 /* broken links named in the log; the rest only counted */

/* Routes other modules may add; each is exported when it answers 200. */
static const char *const optional_routes[] = {
    "/feed.xml", "/sitemap.xml", "/robots.txt", "/favicon.ico", "/sitemap",
    /* open data: the catalogue links its sets' pages and files; harvesters read the
     * DCAT catalogue, which no page needs to link */
    "/leadership", "/opendata", "/opendata/catalog.json", NULL};

/* ---- a set of strings (open addressing, owned copies) ---- */

struct strset {
    char **slots;
    size_t cap, n;
};

static void strset_free(struct strset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

static bool strset_add_raw(struct strset *s, char *owned);

static void strset_grow(struct strset *s)
{
    struct strset bigger = {0};
    bigger.cap = s->cap ? s->cap * 2 : 1024;
    bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
    if (bigger.slots == NULL)
        abort();
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i] != NULL)
            strset_add_raw(&bigger, s->slots[i]);
    free(s->slots);
    *s = bigger;
}

/* strset_add_raw takes owned; false (and owned freed) when it was there already. */
static bool strset_add_raw(struct strset *s, char *owned)
{
    if ((s->n + 1) * 2 > s->cap)
        strset_grow(s);
    size_t mask = s->cap - 1;
    size_t i = (size_t)str_hash(str_from_cstr(owned)) & mask;
    while (s->slots[i] != NULL) {
        if (strcmp(s->slots[i], owned) == 0) {
            free(owned);
            return false;
        }
        i = (i + 1) & mask;
    }
    s->slots[i] = owned;
    s->n++;
    return true;
}

static bool strset_add(struct strset *s, struct str v)
{
    return strset_add_raw(s, str_dup(v));
}

static bool strset_has(const struct strset *s, const char *v)
{
    if (s->cap == 0)
        return false;
    size_t mask = s->cap - 1;
    size_t i = (size_t)str_hash(str_from_cstr(v)) & mask;
    while (s->slots[i] != NULL) {
        if (strcmp(s->slots[i], v) == 0)
            return true;
        i = (i + 1) & mask;
    }
    return false;
}

/* ---- the run's state ---- */

struct exporter {
    const struct export_config *cfg;
    struct export_stats *st;
    struct strset seen;     /* targets queued (raw, as linked) */
    struct strset produced; /* files written or confirmed, relative to out_dir */
    struct strset media;    /* media file names present in the mirror */
    char **queue;
    size_t q_head, q_len, q_cap;
    z_stream z;
    bool z_ready;
    struct buf gz;
    char *err;
    size_t err_size;
};

static void enqueue(struct exporter *x, struct str target)
{
    if (target.len == 0 || target.len > EXPORT_PATH_MAX || x->seen.n >= EXPORT_MAX_PAGES)
        return;
    if (!strset_add(&x->seen, target))
        return;
    if (x->q_len == x->q_cap) {
        x->q_cap = x->q_cap ? x->q_cap * 2 : 1024;
        x->queue = realloc(x->queue, x->q_cap * sizeof(*x->queue));
        if (x->queue == NULL)
            abort();
    }
    x->queue[x->q_len++] = str_dup(target);
}

static void enqueue_c(struct exporter *x, const char *target)
{
    enqueue(x, str_from_cstr(target));
}

/* ---- files ---- */

/* mkdirs creates every missing parent folder of the file at path. */
static enum err mkdirs(char *path)
{
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0755);
        int saved = errno;
        *p = '/';
        if (rc != 0 && saved != EEXIST)
            return ERR_IO;
    }
    return ERR_OK;
}

static bool same_content(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    bool same = false;
    if (fd < 0)
        return false;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size == len) {
        char *have = malloc(len ? len : 1);
        if (have == NULL)
            abort();
        size_t got = 0;
        while (got < len) {
            ssize_t r = read(fd, have + got, len - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        same = got == len && memcmp(have, data, len) == 0;
        free(have);
    }
    close(fd);
    return same;
}

/* put_file makes out_dir/rel hold exactly (data, len): untouched when it does already,
 * else written beside it and renamed over it (readers see the old or the new file). */
static enum err put_file(struct exporter *x, const char *rel, const char *data, size_t len)
{
    char path[EXPORT_PATH_MAX + 256], tmp[EXPORT_PATH_MAX + 300];
    int n = snprintf(path, sizeof path, "%s/%s", x->cfg->out_dir, rel);
    if (n < 0 || (size_t)n >= sizeof path)
        return ERR_TOO_LARGE;
    strset_add(&x->produced, str_from_cstr(rel));
    if (same_content(path, data, len)) {
        x->st->unchanged++;
        return ERR_OK;
    }
    if (mkdirs(path) != ERR_OK)
        goto fail;
    snprintf(tmp, sizeof tmp, "%s" EXPORT_TMP_SUFFIX, path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        goto fail;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            goto fail;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        goto fail;
    }
    x->st->written++;
    return ERR_OK;
fail:
    snprintf(x->err, x->err_size, "cannot write %s: %s", path, strerror(errno));
    return ERR_IO;
}

static bool is_text(struct str ct)
{
    return str_starts_with(ct, STR_LIT("text/")) || str_find(ct, STR_LIT("xml")) != SIZE_MAX ||
           str_find(ct, STR_LIT("json")) != SIZE_MAX ||
           str_find(ct, STR_LIT("javascript")) != SIZE_MAX ||
           str_find(ct, STR_LIT("svg")) != SIZE_MAX;
}

/* gzip_of compresses deterministically (no name, no time in the header). */
static enum err gzip_of(struct exporter *x, const char *data, size_t len, struct str *out)
{
    if (!x->z_ready) {
        memset(&x->z, 0, sizeof x->z);
        if (deflateInit2(&x->z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
            return ERR_IO;
        x->z_ready = true;
    } else if (deflateReset(&x->z) != Z_OK) {
        return ERR_IO;
    }
    buf_reset(&x->gz);
    size_t bound = deflateBound(&x->z, (uLong)len) + 32;
    if (buf_append(&x->gz, NULL, 0) != ERR_OK)
        return ERR_TOO_LARGE;
    char *space = malloc(bound);
    if (space == NULL)
        abort();
    x->z.next_in = (Bytef *)(uintptr_t)data;
    x->z.avail_in = (uInt)len;
    x->z.next_out = (Bytef *)space;
    x->z.avail_out = (uInt)bound;
    int rc = deflate(&x->z, Z_FINISH);
    enum err e = ERR_IO;
    if (rc == Z_STREAM_END)
        e = buf_append(&x->gz, space, bound - x->z.avail_out);
    free(space);
    if (e == ERR_OK)
        *out = buf_str(&x->gz);
    return e;
}

/* ---- pages ---- */

/* rel_of maps a decoded site path to the file that stands for it. */
static bool rel_of(struct arena *a, struct str path, bool html, const char **rel)
{
    if (path.len == 0 || path.ptr[0] != '/')
        return false;
    struct str p = str_make(path.ptr + 1, path.len - 1);
    /* no empty, "." or ".." segments, nothing hidden: the file stays inside out_dir */
    struct str rest = p, seg;
    while (rest.len > 0 && str_split_next(&rest, '/', &seg)) {
        if (seg.len == 0 || seg.ptr[0] == '.')
            return false;
    }
    if (p.len > 0 && p.ptr[p.len - 1] == '/')
        return false;
    if (html)
        *rel = p.len == 0 ? "index.html" : arena_printf(a, "%.*s/index.html", STR_FMT(p));
    else if (p.len == 0)
        return false;
    else
        *rel = arena_printf(a, "%.*s", STR_FMT(p));
    return true;
}

/* link_add queues one link found in a page: site-relative ones (or absolute ones under
 * base_url), without the fragment. */
static void link_add(struct exporter *x, struct str v)
{
    size_t hash = str_find_char(v, '#');
    if (hash != SIZE_MAX)
        v.len = hash;
    struct str base = str_from_cstr(x->cfg->base_url ? x->cfg->base_url : "");
    if (base.len > 0 && str_starts_with(v, base)) {
        v = str_make(v.ptr + base.len, v.len - base.len);
        if (v.len == 0)
            v = STR_LIT("/");
    }
    if (v.len == 0 || v.ptr[0] != '/' || (v.len > 1 && v.ptr[1] == '/'))
        return;
    if (str_find_char(v, '?') != SIZE_MAX) {
        if (strset_add(&x->seen, v))
            x->st->skipped++; /* counted once per distinct link */
        return;
    }
    if (str_starts_with(v, STR_LIT("/media/"))) {
        /* copied from the folder; checked there, never rendered */
        struct str name = str_make(v.ptr + 7, v.len - 7);
        char tmp[256];
        if (name.len < sizeof tmp) {
            memcpy(tmp, name.ptr, name.len);
            tmp[name.len] = '\0';
            if (!strset_has(&x->media, tmp) && strset_add(&x->seen, v)) {
                x->st->broken++;
                if (x->st->broken <= EXPORT_LOG_BROKEN)
                    log_warn("export: broken link %.*s (no such media file)", STR_FMT(v));
            }
        }
        return;
    }
    enqueue(x, v);
}

/* links_scan finds href="...", src="..." and srcset="..." values (HTML) and
 * <loc>...</loc> (sitemaps), undoing the only escape our writers use in them (&amp;). */
static void links_scan(struct exporter *x, struct arena *a, struct str body)
{
    static const char *const attrs[] = {"href=\"", "src=\"", "srcset=\"", "<loc>"};
    for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++) {
        struct str needle = str_from_cstr(attrs[k]);
        char close = k == 3 ? '<' : '"';
        struct str rest = body;
        for (;;) {
            size_t at = str_find(rest, needle);
            if (at == SIZE_MAX)
                break;
            rest = str_make(rest.ptr + at + needle.len, rest.len - at - needle.len);
            size_t end = str_find_char(rest, close);
            if (end == SIZE_MAX)
                break;
            struct str v = str_make(rest.ptr, end);
            rest = str_make(rest.ptr + end, rest.len - end);
            /* &amp; → & */
            char *d = arena_alloc(a, v.len + 1);
            size_t n = 0;
            for (size_t i = 0; i < v.len; i++) {
                if (v.ptr[i] == '&' && i + 5 <= v.len && memcmp(v.ptr + i, "&amp;", 5) == 0) {
                    d[n++] = '&';
                    i += 4;
                } else {
                    d[n++] = v.ptr[i];
                }
            }
            v = str_make(d, n);
            if (k != 2) {
                link_add(x, str_trim(v));
                continue;
            }
            /* srcset: "url 480w, url 960w" */
            struct str cand;
            while (str_split_next(&v, ',', &cand)) {
                cand = str_trim(cand);
                size_t sp = str_find_char(cand, ' ');
                link_add(x, sp == SIZE_MAX ? cand : str_make(cand.ptr, sp));
            }
        }
    }
}

static enum err page_export(struct exporter *x, const struct http_router *r, void *tctx,
                            struct arena *a, struct http_response *res, const char *target,
                            bool optional)
{
    enum err e = http_local_get(r, tctx, str_from_cstr(target), a, res);
    if (e == ERR_NOTFOUND || e == ERR_INVALID ||
        (e == ERR_OK && res->status != 200 && res->status != 301 && res->status != 302)) {
        if (!optional) {
            x->st->broken++;
            if (x->st->broken <= EXPORT_LOG_BROKEN)
                log_warn("export: broken link %s (%d)", target, e == ERR_OK ? res->status : 404);
        }
        return ERR_OK;
    }
    if (e != ERR_OK)
        return e;
    struct str decoded;
    size_t q = str_find_char(str_from_cstr(target), '?');
    struct str raw = str_from_cstr(target);
    if (q != SIZE_MAX)
        raw.len = q;
    if (http_url_decode(a, raw, false, &decoded) != ERR_OK)
        return ERR_OK;
    struct str ct = http_response_header_get(res, "Content-Type");
    if (ct.ptr == NULL)
        ct = STR_LIT("text/html; charset=utf-8");
    struct str body = buf_str(&res->body);
    if (res->status != 200) {
        /* a redirect becomes a page that forwards: a mirror has no status codes */
        struct str loc = http_response_header_get(res, "Location");
        if (loc.ptr == NULL || loc.len == 0 || loc.ptr[0] != '/')
            return ERR_OK;
        body = str_from_cstr(arena_printf(
            a,
            "<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
            "content=\"0; url=%.*s\"><link rel=\"canonical\" href=\"%.*s\"><a href=\"%.*s\">"
            "%.*s</a>\n",
            STR_FMT(loc), STR_FMT(loc), STR_FMT(loc), STR_FMT(loc)));
        ct = STR_LIT("text/html; charset=utf-8");
        link_add(x, loc);
    }
    bool html = str_starts_with(ct, STR_LIT("text/html"));
    const char *rel;
    if (!rel_of(a, decoded, html, &rel)) {
        x->st->skipped++;
        return ERR_OK;
    }
    x->st->pages++;
    e = put_file(x, rel, body.ptr, body.len);
    if (e != ERR_OK)
        return e;
    if (x->cfg->gzip && is_text(ct) && body.len >= 256) {
        struct str gz;
        if (gzip_of(x, body.ptr, body.len, &gz) == ERR_OK) {
            e = put_file(x, arena_printf(a, "%s.gz", rel), gz.ptr, gz.len);
            if (e != ERR_OK)
                return e;
        }
    }
    if (html || str_find(ct, STR_LIT("xml")) != SIZE_MAX)
        links_scan(x, a, body);
    return ERR_OK;
}

/* seed queues what the store knows: every list, article, tag, department, archive
 * month and page, so nothing depends on a template linking to it. */
static enum err seed(struct exporter *x, struct store *s, struct arena *a)
{
    static const char *const fixed[] = {"/", "/news", "/tags", "/departments", "/archive"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        enqueue_c(x, fixed[i]);
    struct store_list_query q = {.limit = STORE_MAX_LIST_LIMIT};
    for (;;) {
        struct store_summary *items;
        size_t n;
        bool more;
        enum err e = store_article_list(s, a, &q, &items, &n, &more);
        if (e != ERR_OK)
            return e;
        for (size_t i = 0; i < n; i++)
            enqueue_c(x, arena_printf(a, "/news/%.*s", STR_FMT(items[i].slug)));
        if (!more || n == 0)
            break;
        q.after.published_at = items[n - 1].published_at;
        q.after.id = items[n - 1].id;
    }
    struct store_ref *refs;
    size_t n;
    enum err e = store_tags_published(s, a, &refs, &n);
    if (e != ERR_OK)
        return e;
    for (size_t i = 0; i < n; i++)
        enqueue_c(x, arena_printf(a, "/tags/%.*s", STR_FMT(refs[i].slug)));
    e = store_depts_published(s, a, &refs, &n);
    if (e != ERR_OK)
        return e;
    for (size_t i = 0; i < n; i++)
        enqueue_c(x, arena_printf(a, "/departments/%.*s", STR_FMT(refs[i].slug)));
    struct store_month *months;
    e = store_archive_months(s, a, &months, &n);
    if (e != ERR_OK)
        return e;
    for (size_t i = 0; i < n; i++) {
        enqueue_c(x, arena_printf(a, "/archive/%04d", months[i].year));
        enqueue_c(x, arena_printf(a, "/archive/%04d/%02d", months[i].year, months[i].month));
    }
    struct store_page *pages;
    e = store_pages_all(s, a, &pages, &n);
    if (e != ERR_OK)
        return e;
    for (size_t i = 0; i < n; i++)
        enqueue_c(x, arena_printf(a, "/pages/%.*s", STR_FMT(pages[i].slug)));
    return ERR_OK;
}

/* redirects writes news/<old slug>/index.html for every earlier slug of a visible article
 * that no page of the mirror took: a static host cannot answer 301, so the page sends the
 * reader on with a meta refresh, names the new address as canonical (search engines
 * move the link) and links to it for anyone whose browser does not follow. */
static enum err redirects(struct exporter *x, struct store *s, struct arena *a)
{
    struct store_slug_move *moves;
    size_t n;
    struct buf b;
    enum err e = store_article_slug_history(s, a, &moves, &n);
    if (e != ERR_OK) {
        snprintf(x->err, x->err_size, "cannot list earlier slugs: %s", store_errmsg(s));
        return e;
    }
    buf_init(&b, 4096);
    for (size_t i = 0; i < n && e == ERR_OK; i++) {
        const char *rel = arena_printf(a, "news/%.*s/index.html", STR_FMT(moves[i].old_slug));
        if (!store_slug_valid(moves[i].old_slug) || !store_slug_valid(moves[i].slug) ||
            strset_has(&x->produced, rel))
            continue;
        struct str to = str_from_cstr(arena_printf(a, "/news/%.*s", STR_FMT(moves[i].slug)));
        struct str abs = str_from_cstr(arena_printf(a, "%s%.*s", x->cfg->base_url, STR_FMT(to)));
        buf_reset(&b);
        e = buf_append_cstr(&b, "<!DOCTYPE html>\n<html lang=\"uk\">\n<head>\n"
                                "<meta charset=\"utf-8\">\n<title>");
        if (e == ERR_OK)
            e = escape_html(&b, to);
        if (e == ERR_OK)
            e = buf_append_cstr(&b, "</title>\n<meta name=\"robots\" content=\"noindex\">\n"
                                    "<meta http-equiv=\"refresh\" content=\"0; url=");
        if (e == ERR_OK)
            e = escape_html(&b, to);
        if (e == ERR_OK)
            e = buf_append_cstr(&b, "\">\n<link rel=\"canonical\" href=\"");
        if (e == ERR_OK)
            e = escape_html(&b, abs);
        if (e == ERR_OK)
            e = buf_append_cstr(&b, "\">\n</head>\n<body>\n<p><a href=\"");
        if (e == ERR_OK)
            e = escape_html(&b, to);
        if (e == ERR_OK)
            e = buf_append_cstr(&b, "\">");
        if (e == ERR_OK)
            e = escape_html(&b, abs);
        if (e == ERR_OK)
            e = buf_append_cstr(&b, "</a></p>\n</body>\n</html>\n");
        if (e == ERR_OK)
            e = put_file(x, rel, b.data, b.len);
    }
    buf_free(&b);
    return e;
}

/* media_copy puts every media file into out_dir/media (content-addressed names: a file
 * of the same name and size is the same file). */
static enum err media_copy(struct exporter *x)
{
    DIR *d = opendir(x->cfg->media_dir);
    if (d == NULL)
        return errno == ENOENT ? ERR_OK : ERR_IO;
    struct dirent *de;
    enum err e = ERR_OK;
    while ((de = readdir(d)) != NULL && e == ERR_OK) {
        const char *nm = de->d_name;
        if (nm[0] == '.' || strstr(nm, ".tmp") != NULL || strchr(nm, '/') != NULL)
            continue;
        char src[EXPORT_PATH_MAX], dst[EXPORT_PATH_MAX + 256], rel[300];
        snprintf(src, sizeof src, "%s/%s", x->cfg->media_dir, nm);
        if (snprintf(rel, sizeof rel, "media/%s", nm) >= (int)sizeof rel)
            continue;
        snprintf(dst, sizeof dst, "%s/%s", x->cfg->out_dir, rel);
        struct stat ss, ds;
        if (stat(src, &ss) != 0 || !S_ISREG(ss.st_mode) ||
            (size_t)ss.st_size > EXPORT_MAX_MEDIA_BYTES)
            continue;
        strset_add(&x->media, str_from_cstr(nm));
        x->st->media++;
        if (stat(dst, &ds) == 0 && ds.st_size == ss.st_size) {
            strset_add(&x->produced, str_from_cstr(rel));
            x->st->unchanged++;
            continue;
        }
        int fd = open(src, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        char *data = malloc((size_t)ss.st_size + 1);
        if (data == NULL)
            abort();
        size_t got = 0;
        while (got < (size_t)ss.st_size) {
            ssize_t r = read(fd, data + got, (size_t)ss.st_size - got);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        close(fd);
        if (got == (size_t)ss.st_size)
            e = put_file(x, rel, data, got);
        free(data);
    }
    closedir(d);
    return e;
}

/* prune removes files under dir (relative rel) that this run did not produce, and
 * folders left empty. */
static void prune(struct exporter *x, const char *dir, const char *rel)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
            continue;
        if (rel[0] == '\0' && strcmp(nm, EXPORT_MARKER) == 0)
            continue;
        char path[EXPORT_PATH_MAX + 512], sub[EXPORT_PATH_MAX + 256];
        if (snprintf(path, sizeof path, "%s/%s", dir, nm) >= (int)sizeof path)
            continue;
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", nm);
        struct stat sb;
        if (lstat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            prune(x, path, sub);
            rmdir(path); /* fails, harmlessly, unless empty */
        } else if (!strset_has(&x->produced, sub)) {
            if (unlink(path) == 0 && strstr(nm, EXPORT_TMP_SUFFIX) == NULL)
                x->st->removed++;
        }
    }
    closedir(d);
}

/* out_dir_ready creates out_dir or checks that it is ours (marker) or empty. */
static enum err out_dir_ready(struct exporter *x)
{
    const char *dir = x->cfg->out_dir;
    char marker[EXPORT_PATH_MAX];
    snprintf(marker, sizeof marker, "%s/" EXPORT_MARKER, dir);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(x->err, x->err_size, "cannot create %s: %s", dir, strerror(errno));
        return ERR_IO;
    }
    if (access(marker, F_OK) != 0) {
        DIR *d = opendir(dir);
        if (d == NULL) {
            snprintf(x->err, x->err_size, "cannot read %s: %s", dir, strerror(errno));
            return ERR_IO;
        }
        struct dirent *de;
        bool empty = true;
        while ((de = readdir(d)) != NULL)
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                empty = false;
        closedir(d);
        if (!empty) {
            snprintf(x->err, x->err_size,
                     "%s is not empty and is not a visnyk mirror (no %s); choose an empty "
                     "or new folder",
                     dir, EXPORT_MARKER);
            return ERR_CONFLICT;
        }
        int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            snprintf(x->err, x->err_size, "cannot write %s: %s", marker, strerror(errno));
            return ERR_IO;
        }
        static const char note[] = "a static mirror written by visnyk export-static; files "
                                   "here are replaced and removed by the next export\n";
        if (write(fd, note, sizeof note - 1) < 0)
            log_warn("export: cannot write %s", marker);
        close(fd);
    }
    return ERR_OK;
}

enum err export_static_run(const struct export_config *cfg, struct export_stats *st, char *err,
                           size_t err_size)
{
    struct exporter x = {.cfg = cfg, .st = st, .err = err, .err_size = err_size};
    struct site *site = NULL;
    struct http_router *router = NULL;
    void *tctx = NULL;
    struct store *store = NULL;
    struct arena *a = arena_new(256 * 1024);
    struct http_response res;
    struct timespec t0, t1;
    enum err e;

    memset(st, 0, sizeof *st);
    memset(&res, 0, sizeof res);
    buf_init(&res.body, HTTP_MAX_RESPONSE_BYTES);
    buf_init(&x.gz, HTTP_MAX_RESPONSE_BYTES + 65536);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (err_size > 0)
        err[0] = '\0';

    e = out_dir_ready(&x);
    if (e != ERR_OK)
        goto out;
    e = store_open(cfg->db_path, STORE_READ, &store);
    if (e != ERR_OK) {
        snprintf(err, err_size, "cannot open database %s: %s", cfg->db_path, err_str(e));
        goto out;
    }
    struct site_config sc = {.db_path = cfg->db_path,
                             .theme_dir = cfg->theme_dir,
                             .media_dir = cfg->media_dir,
                             .base_url = cfg->base_url,
                             .static_links = true};
    e = site_new(&sc, &site, err, err_size);
    if (e != ERR_OK)
        goto out;
    router = http_router_new();
    site_routes(site, router);
    tctx = site_thread_init(site);

    e = media_copy(&x);
    if (e != ERR_OK) {
        if (err[0] == '\0')
            snprintf(err, err_size, "cannot copy the media folder %s", cfg->media_dir);
        goto out;
    }
    e = seed(&x, store, a);
    if (e != ERR_OK) {
        snprintf(err, err_size, "cannot list the site's pages: %s", store_errmsg(store));
        goto out;
    }
    arena_reset(a);
    for (const char *const *o = optional_routes; *o != NULL; o++) {
        if (strset_has(&x.seen, *o))
            continue;
        strset_add(&x.seen, str_from_cstr(*o));
        e = page_export(&x, router, tctx, a, &res, *o, true);
        arena_reset(a);
        if (e != ERR_OK)
            goto out;
    }
    while (x.q_head < x.q_len) {
        char *target = x.queue[x.q_head++];
        e = page_export(&x, router, tctx, a, &res, target, false);
        arena_reset(a);
        if (e != ERR_OK)
            goto out;
    }
    /* the site's public keys, for `visnyk verify DIR` and anyone checking the mirror
     * (a hidden folder, which rel_of refuses for crawled links) */
    if (http_local_get(router, tctx, STR_LIT("/.well-known/visnyk.pub"), a, &res) == ERR_OK &&
        res.status == 200) {
        e = put_file(&x, ".well-known/visnyk.pub", res.body.data, res.body.len);
        arena_reset(a);
        if (e != ERR_OK)
            goto out;
    }
    e = redirects(&x, store, a);
    arena_reset(a);
    if (e != ERR_OK)
        goto out;
    prune(&x, cfg->out_dir, "");
out:
    clock_gettime(CLOCK_MONOTONIC, &t1);
    st->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (x.z_ready)
        deflateEnd(&x.z);
    buf_free(&x.gz);
    buf_free(&res.body);
    for (size_t i = 0; i < x.q_len; i++)
        free(x.queue[i]);
    free(x.queue);
    strset_free(&x.seen);
    strset_free(&x.produced);
    strset_free(&x.media);
    if (tctx != NULL)
        site_thread_done(tctx);
    http_router_free(router);
    site_free(site);
    store_close(store);
    arena_free(a);
    return e;
}
