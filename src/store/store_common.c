/* store_common.c: the parts of store/ that do not depend on the database engine:
 * which engine a path names, status names, input validation, the Kyiv month key, slugs
 * for new tags and departments, Ukrainian ordering and related-article ranking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/kyiv_time.h"
#include "core/utf8.h"
#include "store/store_internal.h"

static const char *const status_names[] = {
    [STORE_DRAFT] = "draft",         [STORE_REVIEW] = "review",
    [STORE_SCHEDULED] = "scheduled", [STORE_PUBLISHED] = "published",
    [STORE_WITHDRAWN] = "withdrawn",
};

const char *store_status_text(enum store_status st)
{
    if ((size_t)st >= sizeof status_names / sizeof status_names[0])
        return "draft";
    return status_names[st];
}

bool store_status_parse(struct str text, enum store_status *out)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
        if (str_eq_cstr(text, status_names[i])) {
            *out = (enum store_status)i;
            return true;
        }
    }
    return false;
}

bool store_slug_valid(struct str slug)
{
    if (slug.len == 0 || slug.len > STORE_MAX_SLUG_BYTES)
        return false;
    for (size_t i = 0; i < slug.len; i++) {
        char c = slug.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

bool store_is_postgresql(const char *path)
{
    return strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0;
}

/* text_check: valid UTF-8 within max bytes; empty only when allowed. */
static enum err text_check(struct str s, size_t max, bool allow_empty, const char *what, char *msg,
                           size_t msg_size)
{
    if (s.len > max) {
        snprintf(msg, msg_size, "%s is longer than %zu bytes", what, max);
        return ERR_TOO_LARGE;
    }
    if (!allow_empty && str_trim(s).len == 0) {
        snprintf(msg, msg_size, "%s is empty", what);
        return ERR_INVALID;
    }
    if (s.len > 0 && !utf8_valid(s.ptr, s.len)) {
        snprintf(msg, msg_size, "%s is not valid utf-8", what);
        return ERR_INVALID;
    }
    return ERR_OK;
}

static enum err slug_check(struct str slug, char *msg, size_t msg_size)
{
    if (slug.len > STORE_MAX_SLUG_BYTES) {
        snprintf(msg, msg_size, "slug is longer than %d bytes", STORE_MAX_SLUG_BYTES);
        return ERR_TOO_LARGE;
    }
    if (!store_slug_valid(slug)) {
        snprintf(msg, msg_size, "slug must be lowercase latin letters, digits and '-'");
        return ERR_INVALID;
    }
    return ERR_OK;
}

enum err store__article_input_check(const struct store_article_input *in, char *msg,
                                    size_t msg_size)
{
    enum err e = slug_check(in->slug, msg, msg_size);
    if (e == ERR_OK)
        e = text_check(in->title, STORE_MAX_TITLE_BYTES, false, "title", msg, msg_size);
    if (e == ERR_OK)
        e = text_check(in->lead, STORE_MAX_LEAD_BYTES, true, "lead", msg, msg_size);
    if (e == ERR_OK)
        e = text_check(in->body_md, STORE_MAX_BODY_BYTES, true, "body", msg, msg_size);
    if (e != ERR_OK)
        return e;
    if ((size_t)in->status > STORE_WITHDRAWN) {
        snprintf(msg, msg_size, "unknown status");
        return ERR_INVALID;
    }
    if (in->n_departments > STORE_MAX_REFS || in->n_tags > STORE_MAX_REFS) {
        snprintf(msg, msg_size, "more than %d departments or tags", STORE_MAX_REFS);
        return ERR_TOO_LARGE;
    }
    if (in->n_photos > STORE_MAX_PHOTOS) {
        snprintf(msg, msg_size, "more than %d photos", STORE_MAX_PHOTOS);
        return ERR_TOO_LARGE;
    }
    if (in->n_related > STORE_MAX_RELATED) {
        snprintf(msg, msg_size, "more than %d related articles", STORE_MAX_RELATED);
        return ERR_TOO_LARGE;
    }
    for (size_t i = 0; i < in->n_related && e == ERR_OK; i++) {
        if (!store_slug_valid(in->related[i])) {
            snprintf(msg, msg_size, "related article '%.*s' is not a slug (a-z, 0-9 and -)",
                     (int)(in->related[i].len > 80 ? 80 : in->related[i].len), in->related[i].ptr);
            e = ERR_INVALID;
        }
    }
    for (size_t i = 0; i < in->n_departments && e == ERR_OK; i++)
        e = text_check(in->departments[i], STORE_MAX_NAME_BYTES, false, "department name", msg,
                       msg_size);
    for (size_t i = 0; i < in->n_tags && e == ERR_OK; i++)
        e = text_check(in->tags[i], STORE_MAX_NAME_BYTES, false, "tag name", msg, msg_size);
    for (size_t i = 0; i < in->n_photos && e == ERR_OK; i++) {
        const struct store_photo_input *p = &in->photos[i];
        e = text_check(p->hash, STORE_MAX_HASH_BYTES, false, "photo hash", msg, msg_size);
        if (e == ERR_OK)
            e = text_check(p->caption, STORE_MAX_CAPTION_BYTES, true, "photo caption", msg,
                           msg_size);
        if (e == ERR_OK)
            e = text_check(p->alt, STORE_MAX_CAPTION_BYTES, true, "photo alt text", msg, msg_size);
        if (e == ERR_OK && (p->width <= 0 || p->height <= 0)) {
            snprintf(msg, msg_size, "photo size must be positive");
            e = ERR_INVALID;
        }
    }
    return e;
}

enum err store__page_input_check(struct str slug, struct str title, struct str body_md, char *msg,
                                 size_t msg_size)
{
    enum err e = slug_check(slug, msg, msg_size);
    if (e == ERR_OK)
        e = text_check(title, STORE_MAX_TITLE_BYTES, false, "title", msg, msg_size);
    if (e == ERR_OK)
        e = text_check(body_md, STORE_MAX_BODY_BYTES, true, "body", msg, msg_size);
    return e;
}

int64_t store__published_ym(int64_t utc)
{
    struct kyiv_tm t = kyiv_from_utc(utc);
    return (int64_t)t.year * 100 + t.month;
}

enum err store__ref_slug(struct buf *out, struct str name, const char *fallback)
{
    /* Transliteration grows text at most ~4x; slugify into a roomy scratch buffer and
     * cut, leaving space for a "-NNN" disambiguation suffix. */
    struct buf tmp;
    buf_init(&tmp, name.len * 4 + 16);
    enum err e = utf8_slugify(&tmp, name.ptr, name.len);
    if (e != ERR_OK)
        goto out;
    size_t n = tmp.len;
    if (n > STORE_MAX_SLUG_BYTES - 8)
        n = STORE_MAX_SLUG_BYTES - 8;
    while (n > 0 && tmp.data[n - 1] == '-')
        n--;
    if (n == 0)
        e = buf_append_cstr(out, fallback);
    else
        e = buf_append(out, tmp.data, n);
out:
    buf_free(&tmp);
    return e;
}

/* The Ukrainian alphabet in order; letters outside it sort after it. */
static const int32_t uk_alphabet[] = {
    0x430, 0x431, 0x432, 0x433, 0x491, 0x434, 0x435, 0x454, 0x436, 0x437, 0x438,
    0x456, 0x457, 0x439, 0x43a, 0x43b, 0x43c, 0x43d, 0x43e, 0x43f, 0x440, 0x441,
    0x442, 0x443, 0x444, 0x445, 0x446, 0x447, 0x448, 0x449, 0x44c, 0x44e, 0x44f,
};

static int32_t uk_key(int32_t cp)
{
    cp = utf8_lower(cp);
    if (cp < 0x400)
        return cp;
    for (size_t i = 0; i < sizeof uk_alphabet / sizeof uk_alphabet[0]; i++) {
        if (uk_alphabet[i] == cp)
            return 0x400 + (int32_t)i;
    }
    return cp + 0x200000; /* past every code point, keeping their relative order */
}

int store__collate_uk(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;
    while (i < an && j < bn) {
        int32_t ka = uk_key(utf8_decode(a, an, &i));
        int32_t kb = uk_key(utf8_decode(b, bn, &j));
        if (ka != kb)
            return ka < kb ? -1 : 1;
    }
    if (i < an || j < bn)
        return i < an ? 1 : -1;
    size_t n = an < bn ? an : bn;
    int c = n > 0 ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c;
    return an == bn ? 0 : (an < bn ? -1 : 1);
}

static int cmp_id(const void *pa, const void *pb)
{
    const struct store__candidate *a = pa, *b = pb;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int cmp_rank(const void *pa, const void *pb)
{
    const struct store__candidate *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->published_at != b->published_at)
        return a->published_at > b->published_at ? -1 : 1;
    return a->id > b->id ? -1 : a->id < b->id;
}

size_t store__candidates_rank(struct store__candidate *c, size_t n)
{
    if (n == 0)
        return 0;
    qsort(c, n, sizeof c[0], cmp_id);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && c[m - 1].id == c[i].id)
            c[m - 1].score += c[i].score;
        else
            c[m++] = c[i];
    }
    qsort(c, m, sizeof c[0], cmp_rank);
    return m;
}
