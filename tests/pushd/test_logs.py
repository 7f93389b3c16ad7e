"""No secret in pushd's log, even at debug level, where uvicorn logs every handshake header."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from websockets.sync.client import connect

from tests.servers import ADMIN_TOKEN, AUTH, free_port, pushd_process

PASSWORD = "admin password in the environment"


def test_debug_log_holds_no_token_ticket_or_password(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    with pushd_process(data, port, PUSHD_LOG_LEVEL="debug", PUSHD_ADMIN_PASSWORD=PASSWORD) as (url, _):
        session = httpx.post(f"{url}/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}).json()
        ticket = httpx.post(f"{url}/api/v1/auth/ws-ticket", headers=AUTH).json()["ticket"]
        ws_url = url.replace("http", "ws") + "/ws/alerts"
        with connect(ws_url, additional_headers=AUTH, open_timeout=5) as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "alerts_update"
        with connect(ws_url, subprotocols=["pushd.v1", f"pushd.ticket.{ticket}"], open_timeout=5) as ws:
            ws.recv(timeout=5)
        httpx.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {session['token']}"})
        httpx.get(f"{url}/api/v1/me", headers={"Authorization": "Bearer pushd_a-wrong-guess"})
    log = (data.parent / f"pushd-{port}.log").read_text()
    assert "authorization: [redacted]" in log.lower()  # the debug header lines are there, without values
    for secret in (ADMIN_TOKEN, ticket, session["token"], PASSWORD, "pushd_a-wrong-guess"):
        assert secret not in log
