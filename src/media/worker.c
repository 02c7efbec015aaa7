/* worker.c: the confined image worker (see worker.h for the model and the protocol).
 *
 * Parent side: media_worker_start / _encode / _stop, one request at a time under a mutex,
 * every response length checked before anything is allocated for it, names and hash
 * checked against the parent's own SHA-256 of the upload, so a compromised worker cannot
 * write outside the media directory or overwrite another image's files.
 *
 * Child side: worker_ctor runs before main() in a process that was re-executed from
 * /proc/self/exe with VISNYK_MEDIA_WORKER_FD set. It starts libvips, decodes a few
 * generated images once (the warm-up loads every codec, locale and module file while
 * opening files is still allowed), then locks itself down (rlimits, no_new_privs, not
 * dumpable, seccomp) and serves requests until its socket closes. */
#include "media/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>
#include <sodium.h>

#include "core/io.h"
#include "core/log.h"
#include "core/str.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wshadow"
#include <vips/vips.h>

#include <vips/vector.h> /* vips_vector_set_enabled: needs vips.h first */
#pragma GCC diagnostic pop

#if defined(__SANITIZE_ADDRESS__)
#define WORKER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WORKER_ASAN 1
#endif
#endif

#define WORKER_ENV_FD "VISNYK_MEDIA_WORKER_FD"
#define WORKER_ENV_PARENT "VISNYK_MEDIA_WORKER_PARENT"
#define WORKER_FD 3                   /* the child's end of the socketpair after exec */
#define WORKER_START_TIMEOUT_MS 20000 /* exec + libvips start + warm-up (slow under ASan) */
#define WORKER_MAX_LABEL 512
#define WORKER_MAX_MSG 512
#define WORKER_READY 0x5a

/* request types; the test hooks exist only in builds that define
 * MEDIA_WORKER_TEST_HOOKS (the unit test includes this file with it) */
enum worker_req {
    REQ_ENCODE = 1,
    REQ_TEST_OPEN = 100, /* open("/etc/passwd"): must kill the worker */
    REQ_TEST_SPIN,       /* loop forever: the timeout path */
    REQ_TEST_SOCKET,     /* socket(AF_INET): must kill the worker */
    REQ_TEST_EXEC,       /* execve("/bin/sh"): must kill the worker */
    REQ_TEST_ALLOC,      /* malloc 1.5 GiB and touch it: RLIMIT_AS must refuse */
    REQ_TEST_EXECMEM,    /* mmap PROT_EXEC: must fail or kill */
    REQ_TEST_BADNAME,    /* answer with a file named "../…": the parent must refuse it */
    REQ_TEST_FORK,       /* fork(): must kill the worker */
};

struct media_worker {
    pthread_mutex_t mu;
    pid_t pid;
    int fd; /* parent's end, non-blocking, close-on-exec */
    unsigned timeout_ms;
};

/* ================================================================ shared helpers */

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_msg(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_msg(char *err, size_t err_size, const char *fmt, ...)
{
    if (err == NULL || err_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

/* ================================================================ child side */

/* Blocking I/O on the worker's socket; the parent bounds the time. */
static bool child_read(int fd, void *p, size_t n)
{
    unsigned char *b = p;
    while (n > 0) {
        ssize_t r = read(fd, b, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        b += r;
        n -= (size_t)r;
    }
    return true;
}

/* child_reply sends one response frame: err, message, and the encoded set when err is
 * ERR_OK. */
static bool child_reply(int fd, enum err e, const char *msg, const struct media_encoded *enc)
{
    unsigned char h[4 * 5 + 64];
    size_t ml = strlen(msg);
    if (ml > WORKER_MAX_MSG)
        ml = WORKER_MAX_MSG;
    put_u32(h, (uint32_t)e);
    put_u32(h + 4, (uint32_t)ml);
    if (!io_write_all(fd, h, 8) || !io_write_all(fd, msg, ml))
        return false;
    memset(h, 0, sizeof(h));
    if (e == ERR_OK && enc) {
        put_u32(h, (uint32_t)enc->image.width);
        put_u32(h + 4, (uint32_t)enc->image.height);
        memcpy(h + 8, enc->image.hash, 64);
        put_u32(h + 72, (uint32_t)enc->nfiles);
    }
    if (!io_write_all(fd, h, 76))
        return false;
    for (size_t i = 0; e == ERR_OK && enc && i < enc->nfiles; i++) {
        const struct media_output *o = &enc->files[i];
        size_t nl = strnlen(o->name, sizeof(o->name));
        unsigned char f[4];
        put_u32(f, (uint32_t)nl);
        if (!io_write_all(fd, f, 4) || !io_write_all(fd, o->name, nl))
            return false;
        put_u32(f, (uint32_t)o->len);
        if (!io_write_all(fd, f, 4) || !io_write_all(fd, o->data, o->len))
            return false;
    }
    return true;
}

#ifdef MEDIA_WORKER_TEST_HOOKS
static bool child_test_hook(int fd, uint32_t type, const unsigned char *data, size_t n)
{
    char msg[128];
    switch (type) {
    case REQ_TEST_OPEN: {
        int f = open("/etc/passwd", O_RDONLY);
        snprintf(msg, sizeof(msg), "open returned %d errno %d", f, f < 0 ? errno : 0);
        return child_reply(fd, f < 0 ? ERR_IO : ERR_OK, msg, NULL);
    }
    case REQ_TEST_SPIN:
        for (volatile unsigned long i = 0;; i++)
            ;
    case REQ_TEST_SOCKET: {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        snprintf(msg, sizeof(msg), "socket returned %d", s);
        return child_reply(fd, s < 0 ? ERR_IO : ERR_OK, msg, NULL);
    }
    case REQ_TEST_EXEC: {
        char *const argv[] = {"sh", "-c", "true", NULL};
        execve("/bin/sh", argv, argv + 3);
        snprintf(msg, sizeof(msg), "execve failed errno %d", errno);
        return child_reply(fd, ERR_IO, msg, NULL);
    }
    case REQ_TEST_ALLOC: {
        size_t big = (size_t)1536 * 1024 * 1024;
        char *p = malloc(big);
        if (p)
            for (size_t i = 0; i < big; i += 4096)
                p[i] = 1;
        snprintf(msg, sizeof(msg), "malloc %s", p ? "succeeded" : "failed");
        free(p);
        return child_reply(fd, p ? ERR_OK : ERR_NOMEM, msg, NULL);
    }
    case REQ_TEST_EXECMEM: {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        snprintf(msg, sizeof(msg), "mmap exec %s", p == MAP_FAILED ? "failed" : "succeeded");
        return child_reply(fd, p == MAP_FAILED ? ERR_IO : ERR_OK, msg, NULL);
    }
    case REQ_TEST_FORK: {
        pid_t p = fork();
        if (p == 0)
            _exit(0);
        snprintf(msg, sizeof(msg), "fork returned %d", (int)p);
        return child_reply(fd, p < 0 ? ERR_IO : ERR_OK, msg, NULL);
    }
    case REQ_TEST_BADNAME: {
        /* what a compromised worker might send: the request's own hash, a path */
        struct media_encoded enc;
        memset(&enc, 0, sizeof(enc));
        enc.image.width = enc.image.height = 10;
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(digest, data, n);
        sodium_bin2hex(enc.image.hash, sizeof(enc.image.hash), digest, sizeof(digest));
        enc.nfiles = 1;
        snprintf(enc.files[0].name, sizeof(enc.files[0].name), "../../etc/cron.d/x");
        enc.files[0].data = (void *)"x";
        enc.files[0].len = 1;
        return child_reply(fd, ERR_OK, "", &enc);
    }
    default:
        return child_reply(fd, ERR_INVALID, "unknown request", NULL);
    }
}
#endif

/* child_serve answers requests until the socket closes. Returns the exit code. */
static int child_serve(int fd)
{
    for (;;) {
        unsigned char h[8];
        if (!child_read(fd, h, 8))
            return 0; /* the parent closed the socket: done */
        uint32_t type = get_u32(h), label_len = get_u32(h + 4);
        char label[WORKER_MAX_LABEL + 1];
        if (label_len > WORKER_MAX_LABEL || !child_read(fd, label, label_len))
            return 2;
        label[label_len] = '\0';
        unsigned char l4[4];
        if (!child_read(fd, l4, 4))
            return 2;
        uint32_t n = get_u32(l4);
        if (n > MEDIA_MAX_FILE_BYTES)
            return 2; /* the parent never sends more */
        unsigned char *data = malloc(n ? n : 1);
        if (!data || !child_read(fd, data, n))
            return 2;
        bool ok;
        if (type == REQ_ENCODE) {
            struct media_encoded enc;
            char msg[WORKER_MAX_MSG + 1] = "";
            enum err e = media_image_encode(data, n, label, &enc, msg, sizeof(msg));
            ok = child_reply(fd, e, msg, e == ERR_OK ? &enc : NULL);
            if (e == ERR_OK)
                media_encoded_free(&enc);
        } else {
#ifdef MEDIA_WORKER_TEST_HOOKS
            ok = child_test_hook(fd, type, data, n);
#else
            ok = child_reply(fd, ERR_INVALID, "unknown request", NULL);
#endif
        }
        free(data);
        if (!ok)
            return 2;
    }
}

/* warm_image encodes a generated w x h image of the given bands as fmt ("jpeg", "png",
 * "webp") and runs it through media_image_encode, so every library and code path a real
 * upload takes has been loaded and initialised before the filter goes on. */
static bool warm_image(const char *fmt, int w, int h, int bands)
{
    size_t n = (size_t)w * (size_t)h * (size_t)bands;
    unsigned char *px = malloc(n);
    if (!px)
        return false;
    for (size_t i = 0; i < n; i++)
        px[i] = (unsigned char)(i * 7 + i / 997);
    VipsImage *img = vips_image_new_from_memory(px, n, w, h, bands, VIPS_FORMAT_UCHAR);
    void *buf = NULL;
    size_t len = 0;
    int rc = -1;
    if (img) {
        if (strcmp(fmt, "jpeg") == 0)
            rc = vips_jpegsave_buffer(img, &buf, &len, NULL);
        else if (strcmp(fmt, "png") == 0)
            rc = vips_pngsave_buffer(img, &buf, &len, NULL);
        else
            rc = vips_webpsave_buffer(img, &buf, &len, NULL);
        g_object_unref(img);
    }
    free(px);
    if (rc != 0)
        return false;
    struct media_encoded enc;
    enum err e = media_image_encode(buf, len, "warm-up", &enc, NULL, 0);
    g_free(buf);
    if (e != ERR_OK)
        return false;
    media_encoded_free(&enc);
    /* a damaged file walks the error paths (vips error buffer, g_warning) once too */
    static const unsigned char broken[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0};
    if (media_image_encode(broken, sizeof(broken), "warm-up", &enc, NULL, 0) == ERR_OK)
        media_encoded_free(&enc);
    return true;
}

/* child_seccomp installs the filter: everything not listed kills the whole process
 * (SCMP_ACT_KILL_PROCESS: socket, connect, execve, fork/vfork, clone without
 * CLONE_THREAD, ptrace, kill, rt_sigaction, setrlimit, and the rest), a few harmless
 * probes get an errno instead. How the list was found: the unit test was run under
 * strace -f twice, with the filter off (MEDIA_WORKER_NO_SECCOMP) and with a default of
 * ERRNO(EOWNERDEAD) (MEDIA_WORKER_SECCOMP_DEBUG), in a plain -O2 and an ASan build, over
 * every request type, 50+ encodes of JPEG, PNG (RGBA, grey) and WebP, damaged and cut
 * files; what the worker's processes called after the ready byte is below. Warm-up first
 * (see child_main) moves all file opening (codec modules, locale) before the filter. */
static int child_seccomp(int fd)
{
#ifdef MEDIA_WORKER_SECCOMP_DEBUG /* deriving the allow-list: EOWNERDEAD, seen by strace */
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EOWNERDEAD));
#else
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
#endif
    if (!ctx)
        return -1;
    int rc = 0;
#define ALLOW(name) rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(name), 0)
#define ALLOW1(name, cmp) rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(name), 1, cmp)
#define DENY(name, e) rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(e), SCMP_SYS(name), 0)
    /* the socket to the parent, and stderr (glib and libvips warnings) */
    ALLOW1(read, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fd));
    ALLOW1(write, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fd));
    ALLOW1(write, SCMP_A0(SCMP_CMP_EQ, 2));
    ALLOW1(writev, SCMP_A0(SCMP_CMP_EQ, 2));
    /* memory, never executable: no PROT_EXEC in mmap/mprotect (orc's JIT is off) */
    ALLOW1(mmap, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    ALLOW1(mprotect, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    ALLOW(munmap);
    ALLOW(mremap);
    ALLOW(brk);
    ALLOW(madvise);
    /* threads: libvips' thread set and glib's sync primitives */
    ALLOW(futex);
    ALLOW(set_robust_list);
    ALLOW(rseq);
    ALLOW(sched_yield);
    ALLOW(rt_sigprocmask);
    ALLOW(rt_sigreturn);
    ALLOW(getpid);
    ALLOW(gettid);
    ALLOW(clock_gettime);
    ALLOW(gettimeofday);
    ALLOW(clock_nanosleep);
    ALLOW(nanosleep);
    ALLOW(exit);
    ALLOW(exit_group);
    /* new threads only (CLONE_THREAD set): never a new process */
    ALLOW1(clone, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    /* clone3 passes its flags in memory, which a filter cannot read: make glibc fall
     * back to clone, whose flags it can */
    DENY(clone3, ENOSYS);
    /* glib names its threads ("libvips worker"); no other prctl */
    ALLOW1(prctl, SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
    /* pthread_getattr_np (AddressSanitizer, at every thread start) asks for the CPU set;
     * AddressSanitizer also sets up an alternate signal stack per thread */
    ALLOW(sched_getaffinity);
    ALLOW(sigaltstack);
    /* fstat on descriptors already open (stdio); glibc makes it newfstatat(fd, "",
     * AT_EMPTY_PATH). A stat by path (tzset's /etc/localtime in g_log) gets EACCES */
    ALLOW(fstat);
    ALLOW1(newfstatat, SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(newfstatat), 1,
                           SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0));
    DENY(stat, EACCES);
    DENY(lstat, EACCES);
    DENY(access, EACCES);
    /* Harmless probes are answered "no" instead of killing. Files cannot be opened:
     * glibc's malloc itself tries /proc/sys/vm/overcommit_memory when it trims a
     * thread's heap, and copes with the refusal; so would any lazy lookup in glib */
    DENY(open, EACCES);
    DENY(openat, EACCES);
    DENY(openat2, ENOSYS);
    DENY(ioctl, ENOTTY); /* g_log asks isatty(2) before printing a warning */
#undef ALLOW
#undef ALLOW1
#undef DENY
    /* every thread libvips already started gets the filter too */
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc;
}

static int child_main(int fd)
{
    /* no descriptor but stdin/out/err (/dev/null, set up before exec) and the socket */
    if (syscall(SYS_close_range, (unsigned)fd + 1, ~0U, 0) != 0)
        return 3;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || prctl(PR_SET_DUMPABLE, 0) != 0 ||
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return 3;
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);

    if (media_init() != ERR_OK)
        return 4;
    /* orc compiles code into executable memory at run time; without it the filter can
     * refuse PROT_EXEC */
    vips_vector_set_enabled(FALSE);
    if (!warm_image("jpeg", 640, 480, 3) || !warm_image("png", 600, 400, 4) ||
        !warm_image("png", 500, 300, 1) || !warm_image("webp", 520, 300, 3))
        return 4;

    struct rlimit nofile = {(rlim_t)fd + 1, (rlim_t)fd + 1};
    if (setrlimit(RLIMIT_NOFILE, &nofile) != 0)
        return 5;
#ifndef WORKER_ASAN
    /* AddressSanitizer reserves terabytes of shadow address space: no RLIMIT_AS there */
    struct rlimit as = {MEDIA_WORKER_MAX_AS, MEDIA_WORKER_MAX_AS};
    if (setrlimit(RLIMIT_AS, &as) != 0)
        return 5;
#endif
#ifndef MEDIA_WORKER_NO_SECCOMP /* only for deriving the allow-list with strace */
    if (child_seccomp(fd) != 0)
        return 6;
#endif
    unsigned char ready = WORKER_READY;
    if (!io_write_all(fd, &ready, 1))
        return 2;
    return child_serve(fd);
}

/* worker_ctor turns a re-executed copy of the binary into the worker, before main(). */
__attribute__((constructor)) static void worker_ctor(void)
{
    const char *v = getenv(WORKER_ENV_FD);
    if (!v)
        return;
    const char *parent = getenv(WORKER_ENV_PARENT);
    int64_t ppid = 0;
    if (strcmp(v, "3") != 0 || !parent || !str_to_i64(str_from_cstr(parent), &ppid) ||
        ppid != (int64_t)getppid()) {
        /* not started by media_worker_start, or its parent is gone already */
        static const char msg[] = "visnyk: VISNYK_MEDIA_WORKER_FD is set, but this process "
                                  "is not a media worker: unset it\n";
        if (write(2, msg, sizeof(msg) - 1) < 0)
            _exit(3);
        _exit(3);
    }
    struct stat st;
    if (fstat(WORKER_FD, &st) != 0 || !S_ISSOCK(st.st_mode))
        _exit(3);
    _exit(child_main(WORKER_FD));
}

/* ================================================================ parent side */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* io_wait polls fd for events until the deadline; false on timeout or error. */
static bool io_wait(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return false;
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        return true; /* readable/writable, or HUP/ERR which the next call reports */
    }
}

static bool parent_write(int fd, const void *p, size_t n, int64_t deadline)
{
    const unsigned char *b = p;
    while (n > 0) {
        ssize_t r = send(fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!io_wait(fd, POLLOUT, deadline))
                return false;
            continue;
        }
        if (r <= 0)
            return false;
        b += r;
        n -= (size_t)r;
    }
    return true;
}

static bool parent_read(int fd, void *p, size_t n, int64_t deadline)
{
    unsigned char *b = p;
    while (n > 0) {
        ssize_t r = recv(fd, b, n, MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!io_wait(fd, POLLIN, deadline))
                return false;
            continue;
        }
        if (r <= 0)
            return false;
        b += r;
        n -= (size_t)r;
    }
    return true;
}

/* worker_reap kills the worker (if still running) and collects it; *why describes how
 * it ended, for the log. */
static void worker_reap(struct media_worker *w, char *why, size_t why_size)
{
    if (why && why_size)
        why[0] = '\0';
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    if (w->pid <= 0)
        return;
    int status = 0;
    pid_t r = waitpid(w->pid, &status, WNOHANG);
    /* a worker that just closed its socket is usually a moment from exiting: let it,
     * so the log says why it ended */
    for (int i = 0; i < 20 && r == 0; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
        r = waitpid(w->pid, &status, WNOHANG);
    }
    if (r == 0) {
        kill(w->pid, SIGKILL);
        do
            r = waitpid(w->pid, &status, 0);
        while (r < 0 && errno == EINTR);
        set_msg(why, why_size, "killed by the parent");
    } else if (r == w->pid && WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        set_msg(why, why_size, "%s (signal %d)",
                sig == SIGSYS ? "stopped by the seccomp filter" : "crashed", sig);
    } else if (r == w->pid && WIFEXITED(status)) {
        set_msg(why, why_size, "exited with status %d", WEXITSTATUS(status));
    }
    w->pid = -1;
}

/* worker_spawn forks and re-executes the binary as a worker, then waits for its ready
 * byte. On failure nothing is left running. */
static enum err worker_spawn(struct media_worker *w)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        log_error("media worker: socketpair failed: %s", strerror(errno));
        return ERR_IO;
    }
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) {
        close(sv[0]);
        close(sv[1]);
        return ERR_IO;
    }
    /* everything the child needs is prepared here: after fork only async-signal-safe
     * calls, since another thread may have held any lock at the moment of the fork */
    extern char **environ;
    size_t nenv = 0;
    while (environ[nenv])
        nenv++;
    char **envp = calloc(nenv + 3, sizeof(*envp));
    char fd_var[64], parent_var[64];
    snprintf(fd_var, sizeof(fd_var), "%s=%d", WORKER_ENV_FD, WORKER_FD);
    snprintf(parent_var, sizeof(parent_var), "%s=%ld", WORKER_ENV_PARENT, (long)getpid());
    size_t k = 0;
    if (envp) {
        for (size_t i = 0; i < nenv; i++)
            if (strncmp(environ[i], "VISNYK_MEDIA_WORKER_", 20) != 0)
                envp[k++] = environ[i];
        envp[k++] = fd_var;
        envp[k++] = parent_var;
    }
    char *argv[] = {"visnyk-media-worker", NULL};
    pid_t pid = envp ? fork() : -1;
    if (pid == 0) {
        /* child: async-signal-safe calls only, until execve */
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        struct sigaction dfl;
        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGPIPE, &dfl, NULL);
        int s = sv[1];
        if (s == WORKER_FD) {
            fcntl(s, F_SETFD, 0);
        } else if (dup2(s, WORKER_FD) != WORKER_FD) {
            _exit(127);
        }
        if (dup2(devnull, 0) != 0 || dup2(devnull, 1) != 1)
            _exit(127);
#ifndef WORKER_ASAN
        /* sanitizer builds keep stderr for their reports */
        if (dup2(devnull, 2) != 2)
            _exit(127);
#endif
        syscall(SYS_close_range, (unsigned)WORKER_FD + 1, ~0U, 0);
        execve("/proc/self/exe", argv, envp);
        _exit(127);
    }
    int fork_errno = errno;
    free(envp);
    close(devnull);
    close(sv[1]);
    if (pid < 0) {
        log_error("media worker: fork failed: %s", strerror(fork_errno));
        close(sv[0]);
        return ERR_IO;
    }
    w->pid = pid;
    w->fd = sv[0];
    int fl = fcntl(w->fd, F_GETFL);
    fcntl(w->fd, F_SETFL, fl | O_NONBLOCK);
    unsigned char ready = 0;
    if (!parent_read(w->fd, &ready, 1, now_ms() + WORKER_START_TIMEOUT_MS) ||
        ready != WORKER_READY) {
        char why[96];
        worker_reap(w, why, sizeof(why));
        log_error("media worker: did not start: %s", why[0] ? why : "no ready signal");
        return ERR_IO;
    }
    log_debug("media worker: started, pid %ld", (long)pid);
    return ERR_OK;
}

enum err media_worker_start(struct media_worker **out)
{
    *out = NULL;
    if (sodium_init() < 0)
        return ERR_IO;
    struct media_worker *w = calloc(1, sizeof(*w));
    if (!w)
        abort();
    pthread_mutex_init(&w->mu, NULL);
    w->pid = -1;
    w->fd = -1;
    w->timeout_ms = MEDIA_WORKER_TIMEOUT_MS;
    enum err e = worker_spawn(w);
    if (e != ERR_OK) {
        pthread_mutex_destroy(&w->mu);
        free(w);
        return e;
    }
    *out = w;
    return ERR_OK;
}

void media_worker_set_timeout(struct media_worker *w, unsigned ms)
{
    pthread_mutex_lock(&w->mu);
    w->timeout_ms = ms ? ms : MEDIA_WORKER_TIMEOUT_MS;
    pthread_mutex_unlock(&w->mu);
}

int media_worker_pid(const struct media_worker *w)
{
    return w ? (int)w->pid : -1;
}

/* name_ok: "<hash>.jpg" or "<hash>-<width>.jpg|.webp" for one of our widths, nothing
 * else: these names become files in the media directory. */
static bool name_ok(const char *name, size_t len, const char *hash)
{
    if (len < 64 + 4 || memcmp(name, hash, 64) != 0)
        return false;
    struct str rest = str_make(name + 64, len - 64);
    if (str_eq(rest, STR_LIT(".jpg")))
        return true;
    for (int i = 0; i < MEDIA_WIDTH_COUNT; i++) {
        char a[24], b[24];
        int na = snprintf(a, sizeof(a), "-%d.jpg", media_widths[i]);
        int nb = snprintf(b, sizeof(b), "-%d.webp", media_widths[i]);
        if (str_eq(rest, str_make(a, (size_t)na)) || str_eq(rest, str_make(b, (size_t)nb)))
            return true;
    }
    return false;
}

/* read_response reads one response frame into out/err; false when the frame is cut or
 * breaks a rule (the worker is then not to be trusted further). */
static bool read_response(struct media_worker *w, const char *hash, int64_t deadline,
                          enum err *result, struct media_encoded *out, char *msg, size_t msg_size)
{
    unsigned char h[76];
    if (!parent_read(w->fd, h, 8, deadline))
        return false;
    uint32_t e = get_u32(h), ml = get_u32(h + 4);
    if (e > ERR_VERSION || ml > WORKER_MAX_MSG)
        return false;
    char m[WORKER_MAX_MSG + 1];
    if (!parent_read(w->fd, m, ml, deadline))
        return false;
    m[ml] = '\0';
    for (uint32_t i = 0; i < ml; i++)
        if ((unsigned char)m[i] < 0x20 || m[i] == 0x7f)
            m[i] = ' '; /* one line, whatever the worker says */
    set_msg(msg, msg_size, "%s", m);
    if (!parent_read(w->fd, h, 76, deadline))
        return false;
    *result = (enum err)e;
    if (e != ERR_OK)
        return true;
    uint32_t width = get_u32(h), height = get_u32(h + 4), nfiles = get_u32(h + 72);
    if (width == 0 || height == 0 || width > MEDIA_FULL_MAX_PX || height > MEDIA_FULL_MAX_PX ||
        nfiles == 0 || nfiles > MEDIA_MAX_OUTPUTS || memcmp(h + 8, hash, 64) != 0)
        return false;
    memcpy(out->image.hash, hash, 64);
    out->image.hash[64] = '\0';
    out->image.width = (int)width;
    out->image.height = (int)height;
    size_t budget = MEDIA_WORKER_MAX_RESPONSE;
    for (uint32_t i = 0; i < nfiles; i++) {
        struct media_output *o = &out->files[i];
        unsigned char f[4];
        if (!parent_read(w->fd, f, 4, deadline))
            return false;
        uint32_t nl = get_u32(f);
        if (nl == 0 || nl >= sizeof(o->name) || !parent_read(w->fd, o->name, nl, deadline))
            return false;
        o->name[nl] = '\0';
        if (!name_ok(o->name, nl, hash) || (i == 0 && strcmp(o->name + 64, ".jpg") != 0))
            return false;
        if (!parent_read(w->fd, f, 4, deadline))
            return false;
        uint32_t len = get_u32(f);
        if (len == 0 || len > budget)
            return false;
        budget -= len;
        o->data = g_malloc(len);
        out->nfiles = i + 1; /* so media_encoded_free releases it on failure */
        o->len = len;
        if (!parent_read(w->fd, o->data, len, deadline))
            return false;
    }
    return true;
}

/* worker_request runs one request; the mutex is held. retry allows one more attempt
 * when the worker turns out to be dead before it received the request. */
static enum err worker_request(struct media_worker *w, uint32_t type, const unsigned char *p,
                               size_t n, const char *label, struct media_encoded *out, char *err,
                               size_t err_size, bool retry)
{
    memset(out, 0, sizeof(*out));
    if (n > MEDIA_MAX_FILE_BYTES) {
        /* the same answer the worker would give, without shipping 20+ MB to it */
        set_msg(err, err_size, "%s: file is %zu MB; the limit is %d MB", label,
                (n + 1024 * 1024 - 1) / (1024 * 1024), MEDIA_MAX_FILE_BYTES / (1024 * 1024));
        return ERR_TOO_LARGE;
    }
    if (w->pid > 0) {
        /* a worker that died between requests (killed from outside, OOM killer) is
         * replaced before this upload, which is not to blame */
        int status;
        if (waitpid(w->pid, &status, WNOHANG) == w->pid) {
            w->pid = -1;
            worker_reap(w, NULL, 0);
            log_warn("media worker: found dead (status %d), restarting", status);
        }
    }
    if (w->pid <= 0 && worker_spawn(w) != ERR_OK) {
        set_msg(err, err_size, "%s: the image service is not available; try again later", label);
        return ERR_BUSY;
    }
    size_t label_len = strlen(label);
    if (label_len > WORKER_MAX_LABEL)
        label_len = WORKER_MAX_LABEL; /* a label is only text for messages */
    char hash[65];
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, p, n);
    sodium_bin2hex(hash, sizeof(hash), digest, sizeof(digest));

    int64_t deadline = now_ms() + w->timeout_ms;
    unsigned char h[8], l4[4];
    put_u32(h, type);
    put_u32(h + 4, (uint32_t)label_len);
    put_u32(l4, (uint32_t)n);
    enum err result = ERR_IO;
    char msg[WORKER_MAX_MSG + 1] = "";
    bool sent = parent_write(w->fd, h, 8, deadline) &&
                parent_write(w->fd, label, label_len, deadline) &&
                parent_write(w->fd, l4, 4, deadline) && parent_write(w->fd, p, n, deadline);
    if (!sent && retry && now_ms() < deadline) {
        /* the worker was gone before it had this upload (killed from outside a moment
         * ago): not this upload's fault, so once more with a fresh worker */
        char why[96];
        worker_reap(w, why, sizeof(why));
        log_warn("media worker: lost before a request (%s), restarting", why);
        return worker_request(w, type, p, n, label, out, err, err_size, false);
    }
    bool ok = sent && read_response(w, hash, deadline, &result, out, msg, sizeof(msg));
    if (!ok) {
        bool timed_out = now_ms() >= deadline;
        media_encoded_free(out);
        memset(out, 0, sizeof(*out));
        char why[96];
        worker_reap(w, why, sizeof(why));
        char esc[128];
        log_escape(label, label_len, esc, sizeof(esc));
        log_warn("media worker: request for %s failed: %s%s; restarting", esc,
                 timed_out ? "timed out, " : "", why);
        if (timed_out)
            set_msg(err, err_size, "%s: processing the image took too long and was stopped", label);
        else
            set_msg(err, err_size, "%s: the image could not be processed safely and was refused",
                    label);
        /* ready for the next upload; if this fails, the next request tries again */
        worker_spawn(w);
        return ERR_IO;
    }
    if (result != ERR_OK)
        set_msg(err, err_size, "%s", msg[0] ? msg : "the image was refused");
    return result;
}

enum err media_worker_encode(struct media_worker *w, const unsigned char *p, size_t n,
                             const char *label, struct media_encoded *out, char *err,
                             size_t err_size)
{
    pthread_mutex_lock(&w->mu);
    enum err e = worker_request(w, REQ_ENCODE, p, n, label ? label : "", out, err, err_size, true);
    pthread_mutex_unlock(&w->mu);
    return e;
}

void media_worker_stop(struct media_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    if (w->fd >= 0) {
        /* EOF tells the worker to exit; give it a moment, then kill */
        shutdown(w->fd, SHUT_RDWR);
        for (int i = 0; i < 50 && w->pid > 0; i++) {
            int status;
            if (waitpid(w->pid, &status, WNOHANG) == w->pid) {
                w->pid = -1;
                break;
            }
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    worker_reap(w, NULL, 0);
    pthread_mutex_unlock(&w->mu);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
