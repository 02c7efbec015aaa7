/* test_media.c: sniffing, storing and its variants, idempotency, metadata stripping,
 * the size limits, demo photo generation, and that demo/ only names photos we make. */
#include "media/media.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wshadow"
#include <vips/vips.h>
#pragma GCC diagnostic pop

#include "check.h"
#include "core/str.h"

static char tmp_root[] = "/tmp/visnyk-media-XXXXXX";

static char *path_join(char *out, size_t size, const char *a, const char *b)
{
    if (snprintf(out, size, "%s/%s", a, b) >= (int)size)
        abort();
    return out;
}

static bool file_exists(const char *dir, const char *name)
{
    char p[4096];
    return access(path_join(p, sizeof p, dir, name), F_OK) == 0;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0))
            n++;
    closedir(d);
    return n;
}

static void make_dir(char *out, size_t size, const char *name)
{
    path_join(out, size, tmp_root, name);
    mkdir(out, 0755);
}

/* image_size loads a stored file back with libvips; -1 when it cannot. */
static void image_size(const char *dir, const char *name, int *w, int *h)
{
    char p[4096];
    VipsImage *img = vips_image_new_from_file(path_join(p, sizeof p, dir, name), NULL);

    *w = *h = -1;
    if (img == NULL) {
        vips_error_clear();
        return;
    }
    *w = vips_image_get_width(img);
    *h = vips_image_get_height(img);
    g_object_unref(img);
}

static bool has_field(const char *path, const char *field)
{
    VipsImage *img = vips_image_new_from_file(path, NULL);
    bool has;

    if (img == NULL) {
        vips_error_clear();
        return false;
    }
    has = vips_image_get_typeof(img, field) != 0;
    g_object_unref(img);
    return has;
}

static void test_sniff(void)
{
    static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'};
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
    static const unsigned char webp[] = "RIFF\x24\0\0\0WEBPVP8 ";
    static const unsigned char gif[] = "GIF89a\x01\0\x01\0";
    static const unsigned char svg[] =
        "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    static const unsigned char script[] = "#!/bin/sh\nrm -rf /\n";
    static const unsigned char riff_wav[] = "RIFF\x24\0\0\0WAVEfmt ";
    const char *mime = "unset";

    CHECK(media_sniff(jpeg, sizeof jpeg, &mime) == ERR_OK && strcmp(mime, "image/jpeg") == 0);
    CHECK(media_sniff(png, sizeof png, &mime) == ERR_OK && strcmp(mime, "image/png") == 0);
    CHECK(media_sniff(webp, sizeof webp - 1, &mime) == ERR_OK && strcmp(mime, "image/webp") == 0);
    mime = "unset";
    CHECK(media_sniff(gif, sizeof gif - 1, &mime) == ERR_INVALID);
    CHECK(media_sniff(svg, sizeof svg - 1, &mime) == ERR_INVALID);
    CHECK(media_sniff(script, sizeof script - 1, &mime) == ERR_INVALID);
    CHECK(media_sniff(riff_wav, sizeof riff_wav - 1, &mime) == ERR_INVALID);
    CHECK(media_sniff(jpeg, 2, &mime) == ERR_INVALID);
    CHECK(media_sniff(png, 7, &mime) == ERR_INVALID);
    CHECK(media_sniff(jpeg, 0, &mime) == ERR_INVALID);
    CHECK(strcmp(mime, "unset") == 0);
}

static void test_generate_deterministic(void)
{
    char a[4096], b[4096], c[4096];
    int w, h;

    path_join(a, sizeof a, tmp_root, "gen-a.jpg");
    path_join(b, sizeof b, tmp_root, "gen-b.jpg");
    path_join(c, sizeof c, tmp_root, "gen-c.jpg");
    CHECK(media_demo_generate(a, 7, 640, 427) == ERR_OK);
    CHECK(media_demo_generate(b, 7, 640, 427) == ERR_OK);
    CHECK(media_demo_generate(c, 8, 640, 427) == ERR_OK);
    image_size(tmp_root, "gen-a.jpg", &w, &h);
    CHECK(w == 640 && h == 427);

    gsize la = 0, lb = 0, lc = 0;
    gchar *da = NULL, *db = NULL, *dc = NULL;
    CHECK(g_file_get_contents(a, &da, &la, NULL));
    CHECK(g_file_get_contents(b, &db, &lb, NULL));
    CHECK(g_file_get_contents(c, &dc, &lc, NULL));
    CHECK(la > 1000 && la == lb && memcmp(da, db, la) == 0);
    CHECK(la != lc || memcmp(da, dc, la) != 0);
    g_free(da);
    g_free(db);
    g_free(dc);

    CHECK(media_demo_generate(a, 1, 8, 8) == ERR_INVALID);
    CHECK(media_demo_generate(a, 1, 9000, 100) == ERR_INVALID);
}

static void test_store(void)
{
    char dir[4096], src[4096], err[256] = "";
    struct media_image img, again;
    int w, h;

    make_dir(dir, sizeof dir, "store");
    path_join(src, sizeof src, tmp_root, "photo.jpg");
    CHECK(media_demo_generate(src, 42, 1600, 1067) == ERR_OK);
    CHECK(media_store_image(dir, src, &img, err, sizeof err) == ERR_OK);
    CHECK(strlen(img.hash) == 64);
    CHECK(img.width == 1600 && img.height == 1067);

    /* the name is the SHA-256 of the source bytes */
    gchar *data = NULL;
    gsize len = 0;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[65];
    CHECK(g_file_get_contents(src, &data, &len, NULL));
    crypto_hash_sha256(digest, (const unsigned char *)data, len);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    CHECK(strcmp(hex, img.hash) == 0);
    g_free(data);

    char name[128];
    snprintf(name, sizeof name, "%s.jpg", img.hash);
    image_size(dir, name, &w, &h);
    CHECK(w == 1600 && h == 1067);
    static const int want[] = {480, 960};
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "%s-%d.jpg", img.hash, want[i]);
        image_size(dir, name, &w, &h);
        CHECK(w == want[i]);
        CHECK(h == (want[i] * 1067 + 800) / 1600);
        snprintf(name, sizeof name, "%s-%d.webp", img.hash, want[i]);
        image_size(dir, name, &w, &h);
        CHECK(w == want[i]);
    }
    /* 1600 is not smaller than the image: no such variant */
    snprintf(name, sizeof name, "%s-1600.jpg", img.hash);
    CHECK(!file_exists(dir, name));
    /* five files and no temp files left behind */
    CHECK(count_files(dir) == 5);

    /* idempotent: same answer, nothing rewritten */
    struct stat before, after;
    char full[4096];
    snprintf(name, sizeof name, "%s.jpg", img.hash);
    path_join(full, sizeof full, dir, name);
    CHECK(stat(full, &before) == 0);
    CHECK(media_store_image(dir, src, &again, err, sizeof err) == ERR_OK);
    CHECK(strcmp(again.hash, img.hash) == 0);
    CHECK(again.width == 1600 && again.height == 1067);
    CHECK(stat(full, &after) == 0);
    CHECK(before.st_ino == after.st_ino && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
    CHECK(count_files(dir) == 5);
    CHECK((after.st_mode & 0777) == 0644);
}

static void test_big_image_capped(void)
{
    char dir[4096], src[4096], err[256] = "";
    struct media_image img;

    make_dir(dir, sizeof dir, "big");
    path_join(src, sizeof src, tmp_root, "big.jpg");
    CHECK(media_demo_generate(src, 5, 3000, 2000) == ERR_OK);
    CHECK(media_store_image(dir, src, &img, err, sizeof err) == ERR_OK);
    CHECK(img.width == 2560 && img.height == 1707);
    CHECK(count_files(dir) == 7);
}

static void test_exif_stripped(void)
{
    char dir[4096], src[4096], plain[4096], err[256] = "";
    struct media_image img;
    VipsImage *in = NULL, *copy = NULL;

    make_dir(dir, sizeof dir, "exif");
    path_join(plain, sizeof plain, tmp_root, "plain.jpg");
    path_join(src, sizeof src, tmp_root, "exif.jpg");
    CHECK(media_demo_generate(plain, 9, 800, 600) == ERR_OK);
    in = vips_image_new_from_file(plain, NULL);
    CHECK(in != NULL);
    if (in == NULL)
        return;
    CHECK(vips_copy(in, &copy, NULL) == 0);
    vips_image_set_string(copy, "exif-ifd0-Artist", "Secret Person");
    vips_image_set_string(copy, "exif-ifd0-Make", "Camera Maker");
    /* rotate 90° clockwise to display: the stored image must come out portrait */
    vips_image_set_int(copy, VIPS_META_ORIENTATION, 6);
    CHECK(vips_jpegsave(copy, src, "Q", 90, NULL) == 0);
    g_object_unref(copy);
    g_object_unref(in);

    /* the fixture really carries EXIF */
    in = vips_image_new_from_file(src, NULL);
    CHECK(in != NULL && vips_image_get_typeof(in, VIPS_META_EXIF_NAME) != 0);
    const char *artist = NULL;
    CHECK(in != NULL && vips_image_get_string(in, "exif-ifd0-Artist", &artist) == 0 &&
          strstr(artist, "Secret Person") != NULL);
    if (in != NULL)
        g_object_unref(in);
    vips_error_clear();

    CHECK(media_store_image(dir, src, &img, err, sizeof err) == ERR_OK);
    CHECK(img.width == 600 && img.height == 800);

    char name[128], full[4096];
    snprintf(name, sizeof name, "%s.jpg", img.hash);
    path_join(full, sizeof full, dir, name);
    CHECK(!has_field(full, VIPS_META_EXIF_NAME));
    CHECK(!has_field(full, "exif-ifd0-Artist"));
    CHECK(!has_field(full, VIPS_META_XMP_NAME));
    CHECK(!has_field(full, VIPS_META_ORIENTATION));
    snprintf(name, sizeof name, "%s-480.webp", img.hash);
    path_join(full, sizeof full, dir, name);
    CHECK(!has_field(full, VIPS_META_EXIF_NAME));

    /* no byte of the secret survives in any file */
    DIR *d = opendir(dir);
    struct dirent *e;
    int scanned = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        gchar *data = NULL;
        gsize len = 0;
        path_join(full, sizeof full, dir, e->d_name);
        if (g_file_get_contents(full, &data, &len, NULL)) {
            CHECK(memmem(data, len, "Secret Person", 13) == NULL);
            scanned++;
        }
        g_free(data);
    }
    if (d != NULL)
        closedir(d);
    CHECK(scanned == 3); /* full, -480.jpg, -480.webp */
}

static void test_alpha_png_and_webp(void)
{
    char dir[4096], png[4096], webp[4096], err[256] = "";
    struct media_image img;
    VipsImage *black = NULL, *alpha = NULL;
    int w, h;

    make_dir(dir, sizeof dir, "alpha");
    path_join(png, sizeof png, tmp_root, "alpha.png");
    path_join(webp, sizeof webp, tmp_root, "photo.webp");
    CHECK(vips_black(&black, 700, 500, "bands", 4, NULL) == 0);
    CHECK(vips_copy(black, &alpha, "interpretation", VIPS_INTERPRETATION_sRGB, NULL) == 0);
    CHECK(vips_pngsave(alpha, png, NULL) == 0);
    CHECK(vips_webpsave(alpha, webp, NULL) == 0);
    g_object_unref(alpha);
    g_object_unref(black);

    CHECK(media_store_image(dir, png, &img, err, sizeof err) == ERR_OK);
    CHECK(img.width == 700 && img.height == 500);
    char name[128], full[4096];
    snprintf(name, sizeof name, "%s.jpg", img.hash);
    VipsImage *out = vips_image_new_from_file(path_join(full, sizeof full, dir, name), NULL);
    CHECK(out != NULL && vips_image_get_bands(out) == 3);
    if (out != NULL) {
        /* transparent became white, not black */
        double avg = 0;
        CHECK(vips_avg(out, &avg, NULL) == 0 && avg > 250);
        g_object_unref(out);
    }
    CHECK(count_files(dir) == 3);

    CHECK(media_store_image(dir, webp, &img, err, sizeof err) == ERR_OK);
    snprintf(name, sizeof name, "%s-480.webp", img.hash);
    image_size(dir, name, &w, &h);
    CHECK(w == 480);
}

static void put_be32(FILE *f, uint32_t v)
{
    unsigned char be[4];

    for (int i = 0; i < 4; i++)
        be[i] = (unsigned char)(v >> (24 - 8 * i));
    fwrite(be, 1, 4, f);
}

static void png_chunk(FILE *f, const char *type, const unsigned char *data, uint32_t n)
{
    uint32_t crc = (uint32_t)crc32(0, (const unsigned char *)type, 4);

    crc = (uint32_t)crc32(crc, data, n);
    put_be32(f, n);
    fwrite(type, 1, 4, f);
    if (n > 0)
        fwrite(data, 1, n, f);
    put_be32(f, crc);
}

/* png_header_only writes a PNG whose IHDR claims width x height and whose pixel data is
 * a single row: a header check rejects it for its size, while decoding would fail for
 * the missing rows instead. */
static void png_header_only(const char *path, uint32_t width, uint32_t height)
{
    unsigned char ihdr[13] = {0};
    FILE *f = fopen(path, "wb");

    for (int i = 0; i < 4; i++) {
        ihdr[i] = (unsigned char)(width >> (24 - 8 * i));
        ihdr[4 + i] = (unsigned char)(height >> (24 - 8 * i));
    }
    ihdr[8] = 8; /* bit depth */
    ihdr[9] = 2; /* RGB */
    uLong row_len = 1 + (uLong)width * 3;
    unsigned char *row = calloc(1, row_len);
    uLongf z_len = compressBound(row_len);
    unsigned char *z = malloc(z_len);
    CHECK(compress(z, &z_len, row, row_len) == Z_OK);
    fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
    png_chunk(f, "IHDR", ihdr, 13);
    png_chunk(f, "IDAT", z, (uint32_t)z_len);
    png_chunk(f, "IEND", NULL, 0);
    fclose(f);
    free(z);
    free(row);
}

static void test_limits(void)
{
    char dir[4096], path[4096], err[256] = "";
    struct media_image img;
    VipsImage *black = NULL;

    make_dir(dir, sizeof dir, "limits");

    /* a solid-colour 60-megapixel PNG compresses to little */
    path_join(path, sizeof path, tmp_root, "bomb.png");
    CHECK(vips_black(&black, 10000, 6000, "bands", 3, NULL) == 0);
    CHECK(vips_pngsave(black, path, "compression", 9, NULL) == 0);
    g_object_unref(black);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size < MEDIA_MAX_FILE_BYTES);
    CHECK(media_store_image(dir, path, &img, err, sizeof err) == ERR_TOO_LARGE);
    CHECK(strstr(err, "bomb.png: image is 10000×6000 pixels; the limit is 50 megapixels") != NULL);

    /* header only: rejected for its size, not for missing pixel data, so the check
     * happened before any decoding */
    path_join(path, sizeof path, tmp_root, "header-only.png");
    png_header_only(path, 12000, 9000);
    err[0] = '\0';
    CHECK(media_store_image(dir, path, &img, err, sizeof err) == ERR_TOO_LARGE);
    CHECK(strstr(err, "image is 12000×9000 pixels") != NULL);
    /* the same file within the limit is refused for what it is: damaged */
    path_join(path, sizeof path, tmp_root, "rows-missing.png");
    png_header_only(path, 1000, 900);
    CHECK(media_store_image(dir, path, &img, err, sizeof err) == ERR_INVALID);

    /* a script renamed .jpg */
    path_join(path, sizeof path, tmp_root, "evil.jpg");
    CHECK(g_file_set_contents(path, "#!/bin/sh\necho hi\n", -1, NULL));
    CHECK(media_store_image(dir, path, &img, err, sizeof err) == ERR_INVALID);
    CHECK(strstr(err, "evil.jpg: not a JPEG, PNG or WebP image") != NULL);

    /* an SVG renamed .png */
    path_join(path, sizeof path, tmp_root, "vector.png");
    CHECK(g_file_set_contents(path, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", -1, NULL));
    CHECK(media_store_image(dir, path, &img, err, sizeof err) == ERR_INVALID);

    /* a truncated JPEG: the magic is right, the data is not */
    char good[4096];
    path_join(good, sizeof good, tmp_root, "whole.jpg");
    CHECK(media_demo_generate(good, 3, 800, 600) == ERR_OK);
    gchar *data = NULL;
    gsize len = 0;
    CHECK(g_file_get_contents(good, &data, &len, NULL));
    path_join(path, sizeof path, tmp_root, "cut.jpg");
    CHECK(g_file_set_contents(path, data, (gssize)(len / 3), NULL));
    g_free(data);
    CHECK(media_store_image(dir, path, &img, err, sizeof err) == ERR_INVALID);

    /* over the byte limit, refused before reading */
    path_join(path, sizeof path, tmp_root, "huge.jpg");
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f != NULL) {
        CHECK(ftruncate(fileno(f), MEDIA_MAX_FILE_BYTES + 1) == 0);
        fclose(f);
    }
    CHECK(media_store_image(dir, path, &img, err, sizeof err) == ERR_TOO_LARGE);
    CHECK(strstr(err, "huge.jpg: file is bigger than 20 MB") != NULL);

    /* missing file */
    path_join(path, sizeof path, tmp_root, "missing.jpg");
    CHECK(media_store_image(dir, path, &img, err, sizeof err) == ERR_NOTFOUND);

    CHECK(count_files(dir) == 0);
}

/* ---- demo/ refers only to photos media_demo_photos makes ---- */

static char demo_names[256][64];
static int demo_name_count, demo_md_files;

static void note_photo(struct str name)
{
    for (int i = 0; i < demo_name_count; i++)
        if (str_eq_cstr(name, demo_names[i]))
            return;
    if (demo_name_count < 256 && name.len < 64) {
        memcpy(demo_names[demo_name_count], name.ptr, name.len);
        demo_names[demo_name_count][name.len] = '\0';
        demo_name_count++;
    }
}

static int scan_md(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || n < 3 || strcmp(path + n - 3, ".md") != 0)
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    demo_md_files++;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        struct str s = str_trim(str_make(line, (size_t)len));
        if (str_starts_with(s, STR_LIT("- file:")))
            note_photo(str_trim(str_sub(s, 7, s.len - 7)));
        else if (str_starts_with(s, STR_LIT("file:")))
            note_photo(str_trim(str_sub(s, 5, s.len - 5)));
    }
    free(line);
    fclose(f);
    return 0;
}

static void test_demo_table(void)
{
    const char *src = getenv("VISNYK_SOURCE_DIR");
    char demo[4096];

    if (src == NULL) {
        fprintf(stderr, "VISNYK_SOURCE_DIR not set: demo table test skipped\n");
        return;
    }
    path_join(demo, sizeof demo, src, "demo");
    CHECK(nftw(demo, scan_md, 16, FTW_PHYS) == 0);
    CHECK(demo_md_files >= 330);
    CHECK(demo_name_count > 0);
    for (int i = 0; i < demo_name_count; i++) {
        bool found = false;
        for (size_t j = 0; j < media_demo_photo_count; j++)
            if (strcmp(demo_names[i], media_demo_photo_table[j].name) == 0)
                found = true;
        if (!found)
            fprintf(stderr, "demo refers to %s, which media_demo_photo_table lacks\n",
                    demo_names[i]);
        CHECK(found);
    }
    /* and the other way: the table holds nothing the demo does not use */
    for (size_t j = 0; j < media_demo_photo_count; j++) {
        bool used = false;
        for (int i = 0; i < demo_name_count; i++)
            if (strcmp(demo_names[i], media_demo_photo_table[j].name) == 0)
                used = true;
        if (!used)
            fprintf(stderr, "%s is in the table but no demo file uses it\n",
                    media_demo_photo_table[j].name);
        CHECK(used);
    }
}

static void test_demo_photos(void)
{
    char dir[4096];
    int w, h;

    make_dir(dir, sizeof dir, "demo");
    CHECK(media_demo_photos(dir) == ERR_OK);
    for (size_t j = 0; j < media_demo_photo_count; j++) {
        const struct media_demo_photo *ph = &media_demo_photo_table[j];
        image_size(dir, ph->name, &w, &h);
        CHECK(w == ph->width && h == ph->height);
    }
    /* second run finds them all and writes nothing */
    CHECK(media_demo_photos(dir) == ERR_OK);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    remove(path);
    return 0;
}

int main(void)
{
    CHECK(mkdtemp(tmp_root) != NULL);
    CHECK(media_init() == ERR_OK);
    CHECK(media_init() == ERR_OK);

    test_sniff();
    test_generate_deterministic();
    test_store();
    test_big_image_capped();
    test_exif_stripped();
    test_alpha_png_and_webp();
    test_limits();
    test_demo_table();
    test_demo_photos();

    nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    media_shutdown();
    return check_done();
}
