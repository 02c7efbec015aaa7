"""The outbox against a real SMTP server on loopback: the server down then back (mail
delivered after retry), 4xx answers (retried), 5xx answers (failed for good, the address
stops receiving mail), and kill -9 of the sender in the middle of 2,000 messages: after a
restart every message arrives exactly once, except at most the one in flight."""
import collections
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import time
import urllib.parse

from harness import BIN, SOURCE, Server, check, done
from smtp_sink import SmtpSink, text_of

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
N_KILL = 2000


def post(srv, path, fields):
    return srv.get(path, method="POST", body=urllib.parse.urlencode(fields), headers=FORM)


def db(srv):
    return sqlite3.connect(srv.db, timeout=10)


def poll_row(srv, sql, done_when, timeout=15):
    """The sink sees a message a moment before the sender records the server's answer:
    poll the row until it reaches the expected state instead of reading it once."""
    deadline = time.time() + timeout
    while True:
        with db(srv) as c:
            row = c.execute(sql).fetchone()
        if (row is not None and done_when(row)) or time.time() > deadline:
            return row
        time.sleep(0.1)


def outage_and_answers():
    srv = Server(demo=True)
    sink = SmtpSink()  # not started yet: the server is "down"
    while sink.port == srv.port:
        sink = SmtpSink()
    srv.env.update({"VISNYK_SMTP_URL": sink.url, "VISNYK_MAIL_FROM": "news@visnyk.test",
                    "VISNYK_BASE_URL": f"http://127.0.0.1:{srv.port}",
                    "VISNYK_MAIL_RATE": "60000", "VISNYK_MAIL_RETRY": "1"})
    with srv:
        st, _, _ = post(srv, "/subscribe", {"email": "down@example.org"})
        check(st == 200, "subscribe while the mail server is down")
        time.sleep(2.5)
        with db(srv) as c:
            row = c.execute("SELECT state, attempts, last_error FROM mail_outbox").fetchone()
        check(row is not None and row[0] == "queued" and row[1] >= 1 and row[2],
              f"message kept queued with the error after failed attempts ({row})")
        sink.start()
        check(sink.wait_for(1, 30) == 1, "delivered once the server is back")
        row = poll_row(srv, "SELECT state, attempts FROM mail_outbox", lambda r: r[0] == "sent")
        check(row[0] == "sent" and row[1] >= 2, f"marked sent after a retry ({row})")

        # 4xx: temporary, retried
        sink.clear()
        sink.tempfail = 2
        post(srv, "/subscribe", {"email": "busy@example.org"})
        check(sink.wait_for(1, 30) == 1, "delivered after two 451 answers")
        row = poll_row(srv, "SELECT state, attempts FROM mail_outbox WHERE rcpt = "
                       "'busy@example.org'", lambda r: r[0] == "sent")
        check(row == ("sent", 3), f"three attempts for two 4xx answers ({row})")

        # 5xx: permanent, recorded, no more mail to that address
        sink.clear()
        sink.reject.add("gone@example.org")
        post(srv, "/subscribe", {"email": "gone@example.org"})
        row = poll_row(srv, "SELECT o.state, o.attempts, o.last_error, s.state FROM mail_outbox o "
                       "JOIN mail_subscribers s ON s.id = o.subscriber_id "
                       "WHERE o.rcpt = 'gone@example.org'", lambda r: r[0] == "failed")
        check(row is not None and row[0] == "failed" and row[1] == 1 and "550" in row[2] and
              row[3] == "bounced", f"5xx fails the message at once and marks the address ({row})")
        sink.reject.clear()
        with db(srv) as c:
            c.execute("DELETE FROM mail_rate")
        st, _, _ = post(srv, "/subscribe", {"email": "gone@example.org"})
        time.sleep(2)
        check(st == 200 and sink.count() == 0, "no mail to a bounced address")
        log = srv.read_log()
        check("will be retried" in log and "refused for good" in log, "outcomes logged")
        check(":secret@" not in log, "no password in the log")
    sink.stop()


def add_subscribers(path, n):
    now = int(time.time())
    with sqlite3.connect(path) as c:
        c.executemany(
            "INSERT INTO mail_subscribers (email, state, weekly, key, created_at, updated_at, "
            "confirmed_at, last_digest_at) VALUES (?, 'active', 0, ?, ?, ?, ?, 0)",
            [(f"r{i:04d}@example.org", secrets.token_hex(16), now, now, now) for i in range(n)])


def kill_in_the_middle():
    sink = SmtpSink().start()
    srv = Server(demo=True)
    env = dict(srv.env, VISNYK_SMTP_URL=sink.url + "/visnyk.test",
               VISNYK_MAIL_FROM="news@visnyk.test", VISNYK_BASE_URL="https://news.example",
               VISNYK_MAIL_RATE="1000000")
    # the schema exists once the CLI has run once
    subprocess.run([BIN, "digest", "preview", "--tags", "bezpeka", "--db", srv.db], cwd=SOURCE,
                   env=env, capture_output=True)
    add_subscribers(srv.db, N_KILL)
    first = subprocess.Popen([BIN, "digest", "send", "--now", "--since", "2025-12-28", "--db",
                              srv.db], cwd=SOURCE, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    t0 = time.time()
    while sink.count() < 1 and first.poll() is None and time.time() - t0 < 240:
        time.sleep(0.01)
    t_first = time.time()
    while sink.count() < N_KILL // 3 and first.poll() is None and time.time() - t0 < 240:
        time.sleep(0.01)
    at_kill = sink.count()
    rate1 = at_kill / max(time.time() - t_first, 0.001)
    first.send_signal(signal.SIGKILL)
    first.wait()
    check(0 < at_kill < N_KILL, f"killed in the middle ({at_kill} of {N_KILL} delivered)")
    with db(srv) as c:
        in_flight = c.execute("SELECT count(*) FROM mail_outbox WHERE state = 'sending'"
                              ).fetchone()[0]
        queued = c.execute("SELECT count(*) FROM mail_outbox").fetchone()[0]
    check(queued == N_KILL, f"every digest was queued before sending ({queued})")
    check(in_flight <= 1, f"at most one message in flight at the kill ({in_flight})")
    t1 = time.time()
    second = subprocess.run([BIN, "digest", "send", "--now", "--db", srv.db], cwd=SOURCE, env=env,
                            capture_output=True, text=True, timeout=600)
    elapsed = time.time() - t1
    check(second.returncode == 0 and "queued 0 digest" in second.stdout,
          f"restart sends the rest, queues nothing new ({second.stdout} {second.stderr[-300:]})")
    sink.wait_for(N_KILL, 30)
    msgs = sink.messages()
    ids = collections.Counter(m["Message-ID"] for m in msgs)
    rcpts = collections.Counter(tuple(m.envelope_to) for m in msgs)
    dups = sum(v - 1 for v in ids.values())
    check(len(ids) == N_KILL, f"every message delivered ({len(ids)} distinct of {N_KILL})")
    check(dups <= 1, f"at most the one in flight twice ({dups} duplicate(s))")
    check(len(rcpts) == N_KILL and max(rcpts.values()) <= 2, "one digest per subscriber")
    with db(srv) as c:
        left = c.execute("SELECT count(*) FROM mail_outbox WHERE state <> 'sent'").fetchone()[0]
    check(left == 0, f"outbox fully sent ({left} left)")
    m = re.search(r"sent (\d+) message", second.stdout)
    sent2 = int(m.group(1)) if m else 0
    print(f"queueing {N_KILL} digests took {t_first - t0:.1f} s; sending ran at {rate1:.0f} "
          f"messages/s; kill -9 after {at_kill} delivered; restart sent {sent2} in {elapsed:.1f} s "
          f"({sent2 / max(elapsed, 0.001):.0f} messages/s incl. start-up); "
          f"duplicates: {dups}", flush=True)
    sample = msgs[-1]
    check("https://news.example/news/" in text_of(sample), "links use base_url")
    srv.cleanup()
    sink.stop()


def main():
    t = time.time()
    outage_and_answers()
    print(f"outage and answers: {time.time() - t:.1f} s", flush=True)
    t = time.time()
    kill_in_the_middle()
    print(f"kill test: {time.time() - t:.1f} s", flush=True)
    done()


if __name__ == "__main__":
    main()
