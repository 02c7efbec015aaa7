/* subscribe.c: the digest subscription pages. The block on every page and the /subscribe
 * form carry no per-user data, so those pages stay in the page cache; there is no CSRF
 * token for an anonymous form, instead cross-site POSTs are refused (Sec-Fetch-Site,
 * Origin), a honeypot field catches simple bots, and mail/ applies per-IP and
 * per-address limits. Pages reached by a token are never cached.
 *
 * The loop threads read through read-only connections; the few writes here go through
 * one shared writer connection under a mutex (subscriptions are rare, and SQLite takes
 * one writer at a time anyway). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/kyiv_time.h"
#include "core/log.h"
#include "site/site_internal.h"
#include "site/subscribe.h"
#include "store/mail_lang.h"
#include "store/translations.h"

static struct {
    pthread_mutex_t lock;
    struct store *w;
    char mail_from[1024];
    struct mail_limits limits;
} sub_state = {PTHREAD_MUTEX_INITIALIZER, NULL, "", {10, 3}};

void site_subscribe_configure(const struct site_subscribe_config *cfg)
{
    snprintf(sub_state.mail_from, sizeof sub_state.mail_from, "%s",
             cfg->mail_from != NULL ? cfg->mail_from : "");
    sub_state.limits = cfg->limits;
}

void site_subscribe_close(void)
{
    pthread_mutex_lock(&sub_state.lock);
    store_close(sub_state.w);
    sub_state.w = NULL;
    pthread_mutex_unlock(&sub_state.lock);
}

/* writer_lock gives the shared writer connection with the lock held (NULL, unlocked,
 * when the database cannot be opened). */
static struct store *writer_lock(struct site *site)
{
    pthread_mutex_lock(&sub_state.lock);
    if (sub_state.w == NULL) {
        enum err e = store_open(site->db_path, STORE_WRITE, &sub_state.w);
        if (e != ERR_OK) {
            log_error("subscription writer open failed: %s", err_str(e));
            sub_state.w = NULL;
            pthread_mutex_unlock(&sub_state.lock);
            return NULL;
        }
    }
    return sub_state.w;
}

static void writer_unlock(void)
{
    pthread_mutex_unlock(&sub_state.lock);
}

/* mail_from_for: the configured sender, else noreply@ the site's host. */
static const char *mail_from_for(struct site_page *p)
{
    if (sub_state.mail_from[0] != '\0')
        return sub_state.mail_from;
    struct str base = str_from_cstr(p->site->base_url);
    size_t sl = str_find(base, STR_LIT("//"));
    struct str host =
        sl == SIZE_MAX ? STR_LIT("localhost") : str_sub(base, sl + 2, base.len - sl - 2);
    size_t end = 0;
    while (end < host.len && host.ptr[end] != ':' && host.ptr[end] != '/' && host.ptr[end] != ']')
        end++;
    return arena_printf(p->a, "noreply@%.*s", (int)end, host.ptr);
}

/* mail_site_both: the mail side of the site, in Ukrainian with the English catalog beside
 * it: each message follows its subscriber's language, not the page's. */
static enum err mail_site_both(struct store *w, struct site_page *p, struct mail_site *ms)
{
    enum err e = mail_site_load(w, p->a, p->theme->uk, p->site->base_url, mail_from_for(p), ms);
    if (e == ERR_OK)
        e = mail_site_english(w, p->a, p->theme->en, ms);
    return e;
}

/* cross_site: a browser told us the POST came from another site's page. Requests
 * without these headers (old browsers, mail providers' one-click POSTs) pass. */
static bool cross_site(struct site_page *p)
{
    struct str sfs = http_request_header(p->req, "Sec-Fetch-Site");
    if (sfs.len > 0 && str_eq_nocase(sfs, STR_LIT("cross-site")))
        return true;
    struct str origin = http_request_header(p->req, "Origin");
    if (origin.len == 0)
        return false;
    if (str_eq_cstr(origin, "null"))
        return true;
    struct str base = str_from_cstr(p->site->base_url);
    size_t sl = str_find(base, STR_LIT("//"));
    if (sl != SIZE_MAX) {
        size_t end = sl + 2;
        while (end < base.len && base.ptr[end] != '/')
            end++;
        if (str_eq_nocase(origin, str_sub(base, 0, end)))
            return false;
    }
    struct str host = http_request_header(p->req, "Host");
    size_t sep = str_find(origin, STR_LIT("://"));
    if (host.len > 0 && sep != SIZE_MAX &&
        str_eq_nocase(str_sub(origin, sep + 3, origin.len - sep - 3), host))
        return false;
    return true;
}

static void no_store(struct site_page *p)
{
    p->res->cacheable = false;
    p->res->n_cache_keys = 0;
    http_response_header(p->res, p->req, "Cache-Control", STR_LIT("no-store"));
}

/* message_page answers with a titled message; with action set, a form with a button
 * that POSTs the token there. */
static void message_page(struct site_page *p, int status, const char *title_key,
                         const char *text_key, const char *action, struct str token,
                         const char *button_key)
{
    struct str title = site__t(p, title_key);
    struct str names[1] = {title};
    site__layout(p, title, STR_LIT("/subscribe"), STR_NULL);
    value_set_bool(p->a, p->root, "noindex", true);
    value_set_str(p->a, p->root, "text", site__t(p, text_key));
    if (action != NULL) {
        struct value *form = value_obj(p->a);
        value_set_str(p->a, form, "action", site__href(p, str_from_cstr(action)));
        value_set_str(p->a, form, "token", token);
        value_set_str(p->a, form, "button", site__t(p, button_key));
        value_set(p->a, p->root, "form", form);
    }
    site__crumbs(p, 1, names, NULL);
    site__finish(p, "subscribe-message");
    if (p->res->status == 200)
        p->res->status = status;
    no_store(p);
}

/* ---- form parsing ---- */

struct sub_form {
    struct str email, frequency, honeypot, token, lang;
    int64_t tags[STORE_MAIL_MAX_TOPICS], depts[STORE_MAIL_MAX_TOPICS];
    size_t n_tags, n_depts;
    bool bad;
};

static void form_parse(struct arena *a, struct str body, struct sub_form *f)
{
    struct str rest = body, pair;
    memset(f, 0, sizeof *f);
    while (str_split_next(&rest, '&', &pair)) {
        size_t eq = str_find_char(pair, '=');
        struct str k, v;
        if (pair.len == 0 || eq == SIZE_MAX)
            continue;
        if (http_url_decode(a, str_sub(pair, 0, eq), true, &k) != ERR_OK ||
            http_url_decode(a, str_sub(pair, eq + 1, pair.len - eq - 1), true, &v) != ERR_OK) {
            f->bad = true;
            continue;
        }
        int64_t id = 0;
        if (str_eq_cstr(k, "email"))
            f->email = v;
        else if (str_eq_cstr(k, "frequency"))
            f->frequency = v;
        else if (str_eq_cstr(k, "website"))
            f->honeypot = v;
        else if (str_eq_cstr(k, "t"))
            f->token = v;
        else if (str_eq_cstr(k, "lang"))
            f->lang = v;
        else if (str_eq_cstr(k, "tag") && str_to_i64(v, &id) && id > 0 &&
                 f->n_tags + f->n_depts < STORE_MAIL_MAX_TOPICS)
            f->tags[f->n_tags++] = id;
        else if (str_eq_cstr(k, "dept") && str_to_i64(v, &id) && id > 0 &&
                 f->n_tags + f->n_depts < STORE_MAIL_MAX_TOPICS)
            f->depts[f->n_depts++] = id;
    }
}

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* topics sets root.tags and root.depts (those with articles) with checked flags. */
static enum err topics(struct site_page *p, const int64_t *tags, size_t n_tags,
                       const int64_t *depts, size_t n_depts)
{
    struct store_ref *refs;
    size_t n;
    enum err e = store_depts_published(p->ctx->store, p->a, &refs, &n);
    for (int pass = 0; e == ERR_OK && pass < 2; pass++) {
        struct value *list = value_list(p->a);
        for (size_t i = 0; i < n; i++) {
            struct value *v = value_obj(p->a);
            value_set_int(p->a, v, "id", refs[i].id);
            value_set_str(p->a, v, "name", refs[i].name);
            value_set_bool(p->a, v, "checked",
                           pass == 0 ? has_id(depts, n_depts, refs[i].id)
                                     : has_id(tags, n_tags, refs[i].id));
            value_push(p->a, list, v);
        }
        if (value_list_len(list) > 0)
            value_set(p->a, p->root, pass == 0 ? "depts" : "tags", list);
        if (pass == 0)
            e = store_tags_published(p->ctx->store, p->a, &refs, &n);
    }
    return e;
}

/* ---- GET/POST /subscribe ---- */

static void form_page(struct site_page *p, struct str error, struct str email, bool weekly,
                      const int64_t *tags, size_t n_tags, const int64_t *depts, size_t n_depts)
{
    struct str title = site__t(p, "subscribe.page_title");
    struct str names[1] = {title};
    enum err e;
    site__layout(p, title, STR_LIT("/subscribe"), site__t(p, "subscribe.text"));
    site__key(p, "list:news"); /* topics appear with articles */
    value_set_bool(p->a, p->root, "hide_subscribe", true);
    e = topics(p, tags, n_tags, depts, n_depts);
    if (e != ERR_OK) {
        site__fail(p, e, "subscribe topics");
        return;
    }
    if (error.len > 0)
        value_set_str(p->a, p->root, "error", error);
    value_set_str(p->a, p->root, "email", email);
    value_set_bool(p->a, p->root, "weekly", weekly);
    site__crumbs(p, 1, names, NULL);
    site__finish(p, "subscribe");
    if (error.len > 0) {
        if (p->res->status == 200)
            p->res->status = 400;
        no_store(p);
    }
}

static void subscribe_get(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    if (!site__begin(&p, req, res))
        return;
    form_page(&p, STR_NULL, STR_NULL, false, NULL, 0, NULL, 0);
}

static const char *problem_key(enum mail_addr_problem why)
{
    switch (why) {
    case MAIL_ADDR_EMPTY:
        return "subscribe.bad.empty";
    case MAIL_ADDR_TOO_LONG:
        return "subscribe.bad.too_long";
    case MAIL_ADDR_DOMAIN:
        return "subscribe.bad.domain";
    case MAIL_ADDR_NONASCII:
        return "subscribe.bad.nonascii";
    default:
        return "subscribe.bad.syntax";
    }
}

static void subscribe_post(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct sub_form *f;
    struct mail_site ms;
    struct store *w;
    enum mail_sub_outcome outcome = MAIL_SUB_ACCEPTED;
    enum mail_addr_problem why = MAIL_ADDR_OK;
    enum err e;

    if (!site__begin(&p, req, res))
        return;
    if (cross_site(&p)) {
        message_page(&p, 403, "subscribe.cross.title", "subscribe.cross.text", NULL, STR_NULL,
                     NULL);
        return;
    }
    f = arena_alloc(p.a, sizeof *f);
    form_parse(p.a, req->body, f);
    bool weekly = str_eq_cstr(f->frequency, "weekly");
    if (f->honeypot.len > 0) {
        /* a bot: answer as if all went well, do nothing */
        message_page(&p, 200, "subscribe.sent.title", "subscribe.sent.text", NULL, STR_NULL, NULL);
        return;
    }
    w = writer_lock(p.site);
    if (w == NULL) {
        site__fail(&p, ERR_BUSY, "subscription writer");
        return;
    }
    e = mail_site_both(w, &p, &ms);
    if (e == ERR_OK) {
        struct mail_subscribe_input in = {
            .email = f->email,
            .weekly = weekly,
            .tag_ids = f->tags,
            .n_tags = f->n_tags,
            .dept_ids = f->depts,
            .n_depts = f->n_depts,
            .ip = str_from_cstr(req->client_ip),
            .user_agent = http_request_header(req, "User-Agent"),
            .lang = p.variant.english ? STR_LIT(STORE_LANG_EN) : STR_LIT(STORE_LANG_UK),
            .now = utc_now(),
        };
        e = mail_subscribe(w, p.a, &ms, &sub_state.limits, &in, &outcome, &why);
    }
    writer_unlock();
    if (e != ERR_OK) {
        log_msg(LOG_ERROR, req->id, "subscription failed: %s", err_str(e));
        site__fail(&p, e == ERR_BUSY ? ERR_BUSY : ERR_DB, "subscription");
        return;
    }
    switch (outcome) {
    case MAIL_SUB_BAD_ADDRESS:
        form_page(&p, site__t(&p, problem_key(why)), f->email, weekly, f->tags, f->n_tags, f->depts,
                  f->n_depts);
        break;
    case MAIL_SUB_RATE_LIMITED:
        http_response_header(res, req, "Retry-After", STR_LIT("3600"));
        message_page(&p, 429, "subscribe.limited.title", "subscribe.limited.text", NULL, STR_NULL,
                     NULL);
        break;
    case MAIL_SUB_ACCEPTED:
        message_page(&p, 200, "subscribe.sent.title", "subscribe.sent.text", NULL, STR_NULL, NULL);
        break;
    }
}

/* ---- confirm ---- */

static struct str query_token(struct site_page *p)
{
    struct str t = STR_NULL;
    if (!http_form_get(p->a, p->req->query, "t", &t, NULL))
        return STR_NULL;
    return t;
}

static void confirm_get(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    if (!site__begin(&p, req, res))
        return;
    struct str t = query_token(&p);
    if (t.len == 0 || t.len > 200) {
        message_page(&p, 400, "confirm.invalid.title", "confirm.invalid.text", NULL, STR_NULL,
                     NULL);
        return;
    }
    message_page(&p, 200, "confirm.title", "confirm.text", "/subscribe/confirm", t,
                 "confirm.button");
}

static void token_outcome_page(struct site_page *p, enum mail_token_outcome o, const char *ok_title,
                               const char *ok_text)
{
    switch (o) {
    case MAIL_TOKEN_OK:
        message_page(p, 200, ok_title, ok_text, NULL, STR_NULL, NULL);
        break;
    case MAIL_TOKEN_EXPIRED:
        message_page(p, 410, "confirm.expired.title", "confirm.expired.text", NULL, STR_NULL, NULL);
        break;
    case MAIL_TOKEN_USED:
        message_page(p, 410, "confirm.used.title", "confirm.used.text", NULL, STR_NULL, NULL);
        break;
    case MAIL_TOKEN_INVALID:
        message_page(p, 400, "confirm.invalid.title", "confirm.invalid.text", NULL, STR_NULL, NULL);
        break;
    }
}

static void confirm_post(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct mail_site ms;
    struct sub_form *f;
    enum mail_token_outcome o = MAIL_TOKEN_INVALID;
    if (!site__begin(&p, req, res))
        return;
    if (cross_site(&p)) {
        message_page(&p, 403, "subscribe.cross.title", "subscribe.cross.text", NULL, STR_NULL,
                     NULL);
        return;
    }
    f = arena_alloc(p.a, sizeof *f);
    form_parse(p.a, req->body, f);
    struct store *w = writer_lock(p.site);
    if (w == NULL) {
        site__fail(&p, ERR_BUSY, "subscription writer");
        return;
    }
    enum err e = mail_site_both(w, &p, &ms);
    if (e == ERR_OK)
        e = mail_confirm(w, &ms, f->token, utc_now(), &o);
    writer_unlock();
    if (e != ERR_OK) {
        site__fail(&p, e == ERR_BUSY ? ERR_BUSY : ERR_DB, "confirm");
        return;
    }
    token_outcome_page(&p, o, "confirm.done.title", "confirm.done.text");
}

/* ---- unsubscribe ---- */

static void unsubscribe_get(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    if (!site__begin(&p, req, res))
        return;
    struct str t = query_token(&p);
    if (t.len == 0 || t.len > 64) {
        message_page(&p, 400, "confirm.invalid.title", "confirm.invalid.text", NULL, STR_NULL,
                     NULL);
        return;
    }
    message_page(&p, 200, "unsubscribe.title", "unsubscribe.text", "/subscribe/unsubscribe", t,
                 "unsubscribe.button");
}

static void unsubscribe_post(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct mail_site ms;
    struct sub_form *f;
    enum mail_token_outcome o = MAIL_TOKEN_INVALID;
    if (!site__begin(&p, req, res))
        return;
    /* no Origin check: RFC 8058 POSTs come from mail providers, and the token alone
     * authorises this (it can only be learnt from the subscriber's mail) */
    f = arena_alloc(p.a, sizeof *f);
    form_parse(p.a, req->body, f);
    struct str t = query_token(&p);
    if (t.len == 0)
        t = f->token;
    struct store *w = writer_lock(p.site);
    if (w == NULL) {
        site__fail(&p, ERR_BUSY, "subscription writer");
        return;
    }
    enum err e = mail_site_both(w, &p, &ms);
    if (e == ERR_OK)
        e = mail_unsubscribe(w, p.a, &ms, t, utc_now(), &o);
    writer_unlock();
    if (e != ERR_OK) {
        site__fail(&p, e == ERR_BUSY ? ERR_BUSY : ERR_DB, "unsubscribe");
        return;
    }
    token_outcome_page(&p, o, "unsubscribe.done.title", "unsubscribe.done.text");
}

/* ---- preferences ---- */

static void prefs_page(struct site_page *p, struct mail_site *ms, const struct store_subscriber *s,
                       struct str token, bool saved, struct str error)
{
    struct str title = site__t(p, "prefs.title");
    struct str names[1] = {title};
    struct buf unsub;
    site__layout(p, title, STR_LIT("/subscribe"), STR_NULL);
    value_set_bool(p->a, p->root, "noindex", true);
    value_set_bool(p->a, p->root, "hide_subscribe", true);
    enum err e = topics(p, s->tag_ids, s->n_tags, s->dept_ids, s->n_depts);
    if (e != ERR_OK) {
        site__fail(p, e, "preferences topics");
        return;
    }
    value_set_str(p->a, p->root, "token", token);
    value_set_str(p->a, p->root, "email", s->email);
    value_set_bool(p->a, p->root, "weekly", s->weekly);
    value_set_bool(p->a, p->root, "saved", saved);
    value_set_bool(p->a, p->root, "lang_en", str_eq_cstr(s->lang, STORE_LANG_EN));
    if (error.len > 0)
        value_set_str(p->a, p->root, "error", error);
    value_set_bool(p->a, p->root, "inactive", s->state != STORE_SUB_ACTIVE);
    buf_init(&unsub, 512);
    buf_append(&unsub, p->variant.prefix.ptr, p->variant.prefix.len);
    buf_append_cstr(&unsub, "/subscribe/unsubscribe?t=");
    buf_set_error(&unsub, mail_token_link_make(ms->secret, 'u', s->id, s->key, &unsub));
    site__text_failed(p, buf_error(&unsub), "unsubscribe link"); /* site__finish answers 500 */
    value_set_str(p->a, p->root, "unsubscribe_url", buf_str(&unsub));
    buf_free(&unsub);
    site__crumbs(p, 1, names, NULL);
    site__finish(p, "subscribe-preferences");
    if (error.len > 0 && p->res->status == 200)
        p->res->status = 400;
    no_store(p);
}

static void prefs_common(struct http_request *req, struct http_response *res, bool save)
{
    struct site_page p;
    struct mail_site ms;
    struct store_subscriber s;
    struct sub_form *f;
    struct str t;
    enum mail_token_outcome o = MAIL_TOKEN_INVALID;
    if (!site__begin(&p, req, res))
        return;
    f = arena_alloc(p.a, sizeof *f);
    if (save) {
        if (cross_site(&p)) {
            message_page(&p, 403, "subscribe.cross.title", "subscribe.cross.text", NULL, STR_NULL,
                         NULL);
            return;
        }
        form_parse(p.a, req->body, f);
        t = f->token;
    } else {
        t = query_token(&p);
    }
    struct store *w = writer_lock(p.site);
    if (w == NULL) {
        site__fail(&p, ERR_BUSY, "subscription writer");
        return;
    }
    enum err e = mail_site_both(w, &p, &ms);
    /* a language we do not send in: say so, change nothing (not even the topics) */
    bool bad_lang = save && f->lang.len > 0 && !store_mail_lang_valid(f->lang);
    if (e == ERR_OK && save && !bad_lang)
        e = mail_prefs_save(w, p.a, &ms, t, str_eq_cstr(f->frequency, "weekly"), f->tags, f->n_tags,
                            f->depts, f->n_depts, f->lang, &o);
    if (e == ERR_OK)
        e = mail_prefs_load(w, p.a, &ms, t, &s, &o);
    writer_unlock();
    if (e != ERR_OK) {
        site__fail(&p, e == ERR_BUSY ? ERR_BUSY : ERR_DB, "preferences");
        return;
    }
    if (o != MAIL_TOKEN_OK) {
        message_page(&p, 400, "confirm.invalid.title", "confirm.invalid.text", NULL, STR_NULL,
                     NULL);
        return;
    }
    prefs_page(&p, &ms, &s, t, save && !bad_lang,
               bad_lang ? site__t(&p, "prefs.bad_lang") : STR_NULL);
}

static void prefs_get(struct http_request *req, struct http_response *res)
{
    prefs_common(req, res, false);
}

static void prefs_post(struct http_request *req, struct http_response *res)
{
    prefs_common(req, res, true);
}

void site_subscribe_routes(struct site *s, struct http_router *r)
{
    (void)s;
    /* reader's pages: also under /lv/ (site__route), forms included */
    site__route(r, HTTP_M_GET, "/subscribe", subscribe_get, NULL);
    site__route(r, HTTP_M_POST, "/subscribe", subscribe_post, NULL);
    /* the single-use token arrives in the query ("t") */
    const struct http_route_opts token = {.query = "t"};
    site__route(r, HTTP_M_GET, "/subscribe/confirm", confirm_get, &token);
    site__route(r, HTTP_M_POST, "/subscribe/confirm", confirm_post, NULL);
    site__route(r, HTTP_M_GET, "/subscribe/unsubscribe", unsubscribe_get, &token);
    site__route(r, HTTP_M_POST, "/subscribe/unsubscribe", unsubscribe_post, NULL);
    site__route(r, HTTP_M_GET, "/subscribe/preferences", prefs_get, &token);
    site__route(r, HTTP_M_POST, "/subscribe/preferences", prefs_post, NULL);
}

/* ---- shared with the other public forms (site_internal.h) ---- */

struct store *site__writer_lock(struct site *site)
{
    return writer_lock(site);
}

void site__writer_unlock(void)
{
    writer_unlock();
}

bool site__cross_site(struct site_page *p)
{
    return cross_site(p);
}

enum err site__mail_site(struct store *w, struct site_page *p, struct mail_site *ms)
{
    return mail_site_load(w, p->a, p->theme->uk, p->site->base_url, mail_from_for(p), ms);
}
