"""pushd as a real process: webhook in, event out over a WebSocket, kill -9, restart, nothing lost."""

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

from tests.pushd.helpers import webhook, webhook_alert
from tests.servers import ADMIN_TOKEN, AUTH, REPO, free_port, pushd_env, pushd_process


def test_webhook_event_survives_kill_9(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()
    with pushd_process(data, port, PUSHD_ALERTS_PERIOD="3600") as (url, proc):
        with connect(url.replace("http", "ws") + "/ws/alerts", open_timeout=5, additional_headers=AUTH) as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "alerts_update"
            body = webhook(webhook_alert("NodeDown", severity="critical", instance="n1"))
            assert httpx.post(f"{url}/api/v1/webhooks/alertmanager", json=body, headers=AUTH).status_code == 200
            event = json.loads(ws.recv(timeout=5))
            assert event["type"] == "alert_event"
            alert_id = event["data"]["alert"]["id"]
        r = httpx.post(f"{url}/api/v1/alerts/{alert_id}/ack", json={"comment": "rebooting n1"}, headers=AUTH)
        assert r.status_code == 200
        proc.kill()  # SIGKILL: no shutdown hook runs
        proc.wait(timeout=10)
    with pushd_process(data, port) as (url, _):
        alert = httpx.get(f"{url}/api/v1/alerts/{alert_id}", headers=AUTH).json()
        assert alert["labels"] == {"alertname": "NodeDown", "severity": "critical", "instance": "n1"}
        assert alert["status"] == "acknowledged"
        assert [(h["action"], h["actor"]) for h in alert["history"]] == [
            ("created", "token:admin"), ("acknowledged", "token:admin")]


def test_tail_prints_json_lines_reconnects_and_reports_no_gap(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    env = {**pushd_env(data, port), "PUSHD_TOKEN": ADMIN_TOKEN}
    tail = subprocess.Popen(
        [sys.executable, "-m", "pushd.tail", "--channel", "alerts", "--url", f"http://127.0.0.1:{port}"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for name in ("First", "Second"):  # pushd starts after tail, then goes away and comes back
            with pushd_process(data, port, PUSHD_ALERTS_PERIOD="3600") as (url, _):
                wait_for_line(tail, "alerts_update")
                httpx.post(f"{url}/api/v1/alerts", json={"labels": {"alertname": name}}, headers=AUTH)
                line = wait_for_line(tail, "alert_event")
                assert json.loads(line)["data"]["alert"]["alertname"] == name
    finally:
        tail.kill()
        _, err = tail.communicate(timeout=10)
    assert err.count("connected to") == 2
    assert "seq gap" not in err


def wait_for_line(proc: subprocess.Popen, word: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if word in line:
            return line
    raise AssertionError(f"no line with {word!r} in {timeout}s")
