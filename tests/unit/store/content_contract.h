/* content_contract.h: the readers' content queries and the import's writes (content.h),
 * checked the same way on every engine: test_store.c includes it for SQLite and
 * test_content_pg.c for PostgreSQL. The includer declares fresh(name), which returns a
 * new, migrated, empty store for one test (a database file on SQLite, a database of the
 * cluster on PostgreSQL); each test closes it. */
#ifndef TEST_STORE_CONTENT_CONTRACT_H
#define TEST_STORE_CONTENT_CONTRACT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/arena.h"
#include "core/kyiv_time.h"
#include "store/content.h"
#include "store/editorial.h"
#include "store/mail.h"

static enum err put(struct store *s, const char *slug, int64_t at, enum store_status st,
                    const struct str *tags, size_t n_tags, const struct str *depts, size_t n_depts,
                    int64_t *id)
{
    struct store_article_input in = {
        .slug = str_from_cstr(slug),
        .title = str_from_cstr(slug),
        .lead = STR_LIT("lead"),
        .body_md = STR_LIT("body"),
        .published_at = at,
        .status = st,
        .tags = tags,
        .n_tags = n_tags,
        .departments = depts,
        .n_departments = n_depts,
    };
    int64_t dummy;
    return store_article_upsert(s, &in, id != NULL ? id : &dummy);
}

static void test_article_roundtrip(void)
{
    struct store *s = fresh("article");
    struct arena *a = arena_new(4096);
    struct str depts[] = {STR_LIT("Департамент економічного розвитку"),
                          STR_LIT("Департамент освіти")};
    struct str tags[] = {STR_LIT("безпека"), STR_LIT("Володимир Василенко"), STR_LIT("Безпека"),
                         STR_LIT("безпека")};
    struct store_photo_input photos[] = {
        {STR_LIT("aaaa"), 800, 600, STR_LIT("перше"), STR_LIT("alt 1")},
        {STR_LIT("bbbb"), 1024, 768, STR_LIT(""), STR_LIT("")},
    };
    int64_t at = kyiv_to_utc(2024, 8, 1, 16, 51, 0);
    struct store_article_input in = {
        .slug = STR_LIT("na-poltavshchyni"),
        .title = STR_LIT("На Полтавщині реалізовуватимуть проєкти"),
        .lead = STR_LIT("Полтавщину відвідала делегація"),
        .body_md = STR_LIT("Текст **статті**"),
        .published_at = at,
        .status = STORE_PUBLISHED,
        .departments = depts,
        .n_departments = 2,
        .tags = tags,
        .n_tags = 4,
        .photos = photos,
        .n_photos = 2,
    };
    int64_t id = 0, id2 = 0;
    CHECK(store_begin(s) == ERR_OK);
    /* taken before: the first upsert may wait seconds for the stemming dictionary */
    int64_t saved_after = utc_now();
    CHECK(store_article_upsert(s, &in, &id) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    CHECK(id > 0);

    struct store_article art;
    CHECK(store_article_by_slug(s, a, STR_LIT("na-poltavshchyni"), &art) == ERR_OK);
    CHECK(art.id == id);
    CHECK_STR(art.title, "На Полтавщині реалізовуватимуть проєкти");
    CHECK_STR(art.lead, "Полтавщину відвідала делегація");
    CHECK_STR(art.body_md, "Текст **статті**");
    CHECK(art.published_at == at);
    CHECK(art.status == STORE_PUBLISHED);
    CHECK(art.updated_at >= saved_after && art.updated_at <= utc_now());
    CHECK(art.n_departments == 2);
    CHECK_STR(art.departments[0].name, "Департамент економічного розвитку");
    CHECK_STR(art.departments[0].slug, "departament-ekonomichnoho-rozvytku");
    CHECK_STR(art.departments[1].slug, "departament-osvity");
    /* The repeated tag is dropped; "Безпека" is another name with the same slug. */
    CHECK(art.n_tags == 3);
    CHECK_STR(art.tags[0].slug, "bezpeka");
    CHECK_STR(art.tags[1].slug, "volodymyr-vasylenko");
    CHECK_STR(art.tags[2].name, "Безпека");
    CHECK_STR(art.tags[2].slug, "bezpeka-2");
    CHECK(art.n_photos == 2);
    CHECK_STR(art.photos[0].hash, "aaaa");
    CHECK(art.photos[0].width == 800 && art.photos[0].height == 600);
    CHECK_STR(art.photos[0].caption, "перше");
    CHECK_STR(art.photos[0].alt, "alt 1");
    CHECK_STR(art.photos[1].hash, "bbbb");

    struct store_article by_id;
    CHECK(store_article_by_id(s, a, id, &by_id) == ERR_OK);
    CHECK_STR(by_id.slug, "na-poltavshchyni");
    CHECK(store_article_by_slug(s, a, STR_LIT("nope"), &by_id) == ERR_NOTFOUND);

    struct store_ref ref;
    CHECK(store_tag_by_slug(s, a, STR_LIT("volodymyr-vasylenko"), &ref) == ERR_OK);
    CHECK(ref.count == 1);
    CHECK(store_dept_by_slug(s, a, STR_LIT("departament-osvity"), &ref) == ERR_OK);
    CHECK_STR(ref.name, "Департамент освіти");
    CHECK(store_dept_by_slug(s, a, STR_LIT("none"), &ref) == ERR_NOTFOUND);

    /* Re-upsert by slug replaces everything attached and keeps the id. */
    in.title = STR_LIT("Новий заголовок");
    in.n_tags = 1;
    in.n_departments = 0;
    in.n_photos = 1;
    in.photos = &photos[1];
    CHECK(store_article_upsert(s, &in, &id2) == ERR_OK);
    CHECK(id2 == id);
    CHECK(store_article_by_slug(s, a, STR_LIT("na-poltavshchyni"), &art) == ERR_OK);
    CHECK_STR(art.title, "Новий заголовок");
    CHECK(art.n_tags == 1 && art.n_departments == 0 && art.n_photos == 1);
    CHECK_STR(art.photos[0].hash, "bbbb");
    /* A tag left without a published article is unknown to readers, as if it did not
     * exist; the editors still see it (count 0). */
    CHECK(store_tag_by_slug(s, a, STR_LIT("volodymyr-vasylenko"), &ref) == ERR_NOTFOUND);
    CHECK(store_dept_by_slug(s, a, STR_LIT("departament-osvity"), &ref) == ERR_NOTFOUND);

    struct store_ref *all;
    size_t n;
    CHECK(store_tags_all(s, a, &all, &n) == ERR_OK);
    CHECK(n == 3);
    /* Ukrainian order: Б before В; case-insensitive first, then bytes. */
    CHECK_STR(all[0].name, "Безпека");
    CHECK_STR(all[1].name, "безпека");
    CHECK(all[1].count == 1);
    CHECK_STR(all[2].name, "Володимир Василенко");
    CHECK(all[2].count == 0);
    CHECK(store_depts_all(s, a, &all, &n) == ERR_OK);
    CHECK(n == 2 && all[0].count == 0);
    CHECK(store_tags_published(s, a, &all, &n) == ERR_OK);
    CHECK(n == 1 && all[0].count == 1);
    CHECK_STR(all[0].name, "безпека");
    CHECK(store_depts_published(s, a, &all, &n) == ERR_OK);
    CHECK(n == 0);

    /* Validation. */
    in.title = STR_LIT("  ");
    CHECK(store_article_upsert(s, &in, &id2) == ERR_INVALID);
    CHECK(strstr(store_errmsg(s), "title") != NULL);
    in.title = STR_LIT("ok");
    in.slug = STR_LIT("");
    CHECK(store_article_upsert(s, &in, &id2) == ERR_INVALID);
    in.slug = STR_LIT("Bad Slug");
    CHECK(store_article_upsert(s, &in, &id2) == ERR_INVALID);
    in.slug = STR_LIT("ok");
    char *big = calloc(STORE_MAX_TITLE_BYTES + 2, 1);
    memset(big, 'x', STORE_MAX_TITLE_BYTES + 1);
    in.title = str_from_cstr(big);
    CHECK(store_article_upsert(s, &in, &id2) == ERR_TOO_LARGE);
    free(big);
    in.title = STR_LIT("\xff\xfe");
    CHECK(store_article_upsert(s, &in, &id2) == ERR_INVALID);

    /* A rolled back write leaves nothing; drafts are hidden from readers' reads. */
    in.title = STR_LIT("Чернетка");
    in.slug = STR_LIT("chernetka");
    in.status = STORE_DRAFT;
    CHECK(store_begin(s) == ERR_OK);
    CHECK(store_article_upsert(s, &in, &id2) == ERR_OK);
    store_rollback(s);
    CHECK(store_article_by_slug_any(s, a, STR_LIT("chernetka"), &art) == ERR_NOTFOUND);
    CHECK(store_article_upsert(s, &in, &id2) == ERR_OK);
    CHECK(store_article_by_slug(s, a, STR_LIT("chernetka"), &art) == ERR_NOTFOUND);
    CHECK(store_article_by_id(s, a, id2, &art) == ERR_NOTFOUND);
    CHECK(store_article_by_slug_any(s, a, STR_LIT("chernetka"), &art) == ERR_OK);
    CHECK(art.status == STORE_DRAFT);
    /* A scheduled article shows once its time has come, not before. */
    in.slug = STR_LIT("zaplanovana");
    in.status = STORE_SCHEDULED;
    in.published_at = utc_now() + 3600;
    CHECK(store_article_upsert(s, &in, &id2) == ERR_OK);
    CHECK(store_article_by_slug(s, a, STR_LIT("zaplanovana"), &art) == ERR_NOTFOUND);
    int64_t next = 0;
    CHECK(store_next_visible_at(s, &next) == ERR_OK);
    CHECK(next == in.published_at);
    in.published_at = utc_now() - 1;
    CHECK(store_article_upsert(s, &in, &id2) == ERR_OK);
    CHECK(store_next_visible_at(s, &next) == ERR_NOTFOUND);
    CHECK(store_article_by_slug(s, a, STR_LIT("zaplanovana"), &art) == ERR_OK);

    arena_free(a);
    store_close(s);
}

/* expected_order: the ids that should be listed, newest first. */
struct item {
    int64_t id, at;
    int tag, dept;
    bool visible;
};

static int cmp_item(const void *pa, const void *pb)
{
    const struct item *x = pa, *y = pb;
    if (x->at != y->at)
        return x->at > y->at ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id;
}

/* page_all walks every page of q and checks the ids against want (n_want of them); then
 * walks back: store_article_page_before of each page gives the cursor the walk forward
 * used for the page before it. */
static void page_all(struct store *s, struct store_list_query q, const int64_t *want, size_t n_want)
{
    enum { MAX_PAGES = 100 };
    struct arena *a = arena_new(4096);
    struct store_cursor starts[MAX_PAGES];
    size_t got = 0;
    bool ok = true, has_more = true;
    int pages = 0;
    while (has_more && pages < MAX_PAGES) {
        struct store_summary *items;
        size_t n;
        starts[pages] = q.after;
        CHECK(store_article_list(s, a, &q, &items, &n, &has_more) == ERR_OK);
        pages++;
        for (size_t i = 0; i < n; i++) {
            if (got >= n_want || items[i].id != want[got])
                ok = false;
            got++;
        }
        if (n > 0)
            q.after = (struct store_cursor){items[n - 1].published_at, items[n - 1].id};
        CHECK(n == q.limit || !has_more);
        arena_reset(a);
    }
    CHECK(ok);
    CHECK(got == n_want);
    bool back_ok = true;
    for (int k = 0; k < pages; k++) {
        struct store_cursor before;
        bool first;
        q.after = starts[k];
        CHECK(store_article_page_before(s, &q, &before, &first) == ERR_OK);
        if (k <= 1)
            back_ok = back_ok && first && before.id == 0;
        else
            back_ok = back_ok && !first && before.id == starts[k - 1].id &&
                      before.published_at == starts[k - 1].published_at;
    }
    CHECK(back_ok);
    int64_t count = -1;
    q.after = (struct store_cursor){0, 0};
    CHECK(store_article_count(s, &q, &count) == ERR_OK);
    CHECK(count == (int64_t)n_want);
    arena_free(a);
}

static void test_lists(void)
{
    struct store *s = fresh("lists");
    struct str tags[] = {STR_LIT("t0"), STR_LIT("t1"), STR_LIT("t2")};
    struct str depts[] = {STR_LIT("d0"), STR_LIT("d1")};
    enum { N = 57 };
    struct item items[N];
    int64_t base = kyiv_to_utc(2024, 1, 1, 10, 0, 0);
    CHECK(store_begin(s) == ERR_OK);
    for (int i = 0; i < N; i++) {
        char slug[32];
        snprintf(slug, sizeof slug, "a-%d", i);
        /* Runs of four share a timestamp, and inserting in a scrambled order makes ids
         * disagree with time, so the id tie-break is exercised. */
        int k = (i * 17) % N;
        items[i].at = base + (k / 4) * 60;
        items[i].tag = i % 3;
        items[i].dept = i % 2;
        enum store_status st = i % 11 == 5 ? STORE_DRAFT : STORE_PUBLISHED;
        if (i == 7) {
            st = STORE_SCHEDULED;
            items[i].at = utc_now() + 86400;
        }
        items[i].visible = st == STORE_PUBLISHED;
        CHECK(put(s, slug, items[i].at, st, &tags[items[i].tag], 1, &depts[items[i].dept], 1,
                  &items[i].id) == ERR_OK);
    }
    CHECK(store_commit(s) == ERR_OK);
    qsort(items, N, sizeof items[0], cmp_item);

    int64_t want[N];
    for (int filter = 0; filter < 4; filter++) {
        struct store_list_query q = {.limit = 10};
        struct store_ref r;
        struct arena *a = arena_new(1024);
        if (filter == 1 || filter == 3) {
            CHECK(store_tag_by_slug(s, a, STR_LIT("t1"), &r) == ERR_OK);
            q.tag_id = r.id;
        }
        if (filter == 2 || filter == 3) {
            CHECK(store_dept_by_slug(s, a, STR_LIT("d0"), &r) == ERR_OK);
            q.dept_id = r.id;
        }
        arena_free(a);
        size_t n = 0;
        for (int i = 0; i < N; i++) {
            if (!items[i].visible)
                continue;
            if ((filter == 1 || filter == 3) && items[i].tag != 1)
                continue;
            if ((filter == 2 || filter == 3) && items[i].dept != 0)
                continue;
            want[n++] = items[i].id;
        }
        CHECK(n > 5);
        page_all(s, q, want, n);
        q.limit = 1;
        page_all(s, q, want, n);
        q.limit = STORE_MAX_LIST_LIMIT;
        page_all(s, q, want, n);
    }

    /* Time window: [from, until). */
    struct store_list_query q = {.limit = 100, .from = base + 60, .until = base + 180};
    size_t n = 0;
    for (int i = 0; i < N; i++)
        if (items[i].visible && items[i].at >= q.from && items[i].at < q.until)
            want[n++] = items[i].id;
    CHECK(n >= 4);
    page_all(s, q, want, n);

    struct arena *a = arena_new(4096);
    struct store_summary *list;
    bool more;
    q = (struct store_list_query){.limit = 0};
    CHECK(store_article_list(s, a, &q, &list, &n, &more) == ERR_INVALID);
    q.limit = STORE_MAX_LIST_LIMIT + 1;
    CHECK(store_article_list(s, a, &q, &list, &n, &more) == ERR_INVALID);
    struct store_cursor before;
    bool first;
    CHECK(store_article_page_before(s, &q, &before, &first) == ERR_INVALID);

    /* Neighbours follow the same order. */
    size_t vis = 0;
    for (int i = 0; i < N; i++)
        if (items[i].visible)
            want[vis++] = items[i].id;
    struct store_article art;
    struct store_summary older, newer;
    CHECK(store_article_by_id(s, a, want[3], &art) == ERR_OK);
    CHECK(store_article_neighbours(s, a, &art, &older, &newer) == ERR_OK);
    CHECK(older.id == want[4]);
    CHECK(newer.id == want[2]);
    CHECK(store_article_by_id(s, a, want[0], &art) == ERR_OK);
    CHECK(store_article_neighbours(s, a, &art, &older, &newer) == ERR_OK);
    CHECK(newer.id == 0 && older.id == want[1]);
    CHECK(store_article_by_id(s, a, want[vis - 1], &art) == ERR_OK);
    CHECK(store_article_neighbours(s, a, &art, &older, &newer) == ERR_OK);
    CHECK(older.id == 0 && newer.id == want[vis - 2]);
    arena_free(a);
    store_close(s);
}

static void test_related(void)
{
    struct store *s = fresh("related");
    struct arena *a = arena_new(4096);
    struct str A = STR_LIT("A"), B = STR_LIT("B"), C = STR_LIT("C");
    struct str ab[] = {A, B}, a1[] = {A}, b1[] = {B}, c1[] = {C};
    struct str D = STR_LIT("D"), E = STR_LIT("E");
    int64_t t = 1700000000, x, y, z, w, u, v, v2, draft;
    CHECK(put(s, "x", t, STORE_PUBLISHED, ab, 2, &D, 1, &x) == ERR_OK);
    CHECK(put(s, "y", t - 500, STORE_PUBLISHED, ab, 2, &E, 1, &y) == ERR_OK);   /* 4 */
    CHECK(put(s, "z", t - 10, STORE_PUBLISHED, a1, 1, &D, 1, &z) == ERR_OK);    /* 3 */
    CHECK(put(s, "v", t - 20, STORE_PUBLISHED, b1, 1, NULL, 0, &v) == ERR_OK);  /* 2 */
    CHECK(put(s, "v2", t - 5, STORE_PUBLISHED, b1, 1, NULL, 0, &v2) == ERR_OK); /* 2, newer */
    CHECK(put(s, "w", t + 10, STORE_PUBLISHED, c1, 1, &D, 1, &w) == ERR_OK);    /* 1 */
    CHECK(put(s, "u", t, STORE_PUBLISHED, c1, 1, &E, 1, &u) == ERR_OK);         /* 0 */
    CHECK(put(s, "dr", t, STORE_DRAFT, ab, 2, &D, 1, &draft) == ERR_OK);
    struct store_summary *items;
    size_t n;
    CHECK(store_article_related(s, a, x, 10, &items, &n) == ERR_OK);
    CHECK(n == 5);
    if (n == 5) {
        CHECK(items[0].id == y);
        CHECK(items[1].id == z);
        CHECK(items[2].id == v2);
        CHECK(items[3].id == v);
        CHECK(items[4].id == w);
    }
    CHECK(store_article_related(s, a, x, 2, &items, &n) == ERR_OK);
    CHECK(n == 2 && items[0].id == y && items[1].id == z);
    CHECK(store_article_related(s, a, x, 0, &items, &n) == ERR_OK);
    CHECK(n == 0);
    /* The editors' choices come first, in their order; a slug naming no article and the
     * article itself are skipped, a draft is never shown. */
    struct str picks[] = {STR_LIT("u"), STR_LIT("nope"), STR_LIT("dr"), STR_LIT("w"), STR_LIT("x")};
    struct store_article_input in = {
        .slug = STR_LIT("x"),
        .title = STR_LIT("x"),
        .lead = STR_LIT("lead"),
        .body_md = STR_LIT("body"),
        .published_at = t,
        .status = STORE_PUBLISHED,
        .tags = ab,
        .n_tags = 2,
        .departments = &D,
        .n_departments = 1,
        .related = picks,
        .n_related = 5,
    };
    int64_t x2 = 0;
    CHECK(store_article_upsert(s, &in, &x2) == ERR_OK);
    CHECK(x2 == x);
    CHECK(store_article_related(s, a, x, 10, &items, &n) == ERR_OK);
    CHECK(n == 6);
    if (n == 6) {
        CHECK(items[0].id == u); /* shares nothing, yet first: the editors chose it */
        CHECK(items[1].id == w);
        CHECK(items[2].id == y);
        CHECK(items[3].id == z);
        CHECK(items[4].id == v2);
        CHECK(items[5].id == v);
    }
    int64_t lone;
    CHECK(put(s, "lone", t, STORE_PUBLISHED, NULL, 0, NULL, 0, &lone) == ERR_OK);
    CHECK(store_article_related(s, a, lone, 10, &items, &n) == ERR_OK);
    CHECK(n == 0);
    CHECK(store_article_related(s, a, 424242, 10, &items, &n) == ERR_OK);
    CHECK(n == 0);
    arena_free(a);
    store_close(s);
}

static void test_months(void)
{
    struct store *s = fresh("months");
    struct arena *a = arena_new(4096);
    /* 2024-03-31 21:30 UTC is 00:30 on 1 April in Kyiv (summer time, UTC+3); a fixed
     * UTC+2 would say March. 2024-10-31 22:30 UTC is 00:30 on 1 November (UTC+2);
     * 2024-10-26 21:30 UTC is 00:30 on 27 October, still summer time. */
    CHECK(put(s, "april", 1711920600, STORE_PUBLISHED, NULL, 0, NULL, 0, NULL) == ERR_OK);
    CHECK(put(s, "march", 1711920600 - 7200, STORE_PUBLISHED, NULL, 0, NULL, 0, NULL) == ERR_OK);
    CHECK(put(s, "november", 1730413800, STORE_PUBLISHED, NULL, 0, NULL, 0, NULL) == ERR_OK);
    CHECK(put(s, "october", 1729978200, STORE_PUBLISHED, NULL, 0, NULL, 0, NULL) == ERR_OK);
    CHECK(put(s, "october-2", 1729978200 + 60, STORE_PUBLISHED, NULL, 0, NULL, 0, NULL) == ERR_OK);
    CHECK(put(s, "hidden", 1729978200, STORE_DRAFT, NULL, 0, NULL, 0, NULL) == ERR_OK);
    CHECK(kyiv_from_utc(1711920600).month == 4);
    struct store_month *m;
    size_t n;
    CHECK(store_archive_months(s, a, &m, &n) == ERR_OK);
    CHECK(n == 4);
    if (n == 4) {
        CHECK(m[0].year == 2024 && m[0].month == 11 && m[0].count == 1);
        CHECK(m[1].year == 2024 && m[1].month == 10 && m[1].count == 2);
        CHECK(m[2].year == 2024 && m[2].month == 4 && m[2].count == 1);
        CHECK(m[3].year == 2024 && m[3].month == 3 && m[3].count == 1);
    }
    arena_free(a);
    store_close(s);
}

static void test_pages(void)
{
    struct store *s = fresh("pages");
    struct arena *a = arena_new(4096);
    struct store_page p;
    CHECK(store_page_by_slug(s, a, STR_LIT("kontakty"), &p) == ERR_NOTFOUND);
    CHECK(store_page_upsert(s, STR_LIT("kontakty"), STR_LIT("Контакти"), STR_LIT("тел.")) ==
          ERR_OK);
    CHECK(store_page_upsert(s, STR_LIT("ahentstvo"), STR_LIT("Агентство"), STR_LIT("")) == ERR_OK);
    CHECK(store_page_upsert(s, STR_LIT("kontakty"), STR_LIT("Контакти"), STR_LIT("тел. 2")) ==
          ERR_OK);
    CHECK(store_page_upsert(s, STR_LIT("x"), STR_LIT(""), STR_LIT("")) == ERR_INVALID);
    CHECK(store_page_by_slug(s, a, STR_LIT("kontakty"), &p) == ERR_OK);
    CHECK_STR(p.title, "Контакти");
    CHECK_STR(p.body_md, "тел. 2");
    CHECK(p.updated_at > 0);
    struct store_page *all;
    size_t n;
    CHECK(store_pages_all(s, a, &all, &n) == ERR_OK);
    CHECK(n == 2);
    CHECK_STR(all[0].slug, "ahentstvo");

    arena_free(a);
    store_close(s);
}

/* Tags and departments reach readers only through a published article: one used by a
 * draft, a withdrawn article or a scheduled one whose time has not come is unknown to
 * the public queries; a scheduled one whose time has come counts. */
static void test_unpublished_refs(void)
{
    struct store *s = fresh("unpublished");
    struct arena *a = arena_new(4096);
    int64_t now = utc_now();
    struct str draft = STR_LIT("чернетка"), later = STR_LIT("потім"), gone = STR_LIT("відкликане"),
               due = STR_LIT("настав час"), shared = STR_LIT("спільне");
    struct str d_tags[] = {draft, shared}, l_tags[] = {later, shared}, g_tags[] = {gone, shared},
               u_tags[] = {due, shared};
    CHECK(put(s, "draft", now - 60, STORE_DRAFT, d_tags, 2, &draft, 1, NULL) == ERR_OK);
    CHECK(put(s, "review", now - 60, STORE_REVIEW, d_tags, 2, &draft, 1, NULL) == ERR_OK);
    CHECK(put(s, "later", now + 3600, STORE_SCHEDULED, l_tags, 2, &later, 1, NULL) == ERR_OK);
    CHECK(put(s, "gone", now - 60, STORE_WITHDRAWN, g_tags, 2, &gone, 1, NULL) == ERR_OK);
    CHECK(put(s, "due", now - 1, STORE_SCHEDULED, u_tags, 2, &due, 1, NULL) == ERR_OK);
    struct store_ref ref, *all;
    size_t n;
    CHECK(store_tag_by_slug(s, a, STR_LIT("chernetka"), &ref) == ERR_NOTFOUND);
    CHECK(store_tag_by_slug(s, a, STR_LIT("potim"), &ref) == ERR_NOTFOUND);
    CHECK(store_tag_by_slug(s, a, STR_LIT("vidklykane"), &ref) == ERR_NOTFOUND);
    CHECK(store_dept_by_slug(s, a, STR_LIT("chernetka"), &ref) == ERR_NOTFOUND);
    CHECK(store_dept_by_slug(s, a, STR_LIT("potim"), &ref) == ERR_NOTFOUND);
    CHECK(store_dept_by_slug(s, a, STR_LIT("vidklykane"), &ref) == ERR_NOTFOUND);
    CHECK(store_tag_by_slug(s, a, STR_LIT("nastav-chas"), &ref) == ERR_OK && ref.count == 1);
    CHECK(store_dept_by_slug(s, a, STR_LIT("nastav-chas"), &ref) == ERR_OK && ref.count == 1);
    CHECK(store_tag_by_slug(s, a, STR_LIT("spilne"), &ref) == ERR_OK);
    CHECK(ref.count == 1); /* five articles carry it, one is published */
    CHECK(store_tags_published(s, a, &all, &n) == ERR_OK);
    CHECK(n == 2);
    CHECK_STR(all[0].slug, "nastav-chas");
    CHECK_STR(all[1].slug, "spilne");
    CHECK(all[0].count == 1 && all[1].count == 1);
    CHECK(store_depts_published(s, a, &all, &n) == ERR_OK);
    CHECK(n == 1);
    CHECK_STR(all[0].slug, "nastav-chas");
    CHECK(store_tags_all(s, a, &all, &n) == ERR_OK);
    CHECK(n == 5); /* the editors see them all */
    CHECK(store_depts_all(s, a, &all, &n) == ERR_OK);
    CHECK(n == 4);
    arena_free(a);
    store_close(s);
}

/* The editor's path on an imported article: a save records the state before it and
 * after it as revisions (departments, tags, related slugs and the gallery one a line, in
 * order, tabs and line breaks in captions made spaces); the workspace's list filters by
 * title text, department and status. */
static void test_editorial(void)
{
    struct store *s = fresh("editorial");
    struct arena *a = arena_new(4096);
    struct str depts[] = {STR_LIT("Департамент освіти"), STR_LIT("Апарат")};
    struct str tags[] = {STR_LIT("дороги"), STR_LIT("ремонт")};
    struct str related[] = {STR_LIT("insha"), STR_LIT("tretia")};
    struct store_photo_input photos[] = {
        {STR_LIT("aaaa"), 800, 600, STR_LIT("перше\tфото\nз розривом"), STR_LIT("alt 1")},
        {STR_LIT("bbbb"), 1024, 768, STR_LIT(""), STR_LIT("друге")},
    };
    struct store_article_input in = {
        .slug = STR_LIT("remont-dorih"),
        .title = STR_LIT("Road Repairs in Poltava"),
        .lead = STR_LIT("lead"),
        .body_md = STR_LIT("body"),
        .published_at = 1700000000,
        .status = STORE_PUBLISHED,
        .departments = depts,
        .n_departments = 2,
        .tags = tags,
        .n_tags = 2,
        .photos = photos,
        .n_photos = 2,
    };
    int64_t id = 0, other = 0;
    CHECK(store_article_upsert(s, &in, &id) == ERR_OK);
    CHECK(put(s, "insha", 1700000100, STORE_DRAFT, NULL, 0, NULL, 0, &other) == ERR_OK);

    struct store_article art;
    struct store_article_meta meta;
    struct str *rel;
    size_t n_rel;
    CHECK(store_article_admin_get(s, a, id, &art, &meta, &rel, &n_rel) == ERR_OK);
    int64_t v0 = meta.version, out_id = 0, out_version = 0;
    bool stale = true;
    in.title = STR_LIT("Road repairs: the plan");
    in.n_departments = 1;
    in.tags = &tags[1];
    in.n_tags = 1;
    in.related = related;
    in.n_related = 2;
    CHECK(store_begin(s) == ERR_OK);
    CHECK(store_article_save(s, id, v0, &in, 0, STR_LIT("Редактор"), &out_id, &out_version,
                             &stale) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    CHECK(out_id == id && out_version == v0 + 1 && !stale);
    /* a save from a stale version changes nothing */
    CHECK(store_begin(s) == ERR_OK);
    CHECK(store_article_save(s, id, v0, &in, 0, STR_LIT("Редактор"), &out_id, &out_version,
                             &stale) == ERR_CONFLICT);
    store_rollback(s);
    CHECK(stale);

    struct store_revision *revs, r;
    size_t n;
    CHECK(store_revisions_list(s, a, id, &revs, &n) == ERR_OK);
    CHECK(n == 2);
    if (n == 2) {
        CHECK(revs[0].version == v0 + 1 && revs[1].version == v0);
        CHECK_STR(revs[0].user_name, "Редактор");
        CHECK_STR(revs[1].user_name, "");
        CHECK_STR(revs[0].title, "Road repairs: the plan");
    }
    CHECK(store_revision_get(s, a, id, v0, &r) == ERR_OK);
    CHECK_STR(r.title, "Road Repairs in Poltava");
    CHECK_STR(r.departments, "Департамент освіти\nАпарат");
    CHECK_STR(r.tags, "дороги\nремонт");
    CHECK_STR(r.related, "");
    CHECK_STR(r.gallery, "aaaa\tперше фото з розривом\talt 1\nbbbb\t\tдруге");
    CHECK_STR(r.status, "published");
    CHECK(r.published_at == 1700000000);
    CHECK(store_revision_get(s, a, id, v0 + 1, &r) == ERR_OK);
    CHECK_STR(r.departments, "Департамент освіти");
    CHECK_STR(r.tags, "ремонт");
    CHECK_STR(r.related, "insha\ntretia");
    CHECK_STR(r.body_md, "body");
    CHECK(store_revision_get(s, a, id, v0 + 2, &r) == ERR_NOTFOUND);

    struct store_article_meta *items;
    bool more;
    /* by publication time: the last change could fall in one second or two */
    struct store_admin_query q = {
        .status = -1, .text = STR_LIT("REPAIRS"), .by_published = true, .limit = 10};
    CHECK(store_admin_articles(s, a, &q, &items, &n, &more) == ERR_OK);
    CHECK(n == 1 && items[0].id == id && !more);
    if (n == 1) {
        CHECK(items[0].n_photos == 2 && items[0].version == v0 + 1);
        CHECK(items[0].status == STORE_PUBLISHED);
    }
    q.text = STR_LIT("nothing like it");
    CHECK(store_admin_articles(s, a, &q, &items, &n, &more) == ERR_OK);
    CHECK(n == 0);
    q.text = STR_LIT("");
    CHECK(store_admin_articles(s, a, &q, &items, &n, &more) == ERR_OK);
    CHECK(n == 2 && items[0].id == other && items[1].id == id);
    q.status = STORE_DRAFT;
    CHECK(store_admin_articles(s, a, &q, &items, &n, &more) == ERR_OK);
    CHECK(n == 1 && items[0].id == other);
    q.status = -1;
    q.dept_id = art.departments[0].id;
    CHECK(store_admin_articles(s, a, &q, &items, &n, &more) == ERR_OK);
    CHECK(n == 1 && items[0].id == id);
    q.dept_id = 0;
    q.limit = 1;
    CHECK(store_admin_articles(s, a, &q, &items, &n, &more) == ERR_OK);
    CHECK(n == 1 && more);

    /* merging a tag moves its articles; renaming keeps them */
    struct str tag_a = STR_LIT("дороги"), tag_b = STR_LIT("мости");
    int64_t m1 = 0, m2 = 0;
    CHECK(put(s, "m1", 1700000200, STORE_PUBLISHED, &tag_a, 1, NULL, 0, &m1) == ERR_OK);
    CHECK(put(s, "m2", 1700000300, STORE_PUBLISHED, &tag_b, 1, NULL, 0, &m2) == ERR_OK);
    struct store_ref ra, rb;
    CHECK(store_tag_by_slug(s, a, STR_LIT("dorohy"), &ra) == ERR_OK);
    CHECK(store_tag_by_slug(s, a, STR_LIT("mosty"), &rb) == ERR_OK);
    CHECK(store_begin(s) == ERR_OK);
    CHECK(store_tag_merge(s, rb.id, ra.id) == ERR_OK);
    CHECK(store_commit(s) == ERR_OK);
    CHECK(store_tag_by_slug(s, a, STR_LIT("mosty"), &rb) == ERR_NOTFOUND);
    CHECK(store_ref_rename(s, true, ra.id, STR_LIT("Дороги і мости"), STR_LIT("dorohy-i-mosty")) ==
          ERR_OK);
    CHECK(store_tag_by_slug(s, a, STR_LIT("dorohy-i-mosty"), &ra) == ERR_OK);
    CHECK(ra.count == 2);
    CHECK_STR(ra.name, "Дороги і мости");
    arena_free(a);
    store_close(s);
}

/* The digest's articles: visible ones in (since, until], newest first, matching any of
 * the topics (tags or departments), all of them when none is named. */
static void test_mail_articles(void)
{
    struct store *s = fresh("digest");
    struct arena *a = arena_new(4096);
    struct str T1 = STR_LIT("тема"), T2 = STR_LIT("інша"), D = STR_LIT("відділ");
    int64_t t = 1700000000, x, y, z, w;
    CHECK(put(s, "x", t + 10, STORE_PUBLISHED, &T1, 1, NULL, 0, &x) == ERR_OK);
    CHECK(put(s, "y", t + 20, STORE_PUBLISHED, &T2, 1, &D, 1, &y) == ERR_OK);
    CHECK(put(s, "z", t + 30, STORE_PUBLISHED, NULL, 0, NULL, 0, &z) == ERR_OK);
    CHECK(put(s, "w", t + 40, STORE_DRAFT, &T1, 1, &D, 1, &w) == ERR_OK);
    CHECK(put(s, "old", t - 10, STORE_PUBLISHED, &T1, 1, &D, 1, NULL) == ERR_OK);
    struct store_ref r1, r2, rd;
    CHECK(store_tag_by_slug(s, a, STR_LIT("tema"), &r1) == ERR_OK);
    CHECK(store_tag_by_slug(s, a, STR_LIT("insha"), &r2) == ERR_OK);
    CHECK(store_dept_by_slug(s, a, STR_LIT("viddil"), &rd) == ERR_OK);
    struct store_summary *items;
    size_t n;
    bool more;
    CHECK(store_mail_articles(s, a, t, t + 100, NULL, 0, NULL, 0, 10, &items, &n, &more) == ERR_OK);
    CHECK(n == 3 && !more);
    if (n == 3)
        CHECK(items[0].id == z && items[1].id == y && items[2].id == x);
    CHECK(store_mail_articles(s, a, t, t + 100, &r1.id, 1, NULL, 0, 10, &items, &n, &more) ==
          ERR_OK);
    CHECK(n == 1 && items[0].id == x);
    int64_t both[] = {r1.id, r2.id};
    CHECK(store_mail_articles(s, a, t, t + 100, both, 2, NULL, 0, 10, &items, &n, &more) == ERR_OK);
    CHECK(n == 2 && items[0].id == y && items[1].id == x);
    CHECK(store_mail_articles(s, a, t, t + 100, NULL, 0, &rd.id, 1, 10, &items, &n, &more) ==
          ERR_OK);
    CHECK(n == 1 && items[0].id == y);
    CHECK(store_mail_articles(s, a, t, t + 100, &r1.id, 1, &rd.id, 1, 1, &items, &n, &more) ==
          ERR_OK);
    CHECK(n == 1 && items[0].id == y && more);
    CHECK(store_mail_articles(s, a, t + 10, t + 20, NULL, 0, NULL, 0, 10, &items, &n, &more) ==
          ERR_OK);
    CHECK(n == 1 && items[0].id == y);
    arena_free(a);
    store_close(s);
}

#endif
