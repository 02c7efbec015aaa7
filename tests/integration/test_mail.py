"""The news digest by e-mail, end to end against a real SMTP server (aiosmtpd on
loopback): the subscription block, double opt-in (confirmation mail → link → button),
the digest with the right articles for the chosen topics, one-click unsubscribe (RFC
8058, POST without cookies), preferences, expired/reused/forged tokens, address checks,
honeypot, cross-site refusal, rate limits, IDN addresses."""
import os
import re
import sqlite3
import time
import urllib.parse

from harness import Server, check, done
from smtp_sink import SmtpSink, html_of, text_of

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def post(srv, path, fields, headers=None):
    body = urllib.parse.urlencode(fields, doseq=True)
    return srv.get(path, method="POST", body=body, headers=dict(FORM, **(headers or {})))


def db(srv):
    return sqlite3.connect(srv.db, timeout=10)


def link_in(text, path):
    m = re.search(r"(https?://\S+" + re.escape(path) + r"\?t=[0-9a-f.]+)", text)
    return m.group(1) if m else None


def token_of(url):
    return urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["t"][0]


def main():
    sink = SmtpSink().start()
    srv = Server(demo=True)
    base = f"http://127.0.0.1:{srv.port}"
    srv.env.update({"VISNYK_SMTP_URL": sink.url, "VISNYK_MAIL_FROM": "news@visnyk.test",
                    "VISNYK_BASE_URL": base, "VISNYK_MAIL_RATE": "60000",
                    "VISNYK_MAIL_RETRY": "1", "VISNYK_SUBSCRIBE_IP_HOUR": "12"})
    with srv:
        # the block on every public page, without per-user data (so cacheable)
        st, h, home1 = srv.get("/")
        st2, _, home2 = srv.get("/")
        check(st == 200 and b'action="/subscribe"' in home1 and b'name="website"' in home1,
              "subscription block with honeypot on the home page")
        check("Надсилаємо найсвіжіший дайджест новин".encode() in home1, "seed text of the block")
        check(home1 == home2, "the page with the form is the same for everyone")
        st, _, art = srv.get("/news/na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-"
                             "konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu")
        check(st == 200 and b'action="/subscribe"' in art, "block on an article page")

        st, _, form = srv.get("/subscribe")
        page = form.decode()
        m = re.search(r'name="tag" value="(\d+)"> безпека<', page)
        check(st == 200 and m is not None, "topics form lists the tag безпека")
        tag_id = m.group(1) if m else "0"

        # bad addresses: a clear message, no mail
        st, _, body = post(srv, "/subscribe", {"email": "not-an-address"})
        check(st == 400 and "Адресу записано з помилкою".encode() in body, "syntax error shown")
        st, _, body = post(srv, "/subscribe", {"email": "user@localhost"})
        check(st == 400 and "назва поштового домену".encode() in body, "domain error shown")
        # honeypot: same friendly answer, nothing stored or sent
        st, _, body = post(srv, "/subscribe", {"email": "bot@example.org", "website": "http://x"})
        check(st == 200 and "Якщо адреса правильна".encode() in body, "honeypot answered politely")
        # a cross-site POST is refused
        st, _, _ = post(srv, "/subscribe", {"email": "victim@example.org"},
                        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
        check(st == 403, f"cross-site subscribe refused ({st})")

        # subscribe: tag безпека, daily
        st, h, body = post(srv, "/subscribe", {"email": "Reader@Example.org", "frequency": "daily",
                                               "tag": tag_id},
                           {"Origin": base, "User-Agent": "test-agent/1.0"})
        accepted = body
        check(st == 200 and "Якщо адреса правильна".encode() in body, "subscribe accepted")
        check("no-store" in h.get("cache-control", ""), "answer not cached")
        check(sink.wait_for(1) == 1, "one confirmation mail")
        msgs = sink.messages()
        conf = msgs[0] if msgs else None
        check(conf is not None and conf.envelope_to == ["reader@example.org"],
              f"sent to the normalised address ({conf and conf.envelope_to})")
        check(conf is not None and conf["Subject"] == "Підтвердьте підписку на дайджест новин",
              "UTF-8 subject decodes")
        check(conf is not None and "ПОЛТАВСЬКА ОБЛАСНА ВІЙСЬКОВА АДМІНІСТРАЦІЯ" in " ".join(str(conf["From"]).split()),
              f"site name as sender ({conf and conf['From']!r})")
        check(conf is not None and conf["Message-ID"] and conf["Date"], "Message-ID and Date")
        check(conf is not None and conf.get_content_type() == "multipart/alternative",
              "multipart/alternative")
        confirm_url = link_in(text_of(conf), "/subscribe/confirm") if conf else None
        check(confirm_url is not None and confirm_url.startswith(base), "absolute confirm link")
        with db(srv) as c:
            row = c.execute("SELECT s.state, c.text_version, c.ip_hash, c.user_agent, "
                            "c.requested_at FROM mail_subscribers s JOIN mail_consents c "
                            "ON c.subscriber_id = s.id WHERE s.email = 'reader@example.org'").fetchone()
            n_bot = c.execute("SELECT count(*) FROM mail_subscribers WHERE email LIKE 'bot@%'"
                              ).fetchone()[0]
        check(row is not None and row[0] == "pending" and row[1] and len(row[2]) == 32 and
              row[2] != "127.0.0.1" and row[3] == "test-agent/1.0" and row[4] > 0,
              f"consent record kept with hashed IP ({row})")
        check(n_bot == 0, "honeypot stored nothing")

        # subscribing again: same answer, no second mail
        st, _, body = post(srv, "/subscribe", {"email": "reader@example.org"})
        check(st == 200 and body == accepted, "repeat answer identical")
        time.sleep(1.5)
        check(sink.count() == 1, "no second confirmation while one is pending "
              f"({[str(m['Subject']) + ' ' + str(m.envelope_to) for m in sink.messages()]})")

        # confirm: GET shows a button (scanners follow links), POST confirms
        path = confirm_url[len(base):] if confirm_url else "/"
        st, h, body = srv.get(path)
        check(st == 200 and b'action="/subscribe/confirm"' in body and b"noindex" in body,
              "confirm page with a button")
        check("no-store" in h.get("cache-control", ""), "token page not cached")
        with db(srv) as c:
            still = c.execute("SELECT state FROM mail_subscribers WHERE id = 1").fetchone()[0]
        check(still == "pending", "GET alone does not confirm")
        tok = token_of(confirm_url) if confirm_url else ""
        st, _, body = post(srv, "/subscribe/confirm", {"t": tok}, {"Origin": base})
        check(st == 200 and "Підписку підтверджено".encode() in body, "confirmed")
        st, _, body = post(srv, "/subscribe/confirm", {"t": tok})
        check(st == 410 and "вже використано".encode() in body, "reused token refused")
        forged = tok[:-1] + ("0" if tok[-1] != "0" else "1")
        st, _, body = post(srv, "/subscribe/confirm", {"t": forged})
        check(st == 400, "forged token refused")
        with db(srv) as c:
            row = c.execute("SELECT s.state, c.confirmed_at FROM mail_subscribers s JOIN "
                            "mail_consents c ON c.subscriber_id = s.id WHERE s.id = 1").fetchone()
        check(row[0] == "active" and row[1] > 0, "active, consent confirmation time kept")

        # an expired token
        sink.clear()
        post(srv, "/subscribe", {"email": "late@example.org"})
        sink.wait_for(1)
        late = sink.messages()
        late_url = link_in(text_of(late[0]), "/subscribe/confirm") if late else None
        with db(srv) as c:
            c.execute("UPDATE mail_tokens SET expires_at = 1 WHERE subscriber_id = "
                      "(SELECT id FROM mail_subscribers WHERE email = 'late@example.org')")
        st, _, body = post(srv, "/subscribe/confirm", {"t": token_of(late_url) if late_url else ""})
        check(st == 410 and "застаріло".encode() in body, "expired token refused")
        # the expired one no longer blocks a fresh confirmation mail
        sink.clear()
        post(srv, "/subscribe", {"email": "late@example.org"})
        check(sink.wait_for(1, 10) == 1, "new confirmation after expiry")

        # internationalised domain
        sink.clear()
        st, _, _ = post(srv, "/subscribe", {"email": "читач@приклад.укр"})
        check(st == 400, "non-ASCII local part refused with a message")
        st, _, _ = post(srv, "/subscribe", {"email": "reader@приклад.укр"})
        check(st == 200 and sink.wait_for(1) == 1, "IDN address accepted")
        idn = sink.messages()
        check(idn and idn[0].envelope_to == ["reader@xn--80aikifvh.xn--j1amh"],
              "IDN domain sent as punycode")

        # the digest, for the chosen topic, since a date
        sink.clear()
        p = srv.run_cli("digest", "send", "--now", "--since", "2025-12-01", "--db", srv.db)
        check(p.returncode == 0 and "queued 1 digest" in p.stdout,
              f"digest send --now ({p.returncode}: {p.stdout} {p.stderr[-500:]})")
        sink.wait_for(1)
        digests = [m for m in sink.messages() if m.envelope_to == ["reader@example.org"]]
        check(len(digests) == 1, "one digest for the subscriber")
        if digests:
            d = digests[0]
            text, html = text_of(d), html_of(d)
            with db(srv) as c:
                since = int(time.mktime(time.strptime("2025-12-01", "%Y-%m-%d"))) - 3 * 3600
                want = [r[0] for r in c.execute(
                    "SELECT a.title FROM articles a JOIN article_tags l ON l.article_id = a.id "
                    "JOIN tags t ON t.id = l.tag_id WHERE t.slug = 'bezpeka' AND a.status IN "
                    "('published','scheduled') AND a.published_at > ? AND a.published_at <= "
                    "strftime('%s','now') ORDER BY a.published_at DESC", (since,))]
                other = c.execute(
                    "SELECT a.title FROM articles a WHERE a.published_at > ? AND a.id NOT IN "
                    "(SELECT article_id FROM article_tags l JOIN tags t ON t.id = l.tag_id "
                    "WHERE t.slug = 'bezpeka') LIMIT 1", (since,)).fetchone()
            check(want and all(t in text for t in want), f"digest holds the tag's articles {want}")
            check(other is None or other[0] not in text, "no article of other topics")
            pos = [text.find(t) for t in want]
            check(pos == sorted(pos), "newest first")
            check(d["Subject"].startswith("Дайджест новин"), "digest subject")
            lu = d["List-Unsubscribe"] or ""
            check(re.search(r"<https?://\S+/subscribe/unsubscribe\?t=[0-9a-f.]+>", lu) and
                  "<mailto:" in lu, f"List-Unsubscribe https + mailto ({lu})")
            check(d["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", "one-click header")
            check("/subscribe/preferences?t=" in text, "preferences link")
            check(re.search(r'<img src="http://127\.0\.0\.1:\d+/media/[0-9a-f]+', html) and
                  'alt="' in html and "style=" in html, "HTML part: absolute images, alt, inline CSS")
            unsub = re.search(r"<(https?://[^>]+)>", lu).group(1)

            # preferences page, by its link
            pref = link_in(text, "/subscribe/preferences")
            st, _, body = srv.get(pref[len(base):])
            check(st == 200 and b"reader@example.org" in body and b"checked" in body,
                  "preferences page")
            st, _, body = post(srv, "/subscribe/preferences",
                               {"t": token_of(pref), "frequency": "weekly"}, {"Origin": base})
            with db(srv) as c:
                wk = c.execute("SELECT weekly, (SELECT count(*) FROM mail_subscriber_topics "
                               "WHERE subscriber_id = 1) FROM mail_subscribers WHERE id = 1"
                               ).fetchone()
            check(st == 200 and wk == (1, 0), f"preferences saved ({wk})")

            # RFC 8058 one-click: POST without cookies, login or Origin
            st, _, body = srv.get(unsub[len(base):])
            check(st == 200 and "Відписатися".encode() in body, "unsubscribe GET shows a button")
            with db(srv) as c:
                s_now = c.execute("SELECT state FROM mail_subscribers WHERE id = 1").fetchone()[0]
            check(s_now == "active", "GET does not unsubscribe")
            st, _, body = srv.get(unsub[len(base):], method="POST",
                                  body="List-Unsubscribe=One-Click", headers=FORM)
            check(st == 200 and "Ви відписалися".encode() in body, "one-click unsubscribe")
            with db(srv) as c:
                s_now = c.execute("SELECT state FROM mail_subscribers WHERE id = 1").fetchone()[0]
            check(s_now == "unsubscribed", "unsubscribed in the database")
            p = srv.run_cli("digest", "send", "--now", "--since", "2025-01-01", "--db", srv.db)
            check("queued 0 digest" in p.stdout, "no digest after unsubscribing")

        # preview for editors
        p = srv.run_cli("digest", "preview", "--tags", "bezpeka", "--since", "2025-12-01",
                        "--db", srv.db)
        check(p.returncode == 0 and "Subject: Дайджест новин" in p.stdout, "digest preview by topic")
        p = srv.run_cli("digest", "preview", "--email", "nobody@example.org", "--db", srv.db)
        check(p.returncode == 1, "preview of an unknown subscriber fails")
        p = srv.run_cli("digest", "send", "--db", srv.db)
        check(p.returncode == 2, "send without --now is a usage error")

        # rate limit per IP: the limit is 12 per hour in this test
        codes = [post(srv, "/subscribe", {"email": f"many{i}@example.org"})[0] for i in range(14)]
        check(429 in codes and codes[-1] == 429, f"per-IP limit answers 429 ({codes})")
        # the workspace: overview, send me a test, CSV export, erasure (admins)
        from test_admin import Client, add_user
        st, h, _ = srv.get("/admin/mail")
        check(st in (302, 303) and "/admin/login" in h.get("location", ""),
              "mail overview needs a session")
        add_user(srv, "mailadmin", "admin")
        cl = Client(srv)
        cl.login("mailadmin")
        st, _, body = cl.get("/admin/mail")
        check(st == 200 and "Розсилка дайджесту" in body and "Журнал надсилання" in body,
              f"mail overview ({st})")
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
        csrf = m.group(1) if m else ""
        sink.clear()
        st, _, body = cl.post("/admin/mail/test", {"csrf": csrf, "email": "editor@example.org"})
        check(st == 200 and "Тестовий лист поставлено" in body, f"send me a test ({st})")
        deadline = time.time() + 20
        tests = []
        while not tests and time.time() < deadline:
            tests = [m for m in sink.messages() if m.envelope_to == ["editor@example.org"]]
            time.sleep(0.1)
        check(tests and tests[0]["Subject"].startswith("[Тест]"), "test message delivered")
        st, _, _ = cl.post("/admin/mail/test", {"email": "editor@example.org"})
        check(st == 403, "test without CSRF token refused")
        st, h, body = cl.get("/admin/mail/subscribers.csv")
        check(st == 200 and h.get("content-type", "").startswith("text/csv") and
              '"reader@example.org",unsubscribed' in body, "CSV export")
        st, _, body = cl.post("/admin/mail/erase", {"csrf": csrf, "email": "late@example.org"})
        with db(srv) as c:
            gone = c.execute("SELECT count(*) FROM mail_subscribers WHERE email = "
                             "'late@example.org'").fetchone()[0]
            trail = c.execute("SELECT count(*) FROM mail_consents c LEFT JOIN mail_subscribers s "
                              "ON s.id = c.subscriber_id WHERE s.id IS NULL").fetchone()[0]
        check(st == 200 and gone == 0 and trail == 0, f"subscriber erased with consent ({st})")

        log = srv.read_log()
        check("Reader@example.org" not in log and "reader@" not in log.lower(),
              "no full addresses in the log")
    sink.stop()
    done()


if __name__ == "__main__":
    main()
