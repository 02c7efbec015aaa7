/* cmd_key.c: `visnyk key list|rotate|sign-all`, the site's signing keys and the
 * signing of published revisions that have none (sign/, store/signing_sqlite.c). The
 * secret key stays in the database: nothing here prints it. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/kyiv_time.h"
#include "sign/seal.h"
#include "sign/sign.h"
#include "store/accounts.h"
#include "store/signing.h"

int cli_ensure_signing_key(const struct config *c)
{
    struct store *s = NULL;
    if (cli_open_migrated(c, &s) != 0)
        return 1;
    bool created = false;
    enum err e = sign_ensure_key(s, utc_now(), &created);
    if (e != ERR_OK)
        fprintf(stderr, "visnyk: cannot create the site signing key: %s\n", store_errmsg(s));
    else if (created)
        printf("created the site signing key (see 'visnyk key list')\n");
    store_close(s);
    return e == ERR_OK ? 0 : 1;
}

static int key_list(struct store *s)
{
    struct arena *a = arena_new(16 * 1024);
    struct store_signing_key *keys;
    size_t n;
    enum err e = store_key_list(s, a, &keys, &n);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk key: cannot read the keys: %s\n", store_errmsg(s));
        arena_free(a);
        return 1;
    }
    printf("%-16s  %-7s  %-44s  %-20s  %s\n", "id", "alg", "public_key", "valid_from",
           "valid_until");
    for (size_t i = 0; i < n; i++) {
        char b64[SIGN_B64_MAX], from[21], until[21];
        sign_b64(keys[i].public_key, sizeof keys[i].public_key, b64);
        sign_iso_utc(keys[i].valid_from, from);
        if (keys[i].valid_until != 0)
            sign_iso_utc(keys[i].valid_until, until);
        else
            snprintf(until, sizeof until, "(current)");
        printf("%.*s  Ed25519  %-44s  %s  %s\n", STR_FMT(keys[i].key_id), b64, from, until);
    }
    if (n == 0)
        printf("no keys yet: 'visnyk key rotate' makes one\n");
    arena_free(a);
    return 0;
}

int cli_sign_missing(struct store *s, bool quiet)
{
    size_t n = 0;
    enum err e = sign_seal_missing(s, utc_now(), &n);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk: signing the unsigned revisions failed after %zu: %s\n", n,
                store_errmsg(s));
        return 1;
    }
    /* audited, which is also how a running server hears of it (store_key_generation):
     * its cached pages go, and the signatures are served */
    if (n > 0) {
        char detail[64];
        snprintf(detail, sizeof detail, "signed %zu published revisions", n);
        e = store_begin(s);
        if (e == ERR_OK)
            e = store_audit_add(s, 0, STR_LIT("cli"), STR_NULL, 0, "key.sign-all", STR_NULL,
                                str_from_cstr(detail), utc_now());
        if (e == ERR_OK)
            e = store_commit(s);
        if (e != ERR_OK) {
            store_rollback(s);
            fprintf(stderr, "visnyk: signed %zu revisions but the audit entry failed: %s\n", n,
                    store_errmsg(s));
            return 1;
        }
    }
    if (!quiet || n > 0)
        printf("signed %zu published revision%s that had no signature\n", n, n == 1 ? "" : "s");
    return 0;
}

static int cmd_key(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    (void)f;
    if (argc != 1 || (strcmp(argv[0], "list") != 0 && strcmp(argv[0], "rotate") != 0 &&
                      strcmp(argv[0], "sign-all") != 0))
        return cli_usage_error("key", "%s", "say 'list', 'rotate' or 'sign-all'");
    struct store *s = NULL;
    if (cli_open_migrated(c, &s) != 0)
        return 1;
    if (strcmp(argv[0], "sign-all") == 0) {
        int signed_rc = cli_sign_missing(s, false);
        store_close(s);
        return signed_rc;
    }
    int rc = 0;
    if (strcmp(argv[0], "rotate") == 0) {
        char id[17];
        enum err e = store_begin(s);
        if (e == ERR_OK)
            e = sign_new_key(s, utc_now(), id);
        if (e == ERR_OK)
            e = store_audit_add(s, 0, STR_LIT("cli"), STR_NULL, 0, "key.rotate", str_from_cstr(id),
                                STR_LIT("new signing key"), utc_now());
        if (e == ERR_OK)
            e = store_commit(s);
        if (e != ERR_OK) {
            store_rollback(s);
            fprintf(stderr, "visnyk key rotate: failed: %s\n", store_errmsg(s));
            rc = 1;
        } else {
            printf("new signing key %s; older keys stay listed for the signatures they made\n", id);
        }
    }
    if (rc == 0)
        rc = key_list(s);
    store_close(s);
    return rc;
}

static const char *const key_options[] = {"db", NULL};

const struct cli_command cli_cmd_key = {
    .name = "key",
    .summary = "list the site's signing keys, rotate to a new one, or sign what has no signature",
    .usage = "visnyk key list|rotate|sign-all [--db PATH] [--config FILE]",
    .options = key_options,
    .run = cmd_key,
};
