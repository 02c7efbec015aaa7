/* cmd_user.c: `visnyk user add|passwd|disable|enable|list`, the workspace's accounts
 * from the command line (the first administrator is made here). Passwords are read from
 * the terminal without echo, or as the first line of stdin when it is not a terminal
 * (scripts: `printf '%s\n' "$PW" | visnyk user add ...`); never from the command line,
 * where other users could read them in the process list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "admin/admin.h"
#include "cli/cli.h"
#include "core/kyiv_time.h"
#include "store/accounts.h"

/* read_line reads one line (without its newline) into buf; false on EOF or overlong. */
static bool read_line(FILE *in, char *buf, size_t size)
{
    if (fgets(buf, (int)size, in) == NULL)
        return false;
    size_t n = strlen(buf);
    if (n > 0 && buf[n - 1] != '\n' && !feof(in))
        return false; /* longer than the buffer */
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return true;
}

static bool prompt_hidden(const char *prompt, char *buf, size_t size)
{
    struct termios old, quiet;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return false;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    bool ok = read_line(stdin, buf, size);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    return ok;
}

/* read_password fills buf with a new password that passes the policy; 1 on failure. */
static int read_password(char *buf, size_t size)
{
    char again[ADMIN_PW_MAX_BYTES + 2];
    const char *why;
    if (isatty(STDIN_FILENO)) {
        if (!prompt_hidden("new password: ", buf, size) ||
            !prompt_hidden("repeat it: ", again, sizeof again)) {
            fprintf(stderr, "visnyk user: no password read\n");
            return 1;
        }
        if (strcmp(buf, again) != 0) {
            sodium_memzero(again, sizeof again);
            fprintf(stderr, "visnyk user: the passwords differ\n");
            return 1;
        }
        sodium_memzero(again, sizeof again);
    } else if (!read_line(stdin, buf, size)) {
        fprintf(stderr, "visnyk user: expected the password as the first line of stdin\n");
        return 1;
    }
    why = admin_password_check(str_from_cstr(buf));
    if (why != NULL) {
        fprintf(stderr, "visnyk user: password refused: %s\n",
                strcmp(why, "admin.pw.long") == 0
                    ? "longer than 256 bytes"
                    : "use at least 10 characters (a few words make a good one)");
        return 1;
    }
    return 0;
}

static void lower(char *s)
{
    for (; *s != '\0'; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static int audit(struct store *s, const char *action, const char *name, const char *detail)
{
    enum err e = store_audit_add(s, 0, STR_LIT("command line"), STR_LIT("local"), 0, action,
                                 str_from_cstr(name), str_from_cstr(detail), utc_now());
    if (e != ERR_OK)
        fprintf(stderr, "visnyk user: audit log write failed: %s\n", store_errmsg(s));
    return e == ERR_OK ? 0 : 1;
}

static int user_add(const char *role_text, struct store *s, char *name)
{
    char pw[ADMIN_PW_MAX_BYTES + 2], hash[ADMIN_PW_HASH_BYTES];
    enum store_role role;
    struct store_user existing;
    struct arena *a = arena_new(4096);
    int64_t id;
    int rc = 1;

    if (!store_role_parse(str_from_cstr(role_text), &role)) {
        arena_free(a);
        return cli_usage_error("user", "add needs --role author, editor or admin%s", "");
    }
    if (store_user_by_name(s, a, str_from_cstr(name), &existing) == ERR_OK) {
        fprintf(stderr, "visnyk user: %s exists already (use 'visnyk user passwd %s')\n", name,
                name);
        goto out;
    }
    if (read_password(pw, sizeof pw) != 0)
        goto out;
    enum err e = admin_password_hash(str_from_cstr(pw), hash);
    sodium_memzero(pw, sizeof pw);
    if (e == ERR_OK)
        e = store_begin(s);
    if (e == ERR_OK)
        e = store_user_add(s, str_from_cstr(name), role, str_from_cstr(hash), &id);
    if (e == ERR_OK && audit(s, "user.create", name, store_role_text(role)) != 0)
        e = ERR_DB;
    if (e == ERR_OK)
        e = store_commit(s);
    if (e != ERR_OK) {
        store_rollback(s);
        fprintf(stderr, "visnyk user: cannot add %s: %s\n", name,
                e == ERR_CONFLICT ? "the name is taken" : store_errmsg(s));
        goto out;
    }
    printf("user %s added as %s; log in at /admin/login\n", name, store_role_text(role));
    rc = 0;
out:
    arena_free(a);
    return rc;
}

static int user_change(struct store *s, const char *what, char *name)
{
    struct arena *a = arena_new(4096);
    struct store_user u;
    char pw[ADMIN_PW_MAX_BYTES + 2], hash[ADMIN_PW_HASH_BYTES];
    enum err e = store_user_by_name(s, a, str_from_cstr(name), &u);
    int rc = 1;

    if (e != ERR_OK) {
        fprintf(stderr, "visnyk user: no user %s (see 'visnyk user list')\n", name);
        goto out;
    }
    if (strcmp(what, "passwd") == 0) {
        if (read_password(pw, sizeof pw) != 0)
            goto out;
        e = admin_password_hash(str_from_cstr(pw), hash);
        sodium_memzero(pw, sizeof pw);
        if (e == ERR_OK)
            e = store_begin(s);
        if (e == ERR_OK)
            e = store_user_set_password(s, u.id, str_from_cstr(hash));
        if (e == ERR_OK && audit(s, "user.password", name, "") != 0)
            e = ERR_DB;
    } else {
        bool off = strcmp(what, "disable") == 0;
        e = store_begin(s);
        if (e == ERR_OK)
            e = store_user_set_disabled(s, u.id, off);
        if (e == ERR_OK && audit(s, off ? "user.disable" : "user.enable", name, "") != 0)
            e = ERR_DB;
    }
    if (e == ERR_OK)
        e = store_commit(s);
    if (e != ERR_OK) {
        store_rollback(s);
        fprintf(stderr, "visnyk user: %s %s failed: %s\n", what, name, store_errmsg(s));
        goto out;
    }
    printf("user %s: %s\n", name,
           strcmp(what, "passwd") == 0    ? "password changed, sessions ended"
           : strcmp(what, "disable") == 0 ? "disabled, sessions ended"
                                          : "enabled");
    rc = 0;
out:
    arena_free(a);
    return rc;
}

static int user_list(struct store *s)
{
    struct arena *a = arena_new(16 * 1024);
    struct store_user *items;
    size_t n;
    enum err e = store_users_all(s, a, &items, &n);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk user: %s\n", store_errmsg(s));
        arena_free(a);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        printf("%-24.*s %-7s %s\n", STR_FMT(items[i].name), store_role_text(items[i].role),
               items[i].disabled ? "disabled" : "active");
    if (n == 0)
        printf("no users yet: visnyk user add NAME --role admin\n");
    arena_free(a);
    return 0;
}

static int cmd_user(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    (void)f;
    struct store *s = NULL;
    const char *role = "";
    int rc, kept = 0;
    /* --role is the command's own option (not a setting) */
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
            role = argv[++i];
        } else if (strncmp(argv[i], "--role=", 7) == 0) {
            role = argv[i] + 7;
        } else if (strncmp(argv[i], "--", 2) == 0) {
            return cli_usage_error("user", "unknown option %s", argv[i]);
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    if (argc < 1)
        return cli_usage_error("user", "expected add, passwd, disable, enable or list%s", "");
    const char *what = argv[0];
    bool needs_name = strcmp(what, "list") != 0;
    if (strcmp(what, "add") != 0 && role[0] != '\0')
        return cli_usage_error("user", "--role only goes with add%s", "");
    if (strcmp(what, "add") != 0 && strcmp(what, "passwd") != 0 && strcmp(what, "disable") != 0 &&
        strcmp(what, "enable") != 0 && strcmp(what, "list") != 0)
        return cli_usage_error("user", "unknown action %s", what);
    if (needs_name && argc != 2)
        return cli_usage_error("user", "%s needs one user name", what);
    if (!needs_name && argc != 1)
        return cli_usage_error("user", "unexpected argument %s", argv[1]);
    if (needs_name) {
        lower(argv[1]);
        if (!store_user_name_valid(str_from_cstr(argv[1])))
            return cli_usage_error("user", "user names are 1 to 64 of a-z 0-9 . _ - (not '%s')",
                                   argv[1]);
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "visnyk user: libsodium failed to start\n");
        return 1;
    }
    if (cli_open_migrated(c, &s) != 0)
        return 1;
    if (strcmp(what, "add") == 0)
        rc = user_add(role, s, argv[1]);
    else if (strcmp(what, "list") == 0)
        rc = user_list(s);
    else
        rc = user_change(s, what, argv[1]);
    store_close(s);
    return rc;
}

static const char *const user_options[] = {"db", "log_level", "*", NULL};

const struct cli_command cli_cmd_user = {
    .name = "user",
    .summary = "manage the editors' accounts",
    .usage =
        "visnyk user add NAME --role admin|editor|author [--db PATH]\n"
        "       visnyk user passwd NAME | disable NAME | enable NAME | list\n"
        "The password is read from the terminal (not echoed) or, when stdin is not a terminal,\n"
        "as its first line; never from the command line.",
    .options = user_options,
    .run = cmd_user,
};
