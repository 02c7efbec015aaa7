"""Page cache freshness: the first public GET after an editor's save shows the save.

The stale pages a colleague saw (an older title, even two saves old, kept until the next
invalidation) came from two `visnyk serve` processes on one port: SO_REUSEPORT let the
second join the first one's port, the kernel spread readers over both, and each kept its
own page cache, so an invalidation reached only the process that took the save. The
harness started that second process itself (`with srv.start():` started twice). Checked
here: a second server on a taken port refuses to start, and under readers hammering the
article and the lists that show it, every GET after each save's answer shows the new
title (also the in-process rule: a page rendered from a snapshot older than an
invalidation is never stored)."""
import os
import re
import subprocess
import threading
import time

from harness import BIN, SOURCE, Server, check, done
from test_admin import Client, add_user, article_form, article_id_from

ROUNDS = int(os.environ.get("VISNYK_FRESH_ROUNDS", "40"))
DEADLINE_S = 30.0  # bounded under ASan (about 3x slower): fewer rounds, never longer
READERS = 4


def title_of(body):
    m = re.search(r"<h1>(.*?)</h1>", body)
    return m.group(1) if m else None


def check_second_server_refused(srv):
    """A second serve on the same address must exit with an error, not join the port."""
    p = subprocess.Popen([BIN, "serve", "--db", srv.db, "--media", srv.media,
                          "--listen", f"127.0.0.1:{srv.port}", "--threads", "2"],
                         cwd=SOURCE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, env=srv.env)
    try:
        out, _ = p.communicate(timeout=20)
        check(p.returncode not in (0, None), f"a second server on a taken port exits ({p.returncode})")
        check("in use" in out, f"the second server says the address is in use: {out[-400:]}")
    except subprocess.TimeoutExpired:
        check(False, "a second server on a taken port refuses to start (it kept running)")
        p.kill()
        p.communicate()
    st, _, _ = srv.get("/")
    check(st == 200, f"the first server still answers ({st})")


def check_fresh_after_save(srv):
    ed = Client(srv)
    ed.login("editor1")
    cs = ed.csrf()
    st, h, _ = ed.post("/admin/articles/new", article_form(cs, "Заголовок 0", action="publish"))
    check(st == 303, f"article created ({st})")
    aid = article_id_from(h)
    st, _, body = ed.get(f"/admin/articles/{aid}")
    slug = re.search(r'name="slug" value="([a-z0-9-]+)"', body).group(1)
    paths = [f"/news/{slug}", f"/news/{slug}", "/news", "/"]

    stop = threading.Event()
    errors = []
    served = [0]

    def reader(i):
        while not stop.is_set():
            try:
                st, _, _ = srv.get(paths[i % len(paths)])
                if st != 200:
                    errors.append(st)
                served[0] += 1
            except OSError as e:
                errors.append(repr(e))
                time.sleep(0.01)

    threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(READERS)]
    for t in threads:
        t.start()
    stale = []
    saves = 0
    t0 = time.monotonic()
    try:
        for n in range(1, ROUNDS + 1):
            if time.monotonic() - t0 > DEADLINE_S:
                break
            st, _, body = ed.get(f"/admin/articles/{aid}")
            v = re.search(r'name="version" value="(\d+)"', body).group(1)
            want = f"Заголовок {n}"
            st, _, _ = ed.post(f"/admin/articles/{aid}",
                               article_form(cs, want, version=v, slug=slug, action="publish"))
            if st != 303:
                check(False, f"save {n} answered {st}")
                break
            saves += 1
            # the first GET after the save's answer, then two more: a racing reader may
            # have stored its render in between, which must be the new title too
            got = [title_of(srv.get(f"/news/{slug}")[2].decode()) for _ in range(3)]
            if any(g != want for g in got):
                stale.append((want, got))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    print(f"{saves} saves in {time.monotonic() - t0:.1f} s, {served[0]} reader GETs by "
          f"{READERS} readers; stale after a save: {len(stale)}")
    check(saves >= 5, f"enough saves within the deadline ({saves})")
    check(not stale, f"every GET after a save shows the new title: {stale[:4]}")
    check(not errors, f"readers got 200s: {errors[:3]}")


def main():
    # the page warmer on: its renders race the readers' and the saves' too
    srv = Server(demo=False, env={"VISNYK_WARM_PAGES": "on"})
    add_user(srv, "editor1", "editor")
    # spelled the way the reproduction did: start() and then `with` on its result
    with srv.start():
        check_second_server_refused(srv)
        check_fresh_after_save(srv)
    done()


if __name__ == "__main__":
    main()
