"""Finding things in the workspace (issue 12): the article list filters by author,
department, tag, status and a date range of the sort key (a malformed date is a message
beside its field, never an error page), sorts by publication or by last change (the date
column is the sort key and says so) and keeps its filters when paging; editors publish,
withdraw and tag the ticked articles in one transaction, each through the single save's
steps (version, revision, audit entry, signature, the cache), and see how many changed;
an author's bulk POST is refused and changes nothing; the editor's tags field suggests
the existing tags (a <datalist>)."""
import re
import sqlite3
import urllib.parse

from harness import Server, check, done
from test_admin import Client, add_user, article_form, article_id_from


def titles(body):
    """The article titles of the list, in order."""
    return re.findall(r'<a id="pick-\d+-t" href="/admin/articles/\d+">([^<]*)</a>|'
                      r'<td><a href="/admin/articles/\d+">([^<]*)</a>', body)


def names(body):
    return [a or b for a, b in titles(body)]


def row(srv, sql, *args):
    with sqlite3.connect(srv.db) as db:
        return db.execute(sql, args).fetchone()


def create(client, title, **kw):
    st, h, _ = client.post("/admin/articles/new", article_form(client.csrf(), title, **kw))
    aid = article_id_from(h)
    check(st == 303 and aid > 0, f"{title} created ({st})")
    return aid


def check_filters(srv, ed, ids, au_id):
    st, _, body = ed.get("/admin/articles")
    check(st == 200 and len(names(body)) == 5, f"all five articles listed ({names(body)})")
    cases = [
        (f"author={au_id}", {"Чернетка автора"}),
        (f"dept={row(srv, 'SELECT id FROM departments WHERE name = ?', 'Управління освіти')[0]}",
         {"Ремонт школи"}),
        (f"tag={row(srv, 'SELECT id FROM tags WHERE name = ?', 'дороги')[0]}",
         {"Ремонт дороги"}),
        ("status=published", {"Ремонт дороги", "Вода в селищі"}),
        ("status=draft", {"Ремонт школи", "Чернетка автора", "Свято"}),
        ("sort=published&from=2025-06-01&to=2025-06-30", {"Ремонт дороги"}),
        ("sort=published&from=2025-06-10&to=2025-06-10", {"Ремонт дороги"}),  # «to» inclusive
        ("sort=published&to=2025-06-09", {"Вода в селищі"}),
        ("q=Ремонт&status=draft", {"Ремонт школи"}),
    ]
    for query, want in cases:
        st, _, body = ed.get("/admin/articles?" + urllib.parse.quote(query, safe="=&"))
        got = set(names(body))
        check(st == 200 and got == want, f"?{query} lists {want} ({st}, {got})")
        # the form keeps what was chosen
        for part in query.split("&"):
            k, v = part.split("=")
            if k in ("author", "dept", "tag"):
                check(f'<option value="{v}" selected>' in body, f"?{query}: {k} kept selected")
            if k in ("from", "to"):
                check(f'name="{k}" type="date" value="{v}"' in body, f"?{query}: {k} kept")
    # a range over the last change finds nothing in 2025: all were changed today
    st, _, body = ed.get("/admin/articles?from=2025-01-01&to=2025-12-31")
    check(st == 200 and names(body) == [], "the range applies to the last change by default")

    # malformed dates: the list answers 200, the message stands beside the field
    for query, field in (("from=2025-13-01", "from"), ("to=yesterday", "to"),
                         ("from=2025-02-30", "from"), ("to=2025-06-10x", "to")):
        st, _, body = ed.get("/admin/articles?" + query)
        check(st == 200 and f'id="f-{field}-error"' in body and "РРРР-ММ-ДД" in body
              and f'aria-describedby="f-{field}-error"' in body,
              f"?{query}: 200 with the error next to «{field}» ({st})")
        check(len(names(body)) == 5, f"?{query}: the bad date is ignored, the list stays")
    st, _, body = ed.get("/admin/articles?from=2025-06-10&to=2025-06-01")
    check(st == 200 and 'id="f-to-error"' in body and "раніше" in body,
          f"a range ending before it starts is explained ({st})")

    # sort order: by publication the June news comes before January's; by last change
    # the article saved last comes first
    st, _, body = ed.get("/admin/articles?status=published&sort=published")
    check(names(body) == ["Ремонт дороги", "Вода в селищі"], f"by publication ({names(body)})")
    check("Дата публікації</th>" in body and "10 червня 2025" in body,
          "the date column says it is the publication date and shows it")
    aid = ids["Ремонт дороги"]
    v = row(srv, "SELECT version FROM articles WHERE id = ?", aid)[0]
    st, _, _ = ed.post(f"/admin/articles/{aid}", article_form(
        ed.csrf(), "Ремонт дороги", version=str(v), slug="remont-dorohy",
        date="2025-06-10T10:00", tags="дороги", body="Оновлено.", action="save"))
    check(st == 303, f"a later save ({st})")
    aid = ids["Вода в селищі"]
    v = row(srv, "SELECT version FROM articles WHERE id = ?", aid)[0]
    st, _, _ = ed.post(f"/admin/articles/{aid}", article_form(
        ed.csrf(), "Вода в селищі", version=str(v), slug="voda", date="2025-01-05T09:00",
        tags="вода", body="Оновлено ще раз.", action="save"))
    st, _, body = ed.get("/admin/articles?status=published")
    check(names(body) == ["Вода в селищі", "Ремонт дороги"],
          f"by last change, the newest save first ({names(body)})")
    check("Остання зміна</th>" in body and "10 червня 2025" not in body,
          "the date column is the last change")


def check_paging(srv, ed):
    for i in range(51):
        create(ed, f"Оголошення {i:02d}", tags="оголошення", dept="Управління освіти")
    tag = row(srv, "SELECT id FROM tags WHERE name = ?", "оголошення")[0]
    st, _, body = ed.get(f"/admin/articles?tag={tag}&sort=published&from=2020-01-01")
    m = re.search(r'<a href="(/admin/articles\?page=2[^"]*)"', body)
    check(st == 200 and len(names(body)) == 50 and m is not None, "a second page is offered")
    link = m.group(1).replace("&amp;", "&")
    check(f"tag={tag}" in link and "sort=published" in link and "from=2020-01-01" in link,
          f"the pager keeps the filters ({link})")
    st, _, body = ed.get(link)
    check(st == 200 and len(names(body)) == 1, f"page 2 holds the 51st ({len(names(body))})")


def check_dst_day(srv, ed):
    """The day summer time ends in Kyiv has 25 hours: «to» that day includes 23:30."""
    create(ed, "Пізно ввечері", slug="pizno", date="2025-10-26T23:30", action="publish")
    create(ed, "Наступного ранку", slug="vranci", date="2025-10-27T00:10", action="publish")
    st, _, body = ed.get("/admin/articles?sort=published&from=2025-10-26&to=2025-10-26")
    check(st == 200 and names(body) == ["Пізно ввечері"],
          f"the 25-hour day holds its last hour ({names(body)})")


def bulk(client, ids, action, **kw):
    fields = {"csrf": client.csrf("/admin/articles"), "bulk": action, "id": [str(i) for i in ids]}
    fields.update(kw)
    return client.post("/admin/articles/bulk", fields)


def state(srv, aid):
    return row(srv, "SELECT status, version FROM articles WHERE id = ?", aid)


def audits(srv, action, aid):
    return row(srv, "SELECT count(*) FROM audit_log WHERE action = ? AND object LIKE ?",
               action, f"article:{aid} %")[0]


def check_bulk(srv, ed, au, ids):
    school, own, fest = ids["Ремонт школи"], ids["Чернетка автора"], ids["Свято"]
    road, water = ids["Ремонт дороги"], ids["Вода в селищі"]
    st, _, body = ed.get("/admin/articles")
    check('action="/admin/articles/bulk"' in body and f'name="id" value="{school}"' in body
          and 'value="publish"' in body, "editors get checkboxes and the bulk actions")
    st, _, body = au.get("/admin/articles")
    check('action="/admin/articles/bulk"' not in body and 'name="id"' not in body,
          "authors get no bulk controls")

    # an author's bulk POST is refused as a whole and changes nothing
    before = [state(srv, i) for i in (own, school)]
    st, _, body = bulk(au, [own, school], "publish")
    check(st == 403 and "редакторам" in body, f"an author's bulk publish is refused ({st})")
    check([state(srv, i) for i in (own, school)] == before, "nothing changed")

    # one transaction: an unknown id among them leaves the others untouched
    st, _, body = bulk(ed, [school, 999999], "publish")
    check(st == 422 and state(srv, school) == before[1],
          f"a selection with a missing article changes nothing ({st})")
    st, _, _ = bulk(ed, [], "publish")
    check(st == 422, f"an empty selection is refused ({st})")

    # readers' pages cached before the change must show it after
    srv.get("/news")
    st, _, _ = srv.get("/news/shkola")
    check(st == 404, "the draft is not public")
    road_entries = row(srv, "SELECT count(*) FROM audit_log")[0]
    st, h, _ = bulk(ed, [school, own, road], "publish")
    check(st == 303 and "m=bulk_published&n=2" in h.get("location", ""),
          f"bulk publish: two changed, the published one skipped ({st}, {h.get('location')})")
    st, _, body = ed.get(h["location"])
    check("Опубліковано 2 новини" in body, "the summary counts them")
    for aid, slug in ((school, "shkola"), (own, "chernetka")):
        status, version = state(srv, aid)
        check(status == "published" and version == 2, f"{slug} published, version 2 ({status})")
        st, _, page = srv.get(f"/news/{slug}")
        check(st == 200, f"/news/{slug} is public ({st})")
        check(audits(srv, "article.publish", aid) == 1, f"one audit entry for {slug}")
        check(row(srv, "SELECT count(*) FROM revisions WHERE article_id = ? AND version = 2",
                  aid)[0] == 1, f"a revision of {slug}'s new version")
        check(row(srv, "SELECT count(*) FROM signatures WHERE kind = 'article' "
                  "AND object_id = ?", aid)[0] >= 1, f"{slug} is signed")
    _, _, news = srv.get("/news")
    check("Ремонт школи".encode() in news, "the news list shows it (cache dropped)")
    check(row(srv, "SELECT count(*) FROM audit_log")[0] == road_entries + 2
          and audits(srv, "article.publish", road) == 0, "the already published one: no entry")

    # add a tag, then withdraw
    _, _, body = ed.get("/admin/articles?status=published&sort=published")
    back = re.search(r'name="back" value="([^"]*)"', body).group(1).replace("&amp;", "&")
    check(back == "&status=published&sort=published", f"the bulk form carries the filters ({back})")
    st, h, _ = bulk(ed, [school, water], "tag", tag_name="Укриття", back=back)
    check(st == 303 and h.get("location", "").endswith("m=bulk_tagged&n=2" + back),
          f"bulk tag, back to the filtered list ({st}, {h.get('location')})")
    slug = row(srv, "SELECT slug FROM tags WHERE name = 'Укриття'")[0]
    st, _, page = srv.get(f"/tags/{slug}")
    check(st == 200 and "Ремонт школи".encode() in page and "Вода в селищі".encode() in page,
          f"the tag page lists both ({st})")
    check(audits(srv, "article.tag", school) == 1 and audits(srv, "article.tag", water) == 1,
          "one audit entry each for the tag")
    st, h, _ = bulk(ed, [school, water], "tag", tag_name="Укриття")
    check(st == 303 and "n=0" in h.get("location", ""), "tagging again changes nothing")
    # the bulk action folds case as the single save does: «укриття» is «Укриття», so the
    # articles that have it are unchanged, one without it gets the existing tag, and no
    # second tag (`/tags/ukryttia-2`) appears
    revs = row(srv, "SELECT COUNT(*) FROM revisions WHERE article_id = ?", school)[0]
    st, h, _ = bulk(ed, [school, water, road], "tag", tag_name="укриття")
    check(st == 303 and "n=1" in h.get("location", ""),
          f"bulk tag in other case: only the untagged one changes ({st}, {h.get('location')})")
    check(row(srv, "SELECT COUNT(*) FROM tags WHERE lower(name) IN ('укриття', 'Укриття')")[0]
          == 1, "no second tag for another case")
    check(row(srv, "SELECT COUNT(*) FROM revisions WHERE article_id = ?", school)[0]
          == revs, "no new revision for an article that already has the tag")
    check(audits(srv, "article.tag", school) == 1, "no second audit entry")
    _, _, page = srv.get(f"/tags/{slug}")
    check("Ремонт дороги".encode() in page, "the third article joined the existing tag")
    check(srv.get(f"/tags/{slug}-2")[0] == 404, "no -2 tag page")
    st, h, _ = bulk(ed, [school], "tag", tag_name="Укриття", back="&x=1\r\nSet-Cookie: a=b")
    check(st == 303 and h.get("location", "").endswith("n=0") and "set-cookie" not in h,
          "a forged return query is dropped")
    st, _, body = bulk(ed, [school], "tag", tag_name="a, b")
    check(st == 422, f"a tag name with a comma is refused ({st})")

    st, h, _ = bulk(ed, [school, water, fest], "withdraw")
    check(st == 303 and "m=bulk_withdrawn&n=2" in h.get("location", ""),
          f"bulk withdraw: the draft is skipped ({st})")
    _, _, body = ed.get(h["location"])
    check("Знято з публікації 2 новини" in body, "the withdraw summary")
    for aid, slug in ((school, "shkola"), (water, "voda")):
        st, _, _ = srv.get(f"/news/{slug}")
        check(st == 404 and state(srv, aid)[0] == "withdrawn", f"{slug} withdrawn ({st})")
        check(audits(srv, "article.withdraw", aid) == 1, f"one withdraw entry for {slug}")
    _, _, page = srv.get(f"/tags/{slug}")
    check("Вода в селищі".encode() not in page, "the tag page dropped the withdrawn one")


def main():
    srv = Server(demo=False)
    add_user(srv, "ed", "editor")
    add_user(srv, "au", "author")
    with srv:
        ed, au = Client(srv), Client(srv)
        ed.login("ed")
        au.login("au")
        au_id = row(srv, "SELECT id FROM users WHERE name = 'au'")[0]
        ids = {
            "Ремонт школи": create(ed, "Ремонт школи", slug="shkola", tags="освіта",
                                   dept="Управління освіти"),
            "Ремонт дороги": create(ed, "Ремонт дороги", slug="remont-dorohy", tags="дороги",
                                    dept="Управління доріг", date="2025-06-10T10:00",
                                    action="publish"),
            "Вода в селищі": create(ed, "Вода в селищі", slug="voda", tags="вода",
                                    date="2025-01-05T09:00", action="publish"),
            "Свято": create(ed, "Свято", slug="sviato"),
            "Чернетка автора": create(au, "Чернетка автора", slug="chernetka"),
        }
        st, _, body = ed.get("/admin/articles/new")
        check(re.search(r'<input id="tags" name="tags"[^>]*list="tag-names"', body) is not None
              and '<datalist id="tag-names">' in body and '<option value="дороги">' in body,
              "the tags field suggests existing tags")
        check_filters(srv, ed, ids, au_id)
        check_bulk(srv, ed, au, ids)
        check_paging(srv, ed)
        check_dst_day(srv, ed)
    done()


if __name__ == "__main__":
    main()
