/* template.c: the logic-less template language of template.h.
 *
 * A template is compiled once into a flat op list. A section op records the index
 * just past its body, so rendering is a loop over ops with recursion only for
 * section bodies and partials: no allocation at render time, output appended straight
 * into the caller's buffer. Partials are linked to template indexes whenever the set
 * changes, so a render never looks a partial up by name.
 *
 * The set is immutable once shared between threads (template_set_ref); only
 * template_set_load and template_set_compile_string, before sharing, mutate it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/str.h"
#include "core/utf8.h"
#include "render/escape.h"
#include "render/template.h"
#include "render/value_impl.h"

#define TEMPLATE_MAX_FILES 1024
#define NO_TARGET UINT32_MAX

enum op_kind { OP_TEXT, OP_VAR, OP_SECTION, OP_INVERTED, OP_PARTIAL, OP_I18N };

/* Names the engine answers itself instead of looking them up in the data. */
enum special { SPECIAL_NONE, SPECIAL_DOT, SPECIAL_INDEX, SPECIAL_FIRST, SPECIAL_LAST };

struct op {
    unsigned char kind;    /* enum op_kind */
    unsigned char special; /* enum special, for OP_VAR and sections */
    uint32_t line;
    uint32_t end;    /* sections: index of the first op after the body */
    uint32_t target; /* partials: index of the template in the set, or NO_TARGET */
    struct str text; /* literal text, dotted name, partial name or i18n key */
};

struct tmpl {
    char *name;  /* file name without ".html" */
    char *label; /* what errors call it: the file name, or the name given */
    char *src;   /* owned copy of the source; op texts point into it */
    struct op *ops;
    size_t nops;
};

struct template_set {
    atomic_int refs;
    struct tmpl *t;
    size_t n, cap;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL && n > 0)
        abort(); /* house rule: allocation failure aborts */
    return q;
}

static void tmpl_free(struct tmpl *t)
{
    free(t->name);
    free(t->label);
    free(t->src);
    free(t->ops);
    memset(t, 0, sizeof *t);
}

/* ---- compiling ---- */

struct compiler {
    const char *label;
    const char *src;
    size_t len;
    struct op *ops;
    size_t nops, cap;
    char *err;
    size_t err_size;
};

static enum err fail(struct compiler *c, uint32_t line, const char *fmt, const char *a, size_t alen,
                     const char *b, size_t blen)
{
    if (c->err != NULL && c->err_size > 0) {
        /* fmt comes from this file only and takes at most two %.*s arguments */
        char what[200];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(what, sizeof what, fmt, (int)(alen > 64 ? 64 : alen), a ? a : "",
                 (int)(blen > 64 ? 64 : blen), b ? b : "");
#pragma GCC diagnostic pop
        snprintf(c->err, c->err_size, "%s:%u: %s", c->label, (unsigned)line, what);
    }
    return ERR_PARSE;
}

static struct op *emit(struct compiler *c, enum op_kind kind, uint32_t line, struct str text)
{
    if (c->nops == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->ops = xrealloc(c->ops, c->cap * sizeof *c->ops);
    }
    struct op *op = &c->ops[c->nops++];
    memset(op, 0, sizeof *op);
    op->kind = (unsigned char)kind;
    op->line = line;
    op->text = text;
    op->target = NO_TARGET;
    return op;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static struct str trim(struct str s)
{
    while (s.len > 0 && is_space(s.ptr[0]))
        s.ptr++, s.len--;
    while (s.len > 0 && is_space(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

static bool is_name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
}

/* valid_name: ".", "@index", "@first", "@last", or segments of [A-Za-z0-9_-]
 * joined by single dots. */
static bool valid_name(struct str s, enum special *special)
{
    *special = SPECIAL_NONE;
    if (str_eq(s, STR_LIT("."))) {
        *special = SPECIAL_DOT;
        return true;
    }
    if (str_eq(s, STR_LIT("@index"))) {
        *special = SPECIAL_INDEX;
        return true;
    }
    if (str_eq(s, STR_LIT("@first"))) {
        *special = SPECIAL_FIRST;
        return true;
    }
    if (str_eq(s, STR_LIT("@last"))) {
        *special = SPECIAL_LAST;
        return true;
    }
    if (s.len == 0 || s.ptr[0] == '.' || s.ptr[s.len - 1] == '.')
        return false;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '.') {
            if (s.ptr[i - 1] == '.')
                return false;
        } else if (!is_name_char(s.ptr[i])) {
            return false;
        }
    }
    return true;
}

static bool valid_partial_name(struct str s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        if (!is_name_char(s.ptr[i]) && s.ptr[i] != '.')
            return false;
    }
    return true;
}

static bool valid_i18n_key(struct str s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
              ch == '-'))
            return false;
    }
    return true;
}

static uint32_t count_lines(const char *p, size_t n)
{
    uint32_t lines = 0;
    const char *end = p + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            break;
        lines++;
        p = nl + 1;
    }
    return lines;
}

static enum err compile(struct compiler *c)
{
    uint32_t open[TEMPLATE_MAX_DEPTH];
    size_t nopen = 0;
    size_t pos = 0; /* where scanning resumes; text not yet emitted starts here */
    uint32_t line = 1;
    const char *src = c->src;

    for (;;) {
        const char *hit = pos < c->len ? memmem(src + pos, c->len - pos, "{{", 2) : NULL;
        if (hit == NULL) {
            if (c->len > pos)
                emit(c, OP_TEXT, line, str_make(src + pos, c->len - pos));
            break;
        }
        size_t tag = (size_t)(hit - src);
        uint32_t tag_line = line + count_lines(src + pos, tag - pos);
        const char *close = memmem(src + tag + 2, c->len - tag - 2, "}}", 2);
        if (close == NULL)
            return fail(c, tag_line, "unterminated '{{'", NULL, 0, NULL, 0);
        if (src[tag + 2] == '{')
            return fail(c, tag_line,
                        "'{{{' is not supported: raw HTML comes only from render_raw values", NULL,
                        0, NULL, 0);
        size_t close_at = (size_t)(close - src);
        struct str inner = trim(str_make(src + tag + 2, close_at - tag - 2));
        size_t next = close_at + 2;
        char sigil = inner.len > 0 ? inner.ptr[0] : '\0';

        /* A section, close, comment or partial alone on its line takes the line with it,
         * so control tags do not leave blank lines in the output. */
        size_t text_end = tag;
        if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!' || sigil == '>') {
            size_t b = tag;
            while (b > pos && (src[b - 1] == ' ' || src[b - 1] == '\t'))
                b--;
            size_t f = next;
            while (f < c->len && (src[f] == ' ' || src[f] == '\t'))
                f++;
            bool at_eol = f == c->len || src[f] == '\n' ||
                          (src[f] == '\r' && f + 1 < c->len && src[f + 1] == '\n');
            if ((b == 0 || src[b - 1] == '\n') && at_eol) {
                text_end = b;
                next = f == c->len ? f : (src[f] == '\n' ? f + 1 : f + 2);
            }
        }
        if (text_end > pos)
            emit(c, OP_TEXT, line, str_make(src + pos, text_end - pos));

        enum special special = SPECIAL_NONE;
        struct str name =
            trim(str_make(inner.ptr + (inner.len > 0), inner.len ? inner.len - 1 : 0));
        switch (sigil) {
        case '!':
            break;
        case '#':
        case '^': {
            if (!valid_name(name, &special))
                return fail(c, tag_line, "invalid section name '%.*s'", name.ptr, name.len, NULL,
                            0);
            if (nopen == TEMPLATE_MAX_DEPTH)
                return fail(c, tag_line, "sections nested deeper than the limit", NULL, 0, NULL, 0);
            struct op *op = emit(c, sigil == '#' ? OP_SECTION : OP_INVERTED, tag_line, name);
            op->special = (unsigned char)special;
            open[nopen++] = (uint32_t)(c->nops - 1);
            break;
        }
        case '/': {
            if (nopen == 0)
                return fail(c, tag_line, "'{{/%.*s}}' without an open section", name.ptr, name.len,
                            NULL, 0);
            struct op *op = &c->ops[open[nopen - 1]];
            if (!str_eq(op->text, name))
                return fail(c, tag_line, "'{{/%.*s}}' closes '%.*s'", name.ptr, name.len,
                            op->text.ptr, op->text.len);
            op->end = (uint32_t)c->nops;
            nopen--;
            break;
        }
        case '>':
            if (!valid_partial_name(name))
                return fail(c, tag_line, "invalid partial name '%.*s'", name.ptr, name.len, NULL,
                            0);
            emit(c, OP_PARTIAL, tag_line, name);
            break;
        case '\0':
            return fail(c, tag_line, "empty tag '{{}}'", NULL, 0, NULL, 0);
        default:
            if (inner.len >= 2 && inner.ptr[0] == 't' && inner.ptr[1] == ':') {
                struct str key = trim(str_sub(inner, 2, inner.len));
                if (!valid_i18n_key(key))
                    return fail(c, tag_line, "invalid i18n key '%.*s'", key.ptr, key.len, NULL, 0);
                emit(c, OP_I18N, tag_line, key);
            } else if (is_name_char(sigil) || sigil == '.' || sigil == '@') {
                if (!valid_name(inner, &special))
                    return fail(c, tag_line, "invalid name '%.*s'", inner.ptr, inner.len, NULL, 0);
                struct op *op = emit(c, OP_VAR, tag_line, inner);
                op->special = (unsigned char)special;
            } else {
                return fail(c, tag_line, "unknown tag type '{{%.*s'", inner.ptr,
                            (unsigned char)sigil < 0x80 ? 1 : 0, NULL, 0);
            }
            break;
        }
        line = tag_line + count_lines(src + tag, next - tag);
        pos = next;
    }
    if (nopen > 0) {
        const struct op *op = &c->ops[open[nopen - 1]];
        return fail(c, op->line, "unclosed section '%.*s'", op->text.ptr, op->text.len, NULL, 0);
    }
    return ERR_OK;
}

/* compile_one compiles text into *t (on success t owns a copy of the source). */
static enum err compile_one(const char *name, const char *label, struct str text, struct tmpl *t,
                            char *err, size_t err_size)
{
    if (text.len > TEMPLATE_MAX_FILE_BYTES) {
        if (err != NULL && err_size > 0)
            snprintf(err, err_size, "%s: larger than %d bytes", label, TEMPLATE_MAX_FILE_BYTES);
        return ERR_TOO_LARGE;
    }
    if (!utf8_valid(text.ptr, text.len)) {
        size_t i = 0;
        while (i < text.len) {
            size_t at = i;
            if (utf8_decode(text.ptr, text.len, &i) < 0) {
                i = at;
                break;
            }
        }
        if (err != NULL && err_size > 0)
            snprintf(err, err_size, "%s:%u: not valid utf-8", label,
                     (unsigned)(1 + count_lines(text.ptr, i)));
        return ERR_PARSE;
    }
    struct compiler c = {.label = label, .len = text.len, .err = err, .err_size = err_size};
    char *src = xrealloc(NULL, text.len + 1);
    if (text.len > 0)
        memcpy(src, text.ptr, text.len);
    src[text.len] = '\0';
    c.src = src;
    enum err e = compile(&c);
    if (e != ERR_OK) {
        free(src);
        free(c.ops);
        return e;
    }
    t->name = str_cstr_dup(name);
    t->label = str_cstr_dup(label);
    t->src = src;
    t->ops = c.ops;
    t->nops = c.nops;
    return ERR_OK;
}

static size_t set_find(const struct template_set *ts, struct str name)
{
    for (size_t i = 0; i < ts->n; i++) {
        if (str_eq_cstr(name, ts->t[i].name))
            return i;
    }
    return SIZE_MAX;
}

/* link points every partial op at its template; the first unresolved one is reported
 * through bad_t and bad_op (and left as NO_TARGET). */
static bool link_partials(struct template_set *ts, size_t *bad_t, size_t *bad_op)
{
    bool ok = true;
    for (size_t i = 0; i < ts->n; i++) {
        for (size_t j = 0; j < ts->t[i].nops; j++) {
            struct op *op = &ts->t[i].ops[j];
            if (op->kind != OP_PARTIAL)
                continue;
            size_t k = set_find(ts, op->text);
            op->target = k == SIZE_MAX ? NO_TARGET : (uint32_t)k;
            if (k == SIZE_MAX && ok) {
                ok = false;
                *bad_t = i;
                *bad_op = j;
            }
        }
    }
    return ok;
}

static void set_put(struct template_set *ts, struct tmpl *t)
{
    size_t i = set_find(ts, str_from_cstr(t->name));
    if (i != SIZE_MAX) {
        tmpl_free(&ts->t[i]);
        ts->t[i] = *t;
        return;
    }
    if (ts->n == ts->cap) {
        ts->cap = ts->cap ? ts->cap * 2 : 32;
        ts->t = xrealloc(ts->t, ts->cap * sizeof *ts->t);
    }
    ts->t[ts->n++] = *t;
}

struct template_set *template_set_new(void)
{
    struct template_set *ts = xrealloc(NULL, sizeof *ts);
    memset(ts, 0, sizeof *ts);
    atomic_init(&ts->refs, 1);
    return ts;
}

void template_set_ref(struct template_set *ts)
{
    atomic_fetch_add_explicit(&ts->refs, 1, memory_order_relaxed);
}

void template_set_unref(struct template_set *ts)
{
    if (ts == NULL)
        return;
    if (atomic_fetch_sub_explicit(&ts->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < ts->n; i++)
        tmpl_free(&ts->t[i]);
    free(ts->t);
    free(ts);
}

enum err template_set_compile_string(struct template_set *ts, const char *name, struct str text,
                                     char *err, size_t err_size)
{
    struct tmpl t = {0};
    enum err e = compile_one(name, name, text, &t, err, err_size);
    if (e != ERR_OK)
        return e;
    set_put(ts, &t);
    /* Partials may name templates added later: unresolved ones fail at render time. */
    size_t bad_t, bad_op;
    link_partials(ts, &bad_t, &bad_op);
    return ERR_OK;
}

bool template_set_has(const struct template_set *ts, const char *name)
{
    return set_find(ts, str_from_cstr(name)) != SIZE_MAX;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* read_file reads at most max bytes of dirfd/name into a malloc'd buffer. */
static enum err read_file(int dirfd, const char *name, size_t max, char **out, size_t *out_len,
                          char *err, size_t err_size)
{
    char *data = NULL;
    size_t len = 0;
    enum err e = ERR_OK;
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, err_size, "%s: cannot open: %s", name, strerror(errno));
        return ERR_IO;
    }
    /* Read up to max + 1 so a file that grows while we read is still caught. */
    data = xrealloc(NULL, max + 2);
    while (len <= max) {
        ssize_t n = read(fd, data + len, max + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, err_size, "%s: cannot read: %s", name, strerror(errno));
            e = ERR_IO;
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > max) {
        snprintf(err, err_size, "%s: larger than %zu bytes", name, max);
        e = ERR_TOO_LARGE;
        goto out;
    }
    data[len] = '\0';
    *out = data;
    *out_len = len;
    data = NULL;
out:
    free(data);
    close(fd);
    return e;
}

enum err template_set_load(const char *dir, struct template_set **out, char *err, size_t err_size)
{
    char dummy[1];
    if (err == NULL || err_size == 0) {
        err = dummy;
        err_size = sizeof dummy;
    }
    err[0] = '\0';
    enum err e = ERR_OK;
    struct template_set *ts = template_set_new();
    char **names = NULL;
    size_t nnames = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, err_size, "%s: cannot open: %s", dir, strerror(errno));
        e = ERR_IO;
        goto out;
    }
    struct dirent *ent;
    for (;;) {
        errno = 0;
        ent = readdir(d);
        if (ent == NULL)
            break;
        size_t n = strlen(ent->d_name);
        if (ent->d_name[0] == '.' || n <= 5 || strcmp(ent->d_name + n - 5, ".html") != 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), ent->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (nnames == TEMPLATE_MAX_FILES) {
            snprintf(err, err_size, "%s: more than %d templates", dir, TEMPLATE_MAX_FILES);
            e = ERR_TOO_LARGE;
            goto out;
        }
        names = xrealloc(names, (nnames + 1) * sizeof *names);
        names[nnames++] = str_cstr_dup(ent->d_name);
    }
    /* Sorted so errors and template order do not depend on the file system. */
    if (nnames > 1)
        qsort(names, nnames, sizeof *names, cmp_names);
    for (size_t i = 0; i < nnames; i++) {
        char *text = NULL;
        size_t len = 0;
        e = read_file(dirfd(d), names[i], TEMPLATE_MAX_FILE_BYTES, &text, &len, err, err_size);
        if (e != ERR_OK)
            goto out;
        size_t n = strlen(names[i]);
        char stem[256];
        if (n - 5 >= sizeof stem) {
            free(text);
            snprintf(err, err_size, "%.64s…: file name too long", names[i]);
            e = ERR_INVALID;
            goto out;
        }
        memcpy(stem, names[i], n - 5);
        stem[n - 5] = '\0';
        struct tmpl t = {0};
        e = compile_one(stem, names[i], str_make(text, len), &t, err, err_size);
        free(text);
        if (e != ERR_OK)
            goto out;
        set_put(ts, &t);
    }
    size_t bad_t = 0, bad_op = 0;
    if (!link_partials(ts, &bad_t, &bad_op)) {
        const struct op *op = &ts->t[bad_t].ops[bad_op];
        snprintf(err, err_size, "%s:%u: unknown partial '%.*s'", ts->t[bad_t].label,
                 (unsigned)op->line, (int)(op->text.len > 64 ? 64 : op->text.len), op->text.ptr);
        e = ERR_PARSE;
        goto out;
    }
    *out = ts;
    ts = NULL;
out:
    if (d != NULL)
        closedir(d);
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    template_set_unref(ts);
    return e;
}

/* ---- rendering ---- */

struct render {
    const struct template_set *ts;
    const struct i18n *lang;
    struct buf *out;
    unsigned depth;
    size_t nscope, nlist;
    const struct value *scope[TEMPLATE_MAX_DEPTH + 2];
    struct {
        size_t index, len;
    } list[TEMPLATE_MAX_DEPTH + 2];
};

/* lookup resolves op's name. Specials are built in *tmp, which must outlive the use. */
static const struct value *lookup(const struct render *r, const struct op *op, struct value *tmp)
{
    switch ((enum special)op->special) {
    case SPECIAL_DOT:
        return r->scope[r->nscope - 1];
    case SPECIAL_INDEX:
        if (r->nlist == 0)
            return NULL;
        tmp->kind = VALUE_INT;
        tmp->u.i = (int64_t)r->list[r->nlist - 1].index + 1;
        return tmp;
    case SPECIAL_FIRST:
    case SPECIAL_LAST:
        if (r->nlist == 0)
            return NULL;
        tmp->kind = VALUE_BOOL;
        tmp->u.b = op->special == SPECIAL_FIRST
                       ? r->list[r->nlist - 1].index == 0
                       : r->list[r->nlist - 1].index + 1 == r->list[r->nlist - 1].len;
        return tmp;
    case SPECIAL_NONE:
        break;
    }
    struct str rest = op->text, seg;
    size_t dot = str_find_char(rest, '.');
    seg = dot == SIZE_MAX ? rest : str_sub(rest, 0, dot);
    const struct value *cur = NULL;
    size_t i = r->nscope;
    for (;;) {
        if (i == 0)
            return NULL;
        const struct value_member *m = value__find(r->scope[--i], seg);
        if (m != NULL) {
            cur = m->v;
            break;
        }
    }
    while (dot != SIZE_MAX && cur != NULL) {
        rest = str_sub(rest, dot + 1, rest.len);
        dot = str_find_char(rest, '.');
        seg = dot == SIZE_MAX ? rest : str_sub(rest, 0, dot);
        cur = value_get(cur, seg);
    }
    return cur;
}

static enum err append_int(struct buf *out, int64_t i)
{
    char tmp[24];
    size_t n = sizeof tmp;
    uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
    do {
        tmp[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (i < 0)
        tmp[--n] = '-';
    return buf_append(out, tmp + n, sizeof tmp - n);
}

static enum err write_value(struct buf *out, const struct value *v)
{
    if (v == NULL)
        return ERR_OK;
    switch (v->kind) {
    case VALUE_STR:
        return escape_html(out, v->u.s);
    case VALUE_RAW:
        return buf_append(out, v->u.s.ptr, v->u.s.len);
    case VALUE_INT:
        return append_int(out, v->u.i);
    case VALUE_BOOL:
        return v->u.b ? buf_append(out, "true", 4) : buf_append(out, "false", 5);
    case VALUE_NULL:
    case VALUE_LIST:
    case VALUE_OBJ:
        break;
    }
    return ERR_OK;
}

static enum err render_ops(struct render *r, const struct tmpl *t, size_t from, size_t to);

static enum err render_section(struct render *r, const struct tmpl *t, size_t at)
{
    const struct op *op = &t->ops[at];
    struct value tmp;
    const struct value *v = lookup(r, op, &tmp);
    enum err e = ERR_OK;
    if (op->kind == OP_INVERTED) {
        if (value_truthy(v))
            return ERR_OK;
        return render_ops(r, t, at + 1, op->end);
    }
    if (!value_truthy(v))
        return ERR_OK;
    if (r->depth >= TEMPLATE_MAX_DEPTH)
        return ERR_TOO_LARGE;
    r->depth++;
    if (v->kind == VALUE_LIST) {
        size_t n = v->u.list.len;
        r->list[r->nlist].len = n;
        r->nlist++;
        r->nscope++;
        for (size_t i = 0; i < n && e == ERR_OK; i++) {
            r->list[r->nlist - 1].index = i;
            r->scope[r->nscope - 1] = v->u.list.items[i];
            e = render_ops(r, t, at + 1, op->end);
        }
        r->nscope--;
        r->nlist--;
    } else {
        r->scope[r->nscope++] = v;
        e = render_ops(r, t, at + 1, op->end);
        r->nscope--;
    }
    r->depth--;
    return e;
}

static enum err render_ops(struct render *r, const struct tmpl *t, size_t from, size_t to)
{
    enum err e = ERR_OK;
    for (size_t i = from; i < to && e == ERR_OK; i++) {
        const struct op *op = &t->ops[i];
        switch ((enum op_kind)op->kind) {
        case OP_TEXT:
            e = buf_append(r->out, op->text.ptr, op->text.len);
            break;
        case OP_VAR: {
            struct value tmp;
            e = write_value(r->out, lookup(r, op, &tmp));
            break;
        }
        case OP_SECTION:
        case OP_INVERTED:
            e = render_section(r, t, i);
            i = op->end - 1; /* the loop's i++ lands just past the body */
            break;
        case OP_PARTIAL:
            if (op->target == NO_TARGET)
                return ERR_NOTFOUND;
            if (r->depth >= TEMPLATE_MAX_DEPTH)
                return ERR_TOO_LARGE;
            r->depth++;
            e = render_ops(r, &r->ts->t[op->target], 0, r->ts->t[op->target].nops);
            r->depth--;
            break;
        case OP_I18N:
            e = escape_html(r->out, r->lang != NULL ? i18n_get(r->lang, op->text) : op->text);
            break;
        }
    }
    return e;
}

enum err template_render(const struct template_set *ts, const char *name, const struct value *root,
                         const struct i18n *lang, struct buf *out)
{
    size_t k = set_find(ts, str_from_cstr(name));
    if (k == SIZE_MAX)
        return ERR_NOTFOUND;
    struct render r;
    r.ts = ts;
    r.lang = lang;
    r.out = out;
    r.depth = 0;
    r.nscope = 1;
    r.nlist = 0;
    r.scope[0] = root;
    size_t start = out->len;
    enum err e = render_ops(&r, &ts->t[k], 0, ts->t[k].nops);
    if (e != ERR_OK && out->data != NULL) {
        /* leave out as it was: a half page must never reach a cache */
        out->len = start;
        out->data[start] = '\0';
    }
    return e;
}
