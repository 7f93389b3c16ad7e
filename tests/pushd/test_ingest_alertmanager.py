"""Alertmanager's webhook (version 4) and API v2, as Alertmanager and Prometheus send them."""

import time

import pytest
from starlette.testclient import TestClient

from tests.pushd.helpers import iso, webhook, webhook_alert


def by_name(client: TestClient) -> dict[str, dict]:
    return {a["alertname"]: a for a in client.get("/api/v1/alerts").json()["items"]}


def test_webhook_firing_then_resolved(client: TestClient) -> None:
    r = client.post("/api/v1/webhooks/alertmanager", json=webhook(webhook_alert("A", severity="critical")))
    assert r.status_code == 200, r.text
    a = by_name(client)["A"]
    assert (a["status"], a["severity"], a["ends_at"]) == ("firing", "critical", None)  # Go's zero time is "not set"
    assert a["generator_url"].startswith("http://prometheus")
    assert a["source"] == "alertmanager"

    client.post("/api/v1/webhooks/alertmanager",
                json=webhook(webhook_alert("A", "resolved", severity="critical"), status="resolved"))
    a = by_name(client)["A"]
    assert a["status"] == "resolved"
    assert a["ends_at"] is not None


def test_webhook_of_another_version_or_shape_is_refused(client: TestClient) -> None:
    r = client.post("/api/v1/webhooks/alertmanager", json={**webhook(webhook_alert("A")), "version": "3"})
    assert r.status_code == 422
    assert "version" in r.text
    r = client.post("/api/v1/webhooks/alertmanager", json={"version": "4", "status": "firing"})
    assert r.status_code == 422
    assert "alerts" in r.text
    assert client.get("/api/v1/alerts").json()["total"] == 0


def test_v2_endsat_in_the_past_is_resolved_in_the_future_is_firing(client: TestClient) -> None:
    r = client.post("/api/v2/alerts", json=[
        {"labels": {"alertname": "Past"}, "startsAt": iso(-120), "endsAt": iso(-10)},
        {"labels": {"alertname": "Future"}, "startsAt": iso(-120), "endsAt": iso(300)},
        {"labels": {"alertname": "NoEnd"}},
    ])
    assert r.status_code == 200
    alerts = by_name(client)
    assert alerts["Past"]["status"] == "resolved"
    assert alerts["Future"]["status"] == "firing"
    assert alerts["NoEnd"]["status"] == "firing"
    assert alerts["Future"]["source"] == "prometheus"


def test_v2_refuses_an_object_instead_of_an_array(client: TestClient) -> None:
    r = client.post("/api/v2/alerts", json={"labels": {"alertname": "A"}})
    assert r.status_code == 422
    assert "list" in r.text.lower() or "array" in r.text.lower()


def test_v2_alert_resolves_by_itself_when_endsat_passes(client: TestClient) -> None:
    sent = time.monotonic()
    client.post("/api/v2/alerts", json=[{"labels": {"alertname": "Short"}, "endsAt": iso(3.0)}])
    status = by_name(client)["Short"]["status"]
    if time.monotonic() - sent < 2.5:  # read well before its endsAt: it must still fire
        assert status == "firing"
    deadline = time.monotonic() + 15
    while by_name(client)["Short"]["status"] != "resolved":
        assert time.monotonic() < deadline, "alert did not expire"
        time.sleep(0.1)
    a = by_name(client)["Short"]
    history = client.get(f"/api/v1/alerts/{a['id']}").json()["history"]
    assert history[-1]["action"] == "expired"


class Clock:
    """time.time() plus an offset the test moves forward: pushd reads time.time() to store endsAt
    and to expire alerts, so a test can pass an endsAt without waiting for it (or racing it)."""

    def __init__(self) -> None:
        self.real, self.offset = time.time, 0.0

    def __call__(self) -> float:
        return self.real() + self.offset


def test_v2_refresh_keeps_it_firing(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(time, "time", clock)
    first = iso(60)
    client.post("/api/v2/alerts", json=[{"labels": {"alertname": "Kept"}, "endsAt": first},
                                        {"labels": {"alertname": "Dropped"}, "endsAt": first}])
    for _ in range(2):
        client.post("/api/v2/alerts", json=[{"labels": {"alertname": "Kept"}, "endsAt": iso(120)}])
    clock.offset = 90  # past the first endsAt, before the refreshed one
    deadline = time.monotonic() + 10  # pushd checks for expiries every second
    while by_name(client)["Dropped"]["status"] != "resolved":  # sent once: it expires
        assert time.monotonic() < deadline, "the alert sent once did not expire"
        time.sleep(0.05)
    a = by_name(client)["Kept"]  # the same expiry pass saw it: the refreshes moved its end
    assert (a["status"], a["count"]) == ("firing", 3)
    # An expiry between two sends would show as expired + reopened: each refresh must have held.
    assert [h["action"] for h in client.get(f"/api/v1/alerts/{a['id']}").json()["history"]] == ["created"]


def test_v2_stores_the_valid_alerts_of_a_batch_and_names_each_invalid_one(client: TestClient) -> None:
    """As Alertmanager's postAlertsHandler: the valid alerts are stored, then 400 names the others
    (Prometheus drops a batch that gets a 4xx, so refusing it whole would lose the good alerts)."""
    r = client.post("/api/v2/alerts", json=[
        {"labels": {"alertname": "Good1"}},
        {"labels": {"alertname": "Bad", "bad-name": "x"}},
        {"labels": {"alertname": "Good2"}, "startsAt": iso(-60), "endsAt": iso(-30)},
        {"labels": {"instance": "no name"}},
        {"labels": {"alertname": "Backwards"}, "startsAt": iso(-30), "endsAt": iso(-60)},
        "not an object",
        {"labels": {"alertname": "Typed"}, "annotations": {"n": 5}},
        {"labels": {"alertname": "Good3", "instance": ""}},
    ])
    assert r.status_code == 400, r.text
    invalid = {i["index"]: i["reason"] for i in r.json()["invalid"]}
    assert list(invalid) == [1, 3, 4, 5, 6]
    assert "labels.bad-name" in invalid[1]
    assert "alertname" in invalid[3]
    assert "endsAt must not be before startsAt" in invalid[4]
    assert "object" in invalid[5]
    assert "annotations.n" in invalid[6] and "string" in invalid[6]
    detail = r.json()["detail"]
    assert detail.startswith("5 of 8 alerts invalid")
    assert all(f"[{i}]" in detail for i in invalid)
    alerts = by_name(client)
    assert set(alerts) == {"Good1", "Good2", "Good3"}
    assert alerts["Good2"]["status"] == "resolved"


def test_v2_batch_of_only_invalid_alerts_is_400_and_stores_nothing(client: TestClient) -> None:
    r = client.post("/api/v2/alerts", json=[{"labels": {}}, {"labels": {"alertname": ""}}])
    assert r.status_code == 400
    assert [i["index"] for i in r.json()["invalid"]] == [0, 1]
    assert client.get("/api/v1/alerts").json()["total"] == 0
    assert client.post("/api/v2/alerts", json=[]).status_code == 200  # an empty batch is fine, as in Alertmanager


def test_webhook_with_one_invalid_alert_stores_nothing(client: TestClient) -> None:
    bad = {**webhook_alert("B"), "labels": {"alertname": "B", "bad-name": "x"}}
    r = client.post("/api/v1/webhooks/alertmanager", json=webhook(webhook_alert("A"), bad))
    assert r.status_code == 422
    assert "bad-name" in r.text
    assert client.get("/api/v1/alerts").json()["total"] == 0


def test_empty_label_values_are_dropped_before_fingerprinting_in_every_format(client: TestClient) -> None:
    """Alertmanager's removeEmptyLabels: {env="prod", instance=""} is the alert {env="prod"}, whose
    fingerprint a real Alertmanager reported as f2a15a3958f71c7a (tests/shared/test_fingerprint.py)."""
    labels = {"alertname": "Test", "env": "prod", "instance": ""}
    client.post("/api/v2/alerts", json=[{"labels": labels}])
    client.post("/api/v1/alerts", json={"labels": labels})
    r = client.post("/api/v1/webhooks/alertmanager", json=webhook({**webhook_alert("Test"), "labels": labels}))
    assert r.status_code == 200
    [alert] = client.get("/api/v1/alerts").json()["items"]
    assert alert["fingerprint"] == "f2a15a3958f71c7a"
    assert alert["labels"] == {"alertname": "Test", "env": "prod"}
    assert alert["count"] == 3


def test_v2_reads_times_by_their_utc_year_as_the_other_routes_do(client: TestClient) -> None:
    """Before 1970 in UTC is "no time" (Go's zero time is year 1), whatever offset a time is written
    with: 1969-12-31T23:00-05:00 is 1970-01-01T04:00Z, a real (past) end; 1970-01-01T00:30+01:00 is
    before 1970 in UTC; year 1 with a positive offset falls before year 1 in UTC and is refused."""
    r = client.post("/api/v2/alerts", json=[
        {"labels": {"alertname": "PastEnd"}, "endsAt": "1969-12-31T23:00:00-05:00"},
        {"labels": {"alertname": "PastStart"}, "startsAt": "1969-12-31T23:00:00-05:00"},
        {"labels": {"alertname": "NoStart"}, "startsAt": "1970-01-01T00:30:00+01:00"},
        {"labels": {"alertname": "NoEnd"}, "startsAt": iso(-60), "endsAt": "1970-01-01T00:30:00+01:00"},
        {"labels": {"alertname": "TooEarly"}, "endsAt": "0001-01-01T00:00:00+01:00"},
        {"labels": {"alertname": "ZeroEnd"}, "endsAt": "0001-01-01T00:00:00Z"},
    ])
    assert r.status_code == 400, r.text
    assert r.json()["invalid"] == [{"index": 4, "reason": "endsAt: time is out of range once converted to UTC"}]
    alerts = {a["alertname"]: a for a in client.get("/api/v1/alerts").json()["items"]}
    assert (alerts["PastEnd"]["status"], alerts["PastEnd"]["ends_at"]) == ("resolved", "1970-01-01T04:00:00Z")
    assert alerts["PastStart"]["starts_at"] == "1970-01-01T04:00:00Z"
    assert alerts["NoStart"]["starts_at"] > "2020"  # missing: now
    assert (alerts["NoEnd"]["status"], alerts["NoEnd"]["ends_at"]) == ("firing", None)
    assert (alerts["ZeroEnd"]["status"], alerts["ZeroEnd"]["ends_at"]) == ("firing", None)
