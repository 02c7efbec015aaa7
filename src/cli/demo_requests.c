/* demo_requests.c: the demo's requests for information and appeals (issue 13), loaded by
 * `visnyk init --demo`: a handful in every state (answered on time and late, refused,
 * extended, open, overdue, urgent) over two half-years, so that the statistics and the
 * workspace's queue show something. Dated back from the day of init; people and
 * addresses are made up. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/deadline.h"
#include "core/kyiv_time.h"
#include "store/requests.h"

#define DAY 86400

struct demo_rq {
    enum store_rq_kind kind;
    int days_ago;     /* registered this many days before init, at 10:00 */
    int closed_after; /* closed this many days after; 0: open */
    enum store_rq_status status;
    enum store_rq_category category;
    bool urgent, extended;
    const char *name, *address, *email, *body, *closing;
};

static const struct demo_rq demo[] = {
    {STORE_RQ_INFO, 190, 4, STORE_RQ_ANSWERED, STORE_RQ_CAT_NONE, false, false,
     "Громадська організація «Прозора громада»", "", "info@prozora.example.org",
     "Прошу надати копію розпорядження про затвердження Програми розвитку туризму.",
     "Копію розпорядження від 02.03.2026 № 125-р додаємо."},
    {STORE_RQ_INFO, 175, 9, STORE_RQ_ANSWERED, STORE_RQ_CAT_NONE, false, false, "Мельник Оксана",
     "36000, Полтава, вул. Пушкаря, 10, кв. 4", "",
     "Скільки коштів витрачено на ремонт укриттів у закладах освіти у 2025 році?",
     "Відповідь надіслано поштою."},
    {STORE_RQ_INFO, 160, 3, STORE_RQ_REFUSED, STORE_RQ_CAT_NONE, false, false, "Бондар Андрій", "",
     "bondar@example.org", "Прошу надати списки працівників підприємств критичної інфраструктури.",
     "Інформація з обмеженим доступом (стаття 22 частина 1 пункт 2 Закону)."},
    {STORE_RQ_INFO, 40, 2, STORE_RQ_ANSWERED, STORE_RQ_CAT_NONE, true, false, "Ткаченко Ірина", "",
     "tkachenko@example.org", "Який стан води в річці Ворскла після аварії на очисних спорудах?",
     "Результати лабораторних досліджень додаємо."},
    {STORE_RQ_INFO, 12, 0, STORE_RQ_EXTENDED, STORE_RQ_CAT_NONE, false, true,
     "Редакція газети «Зоря Полтавщини»", "", "redakciya@example.org",
     "Прошу надати перелік договорів на відновлення доріг за 2025–2026 роки.", NULL},
    {STORE_RQ_INFO, 10, 0, STORE_RQ_IN_PROGRESS, STORE_RQ_CAT_NONE, false, false, "Савченко Петро",
     "38700, Полтавська обл., с. Мачухи, вул. Центральна, 3", "",
     "Коли буде відновлено автобусне сполучення Полтава — Мачухи?", NULL},
    {STORE_RQ_INFO, 1, 0, STORE_RQ_NEW, STORE_RQ_CAT_NONE, false, false, "Литвиненко Галина", "",
     "lytvynenko@example.org", "Прошу надати графік прийому громадян у травні.", NULL},
    {STORE_RQ_APPEAL, 170, 20, STORE_RQ_ANSWERED, STORE_RQ_CAT_COMPLAINT, false, false,
     "Коваль Іван Петрович", "38700, Полтавська обл., с. Мачухи, вул. Шкільна, 7",
     "koval@example.org", "Прошу відремонтувати дорогу до школи.",
     "Ремонт дороги заплановано на квітень."},
    {STORE_RQ_APPEAL, 25, 0, STORE_RQ_IN_PROGRESS, STORE_RQ_CAT_PROPOSAL, false, false,
     "Іваненко Марія", "36000, Полтава, вул. Соборності, 60", "",
     "Пропоную облаштувати пандус біля центру надання адміністративних послуг.", NULL},
};

static enum err one(struct store *s, const struct workdays_calendar *cal, const struct demo_rq *d,
                    int64_t now)
{
    struct kyiv_tm k = kyiv_from_utc(now - (int64_t)d->days_ago * DAY);
    struct store_request r;
    memset(&r, 0, sizeof r);
    r.kind = d->kind;
    r.received_at = kyiv_to_utc(k.year, k.month, k.day, 10, 0, 0);
    r.year = k.year;
    r.half = k.month <= 6 ? 1 : 2;
    r.urgent = d->urgent;
    r.category = d->category;
    r.due_at = d->kind == STORE_RQ_INFO ? deadline_info(cal, r.received_at, d->urgent)
                                        : deadline_appeal(r.received_at, DEADLINE_APPEAL_MONTH);
    r.remind_at = deadline_remind_at(cal, r.received_at, r.due_at);
    r.name = str_from_cstr(d->name);
    r.address = str_from_cstr(d->address);
    r.email = str_from_cstr(d->email);
    r.body = str_from_cstr(d->body);
    enum err e = store_rq_insert(s, &r, &r.id, &r.seq);
    if (e != ERR_OK)
        return e;
    r.status = d->status;
    if (d->extended) {
        r.extended_at = r.received_at + 2 * DAY;
        r.extend_reason = STR_LIT("Потрібно опрацювати великий обсяг документів.");
        r.due_at = deadline_info_extended(cal, r.received_at);
        r.remind_at = deadline_remind_at(cal, r.received_at, r.due_at);
    }
    if (d->closed_after > 0) {
        r.closed_at = r.received_at + (int64_t)d->closed_after * DAY;
        r.reminded_at = r.remind_at;
        if (d->status == STORE_RQ_ANSWERED)
            r.answer = str_from_cstr(d->closing);
        else
            r.close_reason = str_from_cstr(d->closing);
    }
    return store_rq_update(s, &r);
}

int cli_demo_requests(const struct config *c, struct store *s)
{
    struct workdays_calendar cal;
    int64_t now = utc_now();
    if (workdays_parse(str_from_cstr(c->holidays), &cal) != ERR_OK)
        cal.n = 0;
    enum err e = store_begin(s);
    for (size_t i = 0; e == ERR_OK && i < sizeof demo / sizeof demo[0]; i++)
        e = one(s, &cal, &demo[i], now);
    if (e == ERR_OK)
        e = store_commit(s);
    if (e != ERR_OK) {
        store_rollback(s);
        fprintf(stderr, "visnyk: demo requests failed: %s: %s\n", err_str(e), store_errmsg(s));
        return 1;
    }
    return 0;
}
