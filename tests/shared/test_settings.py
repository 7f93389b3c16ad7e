"""The dashboard's settings are the ones the README documents, with the Procfile's defaults."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.settings import DashboardSettings, PushdSettings
from tests.servers import REPO


def test_dashboard_host_and_port_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_HOST", "0.0.0.0")
    monkeypatch.setenv("DASHBOARD_PORT", "9000")
    s = DashboardSettings()
    assert (s.dashboard_host, s.dashboard_port) == ("0.0.0.0", 9000)
    monkeypatch.setenv("DASHBOARD_PORT", "70000")
    with pytest.raises(ValidationError, match="dashboard_port"):
        DashboardSettings()


def test_their_defaults_are_the_procfiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASHBOARD_HOST", raising=False)
    monkeypatch.delenv("DASHBOARD_PORT", raising=False)
    procfile = (REPO / "Procfile").read_text()
    shell_defaults = dict(re.findall(r"\$\{(DASHBOARD_\w+):-([^}]*)\}", procfile))
    s = DashboardSettings()
    assert shell_defaults == {"DASHBOARD_HOST": s.dashboard_host, "DASHBOARD_PORT": str(s.dashboard_port)}


@pytest.mark.parametrize("name", ["PUSHD_ADMIN_PASSWORD", "PUSHD_ADMIN_TOKEN"])
def test_the_examples_placeholder_secrets_are_refused(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "Change-Me-to-a-random-token-of-32-characters")
    with pytest.raises(ValidationError, match="placeholder") as err:
        PushdSettings()
    assert "Change-Me" not in str(err.value)  # a refused secret is never printed


def test_pushd_with_a_placeholder_secret_says_why_and_exits_78(tmp_path: Path) -> None:
    env = {**os.environ, "PUSHD_DATA_DIR": str(tmp_path), "PUSHD_ADMIN_PASSWORD": "change-me-to-a-long-password"}
    done = subprocess.run([sys.executable, "-m", "pushd"], env=env, capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 78
    assert "not starting: invalid settings" in done.stderr and "placeholder" in done.stderr
    assert "Traceback" not in done.stderr and "change-me-to-a-long-password" not in done.stderr
    assert not (tmp_path / "pushd.sqlite3").exists()
