/* store/maintenance.h: backups, consistency checks and the media the content refers
 * to (backup_sqlite.c). */
#ifndef VISNYK_STORE_MAINTENANCE_H
#define VISNYK_STORE_MAINTENANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

/* store_backup_to writes a consistent copy of the whole database to dest_path (a new
 * file: ERR_CONFLICT when it exists) while other connections keep reading and writing:
 * the copy is the snapshot at the moment the backup began, as one self-contained
 * file, fsynced. Works on a STORE_READ connection. ERR_BUSY when
 * the database stays locked, ERR_IO/ERR_DB otherwise (store_errmsg says why); a partial
 * file is removed. */
ERR_MUST_USE
enum err store_backup_to(struct store *s, const char *dest_path);
/* store_check runs the engine's own consistency checks (SQLite: integrity_check and
 * foreign_key_check); *problems gets one lowercase line per problem found (arena memory), *n = 0
 * when the database is sound. Fails only when the checks cannot run. */
ERR_MUST_USE
enum err store_check(struct store *s, struct arena *a, struct str **problems, size_t *n);
/* A media file set the content refers to: <hash>.jpg plus its variants. */
struct store_media_ref {
    struct str hash;
    int width; /* of <hash>.jpg, as recorded (0 when unknown) */
};
/* store_media_refs lists every distinct photo hash (articles' photos and the leaders'
 * portraits), in hash order. */
ERR_MUST_USE
enum err store_media_refs(struct store *s, struct arena *a, struct store_media_ref **items,
                          size_t *n);

#endif
