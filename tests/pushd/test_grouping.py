"""Grouping rules against a real pushd: off without rules, one incident per group, windows, auto-mitigation."""

from __future__ import annotations

import time
from typing import Any

from starlette.testclient import TestClient

from tests.pushd.helpers import alert, user_headers

RULE = {"name": "disk", "matchers": [{"name": "alertname", "value": "Disk.*", "isRegex": True}],
        "group_by": ["cluster"], "window_seconds": 3600}


def make_rule(client: TestClient, **overrides: Any) -> dict[str, Any]:
    r = client.post("/api/v1/grouping-rules", json={**RULE, **overrides})
    assert r.status_code == 201, r.text
    return r.json()


def incidents(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/api/v1/incidents").json()["items"]


def fire(client: TestClient, *alerts: dict[str, Any]) -> None:
    assert client.post("/api/v1/alerts", json=list(alerts)).status_code == 200


def test_off_until_a_rule_is_made(client: TestClient) -> None:
    fire(client, alert("DiskFull", cluster="a"))
    assert incidents(client) == []


def test_one_incident_per_group_and_later_alerts_join(client: TestClient) -> None:
    make_rule(client)
    fire(client, alert("DiskFull", cluster="a", instance="1"), alert("DiskFull", cluster="b"),
         alert("CpuHot", cluster="a"))
    fire(client, alert("DiskSlow", cluster="a", instance="2"))
    got = sorted(incidents(client), key=lambda i: i["title"])
    assert [(i["title"], len(i["alert_ids"]), i["created_by"]) for i in got] == [
        ("disk: cluster=a", 2, "rule:disk"), ("disk: cluster=b", 1, "rule:disk")]
    timeline = client.get(f"/api/v1/incidents/{got[0]['id']}/timeline").json()
    assert [(e["kind"], e["actor"]) for e in timeline] == [
        ("created", "rule:disk"), ("alert_attached", "rule:disk"), ("alert_attached", "rule:disk")]


def test_a_resolved_incident_or_an_expired_window_opens_a_new_one(client: TestClient) -> None:
    make_rule(client, window_seconds=0.3)
    fire(client, alert("DiskFull", cluster="a", instance="1"))
    time.sleep(0.4)
    fire(client, alert("DiskFull", cluster="a", instance="2"))  # window over: a new incident
    assert len(incidents(client)) == 2
    client.put(f"/api/v1/grouping-rules/{client.get('/api/v1/grouping-rules').json()[0]['id']}",
               json={**RULE, "window_seconds": 3600})
    fire(client, alert("DiskFull", cluster="a", instance="3"))  # joins the newest unresolved one
    assert [len(i["alert_ids"]) for i in incidents(client)] == [2, 1]
    for i in incidents(client):
        client.post(f"/api/v1/incidents/{i['id']}/resolve")
    fire(client, alert("DiskFull", cluster="a", instance="4"))  # the group's incidents are resolved
    assert [(i["status"], len(i["alert_ids"])) for i in incidents(client)] == [
        ("open", 1), ("resolved", 2), ("resolved", 1)]


def test_auto_mitigate_when_all_its_alerts_resolve(client: TestClient) -> None:
    make_rule(client, auto_mitigate=True)
    fire(client, alert("DiskFull", cluster="a", instance="1"), alert("DiskFull", cluster="a", instance="2"))
    [inc] = incidents(client)
    first, second = inc["alert_ids"]
    client.post(f"/api/v1/alerts/{first}/resolve", json={})
    assert client.get(f"/api/v1/incidents/{inc['id']}").json()["status"] == "open"
    client.post(f"/api/v1/alerts/{second}/resolve", json={})
    detail = client.get(f"/api/v1/incidents/{inc['id']}").json()
    assert detail["status"] == "mitigated"
    assert [(e["kind"], e["actor"]) for e in detail["timeline"][-2:]] == [
        ("alert_resolved", "pushd"), ("status", "rule:disk")]


def test_without_auto_mitigate_the_status_stays(client: TestClient) -> None:
    make_rule(client)
    fire(client, alert("DiskFull", cluster="a"))
    [inc] = incidents(client)
    client.post(f"/api/v1/alerts/{inc['alert_ids'][0]}/resolve", json={})
    assert client.get(f"/api/v1/incidents/{inc['id']}").json()["status"] == "open"


def test_rule_crud_and_roles(client: TestClient) -> None:
    rule = make_rule(client)
    assert client.post("/api/v1/grouping-rules", json=RULE).status_code == 409
    assert client.get(f"/api/v1/grouping-rules/{rule['id']}").json()["matchers"] == [
        {"name": "alertname", "value": "Disk.*", "isRegex": True, "isEqual": True}]
    bad = {**RULE, "matchers": [{"name": "a", "value": "(?=x)", "isRegex": True}]}  # RE2 refuses lookahead
    r = client.post("/api/v1/grouping-rules", json=bad)
    assert (r.status_code, r.json()["invalid"][0]["index"]) == (400, 0)
    assert client.post("/api/v1/grouping-rules", json={**RULE, "name": "x", "group_by": ["0bad"]}).status_code == 422
    operator = user_headers(client, "op", "operator")
    assert client.get("/api/v1/grouping-rules", headers=operator).status_code == 403
    assert client.delete(f"/api/v1/grouping-rules/{rule['id']}").status_code == 204
    assert client.get("/api/v1/grouping-rules").json() == []
    fire(client, alert("DiskFull", cluster="a"))
    assert incidents(client) == []  # the deleted rule no longer groups
