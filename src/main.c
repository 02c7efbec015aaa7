/* main.c: the command line. Each command is a struct cli_command in src/cli/; this
 * file only picks one and hands it its options. Wrong usage exits with status 2. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"

static const struct cli_command *const commands[] = {
    &cli_cmd_init,          &cli_cmd_serve,       &cli_cmd_import,  &cli_cmd_digest,
    &cli_cmd_user,          &cli_cmd_backup,      &cli_cmd_restore, &cli_cmd_check,
    &cli_cmd_export_static, &cli_cmd_export_data, &cli_cmd_key,     &cli_cmd_verify,
    &cli_cmd_verify_site,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_help(void)
{
    printf("visnyk %s: a news site and publishing engine\n\nusage: visnyk COMMAND [OPTIONS]\n\n"
           "commands:\n",
           VISNYK_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        printf("  %-8s %s\n", commands[i]->name, commands[i]->summary);
    printf("\nEvery option can also come from a config file (--config FILE, 'key = value' lines)\n"
           "or from VISNYK_<KEY> environment variables; the command line wins.\n"
           "Run 'visnyk COMMAND --help' for a command's options.\n");
}

static void print_command_help(const struct cli_command *cmd)
{
    printf("visnyk %s: %s\n\nusage: %s\n", cmd->name, cmd->summary, cmd->usage);
    printf("\ndefaults: --db visnyk.db, --media media, --listen 127.0.0.1:8080\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help();
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help();
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("visnyk %s (schema %d)\n", VISNYK_VERSION, store_schema_version());
        return 0;
    }
    const struct cli_command *cmd = NULL;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(argv[1], commands[i]->name) == 0)
            cmd = commands[i];
    }
    if (cmd == NULL)
        return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
    struct config c;
    config_defaults(&c);
    struct cli_flags f = {0};
    int rest_argc = argc - 2;
    char **rest = argv + 2;
    int rc = cli_parse_options(cmd, &c, &rest_argc, rest, &f);
    if (rc != 0)
        return rc;
    if (f.help) {
        print_command_help(cmd);
        return 0;
    }
    cli_apply_log_level(&c);
    return cmd->run(&c, &f, rest_argc, rest);
}
