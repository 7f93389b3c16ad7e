"""Silences over Alertmanager's API v2 on an in-process pushd with a real SQLite file: validation and
words, states, update rules, filters, marking and counting alerts, restarts, access."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pushd.app import create_app
from shared.settings import PushdSettings
from tests.pushd.helpers import alert, iso, user_headers
from tests.servers import AUTH


def silence(*matchers: tuple[str, str, bool, bool] | tuple[str, str], starts: float = -1, ends: float = 3600,
            **extra: Any) -> dict[str, Any]:
    """A postableSilence; matchers as (name, value[, isRegex, isEqual])."""
    ms = [{"name": m[0], "value": m[1], "isRegex": m[2] if len(m) > 2 else False,
           "isEqual": m[3] if len(m) > 3 else True} for m in (matchers or (("alertname", "DiskFull"),))]
    return {"matchers": ms, "startsAt": iso(starts), "endsAt": iso(ends), "createdBy": "amtool-user",
            "comment": "maintenance", **extra}


def create(client: TestClient, body: dict[str, Any], headers: dict[str, str] | None = None) -> str:
    r = client.post("/api/v2/silences", json=body, **({"headers": headers} if headers else {}))
    assert r.status_code == 200, r.text
    return r.json()["silenceID"]


def test_a_silence_round_trips_in_alertmanagers_shape(client: TestClient) -> None:
    sid = create(client, silence(("alertname", "DiskFull"), ("instance", "db.*", True, True)))
    got = client.get(f"/api/v2/silence/{sid}").json()
    assert got["id"] == sid and len(sid) == 36
    assert got["status"] == {"state": "active"}
    assert got["matchers"] == [{"name": "alertname", "value": "DiskFull", "isRegex": False, "isEqual": True},
                               {"name": "instance", "value": "db.*", "isRegex": True, "isEqual": True}]
    assert (got["createdBy"], got["comment"], got["expireWhenResolved"]) == ("amtool-user", "maintenance", False)
    assert got["actor"] == "token:admin"  # pushd's own record of who did it, whatever createdBy says
    assert set(got) == {"id", "status", "updatedAt", "matchers", "startsAt", "endsAt", "createdBy", "comment",
                        "expireWhenResolved", "actor"}
    assert client.get("/api/v2/silences").json() == [got]


@pytest.mark.parametrize(("body", "detail"), [
    (silence(starts=60, ends=30), "Failed to create silence: start time must be before end time"),
    ({**silence(), "startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-01-01T00:00:00Z"},
     "Failed to create silence: start time must be before end time"),
    (silence(starts=-120, ends=-60), "Failed to create silence: end time can't be in the past"),
    (silence(("instance", ".*", True, True)),
     "invalid silence: at least one matcher must not match the empty string"),
    (silence(("instance", ""), ("job", "x", False, False)),
     "invalid silence: at least one matcher must not match the empty string"),
])
def test_what_alertmanager_refuses_is_a_400_in_its_words(client: TestClient, body: dict, detail: str) -> None:
    r = client.post("/api/v2/silences", json=body)
    assert (r.status_code, r.json()) == (400, detail)  # a bare JSON string, as Alertmanager answers
    assert client.get("/api/v2/silences").json() == []


@pytest.mark.parametrize("matcher", [
    {"name": "1bad", "value": "x", "isRegex": False, "isEqual": True},
    {"name": "job", "value": "(?=x)", "isRegex": True, "isEqual": True},  # lookahead: RE2 refuses it
    {"name": "job", "value": "x", "isRegex": "yes", "isEqual": True},
])
def test_a_matcher_that_is_no_matcher_is_a_422_naming_it(client: TestClient, matcher: dict) -> None:
    r = client.post("/api/v2/silences", json={**silence(), "matchers": [matcher]})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:3] == ["body", "matchers", 0]


def test_states_follow_the_time_window(client: TestClient) -> None:
    pending = create(client, silence(starts=600, ends=1200))
    active = create(client, silence(("alertname", "Other")))
    states = {s["id"]: s["status"]["state"] for s in client.get("/api/v2/silences").json()}
    assert states == {pending: "pending", active: "active"}
    assert client.delete(f"/api/v2/silence/{pending}").status_code == 200
    assert client.delete(f"/api/v2/silence/{active}").status_code == 200
    listed = client.get("/api/v2/silences").json()
    assert {s["id"]: s["status"]["state"] for s in listed} == {pending: "expired", active: "expired"}
    # Expiring again is fine (Alertmanager: idempotent); an unknown id is a 404.
    assert client.delete(f"/api/v2/silence/{active}").status_code == 200
    assert client.delete("/api/v2/silence/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/api/v2/silence/nope").status_code == 404


def test_updates_follow_alertmanagers_can_update(client: TestClient) -> None:
    body = silence(starts=-5, ends=600)
    sid = create(client, body)
    # Active, same matchers and start, a later end: changed in place.
    same = create(client, {**client.get(f"/api/v2/silence/{sid}").json(), "endsAt": iso(1200), "comment": "longer"})
    assert same == sid
    assert client.get(f"/api/v2/silence/{sid}").json()["comment"] == "longer"
    # Other matchers: a new silence, and the old one is expired so history stays true.
    current = client.get(f"/api/v2/silence/{sid}").json()
    other = create(client, {**current, "matchers": [{"name": "alertname", "value": "Disk", "isRegex": False,
                                                     "isEqual": True}]})
    assert other != sid
    assert client.get(f"/api/v2/silence/{sid}").json()["status"]["state"] == "expired"
    # An expired one cannot be revived in place: a new id, the old one left as it was.
    revived = create(client, {**client.get(f"/api/v2/silence/{sid}").json(), "endsAt": iso(900)})
    assert revived not in (sid, other)
    assert client.get(f"/api/v2/silence/{sid}").json()["status"]["state"] == "expired"
    # A pending one may move its start (not into the past) in place.
    pending = create(client, silence(("alertname", "P"), starts=600, ends=1200))
    assert create(client, {**client.get(f"/api/v2/silence/{pending}").json(), "startsAt": iso(300)}) == pending
    # An id pushd never made is a 404, as in Alertmanager.
    r = client.post("/api/v2/silences", json={**silence(), "id": "9f5ad2c6-0000-4000-8000-000000000000"})
    assert (r.status_code, r.json()) == (404, "silence 9f5ad2c6-0000-4000-8000-000000000000 not found")


def test_filters_name_matchers_and_states_as_alertmanager(client: TestClient) -> None:
    disk = create(client, silence(("alertname", "DiskFull"), ("instance", "db1")))
    cpu = create(client, silence(("alertname", "CPU")))
    later = create(client, silence(("alertname", "CPU"), starts=600, ends=1200))
    ids = lambda **params: [s["id"] for s in client.get("/api/v2/silences", params=params).json()]  # noqa: E731
    assert ids(filter='alertname="DiskFull"') == [disk]
    assert ids(filter=['alertname="DiskFull"', 'instance="db1"']) == [disk]
    assert ids(filter="alertname=~DiskFull") == []  # a filter names a matcher: =~ is not =
    assert sorted(ids(filter="alertname=CPU")) == sorted([cpu, later])
    assert ids(filter="alertname=CPU", pending="false") == [cpu]
    assert ids(active="false") == [later]
    r = client.get("/api/v2/silences", params={"filter": "not a matcher"})
    assert r.status_code == 400 and r.json().startswith("bad matcher in filter: not a matcher: 'not a matcher'")


def test_silenced_alerts_are_marked_counted_apart_and_listed_by_the_v2_alerts_api(client: TestClient) -> None:
    assert client.post("/api/v1/alerts", json=[alert("DiskFull", instance="db1"), alert("CPU")]).status_code == 200
    sid = create(client, silence(("alertname", "DiskFull")))
    items = {a["alertname"]: a for a in client.get("/api/v1/alerts").json()["items"]}
    assert items["DiskFull"]["silenced_by"] == [sid] and items["CPU"]["silenced_by"] == []
    assert client.get(f"/api/v1/alerts/{items['DiskFull']['id']}").json()["silenced_by"] == [sid]
    counts = client.get("/api/v1/snapshot").json()["counts"]
    assert counts["by_status"]["firing"] == 1 and counts["silenced"] == 1
    v2 = client.get("/api/v2/alerts").json()
    assert [(a["labels"]["alertname"], a["status"]) for a in v2] == sorted(
        [("DiskFull", {"state": "suppressed", "silencedBy": [sid], "inhibitedBy": [], "mutedBy": []}),
         ("CPU", {"state": "active", "silencedBy": [], "inhibitedBy": [], "mutedBy": []})],
        key=lambda p: next(a["fingerprint"] for a in v2 if a["labels"]["alertname"] == p[0]))
    assert v2[0]["receivers"] == [{"name": "pushd"}]
    names = lambda **params: [a["labels"]["alertname"] for a in client.get("/api/v2/alerts", params=params).json()]  # noqa: E731
    assert names(silenced="false") == ["CPU"]
    assert names(active="false") == ["DiskFull"]
    assert names(filter='instance="db1"') == ["DiskFull"]
    assert names(receiver="push.*") != [] and names(receiver="email") == []
    assert client.get("/api/v2/alerts", params={"receiver": "("}).status_code == 400
    client.delete(f"/api/v2/silence/{sid}")
    counts = client.get("/api/v1/snapshot").json()["counts"]
    assert counts["by_status"]["firing"] == 2 and counts["silenced"] == 0


def test_expire_when_resolved_ends_the_silence_with_its_last_alert(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=[alert("DiskFull", instance="db1"), alert("DiskFull", instance="db2")])
    sid = create(client, silence(("alertname", "DiskFull"), expireWhenResolved=True))
    ids = sorted(a["id"] for a in client.get("/api/v1/alerts").json()["items"])
    client.post(f"/api/v1/alerts/{ids[0]}/resolve", json={})
    assert client.get(f"/api/v2/silence/{sid}").json()["status"]["state"] == "active"
    client.post(f"/api/v1/alerts/{ids[1]}/resolve", json={})
    got = client.get(f"/api/v2/silence/{sid}").json()
    assert got["status"]["state"] == "expired" and got["expireWhenResolved"] is True


def test_a_silence_over_an_incidents_alerts_is_in_its_timeline_by_its_actor(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=[alert("DiskFull", instance="db1")])
    [a] = client.get("/api/v1/alerts").json()["items"]
    inc = client.post("/api/v1/incidents", json={"title": "disk", "alert_ids": [a["id"]]}).json()
    alice = user_headers(client, "alice")
    sid = create(client, silence(("instance", "db1")), headers=alice)
    client.delete(f"/api/v2/silence/{sid}", headers=alice)
    entries = [e for e in client.get(f"/api/v1/incidents/{inc['id']}/timeline").json() if e["kind"] == "silence"]
    assert [(e["actor"], e["data"]["event"], e["data"]["silence_id"], e["data"]["alert_ids"]) for e in entries] == [
        ("alice", "created", sid, [a["id"]]), ("alice", "expired", sid, [a["id"]])]
    # Read as words in the postmortem draft, in both languages, not as the entry's data.
    en = client.get(f"/api/v1/incidents/{inc['id']}/export", params={"lang": "en"}).text
    zh = client.get(f"/api/v1/incidents/{inc['id']}/export", params={"lang": "zh"}).text
    assert f"silence {sid[:8]} made over alerts #{a['id']}: maintenance" in en
    assert f"silence {sid[:8]} ended over alerts #{a['id']}: maintenance" in en
    assert f"静默 {sid[:8]} 已结束，涉及告警 #{a['id']}：maintenance" in zh
    assert "silence_id" not in en + zh


def test_silences_survive_a_restart(settings: PushdSettings) -> None:
    with TestClient(create_app(settings), headers=AUTH) as c:
        sid = create(c, silence())
        gone = create(c, silence(("alertname", "X")))
        c.delete(f"/api/v2/silence/{gone}")
    with TestClient(create_app(settings), headers=AUTH) as c:
        states = {s["id"]: s["status"]["state"] for s in c.get("/api/v2/silences").json()}
        assert states == {sid: "active", gone: "expired"}
        c.post("/api/v1/alerts", json=[alert("DiskFull")])
        assert c.get("/api/v1/alerts").json()["items"][0]["silenced_by"] == [sid]


def test_expired_silences_are_pruned_after_the_retention(tmp_path: Any) -> None:
    from tests.conftest import make_settings
    with TestClient(create_app(make_settings(tmp_path, silence_retention_hours=0.0005)), headers=AUTH) as c:
        sid = create(c, silence(ends=1))
        deadline = time.monotonic() + 10
        while c.get("/api/v2/silences").json() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert c.get(f"/api/v2/silence/{sid}").status_code == 404


def test_viewers_read_silences_and_only_operators_make_them(client: TestClient) -> None:
    viewer = user_headers(client, "vera", role="viewer")
    assert client.get("/api/v2/silences", headers=viewer).status_code == 200
    assert client.post("/api/v2/silences", json=silence(), headers=viewer).status_code == 403
    sid = create(client, silence())
    assert client.delete(f"/api/v2/silence/{sid}", headers=viewer).status_code == 403


def test_actor_stays_who_made_the_silence_when_another_changes_it_in_place(client: TestClient) -> None:
    sid = create(client, silence(starts=-5, ends=600))
    alice = user_headers(client, "alice")
    body = {**client.get(f"/api/v2/silence/{sid}").json(), "endsAt": iso(1200)}
    assert create(client, body, headers=alice) == sid
    assert client.get(f"/api/v2/silence/{sid}").json()["actor"] == "token:admin"
    # A change that makes a new silence is alice's own.
    other = create(client, {**body, "matchers": [{"name": "alertname", "value": "X", "isRegex": False,
                                                   "isEqual": True}]}, headers=alice)
    assert client.get(f"/api/v2/silence/{other}").json()["actor"] == "alice"
