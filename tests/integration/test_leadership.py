"""The leadership page over HTTP (issue 13) on the demo site: /leadership lists the
head and three deputies in order with their areas, the departments they oversee (links
that answer) and contacts; it is in the menu, the site map and sitemap.xml, and under
/lv and /en. In the workspace an author is kept out; an editor's bad input is refused
with the error beside its field and nothing saved; a good save, a reorder and a
deletion show on the cached page at once and are in the audit log; a photo uploaded
through the media worker shows as a picture (not in the low-vision mode), a file that is
not an image is refused beside the field, and the photo can be removed."""
import html
import os
import re
import sqlite3

from harness import Server, check, done
from test_admin import Client, add_user, png


def db(srv, sql, *args):
    con = sqlite3.connect(srv.db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def page(srv, path):
    st, _, b = srv.get(path)
    return st, b.decode()


def names(body):
    return [html.unescape(n) for n in re.findall(r'<li class="dept-info leader" id="leader-\d+">\s*(?:<div class="leader-photo">.*?</div>\s*)?<h2>([^<]*)</h2>', body)]


def error_of(body, fid):
    m = re.search(r'<span class="field-error" id="%s-err">([^<]*)</span>' % fid, body)
    return html.unescape(m.group(1)) if m else ""


GOOD = {"name": "Ткаченко Юлія Андріївна", "position": "Заступник голови — керівник апарату",
        "sort": "5", "areas": "кадрова робота\nзвернення громадян", "phone": "+380 (532) 56-00-45",
        "email": "Aparat@Adm-PL.gov.ua", "hours": "П’ятниця: 10:00–12:00"}


def save(client, path="/admin/leadership/new", depts=(), **fields):
    f = dict(GOOD, **fields)
    f["csrf"] = client.csrf("/admin/leadership/new")
    f["dept"] = list(depts)
    return client.post(path, f)


def check_public(srv):
    st, body = page(srv, "/leadership")
    check(st == 200, f"/leadership answers (status {st})")
    got = names(body)
    check(len(got) == 4 and got[0] == "Мельниченко Андрій Васильович",
          f"the demo's head and three deputies, the head first ({got})")
    check("Голова обласної військової адміністрації" in body and "Перший заступник голови" in body,
          "positions shown")
    check('href="tel:+380532560001"' in body and 'href="mailto:head@adm-pl.gov.ua"' in body,
          "phone and e-mail as links")
    links = set(re.findall(r'href="(/departments/[^"]+)"', body))
    check(len(links) >= 5, f"the leaders' departments are linked ({len(links)})")
    for link in sorted(links)[:3]:
        st, _ = page(srv, link)
        check(st == 200, f"{link} answers (status {st})")
    for path in ("/lv/leadership", "/en/leadership"):
        st, b = page(srv, path)
        check(st == 200 and "Мельниченко" in b, f"{path} answers with the leaders")
    st, body = page(srv, "/")
    check('href="/leadership"' in body, "the default menu has the leadership")
    st, body = page(srv, "/sitemap")
    check('href="/leadership"' in body, "the site map has the leadership")
    st, body = page(srv, "/sitemaps/pages.xml")
    check("/leadership</loc>" in body, "sitemap pages.xml has the leadership")


def main():
    srv = Server()
    add_user(srv, "editor1", "editor")
    add_user(srv, "writer", "author")
    with srv:
        editor, author = Client(srv), Client(srv)
        editor.login("editor1")
        author.login("writer")
        check_public(srv)

        for path in ("/admin/leadership", "/admin/leadership/new", "/admin/leadership/1"):
            st, _, _ = author.get(path)
            check(st == 403, f"an author gets 403 for {path} (status {st})")
        token = author.csrf("/admin/articles/new")
        st, _, _ = author.post("/admin/leadership/new", dict(GOOD, csrf=token))
        check(st == 403, f"an author may not add a leader (status {st})")
        st, _, _ = author.post("/admin/leadership/1/delete", {"csrf": token})
        check(st == 403, f"an author may not delete a leader (status {st})")

        st, _, body = editor.get("/admin/leadership")
        check(st == 200 and "Мельниченко" in body, "the editor sees the list")
        dept_ids = [r[0] for r in db(srv, "SELECT id FROM departments ORDER BY id LIMIT 2")]
        n = db(srv, "SELECT count(*) FROM leaders")[0][0]
        for fields, fid, words in [
            ({"name": ""}, "l-name", "заповніть"),
            ({"name": "Ім’я\x01"}, "l-name", "керівні"),
            ({"position": "   "}, "l-position", "заповніть"),
            ({"sort": "перший"}, "l-sort", "від 0 до 999"),
            ({"sort": "1000"}, "l-sort", "від 0 до 999"),
            ({"phone": "дзвоніть"}, "l-phone", ""),
            ({"email": "aparat@"}, "l-email", "ім’я@домен"),
            ({"areas": "х" * 5001}, "l-areas", ""),
        ]:
            st, _, body = save(editor, **fields)
            err = error_of(body, fid)
            check(st == 422 and err != "" and words.lower() in err.lower(),
                  f"{fields!r:.60} is refused beside {fid} (status {st}, '{err}')")
        st, _, body = save(editor, depts=[dept_ids[0], 999999])
        check(st == 422 and error_of(body, "l-depts") != "", "an unknown department is refused")
        check('value="Ткаченко Юлія Андріївна"' in body, "the form comes back as typed")
        check(db(srv, "SELECT count(*) FROM leaders")[0][0] == n, "nothing was saved")

        # a good save shows on the cached page at once
        page(srv, "/leadership")
        st, h, _ = save(editor, depts=dept_ids)
        m = re.match(r".*/admin/leadership/(\d+)\?m=saved$", h.get("location", ""))
        check(st == 303 and m is not None, f"a good leader is saved (status {st})")
        lid = int(m.group(1)) if m else 0
        row = db(srv, "SELECT email, sort FROM leaders WHERE id = ?", lid)
        check(row == [("aparat@adm-pl.gov.ua", 5)], f"stored with the e-mail normalised ({row})")
        check(len(db(srv, "SELECT * FROM leader_departments WHERE leader_id = ?", lid)) == 2,
              "with both departments")
        st, body = page(srv, "/leadership")
        got = names(body)
        check(got[-1:] == ["Ткаченко Юлія Андріївна"], f"the new leader is last (sort 5) ({got})")
        check("кадрова робота" in body and "П’ятниця: 10:00–12:00" in body, "areas and hours shown")

        # reorder: sort 0 puts her first
        st, _, body = editor.get(f"/admin/leadership/{lid}")
        check(st == 200 and 'value="5"' in body and "checked" in body, "the edit form is filled")
        st, _, _ = save(editor, path=f"/admin/leadership/{lid}", sort="0", depts=[])
        check(st == 303, f"the edit is saved (status {st})")
        st, body = page(srv, "/leadership")
        check(names(body)[:1] == ["Ткаченко Юлія Андріївна"], "reordered to the top at once")
        check(db(srv, "SELECT count(*) FROM leader_departments WHERE leader_id = ?", lid)[0][0] == 0,
              "the departments were cleared")

        # delete
        token = editor.csrf(f"/admin/leadership/{lid}")
        st, h, _ = editor.post(f"/admin/leadership/{lid}/delete", {"csrf": token})
        check(st == 303 and h.get("location", "").endswith("/admin/leadership?m=deleted"),
              f"deleted (status {st})")
        st, body = page(srv, "/leadership")
        check("Ткаченко" not in body and len(names(body)) == 4, "gone from the page at once")
        st, _, _ = editor.get(f"/admin/leadership/{lid}")
        check(st == 404, f"its form is 404 (status {st})")
        acts = [r[0] for r in db(srv, "SELECT action FROM audit_log WHERE object = ? ORDER BY id",
                                 f"leader:{lid}")]
        check(acts == ["leader.create", "leader.update", "leader.delete"], f"audited ({acts})")
        check_photo(srv, editor)
    done()


def check_photo(srv, editor):
    lid = db(srv, "SELECT id FROM leaders ORDER BY sort, id LIMIT 1")[0][0]
    path = f"/admin/leadership/{lid}/photo"
    page(srv, "/leadership")  # cached before the upload
    token = editor.csrf(f"/admin/leadership/{lid}")
    st, _, body = editor.post_multipart(path, {"csrf": token},
                                        [("photo", "notes.txt", b"not a photo at all", "text/plain")])
    check(st == 422 and error_of(body, "l-photo") != "", f"a text file is refused beside the field ({st})")
    st, _, body = editor.post_multipart(path, {"csrf": token}, [("photo", "", b"", "image/png")])
    check(st == 422 and "Прибрати фото" in error_of(body, "l-photo"), "no file: asked for one")
    check(db(srv, "SELECT photo_hash FROM leaders WHERE id = ?", lid)[0][0] == "", "nothing stored")
    st, h, _ = editor.post_multipart(path, {"csrf": token},
                                     [("photo", "head.png", png(640, 800), "image/png")])
    check(st == 303 and h.get("location", "").endswith("?m=photo"), f"a photo is saved (status {st})")
    ph, w, hh = db(srv, "SELECT photo_hash, photo_width, photo_height FROM leaders WHERE id = ?", lid)[0]
    check(re.fullmatch(r"[0-9a-f]{64}", ph) is not None and (w, hh) == (640, 800),
          f"stored with its hash and size ({ph[:12]} {w}x{hh})")
    check(os.path.isfile(os.path.join(srv.media, ph + ".jpg"))
          and os.path.isfile(os.path.join(srv.media, ph + "-480.webp")), "its files are in the media folder")
    st, body = page(srv, "/leadership")
    check(f"/media/{ph}-480.jpg" in body and "<picture>" in body, "the page shows the portrait at once")
    st, _, _ = srv.get(f"/media/{ph}-480.jpg")
    check(st == 200, f"the portrait answers (status {st})")
    st, body = page(srv, "/lv/leadership")
    check("<img" not in body and "<picture" not in body, "no image in the low-vision mode")
    st, _, body = editor.get(f"/admin/leadership/{lid}")
    check(f"/media/{ph}-480.jpg" in body, "the edit form shows the photo")
    # `visnyk check` counts the portrait among the media the content refers to
    p = srv.run_cli("check", "--db", srv.db, "--media", srv.media)
    check(p.returncode == 0, f"check passes with the portrait in place: {p.stdout[-300:]}")
    os.rename(os.path.join(srv.media, ph + "-480.webp"), os.path.join(srv.media, "moved.webp"))
    p = srv.run_cli("check", "--db", srv.db, "--media", srv.media)
    check(p.returncode != 0 and f"{ph}-480.webp" in p.stdout,
          f"check names a missing portrait file: {p.stdout[-300:]}")
    os.rename(os.path.join(srv.media, "moved.webp"), os.path.join(srv.media, ph + "-480.webp"))
    st, _, _ = editor.post_multipart(path, {"csrf": token, "remove": "1"}, [])
    check(st == 303 and db(srv, "SELECT photo_hash FROM leaders WHERE id = ?", lid)[0][0] == "",
          f"the photo is removed (status {st})")
    st, body = page(srv, "/leadership")
    check("<picture>" not in body, "and gone from the page")
    acts = [r[0] for r in db(srv, "SELECT action FROM audit_log WHERE object = ? ORDER BY id",
                             f"leader:{lid}")]
    check(acts[-2:] == ["leader.photo", "leader.photo_remove"], f"audited ({acts})")


if __name__ == "__main__":
    main()
