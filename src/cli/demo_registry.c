/* demo_registry.c: the demo's documents registry and vacancies (issue 13), loaded by
 * `visnyk init --demo`: orders with their signed originals as tiny PDFs made here, one
 * amended by another, a decree, a regulatory act, a restricted order, a draft under
 * discussion (dated from the day of init, so it stays under discussion), and two
 * vacancies, one of them past its deadline. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/kyiv_time.h"
#include "media/document.h"
#include "store/registry.h"

#define DAY 86400

/* demo_pdf builds a one-page PDF 1.4 that shows line (ASCII), with an exact xref table,
 * as a signed scan would be (readers open it; media_doc_check accepts it). */
static void demo_pdf(struct buf *b, const char *line)
{
    char content[256];
    int clen = snprintf(content, sizeof content, "BT /F1 14 Tf 72 760 Td (%s) Tj ET", line);
    size_t off[6];
    buf_appendf(b, "%%PDF-1.4\n");
    off[1] = b->len;
    buf_appendf(b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    off[2] = b->len;
    buf_appendf(b, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
    off[3] = b->len;
    buf_appendf(b, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                   "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>\nendobj\n");
    off[4] = b->len;
    buf_appendf(b, "4 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", clen, content);
    off[5] = b->len;
    buf_appendf(b, "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
    size_t xref = b->len;
    buf_appendf(b, "xref\n0 6\n0000000000 65535 f \n");
    for (int i = 1; i <= 5; i++)
        buf_appendf(b, "%010zu 00000 n \n", off[i]);
    buf_appendf(b, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
}

struct demo_doc {
    enum store_reg_kind kind;
    const char *number, *date, *title, *body, *pdf_line;
    const char *amends; /* number of an order of the same year it amends, or NULL */
    bool restricted;
};

static const struct demo_doc docs[] = {
    {STORE_REG_ORDER, "125-р", "2026-03-02",
     "Про затвердження Програми розвитку туризму в області на 2026–2028 роки",
     "1. Затвердити Програму розвитку туризму в області на 2026–2028 роки (додається).\n\n"
     "2. Департаменту економічного розвитку, торгівлі та залучення інвестицій забезпечити "
     "виконання Програми.\n\n3. Контроль за виконанням розпорядження покласти на першого "
     "заступника голови.",
     "Order 125-r of 02.03.2026 (demo)", NULL, false},
    {STORE_REG_ORDER, "301-р", "2026-06-15",
     "Про внесення змін до розпорядження від 02.03.2026 № 125-р",
     "Внести до розпорядження від 02.03.2026 № 125-р такі зміни:\n\n- у пункті 2 слова "
     "«Департаменту економічного розвитку» замінити словами «Управлінню туризму»;\n"
     "- доповнити пунктом 2¹ про щорічний звіт.",
     "Order 301-r of 15.06.2026 (demo)", "125-р", false},
    {STORE_REG_DECREE, "48", "2026-09-01", "Про графік особистого прийому громадян",
     "Затвердити графік особистого прийому громадян керівництвом на вересень — грудень "
     "2026 року (додається).",
     "Decree 48 of 01.09.2026 (demo)", NULL, false},
    {STORE_REG_REGULATORY, "7", "2025-11-10",
     "Про встановлення тарифів на платні послуги обласного архіву",
     "Встановити тарифи на платні послуги обласного архіву згідно з додатком. Аналіз "
     "регуляторного впливу оприлюднено разом із проєктом акта.",
     "Regulatory act 7 of 10.11.2025 (demo)", NULL, false},
    {STORE_REG_ORDER, "412-р", "2026-10-20", "Про заходи з цивільного захисту",
     "Текст не оприлюднюється.", NULL, NULL, true},
};

static enum err demo_docs(const struct config *c, struct store *s, struct arena *a, int64_t now)
{
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        const struct demo_doc *d = &docs[i];
        struct store_reg_doc r = {.kind = d->kind,
                                  .number = str_from_cstr(d->number),
                                  .title = str_from_cstr(d->title),
                                  .body_md = str_from_cstr(d->body),
                                  .restricted = d->restricted,
                                  .pdf_hash = STR_LIT("")};
        if (!kyiv_parse_day(str_from_cstr(d->date), &r.doc_date))
            return ERR_INVALID;
        r.year = kyiv_from_utc(r.doc_date).year;
        if (d->amends != NULL) {
            enum err e =
                store_reg_find(s, STORE_REG_ORDER, r.year, str_from_cstr(d->amends), &r.amends_id);
            if (e != ERR_OK)
                return e;
            r.link = STORE_REG_LINK_AMENDS;
        }
        if (d->pdf_line != NULL) {
            struct buf pdf;
            struct media_doc_info info;
            enum media_doc_problem why;
            buf_init(&pdf, 4096);
            demo_pdf(&pdf, d->pdf_line);
            enum err e = buf_error(&pdf);
            if (e == ERR_OK)
                e = media_doc_check((const unsigned char *)pdf.data, pdf.len, &info, &why);
            if (e == ERR_OK)
                e = media_doc_write(c->media, info.hash, pdf.data, pdf.len);
            buf_free(&pdf);
            if (e != ERR_OK)
                return e;
            r.pdf_hash = arena_str(a, str_from_cstr(info.hash));
            r.pdf_bytes = (int64_t)info.bytes;
        }
        int64_t id;
        enum err e = store_reg_save(s, &r, now, &id);
        if (e != ERR_OK)
            return e;
    }
    /* a draft under discussion from today for three weeks */
    struct kyiv_tm k = kyiv_from_utc(now);
    int64_t today = kyiv_to_utc(k.year, k.month, k.day, 0, 0, 0);
    struct store_reg_doc draft = {
        .kind = STORE_REG_DRAFT,
        .number = STR_LIT("П-17"),
        .doc_date = today,
        .year = k.year,
        .title = STR_LIT("Про обласний бюджет на наступний рік"),
        .body_md = STR_LIT("Проєкт оприлюднено для громадського обговорення. Зауваження та "
                           "пропозиції надсилайте на адресу budget@example.gov.ua до "
                           "завершення строку обговорення.\n\n"
                           "1. Затвердити обласний бюджет на наступний рік.\n"
                           "2. Визначити пріоритетом видатки на оборону та відновлення."),
        .pdf_hash = STR_LIT(""),
        .discussion_from = today,
        .discussion_until = today + 21 * DAY,
    };
    int64_t id;
    return store_reg_save(s, &draft, now, &id);
}

static enum err demo_vacancies(struct store *s, int64_t now)
{
    struct store_vacancy v[2] = {
        {.title = STR_LIT("Головний спеціаліст відділу інформаційної політики"),
         .unit = STR_LIT("Управління комунікацій"),
         .requirements_md = STR_LIT("- вища освіта ступеня магістра (журналістика, філологія, "
                                    "державне управління);\n- вільне володіння державною "
                                    "мовою;\n- досвід роботи з вебсайтами від одного року."),
         .apply_md = STR_LIT("Подайте заяву, резюме та копію документа про освіту через "
                             "Єдиний портал вакансій державної служби або на адресу "
                             "[hr@example.gov.ua](mailto:hr@example.gov.ua)."),
         .deadline = now + 30 * DAY},
        {.title = STR_LIT("Спеціаліст сектору звернень громадян"),
         .unit = STR_LIT("Відділ роботи зі зверненнями"),
         .requirements_md = STR_LIT("- вища освіта ступеня бакалавра;\n- уважність і "
                                    "ввічливість у спілкуванні."),
         .apply_md = STR_LIT("Прийом документів завершено."),
         .deadline = now - 10 * DAY},
    };
    for (size_t i = 0; i < 2; i++) {
        int64_t id;
        enum err e = store_vac_save(s, &v[i], now, &id);
        if (e != ERR_OK)
            return e;
    }
    return ERR_OK;
}

int cli_demo_registry(const struct config *c, struct store *s)
{
    struct arena *a = arena_new(16 * 1024);
    int64_t now = utc_now();
    enum err e = store_begin(s);
    if (e == ERR_OK)
        e = demo_docs(c, s, a, now);
    if (e == ERR_OK)
        e = demo_vacancies(s, now);
    if (e == ERR_OK)
        e = store_commit(s);
    arena_free(a);
    if (e != ERR_OK) {
        store_rollback(s);
        fprintf(stderr, "visnyk: demo registry failed: %s: %s\n", err_str(e), store_errmsg(s));
        return 1;
    }
    return 0;
}
