/* demo_consultations.c: the demo's public consultations (issue 13), loaded by `visnyk
 * init --demo` after the registry: one open from the day of init on the registry's
 * draft budget decision (so it stays open for three weeks), with two approved comments
 * (one signed, one without the name) and one awaiting moderation; and one finished in
 * 2025 with its outcome report. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/kyiv_time.h"
#include "store/consultations.h"
#include "store/content.h"
#include "store/registry.h"

#define DAY 86400

/* dept_named: the id of the department whose name starts with prefix (0: none). */
static enum err dept_named(struct store *s, struct arena *a, const char *prefix, int64_t *id)
{
    struct store_ref *depts;
    size_t n;
    enum err e = store_depts_all(s, a, &depts, &n);
    *id = 0;
    for (size_t i = 0; e == ERR_OK && i < n; i++)
        if (str_starts_with(depts[i].name, str_from_cstr(prefix)))
            *id = depts[i].id;
    return e;
}

static enum err comment(struct store *s, int64_t consultation, const char *name, const char *email,
                        const char *body, bool show_name, int64_t at, bool approve)
{
    struct store_consult_comment c = {.consultation_id = consultation,
                                      .name = str_from_cstr(name),
                                      .email = str_from_cstr(email),
                                      .body = str_from_cstr(body),
                                      .show_name = show_name,
                                      .created_at = at};
    int64_t id;
    enum err e = store_comment_add(s, &c, &id);
    if (e == ERR_OK && approve)
        e = store_comment_moderate(s, id, STORE_COMMENT_APPROVED, STR_LIT(""), 0, at + DAY / 4);
    return e;
}

static enum err demo(struct store *s, struct arena *a, int64_t now)
{
    struct kyiv_tm k = kyiv_from_utc(now);
    int64_t today = kyiv_to_utc(k.year, k.month, k.day, 0, 0, 0), id;
    struct store_consultation open = {
        .title = STR_LIT("Проєкт обласного бюджету на наступний рік"),
        .summary_md =
            STR_LIT("Обласна військова адміністрація виносить на громадське обговорення проєкт "
                    "рішення про обласний бюджет на наступний рік.\n\n"
                    "Ми чекаємо пропозицій щодо пріоритетів видатків: оборона, відновлення "
                    "зруйнованого житла, підтримка ветеранів і внутрішньо переміщених осіб, "
                    "освіта й медицина. Усі пропозиції буде розглянуто, а звіт про результати "
                    "обговорення оприлюднено на цій сторінці."),
        .contact = STR_LIT("+380 (532) 56-27-14, budget@example.gov.ua"),
        .starts_at = today,
        .ends_at = today + 21 * DAY + 18 * 3600,
    };
    enum err e = store_reg_find(s, STORE_REG_DRAFT, k.year, STR_LIT("П-17"), &open.draft_id);
    if (e == ERR_OK)
        e = dept_named(s, a, "Департамент економічного розвитку", &open.dept_id);
    if (e == ERR_OK)
        e = store_consult_save(s, &open, now, &id);
    if (e == ERR_OK)
        e = comment(s, id, "Олена Гребенюк", "o.hrebeniuk@example.com",
                    "Пропоную передбачити окремий рядок на укриття в школах сільських громад: "
                    "у багатьох досі немає облаштованого укриття, і навчання проходить "
                    "дистанційно.",
                    true, now, true);
    if (e == ERR_OK)
        e = comment(s, id, "Іван Петренко", "ivan.p@example.com",
                    "Просимо збільшити видатки на ремонт доріг до прикордонних громад.\n"
                    "Цими дорогами возять гуманітарні вантажі.",
                    false, now, true);
    if (e == ERR_OK)
        e = comment(s, id, "Марія Коваль", "m.koval@example.com",
                    "Чи буде програма підтримки ветеранського бізнесу?", true, now, false);
    if (e != ERR_OK)
        return e;

    struct store_consultation done = {
        .title = STR_LIT("Тарифи на платні послуги обласного архіву"),
        .summary_md = STR_LIT("Обговорення проєкту регуляторного акта про тарифи на платні "
                              "послуги обласного архіву та аналізу його регуляторного "
                              "впливу."),
        .contact = STR_LIT("archive@example.gov.ua"),
        .outcome_md =
            STR_LIT("Під час обговорення надійшло 14 пропозицій від громадян і двох громадських "
                    "організацій.\n\n"
                    "**Враховано:**\n\n"
                    "- безоплатне копіювання документів для учасників бойових дій і внутрішньо "
                    "переміщених осіб;\n"
                    "- строк виконання запиту — не більше 10 робочих днів.\n\n"
                    "**Не враховано:**\n\n"
                    "- скасування плати за всі послуги: тарифи покривають лише витрати архіву, "
                    "а бюджетного фінансування цих послуг не передбачено."),
    };
    if (!kyiv_parse(STR_LIT("2025-09-15 09:00"), &done.starts_at) ||
        !kyiv_parse(STR_LIT("2025-10-15 18:00"), &done.ends_at))
        return ERR_INVALID;
    e = store_consult_save(s, &done, now, &id);
    if (e == ERR_OK)
        e = comment(s, id, "Громадська організація «Відкритий архів»", "info@example.org",
                    "Просимо зробити копіювання безоплатним для ветеранів і ВПО.", true,
                    done.starts_at + 3 * DAY, true);
    return e;
}

int cli_demo_consultations(struct store *s)
{
    struct arena *a = arena_new(16 * 1024);
    enum err e = store_begin(s);
    if (e == ERR_OK)
        e = demo(s, a, utc_now());
    if (e == ERR_OK)
        e = store_commit(s);
    arena_free(a);
    if (e != ERR_OK) {
        store_rollback(s);
        fprintf(stderr, "visnyk: demo consultations failed: %s: %s\n", err_str(e), store_errmsg(s));
        return 1;
    }
    return 0;
}
