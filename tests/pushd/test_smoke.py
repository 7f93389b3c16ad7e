from starlette.testclient import TestClient


def test_health_and_latest_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    latest = client.get("/api/v1/metrics/latest").json()
    assert 0 <= latest["cpu_percent"] <= 100
