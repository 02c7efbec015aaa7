"""Signed publications: the seed article's and a static page's signature header and
manifest, `visnyk verify URL` after an editor's edit, a key rotation by another process
that the running server follows (new key served and used, old signatures verifying),
tampering caught in the database and in a static mirror, the audit log's hash chain
checked by `visnyk check`, and `visnyk key sign-all` / `init` signing a database whose
publications have no signatures (docs/OPERATIONS.md, "Verifying a site")."""
import hashlib
import json
import os
import re
import sqlite3
import tempfile
import time
import xml.etree.ElementTree as ET

from harness import Server, check, done
from test_admin import Client, add_user, article_form
from test_attachments import pdf, upload

SEED = "na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"


def verify(srv, target, *extra):
    p = srv.run_cli("verify", *extra, target)
    return p.returncode, p.stdout + p.stderr


def manifest(srv, path=f"/news/{SEED}"):
    st, h, body = srv.get(f"{path}/signature.json")
    check(st == 200 and h.get("content-type", "").startswith("application/json"),
          f"manifest served ({st})")
    return json.loads(body)


def keys(srv):
    st, h, body = srv.get("/.well-known/visnyk.pub")
    check(st == 200 and "public" in h.get("cache-control", ""), f"keys served, public ({st})")
    return json.loads(body)["keys"]


def edit_seed(srv, editor, extra_body):
    with sqlite3.connect(srv.db) as db:
        aid = db.execute("SELECT id FROM articles WHERE slug = ?", (SEED,)).fetchone()[0]
    st, _, form = editor.get(f"/admin/articles/{aid}")
    v = re.search(r'name="version" value="(\d+)"', form).group(1)
    title = re.search(r'name="title"[^>]*value="([^"]*)"', form).group(1)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)
    st, h, _ = editor.post(f"/admin/articles/{aid}", article_form(
        csrf, title.replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&"),
        version=v, action="publish", slug=SEED, body="Перевірений текст. " + extra_body))
    check(st == 303 and "m=published" in h.get("location", ""), f"editor publishes an edit ({st})")


def edit_page(srv, editor, slug, body):
    st, _, form = editor.get(f"/admin/pages/{slug}")
    title = re.search(r'name="title"[^>]*value="([^"]*)"', form).group(1)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)
    st, h, _ = editor.post(f"/admin/pages/{slug}", {"csrf": csrf, "title": title, "body": body})
    check(st == 303 and "m=saved" in h.get("location", ""), f"editor saves page {slug} ({st})")


def wait_for(what, fn, seconds=5.0):
    """Polls fn until it returns something true (the server notices other processes'
    writes once a second); returns the last value."""
    deadline = time.time() + seconds
    v = fn()
    while not v and time.time() < deadline:
        time.sleep(0.2)
        v = fn()
    check(v, what)
    return v


def check_pages(srv, url_of):
    """A static page is signed like an article: header, manifest, verify."""
    st, h, page = srv.get("/pages/about")
    page = page.decode()
    sig = h.get("visnyk-signature", "")
    check(st == 200 and re.match(r"keyid=[0-9a-f]{16}; sig=[A-Za-z0-9+/=]{88}; rev=\d+$", sig),
          f"page: Visnyk-Signature header: {sig!r}")
    check('title="visnyk-signature" href="/pages/about/signature.json"' in page,
          "page links its manifest")
    m = manifest(srv, "/pages/about")
    check(m["kind"] == "page" and m["slug"] == "about" and "updated_at" in m
          and "published_at" not in m and m["signature"] in sig, f"page manifest: {m}")
    check(re.match(r"visnyk-sig-v1\nkind: page\nslug: about\ntitle: [^\n]+\n"
                   r"updated_at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nbody_sha256: [0-9a-f]{64}\n$",
                   m["canonical"]), f"page canonical form as documented: {m['canonical']!r}")
    rc, out = verify(srv, url_of("/pages/about"))
    check(rc == 0 and out.startswith("OK "), f"verify page URL: OK ({rc}): {out}")
    return m


def main():
    srv = Server()
    url = None
    try:
        srv.start()
        url = f"http://127.0.0.1:{srv.port}/news/{SEED}"
        # the seed article: header, link, meta key, manifest, keys
        st, h, page = srv.get(f"/news/{SEED}")
        page = page.decode()
        sig = h.get("visnyk-signature", "")
        check(st == 200 and re.match(r"keyid=[0-9a-f]{16}; sig=[A-Za-z0-9+/=]{88}; rev=\d+$", sig),
              f"Visnyk-Signature header: {sig!r}")
        check(f'href="/news/{SEED}/signature.json"' in page, "page links its manifest")
        check('<meta name="visnyk-key" content="ed25519:' in page, "page head names the key")
        m = manifest(srv)
        k = keys(srv)
        check(len(k) == 1 and k[0]["alg"] == "Ed25519" and k[0]["valid_until"] is None,
              f"one current key at first: {k}")
        check(m["key_id"] == k[0]["id"] and m["signature"] in sig and m["slug"] == SEED,
              "manifest, header and key agree")
        check(m["canonical"].startswith("visnyk-sig-v1\nkind: article\nslug: " + SEED + "\n"),
              "canonical form as documented")
        rc, out = verify(srv, url)
        check(rc == 0 and out.startswith("OK "), f"verify URL: OK ({rc}): {out}")
        rev1 = m["revision"]
        # the API and the Atom feed carry the signature too
        st, _, body = srv.get(f"/api/v1/articles/{SEED}")
        a = json.loads(body) if st == 200 else {}
        check(a.get("signature", {}).get("signature") == m["signature"]
              and a["signature"]["manifest"].endswith(f"/news/{SEED}/signature.json"),
              f"API article carries the signature ({st})")
        st, _, atom = srv.get("/atom.xml")
        root = ET.fromstring(atom)
        sigs = root.findall(".//{urn:visnyk:signature:1}signature")
        check(st == 200 and len(sigs) > 0 and all(len(s.text or "") == 88 for s in sigs),
              f"Atom entries carry <visnyk:signature> ({len(sigs)})")

        def url_of(path):
            return f"http://127.0.0.1:{srv.port}{path}"
        pm = check_pages(srv, url_of)

        # an editor's edit is signed again
        add_user(srv, "signer", "editor")
        editor = Client(srv)
        st, _, _ = editor.login("signer")
        check(st == 303, f"editor logs in ({st})")
        edit_seed(srv, editor, "Перша правка.")
        edit_page(srv, editor, "about", "Ми — **обласна** адміністрація.")
        pm2 = manifest(srv, "/pages/about")
        check(pm2["revision"] == pm["revision"] + 1 and pm2["signature"] != pm["signature"],
              f"a saved page is signed again ({pm['revision']} -> {pm2['revision']})")
        st, _, page = srv.get("/pages/about")
        check("<strong>обласна</strong>" in page.decode(), "the saved page is served")
        rc, out = verify(srv, url_of("/pages/about"))
        check(rc == 0 and f"revision {pm2['revision']}" in out, f"saved page verifies: {out}")

        # documents are the article's attachments: attaching one signs the article again,
        # with the file's hash in its canonical form
        with sqlite3.connect(srv.db) as db:
            aid = db.execute("SELECT id FROM articles WHERE slug = ?", (SEED,)).fetchone()[0]
        doc = pdf(pages=1)
        m_before = manifest(srv)
        st, h, _ = upload(editor, aid, [("csrf", None, editor.csrf().encode()),
                                        ("title", None, "Підписаний документ".encode()),
                                        ("document", "signed.pdf", doc)])
        check(st == 303, f"editor attaches a document ({st})")
        m_doc = manifest(srv)
        # (an attachment is not an article revision: the number stays, the signature is new)
        check(m_doc["signature"] != m_before["signature"]
              and hashlib.sha256(doc).hexdigest() in m_doc["attachments_sha256"]
              and f"attachment_sha256: {hashlib.sha256(doc).hexdigest()}\n" in m_doc["canonical"],
              f"the attached document's hash is signed: {m_doc['attachments_sha256']}")
        rc, out = verify(srv, url)
        check(rc == 0, f"the article with its document verifies: {out}")
        m2 = manifest(srv)
        check(m2["revision"] > rev1 and m2["signature"] != m["signature"],
              f"new revision signed ({rev1} -> {m2['revision']})")
        rc, out = verify(srv, url)
        check(rc == 0 and f"revision {m2['revision']}" in out, f"edited page verifies: {out}")

        # a static mirror verifies, and a tampered file is named
        mirror = tempfile.mkdtemp(prefix="visnyk-mirror-", dir=srv.dir)
        p = srv.run_cli("export-static", "--db", srv.db, "--media", srv.media, mirror)
        check(p.returncode == 0, f"export-static: {p.stderr}")
        check(os.path.exists(os.path.join(mirror, ".well-known", "visnyk.pub"))
              and os.path.exists(os.path.join(mirror, "news", SEED, "signature.json")),
              "mirror has the keys and the manifests")
        check(os.path.exists(os.path.join(mirror, "pages", "about", "signature.json")),
              "mirror has the pages' manifests")
        rc, out = verify(srv, mirror)
        check(rc == 0 and "FAILED" not in out, f"verify DIR: all OK ({rc}): {out[-300:]}")
        check(re.search(r"^OK .*/pages/about/index.html", out, re.M),
              f"verify DIR checks the static pages: {out[-300:]}")
        victims = sorted(d for d in os.listdir(os.path.join(mirror, "news"))
                         if os.path.exists(os.path.join(mirror, "news", d, "signature.json")))
        victim = os.path.join(mirror, "news", victims[len(victims) // 2], "index.html")
        with open(victim, encoding="utf-8") as f:
            html = f.read()
        with open(victim, "w", encoding="utf-8") as f:
            f.write(html.replace("<!--visnyk-body-->", "<!--visnyk-body--><p>Казино онлайн!</p>", 1))
        rc, out = verify(srv, mirror)
        failed = [ln for ln in out.splitlines() if ln.startswith("FAILED")]
        check(rc != 0 and len(failed) == 1 and failed[0].startswith(f"FAILED {victim}:")
              and "body differs" in failed[0], f"verify DIR names the tampered file: {failed}")

        # rotation by another process while the server runs: the server serves the new
        # key list and page heads, and signs with the new key, without a restart
        old_head = re.search(r'name="visnyk-key" content="ed25519:([0-9a-f]{16}):',
                             srv.get(f"/news/{SEED}")[2].decode()).group(1)
        p = srv.run_cli("key", "rotate", "--db", srv.db)
        check(p.returncode == 0 and "(current)" in p.stdout, f"key rotate: {p.stdout}{p.stderr}")
        p = srv.run_cli("key", "list", "--db", srv.db)
        check(p.returncode == 0 and len(re.findall(r"^[0-9a-f]{16}  Ed25519", p.stdout, re.M)) == 2,
              f"key list shows both keys: {p.stdout}")
        k = wait_for("the running server serves the rotated key list", lambda: len(keys(srv)) == 2
                     and keys(srv))
        k = k or keys(srv)
        check(len(k) == 2 and k[0]["valid_until"] is not None and k[1]["valid_until"] is None
              and k[0]["id"] == old_head, f"old key listed with its validity: {k}")
        st, _, page = srv.get(f"/news/{SEED}")
        check(f'content="ed25519:{k[-1]["id"]}:' in page.decode(), "page heads name the new key")
        rc, out = verify(srv, url)
        check(rc == 0 and k[0]["id"] in out, f"signature by the old key still verifies: {out}")
        rc, out = verify(srv, url_of("/pages/about"))
        check(rc == 0 and k[0]["id"] in out, f"page signed before the rotation verifies: {out}")
        edit_seed(srv, editor, "Друга правка.")
        m3 = manifest(srv)
        check(m3["key_id"] == k[-1]["id"], "a new revision is signed with the new key")
        rc, out = verify(srv, url)
        check(rc == 0, f"verifies with the new key: {out}")
        edit_page(srv, editor, "about", "Ми — обласна адміністрація. Нова редакція.")
        check(manifest(srv, "/pages/about")["key_id"] == k[-1]["id"],
              "a page saved after the rotation is signed with the new key")

        # the audit log's chain holds, then an edited row is named
        p = srv.run_cli("check", "--db", srv.db, "--media", srv.media)
        check(p.returncode == 0 and "hash chain ok" in p.stdout, f"check: chain ok: {p.stdout}")

        # tampering with the database behind visnyk's back: an attacker with the file
        srv.stop()
        with sqlite3.connect(srv.db) as db:
            # the search triggers call visnyk's own SQL functions: an attacker drops them
            db.execute("DROP TRIGGER article_fts_update")
            db.execute("UPDATE articles SET title = 'Казино: виграй мільйон' WHERE slug = ?", (SEED,))
            db.execute("DROP TRIGGER page_fts_update")
            db.execute("UPDATE pages SET body_md = 'Казино онлайн' WHERE slug = 'contacts'")
            ids = [r[0] for r in db.execute("SELECT id FROM audit_log ORDER BY id")]
            bad = ids[len(ids) // 2]
            db.execute("DROP TRIGGER audit_log_no_update")
            db.execute("UPDATE audit_log SET detail = 'nothing happened' WHERE id = ?", (bad,))
        srv.start()
        url = f"http://127.0.0.1:{srv.port}/news/{SEED}"
        st, _, page = srv.get(f"/news/{SEED}")
        check("Казино" in page.decode(), "the tampered title is served")
        rc, out = verify(srv, url)
        check(rc != 0 and out.startswith("FAILED ") and "title" in out,
              f"verify URL catches the database edit: {out}")
        p = srv.run_cli("check", "--db", srv.db, "--media", srv.media)
        check(p.returncode != 0 and f"chain broken at entry {bad} " in p.stdout,
              f"check names the edited audit entry {bad}: {p.stdout}")

        rc, out = verify(srv, url_of("/pages/contacts"))
        check(rc != 0 and "body differs" in out, f"verify URL catches a page's database edit: {out}")

        # verify-site lists exactly the tampered article and page
        p = srv.run_cli("verify-site", f"http://127.0.0.1:{srv.port}/")
        failed = [ln for ln in p.stdout.splitlines() if ln.startswith("FAILED")]
        check(p.returncode != 0 and len(failed) == 2 and SEED in failed[0]
              and "/pages/contacts" in failed[1],
              f"verify-site lists the tampered pages only: {failed} / {p.stdout[-200:]}")
        n_checked = int(re.search(r"(\d+) checked", p.stdout).group(1))
        with sqlite3.connect(srv.db) as db:
            n_pub = db.execute("SELECT count(*) FROM articles WHERE status = 'published'").fetchone()[0]
            n_pages = db.execute("SELECT count(*) FROM pages").fetchone()[0]
        check(n_checked == n_pub + n_pages, f"verify-site checks every article and page "
              f"({n_checked} = {n_pub} + {n_pages})")
    finally:
        srv.cleanup()
    check_backfill()
    done()


def check_backfill():
    """A database whose publications have no signatures (made before signing existed,
    or restored from such a backup) gets them from `init` or `key sign-all`, once."""
    srv = Server()
    try:
        with sqlite3.connect(srv.db) as db:
            db.execute("DELETE FROM signatures")
            want = db.execute("SELECT count(*) FROM articles WHERE status IN "
                              "('published', 'scheduled')").fetchone()[0]
            want += db.execute("SELECT count(*) FROM pages").fetchone()[0]
        srv.start()
        st, h, _ = srv.get("/pages/about")
        check(st == 200 and "visnyk-signature" not in h, "unsigned before the backfill")
        t0 = time.time()
        p = srv.run_cli("key", "sign-all", "--db", srv.db)
        took = time.time() - t0
        print(f"key sign-all: {want} revisions in {took:.2f} s (server running)")
        check(p.returncode == 0 and f"signed {want} published revisions" in p.stdout,
              f"sign-all signs every published revision ({want}): {p.stdout}{p.stderr}")
        p = srv.run_cli("key", "sign-all", "--db", srv.db)
        check(p.returncode == 0 and "signed 0 published revisions" in p.stdout,
              f"a second sign-all signs nothing: {p.stdout}{p.stderr}")
        # the running server hears of it (the audited key.sign-all) and drops its cache
        wait_for("the running server serves the new signatures",
                 lambda: "visnyk-signature" in srv.get("/pages/about")[1])
        p = srv.run_cli("verify-site", f"http://127.0.0.1:{srv.port}/")
        check(p.returncode == 0 and f"{want} checked, 0 failed" in p.stdout,
              f"after the backfill every article and page verifies: {p.stdout[-300:]}")
        # init does the same for a database that comes back without signatures
        srv.stop()
        with sqlite3.connect(srv.db) as db:
            n_pages = db.execute("SELECT count(*) FROM pages").fetchone()[0]
            db.execute("DELETE FROM signatures WHERE kind = 'page'")
        p = srv.run_cli("init", "--db", srv.db, "--media", srv.media)
        check(p.returncode == 0 and n_pages > 1 and
              f"signed {n_pages} published revisions" in p.stdout,
              f"init signs what has no signature: {p.stdout}{p.stderr}")
        p = srv.run_cli("init", "--db", srv.db, "--media", srv.media)
        check(p.returncode == 0 and "signed" not in p.stdout, f"init again signs nothing: {p.stdout}")
    finally:
        srv.cleanup()


if __name__ == "__main__":
    main()
