"""compose.yaml: pushd and the dashboard from the one image behind nginx, data in a named volume,
secrets from .env (deploy/env.example), none in the file. No Docker engine here: the file is checked
as data; the image it runs is tested in test_image.py and nginx's config in the nginx tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from shared.settings import DashboardSettings, PushdSettings
from tests.servers import REPO

SECRET = re.compile(r"PASSWORD|TOKEN|SECRET|KEY", re.IGNORECASE)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "compose.yaml").read_text())


def env_lines(path: Path) -> dict[str, str]:
    lines = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_services_and_volume(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"pushd", "dashboard", "nginx"}
    assert services["pushd"]["command"] == ["pushd"] and services["dashboard"]["command"] == ["dashboard"]
    assert services["pushd"]["build"] == "." and services["dashboard"]["image"] == services["pushd"]["image"]
    assert services["pushd"]["volumes"] == ["pushd-data:/data"]
    assert "pushd-data" in compose["volumes"]
    assert services["dashboard"]["environment"]["PUSHD_URL"] == "http://pushd:8000"
    published = [name for name, s in services.items() if s.get("ports")]
    assert published == ["nginx"], "only the proxy is reachable from outside"


def test_nginx_uses_the_shared_config_and_mounted_certificates(compose: dict[str, Any]) -> None:
    nginx = compose["services"]["nginx"]
    assert nginx["image"] == "nginx:stable"
    mounts = dict(v.rsplit(":", 1)[0].split(":", 1) for v in nginx["volumes"])
    assert mounts["./deploy/nginx/pushd.conf"].startswith("/etc/nginx/conf.d/")
    assert mounts["./deploy/tls"] == "/etc/nginx/tls"


def test_healthchecks_name_the_image_script(compose: dict[str, Any]) -> None:
    for name in ("pushd", "dashboard"):
        test = compose["services"][name]["healthcheck"]["test"]
        assert test[:2] == ["CMD", "python"] and test[-1] == name
        script = Path(test[2]).relative_to("/opt/pushd/app")
        assert (REPO / script).is_file()


def test_secrets_come_from_env_file(compose: dict[str, Any]) -> None:
    assert compose["services"]["pushd"]["env_file"] == ".env"
    assert "env_file" not in compose["services"]["dashboard"], "the dashboard gets none of pushd's secrets"
    text = (REPO / "compose.yaml").read_text()
    assert not re.search(r"PUSHD_ADMIN_\w+\s*[:=]", text)
    for service in compose["services"].values():
        for key in service.get("environment", {}):
            assert not SECRET.search(key), key
    assert ".env" in (REPO / ".gitignore").read_text().splitlines()


PLACEHOLDERS = ("PUSHD_ADMIN_PASSWORD", "PUSHD_ADMIN_TOKEN")


def test_env_example_is_valid_once_its_secrets_are_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy/env.example (for compose) and deploy/pushd.env.example (for systemd) hold settings that
    pushd and the dashboard accept, and nothing else but nginx's published ports; their secrets are
    placeholders that pushd refuses until someone replaces them (a copy started unchanged would make an
    admin whose password is in the repository)."""
    known = {f"PUSHD_{f.upper()}" for f in PushdSettings.model_fields}
    known |= {f.upper() for f in DashboardSettings.model_fields} | {"HTTP_PORT", "HTTPS_PORT"}
    for path in (REPO / "deploy" / "env.example", REPO / "deploy" / "pushd.env.example",
                 REPO / "deploy" / "dashboard.env.example"):
        values = env_lines(path)
        assert set(values) <= known, set(values) - known
        for key, value in values.items():
            monkeypatch.setenv(key, value)
    for key in PLACEHOLDERS:
        with pytest.raises(ValidationError, match="placeholder"):
            PushdSettings()
        monkeypatch.setenv(key, f"a-secret-of-my-own-for-{key.lower()}")
    PushdSettings()
    DashboardSettings()
