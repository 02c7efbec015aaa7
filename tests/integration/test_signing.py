"""Signed publications: the seed article's signature header and manifest, `visnyk
verify URL` after an editor's edit, a key rotation that keeps old signatures
verifying, tampering caught in the database and in a static mirror, and the audit
log's hash chain checked by `visnyk check` (docs/OPERATIONS.md, "Verifying a site")."""
import json
import os
import re
import sqlite3
import tempfile
import xml.etree.ElementTree as ET

from harness import Server, check, done
from test_admin import Client, add_user, article_form

SEED = "na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"


def verify(srv, target, *extra):
    p = srv.run_cli("verify", *extra, target)
    return p.returncode, p.stdout + p.stderr


def manifest(srv):
    st, h, body = srv.get(f"/news/{SEED}/signature.json")
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

        # an editor's edit is signed again
        add_user(srv, "signer", "editor")
        editor = Client(srv)
        st, _, _ = editor.login("signer")
        check(st == 303, f"editor logs in ({st})")
        edit_seed(srv, editor, "Перша правка.")
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
        rc, out = verify(srv, mirror)
        check(rc == 0 and "FAILED" not in out, f"verify DIR: all OK ({rc}): {out[-300:]}")
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

        # rotation: the old key stays listed, old signatures still verify, new ones use the new key
        p = srv.run_cli("key", "rotate", "--db", srv.db)
        check(p.returncode == 0 and "(current)" in p.stdout, f"key rotate: {p.stdout}{p.stderr}")
        p = srv.run_cli("key", "list", "--db", srv.db)
        check(p.returncode == 0 and len(re.findall(r"^[0-9a-f]{16}  Ed25519", p.stdout, re.M)) == 2,
              f"key list shows both keys: {p.stdout}")
        srv.stop()  # the served key list is cached: a rotation is followed by a restart
        srv.start()
        url = f"http://127.0.0.1:{srv.port}/news/{SEED}"
        k = keys(srv)
        check(len(k) == 2 and k[0]["valid_until"] is not None and k[1]["valid_until"] is None,
              f"old key listed with its validity: {k}")
        rc, out = verify(srv, url)
        check(rc == 0 and k[0]["id"] in out, f"signature by the old key still verifies: {out}")
        editor = Client(srv)
        editor.login("signer")
        edit_seed(srv, editor, "Друга правка.")
        m3 = manifest(srv)
        check(m3["key_id"] == k[1]["id"], "a new revision is signed with the new key")
        rc, out = verify(srv, url)
        check(rc == 0, f"verifies with the new key: {out}")

        # the audit log's chain holds, then an edited row is named
        p = srv.run_cli("check", "--db", srv.db, "--media", srv.media)
        check(p.returncode == 0 and "hash chain ok" in p.stdout, f"check: chain ok: {p.stdout}")

        # tampering with the database behind visnyk's back: an attacker with the file
        srv.stop()
        with sqlite3.connect(srv.db) as db:
            # the search triggers call visnyk's own SQL functions: an attacker drops them
            db.execute("DROP TRIGGER article_fts_update")
            db.execute("UPDATE articles SET title = 'Казино: виграй мільйон' WHERE slug = ?", (SEED,))
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

        # verify-site lists exactly the tampered article
        p = srv.run_cli("verify-site", f"http://127.0.0.1:{srv.port}/")
        failed = [ln for ln in p.stdout.splitlines() if ln.startswith("FAILED")]
        check(p.returncode != 0 and len(failed) == 1 and SEED in failed[0],
              f"verify-site lists the tampered page only: {failed} / {p.stdout[-200:]}")
    finally:
        srv.cleanup()
    done()


if __name__ == "__main__":
    main()
