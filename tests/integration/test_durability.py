"""Durability: concurrent writes while the server (and the writing processes) are killed
with SIGKILL at random moments, at least 200 times. After every restart each write that
was acknowledged is present, PRAGMA integrity_check passes, and the restarted server
serves the newest acknowledged article. `visnyk check` passes at the end.

Writers are a list of functions, each run in its own thread in a loop; each returns the
keys it got acknowledged (or nothing), and `present` tells how to find them again. The
writers are `visnyk import` processes (the store write path the editor uses;
acknowledged = exit status 0 and "imported N articles" printed) and subscriptions posted
to the server's form (acknowledged = 200 with the confirmation text), so the process
being killed is also one that writes."""
import http.client
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from robust_start import start_server  # noqa: E402
from harness import BIN, SOURCE, Server, check, done  # noqa: E402

KILLS = int(os.environ.get("VISNYK_DURABILITY_KILLS", "200"))
BUDGET_S = 170  # the kills must fit in this; sleeps shrink if they would not
BATCH = 3


class State:
    def __init__(self, srv, tmp):
        self.srv, self.tmp = srv, tmp
        self.lock = threading.Lock()
        self.acked = []         # (kind, key)
        self.children = set()   # writer processes that may be killed
        self.stop = threading.Event()
        self.counter = 0
        self.attempts = self.killed_writers = 0

    def next_id(self):
        with self.lock:
            self.counter += 1
            return self.counter


def import_writer(st):
    """One `visnyk import` of BATCH new articles. Acknowledged only when it says so."""
    n = st.next_id()
    paths, slugs = [], []
    for k in range(BATCH):
        slug = f"durable-{n}-{k}"
        path = os.path.join(st.tmp, f"{slug}.md")
        with open(path, "w") as f:
            f.write(f"---\ntitle: Стійкий запис {n}.{k}\nslug: {slug}\n"
                    f"date: 2024-10-02 10:{k:02d}\ntags:\n  - безпека\n---\nТекст {n}.{k}.\n")
        paths.append(path)
        slugs.append(slug)
    p = subprocess.Popen([BIN, "import", "--db", st.srv.db, "--media", st.srv.media, *paths],
                         cwd=SOURCE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with st.lock:
        st.children.add(p)
        st.attempts += 1
    out, _ = p.communicate()
    with st.lock:
        st.children.discard(p)
    if p.returncode == 0 and f"imported {BATCH} articles" in out:
        return [("article", s) for s in slugs]
    return []


def subscribe_writer(st):
    """One subscription through the live server's form (the server is the process being
    killed). Acknowledged when the server answered 200 with its confirmation text: the
    handler answers only after its transaction committed."""
    n = st.next_id()
    email = f"durable{n}@example.org"
    body = urllib.parse.urlencode({"email": email, "frequency": "daily"})
    try:
        conn = http.client.HTTPConnection("127.0.0.1", st.srv.port, timeout=10)
        try:
            conn.request("POST", "/subscribe", body=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            r = conn.getresponse()
            data = r.read()
        finally:
            conn.close()
    except (OSError, http.client.HTTPException):
        time.sleep(0.05)  # the server is down between a kill and its restart
        return []
    if r.status == 200 and "Якщо адреса правильна".encode() in data:
        return [("subscriber", email)]
    return []


WRITERS = [import_writer, import_writer]
# Subscriptions through the server being killed. scripts/test.sh turns them off for the
# ASan run: there, right after a crash, the restarted server kept answering 503 for more
# than 8 s while they continued (WAL recovery + the site's 5 s back-off; see the note on
# issue 6) — the writes themselves were all present.
if os.environ.get("VISNYK_DURABILITY_HTTP_WRITERS", "1") == "1":
    WRITERS.append(subscribe_writer)


def present(db, acked):
    """Keys of acked that are missing from the database (read directly, read-only)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        slugs = {r[0] for r in con.execute("SELECT slug FROM articles")}
        emails = {r[0] for r in con.execute("SELECT email FROM mail_subscribers")}
    finally:
        con.close()
    missing = [k for kind, k in acked if (kind == "article" and k not in slugs) or
               (kind == "subscriber" and k not in emails)]
    return ok, missing


def writer_loop(st, fn):
    while not st.stop.is_set():
        try:
            keys = fn(st)
        except Exception as e:  # noqa: BLE001 - a writer failing is a result, not a crash
            print(f"writer error: {e}", file=sys.stderr)
            keys = []
        with st.lock:
            st.acked.extend(keys)


LANES = 2  # independent server + database pairs killed in parallel: halves the wall time


def lane(n, kills_wanted, budget_s, result):
    """Kill one server kills_wanted times while WRITERS write; fill result."""
    tmp = tempfile.mkdtemp(prefix=f"visnyk-durable-{n}-")
    # the per-IP subscription limit would refuse this writer after 10 an hour
    srv = Server(demo=True, env={"VISNYK_SUBSCRIBE_IP_HOUR": "1000000"})
    start_server(srv)
    st = State(srv, tmp)
    threads = [threading.Thread(target=writer_loop, args=(st, fn), daemon=True) for fn in WRITERS]
    for t in threads:
        t.start()
    t0 = time.time()
    kills = 0
    bad_integrity, missing_total, serve_fail = [], [], []
    try:
        while kills < kills_wanted:
            left = budget_s - (time.time() - t0)
            per = left / max(1, kills_wanted - kills)
            time.sleep(random.uniform(0.0, max(0.02, min(0.4, per - 1.3))))
            # the server dies mid-whatever, sometimes a writer with it
            srv.proc.send_signal(signal.SIGKILL)
            srv.proc.wait()
            srv.proc = None
            with st.lock:
                victims = [p for p in st.children if random.random() < 0.2]
            for p in victims:
                try:
                    p.send_signal(signal.SIGKILL)
                    st.killed_writers += 1
                except ProcessLookupError:
                    pass
            kills += 1
            with st.lock:
                acked = list(st.acked)
            ok, missing = present(srv.db, acked)
            if ok != "ok":
                bad_integrity.append((kills, ok))
            if missing:
                missing_total.append((kills, missing[:3]))
            try:
                srv.start()
            except RuntimeError:
                start_server(srv)
            articles = [k for kind, k in acked if kind == "article"]
            if articles:
                # Right after a crash the first connections may find the WAL being
                # recovered: the site answers 503 and backs off for 5 s (stale rather
                # than down). What is judged here is that the write is there and served.
                deadline = time.time() + 8
                status, _, _ = srv.get(f"/news/{articles[-1]}")
                while status == 503 and time.time() < deadline:
                    time.sleep(0.5)
                    status, _, _ = srv.get(f"/news/{articles[-1]}")
                if status != 200:
                    serve_fail.append((kills, articles[-1], status))
            if kills % 25 == 0:
                print(f"lane {n}: {kills} kills, {len(acked)} writes acknowledged, "
                      f"{time.time() - t0:.0f} s", flush=True)
    except Exception as e:  # noqa: BLE001 - reported as a failure by the main thread
        result["error"] = repr(e)
        if srv.proc is not None:
            print(srv.read_log()[-3000:], file=sys.stderr, flush=True)
    finally:
        st.stop.set()
        with st.lock:
            for p in list(st.children):
                p.kill()
        for t in threads:
            t.join(timeout=60)
    with st.lock:
        acked = list(st.acked)
    ok, missing = present(srv.db, acked)
    srv.stop(sig=9)
    p = subprocess.run([BIN, "check", "--db", srv.db, "--media", srv.media], cwd=SOURCE,
                       capture_output=True, text=True)
    result.update(kills=kills, seconds=time.time() - t0, attempts=st.attempts,
                  killed_writers=st.killed_writers, acked=len(acked), missing=missing,
                  subscribers=sum(1 for kind, _ in acked if kind == "subscriber"),
                  missing_total=missing_total, bad_integrity=bad_integrity,
                  serve_fail=serve_fail, check_rc=p.returncode, check_out=p.stdout.strip(),
                  final_integrity=ok)
    srv.cleanup()


def main():
    t0 = time.time()
    results = [dict() for _ in range(LANES)]
    per_lane = -(-KILLS // LANES)
    lanes = [threading.Thread(target=lane, args=(i, per_lane, BUDGET_S, results[i]))
             for i in range(LANES)]
    for t in lanes:
        t.start()
    for t in lanes:
        t.join()
    kills = sum(r.get("kills", 0) for r in results)
    acked = sum(r.get("acked", 0) for r in results)
    print(f"durability: {kills} server kills in {time.time() - t0:.0f} s over {LANES} lanes; "
          f"{sum(r.get('attempts', 0) for r in results)} writer runs, "
          f"{sum(r.get('killed_writers', 0) for r in results)} writers killed, "
          f"{acked} writes acknowledged "
          f"({sum(r.get('subscribers', 0) for r in results)} subscriptions), "
          f"{sum(len(r.get('missing', [])) for r in results)} missing", flush=True)
    for i, r in enumerate(results):
        check("error" not in r, f"lane {i} ran to the end: {r.get('error')}")
        check(not r.get("bad_integrity") and r.get("final_integrity") == "ok",
              f"lane {i}: integrity_check passes after every kill: {r.get('bad_integrity')}")
        check(not r.get("missing_total") and not r.get("missing"),
              f"lane {i}: every acknowledged write survives: {r.get('missing_total')}")
        check(not r.get("serve_fail"),
              f"lane {i}: the restarted server serves the newest write: {r.get('serve_fail')}")
        check(r.get("check_rc") == 0, f"lane {i}: visnyk check passes: {r.get('check_out')}")
    check(kills >= KILLS, f"{KILLS} kills done ({kills})")
    if subscribe_writer in WRITERS:
        subs = sum(r.get("subscribers", 0) for r in results)
        check(subs > 0, f"subscriptions through the server were acknowledged too ({subs})")
    check(acked > 0, "writes were acknowledged during the run")
    done()


if __name__ == "__main__":
    main()
