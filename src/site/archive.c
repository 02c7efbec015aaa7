/* archive.c: articles by date: every month with articles, one year's months, and one
 * month's articles (Kyiv calendar). */
#include <stdio.h>

#include "core/kyiv_time.h"
#include "site/site_internal.h"
#include "store/translations.h"

#define ARCHIVE_MIN_YEAR 1991
#define ARCHIVE_MAX_YEAR 2200

/* parse_number accepts 1..max_digits ASCII digits only (no sign, no spaces). */
static bool parse_number(struct str s, size_t max_digits, int64_t lo, int64_t hi, int *out)
{
    int64_t v;

    if (s.len == 0 || s.len > max_digits)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
    if (!str_to_i64(s, &v) || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static struct str month_name(struct site_page *p, int month, const char *form)
{
    char key[32];
    snprintf(key, sizeof key, "month.%s.%d", form, month);
    return site__t(p, key);
}

/* years groups the months (newest first) into [{year, url, months: [...]}]; only
 * only_year when it is not 0. Returns the number of months kept. */
static size_t years(struct site_page *p, const struct store_month *m, size_t n, int only_year)
{
    struct arena *a = p->a;
    struct value *list = value_list(a), *year = NULL, *months = NULL;
    int current = 0;
    size_t kept = 0;

    for (size_t i = 0; i < n; i++) {
        if (only_year != 0 && m[i].year != only_year)
            continue;
        if (year == NULL || m[i].year != current) {
            current = m[i].year;
            year = value_obj(a);
            months = value_list(a);
            value_set_int(a, year, "year", current);
            value_set_str(a, year, "url",
                          site__href(p, str_from_cstr(arena_printf(a, "/archive/%04d", current))));
            value_set(a, year, "months", months);
            value_push(a, list, year);
        }
        struct value *mv = value_obj(a);
        value_set_str(a, mv, "name", month_name(p, m[i].month, "nom"));
        value_set_str(a, mv, "url",
                      site__href(p, str_from_cstr(arena_printf(a, "/archive/%04d/%02d", m[i].year,
                                                               m[i].month))));
        value_set_int(a, mv, "count", m[i].count);
        value_push(a, months, mv);
        kept++;
    }
    if (kept > 0)
        value_set(a, p->root, "years", list);
    return kept;
}

/* english_counterpart: a Ukrainian year or month page (month 0: the whole year) has an
 * English one only when English articles were published then; else the switch leads to
 * the English home. The English pages always have their Ukrainian one (a translation
 * keeps its original's time). */
static void english_counterpart(struct site_page *p, struct str path, int year, int month)
{
    struct store_month *m;
    size_t n;

    if (p->variant.english)
        return;
    if (store_translation_months(p->ctx->store, p->a, STR_LIT(STORE_LANG_EN), &m, &n) != ERR_OK)
        n = 0; /* unknown: the English home is a safe target */
    for (size_t i = 0; i < n; i++)
        if (m[i].year == year && (month == 0 || m[i].month == month))
            return;
    site__counterpart(p, path, STR_LIT(""));
}

static void archive_index(struct http_request *req, struct http_response *res, bool by_year)
{
    struct site_page p;
    struct store_month *months;
    struct str title, path, names[2], urls[2];
    size_t n;
    int year = 0;
    enum err e;

    if (!site__begin(&p, req, res))
        return;
    if (by_year && (req->n_params < 1 ||
                    !parse_number(req->params[0], 4, ARCHIVE_MIN_YEAR, ARCHIVE_MAX_YEAR, &year))) {
        site__fail(&p, ERR_INVALID, "archive year");
        return;
    }
    e = p.variant.english
            ? store_translation_months(p.ctx->store, p.a, STR_LIT(STORE_LANG_EN), &months, &n)
            : store_archive_months(p.ctx->store, p.a, &months, &n);
    if (e != ERR_OK) {
        site__fail(&p, e, "archive months");
        return;
    }
    if (years(&p, months, n, year) == 0 && by_year) {
        site__fail(&p, ERR_NOTFOUND, "archive year");
        return;
    }
    names[0] = site__t(&p, "archive.title");
    urls[0] = STR_LIT("/archive");
    if (by_year) {
        title = str_from_cstr(arena_printf(p.a, "%.*s: %d", STR_FMT(names[0]), year));
        path = str_from_cstr(arena_printf(p.a, "/archive/%04d", year));
        names[1] = str_from_cstr(arena_printf(p.a, "%d", year));
    } else {
        title = names[0];
        path = STR_LIT("/archive");
    }
    site__layout(&p, title, path, STR_NULL);
    if (by_year)
        english_counterpart(&p, path, year, 0);
    site__key(&p, "archive");
    site__key(&p, "list:news");
    value_set_bool(p.a, p.root, "nav_archive", true);
    if (n == 0)
        value_set_bool(p.a, p.root, "empty", true);
    site__crumbs(&p, by_year ? 2 : 1, names, urls);
    site__finish(&p, "archive");
}

void site__archive(struct http_request *req, struct http_response *res)
{
    archive_index(req, res, false);
}

void site__archive_year(struct http_request *req, struct http_response *res)
{
    archive_index(req, res, true);
}

void site__archive_month(struct http_request *req, struct http_response *res)
{
    struct site_page p;
    struct store_list_query q = {0};
    struct str title, path, names[3], urls[3];
    int year, month;

    if (!site__begin(&p, req, res))
        return;
    if (req->n_params < 2 ||
        !parse_number(req->params[0], 4, ARCHIVE_MIN_YEAR, ARCHIVE_MAX_YEAR, &year) ||
        !parse_number(req->params[1], 2, 1, 12, &month)) {
        site__fail(&p, ERR_INVALID, "archive month");
        return;
    }
    q.from = kyiv_to_utc(year, month, 1, 0, 0, 0);
    q.until = month == 12 ? kyiv_to_utc(year + 1, 1, 1, 0, 0, 0)
                          : kyiv_to_utc(year, month + 1, 1, 0, 0, 0);
    path = str_from_cstr(arena_printf(p.a, "/archive/%04d/%02d", year, month));
    if (!site__list_page(&p, &q, path))
        return;
    /* an empty first page means the month has nothing: that URL does not exist */
    if (q.after.id == 0 && value_list_len(value_get(p.root, STR_LIT("items"))) == 0) {
        site__fail(&p, ERR_NOTFOUND, "archive month");
        return;
    }
    title =
        str_from_cstr(arena_printf(p.a, "%.*s %d", STR_FMT(month_name(&p, month, "nom")), year));
    site__layout(&p, title, path, STR_NULL);
    english_counterpart(&p, path, year, month);
    site__key(&p, "archive");
    value_set_bool(p.a, p.root, "nav_archive", true);
    value_set_str(p.a, p.root, "kicker", site__t(&p, "archive.title"));
    names[0] = site__t(&p, "archive.title");
    urls[0] = STR_LIT("/archive");
    names[1] = str_from_cstr(arena_printf(p.a, "%d", year));
    urls[1] = str_from_cstr(arena_printf(p.a, "/archive/%04d", year));
    names[2] = month_name(&p, month, "nom");
    urls[2] = STR_NULL;
    site__crumbs(&p, 3, names, urls);
    site__finish(&p, "list");
}
