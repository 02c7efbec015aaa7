/* cmd_export_static.c: `visnyk export-static DIR`, the static mirror (src/export/). */
#include <stdio.h>

#include "cli/cli.h"
#include "export/export.h"

static int cmd_export_static(const struct config *c, const struct cli_flags *f, int argc,
                             char **argv)
{
    (void)f;
    if (argc != 1)
        return cli_usage_error("export-static", "%s",
                               argc == 0 ? "needs the folder DIR to write the mirror into"
                                         : "takes one folder DIR");
    struct export_config ec = {
        .db_path = c->db,
        .theme_dir = c->theme,
        .media_dir = c->media,
        .base_url = c->base_url,
        .out_dir = argv[0],
        .gzip = true,
    };
    struct export_stats st;
    char err[2048];
    enum err e = export_static_run(&ec, &st, err, sizeof err);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk export-static: %s\n", err[0] ? err : err_str(e));
        return 1;
    }
    printf("exported %zu pages and %zu media files to %s in %.2f s: %zu files written, %zu "
           "unchanged, %zu removed",
           st.pages, st.media, argv[0], st.seconds, st.written, st.unchanged, st.removed);
    if (st.broken || st.skipped)
        printf("; %zu broken links, %zu links with a query skipped", st.broken, st.skipped);
    printf("\n");
    /* links to routes other modules serve live (search, subscription forms) cannot be
     * files; they are reported above, and the mirror is still complete without them */
    return 0;
}

static const char *const export_options[] = {"db", "theme", "media", "base_url", "log_level", NULL};

const struct cli_command cli_cmd_export_static = {
    .name = "export-static",
    .summary = "write the public site as static files (a mirror nginx can serve)",
    .usage = "visnyk export-static DIR [--db PATH] [--media DIR] [--theme DIR] [--base-url URL]\n"
             "  DIR gets index.html, news/<slug>/index.html, ... with .gz beside text files;\n"
             "  a second run rewrites only what changed. Links that do not render\n"
             "  (forms served only live, e.g. /search) are counted and named in the log.",
    .options = export_options,
    .run = cmd_export_static,
};
