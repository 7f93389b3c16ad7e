"""The real thing: pushd and `streamlit run` as processes, Debian's Chromium driven by Playwright."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright

from shared.client import PushdClient
from shared.models import AlertIn
from tests.dashboard.conftest import ADMIN_PASSWORD
from tests.servers import ADMIN_TOKEN, REPO, free_port, pushd_process

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
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


def log_in(page: Page, username: str, password: str) -> None:
    """Through the login form, as a person does (Enter in the password field submits it)."""
    form = page.get_by_test_id("stForm")
    form.get_by_role("textbox", name="Username").fill(username)
    form.get_by_role("textbox", name="Password").fill(password)
    form.get_by_role("textbox", name="Password").press("Enter")


def test_login_metrics_language_and_logout(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    env = {"PUSHD_HOST_RULES_ENABLED": "false", "PUSHD_SAMPLE_SECONDS": "1", "PUSHD_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with pushd_process(tmp_path / "pushd", **env) as (api, _):
        with PushdClient(api, token=ADMIN_TOKEN) as c:
            c.post_alerts([AlertIn(labels={"alertname": f"Browser{i}", "severity": "critical"},
                                   annotations={"summary": "<b>not bold</b>"}) for i in range(3)])
            deadline = time.monotonic() + 20  # a few host samples (one a second), so the trend lines have points
            while len(c.metrics_history(5)) < 3:
                assert time.monotonic() < deadline, "pushd took no 3 host samples in 20 s"
                time.sleep(0.1)
        with streamlit_process(api) as dash, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 1300})
                page.goto(f"{dash}/metrics")  # not signed in: the login page, whatever was asked for
                expect(page.get_by_test_id("stForm")).to_be_visible(timeout=30_000)
                expect(page.get_by_role("link", name="Metrics")).to_have_count(0)
                wait_idle(page)
                log_in(page, "admin", "not-the-password")
                expect(page.get_by_text("Wrong username or password")).to_be_visible(timeout=15_000)
                wait_idle(page)
                log_in(page, "admin", ADMIN_PASSWORD)
                expect(page.locator("h1").first).to_have_text("Metrics", timeout=30_000)  # the page asked for
                expect(page.get_by_text("Signed in as admin (Admin)")).to_be_visible(timeout=15_000)
                expect(page.get_by_role("link", name="Overview")).to_be_visible()
                assert page.url == f"{dash}/metrics"  # no token in the URL
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

                page.get_by_role("link", name="用户权限管理").click()
                expect(page.locator("h1").first).to_have_text("用户权限管理", timeout=15_000)
                wait_idle(page)
                page.get_by_role("button", name="退出登录").click()  # the language stays; the session does not
                expect(page.get_by_text("您已退出登录。")).to_be_visible(timeout=15_000)
                expect(page.get_by_test_id("stForm")).to_be_visible()
                expect(page.get_by_role("link", name="监控指标")).to_have_count(0)
            finally:
                browser.close()


Pixel = tuple[int, int, int]
PLACEHOLDERS = {"zh": ("请选择（可多选）", "请选择"), "en": ("Choose options", "Choose an option")}  # many, one
LANGUAGE = {"en": "English", "zh": "中文"}  # the options' names in Settings
THEME = {"light": "Light|浅色", "dark": "Dark|深色"}  # named in the session's language
ALERT_CENTER = {"en": "Alert center", "zh": "告警中心"}
PATHS = ("overview", "alerts", "incidents", "runbooks", "metrics", "users", "settings")


def pixels(png: bytes) -> Counter[Pixel]:
    """How many pixels of each colour the screenshot has."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return Counter({colour: n for n, colour in image.getcolors(image.width * image.height)})


def share(counts: Counter[Pixel], wanted: Callable[[Pixel], bool]) -> int:
    """How many pixels are `wanted`."""
    return sum(n for px, n in counts.items() if wanted(px))


def luminance(px: Pixel) -> float:
    return 0.2126 * px[0] + 0.7152 * px[1] + 0.0722 * px[2]


def no_page_not_found(page: Page) -> None:
    wait_idle(page)
    expect(page.get_by_text("Page not found")).to_have_count(0)


def choose(page: Page, path: str, *options: str) -> None:
    """On Settings, the segmented-control options named `options` (patterns, for either language); then `path`."""
    page.locator('a[href$="/settings"]').click()
    expect(page.locator("h1").first).to_have_text(re.compile("^(Settings|系统设置)$"), timeout=15_000)
    wait_idle(page)
    for option in options:
        page.get_by_role("radio", name=re.compile(f"^({option})$")).click()
        wait_idle(page)
    page.locator(f'a[href$="/{path}"]').click()
    wait_idle(page)


def check_urls(page: Page, dash: str) -> None:
    """Every page's URL answers when pasted, before the login (the login form) and after it (that page)."""
    for path in ("", "login", *PATHS):
        page.goto(f"{dash}/{path}")
        expect(page.get_by_test_id("stForm")).to_be_visible(timeout=30_000)
        no_page_not_found(page)
    # "/" and /login lead to the overview, at its own URL.
    for path, landing, title in (("overview", "overview", "Overview"), ("", "overview", "Overview"),
                                 ("login", "overview", "Overview"), ("alerts", "alerts", "Alert center")):
        page.goto(f"{dash}/{path}")
        expect(page.get_by_test_id("stForm")).to_be_visible(timeout=30_000)
        wait_idle(page)
        log_in(page, "admin", ADMIN_PASSWORD)
        expect(page.locator("h1").first).to_have_text(title, timeout=30_000)
        no_page_not_found(page)
        assert page.url == f"{dash}/{landing}"
    page.locator('a[href$="/overview"]').click()
    expect(page.locator("h1").first).to_have_text("Overview", timeout=15_000)
    assert page.url == f"{dash}/overview"


def dark_red(p: Pixel) -> bool:
    return 40 <= p[0] <= 90 and p[0] - p[1] >= 15 and p[0] - p[2] >= 15


def dark_amber(p: Pixel) -> bool:
    return 30 <= p[0] <= 90 and p[0] > p[1] > p[2] + 15


def light_red(p: Pixel) -> bool:
    return p[0] >= 245 and 215 <= p[1] <= 235 and p[2] <= 235


def light_amber(p: Pixel) -> bool:
    return p[0] >= 245 and 230 <= p[1] <= 245 and p[2] <= 210


def colours_right(page: Page, dark: bool) -> bool:
    """The alert table and a text field follow the theme; severity cells are tinted badges (two critical
    rows and one warning row: thousands of pixels each)."""
    shown = pixels(page.get_by_test_id("stDataFrame").first.screenshot())
    field = pixels(page.get_by_test_id("stTextInputRootElement").first.screenshot())
    background, field_background = shown.most_common(1)[0][0], field.most_common(1)[0][0]
    if dark:
        return (luminance(background) < 40 and luminance(field_background) < 60
                and share(shown, dark_red) > 1000 and share(shown, dark_amber) > 500)
    return (luminance(background) > 230 and luminance(field_background) > 230
            and share(shown, light_red) > 1000 and share(shown, light_amber) > 500)


def check_colours(page: Page, dark: bool) -> None:
    """Until the grid has drawn its canvas in the theme's colours, for at most 15 s."""
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    deadline = time.monotonic() + 15
    while not colours_right(page, dark):
        assert time.monotonic() < deadline, f"the table's colours do not follow the {'dark' if dark else 'light'} theme"
        page.wait_for_timeout(200)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Browser]]:
    """pushd with two critical alerts, a warning and an info, the dashboard in front of it, and a
    browser: shared by the tests below, which only read."""
    env = {"PUSHD_HOST_RULES_ENABLED": "false", "PUSHD_SAMPLE_SECONDS": "60", "PUSHD_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with pushd_process(tmp_path_factory.mktemp("served") / "pushd", **env) as (api, _):
        with PushdClient(api, token=ADMIN_TOKEN) as c:
            c.post_alerts([AlertIn(labels={"alertname": f"Badge{i}", "severity": severity, "instance": "db1"})
                           for i, severity in enumerate(("critical", "critical", "warning", "info"))])
        with streamlit_process(api) as dash, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                yield dash, browser
            finally:
                browser.close()


def test_every_page_url_answers_when_pasted(served: tuple[str, Browser]) -> None:
    dash, browser = served
    page = browser.new_page(viewport={"width": 1440, "height": 1100})
    try:
        check_urls(page, dash)
    finally:
        page.close()


def test_themes_languages_and_severity_badges(served: tuple[str, Browser]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    dash, browser = served
    page = browser.new_page(viewport={"width": 1440, "height": 1100})
    try:
        page.goto(f"{dash}/alerts")
        expect(page.get_by_test_id("stForm")).to_be_visible(timeout=30_000)
        wait_idle(page)
        log_in(page, "admin", ADMIN_PASSWORD)
        expect(page.locator("h1").first).to_have_text("Alert center", timeout=30_000)
        for lang, theme in (("en", "light"), ("en", "dark"), ("zh", "dark"), ("zh", "light")):
            choose(page, "alerts", LANGUAGE[lang], THEME[theme])
            expect(page.locator("h1").first).to_have_text(ALERT_CENTER[lang])
            check_colours(page, theme == "dark")
            # Streamlit's own placeholders are English; ours follow the language.
            many, one = PLACEHOLDERS[lang]
            expect(page.get_by_placeholder(many, exact=True)).to_have_count(1)  # severity (status has values)
            expect(page.get_by_placeholder(one, exact=True)).to_have_count(3)  # range, page size, detail
            if lang == "zh":
                expect(page.get_by_placeholder(re.compile("^Choose"))).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / f"dashboard-alerts-{lang}-{theme}.png"), full_page=True)
    finally:
        page.close()

