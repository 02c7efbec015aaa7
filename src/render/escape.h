/* escape.h: contextual escaping writers. HTML text and attribute values (& < > " '),
 * URL components (percent-encoding), XML text, JSON strings. Each appends to out and
 * fails only as buf_append does (ERR_TOO_LARGE, ERR_NOMEM), which marks out with a
 * sticky error (see buf.h); out may then hold a prefix of the escaped text, so whoever
 * uses out checks buf_error. Like the buf_append family these are not ERR_MUST_USE. */
#ifndef VISNYK_RENDER_ESCAPE_H
#define VISNYK_RENDER_ESCAPE_H

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

/* escape_html: & < > " ' as &amp; &lt; &gt; &quot; &#39;; safe in text and in quoted
 * attribute values (not in unquoted attributes, URLs of href/src, script or style). */
enum err escape_html(struct buf *out, struct str s);
/* escape_url_component: everything but unreserved characters percent-encoded. */
enum err escape_url_component(struct buf *out, struct str s);
/* escape_xml: & < > " ' as entities (&apos; for '); control characters XML 1.0 forbids
 * (all below U+0020 but tab, LF, CR) are dropped so a feed always parses. */
enum err escape_xml(struct buf *out, struct str s);
/* escape_json: the inside of a JSON string (no quotes added): " \ and control
 * characters escaped, and < > & U+2028 U+2029 as \uXXXX so the result is also safe
 * inside <script type="application/ld+json">. */
enum err escape_json(struct buf *out, struct str s);

#endif
