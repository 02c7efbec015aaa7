/* cmd_export_data.c: `visnyk export-data --format json|csv [--output FILE]`, every
 * published article for a national open-data portal. JSON items are exactly the API's
 * article objects (api_article_json, with the body), streamed one by one so a large
 * archive never sits in memory at once; CSV has one row per article (RFC 4180, UTF-8,
 * lists joined by "; "). With --output the file appears whole or not at all (written
 * beside it, fsynced, renamed). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "cli/cli.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/kyiv_time.h"
#include "render/i18n.h"

#define EXPORT_PAGE 100

static void csv_field(FILE *f, struct str s)
{
    fputc('"', f);
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '"')
            fputc('"', f);
        fputc(s.ptr[i], f);
    }
    fputc('"', f);
}

static void csv_refs(FILE *f, const struct store_ref *r, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            fputs("; ", f);
        for (size_t k = 0; k < r[i].name.len; k++) {
            if (r[i].name.ptr[k] == '"')
                fputc('"', f);
            fputc(r[i].name.ptr[k], f);
        }
    }
    fputc('"', f);
}

/* csv_row writes one article; nothing when a field cannot be built (that error). */
static enum err csv_row(FILE *f, const char *base_url, const struct store_article *art)
{
    struct buf t, t2;
    buf_init(&t, 128);
    buf_init(&t2, 128);
    buf_set_error(&t, i18n_format_iso(art->published_at, &t));
    buf_set_error(&t2, i18n_format_iso(art->updated_at > art->published_at ? art->updated_at
                                                                           : art->published_at,
                                       &t2));
    enum err e = buf_error(&t) != ERR_OK ? buf_error(&t) : buf_error(&t2);
    if (e != ERR_OK) {
        buf_free(&t);
        buf_free(&t2);
        return e;
    }
    fprintf(f, "%lld,", (long long)art->id);
    csv_field(f, art->slug);
    fputc(',', f);
    struct buf url;
    buf_init(&url, 4096);
    buf_appendf(&url, "%s/news/%.*s", base_url, STR_FMT(art->slug));
    if (buf_error(&url) != ERR_OK) /* the row is cut: the export fails (see run_export) */
        e = buf_error(&url);
    csv_field(f, buf_str(&url));
    buf_free(&url);
    fputc(',', f);
    csv_field(f, art->title);
    fputc(',', f);
    csv_field(f, art->lead);
    fputc(',', f);
    csv_field(f, buf_str(&t));
    fputc(',', f);
    csv_field(f, buf_str(&t2));
    fputc(',', f);
    csv_refs(f, art->departments, art->n_departments);
    fputc(',', f);
    csv_refs(f, art->tags, art->n_tags);
    fputc(',', f);
    fputc('"', f);
    for (size_t i = 0; i < art->n_photos; i++)
        fprintf(f, "%s%s/media/%.*s.jpg", i > 0 ? " " : "", base_url, STR_FMT(art->photos[i].hash));
    fputc('"', f);
    fputc(',', f);
    csv_field(f, art->body_md);
    fputs("\r\n", f);
    buf_free(&t);
    buf_free(&t2);
    return e;
}

static int run_export(struct store *st, FILE *out, bool json, const char *base_url, size_t *count)
{
    struct arena *a = arena_new(1 << 20);
    struct store_list_query q = {.limit = EXPORT_PAGE};
    int rc = 0;
    *count = 0;
    if (json) {
        struct buf t;
        buf_init(&t, 64);
        if (i18n_format_iso(utc_now(), &t) != ERR_OK)
            buf_reset(&t); /* a 64-byte date cannot fail but for memory: the stamp is left out */
        json_t *head = json_object();
        json_object_set_new(head, "source", json_string(base_url));
        json_object_set_new(head, "generated_at", json_string(t.data != NULL ? t.data : ""));
        json_object_set_new(head, "license", json_string("CC BY 4.0"));
        char *h = json_dumps(head, JSON_COMPACT);
        json_decref(head);
        buf_free(&t);
        /* the header object without its closing brace, then the items array */
        size_t hl = strlen(h);
        fwrite(h, 1, hl - 1, out);
        free(h);
        fputs(",\"items\":[\n", out);
    } else {
        fputs("id,slug,url,title,lead,published_at,updated_at,departments,tags,photos,"
              "body_markdown\r\n",
              out);
    }
    for (;;) {
        struct store_summary *items;
        size_t n;
        bool more;
        arena_reset(a);
        enum err e = store_begin(st);
        if (e == ERR_OK)
            e = store_article_list(st, a, &q, &items, &n, &more);
        for (size_t i = 0; e == ERR_OK && i < n; i++) {
            struct store_article art;
            e = store_article_by_id(st, a, items[i].id, &art);
            if (e == ERR_NOTFOUND) {
                e = ERR_OK;
                continue;
            }
            if (e != ERR_OK)
                break;
            if (json) {
                json_t *o = api_article_json(base_url, &art, true);
                if (o == NULL) { /* a part could not be built: no export with it missing */
                    e = ERR_INVALID;
                    break;
                }
                char *s = json_dumps(o, JSON_COMPACT);
                json_decref(o);
                if (s == NULL)
                    abort();
                fprintf(out, "%s%s", *count > 0 ? ",\n" : "", s);
                free(s);
            } else {
                e = csv_row(out, base_url, &art);
                if (e != ERR_OK)
                    break;
            }
            (*count)++;
        }
        store_rollback(st);
        if (e != ERR_OK) {
            fprintf(stderr, "visnyk export-data: reading articles failed: %s: %s\n", err_str(e),
                    store_errmsg(st));
            rc = 1;
            break;
        }
        if (!more || n == 0)
            break;
        q.after.published_at = items[n - 1].published_at;
        q.after.id = items[n - 1].id;
    }
    if (json && rc == 0)
        fputs("\n]}\n", out);
    arena_free(a);
    return rc;
}

static int cmd_export_data(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    (void)f;
    const char *format = NULL, *output = NULL;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char **slot = NULL;
        size_t nlen = 0;
        if (strncmp(arg, "--format", 8) == 0 && (arg[8] == '\0' || arg[8] == '='))
            slot = &format, nlen = 8;
        else if (strncmp(arg, "--output", 8) == 0 && (arg[8] == '\0' || arg[8] == '='))
            slot = &output, nlen = 8;
        if (slot == NULL)
            return cli_usage_error("export-data", "unexpected argument %s", arg);
        if (arg[nlen] == '=')
            *slot = arg + nlen + 1;
        else if (i + 1 < argc)
            *slot = argv[++i];
        else
            return cli_usage_error("export-data", "%s needs a value", arg);
    }
    if (format == NULL)
        return cli_usage_error("export-data", "%s", "--format json or --format csv is required");
    bool json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "csv") != 0)
        return cli_usage_error("export-data", "unknown format %s (json or csv)", format);

    char base_url[CONFIG_MAX_VALUE_BYTES + 80];
    if (c->base_url[0] != '\0')
        snprintf(base_url, sizeof base_url, "%s", c->base_url);
    else
        snprintf(base_url, sizeof base_url, "http://%s:%u", c->listen_host, c->listen_port);
    size_t bl = strlen(base_url);
    if (bl > 0 && base_url[bl - 1] == '/')
        base_url[bl - 1] = '\0';

    struct store *st = NULL;
    enum err e = store_open(c->db, STORE_READ, &st);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk export-data: cannot open database %s: %s%s\n", c->db, err_str(e),
                e == ERR_VERSION ? " (run visnyk init to bring its schema up to date)" : "");
        return 1;
    }
    FILE *out = stdout;
    char tmp[4096] = "";
    if (output != NULL) {
        if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%d", output, (int)getpid()) >= sizeof tmp) {
            store_close(st);
            return cli_usage_error("export-data", "output path too long: %s", output);
        }
        out = fopen(tmp, "w");
        if (out == NULL) {
            fprintf(stderr, "visnyk export-data: cannot write %s: %s\n", tmp, strerror(errno));
            store_close(st);
            return 1;
        }
    }
    size_t count = 0;
    int rc = run_export(st, out, json, base_url, &count);
    store_close(st);
    if (output == NULL) {
        if (fflush(stdout) != 0)
            rc = 1;
        return rc;
    }
    if (fflush(out) != 0 || fsync(fileno(out)) != 0)
        rc = 1;
    if (fclose(out) != 0)
        rc = 1;
    if (rc == 0 && rename(tmp, output) != 0) {
        fprintf(stderr, "visnyk export-data: cannot rename %s to %s: %s\n", tmp, output,
                strerror(errno));
        rc = 1;
    }
    if (rc != 0) {
        unlink(tmp);
        return rc;
    }
    fprintf(stderr, "exported %zu articles to %s\n", count, output);
    return 0;
}

static const char *const export_data_options[] = {"db", "base_url", "log_level", NULL};

const struct cli_command cli_cmd_export_data = {
    .name = "export-data",
    .summary = "export every published article as JSON or CSV (open data)",
    .usage =
        "visnyk export-data --format json|csv [--output FILE] [--db PATH] [--base-url URL]\n"
        "  JSON: {source, generated_at, license, items: [article as in /api/v1/articles/{id}]}\n"
        "  CSV: id, slug, url, title, lead, published_at, updated_at, departments, tags, photos,\n"
        "       body_markdown (one row per article, UTF-8, lists joined by \"; \")",
    .options = export_data_options,
    .run = cmd_export_data,
    .own_options = true,
};
