/* notify.c: the workflow notices of notify.h. One plain-text part: a notice is read on a
 * phone between meetings, and a link is all it needs to carry. */
#include <string.h>

#include "core/utf8.h"
#include "mail/mail_internal.h"
#include "mail/notify.h"

#define NOTICE_TEXT_MAX (64 * 1024)

static const char *subject_key(enum mail_notice_kind k)
{
    switch (k) {
    case MAIL_NOTICE_SUBMITTED:
        return "mail.notice.submitted.subject";
    case MAIL_NOTICE_RETURNED:
        return "mail.notice.returned.subject";
    default:
        return "mail.notice.published.subject";
    }
}

static const char *intro_key(enum mail_notice_kind k)
{
    switch (k) {
    case MAIL_NOTICE_SUBMITTED:
        return "mail.notice.submitted.intro";
    case MAIL_NOTICE_RETURNED:
        return "mail.notice.returned.intro";
    default:
        return "mail.notice.published.intro";
    }
}

/* one_line appends text with every control character as a space, cut at max bytes on a
 * character boundary (then "…"): a title is a header's text here. */
static enum err one_line(struct buf *out, struct str text, size_t max)
{
    size_t i = 0;
    enum err e = ERR_OK;
    while (i < text.len && e == ERR_OK) {
        size_t start = i;
        int32_t cp = utf8_decode(text.ptr, text.len, &i);
        if (i <= start)
            break;
        if (start >= max) {
            e = buf_append_cstr(out, "…");
            break;
        }
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029)
            e = buf_append_cstr(out, " ");
        else
            e = buf_append(out, text.ptr + start, i - start);
    }
    return e;
}

enum err mail_notice_queue(struct store *w, const struct mail_site *site,
                           const struct mail_notice *n, struct str rcpt, int64_t now)
{
    struct buf subject, text;
    if (n->reason.len > MAIL_NOTICE_MAX_REASON_BYTES || !utf8_valid(n->reason.ptr, n->reason.len) ||
        !utf8_valid(n->title.ptr, n->title.len))
        return ERR_INVALID;
    buf_init(&subject, 2048);
    buf_init(&text, NOTICE_TEXT_MAX);
    enum err e = buf_appendf(&subject, "%.*s: «", STR_FMT(mail__t(site, subject_key(n->kind))));
    if (e == ERR_OK)
        e = one_line(&subject, n->title, MAIL_NOTICE_MAX_TITLE_BYTES);
    if (e == ERR_OK)
        e = buf_append_cstr(&subject, "»");

    if (e == ERR_OK)
        e = buf_appendf(&text, "%.*s\n\n«", STR_FMT(mail__t(site, intro_key(n->kind))));
    if (e == ERR_OK)
        e = one_line(&text, n->title, MAIL_NOTICE_MAX_REASON_BYTES);
    if (e == ERR_OK)
        e = buf_append_cstr(&text, "»\n");
    if (e == ERR_OK && n->actor.len > 0)
        e = buf_appendf(&text, "%.*s: %.*s\n", STR_FMT(mail__t(site, "mail.notice.by")),
                        STR_FMT(n->actor));
    if (e == ERR_OK && n->kind == MAIL_NOTICE_RETURNED)
        e = buf_appendf(
            &text, "\n%.*s:\n%.*s\n", STR_FMT(mail__t(site, "mail.notice.reason")),
            STR_FMT(n->reason.len > 0 ? n->reason : mail__t(site, "mail.notice.no_reason")));
    if (e == ERR_OK)
        e = buf_appendf(&text, "\n%.*s:\n%.*s/admin/articles/%lld\n",
                        STR_FMT(mail__t(site, "mail.notice.open")), STR_FMT(site->base_url),
                        (long long)n->article_id);
    if (e == ERR_OK && n->kind == MAIL_NOTICE_PUBLISHED && n->slug.len > 0)
        e = buf_appendf(&text, "\n%.*s:\n%.*s/news/%.*s\n",
                        STR_FMT(mail__t(site, "mail.notice.public")), STR_FMT(site->base_url),
                        STR_FMT(n->slug));
    if (e == ERR_OK)
        e = buf_appendf(&text, "\n-- \n%.*s\n%.*s/admin/account\n",
                        STR_FMT(mail__t(site, "mail.notice.why")), STR_FMT(site->base_url));
    if (e == ERR_OK) {
        struct mail__queued q = {
            .kind = "notice",
            .rcpt = rcpt,
            .subject = buf_str(&subject),
            .text = buf_str(&text),
            .now = now,
        };
        e = mail__queue(w, site, &q);
    }
    buf_free(&subject);
    buf_free(&text);
    return e;
}
