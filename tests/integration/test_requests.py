"""Requests for public information and citizens' appeals over HTTP (issue 13), with a
real SMTP server on loopback. A request goes from the public form to the answer e-mail:
its number and date on the result page and in the confirmation mail at once, its
deadline 5 working days on a calendar with a holiday (the server's `holidays`), 48 hours
when urgent; an extension within the first 5 working days to 20, with a notice to the
requester; a refusal needs its grounds. Bad input to every field is named beside it,
the typed values kept and nothing saved; a cross-site POST and a bot's honeypot save
nothing. An author cannot open the queue. A request past its deadline is marked
overdue in words, a reminder reaches the assignee once, the statistics (page, CSV and
JSON) count what happened. An appeal: category, one month, 15 days, 45 days. After the
keep period (0 days here) a closed request's personal data is gone while its row stays
in the statistics."""
import calendar
import csv
import datetime
import html
import io
import json
import re
import sqlite3
import time
import urllib.parse
import zoneinfo

from harness import Server, check, done
from smtp_sink import SmtpSink, text_of
from test_admin import Client, add_user

KYIV = zoneinfo.ZoneInfo("Europe/Kyiv")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def today():
    return datetime.datetime.now(KYIV).date()


def working(d, holidays):
    return d.weekday() < 5 and d not in holidays


def add_workdays(d, n, holidays):
    while n > 0:
        d += datetime.timedelta(days=1)
        if working(d, holidays):
            n -= 1
    return d


def ua_date(d):
    months = ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня",
              "вересня", "жовтня", "листопада", "грудня"]
    return f"{d.day:02d} {months[d.month - 1]} {d.year}"


def post(srv, path, fields, headers=None):
    h = dict(FORM)
    h.update(headers or {})
    st, _, b = srv.get(path, method="POST", body=urllib.parse.urlencode(fields).encode(),
                       headers=h)
    return st, b.decode()


def field_error(body, fid):
    m = re.search(r'<span class="field-error" id="%s-err">([^<]*)</span>' % fid, body)
    return html.unescape(m.group(1)) if m else ""


def db_rows(srv, sql, args=()):
    con = sqlite3.connect(srv.db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def db_exec(srv, sql, args=()):
    con = sqlite3.connect(srv.db)
    try:
        con.execute(sql, args)
        con.commit()
    finally:
        con.close()


def count(srv):
    return db_rows(srv, "SELECT count(*) FROM info_requests")[0][0]


def number_of(body):
    m = re.search(r'<dd class="rq-number">([^<]+)</dd>', body)
    return m.group(1) if m else ""


def mails_to(sink, rcpt):
    return [m for m in sink.messages() if rcpt in m.envelope_to]


def wait_mail(sink, rcpt, n=1, timeout=20):
    end = time.time() + timeout
    while time.time() < end and len(mails_to(sink, rcpt)) < n:
        time.sleep(0.1)
    return mails_to(sink, rcpt)


def act(client, rid, **fields):
    fields["csrf"] = client.csrf(f"/admin/requests/{rid}")
    return client.post(f"/admin/requests/{rid}", fields)


def stats_of(srv, kind):
    _, _, b = srv.get("/requests/statistics.json")
    rows = json.loads(b)
    return [r for r in rows if r["kind"] == kind]


GOOD = {"name": "Петренко Олена Іванівна", "address": "", "email": "olena@example.org",
        "phone": "+380 (50) 123-45-67", "body": "Прошу надати копію розпорядження № 125-р."}


def check_bad_input(srv):
    cases = [
        (dict(GOOD, name=""), "rq-name", "Заповніть"),
        (dict(GOOD, name="Олена\x01"), "rq-name", "недопустимі"),
        (dict(GOOD, name="я" * 301), "rq-name", "задовгий"),
        (dict(GOOD, email="", address=""), "rq-address", "поштову адресу або"),
        (dict(GOOD, email="не адреса"), "rq-email", "name@example.com"),
        (dict(GOOD, email="olena@"), "rq-email", ""),
        (dict(GOOD, phone="дзвоніть увечері"), "rq-phone", "цифри"),
        (dict(GOOD, address="вул. Соборна\x07"), "rq-address", "недопустимі"),
        (dict(GOOD, body=""), "rq-body", "Заповніть"),
        (dict(GOOD, body="ж" * 10001), "rq-body", "задовгий"),
    ]
    for fields, fid, words in cases:
        st, body = post(srv, "/requests", fields)
        err = field_error(body, fid)
        check(st == 422 and err != "" and words in err,
              f"/requests {fid} {fields.get(fid[3:], '')[:20]!r}: 422 and its error ({st}, {err!r})")
        check(f'id="{fid}"' in body and 'aria-invalid="true"' in body, f"{fid} marked invalid")
        check(html.escape(fields["name"][:30], quote=True) in body or fields["name"] == "",
              f"the typed name is kept ({fid})")
    st, body = post(srv, "/requests", dict(GOOD, name="Петро <b>", body=""))
    check('value="Петро &lt;b&gt;"' in body, "typed values come back escaped")
    for fields, fid in [(dict(GOOD, address=""), "rq-address"),
                        (dict(GOOD, address="Полтава", category=""), "rq-category"),
                        (dict(GOOD, address="Полтава", category="petition"), "rq-category"),
                        (dict(GOOD, address="Полтава", category="complaint", name=""), "rq-name")]:
        st, body = post(srv, "/appeals", fields)
        check(st == 422 and field_error(body, fid) != "", f"/appeals {fid}: 422 and its error ({st})")
    st, body = post(srv, "/requests", GOOD, {"Origin": "http://evil.example",
                                            "Sec-Fetch-Site": "cross-site"})
    check(st == 403 and "з іншого сайту" in body, f"a cross-site POST is refused, saying why ({st})")
    st, body = post(srv, "/requests", dict(GOOD, website="http://spam.example"))
    check(st != 200 and number_of(body) == "", f"a bot's honeypot gets no number ({st})")
    check(count(srv) == 0, f"nothing was saved by any bad form ({count(srv)})")


def main():
    sink = SmtpSink().start()
    day0 = today()
    holiday = add_workdays(day0, 1, set())  # the next working day is a holiday here
    srv = Server(demo=False, env={"VISNYK_SMTP_URL": sink.url,
                                  "VISNYK_MAIL_FROM": "news@visnyk.test",
                                  "VISNYK_MAIL_RATE": "60000", "VISNYK_MAIL_RETRY": "1",
                                  "VISNYK_HOLIDAYS": holiday.isoformat()})
    srv.env["VISNYK_BASE_URL"] = f"http://127.0.0.1:{srv.port}"
    add_user(srv, "petro", "editor")
    add_user(srv, "boss", "admin")
    add_user(srv, "writer", "author")
    year = day0.year
    srv.start()
    try:
        registered = phase_one(srv, sink, day0, holiday, year)
        rc = srv.stop()
        check(rc == 0, f"the server stops cleanly ({rc})")
        phase_two(srv, registered)
    finally:
        srv.cleanup()
        sink.stop()
    done()


def phase_one(srv, sink, day0, holiday, year):
    if True:
        st, _, b = srv.get("/requests")
        page = b.decode()
        check(st == 200 and 'name="name"' in page and 'name="urgent"' in page and
              "п’ять робочих днів" in page, f"/requests: the procedure and the form ({st})")
        _, _, b = srv.get("/public-information")
        check('href="/requests"' in b.decode() and 'href="/appeals"' in b.decode(),
              "both sections are on «Публічна інформація»")
        check('href="/appeals"' in page, "the default menu has the appeals")
        _, _, b = srv.get("/sitemap")
        check("/requests" in b.decode() and "/appeals" in b.decode(), "and in «Мапа сайту»")
        _, _, b = srv.get("/sitemaps/pages.xml")
        check("/requests</loc>" in b.decode() and "/appeals</loc>" in b.decode(),
              "and in /sitemaps/pages.xml")
        st, _, b = srv.get("/en/requests")
        check(st == 200 and "Access to public information" in b.decode(), f"/en/requests ({st})")
        st, _, b = srv.get("/appeals")
        check(st == 200 and "/pages/pryiom-hromadian" in b.decode() and 'value="complaint"'
              in b.decode(), f"/appeals links the reception schedule and has categories ({st})")

        check_bad_input(srv)

        # a request with an e-mail: its number, date and deadline at once
        st, body = post(srv, "/requests", GOOD)
        n1 = number_of(body)
        check(st == 200 and n1 == f"ЗІ-{year}/0001", f"registered as ЗІ-{year}/0001 ({st}, {n1})")
        due1 = add_workdays(day0, 5, {holiday})
        check(ua_date(due1) in body and ua_date(day0) in body,
              f"the page shows today and the deadline {due1} (5 working days, {holiday} off)")
        check(due1 != add_workdays(day0, 5, set()), "the holiday moved the deadline")
        check(srv.get("/requests", method="POST",
                      body=urllib.parse.urlencode(GOOD).encode(),
                      headers=FORM)[1].get("cache-control") == "no-store",
              "the result page is never cached")
        m = wait_mail(sink, "olena@example.org", 2)
        check(len(m) == 2, f"a confirmation for each ({len(m)})")
        if m:
            t = text_of(m[0])
            check(n1 in m[0]["Subject"] and n1 in t and ua_date(due1) in t and
                  "розпорядження № 125-р" in t, "the mail carries the number, deadline and text")
        rid1 = db_rows(srv, "SELECT id FROM info_requests WHERE seq = 1 AND kind = 'info'")[0][0]
        rid_dup = db_rows(srv, "SELECT id FROM info_requests WHERE seq = 2 AND kind = 'info'")[0][0]
        received, due_at = db_rows(srv, "SELECT received_at, due_at FROM info_requests "
                                        "WHERE id = ?", (rid1,))[0]
        due_kyiv = datetime.datetime.fromtimestamp(due_at, KYIV)
        check(due_kyiv.date() == due1 and due_kyiv.strftime("%H:%M:%S") == "23:59:59",
              f"due at the end of {due1} Kyiv time ({due_kyiv})")

        # urgent, by post only: 48 hours
        st, body = post(srv, "/requests", dict(GOOD, email="", address="36000, Полтава, вул. "
                                               "Соборна, 1", urgent="1"))
        n3 = number_of(body)
        check(st == 200 and n3 == f"ЗІ-{year}/0003" and "48 годин" in body,
              f"an urgent request ({st}, {n3})")
        rid3, rec3, due3 = db_rows(srv, "SELECT id, received_at, due_at FROM info_requests "
                                        "WHERE seq = 3 AND kind = 'info'")[0]
        check(due3 - rec3 == 48 * 3600, f"urgent: due 48 hours later ({due3 - rec3})")

        # the workspace: editors only
        editor, author, boss = Client(srv), Client(srv), Client(srv)
        editor.login("petro")
        author.login("writer")
        boss.login("boss")
        for path in ("/admin/requests", f"/admin/requests/{rid1}"):
            st, _, b = author.get(path)
            check(st == 403 and "Петренко" not in b, f"an author cannot open {path} ({st})")
        st, _, b = editor.get("/admin/requests")
        check(st == 200 and n1 in b and n3 in b, f"the editor's queue lists them ({st})")
        _, _, b = editor.get("/admin/requests?kind=appeal")
        check(n1 not in b, "the kind filter")
        _, _, b = editor.get("/admin/requests?status=new&kind=info")
        check(n1 in b, "the status filter")
        _, _, b = editor.get(f"/admin/requests/{rid1}")
        check("Петренко Олена Іванівна" in b and "olena@example.org" in b and "125-р" in b,
              "the request's page shows the requester and the text")

        # a refusal needs its grounds
        st, _, b = act(editor, rid1, op="refuse", text="  ")
        check(st == 422 and field_error(b, "rq-refuse") != "", f"a refusal without grounds ({st})")
        check(db_rows(srv, "SELECT status FROM info_requests WHERE id = ?", (rid1,))[0][0] == "new",
              "and nothing changed")
        # an urgent request cannot be extended
        st, _, b = act(editor, rid3, op="extend", text="Потрібен час")
        check(st == 422, f"no extension for an urgent request ({st})")
        # extension: a reason needed, then 20 working days and a notice
        st, _, b = act(editor, rid1, op="extend", text="")
        check(st == 422 and field_error(b, "rq-extend") != "", f"an extension needs a reason ({st})")
        sink.clear()
        st, h, _ = act(editor, rid1, op="extend", text="Потрібно опрацювати 300 сторінок архіву.")
        check(st == 303, f"extended ({st})")
        status, due_ext = db_rows(srv, "SELECT status, due_at FROM info_requests WHERE id = ?",
                                  (rid1,))[0]
        due20 = add_workdays(day0, 20, {holiday})
        check(status == "extended" and
              datetime.datetime.fromtimestamp(due_ext, KYIV).date() == due20,
              f"extended to 20 working days: {due20}")
        m = wait_mail(sink, "olena@example.org")
        check(len(m) == 1 and "300 сторінок" in text_of(m[0]) and ua_date(due20) in text_of(m[0]),
              "the requester is told, with the reason and the new deadline")
        st, _, _ = act(editor, rid1, op="extend", text="Ще раз")
        check(st == 422, f"a second extension is refused ({st})")

        # the answer by e-mail, stored
        sink.clear()
        st, _, _ = act(editor, rid1, op="answer", text="Копію розпорядження додано до листа.")
        check(st == 303, f"answered ({st})")
        m = wait_mail(sink, "olena@example.org")
        check(len(m) == 1 and m[0]["Subject"].startswith("Відповідь") and n1 in m[0]["Subject"]
              and "Копію розпорядження додано" in text_of(m[0]), "the answer reaches the requester")
        row = db_rows(srv, "SELECT status, answer, closed_at FROM info_requests WHERE id = ?",
                      (rid1,))[0]
        check(row[0] == "answered" and row[1].startswith("Копію") and row[2] > 0,
              "and is stored with the closing time")
        st, _, _ = act(editor, rid1, op="refuse", text="пізно")
        check(st == 422, f"a closed request takes no more steps ({st})")
        st, _, _ = act(editor, rid3, op="refuse", text="Адміністрація не володіє цією "
                                                      "інформацією (ст. 22 ч. 1 п. 1).")
        check(st == 303, f"refused with grounds ({st})")
        audit = db_rows(srv, "SELECT action FROM audit_log WHERE object = ?", (f"request:{rid1}",))
        check(("request.extend",) in audit and ("request.answer",) in audit,
              f"audit entries ({audit})")

        # reminder: assigned to the editor with an address, sent once
        editor.post("/admin/account/email", {"csrf": editor.csrf("/admin/account"),
                                             "email": "petro@example.org"})
        st, _, _ = act(editor, rid_dup, op="assign", assignee=str(
            db_rows(srv, "SELECT id FROM users WHERE name = 'petro'")[0][0]))
        check(st == 303, f"assigned ({st})")
        check(db_rows(srv, "SELECT status FROM info_requests WHERE id = ?", (rid_dup,))[0][0] ==
              "in_progress", "assigning puts it in progress")
        db_exec(srv, "UPDATE info_requests SET remind_at = ? WHERE id = ?",
                (int(time.time()) - 1, rid_dup))
        m = wait_mail(sink, "petro@example.org")
        check(len(m) == 1 and "Завтра спливає строк" in m[0]["Subject"] and
              f"/admin/requests/{rid_dup}" in text_of(m[0]), f"the assignee is reminded ({len(m)})")
        time.sleep(3)
        check(len(mails_to(sink, "petro@example.org")) == 1, "once")
        check(db_rows(srv, "SELECT reminded_at FROM info_requests WHERE id = ?",
                      (rid_dup,))[0][0] > 0, "and it is recorded")

        # overdue: the deadline passes; the queue says so in words, the statistics count it
        before = stats_of(srv, "information_request")
        check(len(before) == 1 and before[0]["overdue"] == 0, f"nothing overdue yet ({before})")
        db_exec(srv, "UPDATE info_requests SET due_at = ? WHERE id = ?",
                (int(time.time()) + 1, rid_dup))
        time.sleep(3.5)
        _, _, b = editor.get("/admin/requests")
        row = re.search(r'<tr class="rq-overdue">.*?</tr>', b, re.S)
        check(row is not None and number_of_row(row.group(0)) == f"ЗІ-{year}/0002" and
              "прострочено" in row.group(0), "the overdue row is marked in words")
        s = stats_of(srv, "information_request")
        check(s == [{"period": f"{year}-H{1 if day0.month <= 6 else 2}",
                     "kind": "information_request", "received": 3, "answered": 1,
                     "refused": 1, "overdue": 1}],
              f"statistics JSON (the cached copy was dropped when the deadline passed): {s}")
        _, h, b = srv.get("/requests/statistics.csv")
        rows = list(csv.DictReader(io.StringIO(b.decode())))
        check(h.get("content-type", "").startswith("text/csv") and len(rows) == 1 and
              rows[0]["received"] == "3" and rows[0]["overdue"] == "1", f"statistics CSV ({rows})")
        _, _, b = srv.get("/requests")
        check(re.search(r"<td>3</td><td>1</td><td>1</td><td>1</td>", b.decode()) is not None,
              "the public page shows them")

        # an appeal, end to end
        sink.clear()
        st, body = post(srv, "/appeals", {"name": "Коваль Іван Петрович",
                                          "address": "38700, Полтавська обл., с. Мачухи",
                                          "email": "ivan@example.org", "category": "complaint",
                                          "body": "Прошу відремонтувати дорогу до школи."})
        na = number_of(body)
        check(st == 200 and na == f"ЗВ-{year}/0001", f"an appeal registered ({st}, {na})")
        aid, arec, adue = db_rows(srv, "SELECT id, received_at, due_at FROM info_requests "
                                       "WHERE kind = 'appeal'")[0]
        d = datetime.datetime.fromtimestamp(arec, KYIV).date()
        nm = (d.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        month_later = nm.replace(day=min(d.day, calendar.monthrange(nm.year, nm.month)[1]))
        check(datetime.datetime.fromtimestamp(adue, KYIV).date() == month_later,
              f"an appeal is due in one month ({month_later})")
        check(len(wait_mail(sink, "ivan@example.org")) == 1, "its confirmation is mailed")
        st, _, _ = act(editor, aid, op="short")
        check(st == 303 and datetime.datetime.fromtimestamp(db_rows(
            srv, "SELECT due_at FROM info_requests WHERE id = ?", (aid,))[0][0], KYIV).date() ==
            d + datetime.timedelta(days=15), "no further study: 15 days")
        st, _, _ = act(editor, aid, op="extend", text="Потрібне обстеження дороги.")
        check(st == 303 and datetime.datetime.fromtimestamp(db_rows(
            srv, "SELECT due_at FROM info_requests WHERE id = ?", (aid,))[0][0], KYIV).date() ==
            d + datetime.timedelta(days=45), "extended: 45 days in all")
        st, _, _ = act(editor, aid, op="answer", text="Ремонт дороги заплановано на квітень.")
        m = wait_mail(sink, "ivan@example.org", 3)
        check(st == 303 and len(m) == 3 and "квітень" in text_of(m[-1]),
              f"the appeal's extension and answer are mailed ({len(m)})")
        _, _, b = editor.get("/admin/requests?kind=appeal")
        check(na in b and n1 not in b, "the appeal in the queue's appeal filter")
        a = stats_of(srv, "appeal")
        check(len(a) == 1 and a[0]["received"] == 1 and a[0]["answered"] == 1,
              f"the appeal in the statistics ({a})")

    return rid1


def phase_two(srv, rid1):
    """Erasure after the keep period (0 days): closed ones lose their personal data."""
    srv.env["VISNYK_REQUESTS_KEEP_DAYS"] = "0"
    srv.env["VISNYK_APPEALS"] = "off"
    srv.start()
    if True:
        st, _, b = srv.get("/appeals")
        check(st == 404, f"appeals = off: /appeals answers 404 ({st})")
        st, _, b = srv.get("/requests")
        check(st == 200 and 'href="/appeals"' not in b.decode(),
              "and it leaves the menu while /requests stays")
        _, _, b = srv.get("/sitemaps/pages.xml")
        check("/requests</loc>" in b.decode() and "/appeals</loc>" not in b.decode(),
              "and the sitemap")
        end = time.time() + 25
        while time.time() < end and db_rows(
                srv, "SELECT count(*) FROM info_requests WHERE erased_at > 0")[0][0] < 3:
            time.sleep(0.5)
        rows = db_rows(srv, "SELECT seq, kind, status, name, email, address, body, answer, "
                            "close_reason, erased_at FROM info_requests ORDER BY kind, seq")
        closed = [r for r in rows if r[2] in ("answered", "refused")]
        check(len(closed) == 3 and all(r[3:9] == ("",) * 6 and r[9] > 0 for r in closed),
              f"the personal data of the closed requests is erased ({closed})")
        still = [r for r in rows if r[2] not in ("answered", "refused")]
        check(len(still) == 1 and still[0][3] == "Петренко Олена Іванівна",
              "an open request keeps its data")
        s = stats_of(srv, "information_request")
        check(len(s) == 1 and s[0]["received"] == 3 and s[0]["answered"] == 1,
              f"the statistics are unchanged ({s})")
        editor = Client(srv)
        editor.login("petro")
        _, _, b = editor.get(f"/admin/requests/{rid1}")
        check("видалено за графіком" in b and "Петренко" not in b, "the page says it was erased")
        # one address registers at most 20 an hour (4 so far); then 429, nothing saved
        statuses = []
        for i in range(25):
            st, h, _ = srv.get("/requests", method="POST", headers=FORM,
                               body=urllib.parse.urlencode(
                                   dict(GOOD, email="", address=f"Полтава, {i}")).encode())
            statuses.append((st, h.get("retry-after")))
        ok = statuses.count((200, None))
        first = statuses.index((429, "3600")) if (429, "3600") in statuses else -1
        check(first >= 0 and all(x == (429, "3600") for x in statuses[first:]) and
              ok <= 20, f"past 20 an hour one address gets 429 with Retry-After ({statuses})")
        check(count(srv) == 4 + ok, f"and what was refused is not saved ({count(srv)}, {ok})")
        rc = srv.stop()
        check(rc == 0, f"the server stops cleanly ({rc})")


def number_of_row(row):
    m = re.search(r">(З[ІВ]-\d{4}/\d{4})</a>", row)
    return m.group(1) if m else ""


if __name__ == "__main__":
    main()
