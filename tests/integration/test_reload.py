"""Theme reload (SIGHUP, `systemctl reload visnyk`): the new theme is served at once, and no
page cached before the reload still names the old theme's stylesheet (which answers 404
after it): the page cache is emptied with the reload."""
import os
import re
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE, Server, check, done  # noqa: E402

SEED = "/news/na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"


def stylesheet(body):
    m = re.search(rb'<link rel="stylesheet" href="(/static/site\.[^"]+\.css)"', body)
    return m.group(1).decode() if m else None


def main():
    theme = tempfile.mkdtemp(prefix="visnyk-theme-")
    shutil.copytree(os.path.join(SOURCE, "templates/themes/default"), theme, dirs_exist_ok=True)
    srv = Server(demo=True, extra_args=["--theme", theme])
    try:
        srv.start()
        before = {}
        for path in ("/", "/news", SEED):
            st, _, body = srv.get(path)
            st2, _, body2 = srv.get(path)  # the second answer comes from the page cache
            before[path] = stylesheet(body2)
            check(st == 200 and st2 == 200 and before[path], f"{path}: served with a stylesheet")
        old_css = before["/"]
        st, _, _ = srv.get(old_css)
        check(st == 200, f"the stylesheet {old_css} answers 200 before the reload")

        with open(os.path.join(theme, "static/site.css"), "a", encoding="utf-8") as f:
            f.write("\n/* changed by test_reload.py */\n")
        srv.proc.send_signal(signal.SIGHUP)
        new_css = None
        deadline = time.time() + 10
        while time.time() < deadline:
            log = srv.read_log()
            if "theme reloaded" in log:
                break
            time.sleep(0.1)
        check("theme reloaded" in srv.read_log(), "the server logs the reload")
        for path in ("/", "/news", SEED):
            st, _, body = srv.get(path)
            css = stylesheet(body)
            new_css = new_css or css
            check(st == 200 and css and css != before[path],
                  f"{path}: after the reload names the new stylesheet ({css}, was {before[path]})")
        st, _, _ = srv.get(new_css)
        check(st == 200, f"the new stylesheet {new_css} answers 200")
    finally:
        rc = srv.stop()
        check(rc in (0, None), f"server exits cleanly (rc={rc})")
        log = srv.read_log()
        check("runtime error" not in log and "Sanitizer" not in log, "no sanitizer report")
        srv.cleanup()
        shutil.rmtree(theme, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
