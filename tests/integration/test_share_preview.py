"""Shareable preview links (issue 12): an editor (or the article's author) makes a
signed, expiring link to a draft; opened without an account it shows the exact public
page with a visible preview notice, noindex in the header and the page, Cache-Control:
private, no-store, and is never kept by the page cache; a forged, altered, expired,
revoked or replaced link does not open (404; expired 403)."""
import hashlib
import hmac
import http.client
import re
import sqlite3
import time

from harness import Server, check, done
from test_admin import Client, add_user, article_form, article_id_from


def anon(srv, path):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8",
                                                                                   "replace")
    finally:
        conn.close()


def link_of(client, aid):
    _, _, body = client.get(f"/admin/articles/{aid}")
    m = re.search(r'id="share-url" value="http://127\.0\.0\.1:\d+(/preview/[^"]+)"', body)
    return m.group(1) if m else ""


def main():
    srv = Server(demo=False)
    for name, role in (("anna", "editor"), ("olena", "author"), ("ivan", "author")):
        add_user(srv, name, role)
    with srv:
        anna, olena, ivan = Client(srv), Client(srv), Client(srv)
        for n, cl in (("anna", anna), ("olena", olena), ("ivan", ivan)):
            cl.login(n)
        csrf = olena.csrf()
        st, h, _ = olena.post("/admin/articles/new", article_form(
            csrf, "Проєкт рішення про бюджет", slug="proiekt-biudzhetu",
            lead="Лід проєкту.", body="Перша редакція тексту рішення."))
        aid = article_id_from(h)
        _, _, page = olena.get(f"/admin/articles/{aid}")
        check('id="share-url"' not in page and "Створити посилання для перегляду" in page,
              "no link yet, a button to make one")
        st, _, _ = ivan.post(f"/admin/articles/{aid}/share", {"csrf": ivan.csrf(), "op": "make"})
        check(st == 403, f"another author may not make a link to it ({st})")
        st, h, _ = olena.post(f"/admin/articles/{aid}/share", {"csrf": csrf, "op": "make"})
        check(st == 303 and "m=share_made" in h.get("location", ""), f"the author makes one ({st})")
        link = link_of(olena, aid)
        check(re.fullmatch(rf"/preview/{aid}-\d+-[0-9a-f]{{64}}", link) is not None,
              f"the edit page shows it ({link})")
        with sqlite3.connect(srv.db) as db:
            nonce, exp = db.execute("SELECT nonce, expires_at FROM preview_links "
                                    "WHERE article_id = ?", (aid,)).fetchone()
        check(abs(exp - time.time() - 7 * 86400) < 60, "it works for 7 days")

        st, hd, body = anon(srv, link)
        check(st == 200 and "Перша редакція тексту рішення." in body and
              "<h1>Проєкт рішення про бюджет</h1>" in body,
              f"without an account the link shows the article as the site will ({st})")
        check('class="preview-note"' in body and "Попередній перегляд" in body,
              "with a visible preview notice")
        check(re.search(r'<h1>Проєкт рішення про бюджет</h1>\s*<p class="lead">Лід проєкту\.</p>',
                        body) is not None, "and the lead under the title, as on the public page")
        check('<meta name="robots" content="noindex">' in body and
              hd.get("x-robots-tag") == "noindex", "noindex in the page and the header")
        check(hd.get("cache-control") == "private, no-store" and "surrogate-key" not in hd,
              f"never kept by a CDN or a browser ({hd.get('cache-control')})")
        st, _, _ = anon(srv, "/news/proiekt-biudzhetu")
        check(st == 404, f"the article itself is still not public ({st})")
        # not kept by the page cache: an edit shows at once
        _, _, page = olena.get(f"/admin/articles/{aid}")
        v = re.search(r'name="version" value="(\d+)"', page).group(1)
        olena.post(f"/admin/articles/{aid}", article_form(
            csrf, "Проєкт рішення про бюджет", version=v, slug="proiekt-biudzhetu",
            body="Друга редакція тексту рішення."))
        _, _, body = anon(srv, link)
        check("Друга редакція" in body and "Перша редакція" not in body,
              "the link shows the latest text (no cached copy)")

        # forged and altered links
        i, e, mac = link.split("/")[-1].split("-")
        bad = "0" if mac[0] != "0" else "1"
        for what, path in (("a changed signature", f"/preview/{i}-{e}-{bad}{mac[1:]}"),
                           ("a later expiry", f"/preview/{i}-{int(e) + 86400}-{mac}"),
                           ("another article", f"/preview/{int(i) + 1}-{e}-{mac}"),
                           ("a short signature", f"/preview/{i}-{e}-{mac[:40]}"),
                           ("no signature", f"/preview/{i}-{e}"),
                           ("garbage", "/preview/%3Cscript%3E")):
            st, _, _ = anon(srv, path)
            check(st == 404, f"{what}: 404 ({st})")
        # a genuine link that has expired: 403
        past = int(time.time()) - 60
        with sqlite3.connect(srv.db) as db:
            db.execute("UPDATE preview_links SET expires_at = ? WHERE article_id = ?", (past, aid))
        sig = hmac.new(bytes.fromhex(nonce), f"visnyk preview {aid} {past}".encode(),
                       hashlib.sha256).hexdigest()
        st, _, _ = anon(srv, f"/preview/{aid}-{past}-{sig}")
        check(st == 403, f"an expired link: 403 ({st})")
        _, _, page = olena.get(f"/admin/articles/{aid}")
        check('id="share-url"' not in page, "the edit page no longer shows an expired link")

        # a new link voids the old; revoking voids it too
        anna.post(f"/admin/articles/{aid}/share", {"csrf": anna.csrf(), "op": "make"})
        first = link_of(anna, aid)
        st, _, _ = anon(srv, first)
        check(st == 200, f"an editor makes a new one, which opens ({st})")
        anna.post(f"/admin/articles/{aid}/share", {"csrf": anna.csrf(), "op": "make"})
        second = link_of(anna, aid)
        st1, _, _ = anon(srv, first)
        st2, _, _ = anon(srv, second)
        check(second != first and st1 == 404 and st2 == 200,
              f"another new one voids the one before ({st1}, {st2})")
        st, h, _ = anna.post(f"/admin/articles/{aid}/share", {"csrf": anna.csrf(), "op": "revoke"})
        st2, _, _ = anon(srv, second)
        check(st == 303 and st2 == 404, f"revoked: the link no longer opens ({st2})")
        with sqlite3.connect(srv.db) as db:
            n = db.execute("SELECT count(*) FROM audit_log WHERE action = 'article.preview_link'"
                           ).fetchone()[0]
        check(n == 4, f"each make and revoke is in the audit log ({n})")
    done()


if __name__ == "__main__":
    main()
