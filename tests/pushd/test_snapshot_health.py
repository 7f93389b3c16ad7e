"""The snapshot a dashboard draws from, /healthz and pushd's own /metrics."""

from starlette.testclient import TestClient

from tests.pushd.helpers import alert, user_headers


def test_snapshot_has_everything_a_dashboard_draws(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=[{**alert("Crit"), "severity": "critical"}, alert("Warn")])
    crit_id = client.get("/api/v1/alerts", params={"q": "crit"}).json()["items"][0]["id"]
    client.post(f"/api/v1/alerts/{crit_id}/ack", json={"comment": "on it"}, headers=user_headers(client, "ops"))
    with client.websocket_connect("/ws/metrics") as ws:
        ws.receive_json()
        snap = client.get("/api/v1/snapshot").json()
    assert snap["counts"]["by_status"] == {"firing": 1, "acknowledged": 1, "resolved": 0}
    assert snap["counts"]["by_severity"]["critical"] == 1
    assert snap["counts"]["total"] == 2
    assert {a["alertname"] for a in snap["recent_alerts"]} == {"Crit", "Warn"}
    assert [a["alertname"] for a in snap["firing_alerts"]] == ["Warn", "Crit"]  # unacknowledged first
    assert snap["latest_metrics"]["cpu_percent"] >= 0
    assert snap["trend"]
    assert snap["events"][0]["action"] == "acknowledged"
    assert snap["events"][0]["actor"] == "ops"
    assert snap["subscribers"] == {"alerts": 0, "metrics": 1, "incidents": 0, "silences": 0}
    assert snap["server"]["version"]


def test_health_and_self_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    client.post("/api/v1/alerts", json=[alert("A"), alert("B")])
    client.post("/api/v2/alerts", json=[{"labels": {"alertname": "C"}}])
    with client.websocket_connect("/ws/alerts") as ws:
        ws.receive_json()
        text = client.get("/metrics").text
    assert 'pushd_alerts_ingested_total{source="api"} 2.0' in text
    assert 'pushd_alerts_ingested_total{source="prometheus"} 1.0' in text
    assert 'pushd_alert_events_total{event="created"} 3.0' in text
    assert 'pushd_subscribers{channel="alerts"} 1.0' in text
    assert "pushd_slow_subscribers_dropped_total 0.0" in text
    assert 'pushd_http_request_duration_seconds_count{method="POST",route="/api/v1/alerts",status="200"} 1.0' in text


def test_unknown_route_is_404_not_500(client: TestClient) -> None:
    assert client.get("/api/v1/nothing").status_code == 404
    assert client.post("/api/v1/alerts/abc/ack", json={"by": "x"}).status_code == 422
