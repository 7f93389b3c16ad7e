"""GET /api/v1/runbook-links: the links in alerts' annotations, counted in SQL over a real SQLite file."""

from __future__ import annotations

import sys
from typing import Any

from starlette.testclient import TestClient

from pushd.store.sqlite_runbook_links import WHITESPACE
from tests.pushd.helpers import alert

DISK = "https://wiki.example/runbooks/disk"


def linked(name: str, status: str = "firing", instance: str = "db1", **annotations: str) -> dict[str, Any]:
    return {**alert(name, instance=instance), "status": status, "annotations": annotations}


def last_seen(client: TestClient, *names: str) -> str:
    """The latest `last_seen` of the alerts with these names, as GET /api/v1/alerts gives it."""
    items = client.get("/api/v1/alerts", params={"limit": 500}).json()["items"]
    return max(a["last_seen"] for a in items if a["alertname"] in names)


def seed(client: TestClient) -> None:
    r = client.post("/api/v1/alerts", json=[
        linked("DiskFull", runbook_url=DISK),
        linked("DiskFull", instance="db2", runbook_url=f"  {DISK}\n"),  # the same link, written loosely
        linked("DiskSlow", runbook_url=DISK, runbook="https://elsewhere"),  # runbook_url comes first
        linked("DiskGone", status="resolved", runbook_url=DISK),
        linked("Evil", runbook_url="javascript:alert(1)"),  # listed as written: the client decides
        linked("Fallback", runbook_url=" \u3000 ", runbook="https://wiki.example/runbooks/fallback"),
        linked("OnlyResolved", status="resolved", runbook="https://wiki.example/runbooks/old"),
        linked("Blank", runbook_url="\t"),
        linked("None", summary="no runbook here, though the word runbook_url is in this text"),
    ])
    assert r.status_code == 200, r.text


def test_open_alerts_per_link(client: TestClient) -> None:
    seed(client)
    r = client.get("/api/v1/runbook-links", params={"status": ["firing", "acknowledged"]})
    assert r.status_code == 200, r.text
    assert r.json() == [
        {"url": DISK, "alertnames": ["DiskFull", "DiskSlow"], "open_alerts": 3,
         "last_seen": last_seen(client, "DiskFull", "DiskSlow")},
        {"url": "https://wiki.example/runbooks/fallback", "alertnames": ["Fallback"], "open_alerts": 1,
         "last_seen": last_seen(client, "Fallback")},
        {"url": "javascript:alert(1)", "alertnames": ["Evil"], "open_alerts": 1,
         "last_seen": last_seen(client, "Evil")},
    ]


def test_resolved_ones_are_counted_only_when_asked_for(client: TestClient) -> None:
    seed(client)
    everything = client.get("/api/v1/runbook-links").json()
    assert [(x["url"], x["alertnames"], x["open_alerts"]) for x in everything] == [
        (DISK, ["DiskFull", "DiskGone", "DiskSlow"], 3),
        ("https://wiki.example/runbooks/fallback", ["Fallback"], 1),
        ("javascript:alert(1)", ["Evil"], 1),
        ("https://wiki.example/runbooks/old", ["OnlyResolved"], 0),
    ]
    assert everything[0]["last_seen"] == last_seen(client, "DiskFull", "DiskSlow", "DiskGone")
    assert client.get("/api/v1/runbook-links", params={"status": "resolved"}).json() == [
        {"url": DISK, "alertnames": ["DiskGone"], "open_alerts": 0, "last_seen": last_seen(client, "DiskGone")},
        {"url": "https://wiki.example/runbooks/old", "alertnames": ["OnlyResolved"], "open_alerts": 0,
         "last_seen": last_seen(client, "OnlyResolved")},
    ]


def test_an_acknowledged_alert_is_open(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=[linked("DiskFull", runbook_url=DISK)])
    [item] = client.get("/api/v1/alerts").json()["items"]
    assert client.post(f"/api/v1/alerts/{item['id']}/ack").status_code == 200
    assert [(x["url"], x["open_alerts"]) for x in client.get(
        "/api/v1/runbook-links", params={"status": "acknowledged"}).json()] == [(DISK, 1)]
    assert client.get("/api/v1/runbook-links", params={"status": "firing"}).json() == []


def test_every_alert_is_counted_not_a_page(client: TestClient) -> None:
    batch = [linked("DiskFull", instance=f"db{i}", runbook_url=DISK) for i in range(700)]
    assert client.post("/api/v1/alerts", json=batch).status_code == 200
    [line] = client.get("/api/v1/runbook-links", params={"status": "firing"}).json()
    assert (line["url"], line["open_alerts"]) == (DISK, 700)


def test_a_status_that_does_not_exist_is_a_422(client: TestClient) -> None:
    r = client.get("/api/v1/runbook-links", params={"status": "open"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "status", 0]


def test_whitespace_is_what_python_strips() -> None:
    assert set(WHITESPACE) == {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}


def test_a_link_holding_a_nul_stays_whole(client: TestClient) -> None:
    """SQLite's json_extract stops at a NUL: such a link must neither be cut short (a different,
    clickable link) nor merged with another that shares its start."""
    nul = "https://wiki.example/a\u0000b"
    r = client.post("/api/v1/alerts", json=[
        linked("Plain", runbook_url="https://wiki.example/a"),
        linked("WithNul", runbook_url=nul),
        linked("WithNulToo", instance="db2", status="resolved", runbook_url=f" {nul} "),
        linked("NulElsewhere", summary="a\u0000b", runbook_url="https://wiki.example/c"),
        linked("NulFallback", runbook_url=" ", runbook=nul),
    ])
    assert r.status_code == 200, r.text
    got = {row["url"]: (row["alertnames"], row["open_alerts"])
           for row in client.get("/api/v1/runbook-links").json()}
    assert got == {"https://wiki.example/a": (["Plain"], 1), nul: (["NulFallback", "WithNul", "WithNulToo"], 2),
                   "https://wiki.example/c": (["NulElsewhere"], 1)}
    order = [row["url"] for row in client.get("/api/v1/runbook-links").json()]
    assert order == [nul, "https://wiki.example/a", "https://wiki.example/c"]
