"""Real pushd servers for tests: in-process uvicorn on a free port, or a `python -m pushd` process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from pushd.server import uvicorn_config
from shared.settings import PushdSettings

REPO = Path(__file__).resolve().parent.parent
# Every test pushd starts with this admin API token (PUSHD_ADMIN_TOKEN), so tests can act at once.
ADMIN_TOKEN = "test-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not become healthy in {timeout}s")


@contextmanager
def serve_in_thread(settings: PushdSettings, **uvicorn_kw: object) -> Iterator[str]:
    """Run create_app(settings) on uvicorn in a background thread; yields its base URL."""
    with serve_config_in_thread(settings, **uvicorn_kw) as (url, _):
        yield url


@contextmanager
def serve_config_in_thread(settings: PushdSettings, **uvicorn_kw: object) -> Iterator[tuple[str, uvicorn.Config]]:
    """As serve_in_thread, also yielding the uvicorn Config (its `app` is the FastAPI app it serves)."""
    port = free_port()
    config = uvicorn_config(settings, host="127.0.0.1", port=port, log_level="warning", **uvicorn_kw)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        yield url, config
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def pushd_env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PUSHD_DATA_DIR": str(data_dir), "PUSHD_PORT": str(port),
           "PUSHD_ADMIN_TOKEN": ADMIN_TOKEN}
    env.update(extra)
    return env


@contextmanager
def pushd_process(data_dir: Path, port: int | None = None, **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`python -m pushd` as a real process; killed (SIGKILL) on exit if still running.

    Its log goes to a file beside the data dir: a pipe nobody reads would block pushd once full."""
    port = port or free_port()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(data_dir.parent / f"pushd-{port}.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "pushd"], cwd=REPO, env=pushd_env(data_dir, port, **env),
                                stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc=proc)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
