/* cmd_digest.c: `visnyk digest`, the e-mail digest from the command line: preview the
 * next digest of a subscriber or a topic set, queue and send the digests now, send a
 * test message. Sending drains the outbox through the same sender `visnyk serve` runs. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "mail/mail.h"

#define MAX_SLUGS 32

struct digest_args {
    const char *action;
    const char *email, *tags, *depts, *since_text;
    bool now, html;
    int64_t since; /* -1 = each subscriber's last digest */
};

static int parse_args(int argc, char **argv, struct digest_args *d)
{
    memset(d, 0, sizeof *d);
    d->since = -1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--now") == 0) {
            d->now = true;
            continue;
        }
        if (strcmp(a, "--html") == 0) {
            d->html = true;
            continue;
        }
        if (strcmp(a, "--email") == 0)
            slot = &d->email;
        else if (strcmp(a, "--tags") == 0)
            slot = &d->tags;
        else if (strcmp(a, "--departments") == 0)
            slot = &d->depts;
        else if (strcmp(a, "--since") == 0)
            slot = &d->since_text;
        if (slot != NULL) {
            if (i + 1 >= argc)
                return cli_usage_error("digest", "%s needs a value", a);
            *slot = argv[++i];
            continue;
        }
        if (strncmp(a, "--", 2) == 0 || d->action != NULL)
            return cli_usage_error("digest", "unexpected argument %s", a);
        d->action = a;
    }
    if (d->action == NULL)
        return cli_usage_error("digest", "%s", "needs an action: preview, send or test");
    if (d->since_text != NULL) {
        if (!kyiv_parse_day(str_from_cstr(d->since_text), &d->since))
            return cli_usage_error("digest", "--since wants a date YYYY-MM-DD, not %s",
                                   d->since_text);
    }
    return 0;
}

static void mail_config_from(const struct config *c, const char *base_url, struct mail_config *m)
{
    *m = (struct mail_config){
        .db_path = c->db,
        .theme_dir = c->theme,
        .smtp_url = c->smtp_url,
        .mail_from = c->mail_from,
        .base_url = base_url,
        .digest_hour = c->digest_hour,
        .digest_minute = c->digest_minute,
        .digest_weekday = c->digest_weekday,
        .rate_per_minute = c->mail_rate,
        .retry_seconds = c->mail_retry,
    };
}

/* slug_ids resolves a comma-separated slug list to ids. */
static int slug_ids(struct store *s, struct arena *a, const char *list, bool tags, int64_t *ids,
                    size_t *n)
{
    struct str rest = str_from_cstr(list), piece;
    *n = 0;
    while (str_split_next(&rest, ',', &piece)) {
        struct store_ref r;
        piece = str_trim(piece);
        if (piece.len == 0)
            continue;
        enum err e =
            tags ? store_tag_by_slug(s, a, piece, &r) : store_dept_by_slug(s, a, piece, &r);
        if (e != ERR_OK) {
            fprintf(stderr, "visnyk digest: no %s with slug '%.*s' (see /%s on the site)\n",
                    tags ? "tag" : "department", STR_FMT(piece), tags ? "tags" : "departments");
            return 1;
        }
        if (*n == MAX_SLUGS) {
            fprintf(stderr, "visnyk digest: at most %d slugs per list\n", MAX_SLUGS);
            return 1;
        }
        ids[(*n)++] = r.id;
    }
    return 0;
}

static int preview(struct store *w, struct arena *a, const struct mail_site *site,
                   const struct digest_args *d)
{
    struct store_subscriber sub = {0};
    int64_t tag_ids[MAX_SLUGS], dept_ids[MAX_SLUGS], now = utc_now(), since = d->since;
    struct mail_composed mc;
    size_t n = 0;
    enum err e;

    if (d->email != NULL) {
        struct buf norm;
        enum mail_addr_problem why;
        buf_init(&norm, 4 * MAIL_MAX_ADDRESS_BYTES);
        if (mail_address_normalize(str_from_cstr(d->email), &norm, &why) != ERR_OK) {
            buf_free(&norm);
            fprintf(stderr, "visnyk digest: %s is not a valid e-mail address\n", d->email);
            return 1;
        }
        e = store_subscriber_by_email(w, a, buf_str(&norm), &sub);
        buf_free(&norm);
        if (e != ERR_OK) {
            fprintf(stderr, "visnyk digest: no subscriber with that address\n");
            return 1;
        }
        if (since < 0)
            since = sub.last_digest_at;
        printf("subscriber %lld: %s, %s, %zu tag(s), %zu department(s)\n", (long long)sub.id,
               store_sub_state_text(sub.state), sub.weekly ? "weekly" : "daily", sub.n_tags,
               sub.n_depts);
    } else {
        size_t nt = 0, nd = 0;
        if ((d->tags != NULL && slug_ids(w, a, d->tags, true, tag_ids, &nt) != 0) ||
            (d->depts != NULL && slug_ids(w, a, d->depts, false, dept_ids, &nd) != 0))
            return 1;
        sub.tag_ids = tag_ids;
        sub.n_tags = nt;
        sub.dept_ids = dept_ids;
        sub.n_depts = nd;
        if (since < 0)
            since = now - 7 * 86400;
    }
    e = mail_digest_compose(w, a, site, &sub, since, now, &mc, &n);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk digest: cannot build the digest: %s: %s\n", err_str(e),
                store_errmsg(w));
        return 1;
    }
    if (n == 0) {
        printf("nothing new since %s: no digest would be sent\n",
               since > 0 ? "the last digest" : "the start");
        return 0;
    }
    printf("Subject: %.*s\nArticles: %zu\n\n", STR_FMT(mc.subject), n);
    fwrite(d->html ? mc.html.ptr : mc.text.ptr, 1, d->html ? mc.html.len : mc.text.len, stdout);
    return 0;
}

/* drain sends every message due now; retries scheduled later are left to serve. */
static int drain(const struct mail_config *mc, struct store *w)
{
    struct mail_sender *ms = NULL;
    int64_t sent = 0, failed = 0, later = 0;
    struct timespec t0, t1;
    if (mail_sender_new(mc, &ms) != ERR_OK) {
        fprintf(stderr, "visnyk digest: set smtp_url and mail_from (config file, VISNYK_SMTP_URL "
                        "and VISNYK_MAIL_FROM, or --smtp-url/--mail-from) to send mail; the "
                        "messages stay queued\n");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    enum err e = mail_sender_recover(ms, w);
    while (e == ERR_OK) {
        bool ok = false;
        e = mail_sender_step(ms, w, &ok);
        if (e == ERR_OK) {
            if (ok)
                sent++;
            else
                failed++;
        }
    }
    if (e == ERR_NOTFOUND && mail_sender_flush(ms, w) != ERR_OK)
        e = ERR_DB;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    mail_sender_free(ms);
    if (e != ERR_NOTFOUND) {
        fprintf(stderr, "visnyk digest: sending stopped: %s: %s\n", err_str(e), store_errmsg(w));
        return 1;
    }
    int64_t at;
    if (store_outbox_next_due(w, &at) == ERR_OK)
        later = 1;
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("sent %lld message(s), %lld not accepted, in %.1f s\n", (long long)sent,
           (long long)failed, secs);
    if (later)
        printf("some messages wait for a retry after a temporary failure; 'visnyk serve' sends "
               "them, or run this again later\n");
    return failed > 0 || later ? 3 : 0;
}

static int cmd_digest(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    (void)f;
    struct digest_args d;
    struct store *w = NULL;
    struct i18n *lang = NULL, *lang_en = NULL;
    struct arena *a = NULL;
    struct mail_site site;
    struct mail_config mc;
    char base_url[CONFIG_MAX_VALUE_BYTES + 80];
    int rc = parse_args(argc, argv, &d);
    if (rc != 0)
        return rc;
    if (strcmp(d.action, "preview") != 0 && strcmp(d.action, "send") != 0 &&
        strcmp(d.action, "test") != 0)
        return cli_usage_error("digest", "unknown action %s (preview, send or test)", d.action);
    if (strcmp(d.action, "send") == 0 && !d.now)
        return cli_usage_error("digest", "%s",
                               "send needs --now (the scheduler in 'visnyk serve' "
                               "sends at digest_time)");
    if (strcmp(d.action, "test") == 0 && d.email == NULL)
        return cli_usage_error("digest", "%s", "test needs --email ADDRESS");
    if (c->base_url[0] != '\0')
        snprintf(base_url, sizeof base_url, "%s", c->base_url);
    else
        snprintf(base_url, sizeof base_url, "http://%s:%u", c->listen_host, c->listen_port);
    mail_config_from(c, base_url, &mc);
    if (cli_open_migrated(c, &w) != 0)
        return 1;
    rc = 1;
    a = arena_new(64 * 1024);
    if (mail_catalog_load(c->theme, &lang) != ERR_OK ||
        mail_catalog_load_en(c->theme, &lang_en) != ERR_OK) {
        fprintf(stderr, "visnyk digest: cannot read the theme catalog in %s\n", c->theme);
        goto out;
    }
    const char *from = c->mail_from[0] != '\0' ? c->mail_from : "noreply@localhost";
    enum err e = mail_site_load(w, a, lang, base_url, from, &site);
    if (e == ERR_OK)
        e = mail_site_english(w, a, lang_en, &site);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk digest: %s: %s\n", err_str(e), store_errmsg(w));
        goto out;
    }
    if (strcmp(d.action, "preview") == 0) {
        rc = preview(w, a, &site, &d);
        goto out;
    }
    if (strcmp(d.action, "test") == 0) {
        struct buf norm;
        enum mail_addr_problem why;
        buf_init(&norm, 4 * MAIL_MAX_ADDRESS_BYTES);
        if (mail_address_normalize(str_from_cstr(d.email), &norm, &why) != ERR_OK) {
            fprintf(stderr, "visnyk digest: %s is not a valid e-mail address\n", d.email);
            buf_free(&norm);
            goto out;
        }
        e = mail_test_queue(w, &site, buf_str(&norm), utc_now());
        buf_free(&norm);
        if (e != ERR_OK) {
            fprintf(stderr, "visnyk digest: cannot queue the test: %s\n", err_str(e));
            goto out;
        }
        printf("test message queued\n");
        rc = drain(&mc, w);
        goto out;
    }
    int64_t queued = 0, checked = 0;
    e = mail_digest_queue(w, &site, utc_now(), INT64_MAX, INT64_MAX, d.since, &queued, &checked);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk digest: queueing failed: %s: %s\n", err_str(e), store_errmsg(w));
        goto out;
    }
    printf("queued %lld digest(s) for %lld active subscriber(s)\n", (long long)queued,
           (long long)checked);
    fflush(stdout);
    rc = drain(&mc, w);
out:
    arena_free(a);
    i18n_free(lang);
    i18n_free(lang_en);
    store_close(w);
    return rc;
}

static const char *const digest_options[] = {
    "db",         "theme",       "base_url",       "smtp_url",  "mail_from", "mail_rate",
    "mail_retry", "digest_time", "digest_weekday", "log_level", "*",         NULL};

const struct cli_command cli_cmd_digest = {
    .name = "digest",
    .summary = "preview, send or test the news digest by e-mail",
    .usage =
        "visnyk digest preview [--email ADDRESS | --tags SLUG,... --departments SLUG,...]\n"
        "                      [--since YYYY-MM-DD] [--html]\n"
        "visnyk digest send --now [--since YYYY-MM-DD]\n"
        "visnyk digest test --email ADDRESS\n"
        "  preview prints the next digest of a subscriber (since their last one) or of a topic\n"
        "  set (the last 7 days); send queues every active subscriber's digest at once (with\n"
        "  --since, of the articles since that date) and sends the outbox before exiting;\n"
        "  test sends a sample digest of the newest articles to ADDRESS.\n"
        "  Common options: [--db PATH] [--config FILE] [--smtp-url URL] [--mail-from ADDRESS]\n"
        "  [--base-url URL] [--mail-rate N]. Exit status 3: some mail was not accepted yet.",
    .options = digest_options,
    .run = cmd_digest,
};
