"""The command line: help, usage errors, init/migrate, import (errors with file and line,
nothing half-imported, idempotent), config files, signals."""
import os
import signal
import sqlite3
import tempfile
import textwrap
import time

from harness import Server, check, done

GOOD = textwrap.dedent("""\
    ---
    title: Тестова новина <script>alert(1)</script>
    date: 2025-03-01 10:00
    slug: testova-novyna
    departments:
      - Департамент охорони здоров’я
    tags:
      - тест
    ---
    Текст новини з «лапками» та апострофом: пов’язані.
    """)

BAD = textwrap.dedent("""\
    ---
    title: Погана новина
    date: вчора
    ---
    Текст
    """)


def check_help(srv):
    p = srv.run_cli("--help")
    check(p.returncode == 0 and "serve" in p.stdout and "init" in p.stdout, "--help lists commands")
    p = srv.run_cli("--version")
    check(p.returncode == 0 and "visnyk" in p.stdout, "--version")
    p = srv.run_cli("serve", "--help")
    check(p.returncode == 0 and "--listen" in p.stdout, "serve --help")
    p = srv.run_cli("frobnicate")
    check(p.returncode == 2 and "unknown command" in p.stderr, "unknown command exits 2")
    p = srv.run_cli("serve", "--colour", "red")
    check(p.returncode == 2 and "--colour" in p.stderr, "unknown option exits 2 naming it")
    p = srv.run_cli("serve", "--listen", "nowhere")
    check(p.returncode == 2 and "listen" in p.stderr, "bad --listen exits 2")


def check_config_file(srv):
    d = tempfile.mkdtemp()
    bad = os.path.join(d, "bad.ini")
    with open(bad, "w") as f:
        f.write("db = x.db\nlisten = 127.0.0.1:notaport\n")
    p = srv.run_cli("serve", "--config", bad)
    check(p.returncode == 2 and f"{bad}:2: listen" in p.stderr,
          f"malformed config names file, line and key: {p.stderr.strip()}")
    p = srv.run_cli("serve", "--config", os.path.join(d, "missing.ini"))
    check(p.returncode == 2 and "missing.ini" in p.stderr, "missing config file named")


def check_import(srv):
    d = tempfile.mkdtemp()
    good, bad = os.path.join(d, "good.md"), os.path.join(d, "bad.md")
    with open(good, "w") as f:
        f.write(GOOD)
    with open(bad, "w") as f:
        f.write(BAD)
    p = srv.run_cli("import", "--db", srv.db, "--media", srv.media, bad)
    check(p.returncode != 0, "bad file makes import fail")
    check("bad.md:3" in p.stderr and "date" in p.stderr,
          f"error names file, line and what is wrong: {p.stderr.strip()}")
    con = sqlite3.connect(srv.db)
    n = con.execute("select count(*) from articles where title like 'Погана%'").fetchone()[0]
    check(n == 0, "nothing of the bad file was imported")
    for _ in range(2):
        p = srv.run_cli("import", "--db", srv.db, "--media", srv.media, good)
        check(p.returncode == 0, f"good file imports: {p.stderr}")
    n = con.execute("select count(*) from articles where slug = 'testova-novyna'").fetchone()[0]
    check(n == 1, "import is idempotent by slug")
    con.close()


def check_served_escaped(srv):
    srv.start()
    st, _, body = srv.get("/news/testova-novyna")
    check(st == 200, f"imported article served, got {st}")
    check(b"<script>alert(1)" not in body and b"&lt;script&gt;" in body, "title is HTML-escaped")
    check("пов’язані".encode() in body, "apostrophe kept")
    # SIGHUP reloads the theme; the server keeps serving
    srv.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    st, _, _ = srv.get("/")
    check(st == 200, "serving after SIGHUP")
    rc = srv.stop()
    check(rc == 0, f"SIGTERM: clean exit, got {rc}")


def check_newer_schema(srv):
    con = sqlite3.connect(srv.db)
    con.execute("pragma user_version = 999")
    con.commit()
    con.close()
    p = srv.run_cli("init", "--db", srv.db, "--media", srv.media)
    check(p.returncode != 0 and "newer" in p.stderr, f"init refuses a newer database: {p.stderr.strip()}")
    p = srv.run_cli("serve", "--db", srv.db, "--listen", f"127.0.0.1:{srv.port}")
    check(p.returncode != 0 and srv.db in p.stderr, "serve refuses it with the database named")


def main():
    srv = Server(demo=False)
    try:
        check_help(srv)
        check_config_file(srv)
        p = srv.run_cli("init", "--db", srv.db, "--media", srv.media)
        check(p.returncode == 0, "init again is idempotent")
        check_import(srv)
        check_served_escaped(srv)
        check_newer_schema(srv)
    finally:
        srv.cleanup()
    done()


if __name__ == "__main__":
    main()
