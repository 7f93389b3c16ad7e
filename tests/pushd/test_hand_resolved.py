"""An alert resolved by hand stays resolved until its source fires it anew, whatever the source.

"Anew": the source sends another startsAt, or it sent the alert resolved in between. A re-send of the
same firing (Prometheus re-sends what still fires, with the same startsAt) is not new. The host
rules' case is in test_host_rules.py.
"""

from typing import Any

from starlette.testclient import TestClient

from tests.pushd.helpers import alert, iso, webhook, webhook_alert


def the_alert(client: TestClient, name: str) -> dict[str, Any]:
    [a] = client.get("/api/v1/alerts", params={"label": f"alertname={name}"}).json()["items"]
    return a


def resolve_by_hand(client: TestClient, name: str) -> dict[str, Any]:
    a = the_alert(client, name)
    r = client.post(f"/api/v1/alerts/{a['id']}/resolve", json={"comment": "fixed it"})
    assert r.status_code == 200, r.text
    return r.json()


def actions(client: TestClient, name: str) -> list[str]:
    return [h["action"] for h in client.get(f"/api/v1/alerts/{the_alert(client, name)['id']}").json()["history"]]


def test_native_without_starts_at_reopens_only_after_a_resolved_notice(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=alert("A"))
    resolved = resolve_by_hand(client, "A")
    for event in ("updated", "repeated"):  # new annotations, then the same again
        r = client.post("/api/v1/alerts", json={**alert("A"), "annotations": {"summary": "still"}})
        assert [(c["event"], c["status"]) for c in r.json()["changed"]] == [(event, "resolved")]
    a = the_alert(client, "A")
    assert (a["status"], a["count"], a["ends_at"]) == ("resolved", 3, resolved["ends_at"])
    assert a["annotations"] == {"summary": "still"}  # what the source says is kept
    assert a["last_seen"] > resolved["last_seen"]
    client.post("/api/v1/alerts", json={**alert("A"), "status": "resolved"})
    r = client.post("/api/v1/alerts", json=alert("A"))
    assert r.json()["changed"][0]["event"] == "reopened"
    assert actions(client, "A") == ["created", "resolved", "reopened"]


def test_native_with_starts_at_reopens_with_another_starts_at(client: TestClient) -> None:
    first = {**alert("B"), "startsAt": iso(-600)}
    client.post("/api/v1/alerts", json=first)
    resolve_by_hand(client, "B")
    assert client.post("/api/v1/alerts", json=first).json()["changed"][0]["event"] == "repeated"
    assert the_alert(client, "B")["status"] == "resolved"
    again = {**alert("B"), "startsAt": iso(-60)}
    assert client.post("/api/v1/alerts", json=again).json()["changed"][0]["event"] == "reopened"
    assert the_alert(client, "B")["starts_at"] == again["startsAt"]


def test_alertmanager_webhook(client: TestClient) -> None:
    firing = webhook_alert("W", instance="db1")
    client.post("/api/v1/webhooks/alertmanager", json=webhook(firing))
    resolve_by_hand(client, "W")
    client.post("/api/v1/webhooks/alertmanager", json=webhook(firing))  # the group's next notification
    assert the_alert(client, "W")["status"] == "resolved"
    # Alertmanager says it resolved, then the same rule fires again.
    done = {**firing, "status": "resolved", "endsAt": iso()}
    client.post("/api/v1/webhooks/alertmanager", json=webhook(done, status="resolved"))
    client.post("/api/v1/webhooks/alertmanager", json=webhook(firing))
    assert the_alert(client, "W")["status"] == "firing"
    resolve_by_hand(client, "W")
    client.post("/api/v1/webhooks/alertmanager", json=webhook({**firing, "startsAt": iso(-1)}))
    assert the_alert(client, "W")["status"] == "firing"
    assert actions(client, "W") == ["created", "resolved", "reopened", "resolved", "reopened"]


def test_prometheus_on_api_v2(client: TestClient) -> None:
    """Prometheus re-sends a firing alert every minute with the same startsAt and an endsAt a few
    minutes ahead."""
    starts = iso(-300)

    def send(starts_at: str, ends_at: str) -> None:
        r = client.post("/api/v2/alerts", json=[{**alert("P"), "startsAt": starts_at, "endsAt": ends_at}])
        assert r.status_code == 200, r.text
    send(starts, iso(240))
    resolve_by_hand(client, "P")
    send(starts, iso(240))
    send(starts, iso(240))
    a = the_alert(client, "P")
    assert (a["status"], a["count"]) == ("resolved", 3)
    send(iso(-5), iso(240))  # the rule fired anew
    assert the_alert(client, "P")["status"] == "firing"
    resolve_by_hand(client, "P")
    send(starts, iso(-1))  # Prometheus' resolved notice: endsAt in the past
    send(starts, iso(240))
    assert the_alert(client, "P")["status"] == "firing"
    assert actions(client, "P") == ["created", "resolved", "reopened", "resolved", "reopened"]
