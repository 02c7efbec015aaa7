/* registry.c: the documents registry in the workspace (/admin/registry): the list and
 * one form to create or edit a document, with its signed original as a PDF. Every field
 * is checked before anything is written; a bad one is named next to its input, the
 * form comes back as typed (422) and nothing is kept. The save and its audit entry
 * commit together. A draft's adoption date must fall at least
 * ADMIN_REG_DISCUSSION_WORKDAYS working days after the draft was published (the
 * calendar is the operator's `holidays` list, core/workdays.c). */
#include <string.h>

#include "admin/admin_internal.h"
#include "core/kyiv_time.h"
#include "core/log.h"
#include "core/utf8.h"
#include "core/workdays.h"
#include "http/multipart.h"
#include "media/document.h"
#include "store/registry.h"

enum field {
    F_KIND,
    F_NUMBER,
    F_DATE,
    F_TITLE,
    F_BODY,
    F_LINK,
    F_AMENDS,
    F_FROM,
    F_UNTIL,
    F_ADOPTED,
    F_PDF,
    N_FIELDS,
};

/* What the form sent, as typed (for showing it again). */
struct typed {
    struct str kind, number, date, title, body, link, a_kind, a_year, a_number;
    struct str from, until, adopted;
    bool lapsed, restricted, drop_pdf;
    const struct http_multipart_part *pdf; /* NULL: no file chosen */
    struct str csrf;
};

static const char *const kind_keys[STORE_REG_N_KINDS] = {"reg.kind.order", "reg.kind.decree",
                                                         "reg.kind.decision", "reg.kind.draft",
                                                         "reg.kind.regulatory"};

/* line_problem: valid UTF-8 of 1..max code points without control characters; NULL when
 * fine, else the catalog key of the problem. multiline allows line breaks and tabs. */
const char *admin__reg_text_problem(struct str v, size_t max, bool multiline, bool required)
{
    if (!utf8_valid(v.ptr, v.len))
        return "admin.reg.err.utf8";
    if (required && v.len == 0)
        return "admin.reg.err.required";
    size_t i = 0, chars = 0;
    while (i < v.len) {
        int32_t cp = utf8_decode(v.ptr, v.len, &i);
        if (cp < 0)
            return "admin.reg.err.utf8";
        bool brk = cp == '\n' || cp == '\r' || cp == '\t';
        if ((cp < 0x20 && !(multiline && brk)) || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
            cp == 0x2028 || cp == 0x2029)
            return "admin.reg.err.control";
        if (++chars > max)
            return "admin.reg.err.too_long";
    }
    return NULL;
}

/* number_problem: a document number as registries write them ("125-р", "45/2026",
 * "12.3"): letters, digits, '-', '/', '.', one space between parts, with a digit. */
const char *admin__reg_number_problem(struct str v)
{
    const char *p = admin__reg_text_problem(v, ADMIN_REG_MAX_NUMBER_CHARS, false, true);
    if (p != NULL)
        return p;
    bool digit = false;
    size_t i = 0;
    while (i < v.len) {
        size_t at = i;
        int32_t cp = utf8_decode(v.ptr, v.len, &i);
        if (cp >= '0' && cp <= '9')
            digit = true;
        else if (cp == ' ' && (at == 0 || i == v.len || v.ptr[at - 1] == ' '))
            return "admin.reg.err.number";
        else if (!(cp == '-' || cp == '/' || cp == '.' || cp == ' ' || (cp >= 'a' && cp <= 'z') ||
                   (cp >= 'A' && cp <= 'Z') || (cp >= 0x400 && cp <= 0x4ff)))
            return "admin.reg.err.number";
    }
    return digit ? NULL : "admin.reg.err.number";
}

static int64_t day_of(int64_t utc)
{
    struct kyiv_tm k = kyiv_from_utc(utc);
    return days_from_civil(k.year, k.month, k.day);
}

/* day_utc: the start of Kyiv day number day, UTC seconds. */
static int64_t day_utc(int64_t day)
{
    /* civil from days (Howard Hinnant's algorithm) */
    int64_t z = day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    return kyiv_to_utc((int)(m <= 2 ? y + 1 : y), (int)m, (int)d, 0, 0, 0);
}

int64_t admin__reg_earliest_adoption(const struct workdays_calendar *cal, int64_t published)
{
    return day_utc(workdays_add(cal, day_of(published), ADMIN_REG_DISCUSSION_WORKDAYS));
}

/* date_field: "" → 0 (when optional), "YYYY-MM-DD" → the Kyiv day's start. */
static const char *date_field(struct str v, bool required, int64_t *out)
{
    *out = 0;
    if (v.len == 0)
        return required ? "admin.reg.err.required" : NULL;
    int64_t t;
    if (!kyiv_parse_day(v, &t) || kyiv_from_utc(t).year < 1991 || kyiv_from_utc(t).year > 2100)
        return "admin.reg.err.date";
    *out = t;
    return NULL;
}

static struct str date_input(struct admin_ctx *c, int64_t utc)
{
    if (utc == 0)
        return STR_LIT("");
    struct kyiv_tm k = kyiv_from_utc(utc);
    return str_from_cstr(arena_printf(c->a, "%04d-%02d-%02d", k.year, k.month, k.day));
}

static struct str date_show(struct admin_ctx *c, int64_t utc)
{
    struct kyiv_tm k = kyiv_from_utc(utc);
    return str_from_cstr(arena_printf(c->a, "%02d.%02d.%04d", k.day, k.month, k.year));
}

/* check turns what was typed into d, setting problem[f] for each bad field; returns
 * how many are bad. Needs the lock (the amended document is looked up). */
static size_t check(struct admin_ctx *c, const struct typed *t, struct store_reg_doc *d,
                    const char *problem[N_FIELDS], struct str *problem_extra,
                    struct media_doc_info *pdf)
{
    size_t bad = 0;
    memset(problem, 0, N_FIELDS * sizeof problem[0]);
    int kind = store_reg_kind_parse(t->kind);
    if (kind < 0)
        problem[F_KIND] = "admin.reg.err.kind";
    else
        d->kind = (enum store_reg_kind)kind;
    d->number = str_trim(t->number);
    problem[F_NUMBER] = admin__reg_number_problem(d->number);
    problem[F_DATE] = date_field(str_trim(t->date), true, &d->doc_date);
    d->year = d->doc_date != 0 ? kyiv_from_utc(d->doc_date).year : 0;
    d->title = str_trim(t->title);
    problem[F_TITLE] = admin__reg_text_problem(d->title, ADMIN_REG_MAX_TITLE_CHARS, false, true);
    d->body_md = t->body;
    problem[F_BODY] = admin__reg_text_problem(d->body_md, ADMIN_REG_MAX_BODY_CHARS, true, false);
    d->lapsed = t->lapsed;
    d->restricted = t->restricted;

    /* the document it amends or repeals, named by kind, year and number */
    d->link = str_eq_cstr(t->link, "amends")    ? STORE_REG_LINK_AMENDS
              : str_eq_cstr(t->link, "repeals") ? STORE_REG_LINK_REPEALS
                                                : STORE_REG_LINK_NONE;
    if (t->link.len > 0 && !str_eq_cstr(t->link, "none") && d->link == STORE_REG_LINK_NONE)
        problem[F_LINK] = "admin.reg.err.link";
    d->amends_id = 0;
    if (d->link != STORE_REG_LINK_NONE) {
        int a_kind = store_reg_kind_parse(t->a_kind);
        int64_t a_year = 0;
        struct str a_number = str_trim(t->a_number);
        if (kind == STORE_REG_DRAFT)
            problem[F_AMENDS] = "admin.reg.err.draft_amends";
        else if (a_kind < 0 || a_kind == STORE_REG_DRAFT ||
                 !str_to_i64(str_trim(t->a_year), &a_year) || a_year < 1991 || a_year > 2100 ||
                 a_number.len == 0 || a_number.len > 4 * ADMIN_REG_MAX_NUMBER_CHARS)
            problem[F_AMENDS] = "admin.reg.err.amends";
        else {
            enum err e = store_reg_find(c->db, (enum store_reg_kind)a_kind, (int)a_year, a_number,
                                        &d->amends_id);
            if (e == ERR_NOTFOUND)
                problem[F_AMENDS] = "admin.reg.err.amends_missing";
            else if (e != ERR_OK)
                problem[F_AMENDS] = "admin.reg.err.amends";
            else if (d->amends_id == d->id)
                problem[F_AMENDS] = "admin.reg.err.amends_self";
        }
    }

    /* a draft's discussion */
    d->discussion_from = d->discussion_until = d->adopted_on = 0;
    if (kind == STORE_REG_DRAFT) {
        problem[F_FROM] = date_field(str_trim(t->from), true, &d->discussion_from);
        problem[F_UNTIL] = date_field(str_trim(t->until), true, &d->discussion_until);
        if (problem[F_FROM] == NULL && problem[F_UNTIL] == NULL &&
            d->discussion_until < d->discussion_from)
            problem[F_UNTIL] = "admin.reg.err.until_early";
        problem[F_ADOPTED] = date_field(str_trim(t->adopted), false, &d->adopted_on);
        if (problem[F_ADOPTED] == NULL && problem[F_FROM] == NULL && d->adopted_on != 0) {
            int64_t earliest = admin__reg_earliest_adoption(&c->ad->holidays, d->discussion_from);
            if (d->adopted_on < earliest) {
                problem[F_ADOPTED] = "admin.reg.err.adopted_early";
                *problem_extra = date_show(c, earliest);
            } else if (problem[F_UNTIL] == NULL && d->adopted_on <= d->discussion_until) {
                problem[F_ADOPTED] = "admin.reg.err.adopted_in_discussion";
            }
        }
    }

    if (t->pdf != NULL) {
        enum media_doc_problem why = MEDIA_DOC_OK;
        if (media_doc_check((const unsigned char *)t->pdf->data.ptr, t->pdf->data.len, pdf, &why) !=
            ERR_OK)
            problem[F_PDF] = why == MEDIA_DOC_TOO_LARGE   ? "admin.doc.too_big"
                             : why == MEDIA_DOC_TRUNCATED ? "admin.doc.truncated"
                             : why == MEDIA_DOC_EMPTY     ? "admin.doc.empty"
                                                          : "admin.doc.not_pdf";
    }
    for (int f = 0; f < N_FIELDS; f++)
        if (problem[f] != NULL)
            bad++;
    return bad;
}

static void set_problem(struct admin_ctx *c, struct value *v, const char *key, const char *problem,
                        struct str extra, size_t max)
{
    if (problem == NULL)
        return;
    struct str text = admin__t(c, problem);
    if (strcmp(problem, "admin.reg.err.too_long") == 0)
        text = str_from_cstr(arena_printf(c->a, "%.*s %zu.", STR_FMT(text), max));
    else if (extra.len > 0)
        text = str_from_cstr(arena_printf(c->a, "%.*s %.*s.", STR_FMT(text), STR_FMT(extra)));
    value_set_str(c->a, v, key, text);
}

static struct value *kind_options(struct admin_ctx *c, struct str selected, bool with_draft)
{
    struct value *list = value_list(c->a);
    for (int k = 0; k < STORE_REG_N_KINDS; k++) {
        if (k == STORE_REG_DRAFT && !with_draft)
            continue;
        struct value *o = value_obj(c->a);
        value_set_cstr(c->a, o, "value", store_reg_kind_name((enum store_reg_kind)k));
        value_set_str(c->a, o, "label", admin__t(c, kind_keys[k]));
        value_set_bool(c->a, o, "selected",
                       str_eq_cstr(selected, store_reg_kind_name((enum store_reg_kind)k)));
        value_push(c->a, list, o);
    }
    return list;
}

/* form renders the edit page with what was typed and each problem beside its field. */
static void form(struct admin_ctx *c, int status, int64_t id, const struct typed *t,
                 const struct store_reg_doc *stored, const char *const *problem, struct str extra)
{
    struct value *v = value_obj(c->a);
    value_set_int(c->a, v, "id", id);
    value_set(c->a, v, "kinds", kind_options(c, t->kind, true));
    value_set(c->a, v, "amends_kinds", kind_options(c, t->a_kind, false));
    value_set_str(c->a, v, "number", t->number);
    value_set_str(c->a, v, "date", t->date);
    value_set_str(c->a, v, "title", t->title);
    value_set_str(c->a, v, "body", t->body);
    value_set_bool(c->a, v, "lapsed", t->lapsed);
    value_set_bool(c->a, v, "restricted", t->restricted);
    value_set_bool(c->a, v, "link_none",
                   !str_eq_cstr(t->link, "amends") && !str_eq_cstr(t->link, "repeals"));
    value_set_bool(c->a, v, "link_amends", str_eq_cstr(t->link, "amends"));
    value_set_bool(c->a, v, "link_repeals", str_eq_cstr(t->link, "repeals"));
    value_set_str(c->a, v, "amends_year", t->a_year);
    value_set_str(c->a, v, "amends_number", t->a_number);
    value_set_str(c->a, v, "from", t->from);
    value_set_str(c->a, v, "until", t->until);
    value_set_str(c->a, v, "adopted", t->adopted);
    value_set_int(c->a, v, "max_number", ADMIN_REG_MAX_NUMBER_CHARS);
    value_set_int(c->a, v, "max_title", ADMIN_REG_MAX_TITLE_CHARS);
    value_set_int(c->a, v, "workdays", ADMIN_REG_DISCUSSION_WORKDAYS);
    value_set_int(c->a, v, "doc_max_mb", (int64_t)(MEDIA_DOC_MAX_BYTES / (1024 * 1024)));
    if (stored != NULL && stored->pdf_hash.len > 0) {
        value_set_str(c->a, v, "pdf_url",
                      str_from_cstr(arena_printf(c->a, "/registry/%lld/original.pdf",
                                                 (long long)stored->id)));
        value_set_bool(c->a, v, "drop_pdf", t->drop_pdf);
    }
    if (problem != NULL) {
        static const char *const names[N_FIELDS] = {
            "kind_err",   "number_err", "date_err",  "title_err",   "body_err", "link_err",
            "amends_err", "from_err",   "until_err", "adopted_err", "pdf_err"};
        static const size_t max[N_FIELDS] = {[F_NUMBER] = ADMIN_REG_MAX_NUMBER_CHARS,
                                             [F_TITLE] = ADMIN_REG_MAX_TITLE_CHARS,
                                             [F_BODY] = ADMIN_REG_MAX_BODY_CHARS};
        for (int f = 0; f < N_FIELDS; f++)
            set_problem(c, v, names[f], problem[f], f == F_ADOPTED ? extra : STR_LIT(""), max[f]);
        if (t->pdf != NULL && problem[F_PDF] == NULL)
            value_set_bool(c->a, v, "pdf_again", true);
    }
    value_set(c->a, c->root, "doc", v);
    value_set_str(c->a, c->root, "page_title",
                  admin__t(c, id == 0 ? "admin.reg.new" : "admin.reg.edit"));
    if (status != 200)
        value_set_str(c->a, c->root, "error", admin__t(c, "admin.reg.invalid"));
    value_set_bool(c->a, c->root, "nav_registry", true);
    admin__render(c, status, "admin-registry-doc");
}

/* typed_of: the stored document as the form shows it. */
static void typed_of(struct admin_ctx *c, const struct store_reg_doc *d, struct typed *t)
{
    memset(t, 0, sizeof *t);
    t->kind = str_from_cstr(store_reg_kind_name(d->kind));
    t->number = d->number;
    t->date = date_input(c, d->doc_date);
    t->title = d->title;
    t->body = d->body_md;
    t->lapsed = d->lapsed;
    t->restricted = d->restricted;
    t->link = str_from_cstr(d->link == STORE_REG_LINK_AMENDS    ? "amends"
                            : d->link == STORE_REG_LINK_REPEALS ? "repeals"
                                                                : "none");
    if (d->amends_id != 0) {
        struct store_reg_doc target;
        if (store_reg_get(c->db, c->a, d->amends_id, &target) == ERR_OK) {
            t->a_kind = str_from_cstr(store_reg_kind_name(target.kind));
            t->a_year = admin__int_str(c->a, target.year);
            t->a_number = target.number;
        }
    }
    t->from = date_input(c, d->discussion_from);
    t->until = date_input(c, d->discussion_until);
    t->adopted = date_input(c, d->adopted_on);
}

static bool param_id(struct admin_ctx *c, int64_t *id)
{
    if (!admin__path_id(c, id))
        return false;
    return true;
}

void admin__registry(struct admin_ctx *c)
{
    struct store_reg_query q = {.kind = -1, .status = -1, .limit = STORE_REG_MAX_LIMIT};
    int64_t page = 1;
    if (admin__field_i64(c, c->req->query, "page", &page) && page > 1 && page < 100000)
        q.offset = (size_t)(page - 1) * STORE_REG_MAX_LIMIT;
    else
        page = 1;
    struct store_reg_doc *items;
    size_t n;
    int64_t total;
    enum err e = store_reg_list(c->db, c->a, &q, &items, &n, &total);
    if (e != ERR_OK) {
        admin__db_error(c, e, "registry list");
        return;
    }
    struct value *list = value_list(c->a);
    for (size_t i = 0; i < n; i++) {
        struct value *v = value_obj(c->a);
        value_set_int(c->a, v, "id", items[i].id);
        value_set_str(c->a, v, "kind", admin__t(c, kind_keys[items[i].kind]));
        value_set_str(c->a, v, "number", items[i].number);
        value_set_str(c->a, v, "date", date_show(c, items[i].doc_date));
        value_set_str(c->a, v, "title", items[i].title);
        value_set_str(c->a, v, "status",
                      admin__t(c, arena_printf(c->a, "reg.status.%s",
                                               store_reg_status_name(items[i].status))));
        value_set_bool(c->a, v, "restricted", items[i].restricted);
        value_push(c->a, list, v);
    }
    value_set(c->a, c->root, "docs", list);
    value_set_int(c->a, c->root, "total", total);
    if ((int64_t)q.offset + (int64_t)n < total)
        value_set_int(c->a, c->root, "next_page", page + 1);
    if (page > 1)
        value_set_int(c->a, c->root, "prev_page", page - 1);
    if (str_eq_cstr(admin__field(c, c->req->query, "m"), "saved"))
        value_set_str(c->a, c->root, "flash", admin__t(c, "admin.reg.saved"));
    value_set_str(c->a, c->root, "page_title", admin__t(c, "admin.reg.title"));
    value_set_bool(c->a, c->root, "nav_registry", true);
    admin__render(c, 200, "admin-registry");
}

void admin__registry_new(struct admin_ctx *c)
{
    struct typed t;
    memset(&t, 0, sizeof t);
    t.kind = STR_LIT("order");
    t.link = STR_LIT("none");
    t.date =
        date_input(c, kyiv_to_utc(kyiv_from_utc(utc_now()).year, kyiv_from_utc(utc_now()).month,
                                  kyiv_from_utc(utc_now()).day, 0, 0, 0));
    form(c, 200, 0, &t, NULL, NULL, STR_LIT(""));
}

void admin__registry_edit(struct admin_ctx *c)
{
    int64_t id;
    struct store_reg_doc d;
    struct typed t;
    if (!param_id(c, &id))
        return;
    enum err e = store_reg_get(c->db, c->a, id, &d);
    if (e != ERR_OK) {
        admin__db_error(c, e, "registry document");
        return;
    }
    typed_of(c, &d, &t);
    if (str_eq_cstr(admin__field(c, c->req->query, "m"), "saved"))
        value_set_str(c->a, c->root, "flash", admin__t(c, "admin.reg.saved"));
    form(c, 200, id, &t, &d, NULL, STR_LIT(""));
}

/* read_form collects the multipart form's fields; false when it answered (bad form). */
static bool read_form(struct admin_ctx *c, struct typed *t)
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
    } text[] = {{"csrf", &t->csrf},
                {"kind", &t->kind},
                {"number", &t->number},
                {"date", &t->date},
                {"title", &t->title},
                {"body", &t->body},
                {"link", &t->link},
                {"amends_kind", &t->a_kind},
                {"amends_year", &t->a_year},
                {"amends_number", &t->a_number},
                {"discussion_from", &t->from},
                {"discussion_until", &t->until},
                {"adopted_on", &t->adopted}};
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
        if (str_eq_cstr(p->name, "lapsed"))
            t->lapsed = true;
        else if (str_eq_cstr(p->name, "restricted"))
            t->restricted = true;
        else if (str_eq_cstr(p->name, "drop_pdf"))
            t->drop_pdf = true;
    }
    if (!admin__csrf_ok(c, t->csrf)) {
        admin__message(c, 403, "admin.err.forbidden", "admin.err.csrf");
        return false;
    }
    return true;
}

void admin__registry_save(struct admin_ctx *c)
{
    int64_t id = 0;
    struct typed t;
    struct store_reg_doc d, stored;
    const char *problem[N_FIELDS];
    struct str extra = STR_LIT("");
    struct media_doc_info pdf;
    bool is_new = c->req->n_params == 0;

    if (!read_form(c, &t))
        return;
    memset(&d, 0, sizeof d);
    memset(&stored, 0, sizeof stored);
    if (!is_new) {
        if (!param_id(c, &id))
            return;
        enum err e = store_reg_get(c->db, c->a, id, &stored);
        if (e != ERR_OK) {
            admin__db_error(c, e, "registry document");
            return;
        }
        d.id = id;
        d.pdf_hash = t.drop_pdf ? STR_LIT("") : stored.pdf_hash;
        d.pdf_bytes = t.drop_pdf ? 0 : stored.pdf_bytes;
    }
    if (check(c, &t, &d, problem, &extra, &pdf) > 0) {
        form(c, 422, id, &t, is_new ? NULL : &stored, problem, extra);
        return;
    }
    if (t.pdf != NULL) {
        /* content-addressed: a file left by a save that fails below is the same file a
         * retry writes, and `visnyk check` lists files no row names */
        admin__unlock(c);
        enum err we = media_doc_write(c->ad->media_dir, pdf.hash, t.pdf->data.ptr, t.pdf->data.len);
        admin__lock(c);
        if (we != ERR_OK) {
            log_msg(LOG_ERROR, c->req->id, "registry pdf write failed: %s: %s", c->ad->media_dir,
                    err_str(we));
            admin__message(c, 500, "admin.err.internal_title", "admin.doc.failed");
            return;
        }
        d.pdf_hash = arena_str(c->a, str_from_cstr(pdf.hash));
        d.pdf_bytes = (int64_t)pdf.bytes;
    }
    enum err e = store_begin(c->db);
    int64_t new_id = 0;
    if (e == ERR_OK)
        e = store_reg_save(c->db, &d, utc_now(), &new_id);
    if (e == ERR_CONFLICT) {
        store_rollback(c->db);
        problem[F_NUMBER] = "admin.reg.err.number_taken";
        form(c, 422, id, &t, is_new ? NULL : &stored, problem, extra);
        return;
    }
    if (e == ERR_OK)
        e = admin__audit_in(
            c, is_new ? "registry.create" : "registry.update",
            str_from_cstr(arena_printf(c->a, "registry:%lld", (long long)new_id)),
            str_from_cstr(arena_printf(c->a, "%s %.*s/%d%s", store_reg_kind_name(d.kind),
                                       STR_FMT(d.number), d.year, t.pdf != NULL ? " +pdf" : "")));
    if (e == ERR_OK)
        e = store_commit(c->db);
    if (e != ERR_OK) {
        admin__db_error(c, e, "registry save"); /* rolls back */
        return;
    }
    admin__invalidate(c, "registry:%lld", (long long)new_id);
    admin__invalidate(c, "list:registry");
    if (d.amends_id != 0)
        admin__invalidate(c, "registry:%lld", (long long)d.amends_id);
    if (stored.amends_id != 0 && stored.amends_id != d.amends_id)
        admin__invalidate(c, "registry:%lld", (long long)stored.amends_id);
    admin__redirect(c, "/admin/registry/%lld?m=saved", (long long)new_id);
}
