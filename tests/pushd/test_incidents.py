"""Incidents through the API of a real pushd: transitions and 409s, timeline completeness, filters."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.pushd.helpers import alert, user_headers
from tests.pushd.test_silences import create, silence


def new_incident(client: TestClient, headers: dict | None = None, **body: Any) -> dict[str, Any]:
    r = client.post("/api/v1/incidents", json={"title": "db down", **body}, **({"headers": headers} if headers else {}))
    assert r.status_code == 201, r.text
    return r.json()


def alert_ids(client: TestClient, *names: str) -> list[int]:
    assert client.post("/api/v1/alerts", json=[alert(n) for n in names]).status_code == 200
    by_name = {a["alertname"]: a["id"] for a in client.get("/api/v1/alerts").json()["items"]}
    return [by_name[n] for n in names]


def test_create_opens_with_one_created_entry_and_one_per_alert(client: TestClient) -> None:
    ids = alert_ids(client, "DiskFull", "CpuHot")
    inc = new_incident(client, severity="critical", alert_ids=ids)
    assert (inc["status"], inc["severity"], inc["alert_ids"]) == ("open", "critical", ids)
    assert [a["id"] for a in inc["alerts"]] == ids
    assert [(e["seq"], e["kind"]) for e in inc["timeline"]] == [(1, "created"), (2, "alert_attached"),
                                                                (3, "alert_attached")]
    assert inc["timeline"][1]["data"]["alertname"] == "DiskFull"
    assert {e["actor"] for e in inc["timeline"]} == {inc["created_by"]}


def test_create_with_an_unknown_alert_is_404_and_creates_nothing(client: TestClient) -> None:
    r = client.post("/api/v1/incidents", json={"title": "x", "alert_ids": [999]})
    assert r.status_code == 404
    assert client.get("/api/v1/incidents").json() == {"items": [], "total": 0}


@pytest.mark.parametrize(("path", "end"), [
    (["ack", "mitigate", "resolve"], "resolved"),
    (["resolve"], "resolved"),
    (["mitigate", "resolve", "reopen", "ack"], "acknowledged"),
])
def test_forward_moves_may_skip_and_reopen_returns(client: TestClient, path: list[str], end: str) -> None:
    inc = new_incident(client)
    for action in path:
        r = client.post(f"/api/v1/incidents/{inc['id']}/{action}")
        assert r.status_code == 200, (action, r.text)
    assert r.json()["status"] == end
    moves = [e["data"] for e in r.json()["timeline"] if e["kind"] == "status"]
    assert len(moves) == len(path)


@pytest.mark.parametrize(("before", "action"), [
    ([], "reopen"), (["ack"], "ack"), (["mitigate"], "ack"), (["resolve"], "mitigate"), (["resolve"], "resolve"),
    (["ack"], "reopen"),
])
def test_other_moves_are_409_and_write_nothing(client: TestClient, before: list[str], action: str) -> None:
    inc = new_incident(client)
    for a in before:
        assert client.post(f"/api/v1/incidents/{inc['id']}/{a}").status_code == 200
    seqs = len(client.get(f"/api/v1/incidents/{inc['id']}/timeline").json())
    assert client.post(f"/api/v1/incidents/{inc['id']}/{action}").status_code == 409
    assert len(client.get(f"/api/v1/incidents/{inc['id']}/timeline").json()) == seqs


def test_every_change_is_one_entry_with_its_actor(client: TestClient) -> None:
    alice = user_headers(client, "alice", "operator")
    user_headers(client, "bob", "viewer")
    [a1, a2] = alert_ids(client, "A1", "A2")
    inc = new_incident(client, alice, alert_ids=[a1])
    url = f"/api/v1/incidents/{inc['id']}"
    steps = [
        ("patch", url, {"title": "db really down"}, 200, "title", {"from": "db down", "to": "db really down"}),
        ("patch", url, {"severity": "critical"}, 200, "severity", {"from": "warning", "to": "critical"}),
        ("patch", url, {"assignee": "bob"}, 200, "assignee", {"from": None, "to": "bob"}),
        ("post", f"{url}/alerts", {"alert_ids": [a2]}, 200, "alert_attached", None),
        ("delete", f"{url}/alerts/{a1}", None, 200, "alert_detached", {"alert_id": a1}),
        ("post", f"{url}/notes", {"text": "restarted primary"}, 201, "note", {"text": "restarted primary"}),
        ("post", f"{url}/ack", None, 200, "status", {"from": "open", "to": "acknowledged"}),
        ("patch", url, {"assignee": None}, 200, "assignee", {"from": "bob", "to": None}),
    ]
    for method, path, body, status, kind, data in steps:
        before = client.get(f"{url}/timeline").json()[-1]["seq"]
        kw = {"json": body} if body is not None else {}
        r = client.request(method.upper(), path, headers=alice, **kw)
        assert r.status_code == status, (path, r.text)
        new = client.get(f"{url}/timeline", params={"after": before}).json()
        assert [(e["seq"], e["kind"], e["actor"]) for e in new] == [(before + 1, kind, "alice")]
        if data is not None:
            assert new[0]["data"] == data
    # A PATCH that changes nothing writes nothing.
    last = client.get(f"{url}/timeline").json()[-1]["seq"]
    assert client.patch(url, json={"title": "db really down"}, headers=alice).status_code == 200
    assert client.get(f"{url}/timeline", params={"after": last}).json() == []


def test_an_attached_alert_resolving_is_an_entry(client: TestClient) -> None:
    [a] = alert_ids(client, "A")
    inc = new_incident(client, alert_ids=[a])
    assert client.post(f"/api/v1/alerts/{a}/resolve", json={}).status_code == 200
    last = client.get(f"/api/v1/incidents/{inc['id']}/timeline").json()[-1]
    assert (last["kind"], last["data"], last["actor"]) == ("alert_resolved", {"alert_id": a}, "pushd")


def test_attach_twice_409_detach_unattached_409_unknown_404(client: TestClient) -> None:
    [a] = alert_ids(client, "A")
    inc = new_incident(client, alert_ids=[a])
    url = f"/api/v1/incidents/{inc['id']}"
    assert client.post(f"{url}/alerts", json={"alert_ids": [a]}).status_code == 409
    assert client.post(f"{url}/alerts", json={"alert_ids": [12345]}).status_code == 404
    assert client.delete(f"{url}/alerts/{a + 1}").status_code == 409
    assert client.post("/api/v1/incidents/999/ack").status_code == 404
    assert client.get("/api/v1/incidents/999/timeline").status_code == 404


def test_unknown_assignee_is_404_and_null_title_422(client: TestClient) -> None:
    r = client.post("/api/v1/incidents", json={"title": "x", "assignee": "nobody"})
    assert (r.status_code, r.json()) == (404, {"detail": "no user 'nobody'"})
    assert client.get("/api/v1/incidents").json()["total"] == 0
    inc = new_incident(client)
    assert client.patch(f"/api/v1/incidents/{inc['id']}", json={"assignee": "nobody"}).status_code == 404
    assert client.patch(f"/api/v1/incidents/{inc['id']}", json={"title": None}).status_code == 422
    assert client.post(f"/api/v1/incidents/{inc['id']}/timeline").status_code == 405


def test_filters_and_paging(client: TestClient) -> None:
    user_headers(client, "carol", "operator")
    made = [new_incident(client, title=f"i{n}", severity=("critical" if n % 2 else "info"),
                         assignee=("carol" if n < 2 else None)) for n in range(5)]
    client.post(f"/api/v1/incidents/{made[0]['id']}/resolve")
    page = client.get("/api/v1/incidents", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 5
    assert [i["title"] for i in page["items"]] == ["i3", "i2"]
    assert client.get("/api/v1/incidents", params={"status": "resolved"}).json()["total"] == 1
    crit = client.get("/api/v1/incidents", params={"severity": "critical"}).json()
    assert sorted(i["title"] for i in crit["items"]) == ["i1", "i3"]
    mine = client.get("/api/v1/incidents", params={"assignee": "carol", "status": ["open"]}).json()
    assert [i["title"] for i in mine["items"]] == ["i1"]


def test_viewer_reads_but_may_not_act(client: TestClient) -> None:
    viewer = user_headers(client, "vic", "viewer")
    inc = new_incident(client)
    assert client.get(f"/api/v1/incidents/{inc['id']}", headers=viewer).status_code == 200
    assert client.post(f"/api/v1/incidents/{inc['id']}/ack", headers=viewer).status_code == 403
    assert client.post("/api/v1/incidents", json={"title": "x"}, headers=viewer).status_code == 403


def test_detail_marks_silenced_alerts_as_every_alert_list_does(client: TestClient) -> None:
    ids = alert_ids(client, "DiskFull", "CpuHot")
    sid = create(client, silence(("alertname", "DiskFull")))
    inc = new_incident(client, alert_ids=ids)
    assert [a["silenced_by"] for a in inc["alerts"]] == [[sid], []]
    assert [a["silenced_by"] for a in client.get(f"/api/v1/incidents/{inc['id']}").json()["alerts"]] == [[sid], []]
