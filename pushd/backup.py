"""`python -m pushd.backup`: a consistent copy of pushd's SQLite store while pushd runs, and its restore.

    python -m pushd.backup [create] [DEST]   copy the store (DEST: a file, or a directory; default
                                             <PUSHD_DATA_DIR>/backups/) while pushd runs
    python -m pushd.backup restore FILE      put FILE in place of the store; pushd must be stopped

A copy is `VACUUM INTO`: one read transaction on the store, so it holds exactly what was committed when
it began (every alert whose POST got a 2xx before the backup started), and pushd's writer goes on
meanwhile (WAL mode: a reader never blocks the writer). It is written beside DEST, checked
(`PRAGMA quick_check`), flushed to disk and only then renamed to DEST, mode 0600 (it holds password
and token hashes). Restore refuses a file that fails `PRAGMA integrity_check` or was written by a
newer pushd, and a store that any process (a running pushd) has open; it moves the current store aside
(`pushd.sqlite3.before-restore-<time>`), never deletes it. pushd migrates a restored older store at
its next start (docs/deploy.md, "Backups" and "Upgrades").
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
import time
from pathlib import Path

from pushd.store.migrations import LATEST, user_version

EXIT_REFUSED = 1


class Refused(Exception):
    """What the command will not do, said to the person who ran it."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _summary(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        alerts = conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
        return f"schema version {user_version(conn)}, {alerts} alerts, {path.stat().st_size} bytes"
    finally:
        conn.close()


def _check(path: Path, pragma: str) -> None:
    """Refuse a file that is not a sound pushd store of a version this code can run."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [r[0] for r in conn.execute(f"PRAGMA {pragma}")]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            version = user_version(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise Refused(f"{path} is not a readable SQLite file: {exc}") from None
    if result != ["ok"]:
        raise Refused(f"{path} fails PRAGMA {pragma}: {'; '.join(map(str, result[:5]))}")
    if "alerts" not in tables:
        raise Refused(f"{path} is not a pushd store (no alerts table)")
    if version > LATEST:
        raise Refused(f"{path} has schema version {version}, newer than this pushd's {LATEST}: restore it with "
                      "the pushd that wrote it")


def default_name(now: float | None = None) -> str:
    return time.strftime("pushd-%Y%m%dT%H%M%SZ.sqlite3", time.gmtime(now))


def create(store: Path, dest: str | None = None) -> Path:
    """Copy the store at `store` to `dest`, a file name, or a directory (an existing one, or a name ending
    in "/"; default <data dir>/backups/) that gets a timestamped file; returns the file."""
    if not store.exists():
        raise Refused(f"no store at {store} (set PUSHD_DATA_DIR or --data-dir)")
    if dest is None or dest.endswith(os.sep) or Path(dest).is_dir():
        folder = store.parent / "backups" if dest is None else Path(dest)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = folder / default_name()
    else:
        target = Path(dest)
    return _create(store, target)


def _create(store: Path, dest: Path) -> Path:
    if dest.exists():
        raise Refused(f"{dest} exists; give another name")
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    part = dest.with_name(dest.name + ".part")
    part.unlink(missing_ok=True)
    old_umask = os.umask(0o077)  # the copy holds password and token hashes, from its first byte
    try:
        conn = sqlite3.connect(store, isolation_level=None, timeout=30)
        try:
            conn.execute("VACUUM INTO ?", (str(part),))
        finally:
            conn.close()
    finally:
        os.umask(old_umask)
    try:
        _check(part, "quick_check")
        with open(part, "rb") as f:
            os.fsync(f.fileno())
        part.chmod(0o600)
        os.replace(part, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return dest


def _in_use(store: Path) -> bool:
    """Whether a process has the store open: every WAL connection holds a shared lock on the file, so an
    exclusive lock is refused at once while pushd runs (tested in tests/pushd/test_backup.py)."""
    conn = sqlite3.connect(store, isolation_level=None, timeout=0)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()  # the last connection to close folds any leftover WAL into the file


def restore(backup: Path, store: Path) -> Path | None:
    """Put `backup` in place of the store at `store`; returns where the previous store was moved, if any."""
    if not backup.is_file():
        raise Refused(f"no backup file at {backup}")
    _check(backup, "integrity_check")
    store.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    aside = None
    if store.exists():
        if _in_use(store):
            raise Refused(f"{store} is open in another process (pushd running?): stop pushd, then restore")
        aside = store.with_name(f"{store.name}.before-restore-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
        for suffix in ("", "-wal", "-shm"):  # never the file without its WAL: that would lose commits
            with contextlib.suppress(FileNotFoundError):
                os.replace(f"{store}{suffix}", f"{aside}{suffix}")
    part = store.with_name(store.name + ".restoring")
    old_umask = os.umask(0o077)
    try:
        with open(backup, "rb") as src, open(part, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
    finally:
        os.umask(old_umask)
    part.chmod(0o600)
    os.replace(part, store)
    _fsync_dir(store.parent)
    return aside


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m pushd.backup", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Back up pushd's SQLite store while pushd runs, or restore a backup (pushd stopped).",
        epilog="Restore: stop pushd; python -m pushd.backup restore FILE; start pushd (it migrates an older "
               "backup at start). The store that was there is kept as pushd.sqlite3.before-restore-<time>.\n"
               "Both read PUSHD_DATA_DIR (default ./data) unless --data-dir is given. See docs/deploy.md.")
    p.add_argument("--data-dir", type=Path, help="pushd's data directory (default: $PUSHD_DATA_DIR or ./data)")
    sub = p.add_subparsers(dest="command", metavar="{create,restore}")
    c = sub.add_parser("create", help="copy the store while pushd runs (the default command)")
    c.add_argument("dest", nargs="?",
                   help="a file, or a directory (existing, or ending in /; default: <data dir>/backups/)")
    r = sub.add_parser("restore", help="put a backup in place of the store; pushd must be stopped")
    r.add_argument("file", type=Path, help="a file made by create")
    return p


def _data_dir(given: Path | None) -> Path:
    # Only the data dir is needed: not PushdSettings, which would refuse to run over an unrelated setting.
    return given or Path(os.environ.get("PUSHD_DATA_DIR", "./data"))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    store = _data_dir(args.data_dir) / "pushd.sqlite3"
    try:
        if args.command == "restore":
            aside = restore(args.file, store)
            print(f"restored {args.file} to {store} ({_summary(store)})")
            if aside is not None:
                print(f"the previous store is kept as {aside}")
            return 0
        dest = create(store, getattr(args, "dest", None))
        print(f"backed up {store} to {dest} ({_summary(dest)})")
        return 0
    except Refused as exc:
        print(f"pushd.backup: {exc}", file=sys.stderr)
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
