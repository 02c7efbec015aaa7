"""The open-data API on the demo content, every response checked against the OpenAPI
document the server itself serves (a small validator for the schema subset it uses:
$ref, allOf, type, required, properties, items, nullable, minimum, maximum, format).
Issue 13's consultations and leadership: every field against the database and the
HTML pages, a pending comment and the commenters' e-mails never in an answer, a name
only with consent, a comment approved in the workspace showing at once (the page's
cache key), and 404 with `consultations = off`."""
import html
import json
import re
import sqlite3
import time
import urllib.parse

from harness import Server, check, done
from test_admin import Client, add_user

SEED_SLUG = "na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"


class Invalid(Exception):
    pass


def validate(doc, schema, value, where="$"):
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return validate(doc, doc["components"]["schemas"][name], value, where)
    for sub in schema.get("allOf", []):
        validate(doc, sub, value, where)
    if value is None:
        if schema.get("nullable"):
            return
        if "type" in schema:
            raise Invalid(f"{where}: null where {schema['type']} expected")
        return
    t = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if t == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid(f"{where}: {value!r} is not an integer")
        if "minimum" in schema and value < schema["minimum"]:
            raise Invalid(f"{where}: below minimum")
        if "maximum" in schema and value > schema["maximum"]:
            raise Invalid(f"{where}: above maximum")
    elif t in types and not isinstance(value, types[t]):
        raise Invalid(f"{where}: {type(value).__name__} where {t} expected")
    if t == "string":
        fmt = schema.get("format")
        if fmt == "date-time" and not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)", value):
            raise Invalid(f"{where}: {value!r} is not a date-time")
        if fmt == "uri" and not re.match(r"https?://", value):
            raise Invalid(f"{where}: {value!r} is not an absolute URI")
    if isinstance(value, dict):
        for r in schema.get("required", []):
            if r not in value:
                raise Invalid(f"{where}: missing {r}")
        props = schema.get("properties", {})
        for k, v in value.items():
            if k in props:
                validate(doc, props[k], v, f"{where}.{k}")
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            validate(doc, schema["items"], v, f"{where}[{i}]")


def conforms(doc, path_key, status, body, what):
    op = doc["paths"][path_key]["get"]
    resp = op["responses"].get(str(status))
    check(resp is not None, f"{what}: status {status} is documented for {path_key}")
    if resp is None or "content" not in resp:
        return
    schema = resp["content"]["application/json"]["schema"]
    try:
        validate(doc, schema, body)
        check(True, what)
    except Invalid as e:
        check(False, f"{what}: {e}")


def db(srv, sql, args=()):
    con = sqlite3.connect(srv.db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def consult_status(starts, ends, now):
    return "announced" if now < starts else "open" if now < ends else "finished"


def check_consultations(srv, doc, get, editor):
    now = int(time.time())
    rows = db(srv, "SELECT id, title, starts_at, ends_at, COALESCE(draft_id, 0), outcome_md "
                   "FROM consultations")
    st, _, body = get("/api/v1/consultations")
    conforms(doc, "/consultations", st, body, "/consultations matches the schema")
    items = {c["id"]: c for c in body.get("items", [])}
    check(body.get("total") == len(rows) == len(items) and body.get("page") == 1 and len(rows) >= 2,
          f"/consultations lists every consultation ({len(items)} of {len(rows)})")
    check([c["status"] for c in body["items"]][:1] == ["open"],
          "open consultations come first, as on the page")
    for cid, title, starts, ends, draft, outcome in rows:
        c = items.get(cid, {})
        check(c.get("title") == title and c.get("status") == consult_status(starts, ends, now),
              f"consultation {cid}: title and status {c.get('status')} as stored")
        check(c.get("draft_id") == (draft or None) and c.get("has_outcome") == (outcome != ""),
              f"consultation {cid}: draft_id {c.get('draft_id')} and has_outcome as stored")
        check(c.get("url", "").endswith(f"/consultations/{cid}"), f"consultation {cid}: its URL")
        pst, _, b = srv.get(f"/consultations/{cid}")
        page = b.decode()
        label = {"announced": "оголошено", "open": "триває", "finished": "завершено"}
        check(pst == 200 and html.escape(title, quote=False) in page
              and label.get(c.get("status"), "?") in page,
              f"consultation {cid}: the page shows the same title and state")
    for qs, param in [("page=0", "page"), ("page=x", "page"), ("limit=5", "limit")]:
        st, _, body = get("/api/v1/consultations?" + qs)
        check(st == 400 and body.get("error", {}).get("parameter") == param,
              f"/consultations?{qs} is 400 naming {param} ({st})")
    st, _, body = get("/api/v1/consultations?page=2")
    check(st == 200 and body["items"] == [] and body["total"] == len(rows),
          "a page past the end is empty with the total")

    emails = [r[0] for r in db(srv, "SELECT email FROM consultation_comments")]
    for cid, title, starts, ends, draft, outcome in rows:
        st, _, raw = srv.get(f"/api/v1/consultations/{cid}")
        c = json.loads(raw)
        conforms(doc, "/consultations/{id}", st, c, f"/consultations/{cid} matches the schema")
        check(not any(e and e.encode() in raw for e in emails),
              f"/consultations/{cid} carries no commenter's e-mail")
        approved = db(srv, "SELECT id, name, show_name, body FROM consultation_comments "
                           "WHERE consultation_id = ? AND state = 'approved' ORDER BY id", (cid,))
        got = [(k["id"], k["name"], k["body"]) for k in c.get("comments", [])]
        want = [(i, n if show else None, b) for i, n, show, b in approved]
        check(got == want, f"/consultations/{cid}: the approved comments, names only with "
                           f"consent ({got} vs {want})")
        for (body_text,) in db(srv, "SELECT body FROM consultation_comments WHERE "
                                    "consultation_id = ? AND state <> 'approved'", (cid,)):
            check(body_text.encode() not in raw,
                  f"/consultations/{cid}: a comment not approved never appears")
        check((c.get("outcome_html") is None) == (outcome == ""),
              f"/consultations/{cid}: outcome_html is there exactly when a report is")
        page = srv.get(f"/consultations/{cid}")[2].decode()
        for part in ("summary_html", "outcome_html"):
            text = c.get(part) or ""
            first = re.search(r"<p>(.*?)</p>", text)
            check(first is None or first.group(1) in page,
                  f"/consultations/{cid}: {part} is the page's HTML")
    finished = [r for r in rows if r[5] != ""]
    if finished:
        c = get(f"/api/v1/consultations/{finished[0][0]}")[2]
        check("<strong>Враховано:</strong>" in (c.get("outcome_html") or ""),
              "the outcome report comes as HTML")
    pending = db(srv, "SELECT count(*) FROM consultation_comments WHERE state = 'pending'")[0][0]
    check(pending > 0, "the demo has a pending comment to keep out")

    # a comment through the public form shows only once approved, at once (the cache key)
    open_ids = [r[0] for r in rows if consult_status(r[2], r[3], now) == "open"]
    check(open_ids != [], "the demo has an open consultation")
    cid = open_ids[0]
    before = get(f"/api/v1/consultations/{cid}")[2]
    text = "Прошу оприлюднити розрахунки видатків на укриття."
    form = {"name": "Тарас Мельник", "email": "taras.m@example.net", "comment": text,
            "show_name": "1"}
    st, _, _ = srv.get(f"/consultations/{cid}", method="POST",
                       body=urllib.parse.urlencode(form).encode(),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 200, f"the public form took the comment ({st})")
    kid = db(srv, "SELECT max(id) FROM consultation_comments")[0][0]
    st, _, raw = srv.get(f"/api/v1/consultations/{cid}")
    check(st == 200 and text.encode() not in raw and b"taras.m@" not in raw,
          "the pending comment is not in the API")
    st, _, _ = editor.post(f"/admin/consultations/comment/{kid}",
                           {"csrf": editor.csrf("/admin/consultations/new"), "op": "approve",
                            "reason": ""})
    check(st == 303, f"the editor approved it ({st})")
    after = get(f"/api/v1/consultations/{cid}")[2]
    new = [k for k in after.get("comments", []) if k["id"] == kid]
    check(len(after.get("comments", [])) == len(before.get("comments", [])) + 1 and len(new) == 1
          and new[0]["name"] == "Тарас Мельник" and new[0]["body"] == text,
          "the approved comment is in the API at once, with the name agreed to")
    st, _, raw = srv.get(f"/api/v1/consultations/{cid}")
    check(b"taras.m@" not in raw, "and its e-mail is not")

    for path in ("/api/v1/consultations/999999", "/api/v1/consultations/abc",
                 "/api/v1/consultations/0"):
        st, _, body = get(path)
        check(st == 404 and "error" in body, f"{path} is 404 ({st})")
        conforms(doc, "/consultations/{id}", st, body, f"{path}: the error matches the schema")
    st, _, body = get(f"/api/v1/consultations/{cid}?x=1")
    check(st == 400 and body.get("error", {}).get("parameter") == "x", "the detail takes no parameters")


def check_leadership(srv, doc, get, photo):
    st, _, body = get("/api/v1/leadership")
    conforms(doc, "/leadership", st, body, "/leadership matches the schema")
    rows = db(srv, "SELECT id, name, position, areas, phone, email, hours, photo_hash "
                   "FROM leaders ORDER BY sort, id")
    items = body.get("items", [])
    check([x["id"] for x in items] == [r[0] for r in rows] and len(rows) >= 3,
          f"/leadership lists every leader in the editors' order ({len(items)} of {len(rows)})")
    page = srv.get("/leadership")[2].decode()
    shown = [html.unescape(n) for n in re.findall(r'<li class="dept-info leader" id="leader-\d+">'
                                                r'\s*(?:<div class="leader-photo">.*?</div>\s*)?'
                                                r'<h2>([^<]*)</h2>', page, re.S)]
    check([x["name"] for x in items] == shown, f"the names in the page's order ({shown})")
    for x, (lid, name, position, areas, phone, email, hours, ph) in zip(items, rows):
        check(x["name"] == name and x["position"] == position and x["phone"] == phone
              and x["email"] == email and x["hours"] == hours,
              f"leader {lid}: name, position, phone, e-mail and hours as stored")
        check(x["areas"] == [a.strip() for a in areas.split("\n") if a.strip()],
              f"leader {lid}: the areas, one an item")
        depts = db(srv, "SELECT d.id, d.name FROM leader_departments l JOIN departments d "
                        "ON d.id = l.department_id WHERE l.leader_id = ?", (lid,))
        check(sorted((d["id"], d["name"]) for d in x["departments"]) == sorted(depts),
              f"leader {lid}: the departments overseen")
        check(all(html.escape(d["name"], quote=False) in page for d in x["departments"]),
              f"leader {lid}: the page links the same departments")
        if ph:
            check(x["photo_url"] == f"http://127.0.0.1:{srv.port}/media/{ph}.jpg",
                  f"leader {lid}: the photo's URL ({x['photo_url']})")
            pst, h, _ = srv.get(urllib.parse.urlparse(x["photo_url"]).path)
            check(pst == 200 and h.get("content-type") == "image/jpeg",
                  f"leader {lid}: the photo answers as JPEG ({pst})")
        else:
            check(x["photo_url"] is None, f"leader {lid}: no photo, null")
    check(any(r[7] == photo for r in rows), "the test gave a leader a photo")
    st, _, body = get("/api/v1/leadership?x=1")
    check(st == 400 and body.get("error", {}).get("parameter") == "x", "/leadership takes no parameters")


def check_consultations_off():
    srv = Server(demo=False, env={"VISNYK_CONSULTATIONS": "off"})
    with srv:
        for path in ("/api/v1/consultations", "/api/v1/consultations/1", "/consultations"):
            st, h, b = srv.get(path)
            check(st == 404, f"{path} is 404 with consultations off ({st})")
            if path.startswith("/api/"):
                check(h.get("content-type", "").startswith("application/json")
                      and "error" in json.loads(b or b"{}"), f"{path}: a JSON error")
        st, _, b = srv.get("/api/v1/leadership")
        check(st == 200 and json.loads(b) == {"items": []}, "an empty site's leadership is []")
    srv = Server(demo=False)
    with srv:
        st, _, b = srv.get("/api/v1/consultations")
        check(st == 200 and json.loads(b) == {"items": [], "total": 0, "page": 1},
              "with the section on an empty site lists none")


srv = Server()
add_user(srv, "editor1", "editor")
# a leader with a photo: one of the demo's images
PHOTO = db(srv, "SELECT hash FROM photos ORDER BY id LIMIT 1")[0][0]
con = sqlite3.connect(srv.db)
con.execute("UPDATE leaders SET photo_hash = ?, photo_width = 800, photo_height = 600 "
            "WHERE id = (SELECT min(id) FROM leaders)", (PHOTO,))
con.commit()
con.close()
with srv:
    st, h, raw = srv.get("/api/v1/openapi.json")
    check(st == 200, "openapi.json answers")
    doc = json.loads(raw)
    check(doc.get("openapi", "").startswith("3."), "it is an OpenAPI 3 document")
    for p in ["/articles", "/articles/{id_or_slug}", "/tags", "/departments"]:
        check(p in doc["paths"], f"{p} is documented")

    def get(path, headers=None):
        st, h, raw = srv.get(path, headers)
        check(h.get("access-control-allow-origin") == "*", f"{path}: CORS open for GET")
        if st == 304:
            return st, h, None
        check(h.get("content-type", "").startswith("application/json"), f"{path}: JSON")
        return st, h, json.loads(raw)

    # the "done when": ?tag=безпека (by name) gives the seed article
    q = urllib.parse.urlencode({"tag": "безпека", "limit": 100})
    st, h, body = get(f"/api/v1/articles?{q}")
    check(st == 200, "articles by tag name answer 200")
    conforms(doc, "/articles", st, body, "articles?tag=безпека matches the schema")
    slugs = [a["slug"] for a in body["items"]]
    check(SEED_SLUG in slugs, "tag=безпека returns the seed article")
    seed = next((a for a in body["items"] if a["slug"] == SEED_SLUG), {})
    check(len(seed.get("departments", [])) == 3, "the seed article lists its three departments")
    check(seed.get("gallery") and seed["gallery"][0]["width"] > 0, "gallery photos carry their size")
    check(seed.get("url", "").endswith("/news/" + SEED_SLUG), "canonical URL")
    # ETag / 304
    st2, _, _ = get(f"/api/v1/articles?{q}", {"If-None-Match": h.get("etag", "")})
    check(st2 == 304, f"conditional GET gives 304 ({st2})")
    # the gallery's image URLs answer
    for ph in seed.get("gallery", [])[:1]:
        for u in [ph["url"]] + [v["jpeg"] for v in ph["variants"]] + [v["webp"] for v in ph["variants"]]:
            s, _, _ = srv.get(urllib.parse.urlparse(u).path)
            check(s == 200, f"image {u[-40:]} answers 200")

    # cursor pagination walks everything once
    seen, cursor, pages = [], None, 0
    while pages < 100:
        path = "/api/v1/articles?limit=50" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        st, _, body = get(path)
        conforms(doc, "/articles", st, body, f"page {pages + 1} matches the schema") if pages < 2 else None
        seen += [a["id"] for a in body["items"]]
        cursor = body["next_cursor"]
        pages += 1
        if cursor is None:
            break
    check(len(seen) == len(set(seen)) and len(seen) == 353, f"pagination visits every article once ({len(seen)})")

    # filters: department slug, dates, text
    st, _, body = get("/api/v1/articles?department=departament-osvity-i-nauky&from=2024-01-01&to=2024-12-31")
    check(st == 200 and all(a["published_at"].startswith("2024") for a in body["items"]), "date range")
    check(all(any(d["slug"] == "departament-osvity-i-nauky" for d in a["departments"]) for a in body["items"]),
          "department filter")
    st, _, body = get("/api/v1/articles?" + urllib.parse.urlencode({"q": "пов'язані консультативною"}))
    conforms(doc, "/articles", st, body, "search results match the schema")
    check(SEED_SLUG in [a["slug"] for a in body["items"]], "q finds the seed article")
    st, _, body = get("/api/v1/articles?" + urllib.parse.urlencode({"q": "області", "limit": 5}))
    check(body["next_cursor"] is not None, "a search has a next cursor")
    st, _, body2 = get("/api/v1/articles?" + urllib.parse.urlencode({"q": "області", "limit": 5, "cursor": body["next_cursor"] or ""}))
    check(st == 200 and {a["id"] for a in body["items"]}.isdisjoint({a["id"] for a in body2["items"]}),
          "the search cursor gives the next results")

    # one article, by id and by slug
    st, _, art = get(f"/api/v1/articles/{SEED_SLUG}")
    conforms(doc, "/articles/{id_or_slug}", st, art, "article by slug matches the schema")
    check("консультативн" in art.get("body_markdown", "").lower() or art.get("body_html"), "full text included")
    st, _, art2 = get(f"/api/v1/articles/{art.get('id')}")
    check(st == 200 and art2.get("slug") == SEED_SLUG, "article by id")
    st, _, err = get("/api/v1/articles/no-such-article")
    check(st == 404, "unknown article is 404")
    conforms(doc, "/articles/{id_or_slug}", st, err, "404 body matches the schema")

    for path in ["/api/v1/tags", "/api/v1/departments"]:
        st, _, body = get(path)
        conforms(doc, path[len("/api/v1"):], st, body, f"{path} matches the schema")
        check(len(body["items"]) > 0 and all("count" in r for r in body["items"]), f"{path} lists with counts")

    # bad parameters: 400 naming the parameter
    for qs, param in [("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"),
                      ("from=yesterday", "from"), ("to=2024-13-45", "to"), ("tag=no-such-tag", "tag"),
                      ("department=nope", "department"), ("cursor=garbage", "cursor"),
                      ("q=x&cursor=123.4", "cursor"), ("colour=red", "colour")]:
        st, _, body = get("/api/v1/articles?" + qs)
        check(st == 400, f"{qs} gets 400 ({st})")
        conforms(doc, "/articles", st, body, f"{qs} error matches the schema")
        check(body.get("error", {}).get("parameter") == param, f"{qs} names {param}: {body}")
    st, _, body = get("/api/v1/articles?" + urllib.parse.urlencode({"q": '" NEAR( *'}))
    check(st == 200, "a hostile query is just a query")

    # issue 13: consultations and the leadership
    editor = Client(srv)
    editor.login("editor1")
    check_consultations(srv, doc, get, editor)
    check_leadership(srv, doc, get, PHOTO)

    # the export for the open-data portal
    for fmt in ["json", "csv"]:
        out = f"{srv.dir}/export.{fmt}"
        p = srv.run_cli("export-data", "--db", srv.db, "--format", fmt, "--output", out)
        check(p.returncode == 0, f"export-data --format {fmt} succeeds: {p.stderr}")
        if p.returncode == 0:
            data = open(out, encoding="utf-8").read()
            if fmt == "json":
                items = json.loads(data)["items"]
                check(len(items) == 353 and any(a["slug"] == SEED_SLUG for a in items), "JSON export has every article")
                try:
                    for a in items[:20]:
                        validate(doc, {"$ref": "#/components/schemas/ArticleFull"}, a)
                    check(True, "exported articles match the API schema")
                except Invalid as e:
                    check(False, f"exported articles match the API schema: {e}")
            else:
                import csv, io
                rows = list(csv.DictReader(io.StringIO(data)))
                check(len(rows) == 353 and "title" in rows[0] and "tags" in rows[0], "CSV export has every article")
                check(any("безпека" in r["tags"] for r in rows if r["slug"] == SEED_SLUG), "CSV keeps the tags")
    p = srv.run_cli("export-data", "--db", srv.db, "--format", "xml")
    check(p.returncode == 2, f"an unknown format is a usage error ({p.returncode})")

check_consultations_off()
done()
