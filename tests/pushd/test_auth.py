"""Users, sessions and API tokens: bootstrap, login, revocation, and no secret in logs or answers."""

from __future__ import annotations

import logging
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pushd.app import create_app
from tests.conftest import make_settings
from tests.pushd.helpers import user_headers
from tests.servers import ADMIN_TOKEN, AUTH, REPO


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def credentials_file(path: Path) -> dict[str, str]:
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    return dict(line.split(": ", 1) for line in lines)


def test_first_start_writes_generated_credentials_once_and_logs_only_the_path(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(tmp_path / "data", admin_token=None)
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(settings)) as c:
        path = settings.credentials_path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        secrets = credentials_file(path)
        r = c.post("/api/v1/auth/login", json={"username": "admin", "password": secrets["admin password"]})
        assert (r.status_code, r.json()["role"]) == (200, "admin")
        assert c.get("/api/v1/me", headers=bearer(secrets["admin API token"])).json()["actor"] == "token:admin"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert str(path.resolve()) in logged
    assert secrets["admin password"] not in logged and secrets["admin API token"] not in logged
    first = path.read_text()
    path.unlink()
    with TestClient(create_app(settings)) as c:  # a second start generates nothing and keeps the password
        assert not path.exists()
        r = c.post("/api/v1/auth/login", json={"username": "admin", "password": credentials_file_text(first)})
        assert r.status_code == 200


def test_a_first_start_that_cannot_write_the_credentials_stores_no_unknown_password(tmp_path: Path) -> None:
    """The secrets reach the file before the store: otherwise admin would exist with a password no one has."""
    settings = make_settings(tmp_path / "data", admin_token=None)
    settings.credentials_path.mkdir(parents=True)  # a directory where the file goes: the write fails
    with pytest.raises(IsADirectoryError), TestClient(create_app(settings)):
        pass
    settings.credentials_path.rmdir()
    with TestClient(create_app(settings)) as c:  # the next start generates them, and they work
        secrets = credentials_file(settings.credentials_path)
        r = c.post("/api/v1/auth/login", json={"username": "admin", "password": secrets["admin password"]})
        assert r.status_code == 200
        assert c.get("/api/v1/me", headers=bearer(secrets["admin API token"])).json()["actor"] == "token:admin"


def credentials_file_text(text: str) -> str:
    return next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("admin password"))


def test_environment_secrets_are_applied_on_every_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with TestClient(create_app(make_settings(data, admin_password="first password"))) as c:
        assert c.post("/api/v1/auth/login", json={"username": "admin", "password": "first password"}).status_code == 200
        # Lock the admin out, as an operator might by mistake.
        c.post("/api/v1/users", json={"username": "root2", "password": "another password", "role": "admin"},
               headers=AUTH)
        assert c.patch("/api/v1/users/admin", json={"disabled": True}, headers=AUTH).status_code == 200
    new_token = "a-new-admin-token-for-pushd"
    with TestClient(create_app(make_settings(data, admin_password="second password", admin_token=new_token))) as c:
        assert c.post("/api/v1/auth/login", json={"username": "admin", "password": "first password"}).status_code == 401
        r = c.post("/api/v1/auth/login", json={"username": "admin", "password": "second password"})
        assert r.status_code == 200  # reset and enabled again
        assert c.get("/api/v1/me", headers=bearer(ADMIN_TOKEN)).status_code == 401  # the old token no longer works
        assert c.get("/api/v1/me", headers=bearer(new_token)).json()["role"] == "admin"
    assert not (data / "initial-credentials.txt").exists()  # nothing was generated


def test_a_restart_with_the_same_admin_password_keeps_admins_sessions(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", admin_password="the admin password")
    with TestClient(create_app(settings)) as c:
        token = c.post("/api/v1/auth/login", json={"username": "admin", "password": "the admin password"}).json()
    with TestClient(create_app(settings)) as c:
        assert c.get("/api/v1/me", headers=bearer(token["token"])).json()["name"] == "admin"


def test_login_failures_say_the_same_thing(client: TestClient) -> None:
    user_headers(client, "dora", role="viewer")
    wrong = client.post("/api/v1/auth/login", json={"username": "dora", "password": "not her password"})
    unknown = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "whatever it is"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    client.patch("/api/v1/users/dora", json={"disabled": True})
    disabled = client.post("/api/v1/auth/login", json={"username": "dora", "password": "correct horse battery"})
    assert (disabled.status_code, disabled.json()) == (401, wrong.json())


def test_logout_revokes_the_session(client: TestClient) -> None:
    eve = user_headers(client, "eve", role="viewer")
    me = client.get("/api/v1/me", headers=eve).json()
    assert (me["kind"], me["name"], me["role"]) == ("session", "eve", "viewer")
    assert me["expires_at"] is not None
    assert client.post("/api/v1/auth/logout", headers=eve).status_code == 204
    assert client.get("/api/v1/me", headers=eve).status_code == 401


def test_changes_to_a_user_apply_to_its_open_sessions_at_once(client: TestClient) -> None:
    fay = user_headers(client, "fay", role="viewer")
    assert client.post("/api/v1/alerts/1/ack", headers=fay).status_code == 403
    assert client.patch("/api/v1/users/fay", json={"role": "operator"}).json()["role"] == "operator"
    assert client.post("/api/v1/alerts/1/ack", headers=fay).status_code == 404  # allowed now; no such alert
    client.patch("/api/v1/users/fay", json={"password": "a brand new password"})
    assert client.get("/api/v1/me", headers=fay).status_code == 401  # a new password ends old sessions
    fay = {"Authorization": "Bearer " + client.post(
        "/api/v1/auth/login", json={"username": "fay", "password": "a brand new password"}).json()["token"]}
    client.patch("/api/v1/users/fay", json={"disabled": True})
    assert client.get("/api/v1/me", headers=fay).status_code == 401
    client.patch("/api/v1/users/fay", json={"disabled": False})
    assert client.get("/api/v1/me", headers=fay).status_code == 401  # enabling again does not revive sessions
    assert client.delete("/api/v1/users/fay").status_code == 204
    assert client.post("/api/v1/auth/login", json={"username": "fay", "password": "a brand new password"}
                       ).status_code == 401


def test_the_last_enabled_admin_cannot_be_removed(client: TestClient) -> None:
    for change in ({"disabled": True}, {"role": "operator"}):
        r = client.patch("/api/v1/users/admin", json=change)
        assert (r.status_code, r.json()["detail"]) == (409, "that would leave no enabled admin")
    assert client.delete("/api/v1/users/admin").status_code == 409
    assert [u["role"] for u in client.get("/api/v1/users").json()] == ["admin"]
    user_headers(client, "gus", role="admin")
    assert client.patch("/api/v1/users/admin", json={"disabled": True}).status_code == 200


def test_users_are_validated(client: TestClient) -> None:
    user_headers(client, "hal")
    assert client.post("/api/v1/users", json={"username": "hal", "password": "long enough", "role": "viewer"}
                       ).status_code == 409
    for body in ({"username": "ivy", "password": "short", "role": "viewer"},
                 {"username": "ivy", "password": "long enough", "role": "ingest"},  # a role for tools, not people
                 {"username": "bad name", "password": "long enough"},
                 {"username": "ivy", "password": "long enough", "is_admin": True}):
        assert client.post("/api/v1/users", json=body).status_code == 422, body
    assert client.patch("/api/v1/users/nobody", json={"role": "viewer"}).status_code == 404


def test_token_secret_is_shown_once_and_stored_hashed(client: TestClient, tmp_path: Path) -> None:
    r = client.post("/api/v1/tokens", json={"name": "prometheus", "role": "ingest", "expires_in_days": 30})
    assert r.status_code == 201
    created = r.json()
    secret = created.pop("token")
    assert created["created_by"] == "token:admin" and created["expires_at"] is not None
    listed = [t for t in client.get("/api/v1/tokens").json() if t["id"] == created["id"]]
    assert listed == [created]  # the same fields, without the secret
    ingest = bearer(secret)
    assert client.post("/api/v2/alerts", json=[{"labels": {"alertname": "X"}}], headers=ingest).status_code == 200
    assert client.get("/api/v1/alerts", headers=ingest).status_code == 403
    history = client.get("/api/v1/history").json()["items"]
    assert history[0]["actor"] == "token:prometheus"
    db = sqlite3.connect(client.app.state.pushd.settings.db_path)
    dump = "\n".join(db.iterdump())
    db.close()
    assert secret not in dump and ADMIN_TOKEN not in dump
    assert "scrypt$" in dump and "correct horse" not in dump
    assert client.delete(f"/api/v1/tokens/{created['id']}").status_code == 204
    assert client.post("/api/v2/alerts", json=[], headers=ingest).status_code == 401
    revoked = next(t for t in client.get("/api/v1/tokens").json() if t["id"] == created["id"])
    assert revoked["revoked_at"] is not None


def test_no_secret_in_logs_or_error_bodies(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "pushd_guessed-token-value"
    r = client.get("/api/v1/alerts", headers=bearer(wrong))
    assert r.status_code == 401 and wrong not in r.text
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": "a-password-guess"})
    assert r.status_code == 401 and "a-password-guess" not in r.text
    r = client.post("/api/v1/users", json={"username": "jo", "password": "short-pw"[:7]})  # 422: too short
    assert r.status_code == 422 and "short-p" not in r.text
    assert r.json()["detail"][0]["loc"] == ["body", "password"]
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    for secret in (wrong, "a-password-guess", ADMIN_TOKEN):
        assert secret not in logged


def test_a_misspelled_secret_field_is_not_echoed(client: TestClient) -> None:
    r = client.post("/api/v1/auth/login", json={"username": "admin", "pass": "topsecret-typo"}, headers={})
    assert r.status_code == 422
    assert "topsecret-typo" not in r.text
    assert ["body", "pass"] in [e["loc"] for e in r.json()["detail"]]


def test_a_refused_admin_secret_in_the_environment_is_not_printed(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "PUSHD_DATA_DIR": str(tmp_path / "d"),
           "PUSHD_ADMIN_PASSWORD": "sekrit1", "PUSHD_ADMIN_TOKEN": "short-token"}
    done = subprocess.run([sys.executable, "-m", "pushd"], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert "admin_password" in done.stderr and "admin_token" in done.stderr  # it says what is wrong
    assert "sekrit1" not in done.stderr + done.stdout and "short-token" not in done.stderr + done.stdout


def test_names_that_would_make_history_ambiguous_are_refused(client: TestClient) -> None:
    r = client.post("/api/v1/users", json={"username": "pushd", "password": "long enough", "role": "viewer"})
    assert r.status_code == 422  # pushd's own actions are recorded as "pushd"
    first = client.post("/api/v1/tokens", json={"name": "prometheus", "role": "ingest"})
    assert client.post("/api/v1/tokens", json={"name": "prometheus", "role": "ingest"}).status_code == 409
    client.delete(f"/api/v1/tokens/{first.json()['id']}")
    assert client.post("/api/v1/tokens", json={"name": "prometheus", "role": "ingest"}).status_code == 201


def test_the_database_is_readable_by_pushds_user_only(client: TestClient) -> None:
    db = client.app.state.pushd.settings.db_path
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    client.post("/api/v1/alerts", json={"labels": {"alertname": "A"}})  # the WAL file exists now
    assert stat.S_IMODE(Path(f"{db}-wal").stat().st_mode) == 0o600
