"""The open-data API on the demo content, every response checked against the OpenAPI
document the server itself serves (a small validator for the schema subset it uses:
$ref, allOf, type, required, properties, items, nullable, minimum, maximum, format)."""
import json
import re
import urllib.parse

from harness import Server, check, done

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


with Server() as srv:
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

done()
