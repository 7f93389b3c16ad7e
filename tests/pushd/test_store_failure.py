"""A storage failure answers 503 (senders retry 5xx) and loses nothing that was acknowledged."""

import sqlite3
from pathlib import Path

from starlette.testclient import TestClient

from pushd.app import create_app
from tests.conftest import AUTH, make_settings
from tests.pushd.helpers import alert


def test_locked_database_is_503_then_recovers(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, sqlite_busy_timeout=0.2)
    with TestClient(create_app(settings), headers=AUTH) as client:
        client.post("/api/v1/alerts", json=alert("Before"))
        # Another process holding the write lock is a real fault SQLite reports as "database is locked".
        intruder = sqlite3.connect(settings.db_path, isolation_level=None)
        intruder.execute("BEGIN IMMEDIATE")
        try:
            r = client.post("/api/v2/alerts", json=[{"labels": {"alertname": "During"}}])
            assert r.status_code == 503
            assert "locked" in r.json()["detail"]
            assert r.headers["retry-after"] == "1"
        finally:
            intruder.execute("ROLLBACK")
            intruder.close()
        assert client.post("/api/v2/alerts", json=[{"labels": {"alertname": "After"}}]).status_code == 200
        names = {a["alertname"] for a in client.get("/api/v1/alerts").json()["items"]}
        assert names == {"Before", "After"}
