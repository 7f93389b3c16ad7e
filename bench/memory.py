"""Memory: pushd's resident memory at start, with 100,000 alerts stored, and with 1,000 subscribers connected.

pushd runs as `python -m pushd` with its default periods (alerts_update every 5 s, metrics_update every
10 s), so the pushes run while we wait. Each figure is read after a settle time: RSS (what `top`
shows) and USS (memory only this process holds, i.e. what killing it would free). Every request and
handshake carries pushd's admin token (`Authorization: Bearer`).

    python bench/memory.py [--alerts 100000] [--subscribers 1000] [--settle 12]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from common import AUTH, print_table, pushd, raise_nofile, write_results
from ingest_rate import batches, send_all
from wsclient import SubscriberPool, Target

MIB = 2**20
TARGET_MB = 100


def reading(proc: psutil.Process, label: str) -> dict[str, Any]:
    full = proc.memory_full_info()
    return {"stage": label, "rss_mb": full.rss / MIB, "uss_mb": full.uss / MIB, "threads": proc.num_threads(),
            "fds": proc.num_fds()}


def settle(proc: psutil.Process, seconds: float, label: str) -> dict[str, Any]:
    """Wait, sampling every second; report the last reading and the peak RSS seen while waiting."""
    peak = 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        peak = max(peak, proc.memory_info().rss / MIB)
        time.sleep(1)
    r = reading(proc, label)
    r["peak_rss_mb"] = max(peak, r["rss_mb"])
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--settle", type=float, default=12.0, help="seconds to wait before each reading "
                        "(12 covers one metrics_update and two alerts_update pushes)")
    args = parser.parse_args()
    raise_nofile(2 * args.subscribers + 1024)

    stages = []
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp, pushd(Path(tmp)) as (url, popen):
        proc = psutil.Process(popen.pid)
        stages.append(settle(proc, 3, "start"))

        asyncio.run(send_all(f"{url}/api/v2/alerts", batches(args.alerts, 100, "BenchMemory"), 4))
        answer = httpx.get(f"{url}/api/v1/alerts", params={"limit": 1}, headers=AUTH, timeout=30)
        total = answer.raise_for_status().json()["total"]
        stages.append(settle(proc, args.settle, f"{total} alerts stored"))

        port = int(url.rsplit(":", 1)[1])
        pool = SubscriberPool([Target("pushd", port, "/ws?channels=alerts,metrics", tuple(AUTH.items()))],
                              args.subscribers, args.client_procs)
        try:
            opened = pool.wait_ready()
            subs = httpx.get(f"{url}/healthz", timeout=10).json()["subscribers"]
            stages.append(settle(proc, args.settle, f"+ {opened} subscribers"))
        finally:
            seen = pool.stop().get("pushd", {})
    stages[-1]["subscribers_per_channel"] = subs
    stages[-1]["messages_seen"] = seen.get("types", {})
    stages[-1]["close_codes"] = seen.get("close_codes", {})

    print(f"pushd memory (target: <= {TARGET_MB} MB with {args.alerts} alerts and {args.subscribers} subscribers)")
    print_table(["stage", "RSS MB", "peak RSS MB", "USS MB", "threads", "fds"],
                [[s["stage"], s["rss_mb"], s["peak_rss_mb"], s["uss_mb"], s["threads"], s["fds"]] for s in stages])
    print(f"messages the subscribers saw: {seen.get('types', {})}, close codes: {seen.get('close_codes', {})}")
    path = write_results("memory", {"alerts": args.alerts, "subscribers": args.subscribers, "target_mb": TARGET_MB,
                                    "stages": stages})
    print(f"results: {path}")


if __name__ == "__main__":
    main()
