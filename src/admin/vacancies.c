/* vacancies.c: vacancies in the workspace (/admin/vacancies): the list and one form to
 * create or edit one (title, the post's unit, requirements and how to apply in Markdown,
 * the deadline in Kyiv time, closed). The site shows a vacancy as open until its
 * deadline passes, by itself; «закрита» ends it sooner. Checked whole before a save,
 * each problem beside its field; the save and its audit entry commit together. */
#include <string.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "store/registry.h"

enum vfield { V_TITLE, V_UNIT, V_REQ, V_APPLY, V_DEADLINE, V_N };

struct vtyped {
    struct str title, unit, req, apply, deadline;
    bool closed;
};

static struct str deadline_input(struct admin_ctx *c, int64_t utc)
{
    struct kyiv_tm k = kyiv_from_utc(utc);
    return str_from_cstr(arena_printf(c->a, "%04d-%02d-%02dT%02d:%02d:%02d", k.year, k.month, k.day,
                                      k.hour, k.minute, k.second));
}

static void vform(struct admin_ctx *c, int status, int64_t id, const struct vtyped *t,
                  const char *const *problem)
{
    struct value *v = value_obj(c->a);
    value_set_int(c->a, v, "id", id);
    value_set_str(c->a, v, "title", t->title);
    value_set_str(c->a, v, "unit", t->unit);
    value_set_str(c->a, v, "requirements", t->req);
    value_set_str(c->a, v, "apply", t->apply);
    value_set_str(c->a, v, "deadline", t->deadline);
    value_set_bool(c->a, v, "closed", t->closed);
    value_set_int(c->a, v, "max_title", ADMIN_VAC_MAX_TITLE_CHARS);
    if (problem != NULL) {
        static const char *const names[V_N] = {"title_err", "unit_err", "requirements_err",
                                               "apply_err", "deadline_err"};
        for (int f = 0; f < V_N; f++)
            if (problem[f] != NULL)
                value_set_str(c->a, v, names[f], admin__t(c, problem[f]));
    }
    value_set(c->a, c->root, "vac", v);
    value_set_str(c->a, c->root, "page_title",
                  admin__t(c, id == 0 ? "admin.vac.new" : "admin.vac.edit"));
    if (status != 200)
        value_set_str(c->a, c->root, "error", admin__t(c, "admin.reg.invalid"));
    value_set_bool(c->a, c->root, "nav_vacancies", true);
    admin__render(c, status, "admin-vacancy");
}

void admin__vacancies(struct admin_ctx *c)
{
    struct store_vacancy *items;
    size_t n;
    int64_t now = utc_now();
    enum err e = store_vac_list(c->db, c->a, STORE_VAC_ALL, now, STORE_VAC_MAX_LIMIT, &items, &n);
    if (e != ERR_OK) {
        admin__db_error(c, e, "vacancy list");
        return;
    }
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_int(c->a, v, "id", items[i].id);
        value_set_str(c->a, v, "title", items[i].title);
        value_set_str(c->a, v, "deadline", admin__date(c, items[i].deadline));
        bool open = !items[i].closed && items[i].deadline > now;
        value_set_str(c->a, v, "state", admin__t(c, open ? "vac.open" : "vac.closed"));
        value_push(c->a, list, v);
    }
    value_set(c->a, c->root, "vacancies", list);
    struct str m = admin__field(c, c->req->query, "m");
    if (str_eq_cstr(m, "saved") || str_eq_cstr(m, "deleted"))
        value_set_str(
            c->a, c->root, "flash",
            admin__t(c, str_eq_cstr(m, "saved") ? "admin.vac.saved" : "admin.vac.deleted"));
    value_set_str(c->a, c->root, "page_title", admin__t(c, "admin.vac.title"));
    value_set_bool(c->a, c->root, "nav_vacancies", true);
    admin__render(c, 200, "admin-vacancies");
}

void admin__vacancy_new(struct admin_ctx *c)
{
    struct vtyped t;
    memset(&t, 0, sizeof t);
    vform(c, 200, 0, &t, NULL);
}

static bool load(struct admin_ctx *c, int64_t *id, struct store_vacancy *v)
{
    if (!admin__path_id(c, id))
        return false;
    enum err e = store_vac_get(c->db, c->a, *id, v);
    if (e != ERR_OK) {
        admin__db_error(c, e, "vacancy");
        return false;
    }
    return true;
}

void admin__vacancy_edit(struct admin_ctx *c)
{
    int64_t id;
    struct store_vacancy v;
    if (!load(c, &id, &v))
        return;
    struct vtyped t = {.title = v.title,
                       .unit = v.unit,
                       .req = v.requirements_md,
                       .apply = v.apply_md,
                       .deadline = deadline_input(c, v.deadline),
                       .closed = v.closed};
    if (str_eq_cstr(admin__field(c, c->req->query, "m"), "saved"))
        value_set_str(c->a, c->root, "flash", admin__t(c, "admin.vac.saved"));
    vform(c, 200, id, &t, NULL);
}

void admin__vacancy_save(struct admin_ctx *c)
{
    int64_t id = 0;
    struct store_vacancy v;
    memset(&v, 0, sizeof v);
    bool is_new = c->req->n_params == 0;
    if (!is_new && !load(c, &id, &v))
        return;
    struct str body = c->req->body;
    struct vtyped t = {.title = admin__field(c, body, "title"),
                       .unit = admin__field(c, body, "unit"),
                       .req = admin__field(c, body, "requirements"),
                       .apply = admin__field(c, body, "apply"),
                       .deadline = admin__field(c, body, "deadline"),
                       .closed = admin__field(c, body, "closed").len > 0};
    const char *problem[V_N];
    v.id = id;
    v.title = str_trim(t.title);
    v.unit = str_trim(t.unit);
    v.requirements_md = t.req;
    v.apply_md = t.apply;
    v.closed = t.closed;
    problem[V_TITLE] = admin__reg_text_problem(v.title, ADMIN_VAC_MAX_TITLE_CHARS, false, true);
    problem[V_UNIT] = admin__reg_text_problem(v.unit, ADMIN_VAC_MAX_TITLE_CHARS, false, false);
    problem[V_REQ] =
        admin__reg_text_problem(v.requirements_md, ADMIN_VAC_MAX_TEXT_CHARS, true, true);
    problem[V_APPLY] = admin__reg_text_problem(v.apply_md, ADMIN_VAC_MAX_TEXT_CHARS, true, true);
    problem[V_DEADLINE] = NULL;
    if (t.deadline.len == 0)
        problem[V_DEADLINE] = "admin.reg.err.required";
    else if (!kyiv_parse(str_trim(t.deadline), &v.deadline))
        problem[V_DEADLINE] = "admin.vac.err.deadline";
    size_t bad = 0;
    for (int f = 0; f < V_N; f++)
        bad += problem[f] != NULL;
    if (bad > 0) {
        vform(c, 422, id, &t, problem);
        return;
    }
    int64_t new_id = 0;
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_vac_save(c->db, &v, utc_now(), &new_id);
    if (e == ERR_OK)
        e = admin__audit_in(c, is_new ? "vacancy.create" : "vacancy.update",
                            str_from_cstr(arena_printf(c->a, "vacancy:%lld", (long long)new_id)),
                            v.title);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "vacancy save"); /* rolls back */
        return;
    }
    admin__invalidate(c, "vacancy:%lld", (long long)new_id);
    admin__invalidate(c, "list:vacancies");
    admin__redirect(c, "/admin/vacancies/%lld?m=saved", (long long)new_id);
}

void admin__vacancy_delete(struct admin_ctx *c)
{
    int64_t id;
    struct store_vacancy v;
    if (!load(c, &id, &v))
        return;
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_vac_delete(c->db, id);
    if (e == ERR_OK)
        e = admin__audit_in(c, "vacancy.delete",
                            str_from_cstr(arena_printf(c->a, "vacancy:%lld", (long long)id)),
                            v.title);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "vacancy delete"); /* rolls back */
        return;
    }
    admin__invalidate(c, "vacancy:%lld", (long long)id);
    admin__invalidate(c, "list:vacancies");
    admin__redirect(c, "/admin/vacancies?m=deleted");
}
