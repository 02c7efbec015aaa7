"""The static mirror: export the demo site, serve the folder with Debian's nginx on a
loopback port, crawl it from the home page and find no broken link; the seed article is
the same as on the live site; issue 13's sections are in it (public information, each
consultation, the leadership, the requests and appeals pages, the open-data catalogue,
pages and files, the request statistics) with the live site's bytes; a second export
rewrites nothing; a change rewrites only what it touched and removes what is gone."""
import gzip
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from robust_start import start_server  # noqa: E402
from harness import Server, check, done, free_port  # noqa: E402

SEED = "na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Served only by the live site (forms); the operator's nginx proxies them (OPERATIONS.md).
DYNAMIC = ("/search", "/subscribe")
LINK_RE = re.compile(rb'(?:href|src)="([^"]*)"|srcset="([^"]*)"')


def export(srv, out, base_url):
    t0 = time.time()
    p = srv.run_cli("export-static", out, "--db", srv.db, "--media", srv.media,
                    "--base-url", base_url)
    took = time.time() - t0
    m = re.search(r"exported (\d+) pages and (\d+) media files .* (\d+) files written, "
                  r"(\d+) unchanged, (\d+) removed", p.stdout)
    check(p.returncode == 0 and m is not None,
          f"export-static succeeds (rc={p.returncode}): {p.stdout} {p.stderr}")
    if not m:
        return None
    stats = dict(zip(["pages", "media", "written", "unchanged", "removed"],
                     (int(g) for g in m.groups())))
    stats["seconds"] = took
    print(f"export: {p.stdout.strip()} (wall {took:.2f} s)")
    return stats


def nginx_conf(root, port, tmp):
    user = "user root;\n" if os.getuid() == 0 else ""
    return f"""{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        gzip_static on;
        location / {{ try_files $uri $uri/index.html =404; }}
        location = /favicon.ico {{ types {{ }} default_type image/svg+xml; }}
        location /static/ {{ expires max; try_files $uri =404; }}
        location /media/ {{ expires max; try_files $uri =404; }}
    }}
}}
"""


def fetch(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def links_of(body):
    out = []
    for m in LINK_RE.finditer(body):
        if m.group(1) is not None:
            out.append(m.group(1).decode())
        else:
            for cand in m.group(2).decode().split(","):
                cand = cand.strip().split(" ")[0]
                if cand:
                    out.append(cand)
    return [l.replace("&amp;", "&") for l in out]


def crawl(port, base_url):
    """Every site link reachable from / must answer 200."""
    seen, queue, broken, pages = {"/"}, ["/"], [], 0
    while queue:
        path = queue.pop()
        status, headers, body = fetch(port, path)
        pages += 1
        if status != 200:
            broken.append((path, status))
            continue
        if not headers.get("content-type", "").startswith("text/html"):
            continue
        for link in links_of(body):
            if link.startswith(base_url):
                link = link[len(base_url):] or "/"
            if not link.startswith("/") or link.startswith("//"):
                continue
            link = link.split("#")[0]
            if link.startswith(DYNAMIC):
                continue
            if link and link not in seen:
                seen.add(link)
                queue.append(link)
    return pages, broken


def main():
    tmp = tempfile.mkdtemp(prefix="visnyk-mirror-")
    out = os.path.join(tmp, "mirror")
    srv = Server(demo=True)
    ng = None
    try:
        start_server(srv)
        base_url = f"http://127.0.0.1:{srv.port}"
        first = export(srv, out, base_url)
        check(first and first["pages"] > 400, f"the demo exports hundreds of pages: {first}")
        check(first and first["media"] > 50, "media files are in the mirror")
        for rel in ["index.html", "index.html.gz", f"news/{SEED}/index.html", "news/index.html",
                    "tags/index.html", "tags/bezpeka/index.html", "archive/index.html",
                    "pages/about/index.html", "departments/index.html", ".visnyk-export"]:
            check(os.path.isfile(os.path.join(out, rel)), f"mirror has {rel}")
        # issue 13's sections, as the live site serves them
        consults = [f"/consultations/{m}" for m in sorted(set(re.findall(
            r'href="/consultations/(\d+)"', fetch(srv.port, "/consultations")[2].decode())))]
        check(len(consults) >= 2, f"the live site lists the demo's consultations: {consults}")
        for path in (["/public-information", "/consultations", "/leadership", "/requests",
                      "/appeals", "/opendata", "/opendata/requests", "/opendata/registry"]
                     + consults):
            rel = path.strip("/") + "/index.html"
            check(os.path.isfile(os.path.join(out, rel)), f"mirror has {rel}")
        for path in ("/opendata/catalog.json", "/opendata/registry.csv", "/opendata/registry.json",
                     "/opendata/news.csv", "/opendata/news.json", "/opendata/vacancies.csv",
                     "/opendata/vacancies.json", "/requests/statistics.csv",
                     "/requests/statistics.json"):
            f = os.path.join(out, path.lstrip("/"))
            st, _, live = fetch(srv.port, path)
            mirrored = open(f, "rb").read() if os.path.isfile(f) else None
            # the catalogue and files name absolute URLs: the export's base_url is the live one
            check(st == 200 and mirrored == live, f"mirror has {path} as the live site serves it")
        pager = [d for d in os.listdir(os.path.join(out, "news", "after"))]
        check(len(pager) >= 10, f"news pagination as paths: {len(pager)} pages")
        with open(os.path.join(out, "index.html.gz"), "rb") as f:
            gz = gzip.decompress(f.read())
        with open(os.path.join(out, "index.html"), "rb") as f:
            check(gz == f.read(), ".gz beside index.html holds the same page")

        # a second export with nothing changed rewrites nothing
        second = export(srv, out, base_url)
        check(second and second["written"] == 0 and second["removed"] == 0,
              f"second export writes nothing: {second}")

        # the live site answers the path form of pagination the mirror links to
        one = sorted(pager)[0]
        s1, _, b1 = srv.get(f"/news/after/{one}")
        s2, _, b2 = srv.get(f"/news?after={one}")
        check(s1 == 200 and s2 == 200, f"live /news/after/{one} and ?after= answer ({s1}, {s2})")
        titles = lambda b: re.findall(rb'<h[23][^>]*>\s*<a href="/news/[^"]+"', b)  # noqa: E731
        check(titles(b1) == titles(b2) and len(titles(b1)) > 0,
              "both pagination forms list the same articles")

        # nginx serves the folder; crawl it
        port = free_port()
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(out, port, tmp))
        ng = subprocess.Popen([NGINX, "-c", conf, "-p", tmp], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                fetch(port, "/")
                break
            except OSError:
                time.sleep(0.1)
        t0 = time.time()
        pages, broken = crawl(port, base_url)
        print(f"crawl of the nginx mirror: {pages} URLs in {time.time() - t0:.1f} s, "
              f"{len(broken)} broken")
        check(pages > 500, f"the crawl reaches the whole site ({pages} URLs)")
        check(not broken, f"no broken link in the mirror: {broken[:10]}")

        status, _, mirror_page = fetch(port, f"/news/{SEED}")
        lstatus, _, live_page = srv.get(f"/news/{SEED}")
        check(status == 200 and lstatus == 200, "seed article on both")
        check(mirror_page == live_page, "the seed article is byte for byte the live page")
        if mirror_page != live_page:
            main_of = lambda b: b[b.find(b"<main"):b.find(b"</main>")]  # noqa: E731
            check(main_of(mirror_page) == main_of(live_page), "at least <main> is the same")
        status, headers, body = fetch(port, "/", {"Accept-Encoding": "gzip"})
        check(status == 200 and headers.get("content-encoding") == "gzip",
              "nginx sends the precompressed .gz")
        status, headers, _ = fetch(port, "/favicon.ico")
        check(status == 200, "favicon in the mirror")

        # incremental: a new article and a withdrawn one
        art = os.path.join(tmp, "new.md")
        with open(art, "w") as f:
            f.write("---\ntitle: Нова новина для дзеркала\nslug: nova-novyna-dlia-dzerkala\n"
                    "date: 2024-09-30 12:00\ntags:\n  - безпека\n---\nТекст новини.\n")
        gone = os.path.join(tmp, "gone.md")
        with open(gone, "w") as f:
            f.write("---\ntitle: 27 грудня ворог двічі атакував Полтавщину\n"
                    "slug: 27-hrudnia-voroh-dvichi-atakuvav-poltavshchynu\n"
                    "date: 2024-08-01 10:15\nstatus: withdrawn\n---\nзнято\n")
        p = srv.run_cli("import", "--db", srv.db, "--media", srv.media, art, gone)
        check(p.returncode == 0, f"import for the incremental export: {p.stderr}")
        third = export(srv, out, base_url)
        check(third and 0 < third["written"] < first["written"] / 2,
              f"only what changed is rewritten: {third}")
        check(third and third["removed"] >= 1, "the withdrawn article's files are removed")
        check(os.path.isfile(os.path.join(out, "news/nova-novyna-dlia-dzerkala/index.html")),
              "the new article is in the mirror")
        check(not os.path.exists(os.path.join(
            out, "news/27-hrudnia-voroh-dvichi-atakuvav-poltavshchynu/index.html")),
              "the withdrawn article is gone from the mirror")
        status, _, _ = fetch(port, "/news/nova-novyna-dlia-dzerkala")
        check(status == 200, "nginx serves the new article without a restart")
        pages, broken = crawl(port, base_url)
        check(not broken, f"still no broken link after the update: {broken[:10]}")
        leftovers = [f for _, _, fs in os.walk(out) for f in fs if "tmp" in f]
        check(not leftovers, f"no temporary files left: {leftovers[:5]}")

        # a folder that is not a mirror is refused
        other = os.path.join(tmp, "other")
        os.mkdir(other)
        with open(os.path.join(other, "keep.txt"), "w") as f:
            f.write("mine")
        p = srv.run_cli("export-static", other, "--db", srv.db, "--media", srv.media)
        check(p.returncode != 0 and os.path.exists(os.path.join(other, "keep.txt")),
              "a non-empty folder without the marker is refused and kept")
    finally:
        if ng:
            ng.terminate()
            ng.wait(timeout=10)
        srv.stop()
        srv.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
