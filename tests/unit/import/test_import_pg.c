/* test_import_pg.c: the import's writes on PostgreSQL, checked against SQLite's. The
 * demo content (demo/: articles, 340 generated ones, pages, English translations, with
 * photos generated as `visnyk init --demo` does) goes into a fresh SQLite file and into
 * a PostgreSQL database (cmake/tests.cmake runs this under pg_virtualenv); then every
 * reader's query of content.h must answer the same on both: the counts and every page
 * of the lists, by tag and by department, each article read by slug with its tags,
 * departments and photos, the related articles and neighbours, the tags and
 * departments in order with their counts, the archive months and the pages. Then
 * `visnyk import --db postgresql://` imports a file. Media files stay on disk on both
 * engines for now (issue 11). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "import/import.h"
#include "media/media.h"
#include "store/content.h"
#include "store/store.h"

static char dir[] = "/tmp/visnyk-import-pg-XXXXXX";

static void report(void *ctx, const char *path, enum err e, const char *message)
{
    (void)ctx;
    (void)e;
    if (message != NULL)
        fprintf(stderr, "%s: %s\n", path, message);
}

/* load imports the demo content into s; photo_root holds the generated photos. */
static void load(struct store *s, const char *media, const char *photo_root,
                 struct import_result *res)
{
    const char *src = getenv("VISNYK_SOURCE_DIR");
    char dirs[4][600];
    const char *paths[4];
    /* "en" after the others: a translation needs its original in the database */
    const char *sub[4] = {"articles", "generated", "pages", "en"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(dirs[i], sizeof dirs[i], "%s/demo/%s", src != NULL ? src : ".", sub[i]);
        paths[i] = dirs[i];
    }
    struct import_options opts = {.media_dir = media, .photo_root = photo_root};
    CHECK(import_paths(s, paths, 4, &opts, res, report, NULL) == ERR_OK);
}

static bool same_str(struct str x, struct str y)
{
    return x.len == y.len && (x.len == 0 || memcmp(x.ptr, y.ptr, x.len) == 0);
}

static bool same_summary(const struct store_summary *x, const struct store_summary *y)
{
    if ((x->lead_photo == NULL) != (y->lead_photo == NULL))
        return false;
    return same_str(x->slug, y->slug) && same_str(x->title, y->title) &&
           same_str(x->lead, y->lead) && x->published_at == y->published_at &&
           (x->lead_photo == NULL || same_str(x->lead_photo->hash, y->lead_photo->hash));
}

static bool same_refs(const struct store_ref *x, size_t nx, const struct store_ref *y, size_t ny)
{
    if (nx != ny)
        return false;
    for (size_t i = 0; i < nx; i++)
        if (!same_str(x[i].slug, y[i].slug) || !same_str(x[i].name, y[i].name) ||
            x[i].count != y[i].count)
            return false;
    return true;
}

/* same_list walks every page of q on both stores (the ids differ: the slugs, times and
 * photos must not) and compares the counts; *n_out gets how many were listed. */
static bool same_list(struct store *l, struct store *p, struct store_list_query ql,
                      struct store_list_query qp, size_t *n_out)
{
    struct arena *a = arena_new(16384);
    bool same = true, more_l = true, more_p = true;
    size_t total = 0;
    while (same && more_l) {
        struct store_summary *il, *ip;
        size_t nl, np;
        if (store_article_list(l, a, &ql, &il, &nl, &more_l) != ERR_OK ||
            store_article_list(p, a, &qp, &ip, &np, &more_p) != ERR_OK || nl != np ||
            more_l != more_p) {
            same = false;
            break;
        }
        for (size_t i = 0; i < nl; i++)
            same = same && same_summary(&il[i], &ip[i]);
        total += nl;
        if (nl > 0) {
            ql.after = (struct store_cursor){il[nl - 1].published_at, il[nl - 1].id};
            qp.after = (struct store_cursor){ip[np - 1].published_at, ip[np - 1].id};
        }
        struct store_cursor bl, bp;
        bool fl, fp;
        if (store_article_page_before(l, &ql, &bl, &fl) != ERR_OK ||
            store_article_page_before(p, &qp, &bp, &fp) != ERR_OK || fl != fp ||
            bl.published_at != bp.published_at)
            same = false;
        arena_reset(a);
    }
    int64_t cl = -1, cp = -2;
    ql.after = qp.after = (struct store_cursor){0, 0};
    same = same && store_article_count(l, &ql, &cl) == ERR_OK &&
           store_article_count(p, &qp, &cp) == ERR_OK && cl == cp && cl == (int64_t)total;
    arena_free(a);
    *n_out = total;
    return same;
}

static bool same_article(struct store *l, struct store *p, struct arena *a, struct str slug,
                         size_t *n_photos)
{
    struct store_article x, y;
    if (store_article_by_slug(l, a, slug, &x) != ERR_OK ||
        store_article_by_slug(p, a, slug, &y) != ERR_OK)
        return false;
    bool same = same_str(x.title, y.title) && same_str(x.lead, y.lead) &&
                same_str(x.body_md, y.body_md) && x.published_at == y.published_at &&
                x.status == y.status && same_refs(x.tags, x.n_tags, y.tags, y.n_tags) &&
                x.n_departments == y.n_departments && x.n_photos == y.n_photos;
    for (size_t i = 0; same && i < x.n_departments; i++)
        same = same_str(x.departments[i].slug, y.departments[i].slug);
    for (size_t i = 0; same && i < x.n_photos; i++)
        same = same_str(x.photos[i].hash, y.photos[i].hash) &&
               same_str(x.photos[i].caption, y.photos[i].caption) &&
               same_str(x.photos[i].alt, y.photos[i].alt) && x.photos[i].width == y.photos[i].width;
    *n_photos += x.n_photos;

    struct store_summary *rl, *rp, ol, nl, op, np;
    size_t n_rl, n_rp;
    same = same && store_article_related(l, a, x.id, 6, &rl, &n_rl) == ERR_OK &&
           store_article_related(p, a, y.id, 6, &rp, &n_rp) == ERR_OK && n_rl == n_rp;
    for (size_t i = 0; same && i < n_rl; i++)
        same = same_summary(&rl[i], &rp[i]);
    same = same && store_article_neighbours(l, a, &x, &ol, &nl) == ERR_OK &&
           store_article_neighbours(p, a, &y, &op, &np) == ERR_OK && same_str(ol.slug, op.slug) &&
           same_str(nl.slug, np.slug);
    return same;
}

/* compare holds p to l, SQLite's answers being the reference. */
static void compare(struct store *l, struct store *p)
{
    struct arena *a = arena_new(65536);
    struct store_ref *tl, *tp, *dl, *dp;
    size_t ntl, ntp, ndl, ndp, n;
    CHECK(store_tags_published(l, a, &tl, &ntl) == ERR_OK);
    CHECK(store_tags_published(p, a, &tp, &ntp) == ERR_OK);
    CHECK(ntl > 5 && same_refs(tl, ntl, tp, ntp));
    CHECK(store_depts_published(l, a, &dl, &ndl) == ERR_OK);
    CHECK(store_depts_published(p, a, &dp, &ndp) == ERR_OK);
    CHECK(ndl > 3 && same_refs(dl, ndl, dp, ndp));
    CHECK(store_tags_all(l, a, &tl, &ntl) == ERR_OK && store_tags_all(p, a, &tp, &ntp) == ERR_OK);
    CHECK(same_refs(tl, ntl, tp, ntp));
    CHECK(store_depts_all(l, a, &dl, &ndl) == ERR_OK);
    CHECK(store_depts_all(p, a, &dp, &ndp) == ERR_OK);
    CHECK(same_refs(dl, ndl, dp, ndp));

    /* every page of the whole list, then of each tag and department */
    size_t all = 0;
    struct store_list_query q = {.limit = 20};
    CHECK(same_list(l, p, q, q, &all));
    CHECK(all > 300);
    bool lists_same = true;
    size_t in_tags = 0, in_depts = 0;
    CHECK(store_tags_published(l, a, &tl, &ntl) == ERR_OK);
    CHECK(store_tags_published(p, a, &tp, &ntp) == ERR_OK);
    for (size_t i = 0; i < ntl && i < ntp; i++) {
        struct store_list_query ql = {.limit = 7, .tag_id = tl[i].id};
        struct store_list_query qp = {.limit = 7, .tag_id = tp[i].id};
        lists_same = lists_same && same_list(l, p, ql, qp, &n);
        in_tags += n;
    }
    for (size_t i = 0; i < ndl && i < ndp; i++) {
        struct store_list_query ql = {.limit = 7, .dept_id = dl[i].id};
        struct store_list_query qp = {.limit = 7, .dept_id = dp[i].id};
        lists_same = lists_same && same_list(l, p, ql, qp, &n);
        in_depts += n;
        /* one department crossed with the first tag */
        ql.tag_id = tl[0].id;
        qp.tag_id = tp[0].id;
        lists_same = lists_same && same_list(l, p, ql, qp, &n);
    }
    CHECK(lists_same);
    CHECK(in_tags > 0 && in_depts > 0);

    /* each listed article in full, with its related articles and neighbours */
    struct store_summary *items;
    bool more;
    q = (struct store_list_query){.limit = STORE_MAX_LIST_LIMIT};
    bool articles_same = true;
    size_t n_read = 0, n_photos = 0;
    do {
        struct arena *b = arena_new(65536);
        CHECK(store_article_list(l, b, &q, &items, &n, &more) == ERR_OK);
        for (size_t i = 0; i < n; i++)
            articles_same = articles_same && same_article(l, p, b, items[i].slug, &n_photos);
        n_read += n;
        if (n > 0)
            q.after = (struct store_cursor){items[n - 1].published_at, items[n - 1].id};
        arena_free(b);
    } while (more && n > 0);
    CHECK(articles_same);
    CHECK(n_read == all);
    CHECK(n_photos > 10);

    struct store_month *ml, *mp;
    size_t nml, nmp;
    CHECK(store_archive_months(l, a, &ml, &nml) == ERR_OK);
    CHECK(store_archive_months(p, a, &mp, &nmp) == ERR_OK);
    bool months_same = nml == nmp && nml > 1;
    for (size_t i = 0; months_same && i < nml; i++)
        months_same =
            ml[i].year == mp[i].year && ml[i].month == mp[i].month && ml[i].count == mp[i].count;
    CHECK(months_same);

    struct store_page *pl, *pp;
    size_t npl, npp;
    CHECK(store_pages_all(l, a, &pl, &npl) == ERR_OK);
    CHECK(store_pages_all(p, a, &pp, &npp) == ERR_OK);
    bool pages_same = npl == npp && npl > 1;
    for (size_t i = 0; pages_same && i < npl; i++)
        pages_same = same_str(pl[i].slug, pp[i].slug) && same_str(pl[i].body_md, pp[i].body_md);
    CHECK(pages_same);
    arena_free(a);
}

/* cli_import runs `visnyk import --db postgresql:/// ...` (the binary of this build) on
 * one file and reads the article back through p. */
static void cli_import(struct store *p, const char *media)
{
    const char *bin = getenv("VISNYK_BINARY_DIR");
    char md[600], cmd[2000];
    snprintf(md, sizeof md, "%s/cli.md", dir);
    FILE *f = fopen(md, "w");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs("---\ntitle: Імпорт з командного рядка\nslug: cli-import\ndate: 2025-12-30 10:00\n"
          "tags:\n  - командний рядок\n---\nТекст.\n",
          f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s/visnyk' import --db postgresql:/// --media '%s' '%s'",
             bin != NULL ? bin : ".", media, md);
    CHECK(system(cmd) == 0);
    struct arena *a = arena_new(4096);
    struct store_article art;
    CHECK(store_article_by_slug(p, a, STR_LIT("cli-import"), &art) == ERR_OK);
    CHECK_STR(art.title, "Імпорт з командного рядка");
    CHECK(art.n_tags == 1);
    arena_free(a);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char photos[600], media_l[600], media_p[600], db_path[600], cmd[1400];
    snprintf(photos, sizeof photos, "%s/generated", dir);
    snprintf(media_l, sizeof media_l, "%s/media-sqlite", dir);
    snprintf(media_p, sizeof media_p, "%s/media-pg", dir);
    snprintf(db_path, sizeof db_path, "%s/test.db", dir);
    CHECK(media_init() == ERR_OK);
    CHECK(media_demo_photos(photos) == ERR_OK);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s'", media_l, media_p);
    CHECK(system(cmd) == 0);

    struct store *l = NULL, *p = NULL;
    CHECK(store_open(db_path, STORE_WRITE, &l) == ERR_OK);
    CHECK(store_migrate(l, NULL, NULL) == ERR_OK);
    enum err e = store_open("postgresql:///", STORE_WRITE, &p);
    CHECK(e == ERR_OK);
    if (e != ERR_OK) {
        fprintf(stderr, "no PostgreSQL to test against (run under pg_virtualenv): %s\n",
                p != NULL ? store_errmsg(p) : "");
        return check_done();
    }
    CHECK(store_migrate(p, NULL, NULL) == ERR_OK);

    struct import_result rl = {0}, rp = {0};
    load(l, media_l, photos, &rl);
    load(p, media_p, photos, &rp);
    CHECK(rp.failed == 0 && rl.failed == 0);
    CHECK(rp.articles == rl.articles && rp.articles > 300);
    CHECK(rp.pages == rl.pages && rp.pages > 1);
    CHECK(rp.photos == rl.photos && rp.photos > 10);
    CHECK(rp.translations == rl.translations && rp.translations > 5);
    /* a second import replaces, and changes nothing readers see */
    struct import_result again = {0};
    load(p, media_p, photos, &again);
    CHECK(again.failed == 0 && again.articles == rp.articles);
    compare(l, p);
    cli_import(p, media_p);

    store_close(p);
    store_close(l);
    media_shutdown();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_done();
}
