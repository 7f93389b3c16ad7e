"""The dashboard's settings are the ones the README documents, with the Procfile's defaults."""

import re

import pytest
from pydantic import ValidationError

from shared.settings import DashboardSettings
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
