/* media.h: image validation and variants (libvips), plus the demo photo generator.
 *
 * An uploaded photo becomes a set of content-addressed files in the media directory:
 *   <hash>.jpg            the whole image, autorotated, at most MEDIA_FULL_MAX_PX on the
 *                         long side, progressive JPEG, every piece of metadata stripped
 *   <hash>-<w>.jpg/.webp  one pair per width in MEDIA_WIDTHS smaller than <hash>.jpg
 * where <hash> is the hex SHA-256 of the uploaded bytes, so the same upload twice costs
 * one set of files and URLs can be cached forever.
 *
 * Untrusted bytes are parsed by media_image_encode, which is a pure function of the input
 * bytes (no paths, no file system, no globals but libvips' own): that is the part a later
 * issue moves into the seccomp-confined media worker (bytes in over a socketpair, the
 * encoded files out), with media_encoded_write left in the parent. media_store_image is
 * the in-process composition of the three steps (read, encode, write).
 *
 * Thread-safety: call media_init once before anything else; the other functions may be
 * called from any thread. */
#ifndef VISNYK_MEDIA_MEDIA_H
#define VISNYK_MEDIA_MEDIA_H

#include <stddef.h>

#include "core/err.h"

/* The variant widths, smallest first; srcset and templates use the same list. */
/* clang-format off */
#define MEDIA_WIDTHS {480, 960, 1600}
/* clang-format on */
#define MEDIA_WIDTH_COUNT 3
extern const int media_widths[MEDIA_WIDTH_COUNT];

/* Limits: checked before any pixel is decoded. */
#define MEDIA_MAX_FILE_BYTES (20 * 1024 * 1024)
#define MEDIA_MAX_PIXELS (50 * 1000 * 1000)
/* <hash>.jpg keeps at most this many pixels on its long side. */
#define MEDIA_FULL_MAX_PX 2560
#define MEDIA_JPEG_QUALITY 82
#define MEDIA_WEBP_QUALITY 78
/* the full image plus a JPEG and a WebP per width */
#define MEDIA_MAX_OUTPUTS (1 + 2 * MEDIA_WIDTH_COUNT)

struct media_image {
    char hash[65];     /* lowercase hex SHA-256 of the source bytes, NUL-terminated */
    int width, height; /* of <hash>.jpg */
};

/* One encoded file, not yet on disk. */
struct media_output {
    char name[80]; /* file name inside the media directory, e.g. "<hash>-480.webp" */
    void *data;    /* owned by the media_encoded holding it */
    size_t len;
};

/* The result of media_image_encode; release with media_encoded_free. files[0] is
 * <hash>.jpg, the rest are the variants. */
struct media_encoded {
    struct media_image image;
    struct media_output files[MEDIA_MAX_OUTPUTS];
    size_t nfiles;
};

/* media_init starts libsodium and libvips once per process (later calls do nothing):
 * libvips with one worker thread and no operation cache, since the cache could hand back
 * an image that still points into a freed upload buffer. Fails with ERR_INVALID when
 * either library cannot start. */
ERR_MUST_USE
enum err media_init(void);
/* media_shutdown releases libvips; nothing in this header may be called afterwards. */
void media_shutdown(void);

/* media_sniff identifies (p, n) by its magic bytes alone (never by name or declared type)
 * and sets *mime to a static "image/jpeg", "image/png" or "image/webp". Anything else,
 * including GIF, SVG and text, fails with ERR_INVALID and leaves *mime alone. */
ERR_MUST_USE
enum err media_sniff(const unsigned char *p, size_t n, const char **mime);

/* media_image_encode validates and encodes (p, n) into out (which the caller provides;
 * on ERR_OK the caller must media_encoded_free it, on failure it holds nothing). It
 * sniffs the type, reads only the header to check the size against MEDIA_MAX_PIXELS,
 * then autorotates, flattens transparency onto white, strips all metadata (EXIF, GPS,
 * XMP, ICC after conversion to sRGB) and encodes. label names the file in messages.
 * Fails with ERR_TOO_LARGE (file or pixel limit), ERR_INVALID (not a supported image,
 * or libvips could not decode it); err, when not NULL, receives a one-line message for the
 * editor that starts with label ("photos/x.jpg: not a JPEG, PNG or WebP image"). */
ERR_MUST_USE
enum err media_image_encode(const unsigned char *p, size_t n, const char *label,
                            struct media_encoded *out, char *err, size_t err_size);
void media_encoded_free(struct media_encoded *e);

/* media_encoded_write writes every file of e into media_dir atomically (temp file,
 * fsync, rename, fsync of the directory), the variants first and <hash>.jpg last, so
 * that <hash>.jpg existing means the whole set is there. Fails with ERR_IO. */
ERR_MUST_USE
enum err media_encoded_write(const char *media_dir, const struct media_encoded *e);

/* media_file_write puts (data, len) at dir/name the same way (temp file, fsync, rename,
 * fsync of the directory): a reader or a crash sees the old state or the whole file.
 * name is a plain file name, checked by the caller. ERR_IO, or ERR_TOO_LARGE for a
 * path past 4 KiB. */
ERR_MUST_USE
enum err media_file_write(const char *dir, const char *name, const void *data, size_t len);

/* media_store_image reads src_path (at most MEDIA_MAX_FILE_BYTES), encodes it and
 * writes the set into media_dir (which must exist). When <hash>.jpg is already there it
 * only reads its size back: storing is idempotent. out receives the hash and the size of
 * <hash>.jpg. Errors as media_image_encode and media_encoded_write, plus ERR_IO when
 * src_path cannot be read; err receives the user-facing message, naming src_path. */
ERR_MUST_USE
enum err media_store_image(const char *media_dir, const char *src_path, struct media_image *out,
                           char *err, size_t err_size);

/* media_demo_generate writes to path (atomically) a JPEG of width x height made from
 * generated pixels: a landscape whose colours and shapes follow from seed, identical for
 * the same arguments. Fails with ERR_INVALID for sizes outside 16..8000, ERR_IO. */
ERR_MUST_USE
enum err media_demo_generate(const char *path, unsigned seed, int width, int height);

/* The photos the demo content (demo/ in the source tree) refers to, by the name used in
 * its front matter ("photos/seed-1.jpg"). Keep in step with demo/; a unit test checks. */
struct media_demo_photo {
    const char *name;
    unsigned seed;
    int width, height;
};
extern const struct media_demo_photo media_demo_photo_table[];
extern const size_t media_demo_photo_count;

/* media_demo_photos generates every photo of media_demo_photo_table under dir
 * (creating dir/photos/ when missing) and skips the ones already there, since their
 * content only depends on the table. Fails with ERR_IO. */
ERR_MUST_USE
enum err media_demo_photos(const char *dir);

#endif
