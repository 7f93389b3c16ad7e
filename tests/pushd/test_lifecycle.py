"""firing -> acknowledged -> resolved, with who and why kept in the history."""

from starlette.testclient import TestClient

from tests.pushd.helpers import alert, user_headers


def new_alert(client: TestClient, name: str = "A") -> int:
    return client.post("/api/v1/alerts", json=alert(name)).json()["changed"][0]["id"]


def test_ack_then_resolve_records_who_and_comment(client: TestClient) -> None:
    alert_id = new_alert(client)
    alice, bob = user_headers(client, "alice"), user_headers(client, "bob")
    r = client.post(f"/api/v1/alerts/{alert_id}/ack", json={"comment": "looking"}, headers=alice)
    assert r.status_code == 200
    assert r.json()["status"] == "acknowledged"
    r = client.post(f"/api/v1/alerts/{alert_id}/resolve", headers=bob)  # the body is optional
    assert r.json()["status"] == "resolved"
    assert r.json()["ends_at"] is not None
    history = client.get(f"/api/v1/alerts/{alert_id}").json()["history"]
    assert [(h["action"], h["actor"], h["comment"]) for h in history] == [
        ("created", "token:admin", None), ("acknowledged", "alice", "looking"), ("resolved", "bob", None)]


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


def test_unknown_alert_is_404(client: TestClient) -> None:
    assert client.post("/api/v1/alerts/999/ack", json={}).status_code == 404
    assert client.get("/api/v1/alerts/999").status_code == 404


def test_a_name_in_the_body_is_ignored_the_caller_is_the_actor(client: TestClient) -> None:
    alert_id = new_alert(client)
    carol = user_headers(client, "carol")
    r = client.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": "mallory", "comment": "it was me"}, headers=carol)
    assert r.status_code == 200
    history = client.get(f"/api/v1/alerts/{alert_id}").json()["history"]
    assert (history[-1]["actor"], history[-1]["comment"]) == ("carol", "it was me")
    assert client.get("/api/v1/history", params={"actor": "mallory"}).json()["total"] == 0


def test_repeat_keeps_acknowledged(client: TestClient) -> None:
    alert_id = new_alert(client)
    client.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": "a"})
    client.post("/api/v1/alerts", json=alert("A"))
    a = client.get(f"/api/v1/alerts/{alert_id}").json()
    assert (a["status"], a["count"]) == ("acknowledged", 2)
