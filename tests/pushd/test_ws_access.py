"""Who may open a push socket: credentials, Origin, tickets, the inbound frame limit and the caps."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.conftest import make_settings
from tests.servers import AUTH, REPO, serve_in_thread


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(make_settings(tmp_path / "data", ws_max_per_token=2, ws_max_total=3)) as u:
        yield u


def ws(url: str, path: str = "/ws/alerts", **kw: object) -> ClientConnection:
    return connect(url.replace("http://", "ws://") + path, open_timeout=5, **kw)


def refused(url: str, path: str = "/ws/alerts", **kw: object) -> tuple[int, str]:
    with pytest.raises(InvalidStatus) as info:
        ws(url, path, **kw)
    return info.value.response.status_code, json.loads(info.value.response.body)["detail"]


def token(url: str, role: str) -> dict[str, str]:
    r = httpx.post(f"{url}/api/v1/tokens", json={"name": f"{role} tool", "role": role}, headers=AUTH)
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_credentials_are_checked_before_any_data(url: str) -> None:
    assert refused(url)[0] == 401
    assert refused(url, additional_headers={"Authorization": "Bearer pushd_wrong"})[0] == 401
    status, detail = refused(url, additional_headers=token(url, "ingest"))
    assert (status, detail) == (403, "role ingest may not subscribe; it needs viewer or higher")
    with ws(url, additional_headers=token(url, "viewer")) as conn:
        assert json.loads(conn.recv(timeout=5))["type"] == "alerts_update"


def test_origin_must_be_pushds_own_unless_listed(url: str, tmp_path: Path) -> None:
    assert refused(url, additional_headers={**AUTH, "Origin": "http://evil.example"})[0] == 403
    assert refused(url, additional_headers={**AUTH, "Origin": "null"})[0] == 403
    with ws(url, additional_headers={**AUTH, "Origin": url}) as conn:  # a page served by pushd itself
        conn.recv(timeout=5)
    settings = make_settings(tmp_path / "other", allowed_origins="https://ops.example.com, https://b.example")
    with serve_in_thread(settings) as other:
        with ws(other, additional_headers={**AUTH, "Origin": "https://ops.example.com"}) as conn:
            conn.recv(timeout=5)
        assert refused(other, additional_headers={**AUTH, "Origin": other})[0] == 403  # the list replaces the default


def test_a_browser_uses_a_single_use_ticket_as_subprotocol(url: str) -> None:
    ticket = httpx.post(f"{url}/api/v1/auth/ws-ticket", headers=AUTH).json()["ticket"]
    protocols = ["pushd.v1", f"pushd.ticket.{ticket}"]
    with ws(url, subprotocols=protocols) as conn:
        assert conn.subprotocol == "pushd.v1"
        assert json.loads(conn.recv(timeout=5))["type"] == "alerts_update"
    status, detail = refused(url, subprotocols=protocols)  # used once already
    assert (status, detail) == (401, "invalid, expired or used ticket")
    assert httpx.post(f"{url}/api/v1/auth/ws-ticket", headers=token(url, "ingest")).status_code == 403


def test_inbound_messages_over_64_kib_close_with_1009(url: str) -> None:
    with ws(url, additional_headers=AUTH) as conn:
        conn.recv(timeout=5)
        conn.send("x" * 65_536)  # at the limit: accepted and ignored
        conn.send("x" * 65_537)
        with pytest.raises(ConnectionClosed) as info:
            conn.recv(timeout=5)
    assert info.value.rcvd.code == 1009


def test_caps_refuse_the_next_handshake_and_keep_open_sockets(url: str) -> None:
    other = token(url, "viewer")
    with ws(url, additional_headers=AUTH) as a, ws(url, additional_headers=AUTH) as b:
        status, detail = refused(url, additional_headers=AUTH)
        assert (status, detail) == (429, "this token already holds its maximum of 2 push sockets")
        with ws(url, additional_headers=other) as c:
            assert refused(url, additional_headers=other)[0] == 503  # total cap (3)
            for conn in (a, b, c):  # none of the open ones was closed to make room
                assert json.loads(conn.recv(timeout=5))["type"] == "alerts_update"
    with ws(url, additional_headers=AUTH) as again:  # closed sockets free their places
        again.recv(timeout=5)


def test_refusals_do_not_log_errors(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn.error")
    refused(url)
    with ws(url, additional_headers=AUTH) as conn:  # a later connection: the refusal's log lines are out
        conn.recv(timeout=5)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_tail_sends_its_token_and_stops_when_refused(url: str) -> None:
    tail = [sys.executable, "-m", "pushd.tail", "--url", url, "--count", "1"]
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "PUSHD_TOKEN": AUTH["Authorization"].split()[1]}
    done = subprocess.run(tail, env=env, cwd=REPO, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and json.loads(done.stdout)["type"] == "alerts_update"
    done = subprocess.run(tail, env={**env, "PUSHD_TOKEN": "pushd_wrong"}, cwd=REPO, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2
    assert "refused: HTTP 401" in done.stderr


def test_revoking_a_credential_closes_its_sockets_with_4003(url: str) -> None:
    r = httpx.post(f"{url}/api/v1/tokens", json={"name": "screen", "role": "viewer"}, headers=AUTH).json()
    viewer = {"Authorization": f"Bearer {r['token']}"}
    httpx.post(f"{url}/api/v1/users", json={"username": "kim", "password": "kim's password", "role": "viewer"},
               headers=AUTH)
    session = httpx.post(f"{url}/api/v1/auth/login", json={"username": "kim", "password": "kim's password"}).json()
    with ws(url, additional_headers=viewer) as by_token, \
            ws(url, additional_headers={"Authorization": f"Bearer {session['token']}"}) as by_session, \
            ws(url, additional_headers=AUTH) as unaffected:
        for conn in (by_token, by_session, unaffected):
            conn.recv(timeout=5)
        assert httpx.delete(f"{url}/api/v1/tokens/{r['id']}", headers=AUTH).status_code == 204
        assert httpx.patch(f"{url}/api/v1/users/kim", json={"disabled": True}, headers=AUTH).status_code == 200
        for conn in (by_token, by_session):
            with pytest.raises(ConnectionClosed) as info:
                conn.recv(timeout=5)
            assert (info.value.rcvd.code, info.value.rcvd.reason) == (4003, "credentials revoked or expired")
        httpx.post(f"{url}/api/v1/alerts", json={"labels": {"alertname": "StillHere"}}, headers=AUTH)
        assert json.loads(unaffected.recv(timeout=5))["type"] == "alert_event"


def test_a_session_socket_closes_when_the_session_expires(tmp_path: Path) -> None:
    """At the expiry itself: the periodic credential check (every 30 s) would be far later."""
    settings = make_settings(tmp_path / "data", session_hours=2 / 3600)  # sessions last 2 s
    with serve_in_thread(settings) as url:
        httpx.post(f"{url}/api/v1/users", json={"username": "lee", "password": "lee's password", "role": "viewer"},
                   headers=AUTH)
        session = httpx.post(f"{url}/api/v1/auth/login", json={"username": "lee", "password": "lee's password"}).json()
        with ws(url, additional_headers={"Authorization": f"Bearer {session['token']}"}) as conn:
            conn.recv(timeout=5)  # alerts_update at connect; nothing else comes before the close
            with pytest.raises(ConnectionClosed) as info:
                conn.recv(timeout=10)
        assert info.value.rcvd.code == 4003
