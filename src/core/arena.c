#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Blocks form a list, newest first; big allocations get a block of their own. */
struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    _Alignas(max_align_t) unsigned char data[];
};

struct arena {
    struct arena_block *head;
    size_t block_size;
    size_t bytes_used;
};

#define ARENA_ALIGN _Alignof(max_align_t)

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL) {
        fputs("fatal: out of memory\n", stderr);
        abort();
    }
    return p;
}

static struct arena_block *block_new(size_t size)
{
    struct arena_block *b = xmalloc(sizeof(*b) + size);
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

struct arena *arena_new(size_t block_size)
{
    struct arena *a = xmalloc(sizeof(*a));
    if (block_size < 256)
        block_size = 256;
    a->block_size = block_size;
    a->head = block_new(block_size);
    a->bytes_used = 0;
    return a;
}

void arena_free(struct arena *a)
{
    if (a == NULL)
        return;
    struct arena_block *b = a->head;
    while (b != NULL) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void arena_reset(struct arena *a)
{
    /* Keep the oldest block (the one of block_size), free the rest. */
    struct arena_block *b = a->head;
    while (b->next != NULL) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    b->used = 0;
    a->head = b;
    a->bytes_used = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - ARENA_ALIGN) {
        fputs("fatal: arena allocation overflow\n", stderr);
        abort();
    }
    size_t rounded = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    struct arena_block *b = a->head;
    if (b->size - b->used < rounded) {
        if (rounded > a->block_size / 4) {
            /* Large: own block, linked behind the head so the head keeps filling. */
            struct arena_block *big = block_new(rounded);
            big->used = rounded;
            big->next = b->next;
            b->next = big;
            a->bytes_used += rounded;
            memset(big->data, 0, rounded);
            return big->data;
        }
        struct arena_block *nb = block_new(a->block_size);
        nb->next = b;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += rounded;
    a->bytes_used += rounded;
    memset(p, 0, n);
    return p;
}

void *arena_alloc_array(struct arena *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        fputs("fatal: arena array overflow\n", stderr);
        abort();
    }
    return arena_alloc(a, count * size);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

struct str arena_str(struct arena *a, struct str s)
{
    return (struct str){arena_strndup(a, s.ptr, s.len), s.len};
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    /* Short results (URLs, keys) fit the stack buffer: format once, copy once. */
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        fputs("fatal: bad format\n", stderr);
        abort();
    }
    if ((size_t)n < sizeof(small))
        return arena_strndup(a, small, (size_t)n);
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

size_t arena_bytes_used(const struct arena *a)
{
    return a->bytes_used;
}
