"""The real thing: pushd and `streamlit run` as processes, Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from shared.client import PushdClient
from shared.models import AlertIn
from tests.servers import REPO, free_port, pushd_process

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium package at /usr/bin/chromium"),
]


@contextmanager
def streamlit_process(pushd_url: str) -> Iterator[str]:
    """`streamlit run dashboard/app.py` as the Procfile runs it; its whole process group is killed on exit."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "PUSHD_URL": pushd_url, "DASHBOARD_LANGUAGE": "en"}
    cmd = [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"streamlit exited with {proc.returncode}"
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "streamlit did not become healthy in 30 s"
            time.sleep(0.1)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait_idle(page: Page) -> None:
    """Until the script run the last action started has finished ("Running…" indicator gone)."""
    page.wait_for_timeout(300)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=15_000)


def test_metrics_page_draws_charts_and_switches_language(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with pushd_process(tmp_path / "pushd", PUSHD_HOST_RULES_ENABLED="false", PUSHD_SAMPLE_SECONDS="1") as (api, _):
        with PushdClient(api) as c:
            c.post_alerts([AlertIn(labels={"alertname": f"Browser{i}", "severity": "critical"},
                                   annotations={"summary": "<b>not bold</b>"}) for i in range(3)])
        time.sleep(2)  # a few host samples, so the trend lines have points
        with streamlit_process(api) as dash, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 1300})
                page.goto(f"{dash}/metrics")
                expect(page.locator("h1").first).to_have_text("Metrics", timeout=30_000)
                expect(page.locator(".js-plotly-plot")).to_have_count(3, timeout=30_000)
                expect(page.get_by_text("CPU usage").first).to_be_visible()
                expect(page.get_by_text("Connected")).to_be_visible()
                # .streamlit/config.toml: toolbarMode = "minimal", so users get no Deploy button or dev menu
                expect(page.get_by_test_id("stAppDeployButton")).to_have_count(0)
                expect(page.get_by_test_id("stMainMenu")).to_have_count(0)
                page.wait_for_timeout(1000)  # let Plotly finish its first draw before the picture
                page.screenshot(path=str(ARTIFACTS / "dashboard-metrics-en.png"), full_page=True)

                page.get_by_role("link", name="Settings").click()
                expect(page.locator("h1").first).to_have_text("Settings", timeout=15_000)
                wait_idle(page)
                page.get_by_role("radio", name="中文").click()  # segmented control options are radios
                expect(page.locator("h1").first).to_have_text("系统设置", timeout=15_000)
                page.get_by_role("link", name="监控指标").click()
                expect(page.locator("h1").first).to_have_text("监控指标", timeout=15_000)
                expect(page.get_by_text("CPU 使用率").first).to_be_visible()
                expect(page.locator(".js-plotly-plot")).to_have_count(3, timeout=30_000)
                page.wait_for_timeout(1000)
                page.screenshot(path=str(ARTIFACTS / "dashboard-metrics-zh.png"), full_page=True)
            finally:
                browser.close()
