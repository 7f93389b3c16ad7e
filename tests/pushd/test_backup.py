"""`python -m pushd.backup` while alerts come in, then a pushd on the restored file: every alert that got
a 2xx before the backup started is there, and none that was sent after it ended."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from pushd.backup import EXIT_REFUSED
from tests.servers import AUTH, REPO, pushd_process


def backup_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pushd.backup", *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=60)


class Sender(threading.Thread):
    """Posts one new alert at a time; records when each POST started and when its 2xx came back."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.sent: list[tuple[str, float, float]] = []  # (alertname, POST started, 2xx received)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers=AUTH, timeout=10) as client:
            i = 0
            while not self.stop.is_set():
                name, started = f"Backup{i:05d}", time.monotonic()
                r = client.post("/api/v1/alerts", json={"labels": {"alertname": name, "instance": "db1"}})
                if r.is_success:
                    self.sent.append((name, started, time.monotonic()))
                i += 1

    def acknowledged(self, before: float) -> int:
        return sum(1 for _, _, done in self.sent if done < before)


def names_in(url: str) -> set[str]:
    names: set[str] = set()
    with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        while True:
            page = client.get("/api/v1/alerts", params={"limit": 500, "offset": len(names)}).json()
            names |= {a["labels"]["alertname"] for a in page["items"]}
            if len(names) >= page["total"] or not page["items"]:
                return names


def test_a_backup_taken_during_ingest_restores_every_acknowledged_alert(tmp_path: Path) -> None:
    data, backups = tmp_path / "data", tmp_path / "backups"
    with pushd_process(data) as (url, _):
        sender = Sender(url)
        sender.start()
        try:
            deadline = time.monotonic() + 30
            while sender.acknowledged(time.monotonic()) < 100:
                assert time.monotonic() < deadline, "pushd acknowledged fewer than 100 alerts in 30 s"
                time.sleep(0.05)
            started = time.monotonic()
            made = backup_cli("--data-dir", data, "create", f"{backups}/")
            ended = time.monotonic()
            assert made.returncode == 0, made.stderr
            while sender.acknowledged(time.monotonic()) < sender.acknowledged(ended) + 50:  # ingest goes on
                assert time.monotonic() < deadline + 30, "ingest stalled after the backup"
                time.sleep(0.05)
        finally:
            sender.stop.set()
            sender.join(timeout=15)
        (backup,) = backups.iterdir()
        assert oct(backup.stat().st_mode & 0o777) == "0o600"
        # A running store is not overwritten.
        refused = backup_cli("--data-dir", data, "restore", backup)
        assert refused.returncode == EXIT_REFUSED and "stop pushd" in refused.stderr
        assert {p.name for p in data.iterdir()} >= {"pushd.sqlite3"}
        assert not any(".before-restore-" in p.name for p in data.iterdir())
        everything = names_in(url)

    restored = backup_cli("--data-dir", data, "restore", backup)  # pushd stopped now
    assert restored.returncode == 0, restored.stderr
    assert len([p for p in data.iterdir() if ".before-restore-" in p.name and not p.name.endswith("-shm")]) >= 1
    with pushd_process(data) as (url, _):
        names = names_in(url)
    before = {name for name, _, done in sender.sent if done < started}
    after = {name for name, posted, _ in sender.sent if posted > ended}
    assert len(before) >= 100 and len(after) >= 50
    assert before <= names, f"{len(before - names)} acknowledged alerts are missing from the backup"
    assert not names & after, "the backup holds alerts sent after it ended"
    assert names <= everything
