"""firing -> acknowledged -> resolved, with who and why kept in the history."""

from starlette.testclient import TestClient

from tests.pushd.helpers import alert


def new_alert(client: TestClient, name: str = "A") -> int:
    return client.post("/api/v1/alerts", json=alert(name)).json()["changed"][0]["id"]


def test_ack_then_resolve_records_who_and_comment(client: TestClient) -> None:
    alert_id = new_alert(client)
    r = client.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": "alice", "comment": "looking"})
    assert r.status_code == 200
    assert r.json()["status"] == "acknowledged"
    r = client.post(f"/api/v1/alerts/{alert_id}/resolve", json={"by": "bob"})
    assert r.json()["status"] == "resolved"
    assert r.json()["ends_at"] is not None
    history = client.get(f"/api/v1/alerts/{alert_id}").json()["history"]
    assert [(h["action"], h["actor"], h["comment"]) for h in history] == [
        ("created", "api", None), ("acknowledged", "alice", "looking"), ("resolved", "bob", None)]


def test_firing_can_be_resolved_directly(client: TestClient) -> None:
    alert_id = new_alert(client)
    assert client.post(f"/api/v1/alerts/{alert_id}/resolve", json={"by": "x"}).status_code == 200


def test_invalid_transitions_are_409(client: TestClient) -> None:
    alert_id = new_alert(client)
    client.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": "a"})
    r = client.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": "a"})
    assert r.status_code == 409
    assert "acknowledged" in r.json()["detail"]
    client.post(f"/api/v1/alerts/{alert_id}/resolve", json={"by": "a"})
    assert client.post(f"/api/v1/alerts/{alert_id}/resolve", json={"by": "a"}).status_code == 409
    assert client.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": "a"}).status_code == 409


def test_unknown_alert_is_404_and_missing_actor_is_422(client: TestClient) -> None:
    assert client.post("/api/v1/alerts/999/ack", json={"by": "a"}).status_code == 404
    assert client.get("/api/v1/alerts/999").status_code == 404
    alert_id = new_alert(client)
    r = client.post(f"/api/v1/alerts/{alert_id}/ack", json={"comment": "who am I"})
    assert r.status_code == 422
    assert "by" in r.text
    assert client.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": ""}).status_code == 422


def test_repeat_keeps_acknowledged(client: TestClient) -> None:
    alert_id = new_alert(client)
    client.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": "a"})
    client.post("/api/v1/alerts", json=alert("A"))
    a = client.get(f"/api/v1/alerts/{alert_id}").json()
    assert (a["status"], a["count"]) == ("acknowledged", 2)
