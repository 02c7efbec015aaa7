"""Open data over HTTP (issue 13, CMU resolution 835/2015) on the demo site: the
catalogue and dataset pages with their passports; the CSV files parse with Python's csv
module (header row, RFC 4180) and hold exactly the registry's, the public news' and the
vacancies' rows in the database; the JSON files hold the same rows; the statistics of
requests and appeals are a set whose files are /requests/statistics.csv and .json, with
the database's counts, its dct:modified moving when a request comes through the public
form and when one is closed in the workspace; catalog.json is a
DCAT catalogue with every set, and each distribution's URL answers 200 with its media
type; a document saved in the workspace shows in the cached files at once and moves
dct:modified; ETag revalidation; the static mirror holds the catalogue and files; the
operator's switches: `registry = off` and `vacancies = off` drop those sets (and the
API's endpoints answer 404, issue 13's loose end), `opendata = off` gives 404 and
leaves the menu and the site map, the statistics set stays while either `requests` or
`appeals` is on and goes with both; an author may neither create nor edit registry
documents; a bad opendata_email is refused at start."""
import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

from harness import BIN, SOURCE, Server, check, done
from test_admin import Client, add_user

CONTACT = "Відділ цифрового розвитку"
EMAIL = "data@example.gov.ua"
SETS = {"registry", "news", "vacancies", "requests"}
# a set's files: /opendata/<slug>.csv|json unless another module serves them
FILES = {"requests": ("/requests/statistics.csv", "/requests/statistics.json")}


def db_rows(srv, sql, *args):
    con = sqlite3.connect(srv.db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def get(srv, path, headers=None):
    st, h, b = srv.get(path, headers=headers)
    return st, h, b


def csv_rows(srv, slug):
    st, h, b = get(srv, f"/opendata/{slug}.csv")
    check(st == 200, f"{slug}.csv answers (status {st})")
    check(h.get("content-type", "").startswith("text/csv; charset=utf-8"),
          f"{slug}.csv is text/csv in UTF-8 ({h.get('content-type')})")
    text = b.decode("utf-8")
    check(text.endswith("\r\n") and "\r\n" in text.split("\n", 1)[0] + "\n",
          f"{slug}.csv ends its lines with CRLF (RFC 4180)")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def json_rows(srv, slug):
    st, h, b = get(srv, f"/opendata/{slug}.json")
    check(st == 200 and h.get("content-type") == "application/json; charset=utf-8",
          f"{slug}.json answers as JSON (status {st}, {h.get('content-type')})")
    try:
        return json.loads(b.decode("utf-8"))
    except ValueError as e:
        check(False, f"{slug}.json is valid JSON: {e}")
        return []


def catalog(srv):
    st, h, b = get(srv, "/opendata/catalog.json")
    check(st == 200 and h.get("content-type", "").startswith("application/json"),
          f"catalog.json answers as JSON (status {st})")
    try:
        return json.loads(b.decode("utf-8"))
    except ValueError as e:
        check(False, f"catalog.json is valid JSON: {e}")
        return {}


def datasets(cat):
    return {d.get("dct:identifier"): d for d in cat.get("dcat:dataset", [])}


def check_files(srv):
    now = int(time.time())
    # the registry: every document, restricted ones without their title
    docs = db_rows(srv, "SELECT id, number, title, restricted, doc_date FROM registry_docs")
    rows = csv_rows(srv, "registry")
    check(rows and list(rows[0].keys()) == ["number", "type", "date", "title", "status", "url"],
          f"registry.csv has the header row (got {list(rows[0].keys()) if rows else None})")
    by_url = {r["url"].rsplit("/", 1)[-1]: r for r in rows}
    check(len(rows) == len(docs) and set(by_url) == {str(d[0]) for d in docs},
          f"registry.csv has every document ({len(rows)} rows, {len(docs)} in the database)")
    for doc_id, number, title, restricted, _ in docs:
        r = by_url.get(str(doc_id), {})
        check(r.get("number") == number, f"registry row {doc_id} has its number")
        want = "" if restricted else title
        check(r.get("title") == want,
              f"registry row {doc_id} title {'hidden (restricted)' if restricted else 'as stored'}")
        check(re.fullmatch(r"\d{4}-\d\d-\d\d", r.get("date", "")) is not None,
              f"registry row {doc_id} date is YYYY-MM-DD")
    check(any(r["status"] == "змінено" for r in rows) and any(r["status"] == "чинний" for r in rows),
          "registry.csv says the derived status (чинний, змінено)")
    check(json_rows(srv, "registry") == rows, "registry.json holds the same rows as the CSV")

    # the news: every public article, with its departments and tags
    arts = db_rows(srv, "SELECT id, title FROM articles WHERE status IN ('published', 'scheduled') "
                        "AND published_at <= ?", now)
    rows = csv_rows(srv, "news")
    check(len(rows) == len(arts) and len(rows) > 300,
          f"news.csv has every public article ({len(rows)} rows, {len(arts)} in the database)")
    titles = {str(i): t for i, t in arts}
    check(all(titles.get(r["id"]) == r["title"] for r in rows), "news rows have the stored titles")
    depts = {}
    for aid, name in db_rows(srv, "SELECT l.article_id, d.name FROM article_departments l "
                                  "JOIN departments d ON d.id = l.department_id"):
        depts.setdefault(str(aid), set()).add(name)
    tags = {}
    for aid, name in db_rows(srv, "SELECT l.article_id, t.name FROM article_tags l "
                                  "JOIN tags t ON t.id = l.tag_id"):
        tags.setdefault(str(aid), set()).add(name)
    split = lambda v: set(x for x in v.split("; ") if x)
    check(all(split(r["departments"]) == depts.get(r["id"], set()) for r in rows),
          "news rows list the articles' departments")
    check(all(split(r["tags"]) == tags.get(r["id"], set()) for r in rows),
          "news rows list the articles' tags")
    check(any("," in r["departments"] for r in rows),
          "a department name with a comma came through the CSV quoting")
    dates = [r["date"] for r in rows]
    check(dates == sorted(dates, reverse=True), "news rows are newest first")
    js = json_rows(srv, "news")
    check(len(js) == len(rows) and all(
        str(j["id"]) == r["id"] and j["title"] == r["title"] and j["url"] == r["url"]
        and set(j["departments"]) == split(r["departments"]) and set(j["tags"]) == split(r["tags"])
        for j, r in zip(js, rows)), "news.json holds the same rows, lists as arrays")
    check(isinstance(js[0]["id"], int), "news.json ids are numbers")
    st, _, _ = get(srv, rows[0]["url"].replace(f"http://127.0.0.1:{srv.port}", ""))
    check(st == 200, f"a news row's URL is the article (status {st})")

    # the vacancies: open and closed, their state at request time
    rows = csv_rows(srv, "vacancies")
    vac = db_rows(srv, "SELECT title, deadline, closed FROM vacancies")
    check(len(rows) == len(vac), f"vacancies.csv has every vacancy ({len(rows)}/{len(vac)})")
    state = {t: ("відкрита" if not c and d > now else "закрита") for t, d, c in vac}
    check(all(state.get(r["title"]) == r["status"] for r in rows),
          "vacancies rows say open or closed as of now")
    check(json_rows(srv, "vacancies") == rows, "vacancies.json holds the same rows")

    # the statistics of requests and appeals: the database's counts by half-year
    rows = stats_rows(srv)
    want = {}
    for year, half, kind, n in db_rows(srv, "SELECT year, half, kind, count(*) FROM info_requests "
                                            "GROUP BY year, half, kind"):
        kind = "information_request" if kind == "info" else "appeal"
        want[(f"{year}-H{half}", kind)] = n
    got = {(r["period"], r["kind"]): int(r["received"]) for r in rows}
    check(want and got == want, f"the statistics count every request received ({got} vs {want})")
    st, h, b = get(srv, "/requests/statistics.json")
    js = json.loads(b.decode()) if st == 200 else []
    check({(r["period"], r["kind"]): r["received"] for r in js} == want,
          "the statistics' JSON holds the same counts")


def stats_rows(srv):
    st, h, b = get(srv, "/requests/statistics.csv")
    check(st == 200 and h.get("content-type", "").startswith("text/csv"),
          f"/requests/statistics.csv answers as CSV (status {st})")
    rows = list(csv.DictReader(io.StringIO(b.decode("utf-8"), newline="")))
    check(rows and list(rows[0].keys()) ==
          ["period", "kind", "received", "answered", "refused", "overdue"],
          "the statistics' CSV has the columns the passport describes")
    return rows


def check_catalog(srv):
    cat = catalog(srv)
    check(cat.get("@type") == "dcat:Catalog", "catalog.json is a dcat:Catalog")
    sets = datasets(cat)
    check(set(sets) == SETS, f"the catalogue has every set ({sorted(sets)})")
    for slug, d in sets.items():
        for key in ("dct:title", "dct:description", "dcat:keyword", "dct:publisher",
                    "dct:modified", "dct:issued", "dct:accrualPeriodicity", "dcat:contactPoint",
                    "dct:license", "dcat:distribution"):
            check(key in d, f"{slug} has {key}")
        cp = d.get("dcat:contactPoint", {})
        check(cp.get("vcard:fn") == CONTACT and cp.get("vcard:hasEmail", {}).get("@id") ==
              "mailto:" + EMAIL, f"{slug}'s contact point comes from the config ({cp})")
        check(d.get("dct:license", {}).get("@id") == "https://creativecommons.org/licenses/by/4.0/",
              f"{slug} is CC BY 4.0")
        check(d.get("dct:publisher", {}).get("foaf:name", "") != "", f"{slug} names its publisher")
        dists = d.get("dcat:distribution", [])
        check({x.get("dct:format") for x in dists} == {"CSV", "JSON"}, f"{slug} has CSV and JSON")
        for x in dists:
            url = x["dcat:downloadURL"]["@id"]
            check(url.startswith(f"http://127.0.0.1:{srv.port}/"), f"{url} is absolute")
            st, h, _ = get(srv, url.split(str(srv.port), 1)[1])
            check(st == 200 and h.get("content-type", "").startswith(x["dcat:mediaType"]),
                  f"{url} answers 200 as {x['dcat:mediaType']} (status {st}, {h.get('content-type')})")
    return cat


def check_pages(srv):
    st, _, b = get(srv, "/opendata")
    body = b.decode()
    check(st == 200, f"/opendata answers (status {st})")
    for slug in SETS:
        csv_url, json_url = FILES.get(slug, (f"/opendata/{slug}.csv", f"/opendata/{slug}.json"))
        check(f'href="/opendata/{slug}"' in body and f'href="{csv_url}"' in body
              and f'href="{json_url}"' in body, f"the catalogue lists {slug} with its files")
    check(CONTACT in body and EMAIL in body and "CC BY 4.0" in body and "catalog.json" in body,
          "the catalogue shows the passports (contact, licence) and links the DCAT catalogue")
    st, _, b = get(srv, "/opendata/requests")
    body = b.decode()
    check(st == 200 and "Статистика розгляду запитів на інформацію та звернень" in body
          and "<code>overdue</code>" in body and 'href="/requests/statistics.csv"' in body,
          f"the statistics set has its page with its structure and files (status {st})")
    for path in ("/opendata/requests.csv", "/opendata/requests.json"):
        st, _, _ = get(srv, path)
        check(st == 404, f"{path} is 404: the files are the requests section's (status {st})")
    st, _, b = get(srv, "/opendata/news")
    body = b.decode()
    check(st == 200 and "<code>departments</code>" in body and "Частота оновлення" in body,
          "a dataset page shows its passport and structure")
    for path in ("/lv/opendata", "/en/opendata", "/en/opendata/registry"):
        st, _, _ = get(srv, path)
        check(st == 200, f"{path} answers (status {st})")
    for path in ("/opendata/nothing", "/opendata/nothing.csv", "/lv/opendata/news.csv",
                 "/en/opendata/registry.json"):
        st, _, _ = get(srv, path)
        check(st == 404, f"{path} is 404 (status {st})")
    st, _, b = get(srv, "/public-information")
    check('href="/opendata"' in b.decode(), "«Публічна інформація» has open data")
    st, _, b = get(srv, "/sitemap")
    check('href="/opendata"' in b.decode(), "the site map has open data")
    st, _, b = get(srv, "/sitemaps/pages.xml")
    check(b"/opendata/news</loc>" in b, "sitemap pages.xml lists the dataset pages")


def check_change(srv, editor):
    """A document saved in the workspace shows in the cached files at once."""
    before = csv_rows(srv, "registry")
    st, h1, _ = get(srv, "/opendata/registry.csv")
    etag = h1.get("etag", "")
    check(etag != "" and h1.get("last-modified", "") != "", "the CSV has ETag and Last-Modified")
    st, _, _ = get(srv, "/opendata/registry.csv", headers={"If-None-Match": etag})
    check(st == 304, f"the CSV revalidates with its ETag (status {st})")
    old_mod = datasets(catalog(srv))["registry"]["dct:modified"]
    time.sleep(1.1)  # dct:modified has seconds
    fields = {"kind": "decree", "number": "77", "date": "2026-11-30",
              "title": "Про відкриті дані адміністрації", "body": "Текст наказу.", "link": "none",
              "amends_kind": "order", "amends_year": "", "amends_number": "",
              "discussion_from": "", "discussion_until": "", "adopted_on": ""}
    fields["csrf"] = editor.csrf("/admin/registry/new")
    st, h, _ = editor.post_multipart("/admin/registry/new", fields,
                                     [("pdf", "", b"", "application/octet-stream")])
    check(st == 303, f"the editor saved a document (status {st})")
    after = csv_rows(srv, "registry")
    new = [r for r in after if r["title"] == "Про відкриті дані адміністрації"]
    check(len(after) == len(before) + 1 and len(new) == 1 and new[0]["number"] == "77"
          and new[0]["date"] == "2026-11-30" and new[0]["type"] == "Наказ",
          f"the new document is in registry.csv at once ({len(before)} → {len(after)} rows)")
    check(any(r.get("title") == "Про відкриті дані адміністрації" for r in json_rows(srv, "registry")),
          "and in registry.json")
    st, h2, _ = get(srv, "/opendata/registry.csv", headers={"If-None-Match": etag})
    check(st == 200 and h2.get("etag") != etag, "the old ETag no longer matches")
    new_mod = datasets(catalog(srv))["registry"]["dct:modified"]
    check(new_mod > old_mod, f"dct:modified moved ({old_mod} → {new_mod})")
    st, _, b = get(srv, "/opendata/registry")
    check("Дата останньої зміни" in b.decode(), "the dataset page shows the change date")


def check_request_change(srv, editor):
    """A request through the public form and its closing move the statistics set's
    dct:modified (the set's cache key is the requests section's)."""
    old = datasets(catalog(srv))["requests"]
    before = sum(int(r["received"]) for r in stats_rows(srv))
    time.sleep(1.1)  # dct:modified has seconds
    form = {"name": "Сидоренко Марія Петрівна", "address": "", "email": "maria@example.org",
            "phone": "", "body": "Прошу надати перелік наборів відкритих даних."}
    st, _, b = srv.get("/requests", method="POST", body=urllib.parse.urlencode(form).encode(),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 200 and re.search(r'<dd class="rq-number">ЗІ-\d{4}/\d{4}</dd>', b.decode()),
          f"the public form registered a request (status {st})")
    rid = db_rows(srv, "SELECT max(id) FROM info_requests")[0][0]
    after = sum(int(r["received"]) for r in stats_rows(srv))
    check(after == before + 1, f"the statistics count it at once ({before} → {after})")
    new = datasets(catalog(srv))["requests"]
    check(new.get("dct:modified", "") > old.get("dct:modified", ""),
          f"dct:modified moved with the request ({old.get('dct:modified')} → "
          f"{new.get('dct:modified')})")
    check(new.get("dct:issued") == old.get("dct:issued"), "dct:issued stays the first request's")
    st, _, b = get(srv, "/opendata/requests")
    check(st == 200 and "Дата останньої зміни" in b.decode(), "the set's page shows the change date")
    time.sleep(1.1)
    fields = {"op": "refuse", "text": "Адміністрація не володіє цією інформацією.",
              "csrf": editor.csrf(f"/admin/requests/{rid}")}
    st, _, _ = editor.post(f"/admin/requests/{rid}", fields)
    check(st == 303 and db_rows(srv, "SELECT status FROM info_requests WHERE id = ?", rid)[0][0]
          == "refused", f"the editor refused the request (status {st})")
    closed = datasets(catalog(srv))["requests"]
    check(closed.get("dct:modified", "") > new.get("dct:modified", ""),
          f"dct:modified moved when it was closed ({new.get('dct:modified')} → "
          f"{closed.get('dct:modified')})")


def check_author(srv, author):
    """Issue 13's loose end: authors neither create nor edit registry documents."""
    n = db_rows(srv, "SELECT count(*) FROM registry_docs")[0][0]
    token = author.csrf("/admin/articles/new")
    check(token != "", "the author has a session")
    for path in ("/admin/registry", "/admin/registry/new", "/admin/registry/1"):
        st, _, _ = author.get(path)
        check(st == 403, f"an author gets 403 for GET {path} (status {st})")
    fields = {"kind": "order", "number": "999-р", "date": "2026-11-02", "title": "Авторський",
              "link": "none", "csrf": token}
    for path in ("/admin/registry/new", "/admin/registry/1"):
        st, _, _ = author.post_multipart(path, fields, [("pdf", "", b"", "application/octet-stream")])
        check(st == 403, f"an author gets 403 for POST {path} (status {st})")
    check(db_rows(srv, "SELECT count(*) FROM registry_docs")[0][0] == n and
          db_rows(srv, "SELECT title FROM registry_docs WHERE id = 1")[0][0] != "Авторський",
          "nothing was created or changed")


def check_mirror(srv):
    out = tempfile.mkdtemp(prefix="visnyk-od-mirror-")
    p = srv.run_cli("export-static", out, "--db", srv.db, "--media", srv.media)
    check(p.returncode == 0, f"export-static runs: {p.stderr[-300:]}")
    for rel in ("opendata/index.html", "opendata/catalog.json", "opendata/news/index.html",
                "opendata/registry.csv", "opendata/news.json", "opendata/vacancies.csv",
                "leadership/index.html"):
        check(os.path.isfile(os.path.join(out, rel)), f"the mirror has {rel}")
    path = os.path.join(out, "opendata/registry.csv")
    if os.path.isfile(path):
        with open(path, encoding="utf-8", newline="") as f:
            check(len(list(csv.DictReader(f))) >= 7, "the mirror's registry.csv has the rows")
    subprocess.run(["rm", "-rf", out])


def check_sections_off():
    """registry = off and vacancies = off drop those sets and the API's endpoints."""
    srv = Server(demo=False, env={"VISNYK_REGISTRY": "off", "VISNYK_VACANCIES": "off"})
    with srv:
        sets = datasets(catalog(srv))
        check(set(sets) == {"news", "requests"}, f"only news and statistics are left ({sorted(sets)})")
        for path in ("/opendata/registry", "/opendata/registry.csv", "/opendata/vacancies.json"):
            st, _, _ = get(srv, path)
            check(st == 404, f"{path} is 404 with its section off (status {st})")
        for path in ("/api/v1/registry", "/api/v1/registry/1", "/api/v1/vacancies"):
            st, h, b = get(srv, path)
            check(st == 404 and h.get("content-type", "").startswith("application/json")
                  and "error" in json.loads(b or b"{}"),
                  f"the API answers 404 for {path} with its section off (status {st})")
        st, _, _ = get(srv, "/api/v1/articles")
        check(st == 200, "the rest of the API still answers")
        st, _, b = get(srv, "/opendata/news.csv")
        check(st == 200 and b.startswith(b"id,date,title"), "an empty site's news.csv is the header")
        js = json_rows(srv, "news")
        check(js == [], "an empty site's news.json is []")

    srv = Server(demo=False, env={"VISNYK_OPENDATA": "off"})
    with srv:
        for path in ("/opendata", "/opendata/news", "/opendata/news.csv", "/opendata/catalog.json",
                     "/lv/opendata"):
            st, _, _ = get(srv, path)
            check(st == 404, f"{path} is 404 with open data off (status {st})")
        st, _, b = get(srv, "/public-information")
        check(st == 200 and 'href="/opendata"' not in b.decode(),
              "«Публічна інформація» has no open data")
        st, _, b = get(srv, "/sitemap")
        check('href="/opendata"' not in b.decode(), "the site map has no open data")
        st, _, b = get(srv, "/sitemaps/pages.xml")
        check(b"/opendata" not in b, "sitemap pages.xml has no open data")
        st, _, _ = get(srv, "/api/v1/registry")
        check(st == 200, "the registry's API answers while its section is on")


def check_requests_off():
    """The statistics set shows requests and appeals: it stays while either is on."""
    srv = Server(demo=False, env={"VISNYK_REQUESTS": "off"})
    with srv:
        check("requests" in datasets(catalog(srv)), "with appeals on the statistics set stays")
        st, _, _ = get(srv, "/opendata/requests")
        check(st == 200, f"and has its page (status {st})")
    srv = Server(demo=False, env={"VISNYK_REQUESTS": "off", "VISNYK_APPEALS": "off"})
    with srv:
        sets = datasets(catalog(srv))
        check("requests" not in sets and "news" in sets,
              f"with both off the statistics set is gone ({sorted(sets)})")
        for path in ("/opendata/requests", "/requests/statistics.csv"):
            st, _, _ = get(srv, path)
            check(st == 404, f"{path} is 404 with requests and appeals off (status {st})")
        st, _, b = get(srv, "/opendata")
        check(st == 200 and "/requests/statistics" not in b.decode(),
              "the catalogue page does not link the statistics")


def check_bad_config():
    d = tempfile.mkdtemp(prefix="visnyk-od-cfg-")
    p = subprocess.run([BIN, "serve", "--db", os.path.join(d, "x.db"), "--listen", "127.0.0.1:1"],
                       cwd=SOURCE, capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, VISNYK_OPENDATA_EMAIL="not an address"))
    check(p.returncode == 2 and "opendata_email" in p.stderr,
          f"a bad opendata_email is refused at start (rc {p.returncode}: {p.stderr[-200:]})")
    subprocess.run(["rm", "-rf", d])


def main():
    srv = Server(env={"VISNYK_OPENDATA_CONTACT": CONTACT, "VISNYK_OPENDATA_EMAIL": EMAIL})
    add_user(srv, "editor1", "editor")
    add_user(srv, "writer", "author")
    with srv:
        editor, author = Client(srv), Client(srv)
        editor.login("editor1")
        author.login("writer")
        check_pages(srv)
        check_files(srv)
        check_catalog(srv)
        check_change(srv, editor)
        check_request_change(srv, editor)
        check_author(srv, author)
        check_mirror(srv)
    check_sections_off()
    check_requests_off()
    check_bad_config()
    done()


if __name__ == "__main__":
    main()
