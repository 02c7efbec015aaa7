/* cmd_init.c: `visnyk init` (create or migrate the database, optionally with the demo
 * content) and `visnyk import` (Markdown files with front matter). */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "import/import.h"
#include "media/media.h"
#include "store/content.h"
#include "store/search.h"
#include "store/settings.h"

static enum err set_demo_setting(void *ctx, const char *origin, struct str key, struct str value,
                                 char *err, size_t err_size)
{
    char name[80];
    if (key.len >= sizeof(name)) {
        snprintf(err, err_size, "%s: key too long", origin);
        return ERR_INVALID;
    }
    memcpy(name, key.ptr, key.len);
    name[key.len] = '\0';
    enum err e = store_setting_set(ctx, name, value);
    if (e != ERR_OK)
        snprintf(err, err_size, "%s: cannot store setting %s", origin, name);
    return e;
}

static void report_failure(void *ctx, const char *path, enum err e, const char *message)
{
    (void)ctx;
    if (e != ERR_OK)
        fprintf(stderr, "visnyk import: %s\n", message ? message : path);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Demo department details (demo/departments.ini): a `department = NAME` line starts a
 * group; the lines after it fill that department's fields, stored when the next group
 * starts or the file ends. */
struct demo_depts {
    struct store *s;
    struct arena *a;
    struct store_ref *depts;
    size_t n_depts;
    int64_t id; /* the group's department; 0 before the first */
    struct store_dept_details d;
};

static const char *const demo_dept_keys[STORE_DEPT_N_FIELDS] = {
    [STORE_DEPT_HEAD_NAME] = "head_name",
    [STORE_DEPT_HEAD_POSITION] = "head_position",
    [STORE_DEPT_FUNCTIONS_MD] = "functions",
    [STORE_DEPT_ADDRESS] = "address",
    [STORE_DEPT_PHONE] = "phone",
    [STORE_DEPT_EMAIL] = "email",
    [STORE_DEPT_HOURS] = "hours",
};

static enum err demo_dept_flush(struct demo_depts *dd)
{
    enum err e = dd->id != 0 ? store_dept_details_set(dd->s, dd->id, &dd->d) : ERR_OK;
    memset(&dd->d, 0, sizeof dd->d);
    dd->id = 0;
    return e;
}

static enum err set_demo_dept(void *ctx, const char *origin, struct str key, struct str value,
                              char *err, size_t err_size)
{
    struct demo_depts *dd = ctx;
    if (str_eq_cstr(key, "department")) {
        enum err e = demo_dept_flush(dd);
        for (size_t i = 0; i < dd->n_depts && e == ERR_OK; i++)
            if (str_eq(dd->depts[i].name, value))
                dd->id = dd->depts[i].id;
        if (e == ERR_OK && dd->id == 0)
            e = ERR_NOTFOUND;
        if (e != ERR_OK)
            snprintf(err, err_size, "%s: no department %.*s", origin, STR_FMT(value));
        return e;
    }
    for (int f = 0; f < STORE_DEPT_N_FIELDS; f++) {
        if (!str_eq_cstr(key, demo_dept_keys[f]))
            continue;
        if (dd->id == 0)
            break;
        /* "\n" in the file is a line break in the field */
        char *out = arena_alloc(dd->a, value.len + 1);
        size_t n = 0;
        for (size_t i = 0; i < value.len; i++) {
            if (value.ptr[i] == '\\' && i + 1 < value.len && value.ptr[i + 1] == 'n') {
                out[n++] = '\n';
                i++;
            } else {
                out[n++] = value.ptr[i];
            }
        }
        dd->d.field[f] = str_make(out, n);
        return ERR_OK;
    }
    snprintf(err, err_size, "%s: unknown key %.*s (or no department line before it)", origin,
             STR_FMT(key));
    return ERR_INVALID;
}

/* load_demo_depts stores demo/departments.ini, after the articles named the departments. */
static int load_demo_depts(const struct config *c, struct store *s)
{
    char path[CONFIG_MAX_VALUE_BYTES + 32];
    char err[sizeof path + 1024];
    snprintf(path, sizeof(path), "%s/departments.ini", c->demo);
    struct demo_depts dd = {.s = s, .a = arena_new(64 * 1024)};
    enum err e = store_begin(s);
    if (e == ERR_OK)
        e = store_depts_all(s, dd.a, &dd.depts, &dd.n_depts);
    if (e != ERR_OK)
        snprintf(err, sizeof(err), "%s", store_errmsg(s));
    if (e == ERR_OK)
        e = config_ini_load(path, set_demo_dept, &dd, err, sizeof(err));
    if (e == ERR_OK) {
        e = demo_dept_flush(&dd);
        if (e != ERR_OK)
            snprintf(err, sizeof(err), "%s: %s", path, store_errmsg(s));
    }
    if (e == ERR_OK)
        e = store_commit(s);
    arena_free(dd.a);
    if (e != ERR_OK) {
        store_rollback(s);
        fprintf(stderr, "visnyk: %s\n", err);
        return 1;
    }
    return 0;
}

/* load_demo imports the demo content: settings from demo/site.ini, photos generated
 * into a temporary folder, then every Markdown file under the demo folder, then the
 * departments' details from demo/departments.ini, then the documents registry and
 * vacancies (demo_registry.c). */
static int load_demo(const struct config *c, struct store *s)
{
    char err[1024];
    char path[CONFIG_MAX_VALUE_BYTES + 32];
    snprintf(path, sizeof(path), "%s/site.ini", c->demo);
    if (store_begin(s) != ERR_OK) {
        fprintf(stderr, "visnyk: %s\n", store_errmsg(s));
        return 1;
    }
    if (config_ini_load(path, set_demo_setting, s, err, sizeof(err)) != ERR_OK) {
        store_rollback(s);
        fprintf(stderr, "visnyk: %s\n", err);
        return 1;
    }
    if (store_commit(s) != ERR_OK) {
        fprintf(stderr, "visnyk: %s\n", store_errmsg(s));
        return 1;
    }

    char tmp[] = "/tmp/visnyk-demo-XXXXXX";
    if (mkdtemp(tmp) == NULL) {
        fprintf(stderr, "visnyk: cannot create a temporary folder: %s\n", strerror(errno));
        return 1;
    }
    int rc = 1;
    if (media_demo_photos(tmp) != ERR_OK) {
        fprintf(stderr, "visnyk: generating the demo photos in %s failed\n", tmp);
        goto out;
    }
    struct import_options opts = {.media_dir = c->media, .photo_root = tmp};
    struct import_result res = {0};
    char dirs[4][CONFIG_MAX_VALUE_BYTES + 16];
    const char *paths[4];
    /* "en" after the others: a translation needs its original in the database */
    const char *subdirs[4] = {"articles", "generated", "pages", "en"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(dirs[i], sizeof(dirs[i]), "%s/%s", c->demo, subdirs[i]);
        paths[i] = dirs[i];
    }
    if (import_paths(s, paths, 4, &opts, &res, report_failure, NULL) != ERR_OK)
        goto out;
    if (load_demo_depts(c, s) != 0 || cli_demo_registry(c, s) != 0 ||
        cli_demo_requests(c, s) != 0 || cli_demo_consultations(s) != 0 ||
        cli_demo_leadership(s) != 0)
        goto out;
    printf("demo content: %zu articles, %zu pages, %zu photos, %zu English articles\n",
           res.articles, res.pages, res.photos, res.translations);
    rc = 0;
out:
    nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

/* search_upkeep merges the search index and rebuilds its vocabulary after a bulk load,
 * so the first searches do not wait for the server's upkeep thread. */
static void search_upkeep(struct store *s)
{
    struct store_search_upkeep_report r;
    if (store_search_upkeep(s, &r) != ERR_OK)
        fprintf(stderr,
                "visnyk: search upkeep failed (searches stay correct, only slower "
                "until the server's upkeep runs): %s\n",
                store_errmsg(s));
}

static int cmd_init(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    if (argc > 0)
        return cli_usage_error("init", "unexpected argument %s", argv[0]);
    /* On PostgreSQL init creates the schema and the signing key; the demo's articles
     * would import, but its registry, requests, consultations and leadership and the
     * search index are not ported yet. */
    bool pg = store_is_postgresql(c->db);
    if (pg && f->demo) {
        fprintf(stderr, "visnyk init: PostgreSQL backend: --demo is not available on "
                        "PostgreSQL yet (issue 11); run 'visnyk init' without it, or use "
                        "an SQLite file for the demo\n");
        return 1;
    }
    struct store *s = NULL;
    if (cli_open_migrated(c, &s) != 0)
        return 1;
    int rc = cli_ensure_signing_key(c); /* cmd_key.c */
    /* init is what runs after an upgrade or a restore of an older database: whatever it
     * holds unsigned gets signed here, once (serve does not: a start stays fast and
     * takes no write lock; see docs/OPERATIONS.md) */
    if (rc == 0)
        rc = cli_sign_missing(s, true);
    if (rc == 0 && f->demo) {
        if (cli_ensure_dir(c->media) != 0 || media_init() != ERR_OK) {
            rc = 1;
            goto out;
        }
        rc = load_demo(c, s);
        media_shutdown();
    }
    if (rc == 0 && !pg) /* search on PostgreSQL is not ported yet (issue 11) */
        search_upkeep(s);
    if (rc == 0) {
        char shown[CONFIG_MAX_VALUE_BYTES];
        cli_db_shown(c, shown, sizeof shown);
        printf("database %s is ready (schema %d)%s\n", shown, store_schema_version(),
               f->demo ? " with the demo content" : "");
    }
out:
    store_close(s);
    return rc;
}

static int cmd_import(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    (void)f;
    if (argc == 0)
        return cli_usage_error("import", "%s", "name at least one Markdown file or folder");
    struct store *s = NULL;
    if (cli_open_migrated(c, &s) != 0)
        return 1;
    int rc = 1;
    if (cli_ensure_dir(c->media) != 0 || media_init() != ERR_OK)
        goto out;
    struct import_options opts = {.media_dir = c->media, .photo_root = NULL};
    struct import_result res = {0};
    enum err e =
        import_paths(s, (const char *const *)argv, (size_t)argc, &opts, &res, report_failure, NULL);
    if (!store_is_postgresql(c->db)) /* search on PostgreSQL is not ported yet (issue 11) */
        search_upkeep(s);
    printf("imported %zu articles, %zu pages, %zu photos; %zu of %zu files failed\n", res.articles,
           res.pages, res.photos, res.failed, res.files);
    if (e == ERR_OK)
        rc = 0;
    media_shutdown();
out:
    store_close(s);
    return rc;
}

static const char *const init_options[] = {"db", "media", "demo", NULL};
static const char *const import_options[] = {"db", "media", NULL};

const struct cli_command cli_cmd_init = {
    .name = "init",
    .summary = "create or migrate the database; --demo loads the demo content",
    .usage = "visnyk init [--db PATH] [--media DIR] [--demo] [--config FILE]",
    .options = init_options,
    .takes_demo = true,
    .run = cmd_init,
};

const struct cli_command cli_cmd_import = {
    .name = "import",
    .summary = "import articles and pages from Markdown files with front matter",
    .usage = "visnyk import [--db PATH] [--media DIR] [--config FILE] PATH...",
    .options = import_options,
    .run = cmd_import,
};
