"""Backups: `visnyk backup` while the site serves readers and a writer imports articles
in a loop; every article acknowledged before the backup began is in it; `visnyk restore`
into a new folder (refusing to overwrite without --force, refusing a damaged archive);
`visnyk check`; the restored site serves the same content."""
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from robust_start import start_server  # noqa: E402
from harness import BIN, SOURCE, Server, check, done  # noqa: E402

SEED = "na-poltavshchyni-realizovuvatymut-proiekty-spilno-z-konsultatyvnoiu-misiieiu-yevropeiskoho-soiuzu"


def cli(*args):
    return subprocess.run([BIN, *args], cwd=SOURCE, capture_output=True, text=True, timeout=300)


class Writer(threading.Thread):
    """Imports one new article after another; remembers when each was acknowledged."""

    def __init__(self, srv, tmp):
        super().__init__(daemon=True)
        self.srv, self.tmp = srv, tmp
        self.acked = []  # (time acknowledged, slug)
        self.failed = 0
        self.stop = threading.Event()

    def run(self):
        i = 0
        while not self.stop.is_set():
            i += 1
            slug = f"backup-writer-{i}"
            path = os.path.join(self.tmp, f"{slug}.md")
            with open(path, "w") as f:
                f.write(f"---\ntitle: Стаття записувача {i}\nslug: {slug}\n"
                        f"date: 2024-10-01 09:{i % 60:02d}\ntags:\n  - безпека\n---\n"
                        f"Текст статті номер {i}.\n")
            p = cli("import", "--db", self.srv.db, "--media", self.srv.media, path)
            if p.returncode == 0 and "imported 1 articles" in p.stdout:
                self.acked.append((time.time(), slug))
            else:
                self.failed += 1


class Readers(threading.Thread):
    def __init__(self, srv):
        super().__init__(daemon=True)
        self.srv = srv
        self.ok = self.bad = 0
        self.stop = threading.Event()

    def run(self):
        paths = ["/", f"/news/{SEED}", "/news", "/tags/bezpeka"]
        i = 0
        while not self.stop.is_set():
            try:
                s, _, _ = self.srv.get(paths[i % len(paths)])
                if s == 200:
                    self.ok += 1
                else:
                    self.bad += 1
            except OSError:
                self.bad += 1
            i += 1


def main():
    tmp = tempfile.mkdtemp(prefix="visnyk-backup-")
    srv = Server(demo=True)
    start_server(srv)
    writer = Writer(srv, tmp)
    readers = [Readers(srv) for _ in range(3)]
    try:
        writer.start()
        for r in readers:
            r.start()
        # imports take seconds each under ASan (dictionary loading): wait for a few
        deadline = time.time() + 90
        while len(writer.acked) < 2 and time.time() < deadline:
            time.sleep(0.2)
        archives = []
        for n in range(2):
            archive = os.path.join(tmp, f"backup-{n}.tar")
            started = time.time()
            p = cli("backup", archive, "--db", srv.db, "--media", srv.media)
            print(p.stdout.strip())
            check(p.returncode == 0, f"backup under load succeeds: {p.stderr}")
            archives.append((archive, started))
            acked = len(writer.acked)
            deadline = time.time() + 60
            while len(writer.acked) == acked and time.time() < deadline:
                time.sleep(0.2)
        writer.stop.set()
        for r in readers:
            r.stop.set()
        writer.join(timeout=60)
        for r in readers:
            r.join(timeout=30)
        ok = sum(r.ok for r in readers)
        bad = sum(r.bad for r in readers)
        print(f"during backups: {len(writer.acked)} articles imported, {writer.failed} imports "
              f"failed, {ok} reads answered 200, {bad} not")
        check(len(writer.acked) >= 3, "the writer kept writing during the backups")
        check(any(started < t for t, _ in writer.acked for _, started in archives[:1]),
              "writes were acknowledged after the first backup began")
        check(writer.failed == 0, "no import failed because of a backup")
        check(bad == 0 and ok > 50, "readers were answered throughout")

        p = cli("backup", archives[0][0], "--db", srv.db, "--media", srv.media)
        check(p.returncode != 0, "backup refuses to overwrite an existing file")

        archive, started = archives[-1]
        with tarfile.open(archive) as t:
            names = t.getnames()
            manifest = t.extractfile("visnyk-backup/MANIFEST").read().decode()
        check("visnyk-backup/visnyk.db" in names, "the archive holds the database")
        check(any(n.startswith("visnyk-backup/media/") for n in names), "and the media")
        check(manifest.startswith("visnyk-backup 1\n"), "manifest header")
        check(len([l for l in manifest.splitlines() if re.match(r"^[0-9a-f]{64} \d+ ", l)])
              == len(names) - 1, "the manifest lists every entry with its SHA-256")

        # restore into a fresh place and serve it
        fresh = Server(demo=False)
        os.remove(fresh.db)
        shutil.rmtree(fresh.media, ignore_errors=True)
        p = cli("restore", archive, "--db", fresh.db, "--media", fresh.media)
        print(p.stdout.strip())
        check(p.returncode == 0, f"restore into a new folder: {p.stderr}")
        p = cli("restore", archive, "--db", fresh.db, "--media", fresh.media)
        check(p.returncode != 0 and "--force" in p.stderr,
              "restore refuses to overwrite a database without --force")
        p = cli("restore", archive, "--db", fresh.db, "--media", fresh.media, "--force")
        check(p.returncode == 0, f"restore --force replaces it: {p.stderr}")
        p = cli("check", "--db", fresh.db, "--media", fresh.media)
        check(p.returncode == 0 and "integrity ok" in p.stdout,
              f"check passes on the restored copy: {p.stdout} {p.stderr}")

        start_server(fresh)
        try:
            before = [slug for t, slug in writer.acked if t < started]
            missing = [s for s in before if fresh.get(f"/news/{s}")[0] != 200]
            check(not missing, f"every article acknowledged before the backup is restored "
                               f"({len(before)}; missing {missing[:5]})")
            for path in [f"/news/{SEED}", "/tags/bezpeka", "/pages/about"]:
                s1, _, live = srv.get(path)
                s2, _, restored = fresh.get(path)
                live = live.replace(str(srv.port).encode(), b"PORT")
                restored = restored.replace(str(fresh.port).encode(), b"PORT")
                if path == f"/news/{SEED}":
                    check(s1 == s2 == 200 and live == restored,
                          "the seed article is the same on the restored site")
                else:
                    check(s1 == s2 == 200, f"{path} answers on the restored site")
            photo = re.search(rb'src="(/media/[0-9a-f]{64}[^"]*)"', fresh.get(f"/news/{SEED}")[2])
            if photo:
                check(fresh.get(photo.group(1).decode())[0] == 200, "restored photos are served")
        finally:
            fresh.stop()

        # check finds a missing media file
        victim = sorted(os.listdir(fresh.media))[0]
        os.remove(os.path.join(fresh.media, victim))
        p = cli("check", "--db", fresh.db, "--media", fresh.media)
        check(p.returncode == 1 and victim in p.stdout, f"check reports the missing {victim}")
        fresh.cleanup()

        # a damaged archive is refused before anything is put in place
        damaged = os.path.join(tmp, "damaged.tar")
        shutil.copy(archive, damaged)
        with tarfile.open(damaged) as t:
            member = next(m for m in t.getmembers() if m.name.startswith("visnyk-backup/media/"))
            offset = member.offset_data + member.size // 2
        with open(damaged, "r+b") as f:
            f.seek(offset)
            byte = f.read(1)
            f.seek(offset)
            f.write(bytes([byte[0] ^ 0xFF]))
        target = os.path.join(tmp, "from-damaged.db")
        p = cli("restore", damaged, "--db", target, "--media", os.path.join(tmp, "dm"))
        check(p.returncode != 0 and "damaged" in p.stderr,
              f"a damaged backup is refused: {p.stderr.strip()}")
        check(not os.path.exists(target), "and no database is left from it")
        p = cli("restore", os.path.join(SOURCE, "README.md"), "--db", target, "--media",
                os.path.join(tmp, "dm2"))
        check(p.returncode != 0 and not os.path.exists(target), "a non-backup is refused")
    finally:
        writer.stop.set()
        srv.stop()
        srv.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
