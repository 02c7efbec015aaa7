"""A real SMTP server for the mail tests: Debian's aiosmtpd on a loopback port, in a
thread of the test process. It keeps every message it accepts, and can answer 4xx or
5xx on demand, or be stopped and started again (same port) to simulate an outage."""
import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        s = self.sink
        with s.lock:
            if s.tempfail > 0:
                s.tempfail -= 1
                s.refused += 1
                return "451 4.3.0 mailbox busy, try again later"
            if address.lower() in s.reject:
                s.refused += 1
                return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        s = self.sink
        with s.lock:
            s.raw.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 message accepted"


class SmtpSink:
    """sink = SmtpSink().start(); sink.url is smtp://127.0.0.1:PORT."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.raw = []
        self.reject = set()  # addresses answered with 550
        self.tempfail = 0    # the next N recipients get 451
        self.refused = 0
        self.controller = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def count(self):
        with self.lock:
            return len(self.raw)

    def messages(self):
        """Parsed messages (email.message.EmailMessage) with .envelope_to."""
        with self.lock:
            raw = list(self.raw)
        out = []
        for mail_from, rcpts, content in raw:
            m = email.message_from_bytes(content, policy=email.policy.default)
            m.envelope_from = mail_from
            m.envelope_to = rcpts
            m.raw_bytes = content
            out.append(m)
        return out

    def wait_for(self, n, timeout=30.0):
        """Waits until at least n messages arrived; returns the count."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.count() >= n:
                break
            time.sleep(0.05)
        return self.count()

    def clear(self):
        with self.lock:
            self.raw.clear()


def text_of(msg):
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def html_of(msg):
    part = msg.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""
