"""Startup completes or undoes what it did; shutdown blocks no event loop."""

import asyncio
import itertools
import threading
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pushd.app import create_app
from pushd.store import SQLiteStore
from tests.conftest import AUTH, make_settings


def store_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith(("sqlite-writer", "sqlite-read"))}


def test_a_failure_after_the_store_opened_closes_it(tmp_path: Path) -> None:
    """A first start writes the generated admin credentials last; a directory where that file goes
    makes the write fail for real, after the store opened and its readers ran queries."""
    settings = make_settings(tmp_path / "data", admin_token=None)
    settings.credentials_path.mkdir(parents=True)
    before = store_threads()
    with pytest.raises(IsADirectoryError), TestClient(create_app(settings), headers=AUTH):
        pass
    assert store_threads() - before == set()
    # The store was closed, not abandoned: the next start, with the way clear, opens it again.
    settings.credentials_path.rmdir()
    with TestClient(create_app(settings), headers=AUTH) as client:
        assert client.get("/healthz").status_code == 200  # no token of ours: the first start made its own
    assert store_threads() - before == set()


def test_closing_the_store_leaves_the_event_loop_running(tmp_path: Path) -> None:
    """close() waits for the writer to finish its queued jobs; a job that takes half a second (a slow
    disk) must not stop the loop meanwhile."""
    async def main() -> tuple[float, float]:
        store = SQLiteStore(tmp_path / "s.sqlite3")
        await store.open()
        started = threading.Event()

        def slow_job(conn: object) -> None:
            started.set()
            time.sleep(0.5)
        write = asyncio.ensure_future(store.db.write(slow_job))
        await asyncio.to_thread(started.wait, 5)
        ticks = [time.monotonic()]

        async def ticker() -> None:
            while True:
                await asyncio.sleep(0.01)
                ticks.append(time.monotonic())
        ticking = asyncio.ensure_future(ticker())
        await store.close()
        ticks.append(time.monotonic())
        ticking.cancel()
        await write
        return ticks[-1] - ticks[0], max(b - a for a, b in itertools.pairwise(ticks))

    took, longest_gap = asyncio.run(main())
    assert took >= 0.3  # it did wait for the slow job
    assert longest_gap < took / 2  # it ran the whole time: without a thread, one gap as long as the close
