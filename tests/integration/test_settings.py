"""Site settings from the workspace: the main menu, the footer note and the licence
notice. Unset, the site renders as it always did; an admin changes them and every public
page (home, an article, an error page, the static export) shows the change within a
second; bad values (javascript: links, malformed menu lines) are refused with a message
naming the field and nothing is saved; editors get 403, a form without its CSRF token is
refused, and every save is in the audit log."""
import os
import re
import sqlite3
import tempfile
import time

from harness import Server, check, done
from test_admin import Client, add_user

SOURCE = os.environ.get("VISNYK_SOURCE_DIR", os.getcwd())
ARTICLE = "2024-08-01-ataky.md"
SLUG = "27-hrudnia-voroh-dvichi-atakuvav-poltavshchynu"
CC = "https://creativecommons.org/licenses/by/4.0/"

MENU = "Громади | /news\r\nПро нас | /pages/about\r\n\r\nПортал | https://example.org/?a=1&b=2\r\n"
NOTE = "Відповідальний за зміст: відділ комунікацій.\r\nДругий рядок <b>без HTML</b>"


def page(srv, path):
    st, _, body = srv.get(path)
    return st, body.decode("utf-8", "replace")


def setting(srv, key):
    db = sqlite3.connect(srv.db)
    try:
        row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None
    finally:
        db.close()


def wait_for(srv, path, pred, seconds=1.0):
    """Polls path until pred(body) holds; returns (ok, elapsed ms, body)."""
    t0 = time.time()
    while True:
        st, body = page(srv, path)
        if st == 200 and pred(body):
            return True, 1000 * (time.time() - t0), body
        if time.time() - t0 > seconds:
            return False, 1000 * (time.time() - t0), body
        time.sleep(0.02)


def form(csrf, **kw):
    """The settings form as the page sends it: contacts unchanged, layout fields given."""
    f = {"csrf": csrf, "site_name": "ПОЛТАВСЬКА ОБЛАСНА ВІЙСЬКОВА АДМІНІСТРАЦІЯ",
         "site_tagline": "Офіційний веб-сайт", "address": "", "phone": "", "email": "",
         "hotline": "", "support_email": "", "menu": "", "footer_note": "",
         "license_mode": "default", "license_name": "", "license_url": "",
         "license_before": "", "license_after": ""}
    f.update(kw)
    return f


def check_defaults(srv):
    st, home = page(srv, "/")
    check(st == 200, "home page")
    for url, label in (("/news", "Новини"), ("/registry", "Документи"),
                       ("/appeals", "Звернення громадян"), ("/leadership", "Керівництво"),
                       ("/public-information", "Публічна інформація"),
                       ("/pages/contacts", "Контакти")):
        check(f'<li><a href="{url}">{label}</a></li>' in home, f"default menu item {label}")
    check(f'href="{CC}" rel="license"' in home and "Весь контент доступний за ліцензією" in home,
          "default licence notice")
    check("footer-note" not in home, "no footer note when unset")
    st, art = page(srv, "/news/" + SLUG)
    check(st == 200 and '<a href="/news" aria-current="true">Новини</a>' in art,
          "article page: the news item is the current section")
    st, leaders = page(srv, "/leadership")
    check(st == 200 and 'href="/leadership" aria-current="page"' in leaders,
          "the leadership page: its menu item is the current page")


def check_access(srv, boss, editor):
    st, _, body = boss.get("/admin/settings")
    check(st == 200 and "Новини | /news" in body, "the form shows the default menu")
    check(f'value="{CC}"' in body, "the form shows the default licence address")
    st, _, _ = editor.get("/admin/settings")
    check(st == 403, f"an editor cannot open the settings ({st})")
    ecsrf = editor.csrf()
    st, _, _ = editor.post("/admin/settings", form(ecsrf, menu="Зло | /x"))
    check(st == 403, f"an editor cannot save the settings ({st})")
    f = form("", menu="Без токена | /x")
    del f["csrf"]
    st, _, _ = boss.post("/admin/settings", f)
    check(st == 403, f"a save without the CSRF token is refused ({st})")
    check(setting(srv, "menu") is None, "nothing saved by refused requests")


def check_invalid(srv, boss, csrf):
    typed = "Новини | /news\nЗло | javascript:alert(1)\n"
    st, _, body = boss.post("/admin/settings", form(csrf, menu=typed, footer_note="Примітка"))
    check(st == 422, f"a javascript: menu link is refused ({st})")
    check("Налаштування не збережено" in body and "«Головне меню», рядок 2" in body
          and "адреса має починатися з «/»" in body, "the message names the menu line")
    check("Зло | javascript:alert(1)" in body and ">Примітка</textarea>" in body,
          "the form keeps what the admin typed")
    check('aria-invalid="true"' in body, "the bad field is marked invalid")
    st, _, body = boss.post("/admin/settings",
                            form(csrf, license_mode="custom", license_name="X",
                                 license_url="javascript:alert(1)"))
    check(st == 422 and "«Адреса ліцензії»" in body, f"a javascript: licence link is refused ({st})")
    st, _, body = boss.post("/admin/settings", form(csrf, menu="Лише назва без адреси"))
    check(st == 422 and "рядок 1: бракує «|»" in body, "a line without a bar is refused")
    st, _, body = boss.post("/admin/settings", form(csrf, footer_note="ж" * 1001))
    check(st == 422 and "«Примітка в підвалі»" in body, "an overlong footer note is refused")
    st, _, body = boss.post("/admin/settings", form(csrf, license_mode="custom", license_name=""))
    check(st == 422 and "«Назва ліцензії»" in body, "a custom licence needs a name")
    many = "".join(f"Пункт {i} | /p{i}\n" for i in range(13))
    st, _, body = boss.post("/admin/settings", form(csrf, menu=many))
    check(st == 422 and "рядок 13: забагато пунктів" in body, "a 13th menu item is refused")
    for key in ("menu", "footer_note", "license_mode", "license_url"):
        check(setting(srv, key) is None, f"nothing saved after refused values: {key}")


def check_change(srv, boss, csrf):
    # warm the page cache: the change must reach cached pages too
    for path in ("/", "/news/" + SLUG):
        page(srv, path)
        page(srv, path)
    st, h, _ = boss.post("/admin/settings", form(
        csrf, menu=MENU, footer_note=NOTE, license_mode="custom", license_name="CC0 1.0",
        license_url="https://creativecommons.org/publicdomain/zero/1.0/",
        license_before="Матеріали передано у", license_after=". Дякуємо!"))
    check(st == 303 and "m=saved" in h.get("location", ""), f"settings saved ({st})")
    check(setting(srv, "menu") == "Громади | /news\nПро нас | /pages/about\n"
          "Портал | https://example.org/?a=1&b=2\n", "the menu is stored in canonical form")
    menu_ok = '<li><a href="https://example.org/?a=1&amp;b=2">Портал</a></li>'
    for path in ("/", "/news/" + SLUG):
        ok, ms, body = wait_for(srv, path, lambda b: menu_ok in b)
        print(f"{path} shows the new menu after {ms:.0f} ms")
        check(ok, f"{path}: new menu within a second")
        check(">Новини</a>" not in body.split("</nav>")[0], f"{path}: the old menu is gone")
        check('<p class="footer-note">Відповідальний за зміст: відділ комунікацій.\n'
              'Другий рядок &lt;b&gt;без HTML&lt;/b&gt;</p>' in body,
              f"{path}: footer note escaped, line break kept")
        check('<p class="license">Матеріали передано у <a href="https://creativecommons.org/'
              'publicdomain/zero/1.0/" rel="license">CC0 1.0</a>. Дякуємо!</p>' in body,
              f"{path}: custom licence notice")
        check(CC not in body, f"{path}: the CC BY link is gone")
    _, art = page(srv, "/news/" + SLUG)
    check('<a href="/news" aria-current="true">Громади</a>' in art,
          "a renamed item still marks its section")
    st, _, body = boss.get("/admin/settings")
    check("Громади | /news" in body and 'value="custom" checked' in body,
          "the form shows the saved values")

    # error pages use the thread's last-known settings: after pages on every thread
    seen = False
    for _ in range(12):
        page(srv, "/")
        st, body = page(srv, "/no-such-page")
        check(st == 404, "unknown path is 404")
        seen = seen or menu_ok in body
    check(seen, "the 404 page shows the new menu")

    db = sqlite3.connect(srv.db)
    rows = db.execute("SELECT detail, ip FROM audit_log WHERE action = 'settings.save' "
                      "ORDER BY id").fetchall()
    db.close()
    check(len(rows) == 1 and "menu" in rows[0][0] and "footer_note" in rows[0][0]
          and "license_url" in rows[0][0], f"audited with the changed keys: {rows}")
    st, _, body = boss.get("/admin/audit?action=settings.save")
    check(st == 200 and "<code>settings.save</code>" in body, "the audit page lists the save")


def check_export(srv):
    out = tempfile.mkdtemp(prefix="visnyk-settings-export-")
    p = srv.run_cli("export-static", out, "--db", srv.db, "--media", srv.media,
                    "--base-url", "https://mirror.example")
    check(p.returncode == 0, f"export-static: {p.stderr}")
    try:
        with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
            html = f.read()
        check("Портал</a>" in html and "CC0 1.0</a>" in html and "footer-note" in html,
              "the static export shows the new menu, note and licence")
    except OSError as e:
        check(False, f"export index: {e}")


def check_none_and_reset(srv, boss, csrf):
    st, _, _ = boss.post("/admin/settings", form(csrf, menu=MENU, license_mode="none",
                                                 license_name="CC0 1.0"))
    check(st == 303, "licence hidden")
    ok, _, body = wait_for(srv, "/", lambda b: 'class="license"' not in b)
    check(ok and "footer-note" not in body, "no licence notice, note cleared")
    st, _, _ = boss.post("/admin/settings", form(csrf))
    check(st == 303, "settings back to defaults")
    check(setting(srv, "menu") == "", "an empty menu is stored empty (the default menu)")
    ok, _, body = wait_for(srv, "/", lambda b: '<li><a href="/news">Новини</a></li>' in b)
    check(ok and f'href="{CC}" rel="license"' in body, "default menu and licence again")


def main():
    t = time.time()
    dict_dir = tempfile.mkdtemp(prefix="visnyk-dict-")
    with open(os.path.join(dict_dir, "t.aff"), "w") as f:
        f.write("SET UTF-8\n")
    with open(os.path.join(dict_dir, "t.dic"), "w") as f:
        f.write("1\nтест\n")
    env = {"VISNYK_HUNSPELL_AFF": os.path.join(dict_dir, "t.aff"),
           "VISNYK_HUNSPELL_DIC": os.path.join(dict_dir, "t.dic")}
    srv = Server(demo=False, env=env)  # one article and the pages are enough
    p = srv.run_cli("import", "--db", srv.db, "--media", srv.media,
                    os.path.join(SOURCE, "demo", "articles", ARTICLE),
                    os.path.join(SOURCE, "demo", "pages"))
    check(p.returncode == 0, f"import: {p.stderr}")
    add_user(srv, "boss", "admin")
    add_user(srv, "editor1", "editor")
    with srv:
        check_defaults(srv)
        boss, editor = Client(srv), Client(srv)
        boss.login("boss")
        editor.login("editor1")
        csrf = boss.csrf("/admin/settings")
        check(csrf != "", "the settings form has a CSRF token")
        check_access(srv, boss, editor)
        check_invalid(srv, boss, csrf)
        check_change(srv, boss, csrf)
        check_export(srv)
        check_none_and_reset(srv, boss, csrf)
    print(f"test_settings: {time.time() - t:.1f} s")
    done()


if __name__ == "__main__":
    main()
