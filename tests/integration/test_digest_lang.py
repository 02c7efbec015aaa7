"""Per-language digests (issue 14) against a real SMTP server on loopback: the form under
/en records an English subscriber, whose confirmation mail and digest come from the
English catalog with /en/ links and list only articles with a published English
translation (the demo translates all nine articles of 29 December 2025; the test turns
one translation into a draft); a
Ukrainian subscriber's digest is unchanged; an English digest with nothing in it is not
sent; the preferences page switches the language and refuses an unknown one."""
import re
import sqlite3
import urllib.parse

from harness import Server, check, done
from smtp_sink import SmtpSink, html_of, text_of

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SINCE = "2025-12-25"  # the window: the demo's nine articles of 29 December 2025
EN_TRANSLATED = {
    "Advice for drivers and pedestrians on icy roads":
        "/en/news/advice-for-drivers-and-pedestrians-on-icy-roads",
    "Internet without power: Invincibility Points switch to Starlink or xPON":
        "/en/news/internet-without-power-invincibility-points-switch-to-starlink-or-xpon",
}
UK_TRANSLATED_SLUG = "porady-vodiiam-ta-pishokhodam-v-ozheledytsiu"
# the article whose translation the test turns into a draft
UNTRANSLATED_SLUG = "bezoplatna-reabilitatsiia-khto-shcho-i-kudy"
UNTRANSLATED_EN = "Free rehabilitation: who, what and where?"
DRAFT_TITLE = "Free rehabilitation: a draft translation"


def post(srv, path, fields, headers=None):
    body = urllib.parse.urlencode(fields, doseq=True)
    return srv.get(path, method="POST", body=body, headers=dict(FORM, **(headers or {})))


def db(srv):
    return sqlite3.connect(srv.db, timeout=10)


def link_in(text, path):
    m = re.search(r"(https?://\S+?" + re.escape(path) + r"\?t=[0-9a-f.]+)", text)
    return m.group(1) if m else None


def token_of(url):
    return urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["t"][0]


def mail_to(sink, addr):
    return [m for m in sink.messages() if m.envelope_to == [addr]]


def subscribe_and_confirm(srv, sink, base, prefix, addr):
    """Subscribes addr with the form under prefix, confirms by the mailed link; gives
    the confirmation message."""
    sink.clear()
    st, _, _ = post(srv, prefix + "/subscribe", {"email": addr, "frequency": "daily"},
                    {"Origin": base})
    check(st == 200, f"{prefix or '/'} form accepted {addr} ({st})")
    sink.wait_for(1)
    msgs = mail_to(sink, addr)
    conf = msgs[0] if msgs else None
    url = link_in(text_of(conf), "/subscribe/confirm") if conf else None
    check(url is not None and url.startswith(base + prefix + "/subscribe/confirm?t="),
          f"confirmation link under {prefix or '/'} ({url})")
    st, _, body = post(srv, (prefix or "") + "/subscribe/confirm",
                       {"t": token_of(url) if url else ""}, {"Origin": base})
    check(st == 200, f"confirmed {addr} ({st})")
    return conf, body


def main():
    sink = SmtpSink().start()
    srv = Server(demo=True)
    base = f"http://127.0.0.1:{srv.port}"
    srv.env.update({"VISNYK_SMTP_URL": sink.url, "VISNYK_MAIL_FROM": "news@visnyk.test",
                    "VISNYK_BASE_URL": base, "VISNYK_MAIL_RATE": "60000",
                    "VISNYK_MAIL_RETRY": "1"})
    with srv:
        with db(srv) as c:
            # a draft translation must not reach the English digest
            c.execute("UPDATE article_translations SET status = 'draft', title = ? "
                      "WHERE article_id = (SELECT id FROM articles WHERE slug = ?)",
                      (DRAFT_TITLE, UNTRANSLATED_SLUG))

        # English subscriber: the form under /en, English confirmation
        conf, body = subscribe_and_confirm(srv, sink, base, "/en", "reader.en@example.org")
        check(b"lang=\"en\"" in body, "English confirmation page")
        check(conf is not None and conf["Subject"] ==
              "Please confirm your news digest subscription", "English confirmation subject")
        ctext = text_of(conf) if conf else ""
        check("To confirm, open this link" in ctext and "Щоб підтвердити" not in ctext,
              "English confirmation text")
        check(conf is not None and '<html lang="en">' in html_of(conf), "HTML part in English")
        # Ukrainian subscriber: the form at /
        conf_uk, _ = subscribe_and_confirm(srv, sink, base, "", "reader.uk@example.org")
        check(conf_uk is not None and
              conf_uk["Subject"] == "Підтвердьте підписку на дайджест новин",
              "Ukrainian confirmation unchanged")
        with db(srv) as c:
            langs = dict(c.execute("SELECT email, lang FROM mail_subscribers"))
        check(langs == {"reader.en@example.org": "en", "reader.uk@example.org": "uk"},
              f"languages recorded ({langs})")

        # the digests
        sink.clear()
        p = srv.run_cli("digest", "send", "--now", "--since", SINCE, "--db", srv.db)
        check(p.returncode == 0 and "queued 2 digest" in p.stdout,
              f"two digests ({p.returncode}: {p.stdout} {p.stderr[-300:]})")
        sink.wait_for(2)
        en = mail_to(sink, "reader.en@example.org")
        uk = mail_to(sink, "reader.uk@example.org")
        check(len(en) == 1 and len(uk) == 1, "one digest each")
        pref = None
        if en:
            d = en[0]
            text, html = text_of(d), html_of(d)
            check(re.fullmatch(r"News digest — \d{1,2} [A-Z][a-z]+ \d{4}", d["Subject"]),
                  f"English subject with an English date ({d['Subject']})")
            for title, path in EN_TRANSLATED.items():
                check(title in text and base + path in text and title in html,
                      f"English digest lists {title!r} with its /en/ link")
            check(UNTRANSLATED_SLUG not in text and DRAFT_TITLE not in text and
                  UNTRANSLATED_EN not in text,
                  "an article without a published translation is left out")
            check(UK_TRANSLATED_SLUG not in text and "Поради водіям" not in text,
                  "no Ukrainian title or link")
            check(text.count(base + "/en/news/") == 8,
                  f"exactly the eight published translations ({text.count(base + '/en/news/')})")
            check("/en/subscribe/preferences?t=" in text and
                  "Change topics and frequency" in text and "Unsubscribe" in text,
                  "English footer with /en/ links")
            lu = d["List-Unsubscribe"] or ""
            check("/en/subscribe/unsubscribe?t=" in lu, f"List-Unsubscribe under /en ({lu})")
            check('<html lang="en">' in html, "HTML digest marked English")
            pref = link_in(text, "/en/subscribe/preferences")
        if uk:
            d = uk[0]
            text = text_of(d)
            check(d["Subject"].startswith("Дайджест новин"), "Ukrainian digest subject")
            check(UNTRANSLATED_SLUG in text and UK_TRANSLATED_SLUG in text and
                  "/en/" not in text, "Ukrainian digest holds every article, Ukrainian links")
            check(text.count(base + "/news/") == 9, "all nine articles of the window")

        # an English digest with nothing in it is not sent; the Ukrainian one still is
        with db(srv) as c:
            c.execute("UPDATE article_translations SET status = 'draft'")
        sink.clear()
        p = srv.run_cli("digest", "send", "--now", "--since", SINCE, "--db", srv.db)
        check(p.returncode == 0 and "queued 1 digest" in p.stdout,
              f"no empty English digest ({p.stdout.strip()})")
        sink.wait_for(1)
        check(len(mail_to(sink, "reader.uk@example.org")) == 1 and
              not mail_to(sink, "reader.en@example.org"), "only the Ukrainian digest went")

        # preferences: the language choice, labelled, and an unknown language refused
        path = pref[len(base):] if pref else "/"
        st, _, body = srv.get(path)
        page = body.decode()
        check(st == 200 and re.search(r'<legend>Digest language</legend>', page) and
              re.search(r'<label><input type="radio" name="lang" value="en"[^>]* checked> '
                        r'<span lang="en">English</span></label>', page) and
              'name="lang" value="uk"' in page, "preferences offer the language, en checked")
        tok = token_of(pref) if pref else ""
        st, _, body = post(srv, "/en/subscribe/preferences",
                           {"t": tok, "frequency": "weekly", "lang": "fr"}, {"Origin": base})
        with db(srv) as c:
            row = c.execute("SELECT lang, weekly FROM mail_subscribers WHERE email = "
                            "'reader.en@example.org'").fetchone()
        check(st == 400 and b"Ukrainian (uk) or English (en)" in body and
              b"Preferences saved" not in body, f"unknown language refused clearly ({st})")
        check(row == ("en", 0), f"nothing changed by the refused form ({row})")
        st, _, body = post(srv, "/en/subscribe/preferences",
                           {"t": tok, "frequency": "daily", "lang": "uk"}, {"Origin": base})
        with db(srv) as c:
            row = c.execute("SELECT lang FROM mail_subscribers WHERE email = "
                            "'reader.en@example.org'").fetchone()
        check(st == 200 and b"Preferences saved" in body and row == ("uk",),
              f"switched to Ukrainian ({st}, {row})")
        with db(srv) as c:
            c.execute("UPDATE article_translations SET status = 'published'")
        sink.clear()
        p = srv.run_cli("digest", "send", "--now", "--since", SINCE, "--db", srv.db)
        sink.wait_for(2)
        sw = mail_to(sink, "reader.en@example.org")
        check(len(sw) == 1 and sw[0]["Subject"].startswith("Дайджест новин") and
              UNTRANSLATED_SLUG in text_of(sw[0]), "after the switch the digest is Ukrainian")
    sink.stop()
    done()


if __name__ == "__main__":
    main()
