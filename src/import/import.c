/* import.c: Markdown files with front matter into the store (format in import.h).
 * A file is read whole (bounded), checked, parsed into slices that point into it, its
 * photos stored through media/, and only then written, in one transaction. */
#include "import/import.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/utf8.h"
#include "media/media.h"
#include "sign/seal.h"
#include "store/content.h"
#include "store/translations.h"

enum key {
    KEY_TYPE,
    KEY_TITLE,
    KEY_DATE,
    KEY_SLUG,
    KEY_STATUS,
    KEY_LEAD,
    KEY_DEPARTMENTS,
    KEY_TAGS,
    KEY_PHOTOS,
    KEY_RELATED,
    KEY_LANG,
    KEY_TRANSLATION_OF,
    KEY__COUNT
};

static const char *const key_names[KEY__COUNT] = {
    [KEY_TYPE] = "type",
    [KEY_TITLE] = "title",
    [KEY_DATE] = "date",
    [KEY_SLUG] = "slug",
    [KEY_STATUS] = "status",
    [KEY_LEAD] = "lead",
    [KEY_DEPARTMENTS] = "departments",
    [KEY_TAGS] = "tags",
    [KEY_PHOTOS] = "photos",
    [KEY_RELATED] = "related",
    [KEY_LANG] = "lang",
    [KEY_TRANSLATION_OF] = "translation_of",
};

struct item {
    struct str value;
    int line;
};

struct photo {
    struct str file, caption, alt;
    int line, caption_line, alt_line;
};

struct front {
    struct str value[KEY__COUNT]; /* scalar keys */
    int line[KEY__COUNT];         /* where each key was given; 0 = absent */
    struct item *departments, *tags, *related;
    size_t n_departments, n_tags, n_related, cap_departments, cap_tags, cap_related;
    struct photo *photos;
    size_t n_photos, cap_photos;
    struct str body;
    int body_line;
};

struct job {
    const char *path;
    char *err;
    size_t err_size;
    struct arena *arena;
};

/* fail writes "path:line: message" (line 0: "path: message") and returns e. */
static enum err fail(struct job *j, int line, enum err e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum err fail(struct job *j, int line, enum err e, const char *fmt, ...)
{
    if (j->err == NULL || j->err_size == 0)
        return e;
    int n = line > 0 ? snprintf(j->err, j->err_size, "%s:%d: ", j->path, line)
                     : snprintf(j->err, j->err_size, "%s: ", j->path);
    if (n >= 0 && (size_t)n < j->err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(j->err + n, j->err_size - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return e;
}

/* read_whole reads at most IMPORT_MAX_FILE_BYTES of path into a heap buffer. */
static enum err read_whole(struct job *j, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(j->path, "rb");
    if (f == NULL)
        return fail(j, 0, ERR_IO, "cannot open (%s)", strerror(errno));
    enum err e = ERR_OK;
    char *p = malloc(IMPORT_MAX_FILE_BYTES + 1);
    if (p == NULL)
        abort();
    size_t n = fread(p, 1, IMPORT_MAX_FILE_BYTES + 1, f);
    if (ferror(f)) {
        e = fail(j, 0, ERR_IO, "cannot read (%s)", strerror(errno));
        goto out;
    }
    if (n > IMPORT_MAX_FILE_BYTES) {
        e = fail(j, 0, ERR_TOO_LARGE, "file is larger than %d MiB; split it or shorten it",
                 IMPORT_MAX_FILE_BYTES / (1024 * 1024));
        goto out;
    }
    *data = p;
    *len = n;
    p = NULL;
out:
    free(p);
    fclose(f);
    return e;
}

/* check_text: UTF-8 and no NUL bytes, naming the first bad line. */
static enum err check_text(struct job *j, const char *p, size_t n)
{
    int line = 1;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != '\n')
            continue;
        if (!utf8_valid(p + start, i - start))
            return fail(j, line, ERR_INVALID, "text is not valid UTF-8; save the file as UTF-8");
        if (memchr(p + start, '\0', i - start) != NULL)
            return fail(j, line, ERR_INVALID, "line contains a NUL byte; remove it");
        line++;
        start = i + 1;
    }
    return ERR_OK;
}

/* next_line cuts the next line off *rest (without "\n" or "\r\n"). */
static bool next_line(struct str *rest, struct str *line)
{
    if (rest->len == 0)
        return false;
    size_t i = str_find_char(*rest, '\n');
    if (i == SIZE_MAX) {
        *line = *rest;
        *rest = str_sub(*rest, rest->len, 0);
    } else {
        *line = str_sub(*rest, 0, i);
        *rest = str_sub(*rest, i + 1, rest->len - i - 1);
    }
    if (line->len > 0 && line->ptr[line->len - 1] == '\r')
        line->len--;
    return true;
}

static struct str unquote(struct str v)
{
    v = str_trim(v);
    if (v.len >= 2 && v.ptr[0] == '"' && v.ptr[v.len - 1] == '"')
        v = str_sub(v, 1, v.len - 2);
    return v;
}

/* split_kv splits "key: value" at the first ':'. */
static bool split_kv(struct str s, struct str *key, struct str *value)
{
    size_t colon = str_find_char(s, ':');
    if (colon == SIZE_MAX)
        return false;
    *key = str_trim(str_sub(s, 0, colon));
    *value = unquote(str_sub(s, colon + 1, s.len - colon - 1));
    return key->len > 0;
}

static void *grow(struct arena *a, void *old, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return old;
    size_t ncap = *cap == 0 ? 8 : *cap * 2;
    void *p = arena_alloc_array(a, ncap, size);
    if (n > 0)
        memcpy(p, old, n * size);
    *cap = ncap;
    return p;
}

static bool is_list(enum key k)
{
    return k == KEY_DEPARTMENTS || k == KEY_TAGS || k == KEY_PHOTOS || k == KEY_RELATED;
}

/* parse_item handles an indented line: a list item or a photo's caption/alt. */
static enum err parse_item(struct job *j, struct front *fm, int list, struct str text, int line)
{
    if (list < 0)
        return fail(j, line, ERR_PARSE,
                    "indented line outside a list; list items go under departments:, tags:, "
                    "related: or photos:");
    if (text.len >= 1 && text.ptr[0] == '-' && (text.len == 1 || text.ptr[1] == ' ')) {
        struct str v = str_trim(str_sub(text, 1, text.len - 1));
        if (list == KEY_PHOTOS) {
            struct str k, file;
            if (!split_kv(v, &k, &file) || !str_eq_cstr(k, "file"))
                return fail(j, line, ERR_PARSE, "a photo starts with '  - file: photos/name.jpg'");
            if (file.len == 0)
                return fail(j, line, ERR_PARSE, "photo file is empty; give its path");
            fm->photos =
                grow(j->arena, fm->photos, fm->n_photos, &fm->cap_photos, sizeof *fm->photos);
            fm->photos[fm->n_photos++] = (struct photo){.file = file, .line = line};
            return ERR_OK;
        }
        v = unquote(v);
        if (v.len == 0)
            return fail(j, line, ERR_PARSE,
                        "empty list item; write a name after '- ' or "
                        "remove the line");
        struct item it = {v, line};
        if (list == KEY_TAGS) {
            fm->tags = grow(j->arena, fm->tags, fm->n_tags, &fm->cap_tags, sizeof *fm->tags);
            fm->tags[fm->n_tags++] = it;
        } else if (list == KEY_RELATED) {
            fm->related =
                grow(j->arena, fm->related, fm->n_related, &fm->cap_related, sizeof *fm->related);
            fm->related[fm->n_related++] = it;
        } else {
            fm->departments = grow(j->arena, fm->departments, fm->n_departments,
                                   &fm->cap_departments, sizeof *fm->departments);
            fm->departments[fm->n_departments++] = it;
        }
        return ERR_OK;
    }
    struct str k, v;
    if (list != KEY_PHOTOS || fm->n_photos == 0 || !split_kv(text, &k, &v))
        return fail(j, line, ERR_PARSE,
                    "unexpected indented line; list items look like "
                    "'  - item'");
    struct photo *ph = &fm->photos[fm->n_photos - 1];
    if (str_eq_cstr(k, "caption") || str_eq_cstr(k, "alt")) {
        bool caption = str_eq_cstr(k, "caption");
        int *seen = caption ? &ph->caption_line : &ph->alt_line;
        if (*seen != 0)
            return fail(j, line, ERR_PARSE, "photo %s is given twice (line %d); keep one",
                        caption ? "caption" : "alt", *seen);
        *seen = line;
        *(caption ? &ph->caption : &ph->alt) = v;
        return ERR_OK;
    }
    return fail(j, line, ERR_PARSE,
                "unknown photo key \"%.*s\"; a photo has file, caption "
                "and alt",
                STR_FMT(k));
}

/* parse_front parses the whole file text into fm. */
static enum err parse_front(struct job *j, struct str text, struct front *fm)
{
    memset(fm, 0, sizeof *fm);
    if (str_starts_with(text, STR_LIT("\xef\xbb\xbf")))
        text = str_sub(text, 3, text.len - 3);
    struct str rest = text, line;
    int n = 1;
    if (!next_line(&rest, &line) || !str_eq_cstr(str_trim(line), "---"))
        return fail(j, 1, ERR_PARSE,
                    "the file must start with a line '---' followed by "
                    "front matter (title:, date:, ...) and another '---'");
    int list = -1; /* the list key whose items follow, or -1 */
    for (;;) {
        n++;
        if (!next_line(&rest, &line))
            return fail(j, n - 1, ERR_PARSE,
                        "front matter is not closed; add a line '---' before the text");
        if (str_eq_cstr(str_trim(line), "---") && line.len > 0 && line.ptr[0] == '-')
            break;
        if (str_trim(line).len == 0 || line.ptr[0] == '#')
            continue;
        size_t indent = 0;
        while (indent < line.len && (line.ptr[indent] == ' ' || line.ptr[indent] == '\t')) {
            if (line.ptr[indent] == '\t')
                return fail(j, n, ERR_PARSE, "tab in indentation; indent with spaces");
            indent++;
        }
        if (indent > 0) {
            enum err e = parse_item(j, fm, list, str_sub(line, indent, line.len - indent), n);
            if (e != ERR_OK)
                return e;
            continue;
        }
        struct str k, v;
        if (!split_kv(line, &k, &v))
            return fail(j, n, ERR_PARSE, "expected 'key: value'");
        int key = -1;
        for (int i = 0; i < KEY__COUNT; i++)
            if (str_eq_cstr(k, key_names[i]))
                key = i;
        if (key < 0)
            return fail(j, n, ERR_PARSE,
                        "unknown key \"%.*s\"; known keys: type, title, date, slug, status, "
                        "lead, departments, tags, photos, related, lang, translation_of",
                        STR_FMT(k));
        if (fm->line[key] != 0)
            return fail(j, n, ERR_PARSE, "\"%s\" is given twice (also line %d); keep one",
                        key_names[key], fm->line[key]);
        fm->line[key] = n;
        list = -1;
        if (is_list((enum key)key)) {
            if (v.len > 0)
                return fail(j, n, ERR_PARSE,
                            "%s is a list: put each item on its own line as '  - item'",
                            key_names[key]);
            list = key;
        } else {
            fm->value[key] = v;
        }
    }
    /* Blank lines between the front matter and the text are not part of the text. */
    struct str body = rest;
    int body_line = n + 1;
    while (body.len > 0) {
        struct str probe = body, l;
        next_line(&probe, &l);
        if (str_trim(l).len != 0)
            break;
        body = probe;
        body_line++;
    }
    while (body.len > 0 && (body.ptr[body.len - 1] == '\n' || body.ptr[body.len - 1] == '\r' ||
                            body.ptr[body.len - 1] == ' ' || body.ptr[body.len - 1] == '\t'))
        body.len--;
    fm->body = body;
    fm->body_line = body_line;
    return ERR_OK;
}

/* check_size fails when s is longer than max bytes. */
static enum err check_size(struct job *j, int line, struct str s, size_t max, const char *what)
{
    if (s.len > max)
        return fail(j, line, ERR_TOO_LARGE, "%s is longer than %zu bytes; shorten it", what, max);
    return ERR_OK;
}

/* make_slug: the given slug, checked, or the title transliterated. */
static enum err make_slug(struct job *j, const struct front *fm, struct str *slug)
{
    if (fm->line[KEY_SLUG] != 0) {
        *slug = fm->value[KEY_SLUG];
        if (!store_slug_valid(*slug))
            return fail(j, fm->line[KEY_SLUG], ERR_INVALID,
                        "slug must be 1 to %d lowercase latin letters, digits and '-' "
                        "(like na-poltavshchyni-proiekty)",
                        STORE_MAX_SLUG_BYTES);
        return ERR_OK;
    }
    struct str title = fm->value[KEY_TITLE];
    struct buf b;
    buf_init(&b, title.len * 4 + 16);
    enum err e = utf8_slugify(&b, title.ptr, title.len);
    size_t n = b.len;
    if (n > STORE_MAX_SLUG_BYTES) {
        /* Cut at a word boundary so the slug stays readable. */
        n = STORE_MAX_SLUG_BYTES;
        while (n > 0 && b.data[n] != '-')
            n--;
        if (n == 0)
            n = STORE_MAX_SLUG_BYTES;
    }
    while (n > 0 && b.data[n - 1] == '-')
        n--;
    if (e == ERR_OK && n == 0)
        e = ERR_INVALID;
    if (e == ERR_OK)
        *slug = arena_str(j->arena, str_make(b.data, n));
    buf_free(&b);
    if (e != ERR_OK)
        return fail(j, fm->line[KEY_TITLE], ERR_INVALID,
                    "cannot make a slug from the title; add a line 'slug: ...'");
    return ERR_OK;
}

/* dir_of: the folder part of path ("." when there is none), in the arena. */
static const char *dir_of(struct arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return ".";
    if (slash == path)
        return "/";
    return arena_strndup(a, path, (size_t)(slash - path));
}

/* store_photo checks one photo's file by its magic bytes and hands it to media/. */
static enum err store_photo(struct job *j, const struct import_options *opts,
                            const struct photo *ph, struct store_photo_input *out)
{
    if (ph->file.ptr[0] == '/')
        return fail(j, ph->line, ERR_INVALID,
                    "photo path must be relative to the folder of "
                    "the .md file, like photos/name.jpg");
    const char *root = opts->photo_root ? opts->photo_root : dir_of(j->arena, j->path);
    const char *full = arena_printf(j->arena, "%s/%.*s", root, STR_FMT(ph->file));
    FILE *f = fopen(full, "rb");
    if (f == NULL)
        return fail(j, ph->line, ERR_IO,
                    "cannot open photo %.*s (%s); the path is relative "
                    "to the folder of the .md file",
                    STR_FMT(ph->file), strerror(errno));
    unsigned char head[16];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    const char *mime;
    if (media_sniff(head, n, &mime) != ERR_OK)
        return fail(j, ph->line, ERR_INVALID, "photo %.*s is not a JPEG, PNG or WebP image",
                    STR_FMT(ph->file));
    const char *media_dir = opts->media_dir;
    if (media_dir == NULL)
        return fail(j, ph->line, ERR_INVALID, "photos need a media folder to go to");
    enum err e = media_init();
    if (e != ERR_OK)
        return fail(j, ph->line, e, "cannot start the image library");
    struct media_image img;
    char msg[512] = "";
    e = media_store_image(media_dir, full, &img, msg, sizeof msg);
    if (e != ERR_OK)
        return fail(j, ph->line, e, "%s", msg[0] != '\0' ? msg : err_str(e));
    out->hash = arena_str(j->arena, str_from_cstr(img.hash));
    out->width = img.width;
    out->height = img.height;
    out->caption = ph->caption;
    out->alt = ph->alt;
    return ERR_OK;
}

static enum err check_items(struct job *j, const struct item *it, size_t n, enum key key,
                            struct str **out)
{
    if (n > STORE_MAX_REFS)
        return fail(j, it[STORE_MAX_REFS].line, ERR_TOO_LARGE, "more than %d %s; keep fewer",
                    STORE_MAX_REFS, key_names[key]);
    *out = arena_alloc_array(j->arena, n > 0 ? n : 1, sizeof **out);
    for (size_t i = 0; i < n; i++) {
        enum err e = check_size(j, it[i].line, it[i].value, STORE_MAX_NAME_BYTES, "the name");
        if (e != ERR_OK)
            return e;
        (*out)[i] = it[i].value;
    }
    return ERR_OK;
}

/* save writes the parsed file in one transaction. */
static enum err save(struct job *j, struct store *s, const struct store_article_input *in,
                     bool page, struct import_result *res)
{
    if (s == NULL) /* import_check_text: checked, nothing to write */
        return ERR_OK;
    enum err e = store_begin(s);
    if (e != ERR_OK)
        return fail(j, 0, e, "cannot start a transaction: %s", store_errmsg(s));
    int64_t id = 0;
    struct store_page pg;
    e = page ? store_page_upsert(s, in->slug, in->title, in->body_md)
             : store_article_upsert(s, in, &id);
    if (e == ERR_OK && page) {
        e = store_page_by_slug(s, j->arena, in->slug, &pg);
        id = pg.id;
    }
    if (e == ERR_OK) { /* an imported article or page is published: sign it */
        bool created;
        e = sign_ensure_key(s, utc_now(), &created);
        if (e == ERR_OK)
            e = page ? sign_seal_page(s, j->arena, id, utc_now())
                     : sign_seal_article(s, j->arena, id, utc_now());
    }
    if (e == ERR_OK)
        e = store_commit(s);
    if (e != ERR_OK) {
        fail(j, 0, e, "not saved: %s", store_errmsg(s));
        store_rollback(s);
        return e;
    }
    if (page)
        res->pages++;
    else
        res->articles++;
    res->photos += in->n_photos;
    return ERR_OK;
}

/* import_translation checks and stores an English translation (lang: en): its title,
 * slug, lead and body; the original, named by translation_of, gives everything else
 * and must be imported already (an English article without it is refused). */
static enum err import_translation(struct job *j, struct store *s, const struct front *fm,
                                   struct import_result *res)
{
    static const enum key from_original[] = {KEY_TYPE, KEY_DATE,   KEY_STATUS, KEY_DEPARTMENTS,
                                             KEY_TAGS, KEY_PHOTOS, KEY_RELATED};
    struct str title = fm->value[KEY_TITLE], slug, of = fm->value[KEY_TRANSLATION_OF];
    struct store_article orig;
    int64_t id;
    enum err e;

    for (size_t i = 0; i < sizeof from_original / sizeof from_original[0]; i++)
        if (fm->line[from_original[i]] != 0)
            return fail(j, fm->line[from_original[i]], ERR_PARSE,
                        "a translation takes %s from its original; remove the line",
                        key_names[from_original[i]]);
    if (fm->line[KEY_TRANSLATION_OF] == 0 || !store_slug_valid(of))
        return fail(j, fm->line[KEY_LANG], ERR_INVALID,
                    "an English article names its Ukrainian original: add a line "
                    "'translation_of: <slug of the original>'");
    if (fm->line[KEY_TITLE] == 0 || title.len == 0)
        return fail(j, fm->line[KEY_TITLE] != 0 ? fm->line[KEY_TITLE] : 1, ERR_INVALID,
                    "title is missing; add a line 'title: ...'");
    e = check_size(j, fm->line[KEY_TITLE], title, STORE_MAX_TITLE_BYTES, "title");
    if (e == ERR_OK)
        e = check_size(j, fm->line[KEY_LEAD], fm->value[KEY_LEAD], STORE_MAX_LEAD_BYTES, "lead");
    if (e == ERR_OK)
        e = check_size(j, fm->body_line, fm->body, STORE_MAX_BODY_BYTES, "the text");
    if (e == ERR_OK)
        e = make_slug(j, fm, &slug);
    if (e != ERR_OK || s == NULL)
        return e;
    e = store_begin(s);
    if (e != ERR_OK)
        return fail(j, 0, e, "cannot start a transaction: %s", store_errmsg(s));
    e = store_article_by_slug_any(s, j->arena, of, &orig);
    if (e == ERR_NOTFOUND) {
        store_rollback(s);
        return fail(j, fm->line[KEY_TRANSLATION_OF], ERR_NOTFOUND,
                    "no article has the slug \"%.*s\"; import the Ukrainian original first",
                    STR_FMT(of));
    }
    if (e == ERR_OK)
        e = store_translation_save(s, orig.id, STR_LIT(STORE_LANG_EN), slug, title,
                                   fm->value[KEY_LEAD], fm->body, true, &id);
    if (e == ERR_CONFLICT) {
        store_rollback(s);
        return fail(j, fm->line[KEY_SLUG] != 0 ? fm->line[KEY_SLUG] : 1, ERR_CONFLICT,
                    "another English article has the slug \"%.*s\"; choose another", STR_FMT(slug));
    }
    if (e == ERR_OK)
        e = store_commit(s);
    if (e != ERR_OK) {
        fail(j, 0, e, "not saved: %s", store_errmsg(s));
        store_rollback(s);
        return e;
    }
    res->translations++;
    return ERR_OK;
}

/* import_text checks and stores one parsed file. */
static enum err import_text(struct job *j, struct store *s, const struct import_options *opts,
                            struct str text, struct import_result *res)
{
    struct front fm;
    enum err e = parse_front(j, text, &fm);
    if (e != ERR_OK)
        return e;
    bool page = false;
    if (fm.line[KEY_LANG] != 0 && str_eq_cstr(fm.value[KEY_LANG], STORE_LANG_EN))
        return import_translation(j, s, &fm, res);
    if (fm.line[KEY_LANG] != 0 && !str_eq_cstr(fm.value[KEY_LANG], STORE_LANG_UK))
        return fail(j, fm.line[KEY_LANG], ERR_INVALID, "lang must be uk or en");
    if (fm.line[KEY_TRANSLATION_OF] != 0)
        return fail(j, fm.line[KEY_TRANSLATION_OF], ERR_PARSE,
                    "only an English article (lang: en) names an original; remove the line");
    if (fm.line[KEY_TYPE] != 0) {
        if (str_eq_cstr(fm.value[KEY_TYPE], "page"))
            page = true;
        else if (!str_eq_cstr(fm.value[KEY_TYPE], "article"))
            return fail(j, fm.line[KEY_TYPE], ERR_INVALID, "type must be article or page");
    }
    if (page) {
        static const enum key article_only[] = {KEY_DATE, KEY_STATUS, KEY_LEAD,   KEY_DEPARTMENTS,
                                                KEY_TAGS, KEY_PHOTOS, KEY_RELATED};
        for (size_t i = 0; i < sizeof article_only / sizeof article_only[0]; i++)
            if (fm.line[article_only[i]] != 0)
                return fail(j, fm.line[article_only[i]], ERR_PARSE,
                            "a page (type: page) has no %s; remove the line",
                            key_names[article_only[i]]);
    }
    struct store_article_input in = {.status = STORE_PUBLISHED};
    in.title = fm.value[KEY_TITLE];
    if (fm.line[KEY_TITLE] == 0 || in.title.len == 0)
        return fail(j, fm.line[KEY_TITLE] != 0 ? fm.line[KEY_TITLE] : 1, ERR_INVALID,
                    "title is missing; add a line 'title: ...'");
    e = check_size(j, fm.line[KEY_TITLE], in.title, STORE_MAX_TITLE_BYTES, "title");
    if (e != ERR_OK)
        return e;
    e = make_slug(j, &fm, &in.slug);
    if (e != ERR_OK)
        return e;
    in.body_md = fm.body;
    e = check_size(j, fm.body_line, in.body_md, STORE_MAX_BODY_BYTES, "the text");
    if (e != ERR_OK || page)
        return e != ERR_OK ? e : save(j, s, &in, true, res);

    if (fm.line[KEY_DATE] == 0)
        return fail(j, 1, ERR_INVALID,
                    "date is missing; add a line like "
                    "'date: 2024-08-01 16:51' (Kyiv time)");
    if (!kyiv_parse(fm.value[KEY_DATE], &in.published_at))
        return fail(j, fm.line[KEY_DATE], ERR_INVALID, "date must look like 2024-08-01 16:51");
    if (fm.line[KEY_STATUS] != 0 && !store_status_parse(fm.value[KEY_STATUS], &in.status))
        return fail(j, fm.line[KEY_STATUS], ERR_INVALID,
                    "status must be draft, review, scheduled, published or withdrawn");
    in.lead = fm.value[KEY_LEAD];
    e = check_size(j, fm.line[KEY_LEAD], in.lead, STORE_MAX_LEAD_BYTES, "lead");
    if (e != ERR_OK)
        return e;
    struct str *names;
    e = check_items(j, fm.departments, fm.n_departments, KEY_DEPARTMENTS, &names);
    if (e != ERR_OK)
        return e;
    in.departments = names;
    in.n_departments = fm.n_departments;
    e = check_items(j, fm.tags, fm.n_tags, KEY_TAGS, &names);
    if (e != ERR_OK)
        return e;
    in.tags = names;
    in.n_tags = fm.n_tags;
    if (fm.n_related > STORE_MAX_RELATED)
        return fail(j, fm.related[STORE_MAX_RELATED].line, ERR_TOO_LARGE,
                    "more than %d related articles; keep fewer", STORE_MAX_RELATED);
    struct str *related = arena_alloc_array(j->arena, fm.n_related + 1, sizeof *related);
    for (size_t i = 0; i < fm.n_related; i++) {
        if (!store_slug_valid(fm.related[i].value))
            return fail(j, fm.related[i].line, ERR_INVALID,
                        "related articles are named by slug (a-z, 0-9 and -), like "
                        "na-poltavshchyni-proiekty");
        related[i] = fm.related[i].value;
    }
    in.related = related;
    in.n_related = fm.n_related;
    if (fm.n_photos > STORE_MAX_PHOTOS)
        return fail(j, fm.photos[STORE_MAX_PHOTOS].line, ERR_TOO_LARGE,
                    "more than %d photos; keep fewer", STORE_MAX_PHOTOS);
    struct store_photo_input *photos =
        arena_alloc_array(j->arena, fm.n_photos > 0 ? fm.n_photos : 1, sizeof *photos);
    for (size_t i = 0; i < fm.n_photos; i++) {
        const struct photo *ph = &fm.photos[i];
        e = check_size(j, ph->caption_line, ph->caption, STORE_MAX_CAPTION_BYTES, "caption");
        if (e == ERR_OK)
            e = check_size(j, ph->alt_line, ph->alt, STORE_MAX_CAPTION_BYTES, "alt");
        if (e != ERR_OK)
            return e;
    }
    /* import_check_text stops here: photos are files next to the .md file. */
    if (s == NULL)
        return ERR_OK;
    /* Photos last: every other mistake is reported before any image work is done. */
    for (size_t i = 0; i < fm.n_photos; i++) {
        e = store_photo(j, opts, &fm.photos[i], &photos[i]);
        if (e != ERR_OK)
            return e;
    }
    in.photos = photos;
    in.n_photos = fm.n_photos;
    return save(j, s, &in, false, res);
}

enum err import_file(struct store *s, const char *path, const struct import_options *opts,
                     struct import_result *res, char *err, size_t err_size)
{
    static const struct import_options no_options = {NULL, NULL};
    if (opts == NULL)
        opts = &no_options;
    struct job j = {.path = path, .err = err, .err_size = err_size};
    if (err != NULL && err_size > 0)
        err[0] = '\0';
    res->files++;
    char *data = NULL;
    size_t len = 0;
    enum err e = read_whole(&j, &data, &len);
    if (e != ERR_OK)
        goto out;
    e = check_text(&j, data, len);
    if (e != ERR_OK)
        goto out;
    j.arena = arena_new(16 * 1024);
    e = import_text(&j, s, opts, str_make(data, len), res);
out:
    if (e != ERR_OK)
        res->failed++;
    if (j.arena != NULL)
        arena_free(j.arena);
    free(data);
    return e;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_md collects dir's *.md files (full paths, sorted) into a heap array. */
static enum err list_md(const char *dir, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return ERR_IO;
    size_t cap = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (ent->d_name[0] == '.' || len < 4 || strcmp(ent->d_name + len - 3, ".md") != 0)
            continue;
        char *full = malloc(strlen(dir) + len + 2);
        if (full == NULL)
            abort();
        memcpy(full, dir, strlen(dir));
        full[strlen(dir)] = '/';
        memcpy(full + strlen(dir) + 1, ent->d_name, len + 1);
        struct stat st;
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(full);
            continue;
        }
        if (*n == cap) {
            cap = cap == 0 ? 64 : cap * 2;
            *out = realloc(*out, cap * sizeof **out);
            if (*out == NULL)
                abort();
        }
        (*out)[(*n)++] = full;
    }
    closedir(d);
    if (*n > 0)
        qsort(*out, *n, sizeof **out, cmp_cstr);
    return ERR_OK;
}

static void report_one(import_report_fn report, void *ctx, const char *path, enum err e,
                       const char *msg)
{
    if (report != NULL)
        report(ctx, path, e, e == ERR_OK ? NULL : msg);
    else if (e != ERR_OK)
        log_error("import failed: %s", msg);
}

enum err import_paths(struct store *s, const char *const *paths, size_t n_paths,
                      const struct import_options *opts, struct import_result *res,
                      import_report_fn report, void *ctx)
{
    enum err first = ERR_OK;
    char msg[1024];
    for (size_t i = 0; i < n_paths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            snprintf(msg, sizeof msg, "%s: cannot open (%s)", paths[i], strerror(errno));
            res->files++;
            res->failed++;
            report_one(report, ctx, paths[i], ERR_IO, msg);
            if (first == ERR_OK)
                first = ERR_IO;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            enum err e = import_file(s, paths[i], opts, res, msg, sizeof msg);
            report_one(report, ctx, paths[i], e, msg);
            if (first == ERR_OK)
                first = e;
            continue;
        }
        char **files;
        size_t n;
        if (list_md(paths[i], &files, &n) != ERR_OK) {
            snprintf(msg, sizeof msg, "%s: cannot read the folder (%s)", paths[i], strerror(errno));
            res->failed++;
            report_one(report, ctx, paths[i], ERR_IO, msg);
            if (first == ERR_OK)
                first = ERR_IO;
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            enum err e = import_file(s, files[k], opts, res, msg, sizeof msg);
            report_one(report, ctx, files[k], e, msg);
            if (first == ERR_OK)
                first = e;
            free(files[k]);
        }
        free(files);
    }
    return first;
}

/* ---- checking without a store (fuzzing, a future `import --check`) ---- */

enum err import_check_text(const char *name, struct str text, char *err, size_t err_size)
{
    struct job j = {.path = name, .err = err, .err_size = err_size};
    struct import_result res = {0};
    if (err != NULL && err_size > 0)
        err[0] = '\0';
    if (text.len > IMPORT_MAX_FILE_BYTES)
        return fail(&j, 0, ERR_TOO_LARGE, "file is larger than %d MiB; split it or shorten it",
                    IMPORT_MAX_FILE_BYTES / (1024 * 1024));
    enum err e = check_text(&j, text.ptr, text.len);
    if (e != ERR_OK)
        return e;
    j.arena = arena_new(16 * 1024);
    e = import_text(&j, NULL, NULL, text, &res);
    arena_free(j.arena);
    return e;
}
