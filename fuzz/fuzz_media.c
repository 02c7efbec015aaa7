/* fuzz_media: image checks on uploaded bytes. media_sniff on every input (the result is
 * one of the three types or ERR_INVALID with *mime untouched, and agrees with the magic
 * bytes); then media_image_encode, the full path an upload takes in the media worker
 * (sniff, libvips loader check, header size check, decode, strip, encode), for inputs
 * whose header libvips reads as at most FUZZ_MAX_PIXELS: the pixel limit itself is
 * MEDIA_MAX_PIXELS (50 MP), far too slow to decode thousands of times a second. On
 * success every output is non-empty and named after the SHA-256 of the input. */
#include <vips/vips.h>

#include "fuzz_util.h"

#include "media/media.h"

#define FUZZ_MAX_PIXELS (256 * 256)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (media_init() != ERR_OK)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const sentinel = "unset";
    const char *mime = sentinel;
    enum err e = media_sniff(data, size, &mime);
    bool jpeg = size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff;
    bool png = size >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0;
    bool webp = size >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0;
    if (e != ERR_OK) {
        FUZZ_CHECK(e == ERR_INVALID && mime == sentinel, "refused input changed *mime", data, size);
        FUZZ_CHECK(!jpeg && !png && !webp, "known magic refused", data, size);
        return 0;
    }
    FUZZ_CHECK((jpeg && strcmp(mime, "image/jpeg") == 0) ||
                   (png && strcmp(mime, "image/png") == 0) ||
                   (webp && strcmp(mime, "image/webp") == 0),
               "sniffed type does not match the magic bytes", data, size);

    VipsImage *h = vips_image_new_from_buffer(data, size, "", NULL);
    if (h == NULL) {
        vips_error_clear();
    } else {
        int64_t px = (int64_t)vips_image_get_width(h) * vips_image_get_height(h);
        g_object_unref(h);
        if (px > FUZZ_MAX_PIXELS)
            return 0;
    }
    struct media_encoded enc;
    char err[256];
    e = media_image_encode(data, size, "up.jpg", &enc, err, sizeof err);
    if (e != ERR_OK) {
        FUZZ_CHECK(e == ERR_INVALID || e == ERR_TOO_LARGE, "encode: unexpected error", data, size);
        FUZZ_CHECK(strncmp(err, "up.jpg: ", 8) == 0, "encode error does not name the file", data,
                   size);
        return 0;
    }
    FUZZ_CHECK(enc.nfiles >= 1 && enc.nfiles <= MEDIA_MAX_OUTPUTS, "bad output count", data, size);
    for (size_t i = 0; i < enc.nfiles; i++) {
        FUZZ_CHECK(enc.files[i].len > 0 && enc.files[i].data != NULL, "empty output", data, size);
        FUZZ_CHECK(strncmp(enc.files[i].name, enc.image.hash, 64) == 0,
                   "output not named by the hash", data, size);
    }
    FUZZ_CHECK(enc.image.width > 0 && enc.image.height > 0, "empty image", data, size);
    media_encoded_free(&enc);
    return 0;
}
