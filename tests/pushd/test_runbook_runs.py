"""Runbook runs through the API of a real pushd: a run keeps its version, each mark is a timeline
entry with its actor and note, the detail and the export show the steps, and refusals are 4xx."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.pushd.helpers import user_headers
from tests.pushd.test_incidents import new_incident

STEPS = [{"title": "Look", "body": "df -h", "command": "df -h"}, {"title": "Clean"}, {"title": "Tell"}]


def new_runbook(client: TestClient, title: str = "Disk full", steps: list[dict] | None = None) -> dict[str, Any]:
    body = {"title": title, "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": False}],
            "steps": steps or STEPS}
    r = client.post("/api/v1/runbooks", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def start(client: TestClient, incident_id: int, runbook_id: int, headers: dict | None = None) -> Any:
    return client.post(f"/api/v1/incidents/{incident_id}/runbook-runs", json={"runbook_id": runbook_id},
                       **({"headers": headers} if headers else {}))


def mark(client: TestClient, incident_id: int, run_id: int, n: int, headers: dict | None = None, **body: Any) -> Any:
    return client.patch(f"/api/v1/incidents/{incident_id}/runbook-runs/{run_id}/steps/{n}", json=body,
                        **({"headers": headers} if headers else {}))


def test_a_run_keeps_the_version_it_started_with(client: TestClient) -> None:
    book = new_runbook(client)
    inc = new_incident(client)
    r = start(client, inc["id"], book["id"])
    assert r.status_code == 201, r.text
    run = r.json()
    assert (run["runbook_id"], run["version"], run["title"], run["started_by"]) == (book["id"], 1, "Disk full",
                                                                                   "token:admin")
    assert [(s["n"], s["title"], s["state"]) for s in run["steps"]] == [(1, "Look", "todo"), (2, "Clean", "todo"),
                                                                        (3, "Tell", "todo")]
    edited = client.put(f"/api/v1/runbooks/{book['id']}", json={"title": "Disk full v2", "steps": [{"title": "Only"}]})
    assert edited.json()["version"] == 2
    assert mark(client, inc["id"], run["id"], 3, state="done").status_code == 200  # step 3 of version 1
    [shown] = client.get(f"/api/v1/incidents/{inc['id']}").json()["runs"]
    assert (shown["version"], shown["title"], len(shown["steps"])) == (1, "Disk full", 3)
    # A new run takes the current version.
    assert start(client, inc["id"], book["id"]).json()["version"] == 2


def test_each_mark_is_a_timeline_entry_with_who_when_and_note(client: TestClient) -> None:
    alice = user_headers(client, "alice", "operator")
    book = new_runbook(client)
    inc = new_incident(client)
    run = start(client, inc["id"], book["id"], alice).json()
    r = mark(client, inc["id"], run["id"], 1, alice, state="done", note="97% on /var")
    assert r.status_code == 200, r.text
    step = r.json()["steps"][0]
    assert (step["state"], step["note"], step["actor"]) == ("done", "97% on /var", "alice")
    assert step["ts"] is not None
    assert mark(client, inc["id"], run["id"], 2, alice, state="skipped").json()["steps"][1]["state"] == "skipped"
    # A correction: marked again, the latest mark counts, and both marks are in the timeline.
    assert mark(client, inc["id"], run["id"], 2, alice, state="done", note="did it after all").status_code == 200
    timeline = client.get(f"/api/v1/incidents/{inc['id']}/timeline").json()
    ours = [(e["kind"], e["actor"], e["data"]) for e in timeline if e["kind"].startswith("runbook")]
    base = {"run_id": run["id"], "runbook_id": book["id"], "version": 1, "runbook": "Disk full"}
    assert ours == [
        ("runbook_started", "alice", {"run_id": run["id"], "runbook_id": book["id"], "version": 1,
                                      "title": "Disk full", "steps": 3}),
        ("runbook_step", "alice", {**base, "step": 1, "title": "Look", "state": "done", "note": "97% on /var"}),
        ("runbook_step", "alice", {**base, "step": 2, "title": "Clean", "state": "skipped", "note": None}),
        ("runbook_step", "alice", {**base, "step": 2, "title": "Clean", "state": "done", "note": "did it after all"}),
    ]
    detail = client.get(f"/api/v1/incidents/{inc['id']}").json()
    assert [s["state"] for s in detail["runs"][0]["steps"]] == ["done", "done", "todo"]
    # Back to todo, with why: also an entry; the step counts as not done again.
    back = mark(client, inc["id"], run["id"], 1, alice, state="todo", note="the disk filled again")
    assert back.status_code == 200 and back.json()["steps"][0]["state"] == "todo"
    last = client.get(f"/api/v1/incidents/{inc['id']}/timeline").json()[-1]
    assert (last["kind"], last["data"]["state"]) == ("runbook_step", "todo")
    assert last["data"]["note"] == "the disk filled again"


def test_the_export_has_the_runbook_steps(client: TestClient) -> None:
    book = new_runbook(client)
    inc = new_incident(client, title="disk | full")
    run = start(client, inc["id"], book["id"]).json()
    mark(client, inc["id"], run["id"], 1, state="done", note="freed 4 GB")
    mark(client, inc["id"], run["id"], 2, state="skipped")
    en = client.get(f"/api/v1/incidents/{inc['id']}/export", params={"lang": "en"}).text
    assert "## Runbook steps" in en
    assert f"### Disk full (runbook #{book['id']}, version 1), started by token:admin at" in en
    assert "| 1 | Look | done | token:admin |" in en and en.count("freed 4 GB") == 2  # the table and the timeline
    assert "| 2 | Clean | skipped | token:admin |" in en
    assert "| 3 | Tell | todo |  |  |  |" in en
    assert "runbook “Disk full” step 1 done: Look (Note: freed 4 GB)" in en
    zh = client.get(f"/api/v1/incidents/{inc['id']}/export", params={"lang": "zh"}).text
    assert "## 预案步骤" in zh and "| 2 | Clean | 已跳过 |" in zh and "预案“Disk full”步骤 1 已完成：Look" in zh
    other = new_incident(client, title="no runs")
    assert "## Runbook steps\n\nnone\n" in client.get(f"/api/v1/incidents/{other['id']}/export").text


def test_a_resolved_incident_takes_no_run_and_no_mark(client: TestClient) -> None:
    book = new_runbook(client)
    inc = new_incident(client)
    run = start(client, inc["id"], book["id"]).json()
    assert client.post(f"/api/v1/incidents/{inc['id']}/resolve").status_code == 200
    before = len(client.get(f"/api/v1/incidents/{inc['id']}/timeline").json())
    r = start(client, inc["id"], book["id"])
    assert (r.status_code, r.json()["detail"]) == (
        409, f"incident {inc['id']} is resolved: reopen it to start a runbook")
    r = mark(client, inc["id"], run["id"], 1, state="done")
    assert r.status_code == 409 and "reopen" in r.json()["detail"]
    assert len(client.get(f"/api/v1/incidents/{inc['id']}/timeline").json()) == before  # nothing written
    assert [s["state"] for s in client.get(f"/api/v1/incidents/{inc['id']}").json()["runs"][0]["steps"]] == [
        "todo"] * 3
    assert client.post(f"/api/v1/incidents/{inc['id']}/reopen").status_code == 200
    assert mark(client, inc["id"], run["id"], 1, state="done").status_code == 200


def test_unknown_things_are_404_with_a_reason(client: TestClient) -> None:
    book = new_runbook(client)
    inc = new_incident(client)
    other = new_incident(client)
    run = start(client, inc["id"], book["id"]).json()
    cases = [
        (start(client, 999, book["id"]), "no incident 999"),
        (start(client, inc["id"], 999), "no runbook with id 999"),
        (mark(client, inc["id"], 999, 1, state="done"), f"incident {inc['id']} has no runbook run 999"),
        (mark(client, other["id"], run["id"], 1, state="done"),
         f"incident {other['id']} has no runbook run {run['id']}"),
        (mark(client, inc["id"], run["id"], 4, state="done"), f"runbook run {run['id']} has no step 4 (it has 3)"),
        (mark(client, 999, run["id"], 1, state="done"), "no incident 999"),
    ]
    assert [(r.status_code, r.json()["detail"]) for r, _ in cases] == [(404, d) for _, d in cases]
    assert client.delete(f"/api/v1/runbooks/{book['id']}").status_code == 204
    assert start(client, inc["id"], book["id"]).status_code == 404  # a deleted runbook starts no run
    # ... but a run that follows it stays readable and markable: its version is kept.
    assert mark(client, inc["id"], run["id"], 1, state="done").status_code == 200


@pytest.mark.parametrize("body", [{}, {"state": "pending"}, {"state": "done", "note": 5}, {"state": "done", "x": 1},
                                  {"state": "done", "note": "n" * 10_001}])
def test_bad_marks_are_422(client: TestClient, body: dict) -> None:
    book = new_runbook(client)
    inc = new_incident(client)
    run = start(client, inc["id"], book["id"]).json()
    assert mark(client, inc["id"], run["id"], 1, **body).status_code == 422
    for bad in ({}, {"runbook_id": "1"}, {"runbook_id": 0}, {"runbook_id": 1, "x": 1}):
        assert client.post(f"/api/v1/incidents/{inc['id']}/runbook-runs", json=bad).status_code == 422
    assert mark(client, inc["id"], run["id"], 0, state="done").status_code == 422


def test_viewers_read_runs_but_may_not_start_or_mark(client: TestClient) -> None:
    viewer = user_headers(client, "vic", "viewer")
    book = new_runbook(client)
    inc = new_incident(client)
    run = start(client, inc["id"], book["id"]).json()
    assert start(client, inc["id"], book["id"], viewer).status_code == 403
    assert mark(client, inc["id"], run["id"], 1, viewer, state="done").status_code == 403
    assert len(client.get(f"/api/v1/incidents/{inc['id']}", headers=viewer).json()["runs"]) == 1
