"""Public consultations over HTTP (issue 13, CMU 996/2010): an editor creates them in
the workspace (bad input refused beside its field, nothing saved); a reader comments
through the public form and sees the moderation notice; a comment shows only after a
moderator approves it, with the name only when the commenter agreed; a rejected one
never shows; bad comments are refused beside the field with the text kept; a
consultation whose end passes drops its form by itself (the cached page too) and
refuses comments; its outcome report shows and it stays readable; an author or an
anonymous visitor cannot moderate; the feed and sitemaps list it; and the section can
be switched off."""
import datetime
import html
import re
import sqlite3
import time
import urllib.parse
import xml.etree.ElementTree as ET
import zoneinfo

from harness import Server, check, done
from test_admin import Client, add_user

KYIV = zoneinfo.ZoneInfo("Europe/Kyiv")
THANKS = "Дякуємо, коментар буде опубліковано після модерації."
FORM = {"title": "", "summary": "", "draft": "", "dept": "", "contact": "", "starts": "",
        "ends": "", "outcome": ""}
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
       b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def kyiv(dt):
    return dt.astimezone(KYIV).strftime("%Y-%m-%dT%H:%M:%S")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def save(client, path="/admin/consultations/new", pdf=None, **fields):
    """The workspace form, multipart as the browser sends it (pdf: the draft's bytes)."""
    f = dict(FORM, **fields)
    f["csrf"] = client.csrf("/admin/consultations/new")
    files = [("pdf", "draft.pdf", pdf, "application/pdf")] if pdf is not None else \
        [("pdf", "", b"", "application/octet-stream")]
    return client.post_multipart(path, f, files)


def new_id(st, h):
    m = re.match(r".*/admin/consultations/(\d+)\?m=saved$", h.get("location", ""))
    check(st == 303 and m is not None, f"saved (status {st})")
    return int(m.group(1)) if m else 0


def error_of(body, fid):
    m = re.search(r'<span class="field-error" id="%s-err">([^<]*)</span>' % fid, body)
    return html.unescape(m.group(1)) if m else ""


def rows(srv, sql, args=()):
    con = sqlite3.connect(srv.db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def n_comments(srv):
    return rows(srv, "SELECT count(*) FROM consultation_comments")[0][0]


def page(srv, path):
    st, _, b = srv.get(path)
    return st, b.decode()


def comment(srv, cid, headers=None, raw=None, **fields):
    """POSTs the public form as a browser without cookies would."""
    f = {"name": "", "email": "", "comment": ""}
    f.update(fields)
    body = raw if raw is not None else urllib.parse.urlencode(f).encode()
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    st, _, b = srv.get(f"/consultations/{cid}", headers=h, method="POST", body=body)
    return st, b.decode()


def moderate(client, comment_id, op, reason=""):
    return client.post(f"/admin/consultations/comment/{comment_id}",
                       {"csrf": client.csrf("/admin/consultations/new"), "op": op,
                        "reason": reason})


def state_of(srv, comment_id):
    return rows(srv, "SELECT state FROM consultation_comments WHERE id = ?", (comment_id,))[0][0]


def main():
    srv = Server()  # the demo: a registry draft and departments to link
    add_user(srv, "editor1", "editor")
    add_user(srv, "writer", "author")
    with srv:
        editor, author, nobody = Client(srv), Client(srv), Client(srv)
        editor.login("editor1")
        author.login("writer")
        st, _, _ = author.get("/admin/consultations")
        check(st == 403, f"an author may not open consultations (status {st})")
        st, _, _ = nobody.get("/admin/consultations")
        check(st in (302, 303, 401, 403), f"an anonymous visitor is kept out ({st})")

        draft = rows(srv, "SELECT id FROM registry_docs WHERE kind = 'draft'")[0][0]
        dept, dept_name = rows(srv, "SELECT id, name FROM departments ORDER BY id")[0]
        before = rows(srv, "SELECT count(*) FROM consultations")[0][0]
        t0 = now()
        good = {"title": "Правила благоустрою міста", "draft": str(draft), "dept": str(dept),
                "summary": "Обговорюємо **проєкт** правил благоустрою.",
                "contact": "+380 532 00-00-00",
                "starts": kyiv(t0 - datetime.timedelta(minutes=5)),
                "ends": kyiv(t0 + datetime.timedelta(days=30))}

        for fields, fid, words in [
            (dict(good, title=""), "k-title", "заповніть"),
            (dict(good, summary="текст\x01"), "k-summary", "керівні"),
            (dict(good, starts="завтра"), "k-starts", "РРРР-ММ-ДД"),
            (dict(good, ends=""), "k-ends", "заповніть"),
            (dict(good, ends=kyiv(t0 - datetime.timedelta(days=1))), "k-ends", "пізніше"),
            (dict(good, draft="abc"), "k-draft", "зі списку"),
            (dict(good, outcome="Звіт"), "k-outcome", "після завершення"),
        ]:
            st, _, body = save(editor, **fields)
            err = error_of(body, fid)
            check(st == 422 and words in err, f"{fid} refused with «{words}» ({st}: {err!r})")
            if fields["title"]:
                check(html.escape(fields["title"], quote=False) in body, "typed title kept")
        st, _, body = save(editor, **dict(good, draft="999999"))
        check(st == 422 and error_of(body, "k-draft") != "", f"an unknown draft is refused ({st})")
        st, _, body = save(editor, pdf=b"<html>not a pdf</html>", **good)
        check(st == 422 and "PDF" in error_of(body, "k-pdf"),
              f"a file that is not a PDF is refused ({st}: {error_of(body, 'k-pdf')!r})")
        st, _, _ = editor.post_multipart("/admin/consultations/new", dict(good, csrf="bad"), [])
        check(st == 403, f"a form without the CSRF token is refused ({st})")
        after = rows(srv, "SELECT count(*) FROM consultations")[0][0]
        check(after == before, "nothing saved from refused forms")

        st, h, _ = save(editor, **good)
        long_id = new_id(st, h)
        end_at = now() + datetime.timedelta(seconds=5)
        st, h, _ = save(editor, pdf=PDF,
                        **dict(good, title="Схема руху транспорту (скоро завершиться)",
                               draft="", dept="", ends=kyiv(end_at)))
        short_id = new_id(st, h)
        st, h, b = srv.get(f"/consultations/{short_id}/draft.pdf")
        check(st == 200 and b == PDF and h.get("content-type", "").startswith("application/pdf"),
              f"the uploaded draft is served ({st})")
        st, body = page(srv, f"/consultations/{short_id}")
        check(f'href="/consultations/{short_id}/draft.pdf"' in body, "the page links the PDF")
        st, _, _ = srv.get(f"/consultations/{long_id}/draft.pdf")
        check(st == 404, f"no PDF, no file ({st})")

        st, body = page(srv, "/consultations")
        check(st == 200 and f'href="/consultations/{long_id}"' in body and "триває" in body,
              "the list shows the open consultation")
        st, body = page(srv, f"/consultations/{long_id}")
        check(st == 200 and "<strong>проєкт</strong>" in body, "its text is Markdown")
        check(f'href="/registry/{draft}"' in body, "it links the draft under discussion")
        check(html.escape(dept_name, quote=False) in body, "it names the responsible department")
        check('action="/consultations/%d#consult-form"' % long_id in body, "an open consultation has the form")

        # comments from the public form: thanked, kept pending, not shown
        c_text = ["Пропоную додати велодоріжки вздовж набережної.",
                  "Прошу не вирубувати старі липи.",
                  "Купуйте дешеві годинники на нашому сайті!"]
        for i, (name, consent) in enumerate([("Оксана Лисенко", "1"), ("Петро Шевчук", ""),
                                             ("Спамер", "1")]):
            f = {"name": name, "email": f"person{i}@example.com", "comment": c_text[i]}
            if consent:
                f["show_name"] = consent
            st, body = comment(srv, long_id, **f)
            check(st == 200 and THANKS in body, f"comment {i} is thanked ({st})")
        ids = [r[0] for r in rows(srv, "SELECT id FROM consultation_comments "
                                       "WHERE consultation_id = ? ORDER BY id", (long_id,))]
        check(len(ids) == 3 and all(state_of(srv, i) == "pending" for i in ids),
              "three comments wait for moderation")
        st, body = page(srv, f"/consultations/{long_id}")
        check(not any(t in body for t in c_text), "no comment shows before moderation")

        # bad input: the error beside the field, the text kept, nothing saved
        count = n_comments(srv)
        typed = "Мій коментар, який не має загубитися"
        for fields, fid, words in [
            ({"name": "", "email": "a@example.com", "comment": typed}, "c-name", "ім’я"),
            ({"name": "Анна", "email": "не-адреса", "comment": typed}, "c-email", "адрес"),
            ({"name": "Анна", "email": "", "comment": typed}, "c-email", "адрес"),
            ({"name": "Анна", "email": "a@example.com", "comment": "  "}, "c-body", "напишіть"),
            ({"name": "Анна", "email": "a@example.com", "comment": "я" * 5001}, "c-body", "5000"),
            ({"name": "Анна" * 60, "email": "a@example.com", "comment": typed}, "c-name", "200"),
        ]:
            st, body = comment(srv, long_id, **fields)
            err = error_of(body, fid)
            check(st == 422 and words in err, f"{fid} refused with «{words}» ({st}: {err!r})")
            if fields["comment"] == typed:
                check(typed in body, "the typed comment is kept")
        st, body = comment(srv, long_id, raw=b"name=%FF%FE&email=a%40example.com&comment=x")
        check(st == 422 and error_of(body, "c-name") != "", f"bytes that are not UTF-8 ({st})")
        st, body = comment(srv, long_id, website="http://spam.example", name="Бот",
                           email="bot@example.com", comment="spam")
        check(st == 200 and THANKS in body, "a bot filling the honeypot sees the usual answer")
        st, body = comment(srv, long_id, headers={"Sec-Fetch-Site": "cross-site"}, name="Анна",
                           email="a@example.com", comment=typed)
        check(st == 403, f"a cross-site POST is refused ({st})")
        check(n_comments(srv) == count, "nothing saved from refused comments")

        # moderation: the workspace shows the e-mails and the pending count
        st, _, body = editor.get("/admin/consultations")
        check(st == 200 and "на модерації: 3" in body, "the list shows 3 pending comments")
        st, _, body = editor.get(f"/admin/consultations/{long_id}/comments")
        check(st == 200 and "person0@example.com" in body, "the moderator sees the e-mails")
        st, _, _ = moderate(author, ids[0], "approve")
        check(st == 403 and state_of(srv, ids[0]) == "pending", f"an author may not moderate ({st})")
        st, _, _ = nobody.post(f"/admin/consultations/comment/{ids[0]}",
                               {"op": "approve", "csrf": "x"})
        check(st != 303 and state_of(srv, ids[0]) == "pending",
              f"an anonymous visitor may not moderate ({st})")
        st, h, _ = moderate(editor, ids[2], "reject")
        check(st == 303 and "m=reason" in h.get("location", "") and
              state_of(srv, ids[2]) == "pending", "a rejection needs a reason")
        for i, op, reason in [(0, "approve", ""), (1, "approve", ""), (2, "reject", "реклама")]:
            st, h, _ = moderate(editor, ids[i], op, reason)
            check(st == 303, f"comment {i}: {op} ({st})")
        check([state_of(srv, i) for i in ids] == ["approved", "approved", "rejected"],
              "the states are stored")
        st, h, _ = moderate(editor, ids[2], "approve")
        check("m=done" in h.get("location", "") and state_of(srv, ids[2]) == "rejected",
              "a moderated comment is not moderated again")

        st, body = page(srv, f"/consultations/{long_id}")
        check(c_text[0] in body and c_text[1] in body, "approved comments show at once")
        check("Оксана Лисенко" in body, "the name shows with consent")
        check("Петро Шевчук" not in body and "Учасник обговорення" in body,
              "without consent «Учасник обговорення» shows instead of the name")
        check(c_text[2] not in body and "Спамер" not in body, "a rejected comment never shows")
        check(not re.search(r"person\d@example\.com", body), "no e-mail is ever public")
        st, _, body = editor.get("/admin/consultations")
        check("на модерації: 0" not in body and "(на модерації:" not in body.split(f"/{long_id}/comments")[1].split("</li>")[0],
              "no pending count left on the moderated consultation")

        # the short one: a comment while open, then its end passes
        st, body = comment(srv, short_id, name="Ігор", email="igor@example.com",
                           comment="Зробіть зупинку біля лікарні.", show_name="1")
        check(st == 200 and THANKS in body, f"a comment while it is open ({st})")
        st, body = page(srv, f"/consultations/{short_id}")  # now cached with its form
        check('name="comment"' in body, "the open page has the form")
        time.sleep(max(0.0, (end_at - now()).total_seconds()) + 2.5)
        st, body = page(srv, f"/consultations/{short_id}")
        check(st == 200 and 'name="comment"' not in body and
              "Обговорення завершено" in body, "the ended consultation lost its form by itself")
        count = n_comments(srv)
        st, body = comment(srv, short_id, name="Ігор", email="igor@example.com", comment="Ще одне.")
        check(st == 403 and "коментарі більше не приймаються" in body,
              f"a comment after the end is refused with a clear message ({st})")
        check(n_comments(srv) == count, "nothing saved after the end")
        st, body = page(srv, "/consultations")
        done_part = body.split('id="consult-finished"')[-1]
        check(f'href="/consultations/{short_id}"' in done_part and "завершено" in done_part,
              "the list moved it to the finished ones")

        # the outcome report, and the closed consultation stays readable
        short_comment = rows(srv, "SELECT id FROM consultation_comments WHERE consultation_id = ?",
                             (short_id,))[0][0]
        moderate(editor, short_comment, "approve")
        report = "Надійшло **2** пропозиції. Зупинку біля лікарні враховано."
        st, h, _ = save(editor, path=f"/admin/consultations/{short_id}",
                        **dict(good, title="Схема руху транспорту", draft="", dept="",
                               ends=kyiv(end_at), outcome=report))
        check(new_id(st, h) == short_id, "the outcome report is saved after the end")
        st, body = page(srv, f"/consultations/{short_id}")
        check(st == 200 and "Звіт про результати обговорення" in body and
              "<strong>2</strong>" in body, "the outcome report shows")
        check("Зробіть зупинку біля лікарні." in body and "Ігор" in body,
              "the closed consultation keeps its comments readable")
        check(f'href="/consultations/{short_id}/draft.pdf"' in body, "a save keeps the PDF")

        # feeds and sitemaps
        st, h, b = srv.get("/consultations/atom.xml")
        check(st == 200 and "atom+xml" in h.get("content-type", ""), f"the Atom feed ({st})")
        feed = ET.fromstring(b)
        ns = {"a": "http://www.w3.org/2005/Atom"}
        titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
        check("Правила благоустрою міста" in titles, f"the feed lists it ({titles[:4]})")
        st, _, b = srv.get("/sitemaps/pages.xml")
        if st != 200:
            st, _, b = srv.get("/sitemap.xml")
        check(f"/consultations/{long_id}</loc>".encode() in b or
              f"/consultations/{long_id}<".encode() in b, "sitemap.xml lists the consultation")
        st, body = page(srv, "/sitemap")
        check('href="/consultations"' in body, "«Мапа сайту» links the section")
        st, body = page(srv, "/public-information")
        check('href="/consultations"' in body, "«Публічна інформація» links the section")
        st, body = page(srv, "/en/consultations")
        m = re.search(r'<link rel="canonical" href="([^"]*)"', body)
        check(st == 200 and m is not None and m.group(1).endswith("/en/consultations"),
              f"the English list's canonical link ({m.group(1) if m else None})")

        # the per-address limit on accepted comments (10 an hour)
        limited = False
        for i in range(25):
            st, body = comment(srv, long_id, name="Анна", email="a@example.com",
                               comment=f"Пропозиція {i}")
            if st == 429:
                limited = True
                break
        check(limited and i <= 11, f"comments from one address are limited ({i})")
        actions = [r[0] for r in rows(srv, "SELECT action FROM audit_log WHERE action LIKE "
                                          "'consultation.%' OR action LIKE 'comment.%' ORDER BY id")]
        check(actions[:2] == ["consultation.create"] * 2 and "comment.approve" in actions and
              "comment.reject" in actions and "consultation.update" in actions,
              f"audited ({actions})")

    # the list's order and pager: open ones first (soonest end first), then announced, then
    # finished ones newest first, 20 a page
    srv = Server(demo=False)
    t = int(time.time())
    con = sqlite3.connect(srv.db)
    rows_in = [(f"Завершене {i:02d}", t - 86400 * (40 - i), t - 86400 * (30 - i)) for i in range(22)]
    rows_in += [(f"Відкрите {i}", t - 3600, t + 86400 * (3 - i)) for i in range(3)]
    rows_in += [("Оголошене", t + 86400, t + 86400 * 20)]
    con.executemany("INSERT INTO consultations (title, starts_at, ends_at, created_at, updated_at) "
                    "VALUES (?, ?, ?, 0, 0)", rows_in)
    con.commit()
    con.close()
    with srv:
        st, body = page(srv, "/consultations")
        titles = re.findall(r'<p class="reg-name"><a href="/consultations/\d+">([^<]*)</a>', body)
        check(st == 200 and titles[:4] == ["Відкрите 2", "Відкрите 1", "Відкрите 0", "Оголошене"],
              f"open ones first, soonest end first, then the announced one ({titles[:4]})")
        check(len(titles) == 20 and titles[4] == "Завершене 21", f"then the newest finished ({titles[4:6]})")
        check('href="/consultations?page=2" rel="next"' in body, "a pager leads on")
        st, body = page(srv, "/consultations?page=2")
        titles = re.findall(r'<p class="reg-name"><a href="/consultations/\d+">([^<]*)</a>', body)
        check(st == 200 and titles[-1] == "Завершене 00" and len(titles) == 6,
              f"the second page ends with the oldest ({titles})")
        check('rel="prev"' in body, "and back")
        for q, want in (("?page=3", 404), ("?page=abc", 400), ("?page=0", 400)):
            st, _ = page(srv, "/consultations" + q)
            check(st == want, f"/consultations{q} answers {want} ({st})")

    srv = Server(demo=False, env={"VISNYK_CONSULTATIONS": "off"})
    with srv:
        for path in ("/consultations", "/consultations/1", "/consultations/atom.xml"):
            st, _ = page(srv, path)
            check(st == 404, f"{path} answers 404 when the section is off ({st})")
        st, body = page(srv, "/public-information")
        check('href="/consultations"' not in body and 'href="/vacancies"' in body,
              "«Публічна інформація» drops the switched-off section only")
        st, body = page(srv, "/sitemap")
        check('href="/consultations"' not in body, "«Мапа сайту» drops it too")
    done()


if __name__ == "__main__":
    main()
