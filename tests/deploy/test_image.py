"""The Dockerfile builds an image that runs pushd and the dashboard as a non-root user, data in /data.

No Docker engine here: buildah builds the Dockerfile (vfs storage, chroot isolation) on a local
stand-in for python:3.11-slim (tests/deploy/standin.py), with this host's pip index, proxy and CA
bundle as build secrets, and `buildah run` runs the image's own command. Minutes, not seconds:
PUSHD_SKIP_IMAGE_TEST=1 skips it locally; CI runs it (.ci/run installs buildah and debootstrap).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.deploy.buildah import Buildah, pip_build_secrets
from tests.deploy.container import Running, run_image, uids
from tests.deploy.standin import import_standin
from tests.servers import ADMIN_TOKEN, AUTH, REPO, free_port

pytestmark = [
    pytest.mark.image,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(os.environ.get("PUSHD_SKIP_IMAGE_TEST") == "1", reason="PUSHD_SKIP_IMAGE_TEST=1"),
]

IMAGE = "localhost/pushd:test"
# Measured with the Debian stand-in base (176 MB; the official slim image is ~130 MB): 2026-11.
MAX_IMAGE_BYTES = 700_000_000
# honcho exits 143 (128 + SIGTERM) after a SIGTERM, by design, even when its programs stopped cleanly;
# alone, pushd and the dashboard exit 0.
HONCHO_SIGTERM_STATUS = 143


@pytest.fixture(scope="module")
def buildah() -> Iterator[Buildah]:
    missing = [tool for tool in ("buildah", "debootstrap") if shutil.which(tool) is None]
    if missing or os.geteuid() != 0:
        pytest.fail(f"the image test runs as root with buildah and debootstrap (missing: {missing or 'root'}): "
                    "bash .ci/run installs them; PUSHD_SKIP_IMAGE_TEST=1 skips the test")
    root = Path(tempfile.mkdtemp(prefix="pushd-image-test-", dir="/var/tmp"))
    b = Buildah(root)
    try:
        yield b
    finally:
        b.remove_all()


@pytest.fixture(scope="module")
def image(buildah: Buildah) -> str:
    import_standin(buildah)
    secrets = pip_build_secrets(buildah.root)
    log = buildah("build", "--isolation", "chroot", "--pull=never", "--format", "docker", *secrets,
                  "--tag", IMAGE, "--file", str(REPO / "Dockerfile"), str(REPO), timeout=1500)
    (buildah.root / "build.log").write_text(log)
    return IMAGE


def settings_env(**extra: str) -> dict[str, str]:
    """pushd's settings for a run: free ports on the host's network, a known admin token."""
    pushd_port, dashboard_port = free_port(), free_port()
    return {"PUSHD_PORT": str(pushd_port), "DASHBOARD_PORT": str(dashboard_port),
            "PUSHD_URL": f"http://127.0.0.1:{pushd_port}", "PUSHD_ADMIN_TOKEN": ADMIN_TOKEN,
            "PUSHD_HOST_RULES_ENABLED": "false", **extra}


def wait_for(running: Running, url: str, timeout: float = 90) -> httpx.Response:
    """The first 200 from `url`, while the container runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.proc.poll() is not None:
            raise AssertionError(f"the container exited with {running.proc.returncode}:\n{running.output()}")
        try:
            response = httpx.get(url, timeout=2, trust_env=False)
            if response.status_code == 200:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer 200 within {timeout}s:\n{running.output()}")


def assert_stopped_cleanly(output: str) -> None:
    """Both programs got the SIGTERM honcho passes on and shut down, none with a traceback."""
    assert "Traceback" not in output, output
    assert "Application shutdown complete." in output, output
    assert "dashboard.1 |   Stopping..." in output, output


def api(env: dict[str, str]) -> httpx.Client:
    return httpx.Client(base_url=env["PUSHD_URL"], headers=AUTH, timeout=10, trust_env=False)


def test_image_config(buildah: Buildah, image: str) -> None:
    config = buildah.image_config(image)
    assert config["User"].split(":")[0] not in ("", "root", "0")
    assert "/data" in config["Volumes"]
    env = dict(e.split("=", 1) for e in config["Env"])
    assert env["PUSHD_DATA_DIR"] == "/data"
    assert env["PUSHD_HOST"] == env["DASHBOARD_HOST"] == "0.0.0.0"
    assert config["Healthcheck"]["Test"][0] == "CMD"
    assert config["Cmd"] == ["all"]
    size = buildah.image_size(image)
    print(f"image size: {size / 1e6:.0f} MB")
    assert size < MAX_IMAGE_BYTES


def test_no_build_tools_or_caches(buildah: Buildah, image: str, tmp_path: Path) -> None:
    """The final image has no pip, no pip cache, no compiler, and not the big test suites of pandas,
    numpy and pyarrow (the Dockerfile removes them: ~75 MB)."""
    probe = ("import importlib.util, pathlib, shutil, sys; "
             "print(importlib.util.find_spec('pip'), [t for t in ('gcc', 'cc', 'make') if shutil.which(t)], "
             "[str(p) for p in pathlib.Path('/').glob('*/.cache/pip')], "
             "[str(p) for s in ('pandas', 'numpy', 'pyarrow') "
             "for p in pathlib.Path(sys.prefix).glob(f'lib/*/site-packages/{s}/tests')])")
    with run_image(buildah, image, tmp_path, {}, command=["python", "-c", probe]) as running:
        assert running.proc.wait(60) == 0, running.output()
    assert running.output().strip().splitlines()[-1] == "None [] [] []"


def test_image_runs_both_programs(buildah: Buildah, image: str, tmp_path: Path) -> None:
    """The image's own command (`all`) serves pushd and the dashboard; an alert sent is read back,
    also after a restart (it is in /data); nothing runs as root; SIGTERM stops it cleanly."""
    env = settings_env()
    with run_image(buildah, image, tmp_path, env) as running:
        assert wait_for(running, f"{env['PUSHD_URL']}/healthz").json()["status"] == "ok"
        wait_for(running, f"http://127.0.0.1:{env['DASHBOARD_PORT']}/_stcore/health")
        alert = {"labels": {"alertname": "ImageTest", "instance": "container"}, "severity": "critical",
                 "annotations": {"summary": "sent to the image"}}
        with api(env) as client:
            assert client.post("/api/v1/alerts", json=alert).status_code == 200
            items = client.get("/api/v1/alerts", params={"label": "alertname=ImageTest"}).json()["items"]
        assert [a["labels"]["instance"] for a in items] == ["container"]

        pushd, dashboard = running.find("-m", "pushd"), running.find("streamlit", "run")
        assert pushd and dashboard, running.processes()
        for pid in running.processes():
            assert 0 not in uids(pid), f"{pid} runs as root"

        health = buildah.image_config(image)["Healthcheck"]["Test"][1:]
        check = running.exec(*health, env=env)
        assert check.returncode == 0, check.stderr
        assert running.stop() == HONCHO_SIGTERM_STATUS
    assert_stopped_cleanly(running.output())

    env = settings_env()  # the same container again (as `docker restart`), on other ports
    with run_image(buildah, image, tmp_path, env, ctr=running.ctr) as again:
        wait_for(again, f"{env['PUSHD_URL']}/healthz")
        with api(env) as client:
            items = client.get("/api/v1/alerts", params={"label": "alertname=ImageTest"}).json()["items"]
        assert [a["labels"]["instance"] for a in items] == ["container"]
        assert again.stop() == HONCHO_SIGTERM_STATUS
    assert_stopped_cleanly(again.output())


@pytest.mark.parametrize("command", ["pushd", "dashboard"])
def test_image_runs_one_program(buildah: Buildah, image: str, tmp_path: Path, command: str) -> None:
    """`pushd` or `dashboard` as the command runs that program alone, and the healthcheck probes it."""
    env = settings_env()
    with run_image(buildah, image, tmp_path, env, command=[command]) as running:
        if command == "pushd":
            wait_for(running, f"{env['PUSHD_URL']}/healthz")
        else:
            wait_for(running, f"http://127.0.0.1:{env['DASHBOARD_PORT']}/_stcore/health")
        others = running.find("honcho") + running.find("streamlit" if command == "pushd" else "pushd")
        assert not others, others
        health = buildah.image_config(image)["Healthcheck"]["Test"][1:]
        check = running.exec(*health, env=env)
        assert check.returncode == 0, check.stderr
        assert running.stop() == 0, running.output()
