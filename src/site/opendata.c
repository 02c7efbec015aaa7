/* opendata.c: open data (CMU resolution 835/2015) at /opendata. Each set is one entry of
 * `sets` below: its passport (title, description and keywords from the theme's catalog,
 * odata.<slug>.*; update frequency; the responsible person and e-mail from the config,
 * else the site's name and e-mail; the publisher, the site's name; CC BY 4.0 or the
 * site's own licence; issued and modified from the data), its columns, and either a
 * function that writes its rows from the site's own data or the paths of resources
 * another module serves. Pages: /opendata (the catalogue with every passport),
 * /opendata/<slug> (one passport with its structure), the resources /opendata/<slug>.csv
 * (UTF-8, RFC 4180, header row) and .json (an array of objects with the same fields),
 * and /opendata/catalog.json, a DCAT-AP catalogue (JSON-LD) for data.gov.ua to harvest.
 *
 * Everything is rendered on request and cached like any page, under the keys of the
 * data it shows ("list:registry", "list:news" and each tag and department, "list:vacancies",
 * "requests", "settings"), so a save in the workspace drops the files and pages at once and the
 * next request regenerates them; dct:modified is the newest change of the data. The news set is
 * read STORE_OD_MAX_PAGE articles at a time into a scratch arena reset between pages, so its memory
 * is the file itself (bounded by OD_NEWS_MAX_ROWS rows). */
#include <string.h>
#include <time.h>

#include "core/kyiv_time.h"
#include "core/log.h"
#include "render/escape.h"
#include "site/site_internal.h"
#include "site/site_settings.h"
#include "store/opendata.h"
#include "store/registry.h"

/* The newest articles the news set lists: at ~450 bytes a row in CSV and ~510 in JSON
 * (measured on the demo's articles, long transliterated slugs) 20,000 rows stay near
 * 10 MB, inside HTTP_MAX_RESPONSE_BYTES (16 MiB) with room for longer titles. */
#define OD_NEWS_MAX_ROWS 20000
/* Documents the registry set lists (pages of STORE_REG_MAX_LIMIT). */
#define OD_REGISTRY_MAX_ROWS 20000
#define OD_CONTEXT_DCAT "http://www.w3.org/ns/dcat#"
#define OD_FREQ_BASE "http://publications.europa.eu/resource/authority/frequency/"

enum od_col_type {
    OD_TEXT,
    OD_INT,
    OD_LIST /* names one per line: "; " in CSV, an array in JSON */
};

struct od_column {
    const char *name; /* the CSV header and JSON field; odata.col.<name> describes it */
    enum od_col_type type;
};

struct od_writer;
/* Writes the set's rows with od_row; records the cache keys of what it read. */
typedef enum err (*od_rows_fn)(struct site_page *p, struct od_writer *w);

struct od_set {
    const char *slug;      /* /opendata/<slug>, catalog keys odata.<slug>.title etc. */
    const char *frequency; /* EU frequency authority code: CONT, DAILY, MONTHLY, ... */
    unsigned section;      /* SITE_SECTION_* it shows; off when all of them are, 0 = always */
    const struct od_column *columns;
    size_t n_columns;
    od_rows_fn rows; /* NULL: the resources are served elsewhere (csv_path, json_path) */
    int source;      /* enum store_od_source for issued/modified; -1: unknown */
    const char *key; /* the cache key a change of the data invalidates */
    const char *csv_path, *json_path;
};

struct od_writer {
    struct buf *b;
    bool json;
    size_t rows;
    const struct od_set *set;
};

static const char *const kind_keys[STORE_REG_N_KINDS] = {"reg.kind.order", "reg.kind.decree",
                                                         "reg.kind.decision", "reg.kind.draft",
                                                         "reg.kind.regulatory"};

/* ---- writing rows ---------------------------------------------------------------------- */

static void csv_field(struct buf *b, struct str v)
{
    bool quote = false;
    for (size_t i = 0; i < v.len && !quote; i++)
        quote = v.ptr[i] == ',' || v.ptr[i] == '"' || v.ptr[i] == '\r' || v.ptr[i] == '\n';
    if (!quote) {
        buf_append_str(b, v);
        return;
    }
    buf_append(b, "\"", 1);
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] == '"')
            buf_append(b, "\"", 1);
        buf_append(b, v.ptr + i, 1);
    }
    buf_append(b, "\"", 1);
}

static void json_string(struct buf *b, struct str v)
{
    buf_append(b, "\"", 1);
    escape_json(b, v);
    buf_append(b, "\"", 1);
}

/* od_begin writes the CSV header row or the JSON array's opening. */
static void od_begin(struct od_writer *w)
{
    if (w->json) {
        buf_append_cstr(w->b, "[");
        return;
    }
    for (size_t i = 0; i < w->set->n_columns; i++) {
        if (i > 0)
            buf_append(w->b, ",", 1);
        buf_append_cstr(w->b, w->set->columns[i].name);
    }
    buf_append_cstr(w->b, "\r\n");
}

/* od_row writes one row: cells[i] is column i's value (a list's names one per line). */
static void od_row(struct od_writer *w, const struct str *cells)
{
    struct buf *b = w->b;
    const struct od_set *set = w->set;
    if (w->json)
        buf_append_cstr(b, w->rows > 0 ? ",\n{" : "\n{");
    for (size_t i = 0; i < set->n_columns; i++) {
        struct str v = cells[i], rest = v, item;
        if (w->json) {
            if (i > 0)
                buf_append(b, ",", 1);
            json_string(b, str_from_cstr(set->columns[i].name));
            buf_append(b, ":", 1);
            if (set->columns[i].type == OD_INT && v.len > 0) {
                buf_append_str(b, v);
            } else if (set->columns[i].type == OD_LIST) {
                buf_append(b, "[", 1);
                for (bool first = true; v.len > 0 && str_split_next(&rest, '\n', &item);
                     first = false) {
                    if (!first)
                        buf_append(b, ",", 1);
                    json_string(b, item);
                }
                buf_append(b, "]", 1);
            } else {
                json_string(b, v);
            }
            continue;
        }
        if (i > 0)
            buf_append(b, ",", 1);
        if (set->columns[i].type == OD_LIST) {
            struct buf joined;
            buf_init(&joined, v.len * 2 + 16);
            for (bool first = true; v.len > 0 && str_split_next(&rest, '\n', &item);
                 first = false) {
                if (!first)
                    buf_append_cstr(&joined, "; ");
                buf_append_str(&joined, item);
            }
            if (buf_error(&joined) != ERR_OK)
                buf_set_error(b, buf_error(&joined));
            csv_field(b, buf_str(&joined));
            buf_free(&joined);
        } else {
            csv_field(b, v);
        }
    }
    buf_append_cstr(b, w->json ? "}" : "\r\n");
    w->rows++;
}

static void od_end(struct od_writer *w)
{
    if (w->json)
        buf_append_cstr(w->b, w->rows > 0 ? "\n]\n" : "]\n");
}

static struct str iso_day(struct arena *a, int64_t utc)
{
    struct kyiv_tm k = kyiv_from_utc(utc);
    return str_from_cstr(arena_printf(a, "%04d-%02d-%02d", k.year, k.month, k.day));
}

/* iso_utc: "2026-12-03T17:20:00Z", the form DCAT's xsd:dateTime takes. */
static struct str iso_utc(struct arena *a, int64_t utc)
{
    time_t t = (time_t)utc;
    struct tm tm;
    char tmp[32];
    gmtime_r(&t, &tm);
    size_t n = strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return arena_str(a, str_make(tmp, n));
}

/* ---- the sets' rows ---------------------------------------------------------------------- */

static const struct od_column registry_cols[] = {
    {"number", OD_TEXT}, {"type", OD_TEXT},   {"date", OD_TEXT},
    {"title", OD_TEXT},  {"status", OD_TEXT}, {"url", OD_TEXT},
};

/* registry_rows: every document, newest first; a restricted one (martial law) with its
 * type, number, date and status but no title, as the registry's pages show it. */
static enum err registry_rows(struct site_page *p, struct od_writer *w)
{
    struct store_reg_query q = {.kind = -1, .status = -1, .limit = STORE_REG_MAX_LIMIT};
    site__key(p, "list:registry");
    while (q.offset < OD_REGISTRY_MAX_ROWS) {
        struct store_reg_doc *docs;
        size_t n;
        int64_t total;
        enum err e = store_reg_list(p->ctx->store, p->a, &q, &docs, &n, &total);
        if (e != ERR_OK)
            return e;
        for (size_t i = 0; i < n; i++) {
            const struct store_reg_doc *d = &docs[i];
            struct str cells[6] = {
                d->number,
                site__t(p, kind_keys[d->kind]),
                iso_day(p->a, d->doc_date),
                d->restricted ? STR_LIT("") : d->title,
                site__t(p, arena_printf(p->a, "reg.status.%s", store_reg_status_name(d->status))),
                site__absolute(
                    p, str_from_cstr(arena_printf(p->a, "/registry/%lld", (long long)d->id))),
            };
            od_row(w, cells);
        }
        q.offset += n;
        if (n < STORE_REG_MAX_LIMIT)
            break;
    }
    return ERR_OK;
}

static const struct od_column news_cols[] = {
    {"id", OD_INT},   {"date", OD_TEXT},        {"title", OD_TEXT},
    {"url", OD_TEXT}, {"departments", OD_LIST}, {"tags", OD_LIST},
};

/* news_rows: the public articles, newest first, a page at a time in a scratch arena. The
 * keys: the news list (a save of any article drops it) and every tag and department (a
 * rename drops their keys, not the list's). */
static enum err news_rows(struct site_page *p, struct od_writer *w)
{
    struct store *st = p->ctx->store;
    struct store_ref *refs;
    size_t n_refs;
    site__key(p, "list:news");
    enum err e = store_tags_all(st, p->a, &refs, &n_refs);
    for (size_t i = 0; e == ERR_OK && i < n_refs; i++)
        site__key(p, "tag:%lld", (long long)refs[i].id);
    if (e == ERR_OK)
        e = store_depts_all(st, p->a, &refs, &n_refs);
    for (size_t i = 0; e == ERR_OK && i < n_refs; i++)
        site__key(p, "dept:%lld", (long long)refs[i].id);
    if (e != ERR_OK)
        return e;
    struct arena *scratch = arena_new(256 * 1024);
    int64_t now = utc_now(), at = INT64_MAX, id = INT64_MAX;
    size_t rows = 0;
    while (rows < OD_NEWS_MAX_ROWS) {
        struct store_od_news *items;
        size_t n;
        arena_reset(scratch);
        e = store_od_news_page(st, scratch, now, at, id, STORE_OD_MAX_PAGE, &items, &n);
        if (e != ERR_OK)
            break;
        for (size_t i = 0; i < n && rows < OD_NEWS_MAX_ROWS; i++, rows++) {
            struct buf url;
            buf_init(&url, 4096);
            buf_append_str(&url, site__absolute(p, STR_LIT("/news/")));
            escape_url_component(&url, items[i].slug);
            struct buf date;
            buf_init(&date, 64);
            buf_set_error(&date, i18n_format_iso(items[i].published_at, &date));
            struct str cells[6] = {
                str_from_cstr(arena_printf(scratch, "%lld", (long long)items[i].id)),
                buf_str(&date),
                items[i].title,
                buf_str(&url),
                items[i].departments,
                items[i].tags,
            };
            if (buf_error(&url) != ERR_OK || buf_error(&date) != ERR_OK)
                e = ERR_TOO_LARGE;
            else
                od_row(w, cells);
            buf_free(&url);
            buf_free(&date);
        }
        if (e != ERR_OK || n < STORE_OD_MAX_PAGE)
            break;
        at = items[n - 1].published_at;
        id = items[n - 1].id;
    }
    arena_free(scratch);
    return e;
}

static const struct od_column vacancy_cols[] = {
    {"title", OD_TEXT},  {"department", OD_TEXT}, {"deadline", OD_TEXT},
    {"status", OD_TEXT}, {"url", OD_TEXT},
};

/* vacancy_rows: every vacancy, open or not (its status said at request time; the
 * scheduler drops the key when a deadline passes). */
static enum err vacancy_rows(struct site_page *p, struct od_writer *w)
{
    struct store_vacancy *v;
    size_t n;
    int64_t now = utc_now();
    site__key(p, "list:vacancies");
    enum err e =
        store_vac_list(p->ctx->store, p->a, STORE_VAC_ALL, now, STORE_VAC_MAX_LIMIT, &v, &n);
    if (e != ERR_OK)
        return e;
    for (size_t i = 0; i < n; i++) {
        bool open = !v[i].closed && v[i].deadline > now;
        struct str cells[5] = {
            v[i].title,
            v[i].unit,
            site__date_iso(p, v[i].deadline),
            site__t(p, open ? "vac.open" : "vac.closed"),
            site__absolute(
                p, str_from_cstr(arena_printf(p->a, "/vacancies/%lld", (long long)v[i].id))),
        };
        od_row(w, cells);
    }
    return ERR_OK;
}

static const struct od_column request_cols[] = {
    {"period", OD_TEXT},  {"kind", OD_TEXT},   {"received", OD_INT},
    {"answered", OD_INT}, {"refused", OD_INT}, {"overdue", OD_INT},
};

/* The sets. A set served by another module names its resources instead of rows: the
 * statistics of requests and appeals are site/requests.c's /requests/statistics.csv and
 * .json, under its key "requests" (dropped when a request is registered, closed or
 * becomes overdue). */
static const struct od_set sets[] = {
    {"registry", "CONT", SITE_SECTION_REGISTRY, registry_cols,
     sizeof registry_cols / sizeof registry_cols[0], registry_rows, STORE_OD_REGISTRY,
     "list:registry", NULL, NULL},
    {"news", "CONT", 0, news_cols, sizeof news_cols / sizeof news_cols[0], news_rows, STORE_OD_NEWS,
     "list:news", NULL, NULL},
    {"vacancies", "IRREG", SITE_SECTION_VACANCIES, vacancy_cols,
     sizeof vacancy_cols / sizeof vacancy_cols[0], vacancy_rows, STORE_OD_VACANCIES,
     "list:vacancies", NULL, NULL},
    {"requests", "CONT", SITE_SECTION_REQUESTS | SITE_SECTION_APPEALS, request_cols,
     sizeof request_cols / sizeof request_cols[0], NULL, STORE_OD_REQUESTS, "requests",
     "/requests/statistics.csv", "/requests/statistics.json"},
};
#define N_SETS (sizeof sets / sizeof sets[0])

/* section_on: a set showing two sections (requests and appeals) stays while either is on. */
static bool section_on(unsigned sections_off, const struct od_set *set)
{
    return set->section == 0 || (sections_off & set->section) != set->section;
}

static bool set_on(struct site_page *p, const struct od_set *set)
{
    return section_on(p->site->sections_off, set);
}

static const struct od_set *set_find(struct site_page *p, struct str slug)
{
    for (size_t i = 0; i < N_SETS; i++)
        if (str_eq_cstr(slug, sets[i].slug) && set_on(p, &sets[i]))
            return &sets[i];
    return NULL;
}

/* ---- passports ------------------------------------------------------------------------ */

/* What every passport shares: who publishes, who answers for the data, the licence. */
struct od_common {
    struct str publisher, contact, email;
    bool publisher_en;                       /* the site's English name, on an English page */
    struct str publisher_lang, contact_lang; /* "uk" where a page in English shows them */
    struct str license_name, license_url;
};

static struct str setting(struct site_page *p, const char *key)
{
    struct str v = STR_LIT("");
    if (store_setting_get(p->ctx->store, p->a, key, &v) != ERR_OK)
        v = STR_LIT("");
    return str_trim(v);
}

/* common_read: the site's name (the English one on English pages, when set), the
 * config's contact (else the site's name) and e-mail (else the site's), and the site's
 * licence: CC BY 4.0 unless the editors set their own with an address. */
static void common_read(struct site_page *p, struct od_common *c)
{
    site__key(p, "settings");
    c->publisher = p->variant.english ? setting(p, "site_name_en") : STR_LIT("");
    c->publisher_en = c->publisher.len > 0;
    if (c->publisher.len == 0)
        c->publisher = setting(p, "site_name");
    if (c->publisher.len == 0)
        c->publisher = site__t(p, "default.site_name");
    c->contact = str_from_cstr(p->site->opendata_contact);
    bool contact_is_publisher = c->contact.len == 0;
    if (contact_is_publisher)
        c->contact = c->publisher;
    /* on English pages the Ukrainian names are marked lang="uk" (WCAG 3.1.2) */
    c->publisher_lang = p->variant.english && !c->publisher_en ? STR_LIT("uk") : STR_LIT("");
    c->contact_lang = p->variant.english && !(contact_is_publisher && c->publisher_en)
                          ? STR_LIT("uk")
                          : STR_LIT("");
    c->email = str_from_cstr(p->site->opendata_email);
    if (c->email.len == 0)
        c->email = setting(p, "email");
    c->license_name = STR_LIT("CC BY 4.0");
    c->license_url = STR_LIT(SITE_LICENSE_DEFAULT_URL);
    struct str url = setting(p, SITE_KEY_LICENSE_URL);
    if (str_eq_cstr(setting(p, SITE_KEY_LICENSE_MODE), "custom") && url.len > 0 &&
        site_url_allowed(url) && url.ptr[0] != '/') {
        c->license_name = setting(p, SITE_KEY_LICENSE_NAME);
        c->license_url = url;
    }
}

/* span: the set's issued and modified times (0 when unknown), and its cache key. */
static enum err span(struct site_page *p, const struct od_set *set, int64_t *issued,
                     int64_t *modified)
{
    *issued = *modified = 0;
    site__key(p, "%s", set->key);
    if (set->source < 0)
        return ERR_OK;
    return store_od_span(p->ctx->store, (enum store_od_source)set->source, utc_now(), issued,
                         modified);
}

static struct str set_t(struct site_page *p, const struct od_set *set, const char *what)
{
    return site__t(p, arena_printf(p->a, "odata.%s.%s", set->slug, what));
}

static struct str resource_path(struct site_page *p, const struct od_set *set, bool json)
{
    if (set->rows == NULL)
        return str_from_cstr(json ? set->json_path : set->csv_path);
    return str_from_cstr(arena_printf(p->a, "/opendata/%s.%s", set->slug, json ? "json" : "csv"));
}

/* passport: a set's values for the templates (the catalogue and its own page). */
static struct value *passport(struct site_page *p, const struct od_set *set,
                              const struct od_common *c, int64_t issued, int64_t modified)
{
    struct arena *a = p->a;
    struct value *v = value_obj(a);
    value_set_cstr(a, v, "slug", set->slug);
    value_set_str(a, v, "url",
                  site__href(p, str_from_cstr(arena_printf(a, "/opendata/%s", set->slug))));
    value_set_str(a, v, "title", set_t(p, set, "title"));
    value_set_str(a, v, "description", set_t(p, set, "description"));
    value_set_str(a, v, "keywords", set_t(p, set, "keywords"));
    /* catalog keys are lower case; the EU vocabulary's codes upper case */
    char *key = arena_printf(a, "odata.freq.%s", set->frequency);
    for (char *k = key; *k != '\0'; k++)
        if (*k >= 'A' && *k <= 'Z')
            *k = (char)(*k - 'A' + 'a');
    value_set_str(a, v, "frequency", site__t(p, key));
    value_set_str(a, v, "publisher", c->publisher);
    value_set_str(a, v, "contact", c->contact);
    if (c->publisher_lang.len > 0)
        value_set_str(a, v, "publisher_lang", c->publisher_lang);
    if (c->contact_lang.len > 0)
        value_set_str(a, v, "contact_lang", c->contact_lang);
    if (c->email.len > 0)
        value_set_str(a, v, "email", c->email);
    value_set_str(a, v, "license_name", c->license_name);
    value_set_str(a, v, "license_url", c->license_url);
    if (issued > 0) {
        value_set_str(a, v, "issued", site__date(p, issued, false));
        value_set_str(a, v, "issued_iso", site__date_iso(p, issued));
    }
    if (modified > 0) {
        value_set_str(a, v, "modified", site__date(p, modified, true));
        value_set_str(a, v, "modified_iso", site__date_iso(p, modified));
    }
    /* files are not mirrored under /lv or /en: the same link on every variant */
    value_set_str(a, v, "csv_url", resource_path(p, set, false));
    value_set_str(a, v, "json_url", resource_path(p, set, true));
    return v;
}

static bool opendata_on(struct site_page *p)
{
    if ((p->site->sections_off & SITE_SECTION_OPENDATA) == 0)
        return true;
    site__fail(p, ERR_NOTFOUND, "open data off");
    return false;
}

void site__opendata(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct od_common c;
    struct str names[1];

    if (!site__begin(&p, req, res))
        return;
    if (!opendata_on(&p))
        return;
    struct str title = site__t(&p, "odata.title");
    site__layout(&p, title, STR_LIT("/opendata"), site__t(&p, "odata.lead"));
    common_read(&p, &c);
    struct value *list = value_list(p.a);
    for (size_t i = 0; i < N_SETS; i++) {
        int64_t issued, modified;
        if (!set_on(&p, &sets[i]))
            continue;
        enum err e = span(&p, &sets[i], &issued, &modified);
        if (e != ERR_OK) {
            site__fail(&p, e, "open data span");
            return;
        }
        value_push(p.a, list, passport(&p, &sets[i], &c, issued, modified));
    }
    value_set(p.a, p.root, "sets", list);
    value_set_cstr(p.a, p.root, "catalog_url", "/opendata/catalog.json");
    value_set_str(p.a, p.root, "title", title);
    value_set_bool(p.a, p.root, "nav_opendata", true);
    names[0] = title;
    site__crumbs(&p, 1, names, NULL);
    site__finish(&p, "opendata");
}

/* dataset_page: /opendata/<slug>, one passport with the set's structure. */
static void dataset_page(struct site_page *p, const struct od_set *set)
{
    struct od_common c;
    struct str names[2], urls[2];
    int64_t issued, modified;

    struct str title = set_t(p, set, "title");
    site__layout(p, title, str_from_cstr(arena_printf(p->a, "/opendata/%s", set->slug)),
                 set_t(p, set, "description"));
    common_read(p, &c);
    enum err e = span(p, set, &issued, &modified);
    if (e != ERR_OK) {
        site__fail(p, e, "open data span");
        return;
    }
    struct value *v = passport(p, set, &c, issued, modified);
    struct value *cols = value_list(p->a);
    for (size_t i = 0; i < set->n_columns; i++) {
        struct value *col = value_obj(p->a);
        value_set_cstr(p->a, col, "name", set->columns[i].name);
        value_set_str(
            p->a, col, "about",
            site__t(p, arena_printf(p->a, "odata.%s.col.%s", set->slug, set->columns[i].name)));
        value_push(p->a, cols, col);
    }
    value_set(p->a, v, "columns", cols);
    value_set(p->a, p->root, "set", v);
    value_set_str(p->a, p->root, "title", title);
    value_set_bool(p->a, p->root, "nav_opendata", true);
    names[0] = site__t(p, "odata.title");
    urls[0] = STR_LIT("/opendata"); /* site__crumbs adds the variant */
    names[1] = title;
    urls[1] = STR_NULL;
    site__crumbs(p, 2, names, urls);
    site__finish(p, "opendata-set");
}

/* end_file: what site__finish does for a response that renders no template. */
static void end_file(struct site_page *p, enum err e, const char *content_type)
{
    struct http_response *res = p->res;
    if (store_in_transaction(p->ctx->store))
        store_rollback(p->ctx->store);
    site__theme_release(p->theme);
    p->theme = NULL;
    if (e == ERR_OK)
        e = p->err;
    if (e == ERR_OK)
        e = buf_error(&res->body);
    if (e != ERR_OK) {
        log_msg(LOG_ERROR, p->req->id, "open data file failed: %s", err_str(e));
        buf_reset(&res->body);
        res->n_cache_keys = 0;
        res->cacheable = false;
        http_response_error(res, 500);
        return;
    }
    res->status = 200;
    http_response_header(res, p->req, "Content-Type", str_from_cstr(content_type));
    res->cacheable = true;
}

static void resource(struct site_page *p, const struct od_set *set, bool json)
{
    struct od_writer w = {.b = &p->res->body, .json = json, .set = set};
    buf_reset(w.b);
    od_begin(&w);
    enum err e = set->rows(p, &w);
    od_end(&w);
    end_file(p, e,
             json ? "application/json; charset=utf-8" : "text/csv; charset=utf-8; header=present");
}

void site__opendata_set(struct http_request *req, struct http_response *res)
{
    struct site_page p;

    if (!site__begin(&p, req, res))
        return;
    if (!opendata_on(&p))
        return;
    struct str name = req->n_params > 0 ? req->params[0] : STR_LIT("");
    bool csv = str_ends_with(name, STR_LIT(".csv")), json = str_ends_with(name, STR_LIT(".json"));
    struct str slug = name;
    if (csv || json)
        slug.len -= csv ? 4 : 5;
    const struct od_set *set = set_find(&p, slug);
    /* the files are the same for every reader: not mirrored under /lv or /en */
    if (set == NULL || ((csv || json) && (set->rows == NULL || p.variant.prefix.len > 0))) {
        site__fail(&p, ERR_NOTFOUND, "open data set");
        return;
    }
    if (csv || json)
        resource(&p, set, json);
    else
        dataset_page(&p, set);
}

/* ---- the DCAT-AP catalogue ------------------------------------------------------------ */

static void jkey(struct buf *b, const char *key)
{
    json_string(b, str_from_cstr(key));
    buf_append(b, ":", 1);
}

/* jfield writes "key":"value", with a comma before unless first. */
static void jfield(struct buf *b, const char *key, struct str value)
{
    buf_append(b, ",", 1);
    jkey(b, key);
    json_string(b, value);
}

static void jid(struct buf *b, const char *key, struct str id)
{
    buf_append(b, ",", 1);
    jkey(b, key);
    buf_append_cstr(b, "{\"@id\":");
    json_string(b, id);
    buf_append(b, "}", 1);
}

static void publisher(struct buf *b, const struct od_common *c)
{
    buf_append_cstr(b, ",\"dct:publisher\":{\"@type\":\"foaf:Agent\",\"foaf:name\":");
    json_string(b, c->publisher);
    buf_append(b, "}", 1);
}

static void distribution(struct site_page *p, struct buf *b, const struct od_set *set,
                         const struct od_common *c, bool json)
{
    struct str url = site__absolute(p, resource_path(p, set, json));
    buf_append_cstr(b, "{\"@type\":\"dcat:Distribution\"");
    jfield(b, "dct:title",
           str_from_cstr(arena_printf(p->a, "%.*s (%s)", STR_FMT(set_t(p, set, "title")),
                                      json ? "JSON" : "CSV")));
    jid(b, "dcat:downloadURL", url);
    jid(b, "dcat:accessURL", url);
    jfield(b, "dcat:mediaType", json ? STR_LIT("application/json") : STR_LIT("text/csv"));
    jfield(b, "dct:format", json ? STR_LIT("JSON") : STR_LIT("CSV"));
    jid(b, "dct:license", c->license_url);
    buf_append(b, "}", 1);
}

static void dataset(struct site_page *p, struct buf *b, const struct od_set *set,
                    const struct od_common *c, int64_t issued, int64_t modified)
{
    struct str page =
        site__absolute(p, str_from_cstr(arena_printf(p->a, "/opendata/%s", set->slug)));
    buf_append_cstr(b, "{\"@id\":");
    json_string(b, page);
    buf_append_cstr(b, ",\"@type\":\"dcat:Dataset\"");
    jfield(b, "dct:identifier", str_from_cstr(set->slug));
    jfield(b, "dct:title", set_t(p, set, "title"));
    jfield(b, "dct:description", set_t(p, set, "description"));
    buf_append_cstr(b, ",\"dcat:keyword\":[");
    struct str rest = set_t(p, set, "keywords"), word;
    for (bool first = true; str_split_next(&rest, ',', &word);) {
        word = str_trim(word);
        if (word.len == 0)
            continue;
        if (!first)
            buf_append(b, ",", 1);
        json_string(b, word);
        first = false;
    }
    buf_append(b, "]", 1);
    jfield(b, "dct:language", STR_LIT("uk"));
    publisher(b, c);
    if (issued > 0)
        jfield(b, "dct:issued", iso_utc(p->a, issued));
    if (modified > 0)
        jfield(b, "dct:modified", iso_utc(p->a, modified));
    jid(b, "dct:accrualPeriodicity",
        str_from_cstr(arena_printf(p->a, OD_FREQ_BASE "%s", set->frequency)));
    buf_append_cstr(b, ",\"dcat:contactPoint\":{\"@type\":\"vcard:Kind\",\"vcard:fn\":");
    json_string(b, c->contact);
    if (c->email.len > 0) {
        buf_append_cstr(b, ",\"vcard:hasEmail\":{\"@id\":");
        json_string(b, str_from_cstr(arena_printf(p->a, "mailto:%.*s", STR_FMT(c->email))));
        buf_append(b, "}", 1);
    }
    buf_append(b, "}", 1);
    jid(b, "dct:license", c->license_url);
    jid(b, "dcat:landingPage", page);
    buf_append_cstr(b, ",\"dcat:distribution\":[");
    distribution(p, b, set, c, false);
    buf_append(b, ",", 1);
    distribution(p, b, set, c, true);
    buf_append_cstr(b, "]}");
}

void site__opendata_catalog(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct od_common c;

    if (!site__begin(&p, req, res))
        return;
    if (!opendata_on(&p))
        return;
    common_read(&p, &c);
    struct buf *b = &res->body;
    buf_reset(b);
    buf_append_cstr(b, "{\"@context\":{\"dcat\":\"" OD_CONTEXT_DCAT "\","
                       "\"dct\":\"http://purl.org/dc/terms/\","
                       "\"foaf\":\"http://xmlns.com/foaf/0.1/\","
                       "\"vcard\":\"http://www.w3.org/2006/vcard/ns#\"},\n\"@id\":");
    json_string(b, site__absolute(&p, STR_LIT("/opendata/catalog.json")));
    buf_append_cstr(b, ",\"@type\":\"dcat:Catalog\"");
    jfield(b, "dct:title",
           str_from_cstr(arena_printf(p.a, "%.*s — %.*s", STR_FMT(site__t(&p, "odata.title")),
                                      STR_FMT(c.publisher))));
    jfield(b, "dct:description", site__t(&p, "odata.lead"));
    jfield(b, "dct:language", STR_LIT("uk"));
    publisher(b, &c);
    jid(b, "foaf:homepage", site__absolute(&p, STR_LIT("/opendata")));
    jid(b, "dct:license", c.license_url);
    buf_append_cstr(b, ",\n\"dcat:dataset\":[");
    int64_t newest = 0;
    bool first = true;
    enum err e = ERR_OK;
    for (size_t i = 0; i < N_SETS && e == ERR_OK; i++) {
        int64_t issued, modified;
        if (!set_on(&p, &sets[i]))
            continue;
        e = span(&p, &sets[i], &issued, &modified);
        if (e != ERR_OK)
            break;
        buf_append_cstr(b, first ? "\n" : ",\n");
        first = false;
        dataset(&p, b, &sets[i], &c, issued, modified);
        if (modified > newest)
            newest = modified;
    }
    buf_append_cstr(b, "]");
    if (newest > 0)
        jfield(b, "dct:modified", iso_utc(p.a, newest));
    buf_append_cstr(b, "}\n");
    end_file(&p, e, "application/json; charset=utf-8");
}

/* site__opendata_paths: the site paths of the catalogue, each set's page and its files,
 * for sitemaps and the static mirror (the sets that are on; none when open data is
 * off). *paths lives in a. */
size_t site__opendata_paths(struct site *s, struct arena *a, const char ***paths)
{
    size_t n = 0;
    const char **out = arena_alloc_array(a, 2 + 3 * N_SETS, sizeof *out);
    if ((s->sections_off & SITE_SECTION_OPENDATA) == 0) {
        out[n++] = "/opendata";
        out[n++] = "/opendata/catalog.json";
        for (size_t i = 0; i < N_SETS; i++) {
            if (!section_on(s->sections_off, &sets[i]))
                continue;
            out[n++] = arena_printf(a, "/opendata/%s", sets[i].slug);
            if (sets[i].rows != NULL) {
                out[n++] = arena_printf(a, "/opendata/%s.csv", sets[i].slug);
                out[n++] = arena_printf(a, "/opendata/%s.json", sets[i].slug);
            }
        }
    }
    *paths = out;
    return n;
}
