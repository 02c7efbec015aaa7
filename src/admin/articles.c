/* articles.c: the article list, the editor (create, save with optimistic concurrency,
 * workflow actions), the preview through the public article page, revisions with diffs
 * and restore.
 *
 * Workflow: an author writes drafts and submits them (draft → review) and may touch only
 * their own drafts; an editor may do anything to any article: publish (published, or
 * scheduled when its time is in the future), withdraw (kept, hidden from readers), send
 * back to draft with a reason. Each step that someone else should hear of queues an
 * e-mail notice in the same transaction (notify.c): submitted → editors, returned →
 * the author, published → the author (a scheduled one by the scheduler, when its time
 * comes). */
#include <sodium.h>
#include <string.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/utf8.h"
#include "mail/notify.h"
#include "render/escape.h"
#include "search/search.h"
#include "sign/seal.h"
#include "site/site.h"
#include "store/accounts.h"
#include "store/settings.h"
#include "store/sidetext.h"
#include "store/translations.h"
#include "store/workflow.h"

#define MAX_FORM_REFS STORE_MAX_REFS

/* What the edit form shows: from the database or from a refused POST. */
struct art_form {
    int64_t id, version, author_id;
    enum store_status status;
    struct str title, slug, lead, body, date, tags, related;
    struct str depts[MAX_FORM_REFS];
    size_t n_depts;
    const struct store_photo *photos;
    size_t n_photos;
    int64_t gallery_version;
    /* a refused gallery save: what the editor typed, shown instead of the stored values */
    const struct store_photo_edit *gallery_typed;
    size_t n_gallery_typed;
    const char *error_key;
    struct str error_detail;
};

static const char *status_key(enum store_status st)
{
    switch (st) {
    case STORE_REVIEW:
        return "admin.status.review";
    case STORE_SCHEDULED:
        return "admin.status.scheduled";
    case STORE_PUBLISHED:
        return "admin.status.published";
    case STORE_WITHDRAWN:
        return "admin.status.withdrawn";
    default:
        return "admin.status.draft";
    }
}

static bool parse_id(struct admin_ctx *c, int64_t *id)
{
    if (!admin__path_id(c, id))
        return false;
    return true;
}

/* may_edit: editors edit anything; authors their own drafts. */
static bool may_edit(const struct admin_ctx *c, const struct store_article_meta *m)
{
    if (admin__is(c, STORE_ROLE_EDITOR))
        return true;
    return m->author_id == c->user.id && m->status == STORE_DRAFT;
}

static bool may_view(const struct admin_ctx *c, const struct store_article_meta *m)
{
    return admin__is(c, STORE_ROLE_EDITOR) || m->author_id == c->user.id;
}

void admin__article_invalidate(struct admin_ctx *c, int64_t id, const int64_t *tags, size_t nt,
                               const int64_t *depts, size_t nd)
{
    admin__invalidate(c, "article:%lld", (long long)id);
    admin__invalidate(c, "list:news");
    admin__invalidate(c, "archive");
    for (size_t i = 0; i < nt; i++)
        admin__invalidate(c, "tag:%lld", (long long)tags[i]);
    for (size_t i = 0; i < nd; i++)
        admin__invalidate(c, "dept:%lld", (long long)depts[i]);
}

/* ---- lists ---------------------------------------------------------------------------- */

static struct value *article_rows(struct admin_ctx *c, const struct store_article_meta *items,
                                  size_t n)
{
    struct value *list = value_list(c->a);
    bool editor = admin__is(c, STORE_ROLE_EDITOR); /* translations are the editors' */
    for (size_t i = 0; i < n; i++) {
        const struct store_article_meta *m = &items[i];
        struct value *v = value_obj(c->a);
        value_set_int(c->a, v, "id", m->id);
        value_set_str(c->a, v, "title", m->title);
        value_set_str(c->a, v, "slug", m->slug);
        value_set_str(c->a, v, "status", admin__t(c, status_key(m->status)));
        value_set_cstr(c->a, v, "status_code", store_status_text(m->status));
        value_set_str(c->a, v, "date", admin__date(c, m->published_at));
        value_set_str(c->a, v, "updated", admin__date(c, m->updated_at));
        value_set_str(c->a, v, "author", m->author_name);
        value_set_int(c->a, v, "photos", m->n_photos);
        if (m->status == STORE_PUBLISHED || m->status == STORE_SCHEDULED)
            value_set_str(c->a, v, "public_url",
                          str_from_cstr(arena_printf(c->a, "/news/%.*s", STR_FMT(m->slug))));
        /* a published article without an English translation says so (one lookup per
         * row: at most ADMIN__PAGE_SIZE of them, by a unique index) */
        if (m->status == STORE_PUBLISHED && editor) {
            struct store_translation tr;
            if (store_translation_of(c->db, c->a, m->id, STR_LIT(STORE_LANG_EN), false, &tr) ==
                ERR_NOTFOUND)
                value_set_bool(c->a, v, "no_translation", true);
        }
        value_push(c->a, list, v);
    }
    return list;
}

void admin__home(struct admin_ctx *c)
{
    struct store_admin_query q = {.status = STORE_REVIEW, .limit = 20};
    struct store_article_meta *items;
    size_t n;
    bool more;
    struct str banner;
    enum err e;

    if (!admin__is(c, STORE_ROLE_EDITOR))
        q.author_id = c->user.id;
    e = store_admin_articles(c->db, c->a, &q, &items, &n, &more);
    if (e != ERR_OK) {
        admin__db_error(c, e, "review queue");
        return;
    }
    if (n > 0)
        value_set(c->a, c->root, "review", article_rows(c, items, n));
    q.status = STORE_DRAFT;
    q.author_id = c->user.id;
    e = store_admin_articles(c->db, c->a, &q, &items, &n, &more);
    if (e != ERR_OK) {
        admin__db_error(c, e, "drafts");
        return;
    }
    if (n > 0)
        value_set(c->a, c->root, "drafts", article_rows(c, items, n));
    if (store_setting_get(c->db, c->a, "banner_text", &banner) == ERR_OK && banner.len > 0)
        value_set_str(c->a, c->root, "banner_text", banner);
    value_set_bool(c->a, c->root, "nav_home", true);
    admin__render(c, 200, "admin-home");
}

/* ref_options: a select's options from a list of tags, departments or users, the chosen
 * one marked. */
static struct value *ref_options(struct admin_ctx *c, const struct store_ref *refs, size_t n,
                                 int64_t chosen)
{
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *o = value_obj(c->a);
        value_set_int(c->a, o, "value", refs[i].id);
        value_set_str(c->a, o, "label", refs[i].name);
        value_set_bool(c->a, o, "selected", refs[i].id == chosen);
        value_push(c->a, list, o);
    }
    return list;
}

/* filter_day reads a date field ("YYYY-MM-DD", a Kyiv day) into the start of that day,
 * or of the next one when end is set (the range's «to» includes its day). An empty field
 * is 0 (open); a malformed one sets the field's error beside it and is ignored. */
static int64_t filter_day(struct admin_ctx *c, struct str text, bool end, const char *error_name)
{
    int64_t t;
    if (text.len == 0)
        return 0;
    if (!kyiv_parse_day(text, &t)) {
        value_set_str(c->a, c->root, error_name, admin__t(c, "admin.articles.bad_day"));
        return 0;
    }
    if (!end)
        return t;
    /* the next Kyiv midnight: 23, 24 or 25 hours later */
    struct kyiv_tm next = kyiv_from_utc(t + 36 * 3600);
    return kyiv_to_utc(next.year, next.month, next.day, 0, 0, 0);
}

/* add_param appends "&name=value" (value percent-encoded) to the pager's query. */
static void add_param(struct buf *b, const char *name, struct str value)
{
    if (value.len == 0)
        return;
    buf_append_char(b, '&');
    buf_append_cstr(b, name);
    buf_append_char(b, '=');
    (void)escape_url_component(b, value);
}

/* bulk_done: the summary of a bulk action (?m=bulk_*&n=N), «Опубліковано 3 новини». */
static void bulk_done(struct admin_ctx *c)
{
    struct str m = admin__field(c, c->req->query, "m");
    int64_t n;
    const char *verb;
    if (str_eq_cstr(m, "bulk_published"))
        verb = "admin.bulk.done_published";
    else if (str_eq_cstr(m, "bulk_withdrawn"))
        verb = "admin.bulk.done_withdrawn";
    else if (str_eq_cstr(m, "bulk_tagged"))
        verb = "admin.bulk.done_tagged";
    else
        return;
    if (!admin__field_i64(c, c->req->query, "n", &n) || n < 0 || n > ADMIN__BULK_MAX)
        return;
    /* Ukrainian plural: 1, 21 новину; 2–4, 22–24 новини; 5–20, 25… новин */
    const char *noun = "admin.bulk.news_many";
    if (n % 10 == 1 && n % 100 != 11)
        noun = "admin.bulk.news_one";
    else if (n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14))
        noun = "admin.bulk.news_few";
    value_set_str(c->a, c->root, "bulk_done",
                  str_from_cstr(arena_printf(c->a, "%.*s %lld %.*s", STR_FMT(admin__t(c, verb)),
                                             (long long)n, STR_FMT(admin__t(c, noun)))));
}

void admin__articles(struct admin_ctx *c)
{
    struct str query = c->req->query;
    struct str status = admin__field(c, query, "status");
    struct str text = str_trim(admin__field(c, query, "q"));
    struct str from = str_trim(admin__field(c, query, "from"));
    struct str to = str_trim(admin__field(c, query, "to"));
    struct str sort = admin__field(c, query, "sort");
    struct store_admin_query q = {.status = -1, .limit = ADMIN__PAGE_SIZE};
    struct store_article_meta *items;
    struct store_ref *refs;
    struct store_user *users;
    size_t n, n_refs, n_users;
    bool more, editor = admin__is(c, STORE_ROLE_EDITOR);
    int64_t page = 1;
    enum store_status st;
    struct value *opts = value_list(c->a);

    if (store_status_parse(status, &st))
        q.status = (int)st;
    if (!admin__field_i64(c, query, "page", &page) || page < 1 || page > 100000)
        page = 1;
    q.offset = (size_t)(page - 1) * ADMIN__PAGE_SIZE;
    if (text.len > 200)
        text.len = 200;
    q.text = text;
    if (!admin__field_i64(c, query, "author", &q.author_id) || q.author_id < 0)
        q.author_id = 0;
    if (!admin__field_i64(c, query, "dept", &q.dept_id) || q.dept_id < 0)
        q.dept_id = 0;
    if (!admin__field_i64(c, query, "tag", &q.tag_id) || q.tag_id < 0)
        q.tag_id = 0;
    q.from = filter_day(c, from, false, "from_error");
    q.to = filter_day(c, to, true, "to_error");
    if (q.from > 0 && q.to > 0 && q.to <= q.from) {
        value_set_str(c->a, c->root, "to_error", admin__t(c, "admin.articles.bad_range"));
        q.to = 0;
    }
    q.by_published = str_eq_cstr(sort, "published");
    if (!editor)
        q.author_id = c->user.id;
    enum err e = store_admin_articles(c->db, c->a, &q, &items, &n, &more);
    if (e != ERR_OK) {
        admin__db_error(c, e, "article list");
        return;
    }
    for (int i = STORE_DRAFT; i <= STORE_WITHDRAWN; i++) {
        struct value *o = value_obj(c->a);
        value_set_cstr(c->a, o, "value", store_status_text((enum store_status)i));
        value_set_str(c->a, o, "label", admin__t(c, status_key((enum store_status)i)));
        value_set_bool(c->a, o, "selected", q.status == i);
        value_push(c->a, opts, o);
    }
    value_set(c->a, c->root, "statuses", opts);
    if (store_depts_all(c->db, c->a, &refs, &n_refs) == ERR_OK)
        value_set(c->a, c->root, "depts", ref_options(c, refs, n_refs, q.dept_id));
    if (store_tags_all(c->db, c->a, &refs, &n_refs) == ERR_OK)
        value_set(c->a, c->root, "tags", ref_options(c, refs, n_refs, q.tag_id));
    if (editor && store_users_all(c->db, c->a, &users, &n_users) == ERR_OK) {
        struct value *list = value_list(c->a);
        for (size_t i = 0; i < n_users; i++) {
            struct value *o = value_obj(c->a);
            value_set_int(c->a, o, "value", users[i].id);
            value_set_str(c->a, o, "label", users[i].name);
            value_set_bool(c->a, o, "selected", users[i].id == q.author_id);
            value_push(c->a, list, o);
        }
        value_set(c->a, c->root, "authors", list);
        value_set_bool(c->a, c->root, "has_authors", n_users > 0);
    }
    value_set_str(c->a, c->root, "q", text);
    value_set_str(c->a, c->root, "from", from);
    value_set_str(c->a, c->root, "to", to);
    value_set_bool(c->a, c->root, "sort_published", q.by_published);
    /* the date column is the sort key */
    struct value *rows = article_rows(c, items, n);
    for (size_t i = 0; i < n; i++)
        value_set_str(c->a, value_list_at(rows, i), "shown_date",
                      admin__date(c, q.by_published ? items[i].published_at : items[i].updated_at));
    value_set(c->a, c->root, "articles", rows);
    value_set_bool(c->a, c->root, "empty", n == 0);
    value_set_bool(c->a, c->root, "bulk", editor && n > 0);
    bulk_done(c);

    /* the pager keeps the filters */
    struct buf b;
    buf_init(&b, 4 * HTTP_MAX_URI_BYTES);
    add_param(&b, "status", q.status >= 0 ? status : STR_LIT(""));
    add_param(&b, "q", text);
    if (editor && q.author_id > 0)
        add_param(&b, "author", admin__int_str(c->a, q.author_id));
    if (q.dept_id > 0)
        add_param(&b, "dept", admin__int_str(c->a, q.dept_id));
    if (q.tag_id > 0)
        add_param(&b, "tag", admin__int_str(c->a, q.tag_id));
    add_param(&b, "from", from);
    add_param(&b, "to", to);
    if (q.by_published)
        add_param(&b, "sort", STR_LIT("published"));
    value_set_str(c->a, c->root, "filter_query", arena_str(c->a, buf_str(&b)));
    buf_free(&b);
    if (page > 1)
        value_set_int(c->a, c->root, "prev_page", page - 1);
    if (more)
        value_set_int(c->a, c->root, "next_page", page + 1);
    value_set_bool(c->a, c->root, "nav_articles", true);
    admin__render(c, 200, "admin-articles");
}

/* ---- the edit form ---------------------------------------------------------------------- */

static struct str join(struct admin_ctx *c, const struct store_ref *r, size_t n, const char *sep)
{
    struct buf b;
    buf_init(&b, STORE_MAX_REFS * (STORE_MAX_NAME_BYTES + 4));
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_append_cstr(&b, sep);
        buf_append_str(&b, r[i].name);
    }
    struct str s = arena_str(c->a, buf_str(&b));
    buf_free(&b);
    return s;
}

static void edit_page(struct admin_ctx *c, int status, const struct art_form *f)
{
    struct arena *a = c->a;
    struct value *v = value_obj(a), *depts = value_list(a), *photos = value_list(a);
    struct value *actions = value_obj(a);
    struct store_ref *all;
    size_t n_all;
    bool editor = admin__is(c, STORE_ROLE_EDITOR);

    value_set_int(a, v, "id", f->id);
    value_set_int(a, v, "aid", f->id); /* "id" inside the photo list is the photo's */
    value_set_int(a, v, "version", f->version);
    value_set_str(a, v, "title", f->title);
    value_set_str(a, v, "slug", f->slug);
    value_set_str(a, v, "lead", f->lead);
    value_set_str(a, v, "body", f->body);
    value_set_str(a, v, "date", f->date);
    value_set_str(a, v, "tags", f->tags);
    value_set_str(a, v, "related", f->related);
    value_set_str(a, v, "status", admin__t(c, status_key(f->status)));
    value_set_cstr(a, v, "status_code", store_status_text(f->status));
    if (f->id > 0) {
        value_set_str(a, v, "action",
                      str_from_cstr(arena_printf(a, "/admin/articles/%lld", (long long)f->id)));
        if (f->status == STORE_PUBLISHED || f->status == STORE_SCHEDULED)
            value_set_str(a, v, "public_url",
                          str_from_cstr(arena_printf(a, "/news/%.*s", STR_FMT(f->slug))));
    } else {
        value_set_cstr(a, v, "action", "/admin/articles/new");
        value_set_bool(a, v, "is_new", true);
    }
    if (store_depts_all(c->db, a, &all, &n_all) == ERR_OK) {
        for (size_t i = 0; i < n_all; i++) {
            struct value *d = value_obj(a);
            bool on = false;
            for (size_t j = 0; j < f->n_depts && !on; j++)
                on = str_eq(str_trim(f->depts[j]), all[i].name);
            value_set_str(a, d, "name", all[i].name);
            value_set_int(a, d, "id", all[i].id);
            value_set_bool(a, d, "checked", on);
            value_push(a, depts, d);
        }
    }
    value_set(a, v, "departments", depts);
    /* the tags field suggests existing names (a <datalist>: free text still goes) */
    if (store_tags_all(c->db, a, &all, &n_all) == ERR_OK) {
        struct value *names = value_list(a);
        for (size_t i = 0; i < n_all; i++)
            value_push(a, names, value_str(a, all[i].name));
        value_set(a, c->root, "tag_names", names);
    }
    value_set_int(a, v, "gallery_version", f->gallery_version);
    struct value *rows = value_list(a); /* the upload form's file + caption + alt rows */
    for (int64_t k = 1; k <= ADMIN_UPLOAD_ROWS; k++) {
        struct value *r = value_obj(a);
        value_set_int(a, r, "k", k);
        value_push(a, rows, r);
    }
    value_set(a, c->root, "upload_rows", rows);
    for (size_t i = 0; i < f->n_photos; i++) {
        const struct store_photo *p = &f->photos[i];
        struct value *ph = value_obj(a);
        value_set_int(a, ph, "id", p->id);
        value_set_int(a, ph, "n", (int64_t)(i + 1));
        value_set_int(a, ph, "order", (int64_t)(i + 1));
        value_set_str(a, ph, "caption", p->caption);
        value_set_str(a, ph, "alt", p->alt);
        for (size_t j = 0; j < f->n_gallery_typed; j++) {
            const struct store_photo_edit *t = &f->gallery_typed[j];
            if (t->id != p->id)
                continue;
            value_set_int(a, ph, "order", t->order);
            value_set_str(a, ph, "caption", t->caption);
            value_set_str(a, ph, "alt", t->alt);
            value_set_bool(a, ph, "remove", t->remove);
        }
        value_set_str(a, ph, "thumb",
                      str_from_cstr(arena_printf(a, "/media/%.*s-480.jpg", STR_FMT(p->hash))));
        if (p->width <= 480)
            value_set_str(a, ph, "thumb",
                          str_from_cstr(arena_printf(a, "/media/%.*s.jpg", STR_FMT(p->hash))));
        value_push(a, photos, ph);
    }
    if (f->n_photos > 0)
        value_set(a, v, "photos", photos);
    value_set_int(a, v, "n_photos", (int64_t)f->n_photos);
    /* the buttons this user may press in this state */
    bool own_draft = f->id == 0 || (f->author_id == c->user.id && f->status == STORE_DRAFT);
    value_set_bool(a, actions, "save", editor || own_draft);
    value_set_bool(a, actions, "submit", (editor || own_draft) && f->status == STORE_DRAFT);
    value_set_bool(a, actions, "publish",
                   editor && f->status != STORE_PUBLISHED && f->status != STORE_SCHEDULED);
    value_set_bool(a, actions, "withdraw",
                   editor && f->id > 0 &&
                       (f->status == STORE_PUBLISHED || f->status == STORE_SCHEDULED));
    value_set_bool(a, actions, "to_draft", editor && f->id > 0 && f->status != STORE_DRAFT);
    /* the publish button says «Запланувати» for a time still to come (admin.js keeps it
     * in step with the date field) */
    int64_t when;
    value_set_bool(a, v, "future",
                   f->date.len > 0 && kyiv_parse(f->date, &when) && when > utc_now());
    value_set_bool(a, actions, "photos", f->id > 0 && (editor || own_draft));
    /* an author's article with the editors: shown read-only, with a way to take it back,
     * and no controls the server would refuse (issue 12) */
    value_set_bool(a, v, "readonly", !(editor || own_draft));
    value_set_bool(a, actions, "takeback",
                   !editor && f->id > 0 && f->author_id == c->user.id && f->status == STORE_REVIEW);
    admin__documents_values(c, v, f->id, f->id > 0 && (editor || own_draft));
    if (f->id > 0)
        admin__share_values(c, v, f->id);
    value_set(a, v, "can", actions);
    value_set(a, c->root, "article", v);
    if (f->error_key != NULL) {
        value_set_str(a, c->root, "error", admin__t(c, f->error_key));
        if (f->error_detail.len > 0)
            value_set_str(a, c->root, "error_detail", f->error_detail);
    }
    value_set_bool(a, c->root, "nav_articles", true);
    admin__render(c, status, "admin-edit");
}

void admin__article_new(struct admin_ctx *c)
{
    struct art_form f;
    memset(&f, 0, sizeof f);
    f.status = STORE_DRAFT;
    f.author_id = c->user.id;
    f.date = admin__date_input(c, utc_now());
    edit_page(c, 200, &f);
}

/* form_from_db fills f from the stored article. */
static enum err form_from_db(struct admin_ctx *c, int64_t id, struct art_form *f,
                             struct store_article_meta *meta, struct store_article *art)
{
    struct str *related;
    size_t n_related;
    memset(f, 0, sizeof *f);
    enum err e = store_article_admin_get(c->db, c->a, id, art, meta, &related, &n_related);
    if (e != ERR_OK)
        return e;
    struct store_gallery_state g;
    e = store_gallery_state(c->db, c->a, id, &g);
    if (e != ERR_OK)
        return e;
    f->id = id;
    f->version = meta->version;
    f->gallery_version = g.version;
    f->author_id = meta->author_id;
    f->status =
        meta->status; /* as readers see it: a scheduled article past its time is published */
    f->title = art->title;
    f->slug = art->slug;
    f->lead = art->lead;
    f->body = art->body_md;
    f->date = admin__date_input(c, art->published_at);
    f->tags = join(c, art->tags, art->n_tags, ", ");
    for (size_t i = 0; i < art->n_departments && i < MAX_FORM_REFS; i++)
        f->depts[f->n_depts++] = art->departments[i].name;
    struct buf b;
    buf_init(&b, STORE_MAX_RELATED * (STORE_MAX_SLUG_BYTES + 1));
    for (size_t i = 0; i < n_related; i++) {
        buf_append_str(&b, related[i]);
        buf_append_char(&b, '\n');
    }
    f->related = arena_str(c->a, buf_str(&b));
    buf_free(&b);
    f->photos = art->photos;
    f->n_photos = art->n_photos;
    return ERR_OK;
}

void admin__article_edit(struct admin_ctx *c)
{
    struct art_form f;
    struct store_article_meta meta;
    struct store_article art;
    int64_t id;

    if (!parse_id(c, &id))
        return;
    enum err e = form_from_db(c, id, &f, &meta, &art);
    if (e != ERR_OK) {
        admin__db_error(c, e, "article load");
        return;
    }
    if (!may_view(c, &meta)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
        return;
    }
    /* ?restore=auto|refused: the form filled with the user's text kept beside the
     * article */
    enum store_side_kind kind;
    struct store_side_text t;
    if (may_edit(c, &meta) && admin__side_kind(admin__field(c, c->req->query, "restore"), &kind) &&
        store_side_get(c->db, c->a, id, c->user.id, kind, &t) == ERR_OK) {
        f.title = t.title;
        f.slug = t.slug;
        f.lead = t.lead;
        f.body = t.body;
        f.date = t.date;
        f.tags = t.tags;
        f.related = t.related;
        f.n_depts = 0;
        struct str rest = t.departments, name;
        while (f.n_depts < MAX_FORM_REFS && str_split_next(&rest, '\n', &name))
            if (name.len > 0)
                f.depts[f.n_depts++] = name;
        /* an autosave keeps the version it was typed on; a refused text was refused for
         * being behind, and the user restores it after seeing the diff: over the current */
        f.version = kind == STORE_SIDE_AUTO ? t.base_version : meta.version;
        value_set_str(c->a, c->root, "flash", admin__t(c, "admin.side.restored"));
    } else if (may_edit(c, &meta)) {
        admin__side_values(c, id);
    }
    if (may_edit(c, &meta))
        admin__presence_values(c, id);
    edit_page(c, 200, &f);
}

void admin__article_gallery_refused(struct admin_ctx *c, int64_t id,
                                    const struct store_photo_edit *typed, size_t n_typed,
                                    int status, const char *error_key)
{
    struct art_form f;
    struct store_article_meta meta;
    struct store_article art;
    struct store_gallery_state g;

    enum err e = form_from_db(c, id, &f, &meta, &art);
    if (e == ERR_OK)
        e = store_gallery_state(c->db, c->a, id, &g);
    if (e != ERR_OK) {
        admin__db_error(c, e, "article load");
        return;
    }
    f.gallery_typed = typed;
    f.n_gallery_typed = n_typed;
    f.error_key = error_key;
    /* who saved since the form was loaded, and when: to ask them, or to compare */
    if (status == 409 && g.saved_by.len > 0)
        f.error_detail = str_from_cstr(
            arena_printf(c->a, "%.*s %.*s, %.*s", STR_FMT(admin__t(c, "admin.photo.stale_by")),
                         STR_FMT(g.saved_by), STR_FMT(admin__date(c, g.saved_at))));
    edit_page(c, status, &f);
}

/* ---- saving ------------------------------------------------------------------------- */

/* split_names cuts "a, b, c" (or lines) into trimmed, non-empty, distinct names. */
static size_t split_names(struct str text, char sep, struct str *out, size_t max)
{
    struct str rest = text, piece;
    size_t n = 0;
    while (n < max && str_split_next(&rest, sep, &piece)) {
        piece = str_trim(piece);
        if (piece.len == 0)
            continue;
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = str_eq(out[i], piece);
        if (!dup)
            out[n++] = piece;
    }
    return n;
}

/* related_slug accepts a slug, "/news/<slug>" or a full link to an article. */
static struct str related_slug(struct str s)
{
    size_t at = str_find(s, STR_LIT("/news/"));
    if (at != SIZE_MAX)
        s = str_sub(s, at + 6, s.len - at - 6);
    while (s.len > 0 && (s.ptr[s.len - 1] == '/' || s.ptr[s.len - 1] == '\r'))
        s.len--;
    size_t q = str_find_char(s, '?');
    if (q != SIZE_MAX)
        s.len = q;
    return s;
}

/* form_from_post reads the posted form into f and in (which points into f). */
static void form_from_post(struct admin_ctx *c, struct art_form *f, struct store_article_input *in,
                           struct str *tags, struct str *related)
{
    struct str body = c->req->body;
    f->title = str_trim(admin__field(c, body, "title"));
    f->slug = str_trim(admin__field(c, body, "slug"));
    f->lead = admin__field(c, body, "lead");
    f->body = admin__field(c, body, "body");
    f->date = str_trim(admin__field(c, body, "date"));
    f->tags = admin__field(c, body, "tags");
    f->related = admin__field(c, body, "related");
    f->n_depts = admin__fields(c, body, "dept", f->depts, MAX_FORM_REFS);
    memset(in, 0, sizeof *in);
    in->title = f->title;
    in->lead = f->lead;
    in->body_md = f->body;
    in->departments = f->depts;
    in->n_departments = f->n_depts;
    in->n_tags = split_names(f->tags, ',', tags, STORE_MAX_REFS);
    in->tags = tags;
    in->n_related = split_names(f->related, '\n', related, STORE_MAX_RELATED);
    for (size_t i = 0; i < in->n_related; i++)
        related[i] = related_slug(related[i]);
    in->related = related;
}

/* make_slug: the transliterated title, when the editor left the slug empty. */
static struct str make_slug(struct admin_ctx *c, struct str title)
{
    struct buf b;
    buf_init(&b, 4 * STORE_MAX_TITLE_BYTES + 16);
    if (utf8_slugify(&b, title.ptr, title.len) != ERR_OK)
        buf_reset(&b);
    size_t n = b.len > STORE_MAX_SLUG_BYTES - 8 ? STORE_MAX_SLUG_BYTES - 8 : b.len;
    while (n > 0 && b.data[n - 1] == '-')
        n--;
    struct str s = arena_str(c->a, str_make(b.data, n));
    buf_free(&b);
    if (s.len == 0)
        s = str_from_cstr(arena_printf(c->a, "article-%lld", (long long)utc_now()));
    return s;
}

static bool slug_free(struct admin_ctx *c, struct str slug, int64_t id)
{
    struct store_article other;
    enum err e = store_article_by_slug_any(c->db, c->a, slug, &other);
    return e == ERR_NOTFOUND || (e == ERR_OK && other.id == id);
}

/* conflict_kept keeps a save refused as stale beside the article (it is never lost)
 * and says who saved first and when, with a link to the diff of the two texts. */
static void conflict_kept(struct admin_ctx *c, int64_t id, struct art_form *f)
{
    struct store_side_text t;
    struct store_revision *revs;
    size_t n;
    admin__side_from_post(c, id, &t);
    if (store_side_put(c->db, STORE_SIDE_REFUSED, &t) == ERR_OK)
        value_set_str(
            c->a, c->root, "conflict_diff",
            str_from_cstr(arena_printf(c->a, "/admin/articles/%lld/side/refused", (long long)id)));
    if (store_revisions_list(c->db, c->a, id, &revs, &n) == ERR_OK && n > 0)
        f->error_detail = str_from_cstr(
            arena_printf(c->a, "%.*s %.*s, %.*s", STR_FMT(admin__t(c, "admin.article.stale_by")),
                         STR_FMT(revs[0].user_name), STR_FMT(admin__date(c, revs[0].created_at))));
}

/* What follows a stored save in its transaction, the same for one article and for each
 * of a bulk action's: the audit entry, the signature of a published revision, the e-mail
 * notice, the scheduled «published» notice kept or dropped. */
struct save_step {
    int64_t id, version;
    enum store_status status;
    struct str title;
    const char *audit_action;
    struct mail_notice *notice; /* NULL: nobody to tell */
    const struct mail_site *ms; /* NULL: mail is not set up */
    int64_t recipient, when;    /* the notice's addressee; the publication time */
    int64_t *tags, *depts;      /* out: the article's keys to invalidate after commit */
    size_t n_tags, n_depts;
};

static enum err save_step_in(struct admin_ctx *c, struct save_step *x)
{
    struct str object =
        str_from_cstr(arena_printf(c->a, "article:%lld %.*s", (long long)x->id, STR_FMT(x->title)));
    struct str detail = str_from_cstr(arena_printf(c->a, "version %lld, %s", (long long)x->version,
                                                   store_status_text(x->status)));
    enum err e = admin__audit_in(c, x->audit_action, object, detail);
    if (e == ERR_OK) /* a published revision is signed in the same transaction */
        e = sign_seal_article(c->db, c->a, x->id, utc_now());
    if (e == ERR_OK)
        e = store_article_ref_ids(c->db, c->a, x->id, &x->tags, &x->n_tags, &x->depts, &x->n_depts);
    if (e == ERR_OK && x->notice != NULL) {
        x->notice->article_id = x->id;
        e = admin__notify_in(c, x->ms, x->notice, x->recipient);
    }
    /* a scheduled article's «published» notice waits for its time; any other state
     * drops one still waiting */
    if (e == ERR_OK && x->status == STORE_SCHEDULED && x->ms != NULL)
        e = store_notice_set(c->db, x->id, x->when, c->user.id);
    else if (e == ERR_OK && x->status != STORE_SCHEDULED)
        e = store_notice_drop(c->db, x->id);
    return e;
}

void admin__article_save(struct admin_ctx *c)
{
    struct art_form f;
    struct store_article_meta meta;
    struct store_article art;
    struct store_article_input in;
    struct str tags[STORE_MAX_REFS], related[STORE_MAX_RELATED];
    struct str action = admin__field(c, c->req->body, "action");
    int64_t id = 0, expected = 0, new_id = 0, new_version = 0, when;
    int64_t *old_tags = NULL, *old_depts = NULL, *new_tags = NULL, *new_depts = NULL;
    size_t n_old_tags = 0, n_old_depts = 0, n_new_tags = 0, n_new_depts = 0;
    bool editor = admin__is(c, STORE_ROLE_EDITOR), stale = false;
    enum store_status status = STORE_DRAFT;
    const char *audit_action = "article.save", *msg = "saved";
    enum err e;

    memset(&f, 0, sizeof f);
    memset(&meta, 0, sizeof meta);
    if (c->req->n_params > 0) {
        if (!parse_id(c, &id))
            return;
        e = form_from_db(c, id, &f, &meta, &art);
        if (e != ERR_OK) {
            admin__db_error(c, e, "article load");
            return;
        }
        if (!may_edit(c, &meta)) {
            if (meta.author_id == c->user.id) {
                /* their own article, sent to the editors from another tab: what they
                 * typed is shown back, read-only, to copy, never dropped silently */
                form_from_post(c, &f, &in, tags, related);
                f.error_key = "admin.article.in_review";
                edit_page(c, 403, &f);
                return;
            }
            admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
            return;
        }
        status = meta.status;
        e = store_article_ref_ids(c->db, c->a, id, &old_tags, &n_old_tags, &old_depts,
                                  &n_old_depts);
        if (e != ERR_OK) {
            admin__db_error(c, e, "article refs");
            return;
        }
    } else {
        f.author_id = c->user.id;
        f.status = STORE_DRAFT;
    }
    if (!admin__field_i64(c, c->req->body, "version", &expected))
        expected = 0;
    form_from_post(c, &f, &in, tags, related);
    f.version = expected;

    /* the time shown; empty means now */
    if (f.date.len == 0)
        when = utc_now();
    else if (!kyiv_parse(f.date, &when)) {
        f.error_key = "admin.article.bad_date";
        edit_page(c, 422, &f);
        return;
    }
    /* A draft's date field holds the time it was started. Publishing it unchanged dates
     * the news now: a morning draft published in the afternoon must not sort below the
     * news of the day (issue 12). A date the editor typed, or a future one, stands. */
    bool never_public = id == 0 || meta.status == STORE_DRAFT || meta.status == STORE_REVIEW;
    if (str_eq_cstr(action, "publish") && editor && never_public && id > 0 &&
        str_eq(f.date, admin__date_input(c, art.published_at)) && when <= utc_now())
        when = utc_now();
    in.published_at = when;
    /* the first autosave of a new article (admin.js) creates its draft, so that a tab
     * closed before any save keeps the text; typed before the title, it gets a
     * placeholder title the author replaces (issue 12) */
    if (f.title.len == 0 && id == 0 && admin__field(c, c->req->body, "autosave").len > 0)
        in.title = f.title = admin__t(c, "admin.article.untitled");
    if (f.title.len == 0) {
        f.error_key = "admin.article.no_title";
        edit_page(c, 422, &f);
        return;
    }
    if (f.slug.len == 0) {
        struct str base = make_slug(c, f.title);
        f.slug = base;
        for (int k = 2; k < 100 && !slug_free(c, f.slug, id); k++)
            f.slug = str_from_cstr(arena_printf(c->a, "%.*s-%d", STR_FMT(base), k));
    }
    in.slug = f.slug;

    if (str_eq_cstr(action, "submit")) {
        status = STORE_REVIEW;
        audit_action = "article.submit";
        msg = "submitted";
    } else if (str_eq_cstr(action, "publish") && editor) {
        status = when > utc_now() ? STORE_SCHEDULED : STORE_PUBLISHED;
        audit_action = status == STORE_SCHEDULED ? "article.schedule" : "article.publish";
        msg = status == STORE_SCHEDULED ? "scheduled" : "published";
    } else if (str_eq_cstr(action, "withdraw") && editor) {
        status = STORE_WITHDRAWN;
        audit_action = "article.withdraw";
        msg = "withdrawn";
    } else if (str_eq_cstr(action, "draft") && editor) {
        status = STORE_DRAFT;
        audit_action = "article.draft";
    } else if (!str_eq_cstr(action, "save") && !str_eq_cstr(action, "photos") && action.len > 0) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
        return;
    }
    in.status = status;
    f.status = id > 0 ? meta.status : STORE_DRAFT;

    /* who hears of this step (notify.c decides whether anyone has an address) */
    struct str reason = admin__field(c, c->req->body, "reason");
    struct mail_notice notice = {.title = in.title, .slug = in.slug, .actor = c->user.name};
    bool tell = false;
    if (status == STORE_REVIEW && (id == 0 || meta.status != STORE_REVIEW)) {
        notice.kind = MAIL_NOTICE_SUBMITTED;
        tell = true;
    } else if (status == STORE_PUBLISHED && id > 0 && meta.status != STORE_PUBLISHED) {
        notice.kind = MAIL_NOTICE_PUBLISHED;
        tell = true;
    } else if (str_eq_cstr(action, "draft") && id > 0 && meta.status != STORE_DRAFT) {
        notice.kind = MAIL_NOTICE_RETURNED;
        notice.reason = reason;
        tell = true;
    }
    if (reason.len > MAIL_NOTICE_MAX_REASON_BYTES || !utf8_valid(reason.ptr, reason.len)) {
        f.error_key = "admin.article.reason_bad";
        edit_page(c, 422, &f);
        return;
    }
    struct mail_site ms;
    bool have_ms = (tell || status == STORE_SCHEDULED) && admin__notice_site(c->db, c->a, &ms);

    e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_article_save(c->db, id, expected, &in, c->user.id, c->user.name, &new_id,
                               &new_version, &stale);
    if (e == ERR_CONFLICT || e == ERR_INVALID || e == ERR_TOO_LARGE) {
        store_rollback(c->db);
        f.error_key = stale               ? "admin.article.stale"
                      : e == ERR_CONFLICT ? "admin.article.slug_taken"
                                          : "admin.article.invalid";
        if (!stale)
            f.error_detail = arena_str(c->a, str_from_cstr(store_errmsg(c->db)));
        else
            conflict_kept(c, id, &f);
        edit_page(c, e == ERR_CONFLICT ? 409 : 422, &f);
        return;
    }
    if (e == ERR_OK) {
        struct save_step step = {.id = new_id,
                                 .version = new_version,
                                 .status = status,
                                 .title = in.title,
                                 .audit_action = id == 0 ? "article.create" : audit_action,
                                 .notice = tell && have_ms ? &notice : NULL,
                                 .ms = have_ms ? &ms : NULL,
                                 .recipient = id == 0 ? c->user.id : meta.author_id,
                                 .when = when};
        e = save_step_in(c, &step);
        new_tags = step.tags;
        n_new_tags = step.n_tags;
        new_depts = step.depts;
        n_new_depts = step.n_depts;
    }
    if (have_ms)
        sodium_memzero(ms.secret, sizeof ms.secret);
    /* saved: the user's autosave and refused text are in the article now, or were
     * overruled by the user's own choice */
    if (e == ERR_OK)
        e = store_side_drop(c->db, new_id, c->user.id, STORE_SIDE_AUTO);
    if (e == ERR_OK)
        e = store_side_drop(c->db, new_id, c->user.id, STORE_SIDE_REFUSED);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "article save");
        return;
    }
    admin__article_invalidate(c, new_id, old_tags, n_old_tags, old_depts, n_old_depts);
    admin__article_invalidate(c, new_id, new_tags, n_new_tags, new_depts, n_new_depts);
    /* «Зберегти чернетку й додати фото» on a new article: the gallery needs the draft,
     * so the first save goes straight to it */
    if (str_eq_cstr(action, "photos"))
        admin__redirect(c, "/admin/articles/%lld?m=%s#photos", (long long)new_id,
                        id == 0 ? "created" : msg);
    else
        admin__redirect(c, "/admin/articles/%lld?m=%s", (long long)new_id,
                        id == 0 ? "created" : msg);
}

/* ---- bulk actions ----------------------------------------------------------------------- */

/* the keys one changed article's pages hang on, dropped from the cache after commit */
struct bulk_keys {
    int64_t id;
    int64_t *old_tags, *old_depts, *new_tags, *new_depts;
    size_t n_old_tags, n_old_depts, n_new_tags, n_new_depts;
};

/* same_tag: do two tag names fold alike (case, apostrophes), as the store matches them
 * when it links a tag: «Укриття» added to an article tagged «укриття» is already there */
static bool same_tag(struct str a, struct str b)
{
    struct buf fa, fb;
    buf_init(&fa, 4 * STORE_MAX_NAME_BYTES + 16);
    buf_init(&fb, 4 * STORE_MAX_NAME_BYTES + 16);
    bool same =
        str_eq(a, b) || (search_word_fold(&fa, a) == ERR_OK && search_word_fold(&fb, b) == ERR_OK &&
                         str_eq(buf_str(&fa), buf_str(&fb)));
    buf_free(&fa);
    buf_free(&fb);
    return same;
}

/* One article of a bulk action, saved through the same steps as the editor's save
 * (store_article_save: version bump and revision; save_step_in: audit, signature,
 * notices). *changed is false when the article already was in the state asked for. */
static enum err bulk_one(struct admin_ctx *c, int64_t id, struct str action, struct str tag,
                         const struct mail_site *ms, bool *changed, struct bulk_keys *k)
{
    struct store_article art;
    struct store_article_meta meta;
    struct store_article_input in;
    struct str *related, depts[STORE_MAX_REFS], tags[STORE_MAX_REFS];
    size_t n_related;
    int64_t *old_tags, *old_depts, new_id, new_version, now = utc_now();
    size_t n_old_tags, n_old_depts;
    bool stale = false;
    const char *audit_action = "article.tag";

    *changed = false;
    enum err e = store_article_admin_get(c->db, c->a, id, &art, &meta, &related, &n_related);
    if (e == ERR_OK)
        e = store_article_ref_ids(c->db, c->a, id, &old_tags, &n_old_tags, &old_depts,
                                  &n_old_depts);
    if (e != ERR_OK)
        return e;
    memset(&in, 0, sizeof in);
    in.slug = art.slug;
    in.title = art.title;
    in.lead = art.lead;
    in.body_md = art.body_md;
    in.status = meta.status;
    in.published_at = art.published_at;
    for (size_t i = 0; i < art.n_departments && in.n_departments < STORE_MAX_REFS; i++)
        depts[in.n_departments++] = art.departments[i].name;
    for (size_t i = 0; i < art.n_tags && in.n_tags < STORE_MAX_REFS; i++)
        tags[in.n_tags++] = art.tags[i].name;
    in.departments = depts;
    in.tags = tags;
    in.related = related;
    in.n_related = n_related;
    bool public = meta.status == STORE_PUBLISHED || meta.status == STORE_SCHEDULED;
    struct mail_notice notice = {.title = art.title, .slug = art.slug, .actor = c->user.name};
    bool tell = false;
    if (str_eq_cstr(action, "publish")) {
        if (public)
            return ERR_OK;
        /* as a single save with the date unchanged: a draft is dated now, a future date
         * schedules it */
        if (meta.status != STORE_WITHDRAWN && in.published_at <= now)
            in.published_at = now;
        in.status = in.published_at > now ? STORE_SCHEDULED : STORE_PUBLISHED;
        audit_action = in.status == STORE_SCHEDULED ? "article.schedule" : "article.publish";
        notice.kind = MAIL_NOTICE_PUBLISHED;
        tell = in.status == STORE_PUBLISHED;
    } else if (str_eq_cstr(action, "withdraw")) {
        if (!public)
            return ERR_OK;
        in.status = STORE_WITHDRAWN;
        audit_action = "article.withdraw";
    } else {
        for (size_t i = 0; i < in.n_tags; i++)
            if (same_tag(tags[i], tag))
                return ERR_OK;
        if (in.n_tags == STORE_MAX_REFS)
            return ERR_TOO_LARGE;
        tags[in.n_tags++] = tag;
    }
    e = store_article_save(c->db, id, meta.version, &in, c->user.id, c->user.name, &new_id,
                           &new_version, &stale);
    if (e != ERR_OK)
        return e;
    struct save_step step = {.id = id,
                             .version = new_version,
                             .status = in.status,
                             .title = in.title,
                             .audit_action = audit_action,
                             .notice = tell && ms != NULL ? &notice : NULL,
                             .ms = ms,
                             .recipient = meta.author_id,
                             .when = in.published_at};
    e = save_step_in(c, &step);
    if (e != ERR_OK)
        return e;
    *k = (struct bulk_keys){.id = id,
                            .old_tags = old_tags,
                            .old_depts = old_depts,
                            .new_tags = step.tags,
                            .new_depts = step.depts,
                            .n_old_tags = n_old_tags,
                            .n_old_depts = n_old_depts,
                            .n_new_tags = step.n_tags,
                            .n_new_depts = step.n_depts};
    *changed = true;
    return ERR_OK;
}

void admin__articles_bulk(struct admin_ctx *c)
{
    struct str body = c->req->body;
    struct str action = admin__field(c, body, "bulk");
    struct str tag = str_trim(admin__field(c, body, "tag_name"));
    struct str ids_text[ADMIN__BULK_MAX + 1];
    int64_t ids[ADMIN__BULK_MAX];
    struct bulk_keys keys[ADMIN__BULK_MAX];
    size_t n_ids = admin__fields(c, body, "id", ids_text, ADMIN__BULK_MAX + 1);
    size_t n_changed = 0;
    const char *done;
    struct mail_site ms;

    /* the list's filters, to return to them: the pager's query, or nothing when it holds
     * anything else (it goes into the Location header) */
    struct str back = admin__field(c, body, "back");
    bool back_ok = back.len <= 2048 && (back.len == 0 || back.ptr[0] == '&');
    for (size_t i = 0; i < back.len && back_ok; i++) {
        char ch = back.ptr[i];
        back_ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || strchr("%&=-._~", ch) != NULL;
    }
    if (!back_ok)
        back = STR_LIT("");

    /* authors touch only their own drafts, one at a time: the whole action is refused */
    if (!admin__is(c, STORE_ROLE_EDITOR)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.bulk.editors_only");
        return;
    }
    if (str_eq_cstr(action, "publish"))
        done = "bulk_published";
    else if (str_eq_cstr(action, "withdraw"))
        done = "bulk_withdrawn";
    else if (str_eq_cstr(action, "tag"))
        done = "bulk_tagged";
    else {
        admin__message(c, 422, "admin.bulk.title", "admin.bulk.no_action");
        return;
    }
    if (n_ids == 0 || n_ids > ADMIN__BULK_MAX) {
        admin__message(c, 422, "admin.bulk.title", "admin.bulk.none");
        return;
    }
    for (size_t i = 0; i < n_ids; i++) {
        if (!str_to_i64(ids_text[i], &ids[i]) || ids[i] <= 0) {
            admin__message(c, 422, "admin.bulk.title", "admin.bulk.none");
            return;
        }
    }
    if (str_eq_cstr(action, "tag") &&
        (tag.len == 0 || tag.len > STORE_MAX_NAME_BYTES || !utf8_valid(tag.ptr, tag.len) ||
         str_find_char(tag, ',') != SIZE_MAX)) {
        admin__message(c, 422, "admin.bulk.title", "admin.bulk.bad_tag");
        return;
    }
    bool have_ms = admin__notice_site(c->db, c->a, &ms);
    enum err e = store_begin(c->db);
    for (size_t i = 0; i < n_ids && e == ERR_OK; i++) {
        bool changed;
        e = bulk_one(c, ids[i], action, tag, have_ms ? &ms : NULL, &changed, &keys[n_changed]);
        n_changed += changed;
    }
    if (have_ms)
        sodium_memzero(ms.secret, sizeof ms.secret);
    if (e == ERR_OK)
        e = store_commit(c->db);
    else
        store_rollback(c->db);
    if (e == ERR_NOTFOUND || e == ERR_CONFLICT || e == ERR_INVALID || e == ERR_TOO_LARGE) {
        admin__message(c, e == ERR_CONFLICT ? 409 : 422, "admin.bulk.title",
                       e == ERR_NOTFOUND   ? "admin.bulk.gone"
                       : e == ERR_CONFLICT ? "admin.bulk.conflict"
                                           : "admin.bulk.bad_tag");
        return;
    }
    if (e != ERR_OK) {
        admin__db_error(c, e, "bulk action");
        return;
    }
    for (size_t i = 0; i < n_changed; i++) {
        const struct bulk_keys *k = &keys[i];
        admin__article_invalidate(c, k->id, k->old_tags, k->n_old_tags, k->old_depts,
                                  k->n_old_depts);
        admin__article_invalidate(c, k->id, k->new_tags, k->n_new_tags, k->new_depts,
                                  k->n_new_depts);
    }
    admin__redirect(c, "/admin/articles?m=%s&n=%zu%.*s", done, n_changed, STR_FMT(back));
}

/* ---- preview ---------------------------------------------------------------------------- */

static struct store_ref *refs_named(struct admin_ctx *c, const struct str *names, size_t n,
                                    struct store_ref *known, size_t n_known)
{
    struct store_ref *out = arena_alloc_array(c->a, n > 0 ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        out[i].name = str_trim(names[i]);
        out[i].slug = make_slug(c, out[i].name);
        for (size_t j = 0; j < n_known; j++) {
            if (str_eq(known[j].name, out[i].name)) {
                out[i] = known[j];
                break;
            }
        }
    }
    return out;
}

void admin__article_preview(struct admin_ctx *c)
{
    struct art_form f;
    struct store_article_meta meta;
    struct store_article art, stored;
    struct store_article_input in;
    struct str tags[STORE_MAX_REFS], related[STORE_MAX_RELATED];
    struct store_ref *all_tags = NULL, *all_depts = NULL;
    size_t n_tags = 0, n_depts = 0;
    int64_t id = 0, when;

    memset(&art, 0, sizeof art);
    memset(&f, 0, sizeof f);
    if (admin__field_i64(c, c->req->body, "id", &id) && id > 0) {
        struct str *rel;
        size_t n_rel;
        enum err e = store_article_admin_get(c->db, c->a, id, &stored, &meta, &rel, &n_rel);
        if (e != ERR_OK) {
            admin__db_error(c, e, "preview load");
            return;
        }
        if (!may_view(c, &meta)) {
            admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
            return;
        }
        art.id = id;
        art.photos = stored.photos;
        art.n_photos = stored.n_photos;
    }
    form_from_post(c, &f, &in, tags, related);
    if (f.date.len == 0 || !kyiv_parse(f.date, &when))
        when = utc_now();
    if (store_tags_all(c->db, c->a, &all_tags, &n_tags) != ERR_OK)
        n_tags = 0;
    if (store_depts_all(c->db, c->a, &all_depts, &n_depts) != ERR_OK)
        n_depts = 0;
    art.slug = f.slug.len > 0 ? f.slug : make_slug(c, f.title);
    art.title = f.title.len > 0 ? f.title : admin__t(c, "admin.article.untitled");
    art.lead = f.lead;
    art.body_md = f.body;
    art.published_at = when;
    art.updated_at = utc_now();
    art.status = STORE_PUBLISHED;
    art.tags = refs_named(c, in.tags, in.n_tags, all_tags, n_tags);
    art.n_tags = in.n_tags;
    art.departments = refs_named(c, in.departments, in.n_departments, all_depts, n_depts);
    art.n_departments = in.n_departments;
    site_render_article_preview(c->ad->site, c->db, c->req, c->res, &art);
}

/* ---- revisions -------------------------------------------------------------------------- */

static bool load_meta(struct admin_ctx *c, int64_t id, struct store_article_meta *meta,
                      struct store_article *art)
{
    struct str *rel;
    size_t n_rel;
    enum err e = store_article_admin_get(c->db, c->a, id, art, meta, &rel, &n_rel);
    if (e != ERR_OK) {
        admin__db_error(c, e, "article load");
        return false;
    }
    if (!may_view(c, meta)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
        return false;
    }
    return true;
}

void admin__revisions(struct admin_ctx *c)
{
    struct store_article_meta meta;
    struct store_article art;
    struct store_revision *revs;
    size_t n;
    int64_t id;

    if (!parse_id(c, &id) || !load_meta(c, id, &meta, &art))
        return;
    enum err e = store_revisions_list(c->db, c->a, id, &revs, &n);
    if (e != ERR_OK) {
        admin__db_error(c, e, "revisions");
        return;
    }
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        enum store_status st;
        if (!store_status_parse(revs[i].status, &st))
            st = STORE_DRAFT;
        value_set_int(c->a, v, "version", revs[i].version);
        value_set_str(c->a, v, "title", revs[i].title);
        value_set_str(c->a, v, "status", admin__t(c, status_key(st)));
        value_set_str(c->a, v, "user", revs[i].user_name);
        value_set_str(c->a, v, "date", admin__date(c, revs[i].created_at));
        value_set_bool(c->a, v, "a_checked", i == 1 || (n == 1 && i == 0));
        value_set_bool(c->a, v, "b_checked", i == 0);
        value_set_bool(c->a, v, "current", revs[i].version == meta.version);
        value_push(c->a, list, v);
    }
    value_set_int(c->a, c->root, "id", id);
    value_set_int(c->a, c->root, "version", meta.version);
    value_set_str(c->a, c->root, "title", art.title);
    value_set(c->a, c->root, "revisions", list);
    value_set_bool(c->a, c->root, "can_restore", may_edit(c, &meta));
    value_set_bool(c->a, c->root, "nav_articles", true);
    admin__render(c, 200, "admin-revisions");
}

static struct str lines_joined(struct admin_ctx *c, struct str lines)
{
    struct str rest = lines, piece;
    struct buf b;
    buf_init(&b, lines.len * 2 + 16);
    while (str_split_next(&rest, '\n', &piece)) {
        if (b.len > 0)
            buf_append_cstr(&b, ", ");
        buf_append_str(&b, piece);
    }
    struct str s = arena_str(c->a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* gallery_line splits one line of a revision's gallery ("<sha256>\t<caption>\t<alt>") */
static bool gallery_line(struct str line, struct str *hash, struct str *caption, struct str *alt)
{
    struct str rest = line;
    return str_split_next(&rest, '\t', hash) && str_split_next(&rest, '\t', caption) &&
           (*alt = rest, hash->len > 0);
}

/* gallery_text: a revision's gallery for the diff, a photo a line in order with its
 * caption, alt text and the start of its file's hash; empty for none (or a revision
 * older than migration 19) */
static struct str gallery_text(struct admin_ctx *c, struct str gallery)
{
    struct str rest = gallery, line, hash, caption, alt;
    struct buf b;
    size_t n = 0;
    if (gallery.len == 0)
        return STR_LIT("");
    buf_init(&b, gallery.len * 2 + 256);
    buf_append_cstr(&b, "\n\n");
    buf_append_str(&b, admin__t(c, "admin.photo.gallery"));
    buf_append_cstr(&b, ":");
    while (str_split_next(&rest, '\n', &line)) {
        if (!gallery_line(line, &hash, &caption, &alt))
            continue;
        buf_append_cstr(&b, arena_printf(c->a, "\n%zu. %.*s · %.*s: %.*s · %.*s", ++n,
                                         STR_FMT(caption), STR_FMT(admin__t(c, "admin.photo.alt")),
                                         STR_FMT(alt), STR_FMT(str_sub(hash, 0, 12))));
    }
    struct str out = arena_str(c->a, buf_str(&b));
    buf_free(&b);
    return out;
}

/* gallery_restore, in resave's transaction: the photos the revision lists get back its
 * order, captions and alt texts (matched by file); photos added since stay, after them.
 * Photos removed since are not brought back (their rows are gone). A revision without a
 * gallery (none, or older than migration 19) leaves the gallery as it is. */
static enum err gallery_restore(struct admin_ctx *c, int64_t id, struct str gallery)
{
    struct store_article art;
    struct store_article_meta meta;
    struct store_gallery_state g;
    struct str *rel, rest, line, hash, caption, alt;
    size_t n_rel;
    int64_t new_version;
    if (gallery.len == 0)
        return ERR_OK;
    enum err e = store_article_admin_get(c->db, c->a, id, &art, &meta, &rel, &n_rel);
    if (e == ERR_OK)
        e = store_gallery_state(c->db, c->a, id, &g);
    if (e != ERR_OK || art.n_photos == 0)
        return e;
    struct store_photo_edit *edits = arena_alloc_array(c->a, art.n_photos, sizeof *edits);
    bool *used = arena_alloc_array(c->a, art.n_photos, sizeof *used);
    for (size_t i = 0; i < art.n_photos; i++) {
        edits[i] = (struct store_photo_edit){.id = art.photos[i].id,
                                             .order = 100000 + (int64_t)i,
                                             .caption = art.photos[i].caption,
                                             .alt = art.photos[i].alt};
        used[i] = false;
    }
    rest = gallery;
    for (int64_t k = 1; str_split_next(&rest, '\n', &line); k++) {
        if (!gallery_line(line, &hash, &caption, &alt))
            continue;
        for (size_t i = 0; i < art.n_photos; i++) {
            if (used[i] || !str_eq(art.photos[i].hash, hash))
                continue;
            used[i] = true;
            edits[i].order = k;
            edits[i].caption = caption;
            edits[i].alt = alt;
            break;
        }
    }
    /* a gallery form open elsewhere is now stale, as after any gallery save */
    e = store_gallery_claim(c->db, id, g.version, c->user.name, utc_now(), &new_version);
    if (e == ERR_OK)
        e = store_photos_arrange(c->db, id, edits, art.n_photos);
    return e;
}

/* revision_text: the whole revision as one text, so one line diff shows every change. */
static struct str revision_text(struct admin_ctx *c, const struct store_revision *r)
{
    struct arena *a = c->a;
    /* the status by the catalog's name, as the list and the revisions page show it,
     * never the stored code word («scheduled») */
    enum store_status st;
    if (!store_status_parse(r->status, &st))
        st = STORE_DRAFT;
    return str_from_cstr(arena_printf(
        a,
        "%.*s: %.*s\n%.*s: %.*s\n%.*s: %.*s\n%.*s: %.*s\n%.*s: %.*s\n%.*s: %.*s\n%.*s: %.*s\n"
        "%.*s: %.*s\n\n%.*s%.*s",
        STR_FMT(admin__t(c, "admin.article.title")), STR_FMT(r->title),
        STR_FMT(admin__t(c, "admin.article.slug")), STR_FMT(r->slug),
        STR_FMT(admin__t(c, "admin.article.status")), STR_FMT(admin__t(c, status_key(st))),
        STR_FMT(admin__t(c, "admin.article.date")), STR_FMT(admin__date(c, r->published_at)),
        STR_FMT(admin__t(c, "admin.article.departments")), STR_FMT(lines_joined(c, r->departments)),
        STR_FMT(admin__t(c, "admin.article.tags")), STR_FMT(lines_joined(c, r->tags)),
        STR_FMT(admin__t(c, "admin.article.related")), STR_FMT(lines_joined(c, r->related)),
        STR_FMT(admin__t(c, "admin.article.lead")), STR_FMT(r->lead), STR_FMT(r->body_md),
        STR_FMT(gallery_text(c, r->gallery))));
}

static void diff_page(struct admin_ctx *c, int64_t id, struct str title, struct str text_a,
                      struct str text_b, struct str a, struct str b);

void admin__diff(struct admin_ctx *c)
{
    struct store_article_meta meta;
    struct store_article art;
    struct store_revision ra, rb;
    int64_t id, va, vb;

    if (!parse_id(c, &id) || !load_meta(c, id, &meta, &art))
        return;
    if (!admin__field_i64(c, c->req->query, "a", &va) ||
        !admin__field_i64(c, c->req->query, "b", &vb)) {
        admin__message(c, 400, "admin.err.bad_title", "admin.err.bad");
        return;
    }
    enum err e = store_revision_get(c->db, c->a, id, va, &ra);
    if (e == ERR_OK)
        e = store_revision_get(c->db, c->a, id, vb, &rb);
    if (e != ERR_OK) {
        admin__db_error(c, e, "revision");
        return;
    }
    diff_page(c, id, art.title, revision_text(c, &ra), revision_text(c, &rb),
              admin__int_str(c->a, va), admin__int_str(c->a, vb));
}

/* diff_page shows the line diff of two texts of article id, labelled a and b. */
static void diff_page(struct admin_ctx *c, int64_t id, struct str title, struct str text_a,
                      struct str text_b, struct str a, struct str b)
{
    struct admin_diff_line *lines;
    size_t n;
    admin__diff_lines(c->a, text_a, text_b, &lines, &n);
    struct value *list = value_list(c->a);
    int64_t added = 0, removed = 0;
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_str(c->a, v, "text", lines[i].text);
        if (lines[i].op == ADMIN_DIFF_ADD) {
            value_set_bool(c->a, v, "add", true);
            added++;
        } else if (lines[i].op == ADMIN_DIFF_DEL) {
            value_set_bool(c->a, v, "del", true);
            removed++;
        }
        value_push(c->a, list, v);
    }
    value_set_int(c->a, c->root, "id", id);
    value_set_str(c->a, c->root, "title", title);
    value_set_str(c->a, c->root, "a", a);
    value_set_str(c->a, c->root, "b", b);
    value_set_int(c->a, c->root, "added", added);
    value_set_int(c->a, c->root, "removed", removed);
    value_set(c->a, c->root, "lines", list);
    value_set_bool(c->a, c->root, "nav_articles", true);
    admin__render(c, 200, "admin-diff");
}

/* GET /admin/articles/:id/side/:kind: the article as it is now against the user's
 * autosave or refused text, in the same form as a diff of two revisions. */
void admin__side_diff(struct admin_ctx *c)
{
    struct store_article_meta meta;
    struct store_article art;
    struct store_revision now, side;
    struct store_side_text t;
    enum store_side_kind kind;
    int64_t id;

    if (!parse_id(c, &id) || !load_meta(c, id, &meta, &art))
        return;
    if (c->req->n_params < 2 || !admin__side_kind(c->req->params[1], &kind)) {
        admin__message(c, 404, "admin.err.notfound_title", "admin.err.notfound");
        return;
    }
    enum err e = store_revision_get(c->db, c->a, id, meta.version, &now);
    if (e == ERR_OK)
        e = store_side_get(c->db, c->a, id, c->user.id, kind, &t);
    if (e != ERR_OK) {
        admin__db_error(c, e, "side text");
        return;
    }
    side = now; /* status and what the form does not hold stay as they are */
    side.title = t.title;
    side.slug = t.slug;
    side.lead = t.lead;
    side.body_md = t.body;
    if (!kyiv_parse(str_trim(t.date), &side.published_at))
        side.published_at = now.published_at;
    side.departments = t.departments;
    struct buf b; /* the form's "a, b" as the revision's one per line */
    buf_init(&b, t.tags.len + 1);
    struct str rest = t.tags, name;
    while (str_split_next(&rest, ',', &name)) {
        name = str_trim(name);
        if (name.len > 0) {
            buf_append_str(&b, name);
            buf_append_char(&b, '\n');
        }
    }
    side.tags = arena_str(c->a, buf_str(&b));
    buf_free(&b);
    side.related = t.related;
    value_set_bool(c->a, c->root, "side", true);
    value_set_str(c->a, c->root, "side_at", admin__date(c, t.saved_at));
    value_set_str(c->a, c->root, "side_kind", c->req->params[1]);
    diff_page(c, id, art.title, revision_text(c, &now), revision_text(c, &side),
              admin__int_str(c->a, meta.version),
              admin__t(c, kind == STORE_SIDE_AUTO ? "admin.side.auto" : "admin.side.refused"));
}

/* resave stores revision rev of article id again as a new version with status, from a
 * form that saw version expected (restore, take-back), audits it as action and sends
 * the editor back to the article with the flash message msg. */
static void resave(struct admin_ctx *c, int64_t id, int64_t rev, int64_t expected,
                   enum store_status status, const char *action, const char *msg)
{
    struct store_revision r;
    struct store_article_input in;
    struct str depts[STORE_MAX_REFS], tags[STORE_MAX_REFS], related[STORE_MAX_RELATED];
    int64_t new_id, new_version;
    int64_t *old_tags, *old_depts, *new_tags, *new_depts;
    size_t n_old_tags, n_old_depts, n_new_tags, n_new_depts;
    bool stale = false;

    enum err e = store_revision_get(c->db, c->a, id, rev, &r);
    if (e == ERR_OK)
        e = store_article_ref_ids(c->db, c->a, id, &old_tags, &n_old_tags, &old_depts,
                                  &n_old_depts);
    if (e != ERR_OK) {
        admin__db_error(c, e, "revision");
        return;
    }
    memset(&in, 0, sizeof in);
    in.slug = r.slug;
    in.title = r.title;
    in.lead = r.lead;
    in.body_md = r.body_md;
    in.published_at = r.published_at;
    in.status = status;
    in.n_departments = split_names(r.departments, '\n', depts, STORE_MAX_REFS);
    in.departments = depts;
    in.n_tags = split_names(r.tags, '\n', tags, STORE_MAX_REFS);
    in.tags = tags;
    in.n_related = split_names(r.related, '\n', related, STORE_MAX_RELATED);
    in.related = related;
    e = store_begin(c->db);
    /* the gallery first, so that the new revision records it restored; a take-back
     * (rev = the current version) leaves it as it is */
    if (e == ERR_OK && strcmp(action, "article.restore") == 0)
        e = gallery_restore(c, id, r.gallery);
    if (e == ERR_OK)
        e = store_article_save(c->db, id, expected, &in, c->user.id, c->user.name, &new_id,
                               &new_version, &stale);
    if (e == ERR_CONFLICT) {
        store_rollback(c->db);
        admin__message(c, 409, "admin.err.conflict_title",
                       stale ? "admin.article.stale" : "admin.article.slug_taken");
        return;
    }
    if (e == ERR_OK)
        e = admin__audit_in(
            c, action,
            str_from_cstr(arena_printf(c->a, "article:%lld %.*s", (long long)id, STR_FMT(r.title))),
            str_from_cstr(arena_printf(c->a, "version %lld from %lld", (long long)new_version,
                                       (long long)rev)));
    if (e == ERR_OK)
        e = store_article_ref_ids(c->db, c->a, id, &new_tags, &n_new_tags, &new_depts,
                                  &n_new_depts);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, action);
        return;
    }
    admin__article_invalidate(c, id, old_tags, n_old_tags, old_depts, n_old_depts);
    admin__article_invalidate(c, id, new_tags, n_new_tags, new_depts, n_new_depts);
    admin__redirect(c, "/admin/articles/%lld?m=%s", (long long)id, msg);
}

void admin__restore(struct admin_ctx *c)
{
    struct store_article_meta meta;
    struct store_article art;
    int64_t id, rev, expected;

    if (!parse_id(c, &id) || !load_meta(c, id, &meta, &art))
        return;
    if (!may_edit(c, &meta)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
        return;
    }
    if (!admin__field_i64(c, c->req->body, "rev", &rev) ||
        !admin__field_i64(c, c->req->body, "version", &expected)) {
        admin__message(c, 400, "admin.err.bad_title", "admin.err.bad");
        return;
    }
    /* restoring the text does not publish or withdraw */
    resave(c, id, rev, expected, meta.status, "article.restore", "restored");
}

void admin__article_takeback(struct admin_ctx *c)
{
    struct store_article_meta meta;
    struct store_article art;
    int64_t id, expected;

    if (!parse_id(c, &id) || !load_meta(c, id, &meta, &art))
        return;
    /* the author of an article waiting for review takes it back to work on it (issue
     * 12's workflow); editors have «На доопрацювання» for any article */
    if (meta.author_id != c->user.id || meta.status != STORE_REVIEW) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.role");
        return;
    }
    if (!admin__field_i64(c, c->req->body, "version", &expected)) {
        admin__message(c, 400, "admin.err.bad_title", "admin.err.bad");
        return;
    }
    resave(c, id, meta.version, expected, STORE_DRAFT, "article.takeback", "taken_back");
}
