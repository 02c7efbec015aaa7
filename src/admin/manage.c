/* manage.c: tags (rename, merge), departments, static pages, the emergency banner, site
 * settings, users and the audit log view. Every change is audited and invalidates the
 * cached pages that show it. */
#include <stdio.h>
#include <string.h>

#include "admin/admin_internal.h"
#include "alert/alert.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "mail/mail.h"
#include "render/markdown.h"
#include "sign/seal.h"
#include "site/site_settings.h"
#include "store/accounts.h"
#include "store/settings.h"
#include "store/workflow.h"

static bool param_id(struct admin_ctx *c, int64_t *id)
{
    if (!admin__path_id(c, id))
        return false;
    return true;
}

/* commit_audit appends the audit entry and commits; on failure answers and false. */
static bool commit_audit(struct admin_ctx *c, enum err e, const char *action, struct str object,
                         struct str detail)
{
    if (e == ERR_OK)
        e = admin__audit_in(c, action, object, detail);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, action);
        return false;
    }
    return true;
}

/* ---- tags and departments ------------------------------------------------------------ */

static void refs_page(struct admin_ctx *c, bool is_tag, int status, const char *error_key)
{
    struct store_ref *items;
    size_t n;
    enum err e =
        is_tag ? store_tags_all(c->db, c->a, &items, &n) : store_depts_all(c->db, c->a, &items, &n);
    if (e != ERR_OK) {
        admin__db_error(c, e, "refs");
        return;
    }
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_int(c->a, v, "id", items[i].id);
        value_set_str(c->a, v, "name", items[i].name);
        value_set_str(c->a, v, "slug", items[i].slug);
        value_set_int(c->a, v, "count", items[i].count);
        value_push(c->a, list, v);
    }
    value_set(c->a, c->root, "items", list);
    if (error_key != NULL)
        value_set_str(c->a, c->root, "error", admin__t(c, error_key));
    value_set_bool(c->a, c->root, is_tag ? "nav_tags" : "nav_depts", true);
    admin__render(c, status, is_tag ? "admin-tags" : "admin-depts");
}

void admin__tags(struct admin_ctx *c)
{
    refs_page(c, true, 200, NULL);
}

void admin__depts(struct admin_ctx *c)
{
    refs_page(c, false, 200, NULL);
}

static void ref_save(struct admin_ctx *c, bool is_tag)
{
    int64_t id;
    if (!param_id(c, &id))
        return;
    struct str name = str_trim(admin__field(c, c->req->body, "name"));
    struct str slug = str_trim(admin__field(c, c->req->body, "slug"));
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_ref_rename(c->db, is_tag, id, name, slug);
    if (e == ERR_CONFLICT || e == ERR_INVALID) {
        store_rollback(c->db);
        refs_page(c, is_tag, e == ERR_CONFLICT ? 409 : 422,
                  e == ERR_CONFLICT ? "admin.refs.taken" : "admin.refs.invalid");
        return;
    }
    if (!commit_audit(
            c, e, is_tag ? "tag.rename" : "dept.rename",
            str_from_cstr(arena_printf(c->a, "%s:%lld", is_tag ? "tag" : "dept", (long long)id)),
            str_from_cstr(arena_printf(c->a, "%.*s (%.*s)", STR_FMT(name), STR_FMT(slug)))))
        return;
    /* the old slug's page and every article page naming the tag */
    admin__invalidate(c, "%s:%lld", is_tag ? "tag" : "dept", (long long)id);
    admin__redirect(c, "%s?m=saved", is_tag ? "/admin/tags" : "/admin/departments");
}

void admin__tag_save(struct admin_ctx *c)
{
    ref_save(c, true);
}

void admin__dept_save(struct admin_ctx *c)
{
    ref_save(c, false);
}

void admin__tag_merge(struct admin_ctx *c)
{
    struct store_ref *items;
    size_t n;
    int64_t id, into = 0;
    if (!param_id(c, &id))
        return;
    struct str target = str_trim(admin__field(c, c->req->body, "into"));
    enum err e = store_tags_all(c->db, c->a, &items, &n);
    if (e != ERR_OK) {
        admin__db_error(c, e, "tags");
        return;
    }
    for (size_t i = 0; i < n && into == 0; i++)
        if (str_eq(items[i].name, target) || str_eq(items[i].slug, target))
            into = items[i].id;
    if (into == 0 || into == id) {
        refs_page(c, true, 422, "admin.refs.merge_target");
        return;
    }
    e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_tag_merge(c->db, id, into);
    if (!commit_audit(c, e, "tag.merge",
                      str_from_cstr(arena_printf(c->a, "tag:%lld", (long long)id)),
                      str_from_cstr(arena_printf(c->a, "into tag:%lld %.*s", (long long)into,
                                                 STR_FMT(target)))))
        return;
    admin__invalidate(c, "tag:%lld", (long long)id);
    admin__invalidate(c, "tag:%lld", (long long)into);
    admin__redirect(c, "/admin/tags?m=merged");
}

void admin__dept_add(struct admin_ctx *c)
{
    int64_t id;
    struct str name = str_trim(admin__field(c, c->req->body, "name"));
    struct str slug = str_trim(admin__field(c, c->req->body, "slug"));
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_dept_add(c->db, name, slug, &id);
    if (e == ERR_CONFLICT || e == ERR_INVALID) {
        store_rollback(c->db);
        refs_page(c, false, e == ERR_CONFLICT ? 409 : 422,
                  e == ERR_CONFLICT ? "admin.refs.taken" : "admin.refs.invalid");
        return;
    }
    if (!commit_audit(c, e, "dept.create", name, slug))
        return;
    admin__invalidate(c, "dept:%lld", (long long)id);
    admin__redirect(c, "/admin/departments?m=created");
}

/* ---- pages ---------------------------------------------------------------------------- */

void admin__pages(struct admin_ctx *c)
{
    struct store_page *items;
    size_t n;
    enum err e = store_pages_all(c->db, c->a, &items, &n);
    if (e != ERR_OK) {
        admin__db_error(c, e, "pages");
        return;
    }
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_str(c->a, v, "slug", items[i].slug);
        value_set_str(c->a, v, "title", items[i].title);
        value_set_str(c->a, v, "updated", admin__date(c, items[i].updated_at));
        value_push(c->a, list, v);
    }
    value_set(c->a, c->root, "pages", list);
    value_set_bool(c->a, c->root, "nav_pages", true);
    admin__render(c, 200, "admin-pages");
}

static void page_form(struct admin_ctx *c, int status, struct str slug, struct str title,
                      struct str body, bool is_new, const char *error_key)
{
    struct value *p = value_obj(c->a);
    value_set_str(c->a, p, "slug", slug);
    value_set_str(c->a, p, "title", title);
    value_set_str(c->a, p, "body", body);
    value_set_bool(c->a, p, "is_new", is_new);
    value_set(c->a, c->root, "page", p);
    if (error_key != NULL)
        value_set_str(c->a, c->root, "error", admin__t(c, error_key));
    value_set_bool(c->a, c->root, "nav_pages", true);
    admin__render(c, status, "admin-page");
}

void admin__page_edit(struct admin_ctx *c)
{
    struct store_page pg;
    struct str slug = c->req->n_params > 0 ? c->req->params[0] : STR_LIT("");
    if (str_eq_cstr(slug, "new")) {
        page_form(c, 200, STR_LIT(""), STR_LIT(""), STR_LIT(""), true, NULL);
        return;
    }
    enum err e = store_page_by_slug(c->db, c->a, slug, &pg);
    if (e != ERR_OK) {
        admin__db_error(c, e, "page");
        return;
    }
    page_form(c, 200, pg.slug, pg.title, pg.body_md, false, NULL);
}

void admin__page_save(struct admin_ctx *c)
{
    struct store_page pg;
    struct str path_slug = c->req->n_params > 0 ? c->req->params[0] : STR_LIT("");
    bool is_new = str_eq_cstr(path_slug, "new");
    struct str slug = is_new ? str_trim(admin__field(c, c->req->body, "slug")) : path_slug;
    struct str title = str_trim(admin__field(c, c->req->body, "title"));
    struct str body = admin__field(c, c->req->body, "body");

    if (!store_slug_valid(slug) || str_eq_cstr(slug, "new") || title.len == 0) {
        page_form(c, 422, slug, title, body, is_new, "admin.page.invalid");
        return;
    }
    if (is_new && store_page_by_slug(c->db, c->a, slug, &pg) == ERR_OK) {
        page_form(c, 409, slug, title, body, is_new, "admin.page.taken");
        return;
    }
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_page_upsert(c->db, slug, title, body);
    if (e == ERR_INVALID || e == ERR_TOO_LARGE) {
        store_rollback(c->db);
        page_form(c, 422, slug, title, body, is_new, "admin.page.invalid");
        return;
    }
    if (e == ERR_OK)
        e = store_page_by_slug(c->db, c->a, slug, &pg);
    if (e == ERR_OK)
        e = sign_seal_page(c->db, c->a, pg.id, utc_now()); /* every saved revision is signed */
    if (!commit_audit(c, e, is_new ? "page.create" : "page.save", slug, title))
        return;
    admin__invalidate(c, "page:%lld", (long long)pg.id);
    if (is_new && c->req->server != NULL)
        http_cache_clear(c->req->server); /* the site map and menus list pages */
    admin__redirect(c, "/admin/pages/%.*s?m=saved", STR_FMT(slug));
}

void admin__page_delete(struct admin_ctx *c)
{
    struct store_page pg;
    struct str slug = c->req->n_params > 0 ? c->req->params[0] : STR_LIT("");
    enum err e = store_page_by_slug(c->db, c->a, slug, &pg);
    if (e != ERR_OK) {
        admin__db_error(c, e, "page");
        return;
    }
    e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_page_delete(c->db, slug);
    if (!commit_audit(c, e, "page.delete", slug, pg.title))
        return;
    admin__invalidate(c, "page:%lld", (long long)pg.id);
    if (c->req->server != NULL)
        http_cache_clear(c->req->server);
    admin__redirect(c, "/admin/pages?m=deleted");
}

/* ---- banner and settings ------------------------------------------------------------- */

static struct str setting(struct admin_ctx *c, const char *key)
{
    struct str v;
    if (store_setting_get(c->db, c->a, key, &v) != ERR_OK)
        return STR_LIT("");
    return v;
}

/* feed_health shows the automatic banner's feed: configured or not, region, last good
 * answer and last error (texts the feed module already cleared of the key). */
static void feed_health(struct admin_ctx *c, bool manual)
{
    struct alert_feed_status st;
    if (c->ad->alert == NULL)
        return;
    alert_feed_status(c->ad->alert, &st);
    struct value *f = value_obj(c->a);
    value_set_str(c->a, f, "url", arena_str(c->a, str_from_cstr(st.url)));
    value_set_str(c->a, f, "region", arena_str(c->a, str_from_cstr(st.region)));
    if (st.last_ok != 0)
        value_set_str(c->a, f, "last_ok", admin__date(c, st.last_ok));
    if (st.last_error[0] != '\0') {
        value_set_str(c->a, f, "last_error", arena_str(c->a, str_from_cstr(st.last_error)));
        value_set_str(c->a, f, "last_error_at", admin__date(c, st.last_error_at));
    }
    value_set_int(c->a, f, "errors", (int64_t)st.errors);
    const char *state = st.shown == ALERT_BANNER_ALERT       ? "admin.feed.state_alert"
                        : st.shown == ALERT_BANNER_ALL_CLEAR ? "admin.feed.state_clear"
                        : st.known == 0                      ? "admin.feed.state_unknown"
                                                             : "admin.feed.state_none";
    value_set_str(c->a, f, "state", admin__t(c, state));
    value_set_bool(c->a, f, "alert", st.shown == ALERT_BANNER_ALERT);
    /* the editors' banner hides the automatic one; say so where it matters */
    value_set_bool(c->a, f, "hidden", manual && st.shown != ALERT_BANNER_NONE);
    if (!manual && st.shown != ALERT_BANNER_NONE) /* "no banner" would be untrue then */
        value_set_str(c->a, c->root, "auto_shown",
                      admin__t(c, st.shown == ALERT_BANNER_ALERT ? "admin.feed.shown_alert"
                                                                 : "admin.feed.shown_clear"));
    value_set(c->a, c->root, "feed", f);
}

/* banner_level_valid: the levels a banner may have ("allclear": green, as the automatic
 * banner's «Відбій тривоги»). */
static bool banner_level_valid(struct str level)
{
    return str_eq_cstr(level, "info") || str_eq_cstr(level, "warning") ||
           str_eq_cstr(level, "danger") || str_eq_cstr(level, "allclear");
}

static void banner_page(struct admin_ctx *c, int status, const char *error_key)
{
    struct str level = setting(c, "banner_level");
    int64_t until = 0;
    if (!banner_level_valid(level))
        level = STR_LIT("info");
    value_set_str(c->a, c->root, "text", setting(c, "banner_text"));
    value_set_str(c->a, c->root, "link", setting(c, "banner_link"));
    value_set_bool(c->a, c->root, "level_info", str_eq_cstr(level, "info"));
    value_set_bool(c->a, c->root, "level_warning", str_eq_cstr(level, "warning"));
    value_set_bool(c->a, c->root, "level_danger", str_eq_cstr(level, "danger"));
    value_set_bool(c->a, c->root, "level_allclear", str_eq_cstr(level, "allclear"));
    if (str_to_i64(setting(c, "banner_until"), &until) && until > utc_now() &&
        setting(c, "banner_text").len > 0)
        value_set_str(c->a, c->root, "until", admin__date(c, until));
    value_set_bool(c->a, c->root, "active", setting(c, "banner_text").len > 0);
    if (error_key != NULL)
        value_set_str(c->a, c->root, "error", admin__t(c, error_key));
    value_set_bool(c->a, c->root, "nav_banner", true);
    feed_health(c, setting(c, "banner_text").len > 0);
    admin__render(c, status, "admin-banner");
}

void admin__banner(struct admin_ctx *c)
{
    banner_page(c, 200, NULL);
}

/* POST /admin/banner: a banner as typed, or a preset (preset=alert: «Повітряна тривога»,
 * danger; preset=allclear: «Відбій тривоги», allclear) in one click, each with an optional
 * time after which it goes by itself (until, Kyiv time; the scheduler removes it). */
void admin__banner_save(struct admin_ctx *c)
{
    struct str text = str_trim(admin__field(c, c->req->body, "text"));
    struct str level = admin__field(c, c->req->body, "level");
    struct str link = str_trim(admin__field(c, c->req->body, "link"));
    struct str preset = admin__field(c, c->req->body, "preset");
    struct str until_text = str_trim(admin__field(c, c->req->body, "until"));
    int64_t until = 0;
    if (str_eq_cstr(preset, "alert") || str_eq_cstr(preset, "allclear")) {
        bool alert = str_eq_cstr(preset, "alert");
        text = str_from_cstr(arena_printf(
            c->a, "%.*s. %.*s",
            STR_FMT(admin__t(c, alert ? "banner.alert.title" : "banner.all_clear.title")),
            STR_FMT(admin__t(c, alert ? "banner.alert.text" : "banner.all_clear.text"))));
        level = alert ? STR_LIT("danger") : STR_LIT("allclear");
        link = STR_LIT("");
    }
    if (!banner_level_valid(level))
        level = STR_LIT("info");
    if (text.len == 0 || text.len > 1000 || link.len > 1000 ||
        (link.len > 0 && !markdown_url_allowed(link))) {
        banner_page(c, 422, "admin.banner.invalid");
        return;
    }
    if (until_text.len > 0 && (!kyiv_parse(until_text, &until) || until <= utc_now())) {
        banner_page(c, 422, "admin.banner.bad_until");
        return;
    }
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_setting_set(c->db, "banner_text", text);
    if (e == ERR_OK)
        e = store_setting_set(c->db, "banner_level", level);
    if (e == ERR_OK)
        e = store_setting_set(c->db, "banner_link", link);
    if (e == ERR_OK)
        e = store_setting_set(c->db, "banner_until",
                              until > 0 ? admin__int_str(c->a, until) : STR_LIT(""));
    if (!commit_audit(c, e, "banner.set", level, text))
        return;
    admin__invalidate(c, "banner");
    admin__redirect(c, "/admin/banner?m=banner_on");
}

void admin__banner_clear(struct admin_ctx *c)
{
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_setting_set(c->db, "banner_text", STR_LIT(""));
    if (e == ERR_OK)
        e = store_setting_set(c->db, "banner_until", STR_LIT(""));
    if (!commit_audit(c, e, "banner.clear", STR_NULL, STR_NULL))
        return;
    admin__invalidate(c, "banner");
    admin__redirect(c, "/admin/banner?m=banner_off");
}

/* Every setting the settings page edits, in one array so the page reads them with one
 * query. The first N_CONTACT_KEYS are plain one-line fields (empty: the catalog's
 * default); the rest are the editable layout (site_settings.h). */
#define N_CONTACT_KEYS 9
enum {
    K_MENU = N_CONTACT_KEYS,
    K_FOOTER_NOTE,
    K_LICENSE_MODE,
    K_LICENSE_NAME,
    K_LICENSE_URL,
    K_LICENSE_BEFORE,
    K_LICENSE_AFTER,
    N_SETTING_KEYS,
};
#define CONTACT_MAX_CHARS 1000
static const char *const setting_keys[N_SETTING_KEYS] = {
    "site_name",
    "site_tagline",
    "address",
    "phone",
    "email",
    "hotline",
    "support_email",
    /* the English version's name and tagline (empty: the Ukrainian ones, marked lang=uk) */
    "site_name_en",
    "site_tagline_en",
    [K_MENU] = SITE_KEY_MENU,
    [K_FOOTER_NOTE] = SITE_KEY_FOOTER_NOTE,
    [K_LICENSE_MODE] = SITE_KEY_LICENSE_MODE,
    [K_LICENSE_NAME] = SITE_KEY_LICENSE_NAME,
    [K_LICENSE_URL] = SITE_KEY_LICENSE_URL,
    [K_LICENSE_BEFORE] = SITE_KEY_LICENSE_BEFORE,
    [K_LICENSE_AFTER] = SITE_KEY_LICENSE_AFTER,
};

/* buf_take moves a scratch buffer's text into the arena and frees the buffer. */
static struct str buf_take(struct arena *a, struct buf *b)
{
    struct str s = arena_str(a, buf_str(b));
    buf_free(b);
    return s;
}

/* default_menu_text: the default menu as the textarea shows it ("Новини | /news"...). */
static struct str default_menu_text(struct admin_ctx *c)
{
    struct buf b;
    buf_init(&b, SITE_MENU_MAX_BYTES);
    for (size_t i = 0; i < SITE_MENU_N_DEFAULTS; i++)
        buf_appendf(&b, "%.*s | %s\n", STR_FMT(admin__t(c, site_menu_defaults[i].label_key)),
                    site_menu_defaults[i].url);
    return buf_take(c->a, &b);
}

/* field_default: what setting i (a layout one) means while unset, as the form shows it. */
static struct str field_default(struct admin_ctx *c, size_t i)
{
    switch (i) {
    case K_MENU:
        return default_menu_text(c);
    case K_LICENSE_MODE:
        return STR_LIT("default");
    case K_LICENSE_NAME:
        return admin__t(c, "footer.license_name");
    case K_LICENSE_URL:
        return STR_LIT(SITE_LICENSE_DEFAULT_URL);
    case K_LICENSE_BEFORE:
        return admin__t(c, "footer.license_before");
    case K_LICENSE_AFTER:
        return admin__t(c, "footer.license_after");
    default:
        return STR_LIT("");
    }
}

/* settings_page shows the form with values (the stored ones, or what the admin typed
 * when error_detail says what is wrong with field bad). */
static void settings_page(struct admin_ctx *c, int status, const struct str *values,
                          struct str error_detail, size_t bad)
{
    struct arena *a = c->a;
    struct value *list = value_list(a);
    struct str mode = values[K_LICENSE_MODE];

    for (size_t i = 0; i < N_CONTACT_KEYS; i++) {
        struct value *v = value_obj(a);
        value_set_cstr(a, v, "key", setting_keys[i]);
        value_set_str(a, v, "label",
                      admin__t(c, arena_printf(a, "admin.settings.%s", setting_keys[i])));
        value_set_str(a, v, "value", values[i].ptr != NULL ? values[i] : STR_LIT(""));
        value_set_bool(a, v, "invalid", bad == i);
        value_push(a, list, v);
    }
    value_set(a, c->root, "settings", list);
    /* the form starts from what readers see: the default menu and licence text */
    value_set_str(a, c->root, "menu",
                  values[K_MENU].len > 0 ? values[K_MENU] : field_default(c, K_MENU));
    value_set_str(a, c->root, "footer_note", values[K_FOOTER_NOTE]);
    value_set_bool(a, c->root, "license_custom", str_eq_cstr(mode, "custom"));
    value_set_bool(a, c->root, "license_none", str_eq_cstr(mode, "none"));
    value_set_bool(a, c->root, "license_default",
                   !str_eq_cstr(mode, "custom") && !str_eq_cstr(mode, "none"));
    value_set_str(a, c->root, "license_name",
                  values[K_LICENSE_NAME].ptr != NULL ? values[K_LICENSE_NAME]
                                                     : field_default(c, K_LICENSE_NAME));
    value_set_str(a, c->root, "license_url",
                  values[K_LICENSE_URL].ptr != NULL ? values[K_LICENSE_URL]
                                                    : field_default(c, K_LICENSE_URL));
    value_set_str(a, c->root, "license_before",
                  values[K_LICENSE_BEFORE].ptr != NULL ? values[K_LICENSE_BEFORE]
                                                       : field_default(c, K_LICENSE_BEFORE));
    value_set_str(a, c->root, "license_after",
                  values[K_LICENSE_AFTER].ptr != NULL ? values[K_LICENSE_AFTER]
                                                      : field_default(c, K_LICENSE_AFTER));
    for (size_t i = N_CONTACT_KEYS; i < N_SETTING_KEYS; i++)
        if (bad == i)
            value_set_bool(a, c->root, arena_printf(a, "%s_invalid", setting_keys[i]), true);
    if (error_detail.len > 0) {
        value_set_str(a, c->root, "error", admin__t(c, "admin.settings.invalid"));
        value_set_str(a, c->root, "error_detail", error_detail);
    }
    value_set_bool(a, c->root, "nav_settings", true);
    admin__render(c, status, "admin-settings");
}

void admin__settings(struct admin_ctx *c)
{
    struct str values[N_SETTING_KEYS];
    enum err e = store_settings_load(c->db, c->a, setting_keys, N_SETTING_KEYS, values);
    if (e != ERR_OK) {
        admin__db_error(c, e, "settings");
        return;
    }
    settings_page(c, 200, values, STR_NULL, SIZE_MAX);
}

static const char *const menu_problem_keys[] = {
    [SITE_MENU_OK] = "admin.settings.menu_err.bad_text",
    [SITE_MENU_NO_SEPARATOR] = "admin.settings.menu_err.no_separator",
    [SITE_MENU_NO_LABEL] = "admin.settings.menu_err.no_label",
    [SITE_MENU_LONG_LABEL] = "admin.settings.menu_err.long_label",
    [SITE_MENU_BAD_URL] = "admin.settings.err_url",
    [SITE_MENU_TOO_MANY] = "admin.settings.menu_err.too_many",
    [SITE_MENU_BAD_TEXT] = "admin.settings.menu_err.bad_text",
};

/* field_problem: "«Label»: what is wrong" for setting i. */
static struct str field_problem(struct admin_ctx *c, size_t i, const char *what_key,
                                size_t max_chars)
{
    struct str label = admin__t(c, arena_printf(c->a, "admin.settings.%s", setting_keys[i]));
    struct str what = admin__t(c, what_key);
    if (max_chars > 0)
        return str_from_cstr(
            arena_printf(c->a, "«%.*s»: %.*s %zu", STR_FMT(label), STR_FMT(what), max_chars));
    return str_from_cstr(arena_printf(c->a, "«%.*s»: %.*s", STR_FMT(label), STR_FMT(what)));
}

/* normalize_note turns CRLF and lone CR into LF: browsers send CRLF, pages show LF. */
static struct str normalize_note(struct arena *a, struct str s)
{
    char *d = arena_alloc(a, s.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '\r') {
            d[n++] = '\n';
            if (i + 1 < s.len && s.ptr[i + 1] == '\n')
                i++;
        } else {
            d[n++] = s.ptr[i];
        }
    }
    return str_trim(str_make(d, n));
}

/* settings_check validates the submitted values in place (normalising the menu and the
 * note); on a problem sets *bad and returns the message. */
static struct str settings_check(struct admin_ctx *c, struct str *v, size_t *bad)
{
    struct site_menu_item items[SITE_MENU_MAX_ITEMS];
    size_t n, line;
    enum site_menu_problem problem;

    for (size_t i = 0; i < N_CONTACT_KEYS; i++) {
        if (!site_text_ok(v[i], CONTACT_MAX_CHARS, false)) {
            *bad = i;
            return field_problem(c, i, "admin.settings.err_text", CONTACT_MAX_CHARS);
        }
    }
    if (site_menu_parse(v[K_MENU], items, &n, &line, &problem) != ERR_OK) {
        struct str label = admin__t(c, "admin.settings.menu");
        struct str what = admin__t(c, menu_problem_keys[problem]);
        *bad = K_MENU;
        if (line == 0)
            return str_from_cstr(arena_printf(c->a, "«%.*s»: %.*s", STR_FMT(label), STR_FMT(what)));
        return str_from_cstr(arena_printf(c->a, "«%.*s», %.*s %zu: %.*s", STR_FMT(label),
                                          STR_FMT(admin__t(c, "admin.settings.menu_err.line")),
                                          line, STR_FMT(what)));
    }
    {
        /* stored in one canonical form; the default menu is stored as unset, so the
         * catalog keeps deciding its labels */
        struct buf b;
        buf_init(&b, SITE_MENU_MAX_BYTES + 64);
        for (size_t i = 0; i < n; i++)
            buf_appendf(&b, "%.*s | %.*s\n", STR_FMT(items[i].label), STR_FMT(items[i].url));
        v[K_MENU] = buf_take(c->a, &b);
        if (str_eq(v[K_MENU], default_menu_text(c)))
            v[K_MENU] = STR_LIT("");
    }
    v[K_FOOTER_NOTE] = normalize_note(c->a, v[K_FOOTER_NOTE]);
    if (!site_text_ok(v[K_FOOTER_NOTE], SITE_FOOTER_NOTE_MAX_CHARS, true)) {
        *bad = K_FOOTER_NOTE;
        return field_problem(c, K_FOOTER_NOTE, "admin.settings.err_text",
                             SITE_FOOTER_NOTE_MAX_CHARS);
    }
    if (!str_eq_cstr(v[K_LICENSE_MODE], "custom") && !str_eq_cstr(v[K_LICENSE_MODE], "none"))
        v[K_LICENSE_MODE] = STR_LIT("default");
    if (!site_text_ok(v[K_LICENSE_NAME], SITE_LICENSE_NAME_MAX_CHARS, false)) {
        *bad = K_LICENSE_NAME;
        return field_problem(c, K_LICENSE_NAME, "admin.settings.err_text",
                             SITE_LICENSE_NAME_MAX_CHARS);
    }
    if (str_eq_cstr(v[K_LICENSE_MODE], "custom") && v[K_LICENSE_NAME].len == 0) {
        *bad = K_LICENSE_NAME;
        return field_problem(c, K_LICENSE_NAME, "admin.settings.err_license_name", 0);
    }
    if (v[K_LICENSE_URL].len > 0 && !site_url_allowed(v[K_LICENSE_URL])) {
        *bad = K_LICENSE_URL;
        return field_problem(c, K_LICENSE_URL, "admin.settings.err_url", 0);
    }
    for (size_t i = K_LICENSE_BEFORE; i <= K_LICENSE_AFTER; i++) {
        if (!site_text_ok(v[i], SITE_LICENSE_TEXT_MAX_CHARS, false)) {
            *bad = i;
            return field_problem(c, i, "admin.settings.err_text", SITE_LICENSE_TEXT_MAX_CHARS);
        }
    }
    return STR_NULL;
}

void admin__settings_save(struct admin_ctx *c)
{
    struct str old[N_SETTING_KEYS], v[N_SETTING_KEYS], problem;
    bool given[N_SETTING_KEYS];
    size_t bad = SIZE_MAX;
    struct buf changed;
    enum err e = store_settings_load(c->db, c->a, setting_keys, N_SETTING_KEYS, old);

    if (e != ERR_OK) {
        admin__db_error(c, e, "settings");
        return;
    }
    for (size_t i = 0; i < N_SETTING_KEYS; i++) {
        bool undecodable = false;
        given[i] = http_form_get(c->a, c->req->body, setting_keys[i], &v[i], &undecodable);
        if (undecodable) {
            settings_page(c, 422, old, field_problem(c, i, "admin.settings.err_encoding", 0), i);
            return;
        }
        /* the contact fields were always all sent; a layout field a form left out (an
         * older page, a script) keeps its value */
        if (!given[i])
            v[i] = i < N_CONTACT_KEYS ? STR_LIT("") : old[i];
        if (i != K_MENU && i != K_FOOTER_NOTE)
            v[i] = str_trim(v[i]);
    }
    problem = settings_check(c, v, &bad);
    if (problem.len > 0) {
        settings_page(c, 422, v, problem, bad);
        return;
    }
    buf_init(&changed, 1024);
    e = store_begin(c->db);
    for (size_t i = 0; i < N_SETTING_KEYS && e == ERR_OK; i++) {
        if (old[i].ptr != NULL && str_eq(old[i], v[i]))
            continue;
        if (old[i].ptr == NULL && i >= N_CONTACT_KEYS &&
            (v[i].len == 0 || str_eq(v[i], field_default(c, i))))
            continue; /* unset stays unset: its default keeps following the catalog */
        e = store_setting_set(c->db, setting_keys[i], v[i]);
        buf_appendf(&changed, "%s%s", changed.len > 0 ? ", " : "", setting_keys[i]);
    }
    /* the audit entry says which settings changed (their values are in the database) */
    if (!commit_audit(c, e, "settings.save", STR_LIT("settings"), buf_take(c->a, &changed)))
        return;
    admin__invalidate(c, "settings");
    admin__redirect(c, "/admin/settings?m=saved");
}

/* ---- users ------------------------------------------------------------------------------- */

/* users_page_typed: the users page; bad_email_id names the row whose typed notice
 * address (typed) was refused, so it is shown again next to its field */
static void users_page_typed(struct admin_ctx *c, int status, const char *error_key,
                             int64_t bad_email_id, struct str typed)
{
    struct store_user *items;
    size_t n;
    enum err e = store_users_all(c->db, c->a, &items, &n);
    if (e != ERR_OK) {
        admin__db_error(c, e, "users");
        return;
    }
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_int(c->a, v, "id", items[i].id);
        value_set_str(c->a, v, "name", items[i].name);
        value_set_bool(c->a, v, "author", items[i].role == STORE_ROLE_AUTHOR);
        value_set_bool(c->a, v, "editor", items[i].role == STORE_ROLE_EDITOR);
        value_set_bool(c->a, v, "admin", items[i].role == STORE_ROLE_ADMIN);
        value_set_bool(c->a, v, "disabled", items[i].disabled);
        value_set_bool(c->a, v, "self", items[i].id == c->user.id);
        value_set_str(c->a, v, "last_login", admin__date(c, items[i].last_login_at));
        struct str email;
        if (items[i].id == bad_email_id) {
            value_set_str(c->a, v, "email", typed);
            value_set_str(c->a, v, "email_error", admin__t(c, "admin.account.email_bad"));
        } else if (store_user_email_get(c->db, c->a, items[i].id, &email) == ERR_OK) {
            value_set_str(c->a, v, "email", email);
        }
        value_push(c->a, list, v);
    }
    value_set(c->a, c->root, "users", list);
    if (error_key != NULL)
        value_set_str(c->a, c->root, "error", admin__t(c, error_key));
    value_set_bool(c->a, c->root, "nav_users", true);
    admin__render(c, status, "admin-users");
}

static void users_page(struct admin_ctx *c, int status, const char *error_key)
{
    users_page_typed(c, status, error_key, 0, STR_NULL);
}

void admin__users(struct admin_ctx *c)
{
    users_page(c, 200, NULL);
}

/* new_password hashes the posted password pair; a catalog key on refusal. */
static const char *new_password(struct admin_ctx *c, char hash[ADMIN_PW_HASH_BYTES])
{
    struct str pw = admin__field(c, c->req->body, "password");
    struct str pw2 = admin__field(c, c->req->body, "password2");
    const char *why = admin_password_check(pw);
    if (why == NULL && !str_eq(pw, pw2))
        why = "admin.pw.mismatch";
    if (why != NULL)
        return why;
    /* an administrator's action, rare: no need for the login cap, but not under the lock */
    admin__unlock(c);
    enum err e = admin_password_hash(pw, hash);
    admin__lock(c);
    return e == ERR_OK ? NULL : "admin.login.busy";
}

void admin__user_add(struct admin_ctx *c)
{
    struct str name = str_trim(admin__field(c, c->req->body, "name"));
    enum store_role role;
    char hash[ADMIN_PW_HASH_BYTES];
    struct store_user existing;
    int64_t id;

    char *lower = arena_strndup(c->a, name.ptr != NULL ? name.ptr : "", name.len);
    for (size_t i = 0; i < name.len; i++)
        if (lower[i] >= 'A' && lower[i] <= 'Z')
            lower[i] = (char)(lower[i] - 'A' + 'a');
    name.ptr = lower;
    if (!store_user_name_valid(name) ||
        !store_role_parse(admin__field(c, c->req->body, "role"), &role)) {
        users_page(c, 422, "admin.users.invalid");
        return;
    }
    if (store_user_by_name(c->db, c->a, name, &existing) == ERR_OK) {
        users_page(c, 409, "admin.users.taken");
        return;
    }
    const char *why = new_password(c, hash);
    if (why != NULL) {
        users_page(c, 422, why);
        return;
    }
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_user_add(c->db, name, role, str_from_cstr(hash), &id);
    if (e == ERR_CONFLICT) {
        store_rollback(c->db);
        users_page(c, 409, "admin.users.taken");
        return;
    }
    if (!commit_audit(c, e, "user.create", name, str_from_cstr(store_role_text(role))))
        return;
    admin__redirect(c, "/admin/users?m=created");
}

void admin__user_save(struct admin_ctx *c)
{
    struct store_user u;
    int64_t id;
    enum store_role role;
    char hash[ADMIN_PW_HASH_BYTES];
    struct str op = admin__field(c, c->req->body, "op");
    const char *action;
    struct str detail = STR_NULL;
    enum err e;

    if (!param_id(c, &id))
        return;
    e = store_user_by_id(c->db, c->a, id, &u);
    if (e != ERR_OK) {
        admin__db_error(c, e, "user");
        return;
    }
    /* an administrator cannot lock themselves out */
    if (id == c->user.id && !str_eq_cstr(op, "password") && !str_eq_cstr(op, "email")) {
        users_page(c, 422, "admin.users.self");
        return;
    }
    if (str_eq_cstr(op, "role")) {
        if (!store_role_parse(admin__field(c, c->req->body, "role"), &role)) {
            users_page(c, 422, "admin.users.invalid");
            return;
        }
        e = store_begin(c->db);
        if (e == ERR_OK)
            e = store_user_set_role(c->db, id, role);
        action = "user.role";
        detail = str_from_cstr(store_role_text(role));
    } else if (str_eq_cstr(op, "disable") || str_eq_cstr(op, "enable")) {
        bool off = str_eq_cstr(op, "disable");
        e = store_begin(c->db);
        if (e == ERR_OK)
            e = store_user_set_disabled(c->db, id, off);
        action = off ? "user.disable" : "user.enable";
    } else if (str_eq_cstr(op, "password")) {
        const char *why = new_password(c, hash);
        if (why != NULL) {
            users_page(c, 422, why);
            return;
        }
        e = store_begin(c->db);
        if (e == ERR_OK)
            e = store_user_set_password(c->db, id, str_from_cstr(hash));
        action = "user.password";
    } else if (str_eq_cstr(op, "email")) {
        /* the address notices go to, as the user sets it on their account page (issue 12):
         * empty means no notices; the address itself stays out of the audit log */
        struct str typed = str_trim(admin__field(c, c->req->body, "email"));
        struct buf norm;
        enum mail_addr_problem why = MAIL_ADDR_OK;
        buf_init(&norm, MAIL_MAX_ADDRESS_BYTES + 1);
        e = typed.len > 0 ? mail_address_normalize(typed, &norm, &why) : ERR_OK;
        struct str email = arena_str(c->a, buf_str(&norm));
        buf_free(&norm);
        if (e != ERR_OK) {
            users_page_typed(c, 422, "admin.account.email_bad", id, typed);
            return;
        }
        e = store_begin(c->db);
        if (e == ERR_OK)
            e = store_user_email_set(c->db, id, email, utc_now());
        action = "user.email";
        detail = email.len > 0 ? STR_LIT("set by an administrator")
                               : STR_LIT("removed by an administrator");
    } else {
        admin__message(c, 400, "admin.err.bad_title", "admin.err.bad");
        return;
    }
    if (!commit_audit(c, e, action, u.name, detail))
        return;
    admin__redirect(c, "/admin/users?m=saved");
}

/* ---- audit log ------------------------------------------------------------------------------ */

static int64_t day_start(struct str s, bool next)
{
    int64_t t;
    char buf[32];
    if (s.len != 10)
        return 0;
    int n = snprintf(buf, sizeof buf, "%.*s 00:00", STR_FMT(s));
    if (n <= 0 || !kyiv_parse(str_make(buf, (size_t)n), &t))
        return 0;
    return next ? t + 24 * 3600 : t;
}

void admin__audit_view(struct admin_ctx *c)
{
    struct str query = c->req->query;
    struct store_audit_query q = {.limit = ADMIN__PAGE_SIZE};
    struct store_audit_entry *items;
    size_t n;
    bool more;

    q.user_name = str_trim(admin__field(c, query, "user"));
    q.action = str_trim(admin__field(c, query, "action"));
    struct str from = str_trim(admin__field(c, query, "from"));
    struct str until = str_trim(admin__field(c, query, "until"));
    q.from = day_start(from, false);
    q.until = day_start(until, true);
    if (!admin__field_i64(c, query, "before", &q.before_id))
        q.before_id = 0;
    if (q.user_name.len > STORE_MAX_USER_NAME_BYTES)
        q.user_name.len = STORE_MAX_USER_NAME_BYTES;
    if (q.action.len > 64)
        q.action.len = 64;
    enum err e = store_audit_list(c->db, c->a, &q, &items, &n, &more);
    if (e != ERR_OK) {
        admin__db_error(c, e, "audit");
        return;
    }
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_str(c->a, v, "date", admin__date(c, items[i].at));
        value_set_str(c->a, v, "user", items[i].user_name);
        value_set_str(c->a, v, "ip", items[i].ip);
        value_set_str(c->a, v, "action", items[i].action);
        value_set_str(c->a, v, "object", items[i].object);
        value_set_str(c->a, v, "detail", items[i].detail);
        if (items[i].request_id != 0) /* the same id as the request's log lines */
            value_set_cstr(c->a, v, "request",
                           arena_printf(c->a, "%lld", (long long)items[i].request_id));
        value_push(c->a, list, v);
    }
    value_set(c->a, c->root, "entries", list);
    value_set_str(c->a, c->root, "f_user", q.user_name);
    value_set_str(c->a, c->root, "f_action", q.action);
    value_set_str(c->a, c->root, "f_from", from);
    value_set_str(c->a, c->root, "f_until", until);
    if (more && n > 0) {
        struct buf b;
        buf_init(&b, 1024);
        buf_appendf(&b, "/admin/audit?before=%lld", (long long)items[n - 1].id);
        /* keep the filters on the next page (they are plain tokens or dates) */
        if (q.user_name.len > 0 || q.action.len > 0 || from.len > 0 || until.len > 0) {
            struct str rest = c->req->query, pair;
            while (str_split_next(&rest, '&', &pair))
                if (!str_starts_with(pair, STR_LIT("before=")))
                    buf_appendf(&b, "&%.*s", STR_FMT(pair));
        }
        value_set_str(c->a, c->root, "older_url", arena_str(c->a, buf_str(&b)));
        buf_free(&b);
    }
    value_set_bool(c->a, c->root, "nav_audit", true);
    admin__render(c, 200, "admin-audit");
}
