"""A department's details (head, functions, address, phone, e-mail, reception hours) over
HTTP: an editor edits them in the workspace, every bad field is refused with its error
next to it and nothing saved, good ones show at the top of /departments/:slug at once
(page cache included) with tel:/mailto: links and hostile text shown as text, in the
page's GovernmentOrganization JSON-LD, in the API's department object and in the audit
log; an author may not edit them."""
import html
import json
import os
import re
import sqlite3
import tempfile

from harness import Server, check, done
from test_admin import Client, add_user

DEPT = "Відділ перевірки відомостей"
SLUG = "viddil-perevirky-vidomostei"


def details_row(srv):
    con = sqlite3.connect(srv.db)
    try:
        return con.execute("SELECT head_name, head_position, functions_md, address, phone, "
                           "email, hours FROM departments WHERE slug = ?", (SLUG,)).fetchone()
    finally:
        con.close()


def field_block(body, field):
    """The <p> holding the input of field (its label, input, error and hint)."""
    m = re.search(r'<p><label for="d-%s">.*?</p>' % field, body, re.S)
    return m.group(0) if m else ""


GOOD = {"head_name": "Петренко Олена Іванівна", "head_position": "начальник відділу",
        "functions": "Відділ перевіряє:\n\n- відомості;\n- контакти.",
        "address": "36014, Полтава, вулиця Соборності, 45", "phone": "+380 (532) 56-02-90",
        "email": "Viddil@Example.gov.ua", "hours": "Понеділок: 10:00–13:00\nЧетвер: 14:00–17:00"}

# one bad value per field, and the words its error must say
BAD = [
    ("head_name", "Петренко\nОлена", "один рядок"),
    ("head_name", "ж" * 301, "Найбільше символів: 300"),
    ("head_position", "директор\x01", "один рядок"),
    ("functions", "ж" * 20001, "Найбільше символів: 20000"),
    ("functions", "текст\x02", "керівні символи"),
    ("address", "а" * 301, "Найбільше символів: 300"),
    ("phone", "<script>alert(1)</script>", "лише цифри"),
    ("phone", "112", "від 5 до 15 цифр"),
    ("phone", "+380 (532) 56-02-90 дод. 5", "лише цифри"),
    ("email", "not an address", "ім’я@домен"),
    ("email", "a@b.ua\"><script>", "ім’я@домен"),
    ("hours", "Пн\x7f", "керівні символи"),
]


def main():
    dict_dir = tempfile.mkdtemp(prefix="visnyk-dict-")
    with open(os.path.join(dict_dir, "t.aff"), "w") as f:
        f.write("SET UTF-8\n")
    with open(os.path.join(dict_dir, "t.dic"), "w") as f:
        f.write("1\nтест\n")
    srv = Server(demo=False, env={"VISNYK_HUNSPELL_AFF": os.path.join(dict_dir, "t.aff"),
                                  "VISNYK_HUNSPELL_DIC": os.path.join(dict_dir, "t.dic")})
    # a department is public once it has a published article
    md = os.path.join(srv.dir, "news.md")
    with open(md, "w") as f:
        f.write(f"---\ntitle: Новина відділу\ndate: 2026-11-01 10:00\ndepartments:\n"
                f"  - {DEPT}\n---\nТекст новини.\n")
    srv.run_cli("import", "--db", srv.db, "--media", srv.media, md, check_rc=True)
    add_user(srv, "editor1", "editor")
    add_user(srv, "writer", "author")
    with srv:
        editor, author, reader = Client(srv), Client(srv), Client(srv)
        editor.login("editor1")
        author.login("writer")
        st, _, body = editor.get("/admin/departments")
        m = re.search(r'href="/admin/departments/(\d+)">[^<]*<span class="sr-only">: '
                      + re.escape(DEPT), body)
        check(st == 200 and m is not None, "the departments list links each one's details")
        dept_id = m.group(1) if m else "0"
        edit = f"/admin/departments/{dept_id}"

        st, _, api = reader.get("/api/v1/departments")  # cached now, with empty details
        check(st == 200 and json.loads(api)["items"][0]["details"]["phone"] == "",
              "the API's department has empty details before any are saved")

        # the public page before any details: no block, and now it is cached
        st, _, page = reader.get(f"/departments/{SLUG}")
        check(st == 200 and "dept-info" not in page, "no details block before any are saved")
        st, hdrs, _ = reader.get(f"/departments/{SLUG}")

        st, _, form = editor.get(edit)
        check(st == 200 and all(f'name="{k}"' for k in GOOD), "the edit form has every field")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)

        for field, value, words in BAD:
            fields = dict(GOOD, csrf=csrf)
            fields[field] = value
            st, _, body = editor.post(edit + "/details", fields)
            block = field_block(body, field)
            others = [k for k in GOOD if k != field and 'class="field-error"' in field_block(body, k)]
            check(st == 422, f"{field}={value[:30]!r}: 422 ({st})")
            check(f'id="d-{field}-err"' in block and words in html.unescape(block)
                  and 'aria-invalid="true"' in block,
                  f"{field}={value[:30]!r}: the error is next to its field, saying {words!r}")
            check(not others, f"{field}={value[:30]!r}: no other field is marked ({others})")
            check(details_row(srv) == ("",) * 7, f"{field}={value[:30]!r}: nothing saved")
            check("<script>" not in body, f"{field}: the typed value comes back escaped")

        # an author may neither see nor save the form; a POST without the token is refused
        st, _, _ = author.get(edit)
        check(st == 403, f"an author may not open the details ({st})")
        st, _, _ = author.post(edit + "/details", dict(GOOD, csrf=csrf))
        check(st == 403, f"an author may not save the details ({st})")
        st, _, _ = editor.post(edit + "/details", dict(GOOD))
        check(st == 403, f"a save without the CSRF token is refused ({st})")
        check(details_row(srv) == ("",) * 7, "nothing saved by refused requests")
        st, _, _ = editor.get("/admin/departments/999999")
        check(st == 404, f"an unknown department is 404 ({st})")

        # good values, some of them hostile text that must come out as text
        hostile = dict(GOOD, csrf=csrf, head_name='<script>alert("x")</script> Ім’я',
                       address='вул. "Соборності" & <b>45</b>',
                       functions="Функції <script>alert(1)</script>\n\n[посилання](javascript:alert(1))")
        st, hdrs, _ = editor.post(edit + "/details", hostile)
        check(st == 303 and hdrs.get("location", "").startswith(edit),
              f"good details are saved ({st} {hdrs.get('location')})")
        row = details_row(srv)
        check(row is not None and row[5] == "viddil@example.gov.ua",
              f"the e-mail is stored normalised ({row and row[5]})")
        st, _, form = editor.get(edit + "?m=saved")
        check(st == 200 and "&lt;script&gt;alert(&quot;x&quot;)" in form,
              "the form shows the saved values, escaped")

        st, _, page = reader.get(f"/departments/{SLUG}")
        check(st == 200 and "dept-info" in page,
              "the department's page shows the details at once (its cached copy was dropped)")
        check('href="tel:+380532560290"' in page and ">+380 (532) 56-02-90</a>" in page,
              "the phone is a tel: link with digits only")
        check('href="mailto:viddil@example.gov.ua"' in page, "the e-mail is a mailto: link")
        check("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Ім’я" in page,
              "a hostile head name is shown as text")
        check("вул. &quot;Соборності&quot; &amp; &lt;b&gt;45&lt;/b&gt;" in page,
              "a hostile address is shown as text")
        check("<script>alert" not in page and "javascript:" not in page,
              "no script or javascript: link from the functions' Markdown")
        check("<p>Функції" in page and "посилання" in page and "<a href" not in
              page[page.index("dept-functions"):page.index('class="cards"')],
              "the functions are rendered from Markdown, the refused link as its text")
        check("Понеділок: 10:00–13:00\nЧетвер: 14:00–17:00" in page,
              "reception hours keep their lines")
        check(page.index("dept-info") < page.index('class="cards"'),
              "the details come above the department's news")
        ld = None
        for blob in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S):
            doc = json.loads(blob)
            if doc.get("@type") == "GovernmentOrganization" and doc.get("name") == DEPT:
                ld = doc
        check(ld is not None and ld.get("telephone") == GOOD["phone"]
              and ld.get("email") == "viddil@example.gov.ua"
              and ld.get("employee", {}).get("jobTitle") == GOOD["head_position"]
              and ld.get("parentOrganization", {}).get("@type") == "GovernmentOrganization",
              f"the page has the department's GovernmentOrganization JSON-LD ({ld})")
        check("<script>alert" not in "".join(re.findall(
            r'<script type="application/ld\+json">(.*?)</script>', page, re.S)),
            "the JSON-LD escapes < in names")

        st, _, api = reader.get("/api/v1/departments")
        item = json.loads(api)["items"][0] if st == 200 else {}
        check(item.get("details", {}).get("phone") == GOOD["phone"]
              and item["details"].get("email") == "viddil@example.gov.ua"
              and item["details"].get("functions_markdown") == hostile["functions"]
              and item["details"].get("reception_hours") == GOOD["hours"],
              f"the API's department carries the saved details at once ({item})")

        con = sqlite3.connect(srv.db)
        audit = con.execute("SELECT user_name, object FROM audit_log WHERE action = "
                            "'dept.details'").fetchall()
        con.close()
        check(audit == [("editor1", f"dept:{dept_id}")], f"the save is in the audit log ({audit})")

        # emptied again: the block goes away
        st, _, _ = editor.post(edit + "/details", {"csrf": csrf})
        st2, _, page = reader.get(f"/departments/{SLUG}")
        check(st == 303 and "dept-info" not in page and "Новина відділу" in page,
              "emptied details leave just the news")
    done()


if __name__ == "__main__":
    main()
