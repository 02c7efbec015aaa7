/* consultations.c: public consultations in the workspace (/admin/consultations, editors
 * and administrators): the list with each one's comments awaiting moderation, one form
 * to create or edit a consultation (title, text, the registry draft under discussion,
 * the responsible department and contact, start and end in Kyiv time, and after the end
 * the outcome report), and the moderation page of its comments, the only place that
 * shows commenters' e-mails. Checked whole before a save, each problem beside its
 * field; every change commits with its audit entry. */
#include <string.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "http/multipart.h"
#include "media/document.h"
#include "store/consultations.h"
#include "store/registry.h"

#define CONSULT_MAX_TITLE_CHARS 300
#define CONSULT_MAX_TEXT_CHARS 20000
#define CONSULT_MAX_CONTACT_CHARS 300
#define CONSULT_MAX_REASON_CHARS 1000
#define CONSULT_DRAFT_CHOICES 100 /* the newest drafts offered in the form */

enum cfield {
    C_TITLE,
    C_SUMMARY,
    C_DRAFT,
    C_PDF,
    C_DEPT,
    C_CONTACT,
    C_STARTS,
    C_ENDS,
    C_OUTCOME,
    C_N
};

struct ctyped {
    struct str csrf, title, summary, draft, dept, contact, starts, ends, outcome;
    const struct http_multipart_part *pdf; /* NULL: no file chosen */
    bool drop_pdf;
};

static const char *const field_err_names[C_N] = {"title_err",  "summary_err", "draft_err",
                                                 "pdf_err",    "dept_err",    "contact_err",
                                                 "starts_err", "ends_err",    "outcome_err"};
static const size_t field_max[C_N] = {[C_TITLE] = CONSULT_MAX_TITLE_CHARS,
                                      [C_SUMMARY] = CONSULT_MAX_TEXT_CHARS,
                                      [C_CONTACT] = CONSULT_MAX_CONTACT_CHARS,
                                      [C_OUTCOME] = CONSULT_MAX_TEXT_CHARS};

static struct str time_input(struct admin_ctx *c, int64_t utc)
{
    struct kyiv_tm k = kyiv_from_utc(utc);
    return str_from_cstr(arena_printf(c->a, "%04d-%02d-%02dT%02d:%02d:%02d", k.year, k.month, k.day,
                                      k.hour, k.minute, k.second));
}

static const char *state_key(const struct store_consultation *k, int64_t now)
{
    static const char *const keys[] = {"consult.state.announced", "consult.state.open",
                                       "consult.state.finished"};
    return keys[store_consult_state_at(k, now)];
}

/* choices adds the draft and department options to v, the typed ones selected. */
static enum err choices(struct admin_ctx *c, struct value *v, const struct ctyped *t)
{
    struct store_reg_query q = {
        .kind = STORE_REG_DRAFT, .status = -1, .limit = CONSULT_DRAFT_CHOICES};
    struct store_reg_doc *docs;
    struct store_ref *depts;
    size_t n_docs, n_depts;
    int64_t total;
    enum err e = store_reg_list(c->db, c->a, &q, &docs, &n_docs, &total);
    if (e == ERR_OK)
        e = store_depts_all(c->db, c->a, &depts, &n_depts);
    if (e != ERR_OK)
        return e;
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n_docs; i++) {
        struct value *o = value_obj(c->a);
        struct str id = admin__int_str(c->a, docs[i].id);
        value_set_str(c->a, o, "value", id);
        value_set_str(c->a, o, "label",
                      str_from_cstr(arena_printf(c->a, "№ %.*s — %.*s", STR_FMT(docs[i].number),
                                                 STR_FMT(docs[i].title))));
        value_set_bool(c->a, o, "selected", str_eq(id, t->draft));
        value_push(c->a, list, o);
    }
    value_set(c->a, v, "drafts", list);
    list = value_list(c->a);
    for (size_t i = 0; i < n_depts; i++) {
        struct value *o = value_obj(c->a);
        struct str id = admin__int_str(c->a, depts[i].id);
        value_set_str(c->a, o, "value", id);
        value_set_str(c->a, o, "label", depts[i].name);
        value_set_bool(c->a, o, "selected", str_eq(id, t->dept));
        value_push(c->a, list, o);
    }
    value_set(c->a, v, "depts", list);
    return ERR_OK;
}

/* cform renders the form with what was typed (stored: the consultation as saved, for
 * its PDF; NULL when new) and each problem beside its field. */
static void cform(struct admin_ctx *c, int status, int64_t id, const struct ctyped *t,
                  const struct store_consultation *stored, const char *const *problem)
{
    struct value *v = value_obj(c->a);
    value_set_int(c->a, v, "id", id);
    if (stored != NULL && stored->pdf_hash.len > 0) {
        value_set_str(
            c->a, v, "pdf_url",
            str_from_cstr(arena_printf(c->a, "/consultations/%lld/draft.pdf", (long long)id)));
        value_set_bool(c->a, v, "drop_pdf", t->drop_pdf);
    }
    value_set_str(c->a, v, "title", t->title);
    value_set_str(c->a, v, "summary", t->summary);
    value_set_str(c->a, v, "contact", t->contact);
    value_set_str(c->a, v, "starts", t->starts);
    value_set_str(c->a, v, "ends", t->ends);
    value_set_str(c->a, v, "outcome", t->outcome);
    value_set_int(c->a, v, "max_title", CONSULT_MAX_TITLE_CHARS);
    value_set_int(c->a, v, "max_contact", CONSULT_MAX_CONTACT_CHARS);
    enum err e = choices(c, v, t);
    if (e != ERR_OK) {
        admin__db_error(c, e, "consultation choices");
        return;
    }
    for (int f = 0; problem != NULL && f < C_N; f++) {
        if (problem[f] == NULL)
            continue;
        struct str text = admin__t(c, problem[f]);
        if (strcmp(problem[f], "admin.reg.err.too_long") == 0)
            text = str_from_cstr(arena_printf(c->a, "%.*s %zu.", STR_FMT(text), field_max[f]));
        value_set_str(c->a, v, field_err_names[f], text);
    }
    value_set(c->a, c->root, "consult", v);
    value_set_str(c->a, c->root, "page_title",
                  admin__t(c, id == 0 ? "admin.consult.new" : "admin.consult.edit"));
    if (status != 200)
        value_set_str(c->a, c->root, "error", admin__t(c, "admin.consult.invalid"));
    value_set_bool(c->a, c->root, "nav_consultations", true);
    admin__render(c, status, "admin-consultation");
}

void admin__consultations(struct admin_ctx *c)
{
    struct store_consultation *items;
    size_t n;
    int64_t total, pending = 0, now = utc_now();
    enum err e =
        store_consult_list(c->db, c->a, now, 0, STORE_CONSULT_MAX_LIMIT, &items, &n, &total);
    if (e == ERR_OK)
        e = store_comment_pending_total(c->db, &pending);
    if (e != ERR_OK) {
        admin__db_error(c, e, "consultation list");
        return;
    }
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_int(c->a, v, "id", items[i].id);
        value_set_str(c->a, v, "title", items[i].title);
        value_set_str(c->a, v, "starts", admin__date(c, items[i].starts_at));
        value_set_str(c->a, v, "ends", admin__date(c, items[i].ends_at));
        value_set_str(c->a, v, "state", admin__t(c, state_key(&items[i], now)));
        value_set_int(c->a, v, "pending", items[i].pending);
        value_set_bool(c->a, v, "has_pending", items[i].pending > 0);
        value_push(c->a, list, v);
    }
    value_set(c->a, c->root, "consultations", list);
    value_set_int(c->a, c->root, "pending", pending);
    if (str_eq_cstr(admin__field(c, c->req->query, "m"), "saved"))
        value_set_str(c->a, c->root, "flash", admin__t(c, "admin.consult.saved"));
    value_set_str(c->a, c->root, "page_title", admin__t(c, "admin.consult.title"));
    value_set_bool(c->a, c->root, "nav_consultations", true);
    admin__render(c, 200, "admin-consultations");
}

void admin__consultation_new(struct admin_ctx *c)
{
    struct ctyped t;
    memset(&t, 0, sizeof t);
    cform(c, 200, 0, &t, NULL, NULL);
}

static bool load(struct admin_ctx *c, int64_t *id, struct store_consultation *k)
{
    if (!admin__path_id(c, id))
        return false;
    enum err e = store_consult_get(c->db, c->a, *id, k);
    if (e != ERR_OK) {
        admin__db_error(c, e, "consultation");
        return false;
    }
    return true;
}

void admin__consultation_edit(struct admin_ctx *c)
{
    int64_t id;
    struct store_consultation k;
    if (!load(c, &id, &k))
        return;
    struct ctyped t = {.title = k.title,
                       .summary = k.summary_md,
                       .draft = k.draft_id > 0 ? admin__int_str(c->a, k.draft_id) : STR_LIT(""),
                       .dept = k.dept_id > 0 ? admin__int_str(c->a, k.dept_id) : STR_LIT(""),
                       .contact = k.contact,
                       .starts = time_input(c, k.starts_at),
                       .ends = time_input(c, k.ends_at),
                       .outcome = k.outcome_md};
    if (str_eq_cstr(admin__field(c, c->req->query, "m"), "saved"))
        value_set_str(c->a, c->root, "flash", admin__t(c, "admin.consult.saved"));
    cform(c, 200, id, &t, &k, NULL);
}

/* ref_field reads an optional id chosen from a list: 0 for none; false when it is not a
 * positive number. */
static bool ref_field(struct str v, int64_t *out)
{
    *out = 0;
    if (v.len == 0)
        return true;
    return str_to_i64(v, out) && *out > 0;
}

/* read_form collects the multipart form's fields; false when it answered (a bad form or
 * a bad CSRF token, which the workspace core leaves to multipart handlers). */
static bool read_form(struct admin_ctx *c, struct ctyped *t)
{
    struct http_multipart_part *parts;
    size_t n;
    memset(t, 0, sizeof *t);
    enum err e = http_multipart_parse(c->a, c->req, &parts, &n);
    if (e != ERR_OK) {
        admin__message(c, e == ERR_TOO_LARGE ? 413 : 400, "admin.err.bad_title",
                       "admin.doc.bad_form");
        return false;
    }
    struct {
        const char *name;
        struct str *to;
    } text[] = {{"csrf", &t->csrf},     {"title", &t->title}, {"summary", &t->summary},
                {"draft", &t->draft},   {"dept", &t->dept},   {"contact", &t->contact},
                {"starts", &t->starts}, {"ends", &t->ends},   {"outcome", &t->outcome}};
    for (size_t i = 0; i < n; i++) {
        const struct http_multipart_part *p = &parts[i];
        if (str_eq_cstr(p->name, "pdf")) {
            if (p->data.len > 0 || p->filename.len > 0)
                t->pdf = p;
            continue;
        }
        for (size_t k = 0; k < sizeof text / sizeof text[0]; k++)
            if (str_eq_cstr(p->name, text[k].name) && text[k].to->ptr == NULL)
                *text[k].to = p->data;
        if (str_eq_cstr(p->name, "drop_pdf"))
            t->drop_pdf = true;
    }
    if (!admin__csrf_ok(c, t->csrf)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.csrf");
        return false;
    }
    return true;
}

/* check fills k from t and sets each field's problem; returns how many are bad. */
static size_t check(struct admin_ctx *c, const struct ctyped *t, struct store_consultation *k,
                    const char **problem, struct media_doc_info *pdf)
{
    for (int f = 0; f < C_N; f++)
        problem[f] = NULL;
    k->title = str_trim(t->title);
    k->summary_md = t->summary;
    k->contact = str_trim(t->contact);
    k->outcome_md = str_trim(t->outcome).len > 0 ? t->outcome : STR_LIT("");
    problem[C_TITLE] = admin__reg_text_problem(k->title, CONSULT_MAX_TITLE_CHARS, false, true);
    problem[C_SUMMARY] = admin__reg_text_problem(k->summary_md, CONSULT_MAX_TEXT_CHARS, true, true);
    problem[C_CONTACT] =
        admin__reg_text_problem(k->contact, CONSULT_MAX_CONTACT_CHARS, false, false);
    problem[C_OUTCOME] =
        admin__reg_text_problem(k->outcome_md, CONSULT_MAX_TEXT_CHARS, true, false);
    struct store_reg_doc draft;
    if (!ref_field(t->draft, &k->draft_id))
        problem[C_DRAFT] = "admin.consult.err.choice";
    else if (k->draft_id > 0 && store_reg_get(c->db, c->a, k->draft_id, &draft) != ERR_OK)
        problem[C_DRAFT] = "admin.consult.err.choice";
    if (!ref_field(t->dept, &k->dept_id))
        problem[C_DEPT] = "admin.consult.err.choice";
    const struct str *times[] = {&t->starts, &t->ends};
    int64_t *at[] = {&k->starts_at, &k->ends_at};
    for (int i = 0; i < 2; i++) {
        if (times[i]->len == 0)
            problem[C_STARTS + i] = "admin.reg.err.required";
        else if (!kyiv_parse(str_trim(*times[i]), at[i]))
            problem[C_STARTS + i] = "admin.vac.err.deadline";
    }
    if (problem[C_STARTS] == NULL && problem[C_ENDS] == NULL && k->ends_at <= k->starts_at)
        problem[C_ENDS] = "admin.consult.err.ends_early";
    /* the report is about what happened in the discussion: only once it is over */
    if (problem[C_OUTCOME] == NULL && problem[C_ENDS] == NULL && k->outcome_md.len > 0 &&
        k->ends_at > utc_now())
        problem[C_OUTCOME] = "admin.consult.err.outcome_early";
    if (t->pdf != NULL) {
        enum media_doc_problem why = MEDIA_DOC_OK;
        if (media_doc_check((const unsigned char *)t->pdf->data.ptr, t->pdf->data.len, pdf, &why) !=
            ERR_OK)
            problem[C_PDF] = why == MEDIA_DOC_TOO_LARGE   ? "admin.doc.too_big"
                             : why == MEDIA_DOC_TRUNCATED ? "admin.doc.truncated"
                             : why == MEDIA_DOC_EMPTY     ? "admin.doc.empty"
                                                          : "admin.doc.not_pdf";
    }
    size_t bad = 0;
    for (int f = 0; f < C_N; f++)
        bad += problem[f] != NULL;
    return bad;
}

void admin__consultation_save(struct admin_ctx *c)
{
    int64_t id = 0;
    struct store_consultation k, stored;
    struct ctyped t;
    struct media_doc_info pdf;
    const char *problem[C_N];
    bool is_new = c->req->n_params == 0;
    if (!read_form(c, &t))
        return;
    memset(&k, 0, sizeof k);
    memset(&stored, 0, sizeof stored);
    if (!is_new) {
        if (!load(c, &id, &stored))
            return;
        k.pdf_hash = t.drop_pdf ? STR_LIT("") : stored.pdf_hash;
        k.pdf_bytes = t.drop_pdf ? 0 : stored.pdf_bytes;
    }
    k.id = id;
    if (check(c, &t, &k, problem, &pdf) > 0) {
        cform(c, 422, id, &t, is_new ? NULL : &stored, problem);
        return;
    }
    if (t.pdf != NULL) {
        /* content-addressed, as the registry's originals: a file left by a save that fails
         * below is the same file a retry writes */
        admin__unlock(c);
        enum err we = media_doc_write(c->ad->media_dir, pdf.hash, t.pdf->data.ptr, t.pdf->data.len);
        admin__lock(c);
        if (we != ERR_OK) {
            log_msg(LOG_ERROR, c->req->id, "consultation pdf write failed: %s: %s",
                    c->ad->media_dir, err_str(we));
            admin__message(c, 500, "admin.err.internal_title", "admin.doc.failed");
            return;
        }
        k.pdf_hash = arena_str(c->a, str_from_cstr(pdf.hash));
        k.pdf_bytes = (int64_t)pdf.bytes;
    }
    int64_t new_id = 0;
    enum err e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_consult_save(c->db, &k, utc_now(), &new_id);
    if (e == ERR_NOTFOUND) {
        /* a department chosen from an outdated form was deleted meanwhile */
        store_rollback(c->db);
        problem[C_DEPT] = "admin.consult.err.choice";
        cform(c, 422, id, &t, is_new ? NULL : &stored, problem);
        return;
    }
    if (e == ERR_OK)
        e = admin__audit_in(
            c, is_new ? "consultation.create" : "consultation.update",
            str_from_cstr(arena_printf(c->a, "consultation:%lld", (long long)new_id)),
            t.pdf != NULL ? str_from_cstr(arena_printf(c->a, "%.*s +pdf", STR_FMT(k.title)))
                          : k.title);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "consultation save"); /* rolls back */
        return;
    }
    admin__invalidate(c, "consultation:%lld", (long long)new_id);
    admin__invalidate(c, "list:consultations");
    admin__redirect(c, "/admin/consultations/%lld?m=saved", (long long)new_id);
}

/* ---- moderation ---- */

void admin__consultation_comments(struct admin_ctx *c)
{
    int64_t id;
    struct store_consultation k;
    struct store_consult_comment *items;
    size_t n;
    if (!load(c, &id, &k))
        return;
    enum err e = store_comment_list(c->db, c->a, id, false, &items, &n);
    if (e != ERR_OK) {
        admin__db_error(c, e, "consultation comments");
        return;
    }
    static const char *const state_keys[] = {"admin.consult.pending", "admin.consult.approved",
                                             "admin.consult.rejected"};
    struct value *list = value_list(c->a);
    size_t pending = 0;
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_int(c->a, v, "id", items[i].id);
        value_set_str(c->a, v, "name", items[i].name);
        value_set_str(c->a, v, "email", items[i].email);
        value_set_str(c->a, v, "body", items[i].body);
        value_set_str(c->a, v, "date", admin__date(c, items[i].created_at));
        value_set_str(c->a, v, "state", admin__t(c, state_keys[items[i].state]));
        value_set_bool(c->a, v, "show_name", items[i].show_name);
        value_set_bool(c->a, v, "is_pending", items[i].state == STORE_COMMENT_PENDING);
        value_set_str(c->a, v, "reason", items[i].reason);
        pending += items[i].state == STORE_COMMENT_PENDING;
        value_push(c->a, list, v);
    }
    struct value *v = value_obj(c->a);
    value_set_int(c->a, v, "id", id);
    value_set_str(c->a, v, "title", k.title);
    if (n > 0)
        value_set(c->a, v, "comments", list);
    value_set_int(c->a, v, "pending", (int64_t)pending);
    value_set(c->a, c->root, "consult", v);
    struct str m = admin__field(c, c->req->query, "m");
    if (str_eq_cstr(m, "approved") || str_eq_cstr(m, "rejected"))
        value_set_str(c->a, c->root, "flash",
                      admin__t(c, str_eq_cstr(m, "approved") ? "admin.consult.flash_approved"
                                                             : "admin.consult.flash_rejected"));
    else if (str_eq_cstr(m, "reason"))
        value_set_str(c->a, c->root, "error", admin__t(c, "admin.consult.err.reason"));
    else if (str_eq_cstr(m, "done"))
        value_set_str(c->a, c->root, "error", admin__t(c, "admin.consult.err.moderated"));
    value_set_str(c->a, c->root, "page_title", admin__t(c, "admin.consult.moderation"));
    value_set_bool(c->a, c->root, "nav_consultations", true);
    admin__render(c, 200, "admin-consultation-comments");
}

/* admin__consultation_moderate: POST /admin/consultations/comment/:id, op=approve or
 * op=reject with a reason (the reason stays in the workspace). */
void admin__consultation_moderate(struct admin_ctx *c)
{
    int64_t id;
    struct store_consult_comment cm;
    if (!admin__path_id(c, &id))
        return;
    enum err e = store_comment_get(c->db, c->a, id, &cm);
    if (e != ERR_OK) {
        admin__db_error(c, e, "comment");
        return;
    }
    struct str body = c->req->body;
    struct str op = admin__field(c, body, "op");
    struct str reason = str_trim(admin__field(c, body, "reason"));
    bool approve = str_eq_cstr(op, "approve");
    if (!approve && !str_eq_cstr(op, "reject")) {
        admin__message(c, 400, "admin.err.bad_title", "admin.err.bad");
        return;
    }
    if (!approve && admin__reg_text_problem(reason, CONSULT_MAX_REASON_CHARS, true, true) != NULL) {
        admin__redirect(c, "/admin/consultations/%lld/comments?m=reason#comment-%lld",
                        (long long)cm.consultation_id, (long long)id);
        return;
    }
    e = store_begin(c->db);
    if (e == ERR_OK)
        e = store_comment_moderate(c->db, id,
                                   approve ? STORE_COMMENT_APPROVED : STORE_COMMENT_REJECTED,
                                   approve ? STR_LIT("") : reason, c->user.id, utc_now());
    if (e == ERR_CONFLICT) {
        store_rollback(c->db);
        admin__redirect(c, "/admin/consultations/%lld/comments?m=done",
                        (long long)cm.consultation_id);
        return;
    }
    if (e == ERR_OK)
        e = admin__audit_in(
            c, approve ? "comment.approve" : "comment.reject",
            str_from_cstr(arena_printf(c->a, "consultation:%lld/comment:%lld",
                                       (long long)cm.consultation_id, (long long)id)),
            approve ? STR_LIT("") : reason);
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "comment moderation"); /* rolls back */
        return;
    }
    if (approve)
        admin__invalidate(c, "consultation:%lld", (long long)cm.consultation_id);
    admin__redirect(c, "/admin/consultations/%lld/comments?m=%s", (long long)cm.consultation_id,
                    approve ? "approved" : "rejected");
}
