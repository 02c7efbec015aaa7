/* purge.h: purging the CDN in front of the site by surrogate key. The HTTP server calls
 * cdn_purge_key (its on_invalidate hook) with every key it invalidates; the key goes into
 * the database's purge queue at once (store_purge_*), and a worker thread POSTs the
 * waiting keys in batches to the configured URL until the CDN answers 2xx, backing off
 * from 1 s doubling to 5 minutes while it does not. A purge is never lost: not when the
 * CDN is down, not when visnyk restarts (the queue is in the database and is retried
 * at start). One request carries the keys in two styles at once:
 *
 *     POST <purge_url>
 *     Surrogate-Key: article:42 list:news tag:7       (Varnish xkey, Fastly)
 *     Fastly-Soft-Purge: 1                            (Fastly: keep it for stale-if-error)
 *     Content-Type: application/json
 *     <purge_auth header, e.g. Authorization: Bearer …; never logged>
 *
 *     {"tags":["article:42","list:news","tag:7"]}    (Cloudflare)
 */
#ifndef VISNYK_CDN_PURGE_H
#define VISNYK_CDN_PURGE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

#define CDN_PURGE_BATCH_KEYS 30 /* keys per request: Cloudflare takes 30 tags a call */
#define CDN_PURGE_TIMEOUT_S 5   /* a whole purge request */
#define CDN_PURGE_CONNECT_TIMEOUT_S 3
#define CDN_PURGE_BACKOFF_MAX_S 300 /* retries: 1 s, 2 s, 4 s … at most 5 minutes apart */
#define CDN_PURGE_IDLE_MS 60000     /* the worker looks at the queue at least this often */
#define CDN_PURGE_SPILL_MAX 1024    /* keys held in memory while the database refuses them */

struct cdn_purge_config {
    const char *db_path;
    const char *url;  /* http:// or https:// (config validates it) */
    const char *auth; /* "Name: value" sent with each purge, or NULL/"" */
};

struct cdn_purge;

/* cdn_purge_new copies cfg; the caller owns *out and frees it with cdn_purge_free after
 * the server stopped calling the hook. The database is opened on first use. ERR_INVALID
 * without a URL or a database. */
ERR_MUST_USE
enum err cdn_purge_new(const struct cdn_purge_config *cfg, struct cdn_purge **out);
/* cdn_purge_key is the http_config.on_invalidate hook (ctx is the struct cdn_purge):
 * queues key durably (a key already waiting is not added twice) and wakes the worker.
 * Thread-safe. A key that cannot go on the wire as it is (empty, too long, spaces,
 * commas, control characters) is queued as "site", which every page carries. When the
 * database refuses the write (locked past its timeout), the key is kept in memory and
 * the worker writes it later. */
void cdn_purge_key(void *ctx, struct str key);
/* cdn_purge_start starts the worker thread (no-op when already running);
 * cdn_purge_stop ends it after the request in flight, keeping what waits in the queue. */
void cdn_purge_start(struct cdn_purge *p);
void cdn_purge_stop(struct cdn_purge *p);
void cdn_purge_free(struct cdn_purge *p);

/* cdn_purge_body appends the JSON body for keys ({"tags":[…]}) to out and
 * cdn_purge_header the Surrogate-Key value ("k1 k2 …"). Exposed for the tests. */
ERR_MUST_USE
enum err cdn_purge_body(const struct str *keys, size_t n, struct buf *out);
ERR_MUST_USE
enum err cdn_purge_header(const struct str *keys, size_t n, struct buf *out);
/* cdn_purge_backoff: seconds before the next attempt after attempts failures (>= 1). */
unsigned cdn_purge_backoff(int attempts);
/* cdn_purge_key_ok: whether key can go on the wire as it is. */
bool cdn_purge_key_ok(struct str key);

#endif
