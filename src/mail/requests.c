/* requests.c: the messages of mail/requests.h. One plain-text part: a requester may read
 * it in any mail program, and the law asks for the content, not the look. */
#include "mail/requests.h"

#include <stdio.h>

#include "core/utf8.h"
#include "mail/mail_internal.h"

#define RQ_MAIL_MAX (128 * 1024)

static const char *const kind_names[MAIL_RQ_N_KINDS] = {"registered", "extended",  "answered",
                                                        "refused",    "forwarded", "reminder"};

/* tk: the catalog text mail.rq.<kind>.<what>, its key built in tmp. */
static struct str tk(const struct mail_site *site, enum mail_rq_kind k, const char *what, char *tmp,
                     size_t size)
{
    snprintf(tmp, size, "mail.rq.%s.%s", kind_names[k], what);
    return mail__t(site, tmp);
}

struct str mail_rq_number(struct arena *a, enum store_rq_kind kind, int year, int64_t seq)
{
    return str_from_cstr(
        arena_printf(a, "%s-%d/%04lld", kind == STORE_RQ_INFO ? "ЗІ" : "ЗВ", year, (long long)seq));
}

enum err mail_rq_queue(struct store *w, const struct mail_site *site,
                       const struct mail_rq_message *m, struct str rcpt, int64_t now)
{
    char key[64];
    struct buf subject, text;
    if (m->text.len > MAIL_RQ_MAX_TEXT_BYTES || !utf8_valid(m->text.ptr, m->text.len) ||
        !utf8_valid(m->number.ptr, m->number.len))
        return ERR_INVALID;
    buf_init(&subject, 1024);
    buf_init(&text, RQ_MAIL_MAX);
    enum err e =
        buf_appendf(&subject, "%.*s: %.*s", STR_FMT(tk(site, m->kind, "subject", key, sizeof key)),
                    STR_FMT(m->number));
    if (e == ERR_OK)
        e = buf_appendf(&text, "%.*s\n\n", STR_FMT(tk(site, m->kind, "intro", key, sizeof key)));
    if (e == ERR_OK)
        e = buf_appendf(&text, "%.*s: %.*s\n%.*s: %.*s\n", STR_FMT(mail__t(site, "mail.rq.number")),
                        STR_FMT(m->number), STR_FMT(mail__t(site, "mail.rq.received")),
                        STR_FMT(m->received));
    if (e == ERR_OK && m->due.len > 0)
        e = buf_appendf(&text, "%.*s: %.*s\n", STR_FMT(mail__t(site, "mail.rq.due")),
                        STR_FMT(m->due));
    if (e == ERR_OK && m->text.len > 0)
        e = buf_appendf(&text, "\n%.*s:\n%.*s\n",
                        STR_FMT(tk(site, m->kind, "text", key, sizeof key)), STR_FMT(m->text));
    if (e == ERR_OK && m->kind == MAIL_RQ_REMINDER)
        e = buf_appendf(&text, "\n%.*s/admin/requests/%lld\n", STR_FMT(site->base_url),
                        (long long)m->request_id);
    if (e == ERR_OK)
        e = buf_appendf(&text, "\n-- \n%.*s\n%.*s\n", STR_FMT(site->site_name),
                        STR_FMT(site->base_url));
    if (e == ERR_OK) {
        struct mail__queued q = {
            .kind = m->kind == MAIL_RQ_REMINDER ? "notice" : "request",
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
