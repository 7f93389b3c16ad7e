"""GET /api/v1/alerts answers bytes made from the store's rows (pushd.api.alert_json), not from models:
they must still be, field for field, what `AlertPage(...).model_dump(mode="json")` gives."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from pushd.store import AlertQuery
from shared.models import Alert, AlertPage
from tests.pushd.helpers import alert, iso

TRICKY = [
    # Times with microseconds, an offset that is not UTC, no endsAt, no generatorURL, unicode.
    {"labels": {"alertname": "磁盘已满", "instance": "db1", "note": "naïve — \u2028 \"quoted\" \\ \t"},
     "annotations": {"summary": "/var 97 % 满了 🔥", "runbook_url": "https://wiki/运行手册?a=1&b=2"},
     "severity": "critical", "startsAt": "2026-01-31T12:00:00.25+08:00"},
    # Whole seconds, a future endsAt (kept as when it expires: `ends_at` stays null while it fires), a generatorURL.
    {**alert("CpuHot", instance="web1"), "startsAt": "2026-01-31T12:00:00Z", "endsAt": "2099-06-01T00:00:00Z",
     "generatorURL": "http://prometheus:9090/graph?g0.expr=up%3D%3D0"},
    # Resolved by its sender: endsAt set and in the past; microseconds on both times.
    {**alert("Backup", instance="nas"), "status": "resolved", "severity": "info",
     "startsAt": "2026-01-30T23:59:59.000001Z", "endsAt": "2026-01-31T00:00:00.999999Z"},
]


def model_json(items: list[dict[str, Any]], total: int) -> dict[str, Any]:
    """What the route answered when it returned an `AlertPage` built from the same rows."""
    return AlertPage(items=[Alert.model_validate(i) for i in items], total=total).model_dump(mode="json")


def test_the_page_is_the_models_json_of_the_same_rows(client: TestClient) -> None:
    assert client.post("/api/v1/alerts", json=TRICKY).status_code == 200
    r = client.post("/api/v2/silences", json={
        "matchers": [{"name": "alertname", "value": "CpuHot", "isRegex": False, "isEqual": True}],
        "startsAt": iso(-1), "endsAt": iso(3600), "createdBy": "t", "comment": "maintenance"})
    assert r.status_code == 200, r.text
    silence_id = r.json()["silenceID"]

    r = client.get("/api/v1/alerts", params={"limit": 500})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    got = r.json()

    state = client.app.state.pushd
    items, total = client.portal.call(state.store.list_alerts, AlertQuery(limit=500))
    assert got == model_json(state.alerts.mark_all(items), total)

    by_name = {a["alertname"]: a for a in got["items"]}
    assert list(by_name) == ["Backup", "CpuHot", "磁盘已满"]  # newest first
    assert got["total"] == 3
    disk, cpu, backup = by_name["磁盘已满"], by_name["CpuHot"], by_name["Backup"]
    assert (disk["starts_at"], disk["ends_at"], disk["generator_url"], disk["silenced_by"]) == (
        "2026-01-31T04:00:00.250000Z", None, None, [])
    assert disk["labels"]["note"] == "naïve — \u2028 \"quoted\" \\ \t"
    assert disk["annotations"] == {"summary": "/var 97 % 满了 🔥", "runbook_url": "https://wiki/运行手册?a=1&b=2"}
    assert (cpu["starts_at"], cpu["ends_at"], cpu["silenced_by"]) == (
        "2026-01-31T12:00:00Z", None, [silence_id])
    assert cpu["generator_url"] == "http://prometheus:9090/graph?g0.expr=up%3D%3D0"
    assert (backup["status"], backup["starts_at"], backup["ends_at"]) == (
        "resolved", "2026-01-30T23:59:59.000001Z", "2026-01-31T00:00:00.999999Z")
    assert list(disk) == list(Alert.model_fields)  # every field, in the model's order


def test_an_empty_page_and_paging_keep_the_shape(client: TestClient) -> None:
    assert client.get("/api/v1/alerts").json() == {"items": [], "total": 0}
    client.post("/api/v1/alerts", json=[alert("A"), alert("B"), alert("C")])
    page = client.get("/api/v1/alerts", params={"limit": 1, "offset": 1}).json()
    assert ([a["alertname"] for a in page["items"]], page["total"]) == (["B"], 3)
