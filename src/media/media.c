/* media.c: image validation and variants with libvips; demo photos from generated pixels. */
#include "media/media.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/io.h"
#include "core/log.h"

/* libvips and glib headers are not -Wpedantic/-Wconversion clean. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wshadow"
#include <vips/vips.h>
#pragma GCC diagnostic pop

const int media_widths[MEDIA_WIDTH_COUNT] = MEDIA_WIDTHS;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static enum err init_result = ERR_INVALID;

static void init_run(void)
{
    if (sodium_init() < 0)
        return;
    if (VIPS_INIT("visnyk"))
        return;
    /* One upload at a time is the expected load; more threads only cost memory. */
    vips_concurrency_set(1);
    /* The operation cache keys buffer loads by pointer, so it could return an image
     * built from an earlier upload that happened to sit at the same address. */
    vips_cache_set_max(0);
    init_result = ERR_OK;
}

enum err media_init(void)
{
    pthread_once(&init_once, init_run);
    return init_result;
}

void media_shutdown(void)
{
    if (init_result == ERR_OK)
        vips_shutdown();
}

/* libvips' messages can quote bytes of the upload; escape them before logging. */
static void log_vips_error(const char *why)
{
    char esc[512];

    log_escape(why, strlen(why), esc, sizeof esc);
    log_warn("media: libvips: %s", esc);
}

static void set_err(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t err_size, const char *fmt, ...)
{
    if (err == NULL || err_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

enum err media_sniff(const unsigned char *p, size_t n, const char **mime)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) {
        *mime = "image/jpeg";
        return ERR_OK;
    }
    if (n >= sizeof png && memcmp(p, png, sizeof png) == 0) {
        *mime = "image/png";
        return ERR_OK;
    }
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) {
        *mime = "image/webp";
        return ERR_OK;
    }
    return ERR_INVALID;
}

/* libvips picks its loader by its own sniffing; insist that it is the one for the type
 * we recognised, so no other loader (and its parser) ever sees an upload. */
static bool loader_matches(const char *mime, const unsigned char *p, size_t n)
{
    static const struct {
        const char *mime, *loader;
    } allowed[] = {
        {"image/jpeg", "VipsForeignLoadJpegBuffer"},
        {"image/png", "VipsForeignLoadPngBuffer"},
        {"image/png", "VipsForeignLoadSpngBuffer"}, /* libvips built with libspng */
        {"image/webp", "VipsForeignLoadWebpBuffer"},
    };
    const char *loader = vips_foreign_find_load_buffer(p, n);

    if (loader == NULL) {
        vips_error_clear();
        return false;
    }
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strcmp(mime, allowed[i].mime) == 0 && strcmp(loader, allowed[i].loader) == 0)
            return true;
    return false;
}

/* to_srgb8 turns whatever the thumbnail gave (grey, 16-bit, alpha) into 3-band 8-bit
 * sRGB, with transparency flattened onto white, since JPEG has no alpha. Takes over in. */
static int to_srgb8(VipsImage *in, VipsImage **out)
{
    VipsImage *t = in;
    VipsImage *next = NULL;

    if (vips_image_get_interpretation(t) != VIPS_INTERPRETATION_sRGB ||
        vips_image_get_format(t) != VIPS_FORMAT_UCHAR) {
        if (vips_colourspace(t, &next, VIPS_INTERPRETATION_sRGB, NULL))
            goto fail;
        g_object_unref(t);
        t = next;
    }
    if (vips_image_get_format(t) != VIPS_FORMAT_UCHAR) {
        if (vips_cast_uchar(t, &next, NULL))
            goto fail;
        g_object_unref(t);
        t = next;
    }
    if (vips_image_hasalpha(t)) {
        VipsArrayDouble *white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
        int rc = vips_flatten(t, &next, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (rc)
            goto fail;
        g_object_unref(t);
        t = next;
    }
    *out = t;
    return 0;
fail:
    g_object_unref(t);
    return -1;
}

/* strip_metadata drops every metadata field (EXIF with its GPS block, XMP, IPTC, ICC,
 * orientation, comments) from img itself: the savers' own "strip" option is not enough,
 * since libvips 8.14's webpsave still writes EXIF and XMP. */
static void strip_metadata(VipsImage *img)
{
    gchar **fields = vips_image_get_fields(img);

    /* vips_image_remove ignores the fixed header fields (width, format, …) */
    for (size_t i = 0; fields[i] != NULL; i++)
        vips_image_remove(img, fields[i]);
    g_strfreev(fields);
}

static int save_jpeg(VipsImage *img, void **data, size_t *len)
{
    return vips_jpegsave_buffer(img, data, len, "Q", MEDIA_JPEG_QUALITY, "interlace", TRUE,
                                "optimize_coding", TRUE, "strip", TRUE, NULL);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* webp_strip drops the EXIF, XMP and ICCP chunks from a WebP file in place and clears
 * their flags in VP8X: libvips 8.14's webpsave writes a fresh EXIF block even with
 * "strip" set. The data is our own encoder's output, but is walked defensively all the
 * same; anything unexpected leaves the rest untouched. */
static void webp_strip(unsigned char *p, size_t *len)
{
    size_t n = *len, at = 12, to = 12;

    if (n < 12 || memcmp(p, "RIFF", 4) != 0 || memcmp(p + 8, "WEBP", 4) != 0)
        return;
    while (at + 8 <= n) {
        size_t size = le32(p + at + 4);
        size_t chunk = 8 + size + (size & 1);
        if (chunk > n - at)
            break;
        if (memcmp(p + at, "VP8X", 4) == 0 && size >= 1)
            p[at + 8] &= (unsigned char)~(0x20 | 0x08 | 0x04);
        if (memcmp(p + at, "EXIF", 4) != 0 && memcmp(p + at, "XMP ", 4) != 0 &&
            memcmp(p + at, "ICCP", 4) != 0) {
            memmove(p + to, p + at, chunk);
            to += chunk;
        }
        at += chunk;
    }
    if (at != n)
        return; /* trailing garbage: leave the length alone, the file is still valid */
    put_le32(p + 4, (uint32_t)(to - 8));
    *len = to;
}

static int save_webp(VipsImage *img, void **data, size_t *len)
{
    if (vips_webpsave_buffer(img, data, len, "Q", MEDIA_WEBP_QUALITY, "strip", TRUE, NULL))
        return -1;
    webp_strip(*data, len);
    return 0;
}

static void hash_hex(const unsigned char *p, size_t n, char hex[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(digest, p, n);
    sodium_bin2hex(hex, 65, digest, sizeof digest);
}

void media_encoded_free(struct media_encoded *e)
{
    for (size_t i = 0; i < e->nfiles; i++)
        g_free(e->files[i].data);
    e->nfiles = 0;
}

static void output_add(struct media_encoded *e, const char *suffix, void *data, size_t len)
{
    struct media_output *o = &e->files[e->nfiles++];
    size_t n = strlen(suffix);

    /* the hash is always 64 hex digits and the suffixes are ours: this always fits */
    assert(64 + n < sizeof o->name);
    memcpy(o->name, e->image.hash, 64);
    memcpy(o->name + 64, suffix, n + 1);
    o->data = data;
    o->len = len;
}

/* encode_all saves full as <hash>.jpg and the variants narrower than it into out.
 * Returns non-zero when an encoder failed; out keeps what was made (the caller frees). */
static int encode_all(VipsImage *full, struct media_encoded *out)
{
    void *data = NULL;
    size_t len = 0;

    if (save_jpeg(full, &data, &len))
        return -1;
    output_add(out, ".jpg", data, len);

    for (int i = 0; i < MEDIA_WIDTH_COUNT; i++) {
        int vw = media_widths[i];
        char suffix[24];
        VipsImage *v = NULL;

        if (vw >= out->image.width)
            break;
        if (vips_thumbnail_image(full, &v, vw, "height", VIPS_MAX_COORD, "no_rotate", TRUE, NULL))
            return -1;
        int rc = save_jpeg(v, &data, &len);
        if (rc == 0) {
            snprintf(suffix, sizeof suffix, "-%d.jpg", vw);
            output_add(out, suffix, data, len);
            rc = save_webp(v, &data, &len);
        }
        g_object_unref(v);
        if (rc != 0)
            return -1;
        snprintf(suffix, sizeof suffix, "-%d.webp", vw);
        output_add(out, suffix, data, len);
    }
    return 0;
}

enum err media_image_encode(const unsigned char *p, size_t n, const char *label,
                            struct media_encoded *out, char *err, size_t err_size)
{
    enum err rc = ERR_INVALID;
    const char *mime = NULL;
    VipsImage *header = NULL, *thumb = NULL, *full = NULL;

    memset(out, 0, sizeof *out);
    if (n > MEDIA_MAX_FILE_BYTES) {
        set_err(err, err_size, "%s: file is %zu MB; the limit is %d MB", label,
                (n + 1024 * 1024 - 1) / (1024 * 1024), MEDIA_MAX_FILE_BYTES / (1024 * 1024));
        return ERR_TOO_LARGE;
    }
    if (media_sniff(p, n, &mime) != ERR_OK || !loader_matches(mime, p, n)) {
        set_err(err, err_size, "%s: not a JPEG, PNG or WebP image", label);
        return ERR_INVALID;
    }

    /* Loading is lazy: this parses the header and no pixels, so the size check below
     * runs before a decompression bomb can take memory. */
    header = vips_image_new_from_buffer(p, n, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (header == NULL) {
        set_err(err, err_size, "%s: the image is damaged and cannot be read", label);
        goto out;
    }
    int64_t w = vips_image_get_width(header), h = vips_image_get_height(header);
    if (w * h > MEDIA_MAX_PIXELS) {
        set_err(err, err_size,
                "%s: image is %" PRId64 "×%" PRId64 " pixels; the limit is %d megapixels", label, w,
                h, MEDIA_MAX_PIXELS / 1000000);
        rc = ERR_TOO_LARGE;
        goto out;
    }
    hash_hex(p, n, out->image.hash);

    /* The thumbnail path autorotates by the EXIF orientation and shrinks on load
     * (JPEG decodes at 1/2, 1/4, 1/8 directly), so big photos stay cheap. Truncated
     * files are refused rather than saved with a grey bottom. */
    if (vips_thumbnail_buffer((void *)p, n, &thumb, MEDIA_FULL_MAX_PX, "height", MEDIA_FULL_MAX_PX,
                              "size", VIPS_SIZE_DOWN, "option_string", "fail_on=truncated", NULL)) {
        set_err(err, err_size, "%s: the image is damaged and cannot be read", label);
        goto out;
    }
    if (to_srgb8(thumb, &full)) {
        thumb = NULL;
        set_err(err, err_size, "%s: the image's colours cannot be converted", label);
        goto out;
    }
    thumb = NULL;
    /* Decode once; every variant is made from this copy in memory. */
    VipsImage *mem = vips_image_copy_memory(full);
    if (mem == NULL) {
        set_err(err, err_size, "%s: the image is damaged and cannot be read", label);
        goto out;
    }
    g_object_unref(full);
    full = mem;
    strip_metadata(full);
    out->image.width = vips_image_get_width(full);
    out->image.height = vips_image_get_height(full);

    if (encode_all(full, out)) {
        set_err(err, err_size, "%s: the image could not be converted", label);
        goto out;
    }
    rc = ERR_OK;
out:
    if (rc != ERR_OK) {
        const char *why = vips_error_buffer();
        if (why != NULL && why[0] != '\0')
            log_vips_error(why);
        media_encoded_free(out);
    }
    vips_error_clear();
    if (thumb != NULL)
        g_object_unref(thumb);
    if (full != NULL)
        g_object_unref(full);
    if (header != NULL)
        g_object_unref(header);
    return rc;
}

static enum err fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return ERR_IO;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? ERR_OK : ERR_IO;
}

/* write_atomic puts (data, len) at dir/name through a temp file in the same directory,
 * so a reader (or a crash) sees the old state or the whole new file, never a part. The
 * caller fsyncs the directory. */
static enum err write_atomic(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096], tmp[4096];
    enum err rc = ERR_IO;

    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", dir, name) >= (int)sizeof tmp)
        return ERR_TOO_LARGE;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        log_error("media: cannot create a file in %s: %s", dir, strerror(errno));
        return ERR_IO;
    }
    /* mkstemp makes 0600; the web server (or nginx in front) must read the result. */
    if (fchmod(fd, 0644) != 0 || !io_write_all(fd, data, len) || fsync(fd) != 0) {
        log_error("media: cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        goto out;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        log_error("media: cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    return ERR_OK;
out:
    unlink(tmp);
    return rc;
}

enum err media_file_write(const char *dir, const char *name, const void *data, size_t len)
{
    enum err rc = write_atomic(dir, name, data, len);
    return rc == ERR_OK ? fsync_dir(dir) : rc;
}

enum err media_encoded_write(const char *media_dir, const struct media_encoded *e)
{
    enum err rc;

    if (e->nfiles == 0)
        return ERR_INVALID;
    /* Variants first: <hash>.jpg is the marker that the whole set is on disk. */
    for (size_t i = 1; i < e->nfiles; i++) {
        rc = write_atomic(media_dir, e->files[i].name, e->files[i].data, e->files[i].len);
        if (rc != ERR_OK)
            return rc;
    }
    rc = fsync_dir(media_dir);
    if (rc != ERR_OK)
        return rc;
    rc = write_atomic(media_dir, e->files[0].name, e->files[0].data, e->files[0].len);
    if (rc != ERR_OK)
        return rc;
    return fsync_dir(media_dir);
}

/* read_bounded reads the whole regular file at path, refusing more than max bytes.
 * *data is malloc'd for the caller. */
static enum err read_bounded(const char *path, size_t max, unsigned char **data, size_t *len)
{
    enum err rc = ERR_IO;
    unsigned char *p = NULL;
    size_t n = 0;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return errno == ENOENT ? ERR_NOTFOUND : ERR_IO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    if ((uint64_t)st.st_size > max) {
        rc = ERR_TOO_LARGE;
        goto out;
    }
    /* one byte more than allowed, so a file that grew since fstat is noticed */
    size_t cap = (size_t)st.st_size + 1;
    p = malloc(cap);
    if (p == NULL)
        abort();
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                rc = ERR_TOO_LARGE;
                goto out;
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            unsigned char *np = realloc(p, cap);
            if (np == NULL)
                abort();
            p = np;
        }
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        rc = ERR_TOO_LARGE;
        goto out;
    }
    *data = p;
    *len = n;
    p = NULL;
    rc = ERR_OK;
out:
    free(p);
    close(fd);
    return rc;
}

enum err media_store_image(const char *media_dir, const char *src_path, struct media_image *out,
                           char *err, size_t err_size)
{
    enum err rc;
    unsigned char *data = NULL;
    size_t len = 0;
    char path[4096];
    struct media_encoded enc;

    rc = read_bounded(src_path, MEDIA_MAX_FILE_BYTES, &data, &len);
    if (rc == ERR_TOO_LARGE) {
        set_err(err, err_size, "%s: file is bigger than %d MB", src_path,
                MEDIA_MAX_FILE_BYTES / (1024 * 1024));
        return rc;
    }
    if (rc != ERR_OK) {
        set_err(err, err_size, "%s: cannot read the file", src_path);
        return rc;
    }

    memset(out, 0, sizeof *out);
    hash_hex(data, len, out->hash);
    if (snprintf(path, sizeof path, "%s/%s.jpg", media_dir, out->hash) >= (int)sizeof path) {
        set_err(err, err_size, "%s: media directory path is too long", src_path);
        rc = ERR_TOO_LARGE;
        goto out;
    }
    if (access(path, F_OK) == 0) {
        /* Same bytes, same files: only the size is needed, read from our own output. */
        VipsImage *done = vips_image_new_from_file(path, NULL);
        if (done != NULL) {
            out->width = vips_image_get_width(done);
            out->height = vips_image_get_height(done);
            g_object_unref(done);
            rc = ERR_OK;
            goto out;
        }
        vips_error_clear();
        /* unreadable: fall through and write the set again */
    }

    rc = media_image_encode(data, len, src_path, &enc, err, err_size);
    if (rc != ERR_OK)
        goto out;
    rc = media_encoded_write(media_dir, &enc);
    if (rc != ERR_OK)
        set_err(err, err_size, "%s: cannot write into %s", src_path, media_dir);
    else
        *out = enc.image;
    media_encoded_free(&enc);
out:
    free(data);
    return rc;
}

/* ---- demo photos ---- */

const struct media_demo_photo media_demo_photo_table[] = {
    /* the seed article (demo/articles/2024-08-01-kmies.md) */
    {"photos/seed-1.jpg", 101, 1600, 1067},
    {"photos/seed-2.jpg", 102, 1600, 1067},
    {"photos/seed-3.jpg", 103, 1600, 1067},
    {"photos/seed-4.jpg", 104, 1600, 1067},
    /* the related and latest items (demo/articles/) */
    {"photos/news-01.jpg", 201, 1600, 1067},
    {"photos/news-02.jpg", 202, 1600, 1067},
    {"photos/news-03.jpg", 203, 1200, 800},
    {"photos/news-04.jpg", 204, 1600, 1067},
    {"photos/news-05.jpg", 205, 1067, 1600},
    {"photos/news-06.jpg", 206, 1600, 900},
    {"photos/news-07.jpg", 207, 1600, 1067},
    {"photos/news-08.jpg", 208, 2000, 1333},
    /* the pool the generated articles share (demo/generate.py) */
    {"photos/pool-01.jpg", 301, 1600, 1067},
    {"photos/pool-02.jpg", 302, 1600, 1067},
    {"photos/pool-03.jpg", 303, 1200, 800},
    {"photos/pool-04.jpg", 304, 1600, 1067},
    {"photos/pool-05.jpg", 305, 1067, 1600},
    {"photos/pool-06.jpg", 306, 1600, 1067},
    {"photos/pool-07.jpg", 307, 3000, 2000},
    {"photos/pool-08.jpg", 308, 1600, 1067},
    {"photos/pool-09.jpg", 309, 1600, 900},
    {"photos/pool-10.jpg", 310, 1600, 1067},
    {"photos/pool-11.jpg", 311, 800, 600},
    {"photos/pool-12.jpg", 312, 1600, 1067},
};
const size_t media_demo_photo_count =
    sizeof media_demo_photo_table / sizeof media_demo_photo_table[0];

/* xorshift32: small, fast and the same everywhere, which is all a demo picture needs. */
static float rnd(uint32_t *s)
{
    uint32_t x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return (float)(x >> 8) / (float)(1u << 24);
}

static float mixf(float a, float b, float t)
{
    return a + (b - a) * t;
}

static unsigned char clamp8(float v)
{
    if (v < 0.0f)
        return 0;
    if (v > 255.0f)
        return 255;
    return (unsigned char)(v + 0.5f);
}

struct rgb {
    float r, g, b;
};

static struct rgb rgb_mix(struct rgb a, struct rgb b, float t)
{
    return (struct rgb){mixf(a.r, b.r, t), mixf(a.g, b.g, t), mixf(a.b, b.b, t)};
}

/* paint fills an RGB buffer with a landscape: a sky graded from zenith to horizon, a
 * sun with a soft glow, and three ranges of hills that fade into the haze with
 * distance, the nearest one striped like ploughed fields. */
static void paint(unsigned char *px, unsigned seed, int width, int height)
{
    static const struct rgb zenith[] = {
        {40, 90, 170}, {70, 60, 140}, {30, 110, 190}, {90, 70, 130}};
    static const struct rgb horizon[] = {
        {250, 200, 140}, {250, 170, 120}, {200, 225, 240}, {255, 210, 170}};
    static const struct rgb land[] = {
        {110, 150, 70}, {160, 150, 60}, {80, 130, 80}, {200, 170, 50}, {120, 110, 70}};
    uint32_t s = seed * 2654435761u + 0x9e3779b9u;
    if (s == 0)
        s = 1;
    for (int i = 0; i < 4; i++)
        rnd(&s);

    int sky = (int)(rnd(&s) * 4.0f) % 4;
    struct rgb top = zenith[sky], low = horizon[(sky + (int)(rnd(&s) * 2.0f)) % 4];
    float sun_x = (0.15f + 0.7f * rnd(&s)) * (float)width;
    float sun_y = (0.15f + 0.25f * rnd(&s)) * (float)height;
    float sun_r = (0.04f + 0.04f * rnd(&s)) * (float)(width < height ? width : height);
    struct rgb sun = {255, 240, 200};

    float base[3], amp[3], f1[3], f2[3], p1[3], p2[3];
    struct rgb col[3];
    for (int l = 0; l < 3; l++) {
        base[l] = (0.52f + 0.13f * (float)l + 0.05f * rnd(&s)) * (float)height;
        amp[l] = (0.03f + 0.05f * rnd(&s)) * (float)height;
        f1[l] = (1.0f + 2.5f * rnd(&s)) * 6.2831853f / (float)width;
        f2[l] = (3.0f + 6.0f * rnd(&s)) * 6.2831853f / (float)width;
        p1[l] = 6.2831853f * rnd(&s);
        p2[l] = 6.2831853f * rnd(&s);
        struct rgb c = land[(int)(rnd(&s) * 5.0f) % 5];
        /* distant ranges take on the colour of the haze */
        col[l] = rgb_mix(c, low, 0.55f - 0.27f * (float)l);
    }
    float stripes = 20.0f + 30.0f * rnd(&s);

    for (int x = 0; x < width; x++) {
        float ridge[3];
        for (int l = 0; l < 3; l++)
            ridge[l] = base[l] + amp[l] * (0.7f * sinf(f1[l] * (float)x + p1[l]) +
                                           0.3f * sinf(f2[l] * (float)x + p2[l]));
        for (int y = 0; y < height; y++) {
            float t = (float)y / (float)height;
            struct rgb c = rgb_mix(top, low, t < 0.6f ? t / 0.6f : 1.0f);
            float dx = (float)x - sun_x, dy = (float)y - sun_y;
            float d = sqrtf(dx * dx + dy * dy);
            if (d < sun_r)
                c = sun;
            else
                c = rgb_mix(c, sun, 0.6f * expf(-(d - sun_r) / (sun_r * 1.5f)));
            for (int l = 0; l < 3; l++) {
                if ((float)y < ridge[l])
                    continue;
                float depth = ((float)y - ridge[l]) / (float)height;
                c = rgb_mix(col[l], (struct rgb){0, 0, 0}, depth * 0.8f);
                float furrow = (float)y / (float)height * stripes + 0.3f * sinf((float)x * 0.004f);
                if (l == 2 && ((int)furrow & 1))
                    c = rgb_mix(c, (struct rgb){0, 0, 0}, 0.12f);
            }
            unsigned char *o = px + ((size_t)y * (size_t)width + (size_t)x) * 3;
            o[0] = clamp8(c.r);
            o[1] = clamp8(c.g);
            o[2] = clamp8(c.b);
        }
    }
}

enum err media_demo_generate(const char *path, unsigned seed, int width, int height)
{
    enum err rc = ERR_IO;
    unsigned char *px = NULL;
    VipsImage *img = NULL;
    void *jpeg = NULL;
    size_t len = 0;
    char dir[4096];

    if (width < 16 || width > 8000 || height < 16 || height > 8000)
        return ERR_INVALID;
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        dir[0] = '.';
        dir[1] = '\0';
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            return ERR_TOO_LARGE;
        memcpy(dir, path, n);
        dir[n == 0 ? 1 : n] = '\0';
        if (n == 0)
            dir[0] = '/';
    }

    size_t size = (size_t)width * (size_t)height * 3;
    px = malloc(size);
    if (px == NULL)
        abort();
    paint(px, seed, width, height);
    img = vips_image_new_from_memory(px, size, width, height, 3, VIPS_FORMAT_UCHAR);
    if (img == NULL)
        goto out;
    if (vips_jpegsave_buffer(img, &jpeg, &len, "Q", 85, "interlace", TRUE, "strip", TRUE, NULL))
        goto out;
    rc = write_atomic(dir, slash == NULL ? path : slash + 1, jpeg, len);
    if (rc == ERR_OK)
        rc = fsync_dir(dir);
out:
    if (rc != ERR_OK && vips_error_buffer()[0] != '\0')
        log_vips_error(vips_error_buffer());
    vips_error_clear();
    g_free(jpeg);
    if (img != NULL)
        g_object_unref(img);
    free(px);
    return rc;
}

enum err media_demo_photos(const char *dir)
{
    char path[4096];

    if (snprintf(path, sizeof path, "%s/photos", dir) >= (int)sizeof path)
        return ERR_TOO_LARGE;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return ERR_IO;
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return ERR_IO;
    for (size_t i = 0; i < media_demo_photo_count; i++) {
        const struct media_demo_photo *ph = &media_demo_photo_table[i];
        if (snprintf(path, sizeof path, "%s/%s", dir, ph->name) >= (int)sizeof path)
            return ERR_TOO_LARGE;
        if (access(path, F_OK) == 0)
            continue;
        enum err rc = media_demo_generate(path, ph->seed, ph->width, ph->height);
        if (rc != ERR_OK) {
            log_error("media: cannot generate demo photo %s: %s", path, err_str(rc));
            return rc;
        }
    }
    return ERR_OK;
}
