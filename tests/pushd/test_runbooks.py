"""Runbooks through the API of a real pushd: versions, matching, access, validation."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.pushd.helpers import alert, user_headers
from tests.pushd.test_silences import create, silence


def body(title: str = "Disk full", matchers: list[dict[str, Any]] | None = None, **kw: Any) -> dict[str, Any]:
    m = matchers if matchers is not None else [{"name": "alertname", "value": "DiskFull", "isRegex": False}]
    return {"title": title, "description": "when a disk fills", "matchers": m,
            "steps": [{"title": "Look", "body": "run `df -h`", "command": "df -h"}], **kw}


def eq(name: str, value: str, regex: bool = False, equal: bool = True) -> dict[str, Any]:
    return {"name": name, "value": value, "isRegex": regex, "isEqual": equal}


def ingest(client: TestClient, *alerts: dict[str, Any]) -> None:
    assert client.post("/api/v1/alerts", json=list(alerts)).status_code == 200


def alert_id(client: TestClient, name: str) -> int:
    return client.get("/api/v1/alerts", params={"label": f"alertname={name}"}).json()["items"][0]["id"]


def test_edit_makes_a_new_version_and_keeps_the_old_one(client: TestClient) -> None:
    op = user_headers(client, "olga", "operator")
    rb = client.post("/api/v1/runbooks", json=body(), headers=op).json()
    assert (rb["version"], rb["current_version"], rb["author"]) == (1, 1, "olga")
    new = body("Disk full v2", steps=[{"title": "Clean", "body": "remove old logs"}])
    r = client.put(f"/api/v1/runbooks/{rb['id']}", json=new)
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["author"], r.json()["title"]) == (2, "token:admin", "Disk full v2")
    assert client.get(f"/api/v1/runbooks/{rb['id']}").json()["version"] == 2
    old = client.get(f"/api/v1/runbooks/{rb['id']}/versions/1").json()
    assert (old["title"], old["steps"], old["author"], old["current_version"]) == (
        "Disk full", [{"title": "Look", "body": "run `df -h`", "command": "df -h"}], "olga", 2)
    versions = client.get(f"/api/v1/runbooks/{rb['id']}/versions").json()
    assert [(v["version"], v["title"], v["author"]) for v in versions] == [
        (1, "Disk full", "olga"), (2, "Disk full v2", "token:admin")]
    assert client.get(f"/api/v1/runbooks/{rb['id']}/versions/3").status_code == 404


def test_delete_hides_the_runbook_but_keeps_its_versions(client: TestClient) -> None:
    rid = client.post("/api/v1/runbooks", json=body()).json()["id"]
    assert client.delete(f"/api/v1/runbooks/{rid}").status_code == 204
    assert client.get(f"/api/v1/runbooks/{rid}").status_code == 404
    assert client.get("/api/v1/runbooks").json() == []
    assert client.put(f"/api/v1/runbooks/{rid}", json=body()).status_code == 404
    assert client.delete(f"/api/v1/runbooks/{rid}").status_code == 404
    old = client.get(f"/api/v1/runbooks/{rid}/versions/1").json()  # a run started on it can still read it
    assert (old["title"], old["deleted_by"]) == ("Disk full", "token:admin")


def test_alert_detail_lists_the_runbooks_that_match_it(client: TestClient) -> None:
    ingest(client, alert("DiskFull", instance="db1", env="prod"), alert("CPUHigh", instance="web1"))
    plain = client.post("/api/v1/runbooks", json=body("by name")).json()
    regex = client.post("/api/v1/runbooks", json=body("db hosts", [eq("instance", "db.*", regex=True)])).json()
    client.post("/api/v1/runbooks", json=body("partial regex", [eq("instance", "db", regex=True)]))  # anchored
    # A missing label matches as "": env="" matches CPUHigh (no env), env!="" matches DiskFull.
    no_env = client.post("/api/v1/runbooks", json=body("no env", [eq("env", "")])).json()
    has_env = client.post("/api/v1/runbooks", json=body("has env", [eq("env", "", equal=False)])).json()
    client.post("/api/v1/runbooks", json=body("no matchers", []))  # for no alert
    gone = client.post("/api/v1/runbooks", json=body("deleted")).json()
    client.delete(f"/api/v1/runbooks/{gone['id']}")

    disk = client.get(f"/api/v1/alerts/{alert_id(client, 'DiskFull')}").json()
    assert disk["runbooks"] == [{"id": r["id"], "title": r["title"], "version": 1} for r in (plain, regex, has_env)]
    cpu = client.get(f"/api/v1/alerts/{alert_id(client, 'CPUHigh')}").json()
    assert cpu["runbooks"] == [{"id": no_env["id"], "title": "no env", "version": 1}]


def test_matches_lists_open_alerts_of_the_current_version(client: TestClient) -> None:
    ingest(client, alert("DiskFull", instance="db1"), alert("DiskFull", instance="db2"), alert("CPUHigh"))
    rid = client.post("/api/v1/runbooks", json=body()).json()["id"]
    names = {a["labels"]["instance"] for a in client.get(f"/api/v1/runbooks/{rid}/matches").json()}
    assert names == {"db1", "db2"}
    client.post(f"/api/v1/alerts/{alert_id(client, 'DiskFull')}/resolve", json={})  # the newest: db2
    client.put(f"/api/v1/runbooks/{rid}", json=body(matchers=[eq("instance", "db[12]", regex=True)]))
    assert [a["labels"]["instance"] for a in client.get(f"/api/v1/runbooks/{rid}/matches").json()] == ["db1"]


def test_viewers_read_operators_write(client: TestClient) -> None:
    viewer = user_headers(client, "vera", "viewer")
    rid = client.post("/api/v1/runbooks", json=body()).json()["id"]
    assert client.get(f"/api/v1/runbooks/{rid}", headers=viewer).status_code == 200
    assert client.post("/api/v1/runbooks", json=body(), headers=viewer).status_code == 403
    assert client.put(f"/api/v1/runbooks/{rid}", json=body(), headers=viewer).status_code == 403
    assert client.delete(f"/api/v1/runbooks/{rid}", headers=viewer).status_code == 403
    op = user_headers(client, "otto", "operator")
    assert client.put(f"/api/v1/runbooks/{rid}", json=body(), headers=op).json()["author"] == "otto"
    assert client.delete(f"/api/v1/runbooks/{rid}", headers=op).status_code == 204


def test_validation_names_the_field(client: TestClient) -> None:
    cases = {
        "title": body("   "),
        "steps": body(steps=[]),
        "matchers": body(matchers=[eq("instance", "(?=x)", regex=True)]),  # RE2 refuses lookahead
        "name": body(matchers=[eq("bad-name", "x")]),
    }
    for field, bad in cases.items():
        r = client.post("/api/v1/runbooks", json=bad)
        assert r.status_code == 422, (field, r.text)
        assert field in r.text, (field, r.text)
    r = client.post("/api/v1/runbooks", json={**body(), "steps": [{"title": "", "body": "x"}]})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "title", r.text
    assert client.get("/api/v1/runbooks").json() == []


def test_matches_mark_silenced_alerts_as_every_alert_list_does(client: TestClient) -> None:
    ingest(client, alert("DiskFull", instance="db1"), alert("DiskFull", instance="db2"))
    rid = client.post("/api/v1/runbooks", json=body()).json()["id"]
    sid = create(client, silence(("instance", "db1")))
    marks = {a["labels"]["instance"]: a["silenced_by"] for a in client.get(f"/api/v1/runbooks/{rid}/matches").json()}
    assert marks == {"db1": [sid], "db2": []}
