"""Repeats are quiet (docs/push.md): a re-send that changes nothing a subscriber shows is stored and
counted but not pushed; one that changes something is pushed as `updated`; a reopen is pushed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from websockets.sync.client import ClientConnection, connect

from tests.conftest import make_settings
from tests.pushd.helpers import alert, iso
from tests.servers import AUTH, serve_in_thread

FIRING = 2_000
PROMETHEUS_BATCH = 64  # Prometheus' notifier posts at most this many alerts per request (maxBatchSize)


@contextmanager
def subscribe(url: str) -> Iterator[ClientConnection]:
    with connect(url.replace("http://", "ws://") + "/ws/alerts", open_timeout=5, additional_headers=AUTH) as conn:
        assert json.loads(conn.recv(timeout=5))["type"] == "alerts_update"  # the snapshot on connect
        yield conn


def events(msg: dict[str, Any]) -> list[dict[str, Any]]:
    return msg["data"]["events"] if msg["type"] == "alert_events" else [msg["data"]]


def pushed_until(conn: ClientConnection, alertname: str, timeout: float = 20.0) -> tuple[list[int], list[dict]]:
    """The seq of every message and every event pushed, up to and including the event of `alertname`."""
    seqs: list[int] = []
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    while not got or got[-1]["alert"]["alertname"] != alertname:
        msg = json.loads(conn.recv(timeout=max(0.01, deadline - time.monotonic())))
        assert msg["type"] in ("alert_event", "alert_events"), msg["type"]
        seqs.append(msg["seq"])
        got += events(msg)
    return seqs, got


def prometheus_alert(n: int, starts: str) -> dict[str, Any]:
    """A firing alert as Prometheus posts it: the same startsAt at every re-send, endsAt a few
    evaluation intervals ahead of now."""
    return {"labels": {"alertname": "InstanceDown", "instance": f"host-{n:05d}", "job": "node", "severity": "critical"},
            "annotations": {"summary": f"host-{n:05d} is down", "description": "up == 0 for 5 minutes"},
            "startsAt": starts, "endsAt": iso(240), "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0"}


def send_cycle(http: httpx.Client, starts: str) -> None:
    """Every firing alert once, in Prometheus' batch size."""
    for first in range(0, FIRING, PROMETHEUS_BATCH):
        batch = [prometheus_alert(n, starts) for n in range(first, min(first + PROMETHEUS_BATCH, FIRING))]
        r = http.post("/api/v2/alerts", json=batch)
        assert r.status_code == 200, r.text


def metric(text: str, line_start: str) -> float:
    return float(next(line for line in text.splitlines() if line.startswith(line_start)).rsplit(" ", 1)[1])


@pytest.fixture
def quiet_url(tmp_path: Path) -> Iterator[str]:
    """Periodic pushes an hour apart, so that every message a test reads was pushed by a write."""
    with serve_in_thread(make_settings(tmp_path, alerts_period=3600, metrics_period=3600)) as url:
        yield url


def test_a_prometheus_cycle_pushes_each_alert_once(quiet_url: str) -> None:
    starts = iso(-600)
    with subscribe(quiet_url) as conn, httpx.Client(base_url=quiet_url, headers=AUTH, timeout=30) as http:
        for _ in range(4):  # the first send, then three re-sends
            send_cycle(http, starts)
        # Each POST returned after its changes were published; this alert's event comes after all of them.
        http.post("/api/v1/alerts", json=alert("AfterTheCycles")).raise_for_status()
        seqs, got = pushed_until(conn, "AfterTheCycles")
        metrics = http.get("/metrics").text
        listed = http.get("/api/v1/alerts", params={"label": "instance=host-00007"}).json()["items"]
    assert seqs == list(range(2, len(seqs) + 2))  # no gap after the snapshot's seq 1
    assert [e["event"] for e in got] == ["created"] * (FIRING + 1)
    assert len({e["alert"]["labels"]["instance"] for e in got[:-1]}) == FIRING
    assert len(seqs) == FIRING // PROMETHEUS_BATCH + 1 + 1  # one alert_events per first batch, one for the marker
    assert metric(metrics, 'pushd_alert_events_total{event="repeated"}') == 3 * FIRING
    assert metric(metrics, 'pushd_alert_events_total{event="created"}') == FIRING + 1
    assert [(a["count"], a["status"]) for a in listed] == [(4, "firing")]
    assert listed[0]["last_seen"] > listed[0]["starts_at"]


def test_a_resend_that_changes_what_is_shown_is_pushed_as_updated(quiet_url: str) -> None:
    base = {**alert("DiskFull", instance="db1"), "severity": "warning", "generatorURL": "http://prom/a"}
    with subscribe(quiet_url) as conn, httpx.Client(base_url=quiet_url, headers=AUTH) as http:
        sends = [
            base,  # created
            base,  # unchanged: quiet
            {**base, "annotations": {"summary": "DiskFull happened", "runbook": "r1"}},  # updated
            {**base, "annotations": {"runbook": "r1", "summary": "DiskFull happened"}},  # same values: quiet
            {**base, "annotations": {"runbook": "r1", "summary": "DiskFull happened"}, "severity": "critical"},
            {**base, "annotations": {"runbook": "r1", "summary": "DiskFull happened"}, "severity": "critical",
             "generatorURL": "http://prom/b"},
        ]
        answers = [http.post("/api/v1/alerts", json=s).json()["changed"][0]["event"] for s in sends]
        http.post("/api/v1/alerts", json=alert("Marker")).raise_for_status()
        seqs, got = pushed_until(conn, "Marker")
        history = http.get(f"/api/v1/alerts/{got[0]['alert']['id']}").json()["history"]
    assert answers == ["created", "repeated", "updated", "repeated", "updated", "updated"]
    assert seqs == [2, 3, 4, 5, 6]
    assert [e["event"] for e in got] == ["created", "updated", "updated", "updated", "created"]
    created, annotated, severe, moved, _ = (e["alert"] for e in got)
    assert (created["count"], created["annotations"]) == (1, {"summary": "DiskFull happened"})
    assert (annotated["count"], annotated["annotations"]) == (3, {"summary": "DiskFull happened", "runbook": "r1"})
    assert (severe["count"], severe["severity"], severe["generator_url"]) == (5, "critical", "http://prom/a")
    assert (moved["count"], moved["generator_url"]) == (6, "http://prom/b")
    assert [h["action"] for h in history] == ["created"]  # history records state changes, not re-sends


def test_an_acknowledged_alert_stays_quiet_until_what_is_shown_changes(quiet_url: str) -> None:
    with subscribe(quiet_url) as conn, httpx.Client(base_url=quiet_url, headers=AUTH) as http:
        alert_id = http.post("/api/v1/alerts", json=alert("Acked")).json()["changed"][0]["id"]
        http.post(f"/api/v1/alerts/{alert_id}/ack", json={}).raise_for_status()
        http.post("/api/v1/alerts", json=alert("Acked")).raise_for_status()
        http.post("/api/v1/alerts", json={**alert("Acked"), "annotations": {"summary": "worse"}}).raise_for_status()
        seqs, got = pushed_until(conn, "Acked", timeout=5)  # the created event
        seqs2, got2 = pushed_until(conn, "Acked", timeout=5)  # the ack
        seqs3, got3 = pushed_until(conn, "Acked", timeout=5)  # the update, not the unchanged re-send
    assert seqs + seqs2 + seqs3 == [2, 3, 4]
    assert [(e["event"], e["alert"]["status"]) for e in got + got2 + got3] == [
        ("created", "firing"), ("acknowledged", "acknowledged"), ("updated", "acknowledged")]
    assert got3[0]["alert"]["annotations"] == {"summary": "worse"}


def test_a_reopen_is_pushed_and_a_repeated_resolve_is_not(quiet_url: str) -> None:
    labels = {"alertname": "Flapping", "instance": "web1"}
    firing = {"labels": labels, "startsAt": iso(-60), "endsAt": iso(240)}
    resolved = {"labels": labels, "startsAt": iso(-60), "endsAt": iso(-1)}
    with subscribe(quiet_url) as conn, httpx.Client(base_url=quiet_url, headers=AUTH) as http:
        for body in (firing, firing, resolved, resolved, {**firing, "startsAt": iso(-5)}):
            assert http.post("/api/v2/alerts", json=[body]).status_code == 200
        http.post("/api/v1/alerts", json=alert("Marker")).raise_for_status()
        seqs, got = pushed_until(conn, "Marker")
    assert seqs == [2, 3, 4, 5]
    assert [(e["event"], e["alert"]["status"], e["alert"]["count"]) for e in got[:-1]] == [
        ("created", "firing", 1), ("resolved", "resolved", 2), ("reopened", "firing", 3)]


def test_quiet_repeats_show_in_the_next_alerts_update(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, alerts_period=0.2, metrics_period=3600)
    with serve_in_thread(settings) as url, httpx.Client(base_url=url, headers=AUTH) as http, \
            connect(url.replace("http://", "ws://") + "/ws/alerts", open_timeout=5, additional_headers=AUTH) as conn:
        http.post("/api/v1/alerts", json=alert("Seen")).raise_for_status()
        for _ in range(2):
            http.post("/api/v1/alerts", json=alert("Seen")).raise_for_status()
        kinds: list[tuple[str, str]] = []
        deadline = time.monotonic() + 10
        while True:
            msg = json.loads(conn.recv(timeout=max(0.01, deadline - time.monotonic())))
            kinds += [(msg["type"], e["event"]) for e in events(msg)] if msg["type"] != "alerts_update" else []
            recent = msg["data"]["recent"] if msg["type"] == "alerts_update" else []
            if recent and recent[0]["count"] == 3:
                break
    assert kinds == [("alert_event", "created")]


def test_the_rest_answer_names_quiet_and_changed_resends(client: TestClient) -> None:
    assert client.post("/api/v1/alerts", json=alert("A")).json()["changed"][0]["event"] == "created"
    batch = [alert("A"), {**alert("A"), "annotations": {"summary": "new"}}, alert("B")]
    answer = client.post("/api/v1/alerts", json=batch).json()["changed"]
    assert [c["event"] for c in answer] == ["repeated", "updated", "created"]
    metrics = client.get("/metrics").text
    assert metric(metrics, 'pushd_alert_events_total{event="repeated"}') == 1
    assert metric(metrics, 'pushd_alert_events_total{event="updated"}') == 1
