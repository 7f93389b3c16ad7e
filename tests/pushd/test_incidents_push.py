"""The incidents channel over a real WebSocket: a snapshot on connect, one `incident_event` per change
at once (the periodic push is an hour away), and the 5 s `incidents_update` schedule."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_settings
from tests.pushd.helpers import alert
from tests.pushd.test_ws import recv, recv_type, ws
from tests.servers import AUTH, serve_in_thread


@pytest.fixture
def quiet_url(tmp_path: Path) -> Iterator[str]:
    settings = make_settings(tmp_path, alerts_period=3600, metrics_period=3600, incidents_period=3600)
    with serve_in_thread(settings) as url:
        yield url


def test_every_change_is_pushed_at_once_with_its_entry(quiet_url: str) -> None:
    with httpx.Client(base_url=quiet_url, headers=AUTH) as api:
        assert api.post("/api/v1/alerts", json=[alert("A"), alert("B")]).status_code == 200
        a, b = sorted(x["id"] for x in api.get("/api/v1/alerts").json()["items"])
        with ws(quiet_url, "/ws/incidents") as conn:
            first = recv(conn)
            assert first["type"] == "incidents_update"
            assert first["data"]["counts"] == {"open": 0, "acknowledged": 0, "mitigated": 0, "resolved": 0}
            inc = api.post("/api/v1/incidents", json={"title": "t", "alert_ids": [a]}).json()
            url = f"/api/v1/incidents/{inc['id']}"
            assert api.patch(url, json={"severity": "critical"}).status_code == 200
            assert api.post(f"{url}/alerts", json={"alert_ids": [b]}).status_code == 200
            assert api.delete(f"{url}/alerts/{a}").status_code == 200
            assert api.post(f"{url}/notes", json={"text": "n"}).status_code == 201
            assert api.post(f"/api/v1/alerts/{b}/resolve", json={}).status_code == 200
            assert api.post(f"{url}/mitigate").status_code == 200
            timeline = api.get(f"{url}/timeline").json()
            pushed = [recv(conn, timeout=3) for _ in timeline]
            assert {m["type"] for m in pushed} == {"incident_event"}
            assert [m["data"]["entry"] for m in pushed] == timeline
            assert [m["data"]["entry"]["kind"] for m in pushed] == [
                "created", "alert_attached", "severity", "alert_attached", "alert_detached", "note", "alert_resolved",
                "status"]
            assert pushed[-1]["data"]["incident"]["status"] == "mitigated"


def test_incidents_update_on_connect_and_periodically(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, alerts_period=3600, metrics_period=3600, incidents_period=0.3)
    with serve_in_thread(settings) as url:
        httpx.post(f"{url}/api/v1/incidents", json={"title": "t"}, headers=AUTH)
        with ws(url, "/ws?channels=incidents,alerts") as conn:
            first = recv_type(conn, "incidents_update")
            assert first["data"]["counts"]["open"] == 1
            assert [i["title"] for i in first["data"]["open"]] == ["t"]
            start = time.monotonic()
            recv_type(conn, "incidents_update", timeout=3)
            assert time.monotonic() - start < 2
