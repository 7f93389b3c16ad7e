"""GET /api/v1/history and /api/v1/actors: the audit trail across alerts."""

from starlette.testclient import TestClient

from tests.pushd.helpers import alert, user_headers


def test_history_filters_and_actors(client: TestClient) -> None:
    ids = [c["id"] for c in client.post("/api/v1/alerts", json=[alert("A"), alert("B"), alert("C")]).json()["changed"]]
    alice, bob = user_headers(client, "alice"), user_headers(client, "bob")
    client.post(f"/api/v1/alerts/{ids[0]}/ack", json={"comment": "mine"}, headers=alice)
    client.post(f"/api/v1/alerts/{ids[0]}/resolve", headers=alice)
    client.post(f"/api/v1/alerts/{ids[1]}/resolve", headers=bob)

    everything = client.get("/api/v1/history").json()
    assert everything["total"] == 6
    assert everything["items"][0]["actor"] == "bob"  # newest first
    alice = client.get("/api/v1/history", params={"actor": "alice"}).json()
    assert [(e["action"], e["alertname"]) for e in alice["items"]] == [("resolved", "A"), ("acknowledged", "A")]
    resolved = client.get("/api/v1/history", params={"action": "resolved", "limit": 1}).json()
    assert (resolved["total"], len(resolved["items"])) == (2, 1)
    assert client.get("/api/v1/history", params={"alert_id": ids[2]}).json()["total"] == 1

    actors = {a["actor"]: a for a in client.get("/api/v1/actors").json()}
    assert (actors["alice"]["actions"], actors["alice"]["acknowledged"], actors["alice"]["resolved"]) == (2, 1, 1)
    assert actors["bob"]["resolved"] == 1
    assert actors["token:admin"]["actions"] == 3  # the three alerts it sent


def test_history_rejects_bad_parameters(client: TestClient) -> None:
    for params in ({"limit": 0}, {"since": "yesterday"}, {"alert_id": 0}, {"offset": -1}):
        assert client.get("/api/v1/history", params=params).status_code == 422, params
