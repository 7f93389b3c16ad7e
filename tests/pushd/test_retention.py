"""Resolved alerts and their history are deleted once older than PUSHD_ALERT_RETENTION_DAYS; open
alerts are kept however old. Times are real epoch seconds given to the store, not sleeps."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pushd import tasks
from pushd.app import create_app
from pushd.store import AlertQuery, NewAlert, SQLiteStore
from pushd.store import sqlite_store as sqlite_store_module
from shared.fingerprint import fingerprint
from tests.conftest import AUTH, make_settings

DAY = 86400.0
NOW = time.time()


def new(name: str, status: str = "firing", ends_at: float | None = None) -> NewAlert:
    labels = {"alertname": name}
    return NewAlert(fingerprint=fingerprint(labels), labels=labels, annotations={}, severity="warning",
                    status=status, ends_at=ends_at)


async def names(store: SQLiteStore) -> set[str]:
    return {a["alertname"] for a in (await store.list_alerts(AlertQuery(limit=500)))[0]}


async def history_rows(store: SQLiteStore) -> int:
    return await store.db.read(lambda conn: conn.execute("SELECT count(*) FROM alert_history").fetchone()[0])


def test_prune_deletes_old_resolved_alerts_with_their_history_and_keeps_the_rest(tmp_path: Path) -> None:
    async def main() -> None:
        store = SQLiteStore(tmp_path / "db.sqlite3")
        await store.open()
        try:
            old = NOW - 40 * DAY
            await store.ingest([new("OldResolved"), new("OldFiring"), new("OldAcked"), new("ResentResolved")],
                               "api", "t", old)
            await store.ingest([new("OldResolved", "resolved"), new("ResentResolved", "resolved")], "api", "t",
                               old + 60)
            items, _ = await store.list_alerts(AlertQuery(limit=500))
            acked_id = next(a["id"] for a in items if a["alertname"] == "OldAcked")
            await store.transition(acked_id, "acknowledge", "t", None, old + 120)
            # Resolved 40 days ago, but its sender still repeats the resolved notice: last heard of today.
            await store.ingest([new("ResentResolved", "resolved")], "api", "t", NOW - DAY)
            await store.ingest([new("RecentResolved")], "api", "t", NOW - 2 * DAY)
            await store.ingest([new("RecentResolved", "resolved")], "api", "t", NOW - DAY)
            await store.ingest([new("Newest")], "api", "t", NOW)
            history_before = await history_rows(store)

            assert await store.prune_alerts(NOW - 30 * DAY) == 1
            assert await names(store) == {"OldFiring", "OldAcked", "ResentResolved", "RecentResolved", "Newest"}
            assert await history_rows(store) == history_before - 2  # OldResolved's created + resolved
            assert await store.prune_alerts(NOW - 30 * DAY) == 0

            # Far ahead, every resolved alert is old; open ones stay whatever their age.
            assert await store.prune_alerts(NOW + 365 * DAY) == 2
            assert await names(store) == {"OldFiring", "OldAcked", "Newest"}
            orphans = await store.db.read(lambda conn: conn.execute(
                "SELECT count(*) FROM alert_history WHERE alert_id NOT IN (SELECT id FROM alerts)").fetchone()[0])
            assert orphans == 0
        finally:
            await store.close()
    asyncio.run(main())


def test_the_newest_alert_is_kept_so_its_id_is_never_given_again(tmp_path: Path) -> None:
    async def main() -> None:
        store = SQLiteStore(tmp_path / "db.sqlite3")
        await store.open()
        try:
            old = NOW - 40 * DAY
            [a] = await store.ingest([new("A")], "api", "t", old)
            [b] = await store.ingest([new("B")], "api", "t", old)
            await store.ingest([new("A", "resolved"), new("B", "resolved")], "api", "t", old)
            assert await store.prune_alerts(NOW) == 1  # A; B has the highest id
            assert await names(store) == {"B"}
            [c] = await store.ingest([new("C")], "api", "t", NOW)
            assert c.alert["id"] > b.alert["id"] > a.alert["id"]
        finally:
            await store.close()
    asyncio.run(main())


def test_prune_works_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_store_module, "PRUNE_CHUNK", 3)

    async def main() -> None:
        store = SQLiteStore(tmp_path / "db.sqlite3")
        await store.open()
        try:
            old = NOW - 40 * DAY
            await store.ingest([new(f"A{i}") for i in range(11)], "api", "t", old)
            await store.ingest([new(f"A{i}", "resolved") for i in range(11)], "api", "t", old)
            assert await store.prune_alerts(NOW) == 10  # all but the newest, 3 per write job
            assert await names(store) == {"A10"}
        finally:
            await store.close()
    asyncio.run(main())


async def task_names() -> set[str]:
    return {t.get_name() for t in asyncio.all_tasks()}


def test_the_hourly_prune_task_applies_the_retention_setting(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", alert_retention_days=7)
    with TestClient(create_app(settings), headers=AUTH) as client:
        state = client.app.state.pushd
        old = NOW - 8 * DAY
        client.portal.call(state.store.ingest, [new("Old"), new("Open")], "api", "t", old)
        client.portal.call(state.store.ingest, [new("Old", "resolved")], "api", "t", old)
        client.portal.call(state.store.ingest, [new("Week", "firing")], "api", "t", NOW - 6 * DAY)
        client.portal.call(state.store.ingest, [new("Week", "resolved")], "api", "t", NOW - 6 * DAY)
        client.post("/api/v1/alerts", json={"labels": {"alertname": "Now"}})
        assert "pruning" in client.portal.call(task_names)
        assert client.get("/api/v1/snapshot").json()["counts"]["total"] == 4  # and the counts are cached
        client.portal.call(tasks.prune, state)
        got = {a["alertname"] for a in client.get("/api/v1/alerts").json()["items"]}
        assert got == {"Open", "Week", "Now"}
        assert client.get("/api/v1/snapshot").json()["counts"]["total"] == 3  # the cache was dropped
