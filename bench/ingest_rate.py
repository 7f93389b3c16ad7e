"""Ingestion: alerts/s through `POST /api/v2/alerts` in batches of 100, 4 concurrent senders, pushd vs Alertmanager.

The same pre-serialised batches go to a real Prometheus Alertmanager (Debian's prometheus-alertmanager,
started here on loopback with a null receiver and clustering off) and to pushd with
PUSHD_SQLITE_SYNCHRONOUS=FULL (its default: fsync on every commit) and NORMAL, and with `--also-rev` to
other commits' pushd (FULL). All of them run side by side; each starts empty and gets one warm-up batch,
then `--rounds` timed rounds of new alerts, round r going to every server in turn before round r+1
starts, so that the servers share the machine's noise (the median round is reported). Afterwards the
script checks that every server really stored every alert. Every request carries pushd's admin token
(`Authorization: Bearer`, as Alertmanager's `http_config.authorization` sends it); Alertmanager and
a pushd from before access control get the same header and ignore it.

    python bench/ingest_rate.py [--alerts 20000] [--batch 100] [--concurrency 4] [--rounds 3] [--also-rev b5a36d7]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from common import AUTH, HOST, extract_rev, free_port, print_table, pushd, run_process, write_results

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
AM_CONFIG = """\
route:
  receiver: "null"
receivers:
  - name: "null"
"""


def batches(n: int, size: int, name: str) -> list[bytes]:
    """`n` distinct alerts (their label sets differ) as JSON arrays of `size`, serialised up front."""
    now = datetime.now(UTC)
    starts, ends = now.isoformat().replace("+00:00", "Z"), (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    alerts = [{
        "labels": {"alertname": name, "instance": f"host-{i // 10:05d}:9100", "job": "node",
                   "severity": ("critical", "warning", "info")[i % 3], "shard": str(i % 10)},
        "annotations": {"summary": f"alert {i} from the ingestion benchmark", "runbook": "https://example.invalid/rb"},
        "startsAt": starts, "endsAt": ends, "generatorURL": f"http://prometheus.invalid/graph?g0.expr=up{i}",
    } for i in range(n)]
    return [orjson.dumps(alerts[i:i + size]) for i in range(0, n, size)]


async def send_all(url: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    """POST every body with `concurrency` senders sharing one queue, with AUTH; returns wall seconds and
    per-request ms."""
    todo: asyncio.Queue[bytes] = asyncio.Queue()
    for b in bodies:
        todo.put_nowait(b)
    took: list[float] = []
    headers = {"content-type": "application/json", **AUTH}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        async def sender() -> None:
            while not todo.empty():
                body = todo.get_nowait()
                t = time.perf_counter()
                r = await client.post(url, content=body, headers=headers)
                took.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"{url} answered {r.status_code}: {r.text[:300]}")
        start = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        return time.perf_counter() - start, took


@dataclass
class Server:
    """One server under test: where to POST, and how many alerts it holds afterwards."""

    name: str
    post_url: str
    count: Callable[[], int]
    runs: list[tuple[float, list[float]]] = field(default_factory=list)

    def result(self, n: int, expected: int) -> dict[str, Any]:
        rates = [n / wall for wall, _ in self.runs]
        took = [ms for _, t in self.runs for ms in t]
        return {"alerts_per_s": statistics.median(rates), "rounds_alerts_per_s": rates,
                "batch_p50_ms": statistics.median(took), "batch_max_ms": max(took),
                "stored": self.count(), "expected": expected}


def start_pushd(stack: ExitStack, name: str, sync: str, src: Path | None = None) -> Server:
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-ingest-")))
    url, _ = stack.enter_context(pushd(tmp, src=src, PUSHD_SQLITE_SYNCHRONOUS=sync))

    def count() -> int:  # proof the alerts are stored, not just accepted: a 2xx means committed to disk
        answer = httpx.get(f"{url}/api/v1/alerts", params={"limit": 1}, headers=AUTH, timeout=30)
        return answer.raise_for_status().json()["total"]
    return Server(name, f"{url}/api/v2/alerts", count)


def start_alertmanager(stack: ExitStack) -> Server:
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-am-")))
    config = tmp / "alertmanager.yml"
    config.write_text(AM_CONFIG)
    url = f"http://{HOST}:{free_port()}"
    cmd = [ALERTMANAGER, f"--config.file={config}", f"--storage.path={tmp}/data",
           f"--web.listen-address={url.removeprefix('http://')}", "--cluster.listen-address=", "--log.level=warn"]
    stack.enter_context(run_process(cmd, f"{url}/-/ready", tmp / "alertmanager.log"))
    return Server("alertmanager", f"{url}/api/v2/alerts",
                  lambda: len(httpx.get(f"{url}/api/v2/alerts", headers=AUTH, timeout=60).json()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per server, each with new alerts")
    parser.add_argument("--also-rev", action="append", default=[], metavar="COMMIT",
                        help="also measure that commit's pushd (FULL) in the same run, e.g. the last one "
                             "before a change; may be repeated")
    args = parser.parse_args()
    if not shutil.which(ALERTMANAGER):
        sys.exit(f"{ALERTMANAGER} is missing: install it with `apt-get install -y prometheus-alertmanager`")

    warmup = batches(args.batch, args.batch, "BenchWarmup")
    bodies = [batches(args.alerts, args.batch, f"BenchIngest{r}") for r in range(args.rounds)]
    also = {rev: extract_rev(rev) for rev in args.also_rev}
    with ExitStack() as stack:
        servers = [start_alertmanager(stack), start_pushd(stack, "pushd FULL", "FULL"),
                   start_pushd(stack, "pushd NORMAL", "NORMAL"),
                   *(start_pushd(stack, f"pushd FULL @{sha[:7]}", "FULL", src) for src, sha in also.values())]
        for server in servers:
            asyncio.run(send_all(server.post_url, warmup, 1))
        for r, round_bodies in enumerate(bodies):
            # Round r goes to every server in turn, who goes first rotating, so that all of them see
            # the same stretch of machine noise (the machine is shared); the median round is the figure.
            for server in servers[r % len(servers):] + servers[:r % len(servers)]:
                server.runs.append(asyncio.run(send_all(server.post_url, round_bodies, args.concurrency)))
        expected = args.rounds * args.alerts + args.batch
        results = {s.name: s.result(args.alerts, expected) for s in servers}
    am = results["alertmanager"]["alerts_per_s"]
    for r in results.values():
        r["ratio_to_alertmanager"] = r["alerts_per_s"] / am
    print(f"{args.rounds} rounds of {args.alerts} alerts in batches of {args.batch}, "
          f"{args.concurrency} concurrent senders (target: pushd FULL / alertmanager >= 0.5)")
    print_table(["server", "alerts/s (median)", "rounds", "batch p50 ms", "batch max ms", "stored", "ratio"],
                [[name, r["alerts_per_s"], " ".join(f"{x:.0f}" for x in r["rounds_alerts_per_s"]),
                  r["batch_p50_ms"], r["batch_max_ms"],
                  f"{r['stored']}/{r['expected']}", r["ratio_to_alertmanager"]] for name, r in results.items()])
    path = write_results("ingest_rate", {"alerts": args.alerts, "rounds": args.rounds, "batch": args.batch,
                                         "concurrency": args.concurrency, "target_ratio": 0.5,
                                         "also_measured": {rev: sha for rev, (_, sha) in also.items()},
                                         "servers": results})
    print(f"results: {path}")
    if any(r["stored"] != r["expected"] for r in results.values()):
        sys.exit("some alerts were not stored")


if __name__ == "__main__":
    main()
