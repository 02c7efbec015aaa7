/* people.c: a department's details (head, functions, address, phone, e-mail, reception
 * hours) edited at /admin/departments/:id, as the law on executive bodies' sites asks
 * (CMU resolution No. 3 of 04.01.2002). Every field is checked before anything is
 * saved; a bad one is named next to its input and the form comes back as typed. */
#include <string.h>

#include "admin/admin_internal.h"
#include "core/utf8.h"
#include "mail/mail.h"

/* One input of the form: its form name, catalog keys, bound and shape. */
struct detail_spec {
    const char *name;      /* form field */
    const char *label_key; /* admin.dept.<name> */
    const char *hint_key;
    size_t max_chars; /* code points */
    bool multiline;
    const char *input_type; /* for single-line inputs */
    const char *autocomplete;
};

/* indexed by enum store_dept_field */
static const struct detail_spec specs[STORE_DEPT_N_FIELDS] = {
    {"head_name", "admin.dept.head_name", "admin.dept.head_name_hint", ADMIN_DEPT_MAX_LINE_CHARS,
     false, "text", "name"},
    {"head_position", "admin.dept.head_position", "admin.dept.head_position_hint",
     ADMIN_DEPT_MAX_LINE_CHARS, false, "text", "organization-title"},
    {"functions", "admin.dept.functions", "admin.dept.functions_hint",
     ADMIN_DEPT_MAX_FUNCTIONS_CHARS, true, NULL, NULL},
    {"address", "admin.dept.address", "admin.dept.address_hint", ADMIN_DEPT_MAX_LINE_CHARS, false,
     "text", "street-address"},
    {"phone", "admin.dept.phone", "admin.dept.phone_hint", ADMIN_DEPT_MAX_PHONE_CHARS, false, "tel",
     "tel"},
    {"email", "admin.dept.email", "admin.dept.email_hint", ADMIN_DEPT_MAX_EMAIL_CHARS, false,
     "email", "email"},
    {"hours", "admin.dept.hours", "admin.dept.hours_hint", ADMIN_DEPT_MAX_HOURS_CHARS, true, NULL,
     NULL},
};

/* Phone: digits with the separators people write (space, dashes, brackets), '+' only
 * first, and enough digits to be a number: what makes a sound tel: link. */
const char *admin__phone_problem(struct str phone)
{
    size_t digits = 0;
    for (size_t i = 0; i < phone.len; i++) {
        char ch = phone.ptr[i];
        if (ch >= '0' && ch <= '9')
            digits++;
        else if (ch == '+' && i == 0)
            continue;
        else if (ch != ' ' && ch != '-' && ch != '(' && ch != ')')
            return "admin.dept.err.phone";
    }
    return digits >= ADMIN_DEPT_MIN_PHONE_DIGITS && digits <= ADMIN_DEPT_MAX_PHONE_DIGITS
               ? NULL
               : "admin.dept.err.phone";
}

/* text_problem: valid UTF-8, at most max_chars code points, no control characters
 * (line breaks and tabs only where the field has several lines). */
static const char *text_problem(struct str v, size_t max_chars, bool multiline)
{
    if (!utf8_valid(v.ptr, v.len))
        return "admin.dept.err.utf8";
    size_t i = 0, chars = 0;
    while (i < v.len) {
        int32_t cp = utf8_decode(v.ptr, v.len, &i);
        if (cp < 0)
            return "admin.dept.err.utf8";
        bool line_break = cp == '\n' || cp == '\r' || cp == '\t';
        if ((cp < 0x20 && !(multiline && line_break)) || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
            cp == 0x2028 || cp == 0x2029)
            return multiline ? "admin.dept.err.control" : "admin.dept.err.line";
        if (++chars > max_chars)
            return "admin.dept.err.too_long";
    }
    return NULL;
}

size_t admin__dept_details_check(struct arena *a, struct store_dept_details *d,
                                 const char *problem[STORE_DEPT_N_FIELDS])
{
    size_t bad = 0;
    for (int f = 0; f < STORE_DEPT_N_FIELDS; f++) {
        d->field[f] = specs[f].multiline ? d->field[f] : str_trim(d->field[f]);
        problem[f] = text_problem(d->field[f], specs[f].max_chars, specs[f].multiline);
        if (problem[f] == NULL && d->field[f].len > 0 && f == STORE_DEPT_PHONE)
            problem[f] = admin__phone_problem(d->field[f]);
        if (problem[f] == NULL && d->field[f].len > 0 && f == STORE_DEPT_EMAIL) {
            /* stored as mail would send to it: lower case, an IDN domain in ASCII */
            struct buf out;
            enum mail_addr_problem why;
            buf_init(&out, ADMIN_DEPT_MAX_EMAIL_CHARS * 4);
            if (mail_address_normalize(d->field[f], &out, &why) != ERR_OK)
                problem[f] = "admin.dept.err.email";
            else
                d->field[f] = arena_str(a, buf_str(&out));
            buf_free(&out);
        }
        if (problem[f] != NULL)
            bad++;
    }
    return bad;
}

/* form renders the edit page with the values given and, for each bad field, its
 * problem next to it (status 422) or none (200). */
static void form(struct admin_ctx *c, int status, const struct store_ref *ref,
                 const struct store_dept_details *d, const char *const *problem)
{
    struct value *dept = value_obj(c->a);
    value_set_int(c->a, dept, "id", ref->id);
    value_set_str(c->a, dept, "name", ref->name);
    value_set_str(c->a, dept, "slug", ref->slug);
    struct value *fields = value_list(c->a);
    for (int f = 0; f < STORE_DEPT_N_FIELDS; f++) {
        struct value *v = value_obj(c->a);
        value_set_cstr(c->a, v, "field", specs[f].name);
        value_set_str(c->a, v, "label", admin__t(c, specs[f].label_key));
        value_set_str(c->a, v, "hint", admin__t(c, specs[f].hint_key));
        value_set_str(c->a, v, "value", d->field[f]);
        value_set_int(c->a, v, "max", (int64_t)specs[f].max_chars);
        value_set_bool(c->a, v, "multiline", specs[f].multiline);
        value_set_int(c->a, v, "rows", f == STORE_DEPT_FUNCTIONS_MD ? 10 : 3);
        if (specs[f].input_type != NULL) {
            value_set_cstr(c->a, v, "type", specs[f].input_type);
            value_set_cstr(c->a, v, "autocomplete", specs[f].autocomplete);
        }
        if (problem != NULL && problem[f] != NULL) {
            struct str text = admin__t(c, problem[f]);
            if (strcmp(problem[f], "admin.dept.err.too_long") == 0)
                text = str_from_cstr(
                    arena_printf(c->a, "%.*s %zu.", STR_FMT(text), specs[f].max_chars));
            value_set_str(c->a, v, "problem", text);
        }
        value_push(c->a, fields, v);
    }
    value_set(c->a, dept, "fields", fields);
    value_set(c->a, c->root, "dept", dept);
    if (status != 200)
        value_set_str(c->a, c->root, "error", admin__t(c, "admin.dept.invalid"));
    value_set_bool(c->a, c->root, "nav_depts", true);
    admin__render(c, status, "admin-dept");
}

static bool param_dept(struct admin_ctx *c, struct store_ref *ref, struct store_dept_details *d)
{
    int64_t id;
    if (!admin__path_id(c, &id))
        return false;
    enum err e = store_dept_details_get(c->db, c->a, id, ref, d);
    if (e != ERR_OK) {
        admin__db_error(c, e, "department");
        return false;
    }
    return true;
}

void admin__dept_edit(struct admin_ctx *c)
{
    struct store_ref ref;
    struct store_dept_details d;
    if (param_dept(c, &ref, &d))
        form(c, 200, &ref, &d, NULL);
}

void admin__dept_details_save(struct admin_ctx *c)
{
    struct store_ref ref;
    struct store_dept_details d;
    const char *problem[STORE_DEPT_N_FIELDS];
    if (!param_dept(c, &ref, &d))
        return;
    for (int f = 0; f < STORE_DEPT_N_FIELDS; f++)
        d.field[f] = admin__field(c, c->req->body, specs[f].name);
    if (admin__dept_details_check(c->a, &d, problem) > 0) {
        form(c, 422, &ref, &d, problem);
        return;
    }
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_dept_details_set(c->db, ref.id, &d);
    if (e == ERR_OK)
        e = admin__audit_in(c, "dept.details",
                            str_from_cstr(arena_printf(c->a, "dept:%lld", (long long)ref.id)),
                            ref.name);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "dept.details"); /* rolls back */
        return;
    }
    admin__invalidate(c, "dept:%lld", (long long)ref.id);
    admin__redirect(c, "/admin/departments/%lld?m=saved", (long long)ref.id);
}
