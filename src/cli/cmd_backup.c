/* cmd_backup.c: `visnyk backup`, `visnyk restore` and `visnyk check`.
 *
 * A backup is one POSIX tar file (ustar), readable with any tar:
 *     visnyk-backup/visnyk.db        the database, a consistent online snapshot taken
 *                                    with SQLite's backup API (rollback-journal mode)
 *     visnyk-backup/media/<name>     every file of the media folder
 *     visnyk-backup/MANIFEST         written last: "visnyk-backup 1", "created <UTC>",
 *                                    "schema <N>", then "<sha256 hex> <size> <path>"
 *                                    for every entry above
 * The database is copied first and the media folder after it: media files are
 * content-addressed and written before the article that names them commits, so every
 * file the snapshot refers to is already there when the folder is read.
 * Restore checks every hash against the manifest before anything is renamed into place,
 * and never overwrites an existing database without --force. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/io.h"
#include "core/kyiv_time.h"
#include "store/accounts.h"
#include "store/attachments.h"
#include "store/maintenance.h"

#define TAR_BLOCK 512
#define TAR_ROOT "visnyk-backup/"
#define BACKUP_MAX_NAME 90 /* a ustar name holds 100 bytes, with the root prefix */
#define BACKUP_MAX_ENTRIES 1000000
#define MANIFEST_MAX_BYTES (256 * 1024 * 1024)
#define COPY_CHUNK (256 * 1024)

/* ---- small file helpers ---- */

static bool name_safe(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > BACKUP_MAX_NAME || n[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

static int fsync_dir_of(const char *path)
{
    char dir[CONFIG_MAX_VALUE_BYTES + 64];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        memcpy(dir, ".", 2);
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* read_full reads exactly n bytes unless the file ends first; returns bytes read or -1. */
static ssize_t read_full(int fd, void *p, size_t n)
{
    char *c = p;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, c + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static void hex_of(const unsigned char *h, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---- tar writing ---- */

struct tar_out {
    int fd;
    struct buf manifest;
    size_t entries;
    uint64_t bytes;
};

static void octal(char *field, size_t width, uint64_t v)
{
    /* width-1 digits then NUL, as GNU and BSD tar write them */
    field[width - 1] = '\0';
    for (size_t i = width - 1; i-- > 0;) {
        field[i] = (char)('0' + (v & 7));
        v >>= 3;
    }
}

static bool tar_header(struct tar_out *t, const char *name, uint64_t size, int64_t mtime)
{
    unsigned char h[TAR_BLOCK];
    memset(h, 0, sizeof h);
    size_t nl = strlen(name);
    if (nl >= 100)
        return false;
    memcpy(h, name, nl);
    octal((char *)h + 100, 8, 0644);
    octal((char *)h + 108, 8, 0);
    octal((char *)h + 116, 8, 0);
    octal((char *)h + 124, 12, size);
    octal((char *)h + 136, 12, (uint64_t)(mtime > 0 ? mtime : 0));
    memset(h + 148, ' ', 8);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof h; i++)
        sum += h[i];
    octal((char *)h + 148, 7, sum);
    h[155] = ' ';
    return io_write_all(t->fd, h, sizeof h);
}

static bool tar_pad(struct tar_out *t, uint64_t size)
{
    static const char zero[TAR_BLOCK];
    size_t rem = (size_t)(size % TAR_BLOCK);
    return rem == 0 || io_write_all(t->fd, zero, TAR_BLOCK - rem);
}

/* tar_add_file streams src into the archive as root+name and records its hash. */
static bool tar_add_file(struct tar_out *t, const char *src, const char *name, char *why,
                         size_t why_size)
{
    char full[128];
    int fd = open(src, O_RDONLY | O_CLOEXEC);
    struct stat st;
    bool ok = false;
    char *chunk = NULL;

    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, why_size, "cannot read %s: %s", src, strerror(errno));
        goto out;
    }
    snprintf(full, sizeof full, TAR_ROOT "%s", name);
    if (!tar_header(t, full, (uint64_t)st.st_size, (int64_t)st.st_mtime)) {
        snprintf(why, why_size, "cannot write the backup: %s", strerror(errno));
        goto out;
    }
    chunk = malloc(COPY_CHUNK);
    if (chunk == NULL)
        abort();
    crypto_hash_sha256_state hs;
    crypto_hash_sha256_init(&hs);
    uint64_t left = (uint64_t)st.st_size;
    while (left > 0) {
        size_t want = left < COPY_CHUNK ? (size_t)left : COPY_CHUNK;
        ssize_t r = read_full(fd, chunk, want);
        if (r != (ssize_t)want) {
            /* a file that shrank while read: the tar entry size is already written */
            snprintf(why, why_size, "%s changed while it was copied", src);
            goto out;
        }
        crypto_hash_sha256_update(&hs, (unsigned char *)chunk, want);
        if (!io_write_all(t->fd, chunk, want)) {
            snprintf(why, why_size, "cannot write the backup: %s", strerror(errno));
            goto out;
        }
        left -= want;
    }
    if (!tar_pad(t, (uint64_t)st.st_size)) {
        snprintf(why, why_size, "cannot write the backup: %s", strerror(errno));
        goto out;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256_final(&hs, digest);
    hex_of(digest, sizeof digest, hex);
    if (buf_appendf(&t->manifest, "%s %llu %s\n", hex, (unsigned long long)st.st_size, name) !=
        ERR_OK) {
        snprintf(why, why_size, "manifest too large");
        goto out;
    }
    t->entries++;
    t->bytes += (uint64_t)st.st_size;
    ok = true;
out:
    free(chunk);
    if (fd >= 0)
        close(fd);
    return ok;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* media_names lists the regular files of dir with safe names, sorted (arena memory). */
static enum err media_names(struct arena *a, const char *dir, char ***out, size_t *n)
{
    DIR *d = opendir(dir);
    size_t count = 0, cap = 256;
    char **names = arena_alloc_array(a, cap, sizeof(*names));
    *out = NULL;
    *n = 0;
    if (d == NULL)
        return errno == ENOENT ? ERR_NOTFOUND : ERR_IO;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!name_safe(de->d_name) || strstr(de->d_name, ".tmp") != NULL)
            continue;
        if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
            continue;
        if (count == cap) {
            char **more = arena_alloc_array(a, cap * 2, sizeof(*more));
            memcpy(more, names, count * sizeof(*names));
            names = more;
            cap *= 2;
        }
        names[count++] = arena_strdup(a, de->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof(*names), cmp_names);
    *out = names;
    *n = count;
    return ERR_OK;
}

static int cmd_backup(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    if (argc != 1)
        return cli_usage_error("backup", "%s",
                               argc == 0 ? "needs the backup FILE to write" : "takes one FILE");
    const char *file = argv[0];
    int rc = 1;
    struct store *s = NULL;
    struct arena *a = arena_new(64 * 1024);
    struct tar_out t = {.fd = -1};
    char tmp[CONFIG_MAX_VALUE_BYTES + 32], tmpdb[CONFIG_MAX_VALUE_BYTES + 32];
    char why[CONFIG_MAX_VALUE_BYTES + 256] = "";
    bool tmpdb_made = false, tmp_made = false;
    struct timespec t0, t1;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    buf_init(&t.manifest, MANIFEST_MAX_BYTES);
    if (sodium_init() < 0) {
        fprintf(stderr, "visnyk backup: cannot initialise libsodium\n");
        goto out;
    }
    if (!f->force && access(file, F_OK) == 0) {
        fprintf(stderr, "visnyk backup: %s exists; choose another name or add --force\n", file);
        goto out;
    }
    enum err e = store_open(c->db, STORE_READ, &s);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk backup: cannot open database %s: %s\n", c->db, err_str(e));
        goto out;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", file);
    snprintf(tmpdb, sizeof tmpdb, "%s.db.tmp", file);
    unlink(tmpdb);
    e = store_backup_to(s, tmpdb);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk backup: %s\n", store_errmsg(s));
        goto out;
    }
    tmpdb_made = true;
    struct store_media_ref *refs;
    size_t n_refs;
    e = store_media_refs(s, a, &refs, &n_refs);
    store_close(s);
    s = NULL;
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk backup: cannot list media references: %s\n", err_str(e));
        goto out;
    }

    t.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (t.fd < 0) {
        fprintf(stderr, "visnyk backup: cannot create %s: %s\n", tmp, strerror(errno));
        goto out;
    }
    tmp_made = true;
    if (!tar_add_file(&t, tmpdb, "visnyk.db", why, sizeof why))
        goto fail;
    char **names;
    size_t n_names;
    e = media_names(a, c->media, &names, &n_names);
    if (e == ERR_IO) {
        snprintf(why, sizeof why, "cannot read the media folder %s: %s", c->media, strerror(errno));
        goto fail;
    }
    size_t media_files = 0;
    for (size_t i = 0; i < n_names; i++) {
        char src[CONFIG_MAX_VALUE_BYTES + 128], name[BACKUP_MAX_NAME + 16];
        snprintf(src, sizeof src, "%s/%s", c->media, names[i]);
        snprintf(name, sizeof name, "media/%s", names[i]);
        struct stat st;
        if (lstat(src, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (!tar_add_file(&t, src, name, why, sizeof why))
            goto fail;
        media_files++;
    }
    /* a snapshot that names a file the folder lacks restores into a broken site: say so */
    size_t missing = 0;
    for (size_t i = 0; i < n_refs; i++) {
        char want[STORE_MAX_HASH_BYTES + 8];
        snprintf(want, sizeof want, "%.*s.jpg", STR_FMT(refs[i].hash));
        char **hit = bsearch(&(const char *){want}, names, n_names, sizeof(*names), cmp_names);
        if (hit == NULL) {
            if (missing++ < 5)
                fprintf(stderr,
                        "visnyk backup: warning: media file %s is referenced but "
                        "missing from %s\n",
                        want, c->media);
        }
    }

    char created[32];
    int64_t now = utc_now();
    time_t tt = (time_t)now;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct buf head;
    buf_init(&head, 256);
    buf_appendf(&head, "visnyk-backup 1\ncreated %s\nschema %d\n", created, store_schema_version());
    uint64_t msize = head.len + t.manifest.len;
    bool ok = tar_header(&t, TAR_ROOT "MANIFEST", msize, now) &&
              io_write_all(t.fd, head.data, head.len) &&
              io_write_all(t.fd, t.manifest.data, t.manifest.len) && tar_pad(&t, msize);
    buf_free(&head);
    static const char end[2 * TAR_BLOCK];
    if (!ok || !io_write_all(t.fd, end, sizeof end) || fsync(t.fd) != 0) {
        snprintf(why, sizeof why, "cannot write %s: %s", tmp, strerror(errno));
        goto fail;
    }
    close(t.fd);
    t.fd = -1;
    if (rename(tmp, file) != 0) {
        snprintf(why, sizeof why, "cannot rename %s to %s: %s", tmp, file, strerror(errno));
        goto fail;
    }
    tmp_made = false;
    fsync_dir_of(file);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("backup %s: database and %zu media files, %.1f MB, %.2f s%s\n", file, media_files,
           (double)t.bytes / 1e6,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
           missing ? " (with missing media, see above)" : "");
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "visnyk backup: %s\n", why);
out:
    if (t.fd >= 0)
        close(t.fd);
    if (tmp_made)
        unlink(tmp);
    if (tmpdb_made)
        unlink(tmpdb);
    buf_free(&t.manifest);
    store_close(s);
    arena_free(a);
    return rc;
}

/* ---- tar reading (restore) ---- */

struct manifest_entry {
    char name[BACKUP_MAX_NAME + 16];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    uint64_t size;
    bool seen;
};

static bool parse_octal(const unsigned char *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
        if (v > (UINT64_MAX >> 3))
            return false;
        v = (v << 3) | (uint64_t)(p[i] - '0');
    }
    *out = v;
    return true;
}

/* tar_next reads one header: false at the end of the archive or on a malformed one
 * (*bad set then). */
static bool tar_next(int fd, char *name, size_t name_size, uint64_t *size, bool *bad)
{
    unsigned char h[TAR_BLOCK];
    *bad = false;
    ssize_t r = read_full(fd, h, sizeof h);
    if (r == 0)
        return false;
    if (r != TAR_BLOCK) {
        *bad = true;
        return false;
    }
    bool zero = true;
    for (size_t i = 0; i < sizeof h && zero; i++)
        zero = h[i] == 0;
    if (zero)
        return false;
    unsigned sum = 0;
    uint64_t want;
    for (size_t i = 0; i < sizeof h; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    if (!parse_octal(h + 148, 8, &want) || want != sum || !parse_octal(h + 124, 12, size) ||
        (h[156] != '0' && h[156] != '\0')) {
        *bad = true;
        return false;
    }
    size_t nl = strnlen((const char *)h, 100);
    if (nl >= name_size) {
        *bad = true;
        return false;
    }
    memcpy(name, h, nl);
    name[nl] = '\0';
    return true;
}

static bool tar_skip(int fd, uint64_t size)
{
    uint64_t padded = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
    return lseek(fd, (off_t)padded, SEEK_CUR) >= 0;
}

static int restore_fail(const char *fmt, const char *what)
{
    fprintf(stderr, "visnyk restore: ");
    fprintf(stderr, fmt, what);
    fputc('\n', stderr);
    return 1;
}

/* read_manifest finds and parses MANIFEST (pass one over the archive). */
static int read_manifest(int fd, struct arena *a, struct manifest_entry **out, size_t *n)
{
    char name[128];
    uint64_t size;
    bool bad;
    struct buf text;
    int rc = 1;

    buf_init(&text, MANIFEST_MAX_BYTES);
    while (tar_next(fd, name, sizeof name, &size, &bad)) {
        if (strcmp(name, TAR_ROOT "MANIFEST") != 0) {
            if (!tar_skip(fd, size))
                goto out;
            continue;
        }
        if (size > MANIFEST_MAX_BYTES)
            goto out;
        char *p = malloc(size + 1);
        if (p == NULL)
            abort();
        bool got = read_full(fd, p, size) == (ssize_t)size;
        if (got)
            buf_append(&text, p, size);
        free(p);
        if (!got)
            goto out;
        break;
    }
    if (bad || text.len == 0) {
        rc = restore_fail("%s is not a visnyk backup (no manifest)", "the file");
        goto out;
    }
    struct str rest = buf_str(&text), line;
    size_t count = 0, cap = 64;
    struct manifest_entry *list = arena_alloc_array(a, cap, sizeof(*list));
    bool first = true;
    while (str_split_next(&rest, '\n', &line)) {
        if (first) {
            if (!str_eq_cstr(line, "visnyk-backup 1")) {
                rc = restore_fail("%s: unknown backup format", "manifest");
                goto out;
            }
            first = false;
            continue;
        }
        if (line.len == 0 || str_starts_with(line, STR_LIT("created ")) ||
            str_starts_with(line, STR_LIT("schema ")))
            continue;
        struct str hex, sz, nm;
        struct str l = line;
        if (!str_split_next(&l, ' ', &hex) || !str_split_next(&l, ' ', &sz) || l.len == 0 ||
            hex.len != 2 * crypto_hash_sha256_BYTES) {
            rc = restore_fail("%s: malformed line", "manifest");
            goto out;
        }
        nm = l;
        int64_t size_v;
        if (!str_to_i64(sz, &size_v) || size_v < 0 || nm.len > BACKUP_MAX_NAME + 8 ||
            count == BACKUP_MAX_ENTRIES) {
            rc = restore_fail("%s: malformed line", "manifest");
            goto out;
        }
        if (count == cap) {
            struct manifest_entry *more = arena_alloc_array(a, cap * 2, sizeof(*more));
            memcpy(more, list, count * sizeof(*list));
            list = more;
            cap *= 2;
        }
        struct manifest_entry *m = &list[count++];
        memset(m, 0, sizeof *m);
        memcpy(m->name, nm.ptr, nm.len);
        memcpy(m->hex, hex.ptr, hex.len);
        m->size = (uint64_t)size_v;
    }
    *out = list;
    *n = count;
    rc = 0;
out:
    buf_free(&text);
    return rc;
}

/* extract_to copies size bytes from the archive into path (temp + rename), checking the
 * hash against m before the rename. */
static bool extract_to(int fd, uint64_t size, const struct manifest_entry *m, const char *path,
                       char *why, size_t why_size)
{
    char tmp[CONFIG_MAX_VALUE_BYTES + 160];
    snprintf(tmp, sizeof tmp, "%s.restore-tmp", path);
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char *chunk = malloc(COPY_CHUNK);
    bool ok = false;
    if (chunk == NULL)
        abort();
    if (out < 0) {
        snprintf(why, why_size, "cannot create %s: %s", tmp, strerror(errno));
        goto done;
    }
    crypto_hash_sha256_state hs;
    crypto_hash_sha256_init(&hs);
    uint64_t left = size;
    while (left > 0) {
        size_t want = left < COPY_CHUNK ? (size_t)left : COPY_CHUNK;
        if (read_full(fd, chunk, want) != (ssize_t)want) {
            snprintf(why, why_size, "the backup is truncated (in %s)", m->name);
            goto done;
        }
        crypto_hash_sha256_update(&hs, (unsigned char *)chunk, want);
        if (!io_write_all(out, chunk, want)) {
            snprintf(why, why_size, "cannot write %s: %s", tmp, strerror(errno));
            goto done;
        }
        left -= want;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256_final(&hs, digest);
    hex_of(digest, sizeof digest, hex);
    if (size != m->size || strcmp(hex, m->hex) != 0) {
        snprintf(why, why_size, "%s does not match its manifest hash: the backup is damaged",
                 m->name);
        goto done;
    }
    if (fsync(out) != 0) {
        snprintf(why, why_size, "cannot sync %s: %s", tmp, strerror(errno));
        goto done;
    }
    ok = true;
done:
    free(chunk);
    if (out >= 0)
        close(out);
    if (ok && rename(tmp, path) != 0) {
        snprintf(why, why_size, "cannot rename %s: %s", tmp, strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(tmp);
    if (!ok)
        return false;
    off_t pad = (off_t)((TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK);
    return lseek(fd, pad, SEEK_CUR) >= 0;
}

static int cmd_restore(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    if (argc != 1)
        return cli_usage_error("restore", "%s",
                               argc == 0 ? "needs the backup FILE to read" : "takes one FILE");
    const char *file = argv[0];
    struct arena *a = arena_new(64 * 1024);
    int rc = 1, fd = -1;
    char why[CONFIG_MAX_VALUE_BYTES + 256] = "";
    char dbtmp[CONFIG_MAX_VALUE_BYTES + 32];
    bool dbtmp_made = false;

    if (sodium_init() < 0)
        goto out;
    if (!f->force) {
        char wal[CONFIG_MAX_VALUE_BYTES + 8];
        snprintf(wal, sizeof wal, "%s-wal", c->db);
        if (access(c->db, F_OK) == 0 || access(wal, F_OK) == 0) {
            fprintf(stderr,
                    "visnyk restore: database %s exists; restore into a new path (--db NEW) or, "
                    "with the server stopped, add --force to replace it\n",
                    c->db);
            goto out;
        }
    }
    fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "visnyk restore: cannot open %s: %s\n", file, strerror(errno));
        goto out;
    }
    struct manifest_entry *man = NULL;
    size_t n_man = 0;
    if (read_manifest(fd, a, &man, &n_man) != 0)
        goto out;
    if (cli_ensure_dir(c->media) != 0)
        goto out;
    if (lseek(fd, 0, SEEK_SET) != 0)
        goto out;
    snprintf(dbtmp, sizeof dbtmp, "%s.restoring", c->db);
    char name[128];
    uint64_t size;
    bool bad;
    size_t media_files = 0;
    while (tar_next(fd, name, sizeof name, &size, &bad)) {
        const char *rel =
            strncmp(name, TAR_ROOT, strlen(TAR_ROOT)) == 0 ? name + strlen(TAR_ROOT) : NULL;
        struct manifest_entry *m = NULL;
        for (size_t i = 0; rel != NULL && i < n_man; i++)
            if (strcmp(man[i].name, rel) == 0)
                m = &man[i];
        if (m == NULL) {
            if (rel == NULL || strcmp(rel, "MANIFEST") != 0)
                fprintf(stderr, "visnyk restore: warning: skipping %s (not in the manifest)\n",
                        name);
            if (!tar_skip(fd, size))
                break;
            continue;
        }
        m->seen = true;
        char dest[CONFIG_MAX_VALUE_BYTES + 128];
        if (strcmp(rel, "visnyk.db") == 0) {
            snprintf(dest, sizeof dest, "%s", dbtmp);
            dbtmp_made = true;
        } else if (strncmp(rel, "media/", 6) == 0 && name_safe(rel + 6)) {
            snprintf(dest, sizeof dest, "%s/%s", c->media, rel + 6);
            media_files++;
        } else {
            fprintf(stderr, "visnyk restore: warning: skipping %s (unexpected name)\n", name);
            if (!tar_skip(fd, size))
                break;
            continue;
        }
        if (!extract_to(fd, size, m, dest, why, sizeof why)) {
            fprintf(stderr, "visnyk restore: %s\n", why);
            goto out;
        }
    }
    if (bad) {
        fprintf(stderr, "visnyk restore: %s is damaged (bad tar header)\n", file);
        goto out;
    }
    for (size_t i = 0; i < n_man; i++) {
        if (!man[i].seen) {
            fprintf(stderr,
                    "visnyk restore: %s is listed in the manifest but missing: the "
                    "backup is incomplete\n",
                    man[i].name);
            goto out;
        }
    }
    if (!dbtmp_made) {
        fprintf(stderr, "visnyk restore: the backup holds no database\n");
        goto out;
    }
    /* the copy must be sound before it replaces anything */
    struct store *s = NULL;
    enum err e = store_open(dbtmp, STORE_WRITE, &s);
    struct str *problems = NULL;
    size_t n_problems = 0;
    if (e == ERR_OK)
        e = store_check(s, a, &problems, &n_problems);
    store_close(s);
    if (e != ERR_OK || n_problems > 0) {
        fprintf(stderr, "visnyk restore: the database in the backup fails its check%s%.*s\n",
                n_problems ? ": " : "", n_problems ? (int)problems[0].len : 0,
                n_problems ? problems[0].ptr : "");
        goto out;
    }
    char side[CONFIG_MAX_VALUE_BYTES + 64];
    snprintf(side, sizeof side, "%s-wal", c->db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", c->db);
    unlink(side);
    snprintf(side, sizeof side, "%s-wal", dbtmp);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", dbtmp);
    unlink(side);
    if (rename(dbtmp, c->db) != 0) {
        fprintf(stderr, "visnyk restore: cannot rename %s to %s: %s\n", dbtmp, c->db,
                strerror(errno));
        goto out;
    }
    dbtmp_made = false;
    fsync_dir_of(c->db);
    printf("restored %s into %s and %zu media files into %s\n", file, c->db, media_files, c->media);
    rc = 0;
out:
    if (dbtmp_made)
        unlink(dbtmp);
    if (fd >= 0)
        close(fd);
    arena_free(a);
    return rc;
}

/* ---- check ---- */

static int cmd_check(const struct config *c, const struct cli_flags *f, int argc, char **argv)
{
    (void)f;
    (void)argv;
    if (argc != 0)
        return cli_usage_error("check", "unexpected argument %s", argv[0]);
    struct arena *a = arena_new(64 * 1024);
    struct store *s = NULL;
    int rc = 1;
    enum err e = store_open(c->db, STORE_READ, &s);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk check: cannot open database %s: %s\n", c->db, err_str(e));
        goto out;
    }
    struct str *problems;
    size_t n_problems;
    e = store_check(s, a, &problems, &n_problems);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk check: the check could not run: %s\n", store_errmsg(s));
        goto out;
    }
    for (size_t i = 0; i < n_problems; i++)
        printf("%.*s\n", STR_FMT(problems[i]));
    /* the audit log's hash chain (store/signing_sqlite.c): the first broken link */
    struct store_audit_check chain;
    e = store_audit_chain_check(s, &chain);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk check: cannot read the audit log: %s\n", store_errmsg(s));
        goto out;
    }
    if (!chain.ok) {
        char when[64];
        time_t t = (time_t)chain.bad_at;
        struct tm tm;
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        printf("audit log: chain broken at entry %lld (%s): %s\n", (long long)chain.bad_id, when,
               chain.reason);
        n_problems++;
    } else {
        printf("audit log: %lld entries, hash chain ok\n", (long long)chain.entries);
    }
    struct store_media_ref *refs;
    size_t n_refs, missing = 0;
    e = store_media_refs(s, a, &refs, &n_refs);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk check: cannot list media references: %s\n", store_errmsg(s));
        goto out;
    }
    static const int widths[] = {480, 960, 1600};
    for (size_t i = 0; i < n_refs; i++) {
        char path[CONFIG_MAX_VALUE_BYTES + 160];
        snprintf(path, sizeof path, "%s/%.*s.jpg", c->media, STR_FMT(refs[i].hash));
        if (access(path, R_OK) != 0) {
            printf("media: %.*s.jpg is referenced but missing\n", STR_FMT(refs[i].hash));
            missing++;
            continue;
        }
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
            if (refs[i].width > 0 && widths[w] >= refs[i].width)
                continue;
            for (int k = 0; k < 2; k++) {
                snprintf(path, sizeof path, "%s/%.*s-%d.%s", c->media, STR_FMT(refs[i].hash),
                         widths[w], k ? "webp" : "jpg");
                if (access(path, R_OK) != 0) {
                    printf("media: %.*s-%d.%s is referenced but missing\n", STR_FMT(refs[i].hash),
                           widths[w], k ? "webp" : "jpg");
                    missing++;
                }
            }
        }
    }
    /* documents: <hash>.pdf of the recorded size (a shorter file is a cut-off copy) */
    struct store_attachment *docs;
    size_t n_docs;
    e = store_attachment_refs(s, a, &docs, &n_docs);
    if (e != ERR_OK) {
        fprintf(stderr, "visnyk check: cannot list documents: %s\n", store_errmsg(s));
        goto out;
    }
    for (size_t i = 0; i < n_docs; i++) {
        char path[CONFIG_MAX_VALUE_BYTES + 160];
        struct stat st;
        snprintf(path, sizeof path, "%s/%.*s.pdf", c->media, STR_FMT(docs[i].hash));
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, R_OK) != 0) {
            printf("media: document %.*s.pdf is referenced but missing\n", STR_FMT(docs[i].hash));
            missing++;
        } else if ((int64_t)st.st_size != docs[i].bytes) {
            printf("media: document %.*s.pdf has %lld bytes, %lld recorded\n",
                   STR_FMT(docs[i].hash), (long long)st.st_size, (long long)docs[i].bytes);
            missing++;
        }
    }
    printf("check %s: %s; %zu media sets and %zu documents referenced, %zu files missing\n", c->db,
           n_problems ? "database has problems" : "integrity ok, foreign keys ok", n_refs, n_docs,
           missing);
    rc = (n_problems || missing) ? 1 : 0;
out:
    store_close(s);
    arena_free(a);
    return rc;
}

static const char *const backup_options[] = {"db", "media", "log_level", NULL};

const struct cli_command cli_cmd_backup = {
    .name = "backup",
    .summary = "write a consistent backup (database + media) while the site runs",
    .usage = "visnyk backup FILE [--db PATH] [--media DIR] [--force]\n"
             "  FILE is a tar archive: visnyk-backup/visnyk.db, visnyk-backup/media/*, and a\n"
             "  MANIFEST with SHA-256 hashes; --force overwrites an existing FILE",
    .options = backup_options,
    .takes_force = true,
    .run = cmd_backup,
};

const struct cli_command cli_cmd_restore = {
    .name = "restore",
    .summary = "restore a backup into a new database and media folder",
    .usage = "visnyk restore FILE --db NEW.db --media NEWDIR [--force]\n"
             "  refuses to replace an existing database unless --force (stop the server first)",
    .options = backup_options,
    .takes_force = true,
    .run = cmd_restore,
};

const struct cli_command cli_cmd_check = {
    .name = "check",
    .summary = "check database integrity and that every referenced media file exists",
    .usage = "visnyk check [--db PATH] [--media DIR]\n"
             "  exit status 0 when sound, 1 when a problem was found (each printed on a line)",
    .options = backup_options,
    .run = cmd_check,
};
