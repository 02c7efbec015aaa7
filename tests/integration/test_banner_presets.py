"""Banner presets and expiry (issue 12): «Повітряна тривога» and «Відбій тривоги» in one
click with the right level, on every page at once; an optional time after which the
banner is gone by itself (the scheduler removes it, audits it and drops the cached pages
that showed it; a page rendered in between already leaves it out); a time in the past or
malformed is refused with 422 and nothing changes."""
import re
import sqlite3
import time

from harness import Server, check, done
from test_admin import Client, add_user, kyiv


def banner_of(body):
    m = re.search(r'<div class="banner banner-(\w+)"[^>]*role="(\w+)"[^>]*>(.*?)</div>', body, re.S)
    if m is None:
        m = re.search(r'class="banner banner-(\w+)"[^>]*role="(\w+)"[^>]*>(.*?)</', body, re.S)
    return (m.group(1), m.group(2), re.sub(r"<[^>]+>", "", m.group(3)).strip()) if m else None


def setting(srv, key):
    with sqlite3.connect(srv.db) as db:
        row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def main():
    srv = Server(demo=True)
    add_user(srv, "chergovyi", "editor")
    with srv:
        ed = Client(srv)
        ed.login("chergovyi")
        _, _, page = ed.get("/admin/banner")
        check('id="preset-alert"' in page and 'id="preset-allclear"' in page,
              "the banner page has the two preset buttons")
        _, _, home = Client(srv).get("/")
        check(banner_of(home) is None, "no banner to begin with")

        st, h, _ = ed.post("/admin/banner", {"csrf": ed.csrf("/admin/banner"), "preset": "alert",
                                             "until": ""})
        check(st == 303, f"«Повітряна тривога» in one click ({st})")
        _, _, home = Client(srv).get("/")
        b = banner_of(home)
        check(b is not None and b[0] == "danger" and b[1] == "alert" and
              "Повітряна тривога" in b[2] and "укриття" in b[2],
              f"every page shows it as an alarm, read out at once ({b})")
        _, _, news = Client(srv).get("/news")
        check(banner_of(news) == b, "on the list too")

        # all clear, gone by itself a few seconds later
        until = int(time.time()) + 4
        st, _, _ = ed.post("/admin/banner", {"csrf": ed.csrf("/admin/banner"),
                                             "preset": "allclear", "until": kyiv(until, True)})
        check(st == 303, f"«Відбій тривоги» with an end time ({st})")
        _, _, home = Client(srv).get("/")
        b = banner_of(home)
        check(b is not None and b[0] == "allclear" and b[1] == "status" and
              "Відбій тривоги" in b[2], f"shown green, read out politely ({b})")
        _, _, page = ed.get("/admin/banner")
        check('id="banner-until"' in page, "the banner page says when it goes")
        Client(srv).get("/news")  # in the page cache now
        time.sleep(max(0, until - time.time()) + 2.5)
        _, _, home = Client(srv).get("/")
        _, _, news = Client(srv).get("/news")
        check(banner_of(home) is None and banner_of(news) is None,
              "after its time the banner is gone from every page, cached ones too")
        check(setting(srv, "banner_text") == "" and setting(srv, "banner_until") == "",
              "removed from the settings")
        with sqlite3.connect(srv.db) as db:
            n = db.execute("SELECT count(*) FROM audit_log WHERE action = 'banner.expire'"
                           ).fetchone()[0]
        check(n == 1, f"and the removal is audited once ({n})")

        # refused times change nothing
        for bad in (kyiv(int(time.time()) - 120), "завтра"):
            st, _, page = ed.post("/admin/banner", {"csrf": ed.csrf("/admin/banner"),
                                                    "preset": "alert", "until": bad})
            check(st == 422 and "має бути в майбутньому" in page, f"until {bad!r}: 422 ({st})")
        check(setting(srv, "banner_text") == "", "and no banner was set")
        # a banner of one's own text may be green too
        st, _, _ = ed.post("/admin/banner", {"csrf": ed.csrf("/admin/banner"), "level": "allclear",
                                             "text": "Світло повернули в усі громади.",
                                             "link": "", "until": ""})
        _, _, home = Client(srv).get("/")
        b = banner_of(home)
        check(st == 303 and b is not None and b[0] == "allclear", f"a custom all-clear ({b})")
        time.sleep(1.5)
        check(setting(srv, "banner_text") == "Світло повернули в усі громади.",
              "a banner without an end time stays")
    done()


if __name__ == "__main__":
    main()
