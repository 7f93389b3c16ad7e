"""Schema versions: a store of the last release before versioning is migrated at start and keeps its
data; a store newer than the code is refused with a message; schema.sql stays idempotent."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pushd.__main__ import EXIT_STORE_TOO_NEW
from pushd.app import create_app
from pushd.store import migrations
from pushd.store.migrations import LATEST, SchemaTooNew, migrate
from pushd.store.sqlite_store import SCHEMA
from tests.conftest import make_settings
from tests.servers import AUTH, REPO, pushd_env

FIXTURE = Path(__file__).with_name("fixtures") / "store_v1.sql"
V1_ADMIN_PASSWORD = "v1-admin-password"
V1_INGEST_TOKEN = "pushd_89R4zMptow6-wWslV-AAmdAuO7VlDkMkvb9eAi3yHtk"  # the token `prometheus` in the fixture


def v1_store(data_dir: Path) -> Path:
    """The fixture as a file, as the release before versioning left it (user_version 0)."""
    data_dir.mkdir(parents=True)
    path = data_dir / "pushd.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE.read_text())
    assert migrations.user_version(conn) == 0
    conn.close()
    return path


def version_of(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return migrations.user_version(conn)
    finally:
        conn.close()


def test_a_v1_store_is_migrated_at_start_and_keeps_its_data(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(tmp_path / "data", admin_token=None)  # only what the store holds lets us in
    path = v1_store(settings.data_dir)
    caplog.set_level(logging.INFO, logger="pushd")
    with TestClient(create_app(settings)) as client:
        login = client.post("/api/v1/auth/login", json={"username": "admin", "password": V1_ADMIN_PASSWORD})
        assert login.status_code == 200, login.text
        admin = {"Authorization": f"Bearer {login.json()['token']}"}
        alerts = client.get("/api/v1/alerts", headers=admin).json()
        assert alerts["total"] == 4
        by_name = {a["labels"].get("instance", "api"): a for a in alerts["items"]}
        assert {k: a["status"] for k, a in by_name.items()} == {
            "db0": "acknowledged", "db1": "resolved", "db2": "firing", "api": "firing"}
        history = client.get(f"/api/v1/alerts/{by_name['db1']['id']}", headers=admin).json()["history"]
        assert [(h["action"], h["actor"], h["comment"]) for h in history][-1] == (
            "resolved", "token:admin", "cleaned /var/log")
        assert client.get("/api/v1/alerts", params={"q": "97% FULL"}, headers=admin).json()["total"] == 3
        assert client.get("/api/v1/incidents", headers=admin).json()["total"] == 2
        assert [r["name"] for r in client.get("/api/v1/grouping-rules", headers=admin).json()] == ["disk"]
        assert client.get("/api/v1/runbooks", headers=admin).json()[0]["title"] == "Disk full"
        assert client.post("/api/v1/auth/login", json={"username": "alice", "password": "alice-password-1"}
                           ).json()["role"] == "operator"
        ingest = {"Authorization": f"Bearer {V1_INGEST_TOKEN}"}  # a token made before the upgrade still works
        assert client.post("/api/v1/alerts", json={"labels": {"alertname": "After"}}, headers=ingest).status_code == 200
    assert version_of(path) == LATEST
    assert f"store migrated to schema version {LATEST}" in caplog.text
    caplog.clear()
    with TestClient(create_app(settings)) as client:  # a second start changes nothing
        token = client.post("/api/v1/auth/login", json={"username": "admin", "password": V1_ADMIN_PASSWORD}).json()
        assert client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {token['token']}"}).json()["total"] == 5
    assert version_of(path) == LATEST
    assert "store migrated" not in caplog.text


def add_note_column(conn: sqlite3.Connection) -> None:
    """What a later feature's migration looks like: a column added to an existing table."""
    conn.execute("ALTER TABLE alerts ADD COLUMN note TEXT NOT NULL DEFAULT ''")


def test_a_later_migration_runs_once_in_order_and_keeps_the_data(tmp_path: Path) -> None:
    path = v1_store(tmp_path / "data")
    later = {**migrations.MIGRATIONS, LATEST + 1: add_note_column}
    # The new column in the schema too (for new stores), with an index that needs it: the schema runs after.
    schema = SCHEMA.replace("hand_resolved INTEGER NOT NULL DEFAULT 0",
                            "hand_resolved INTEGER NOT NULL DEFAULT 0,\n    note TEXT NOT NULL DEFAULT ''")
    schema += "\nCREATE INDEX IF NOT EXISTS alerts_note ON alerts (note);"
    assert schema.count("note TEXT") == 1
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, schema, later) == [*range(1, LATEST + 2)]
    assert migrate(conn, schema, later) == []  # nothing runs twice
    rows = conn.execute("SELECT status, note FROM alerts").fetchall()
    assert sorted(r[0] for r in rows) == ["acknowledged", "firing", "firing", "resolved"]
    assert {r[1] for r in rows} == {""}
    conn.close()
    fresh = sqlite3.connect(tmp_path / "fresh.sqlite3", isolation_level=None)  # a new store: the schema alone
    assert migrate(fresh, schema, later) == []  # nothing to migrate
    assert migrations.user_version(fresh) == LATEST + 1
    assert "note" in {r[1] for r in fresh.execute("PRAGMA table_info(alerts)")}
    fresh.close()


def test_a_table_appended_to_the_schema_is_created_in_an_existing_store(tmp_path: Path) -> None:
    """New tables need no migration: schema.sql runs at every start (how silences were added)."""
    path = v1_store(tmp_path / "data")
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, SCHEMA)
    migrate(conn, SCHEMA + "\nCREATE TABLE IF NOT EXISTS later_feature (id INTEGER PRIMARY KEY, name TEXT);")
    assert conn.execute("SELECT count(*) FROM later_feature").fetchone()[0] == 0
    assert migrations.user_version(conn) == LATEST
    conn.close()


def too_new_store(data_dir: Path) -> Path:
    path = v1_store(data_dir)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    return path


def test_a_store_newer_than_the_code_is_refused_with_a_message_and_left_alone(tmp_path: Path) -> None:
    path = too_new_store(tmp_path / "data")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    proc = subprocess.run([sys.executable, "-m", "pushd"], cwd=REPO, env=pushd_env(path.parent, 0),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == EXIT_STORE_TOO_NEW
    assert f"schema version {LATEST + 1}, newer than this pushd's {LATEST}" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert version_of(path) == LATEST + 1
    # In-process (tests, embedders) the lifespan refuses it too, before anything is written.
    with pytest.raises(SchemaTooNew), TestClient(create_app(make_settings(path.parent)), headers=AUTH):
        pass
    assert version_of(path) == LATEST + 1
