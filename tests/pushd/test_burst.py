"""A burst of alert changes reaches every subscriber that reads at a normal pace (docs/push.md).

The subscribers run in child processes (`python -m tests.pushd.test_burst URL N`), so that parsing
what 200 of them receive does not compete for the GIL with the pushd serving them in this process.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.protocol import State
from websockets.sync.client import connect as sync_connect

from pushd.hub import MESSAGE_BUDGET
from tests.conftest import make_settings
from tests.servers import AUTH, REPO, serve_in_thread

SUBSCRIBERS = 200
PROCESSES = 2
SLOWER_EACH = 10  # in each process, this many take 20 ms over every message, as on a slower link
ALERTS = 5_000
MIB = 1024 * 1024


# --- the subscribers, in a child process ---------------------------------------------------------
@dataclass
class Reader:
    """One subscriber: counts `created` events across alert_event(s) messages and checks every frame."""

    pause: float = 0.0
    created: int = 0
    seqs: list[int] = field(default_factory=list)
    largest: int = 0
    kinds: list[str] = field(default_factory=list)
    open_at_end: bool = False

    async def run(self, conn: ClientConnection, done: asyncio.Event) -> None:
        async for raw in conn:  # the client's default max_size (1 MiB) refuses anything larger
            self.largest = max(self.largest, len(raw.encode() if isinstance(raw, str) else raw))
            msg = orjson.loads(raw)
            self.seqs.append(msg["seq"])
            if msg["type"] not in self.kinds:
                self.kinds.append(msg["type"])
            if msg["type"] == "alert_events":
                self.created += sum(e["event"] == "created" for e in msg["data"]["events"])
            elif msg["type"] == "alert_event":
                self.created += msg["data"]["event"] == "created"
            if self.created >= ALERTS:
                done.set()
            if self.pause:
                await asyncio.sleep(self.pause)


async def subscribe_and_read(ws_url: str, n: int) -> None:
    """Connect n subscribers, say "ready", read until each has ALERTS created events (or 60 s), say
    what each saw as one JSON line, and hold the connections until stdin closes."""
    conns = await asyncio.gather(*(connect(ws_url, open_timeout=20, additional_headers=AUTH) for _ in range(n)))
    readers = [Reader(pause=0.02 if i < SLOWER_EACH else 0.0) for i in range(n)]
    dones = [asyncio.Event() for _ in range(n)]
    tasks = [asyncio.create_task(r.run(c, d)) for r, c, d in zip(readers, conns, dones, strict=True)]
    print("ready", flush=True)
    try:
        await asyncio.wait_for(asyncio.gather(*(d.wait() for d in dones)), 60)
    except TimeoutError:
        pass
    for r, c in zip(readers, conns, strict=True):
        r.open_at_end = c.state is State.OPEN
    print(json.dumps([asdict(r) for r in readers]), flush=True)
    await asyncio.to_thread(sys.stdin.read)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)


# --- the tests -----------------------------------------------------------------------------------
def postable(n: int) -> dict:
    return {"labels": {"alertname": "InstanceDown", "instance": f"host-{n:05d}", "severity": "critical"},
            "annotations": {"summary": f"host-{n:05d} unreachable"}}


def test_5000_alerts_reach_200_subscribers_none_dropped(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, alerts_period=3600, metrics_period=3600)
    with serve_in_thread(settings) as url, httpx.Client(base_url=url, headers=AUTH, timeout=30) as http:
        ws_url = url.replace("http://", "ws://") + "/ws/alerts"
        command = [sys.executable, "-m", "tests.pushd.test_burst", ws_url, str(SUBSCRIBERS // PROCESSES)]
        procs = [subprocess.Popen(command, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                 for _ in range(PROCESSES)]
        try:
            for p in procs:
                assert p.stdout is not None and p.stdout.readline().strip() == "ready"
            assert http.get("/api/v1/snapshot").json()["subscribers"]["alerts"] == SUBSCRIBERS
            start = time.monotonic()
            r = http.post("/api/v2/alerts", json=[postable(n) for n in range(ALERTS)])
            assert r.status_code == 200, r.text
            readers = [Reader(**d) for p in procs for d in json.loads(p.stdout.readline())]  # type: ignore[union-attr]
            took = time.monotonic() - start
            still_subscribed = http.get("/api/v1/snapshot").json()["subscribers"]["alerts"]
            metrics = http.get("/metrics").text
        finally:
            for p in procs:
                try:
                    p.communicate(timeout=20)  # closes its stdin: it disconnects and exits
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.communicate()
    assert [r.created for r in readers] == [ALERTS] * SUBSCRIBERS
    assert [r.open_at_end for r in readers] == [True] * SUBSCRIBERS  # none was closed
    assert still_subscribed == SUBSCRIBERS
    assert "pushd_slow_subscribers_dropped_total 0.0" in metrics
    for r in readers:
        assert r.seqs == list(range(1, len(r.seqs) + 1))  # no gap
        assert r.kinds == ["alerts_update", "alert_events"]
        assert r.largest <= MESSAGE_BUDGET < MIB
    # As few messages as the budget allows: a few MB of events, not one message per alert.
    assert len(readers[0].seqs) - 1 < 20
    print(f"{ALERTS} alerts to {SUBSCRIBERS} subscribers in {took:.2f}s, {len(readers[0].seqs) - 1} messages each")


@pytest.fixture
def quiet_url(tmp_path: Path):
    with serve_in_thread(make_settings(tmp_path, alerts_period=3600, metrics_period=3600)) as url:
        yield url


def test_one_change_is_an_alert_event_and_several_are_alert_events(quiet_url: str) -> None:
    with sync_connect(quiet_url.replace("http://", "ws://") + "/ws/alerts", open_timeout=5,
                      additional_headers=AUTH) as ws, httpx.Client(base_url=quiet_url, headers=AUTH) as http:
        assert json.loads(ws.recv(timeout=5))["type"] == "alerts_update"
        http.post("/api/v1/alerts", json=[{"labels": {"alertname": "One"}}]).raise_for_status()
        one = json.loads(ws.recv(timeout=5))
        assert (one["seq"], one["type"], one["data"]["event"]) == (2, "alert_event", "created")
        assert one["data"]["alert"]["alertname"] == "One"
        batch = [{"labels": {"alertname": "One"}, "annotations": {"summary": "new"}}, {"labels": {"alertname": "Two"}}]
        http.post("/api/v1/alerts", json=batch).raise_for_status()
        two = json.loads(ws.recv(timeout=5))
        assert (two["seq"], two["type"]) == (3, "alert_events")
        assert [(e["event"], e["alert"]["alertname"]) for e in two["data"]["events"]] == [
            ("updated", "One"), ("created", "Two")]
        http.post("/api/v1/alerts", json={"labels": {"alertname": "Three"}}).raise_for_status()
        three = json.loads(ws.recv(timeout=5))  # next, so the batch was that one message
        assert (three["seq"], three["type"], three["data"]["alert"]["alertname"]) == (4, "alert_event", "Three")


if __name__ == "__main__":
    # What subscribers parse holds no reference cycles; the collector's passes over the millions of
    # dicts a burst makes would cost these clients more than the reading itself.
    gc.disable()
    asyncio.run(subscribe_and_read(sys.argv[1], int(sys.argv[2])))
