/* translations.c: the English version of an article in the workspace (issue 14).
 * «Переклад англійською» on an article opens /admin/articles/:id/en: its translation's
 * form (created on the first save), and /admin/translations lists the published
 * Ukrainian articles that have none yet. Editors only: a translation is public as soon
 * as it is saved as published and its original is public. */
#include <string.h>

#include "admin/admin_internal.h"
#include "core/utf8.h"
#include "store/translations.h"

#define MISSING_LIST_SIZE 50

struct tr_form {
    int64_t article_id;
    struct str original_title, original_slug;
    struct str slug, title, lead, body;
    bool published, exists;
};

static void form_page(struct admin_ctx *c, int status, const struct tr_form *f,
                      const char *error_key)
{
    struct arena *a = c->a;
    struct value *v = value_obj(a);

    value_set_int(a, v, "id", f->article_id);
    value_set_str(a, v, "original_title", f->original_title);
    value_set_str(a, v, "original_url",
                  str_from_cstr(arena_printf(a, "/news/%.*s", STR_FMT(f->original_slug))));
    value_set_str(a, v, "slug", f->slug);
    value_set_str(a, v, "title", f->title);
    value_set_str(a, v, "lead", f->lead);
    value_set_str(a, v, "body", f->body);
    value_set_bool(a, v, "published", f->published);
    if (f->exists && f->published)
        value_set_str(a, v, "public_url",
                      str_from_cstr(arena_printf(a, "/en/news/%.*s", STR_FMT(f->slug))));
    value_set(a, c->root, "translation", v);
    if (error_key != NULL)
        value_set_str(a, c->root, "error", admin__t(c, error_key));
    value_set_bool(a, c->root, "nav_articles", true);
    admin__render(c, status, "admin-translation");
}

/* load: the original (any status) and its translation, when there is one. */
static bool load(struct admin_ctx *c, struct tr_form *f)
{
    struct store_article art;
    struct store_article_meta meta;
    struct store_translation tr;
    struct str *related;
    size_t n_related;
    int64_t id;
    enum err e;

    memset(f, 0, sizeof *f);
    if (!admin__path_id(c, &id))
        return false;
    e = store_article_admin_get(c->db, c->a, id, &art, &meta, &related, &n_related);
    if (e != ERR_OK) {
        admin__db_error(c, e, "translation original");
        return false;
    }
    f->article_id = id;
    f->original_title = art.title;
    f->original_slug = art.slug;
    f->published = true;
    e = store_translation_of(c->db, c->a, id, STR_LIT(STORE_LANG_EN), false, &tr);
    if (e == ERR_OK) {
        f->exists = true;
        f->slug = tr.slug;
        f->title = tr.title;
        f->lead = tr.lead;
        f->body = tr.body_md;
        f->published = tr.published;
    } else if (e != ERR_NOTFOUND) {
        admin__db_error(c, e, "translation");
        return false;
    }
    return true;
}

void admin__translation_edit(struct admin_ctx *c)
{
    struct tr_form f;

    if (load(c, &f))
        form_page(c, 200, &f, NULL);
}

/* slug_from_title: the title transliterated, cut to a readable length; empty when
 * nothing usable is left. */
static struct str slug_from_title(struct admin_ctx *c, struct str title)
{
    struct buf b;
    struct str slug = STR_LIT("");

    buf_init(&b, 4 * STORE_MAX_SLUG_BYTES + 64);
    if (utf8_slugify(&b, title.ptr, title.len) == ERR_OK) {
        size_t n = b.len < 80 ? b.len : 80;
        while (n > 0 && b.data[n - 1] == '-')
            n--;
        slug = arena_str(c->a, str_make(b.data, n));
    }
    buf_free(&b);
    return slug;
}

void admin__translation_save(struct admin_ctx *c)
{
    struct tr_form f;
    struct str body = c->req->body;
    int64_t tr_id;
    enum err e;

    if (!load(c, &f))
        return;
    f.title = str_trim(admin__field(c, body, "title"));
    f.slug = str_trim(admin__field(c, body, "slug"));
    f.lead = str_trim(admin__field(c, body, "lead"));
    f.body = admin__field(c, body, "body");
    f.published = admin__field(c, body, "published").len > 0;
    if (f.slug.len == 0)
        f.slug = slug_from_title(c, f.title);
    if (f.title.len == 0 || f.title.len > STORE_MAX_TITLE_BYTES || !store_slug_valid(f.slug) ||
        f.lead.len > STORE_MAX_LEAD_BYTES || f.body.len > STORE_MAX_BODY_BYTES ||
        !utf8_valid(f.title.ptr, f.title.len) || !utf8_valid(f.lead.ptr, f.lead.len) ||
        !utf8_valid(f.body.ptr, f.body.len)) {
        form_page(c, 422, &f, "admin.translation.invalid");
        return;
    }
    e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_translation_save(c->db, f.article_id, STR_LIT(STORE_LANG_EN), f.slug, f.title,
                                   f.lead, f.body, f.published, &tr_id);
    if (e == ERR_CONFLICT) {
        store_rollback(c->db);
        form_page(c, 409, &f, "admin.translation.slug_taken");
        return;
    }
    if (e == ERR_OK)
        e = admin__audit_in(c, "translation.save", admin__int_str(c->a, f.article_id), f.title);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "translation save");
        return;
    }
    /* the English pages show the original's id in their keys; the Ukrainian article's
     * switch and hreflang name the translation, and every English list may hold it */
    admin__invalidate(c, "article:%lld", (long long)f.article_id);
    admin__invalidate(c, "list:news");
    admin__redirect(c, "/admin/articles/%lld/en?m=saved", (long long)f.article_id);
}

void admin__translations_missing(struct admin_ctx *c)
{
    struct store_summary *items;
    size_t n;
    int64_t total;
    struct value *list = value_list(c->a);
    enum err e = store_translation_missing(c->db, c->a, STR_LIT(STORE_LANG_EN), MISSING_LIST_SIZE,
                                           &items, &n, &total);

    if (e != ERR_OK) {
        admin__db_error(c, e, "missing translations");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_int(c->a, v, "id", items[i].id);
        value_set_str(c->a, v, "title", items[i].title);
        value_set_str(c->a, v, "date", admin__date(c, items[i].published_at));
        value_push(c->a, list, v);
    }
    value_set(c->a, c->root, "missing", list);
    value_set_int(c->a, c->root, "total", total);
    value_set_bool(c->a, c->root, "empty", n == 0);
    value_set_bool(c->a, c->root, "nav_articles", true);
    admin__render(c, 200, "admin-translations");
}
