"""kill -9 during concurrent ingestion, again and again: nothing pushd acknowledged is ever lost.

Several senders post distinct alerts (native single and list, API v2 lists) and acknowledge and
resolve alerts pushd has confirmed, while pushd is killed with SIGKILL at a random moment. After
each kill the SQLite file passes `PRAGMA integrity_check` (read-only, pushd stopped), and after each
restart every alert whose POST got a 2xx is listed and every ack/resolve that got a 2xx is in its
alert's history. Requests in flight at the kill fail with connection errors; they were never
acknowledged, so nothing is expected of them.

The kill delays and each sender's choices come from one seed, printed at the start; replay a run
with `PUSHD_KILL9_SEED=<seed>`. bench/kill9.py runs the same loop for more rounds and reports figures.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import AUTH, pushd_process

ALERTNAME = "Kill9"
ACTOR = "token:admin"  # the bootstrap admin token every test pushd starts with
SENDERS = 4
KILL_DELAY = (0.0, 1.2)  # seconds after the round's first acknowledged write
ENV = {"PUSHD_HOST_RULES_ENABLED": "false", "PUSHD_LOG_LEVEL": "warning"}


@dataclass
class Ledger:
    """Everything pushd acknowledged with a 2xx, over all rounds, and what it answered otherwise."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    created: set[str] = field(default_factory=set)  # `k9` label of every alert whose POST got a 2xx
    firing: list[int] = field(default_factory=list)  # created with a 2xx, no transition tried: may be acked
    acked: list[int] = field(default_factory=list)  # acknowledged with a 2xx, no resolve tried: may be resolved
    transitions: dict[int, list[str]] = field(default_factory=dict)  # id -> actions acknowledged with a 2xx
    writes: int = 0  # 2xx answers to writes (POSTs of alerts, acks, resolves)
    unexpected: list[str] = field(default_factory=list)  # answers that were neither a 2xx nor a dropped connection

    def pop(self, pool: list[int], rng: random.Random) -> int | None:
        with self.lock:
            return pool.pop(rng.randrange(len(pool))) if pool else None


class Sender(threading.Thread):
    """One client: a seeded mix of ingests and transitions until pushd goes away or `stop` is set."""

    def __init__(self, url: str, ledger: Ledger, seed: int, prefix: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.ledger, self.prefix, self.stop = url, ledger, prefix, stop
        self.rng = random.Random(seed)
        self.n = 0
        self.dropped = 0  # requests that died with the connection (pushd killed): not acknowledged

    def run(self) -> None:
        ops = (self.native_one, self.native_list, self.v2_list, self.ack, self.resolve)
        with httpx.Client(base_url=self.url, headers=AUTH, timeout=10) as client:
            while not self.stop.is_set():
                op = self.rng.choices(ops, weights=(3, 2, 2, 2, 1))[0]
                try:
                    op(client)
                except httpx.TransportError:
                    self.dropped += 1
                    return

    def tags(self, k: int) -> list[str]:
        self.n += k
        return [f"{self.prefix}-{i}" for i in range(self.n - k, self.n)]

    def answered(self, r: httpx.Response) -> bool:
        if r.is_success:
            return True
        with self.ledger.lock:
            self.ledger.unexpected.append(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:200]}")
        self.stop.set()
        return False

    def ingest_native(self, client: httpx.Client, tags: list[str], single: bool) -> None:
        alerts = [{"labels": {"alertname": ALERTNAME, "k9": t}} for t in tags]
        r = client.post("/api/v1/alerts", json=alerts[0] if single else alerts)
        if self.answered(r):
            with self.ledger.lock:
                self.ledger.created.update(tags)
                self.ledger.firing.extend(c["id"] for c in r.json()["changed"])
                self.ledger.writes += 1

    def native_one(self, client: httpx.Client) -> None:
        self.ingest_native(client, self.tags(1), single=True)

    def native_list(self, client: httpx.Client) -> None:
        self.ingest_native(client, self.tags(self.rng.randint(2, 20)), single=False)

    def v2_list(self, client: httpx.Client) -> None:
        tags = self.tags(self.rng.randint(2, 20))
        r = client.post("/api/v2/alerts", json=[{"labels": {"alertname": ALERTNAME, "k9": t}} for t in tags])
        if self.answered(r):
            with self.ledger.lock:
                self.ledger.created.update(tags)
                self.ledger.writes += 1

    def transition(self, client: httpx.Client, pool: list[int], action: str, then: list[int] | None) -> None:
        alert_id = self.ledger.pop(pool, self.rng)
        if alert_id is None:
            return self.native_one(client)
        # Popped before the request: if the connection drops, whether it happened is unknown, so
        # this alert is never transitioned again.
        r = client.post(f"/api/v1/alerts/{alert_id}/{'ack' if action == 'acknowledged' else 'resolve'}",
                        json={"comment": f"kill9 {self.prefix}"})
        if self.answered(r):
            with self.ledger.lock:
                self.ledger.transitions.setdefault(alert_id, []).append(action)
                if then is not None:
                    then.append(alert_id)
                self.ledger.writes += 1
        return None

    def ack(self, client: httpx.Client) -> None:
        self.transition(client, self.ledger.firing, "acknowledged", self.ledger.acked)

    def resolve(self, client: httpx.Client) -> None:
        self.transition(client, self.ledger.acked, "resolved", None)


@dataclass
class Round:
    """What one round did: writes acknowledged before the kill, and when the kill came."""

    writes: int
    delay: float
    dropped: int


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout}s")
        time.sleep(0.005)


def crash_round(url: str, proc: subprocess.Popen, ledger: Ledger, seed: int, round_no: int,
                senders: int = SENDERS) -> Round:
    """Start the senders, SIGKILL pushd a random delay after its first acknowledged write, wait for the senders."""
    rng = random.Random(f"{seed}-{round_no}")
    before = ledger.writes
    stop = threading.Event()
    threads = [Sender(url, ledger, rng.randrange(2**32), f"r{round_no}s{i}", stop) for i in range(senders)]
    for t in threads:
        t.start()
    delay = rng.uniform(*KILL_DELAY)
    try:
        wait_for(lambda: ledger.writes > before or stop.is_set(), 20, "no write was acknowledged")
        time.sleep(delay)  # the random moment of the kill, not a wait for a condition
    finally:
        proc.kill()
        proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=20)
    return Round(writes=ledger.writes - before, delay=delay, dropped=sum(t.dropped for t in threads))


def missing_alerts(client: httpx.Client, ledger: Ledger) -> list[str]:
    """`k9` labels that got a 2xx but are not listed."""
    present: set[str] = set()
    offset = 0
    while True:
        r = client.get("/api/v1/alerts", params={"label": f"alertname={ALERTNAME}", "limit": 500, "offset": offset})
        r.raise_for_status()
        items = r.json()["items"]
        present.update(a["labels"]["k9"] for a in items)
        if len(items) < 500:
            break
        offset += len(items)
    return sorted(ledger.created - present)


def missing_transitions(client: httpx.Client, ledger: Ledger, ids: list[int]) -> list[str]:
    """Alerts whose acknowledged transitions are not, in order and by our token, at the start of their history."""
    problems = []
    for alert_id in ids:
        r = client.get(f"/api/v1/alerts/{alert_id}")
        if r.status_code != 200:
            problems.append(f"alert {alert_id}: GET answered {r.status_code}")
            continue
        done = [(h["action"], h["actor"]) for h in r.json()["history"] if h["action"] in ("acknowledged", "resolved")]
        expected = [(a, ACTOR) for a in ledger.transitions[alert_id]]
        # A transition in flight at a kill may have committed unacknowledged: it can only come after these.
        if done[:len(expected)] != expected:
            problems.append(f"alert {alert_id}: expected {expected} first, history has {done}")
    return problems


def integrity(db: Path) -> str:
    """`PRAGMA integrity_check` on the database file, opened read-only (pushd must be stopped)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return "\n".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def test_kill9_loses_no_acknowledged_write(tmp_path: Path) -> None:
    seed = int(os.environ.get("PUSHD_KILL9_SEED", random.randrange(2**32)))
    replay = f"seed {seed} (replay: PUSHD_KILL9_SEED={seed})"
    print(f"kill9 {replay}")
    rounds = int(os.environ.get("PUSHD_KILL9_ROUNDS", 10))
    data = tmp_path / "data"
    ledger = Ledger()
    verified: dict[int, int] = {}  # alert id -> how many of its transitions a restart has verified
    for round_no in range(rounds + 1):
        with pushd_process(data, **ENV) as (url, proc):
            last = round_no == rounds
            with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
                assert missing_alerts(client, ledger) == [], f"round {round_no}, {replay}"
                ids = [i for i, acts in ledger.transitions.items() if last or verified.get(i) != len(acts)]
                assert missing_transitions(client, ledger, ids) == [], f"round {round_no}, {replay}"
                verified.update((i, len(ledger.transitions[i])) for i in ids)
            if last:
                break
            result = crash_round(url, proc, ledger, seed, round_no)
        print(f"round {round_no}: {result.writes} writes acknowledged, kill {result.delay:.3f}s after the first, "
              f"{result.dropped} requests dropped")
        assert ledger.unexpected == [], f"round {round_no}, {replay}"
        assert result.writes > 0, f"round {round_no}: pushd was killed before it acknowledged anything, {replay}"
        assert integrity(data / "pushd.sqlite3") == "ok", f"round {round_no}, {replay}"
    assert len(ledger.created) > 0 and len(ledger.transitions) > 0
