/* backup_sqlite.c: resilience queries of the SQLite backend: an online backup that
 * runs while the site serves and editors write, the integrity checks `visnyk check`
 * runs, and the list of media files the content refers to (backup, check, mirror). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/maintenance.h"
#include "store/sqlite_internal.h"

#define BACKUP_BUSY_RETRIES 200 /* × 50 ms: a writer holding the lock for 10 s is broken */

/* fsync_path makes a finished file durable before it is reported as backed up. */
static enum err fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ERR_IO;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? ERR_OK : ERR_IO;
}

enum err store_backup_to(struct store *s, const char *dest_path)
{
    sqlite3 *dest = NULL;
    sqlite3_backup *b = NULL;
    enum err e = ERR_OK;
    size_t errsize;
    char *errbuf = store__errbuf(s, &errsize);

    if (access(dest_path, F_OK) == 0) {
        snprintf(errbuf, errsize, "backup destination %s exists", dest_path);
        return ERR_CONFLICT;
    }
    int rc = sqlite3_open_v2(
        dest_path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(errbuf, errsize, "cannot create %s: %s", dest_path,
                 dest ? sqlite3_errmsg(dest) : "out of memory");
        e = ERR_IO;
        goto out;
    }
    b = sqlite3_backup_init(dest, "main", store__db(s), "main");
    if (b == NULL) {
        snprintf(errbuf, errsize, "backup failed: %s", sqlite3_errmsg(dest));
        e = ERR_DB;
        goto out;
    }
    /* One step copies everything inside one read transaction of the source: in WAL
     * mode writers go on meanwhile, and the copy is the snapshot at its start. Stepping
     * in pieces would restart whenever another connection writes, which under steady
     * editing may never finish. */
    for (int tries = 0;; tries++) {
        rc = sqlite3_backup_step(b, -1);
        if (rc == DB_DONE)
            break;
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < BACKUP_BUSY_RETRIES) {
            sqlite3_sleep(50);
            continue;
        }
        snprintf(errbuf, errsize, "backup failed: %s", sqlite3_errstr(rc));
        e = rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? ERR_BUSY : ERR_DB;
        goto out;
    }
out:
    if (b != NULL && sqlite3_backup_finish(b) != SQLITE_OK && e == ERR_OK) {
        snprintf(errbuf, errsize, "backup failed: %s", sqlite3_errmsg(dest));
        e = ERR_DB;
    }
    if (dest != NULL && e == ERR_OK) {
        /* the copy keeps the source's WAL flag; fold everything into the main file so
         * the backup is one self-contained file */
        rc = sqlite3_exec(dest, "PRAGMA journal_mode = DELETE;", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            snprintf(errbuf, errsize, "backup failed: %s", sqlite3_errmsg(dest));
            e = ERR_DB;
        }
    }
    if (dest != NULL)
        sqlite3_close(dest);
    if (e == ERR_OK && fsync_path(dest_path) != ERR_OK) {
        snprintf(errbuf, errsize, "cannot sync %s", dest_path);
        e = ERR_IO;
    }
    if (e != ERR_OK)
        unlink(dest_path);
    return e;
}

static const char sql_integrity[] = "PRAGMA integrity_check(100)";
static const char sql_fk[] = "PRAGMA foreign_key_check";

enum err store_check(struct store *s, struct arena *a, struct str **problems, size_t *n)
{
    struct db_stmt *st = NULL;
    struct str *items = NULL;
    size_t count = 0, cap = 0;
    enum err e;
    int rc;

    *problems = NULL;
    *n = 0;
    e = store__prepare(s, sql_integrity, &st);
    if (e != ERR_OK)
        return e;
    while ((rc = db_step(st)) == DB_ROW) {
        struct str line = store__col_str(a, st, 0);
        if (str_eq_cstr(line, "ok"))
            continue;
        items = store__grow(a, items, count, &cap, sizeof(*items));
        items[count++] = str_from_cstr(arena_printf(a, "integrity: %.*s", STR_FMT(line)));
    }
    store__stmt_done(st);
    if (rc != DB_DONE)
        return store__db_fail(s, rc);

    e = store__prepare(s, sql_fk, &st);
    if (e != ERR_OK)
        return e;
    while ((rc = db_step(st)) == DB_ROW) {
        struct str table = store__col_str(a, st, 0), parent = store__col_str(a, st, 2);
        items = store__grow(a, items, count, &cap, sizeof(*items));
        items[count++] = str_from_cstr(
            arena_printf(a, "foreign key: %.*s row %lld refers to a missing %.*s row",
                         STR_FMT(table), (long long)db_col_i64(st, 1), STR_FMT(parent)));
    }
    store__stmt_done(st);
    if (rc != DB_DONE)
        return store__db_fail(s, rc);
    *problems = items;
    *n = count;
    return ERR_OK;
}

/* articles' photos and the leaders' portraits (store/leadership.h) */
static const char sql_media[] =
    "SELECT hash, max(width) FROM (SELECT hash, width FROM photos UNION ALL "
    "SELECT photo_hash, photo_width FROM leaders WHERE photo_hash <> '') m "
    "GROUP BY hash ORDER BY hash";

enum err store_media_refs(struct store *s, struct arena *a, struct store_media_ref **items,
                          size_t *n)
{
    struct db_stmt *st = NULL;
    struct store_media_ref *list = NULL;
    size_t count = 0, cap = 0;
    int rc;
    enum err e = store__prepare(s, sql_media, &st);

    *items = NULL;
    *n = 0;
    if (e != ERR_OK)
        return e;
    while ((rc = db_step(st)) == DB_ROW) {
        list = store__grow(a, list, count, &cap, sizeof(*list));
        list[count].hash = store__col_str(a, st, 0);
        list[count].width = db_col_int(st, 1);
        count++;
    }
    store__stmt_done(st);
    if (rc != DB_DONE)
        return store__db_fail(s, rc);
    *items = list;
    *n = count;
    return ERR_OK;
}
