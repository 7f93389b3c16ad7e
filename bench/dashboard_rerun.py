"""How long a dashboard page rerun takes with 10,000 alerts in pushd.

Starts a real pushd (`python -m pushd`) on a free port with a fresh data directory, loads alerts
through POST /api/v1/alerts in batches (some acknowledged and resolved through the API, so every
status and the history have data), then times AppTest reruns of every page:

- warm: the REST reads are in the dashboard's short cache (a refresh within TTL_SECONDS, a click);
- cold: the cache is cleared before each run, so every read goes to pushd (a refresh after the TTL).

Run from the repo root: `python bench/dashboard_rerun.py [--alerts 10000] [--runs 30]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from shared.client import PushdClient  # noqa: E402

PAGES = ("overview", "alerts", "incidents", "runbooks", "metrics", "users", "settings")
SEVERITIES = ("critical", "warning", "info")
BATCH = 500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_pushd(data_dir: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "PUSHD_PORT": str(port), "PUSHD_DATA_DIR": data_dir,
           "PUSHD_HOST_RULES_ENABLED": "false", "PUSHD_LOG_LEVEL": "warning"}
    proc = subprocess.Popen([sys.executable, "-m", "pushd"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("pushd did not start")


def load_alerts(url: str, n: int) -> None:
    """n distinct alerts in batches; every 10th carries a runbook; 2 % acknowledged, 2 % resolved by people."""
    with httpx.Client(base_url=url, timeout=60) as http:
        for start in range(0, n, BATCH):
            body = [{
                "labels": {"alertname": f"Rule{i % 40}", "instance": f"host-{i % 250}:9100", "job": "node",
                           "team": ("db", "web", "infra")[i % 3], "seq": str(i)},
                "annotations": {"summary": f"rule {i % 40} on host-{i % 250} is over its threshold",
                                **({"runbook_url": f"https://runbooks.example/rule{i % 40}"} if i % 10 == 0 else {})},
                "severity": SEVERITIES[i % 3],
                "status": "resolved" if i % 5 == 0 else "firing",
            } for i in range(start, min(n, start + BATCH))]
            http.post("/api/v1/alerts", json=body).raise_for_status()
    with PushdClient(url) as c:
        firing = c.list_alerts(status=["firing"], limit=2 * (n // 100) or 2).items
        for k, a in enumerate(firing):
            action = c.acknowledge if k % 2 == 0 else c.resolve
            action(a.id, ("alice", "bob", "carol")[k % 3], "bench")


def time_page(at: AppTest, page: str, runs: int, cold: bool) -> list[float]:
    at.switch_page(f"views/{page}.py")
    at.run()  # first visit: imports, widget registration
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].value}")
    out = []
    for _ in range(runs):
        if cold:
            st.cache_data.clear()
        t0 = time.perf_counter()
        at.run()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 2 else xs[0]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        proc, url = start_pushd(data_dir)
        try:
            t0 = time.perf_counter()
            load_alerts(url, args.alerts)
            total = PushdClient(url).snapshot().counts.total
            print(f"loaded {total} alerts in {time.perf_counter() - t0:.1f} s; "
                  f"machine: {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}")
            os.environ["PUSHD_URL"] = url
            at = AppTest.from_file(str(REPO / "dashboard" / "app.py"), default_timeout=60)
            at.run()
            header = ("page", "warm p50", "warm p95", "cold p50", "cold p95")
            print(f"{header[0]:<10}" + "".join(f"{h:>10}" for h in header[1:]) + f"   (ms, {args.runs} runs each)")
            for page in PAGES:
                warm = time_page(at, page, args.runs, cold=False)
                cold = time_page(at, page, args.runs, cold=True)
                row = (statistics.median(warm), p95(warm), statistics.median(cold), p95(cold))
                print(f"{page:<10}" + "".join(f"{v:10.1f}" for v in row))
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    main()
