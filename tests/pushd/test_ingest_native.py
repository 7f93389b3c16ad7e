"""POST /api/v1/alerts: storing, deduplicating, reopening, and refusing bad input."""

import time
from pathlib import Path

from starlette.testclient import TestClient

from pushd.app import create_app
from shared.fingerprint import fingerprint
from tests.conftest import AUTH, make_settings
from tests.pushd.helpers import alert, iso


def alerts(client: TestClient, **params: object) -> dict:
    return client.get("/api/v1/alerts", params=params).json()


def test_one_alert_is_stored_with_alertmanager_fingerprint(client: TestClient) -> None:
    r = client.post("/api/v1/alerts", json=alert("DiskFull", instance="db1"))
    assert r.status_code == 200
    assert r.json()["changed"][0]["event"] == "created"
    [row] = alerts(client)["items"]
    assert row["fingerprint"] == fingerprint({"alertname": "DiskFull", "instance": "db1"})
    assert (row["status"], row["severity"], row["count"]) == ("firing", "warning", 1)
    assert row["annotations"] == {"summary": "DiskFull happened"}


def test_a_list_is_accepted(client: TestClient) -> None:
    r = client.post("/api/v1/alerts", json=[alert("A"), alert("B"), alert("C")])
    assert r.json()["accepted"] == 3
    assert alerts(client)["total"] == 3


def test_same_labels_update_instead_of_adding(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=alert("A", instance="x"))
    first = alerts(client)["items"][0]
    again = {**alert("A", instance="x"), "annotations": {"summary": "worse now"}}
    r = client.post("/api/v1/alerts", json=again)
    assert r.json()["changed"][0]["event"] == "updated"  # the annotations changed
    page = alerts(client)
    assert page["total"] == 1
    row = page["items"][0]
    assert row["count"] == 2
    assert row["annotations"] == {"summary": "worse now"}
    assert row["last_seen"] > first["last_seen"]
    assert row["starts_at"] == first["starts_at"]


def test_resolved_alert_that_fires_again_reopens(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=alert("A"))
    r = client.post("/api/v1/alerts", json={**alert("A"), "status": "resolved"})
    assert r.json()["changed"][0]["event"] == "resolved"
    r = client.post("/api/v1/alerts", json=alert("A"))
    assert r.json()["changed"][0]["event"] == "reopened"
    row = alerts(client)["items"][0]
    assert row["status"] == "firing"
    assert row["ends_at"] is None
    history = client.get(f"/api/v1/alerts/{row['id']}").json()["history"]
    assert [h["action"] for h in history] == ["created", "resolved", "reopened"]


def test_severity_from_field_then_label_then_warning(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=[
        {**alert("Field", severity="info"), "severity": "critical"},
        alert("Label", severity="page"),
        alert("Default"),
    ])
    by_name = {a["alertname"]: a["severity"] for a in alerts(client)["items"]}
    assert by_name == {"Field": "critical", "Label": "critical", "Default": "warning"}


def test_bad_input_is_a_4xx_that_says_what_is_wrong(client: TestClient) -> None:
    cases = {
        "not json": (b"{not json", 422, "json"),
        "no alertname": (b'{"labels": {"instance": "x"}}', 422, "alertname"),
        "wrong type": (b'{"labels": {"alertname": 5}}', 422, "string"),
        "bad label name": (b'{"labels": {"alertname": "A", "bad-name": "x"}}', 422, "bad-name"),
        "bad severity": (b'{"labels": {"alertname": "A"}, "severity": "huge"}', 422, "critical"),
        "bad status": (b'{"labels": {"alertname": "A"}, "status": "acknowledged"}', 422, "ack"),
        "unknown field": (b'{"labels": {"alertname": "A"}, "lables": {}}', 422, "lables"),
        "bad time": (b'{"labels": {"alertname": "A"}, "startsAt": "yesterday"}', 422, "startsAt"),
    }
    for name, (body, status, words) in cases.items():
        r = client.post("/api/v1/alerts", content=body, headers={"content-type": "application/json"})
        assert r.status_code == status, name
        assert words.lower() in r.text.lower(), (name, r.text)
    assert alerts(client)["total"] == 0


def test_a_batch_with_one_bad_alert_stores_nothing(client: TestClient) -> None:
    r = client.post("/api/v1/alerts", json=[alert("Good"), {"labels": {"instance": "no name"}}])
    assert r.status_code == 422
    assert "alertname" in r.text
    assert alerts(client)["total"] == 0


def test_body_over_the_limit_is_413(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "d", max_body_bytes=1024 * 1024)), headers=AUTH) as client:
        body_over_the_limit_is_413(client)


def body_over_the_limit_is_413(client: TestClient) -> None:
    big = [{**alert(f"A{i}"), "annotations": {"blob": "x" * 10_000}} for i in range(120)]
    r = client.post("/api/v1/alerts", json=big)
    assert r.status_code == 413
    assert "larger than" in r.json()["detail"]

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(200):
            yield b"x" * 10_000
    r = client.post("/api/v1/alerts", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert alerts(client)["total"] == 0


def test_odd_but_valid_json_is_a_4xx_not_a_500(client: TestClient) -> None:
    lone_surrogate = b'[{"labels": {"alertname": "Ok"}}, {"labels": {"alertname": "A\\ud800"}}]'
    r = client.post("/api/v1/alerts", content=lone_surrogate, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert "escape" in r.text.lower()  # pydantic-core refuses the lone surrogate while parsing
    alert_id = client.post("/api/v1/alerts", json=alert("Real")).json()["changed"][0]["id"]
    r = client.post(f"/api/v1/alerts/{alert_id}/ack", content=b'{"by": "\\udfff"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert client.get(f"/api/v1/alerts/{alert_id}").json()["status"] == "firing"
    assert client.get("/api/v1/alerts/99999999999999999999").status_code == 422
    assert client.get("/api/v1/alerts", params={"offset": 10**20}).status_code == 422
    r = client.post("/api/v1/alerts", content=b"[" * 100_000, headers={"content-type": "application/json"})
    assert r.status_code == 422  # too deep to parse: refused as invalid JSON, like any other
    assert [d["type"] for d in r.json()["detail"]] == ["json_invalid"]
    assert alerts(client)["total"] == 1


def test_one_batch_can_carry_the_same_alert_several_times(client: TestClient) -> None:
    resolved = {**alert("A"), "status": "resolved"}
    r = client.post("/api/v1/alerts", json=[alert("A"), alert("A"), resolved, resolved, alert("A"), alert("B")])
    assert [c["event"] for c in r.json()["changed"]] == ["created", "repeated", "resolved", "reopened", "created"]
    [a] = client.get("/api/v1/alerts", params={"label": "alertname=A"}).json()["items"]
    assert (a["status"], a["count"]) == ("firing", 3)
    history = client.get(f"/api/v1/alerts/{a['id']}").json()["history"]
    assert [h["action"] for h in history] == ["created", "resolved", "reopened"]
    assert client.get("/api/v1/alerts").json()["total"] == 2


def test_times_that_do_not_exist_in_utc_are_refused_and_nothing_breaks(client: TestClient) -> None:
    year_10000 = "9999-12-31T23:00:00-05:00"  # valid ISO 8601, but past year 9999 once in UTC
    r = client.post("/api/v1/alerts", json={**alert("Far"), "startsAt": year_10000})
    assert r.status_code == 422, r.text
    assert "out of range" in r.text
    # API v2 stores the valid alerts of a batch and names the invalid ones (as Alertmanager does).
    r = client.post("/api/v2/alerts", json=[alert("Ok"), {**alert("Far"), "endsAt": year_10000},
                                            {**alert("Far"), "startsAt": year_10000}])
    assert r.status_code == 400, r.text
    assert r.json()["invalid"] == [{"index": 1, "reason": "endsAt: time is out of range once converted to UTC"},
                                   {"index": 2, "reason": "startsAt: time is out of range once converted to UTC"}]
    assert [a["alertname"] for a in client.get("/api/v1/alerts").json()["items"]] == ["Ok"]
    r = client.post("/api/v1/alerts", json={**alert("Edge"), "startsAt": "9999-12-31T23:59:59Z"})
    assert r.status_code == 200
    assert client.get("/api/v1/alerts").status_code == 200
    assert client.get("/api/v1/snapshot").status_code == 200
    # As a filter bound the same time is fine (it need not be stored): nothing was seen after it.
    r = client.get("/api/v1/alerts", params={"since": year_10000})
    assert (r.status_code, r.json()) == (200, {"items": [], "total": 0})


def test_ends_at_means_resolve_at_as_on_api_v2(client: TestClient) -> None:
    """The same alerts sent to both routes end up alike: endsAt past is resolved at endsAt, ahead is firing."""
    past, ahead = iso(-30), iso(300)
    for route, suffix in (("/api/v1/alerts", "V1"), ("/api/v2/alerts", "V2")):
        body = [{**alert(f"Past{suffix}"), "startsAt": iso(-60), "endsAt": past},
                {**alert(f"Ahead{suffix}"), "startsAt": iso(-60), "endsAt": ahead},
                {**alert(f"None{suffix}"), "startsAt": iso(-60)}]
        assert client.post(route, json=body).status_code == 200
    rows = {a["alertname"]: a for a in alerts(client)["items"]}
    for suffix in ("V1", "V2"):
        assert (rows[f"Past{suffix}"]["status"], rows[f"Past{suffix}"]["ends_at"]) == ("resolved", past), suffix
        assert (rows[f"Ahead{suffix}"]["status"], rows[f"Ahead{suffix}"]["ends_at"]) == ("firing", None), suffix
        assert rows[f"None{suffix}"]["status"] == "firing", suffix


def test_a_native_alert_resolves_by_itself_when_its_ends_at_passes(client: TestClient) -> None:
    r = client.post("/api/v1/alerts", json={**alert("Short"), "endsAt": iso(2.0)})
    assert r.json()["changed"][0]["status"] == "firing"  # as stored, not as read later
    deadline = time.monotonic() + 15
    while (a := alerts(client)["items"][0])["status"] != "resolved":
        assert time.monotonic() < deadline, "the alert did not resolve at its endsAt"
        time.sleep(0.05)
    history = client.get(f"/api/v1/alerts/{a['id']}").json()["history"]
    assert [h["action"] for h in history] == ["created", "expired"]


def test_ends_at_before_starts_at_is_refused_as_on_api_v2(client: TestClient) -> None:
    backwards = {**alert("Backwards"), "startsAt": iso(-60), "endsAt": iso(-120)}
    r = client.post("/api/v1/alerts", json=backwards)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "AlertIn", "endsAt"]
    assert "endsAt must not be before startsAt" in r.json()["detail"][0]["msg"]
    assert client.post("/api/v2/alerts", json=[backwards]).status_code == 400
    assert alerts(client)["total"] == 0
