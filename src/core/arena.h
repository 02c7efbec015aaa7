/* arena.h: region allocator. Each request owns one arena; everything the request
 * allocates comes from it and is released at once by arena_reset or arena_free.
 * Allocation failure aborts the process (no half-handled NULL paths). */
#ifndef VISNYK_CORE_ARENA_H
#define VISNYK_CORE_ARENA_H

#include <stddef.h>

#include "str.h"

struct arena;

/* arena_new creates an arena whose blocks are at least block_size bytes.
 * The caller owns it and releases it with arena_free. */
struct arena *arena_new(size_t block_size);
void arena_free(struct arena *a);
/* arena_reset releases every allocation but keeps the first block for reuse. */
void arena_reset(struct arena *a);
/* arena_alloc returns n zeroed bytes aligned for any type; valid until reset/free. */
void *arena_alloc(struct arena *a, size_t n);
/* arena_alloc_array is arena_alloc(count * size) with an overflow check (aborts). */
void *arena_alloc_array(struct arena *a, size_t count, size_t size);
/* arena_strndup copies n bytes and appends a NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* arena_str copies a slice into the arena (NUL-terminated; the NUL is not in len). */
struct str arena_str(struct arena *a, struct str s);
/* arena_printf formats into the arena; returns a NUL-terminated string. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* arena_bytes_used reports the bytes handed out since the last reset (for limits/metrics). */
size_t arena_bytes_used(const struct arena *a);

#endif
