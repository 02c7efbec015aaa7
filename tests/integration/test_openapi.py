"""The OpenAPI document is a data file (src/api/openapi.json) compiled into the binary:
it parses as OpenAPI 3.x, the server serves exactly its bytes, the routes src/api/api.c
registers are the paths it documents (and each answers on a real server), and every
field of real answers, the article's signature included, is described by its schema."""
import json
import os
import re

from harness import SOURCE, Server, check, done

SEED = "na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"


def shape(path):
    """/articles/{id_or_slug} and /articles/:id are the same route: parameters as {}."""
    return re.sub(r"\{[^}]*\}|:[A-Za-z_]+", "{}", path)


def properties(doc, schema):
    """Every property an object schema names, through $ref and allOf."""
    if "$ref" in schema:
        return properties(doc, doc["components"]["schemas"][schema["$ref"].split("/")[-1]])
    props = dict(schema.get("properties", {}))
    for sub in schema.get("allOf", []):
        props.update(properties(doc, sub))
    return props


def described(doc, schema, value, where):
    """Checks that every key of value (an object) is a property of schema, and the same
    one level down for objects and arrays of objects; returns the keys not described."""
    props = properties(doc, schema)
    missing = [f"{where}.{k}" for k in value if k not in props]
    for k, v in value.items():
        if k not in props:
            continue
        sub = props[k]
        if isinstance(v, dict):
            missing += described(doc, sub, v, f"{where}.{k}")
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            items = sub.get("items") or properties(doc, sub).get("items") or {}
            if "$ref" in sub:
                items = doc["components"]["schemas"][sub["$ref"].split("/")[-1]].get("items", {})
            missing += described(doc, items, v[0], f"{where}.{k}[0]")
    return missing


def response_schema(doc, path, status="200"):
    return doc["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]


def main():
    with open(os.path.join(SOURCE, "src", "api", "openapi.json"), "rb") as f:
        raw = f.read()
    doc = json.loads(raw)
    check(re.fullmatch(r"3\.\d+\.\d+", doc.get("openapi", "")), f"OpenAPI 3.x: {doc.get('openapi')}")
    check(doc["info"].get("title") and doc["info"].get("version"), "info has a title and a version")
    base = doc["servers"][0]["url"]
    check(base == "/api/v1", f"served under /api/v1 ({base})")

    # the routes api.c registers and the paths the document describes, both ways
    with open(os.path.join(SOURCE, "src", "api", "api.c"), encoding="utf-8") as f:
        api_c = f.read()
    registered = {(m.lower(), shape(p[len(base):]))
                  for m, p in re.findall(r'http_router_add\w*\(r, HTTP_M_(\w+), "(/api/v1/[^"]*)"',
                                         api_c)}
    documented = {(m, shape(p)) for p, ops in doc["paths"].items() for m in ops
                  if m in ("get", "put", "post", "delete", "patch", "head", "options")}
    check(len(registered) >= 5, f"found the API's routes in api.c: {sorted(registered)}")
    check(registered - documented == set(), f"every registered route is documented: "
          f"{sorted(registered - documented)} missing")
    check(documented - registered == set(), f"every documented path is a registered route: "
          f"{sorted(documented - registered)} not registered")
    for p, ops in doc["paths"].items():
        for m, op in ops.items():
            check("200" in op.get("responses", {}), f"{m} {p} documents its 200 answer")

    with Server() as srv:
        st, h, served = srv.get(f"{base}/openapi.json")
        check(st == 200 and h.get("content-type", "").startswith("application/json"),
              f"openapi.json answers as JSON ({st})")
        check(served == raw, f"the server serves the data file's bytes exactly "
              f"({len(served)} of {len(raw)} bytes)")

        # each documented path answers on the real server
        for p in doc["paths"]:
            st, _, _ = srv.get(base + p.replace("{id_or_slug}", SEED).replace("{id}", "1"))
            check(st == 200, f"GET {p} answers 200 ({st})")

        # real answers: every field they carry is described (the signature included)
        st, _, body = srv.get(f"{base}/articles/{SEED}")
        art = json.loads(body)
        check(st == 200 and "signature" in art, "the article carries its signature")
        miss = described(doc, response_schema(doc, "/articles/{id_or_slug}"), art, "article")
        check(miss == [], f"every field of an article is in the schema: {miss} not described")
        sig_props = properties(doc, properties(doc, response_schema(doc, "/articles/{id_or_slug}"))
                               .get("signature", {}))
        check(set(sig_props) == set(art.get("signature", {})),
              f"the signature schema names exactly what the API sends: {sorted(sig_props)} / "
              f"{sorted(art.get('signature', {}))}")
        for p in ["/articles", "/tags", "/departments", "/registry", "/vacancies",
                  "/consultations", "/leadership"]:
            st, _, body = srv.get(base + p)
            miss = described(doc, response_schema(doc, p), json.loads(body), p)
            check(st == 200 and miss == [], f"every field of {p} is in the schema: {miss}")
        # the registry's documents, the amended demo order (changed_by) and a draft
        for i in (1, 6):
            st, _, body = srv.get(f"{base}/registry/{i}")
            miss = described(doc, response_schema(doc, "/registry/{id}"), json.loads(body),
                             f"registry/{i}")
            check(st == 200 and miss == [], f"every field of /registry/{i} is in the schema: {miss}")
        # the open consultation (comments, a name withheld) and the finished one (outcome)
        for i in (1, 2):
            st, _, body = srv.get(f"{base}/consultations/{i}")
            c = json.loads(body)
            miss = described(doc, response_schema(doc, "/consultations/{id}"), c,
                             f"consultations/{i}")
            check(st == 200 and c.get("comments") and miss == [],
                  f"every field of /consultations/{i} is in the schema: {miss}")
    done()


if __name__ == "__main__":
    main()
