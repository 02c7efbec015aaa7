"""Workflow notices by e-mail (issue 12) through the outbox to a real SMTP server on
loopback: an article sent for review reaches every editor with an address (not the
sender, not an editor without one, not a disabled one), a return with a reason reaches
the author with the reason, publishing reaches the author, and a scheduled article's
notice arrives only once its time has come, exactly once, and not at all when it is
withdrawn first. Addresses are set on the account page (a bad one is refused with 422
and nothing saved). The edit page: «Запланувати» for a future time, no publish hint for
an author."""
import re
import sqlite3
import time

from harness import Server, check, done
from smtp_sink import SmtpSink, text_of
from test_admin import Client, add_user, article_form, article_id_from, kyiv


def set_email(client, address):
    return client.post("/admin/account/email", {"csrf": client.csrf("/admin/account"),
                                                "email": address})


def version_of(client, aid):
    _, _, body = client.get(f"/admin/articles/{aid}")
    return re.search(r'name="version" value="(\d+)"', body).group(1)


def by_rcpt(sink):
    out = {}
    for m in sink.messages():
        for r in m.envelope_to:
            out.setdefault(r, []).append(m)
    return out


def wait_total(sink, n, timeout=20):
    got = sink.wait_for(n, timeout)
    time.sleep(0.5)  # anything extra that was going to arrive
    return max(got, sink.count())


def check_admin_sets_email(srv, c):
    """An administrator sets (and removes) another user's address on /admin/users; a bad
    one is refused beside its field with nothing saved; an editor cannot (issue 12)."""
    def email_of(name):
        with sqlite3.connect(srv.db) as db:
            return db.execute("SELECT email FROM users WHERE name=?", (name,)).fetchone()[0]
    with sqlite3.connect(srv.db) as db:
        mid = db.execute("SELECT id FROM users WHERE name='mute'").fetchone()[0]
    _, _, body = c["boss"].get("/admin/users")
    check(f'id="e{mid}" name="email" type="email" value=""' in body
          and 'value="petro@example.org"' in body,
          "the users page has an address field per user, with the address set")
    st, h, _ = c["boss"].post(f"/admin/users/{mid}", {"csrf": c["boss"].csrf("/admin/users"),
                                                      "op": "email", "email": " Mute@Example.ORG "})
    check(st == 303 and email_of("mute") == "mute@example.org",
          f"an admin sets another user's address, normalised ({st}, {email_of('mute')})")
    _, _, body = c["boss"].get("/admin/users")
    check(f'id="e{mid}" name="email" type="email" value="mute@example.org"' in body,
          "and the users page shows it")
    st, _, body = c["boss"].post(f"/admin/users/{mid}", {"csrf": c["boss"].csrf("/admin/users"),
                                                         "op": "email", "email": "mute at home"})
    check(st == 422 and f'aria-describedby="ee{mid}"' in body and f'id="ee{mid}"' in body
          and "ім’я@домен" in body and 'value="mute at home"' in body,
          f"a malformed address is refused beside its field, as typed ({st})")
    check(email_of("mute") == "mute@example.org", "and nothing is saved")
    st, _, _ = c["petro"].post(f"/admin/users/{mid}", {"csrf": c["petro"].csrf(),
                                                       "op": "email", "email": "x@example.org"})
    check(st == 403 and email_of("mute") == "mute@example.org",
          f"an editor cannot set someone's address ({st})")
    with sqlite3.connect(srv.db) as db:
        audit = db.execute("SELECT detail FROM audit_log WHERE action='user.email' "
                           "AND object='mute' ORDER BY id DESC").fetchone()
    check(audit is not None and "mute@" not in audit[0], f"audited without the address ({audit})")
    st, _, _ = c["boss"].post(f"/admin/users/{mid}", {"csrf": c["boss"].csrf("/admin/users"),
                                                      "op": "email", "email": ""})
    check(st == 303 and email_of("mute") == "", "an empty field removes it (no notices)")


def main():
    sink = SmtpSink().start()
    srv = Server(demo=False, env={"VISNYK_SMTP_URL": sink.url,
                                  "VISNYK_MAIL_FROM": "news@visnyk.test",
                                  "VISNYK_MAIL_RATE": "60000", "VISNYK_MAIL_RETRY": "1"})
    srv.env["VISNYK_BASE_URL"] = f"http://127.0.0.1:{srv.port}"
    for name, role in (("olena", "author"), ("petro", "editor"), ("iryna", "editor"),
                       ("mute", "editor"), ("gone", "editor"), ("boss", "admin")):
        add_user(srv, name, role)
    with srv:
        c = {n: Client(srv) for n in ("olena", "petro", "iryna", "mute", "gone", "boss")}
        for n, cl in c.items():
            st, _, _ = cl.login(n)
            check(st == 303, f"{n} logs in ({st})")

        # addresses: a bad one refused, nothing saved
        st, _, body = set_email(c["olena"], "not an address")
        check(st == 422 and 'aria-invalid="true"' in body and "ім’я@домен" in body,
              f"a malformed address is refused with its error beside the field ({st})")
        with sqlite3.connect(srv.db) as db:
            check(db.execute("SELECT email FROM users WHERE name='olena'").fetchone()[0] == "",
                  "and nothing is saved")
        for n in ("olena", "petro", "iryna", "gone", "boss"):
            st, h, _ = set_email(c[n], f" {n.capitalize()}@Example.ORG ")
            check(st == 303 and "m=email_saved" in h.get("location", ""), f"{n} sets an address")
        _, _, body = c["olena"].get("/admin/account")
        check('value="olena@example.org"' in body, "the account page shows it, normalised")
        check_admin_sets_email(srv, c)
        st, _, _ = c["boss"].post("/admin/users/%d" % sqlite3.connect(srv.db).execute(
            "SELECT id FROM users WHERE name='gone'").fetchone()[0],
            {"csrf": c["boss"].csrf("/admin/users"), "op": "disable"})
        check(st in (200, 303), f"a disabled editor ({st})")

        # the author's page: no publish hint, no publish button
        _, _, body = c["olena"].get("/admin/articles/new")
        check("планує публікацію" not in body and 'value="publish"' not in body,
              "an author sees neither the publish button nor its hint")
        check("Попередній перегляд» відкриває" in body, "but the preview hint")
        check("з’явиться на сайті саме тоді" not in body and "вирішує редактор" in body,
              "and a date hint without publishing in it")
        _, _, body = c["petro"].get("/admin/articles/new")
        check("планує публікацію" in body and "з’явиться на сайті саме тоді" in body,
              "an editor sees the publish and date hints")

        # submitted → every editor with an address but the sender
        acsrf = c["olena"].csrf()
        title = "Нова школа в Карлівці\r\nBcc: evil@example.org"
        st, h, _ = c["olena"].post("/admin/articles/new", article_form(acsrf, title))
        aid = article_id_from(h)
        st, h, _ = c["olena"].post(f"/admin/articles/{aid}", article_form(
            acsrf, title, version=version_of(c["olena"], aid), action="submit"))
        check(st == 303 and "m=submitted" in h.get("location", ""), f"submitted ({st})")
        n = wait_total(sink, 3)
        got = by_rcpt(sink)
        check(n == 3 and sorted(got) == ["boss@example.org", "iryna@example.org",
                                         "petro@example.org"],
              f"the submission reached the three editors with an address, nobody else ({sorted(got)})")
        m = got.get("petro@example.org", [None])[0]
        if m is not None:
            check(m["Subject"].startswith("На перевірці: «Нова школа в Карлівці  Bcc"),
                  f"subject names the step and the title, line breaks as spaces ({m['Subject']})")
            check("evil@example.org" not in str(m.get("Bcc", "")) and m.envelope_to ==
                  ["petro@example.org"], "a title cannot add a recipient")
            t = text_of(m)
            check(f"http://127.0.0.1:{srv.port}/admin/articles/{aid}" in t and "olena" in t,
                  "the text links to the article in the workspace and names the author")
        sink.clear()

        # returned with a reason → the author
        pcsrf = c["petro"].csrf()
        _, _, body = c["petro"].get(f"/admin/articles/{aid}")
        check('name="reason"' in body, "the editor has a reason field for the return")
        st, h, _ = c["petro"].post(f"/admin/articles/{aid}", article_form(
            pcsrf, "Нова школа в Карлівці", version=version_of(c["petro"], aid), action="draft",
            reason="Додайте, будь ласка, дату відкриття й фото фасаду."))
        check(st == 303, f"returned to draft ({st})")
        n = wait_total(sink, 1)
        got = by_rcpt(sink)
        check(n == 1 and list(got) == ["olena@example.org"], f"the return reached the author only ({list(got)})")
        if got:
            m = got["olena@example.org"][0]
            t = text_of(m)
            check(m["Subject"].startswith("Повернуто на доопрацювання") and
                  "Додайте, будь ласка, дату відкриття й фото фасаду." in t and "petro" in t,
                  "with the reason and the editor's name")
        sink.clear()

        # published now → the author
        st, h, _ = c["petro"].post(f"/admin/articles/{aid}", article_form(
            pcsrf, "Нова школа в Карлівці", version=version_of(c["petro"], aid),
            action="publish", slug="shkola-karlivka"))
        check(st == 303 and "m=published" in h.get("location", ""), f"published ({st})")
        n = wait_total(sink, 1)
        got = by_rcpt(sink)
        check(n == 1 and list(got) == ["olena@example.org"], f"publishing told the author ({list(got)})")
        if got:
            t = text_of(got["olena@example.org"][0])
            check(f"http://127.0.0.1:{srv.port}/news/shkola-karlivka" in t,
                  "with the public address")
        sink.clear()

        # an editor's own article published: nobody told of their own act
        st, h, _ = c["petro"].post("/admin/articles/new", article_form(pcsrf, "Власна новина"))
        own = article_id_from(h)
        st, h, _ = c["petro"].post(f"/admin/articles/{own}", article_form(
            pcsrf, "Власна новина", version=version_of(c["petro"], own), action="publish"))
        check(st == 303, "an editor publishes their own")

        # scheduled: the button says «Запланувати»; the notice waits for the time
        st, h, _ = c["olena"].post("/admin/articles/new", article_form(acsrf, "Запланована"))
        sid = article_id_from(h)
        c["olena"].post(f"/admin/articles/{sid}", article_form(
            acsrf, "Запланована", version=version_of(c["olena"], sid), action="submit"))
        wait_total(sink, 3)
        sink.clear()
        when = int(time.time()) + 70
        when -= when % 60  # the form holds minutes: the next whole minute at least 10 s away
        if when < time.time() + 10:
            when += 60
        _, _, body = c["petro"].get(f"/admin/articles/{sid}")
        check(re.search(r'id="publish-button"[^>]*>Опублікувати<', body) is not None,
              "the publish button says «Опублікувати» for a time already past")
        form = article_form(pcsrf, "Запланована", version=version_of(c["petro"], sid),
                            action="publish", date=kyiv(when))
        st, h, _ = c["petro"].post(f"/admin/articles/{sid}", form)
        check(st == 303 and "m=scheduled" in h.get("location", ""), f"scheduled ({st})")
        _, _, body = c["petro"].get(f"/admin/articles/{sid}")
        # a scheduled article has no publish button; a draft with a future date has
        st, h, _ = c["petro"].post("/admin/articles/new", article_form(
            pcsrf, "Чернетка на завтра", date=kyiv(int(time.time()) + 86400)))
        _, _, body = c["petro"].get(f"/admin/articles/{article_id_from(h)}")
        check(re.search(r'id="publish-button"[^>]*>Запланувати<', body) is not None and
              'data-now="Опублікувати"' in body,
              "the publish button says «Запланувати» for a future time")
        # a second scheduled one, withdrawn before its time: never told
        st, h, _ = c["olena"].post("/admin/articles/new", article_form(acsrf, "Знята"))
        wid = article_id_from(h)
        c["olena"].post(f"/admin/articles/{wid}", article_form(
            acsrf, "Знята", version=version_of(c["olena"], wid), action="submit"))
        wait_total(sink, 3)
        sink.clear()
        c["petro"].post(f"/admin/articles/{wid}", article_form(
            pcsrf, "Знята", version=version_of(c["petro"], wid), action="publish",
            date=kyiv(when)))
        st, _, _ = c["petro"].post(f"/admin/articles/{wid}", article_form(
            pcsrf, "Знята", version=version_of(c["petro"], wid), action="withdraw",
            date=kyiv(when)))
        check(st == 303, "the second is withdrawn before its time")
        with sqlite3.connect(srv.db) as db:
            rows = db.execute("SELECT article_id FROM workflow_notices").fetchall()
        check(rows == [(sid,)], f"one notice waits, the withdrawn one's is gone ({rows})")
        time.sleep(max(0, when - time.time() - 3))
        check(sink.count() == 0, "nothing before the time")
        n = wait_total(sink, 1, timeout=when - time.time() + 15)
        got = by_rcpt(sink)
        check(n == 1 and list(got) == ["olena@example.org"],
              f"at its time the author is told, once ({n}, {list(got)})")
        if got:
            m = got["olena@example.org"][0]
            check(m["Subject"].startswith("Опубліковано: «Запланована»"), m["Subject"])
            arrived = time.time()
            check(arrived - when < 10, f"within seconds of the time ({arrived - when:.1f} s)")
        with sqlite3.connect(srv.db) as db:
            left = db.execute("SELECT count(*) FROM workflow_notices").fetchone()[0]
            kinds = db.execute("SELECT count(*) FROM mail_outbox WHERE kind = 'notice'"
                               ).fetchone()[0]
        check(left == 0, "the notice is gone once sent")
        time.sleep(2.5)
        check(sink.count() == 1, "and not sent again on later ticks")
        check(kinds == 12, f"twelve notices went through the outbox ({kinds})")
    sink.stop()
    done()


if __name__ == "__main__":
    main()
