"""The documents registry over HTTP (issue 13): an editor creates documents in the
workspace (multipart form with the signed PDF), bad input is refused with the error next
to its field and nothing saved, a document amended and then repealed by others shows
the links and the status that follows (page cache included), filters by type, year and
status, search over the registry's own index, a restricted document listed by number
without its title, text or PDF, a draft whose adoption date is refused when it falls
sooner than 10 working days after publication on a calendar with a holiday, the audit
log, an author kept out, and the section switched off by the operator."""
import html
import re
import sqlite3
import urllib.parse

from harness import Server, check, done
from test_admin import Client, add_user

PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
       b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def count_docs(srv):
    con = sqlite3.connect(srv.db)
    try:
        return con.execute("SELECT count(*) FROM registry_docs").fetchone()[0]
    finally:
        con.close()


def form(**kw):
    f = {"kind": "order", "number": "", "date": "2026-11-02", "title": "", "body": "",
         "link": "none", "amends_kind": "order", "amends_year": "", "amends_number": "",
         "discussion_from": "", "discussion_until": "", "adopted_on": ""}
    f.update(kw)
    return f


def save(client, fields, pdf=None, path="/admin/registry/new"):
    fields = dict(fields, csrf=client.csrf("/admin/registry/new"))
    files = [("pdf", "original.pdf", pdf, "application/pdf")] if pdf is not None else \
        [("pdf", "", b"", "application/octet-stream")]
    return client.post_multipart(path, fields, files)


def created_id(st, headers):
    m = re.match(r".*/admin/registry/(\d+)\?m=saved$", headers.get("location", ""))
    check(st == 303 and m is not None, f"saved and redirected (status {st}, {headers.get('location')})")
    return int(m.group(1)) if m else 0


def error_of(body, field_id):
    m = re.search(r'<span class="field-error" id="%s-err">([^<]*)</span>' % field_id, body)
    return html.unescape(m.group(1)) if m else ""


def page(srv, path):
    st, h, b = srv.get(path)
    return st, h, b.decode()


def main():
    srv = Server(demo=False, env={"VISNYK_HOLIDAYS": "2026-12-08, 2026-12-25"})
    add_user(srv, "editor1", "editor")
    add_user(srv, "writer", "author")
    with srv:
        editor, author = Client(srv), Client(srv)
        editor.login("editor1")
        author.login("writer")
        st, _, _ = author.get("/admin/registry")
        check(st == 403, f"an author may not open the registry (status {st})")

        # the empty registry is cached before anything is added
        st, _, body = page(srv, "/registry")
        check(st == 200 and "Знайдено документів: 0" in body, "the empty registry answers")
        st, _, body = page(srv, "/public-information")
        check('href="/registry"' in body and 'href="/vacancies"' in body,
              "«Публічна інформація» has the registry and vacancies")
        st, _, body = page(srv, "/sitemap")
        check('href="/registry"' in body and 'href="/vacancies/archive"' in body,
              "the HTML site map lists the registry and vacancies")

        # one bad value per field: 422, the error beside the field, nothing saved
        bad = [
            (form(number="", title="Назва"), "r-number", "заповніть"),
            (form(number="без цифр", title="Назва"), "r-number", "хоча б одну цифру"),
            (form(number="1-р<script>", title="Назва"), "r-number", "лише літери"),
            (form(number="1-р", title="Назва", date="2026-02-30"), "r-date", "РРРР-ММ-ДД"),
            (form(number="1-р", title=""), "r-title", "заповніть"),
            (form(number="1-р", title="ж" * 501), "r-title", "500"),
            (form(number="1-р", title="Назва\x01"), "r-title", "керівні"),
            (form(number="1-р", title="Назва", kind="law"), "r-kind", "вид документа"),
            (form(number="1-р", title="Назва", link="amends", amends_year="2026",
                  amends_number="999"), "r-amends", "немає в реєстрі"),
        ]
        for fields, fid, words in bad:
            st, _, body = save(editor, fields)
            err = error_of(body, fid)
            check(st == 422 and words in err, f"{fid} refused with «{words}» (status {st}: {err!r})")
        st, _, body = save(editor, form(number="1-р", title="Назва"), pdf=b"GIF89a not a pdf")
        check(st == 422 and "не документ PDF" in error_of(body, "r-pdf"),
              f"a file that is not a PDF is refused beside its field (status {st})")
        check("1-р" in body and 'value="Назва"' in body, "the form comes back as typed")
        check(count_docs(srv) == 0, "nothing was saved from the refused forms")

        # a document with its text and signed PDF
        st, h, _ = save(editor, form(number="1-р", title="Про програму розвитку туризму",
                                     body="Затвердити програму розвитку **туризму** області."),
                        pdf=PDF)
        first = created_id(st, h)
        st, _, body = page(srv, f"/registry/{first}")
        check(st == 200 and "Розпорядження № 1-р від 02.11.2026" in body,
              "the document page names type, number and date")
        check("<strong>туризму</strong>" in body, "the text is rendered from Markdown")
        check(">чинний<" in body, "a document nobody changed is in force")
        check(f'href="/registry/{first}/original.pdf"' in body, "the page links the signed PDF")
        st, h, raw = srv.get(f"/registry/{first}/original.pdf")
        check(st == 200 and raw == PDF and h.get("content-type") == "application/pdf",
              f"the PDF downloads as sent (status {st})")
        st, _, body = save(editor, form(number="1-р", title="Ще один"))
        check(st == 422 and "уже є" in error_of(body, "r-number"),
              "a second order 1-р of 2026 is refused")
        check(count_docs(srv) == 1, "the duplicate was not saved")

        # amended by another: the first one's (cached) page follows at once
        page(srv, f"/registry/{first}")
        st, h, _ = save(editor, form(number="5-р", date="2026-11-20", title="Про зміни до 1-р",
                                     link="amends", amends_kind="order", amends_year="2026",
                                     amends_number="1-р"))
        second = created_id(st, h)
        st, _, body = page(srv, f"/registry/{first}")
        check(">змінено<" in body and "Змінено документом" in body
              and f'href="/registry/{second}"' in body,
              "the amended document says «змінено» and links the amending one")
        st, _, body = page(srv, f"/registry/{second}")
        check("Вносить зміни до документа" in body and f'href="/registry/{first}"' in body,
              "the amending document links the amended one")
        # repealed by a third
        st, h, _ = save(editor, form(number="7-р", date="2026-11-25", title="Про скасування",
                                     link="repeals", amends_kind="order", amends_year="2026",
                                     amends_number="5-р"))
        third = created_id(st, h)
        st, _, body = page(srv, f"/registry/{second}")
        check(">втратив чинність<" in body and "скасовано документом" in body,
              "a repealed document is no longer in force")

        # a decree of another year, for the filters
        st, h, _ = save(editor, form(kind="decree", number="12", date="2025-03-14",
                                     title="Про графік прийому громадян"))
        decree = created_id(st, h)

        # filters
        def listed(query):
            st, _, body = page(srv, "/registry" + urllib.parse.quote(query, safe="?=&"))
            check(st == 200, f"/registry{query} answers (status {st})")
            return set(int(x) for x in re.findall(r'<p class="reg-name"><a href="/registry/(\d+)"', body))
        check(listed("") == {first, second, third, decree}, "the list shows every document")
        check(listed("?status=amended") == {first}, "status=amended")
        check(listed("?status=repealed") == {second}, "status=repealed")
        check(listed("?status=in_force") == {third, decree}, "status=in_force")
        check(listed("?type=decree") == {decree}, "type=decree")
        check(listed("?year=2025") == {decree}, "year=2025")
        check(listed("?year=2026&type=order&status=in_force") == {third}, "filters combine")
        check(listed("?q=туризму") == {first}, "search finds a word of the text")
        check(listed("?q=графік") == {decree}, "search finds a word of the title")
        check(listed("?q=неіснуючеслово") == set(), "search for an unknown word finds nothing")
        for q in ("?type=law", "?status=secret", "?year=abc", "?page=0"):
            st, _, _ = page(srv, "/registry" + q)
            check(st == 400, f"/registry{q} is a bad request (status {st})")

        # restricted: listed by number, without title, text or PDF, not searchable
        st, h, _ = save(editor, dict(form(number="9-дск", date="2026-11-27",
                                          title="Про розміщення об’єкта Бастіон",
                                          body="Зміст про укриття Бастіон."), restricted="1"),
                        pdf=PDF)
        secret = created_id(st, h)
        st, _, body = page(srv, "/registry")
        check(f'href="/registry/{secret}"' in body and "9-дск" in body and "Бастіон" not in body,
              "a restricted document is listed by number without its title")
        st, _, body = page(srv, f"/registry/{secret}")
        check(st == 200 and "Бастіон" not in body and "воєнного стану" in body
              and "original.pdf" not in body, "its page shows neither title, text nor PDF")
        st, _, _ = srv.get(f"/registry/{secret}/original.pdf")
        check(st == 404, f"its PDF is not served (status {st})")
        check(listed("?q=Бастіон") == set(), "its words are not in the search index")

        # a draft: adoption no sooner than 10 working days after publication; Tuesday
        # 2026-12-08 is a holiday here, so from Thursday 12-03 the earliest day is 12-18
        draft = form(kind="draft", number="П-3", date="2026-12-03", title="Проєкт рішення про бюджет",
                     discussion_from="2026-12-03", discussion_until="2026-12-10",
                     adopted_on="2026-12-17")
        st, _, body = save(editor, draft)
        err = error_of(body, "r-adopted")
        check(st == 422 and "10 робочих днів" in err and "18.12.2026" in err,
              f"an adoption date 9 working days after publication is refused ({err!r})")
        check(count_docs(srv) == 5, "the refused draft was not saved")
        st, h, _ = save(editor, dict(draft, adopted_on="2026-12-18"))
        created_id(st, h)
        con = sqlite3.connect(srv.db)
        row = con.execute("SELECT id FROM registry_docs WHERE number = 'П-3'").fetchone()
        con.close()
        check(row is not None, "the draft with an adoption date 10 working days on is saved")
        if row:
            st, _, body = page(srv, f"/registry/{row[0]}")
            check("Громадське обговорення" in body and "10.12.2026" in body and "18.12.2026" in body,
                  "the draft's page shows its discussion and adoption dates")
            st, _, body = page(srv, "/registry?type=draft")
            check("Зауваження приймаються до 10.12.2026" in body,
                  "the list shows the end of a draft's comment period")
        st, _, body = save(editor, dict(draft, number="П-4", discussion_until="2026-12-01"))
        check(st == 422 and "раніше за його початок" in error_of(body, "r-until"),
              "a discussion ending before it starts is refused")

        # the edit form round-trips and an edit is audited
        st, _, body = editor.get(f"/admin/registry/{second}")
        check(st == 200 and 'value="5-р"' in body and 'value="1-р"' in body
              and '<option value="amends" selected>' in body, "the edit form shows the stored document")
        st, h, _ = save(editor, form(number="5-р", date="2026-11-20", title="Про зміни до 1-р (нова назва)",
                                     link="amends", amends_kind="order", amends_year="2026",
                                     amends_number="1-р"), path=f"/admin/registry/{second}")
        check(created_id(st, h) == second, "an edit keeps the id")
        st, _, body = page(srv, f"/registry/{first}")
        check("Про зміни до 1-р" in body or "5-р" in body, "the amended page still links the amending one")
        con = sqlite3.connect(srv.db)
        actions = [r[0] for r in con.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'registry.%' ORDER BY id")]
        con.close()
        check(actions.count("registry.create") == 6 and actions.count("registry.update") == 1,
              f"each save is in the audit log ({actions})")
        st, _, _ = editor.get("/admin/registry")
        check(st == 200, "the workspace list answers")

        # the Atom feed and sitemap.xml carry the documents; the restricted one without
        # its title or text
        st, h, raw = srv.get("/registry/atom.xml")
        feed = raw.decode()
        check(st == 200 and h.get("content-type", "").startswith("application/atom+xml"),
              f"the registry's Atom feed answers ({st})")
        import xml.dom.minidom
        try:
            xml.dom.minidom.parseString(raw)
            wellformed = True
        except Exception:
            wellformed = False
        check(wellformed, "the feed is well-formed XML")
        check(feed.count("<entry>") == 6 and f"/registry/{first}</id>" in feed
              and "туризму" in feed and "Бастіон" not in feed,
              "the feed has every document, the restricted one without title or text")
        st, _, body = page(srv, f"/lv/registry/{first}")
        check(st == 200 and 'href="/lv/registry"' in body and "/lv/lv/" not in body,
              "the low-vision copy of a document links within the mode")

        # the static mirror holds the registry, each document and its PDF, not the
        # restricted one's
        import os
        import tempfile
        out = tempfile.mkdtemp(prefix="visnyk-reg-mirror-")
        p = srv.run_cli("export-static", out, "--db", srv.db, "--media", srv.media)
        broken = [l for l in (p.stdout + p.stderr).splitlines() if "broken link" in l
                  and ("registry" in l or "vacanc" in l)]
        check(p.returncode == 0 and broken == [],
              f"export-static runs with no broken registry link: {broken} {p.stderr[-300:]}")
        check(os.path.exists(os.path.join(out, "registry", "index.html"))
              and os.path.exists(os.path.join(out, "registry", str(first), "original.pdf"))
              and os.path.exists(os.path.join(out, "registry", str(secret), "index.html"))
              and not os.path.exists(os.path.join(out, "registry", str(secret), "original.pdf")),
              "the mirror has the registry pages and the PDFs that are public")
        # `visnyk check` knows the registry's PDFs: one removed is reported missing
        p = srv.run_cli("check", "--db", srv.db, "--media", srv.media)
        check(p.returncode == 0 and "0 files missing" in p.stdout, f"check passes: {p.stdout[-200:]}")
        con = sqlite3.connect(srv.db)
        h = con.execute("SELECT pdf_hash FROM registry_docs WHERE id = ?", (first,)).fetchone()[0]
        con.close()
        os.rename(os.path.join(srv.media, h + ".pdf"), os.path.join(out, "moved.pdf"))
        p = srv.run_cli("check", "--db", srv.db, "--media", srv.media)
        check(p.returncode != 0 and h in p.stdout, f"check names a missing registry PDF: {p.stdout[-300:]}")
        os.rename(os.path.join(out, "moved.pdf"), os.path.join(srv.media, h + ".pdf"))
        st, _, raw = srv.get("/sitemaps/pages.xml")
        sm = raw.decode()
        check(all(f"/registry/{i}</loc>" in sm for i in (first, second, third, decree, secret))
              and "/registry</loc>" in sm, "sitemap.xml lists the registry and each document")

    # the operator switches the section off
    srv = Server(demo=False, env={"VISNYK_REGISTRY": "off"})
    with srv:
        st, _, _ = page(srv, "/registry")
        check(st == 404, f"/registry answers 404 when the section is off (status {st})")
        st, _, body = page(srv, "/public-information")
        check('href="/registry"' not in body and 'href="/vacancies"' in body,
              "«Публічна інформація» and the menu drop only the switched-off section")
        st, _, body = page(srv, "/sitemap")
        check('href="/registry"' not in body, "so does the site map")
        st, _, raw = srv.get("/sitemaps/pages.xml")
        check(b"/registry" not in raw and b"/vacancies" in raw, "and sitemap.xml")
        st, _, _ = srv.get("/registry/atom.xml")
        check(st == 404, "and the feed")
    done()


if __name__ == "__main__":
    main()
