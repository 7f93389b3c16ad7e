"""How long a dashboard page rerun takes with 10,000 alerts in pushd.

Starts a real pushd (`python -m pushd`, bench/common.py's `pushd`: a free port, a fresh data
directory, the admin token and the `admin` user's password set) and loads alerts through POST
/api/v1/alerts in batches with the admin token. Three operators (alice, bob, carol) log in and
acknowledge or resolve some of them, so every status and the history have data and the users page
has people. Then the dashboard, logged in as `admin` through its login form as a person would, times
AppTest reruns of every page:

- warm: the REST reads are in the dashboard's short cache (a refresh within TTL_SECONDS, a click);
- cold: the cache is cleared before each run, so every read goes to pushd (a refresh after the TTL).

An admin sees the users page as "Users and access" (accounts and API tokens below the people).
The dashboard is always the work tree's; BENCH_PUSHD_REV must name a pushd with access control.

Run from the repo root: `python bench/dashboard_rerun.py [--alerts 10000] [--runs 30] [--pages metrics ...]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from common import ADMIN_PASSWORD, AUTH, pushd, write_results

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import streamlit as st  # noqa: E402
import streamlit.testing.v1.app_test as app_test  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

PAGES = ("overview", "alerts", "incidents", "runbooks", "metrics", "users", "settings")
SEVERITIES = ("critical", "warning", "info")
OPERATORS = ("alice", "bob", "carol")
OPERATOR_PASSWORD = "bench-operator-password"
BATCH = 500


def load_alerts(url: str, n: int) -> None:
    """n distinct alerts in batches; every 10th carries a runbook; 2 % acknowledged, 2 % resolved by
    operators, each with a session of their own (pushd records the caller as the actor)."""
    with httpx.Client(base_url=url, headers=AUTH, timeout=60) as http:
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
        sessions = {}
        for name in OPERATORS:
            http.post("/api/v1/users", json={"username": name, "password": OPERATOR_PASSWORD, "role": "operator"}
                      ).raise_for_status()
            login = http.post("/api/v1/auth/login", json={"username": name, "password": OPERATOR_PASSWORD})
            sessions[name] = {"Authorization": f"Bearer {login.raise_for_status().json()['token']}"}
        firing = http.get("/api/v1/alerts", params={"status": "firing", "limit": 2 * (n // 100) or 2})
        for k, a in enumerate(firing.raise_for_status().json()["items"]):
            action = "ack" if k % 2 == 0 else "resolve"
            http.post(f"/api/v1/alerts/{a['id']}/{action}", json={"comment": "bench"},
                      headers=sessions[OPERATORS[k % 3]]).raise_for_status()


def share_script_cache() -> None:
    """Compile each page script once, as a Streamlit server does. AppTest makes a new ScriptCache
    for every run, so every run parsed, rewrote (magic) and compiled app.py and the page again: a
    sixth of a rerun's samples under py-spy, a cost a server's reruns do not have (its Runtime keeps
    one ScriptCache). `--compile-every-run` keeps AppTest's way, for figures taken before 2026-11-28."""
    cache = ScriptCache()
    app_test.ScriptCache = lambda: cache  # type: ignore[assignment, misc]


def log_in(at: AppTest) -> None:
    """Through the login form as `admin`, as tests/dashboard/conftest.py's `log_in` does."""
    at.run()
    at.text_input(key="login_user").input("admin")
    at.text_input(key="login_password").input(ADMIN_PASSWORD)
    at.button(key="login_submit").click().run()
    if at.exception or not any(b.key == "logout" for b in at.button):
        raise SystemExit(f"the dashboard did not log in: {[e.value for e in (*at.exception, *at.error)]}")


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


def dashboard_version() -> dict[str, Any]:
    """Which dashboard was measured (always the work tree's): HEAD and its uncommitted dashboard files."""
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True).stdout.strip()
    return {"measured": f"work tree at {git('rev-parse', '--short', 'HEAD')}",
            "uncommitted": git("status", "--porcelain", "--", "dashboard", "shared").splitlines()}


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
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES), help="default: all")
    parser.add_argument("--compile-every-run", action="store_true",
                        help="AppTest's own way: page scripts compiled again on every run")
    args = parser.parse_args()
    if not args.compile_every_run:
        share_script_cache()
    pages: dict[str, Any] = {}
    dashboard = dashboard_version()  # before the runs: the work tree may change meanwhile
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as data_dir, \
            pushd(Path(data_dir), login=True) as (url, _):
        t0 = time.perf_counter()
        load_alerts(url, args.alerts)
        snapshot = httpx.get(f"{url}/api/v1/snapshot", headers=AUTH, timeout=30).raise_for_status().json()
        total = snapshot["counts"]["total"]
        print(f"loaded {total} alerts in {time.perf_counter() - t0:.1f} s; "
              f"machine: {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}")
        os.environ["PUSHD_URL"] = url
        at = AppTest.from_file(str(REPO / "dashboard" / "app.py"), default_timeout=60)
        log_in(at)
        header = ("page", "warm p50", "warm p95", "cold p50", "cold p95")
        print(f"{header[0]:<10}" + "".join(f"{h:>10}" for h in header[1:]) + f"   (ms, {args.runs} runs each)")
        for page in args.pages:
            warm = time_page(at, page, args.runs, cold=False)
            cold = time_page(at, page, args.runs, cold=True)
            row = (statistics.median(warm), p95(warm), statistics.median(cold), p95(cold))
            pages[page] = dict(zip(("warm_p50_ms", "warm_p95_ms", "cold_p50_ms", "cold_p95_ms"), row, strict=True))
            print(f"{page:<10}" + "".join(f"{v:10.1f}" for v in row))
    path = write_results("dashboard_rerun", {"dashboard": dashboard, "alerts": total, "runs": args.runs,
                                             "signed_in_as": "admin", "target_p95_ms": 300,
                                             "compiled_every_run": args.compile_every_run, "pages": pages})
    print(f"results: {path}")


if __name__ == "__main__":
    main()
