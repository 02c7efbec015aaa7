"""Who else is editing (issue 12): opening an article's edit page records the user; the
next one to open it reads «anna редагує з HH:MM» (Kyiv time of opening) with a take-over
button; heartbeats keep it alive, and without one for two minutes it is gone; «Взяти на
себе» makes the first user's next heartbeat answer 409 naming who took over, and is
audited. Who may send heartbeats follows who may edit."""
import re
import sqlite3
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from harness import Server, check, done
from test_admin import Client, add_user, article_form, article_id_from


def hhmm(t):
    return datetime.fromtimestamp(t, timezone.utc).astimezone(ZoneInfo("Europe/Kyiv")).strftime(
        "%H:%M")


def main():
    srv = Server(demo=False)
    for name, role in (("anna", "editor"), ("bohdan", "editor"), ("olena", "author")):
        add_user(srv, name, role)
    with srv:
        anna, bohdan, olena = Client(srv), Client(srv), Client(srv)
        for n, cl in (("anna", anna), ("bohdan", bohdan), ("olena", olena)):
            cl.login(n)
        csrf = anna.csrf()
        st, h, _ = anna.post("/admin/articles/new", article_form(csrf, "Графік вивезення сміття"))
        aid = article_id_from(h)

        opened = time.time()
        _, _, page = anna.get(f"/admin/articles/{aid}")
        check('id="presence"' not in page, "alone on the article: no notice")
        check(f'data-presence="/admin/articles/{aid}/presence"' in page,
              "the form names its heartbeat address for admin.js")
        _, _, page = bohdan.get(f"/admin/articles/{aid}")
        m = re.search(r"<strong>anna</strong> редагує з (\d\d:\d\d)\.", page)
        check(m is not None and m.group(1) in (hhmm(opened), hhmm(opened + 1)),
              f"the second editor reads «anna редагує з {hhmm(opened)}» ({m and m.group(1)})")
        check('id="takeover"' in page and "Взяти на себе" in page, "with a take-over button")
        _, _, page = anna.get(f"/admin/articles/{aid}")
        check("<strong>bohdan</strong> редагує з" in page, "and anna sees bohdan")

        st, _, _ = anna.post(f"/admin/articles/{aid}/presence", {"csrf": csrf})
        check(st == 204, f"a heartbeat answers 204 ({st})")
        st, _, _ = olena.post(f"/admin/articles/{aid}/presence", {"csrf": olena.csrf()})
        check(st == 403, f"an author may not claim an editor's article ({st})")
        st, _, _ = anna.post(f"/admin/articles/{aid}/presence", {"csrf": "0" * 32})
        check(st == 403, f"no heartbeat without CSRF ({st})")

        # bohdan takes it over: anna's next heartbeat says so
        bcsrf = bohdan.csrf()
        st, h, _ = bohdan.post(f"/admin/articles/{aid}/takeover", {"csrf": bcsrf})
        check(st == 303 and "m=taken_over" in h.get("location", ""), f"bohdan takes over ({st})")
        st, hd, body = anna.post(f"/admin/articles/{aid}/presence", {"csrf": csrf})
        check(st == 409 and body.startswith("bohdan взяв(ла) редагування") and
              hd.get("content-type", "").startswith("text/plain"),
              f"anna's next heartbeat: 409 naming bohdan ({st} {body[:40]!r})")
        _, _, page = bohdan.get(f"/admin/articles/{aid}")
        check("<strong>anna</strong>" not in page, "bohdan no longer sees anna as editing")
        with sqlite3.connect(srv.db) as db:
            n = db.execute("SELECT count(*) FROM audit_log WHERE action = 'article.takeover'"
                           ).fetchone()[0]
        check(n == 1, f"the take-over is audited ({n})")
        # anna reopens: she is back, her time starts again
        _, _, page = anna.get(f"/admin/articles/{aid}")
        st, _, _ = anna.post(f"/admin/articles/{aid}/presence", {"csrf": csrf})
        check(st == 204 and "<strong>bohdan</strong> редагує з" in page,
              f"reopening clears the take-over ({st})")

        # stale after two minutes without a heartbeat
        with sqlite3.connect(srv.db) as db:
            db.execute("UPDATE presence SET seen_at = seen_at - 121 WHERE user_id = "
                       "(SELECT id FROM users WHERE name = 'anna')")
        _, _, page = bohdan.get(f"/admin/articles/{aid}")
        check("<strong>anna</strong>" not in page, "two minutes without a heartbeat: gone")
    done()


if __name__ == "__main__":
    main()
