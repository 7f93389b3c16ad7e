"""Helpers the pushd benchmarks share: start pushd as a process, report the machine, write results.

Everything listens and connects on 127.0.0.1 only.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent


def extract_rev(rev: str) -> tuple[Path, str]:
    """That commit's pushd/ and shared/ in a temporary directory (removed at exit), and its full sha."""
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=REPO, check=True,
                         capture_output=True, text=True).stdout.strip()
    dest = Path(tempfile.mkdtemp(prefix=f"bench-pushd-{sha[:8]}-"))
    atexit.register(shutil.rmtree, dest, ignore_errors=True)
    archive = subprocess.run(["git", "archive", sha, "pushd", "shared"], cwd=REPO, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest, sha


def _pushd_src() -> tuple[Path, str | None]:
    """The pushd code to run: the work tree, or with BENCH_PUSHD_REV=<commit> that commit's pushd/ and shared/
    (extracted with `git archive`), to measure a fixed version while the work tree keeps changing."""
    rev = os.environ.get("BENCH_PUSHD_REV")
    if not rev:
        return REPO, None
    if "_BENCH_PUSHD_DIR" in os.environ:  # a worker process: its parent has extracted the code already
        return Path(os.environ["_BENCH_PUSHD_DIR"]), rev
    dest, sha = extract_rev(rev)
    os.environ["_BENCH_PUSHD_DIR"] = str(dest)
    return dest, sha


PUSHD_SRC, PUSHD_REV = _pushd_src()
RESULTS = REPO / "bench" / "results"
HOST = "127.0.0.1"

# Every pushd started here gets this admin API token (PUSHD_ADMIN_TOKEN), and every request and
# WebSocket handshake to it sends AUTH. A pushd from before access control (BENCH_PUSHD_REV=b5a36d7
# or older) ignores both, so the same scripts measure old and new code alike.
ADMIN_TOKEN = "bench-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# The bootstrap user `admin` gets this password when a script asks for it (`pushd(..., login=True)`):
# only the dashboard benchmark logs in. Unset, pushd generates one at first start (into a file in the
# temporary data dir) and does not hash it again on a restart, which bench/kill9.py times.
ADMIN_PASSWORD = "bench-admin-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def raise_nofile(wanted: int) -> int:
    """Raise the soft open-file limit towards `wanted` (capped by the hard limit); returns the new soft limit.

    Child processes inherit it, so calling this once in the driver covers pushd and the client workers.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft < wanted:
        print(f"warning: open-file limit is {soft} (< {wanted}); raise the hard limit (ulimit -Hn)", file=sys.stderr)
    return soft


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Poll `url` until it answers 200; fail early when the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}\n{tail}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer 200 within {timeout}s")


@contextmanager
def run_process(args: Sequence[str], health_url: str, log: Path, env: dict[str, str] | None = None,
                timeout: float = 30.0, cwd: Path = REPO) -> Iterator[subprocess.Popen]:
    """Start a server process, wait until `health_url` answers, stop it (SIGTERM, then SIGKILL) on exit.

    Its output goes to a file, not a pipe: a pipe nobody reads fills up (64 KiB) and then blocks the
    server on its next log line, which would show up as latency.
    """
    with log.open("wb") as out:
        proc = subprocess.Popen(list(args), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_http(health_url, timeout, proc, log)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@contextmanager
def pushd(data_dir: Path, login: bool = False, src: Path | None = None,
          **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`python -m pushd` on a free loopback port with host rules off and ADMIN_TOKEN (plus, with `login`,
    ADMIN_PASSWORD for the user `admin`); yields (base URL, process). `env` overrides any of it. The
    code is PUSHD_SRC unless `src` (from `extract_rev`) names another."""
    src = src or PUSHD_SRC
    port = free_port()
    full_env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "PUSHD_HOST": HOST,
        "PUSHD_PORT": str(port),
        "PUSHD_DATA_DIR": str(data_dir),
        "PUSHD_HOST_RULES_ENABLED": "false",
        "PUSHD_LOG_LEVEL": "warning",  # one INFO line per WebSocket connect would be measured too
        "PUSHD_ADMIN_TOKEN": ADMIN_TOKEN,
        **({"PUSHD_ADMIN_PASSWORD": ADMIN_PASSWORD} if login else {}),
        **env,
    }
    url = f"http://{HOST}:{port}"
    with run_process([sys.executable, "-m", "pushd"], f"{url}/healthz", data_dir / "pushd.log", full_env,
                     cwd=src) as proc:
        yield url, proc


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (p in 0..100)."""
    if len(sorted_values) == 0:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return float(sorted_values[k])


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def code_version() -> dict[str, Any]:
    """Which pushd was measured: a commit (BENCH_PUSHD_REV), or the work tree with its HEAD and uncommitted
    pushd/shared files; plus a digest of the code that ran, so two result files can be told apart."""
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True).stdout.strip()
    digest = hashlib.sha256()
    for f in sorted([*PUSHD_SRC.glob("pushd/**/*.py"), *PUSHD_SRC.glob("pushd/**/*.sql"),
                     *PUSHD_SRC.glob("shared/*.py")]):
        digest.update(f.relative_to(PUSHD_SRC).as_posix().encode() + f.read_bytes())
    if PUSHD_REV:
        return {"measured": f"commit {PUSHD_REV[:7]}", "code_sha256": digest.hexdigest()[:16]}
    return {"measured": f"work tree at {git('rev-parse', '--short', 'HEAD')}",
            "uncommitted": git("status", "--porcelain", "--", "pushd", "shared").splitlines(),
            "code_sha256": digest.hexdigest()[:16]}


CODE_AT_START = code_version()  # the tree may change while a benchmark runs; pushd was started from this


def write_results(name: str, results: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), "code": CODE_AT_START, **results}, indent=2) + "\n")
    return path


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(h) for h in headers], *[[f"{c:.2f}" if isinstance(c, float) else str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
