"""Addresses behind proxies (issue 9, finding 5): X-Forwarded-For is believed only from
trusted_proxies and read from the right, so every limit keyed by address (the request
rate, the subscription form, login throttling and the audit log) sees the client behind
the proxy: two readers behind one proxy are limited apart, a forged leftmost entry does
not change who a client is, and with no proxy trusted the header is ignored. Bad
entries are refused at start with the file, line and entry."""
import os
import re
import sqlite3
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from robust_start import start_server  # noqa: E402
from harness import Server, check, done  # noqa: E402
from test_admin import PW, Client, add_user  # noqa: E402

A, B = "203.0.113.1", "203.0.113.2"


def head(xff_lines=(), close=False):
    lines = ["HEAD / HTTP/1.1", "Host: x"] + [f"X-Forwarded-For: {v}" for v in xff_lines]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def pipelined(srv, requests):
    """Sends the requests on one connection at once (well inside a second, so a bucket
    refilling at 1/s gains nothing); returns the statuses in order."""
    data = b"".join(head(x) for x in requests[:-1]) + head(requests[-1], close=True)
    out = srv.raw(data, timeout=20)
    return [int(part[:3]) for part in out.split(b"HTTP/1.1 ")[1:]]


def write_ini(srv, text):
    path = os.path.join(srv.dir, "visnyk.ini")
    with open(path, "w") as f:
        f.write(text)
    return path


def request_limit():
    """trusted_proxies = 127.0.0.1 from a file; 1 request/s after a burst of 3 per client.
    Loopback itself is exempt (the harness), so only forwarded clients are counted."""
    srv = Server(demo=True)
    ini = write_ini(srv, "trusted_proxies = 127.0.0.1\nrequests_per_ip_per_second = 1\n"
                         "request_burst = 3\n")
    srv.extra_args += ["--config", ini]
    start_server(srv)
    try:
        cases = [
            ([A], 200), ([A], 200), ([A], 200), ([A], 429),  # A spends its burst
            ([B], 200),                                      # B, behind the same proxy
            ([f"{B}, {A}"], 429),          # A forging B on the left is still A
            (["198.51.100.9, 10.0.0.1", A], 429),  # several lines: the last one's A
            ([f"{A}, 127.0.0.1"], 429),    # a trusted hop on the right is skipped
            ([f"{A}, garbage"], 200),      # garbage: the walk stops at the peer (exempt)
            ([B], 200),
            (["2001:db8::5"], 200), (["2001:db8::5"], 200), (["[2001:db8::5]:443"], 200),
            (["2001:DB8:0:0::5"], 429),    # one client however its address is written
            (["::ffff:203.0.113.1"], 429),  # IPv4-mapped IPv6 is IPv4: still A
            ([], 200),                     # no header: the proxy itself (loopback)
        ]
        got = pipelined(srv, [x for x, _ in cases])
        want = [w for _, w in cases]
        check(got == want, f"request limit per forwarded client:\n got {got}\nwant {want}")
        raw = srv.raw(head([A], close=True))
        check(b"429" in raw.split(b"\r\n")[0] and b"Retry-After:" in raw,
              f"429 with Retry-After for the limited client ({raw[:120]!r})")
    finally:
        srv.stop()
        srv.cleanup()


def subscription_limit():
    """The subscription form's per-address limit (the finding: 10 an hour for everybody
    behind the proxy) with the default trusted_proxies (127.0.0.1, ::1)."""
    srv = Server(demo=True, env={"VISNYK_SUBSCRIBE_IP_HOUR": "2",
                                 "VISNYK_MAIL_FROM": "news@visnyk.test"})
    start_server(srv)
    try:
        def subscribe(i, xff):
            body = urllib.parse.urlencode({"email": f"reader{i}@example.org"})
            return srv.get("/subscribe", method="POST", body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "X-Forwarded-For": xff})[0]
        got = [subscribe(1, A), subscribe(2, A), subscribe(3, A), subscribe(4, B),
               subscribe(5, f"{B}, {A}"), subscribe(6, B), subscribe(7, B)]
        check(got == [200, 200, 429, 200, 429, 200, 429],
              f"subscriptions limited per forwarded client, forged left entry ignored ({got})")
        with sqlite3.connect(srv.db, timeout=10) as c:
            n = c.execute("SELECT count(*) FROM mail_subscribers").fetchone()[0]
        check(n == 4, f"four subscriptions kept, one per accepted request ({n})")
    finally:
        srv.stop()
        srv.cleanup()


def admin_address():
    """Failed logins are audited with the forwarded client's address."""
    srv = Server(demo=True)
    add_user(srv, "boss", "admin")
    start_server(srv)
    try:
        c = Client(srv)
        hdr = {"X-Forwarded-For": f"192.0.2.77, {A}"}
        st, _, body = c.get("/admin/login", headers=hdr)
        m = re.search(r'name="login_token" value="([0-9a-f]+)"', body)
        token = m.group(1) if m else ""
        st, _, _ = c.post("/admin/login", {"name": "boss", "password": PW + "x",
                                           "login_token": token, "next": "/admin"}, headers=hdr)
        check(st == 401, f"wrong password refused ({st})")
        with sqlite3.connect(srv.db, timeout=10) as db:
            rows = db.execute("SELECT ip FROM audit_log WHERE action = 'login.failed'").fetchall()
        check(rows == [(A,)], f"the audit log names the forwarded client ({rows})")
    finally:
        srv.stop()
        srv.cleanup()


def nothing_trusted():
    """trusted_proxies empty: X-Forwarded-For is ignored and the peer is the client."""
    srv = Server(demo=True, extra_args=["--trusted-proxies", "", "--limit-loopback", "on",
                                        "--requests-per-ip-per-second", "1",
                                        "--request-burst", "3"])
    start_server(srv)  # its probe takes one of loopback's 3 tokens
    try:
        got = pipelined(srv, [[f"198.51.100.{i}"] for i in range(1, 7)])
        check(got.count(429) >= 3 and got[-1] == 429,
              f"without trusted proxies every request is the peer's ({got})")
    finally:
        srv.stop()
        srv.cleanup()


def refused_at_start():
    srv = Server(demo=False)
    try:
        ini = write_ini(srv, "threads = 2\ntrusted_proxies = 127.0.0.1, 10.0.0.0/33\n")
        p = srv.run_cli("serve", "--db", srv.db, "--config", ini)
        check(p.returncode != 0 and f"{ini}:2: trusted_proxies: bad entry '10.0.0.0/33'"
              in p.stderr, f"a bad entry in the file is refused with file:line ({p.stderr})")
        p = srv.run_cli("serve", "--db", srv.db, "--trusted-proxies", "10.0.0.1 proxy.lan")
        check(p.returncode != 0 and "--trusted-proxies" in p.stderr and "'proxy.lan'" in p.stderr,
              f"a bad entry on the command line is refused ({p.stderr})")
    finally:
        srv.cleanup()


def main():
    refused_at_start()
    request_limit()
    subscription_limit()
    admin_address()
    nothing_trusted()
    done()


if __name__ == "__main__":
    main()
