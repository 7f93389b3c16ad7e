"""Fixtures for the dashboard: a real pushd per test, and the app run headless with AppTest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from shared.client import PushdClient
from shared.settings import PushdSettings
from tests.servers import ADMIN_TOKEN, REPO, free_port, serve_in_thread

APP = str(REPO / "dashboard" / "app.py")
# Cold runs import pandas/plotly and start pushd's sampler; later runs take tens of milliseconds.
RUN_TIMEOUT = 30
# The bootstrap user `admin` gets this password (PUSHD_ADMIN_PASSWORD), as an operator would set it.
ADMIN_PASSWORD = "admin-password-for-tests"
PASSWORD = "a-password-for-tests"  # for the users tests create


def pushd_settings(data_dir: Path, **overrides: object) -> PushdSettings:
    """Host rules off (they would add alerts of their own); a slow sampler keeps "current CPU" stable."""
    base: dict[str, object] = {"data_dir": data_dir, "host_rules_enabled": False, "sample_seconds": 60.0,
                               "admin_token": ADMIN_TOKEN, "admin_password": ADMIN_PASSWORD}
    return PushdSettings(**{**base, **overrides})


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """st.cache_data is process-wide: one test's cached pushd answers must not leak into the next."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def pushd_url(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(pushd_settings(tmp_path / "pushd")) as url:
        yield url


@pytest.fixture
def pushd(pushd_url: str) -> Iterator[PushdClient]:
    """pushd as its admin API token (the actor `token:admin`)."""
    with PushdClient(pushd_url, token=ADMIN_TOKEN) as client:
        yield client


@pytest.fixture
def dead_url() -> str:
    """A URL where nothing listens: pushd stopped."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def make_app(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], AppTest]:
    """An AppTest of dashboard/app.py reading pushd at `url`, as the Procfile's PUSHD_URL would set it."""
    def make(url: str, lang: str = "en") -> AppTest:
        monkeypatch.setenv("PUSHD_URL", url)
        monkeypatch.setenv("DASHBOARD_LANGUAGE", lang)
        return AppTest.from_file(APP, default_timeout=RUN_TIMEOUT)
    return make


@pytest.fixture
def app(make_app: Callable[[str], AppTest], pushd_url: str) -> AppTest:
    """The dashboard, logged in as the bootstrap admin through the login form."""
    return log_in(make_app(pushd_url), "admin", ADMIN_PASSWORD)


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    """Through the login form, as a person would; fails unless the pages appear."""
    fill_login(at, username, password)
    assert not at.exception, [e.value for e in at.exception]
    assert signed_in(at), [e.value for e in at.error]
    return at


def signed_in(at: AppTest) -> bool:
    """The sidebar's logout button is drawn for signed-in sessions only."""
    return any(b.key == "logout" for b in at.button)


def fill_login(at: AppTest, username: str, password: str) -> AppTest:
    at.run()
    at.text_input(key="login_user").input(username)
    at.text_input(key="login_password").input(password)
    return at.button(key="login_submit").click().run()


def add_user(pushd: PushdClient, username: str, role: str) -> str:
    """A user made through the REST API with the admin token; returns the password."""
    pushd.create_user(username, PASSWORD, role)  # type: ignore[arg-type]
    return PASSWORD


def open_page(at: AppTest, name: str) -> AppTest:
    """Switch to views/<name>.py and run it, failing on any exception the page raised."""
    at.switch_page(f"views/{name}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
