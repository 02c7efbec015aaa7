#!/usr/bin/env python3
"""bench/idle_conns.py HOST:PORT PATH N PID: opens N keep-alive connections, sends one GET
PATH on each and reads its whole answer, then holds them all open and prints the
server's resident memory (VmRSS of PID and, for nginx, of its worker children) before
and after, in KiB: "before after". Used by bench/idle.sh; it reports, it asserts nothing."""
import os, selectors, socket, sys, time


def rss_kib(pid):
    pids = [pid]
    try:  # nginx answers from its worker: count the master's children too
        pids += [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        pass
    total = 0
    for p in pids:
        for line in open(f"/proc/{p}/status"):
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    path, n, pid = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    before = rss_kib(pid)
    sel = selectors.DefaultSelector()
    req = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: gzip\r\n\r\n".encode()
    socks, pending = [], 0
    for i in range(n):
        s = socket.create_connection((host, int(port)))
        s.setblocking(False)
        s.sendall(req)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ, {"buf": b"", "need": None})
        pending += 1
        # read what has arrived so the server is never waiting on us
        while pending:
            events = sel.select(timeout=0 if i < n - 1 else 5)
            if not events:
                break
            for key, _ in events:
                st = key.data
                chunk = key.fileobj.recv(65536)
                if not chunk:
                    raise SystemExit("the server closed a connection")
                st["buf"] += chunk
                head_end = st["buf"].find(b"\r\n\r\n")
                if st["need"] is None and head_end >= 0:
                    head = st["buf"][:head_end].decode("latin-1").lower()
                    length = int(head.split("content-length:")[1].split("\r\n")[0])
                    st["need"] = head_end + 4 + length
                if st["need"] is not None and len(st["buf"]) >= st["need"]:
                    sel.unregister(key.fileobj)
                    pending -= 1
    if pending:
        raise SystemExit(f"{pending} answers did not arrive")
    time.sleep(1)
    after = rss_kib(pid)
    print(before, after)
    for s in socks:
        s.close()


main()
