"""Silences over real WebSockets: every silence change is a `silence_event` at once; a silenced
alert firing again pushes nothing; when a silence ends (expired by hand or by its end time) the
alerts still firing under it are pushed again at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from tests.conftest import make_settings
from tests.pushd.helpers import alert, iso
from tests.pushd.test_silences import silence
from tests.pushd.test_ws import recv, recv_type, ws
from tests.servers import AUTH, serve_in_thread


@pytest.fixture
def quiet_url(tmp_path: Path) -> Iterator[str]:
    """Periodic pushes an hour apart: whatever arrives quickly was pushed by the change itself."""
    settings = make_settings(tmp_path, alerts_period=3600, metrics_period=3600, incidents_period=3600)
    with serve_in_thread(settings) as url:
        yield url


def nothing_within(conn: ClientConnection, seconds: float) -> list[dict]:
    """Messages that arrive within `seconds` (the test expects none)."""
    got = []
    try:
        while True:
            got.append(json.loads(conn.recv(timeout=seconds)))
    except TimeoutError:
        return got
    except ConnectionClosed:
        return got


def test_every_silence_change_is_pushed_at_once(quiet_url: str) -> None:
    with httpx.Client(base_url=quiet_url, headers=AUTH) as api, ws(quiet_url, "/ws/silences") as conn:
        first = recv(conn)
        assert (first["type"], first["data"]) == ("silences_update", {"silences": []})
        sid = api.post("/api/v2/silences", json=silence()).json()["silenceID"]
        made = recv_type(conn, "silence_event")["data"]
        assert (made["event"], made["silence"]["id"], made["silence"]["status"]["state"]) == ("created", sid, "active")
        body = {**api.get(f"/api/v2/silence/{sid}").json(), "comment": "longer", "endsAt": iso(7200)}
        api.post("/api/v2/silences", json=body)
        changed = recv_type(conn, "silence_event")["data"]
        assert (changed["event"], changed["silence"]["comment"]) == ("updated", "longer")
        api.delete(f"/api/v2/silence/{sid}")
        ended = recv_type(conn, "silence_event")["data"]
        assert (ended["event"], ended["silence"]["status"]["state"]) == ("expired", "expired")


def test_a_new_subscriber_gets_the_live_silences_first(quiet_url: str) -> None:
    with httpx.Client(base_url=quiet_url, headers=AUTH) as api:
        live = api.post("/api/v2/silences", json=silence()).json()["silenceID"]
        gone = api.post("/api/v2/silences", json=silence(("alertname", "X"))).json()["silenceID"]
        api.delete(f"/api/v2/silence/{gone}")
        with ws(quiet_url, "/ws/silences") as conn:
            first = recv(conn)
            assert first["type"] == "silences_update"
            assert [s["id"] for s in first["data"]["silences"]] == [live]


def test_a_silenced_alert_is_quiet_and_comes_back_when_its_silence_is_expired(quiet_url: str) -> None:
    with httpx.Client(base_url=quiet_url, headers=AUTH) as api:
        api.post("/api/v1/alerts", json=[alert("DiskFull", instance="db1")])
        [a] = api.get("/api/v1/alerts").json()["items"]
        with ws(quiet_url, "/ws/alerts") as conn:
            recv_type(conn, "alerts_update")
            sid = api.post("/api/v2/silences", json=silence()).json()["silenceID"]
            marked = recv_type(conn, "alert_event")["data"]
            assert (marked["event"], marked["alert"]["id"]) == ("silenced", a["id"])
            assert marked["alert"]["silenced_by"] == [sid]
            # Sent again with a new summary (an `updated` event when not silenced) and a new alert that
            # the silence also matches: neither is pushed.
            api.post("/api/v1/alerts", json=[{**alert("DiskFull", instance="db1"),
                                              "annotations": {"summary": "worse"}},
                                             alert("DiskFull", instance="db2")])
            assert nothing_within(conn, 1.0) == []
            # Acknowledging it is still pushed, so views stay right.
            api.post(f"/api/v1/alerts/{a['id']}/ack", json={})
            acked = recv_type(conn, "alert_event")["data"]
            assert (acked["event"], acked["alert"]["silenced_by"]) == ("acknowledged", [sid])
            api.delete(f"/api/v2/silence/{sid}")
            back = recv_type(conn, "alert_events")["data"]["events"]
            assert sorted((e["event"], e["alert"]["labels"]["instance"], e["alert"]["silenced_by"]) for e in back) == [
                ("unsilenced", "db1", []), ("unsilenced", "db2", [])]


def test_alerts_come_back_when_a_silence_reaches_its_end_time(quiet_url: str) -> None:
    with httpx.Client(base_url=quiet_url, headers=AUTH) as api:
        api.post("/api/v1/alerts", json=[alert("DiskFull", instance="db1")])
        with ws(quiet_url, "/ws?channels=alerts,silences") as conn:
            sid = api.post("/api/v2/silences", json=silence(starts=-1, ends=2)).json()["silenceID"]
            assert recv_type(conn, "alert_event")["data"]["event"] == "silenced"
            # No request: pushd's own timer ends the silence and pushes both changes.
            ended = recv_type(conn, "silence_event", timeout=6)["data"]
            assert (ended["event"], ended["silence"]["id"]) == ("expired", sid)
            back = recv_type(conn, "alert_event", timeout=2)["data"]
            assert (back["event"], back["alert"]["silenced_by"]) == ("unsilenced", [])


def test_a_pending_silence_starts_on_time(quiet_url: str) -> None:
    with httpx.Client(base_url=quiet_url, headers=AUTH) as api:
        api.post("/api/v1/alerts", json=[alert("DiskFull", instance="db1")])
        with ws(quiet_url, "/ws?channels=alerts,silences") as conn:
            sid = api.post("/api/v2/silences", json=silence(starts=2, ends=600)).json()["silenceID"]
            assert recv_type(conn, "silence_event")["data"]["silence"]["status"]["state"] == "pending"
            started = recv_type(conn, "silence_event", timeout=6)["data"]
            assert (started["event"], started["silence"]["status"]["state"]) == ("activated", "active")
            marked = recv_type(conn, "alert_event", timeout=2)["data"]
            assert (marked["event"], marked["alert"]["silenced_by"]) == ("silenced", [sid])
