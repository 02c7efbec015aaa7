/* leadership.c: the leadership in the workspace (/admin/leadership, editors and admins):
 * the list in the site's order and one form to add or edit a leader (order, name,
 * position, areas of responsibility one a line, the departments they oversee, phone,
 * e-mail, reception hours), and a stored leader's photo, uploaded apart (multipart) and
 * encoded by the confined media worker as articles' photos are. Checked whole before a
 * save, each problem beside its field and nothing saved; the save, photo or deletion
 * and its audit entry commit together and drop the cached /leadership. */
#include <string.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "http/multipart.h"
#include "mail/mail.h"
#include "media/media.h"
#include "media/worker.h"
#include "store/leadership.h"

enum lfield { L_SORT, L_NAME, L_POSITION, L_AREAS, L_DEPTS, L_PHONE, L_EMAIL, L_HOURS, L_N };

/* The form as typed, shown back on an error. */
struct ltyped {
    struct str sort, name, position, areas, phone, email, hours;
    int64_t *dept_ids;
    size_t n_dept_ids;
    struct str photo_hash; /* the stored photo, shown on the edit form */
    int photo_width;
    const char *photo_err; /* catalog key of a refused upload */
};

static const char *const err_names[L_N] = {"sort_err",  "name_err",  "position_err", "areas_err",
                                           "depts_err", "phone_err", "email_err",    "hours_err"};

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

static void lform(struct admin_ctx *c, int status, int64_t id, const struct ltyped *t,
                  const char *const *problem)
{
    struct store_ref *depts;
    size_t n_depts;
    enum err e = store_depts_all(c->db, c->a, &depts, &n_depts);
    if (e != ERR_OK) {
        admin__db_error(c, e, "leader form departments");
        return;
    }
    struct value *v = value_obj(c->a);
    value_set_int(c->a, v, "id", id);
    value_set_str(c->a, v, "sort", t->sort);
    value_set_str(c->a, v, "name", t->name);
    value_set_str(c->a, v, "position", t->position);
    value_set_str(c->a, v, "areas", t->areas);
    value_set_str(c->a, v, "phone", t->phone);
    value_set_str(c->a, v, "email", t->email);
    value_set_str(c->a, v, "hours", t->hours);
    value_set_int(c->a, v, "max_line", ADMIN_LEAD_MAX_LINE_CHARS);
    if (t->photo_hash.len > 0)
        /* the 480 px variant exists only for a wider original (media.h) */
        value_set_str(c->a, v, "photo",
                      str_from_cstr(arena_printf(c->a, "/media/%.*s%s.jpg", STR_FMT(t->photo_hash),
                                                 t->photo_width > 480 ? "-480" : "")));
    if (t->photo_err != NULL)
        value_set_str(c->a, v, "photo_err", admin__t(c, t->photo_err));
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n_depts; i++) {
        struct value *d = value_obj(c->a);
        value_set_int(c->a, d, "id", depts[i].id);
        value_set_str(c->a, d, "name", depts[i].name);
        if (has_id(t->dept_ids, t->n_dept_ids, depts[i].id))
            value_set_bool(c->a, d, "checked", true);
        value_push(c->a, list, d);
    }
    if (n_depts > 0)
        value_set(c->a, v, "depts", list);
    if (problem != NULL)
        for (int f = 0; f < L_N; f++)
            if (problem[f] != NULL)
                value_set_str(c->a, v, err_names[f], admin__t(c, problem[f]));
    value_set(c->a, c->root, "leader", v);
    value_set_str(c->a, c->root, "page_title",
                  admin__t(c, id == 0 ? "admin.lead.new" : "admin.lead.edit"));
    if (status != 200)
        value_set_str(c->a, c->root, "error", admin__t(c, "admin.lead.invalid"));
    value_set_bool(c->a, c->root, "nav_leadership", true);
    admin__render(c, status, "admin-leader");
}

void admin__leadership(struct admin_ctx *c)
{
    struct store_leader *items;
    size_t n;
    enum err e = store_leaders_list(c->db, c->a, &items, &n);
    if (e != ERR_OK) {
        admin__db_error(c, e, "leadership list");
        return;
    }
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_int(c->a, v, "id", items[i].id);
        value_set_str(c->a, v, "name", items[i].name);
        value_set_str(c->a, v, "position", items[i].position);
        value_push(c->a, list, v);
    }
    value_set(c->a, c->root, "leaders", list);
    struct str m = admin__field(c, c->req->query, "m");
    if (str_eq_cstr(m, "saved") || str_eq_cstr(m, "deleted"))
        value_set_str(
            c->a, c->root, "flash",
            admin__t(c, str_eq_cstr(m, "saved") ? "admin.lead.saved" : "admin.lead.deleted"));
    value_set_str(c->a, c->root, "page_title", admin__t(c, "admin.lead.title"));
    value_set_bool(c->a, c->root, "nav_leadership", true);
    admin__render(c, 200, "admin-leadership");
}

void admin__leader_new(struct admin_ctx *c)
{
    struct ltyped t;
    memset(&t, 0, sizeof t);
    lform(c, 200, 0, &t, NULL);
}

static bool load(struct admin_ctx *c, int64_t *id, struct store_leader *l)
{
    if (!admin__path_id(c, id))
        return false;
    enum err e = store_leader_get(c->db, c->a, *id, l);
    if (e != ERR_OK) {
        admin__db_error(c, e, "leader");
        return false;
    }
    return true;
}

/* typed_of: the form as the stored leader l fills it. */
static struct ltyped typed_of(struct admin_ctx *c, const struct store_leader *l)
{
    struct ltyped t = {.sort = str_from_cstr(arena_printf(c->a, "%lld", (long long)l->sort)),
                       .name = l->name,
                       .position = l->position,
                       .areas = l->areas,
                       .phone = l->phone,
                       .email = l->email,
                       .hours = l->hours,
                       .n_dept_ids = l->n_depts};
    t.dept_ids = arena_alloc_array(c->a, l->n_depts + 1, sizeof *t.dept_ids);
    for (size_t i = 0; i < l->n_depts; i++)
        t.dept_ids[i] = l->depts[i].id;
    t.photo_hash = l->photo_hash;
    t.photo_width = l->photo_width;
    return t;
}

void admin__leader_edit(struct admin_ctx *c)
{
    int64_t id;
    struct store_leader l;
    if (!load(c, &id, &l))
        return;
    struct ltyped t = typed_of(c, &l);
    struct str m = admin__field(c, c->req->query, "m");
    if (str_eq_cstr(m, "saved") || str_eq_cstr(m, "photo"))
        value_set_str(
            c->a, c->root, "flash",
            admin__t(c, str_eq_cstr(m, "saved") ? "admin.lead.saved" : "admin.lead.photo_saved"));
    lform(c, 200, id, &t, NULL);
}

/* check fills l from t, each field's problem (a catalog key) into problem; the number
 * of bad fields. Departments must be ones that exist. */
static size_t check(struct admin_ctx *c, struct ltyped *t, struct store_leader *l,
                    const char *problem[L_N])
{
    memset(problem, 0, sizeof(problem[0]) * L_N);
    l->name = str_trim(t->name);
    l->position = str_trim(t->position);
    l->areas = t->areas;
    l->phone = str_trim(t->phone);
    l->email = str_trim(t->email);
    l->hours = t->hours;
    struct str sort = str_trim(t->sort);
    if (sort.len > 0 && (!str_to_i64(sort, &l->sort) || l->sort < 0 || l->sort > 999))
        problem[L_SORT] = "admin.lead.err.sort";
    problem[L_NAME] = admin__reg_text_problem(l->name, ADMIN_LEAD_MAX_LINE_CHARS, false, true);
    problem[L_POSITION] =
        admin__reg_text_problem(l->position, ADMIN_LEAD_MAX_LINE_CHARS, false, true);
    problem[L_AREAS] = admin__reg_text_problem(l->areas, ADMIN_LEAD_MAX_AREAS_CHARS, true, false);
    problem[L_HOURS] = admin__reg_text_problem(l->hours, ADMIN_LEAD_MAX_HOURS_CHARS, true, false);
    problem[L_PHONE] = admin__reg_text_problem(l->phone, ADMIN_DEPT_MAX_PHONE_CHARS, false, false);
    if (problem[L_PHONE] == NULL && l->phone.len > 0)
        problem[L_PHONE] = admin__phone_problem(l->phone);
    problem[L_EMAIL] = admin__reg_text_problem(l->email, ADMIN_DEPT_MAX_EMAIL_CHARS, false, false);
    if (problem[L_EMAIL] == NULL && l->email.len > 0) {
        /* stored as mail would send to it: lower case, an IDN domain in ASCII */
        struct buf out;
        enum mail_addr_problem why;
        buf_init(&out, ADMIN_DEPT_MAX_EMAIL_CHARS * 4);
        if (mail_address_normalize(l->email, &out, &why) != ERR_OK)
            problem[L_EMAIL] = "admin.dept.err.email";
        else
            l->email = arena_str(c->a, buf_str(&out));
        buf_free(&out);
    }
    /* departments: each one chosen must exist (a form from before a deletion, or made up) */
    struct store_ref *all;
    size_t n_all;
    if (t->n_dept_ids > 0 && store_depts_all(c->db, c->a, &all, &n_all) == ERR_OK) {
        l->depts = arena_alloc_array(c->a, t->n_dept_ids, sizeof *l->depts);
        l->n_depts = 0;
        for (size_t i = 0; i < t->n_dept_ids; i++) {
            bool found = false;
            for (size_t k = 0; k < n_all && !found; k++)
                found = all[k].id == t->dept_ids[i];
            if (!found)
                problem[L_DEPTS] = "admin.lead.err.dept";
            else if (!has_id(t->dept_ids, i, t->dept_ids[i]))
                l->depts[l->n_depts++].id = t->dept_ids[i];
        }
    } else if (t->n_dept_ids > 0) {
        problem[L_DEPTS] = "admin.lead.err.dept";
    }
    size_t bad = 0;
    for (int f = 0; f < L_N; f++)
        bad += problem[f] != NULL;
    return bad;
}

void admin__leader_save(struct admin_ctx *c)
{
    int64_t id = 0;
    struct store_leader l;
    memset(&l, 0, sizeof l);
    bool is_new = c->req->n_params == 0;
    if (!is_new && !load(c, &id, &l))
        return;
    struct str body = c->req->body;
    struct ltyped t = {.sort = admin__field(c, body, "sort"),
                       .name = admin__field(c, body, "name"),
                       .position = admin__field(c, body, "position"),
                       .areas = admin__field(c, body, "areas"),
                       .phone = admin__field(c, body, "phone"),
                       .email = admin__field(c, body, "email"),
                       .hours = admin__field(c, body, "hours")};
    struct str raw[STORE_LEADER_MAX_DEPTS + 1];
    size_t n_raw = admin__fields(c, body, "dept", raw, STORE_LEADER_MAX_DEPTS + 1);
    const char *problem[L_N];
    t.dept_ids = arena_alloc_array(c->a, n_raw + 1, sizeof *t.dept_ids);
    bool bad_dept = n_raw > STORE_LEADER_MAX_DEPTS;
    for (size_t i = 0; i < n_raw && i < STORE_LEADER_MAX_DEPTS; i++) {
        int64_t d;
        if (str_to_i64(raw[i], &d) && d > 0)
            t.dept_ids[t.n_dept_ids++] = d;
        else
            bad_dept = true;
    }
    t.photo_hash = l.photo_hash;
    t.photo_width = l.photo_width;
    memset(&l, 0, sizeof l);
    l.id = id;
    size_t bad = check(c, &t, &l, problem);
    if (bad_dept && problem[L_DEPTS] == NULL) {
        problem[L_DEPTS] = "admin.lead.err.dept";
        bad++;
    }
    if (bad > 0) {
        lform(c, 422, id, &t, problem);
        return;
    }
    int64_t new_id = 0;
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_leader_save(c->db, &l, utc_now(), &new_id);
    if (e == ERR_OK)
        e = admin__audit_in(c, is_new ? "leader.create" : "leader.update",
                            str_from_cstr(arena_printf(c->a, "leader:%lld", (long long)new_id)),
                            l.name);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e == ERR_TOO_LARGE) {
        store_rollback(c->db);
        problem[L_NAME] = "admin.lead.err.too_many";
        lform(c, 422, id, &t, problem);
        return;
    }
    if (e != ERR_OK) {
        admin__db_error(c, e, "leader save"); /* rolls back */
        return;
    }
    admin__invalidate(c, "list:leadership");
    admin__redirect(c, "/admin/leadership/%lld?m=saved", (long long)new_id);
}

void admin__leader_delete(struct admin_ctx *c)
{
    int64_t id;
    struct store_leader l;
    if (!load(c, &id, &l))
        return;
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_leader_delete(c->db, id);
    if (e == ERR_OK)
        e = admin__audit_in(c, "leader.delete",
                            str_from_cstr(arena_printf(c->a, "leader:%lld", (long long)id)),
                            l.name);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "leader delete"); /* rolls back */
        return;
    }
    admin__invalidate(c, "list:leadership");
    admin__redirect(c, "/admin/leadership?m=deleted");
}

/* photo_encode runs the upload through the media worker and writes its files; a catalog
 * key of what went wrong, or NULL with *enc filled (the caller frees it). */
static const char *photo_encode(struct admin_ctx *c, struct str data, struct str filename,
                                struct media_encoded *enc)
{
    const char *mime;
    char err[512] = "";
    if (data.len > MEDIA_MAX_FILE_BYTES)
        return "admin.photo.too_big";
    if (media_sniff((const unsigned char *)data.ptr, data.len, &mime) != ERR_OK)
        return "admin.photo.bad_type";
    if (c->ad->worker == NULL)
        return "admin.photo.unavailable";
    const char *label = admin__upload_label(c, filename, 0);
    admin__unlock(c); /* other editors go on while the worker runs */
    enum err e = media_worker_encode(c->ad->worker, (const unsigned char *)data.ptr, data.len,
                                     label, enc, err, sizeof err);
    if (e == ERR_IO) /* the worker was restarted: one more try, as gallery.c does */
        e = media_worker_encode(c->ad->worker, (const unsigned char *)data.ptr, data.len, label,
                                enc, err, sizeof err);
    if (e == ERR_OK) {
        e = media_encoded_write(c->ad->media_dir, enc);
        if (e != ERR_OK) {
            log_msg(LOG_ERROR, c->req->id, "media write failed: %s", c->ad->media_dir);
            media_encoded_free(enc);
        }
    }
    admin__lock(c);
    if (e == ERR_OK)
        return NULL;
    admin__audit(c, "photo.refused", str_from_cstr(label), str_from_cstr(err));
    return e == ERR_TOO_LARGE ? "admin.photo.too_many_pixels"
           : e == ERR_INVALID ? "admin.photo.bad_image"
                              : "admin.photo.failed";
}

void admin__leader_photo(struct admin_ctx *c)
{
    struct http_multipart_part *parts;
    size_t n_parts;
    struct str csrf = STR_NULL, data = STR_LIT(""), filename = STR_LIT("");
    bool remove = false;
    int64_t id;
    struct store_leader l;

    enum err e = http_multipart_parse(c->a, c->req, &parts, &n_parts);
    if (e != ERR_OK) {
        admin__message(c, e == ERR_TOO_LARGE ? 413 : 400, "admin.err.bad_title",
                       "admin.photo.bad_form");
        return;
    }
    for (size_t i = 0; i < n_parts; i++) {
        if (str_eq_cstr(parts[i].name, "csrf"))
            csrf = parts[i].data;
        else if (str_eq_cstr(parts[i].name, "remove"))
            remove = parts[i].data.len > 0;
        else if (str_eq_cstr(parts[i].name, "photo") && parts[i].data.len > 0) {
            data = parts[i].data;
            filename = parts[i].filename;
        }
    }
    if (!admin__csrf_ok(c, csrf)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.csrf");
        return;
    }
    if (!load(c, &id, &l))
        return;
    struct media_encoded enc;
    const char *problem = NULL;
    if (!remove && data.len == 0)
        problem = "admin.lead.photo_none";
    else if (!remove)
        problem = photo_encode(c, data, filename, &enc);
    if (problem != NULL) {
        struct ltyped t = typed_of(c, &l);
        t.photo_err = problem;
        lform(c, 422, id, &t, NULL);
        return;
    }
    struct str hash = remove ? STR_LIT("") : str_from_cstr(enc.image.hash);
    int w = remove ? 0 : enc.image.width, h = remove ? 0 : enc.image.height;
    e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_leader_photo_set(c->db, id, hash, w, h, utc_now());
    if (e == ERR_OK)
        e = admin__audit_in(
            c, remove ? "leader.photo_remove" : "leader.photo",
            str_from_cstr(arena_printf(c->a, "leader:%lld", (long long)id)),
            remove ? l.name
                   : str_from_cstr(arena_printf(c->a, "%.*s %.*s %dx%d", STR_FMT(l.name),
                                                STR_FMT(hash), w, h)));
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (!remove)
        media_encoded_free(&enc);
    if (e != ERR_OK) {
        admin__db_error(c, e, "leader photo"); /* rolls back */
        return;
    }
    admin__invalidate(c, "list:leadership");
    admin__redirect(c, "/admin/leadership/%lld?m=photo", (long long)id);
}
