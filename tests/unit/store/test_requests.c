/* test_requests.c: the queries of store/requests.h against a real database file: numbers
 * per kind and year that are never given twice, the queue's filters, an update, the
 * reminders due once, the statistics by half-year (overdue: closed late or open past due)
 * and the erasure that keeps the row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/arena.h"
#include "store/requests.h"

static int64_t add(struct store *s, enum store_rq_kind kind, int year, int half, int64_t got,
                   int64_t due, int64_t *seq)
{
    struct store_request r;
    int64_t id = 0;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    r.year = year;
    r.half = half;
    r.received_at = got;
    r.due_at = due;
    r.remind_at = due - 86400;
    r.name = STR_LIT("Петренко Олена");
    r.email = STR_LIT("olena@example.org");
    r.body = STR_LIT("Прошу надати копію розпорядження.");
    r.category = kind == STORE_RQ_APPEAL ? STORE_RQ_CAT_COMPLAINT : STORE_RQ_CAT_NONE;
    CHECK(store_begin(s) == ERR_OK);
    CHECK(store_rq_insert(s, &r, &id, seq) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    return id;
}

int main(void)
{
    char dir[] = "/tmp/visnyk-requests-XXXXXX", path[512], side[600];
    struct store *s = NULL;
    struct arena *a = arena_new(16 * 1024);
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof path, "%s/r.db", dir);
    CHECK(store_open(path, STORE_WRITE, &s) == ERR_OK);
    CHECK(store_migrate(s, NULL, NULL) == ERR_OK);

    const int64_t T = 1780000000; /* 2026-05-28 */
    int64_t seq = 0;
    int64_t r1 = add(s, STORE_RQ_INFO, 2026, 1, T, T + 7 * 86400, &seq);
    CHECK(seq == 1);
    int64_t r2 = add(s, STORE_RQ_INFO, 2026, 2, T + 60 * 86400, T + 67 * 86400, &seq);
    CHECK(seq == 2);
    add(s, STORE_RQ_APPEAL, 2026, 2, T + 61 * 86400, T + 91 * 86400, &seq);
    CHECK(seq == 1); /* each kind counts on its own */
    add(s, STORE_RQ_INFO, 2027, 1, T + 250 * 86400, T + 257 * 86400, &seq);
    CHECK(seq == 1); /* and each year */

    struct store_request *items, r;
    size_t n;
    CHECK(store_rq_list(s, a, -1, -1, &items, &n) == ERR_OK && n == 4);
    CHECK(n == 4 && items[0].year == 2027 && items[3].id == r1); /* newest first */
    CHECK(store_rq_list(s, a, STORE_RQ_APPEAL, -1, &items, &n) == ERR_OK && n == 1 &&
          items[0].category == STORE_RQ_CAT_COMPLAINT);
    CHECK(store_rq_list(s, a, STORE_RQ_INFO, STORE_RQ_ANSWERED, &items, &n) == ERR_OK && n == 0);

    /* r1 answered late, r2 refused on time */
    CHECK(store_rq_get(s, a, r1, &r) == ERR_OK && r.status == STORE_RQ_NEW && r.seq == 1 &&
          str_eq_cstr(r.name, "Петренко Олена"));
    r.status = STORE_RQ_ANSWERED;
    r.answer = STR_LIT("Копію додано.");
    r.closed_at = r.due_at + 3600;
    CHECK(store_rq_update(s, &r) == ERR_OK);
    CHECK(store_rq_get(s, a, r2, &r) == ERR_OK);
    r.status = STORE_RQ_REFUSED;
    r.close_reason = STR_LIT("Не володіємо інформацією.");
    r.closed_at = r.received_at + 86400;
    CHECK(store_rq_update(s, &r) == ERR_OK);
    r.id = 999;
    CHECK(store_rq_update(s, &r) == ERR_NOTFOUND);

    /* reminders: only open ones whose time came and that were not sent */
    int64_t *ids;
    CHECK(store_rq_reminders_due(s, a, T + 200 * 86400, &ids, &n) == ERR_OK && n == 1);
    CHECK(store_rq_get(s, a, ids[0], &r) == ERR_OK && r.kind == STORE_RQ_APPEAL);
    r.reminded_at = T + 200 * 86400;
    CHECK(store_rq_update(s, &r) == ERR_OK);
    CHECK(store_rq_reminders_due(s, a, T + 200 * 86400, &ids, &n) == ERR_OK && n == 0);
    CHECK(store_rq_due_between(s, a, T + 90 * 86400, T + 92 * 86400, &ids, &n) == ERR_OK && n == 1);

    /* statistics at a time past the appeal's deadline */
    struct store_rq_stat *st;
    CHECK(store_rq_stats(s, a, T + 200 * 86400, &st, &n) == ERR_OK && n == 4);
    if (n == 4) {
        /* newest first: 2027 H1 info; 2026 H2 appeal, info; 2026 H1 info */
        CHECK(st[0].year == 2027 && st[0].received == 1 && st[0].overdue == 0);
        CHECK(st[1].kind == STORE_RQ_APPEAL && st[1].overdue == 1);
        CHECK(st[2].kind == STORE_RQ_INFO && st[2].refused == 1 && st[2].overdue == 0);
        CHECK(st[3].half == 1 && st[3].answered == 1 && st[3].overdue == 1);
    }

    /* erasure: the closed ones before the cut lose their personal data, rows stay */
    int64_t erased = 0;
    CHECK(store_rq_erase(s, T + 60 * 86400, T + 300 * 86400, &erased) == ERR_OK && erased == 1);
    CHECK(store_rq_get(s, a, r1, &r) == ERR_OK && r.name.len == 0 && r.email.len == 0 &&
          r.body.len == 0 && r.answer.len == 0 && r.erased_at == T + 300 * 86400 &&
          r.status == STORE_RQ_ANSWERED && r.seq == 1);
    CHECK(store_rq_get(s, a, r2, &r) == ERR_OK && r.name.len > 0); /* closed after the cut */
    CHECK(store_rq_erase(s, T + 300 * 86400, T + 300 * 86400, &erased) == ERR_OK && erased == 1);
    CHECK(store_rq_erase(s, T + 300 * 86400, T + 300 * 86400, &erased) == ERR_OK && erased == 0);
    CHECK(store_rq_stats(s, a, T + 200 * 86400, &st, &n) == ERR_OK && n == 4 &&
          st[3].answered == 1);

    /* numbers go on after erasure: the rows stay, so none is given twice */
    add(s, STORE_RQ_INFO, 2026, 2, T + 70 * 86400, T + 77 * 86400, &seq);
    CHECK(seq == 3);

    store_close(s);
    arena_free(a);
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    rmdir(dir);
    return check_done();
}
