"""Vacancies over HTTP (issue 13): an editor creates them in the workspace, bad input is
refused beside its field with nothing saved, the open list shows only vacancies whose
deadline has not passed (Kyiv time, decided at request time), and a vacancy whose
deadline passes leaves the cached open list by itself a second later (the scheduler
drops the page) and shows in the archive; a closed one is in the archive at once; an
author is kept out; the section can be switched off."""
import datetime
import html
import re
import sqlite3
import time
import zoneinfo

from harness import Server, check, done
from test_admin import Client, add_user

KYIV = zoneinfo.ZoneInfo("Europe/Kyiv")


def kyiv(dt):
    return dt.astimezone(KYIV).strftime("%Y-%m-%dT%H:%M:%S")


def save(client, path="/admin/vacancies/new", **fields):
    f = {"title": "", "unit": "", "requirements": "", "apply": "", "deadline": ""}
    f.update(fields)
    f["csrf"] = client.csrf("/admin/vacancies/new")
    return client.post(path, f)


def new_id(st, h):
    m = re.match(r".*/admin/vacancies/(\d+)\?m=saved$", h.get("location", ""))
    check(st == 303 and m is not None, f"saved (status {st})")
    return int(m.group(1)) if m else 0


def error_of(body, fid):
    m = re.search(r'<span class="field-error" id="%s-err">([^<]*)</span>' % fid, body)
    return html.unescape(m.group(1)) if m else ""


def count(srv):
    con = sqlite3.connect(srv.db)
    try:
        return con.execute("SELECT count(*) FROM vacancies").fetchone()[0]
    finally:
        con.close()


def page(srv, path):
    st, _, b = srv.get(path)
    return st, b.decode()


def ids(body):
    return set(int(x) for x in re.findall(r'<p class="reg-name"><a href="/vacancies/(\d+)"', body))


def main():
    srv = Server(demo=False)
    add_user(srv, "editor1", "editor")
    add_user(srv, "writer", "author")
    with srv:
        editor, author = Client(srv), Client(srv)
        editor.login("editor1")
        author.login("writer")
        st, _, _ = author.get("/admin/vacancies")
        check(st == 403, f"an author may not open vacancies (status {st})")
        now = datetime.datetime.now(datetime.timezone.utc)
        good = {"title": "Головний спеціаліст відділу", "unit": "Відділ інформаційної політики",
                "requirements": "- вища освіта;\n- досвід роботи від 1 року.",
                "apply": "Надішліть резюме на [hr@example.gov.ua](mailto:hr@example.gov.ua)."}

        for fields, fid, words in [
            (dict(good, title=""), "v-title", "заповніть"),
            (dict(good, title="Посада\x01"), "v-title", "керівні"),
            (dict(good, requirements=""), "v-req", "заповніть"),
            (dict(good, deadline="завтра"), "v-deadline", "РРРР-ММ-ДД"),
            (dict(good, deadline=""), "v-deadline", "заповніть"),
        ]:
            if fields.get("deadline") is None or "deadline" not in fields:
                fields = dict(fields, deadline=kyiv(now + datetime.timedelta(days=3)))
            st, _, body = save(editor, **fields)
            err = error_of(body, fid)
            check(st == 422 and words in err, f"{fid} refused with «{words}» ({st}: {err!r})")
        check(count(srv) == 0, "nothing saved from refused forms")

        # one expiring in a few seconds, one in a month, one closed by hand
        soon_at = now + datetime.timedelta(seconds=4)
        st, h, _ = save(editor, **dict(good, title="Спеціаліст (строк спливає)", deadline=kyiv(soon_at)))
        soon = new_id(st, h)
        st, h, _ = save(editor, **dict(good, title="Начальник сектору",
                                       deadline=kyiv(now + datetime.timedelta(days=30))))
        later = new_id(st, h)
        st, h, _ = save(editor, **dict(good, title="Закрита посада", closed="1",
                                       deadline=kyiv(now + datetime.timedelta(days=30))))
        closed = new_id(st, h)

        st, body = page(srv, "/vacancies")
        check(st == 200 and ids(body) == {soon, later}, f"the open list has the open ones ({ids(body)})")
        st, body = page(srv, f"/vacancies/{soon}")
        check(st == 200 and "вища освіта" in body and "mailto:hr@example.gov.ua" in body,
              "a vacancy's page shows requirements and how to apply")
        st, body = page(srv, "/vacancies/archive")
        check(ids(body) == {closed}, f"the archive has the closed one ({ids(body)})")

        # the open list is cached: a change behind the server's back does not show ...
        con = sqlite3.connect(srv.db)
        con.execute("UPDATE vacancies SET title = 'Начальник сектору (змінено)' WHERE id = ?", (later,))
        con.commit()
        con.close()
        st, body = page(srv, "/vacancies")
        check("(змінено)" not in body, "the open list is served from the page cache")
        # ... until the deadline passes: the scheduler drops it then
        time.sleep(max(0.0, (soon_at - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 2.5)
        st, body = page(srv, "/vacancies")
        check(ids(body) == {later}, f"the expired vacancy left the open list by itself ({ids(body)})")
        check("(змінено)" in body, "the cached open list was dropped at the deadline")
        st, body = page(srv, "/vacancies/archive")
        check(ids(body) == {soon, closed}, f"it is in the archive ({ids(body)})")
        st, body = page(srv, f"/vacancies/{soon}")
        check("Прийом документів на цю вакансію завершено" in body and "mailto:" not in body,
              "its page says applications are closed")

        st, _, body = editor.get(f"/admin/vacancies/{later}")
        check(st == 200 and "Начальник сектору" in body, "the edit form shows the vacancy")
        st, h, _ = save(editor, path=f"/admin/vacancies/{later}",
                        **dict(good, title="Начальник сектору", closed="1",
                               deadline=kyiv(now + datetime.timedelta(days=30))))
        check(new_id(st, h) == later, "an edit keeps the id")
        st, body = page(srv, "/vacancies")
        check(ids(body) == set() and "відкритих вакансій немає" in body,
              "closing it takes it off the open list at once")
        con = sqlite3.connect(srv.db)
        actions = [r[0] for r in con.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'vacancy.%' ORDER BY id")]
        con.close()
        check(actions[:4] == ["vacancy.create"] * 3 + ["vacancy.update"], f"audited ({actions})")
        st, _ = page(srv, "/vacancies/999")
        check(st == 404, "an unknown vacancy is 404")
        # deleted: gone from the site (its cached page too) and audited
        page(srv, f"/vacancies/{closed}")
        st, h, _ = editor.post(f"/admin/vacancies/{closed}/delete",
                               {"csrf": editor.csrf("/admin/vacancies/new")})
        check(st == 303 and count(srv) == 2, f"a vacancy is deleted ({st})")
        st, _ = page(srv, f"/vacancies/{closed}")
        check(st == 404, f"its page answers 404 at once ({st})")
        st, body = page(srv, "/vacancies/archive")
        check(closed not in ids(body), "it left the archive")
        st, h, _ = author.post(f"/admin/vacancies/{soon}/delete",
                               {"csrf": author.csrf("/admin/articles/new")})
        check(st == 403 and count(srv) == 2, f"an author may not delete one ({st})")

        con = sqlite3.connect(srv.db)
        actions = [r[0] for r in con.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'vacancy.%' ORDER BY id")]
        con.close()
        check(actions[-1] == "vacancy.delete", f"the deletion is audited ({actions})")

    srv = Server(demo=False, env={"VISNYK_VACANCIES": "off"})
    with srv:
        st, _ = page(srv, "/vacancies")
        check(st == 404, f"/vacancies answers 404 when the section is off ({st})")
        st, body = page(srv, "/public-information")
        check('href="/vacancies"' not in body and 'href="/registry"' in body,
              "«Публічна інформація» drops the switched-off section only")
    done()


if __name__ == "__main__":
    main()
