"""The Debian package (debian/, scripts/package.sh) on this machine: install it, check
what it put where (binary, theme, demo content, user, conffile, units), check the units
with systemd-analyze, run the service the way visnyk.service does (as user visnyk, with
NOTIFY_SOCKET: READY=1, WATCHDOG=1 pings, STOPPING=1), load the demo content with the
packaged binary, fetch the seed article, reload on SIGHUP, stop on SIGTERM, take a
backup as visnyk-backup.service does, then purge the package.

Needs root (it installs a package and creates a system user), as CI runs. Builds
build/package/visnyk_*.deb with scripts/package.sh when it is missing (delete it to test
a fresh build). This machine has no systemd as PID 1, so the unit itself is not started:
its command line is, as its user, with the unit's notification protocol. Runs in the
release build only: the package is a Release build whatever the build under test is."""
import glob
import grp
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, SOURCE, check, done, free_port  # noqa: E402

SEED = "na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"
INI = "/etc/visnyk/visnyk.ini"
DATA = "/var/lib/visnyk"
UNITS = ["visnyk.service", "visnyk-backup.service", "visnyk-backup.timer"]
UNIT_DIR = "/lib/systemd/system"
# Written into the data folder by this test: a data folder without it is someone's site,
# which the test refuses to touch.
MARKER = os.path.join(DATA, ".visnyk-package-test")


def run(*args, timeout=600, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, **kw)


def package_installed():
    r = run("dpkg-query", "-W", "-f=${db:Status-Abbrev}", "visnyk")
    return r.returncode == 0 and r.stdout.strip() not in ("", "un")


def clean_leftovers():
    """Removes what an earlier, interrupted run of this test left; refuses anything else."""
    if package_installed() or os.path.isdir(DATA):
        if not os.path.exists(MARKER) and os.path.isdir(DATA):
            print(f"error: {DATA} exists and was not made by this test: a visnyk site is "
                  "installed here; run the package test on a machine without one",
                  file=sys.stderr)
            sys.exit(1)
        run("apt-get", "purge", "-y", "visnyk", env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        shutil.rmtree(DATA, ignore_errors=True)
    if run("getent", "passwd", "visnyk").returncode == 0 and not os.path.isdir(DATA):
        run("deluser", "--system", "visnyk")


def newest_source():
    """The newest change to what goes into the package: a .deb older than it is stale."""
    newest = os.path.getmtime(os.path.join(SOURCE, "CMakeLists.txt"))
    for top in ["src", "debian", "templates", "demo", "cmake"]:
        for root, _, files in os.walk(os.path.join(SOURCE, top)):
            for f in files:
                newest = max(newest, os.path.getmtime(os.path.join(root, f)))
    return newest


def find_or_build_deb():
    debs = [d for d in glob.glob(os.path.join(SOURCE, "build/package/visnyk_*.deb"))]
    if debs and os.path.getmtime(max(debs, key=os.path.getmtime)) > newest_source():
        return max(debs, key=os.path.getmtime)
    env = dict(os.environ)
    # CI installed the build dependencies already (scripts/install-deps.sh); ask apt
    # only when something is missing
    if run("dpkg-checkbuilddeps", cwd=SOURCE).returncode == 0:
        env["VISNYK_SKIP_DEPS"] = "1"
    start = time.monotonic()
    r = run("bash", "scripts/package.sh", cwd=SOURCE, env=env, timeout=1800)
    took = time.monotonic() - start
    print(f"package build (scripts/package.sh): {took:.0f} s, exit {r.returncode}")
    if took > 240:
        print(f"note: the package build took {took:.0f} s, over 4 minutes", file=sys.stderr)
    if r.returncode != 0:
        print(r.stdout[-4000:], r.stderr[-4000:], file=sys.stderr)
        return None
    debs = glob.glob(os.path.join(SOURCE, "build/package/visnyk_*.deb"))
    return max(debs, key=os.path.getmtime) if debs else None


def check_installed(source_keys):
    for path in ["/usr/bin/visnyk", "/usr/share/visnyk/themes/default/article.html",
                 "/usr/share/visnyk/themes/default/static/site.css",
                 "/usr/share/visnyk/themes/default/i18n/uk.ini",
                 "/usr/share/visnyk/demo/site.ini", "/usr/share/visnyk/demo/departments.ini",
                 "/usr/share/man/man1/visnyk.1.gz"]:
        check(os.path.isfile(path), f"the package installs {path}")
    check(os.access("/usr/bin/visnyk", os.X_OK), "/usr/bin/visnyk is executable")
    demo_md = glob.glob("/usr/share/visnyk/demo/*/*.md")
    check(len(demo_md) >= 300, f"the demo content is installed (got {len(demo_md)} files)")
    for unit in UNITS:
        check(os.path.isfile(os.path.join(UNIT_DIR, unit)), f"{unit} is installed")
    check(os.path.islink("/etc/systemd/system/multi-user.target.wants/visnyk.service"),
          "visnyk.service is enabled")
    check(os.path.islink("/etc/systemd/system/timers.target.wants/visnyk-backup.timer"),
          "visnyk-backup.timer is enabled")
    conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", "visnyk").stdout
    check(INI in conffiles, f"{INI} is a conffile (got {conffiles!r})")

    try:
        pw = pwd.getpwnam("visnyk")
    except KeyError:
        pw = None
    check(pw is not None, "the package creates the user visnyk")
    if pw is None:
        return
    check(pw.pw_uid < 1000, f"visnyk is a system user (uid {pw.pw_uid})")
    check(pw.pw_shell in ("/usr/sbin/nologin", "/bin/false"), f"visnyk has no login shell ({pw.pw_shell})")
    check(grp.getgrnam("visnyk").gr_gid == pw.pw_gid, "visnyk's group is visnyk")
    for d in [DATA, DATA + "/media", DATA + "/backups"]:
        st = os.stat(d) if os.path.isdir(d) else None
        check(st is not None and st.st_uid == pw.pw_uid and stat.S_IMODE(st.st_mode) == 0o750,
              f"{d} is visnyk's, mode 0750")
    st = os.stat(INI)
    check(st.st_uid == 0 and st.st_gid == pw.pw_gid and stat.S_IMODE(st.st_mode) == 0o640,
          f"{INI} is root:visnyk 0640 (it may hold secrets)")

    with open(INI, encoding="utf-8") as f:
        ini = f.read()
    for line in ["db = /var/lib/visnyk/visnyk.db", "media = /var/lib/visnyk/media",
                 "theme = /usr/share/visnyk/themes/default", "demo = /usr/share/visnyk/demo",
                 "listen = 127.0.0.1:8080"]:
        check(re.search(r"^" + re.escape(line) + r"$", ini, re.M) is not None, f"{INI} sets {line}")
    # every setting visnyk knows is documented in the conffile (debian/visnyk.ini)
    for key in source_keys:
        check(re.search(r"^#? ?" + re.escape(key) + r" =", ini, re.M) is not None,
              f"{INI} documents the key {key}: add it to debian/visnyk.ini")


def known_keys():
    with open(os.path.join(SOURCE, "src/config/config.c"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"known_keys\[\]\s*=\s*\{(.*?)\};", text, re.S)
    return re.findall(r'"([a-z_]+)"', m.group(1)) if m else []


def check_units():
    paths = [os.path.join(UNIT_DIR, u) for u in UNITS]
    r = run("systemd-analyze", "verify", *paths)
    # without systemd as PID 1, verify may only warn that it cannot reach the manager;
    # anything about our units is a failure
    ours = [line for line in (r.stdout + r.stderr).splitlines() if "visnyk" in line]
    check(r.returncode == 0 and not ours,
          f"systemd-analyze verify accepts the units (exit {r.returncode}): {r.stdout}{r.stderr}")
    r = run("systemd-analyze", "security", "--offline=true", paths[0])
    m = re.search(r"Overall exposure level for visnyk\.service: ([0-9.]+) (\w+)", r.stdout + r.stderr)
    score = float(m.group(1)) if m else 99.0
    print(f"systemd-analyze security: visnyk.service exposure {score}")
    check(m is not None and score < 2.0, f"visnyk.service's exposure is under 2.0 (got {score})")


class NotifySocket:
    """The service manager's side of sd_notify: a unix datagram socket the service
    (running as visnyk) may write to."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="visnyk-notify-")
        os.chmod(self.dir, 0o755)
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o777)
        self.messages = []

    def wait_for(self, what, timeout):
        """Returns the first message holding the line `what` (e.g. READY=1), or None."""
        deadline = time.monotonic() + timeout
        for msg in self.messages:
            if what in msg.split("\n"):
                return msg
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            self.messages.append(data)
            if what in data.split("\n"):
                return data
        return None

    def count(self, what):
        return sum(1 for m in self.messages if what in m.split("\n"))

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def as_visnyk(*args):
    """The command as the unit runs it: user visnyk, its data folder, UMask=0027."""
    return ["runuser", "-u", "visnyk", "--", "sh", "-c", 'umask 0027 && exec "$@"', "sh", *args]


def run_service(port):
    r = run(*as_visnyk("/usr/bin/visnyk", "init", "--config", INI, "--demo"), cwd=DATA)
    check(r.returncode == 0, f"the packaged binary loads the demo content: {r.stdout}{r.stderr}")
    check("demo content:" in r.stdout, f"init --demo reports the demo content: {r.stdout}")
    st = os.stat(DATA + "/visnyk.db") if os.path.exists(DATA + "/visnyk.db") else None
    check(st is not None and st.st_uid == pwd.getpwnam("visnyk").pw_uid,
          "the database is created in /var/lib/visnyk, owned by visnyk")
    # without --config, from a folder with no theme of its own, the installed binary
    # reads /etc/visnyk/visnyk.ini: the site's database and the installed theme, never
    # the tree it was built from
    r = run(*as_visnyk("/usr/bin/visnyk", "key", "list"), cwd="/")
    check(r.returncode == 0 and "ed25519" in r.stdout.lower(),
          f"'visnyk key list' without --config lists the site's key: {r.stdout}{r.stderr}")
    r = run("strings", "/usr/bin/visnyk")
    check(SOURCE not in r.stdout,
          f"the packaged binary names no path of the build tree ({SOURCE})")

    notify = NotifySocket()
    # WATCHDOG_USEC as systemd sets it for WatchdogSec=: here 2 s, so a ping each second
    env = dict(os.environ, NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="2000000")
    env.pop("WATCHDOG_PID", None)
    errlog = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(as_visnyk("/usr/bin/visnyk", "serve", "--config", INI), cwd=DATA,
                            env=env, stdout=subprocess.DEVNULL, stderr=errlog)
    main_pid = None
    try:
        ready = notify.wait_for("READY=1", 60)
        check(ready is not None, "READY=1 arrives once the server listens")
        m = re.search(r"MAINPID=(\d+)", ready or "")
        main_pid = int(m.group(1)) if m else None
        check(main_pid is not None, f"READY=1 names the main PID ({ready!r})")
        status, body = get(port, f"/news/{SEED}") if ready else (0, "")
        check(status == 200 and "Полтавщині" in body,
              f"the seed article is served from the packaged theme (status {status})")
        status, body = get(port, "/") if ready else (0, "")
        check(status == 200, f"the home page is served (status {status})")
        # two pings at WATCHDOG_USEC/2 = 1 s come within 4 s
        deadline = time.monotonic() + 4
        while notify.count("WATCHDOG=1") < 2 and time.monotonic() < deadline:
            notify.wait_for("no such message", 0.5)
        check(notify.count("WATCHDOG=1") >= 2,
              f"WATCHDOG=1 pings at half WATCHDOG_USEC (got {notify.count('WATCHDOG=1')})")
        if main_pid:
            os.kill(main_pid, signal.SIGHUP)  # ExecReload=/bin/kill -HUP $MAINPID
            time.sleep(1)
            check(proc.poll() is None, "SIGHUP does not stop the server")
            status, _ = get(port, f"/news/{SEED}")
            check(status == 200, f"the seed article is served after the reload (status {status})")
            os.kill(main_pid, signal.SIGTERM)  # what systemctl stop sends
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, f"SIGTERM stops the server cleanly (exit {rc})")
        check(notify.wait_for("STOPPING=1", 5) is not None, "STOPPING=1 arrives on the way out")
    finally:
        if proc.poll() is None:
            if main_pid:
                os.kill(main_pid, signal.SIGKILL)
            proc.kill()
            proc.wait()
        notify.close()
        errlog.seek(0)
        log = errlog.read()
        errlog.close()
    check("reload requested" in log, "the server logs the reload to stderr (the journal)")
    if _failed_any():
        print(log[-4000:], file=sys.stderr)

    # visnyk-backup.service's command, as its user
    day = time.strftime("%F")
    r = run(*as_visnyk("/bin/sh", "-c", "exec /usr/bin/visnyk backup --config /etc/visnyk/visnyk.ini "
                       "--force /var/lib/visnyk/backups/visnyk-$(date +%F).tar"), cwd=DATA)
    check(r.returncode == 0 and os.path.isfile(f"{DATA}/backups/visnyk-{day}.tar"),
          f"the backup unit's command writes /var/lib/visnyk/backups/visnyk-{day}.tar: {r.stderr}")


def _failed_any():
    import harness
    return harness._failures > 0


def main():
    if os.geteuid() != 0:
        print("error: the package test installs a package and creates a system user: run it "
              "as root (as CI does: .ci/run)", file=sys.stderr)
        sys.exit(1)
    clean_leftovers()
    deb = find_or_build_deb()
    check(deb is not None, "scripts/package.sh builds build/package/visnyk_<version>_<arch>.deb")
    if deb is None:
        done()
    print(f"package: {deb}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = run("apt-get", "install", "-y", "--no-install-recommends", os.path.abspath(deb), env=env)
    check(r.returncode == 0, f"apt-get install {deb}: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    if r.returncode != 0:
        done()
    try:
        with open(MARKER, "w", encoding="utf-8") as f:
            f.write("made by tests/integration/test_package.py; removed by it\n")
        check_installed(known_keys())
        check_units()
        port = free_port()
        with open(INI, encoding="utf-8") as f:
            ini = f.read()
        ini = re.sub(r"^listen = .*$", f"listen = 127.0.0.1:{port}", ini, flags=re.M)
        # the tests talk from loopback, which the per-address limits cover by default
        ini += "\nlimit_loopback = off\n"
        with open(INI, "w", encoding="utf-8") as f:
            f.write(ini)
        run_service(port)
    finally:
        r = run("apt-get", "purge", "-y", "visnyk", env=env)
        check(r.returncode == 0, f"apt-get purge visnyk: {r.stderr[-2000:]}")
    for gone in ["/etc/visnyk", "/usr/bin/visnyk", "/usr/share/visnyk",
                 os.path.join(UNIT_DIR, "visnyk.service"),
                 "/etc/systemd/system/multi-user.target.wants/visnyk.service"]:
        check(not os.path.lexists(gone), f"purge removes {gone}")
    # the site's data and its user stay (debian/postrm says why); this test removes them
    check(os.path.isfile(DATA + "/visnyk.db"), "purge keeps the database in /var/lib/visnyk")
    check(run("getent", "passwd", "visnyk").returncode == 0, "purge keeps the user visnyk")
    shutil.rmtree(DATA, ignore_errors=True)
    run("deluser", "--system", "visnyk")
    run("delgroup", "--system", "--only-if-empty", "visnyk")
    done()


if __name__ == "__main__":
    main()
