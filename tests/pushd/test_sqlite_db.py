"""The writer thread: group commit keeps each job all or nothing, and survives callers that give up."""

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from pushd.store.base import NotFound, StoreInternalError, StoreOverloaded, StoreUnavailable
from pushd.store.sqlite_db import Database, insert_rows

SCHEMA = "CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY)"


def insert(*values: int):
    def job(conn: sqlite3.Connection) -> int:
        for v in values:
            conn.execute("INSERT INTO t (x) VALUES (?)", (v,))
        return len(values)
    return job


async def rows(db: Database) -> list[int]:
    return await db.read(lambda conn: [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")])


def test_failing_job_rolls_back_alone(tmp_path: Path) -> None:
    async def main() -> None:
        db = Database(tmp_path / "t.db")
        db.start(SCHEMA)
        try:
            results = await asyncio.gather(
                db.write(insert(1, 2)), db.write(insert(3, 1)),  # the second hits a duplicate key half-way
                db.write(insert(4)), return_exceptions=True)
            assert results[0] == 2 and results[2] == 1
            assert isinstance(results[1], StoreInternalError)  # a constraint: retrying would fail again
            assert "UNIQUE constraint failed" in str(results[1])
            assert await rows(db) == [1, 2, 4]
        finally:
            db.stop()
    asyncio.run(main())


def test_cancelled_caller_does_not_kill_the_writer(tmp_path: Path) -> None:
    async def main() -> None:
        db = Database(tmp_path / "t.db")
        db.start(SCHEMA)
        try:
            slow = asyncio.create_task(db.write(lambda conn: conn.execute("SELECT 1")))
            tasks = [asyncio.create_task(db.write(insert(i))) for i in range(10, 20)]
            await asyncio.sleep(0)
            for t in tasks[::2]:
                t.cancel()
            await asyncio.gather(slow, *tasks, return_exceptions=True)
            assert await asyncio.wait_for(db.write(insert(99)), 5) == 1  # the writer is still alive
            assert 99 in await rows(db)
        finally:
            db.stop()
    asyncio.run(main())


def test_write_after_stop_is_refused(tmp_path: Path) -> None:
    async def main() -> None:
        db = Database(tmp_path / "t.db")
        db.start(SCHEMA)
        db.stop()
        with pytest.raises(StoreUnavailable):
            await db.write(insert(1))
    asyncio.run(main())


def test_faults_of_the_environment_are_unavailable_the_others_internal(tmp_path: Path) -> None:
    """Each fault caused for real: a lock held by another connection, a full database (SQLite's own
    max_page_count), an SQL mistake, a Python exception in a job."""
    async def main() -> None:
        db = Database(tmp_path / "t.db", busy_timeout=0.1)
        db.start(SCHEMA + "; CREATE TABLE IF NOT EXISTS blobs (v BLOB)")
        try:
            intruder = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
            intruder.execute("BEGIN IMMEDIATE")
            with pytest.raises(StoreUnavailable, match="locked"):
                await db.write(insert(1))
            intruder.execute("ROLLBACK")
            intruder.close()

            def fill_up(conn: sqlite3.Connection) -> None:
                pages = conn.execute("PRAGMA page_count").fetchone()[0]
                conn.execute(f"PRAGMA max_page_count = {pages}")
                conn.execute("INSERT INTO blobs (v) VALUES (zeroblob(1000000))")
            with pytest.raises(StoreUnavailable, match="full"):
                await db.write(fill_up)
            await db.write(lambda conn: conn.execute("PRAGMA max_page_count = 1073741823"))

            with pytest.raises(StoreInternalError, match="no such table"):
                await db.write(lambda conn: conn.execute("INSERT INTO nowhere VALUES (1)"))
            with pytest.raises(StoreInternalError, match="no such table"):
                await db.read(lambda conn: conn.execute("SELECT * FROM nowhere").fetchall())

            def bug(conn: sqlite3.Connection) -> None:
                conn.execute("INSERT INTO t (x) VALUES (7)")
                raise KeyError("a bug")

            def refuse(conn: sqlite3.Connection) -> None:
                conn.execute("INSERT INTO t (x) VALUES (8)")
                raise NotFound("no such thing")
            with pytest.raises(StoreInternalError, match="KeyError") as raised:  # a bug: 500, not 503
                await db.write(bug)
            assert isinstance(raised.value.__cause__, KeyError)
            with pytest.raises(NotFound):  # a job's deliberate answer reaches the caller as raised
                await db.write(refuse)
            assert await db.write(insert(2)) == 1  # the writer survived every one of them
            assert await rows(db) == [2]
        finally:
            db.stop()
    asyncio.run(main())


def test_writes_beyond_the_queue_bound_are_refused_at_once(tmp_path: Path) -> None:
    async def main() -> None:
        db = Database(tmp_path / "t.db", max_queue=2)
        db.start(SCHEMA)
        started, release = threading.Event(), threading.Event()

        def slow(conn: sqlite3.Connection) -> None:  # a disk that takes its time
            started.set()
            release.wait(10)
        try:
            busy = asyncio.create_task(db.write(slow))
            assert await asyncio.to_thread(started.wait, 5)
            queued = [asyncio.create_task(db.write(insert(i))) for i in (1, 2)]
            deadline = time.monotonic() + 5
            while db.waiting < 2:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.01)
            with pytest.raises(StoreOverloaded, match="2 writes are waiting"):
                await db.write(insert(3))
            release.set()
            await busy
            assert await asyncio.gather(*queued) == [1, 1]
            assert await db.write(insert(4)) == 1  # room again
            assert await rows(db) == [1, 2, 4]
        finally:
            release.set()
            db.stop()
    asyncio.run(main())


def test_a_fault_that_rolls_back_the_whole_group_fails_every_job_in_it(tmp_path: Path) -> None:
    """On a full disk SQLite may roll back the whole transaction, not only the failing statement: the
    jobs committed with it are lost too, and each caller must hear so (503), not that it was stored."""
    async def main() -> None:
        db = Database(tmp_path / "t.db")
        db.start(SCHEMA + "; CREATE TABLE IF NOT EXISTS blobs (v BLOB)")
        started, release = threading.Event(), threading.Event()

        def slow(conn: sqlite3.Connection) -> None:
            started.set()
            release.wait(10)

        def fill_up(conn: sqlite3.Connection) -> None:
            conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
            conn.execute("INSERT INTO blobs (v) VALUES (zeroblob(1000000))")
        try:
            busy = asyncio.create_task(db.write(slow))
            assert await asyncio.to_thread(started.wait, 5)
            group = [asyncio.create_task(db.write(insert(1, 2, 3))), asyncio.create_task(db.write(fill_up))]
            deadline = time.monotonic() + 5
            while db.waiting < 2:  # both queued behind the slow job: they will share the next group
                assert time.monotonic() < deadline
                await asyncio.sleep(0.01)
            release.set()
            await busy
            results = await asyncio.gather(*group, return_exceptions=True)
            assert all(isinstance(r, StoreUnavailable) and "full" in str(r) for r in results), results
            await db.write(lambda conn: conn.execute("PRAGMA max_page_count = 1073741823"))
            assert await rows(db) == []
        finally:
            release.set()
            db.stop()
    asyncio.run(main())


def test_multi_row_inserts_fit_the_connections_limit_of_bound_parameters(tmp_path: Path) -> None:
    """SQLite before 3.32 allows 999 bound parameters per statement unless built otherwise: the
    chunks of insert_rows follow the connection's own limit, not a number that fits newer builds."""
    conn = sqlite3.connect(tmp_path / "limit.db", isolation_level=None)
    conn.execute("CREATE TABLE wide (" + ", ".join(f"c{i} INTEGER" for i in range(13)) + ")")
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    rows = [tuple(range(r, r + 13)) for r in range(300)]
    insert_rows(conn, f"INSERT INTO wide VALUES ({', '.join('?' * 13)})", rows)
    assert conn.execute("SELECT * FROM wide ORDER BY c0").fetchall() == rows
    conn.close()
