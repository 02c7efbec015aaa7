/* cmd_serve.c: `visnyk serve`, which wires the modules to the HTTP server. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "http/http.h"
#include "site/site.h"

static int cmd_serve(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    (void)f;
    if (argc > 0)
        return cli_usage_error("serve", "unexpected argument %s", argv[0]);
    /* Refuse early, with the fix, rather than serve 503s from a missing database. */
    struct store *probe = NULL;
    enum err e = store_open(c->db, STORE_READ, &probe);
    store_close(probe);
    if (e == ERR_VERSION) {
        fprintf(stderr, "visnyk serve: database %s needs 'visnyk init --db %s' to bring its "
                        "schema up to date (or it is newer than this visnyk)\n", c->db, c->db);
        return 1;
    }
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk serve: cannot open database %s; create it with 'visnyk init "
                        "--db %s --demo' or 'visnyk init --db %s'\n", c->db, c->db, c->db);
        return 1;
    }
    char base_url[CONFIG_MAX_VALUE_BYTES + 80];
    if (c->base_url[0] != '\0')
        snprintf(base_url, sizeof(base_url), "%s", c->base_url);
    else if (strchr(c->listen_host, ':') != NULL)
        snprintf(base_url, sizeof(base_url), "http://[%s]:%u", c->listen_host, c->listen_port);
    else
        snprintf(base_url, sizeof(base_url), "http://%s:%u", c->listen_host, c->listen_port);

    struct site_config site_cfg = {
        .db_path = c->db, .theme_dir = c->theme, .media_dir = c->media, .base_url = base_url};
    struct site *site = NULL;
    char err[1024];
    if (site_new(&site_cfg, &site, err, sizeof(err)) != ERR_OK) {
        fprintf(stderr, "visnyk serve: %s\n", err);
        return 1;
    }
    struct http_router *router = http_router_new();
    site_routes(site, router);
    size_t n_headers = 0;
    struct http_config http_cfg = {
        .host = c->listen_host,
        .port = c->listen_port,
        .threads = c->threads,
        .page_cache = c->page_cache,
        .router = router,
        .app = site,
        .thread_init = site_thread_init,
        .thread_done = site_thread_done,
        .error_page = site_error_page,
    };
    http_cfg.common_headers = site_security_headers(&n_headers);
    http_cfg.n_common_headers = n_headers;
    log_info("serving %s on %s (database %s, theme %s)", base_url, c->listen_host, c->db, c->theme);
    e = http_server_run(&http_cfg, site_on_reload, NULL);
    if (e != ERR_OK)
        fprintf(stderr, "visnyk serve: cannot listen on %s port %u: %s\n", c->listen_host,
                c->listen_port, err_str(e));
    http_router_free(router);
    site_free(site);
    return e == ERR_OK ? 0 : 1;
}


static const char *const serve_options[] = {"db", "listen", "theme", "media", "base_url",
                                            "threads", "page_cache", "log_level", NULL};

const struct cli_command cli_cmd_serve = {
    "serve", "serve the site",
    "visnyk serve [--db PATH] [--listen HOST:PORT] [--config FILE] [--theme DIR] [--media DIR]\n"
    "             [--base-url URL] [--threads N] [--no-page-cache] [--log-level LEVEL]",
    serve_options, false, false, cmd_serve};
