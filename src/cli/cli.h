/* cli.h: what the command-line commands share. Each command lives in its own
 * src/cli/cmd_<name>.c and is listed in main.c's table. */
#ifndef VISNYK_CLI_CLI_H
#define VISNYK_CLI_CLI_H

#include <stdbool.h>

#include "config/config.h"
#include "store/store.h"

#define CLI_EXIT_USAGE 2

/* Flags that are not settings. */
struct cli_flags {
    bool help;
    bool demo;
    bool force;
};

struct cli_command {
    const char *name;
    const char *summary;
    const char *usage;
    const char *const *options; /* config keys accepted as --key VALUE (or --key=VALUE) */
    /* every config key but these (config_keys()) instead of options: serve takes them all,
     * so a new setting is not listed twice */
    const char *const *all_settings_but;
    bool takes_demo;  /* accepts --demo */
    bool takes_force; /* accepts --force */
    int (*run)(const struct config *c, const struct cli_flags *f, int argc, char **argv);
    /* --options that are not settings stay in argv for run() (digest --now, user --role);
     * an options list holding "*" does the same */
    bool own_options;
};

/* cli_usage_error prints "visnyk COMMAND: <fmt with what>" and a pointer to --help;
 * returns CLI_EXIT_USAGE. command may be NULL. */
int cli_usage_error(const char *command, const char *fmt, const char *what);
/* cli_parse_options applies --config FILE, then VISNYK_* variables, then the options on
 * the command line, in that order of precedence (last wins); positional arguments stay
 * in argv[0..*argc). Returns 0, or the exit code after printing what was wrong. */
int cli_parse_options(const struct cli_command *cmd, struct config *c, int *argc, char **argv,
                      struct cli_flags *flags);
void cli_apply_log_level(const struct config *c);
/* cli_demo_registry loads the demo's documents registry and vacancies (their PDFs into
 * c->media) in one transaction; prints and returns 1 on error. (demo_registry.c) */
int cli_demo_registry(const struct config *c, struct store *s);
/* cli_demo_requests loads the demo's requests for information and appeals in one
 * transaction; prints and returns 1 on error. (demo_requests.c) */
int cli_demo_requests(const struct config *c, struct store *s);
/* cli_demo_consultations loads the demo's public consultations (after the registry: one
 * discusses its draft) in one transaction; prints and returns 1 on error.
 * (demo_consultations.c) */
int cli_demo_consultations(struct store *s);
/* cli_demo_leadership loads the demo's head and deputies (demo_leadership.c); 0 or 1. */
int cli_demo_leadership(struct store *s);
/* cli_ensure_dir creates path (one level) unless it exists; prints and returns 1 on error. */
int cli_ensure_dir(const char *path);
/* cli_db_shown writes c->db into out (out_size bytes) as messages may show it: a
 * PostgreSQL URL without its password and query (which may hold one), a file as is. */
void cli_db_shown(const struct config *c, char *out, size_t out_size);
/* cli_open_migrated opens the database for writing and migrates it; prints why not and
 * returns 1 on failure. The caller closes *out. */
int cli_open_migrated(const struct config *c, struct store **out);

/* cli_ensure_signing_key makes the site's first signing key when the database has none
 * (init, serve); prints and returns 1 on failure. (cmd_key.c) */
int cli_ensure_signing_key(const struct config *c);
/* cli_sign_missing signs every published revision that has no signature (a database
 * from before signing, or from before pages were signed) in batches, printing how many
 * (nothing when none and quiet); prints and returns 1 on failure. s: a STORE_WRITE
 * connection outside a transaction. (cmd_key.c; `visnyk key sign-all` and init) */
int cli_sign_missing(struct store *s, bool quiet);

extern const struct cli_command cli_cmd_key, cli_cmd_verify, cli_cmd_verify_site;
extern const struct cli_command cli_cmd_init, cli_cmd_import, cli_cmd_serve;
extern const struct cli_command cli_cmd_digest;
extern const struct cli_command cli_cmd_user;
extern const struct cli_command cli_cmd_export_data;
extern const struct cli_command cli_cmd_backup, cli_cmd_restore, cli_cmd_check,
    cli_cmd_export_static;

#endif
