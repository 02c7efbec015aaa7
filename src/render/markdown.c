/* markdown.c: article bodies through cmark-gfm.
 *
 * Safety comes in three layers: cmark's safe mode drops raw HTML and blanks the
 * scripting URL schemes it knows; before rendering we walk the tree and keep only
 * links and images whose URL is http, https, mailto or has no scheme at all (an
 * allow-list, so a scheme cmark has never heard of cannot slip through); and cmark
 * escapes every attribute it writes. Typography is left as typed (no CMARK_OPT_SMART):
 * Ukrainian editors already type « » and ’. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include "core/utf8.h"
#include "render/markdown.h"

#define MD_OPTIONS (CMARK_OPT_DEFAULT | CMARK_OPT_SAFE)

static const char *const md_extensions[] = {"table", "autolink", "strikethrough", "tagfilter"};

static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_register(void)
{
    cmark_gfm_core_extensions_ensure_registered();
}

static bool scheme_char(char ch, bool first)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
        return true;
    return !first && ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.');
}

/* markdown_url_allowed: http:, https:, mailto: (any case), or no scheme at all ("/x",
 * "#x", "x/y", "?q"). Any ':' before the first '/', '?' or '#' must end one of those
 * three schemes, so "foo:bar" is refused rather than guessed about. Control characters
 * and spaces are refused everywhere: browsers strip tabs and newlines from URLs, which
 * would turn "java\tscript:" into a scheme. */
bool markdown_url_allowed(struct str url)
{
    for (size_t i = 0; i < url.len; i++) {
        unsigned char ch = (unsigned char)url.ptr[i];
        if (ch <= 0x20 || ch == 0x7F)
            return false;
    }
    size_t i = 0;
    while (i < url.len && url.ptr[i] != ':' && url.ptr[i] != '/' && url.ptr[i] != '?' &&
           url.ptr[i] != '#')
        i++;
    if (i == url.len || url.ptr[i] != ':')
        return true; /* relative */
    struct str scheme = str_sub(url, 0, i);
    for (size_t k = 0; k < scheme.len; k++) {
        if (!scheme_char(scheme.ptr[k], k == 0))
            return false;
    }
    return str_eq_nocase(scheme, STR_LIT("http")) || str_eq_nocase(scheme, STR_LIT("https")) ||
           str_eq_nocase(scheme, STR_LIT("mailto"));
}

/* unwrap replaces node by its children (a link becomes its text). */
static void unwrap(cmark_node *node)
{
    cmark_node *child = cmark_node_first_child(node);
    while (child != NULL) {
        cmark_node *next = cmark_node_next(child);
        cmark_node_insert_before(node, child);
        child = next;
    }
    cmark_node_unlink(node);
    cmark_node_free(node);
}

/* neutralise drops images and unwraps links with refused URLs. Nodes are collected
 * first and handled in reverse document order, so an inner node is dealt with before
 * an outer one that might free it (a link inside an image's description). */
static void neutralise(cmark_node *doc)
{
    cmark_node **bad = NULL;
    size_t n = 0, cap = 0;
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        if (ev != CMARK_EVENT_ENTER)
            continue;
        cmark_node *node = cmark_iter_get_node(it);
        cmark_node_type type = cmark_node_get_type(node);
        if (type != CMARK_NODE_LINK && type != CMARK_NODE_IMAGE)
            continue;
        if (markdown_url_allowed(str_from_cstr(cmark_node_get_url(node))))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            bad = realloc(bad, cap * sizeof *bad);
            if (bad == NULL)
                abort();
        }
        bad[n++] = node;
    }
    cmark_iter_free(it);
    while (n > 0) {
        cmark_node *node = bad[--n];
        cmark_node *parent = cmark_node_parent(node);
        if (cmark_node_get_type(node) == CMARK_NODE_IMAGE) {
            cmark_node_unlink(node);
            cmark_node_free(node);
        } else {
            unwrap(node);
        }
        /* a paragraph that held only a dropped image would render as "<p></p>"; nothing
         * still to handle can be inside it, as it has no children left */
        if (parent != NULL && cmark_node_get_type(parent) == CMARK_NODE_PARAGRAPH &&
            cmark_node_first_child(parent) == NULL) {
            cmark_node_unlink(parent);
            cmark_node_free(parent);
        }
    }
    free(bad);
}

/* parse validates md and returns the neutralised tree; *parser_out stays alive for the
 * extension list rendering needs. */
static enum err parse(struct str md, cmark_parser **parser_out, cmark_node **doc_out)
{
    if (md.len > MARKDOWN_MAX_INPUT_BYTES)
        return ERR_TOO_LARGE;
    if (!utf8_valid(md.ptr, md.len))
        return ERR_INVALID;
    pthread_once(&md_once, md_register);
    cmark_parser *p = cmark_parser_new(MD_OPTIONS);
    for (size_t i = 0; i < sizeof md_extensions / sizeof md_extensions[0]; i++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(md_extensions[i]);
        if (ext != NULL)
            cmark_parser_attach_syntax_extension(p, ext);
    }
    cmark_parser_feed(p, md.len > 0 ? md.ptr : "", md.len);
    cmark_node *doc = cmark_parser_finish(p);
    if (doc == NULL)
        abort(); /* cmark returns NULL only when out of memory */
    neutralise(doc);
    *parser_out = p;
    *doc_out = doc;
    return ERR_OK;
}

/* apply_variant rewrites the neutralised tree for a variant of the site: images become
 * their alt text, site-relative links get the variant's prefix. Images are collected
 * first and unwrapped in reverse document order, as neutralise does. */
static void apply_variant(cmark_node *doc, const struct markdown_variant *v)
{
    cmark_node **img = NULL;
    size_t n = 0, cap = 0;
    size_t plen = v->link_prefix != NULL ? strlen(v->link_prefix) : 0;
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;

    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        if (ev != CMARK_EVENT_ENTER)
            continue;
        cmark_node *node = cmark_iter_get_node(it);
        cmark_node_type type = cmark_node_get_type(node);
        if (type == CMARK_NODE_LINK && plen > 0) {
            const char *url = cmark_node_get_url(node);
            size_t ulen = url != NULL ? strlen(url) : 0;
            if (ulen == 0 || url[0] != '/' || (ulen > 1 && url[1] == '/'))
                continue; /* another site, a mailto: or an anchor */
            if (v->keep_link != NULL && !v->keep_link(str_make(url, ulen)))
                continue;
            char *to = malloc(plen + ulen + 1);
            if (to == NULL)
                abort();
            memcpy(to, v->link_prefix, plen);
            memcpy(to + plen, url, ulen + 1);
            cmark_node_set_url(node, to); /* copies */
            free(to);
        } else if (type == CMARK_NODE_IMAGE && v->images_as_text) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                img = realloc(img, cap * sizeof *img);
                if (img == NULL)
                    abort();
            }
            img[n++] = node;
        }
    }
    cmark_iter_free(it);
    while (n > 0)
        unwrap(img[--n]);
    free(img);
}

enum err markdown_to_html(struct str md, struct buf *out)
{
    return markdown_to_html_variant(md, NULL, out);
}

enum err markdown_to_html_variant(struct str md, const struct markdown_variant *v, struct buf *out)
{
    cmark_parser *p;
    cmark_node *doc;
    enum err e = parse(md, &p, &doc);
    if (e != ERR_OK)
        return e;
    if (v != NULL)
        apply_variant(doc, v);
    char *html = cmark_render_html(doc, MD_OPTIONS, cmark_parser_get_syntax_extensions(p));
    if (html == NULL)
        abort();
    e = buf_append(out, html, strlen(html));
    free(html);
    cmark_node_free(doc);
    cmark_parser_free(p);
    return e;
}

/* ---- plain text ---- */

static bool is_block(cmark_node *node)
{
    switch (cmark_node_get_type(node)) {
    case CMARK_NODE_PARAGRAPH:
    case CMARK_NODE_HEADING:
    case CMARK_NODE_CODE_BLOCK:
    case CMARK_NODE_THEMATIC_BREAK:
        return true;
    default:
        break;
    }
    /* extension nodes have no public enum value: ask by name */
    const char *name = cmark_node_get_type_string(node);
    return name != NULL && (strcmp(name, "table_row") == 0 || strcmp(name, "table_header") == 0);
}

struct text_out {
    struct buf *out;
    size_t start;
    bool pending_break; /* a block ended; separate the next text with "\n\n" */
    bool pending_space; /* a cell ended or a soft break */
};

static enum err text_put(struct text_out *t, const char *s, size_t n)
{
    if (n == 0)
        return ERR_OK;
    enum err e = ERR_OK;
    if (t->out->len > t->start) {
        if (t->pending_break)
            e = buf_append(t->out, "\n\n", 2);
        else if (t->pending_space)
            e = buf_append(t->out, " ", 1);
    }
    t->pending_break = t->pending_space = false;
    if (e != ERR_OK)
        return e;
    return buf_append(t->out, s, n);
}

enum err markdown_to_text(struct str md, struct buf *out)
{
    cmark_parser *p;
    cmark_node *doc;
    enum err e = parse(md, &p, &doc);
    if (e != ERR_OK)
        return e;
    struct text_out t = {.out = out, .start = out->len};
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while (e == ERR_OK && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(it);
        if (ev == CMARK_EVENT_EXIT) {
            const char *name = cmark_node_get_type_string(node);
            if (is_block(node))
                t.pending_break = true;
            else if (name != NULL && strcmp(name, "table_cell") == 0)
                t.pending_space = true;
            continue;
        }
        switch (cmark_node_get_type(node)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE: {
            const char *lit = cmark_node_get_literal(node);
            e = text_put(&t, lit, strlen(lit));
            break;
        }
        case CMARK_NODE_CODE_BLOCK: {
            /* the literal ends with a newline: keep the text, not the trailing break */
            const char *lit = cmark_node_get_literal(node);
            size_t n = strlen(lit);
            while (n > 0 && lit[n - 1] == '\n')
                n--;
            e = text_put(&t, lit, n);
            t.pending_break = true; /* a leaf: the iterator gives it no exit event */
            break;
        }
        case CMARK_NODE_THEMATIC_BREAK:
            t.pending_break = true;
            break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            t.pending_space = true;
            break;
        default:
            break; /* raw HTML is not text; containers add nothing themselves */
        }
    }
    cmark_iter_free(it);
    cmark_node_free(doc);
    cmark_parser_free(p);
    if (e != ERR_OK && out->data != NULL) {
        out->len = t.start;
        out->data[t.start] = '\0';
    }
    return e;
}

enum err markdown_excerpt(struct str md, size_t max_chars, struct buf *out)
{
    struct buf text;
    buf_init(&text, MARKDOWN_MAX_INPUT_BYTES * 2);
    size_t start = out->len, chars = 0, last_space = SIZE_MAX;
    bool space = false, cut = false;
    enum err e = markdown_to_text(md, &text);
    if (e != ERR_OK)
        goto out;
    /* Collapse whitespace runs to one space and count code points; past max_chars cut
     * at the last space (a word boundary) and add an ellipsis. */
    for (size_t i = 0; i < text.len && !cut;) {
        char ch = text.data[i];
        if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
            space = true;
            i++;
            continue;
        }
        size_t at = i;
        if (utf8_decode(text.data, text.len, &i) < 0)
            continue;
        bool sep = space && out->len > start;
        if (chars + (sep ? 1 : 0) + 1 > max_chars) {
            cut = true;
            break;
        }
        if (sep) {
            last_space = out->len;
            e = buf_append(out, " ", 1);
            chars++;
        }
        space = false;
        if (e == ERR_OK)
            e = buf_append(out, text.data + at, i - at);
        chars++;
        if (e != ERR_OK)
            goto out;
    }
    if (cut) {
        if (last_space != SIZE_MAX) {
            out->len = last_space;
            out->data[out->len] = '\0';
        }
        e = buf_append(out, "…", strlen("…"));
    }
out:
    if (e != ERR_OK && out->data != NULL) {
        out->len = start;
        out->data[start] = '\0';
    }
    buf_free(&text);
    return e;
}
