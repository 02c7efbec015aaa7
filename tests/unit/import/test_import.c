/* test_import.c: importing Markdown files into a real SQLite store in a temporary folder. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/kyiv_time.h"
#include "import/import.h"
#include "media/media.h"
#include "store/content.h"

static char dir[] = "/tmp/visnyk-import-XXXXXX";

static const char *at(const char *name)
{
    static char p[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fwrite(text, 1, len, f);
    fclose(f);
}

static void write_text(const char *name, const char *text)
{
    write_file(at(name), text, strlen(text));
}

static const char good[] =
    "---\n"
    "title: На Полтавщині реалізовуватимуть проєкти спільно з Консультативною місією\n"
    "date: 2024-08-01 16:51\n"
    "lead: \"Полтавщину відвідала делегація\"\n"
    "# a comment\n"
    "departments:\n"
    "  - Департамент економічного розвитку, торгівлі та залучення інвестицій\n"
    "  - Департамент з питань оборонної роботи\n"
    "tags:\n"
    "  - безпека\n"
    "  - Володимир Василенко\n"
    "---\n"
    "\n"
    "«Мої колеги мають значний досвід», – зазначив керівник.\r\n"
    "\n"
    "Другий абзац.\n\n";

static void test_good(struct store *s)
{
    struct arena *a = arena_new(4096);
    struct import_result res = {0};
    char err[512];
    write_text("good.md", good);
    CHECK(import_file(s, at("good.md"), NULL, &res, err, sizeof err) == ERR_OK);
    CHECK(err[0] == '\0');
    CHECK(res.files == 1 && res.articles == 1 && res.failed == 0);
    struct store_article art;
    struct str slug = STR_LIT("na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-"
                              "misiieiu");
    CHECK(store_article_by_slug(s, a, slug, &art) == ERR_OK);
    CHECK_STR(art.title, "На Полтавщині реалізовуватимуть проєкти спільно з Консультативною "
                         "місією");
    CHECK_STR(art.lead, "Полтавщину відвідала делегація");
    /* 16:51 in Kyiv in August is 13:51 UTC. */
    CHECK(art.published_at == 1722520260);
    CHECK(art.status == STORE_PUBLISHED);
    CHECK_STR(art.body_md, "«Мої колеги мають значний досвід», – зазначив керівник.\r\n\n"
                           "Другий абзац.");
    CHECK(art.n_departments == 2 && art.n_tags == 2 && art.n_photos == 0);
    if (art.n_tags == 2)
        CHECK_STR(art.tags[1].name, "Володимир Василенко");

    /* Importing again replaces by slug: same id, no duplicate tags. */
    int64_t id = art.id;
    CHECK(import_file(s, at("good.md"), NULL, &res, err, sizeof err) == ERR_OK);
    CHECK(store_article_by_slug(s, a, slug, &art) == ERR_OK);
    CHECK(art.id == id && art.n_tags == 2);
    struct store_ref *tags;
    size_t n;
    CHECK(store_tags_all(s, a, &tags, &n) == ERR_OK);
    CHECK(n == 2);
    int64_t count = 0;
    struct store_list_query q = {.limit = 10};
    CHECK(store_article_count(s, &q, &count) == ERR_OK);
    CHECK(count == 1);

    /* Explicit slug and status; a static page. */
    write_text("draft.md", "---\ntitle: Чернетка\nslug: my-draft\nstatus: draft\n"
                           "date: 2024-01-05T09:00\n---\nТекст\n");
    CHECK(import_file(s, at("draft.md"), NULL, &res, err, sizeof err) == ERR_OK);
    CHECK(store_article_by_slug_any(s, a, STR_LIT("my-draft"), &art) == ERR_OK);
    CHECK(art.status == STORE_DRAFT);
    CHECK(art.published_at == kyiv_to_utc(2024, 1, 5, 9, 0, 0));
    write_text("page.md", "\xef\xbb\xbf---\ntype: page\ntitle: Контакти\n---\nТелефон\n");
    CHECK(import_file(s, at("page.md"), NULL, &res, err, sizeof err) == ERR_OK);
    struct store_page page;
    CHECK(store_page_by_slug(s, a, STR_LIT("kontakty"), &page) == ERR_OK);
    CHECK_STR(page.body_md, "Телефон");
    CHECK(res.pages == 1);
    arena_free(a);
}

struct bad_case {
    const char *text;
    enum err e;
    const char *msg; /* expected after the temporary folder */
};

static const struct bad_case bad[] = {
    {"title: x\n", ERR_PARSE, "/bad.md:1: the file must start with a line '---'"},
    {"---\ntitle: x\ndate: 2024-08-01 16:51\n", ERR_PARSE,
     "/bad.md:3: front matter is not closed; add a line '---' before the text"},
    {"---\ntitle: x\nautor: Я\n---\n", ERR_PARSE, "/bad.md:3: unknown key \"autor\""},
    {"---\ntitle: x\ndate: 1 серпня\n---\n", ERR_INVALID,
     "/bad.md:3: date must look like 2024-08-01 16:51"},
    {"---\ntitle: x\ndate: 2024-13-01 16:51\n---\n", ERR_INVALID,
     "/bad.md:3: date must look like 2024-08-01 16:51"},
    {"---\ntitle: x\n---\n", ERR_INVALID, "/bad.md:1: date is missing"},
    {"---\ndate: 2024-08-01 16:51\n---\n", ERR_INVALID, "/bad.md:1: title is missing"},
    {"---\ntitle:\ndate: 2024-08-01 16:51\n---\n", ERR_INVALID, "/bad.md:2: title is missing"},
    {"---\ntitle: x\ndate: 2024-08-01 16:51\nstatus: live\n---\n", ERR_INVALID,
     "/bad.md:4: status must be draft, review, scheduled, published or withdrawn"},
    {"---\ntitle: x\ntitle: y\n---\n", ERR_PARSE,
     "/bad.md:3: \"title\" is given twice (also line 2); keep one"},
    {"---\ntitle: x\ntags: a, b\n---\n", ERR_PARSE, "/bad.md:3: tags is a list"},
    {"---\ntitle: x\n  - a\n---\n", ERR_PARSE, "/bad.md:3: indented line outside a list"},
    {"---\ntitle: x\ntags:\n\t- a\n---\n", ERR_PARSE, "/bad.md:4: tab in indentation"},
    {"---\ntitle: x\ntags:\n  -\n---\n", ERR_PARSE, "/bad.md:4: empty list item"},
    {"---\ntitle: x\njust text\n---\n", ERR_PARSE, "/bad.md:3: expected 'key: value'"},
    {"---\ntitle: x\nslug: Має Бути\ndate: 2024-08-01 16:51\n---\n", ERR_INVALID,
     "/bad.md:3: slug must be"},
    {"---\ntitle: !!!\ndate: 2024-08-01 16:51\n---\n", ERR_INVALID,
     "/bad.md:2: cannot make a slug from the title"},
    {"---\ntitle: x\ndate: 2024-08-01 16:51\n---\nok\nbad \xd0 byte\n", ERR_INVALID,
     "/bad.md:6: text is not valid UTF-8"},
    {"---\ntype: page\ntitle: x\ntags:\n  - a\n---\n", ERR_PARSE,
     "/bad.md:4: a page (type: page) has no tags"},
    {"---\ntype: post\ntitle: x\n---\n", ERR_INVALID, "/bad.md:2: type must be article or page"},
    {"---\ntitle: x\ndate: 2024-08-01 16:51\nphotos:\n  - photos/a.jpg\n---\n", ERR_PARSE,
     "/bad.md:5: a photo starts with '  - file: photos/name.jpg'"},
    {"---\ntitle: x\ndate: 2024-08-01 16:51\nphotos:\n  - file: a.jpg\n    size: 2\n---\n",
     ERR_PARSE, "/bad.md:6: unknown photo key \"size\""},
    {"---\ntitle: x\ndate: 2024-08-01 16:51\nphotos:\n  - file: missing.jpg\n---\n", ERR_IO,
     "/bad.md:5: cannot open photo missing.jpg"},
    {"---\ntitle: x\ndate: 2024-08-01 16:51\nphotos:\n  - file: notimage.jpg\n"
     "    caption: c\n---\n",
     ERR_INVALID, "/bad.md:5: photo notimage.jpg is not a JPEG, PNG or WebP image"},
};

static void test_bad(struct store *s)
{
    struct arena *a = arena_new(4096);
    write_text("notimage.jpg", "GIF89a not really");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text("bad.md", bad[i].text);
        struct import_result res = {0};
        char err[512] = "";
        struct import_options opts = {.media_dir = at(""), .photo_root = NULL};
        enum err e = import_file(s, at("bad.md"), &opts, &res, err, sizeof err);
        char want[600];
        snprintf(want, sizeof want, "%s%s", dir, bad[i].msg);
        bool ok = e == bad[i].e && strncmp(err, want, strlen(want)) == 0 && res.failed == 1;
        if (!ok)
            fprintf(stderr, "case %zu: got %d \"%s\"\n  want %d \"%s\"\n", i, e, err, bad[i].e,
                    want);
        CHECK(ok);
        /* Nothing of a failed file is stored. */
        struct store_article art;
        CHECK(store_article_by_slug_any(s, a, STR_LIT("x"), &art) == ERR_NOTFOUND);
    }

    /* Too large: a title past the limit, and a file past 2 MiB. */
    struct buf b;
    buf_init(&b, IMPORT_MAX_FILE_BYTES + 100);
    buf_append_cstr(&b, "---\ndate: 2024-08-01 16:51\ntitle: ");
    for (int i = 0; i < STORE_MAX_TITLE_BYTES; i++)
        buf_append_char(&b, 'x');
    buf_append_cstr(&b, "y\n---\n");
    write_file(at("bad.md"), b.data, b.len);
    struct import_result res = {0};
    char err[512];
    CHECK(import_file(s, at("bad.md"), NULL, &res, err, sizeof err) == ERR_TOO_LARGE);
    CHECK(strstr(err, "/bad.md:3: title is longer than 1024 bytes") != NULL);
    while (b.len <= IMPORT_MAX_FILE_BYTES)
        buf_append_cstr(&b, "body text\n");
    write_file(at("bad.md"), b.data, b.len);
    CHECK(import_file(s, at("bad.md"), NULL, &res, err, sizeof err) == ERR_TOO_LARGE);
    CHECK(strstr(err, "/bad.md: file is larger than 2 MiB") != NULL);
    buf_free(&b);
    CHECK(import_file(s, at("none.md"), NULL, &res, err, sizeof err) == ERR_IO);
    CHECK(strstr(err, "/none.md: cannot open") != NULL);

    /* A failed re-import leaves the earlier version untouched. */
    write_text("keep.md", "---\ntitle: Перша версія\nslug: keep\ndate: 2024-08-01 16:51\n---\n");
    CHECK(import_file(s, at("keep.md"), NULL, &res, err, sizeof err) == ERR_OK);
    write_text("keep.md", "---\ntitle: Друга версія\nslug: keep\ndate: 2024-08-01 16:51\n"
                          "photos:\n  - file: missing.jpg\n---\n");
    CHECK(import_file(s, at("keep.md"), NULL, &res, err, sizeof err) == ERR_IO);
    struct store_article art;
    CHECK(store_article_by_slug(s, a, STR_LIT("keep"), &art) == ERR_OK);
    CHECK_STR(art.title, "Перша версія");
    arena_free(a);
}

/* A write that fails half way in the database (a trigger rejects the second tag link)
 * must leave neither the article nor its first tag behind. */
static void test_half(struct store *s, const char *db_path)
{
    sqlite3 *db;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "CREATE TRIGGER boom BEFORE INSERT ON article_tags "
                       "WHEN NEW.pos = 1 BEGIN SELECT RAISE(ABORT, 'boom'); END",
                       NULL, NULL, NULL) == SQLITE_OK);
    write_text("half.md", "---\ntitle: Половина\nslug: half\ndate: 2024-08-01 16:51\n"
                          "tags:\n  - перший тег\n  - другий тег\n---\n");
    struct import_result res = {0};
    char err[512];
    CHECK(import_file(s, at("half.md"), NULL, &res, err, sizeof err) != ERR_OK);
    CHECK(strstr(err, "/half.md: not saved: boom") != NULL);
    struct arena *a = arena_new(1024);
    struct store_article art;
    CHECK(store_article_by_slug_any(s, a, STR_LIT("half"), &art) == ERR_NOTFOUND);
    struct store_ref ref;
    CHECK(store_tag_by_slug(s, a, STR_LIT("pershyi-teh"), &ref) == ERR_NOTFOUND);
    CHECK(sqlite3_exec(db, "DROP TRIGGER boom", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(import_file(s, at("half.md"), NULL, &res, err, sizeof err) == ERR_OK);
    CHECK(store_tag_by_slug(s, a, STR_LIT("pershyi-teh"), &ref) == ERR_OK);
    arena_free(a);
}

struct seen {
    int ok, failed;
    char last_error[512];
};

static void on_report(void *ctx, const char *path, enum err e, const char *message)
{
    struct seen *sn = ctx;
    (void)path;
    if (e == ERR_OK) {
        sn->ok++;
    } else {
        sn->failed++;
        snprintf(sn->last_error, sizeof sn->last_error, "%s", message);
    }
}

static void test_folder(struct store *s)
{
    CHECK(mkdir(at("folder"), 0700) == 0);
    write_text("folder/a.md", "---\ntitle: Перша\ndate: 2024-08-02 10:00\n---\nA\n");
    write_text("folder/b.md", "---\ntitle: Друга\ndate: вчора\n---\nB\n");
    write_text("folder/c.md", "---\ntitle: Третя\ndate: 2024-08-03 10:00\n---\nC\n");
    write_text("folder/notes.txt", "not markdown");
    write_text("folder/.hidden.md", "not front matter");
    struct import_result res = {0};
    struct seen sn = {0};
    const char *paths[] = {at("folder")};
    CHECK(import_paths(s, paths, 1, NULL, &res, on_report, &sn) == ERR_INVALID);
    CHECK(sn.ok == 2 && sn.failed == 1);
    CHECK(strstr(sn.last_error, "/folder/b.md:3: date must look like") != NULL);
    CHECK(res.files == 3 && res.articles == 2 && res.failed == 1);
    struct arena *a = arena_new(1024);
    struct store_article art;
    CHECK(store_article_by_slug(s, a, STR_LIT("tretia"), &art) == ERR_OK);
    const char *missing[] = {at("folder/zzz.md")};
    CHECK(import_paths(s, missing, 1, NULL, &res, on_report, &sn) == ERR_IO);
    arena_free(a);
}

static void test_photos(struct store *s)
{
    CHECK(mkdir(at("media"), 0700) == 0);
    CHECK(mkdir(at("photos"), 0700) == 0);
    CHECK(media_demo_generate(at("photos/p1.jpg"), 7, 640, 480) == ERR_OK);
    CHECK(media_demo_generate(at("photos/p2.jpg"), 8, 300, 400) == ERR_OK);
    write_text("photo.md", "---\ntitle: Фото\ndate: 2024-08-01 16:51\nphotos:\n"
                           "  - file: photos/p1.jpg\n    caption: Василенко Касянов\n"
                           "    alt: Володимир Василенко під час зустрічі\n"
                           "  - file: \"photos/p2.jpg\"\n---\nТекст\n");
    struct import_result res = {0};
    char err[512] = "";
    struct import_options media_opts = {.media_dir = at("media"), .photo_root = NULL};
    CHECK(import_file(s, at("photo.md"), &media_opts, &res, err, sizeof err) == ERR_OK);
    if (err[0] != '\0')
        fprintf(stderr, "%s\n", err);
    CHECK(res.photos == 2);
    struct arena *a = arena_new(4096);
    struct store_article art;
    CHECK(store_article_by_slug(s, a, STR_LIT("foto"), &art) == ERR_OK);
    CHECK(art.n_photos == 2);
    if (art.n_photos == 2) {
        CHECK(art.photos[0].hash.len == 64);
        CHECK(art.photos[0].width == 640 && art.photos[0].height == 480);
        CHECK_STR(art.photos[0].caption, "Василенко Касянов");
        CHECK_STR(art.photos[0].alt, "Володимир Василенко під час зустрічі");
        CHECK(art.photos[1].width == 300 && art.photos[1].height == 400);
        CHECK(art.photos[1].caption.len == 0);
        char media_file[700];
        snprintf(media_file, sizeof media_file, "%s/%.*s.jpg", at("media"),
                 STR_FMT(art.photos[0].hash));
        struct stat st;
        CHECK(stat(media_file, &st) == 0);
    }
    /* Photos need somewhere to go. */
    CHECK(import_file(s, at("photo.md"), NULL, &res, err, sizeof err) == ERR_INVALID);
    CHECK(strstr(err, "/photo.md:5: photos need a media folder") != NULL);
    arena_free(a);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    struct store *s = NULL;
    char db_path[600];
    snprintf(db_path, sizeof db_path, "%s/test.db", dir);
    CHECK(store_open(db_path, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, NULL, NULL) == ERR_OK);
    test_good(s);
    test_bad(s);
    test_half(s, db_path);
    test_folder(s);
    test_photos(s);
    store_close(s);

    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    return check_done();
}
