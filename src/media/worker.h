/* worker.h: the confined image worker. Untrusted upload bytes are decoded by libvips in a
 * separate process that can do nothing but compute: it holds no descriptor except its end
 * of a socketpair, runs under a seccomp filter (no open, socket, connect, exec, fork),
 * with PR_SET_NO_NEW_PRIVS, not dumpable, and RLIMIT_AS / RLIMIT_NOFILE / RLIMIT_CORE
 * bounds. A crash, a decompression bomb or a seccomp kill costs that one upload: the
 * parent notices, restarts the worker and reports the failure for that file.
 *
 * Process model: media_worker_start forks and the child re-executes the running binary
 * (/proc/self/exe, opened at start) with VISNYK_MEDIA_WORKER_FD in its environment; a
 * constructor in worker.c sees it and runs the worker loop instead of main(). Between
 * fork and exec the child only calls async-signal-safe functions, so starting (and
 * restarting) is safe from a process that already runs threads, holds locks or has
 * libvips initialised, and the worker gets a fresh address space (its own ASLR layout,
 * no copy of the parent's secrets in memory). Any binary that links worker.c can host the
 * worker; the parent needs no media_init for it.
 *
 * Protocol over the socketpair (little-endian u32 lengths; see worker.c):
 *   request  = u32 type, u32 label_len, label, u32 data_len, data
 *   response = u32 err, u32 msg_len, msg, u32 width, u32 height, hash[64],
 *              u32 nfiles, nfiles x (u32 name_len, name, u32 len, bytes)
 * The parent validates every length of the response against the media limits, so even
 * a compromised worker can only send back bad pictures, not overrun the parent.
 *
 * Thread-safety: media_worker_encode may be called from any thread; requests are
 * serialised (one at a time per worker) by a mutex. */
#ifndef VISNYK_MEDIA_WORKER_H
#define VISNYK_MEDIA_WORKER_H

#include <stddef.h>

#include "core/err.h"
#include "media/media.h"

/* One request may take this long (decoding a 50-megapixel image takes about a second);
 * then the worker is killed, restarted, and the upload fails. */
#define MEDIA_WORKER_TIMEOUT_MS 30000
/* Address space of the worker process. libvips needs a few hundred MB for a 50 MP image;
 * a decompression bomb that gets past the header checks dies here (ENOMEM). */
#define MEDIA_WORKER_MAX_AS ((size_t)1024 * 1024 * 1024)
/* Largest response accepted from the worker (all encoded files together). */
#define MEDIA_WORKER_MAX_RESPONSE ((size_t)96 * 1024 * 1024)

struct media_worker;

/* media_worker_start starts a worker process and waits until it has confined itself
 * (a ready byte arrives after the seccomp filter is loaded). *out is owned by the caller
 * and released with media_worker_stop. Fails with ERR_IO when the process cannot be
 * started or does not get ready (no /proc/self/exe, seccomp unsupported, libvips fails
 * to start in the child). */
ERR_MUST_USE
enum err media_worker_start(struct media_worker **out);

/* media_worker_encode is media_image_encode run inside the worker: (p, n) are the upload
 * bytes, label names the file in messages (a client file name: used as text only). On
 * ERR_OK out holds the encoded set (release with media_encoded_free). Errors:
 *   ERR_TOO_LARGE, ERR_INVALID  as media_image_encode (not an image, over the limits)
 *   ERR_IO   the worker died on this upload (crash, memory limit, seccomp) or took longer
 *            than the timeout; it has been restarted for the next request
 *   ERR_BUSY the worker could not be restarted (try again later)
 * err (when not NULL) receives a one-line message for the editor starting with label. */
ERR_MUST_USE
enum err media_worker_encode(struct media_worker *w, const unsigned char *p, size_t n,
                             const char *label, struct media_encoded *out, char *err,
                             size_t err_size);

/* media_worker_set_timeout changes the per-request timeout (tests); 0 restores the
 * default. */
void media_worker_set_timeout(struct media_worker *w, unsigned ms);

/* media_worker_pid is the current worker process id (tests, logs), or -1. */
int media_worker_pid(const struct media_worker *w);

/* media_worker_stop ends the worker (EOF on its socket, then SIGKILL after a moment) and
 * frees w. NULL is allowed. Not concurrently with media_worker_encode. */
void media_worker_stop(struct media_worker *w);

#endif
