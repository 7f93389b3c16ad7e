"""pushd's log: no secret in it, even at debug level, where uvicorn logs every handshake header; with
PUSHD_LOG_FORMAT=json one JSON object per line, uvicorn's access log included; request ids in the
X-Request-ID header and in the lines of their request."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient
from websockets.sync.client import connect

from pushd.app import create_app
from pushd.logs import JsonFormatter, RequestIdFilter
from shared.settings import PushdSettings
from tests.servers import ADMIN_TOKEN, AUTH, free_port, pushd_process

PASSWORD = "admin password in the environment"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_debug_log_holds_no_token_ticket_or_password(tmp_path: Path, log_format: str) -> None:
    data, port = tmp_path / "data", free_port()
    env = {"PUSHD_LOG_LEVEL": "debug", "PUSHD_ADMIN_PASSWORD": PASSWORD, "PUSHD_LOG_FORMAT": log_format,
           "PUSHD_ACCESS_LOG": "true"}
    with pushd_process(data, port, **env) as (url, _):
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
    if log_format == "json":
        for line in log.splitlines():
            json.loads(line)  # every line, from the first


def test_json_lines_carry_the_request_id_of_their_request(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    env = {"PUSHD_LOG_FORMAT": "json", "PUSHD_ACCESS_LOG": "true"}
    with pushd_process(data, port, **env) as (url, _):
        given = httpx.get(f"{url}/api/v1/me", headers={**AUTH, "X-Request-ID": "nginx-0123abcd"})
        made = httpx.post(f"{url}/api/v1/alerts", headers=AUTH, json={"labels": {"alertname": "Logged"}})
        spoiled = httpx.get(f"{url}/healthz", headers={"X-Request-ID": "two words\tand a tab"})
        refused = httpx.post(f"{url}/api/v1/alerts", headers=AUTH, content=b"x", )  # 415, before any route
    assert given.headers["x-request-id"] == "nginx-0123abcd"
    assert re.fullmatch("[0-9a-f]{32}", made.headers["x-request-id"])
    assert re.fullmatch("[0-9a-f]{32}", spoiled.headers["x-request-id"])  # not well-formed: replaced
    assert refused.status_code == 415 and refused.headers["x-request-id"]
    lines = [json.loads(line) for line in (data.parent / f"pushd-{port}.log").read_text().splitlines()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any(x["logger"] == "pushd" and x["message"].startswith("pushd ") and "ready" in x["message"] for x in lines)
    access = {x["request_id"]: x for x in lines if x["logger"] == "uvicorn.access"}
    for r in (given, made, spoiled, refused):
        line = access[r.headers["x-request-id"]]
        assert (line["method"], line["path"], line["status"]) == (r.request.method, r.request.url.path, r.status_code)
        assert line["level"] == "INFO" and line["time"].endswith("Z")


def test_pushd_lines_logged_while_serving_a_request_carry_its_id(tmp_path: Path) -> None:
    """In-process: a route that logs, a JSON handler as `python -m pushd` has; the line's request_id is the
    answer's X-Request-ID."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("pushd.test_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    app = create_app(PushdSettings(data_dir=tmp_path / "data", host_rules_enabled=False, admin_token=ADMIN_TOKEN))

    async def logs_something() -> dict[str, str]:
        logger.info("working on it")
        return {}
    app.add_api_route("/logs-something", logs_something)
    try:
        with TestClient(app) as client:
            r = client.get("/logs-something")
            r2 = client.get("/logs-something", headers={"X-Request-ID": "abc:1.2_3-4"})
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["request_id"] == r.headers["x-request-id"] and first["message"] == "working on it"
    assert second["request_id"] == r2.headers["x-request-id"] == "abc:1.2_3-4"
    assert first["logger"] == "pushd.test_logs" and first["level"] == "INFO"


@pytest.mark.parametrize(("allow", "believed"), [("127.0.0.1", True), ("", False), ("10.0.0.0/8", False)])
def test_x_forwarded_for_is_believed_only_from_configured_proxies(tmp_path: Path, allow: str, believed: bool) -> None:
    """PUSHD_FORWARDED_ALLOW_IPS: the client address of the access log (and of the request) is the one a
    trusted proxy names; anyone else's X-Forwarded-For is ignored."""
    data, port = tmp_path / "data", free_port()
    env = {"PUSHD_LOG_FORMAT": "json", "PUSHD_ACCESS_LOG": "true", "PUSHD_FORWARDED_ALLOW_IPS": allow}
    with pushd_process(data, port, **env) as (url, _):
        r = httpx.get(f"{url}/healthz", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    lines = [json.loads(line) for line in (data.parent / f"pushd-{port}.log").read_text().splitlines()]
    (line,) = [x for x in lines if x.get("request_id") == r.headers["x-request-id"]]
    assert line["client"].startswith("203.0.113.7:" if believed else "127.0.0.1:")
