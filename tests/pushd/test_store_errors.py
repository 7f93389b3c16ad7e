"""Storage faults over HTTP: what senders should retry is a 503 with Retry-After (a full disk, an
overloaded writer), what would fail again is a 500 that is logged (a violated constraint, a bug)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from pushd.app import create_app
from pushd.store import sqlite_store
from tests.conftest import AUTH, make_settings
from tests.pushd.helpers import alert
from tests.servers import serve_in_thread


def names(client: TestClient | httpx.Client) -> set[str]:
    return {a["alertname"] for a in client.get("/api/v1/alerts").json()["items"]}


def test_a_constraint_violation_is_a_logged_500_and_stores_nothing(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(tmp_path / "data")
    with TestClient(create_app(settings), headers=AUTH) as client:
        # A real constraint, added from another connection as a DBA might: SQLite raises
        # SQLITE_CONSTRAINT (sqlite3.IntegrityError) on the insert.
        dba = sqlite3.connect(settings.db_path)
        dba.execute("CREATE TRIGGER refuse BEFORE INSERT ON alerts WHEN NEW.alertname = 'Refused'"
                    " BEGIN SELECT RAISE(ABORT, 'alerts named Refused are not allowed'); END")
        dba.close()
        caplog.set_level(logging.ERROR, logger="pushd")
        for path, body in (("/api/v1/alerts", [alert("Fine"), alert("Refused")]),
                           ("/api/v2/alerts", [alert("Fine"), alert("Refused")])):
            r = client.post(path, json=body)
            assert r.status_code == 500, r.text
            assert "retry-after" not in r.headers
            assert "not allowed" in r.json()["detail"]
        assert names(client) == set()  # all or nothing: "Fine" went with it
        logged = [rec for rec in caplog.records if rec.name == "pushd" and rec.exc_info]
        assert len(logged) == 2
        assert "IntegrityError" in caplog.text and "Traceback" in caplog.text
        assert client.post("/api/v1/alerts", json=alert("After")).status_code == 200
        assert names(client) == {"After"}


def test_a_full_database_is_503_with_retry_after_then_recovers(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", sample_seconds=3600.0)
    with TestClient(create_app(settings), headers=AUTH) as client:
        db = client.app.state.pushd.store.db

        def limit(conn: sqlite3.Connection) -> None:  # SQLite's own cap on the file's size: a real SQLITE_FULL
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
        client.portal.call(db.write, limit)
        big = [{**alert(f"Big{i}"), "annotations": {"text": "x" * 30_000}} for i in range(17)]
        r = client.post("/api/v1/alerts", json=big)
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "1"
        assert "full" in r.json()["detail"]
        client.portal.call(db.write, lambda conn: conn.execute("PRAGMA max_page_count = 1073741823"))
        assert client.post("/api/v1/alerts", json=big).status_code == 200
        assert len(names(client)) == len(big)


@pytest.fixture
def slow_writer() -> Iterator[tuple[threading.Event, threading.Event]]:
    started, release = threading.Event(), threading.Event()
    yield started, release
    release.set()


def test_writes_beyond_the_queue_bound_get_503_at_once(
        tmp_path: Path, slow_writer: tuple[threading.Event, threading.Event]) -> None:
    started, release = slow_writer
    settings = make_settings(tmp_path / "data", write_queue_max=2, sample_seconds=3600.0)
    with TestClient(create_app(settings), headers=AUTH) as client:
        db = client.app.state.pushd.store.db

        def slow(conn: sqlite3.Connection) -> None:  # a disk that takes its time
            started.set()
            release.wait(20)
        busy = client.portal.start_task_soon(db.write, slow)
        assert started.wait(5)
        answers: dict[str, int] = {}

        def post(name: str) -> None:
            answers[name] = client.post("/api/v2/alerts", json=[alert(name)]).status_code
        senders = [threading.Thread(target=post, args=(n,)) for n in ("Queued1", "Queued2")]
        for t in senders:
            t.start()
        deadline = time.monotonic() + 5
        while db.waiting < 2:
            assert time.monotonic() < deadline, "the two writes did not queue"
            time.sleep(0.01)
        t0 = time.monotonic()
        r = client.post("/api/v2/alerts", json=[alert("Refused")])
        assert time.monotonic() - t0 < 2  # at once, not after the queue drains
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "1"
        assert "overloaded" in r.json()["detail"]
        release.set()
        busy.result(10)
        for t in senders:
            t.join(10)
        assert answers == {"Queued1": 200, "Queued2": 200}
        assert names(client) == {"Queued1", "Queued2"}


def test_a_bug_in_a_write_job_is_a_logged_500(
        client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A Python exception inside a write job cannot be caused from outside: the ingest function is
    replaced by one that raises."""
    def broken(*args: object) -> None:
        raise KeyError("a bug in pushd")
    monkeypatch.setattr(sqlite_store, "_ingest_batch", broken)
    caplog.set_level(logging.ERROR, logger="pushd")
    r = client.post("/api/v1/alerts", json=alert("A"))
    assert r.status_code == 500
    assert "KeyError" in r.json()["detail"]
    assert "retry-after" not in r.headers
    [record] = [rec for rec in caplog.records if rec.name == "pushd" and rec.exc_info]
    assert "POST /api/v1/alerts" in record.getMessage()
    assert "Traceback" in caplog.text and "KeyError: 'a bug in pushd'" in caplog.text  # the job's own traceback
    monkeypatch.undo()
    assert client.post("/api/v1/alerts", json=alert("B")).status_code == 200  # the writer lives on
    assert names(client) == {"B"}


def test_a_bug_outside_the_store_is_a_json_500_logged_by_the_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any other exception: Starlette answers with pushd's JSON 500 and raises it again for uvicorn to
    log with its traceback. Caused by replacing a function the route calls."""
    from pushd.api import ingest

    def broken(*args: object) -> None:
        raise ZeroDivisionError("a bug in a route")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    error_log = logging.getLogger("uvicorn.error")
    with serve_in_thread(make_settings(tmp_path / "data")) as url:
        error_log.addHandler(handler)
        try:
            monkeypatch.setattr(ingest, "from_native", broken)
            r = httpx.post(f"{url}/api/v1/alerts", json=alert("A"), headers=AUTH)
            assert r.status_code == 500
            assert r.json()["detail"].startswith("internal error")
            monkeypatch.undo()
            assert httpx.post(f"{url}/api/v1/alerts", json=alert("B"), headers=AUTH).status_code == 200
        finally:
            error_log.removeHandler(handler)
    [record] = [r for r in records if r.exc_info]
    assert isinstance(record.exc_info[1], ZeroDivisionError)
