"""Autosave and refused saves (issue 12): the edit form posted to
/admin/articles/N/autosave is kept beside the article (side_texts), never as a revision
or on the public page; reopening the article offers it and ?restore=auto fills the form
with it on the version it was typed on. A save refused because someone else saved first
is kept too: the conflict page names who saved and when and links to the diff of the
two texts, and the text can be restored or discarded. Who may autosave what follows who
may save it; a successful save drops the user's side texts."""
import re
import sqlite3

from harness import Server, check, done
from test_admin import Client, add_user, article_form, article_id_from


def form_of(client, aid):
    _, _, body = client.get(f"/admin/articles/{aid}")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', body).group(1)
    version = re.search(r'name="version" value="(\d+)"', body).group(1)
    return csrf, version, body


def counts(srv, aid):
    with sqlite3.connect(srv.db) as db:
        rev = db.execute("SELECT count(*) FROM revisions WHERE article_id = ?",
                         (aid,)).fetchone()[0]
        ver, body = db.execute("SELECT version, body_md FROM articles WHERE id = ?",
                               (aid,)).fetchone()
        side = db.execute("SELECT user_id, kind, body FROM side_texts WHERE article_id = ? "
                          "ORDER BY kind", (aid,)).fetchall()
    return rev, ver, body, side


def main():
    srv = Server(demo=False)
    for name, role in (("anna", "editor"), ("bohdan", "editor"), ("olena", "author")):
        add_user(srv, name, role)
    with srv:
        anna, bohdan, olena = Client(srv), Client(srv), Client(srv)
        for n, cl in (("anna", anna), ("bohdan", bohdan), ("olena", olena)):
            cl.login(n)
        csrf = anna.csrf()
        st, h, _ = anna.post("/admin/articles/new", article_form(
            csrf, "Ремонт мосту", body="Міст закрито до п'ятниці.", action="publish",
            slug="remont-mostu"))
        aid = article_id_from(h)
        check(st == 303 and aid > 0, f"an article is published ({st})")
        rev0, ver0, body0, side = counts(srv, aid)

        # anna types; the autosave keeps it beside the article
        csrf, v, page = form_of(anna, aid)
        check('data-autosave="/admin/articles/%d/autosave"' % aid in page,
              "the edit form names its autosave address for admin.js")
        typed = article_form(csrf, "Ремонт мосту", version=v, slug="remont-mostu",
                             body="Міст закрито до неділі.\n\nОбʼїзд через вулицю Соборну.")
        typed.pop("action")
        st, _, _ = anna.post(f"/admin/articles/{aid}/autosave", typed)
        check(st == 204, f"autosave answers 204 ({st})")
        rev, ver, body, side = counts(srv, aid)
        check(rev == rev0 and ver == ver0 and body == body0,
              "the article, its version and its revisions are untouched")
        check(len(side) == 1 and side[0][1] == "auto" and "неділі" in side[0][2],
              f"the typed text is kept as an autosave ({side})")
        _, _, public = anna.get("/news/remont-mostu")
        check("п'ятниці" in public and "неділі" not in public, "readers still see the article")
        st, _, _ = anna.post(f"/admin/articles/{aid}/autosave", dict(typed, csrf="0" * 32))
        check(st == 403 and len(counts(srv, aid)[3]) == 1, f"no autosave without CSRF ({st})")
        st, _, _ = olena.post(f"/admin/articles/{aid}/autosave",
                              dict(typed, csrf=olena.csrf("/admin/account")))
        check(st == 403 and len(counts(srv, aid)[3]) == 1,
              f"an author may not autosave someone else's published article ({st})")
        st, _, _ = anna.post("/admin/articles/999999/autosave", typed)
        check(st == 404, f"autosave of no article: 404 ({st})")

        # reopening offers it, with the time; restore fills the form
        _, _, page = anna.get(f"/admin/articles/{aid}")
        check("Є ваш автозбережений текст цієї новини від" in page and
              f'href="/admin/articles/{aid}?restore=auto"' in page and "Відновити автозбережене" in page,
              "the edit page offers «Відновити автозбережене» with the time")
        _, _, page = bohdan.get(f"/admin/articles/{aid}")
        check("автозбережений" not in page, "another editor is not offered anna's autosave")
        _, _, page = anna.get(f"/admin/articles/{aid}?restore=auto")
        check("Міст закрито до неділі." in page and f'name="version" value="{v}"' in page and
              "ще не збережено" in page, "restore fills the form with it, on its version")
        st, _, diff = anna.get(f"/admin/articles/{aid}/side/auto")
        check(st == 200 and '<li class="add">' in diff and "неділі" in diff,
              f"and the autosave can be compared with the current text ({st})")

        # bohdan saves first; anna's save from the older form is refused and kept
        bcsrf, bv, _ = form_of(bohdan, aid)
        st, _, _ = bohdan.post(f"/admin/articles/{aid}", article_form(
            bcsrf, "Ремонт мосту", version=bv, slug="remont-mostu",
            body="Міст закрито до суботи."))
        check(st == 303, f"bohdan saves ({st})")
        st, _, page = anna.post(f"/admin/articles/{aid}", dict(typed, action="save"))
        check(st == 409 and "змінив хтось інший" in page, f"anna's save is refused ({st})")
        check(re.search(r"Новину зберіг\(ла\): bohdan, \d", page) is not None,
              "the conflict names who saved and when")
        check(f'href="/admin/articles/{aid}/side/refused"' in page,
              "and links to the diff of the two texts")
        _, _, _, side = counts(srv, aid)
        check([k for _, k, _ in side] == ["auto", "refused"] and "неділі" in side[1][2],
              f"the refused text is kept ({[k for _, k, _ in side]})")
        st, _, diff = anna.get(f"/admin/articles/{aid}/side/refused")
        check(st == 200 and re.search(r'<li class="del">.*суботи', diff) is not None and
              re.search(r'<li class="add">.*неділі', diff) is not None,
              "the diff shows bohdan's line removed and anna's added")
        st, _, _ = bohdan.get(f"/admin/articles/{aid}/side/refused")
        check(st == 404, f"nobody else sees anna's refused text ({st})")
        _, _, page = anna.get(f"/admin/articles/{aid}")
        check("Ваше збереження не пройшло" in page, "the edit page reminds anna of it")
        _, _, page = anna.get(f"/admin/articles/{aid}?restore=refused")
        cur = counts(srv, aid)[1]
        check("неділі" in page and f'name="version" value="{cur}"' in page,
              "restoring the refused text puts it over the current version")
        # discard the autosave; then a successful save drops the refused text too
        st, h, _ = anna.post(f"/admin/articles/{aid}/side/auto/discard", {"csrf": csrf})
        check(st == 303 and [k for _, k, _ in counts(srv, aid)[3]] == ["refused"],
              f"the autosave is discarded ({st})")
        st, _, _ = anna.post(f"/admin/articles/{aid}", dict(typed, version=str(cur),
                                                             action="save"))
        check(st == 303 and counts(srv, aid)[3] == [] and "неділі" in counts(srv, aid)[2],
              f"anna's save goes through and her side texts are gone ({st})")

        # an author's own draft: autosave allowed; after submitting, refused
        ocsrf = olena.csrf()
        st, h, _ = olena.post("/admin/articles/new", article_form(ocsrf, "Чернетка"))
        did = article_id_from(h)
        oform = article_form(ocsrf, "Чернетка", version="1", body="Набране авторкою.")
        st, _, _ = olena.post(f"/admin/articles/{did}/autosave", oform)
        check(st == 204, f"an author autosaves her own draft ({st})")
        _, v2, _ = form_of(olena, did)
        olena.post(f"/admin/articles/{did}", article_form(ocsrf, "Чернетка", version=v2,
                                                          action="submit"))
        st, _, _ = olena.post(f"/admin/articles/{did}/autosave", oform)
        check(st == 403, f"not once it is with the editors ({st})")
    done()


if __name__ == "__main__":
    main()
