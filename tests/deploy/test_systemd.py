"""deploy/systemd: the units pass `systemd-analyze verify`, carry the hardening the issue asks for, and
their ExecStart, run with their Environment, starts pushd and stops it cleanly on SIGTERM.

`verify` refuses an ExecStart whose binary does not exist, and with `--root` needs the system's units
(sysinit.target, ...) under that root; so the test verifies the units unchanged in a temporary root
that has a copy of the system's units and stub executables at the install layout's paths
(/opt/pushd/venv/bin/...). A value verify cannot parse is only a warning ("ignoring") and exit 0:
the test fails on any output too.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import REPO, free_port, wait_healthy

UNITS = REPO / "deploy" / "systemd"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")
HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes"}

needs_systemd = pytest.mark.skipif(shutil.which("systemd-analyze") is None or not SYSTEM_UNITS.is_dir(),
                                   reason="systemd-analyze and the system's units (Debian: systemd)")


def read_unit(path: Path) -> dict[str, list[str]]:
    """A unit's `[Service]`, `[Unit]` and `[Install]` settings, every value of a repeated key in order."""
    settings: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def unit_environment(unit: dict[str, list[str]]) -> dict[str, str]:
    return dict(pair.split("=", 1) for value in unit.get("Environment", []) for pair in shlex.split(value))


@needs_systemd
def test_units_verify(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(SYSTEM_UNITS, root / SYSTEM_UNITS.relative_to("/"), symlinks=True)
    shutil.copytree(UNITS, root / "etc/systemd/system", dirs_exist_ok=True)
    for unit in UNITS.glob("*.service"):
        binary = Path(shlex.split(read_unit(unit)["ExecStart"][0])[0])
        stub = root / binary.relative_to("/")
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
    names = sorted(u.name for u in UNITS.glob("*.service"))
    assert names == ["pushd-dashboard.service", "pushd.service"]
    result = subprocess.run(["systemd-analyze", "verify", f"--root={root}", "--man=no", *names],
                            capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.parametrize("name", ["pushd.service", "pushd-dashboard.service"])
def test_units_are_hardened(name: str) -> None:
    unit = read_unit(UNITS / name)
    for key, value in HARDENING.items():
        assert unit.get(key) == [value], key
    assert unit.get("EnvironmentFile"), "settings and secrets come from a file, not the unit"
    assert unit.get("User") or unit.get("DynamicUser") == ["yes"]
    assert "root" not in unit.get("User", [])
    assert unit.get("ReadWritePaths"), "the only writable places are named"
    assert unit.get("KillSignal") == ["SIGTERM"]


def test_pushd_unit_keeps_its_data_in_its_state_directory() -> None:
    unit = read_unit(UNITS / "pushd.service")
    assert unit["StateDirectory"] == ["pushd"]
    assert unit_environment(unit)["PUSHD_DATA_DIR"] == "/var/lib/pushd"
    assert unit["ReadWritePaths"] == ["/var/lib/pushd"]


def test_pushd_unit_command_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """ExecStart with the unit's Environment, on this checkout and interpreter instead of /opt/pushd:
    pushd serves, and SIGTERM (the unit's KillSignal) ends it with status 0 well within TimeoutStopSec,
    so systemd records a clean stop, not a failure."""
    unit = read_unit(UNITS / "pushd.service")
    argv = shlex.split(unit["ExecStart"][0])
    assert argv[0] == "/opt/pushd/venv/bin/python"
    port = free_port()
    env = {**os.environ, **unit_environment(unit), "PYTHONPATH": str(REPO), "PUSHD_DATA_DIR": str(tmp_path / "data"),
           "PUSHD_PORT": str(port), "PUSHD_HOST_RULES_ENABLED": "false"}
    proc = subprocess.Popen([sys.executable, *argv[1:]], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc=proc)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=float(unit["TimeoutStopSec"][0]))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    assert (tmp_path / "data" / "pushd.sqlite3").exists()
