/* pg_internal.h: the PostgreSQL side of store.h's connection (store_pg.c), which
 * store_sqlite.c's struct store calls when it holds a PostgreSQL connection: opening by
 * URL, the schema version and its migrations, transactions, the change counter. The
 * statements themselves are db_pg.h's. Messages go to the connection's error buffer
 * (store__errbuf). Not for use outside store/. */
#ifndef VISNYK_STORE_PG_INTERNAL_H
#define VISNYK_STORE_PG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/db_pg.h"
#include "store/store.h"

/* store__pg: the connection's PostgreSQL side; NULL on SQLite. */
struct db_pg *store__pg(struct store *s);

/* store__pg_open connects s to url and sets the session up for mode (a STORE_READ
 * session refuses writes); a STORE_READ connection fails with ERR_VERSION when the
 * schema version is not this binary's, ERR_IO when the server cannot be reached or the
 * database does not exist. */
ERR_MUST_USE
enum err store__pg_open(struct store *s, const char *url, enum store_mode mode, struct db_pg **out);
/* store__pg_migrate: store_migrate on PostgreSQL (store__migrations_pg). */
ERR_MUST_USE
enum err store__pg_migrate(struct store *s, int *from_version, int *to_version);
ERR_MUST_USE
enum err store__pg_begin(struct store *s, enum store_mode mode);
/* store__pg_commit rolls back and fails (ERR_DB) a transaction in which a statement
 * failed, where a plain COMMIT would roll back and answer success. */
ERR_MUST_USE
enum err store__pg_commit(struct store *s);
void store__pg_rollback(struct store *s);
bool store__pg_in_transaction(struct store *s);
ERR_MUST_USE
enum err store__pg_change_counter(struct store *s, int64_t *counter);
/* store__pg_last_id: the value the session's last INSERT drew from an identity column
 * (lastval()); 0 when it drew none. */
int64_t store__pg_last_id(struct store *s);

#endif
