/* markdown.h: article bodies, CommonMark + GFM tables, autolinks and strikethrough by
 * cmark-gfm, safe mode (raw HTML dropped), links and images limited to http, https,
 * mailto and site-relative URLs. The output is trusted HTML (render_raw). */
#ifndef VISNYK_RENDER_MARKDOWN_H
#define VISNYK_RENDER_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

#define MARKDOWN_MAX_INPUT_BYTES (1024 * 1024)

/* markdown_to_html appends the HTML for md to out. ERR_TOO_LARGE past the input limit
 * or out's maximum, ERR_INVALID when md is not valid UTF-8. Links with a refused URL
 * become their text; images with one are dropped. Thread-safe. */
ERR_MUST_USE
enum err markdown_to_html(struct str md, struct buf *out);
/* How a variant of the site (site/: the low-vision mode) wants a body written. */
struct markdown_variant {
    bool images_as_text; /* an image becomes its alt text */
    /* prefixed to site-relative link URLs ("/news/x" → "/lv/news/x") for which
     * keep_link is NULL or says true; NULL or "" leaves links alone */
    const char *link_prefix;
    bool (*keep_link)(struct str url);
};
/* markdown_to_html_variant is markdown_to_html with v's changes (v NULL: none). */
ERR_MUST_USE
enum err markdown_to_html_variant(struct str md, const struct markdown_variant *v, struct buf *out);
/* markdown_to_text appends plain text (for feeds' descriptions, search, meta tags):
 * the text of the document with blocks separated by a blank line, soft and hard
 * breaks and table cells by a space, raw HTML and refused images left out. The text
 * is NOT escaped: it goes out through escape_html or a value_str like any other.
 * Errors as markdown_to_html; on failure out is left as it was. */
ERR_MUST_USE
enum err markdown_to_text(struct str md, struct buf *out);
/* markdown_excerpt appends markdown_to_text with whitespace collapsed to single
 * spaces, cut at a word boundary to at most max_chars code points plus "…" when it
 * was longer (for meta descriptions and feed summaries). Not escaped. */
ERR_MUST_USE
enum err markdown_excerpt(struct str md, size_t max_chars, struct buf *out);
/* markdown_url_allowed: the URL policy for links and images: http, https, mailto or no
 * scheme (site-relative); no spaces or control characters. */
bool markdown_url_allowed(struct str url);

#endif
