/* store.h: the connection to the database; each feature's queries have a header of
 * their own beside this one (content.h, editorial.h, accounts.h, mail.h, search.h,
 * settings.h, attachments.h, maintenance.h, purge.h, signing.h). The contracts name no
 * engine: SQLite is the embedded default (*_sqlite.c), and nothing engine-specific
 * leaks out of store/.
 *
 * A struct store is one database connection. It is not thread-safe: each loop thread
 * opens its own. Everything a query returns is allocated from the arena passed in and
 * lives as long as that arena. Times are UTC seconds since the epoch. */
#ifndef VISNYK_STORE_STORE_H
#define VISNYK_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"

/* Limits on what is stored (checked by import and the editor). */
#define STORE_MAX_TITLE_BYTES 1024
#define STORE_MAX_SLUG_BYTES 200
#define STORE_MAX_LEAD_BYTES 4096
#define STORE_MAX_BODY_BYTES (1024 * 1024)
#define STORE_MAX_LIST_LIMIT 100
#define STORE_MAX_NAME_BYTES 256     /* a tag or department name */
#define STORE_MAX_REFS 64            /* tags, and departments, per article */
#define STORE_MAX_RELATED 12         /* editors' related choices per article */
#define STORE_MAX_PHOTOS 100         /* photos per article */
#define STORE_MAX_CAPTION_BYTES 2048 /* a photo caption or alt text */
#define STORE_MAX_HASH_BYTES 128     /* a photo content hash */
#define STORE_MAX_SETTING_KEY_BYTES 64
#define STORE_MAX_SETTING_BYTES (64 * 1024)

struct store;

enum store_mode {
    STORE_READ,  /* read-only connection for serving pages */
    STORE_WRITE, /* read-write; creates the file if missing */
};

enum store_status {
    STORE_DRAFT,
    STORE_REVIEW,
    STORE_SCHEDULED,
    STORE_PUBLISHED,
    STORE_WITHDRAWN,
};

/* Status names, as stored and as written in import files: "draft", "review",
 * "scheduled", "published", "withdrawn". store_status_parse fails (false) on anything
 * else; store_status_text gives "draft" for an out-of-range value. */
const char *store_status_text(enum store_status st);
bool store_status_parse(struct str text, enum store_status *out);
/* store_slug_valid: 1..STORE_MAX_SLUG_BYTES of [a-z0-9-], so slugs are safe in URLs
 * and file names without escaping. Article and page slugs must pass it. */
bool store_slug_valid(struct str slug);

/* store_is_postgresql: whether path is a PostgreSQL URL (postgresql://... or
 * postgres://...), which store_open connects to; anything else is an SQLite file. */
bool store_is_postgresql(const char *path);
/* store_open opens path (an SQLite file, or a PostgreSQL URL: store_is_postgresql); the
 * caller owns *out and closes it with store_close.
 * A STORE_READ connection fails with ERR_VERSION when the schema is not the one this
 * binary knows (run `visnyk init`), and with ERR_IO when the database does not exist
 * (or the PostgreSQL server cannot be reached or refuses the connection).
 * ERR_INVALID when path names no database this binary can open. */
ERR_MUST_USE
enum err store_open(const char *path, enum store_mode mode, struct store **out);
void store_close(struct store *s);
/* store_errmsg: the last database error message, for logs (never shown to readers). */
const char *store_errmsg(struct store *s);

/* store_migrate applies every pending numbered migration, each in its own
 * transaction. Idempotent. ERR_VERSION when the database is newer than the binary. */
ERR_MUST_USE
enum err store_migrate(struct store *s, int *from_version, int *to_version);
/* The schema version this binary writes. */
int store_schema_version(void);

/* Explicit transactions. On a STORE_WRITE connection store_begin serialises writers
 * at once (so two writers never deadlock upgrading a read to a write); on a STORE_READ
 * connection it opens a read transaction, giving several reads one consistent
 * snapshot (one per request). ERR_BUSY when another writer holds the database past the
 * wait limit (5 s). */
ERR_MUST_USE
enum err store_begin(struct store *s);
ERR_MUST_USE
enum err store_commit(struct store *s);
void store_rollback(struct store *s);
/* store_in_transaction: whether a transaction is open on this connection. */
bool store_in_transaction(struct store *s);

/* store_change_counter gives a number that changes whenever any connection (this one
 * included) commits a write. Cheap; for noticing other processes' writes. Compare values
 * only on one connection. */
ERR_MUST_USE
enum err store_change_counter(struct store *s, int64_t *counter);

/* store_ping makes a trivial read of the database: ERR_OK when it answers, the mapped
 * error otherwise. For /readyz. */
ERR_MUST_USE
enum err store_ping(struct store *s);

#endif
