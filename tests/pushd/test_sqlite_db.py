"""The writer thread: group commit keeps each job all or nothing, and survives callers that give up."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from pushd.store.sqlite_db import Database

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
            assert isinstance(results[1], Exception)
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
    from pushd.store import StoreUnavailable

    async def main() -> None:
        db = Database(tmp_path / "t.db")
        db.start(SCHEMA)
        db.stop()
        with pytest.raises(StoreUnavailable):
            await db.write(insert(1))
    asyncio.run(main())
