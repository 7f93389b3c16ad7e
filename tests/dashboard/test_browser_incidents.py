"""The incident workspace in a real browser: pushd and `streamlit run` as processes, Chromium.

Its own module: a module's sync Playwright must be closed before another starts, and
test_browser.py keeps one open for its module-scoped `served` fixture.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from shared.client import PushdClient
from shared.models import AlertIn
from tests.dashboard.conftest import ADMIN_PASSWORD
from tests.dashboard.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    log_in,
    pytestmark,  # noqa: F401 - the same marks: browser, and skipped without Chromium
    streamlit_process,
    wait_idle,
)
from tests.servers import ADMIN_TOKEN, pushd_process


def test_incident_acknowledged_from_its_workspace(tmp_path: Path) -> None:
    """Log in on the incidents page, open an incident, acknowledge it: the status and the newest
    timeline entry say so (the grid draws on a canvas; its accessible table, hidden, holds the text)."""
    ARTIFACTS.mkdir(exist_ok=True)
    env = {"PUSHD_HOST_RULES_ENABLED": "false", "PUSHD_SAMPLE_SECONDS": "60", "PUSHD_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with pushd_process(tmp_path / "pushd", **env) as (api, _):
        with PushdClient(api, token=ADMIN_TOKEN) as c:
            [change] = c.post_alerts([AlertIn(labels={"alertname": "DiskFull", "instance": "db1",
                                                      "severity": "critical"})])["changed"]
            made = c.create_incident("disk full on db1", "critical", alert_ids=[change["id"]])
        with streamlit_process(api) as dash, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 1300})
                page.goto(f"{dash}/incidents")
                expect(page.get_by_test_id("stForm")).to_be_visible(timeout=30_000)
                wait_idle(page)
                log_in(page, "admin", ADMIN_PASSWORD)
                expect(page.locator("h1").first).to_have_text("Incidents", timeout=30_000)
                wait_idle(page)
                page.get_by_test_id("stSelectbox").filter(has_text="Open incident").click()
                page.get_by_role("option", name=f"#{made.id} · disk full on db1").click()
                expect(page.get_by_text(f"Incident #{made.id}", exact=True)).to_be_visible(timeout=15_000)
                wait_idle(page)
                page.get_by_role("button", name="Acknowledge", exact=True).click()
                expect(page.get_by_text(f"Incident #{made.id} updated.")).to_be_visible(timeout=15_000)
                wait_idle(page)
                status = page.get_by_test_id("stMetric").filter(has_text="Status")
                expect(status).to_contain_text("Acknowledged")
                timeline = page.get_by_test_id("stDataFrame").filter(has_text="Event").last
                newest = timeline.locator('td[role="gridcell"][aria-colindex="3"]').first
                expect(newest).to_have_text("status Open → Acknowledged", timeout=15_000)
                page.screenshot(path=str(ARTIFACTS / "dashboard-incident-en.png"), full_page=True)
            finally:
                browser.close()
        with PushdClient(api, token=ADMIN_TOKEN) as c:
            got = c.get_incident(made.id)
            assert got.status.value == "acknowledged"
            assert (got.timeline[-1].kind, got.timeline[-1].actor) == ("status", "admin")
