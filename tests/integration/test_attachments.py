"""Documents (PDF) attached to articles: upload by an editor (several at once, titles
given or taken from file names), refusal by content (HTML renamed .pdf, a JPEG, an empty
file, a cut-off PDF, an oversize one), the list on the public page with type and size in
Ukrainian format, the download's headers and bytes (ETag/304, nosniff, sandbox CSP,
Content-Disposition with the UTF-8 title), no path traversal, rename/reorder/remove,
roles (an author may not touch another's article, may attach to an own draft), CSRF,
the audit log, the JSON API, and `visnyk check` failing when a document's file is gone."""
import os
import re
import sqlite3
import time
import urllib.parse

from harness import Server, check, done
from test_admin import Client, add_user, article_form, article_id_from

BOUNDARY = "----visnykdocs9Xq2"


def pdf(pages=1, pad=0):
    """A minimal valid PDF (correct xref offsets) of `pages` pages, padded with an
    uncompressed stream of `pad` bytes."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count %d /Kids [%s] >>" % (
                pages, b" ".join(b"%d 0 R" % (4 + i) for i in range(pages)))]
    filler = bytes((i * 7 + 13) % 251 for i in range(pad))
    objs.append(b"<< /Length %d >>\nstream\n" % len(filler) + filler + b"\nendstream")
    for _ in range(pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def size_uk(n):
    """The size as the site writes it (see media_doc_size_format)."""
    if n < 1024:
        return f"{n}\u00a0Б"
    kb = (n + 512) // 1024
    if kb < 1024:
        return f"{kb}\u00a0КБ"
    tenths = (n * 10 + 524288) // 1048576
    return f"{tenths // 10},{tenths % 10}\u00a0МБ"


def multipart(parts):
    """parts: (name, filename or None, bytes) in order."""
    chunks = []
    for name, filename, data in parts:
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"'
        if filename is not None:
            head += f'; filename="{filename}"\r\nContent-Type: application/pdf'
        chunks.append(head.encode() + b"\r\n\r\n" + data + b"\r\n")
    return b"".join(chunks) + f"--{BOUNDARY}--\r\n".encode()


def upload(client, aid, parts):
    return client.request("POST", f"/admin/articles/{aid}/documents", multipart(parts),
                          {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})


def eventually(fn, timeout=10.0):
    """Polls fn until it returns something true or the deadline passes (a reader thread
    may still answer from the snapshot it took before the write; see the report)."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.1)


def doc_ids(body):
    return re.findall(r'name="dorder_(\d+)"', body)


def main():
    srv = Server(demo=False)
    add_user(srv, "editor1", "editor")
    add_user(srv, "writer", "author")
    with srv.start():
        editor, author = Client(srv), Client(srv)
        editor.login("editor1")
        author.login("writer")
        ecsrf = editor.csrf()

        title = "Сесія обласної ради ухвалила бюджет"
        st, h, _ = editor.post("/admin/articles/new", article_form(ecsrf, title, action="publish"))
        aid = article_id_from(h)
        check(st == 303 and aid > 0, f"editor publishes an article ({st})")
        st, _, body = editor.get(f"/admin/articles/{aid}")
        slug = re.search(r'name="slug" value="([a-z0-9-]+)"', body).group(1)
        check('id="documents"' in body and 'name="document"' in body,
              "edit page has the documents section and upload form")

        big = pdf(pages=3, pad=1_250_000)
        small = pdf(pages=2)
        t0 = time.time()
        st, h, body = upload(editor, aid, [("csrf", None, ecsrf.encode()),
                                           ("title", None, "Рішення сесії № 12".encode()),
                                           ("document", "scan0001.pdf", big),
                                           ("title", None, b""),
                                           ("document", "Звіт_про_виконання.PDF", small)])
        check(st == 303 and "m=documents_uploaded" in h.get("location", ""),
              f"two PDFs uploaded ({st}) {re.findall(r'<li class=.err.>.*?</li>', body)}")
        print(f"upload of {len(big) + len(small)} bytes: {time.time() - t0:.2f} s")

        st, _, body = editor.get(f"/admin/articles/{aid}")
        ids = doc_ids(body)
        check(len(ids) == 2, f"two documents listed in the editor ({ids})")
        check("Рішення сесії № 12" in body and "Звіт про виконання" in body,
              "given title kept, missing title taken from the file name")
        check("3 стор." in body and "2 стор." in body, "page counts shown to the editor")

        # refused by content, each with a clear message
        cases = [
            ("HTML renamed .pdf", "report.pdf", b"<!doctype html><script>alert(1)</script>" * 3,
             "не документ PDF"),
            ("a JPEG renamed .pdf", "photo.pdf", b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\0" * 200,
             "не документ PDF"),
            ("an empty file", "empty.pdf", b"", "порожній"),
            ("a cut-off PDF", "cut.pdf", small[:-40], "обрізаний"),
            ("an oversize PDF", "huge.pdf", b"%PDF-1.4\n" + b"0" * (16 * 1024 * 1024) + b"%%EOF\n",
             "16 МБ"),
        ]
        for what, name, data, words in cases:
            st, _, body = upload(editor, aid, [("csrf", None, ecsrf.encode()),
                                               ("document", name, data)])
            check(st == 422 and name in body and words in body,
                  f"{what} refused with a message ({st})")
        st, _, body = editor.get(f"/admin/articles/{aid}")
        check(len(doc_ids(body)) == 2, "nothing refused was recorded")

        # the public page lists them with type and size
        def listed():
            p = srv.get(f"/news/{urllib.parse.quote(slug)}")[2].decode()
            return p if "Рішення сесії № 12" in p else ""
        page = eventually(listed)
        check("<h2 id=\"documents-title\">Документи</h2>" in page,
              "article page has the «Документи» heading")
        want = f"(PDF, {size_uk(len(big))}, 3&nbsp;стор.)"
        check(want in page, f"type, size and pages in Ukrainian format: {want}")
        check(size_uk(len(big)).startswith("1,2"), f"a 1.2 MB file reads «1,2 МБ» ({size_uk(len(big))})")
        links = re.findall(r'<a href="(/documents/[0-9a-f]{64}/[a-z0-9-]+\.pdf)" '
                           r'type="application/pdf">([^<]+)</a>', page)
        check(len(links) == 2 and links[0][1] == "Рішення сесії № 12", f"links in order: {links}")
        url = links[0][0]
        check(url.endswith("/rishennia-sesii-12.pdf"), f"readable URL name ({url})")

        # the download
        st, hd, data = srv.get(url)
        hd = {k.lower(): v for k, v in hd.items()} if isinstance(hd, dict) else dict(
            (k.lower(), v) for k, v in hd)
        check(st == 200 and data == big, f"download returns the exact bytes ({st}, {len(data)})")
        check(hd.get("content-type") == "application/pdf", f"Content-Type ({hd.get('content-type')})")
        cd = hd.get("content-disposition", "")
        check(cd.startswith('attachment; filename="rishennia-sesii-12.pdf"') and
              "filename*=UTF-8''" + urllib.parse.quote("Рішення сесії № 12", safe="") + ".pdf" in cd,
              f"Content-Disposition with ASCII fallback and UTF-8 title ({cd})")
        check(hd.get("x-content-type-options") == "nosniff", "nosniff")
        check(hd.get("content-security-policy", "").startswith("sandbox"),
              f"sandbox CSP ({hd.get('content-security-policy')})")
        check("immutable" in hd.get("cache-control", ""), "long cache")
        etag = hd.get("etag", "")
        st, _, data = srv.get(url, headers={"If-None-Match": etag})
        check(etag and st == 304 and data == b"", f"ETag revalidates with 304 ({st})")
        st, hd, _ = srv.get(url, method="HEAD")
        check(st == 200, f"HEAD answers ({st})")

        # nothing but a known hash reaches the disk
        h0 = url.split("/")[2]
        for bad in ["/documents/../../etc/passwd", f"/documents/{h0.upper()}/x.pdf",
                    f"/documents/{h0}/..%2F..%2Fetc%2Fpasswd", f"/documents/{h0}/x.exe",
                    f"/documents/{'0' * 64}/x.pdf", "/documents/%2e%2e/%2e%2e/visnyk.db",
                    f"/documents/{h0}.pdf/x.pdf"]:
            st, _, data = srv.get(bad)
            check(st in (400, 404) and data != big, f"{bad} refused ({st})")
        st, _, data = srv.get(f"/media/{h0}.pdf")
        check(st == 404, f"the raw media name is not served ({st})")

        # the JSON API lists them
        st, _, api = srv.get(f"/api/v1/articles/{aid}")
        check(st == 200 and b'"documents"' in api and b'"application/pdf"' in api and
              str(len(big)).encode() in api, f"API article lists documents ({st})")

        # roles and CSRF
        st, _, _ = upload(author, aid, [("csrf", None, author.csrf().encode()),
                                        ("document", "x.pdf", small)])
        check(st == 403, f"an author cannot attach to another's article ({st})")
        st, _, _ = author.post(f"/admin/articles/{aid}/documents/arrange",
                               {"csrf": author.csrf(), f"dremove_{ids[0]}": "1"})
        check(st == 403, f"an author cannot remove another's documents ({st})")
        st, _, _ = upload(editor, aid, [("csrf", None, b"0" * 32), ("document", "x.pdf", small)])
        check(st == 403, f"upload without the right CSRF token refused ({st})")
        st, _, _ = upload(editor, aid, [("document", "x.pdf", small)])
        check(st == 403, f"upload without a CSRF token refused ({st})")
        st, _, _ = editor.post(f"/admin/articles/{aid}/documents/arrange",
                               {f"dremove_{ids[0]}": "1"})
        check(st == 403, f"arrange without a CSRF token refused ({st})")
        acsrf = author.csrf()
        st, h, _ = author.post("/admin/articles/new", article_form(acsrf, "Чернетка автора"))
        own = article_id_from(h)
        st, h, _ = upload(author, own, [("csrf", None, acsrf.encode()),
                                        ("title", None, "Додаток".encode()),
                                        ("document", "a.pdf", small)])
        check(st == 303, f"an author attaches to an own draft ({st})")

        # rename, reorder, remove
        fields = {"csrf": ecsrf, f"dorder_{ids[0]}": "2", f"dorder_{ids[1]}": "1",
                  f"dtitle_{ids[1]}": "Звіт про виконання бюджету", f"dtitle_{ids[0]}": ""}
        st, h, _ = editor.post(f"/admin/articles/{aid}/documents/arrange", fields)
        check(st == 303 and "m=documents_saved" in h.get("location", ""), f"documents saved ({st})")
        def reordered():
            page = srv.get(f"/news/{urllib.parse.quote(slug)}")[2].decode()
            a1 = page.find("Звіт про виконання бюджету")
            a2 = page.find("Рішення сесії № 12")
            return 0 < a1 < a2
        check(eventually(reordered), "renamed and reordered on the public page (cache invalidated)")
        st, h, _ = editor.post(f"/admin/articles/{aid}/documents/arrange",
                               {"csrf": ecsrf, f"dremove_{ids[0]}": "1"})
        check(st == 303, f"document removed ({st})")
        check(eventually(lambda: "Рішення сесії № 12".encode() not in
                         srv.get(f"/news/{urllib.parse.quote(slug)}")[2]),
              "removed document gone from the page")
        check(eventually(lambda: srv.get(url)[0] == 404), "removed document's link answers 404")
        db = sqlite3.connect(srv.db)
        kept = db.execute("SELECT count(*) FROM article_attachments WHERE id=? AND removed_at>0",
                          (int(ids[0]),)).fetchone()[0]
        check(kept == 1, "the removed row is kept (never lost)")
        audit = dict(db.execute("SELECT action, count(*) FROM audit_log "
                                "WHERE action LIKE 'document.%' GROUP BY action").fetchall())
        check(audit.get("document.upload", 0) == 3 and audit.get("document.refused", 0) == 5 and
              audit.get("document.remove", 0) == 1 and audit.get("document.arrange", 0) == 1,
              f"audit entries for every upload, refusal and change: {audit}")
        who = db.execute("SELECT user_name, ip, detail FROM audit_log "
                         "WHERE action='document.upload' ORDER BY id LIMIT 1").fetchone()
        check(who[0] == "editor1" and who[1] and "Рішення сесії № 12" in who[2],
              f"audit says who, from where, what ({who})")
        db.close()

        # visnyk check sees a missing document file
        p = srv.run_cli("check", "--db", srv.db, "--media", srv.media)
        check(p.returncode == 0 and "documents referenced" in p.stdout,
              f"check passes with every document present ({p.returncode}: {p.stdout.strip()})")
        live = links[1][0].split("/")[2]
        os.rename(os.path.join(srv.media, f"{live}.pdf"), os.path.join(srv.dir, "moved.pdf"))
        p = srv.run_cli("check", "--db", srv.db, "--media", srv.media)
        check(p.returncode == 1 and f"{live}.pdf is referenced but missing" in p.stdout,
              f"check fails when a document's file is gone ({p.returncode}: {p.stdout.strip()})")
    done()


if __name__ == "__main__":
    main()
