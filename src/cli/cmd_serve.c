/* cmd_serve.c: `visnyk serve`, which wires the modules to the HTTP server. */
#include <stdio.h>
#include <string.h>

#include "admin/admin.h"
#include "admin/admin_mail.h"
#include "alert/alert.h"
#include "api/api.h"
#include "cdn/purge.h"
#include "cli/cli.h"
#include "cli/sd.h"
#include "core/log.h"
#include "export/export.h"
#include "http/http.h"
#include "mail/mail.h"
#include "search/search.h"
#include "site/site.h"
#include "site/subscribe.h"
#include "store/search.h"

/* The e-mail digest's sender and scheduler threads run while the server serves. */
static struct mail_config serve_mail_cfg;
static struct mail_service *serve_mail;
/* The editors' workspace; its scheduler thread needs the server (cache invalidation). */
static struct admin *serve_admin;
/* The CDN purge queue's worker (purge_url set); the hook queues keys while it runs. */
static struct cdn_purge *serve_purge;
/* The automatic air-raid banner's poller (alert_feed_url set). */
static struct alert_feed *serve_alert;

/* on_alert_change: the automatic banner changed; drop the pages showing it, exactly as
 * the workspace does for the editors' banner (page cache and CDN purge of "banner"). */
static void on_alert_change(void *ctx)
{
    http_cache_invalidate(ctx, STR_LIT("banner"));
}

static void serve_on_start(struct http_server *srv, void *app)
{
    (void)srv;
    (void)app;
    enum err e = mail_service_start(&serve_mail_cfg, &serve_mail);
    if (e != ERR_OK) /* the site serves on; subscriptions wait in the outbox */
        log_error("mail: service start failed: %s", err_str(e));
    if (serve_admin != NULL)
        admin_on_start(serve_admin, srv);
    cdn_purge_start(serve_purge);
    alert_feed_start(serve_alert, on_alert_change, srv);
    cli_sd_ready(); /* systemd Type=notify: listening and serving (nothing outside a unit) */
}

static void serve_on_stop(void *app)
{
    (void)app;
    cli_sd_stopping();
    mail_service_stop(serve_mail);
    serve_mail = NULL;
    if (serve_admin != NULL)
        admin_on_stop(serve_admin);
    alert_feed_stop(serve_alert); /* before the server it invalidates goes away */
    cdn_purge_stop(serve_purge);
}

static int cmd_serve(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    (void)f;
    if (argc > 0)
        return cli_usage_error("serve", "unexpected argument %s", argv[0]);
    /* The readers' queries are not in PostgreSQL's dialect yet: a server would start and
     * fail on its first page. */
    if (store_is_postgresql(c->db)) {
        fprintf(stderr, "visnyk serve: PostgreSQL backend: the store opens and migrates; "
                        "serving pages from it is not finished (issue 11)\n");
        return 1;
    }
    /* Refuse early, with the fix, rather than serve 503s from a missing database. */
    struct store *probe = NULL;
    enum err e = store_open(c->db, STORE_READ, &probe);
    store_close(probe);
    if (e == ERR_VERSION) {
        fprintf(stderr,
                "visnyk serve: database %s needs 'visnyk init --db %s' to bring its "
                "schema up to date (or it is newer than this visnyk)\n",
                c->db, c->db);
        return 1;
    }
    if (e != ERR_OK) {
        fprintf(stderr,
                "visnyk serve: cannot open database %s; create it with 'visnyk init "
                "--db %s --demo' or 'visnyk init --db %s'\n",
                c->db, c->db, c->db);
        return 1;
    }
    if (cli_ensure_signing_key(c) != 0) /* cmd_key.c: a database from before keys */
        return 1;
    char base_url[CONFIG_MAX_VALUE_BYTES + 80];
    if (c->base_url[0] != '\0')
        snprintf(base_url, sizeof(base_url), "%s", c->base_url);
    else if (strchr(c->listen_host, ':') != NULL)
        snprintf(base_url, sizeof(base_url), "http://[%s]:%u", c->listen_host, c->listen_port);
    else
        snprintf(base_url, sizeof(base_url), "http://%s:%u", c->listen_host, c->listen_port);

    /* the automatic air-raid banner: a feed without a region would follow nothing */
    if (c->alert_feed_url[0] != '\0') {
        if (c->alert_region[0] == '\0') {
            fprintf(stderr, "visnyk serve: alert_feed_url is set but alert_region is not; name "
                            "the region as the feed writes it, e.g. alert_region = Полтавська "
                            "область\n");
            return 1;
        }
        char filter[sizeof c->alert_feed_filter];
        snprintf(filter, sizeof filter, "%s", c->alert_feed_filter);
        char *eq = strchr(filter, '=');
        if (eq != NULL)
            *eq = '\0';
        struct alert_feed_config acfg = {.url = c->alert_feed_url,
                                         .key = c->alert_feed_key,
                                         .key_header = c->alert_feed_key_header,
                                         .region = c->alert_region,
                                         .map = {.list = c->alert_feed_list,
                                                 .region_field = c->alert_feed_region_field,
                                                 .filter_field = eq != NULL ? filter : "",
                                                 .filter_value = eq != NULL ? eq + 1 : ""},
                                         .interval_s = c->alert_poll_interval,
                                         .stale_after_s = c->alert_stale_after,
                                         .all_clear_s = c->alert_all_clear_for};
        if (alert_feed_new(&acfg, &serve_alert) != ERR_OK)
            serve_alert = NULL;
    }
    struct site_config site_cfg = {.db_path = c->db,
                                   .theme_dir = c->theme,
                                   .media_dir = c->media,
                                   .base_url = base_url,
                                   .static_links = c->static_links,
                                   .alert = serve_alert,
                                   .registry_off = !c->registry,
                                   .vacancies_off = !c->vacancies,
                                   .requests_off = !c->requests,
                                   .appeals_off = !c->appeals,
                                   .holidays = c->holidays,
                                   .consultations_off = !c->consultations,
                                   .opendata_off = !c->opendata,
                                   .opendata_contact = c->opendata_contact,
                                   .opendata_email = c->opendata_email};
    struct site *site = NULL;
    char err[1024];
    if (site_new(&site_cfg, &site, err, sizeof(err)) != ERR_OK) {
        fprintf(stderr, "visnyk serve: %s\n", err);
        alert_feed_free(serve_alert);
        serve_alert = NULL;
        return 1;
    }
    struct http_router *router = http_router_new();
    site_routes(site, router);
    /* the workspace: behind TLS when told so or when the public address is https */
    bool tls = c->tls_proxy || strncmp(base_url, "https://", 8) == 0;
    struct admin_config admin_cfg = {.db_path = c->db,
                                     .media_dir = c->media,
                                     .site = site,
                                     .tls = tls,
                                     .start_worker = true,
                                     .alert = serve_alert,
                                     .holidays = c->holidays,
                                     .requests_keep_days = c->requests_keep_days};
    if (admin_new(&admin_cfg, &serve_admin, err, sizeof(err)) != ERR_OK) {
        fprintf(stderr, "visnyk serve: %s\n", err);
        http_router_free(router);
        site_free(site);
        alert_feed_free(serve_alert);
        serve_alert = NULL;
        return 1;
    }
    /* the digest's workspace pages go before admin_routes' catch-all */
    admin_mail_routes(serve_admin, router,
                      &(struct admin_mail_config){
                          .theme_dir = c->theme, .base_url = base_url, .mail_from = c->mail_from});
    admin_routes(serve_admin, router);
    search_dict_preload(); /* hunspell-uk for search, loaded before the first query */
    /* the open-data API; without it the site still serves */
    struct api *api = NULL;
    struct api_config api_cfg = {.db_path = c->db,
                                 .base_url = base_url,
                                 .media_dir = c->media,
                                 .registry_off = !c->registry,
                                 .vacancies_off = !c->vacancies,
                                 .consultations_off = !c->consultations};
    if (api_new(&api_cfg, &api) == ERR_OK)
        api_routes(router, api);
    /* config_set validated the list already; this only builds the table */
    struct http_proxies proxies;
    struct str bad_proxy;
    if (http_proxies_parse(str_from_cstr(c->trusted_proxies), &proxies, &bad_proxy) != ERR_OK)
        proxies.n = 0;
    /* who may read /metrics (the socket peer; validated by config_set too) */
    struct http_proxies metrics_allow;
    if (http_proxies_parse(str_from_cstr(c->metrics_allow), &metrics_allow, &bad_proxy) != ERR_OK)
        metrics_allow.n = 0;
    size_t n_headers = 0;
    struct http_config http_cfg = {
        .host = c->listen_host,
        .port = c->listen_port,
        .threads = c->threads,
        .page_cache = c->page_cache,
        .header_timeout_ms = c->header_timeout_ms,
        .max_conns_per_ip = c->max_conns_per_ip,
        .requests_per_ip_per_second = c->requests_per_ip_per_second,
        .request_burst = c->request_burst,
        .limit_loopback = c->limit_loopback,
        .spool_dir = c->media,
        .min_body_bytes_per_sec = c->min_body_rate,
        .min_body_rate_grace_s = c->min_body_rate_grace,
        .query_renders_per_second = c->query_renders_per_second,
        .body_memory_max = (size_t)c->body_memory_max << 20,
        .body_spool_max = (size_t)c->upload_spool_max << 20,
        .response_memory_max = (size_t)c->response_memory_max << 20,
        .cache_max_age = c->cache_max_age,
        .cache_s_maxage = c->cache_s_maxage,
        .cache_swr = c->cache_swr,
        .cache_sie = c->cache_sie,
        .trusted_proxies = &proxies,
        .metrics_allow = &metrics_allow, /* health and metrics (site/health.c) */
        .ready = site_ready,
        .metrics_write = site_metrics_write,
        .access_log = c->access_log,
        .router = router,
        .app = site,
        .thread_init = site_thread_init,
        .thread_done = site_thread_done,
        .error_page = site_error_page,
        .on_start = serve_on_start,
        .warm_paths = c->warm_pages ? site_warm_paths : NULL,
        .on_stop = serve_on_stop,
    };
    serve_mail_cfg = (struct mail_config){.db_path = c->db,
                                          .theme_dir = c->theme,
                                          .smtp_url = c->smtp_url,
                                          .mail_from = c->mail_from,
                                          .base_url = base_url,
                                          .digest_hour = c->digest_hour,
                                          .digest_minute = c->digest_minute,
                                          .digest_weekday = c->digest_weekday,
                                          .rate_per_minute = c->mail_rate,
                                          .retry_seconds = c->mail_retry};
    site_subscribe_configure(&(struct site_subscribe_config){
        .mail_from = c->mail_from,
        .limits = {.ip_per_hour = c->subscribe_ip_hour, .addr_per_day = c->subscribe_addr_day}});
    http_cfg.common_headers = site_security_headers(&n_headers);
    http_cfg.n_common_headers = n_headers;
    /* HSTS on every response, public and admin, when the site is behind TLS */
    struct http_header with_hsts[32];
    if (tls && n_headers < sizeof(with_hsts) / sizeof(with_hsts[0])) {
        memcpy(with_hsts, http_cfg.common_headers, n_headers * sizeof(with_hsts[0]));
        with_hsts[n_headers].name = STR_LIT("Strict-Transport-Security");
        with_hsts[n_headers].value = STR_LIT("max-age=31536000; includeSubDomains");
        http_cfg.common_headers = with_hsts;
        http_cfg.n_common_headers = n_headers + 1;
    }
    log_info("serving %s on %s (database %s, theme %s)", base_url, c->listen_host, c->db, c->theme);
    /* the static mirror (issue 6): re-exported in the background after each change */
    struct export_config mirror_cfg = {.db_path = c->db,
                                       .theme_dir = c->theme,
                                       .media_dir = c->media,
                                       .base_url = c->base_url,
                                       .out_dir = c->static_mirror,
                                       .gzip = true};
    struct export_watch *mirror =
        c->static_mirror[0] != '\0' ? export_watch_start(&mirror_cfg, 5) : NULL;
    /* the CDN purge hook: every invalidated key is queued and POSTed to purge_url */
    if (c->purge_url[0] != '\0' && cdn_purge_new(&(struct cdn_purge_config){.db_path = c->db,
                                                                            .url = c->purge_url,
                                                                            .auth = c->purge_auth},
                                                 &serve_purge) == ERR_OK) {
        http_cfg.on_invalidate = cdn_purge_key;
        http_cfg.invalidate_ctx = serve_purge;
    }
    struct store_upkeep *upkeep = store_upkeep_start(c->db);
    e = http_server_run(&http_cfg, site_on_reload, NULL);
    store_upkeep_stop(upkeep);
    export_watch_stop(mirror);
    if (e != ERR_OK)
        fprintf(stderr, "visnyk serve: cannot listen on %s port %u: %s\n", c->listen_host,
                c->listen_port, err_str(e));
    http_router_free(router);
    admin_free(serve_admin);
    serve_admin = NULL;
    cdn_purge_free(serve_purge); /* after the scheduler, the last to call the hook */
    serve_purge = NULL;
    admin_mail_free();
    api_free(api);
    site_free(site);
    alert_feed_free(serve_alert); /* after the site that reads it */
    serve_alert = NULL;
    return e == ERR_OK ? 0 : 1;
}

/* serve takes every setting but the demo folder (init's) as --key VALUE */
static const char *const serve_not_options[] = {"demo", NULL};

const struct cli_command cli_cmd_serve = {
    .name = "serve",
    .summary = "serve the site",
    .usage = "visnyk serve [--db PATH] [--listen HOST:PORT] [--config FILE] [--theme DIR] [--media "
             "DIR]\n"
             "             [--base-url URL] [--threads N] [--no-page-cache] [--log-level LEVEL]",
    .all_settings_but = serve_not_options,
    .run = cmd_serve,
};
