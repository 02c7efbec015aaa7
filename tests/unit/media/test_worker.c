/* test_worker.c: the confined media worker. Includes worker.c with the test-only request
 * types compiled in (they never exist in the library): the worker must encode exactly as
 * media_image_encode does in-process, refuse non-images and bombs without harm to the
 * parent, die when it tries to open a file, make a socket, exec or map executable memory,
 * be restarted after that, time out, survive many requests and several threads, and the
 * parent must refuse a lying response. */
#define MEDIA_WORKER_TEST_HOOKS 1
#include "media/worker.c"

#include <zlib.h>

#include "check.h"

static double ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* gen makes an image of w x h with bands bands saved as fmt, in g_malloc'd memory */
static void *gen(const char *fmt, int w, int h, int bands, unsigned seed, size_t *len)
{
    size_t n = (size_t)w * (size_t)h * (size_t)bands;
    unsigned char *px = malloc(n);
    for (size_t i = 0; i < n; i++)
        px[i] = (unsigned char)((i % (size_t)(w * bands)) * 3 + (i / (size_t)(w * bands)) * 2 +
                                seed * 17);
    VipsImage *img = vips_image_new_from_memory(px, n, w, h, bands, VIPS_FORMAT_UCHAR);
    void *buf = NULL;
    int rc;
    if (strcmp(fmt, "jpeg") == 0)
        rc = vips_jpegsave_buffer(img, &buf, len, "Q", 90, NULL);
    else if (strcmp(fmt, "png") == 0)
        rc = vips_pngsave_buffer(img, &buf, len, NULL);
    else
        rc = vips_webpsave_buffer(img, &buf, len, NULL);
    g_object_unref(img);
    free(px);
    if (rc != 0)
        abort();
    return buf;
}

static void png_chunk(unsigned char **o, const char *type, const unsigned char *d, uint32_t n)
{
    unsigned char *p = *o;
    p[0] = (unsigned char)(n >> 24);
    p[1] = (unsigned char)(n >> 16);
    p[2] = (unsigned char)(n >> 8);
    p[3] = (unsigned char)n;
    memcpy(p + 4, type, 4);
    if (n)
        memcpy(p + 8, d, n);
    uLong crc = crc32(0, p + 4, 4 + n);
    p[8 + n] = (unsigned char)(crc >> 24);
    p[9 + n] = (unsigned char)(crc >> 16);
    p[10 + n] = (unsigned char)(crc >> 8);
    p[11 + n] = (unsigned char)crc;
    *o = p + 12 + n;
}

/* png_bomb: a tiny PNG whose header claims w x h pixels, with one compressed row */
static size_t png_bomb(unsigned char *out, uint32_t w, uint32_t h)
{
    unsigned char *o = out;
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(o, sig, 8);
    o += 8;
    unsigned char ihdr[13] = {0};
    for (int i = 0; i < 4; i++) {
        ihdr[i] = (unsigned char)(w >> (24 - 8 * i));
        ihdr[4 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    ihdr[8] = 8; /* bit depth */
    ihdr[9] = 2; /* RGB */
    png_chunk(&o, "IHDR", ihdr, 13);
    unsigned char raw[4096] = {0}, z[256];
    uLongf zl = sizeof(z);
    compress2(z, &zl, raw, sizeof(raw), 9);
    png_chunk(&o, "IDAT", z, (uint32_t)zl);
    png_chunk(&o, "IEND", NULL, 0);
    return (size_t)(o - out);
}

static enum err hook(struct media_worker *w, uint32_t type, char *err, size_t err_size)
{
    struct media_encoded out;
    static const unsigned char x[] = "x";
    pthread_mutex_lock(&w->mu);
    enum err e = worker_request(w, type, x, 1, "hook", &out, err, err_size, false);
    pthread_mutex_unlock(&w->mu);
    if (e == ERR_OK)
        media_encoded_free(&out);
    return e;
}

struct thread_arg {
    struct media_worker *w;
    const unsigned char *p;
    size_t n;
    int ok;
};

static void *encode_thread(void *arg)
{
    struct thread_arg *t = arg;
    for (int i = 0; i < 5; i++) {
        struct media_encoded out;
        char err[256];
        if (media_worker_encode(t->w, t->p, t->n, "t.jpg", &out, err, sizeof(err)) == ERR_OK) {
            t->ok++;
            media_encoded_free(&out);
        }
    }
    return NULL;
}

int main(void)
{
    log_set_level(LOG_ERROR);
    CHECK(media_init() == ERR_OK);
    /* the worker runs without orc; so does the comparison here, for identical bytes */
    vips_vector_set_enabled(FALSE);

    struct media_worker *w = NULL;
    double t0 = ms_now();
    CHECK(media_worker_start(&w) == ERR_OK);
    if (!w)
        return check_done();
    printf("worker start: %.0f ms\n", ms_now() - t0);
    int pid = media_worker_pid(w);
    CHECK(pid > 0);
    char err[512];
    struct media_encoded a, b;

    /* 1. same result as in-process */
    size_t jlen;
    void *jpeg = gen("jpeg", 1700, 1100, 3, 1, &jlen);
    t0 = ms_now();
    CHECK(media_worker_encode(w, jpeg, jlen, "photo.jpg", &a, err, sizeof(err)) == ERR_OK);
    printf("worker encode 1700x1100: %.0f ms\n", ms_now() - t0);
    CHECK(media_image_encode(jpeg, jlen, "photo.jpg", &b, err, sizeof(err)) == ERR_OK);
    CHECK(a.nfiles == b.nfiles && a.nfiles == 7);
    CHECK(strcmp(a.image.hash, b.image.hash) == 0);
    CHECK(a.image.width == b.image.width && a.image.height == b.image.height);
    for (size_t i = 0; i < a.nfiles && i < b.nfiles; i++) {
        CHECK(strcmp(a.files[i].name, b.files[i].name) == 0);
        CHECK(a.files[i].len == b.files[i].len &&
              memcmp(a.files[i].data, b.files[i].data, a.files[i].len) == 0);
    }
    media_encoded_free(&a);
    media_encoded_free(&b);

    /* 2. not images: a script renamed .jpg, an SVG, a JPEG/HTML polyglot, empty */
    static const char script[] = "<script>alert(1)</script>";
    CHECK(media_worker_encode(w, (const unsigned char *)script, sizeof(script) - 1, "evil.jpg", &a,
                              err, sizeof(err)) == ERR_INVALID);
    CHECK(strcmp(err, "evil.jpg: not a JPEG, PNG or WebP image") == 0);
    CHECK(a.nfiles == 0);
    static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
    CHECK(media_worker_encode(w, (const unsigned char *)svg, sizeof(svg) - 1, "x.png", &a, err,
                              sizeof(err)) == ERR_INVALID);
    unsigned char poly[600];
    memcpy(poly, "\xff\xd8\xff\xe0", 4);
    memset(poly + 4, ' ', sizeof(poly) - 4);
    memcpy(poly + 20, "<html><script>alert(1)</script>", 31);
    CHECK(media_worker_encode(w, poly, sizeof(poly), "poly.jpg", &a, err, sizeof(err)) ==
          ERR_INVALID);
    CHECK(strstr(err, "poly.jpg: ") == err);
    CHECK(media_worker_encode(w, poly, 0, "empty.jpg", &a, err, sizeof(err)) == ERR_INVALID);
    CHECK(media_worker_pid(w) == pid);

    /* 3. decompression bombs: refused from the header, the worker unharmed */
    unsigned char bomb[1024];
    size_t blen = png_bomb(bomb, 100000, 100000);
    CHECK(media_worker_encode(w, bomb, blen, "bomb.png", &a, err, sizeof(err)) == ERR_TOO_LARGE);
    CHECK(strstr(err, "bomb.png: image is 100000×100000 pixels") == err);
    blen = png_bomb(bomb, 8000, 6251); /* 50.008 MP, just over */
    CHECK(media_worker_encode(w, bomb, blen, "bomb2.png", &a, err, sizeof(err)) == ERR_TOO_LARGE);
    blen = png_bomb(bomb, 4000, 3000); /* within limits but rows missing */
    CHECK(media_worker_encode(w, bomb, blen, "cut.png", &a, err, sizeof(err)) == ERR_INVALID);
    CHECK(media_worker_pid(w) == pid);
    /* over the file size limit: refused without shipping it to the worker */
    unsigned char *huge = calloc(1, MEDIA_MAX_FILE_BYTES + 1);
    CHECK(media_worker_encode(w, huge, MEDIA_MAX_FILE_BYTES + 1, "huge.jpg", &a, err,
                              sizeof(err)) == ERR_TOO_LARGE);
    free(huge);

    /* 4. the sandbox. Opening a file fails (EACCES: glibc's malloc probes a /proc file
     * now and then and must survive that); the worker lives on */
    pid = media_worker_pid(w);
    CHECK(hook(w, REQ_TEST_OPEN, err, sizeof(err)) == ERR_IO);
    CHECK(strcmp(err, "open returned -1 errno 13") == 0);
    CHECK(media_worker_pid(w) == pid);
    /* every other forbidden call kills the worker, which is restarted */
    static const struct {
        uint32_t type;
        const char *what;
    } forbidden[] = {{REQ_TEST_SOCKET, "socket"},
                     {REQ_TEST_EXEC, "execve"},
                     {REQ_TEST_FORK, "fork"},
                     {REQ_TEST_EXECMEM, "mmap PROT_EXEC"}};
    for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
        int before = media_worker_pid(w);
        enum err e = hook(w, forbidden[i].type, err, sizeof(err));
        CHECK(e == ERR_IO);
        if (e != ERR_IO)
            fprintf(stderr, "%s was allowed: %s\n", forbidden[i].what, err);
        CHECK(strcmp(err, "hook: the image could not be processed safely and was refused") == 0);
        CHECK(media_worker_pid(w) > 0 && media_worker_pid(w) != before);
    }
    /* and works again */
    CHECK(media_worker_encode(w, jpeg, jlen, "again.jpg", &a, err, sizeof(err)) == ERR_OK);
    media_encoded_free(&a);
#ifndef WORKER_ASAN
    /* RLIMIT_AS: 1.5 GiB cannot be had (not under ASan, which needs the address space) */
    CHECK(hook(w, REQ_TEST_ALLOC, err, sizeof(err)) == ERR_NOMEM);
    CHECK(strcmp(err, "malloc failed") == 0);
#endif

    /* 5. a lying worker: names outside the media directory are refused */
    pid = media_worker_pid(w);
    CHECK(hook(w, REQ_TEST_BADNAME, err, sizeof(err)) == ERR_IO);
    CHECK(media_worker_pid(w) != pid);

    /* 6. timeout: a worker stuck in a loop is killed and replaced */
    media_worker_set_timeout(w, 500);
    pid = media_worker_pid(w);
    t0 = ms_now();
    CHECK(hook(w, REQ_TEST_SPIN, err, sizeof(err)) == ERR_IO);
    double dt = ms_now() - t0;
    CHECK(dt >= 450 && dt < 20000);
    CHECK(strcmp(err, "hook: processing the image took too long and was stopped") == 0);
    CHECK(media_worker_pid(w) != pid);
    media_worker_set_timeout(w, 0);

    /* 7. killed from outside between requests: replaced before the next upload */
    pid = media_worker_pid(w);
    kill(pid, SIGKILL);
    /* wait until it is a zombie, so the parent's liveness check finds it dead */
    for (int i = 0; i < 200; i++) {
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
            break;
        usleep(10000);
    }
    CHECK(media_worker_encode(w, jpeg, jlen, "after-kill.jpg", &a, err, sizeof(err)) == ERR_OK);
    CHECK(media_worker_pid(w) != pid);
    media_encoded_free(&a);

    /* 8. 50 sequential requests of every format on one worker */
    size_t plen, wlen, glen, slen;
    void *small = gen("jpeg", 700, 500, 3, 5, &slen);
    void *png = gen("png", 640, 420, 4, 2, &plen);
    void *webp = gen("webp", 600, 400, 3, 3, &wlen);
    void *grey = gen("png", 300, 200, 1, 4, &glen);
    pid = media_worker_pid(w);
    int ok = 0;
    t0 = ms_now();
    for (int i = 0; i < 50; i++) {
        const void *p = i % 4 == 0 ? small : i % 4 == 1 ? png : i % 4 == 2 ? webp : grey;
        size_t n = i % 4 == 0 ? slen : i % 4 == 1 ? plen : i % 4 == 2 ? wlen : glen;
        if (media_worker_encode(w, p, n, "seq", &a, err, sizeof(err)) == ERR_OK) {
            ok++;
            media_encoded_free(&a);
        } else {
            fprintf(stderr, "request %d: %s\n", i, err);
        }
    }
    printf("50 requests: %.0f ms\n", ms_now() - t0);
    CHECK(ok == 50);
    CHECK(media_worker_pid(w) == pid);

    /* 9. several threads at once: serialised, all answered */
    struct thread_arg ta[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        ta[i] = (struct thread_arg){w, webp, wlen, 0};
        pthread_create(&th[i], NULL, encode_thread, &ta[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(ta[i].ok == 5);
    }

    media_worker_stop(w);
    media_worker_stop(NULL);
    g_free(jpeg);
    g_free(png);
    g_free(webp);
    g_free(grey);
    g_free(small);
    return check_done();
}
