/* leadership.c: /leadership («Керівництво»): the head and deputies in the editors'
 * order, each with position, areas of responsibility, the departments they oversee
 * (links to the departments' pages, which hold those units' own contacts), phone,
 * e-mail and reception hours. Keys: "list:leadership" (any save in the workspace) and
 * each linked "dept:<id>" (a renamed department). */
#include "store/leadership.h"
#include "site/site_internal.h"

/* tel: the phone as typed cut to what a tel: URI holds ("+380532560290"). */
static struct str tel(struct arena *a, struct str phone)
{
    char *out = arena_alloc(a, phone.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < phone.len; i++)
        if ((phone.ptr[i] >= '0' && phone.ptr[i] <= '9') || (phone.ptr[i] == '+' && n == 0))
            out[n++] = phone.ptr[i];
    return str_make(out, n);
}

static struct value *leader_value(struct site_page *p, const struct store_leader *l)
{
    struct arena *a = p->a;
    struct value *v = value_obj(a);
    value_set_str(a, v, "anchor", str_from_cstr(arena_printf(a, "leader-%lld", (long long)l->id)));
    value_set_str(a, v, "name", l->name);
    value_set_str(a, v, "position", l->position);
    if (l->photo_hash.len > 0) {
        struct store_photo ph = {.hash = l->photo_hash,
                                 .width = l->photo_width,
                                 .height = l->photo_height,
                                 .alt = l->name};
        value_set(a, v, "photo",
                  site__picture(p, &ph, l->name, "(min-width: 40rem) 10rem, 8rem", true));
    }
    struct value *areas = value_list(a);
    struct str rest = l->areas, line;
    while (str_split_next(&rest, '\n', &line)) {
        line = str_trim(line);
        if (line.len == 0)
            continue;
        struct value *item = value_obj(a);
        value_set_str(a, item, "text", line);
        value_push(a, areas, item);
    }
    if (value_list_len(areas) > 0)
        value_set(a, v, "areas", areas);
    if (l->n_depts > 0) {
        struct value *depts = value_list(a);
        for (size_t i = 0; i < l->n_depts; i++) {
            site__key(p, "dept:%lld", (long long)l->depts[i].id);
            value_push(a, depts, site__ref(p, &l->depts[i], "/departments/"));
        }
        value_set(a, v, "depts", depts);
    }
    if (l->phone.len > 0) {
        value_set_str(a, v, "phone", l->phone);
        value_set_str(a, v, "tel", tel(a, l->phone));
    }
    if (l->email.len > 0)
        value_set_str(a, v, "email", l->email);
    if (l->hours.len > 0)
        value_set_str(a, v, "hours", l->hours);
    value_set_bool(a, v, "has_contacts", l->phone.len > 0 || l->email.len > 0 || l->hours.len > 0);
    return v;
}

void site__leadership(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_leader *items;
    size_t n;
    struct str names[1];

    if (!site__begin(&p, req, res))
        return;
    enum err e = store_leaders_list(p.ctx->store, p.a, &items, &n);
    if (e != ERR_OK) {
        site__fail(&p, e, "leadership");
        return;
    }
    struct str title = site__t(&p, "lead.title");
    site__layout(&p, title, STR_LIT("/leadership"), site__t(&p, "lead.description"));
    site__key(&p, "list:leadership");
    struct value *list = value_list(p.a);
    for (size_t i = 0; i < n; i++)
        value_push(p.a, list, leader_value(&p, &items[i]));
    if (n > 0)
        value_set(p.a, p.root, "leaders", list);
    else
        value_set_bool(p.a, p.root, "empty", true);
    value_set_str(p.a, p.root, "title", title);
    names[0] = title;
    site__crumbs(&p, 1, names, NULL);
    site__finish(&p, "leadership");
}
