/* compose.c: the messages visnyk writes (confirmation, digest, test) and how they are
 * queued. HTML mail gets inline styles and table layout, because common mail clients
 * drop <style> blocks and ignore most modern CSS; every link and image is absolute. */
#include <stdio.h>
#include <string.h>

#include "core/kyiv_time.h"
#include "core/log.h"
#include "mail/mail_internal.h"
#include "render/escape.h"
#include "store/settings.h"
#include "store/translations.h"

#define TEXT_MAX (1024 * 1024)

struct str mail__t(const struct mail_site *site, const char *key)
{
    return i18n_get(site->lang, str_from_cstr(key));
}

enum err mail__url(struct buf *out, const struct mail_site *site, const char *path)
{
    return buf_appendf(out, "%.*s%.*s%s", STR_FMT(site->base_url), STR_FMT(site->prefix), path);
}

void mail__site_in(const struct mail_site *site, struct str lang, struct mail_site *out)
{
    *out = *site;
    if (site->lang_en == NULL || !str_eq_cstr(lang, STORE_LANG_EN))
        return;
    out->lang = site->lang_en;
    out->prefix = STR_LIT("/en");
    if (site->site_name_en.len > 0)
        out->site_name = site->site_name_en;
}

/* english: whether site is the English view mail__site_in gave. */
static bool english(const struct mail_site *site)
{
    return site->lang_en != NULL && site->lang == site->lang_en;
}

enum err mail__html_text(struct buf *out, struct str s)
{
    return escape_html(out, s);
}

static enum err catalog_load(const char *theme_dir, const char *lang, struct i18n **out)
{
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/i18n/%s.ini", theme_dir, lang);
    enum err e = i18n_load(path, out, err, sizeof err);
    if (e != ERR_OK)
        log_error("mail catalog load failed: %s: %s", err_str(e), err);
    return e;
}

enum err mail_catalog_load(const char *theme_dir, struct i18n **out)
{
    return catalog_load(theme_dir, "uk", out);
}

enum err mail_catalog_load_en(const char *theme_dir, struct i18n **out)
{
    return catalog_load(theme_dir, "en", out);
}

enum err mail_site_english(struct store *s, struct arena *a, const struct i18n *en,
                           struct mail_site *site)
{
    struct str name = STR_NULL;
    enum err e = store_setting_get(s, a, "site_name_en", &name);
    if (e == ERR_NOTFOUND) {
        name = STR_NULL;
        e = ERR_OK;
    }
    if (e != ERR_OK)
        return e;
    site->lang_en = en;
    site->site_name_en = arena_str(a, name);
    return ERR_OK;
}

enum err mail_site_load(struct store *w, struct arena *a, const struct i18n *lang,
                        const char *base_url, const char *from_addr, struct mail_site *site)
{
    struct str name;
    memset(site, 0, sizeof *site);
    site->lang = lang;
    enum err e = mail_secret_get(w, site->secret);
    if (e != ERR_OK)
        return e;
    e = store_setting_get(w, a, "site_name", &name);
    if (e == ERR_NOTFOUND || (e == ERR_OK && name.len == 0)) {
        name = i18n_get(lang, STR_LIT("default.site_name"));
        e = ERR_OK;
    }
    if (e != ERR_OK)
        return e;
    site->site_name = arena_str(a, name);
    struct str base = str_from_cstr(base_url);
    while (base.len > 0 && base.ptr[base.len - 1] == '/')
        base.len--;
    site->base_url = arena_str(a, base);
    site->from_addr = arena_str(a, str_from_cstr(from_addr));
    site->prefix = STR_LIT("");
    return ERR_OK;
}

enum err mail__html_open(struct buf *out, const struct mail_site *site, struct str title)
{
    struct str lang = i18n_lang(site->lang);
    enum err e = buf_appendf(
        out,
        "<!DOCTYPE html>\n<html lang=\"%.*s\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
        STR_FMT(lang.len > 0 ? lang : STR_LIT("uk")));
    if (e == ERR_OK)
        e = mail__html_text(out, title);
    if (e == ERR_OK)
        e = buf_append_cstr(
            out,
            "</title>\n</head>\n<body style=\"margin:0;padding:0;background:#eef1f4;\">\n"
            "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
            "style=\"background:#eef1f4;\"><tr><td align=\"center\" style=\"padding:24px 8px;\">\n"
            "<table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" "
            "style=\"width:100%;max-width:600px;background:#ffffff;border-radius:6px;"
            "font-family:Arial,Helvetica,sans-serif;color:#1b1f24;\">\n"
            "<tr><td style=\"padding:18px 24px;background:#0b3d91;color:#ffffff;"
            "font-size:17px;font-weight:bold;border-radius:6px 6px 0 0;\">");
    if (e == ERR_OK)
        e = mail__html_text(out, site->site_name);
    if (e == ERR_OK)
        e = buf_append_cstr(out, "</td></tr>\n");
    return e;
}

enum err mail__html_close(struct buf *out)
{
    return buf_append_cstr(out, "</table>\n</td></tr></table>\n</body>\n</html>\n");
}

/* para appends <p> with the escaped text. */
static enum err para(struct buf *out, const char *style, struct str text)
{
    enum err e = buf_appendf(out, "<p style=\"%s\">", style);
    if (e == ERR_OK)
        e = mail__html_text(out, text);
    if (e == ERR_OK)
        e = buf_append_cstr(out, "</p>\n");
    return e;
}

static enum err link(struct buf *out, const char *style, struct str url, struct str text)
{
    enum err e = buf_appendf(out, "<a href=\"");
    if (e == ERR_OK)
        e = mail__html_text(out, url);
    if (e == ERR_OK)
        e = buf_appendf(out, "\" style=\"%s\">", style);
    if (e == ERR_OK)
        e = mail__html_text(out, text);
    if (e == ERR_OK)
        e = buf_append_cstr(out, "</a>");
    return e;
}

enum err mail__queue(struct store *w, const struct mail_site *site, const struct mail__queued *q)
{
    struct buf mid, msg;
    enum err e;
    buf_init(&mid, 512);
    buf_init(&msg, MAIL_MAX_MESSAGE_BYTES);
    e = mail_message_id_make(site->from_addr, q->now, &mid);
    if (e == ERR_OK) {
        struct mail_message m = {
            .from_name = site->site_name,
            .from_addr = site->from_addr,
            .to = q->rcpt,
            .subject = q->subject,
            .message_id = buf_str(&mid),
            .date = q->now,
            .list_unsubscribe_url = q->unsub_url,
            .list_unsubscribe_mailto = q->unsub_mailto,
            .text = q->text,
            .html = q->html,
        };
        e = mail_message_build(&m, &msg);
    }
    if (e == ERR_OK) {
        struct store_outbox_input in = {
            .subscriber_id = q->subscriber_id,
            .kind = str_from_cstr(q->kind),
            .rcpt = q->rcpt,
            .subject = q->subject,
            .message_id = buf_str(&mid),
            .body = buf_str(&msg),
            .now = q->now,
        };
        e = store_outbox_add(w, &in, NULL);
    }
    buf_free(&mid);
    buf_free(&msg);
    return e;
}

/* ---- confirmation ---- */

enum err mail__confirm_queue(struct store *w, struct arena *a, const struct mail_site *site_any,
                             const struct store_subscriber *sub, int64_t now)
{
    struct mail_site in_lang;
    mail__site_in(site_any, sub->lang, &in_lang);
    const struct mail_site *site = &in_lang;
    struct buf token, hash, url, text, html;
    enum err e;
    (void)a;
    buf_init(&token, 256);
    buf_init(&hash, 128);
    buf_init(&url, 2048);
    buf_init(&text, TEXT_MAX);
    buf_init(&html, TEXT_MAX);
    e = mail_token_confirm_make(site->secret, sub->id, now + MAIL_TOKEN_TTL_SECONDS, &token, &hash);
    if (e == ERR_OK)
        e = store_mail_token_add(w, buf_str(&hash), sub->id, now + MAIL_TOKEN_TTL_SECONDS);
    if (e == ERR_OK)
        e = mail__url(&url, site, "/subscribe/confirm?t=");
    if (e == ERR_OK)
        e = buf_append_str(&url, buf_str(&token));

    struct str subject = mail__t(site, "mail.confirm.subject");
    if (e == ERR_OK)
        e = buf_appendf(&text, "%.*s\n\n%.*s\n\n%.*s\n%.*s\n\n%.*s\n\n-- \n%.*s\n%.*s\n",
                        STR_FMT(subject), STR_FMT(mail__t(site, "mail.confirm.intro")),
                        STR_FMT(mail__t(site, "mail.confirm.action")), STR_FMT(buf_str(&url)),
                        STR_FMT(mail__t(site, "mail.confirm.ignore")), STR_FMT(site->site_name),
                        STR_FMT(site->base_url));
    if (e == ERR_OK)
        e = mail__html_open(&html, site, subject);
    if (e == ERR_OK)
        e = buf_append_cstr(&html,
                            "<tr><td style=\"padding:24px;font-size:16px;line-height:1.5;\">\n");
    if (e == ERR_OK)
        e = para(&html, "margin:0 0 12px;font-size:20px;font-weight:bold;", subject);
    if (e == ERR_OK)
        e = para(&html, "margin:0 0 12px;", mail__t(site, "mail.confirm.intro"));
    if (e == ERR_OK)
        e = para(&html, "margin:0 0 16px;", mail__t(site, "mail.confirm.action"));
    if (e == ERR_OK)
        e = buf_append_cstr(&html, "<p style=\"margin:0 0 16px;\">");
    if (e == ERR_OK)
        e = link(&html,
                 "display:inline-block;padding:12px 20px;background:#0b3d91;color:#ffffff;"
                 "text-decoration:none;border-radius:4px;font-weight:bold;",
                 buf_str(&url), mail__t(site, "mail.confirm.button"));
    if (e == ERR_OK)
        e = buf_append_cstr(&html, "</p>\n<p style=\"margin:0 0 16px;font-size:13px;color:#555f69;"
                                   "word-break:break-all;\">");
    if (e == ERR_OK)
        e = mail__html_text(&html, buf_str(&url));
    if (e == ERR_OK)
        e = buf_append_cstr(&html, "</p>\n");
    if (e == ERR_OK)
        e = para(&html, "margin:0;font-size:14px;color:#555f69;",
                 mail__t(site, "mail.confirm.ignore"));
    if (e == ERR_OK)
        e = buf_append_cstr(&html, "</td></tr>\n");
    if (e == ERR_OK)
        e = mail__html_close(&html);
    if (e == ERR_OK) {
        struct mail__queued q = {
            .subscriber_id = sub->id,
            .kind = "confirm",
            .rcpt = sub->email,
            .subject = subject,
            .text = buf_str(&text),
            .html = buf_str(&html),
            .now = now,
        };
        e = mail__queue(w, site, &q);
    }
    buf_free(&token);
    buf_free(&hash);
    buf_free(&url);
    buf_free(&text);
    buf_free(&html);
    return e;
}

/* ---- digest ---- */

/* photo_url picks the variant that looks sharp at the mail's 552 px column. */
static enum err photo_url(struct buf *out, const struct mail_site *site,
                          const struct store_photo *ph)
{
    enum err e = buf_appendf(out, "%.*s/media/%.*s", STR_FMT(site->base_url), STR_FMT(ph->hash));
    if (e != ERR_OK)
        return e;
    if (ph->width <= 0 || ph->width > 960)
        return buf_append_cstr(out, "-960.jpg");
    if (ph->width > 480)
        return buf_append_cstr(out, "-480.jpg");
    return buf_append_cstr(out, ".jpg");
}

static enum err article_url(struct buf *out, const struct mail_site *site, struct str slug)
{
    enum err e = mail__url(out, site, "/news/");
    if (e == ERR_OK)
        e = escape_url_component(out, slug);
    return e;
}

static struct str buf_take(struct arena *a, struct buf *b)
{
    struct str s = arena_str(a, buf_str(b));
    buf_free(b);
    return s;
}

/* digest_item appends one article to both bodies: title, date, lead and link in the
 * text; the lead photo (when there is one), date, linked title and lead in the HTML. tmp
 * is scratch space. */
static enum err digest_item(struct buf *text, struct buf *html, struct buf *tmp, struct arena *a,
                            const struct mail_site *site, const struct store_summary *it)
{
    enum err e;
    struct str date;
    buf_reset(tmp);
    e = i18n_format_date(site->lang, it->published_at, true, tmp);
    date = arena_str(a, buf_str(tmp));
    buf_reset(tmp);
    if (e == ERR_OK)
        e = article_url(tmp, site, it->slug);
    struct str url = arena_str(a, buf_str(tmp));
    buf_reset(tmp);
    if (e == ERR_OK)
        e = buf_appendf(text, "* %.*s\n  %.*s\n", STR_FMT(it->title), STR_FMT(date));
    if (e == ERR_OK && it->lead.len > 0)
        e = buf_appendf(text, "  %.*s\n", STR_FMT(it->lead));
    if (e == ERR_OK)
        e = buf_appendf(text, "  %.*s\n\n", STR_FMT(url));

    if (e == ERR_OK)
        e = buf_append_cstr(html, "<tr><td style=\"padding:16px 24px;"
                                  "border-bottom:1px solid #e1e5ea;\">\n");
    if (e == ERR_OK && it->lead_photo != NULL) {
        const struct store_photo *ph = it->lead_photo;
        struct str alt = ph->alt.len > 0 ? ph->alt : ph->caption.len > 0 ? ph->caption : it->title;
        e = buf_append_cstr(html, "<a href=\"");
        if (e == ERR_OK)
            e = mail__html_text(html, url);
        if (e == ERR_OK)
            e = buf_append_cstr(html, "\"><img src=\"");
        if (e == ERR_OK)
            e = photo_url(tmp, site, ph);
        if (e == ERR_OK)
            e = mail__html_text(html, buf_str(tmp));
        buf_reset(tmp);
        if (e == ERR_OK)
            e = buf_append_cstr(html, "\" alt=\"");
        if (e == ERR_OK)
            e = mail__html_text(html, alt);
        if (e == ERR_OK)
            e = buf_append_cstr(html,
                                "\" width=\"552\" style=\"display:block;width:100%;"
                                "max-width:552px;height:auto;border:0;border-radius:4px;\"></a>\n");
    }
    if (e == ERR_OK)
        e = para(html, "margin:10px 0 4px;font-size:13px;color:#555f69;", date);
    if (e == ERR_OK)
        e = buf_append_cstr(html, "<p style=\"margin:0;font-size:17px;line-height:1.35;"
                                  "font-weight:bold;\">");
    if (e == ERR_OK)
        e = link(html, "color:#0b3d91;text-decoration:none;", url, it->title);
    if (e == ERR_OK)
        e = buf_append_cstr(html, "</p>\n");
    if (e == ERR_OK && it->lead.len > 0)
        e = para(html, "margin:6px 0 0;font-size:15px;line-height:1.5;", it->lead);
    if (e == ERR_OK)
        e = buf_append_cstr(html, "</td></tr>\n");
    return e;
}

/* digest_footer: why the message came, and the two links every message must carry
 * (preferences and unsubscribe), in both bodies. */
static enum err digest_footer(struct buf *text, struct buf *html, const struct mail_site *site,
                              struct str prefs, struct str unsub)
{
    enum err e = buf_appendf(text, "-- \n%.*s\n%.*s: %.*s\n%.*s: %.*s\n",
                             STR_FMT(mail__t(site, "mail.digest.why")),
                             STR_FMT(mail__t(site, "mail.digest.prefs")), STR_FMT(prefs),
                             STR_FMT(mail__t(site, "mail.digest.unsubscribe")), STR_FMT(unsub));
    if (e == ERR_OK)
        e = buf_append_cstr(html, "<tr><td style=\"padding:18px 24px;font-size:13px;"
                                  "line-height:1.5;color:#555f69;background:#f6f8fa;"
                                  "border-radius:0 0 6px 6px;\">\n");
    if (e == ERR_OK)
        e = para(html, "margin:0 0 8px;", mail__t(site, "mail.digest.why"));
    if (e == ERR_OK)
        e = buf_append_cstr(html, "<p style=\"margin:0;\">");
    if (e == ERR_OK)
        e = link(html, "color:#0b3d91;", prefs, mail__t(site, "mail.digest.prefs"));
    if (e == ERR_OK)
        e = buf_append_cstr(html, " &middot; ");
    if (e == ERR_OK)
        e = link(html, "color:#0b3d91;", unsub, mail__t(site, "mail.digest.unsubscribe"));
    if (e == ERR_OK)
        e = buf_append_cstr(html, "</p>\n</td></tr>\n");
    return e;
}

/* in_english replaces each item by its published English translation (slug, title,
 * lead; the photo's Ukrainian alt text by the English title) and drops those without. */
static enum err in_english(struct store *s, struct arena *a, struct store_summary *items, size_t *n)
{
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++) {
        struct store_translation t;
        enum err e = store_translation_of(s, a, items[i].id, STR_LIT(STORE_LANG_EN), true, &t);
        if (e == ERR_NOTFOUND)
            continue;
        if (e != ERR_OK)
            return e;
        struct store_summary it = items[i];
        it.slug = t.slug;
        it.title = t.title;
        it.lead = t.lead;
        if (it.lead_photo != NULL) {
            struct store_photo *ph = arena_alloc(a, sizeof *ph);
            *ph = *it.lead_photo;
            ph->alt = t.title;
            ph->caption = STR_NULL;
            it.lead_photo = ph;
        }
        items[kept++] = it;
    }
    *n = kept;
    return ERR_OK;
}

enum err mail_digest_compose(struct store *s, struct arena *a, const struct mail_site *site_any,
                             const struct store_subscriber *sub, int64_t since, int64_t until,
                             struct mail_composed *out, size_t *n_articles)
{
    struct mail_site in_lang;
    mail__site_in(site_any, sub->lang, &in_lang);
    const struct mail_site *site = &in_lang;
    struct store_summary *items;
    size_t n;
    bool more;
    struct buf text, html, tmp, unsub, prefs;
    enum err e;

    memset(out, 0, sizeof *out);
    *n_articles = 0;
    e = store_mail_articles(s, a, since, until, sub->tag_ids, sub->n_tags, sub->dept_ids,
                            sub->n_depts, MAIL_DIGEST_MAX_ARTICLES, &items, &n, &more);
    if (e == ERR_OK && english(site))
        e = in_english(s, a, items, &n);
    if (e != ERR_OK || n == 0)
        return e;
    *n_articles = n;

    buf_init(&text, TEXT_MAX);
    buf_init(&html, TEXT_MAX);
    buf_init(&tmp, 4096);
    buf_init(&unsub, 2048);
    buf_init(&prefs, 2048);

    /* subject: «Дайджест новин — 29 грудня 2025» */
    e = buf_append_str(&tmp, mail__t(site, "mail.digest.subject"));
    if (e == ERR_OK)
        e = buf_append_cstr(&tmp, " — ");
    if (e == ERR_OK)
        e = i18n_format_date(site->lang, until, false, &tmp);
    out->subject = arena_str(a, buf_str(&tmp));
    buf_reset(&tmp);

    if (e == ERR_OK && sub->id > 0) {
        e = mail__url(&unsub, site, "/subscribe/unsubscribe?t=");
        if (e == ERR_OK)
            e = mail_token_link_make(site->secret, 'u', sub->id, sub->key, &unsub);
        if (e == ERR_OK)
            e = mail__url(&prefs, site, "/subscribe/preferences?t=");
        if (e == ERR_OK)
            e = mail_token_link_make(site->secret, 'p', sub->id, sub->key, &prefs);
        if (e == ERR_OK) {
            struct buf mt;
            buf_init(&mt, 1024);
            e = buf_appendf(&mt, "mailto:%.*s?subject=unsubscribe%%20", STR_FMT(site->from_addr));
            if (e == ERR_OK)
                e = mail_token_link_make(site->secret, 'u', sub->id, sub->key, &mt);
            out->unsub_mailto = buf_take(a, &mt);
        }
    } else if (e == ERR_OK) {
        /* a test or a preview: links lead to the public form */
        e = mail__url(&unsub, site, "/subscribe");
        if (e == ERR_OK)
            e = mail__url(&prefs, site, "/subscribe");
    }

    if (e == ERR_OK)
        e = buf_appendf(&text, "%.*s\n%.*s\n\n", STR_FMT(site->site_name), STR_FMT(out->subject));
    if (e == ERR_OK)
        e = mail__html_open(&html, site, out->subject);
    if (e == ERR_OK)
        e = buf_append_cstr(&html, "<tr><td style=\"padding:20px 24px 4px;\">");
    if (e == ERR_OK)
        e = para(&html, "margin:0;font-size:21px;font-weight:bold;", out->subject);
    if (e == ERR_OK)
        e = buf_append_cstr(&html, "</td></tr>\n");

    for (size_t i = 0; e == ERR_OK && i < n; i++)
        e = digest_item(&text, &html, &tmp, a, site, &items[i]);
    if (e == ERR_OK && more) {
        buf_reset(&tmp);
        e = mail__url(&tmp, site, "/news");
        if (e == ERR_OK)
            e = buf_appendf(&text, "%.*s: %.*s\n\n", STR_FMT(mail__t(site, "mail.digest.more")),
                            STR_FMT(buf_str(&tmp)));
        if (e == ERR_OK)
            e = buf_append_cstr(&html, "<tr><td style=\"padding:16px 24px;\">");
        if (e == ERR_OK)
            e = link(&html, "color:#0b3d91;font-weight:bold;", buf_str(&tmp),
                     mail__t(site, "mail.digest.more"));
        if (e == ERR_OK)
            e = buf_append_cstr(&html, "</td></tr>\n");
    }
    /* footer: why this came, and the two links every message must carry */
    if (e == ERR_OK)
        e = digest_footer(&text, &html, site, buf_str(&prefs), buf_str(&unsub));
    if (e == ERR_OK)
        e = mail__html_close(&html);

    if (sub->id > 0)
        out->unsub_url = arena_str(a, buf_str(&unsub));
    out->text = buf_take(a, &text);
    out->html = buf_take(a, &html);
    buf_free(&tmp);
    buf_free(&unsub);
    buf_free(&prefs);
    if (e != ERR_OK)
        *n_articles = 0;
    return e;
}

void mail_digest_slots(int64_t now, int hour, int minute, int weekday, int64_t *daily,
                       int64_t *weekly)
{
    struct kyiv_tm t = kyiv_from_utc(now);
    int64_t d = kyiv_to_utc(t.year, t.month, t.day, hour, minute, 0);
    if (d > now) {
        /* noon anchors keep the date right across a DST change */
        struct kyiv_tm y = kyiv_from_utc(kyiv_to_utc(t.year, t.month, t.day, 12, 0, 0) - 86400);
        d = kyiv_to_utc(y.year, y.month, y.day, hour, minute, 0);
    }
    *daily = d;
    int today = t.weekday == 0 ? 7 : t.weekday; /* 1 = Monday .. 7 = Sunday */
    int back = (today - weekday + 7) % 7;
    int64_t noon = kyiv_to_utc(t.year, t.month, t.day, 12, 0, 0);
    struct kyiv_tm w = kyiv_from_utc(noon - (int64_t)back * 86400);
    int64_t wk = kyiv_to_utc(w.year, w.month, w.day, hour, minute, 0);
    if (wk > now) {
        w = kyiv_from_utc(noon - (int64_t)(back + 7) * 86400);
        wk = kyiv_to_utc(w.year, w.month, w.day, hour, minute, 0);
    }
    *weekly = wk;
}

#define DUE_BATCH 100

/* queue_one composes and queues one subscriber's digest and moves its marker, inside
 * the caller's transaction. */
static enum err queue_one(struct store *w, struct arena *a, const struct mail_site *site,
                          int64_t id, int64_t now, int64_t since, bool *queued)
{
    struct store_subscriber sub;
    struct mail_composed c;
    size_t n = 0;
    *queued = false;
    enum err e = store_subscriber_by_id(w, a, id, &sub);
    if (e == ERR_NOTFOUND)
        return ERR_OK;
    if (e != ERR_OK || sub.state != STORE_SUB_ACTIVE)
        return e;
    e = mail_digest_compose(w, a, site, &sub, since >= 0 ? since : sub.last_digest_at, now, &c, &n);
    if (e == ERR_OK && n > 0) {
        struct mail__queued q = {
            .subscriber_id = sub.id,
            .kind = "digest",
            .rcpt = sub.email,
            .subject = c.subject,
            .text = c.text,
            .html = c.html,
            .unsub_url = c.unsub_url,
            .unsub_mailto = c.unsub_mailto,
            .now = now,
        };
        e = mail__queue(w, site, &q);
        *queued = e == ERR_OK;
    }
    if (e == ERR_OK)
        e = store_subscriber_digest_done(w, sub.id, now);
    return e;
}

enum err mail_digest_queue(struct store *w, const struct mail_site *site, int64_t now,
                           int64_t daily_slot, int64_t weekly_slot, int64_t since, int64_t *queued,
                           int64_t *checked)
{
    struct arena *a = arena_new(64 * 1024);
    int64_t after = 0;
    enum err e = ERR_OK;
    *queued = 0;
    *checked = 0;
    for (;;) {
        int64_t *ids;
        size_t n;
        arena_reset(a);
        /* one transaction per batch: each subscriber's mail commits together with
         * its marker, and the batch bounds how long the write lock is held */
        e = store_begin(w);
        if (e != ERR_OK)
            break;
        e = store_subscribers_due(w, a, daily_slot, weekly_slot, after, DUE_BATCH, &ids, &n);
        for (size_t i = 0; e == ERR_OK && i < n; i++) {
            bool q = false;
            e = queue_one(w, a, site, ids[i], now, since, &q);
            (*checked)++;
            if (q)
                (*queued)++;
            after = ids[i];
        }
        if (e == ERR_OK)
            e = store_commit(w);
        if (e != ERR_OK) {
            store_rollback(w);
            break;
        }
        if (n < DUE_BATCH)
            break;
    }
    arena_free(a);
    return e;
}

enum err mail_test_queue(struct store *w, const struct mail_site *site, struct str rcpt,
                         int64_t now)
{
    struct arena *a = arena_new(64 * 1024);
    struct store_subscriber sample = {0};
    struct mail_composed c;
    size_t n = 0;
    enum err e = store_begin(w);
    if (e == ERR_OK)
        e = mail_digest_compose(w, a, site, &sample, 0, now, &c, &n);
    if (e == ERR_OK && n == 0)
        e = ERR_NOTFOUND;
    if (e == ERR_OK) {
        struct buf subj;
        buf_init(&subj, 2048);
        buf_appendf(&subj, "[%.*s] %.*s", STR_FMT(mail__t(site, "mail.test.tag")),
                    STR_FMT(c.subject));
        struct mail__queued q = {
            .kind = "test",
            .rcpt = rcpt,
            .subject = arena_str(a, buf_str(&subj)),
            .text = c.text,
            .html = c.html,
            .now = now,
        };
        buf_free(&subj);
        e = mail__queue(w, site, &q);
    }
    if (e == ERR_OK)
        e = store_commit(w);
    else
        store_rollback(w);
    arena_free(a);
    return e;
}
