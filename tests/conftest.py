"""Fixtures: each test gets its own pushd with its own data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pushd.app import create_app
from shared.settings import PushdSettings
from tests.servers import ADMIN_TOKEN, AUTH, serve_in_thread

__all__ = ["ADMIN_TOKEN", "AUTH"]


def make_settings(data_dir: Path, **overrides: object) -> PushdSettings:
    """Settings for a test pushd: host rules off unless a test turns them on."""
    base: dict[str, object] = {"data_dir": data_dir, "host_rules_enabled": False, "sample_seconds": 1.0,
                               "admin_token": ADMIN_TOKEN}
    return PushdSettings(**{**base, **overrides})


@pytest.fixture
def settings(tmp_path: Path) -> PushdSettings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def client(settings: PushdSettings) -> Iterator[TestClient]:
    """An in-process pushd, lifespan included."""
    with TestClient(create_app(settings), headers=AUTH) as c:
        yield c


@pytest.fixture
def live_url(settings: PushdSettings) -> Iterator[str]:
    """A pushd served by uvicorn on a free port, for real WebSocket and HTTP clients."""
    with serve_in_thread(settings) as url:
        yield url
