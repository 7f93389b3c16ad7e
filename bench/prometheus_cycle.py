"""Fan-out cost of a Prometheus cycle: firing alerts re-sent unchanged to pushd while 1,000 subscribers listen.

Prometheus re-sends every firing alert at every evaluation (1 min by default), in POSTs of at most 64
alerts to `/api/v2/alerts`, one after another, each with `endsAt` four intervals ahead. This script
does the same to each pushd under test: the first cycle stores the alerts before anyone subscribes,
then the subscribers connect (bench/wsclient.py's light client, in worker processes of their own per
pushd) and `--cycles` re-send cycles follow, `--period` seconds apart. With `--also-rev COMMIT` a
second pushd runs that commit's code (e.g. the last one before a change) side by side: each period
starts with a cycle to one and, half a period later, a cycle to the other, so both share the
machine's noise. pushd keeps its defaults (SQLite FULL, an `alerts_update` every 5 s).

Per re-send cycle, from the first re-send until pushd is idle again after the last one:
- messages: pushd's `pushd_messages_pushed_total{channel="alerts"}` (every message queued to a
  subscriber, the periodic `alerts_update` included), and by type as the subscribers counted them;
- bytes: what the subscriber processes read (`rchar` in /proc: WebSocket frames, nothing else);
- CPU: pushd's user + system time (all its threads: HTTP, SQLite writer, fan-out), and the subscribers';
  one period with no cycle, just before, gives what pushd spends anyway (the periodic `alerts_update`,
  pings), and "a cycle's own CPU" is the difference;
- how long the cycle's POSTs took (each answers after its changes were handed to every subscriber).

    python bench/prometheus_cycle.py [--alerts 5000] [--subscribers 1000] [--cycles 3] [--period 20]
                                     [--client-procs 2] [--also-rev COMMIT]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil
from common import AUTH, extract_rev, percentile, print_table, pushd, raise_nofile, write_results
from wsclient import SubscriberPool, Target

PROMETHEUS_BATCH = 64  # Prometheus' notifier: at most 64 alerts per POST (maxBatchSize)
RULES = ("InstanceDown", "HighCPU", "DiskWillFillIn4Hours", "HighLatency", "TooManyRestarts")
SEVERITIES = ("critical", "warning", "warning", "info")
IDLE_CPU_S = 0.05  # pushd is idle again when it uses less than this in one second


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def firing_alerts(n: int, starts: datetime) -> list[dict[str, Any]]:
    """`n` alerts as a Prometheus rule set would fire them; annotations templated from labels only, so a
    re-send is unchanged (a `{{ $value }}` annotation would change at every evaluation)."""
    out = []
    for i in range(n):
        rule, instance = RULES[i % len(RULES)], f"node-{i // len(RULES):05d}.example.internal:9100"
        out.append({
            "labels": {"alertname": rule, "instance": instance, "job": "node", "env": "prod",
                       "severity": SEVERITIES[i % len(SEVERITIES)]},
            "annotations": {"summary": f"{rule} on {instance}",
                            "description": f"{rule} has been active on {instance} for more than 5 minutes.",
                            "runbook_url": f"https://runbooks.example.internal/{rule.lower()}"},
            "startsAt": iso(starts),
            "generatorURL": f"http://prometheus.example.internal:9090/graph?g0.expr={rule}&g0.tab=1",
        })
    return out


def cycle_bodies(alerts: list[dict[str, Any]], interval: float) -> list[bytes]:
    """One cycle's POST bodies: `endsAt` four intervals from now, as Prometheus sets it."""
    ends = iso(datetime.now(UTC) + timedelta(seconds=4 * interval))
    return [orjson.dumps([{**a, "endsAt": ends} for a in alerts[i:i + PROMETHEUS_BATCH]])
            for i in range(0, len(alerts), PROMETHEUS_BATCH)]


@dataclass
class Server:
    """One pushd under test, its subscribers, and what was measured on it."""

    name: str
    url: str
    proc: psutil.Process
    pool: SubscriberPool | None = None
    workers: list[psutil.Process] = field(default_factory=list)
    posts_ms: list[float] = field(default_factory=list)
    cycle_s: list[float] = field(default_factory=list)
    start: dict[str, float] = field(default_factory=dict)

    def send(self, http: httpx.Client, bodies: list[bytes]) -> None:
        t0 = time.perf_counter()
        for body in bodies:
            t = time.perf_counter()
            r = http.post(f"{self.url}/api/v2/alerts", content=body, headers={"content-type": "application/json"})
            if r.status_code != 200:
                raise RuntimeError(f"{self.name} answered {r.status_code}: {r.text[:300]}")
            self.posts_ms.append((time.perf_counter() - t) * 1000)
        self.cycle_s.append(time.perf_counter() - t0)

    def readings(self, http: httpx.Client) -> dict[str, float]:
        metrics = http.get(f"{self.url}/metrics").text
        return {
            "cpu_s": sum(self.proc.cpu_times()[:2]),
            "client_cpu_s": sum(sum(w.cpu_times()[:2]) for w in self.workers),
            "client_read_bytes": sum(w.io_counters().read_chars for w in self.workers),
            "messages": metric(metrics, 'pushd_messages_pushed_total{channel="alerts"}'),
            "repeated": metric(metrics, 'pushd_alert_events_total{event="repeated"}'),
        }


def metric(text: str, prefix: str) -> float:
    return next((float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)), 0.0)


def wait_idle(servers: list[Server], timeout: float = 120.0) -> None:
    """Until every pushd has used less than IDLE_CPU_S of CPU in the last second: everything is sent."""
    deadline = time.monotonic() + timeout
    busy = set(range(len(servers)))
    while busy and time.monotonic() < deadline:
        before = {i: sum(servers[i].proc.cpu_times()[:2]) for i in busy}
        time.sleep(1.0)
        busy = {i for i in busy if sum(servers[i].proc.cpu_times()[:2]) - before[i] >= IDLE_CPU_S}
    if busy:
        print(f"warning: {[servers[i].name for i in busy]} still busy after {timeout:.0f}s", file=sys.stderr)


def run(args: argparse.Namespace) -> dict[str, Any]:
    also = {rev: extract_rev(rev) for rev in args.also_rev}
    raise_nofile(2 * args.subscribers * (1 + len(also)) + 1024)
    alerts = firing_alerts(args.alerts, datetime.now(UTC) - timedelta(minutes=10))
    interval = max(60.0, args.period)  # what endsAt is reckoned from, as Prometheus' evaluation interval
    with ExitStack() as stack, httpx.Client(timeout=60, headers=AUTH) as http:
        servers = []
        for name, src in [("pushd", None), *((f"pushd @{sha[:7]}", path) for path, sha in also.values())]:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-cycle-")))
            url, popen = stack.enter_context(pushd(tmp, src=src))
            servers.append(Server(name, url, psutil.Process(popen.pid)))
        for s in servers:  # the creation cycle, before anyone listens
            s.send(http, cycle_bodies(alerts, interval))
            s.posts_ms.clear()
            s.cycle_s.clear()
        try:
            for s in servers:
                port = int(s.url.rsplit(":", 1)[1])
                s.pool = SubscriberPool([Target(s.name, port, "/ws/alerts", tuple(AUTH.items()))],
                                        args.subscribers, args.client_procs)
            opened = {s.name: s.pool.wait_ready() for s in servers if s.pool}
            for s in servers:
                s.workers = [psutil.Process(pid) for pid in s.pool.pids()] if s.pool else []
            wait_idle(servers)  # the snapshots sent at connect are not part of a cycle
            # One period with no cycle: what pushd spends anyway (alerts_update every 5 s, pings).
            idle_start = {s.name: s.readings(http) for s in servers}
            time.sleep(args.period)
            for s in servers:
                s.start = s.readings(http)
            load_start = os.getloadavg()
            t0 = time.monotonic()
            for c in range(args.cycles):
                for i, s in enumerate(servers):
                    bodies = cycle_bodies(alerts, interval)
                    time.sleep(max(0.0, t0 + (c + i / len(servers)) * args.period - time.monotonic()))
                    s.send(http, bodies)
            wait_idle(servers)
            ends = {s.name: s.readings(http) for s in servers}
            window = time.monotonic() - t0
            load_end = os.getloadavg()
        finally:
            seen = {s.name: s.pool.stop().get(s.name, {}) if s.pool else {} for s in servers}
        results = {}
        for s in servers:
            d = {k: ends[s.name][k] - s.start[k] for k in s.start}
            idle = {k: s.start[k] - idle_start[s.name][k] for k in s.start}
            first = alerts[0]["labels"]
            check = http.get(f"{s.url}/api/v1/alerts", params={
                "limit": 1, "label": [f"alertname={first['alertname']}", f"instance={first['instance']}"]}).json()
            types = seen[s.name].get("types", {})
            n = args.cycles
            results[s.name] = {
                "subscribers": opened[s.name],
                "messages_per_cycle": d["messages"] / n,
                "messages_per_subscriber_per_cycle": d["messages"] / n / opened[s.name],
                "received_by_type": dict(types),
                "event_messages_per_subscriber_per_cycle":
                    (types.get("alert_event", 0) + types.get("alert_events", 0)) / n / opened[s.name],
                "mb_per_cycle": d["client_read_bytes"] / n / 1e6,
                "pushd_cpu_s_per_cycle": d["cpu_s"] / n,
                "pushd_idle_cpu_s_per_period": idle["cpu_s"],
                "idle_messages_per_period": idle["messages"],
                # What a cycle adds to what pushd spends anyway over its period.
                "pushd_cycle_cpu_s": d["cpu_s"] / n - idle["cpu_s"] * window / n / args.period,
                "client_cpu_s_per_cycle": d["client_cpu_s"] / n,
                "repeated_counted_per_cycle": d["repeated"] / n,
                "cycle_send_s_median": statistics.median(s.cycle_s),
                "post_p50_ms": percentile(sorted(s.posts_ms), 50),
                "post_p99_ms": percentile(sorted(s.posts_ms), 99),
                "close_codes": seen[s.name].get("close_codes", {}),
                "count_of_one_alert": check["items"][0]["count"] if check["items"] else None,
            }
    return {"alerts": args.alerts, "subscribers": args.subscribers, "cycles": args.cycles, "period_s": args.period,
            "client_procs": args.client_procs, "batch": PROMETHEUS_BATCH, "window_s": window,
            "loadavg_1_5_15_start": load_start, "loadavg_1_5_15_end": load_end,
            "also_measured": {rev: sha for rev, (_, sha) in also.items()}, "servers": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=5000, help="firing alerts, re-sent every cycle")
    parser.add_argument("--subscribers", type=int, default=1000, help="subscribers per pushd")
    parser.add_argument("--cycles", type=int, default=3, help="re-send cycles measured")
    parser.add_argument("--period", type=float, default=20.0,
                        help="seconds between two cycles to the same pushd (Prometheus: 60)")
    parser.add_argument("--client-procs", type=int, default=2, help="subscriber worker processes per pushd")
    parser.add_argument("--also-rev", action="append", default=[], metavar="COMMIT",
                        help="also measure that commit's pushd in the same run; may be repeated")
    args = parser.parse_args()
    results = run(args)
    print(f"{args.alerts} firing alerts re-sent {args.cycles} times, {args.period:.0f} s apart, in POSTs of "
          f"{PROMETHEUS_BATCH}; {args.subscribers} subscribers per pushd. Per re-send cycle:")
    print_table(["server", "messages", "event msgs/sub", "MB to subs", "pushd CPU s", "idle CPU s/period",
                 "cycle's own CPU s", "subs CPU s", "POSTs s", "POST p50 ms", "POST p99 ms", "repeats counted",
                 "closed"],
                [[name, r["messages_per_cycle"], r["event_messages_per_subscriber_per_cycle"], r["mb_per_cycle"],
                  r["pushd_cpu_s_per_cycle"], r["pushd_idle_cpu_s_per_period"], r["pushd_cycle_cpu_s"],
                  r["client_cpu_s_per_cycle"], r["cycle_send_s_median"],
                  r["post_p50_ms"], r["post_p99_ms"], r["repeated_counted_per_cycle"],
                  sum(v for k, v in r["close_codes"].items() if k != 1000)]
                 for name, r in results["servers"].items()])
    print(f"results: {write_results('prometheus_cycle', results)}")
    bad = [n for n, r in results["servers"].items() if r["count_of_one_alert"] != args.cycles + 1]
    if bad:
        sys.exit(f"{bad}: an alert's count is not {args.cycles + 1}: the re-sends were not all stored")


if __name__ == "__main__":
    main()
