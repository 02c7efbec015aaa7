/* cli.c: option parsing and the helpers every command uses. */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

int cli_usage_error(const char *command, const char *fmt, const char *what)
{
    fprintf(stderr, "visnyk%s%s: ", command ? " " : "", command ? command : "");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\nrun 'visnyk %s--help' for usage\n", command ? "COMMAND " : "");
    return CLI_EXIT_USAGE;
}

static bool listed(const char *const *list, const char *key)
{
    for (const char *const *o = list; *o != NULL; o++) {
        if (strcmp(*o, key) == 0)
            return true;
    }
    return false;
}

static bool option_allowed(const struct cli_command *cmd, const char *key)
{
    if (cmd->all_settings_but != NULL)
        return listed(config_keys(), key) && !listed(cmd->all_settings_but, key);
    return listed(cmd->options, key);
}

/* parse_options applies --config, the environment, then --key VALUE / --key=VALUE and
 * the flags of cmd, leaving positional arguments in argv[0..*argc). */
int cli_parse_options(const struct cli_command *cmd, struct config *c, int *argc, char **argv,
                      struct cli_flags *flags)
{
    char err[600];
    bool config_given = false;
    /* --config first, so the command line can override what the file says. */
    for (int i = 0; i < *argc; i++) {
        const char *path = NULL;
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= *argc)
                return cli_usage_error(cmd->name, "%s needs a file name", "--config");
            path = argv[i + 1];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            path = argv[i] + 9;
        }
        config_given = config_given || path != NULL;
        if (path != NULL && config_load_file(c, path, err, sizeof(err)) != ERR_OK) {
            fprintf(stderr, "visnyk: %s\n", err);
            return CLI_EXIT_USAGE;
        }
    }
#ifdef VISNYK_DEFAULT_CONFIG
    /* An installed binary (the Debian package) reads the system's configuration unless
     * told otherwise, so `visnyk key list` on the server means the server's site. */
    if (!config_given && access(VISNYK_DEFAULT_CONFIG, F_OK) == 0 &&
        config_load_file(c, VISNYK_DEFAULT_CONFIG, err, sizeof(err)) != ERR_OK) {
        fprintf(stderr,
                "visnyk: %s (the installed default; run as root or the visnyk user, "
                "or pass --config FILE)\n",
                err);
        return CLI_EXIT_USAGE;
    }
#endif
    if (config_load_env(c, err, sizeof(err)) != ERR_OK) {
        fprintf(stderr, "visnyk: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    int kept = 0;
    for (int i = 0; i < *argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            flags->help = true;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            while (++i < *argc)
                argv[kept++] = argv[i];
            break;
        }
        if (strncmp(arg, "--", 2) != 0) {
            argv[kept++] = argv[i];
            continue;
        }
        if (strcmp(arg, "--config") == 0) {
            i++;
            continue;
        }
        if (strncmp(arg, "--config=", 9) == 0)
            continue;
        if (strcmp(arg, "--demo") == 0 && cmd->takes_demo) {
            flags->demo = true;
            continue;
        }
        if (strcmp(arg, "--force") == 0 && cmd->takes_force) {
            flags->force = true;
            continue;
        }
        if (strcmp(arg, "--no-page-cache") == 0 && option_allowed(cmd, "page_cache")) {
            c->page_cache = false;
            continue;
        }
        char key[64];
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t key_len = eq ? (size_t)(eq - name) : strlen(name);
        if (key_len == 0 || key_len >= sizeof(key))
            return cli_usage_error(cmd->name, "unknown option %s", arg);
        for (size_t k = 0; k < key_len; k++)
            key[k] = name[k] == '-' ? '_' : name[k];
        key[key_len] = '\0';
        if (!option_allowed(cmd, key)) {
            if (cmd->own_options || (cmd->options != NULL && listed(cmd->options, "*"))) {
                argv[kept++] = argv[i];
                continue;
            }
            return cli_usage_error(cmd->name, "unknown option %s", arg);
        }
        const char *value = eq ? eq + 1 : NULL;
        if (value == NULL) {
            if (i + 1 >= *argc)
                return cli_usage_error(cmd->name, "%s needs a value", arg);
            value = argv[++i];
        }
        if (config_set(c, arg, str_from_cstr(key), str_from_cstr(value), err, sizeof(err)) !=
            ERR_OK) {
            fprintf(stderr, "visnyk %s: %s\n", cmd->name, err);
            return CLI_EXIT_USAGE;
        }
    }
    *argc = kept;
    return 0;
}

void cli_apply_log_level(const struct config *c)
{
    if (strcmp(c->log_level, "debug") == 0)
        log_set_level(LOG_DEBUG);
    else if (strcmp(c->log_level, "warn") == 0)
        log_set_level(LOG_WARN);
    else if (strcmp(c->log_level, "error") == 0)
        log_set_level(LOG_ERROR);
    else
        log_set_level(LOG_INFO);
    log_set_format(strcmp(c->log_format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT);
}

int cli_ensure_dir(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return 0;
    fprintf(stderr, "visnyk: cannot create folder %s: %s\n", path, strerror(errno));
    return 1;
}

void cli_db_shown(const struct config *c, char *out, size_t out_size)
{
    const char *db = c->db;
    if (!store_is_postgresql(db)) {
        snprintf(out, out_size, "%s", db);
        return;
    }
    const char *rest = strstr(db, "://") + 3;
    const char *at = strchr(rest, '@');
    const char *slash = strchr(rest, '/');
    const char *colon = strchr(rest, ':');
    size_t query = strcspn(db, "?");
    /* user:password@host: the password goes; no '@' before the path: no credentials */
    if (at != NULL && (slash == NULL || at < slash) && colon != NULL && colon < at)
        snprintf(out, out_size, "%.*s:***%.*s", (int)(colon - db), db,
                 (int)(query - (size_t)(at - db)), at);
    else
        snprintf(out, out_size, "%.*s", (int)query, db);
}

/* open_migrated opens the database for writing and brings its schema up to date. */
int cli_open_migrated(const struct config *c, struct store **out)
{
    char shown[CONFIG_MAX_VALUE_BYTES];
    cli_db_shown(c, shown, sizeof shown);
    struct store *s = NULL;
    enum err e = store_open(c->db, STORE_WRITE, &s);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk: cannot open database %s: %s\n", shown,
                s ? store_errmsg(s) : err_str(e));
        store_close(s);
        return 1;
    }
    int from = 0, to = 0;
    e = store_migrate(s, &from, &to);
    if (e == ERR_VERSION) {
        fprintf(stderr,
                "visnyk: database %s has schema version %d, newer than this visnyk (%d); "
                "use a newer visnyk or restore a backup\n",
                shown, from, store_schema_version());
        store_close(s);
        return 1;
    }
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk: migrating %s failed: %s\n", shown, store_errmsg(s));
        store_close(s);
        return 1;
    }
    if (from != to)
        log_info("database %s migrated from schema %d to %d", shown, from, to);
    *out = s;
    return 0;
}
