/* demo_leadership.c: the demo's leadership (issue 13), loaded by `visnyk init --demo`
 * after the departments: the head and three deputies, fictional people with the
 * positions and areas an oblast administration has, each linked to the demo's
 * departments they oversee by name. */
#include <stdio.h>

#include "cli/cli.h"
#include "core/arena.h"
#include "core/kyiv_time.h"
#include "store/leadership.h"

struct demo_leader {
    const char *name, *position, *areas, *phone, *email, *hours;
    const char *depts[3]; /* names as the articles spell them; NULL ends */
};

static const struct demo_leader leaders[] = {
    {"Мельниченко Андрій Васильович",
     "Голова обласної військової адміністрації",
     "загальне керівництво діяльністю адміністрації\nоборона, мобілізація і цивільний захист\n"
     "взаємодія з військовим командуванням і правоохоронними органами",
     "+380 (532) 56-00-01",
     "head@adm-pl.gov.ua",
     "Перший четвер місяця: 10:00–13:00\nЗа попереднім записом у відділі звернень громадян",
     {"Департамент з питань оборонної роботи, цивільного захисту та взаємодії з "
      "правоохоронними органами",
      "Департамент інформаційної діяльності та комунікацій з громадськістю", NULL}},
    {"Гордієнко Світлана Олексіївна",
     "Перший заступник голови",
     "економічний розвиток, інвестиції та міжнародна співпраця\nагропромисловий комплекс\n"
     "бюджет області",
     "+380 (532) 56-00-12",
     "first.deputy@adm-pl.gov.ua",
     "Другий вівторок місяця: 14:00–17:00",
     {"Департамент економічного розвитку, торгівлі та залучення інвестицій",
      "Департамент агропромислового розвитку", NULL}},
    {"Литвиненко Максим Ігорович",
     "Заступник голови",
     "житлово-комунальне господарство та енергетика\nвідновлення інфраструктури і дороги",
     "+380 (532) 56-00-23",
     "deputy.infra@adm-pl.gov.ua",
     "Третя середа місяця: 10:00–13:00",
     {"Департамент житлово-комунального господарства, енергоефективності та комплексного "
      "розвитку інфраструктури",
      NULL}},
    {"Бондар Олена Григорівна",
     "Заступник голови",
     "соціальний захист, ветеранська політика\nохорона здоров’я\nосвіта і наука",
     "+380 (532) 56-00-34",
     "deputy.social@adm-pl.gov.ua",
     "Четвертий четвер місяця: 14:00–17:00",
     {"Департамент соціального захисту населення", "Департамент охорони здоров’я", NULL}},
};

int cli_demo_leadership(struct store *s)
{
    struct arena *a = arena_new(16 * 1024);
    struct store_ref *all;
    size_t n_all;
    int64_t now = utc_now();
    enum err e = store_begin(s);
    if (e == ERR_OK)
        e = store_depts_all(s, a, &all, &n_all);
    for (size_t i = 0; e == ERR_OK && i < sizeof leaders / sizeof leaders[0]; i++) {
        const struct demo_leader *d = &leaders[i];
        struct store_ref depts[3];
        struct store_leader l = {.sort = (int64_t)i + 1,
                                 .name = str_from_cstr(d->name),
                                 .position = str_from_cstr(d->position),
                                 .areas = str_from_cstr(d->areas),
                                 .phone = str_from_cstr(d->phone),
                                 .email = str_from_cstr(d->email),
                                 .hours = str_from_cstr(d->hours),
                                 .depts = depts};
        for (size_t k = 0; k < 3 && d->depts[k] != NULL; k++)
            for (size_t j = 0; j < n_all; j++)
                if (str_eq_cstr(all[j].name, d->depts[k]))
                    depts[l.n_depts++] = all[j];
        int64_t id;
        e = store_leader_save(s, &l, now, &id);
    }
    if (e == ERR_OK)
        e = store_commit(s);
    arena_free(a);
    if (e != ERR_OK) {
        store_rollback(s);
        fprintf(stderr, "visnyk: demo leadership failed: %s: %s\n", err_str(e), store_errmsg(s));
        return 1;
    }
    return 0;
}
