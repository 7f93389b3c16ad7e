"""SQLite from async code: one writer thread with group commit, a small pool of reader threads.

As in datasette: every write goes through one thread fed by a queue, inside `BEGIN IMMEDIATE`, so
writers never fight over the lock; readers use their own connections and, in WAL mode, never wait
for the writer. Async callers await a future; no SQLite call runs on the event loop.

Writes that arrive together share one COMMIT (one fsync), each inside its own SAVEPOINT so that a
failing job rolls back alone and the others still commit: a batch stays all or nothing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pushd.store.base import StoreUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = tuple[Callable[[sqlite3.Connection], Any], concurrent.futures.Future]
_STOP = object()
MAX_GROUP = 64


def connect(path: Path, synchronous: str, busy_timeout: float, cache_kib: int = 1024) -> sqlite3.Connection:
    """A connection with a small private page cache: reads lean on the OS page cache instead, and
    each connection's cache is resident memory of pushd's."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=busy_timeout)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA cache_size=-{cache_kib}")
    return conn


class Database:
    """A SQLite file with one writer thread and `readers` reader threads."""

    def __init__(self, path: Path, synchronous: str = "FULL", busy_timeout: float = 5.0, readers: int = 2) -> None:
        self.path = path
        self.synchronous = synchronous
        self.busy_timeout = busy_timeout
        self._jobs: queue.SimpleQueue[Job | object] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._readers = concurrent.futures.ThreadPoolExecutor(readers, thread_name_prefix="sqlite-read")

    def start(self, schema: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(self.path, self.synchronous, self.busy_timeout)
        conn.executescript(schema)
        self._writer = threading.Thread(target=self._write_loop, args=(conn,), name="sqlite-writer", daemon=True)
        self._writer.start()

    def stop(self) -> None:
        if self._writer is not None:
            self._jobs.put(_STOP)
            self._writer.join()
            self._writer = None
        self._readers.shutdown(wait=True)
        for conn in self._reader_conns:
            conn.close()

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(conn)` in the writer thread inside a transaction; returns once committed."""
        if self._writer is None:
            raise StoreUnavailable("store is closed")
        fut: concurrent.futures.Future = concurrent.futures.Future()
        self._jobs.put((fn, fut))
        return await asyncio.wrap_future(fut)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._readers, self._read, fn)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"read failed: {exc}") from exc

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path, self.synchronous, self.busy_timeout)
            self._reader_conns.append(conn)
        return fn(conn)

    def _write_loop(self, conn: sqlite3.Connection) -> None:
        try:
            while True:
                first = self._jobs.get()
                if first is _STOP:
                    return
                group: list[Job] = [first]  # type: ignore[list-item]
                stop = False
                while len(group) < MAX_GROUP:
                    try:
                        nxt = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is _STOP:
                        stop = True
                        break
                    group.append(nxt)  # type: ignore[arg-type]
                # A caller that gave up (its task was cancelled) before its job ran gets nothing
                # written; once running, a job can no longer be cancelled, so its result always lands.
                group = [job for job in group if job[1].set_running_or_notify_cancel()]
                if group:
                    try:
                        self._run_group(conn, group)
                    except Exception:  # the writer must outlive any one bad group
                        log.exception("writer failed on a group of %d jobs", len(group))
                        for _, fut in group:
                            if not fut.done():
                                fut.set_exception(StoreUnavailable("write failed"))
                if stop:
                    return
        finally:
            conn.close()

    def _run_group(self, conn: sqlite3.Connection, group: list[Job]) -> None:
        results: list[tuple[bool, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for fn, _ in group:
                conn.execute("SAVEPOINT job")
                try:
                    results.append((True, fn(conn)))
                    conn.execute("RELEASE job")
                except BaseException as exc:
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    results.append((False, exc))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            log.error("write transaction failed: %s", exc)
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            err = StoreUnavailable(f"write failed: {exc}")
            for _, fut in group:
                fut.set_exception(err)
            return
        for (ok, value), (_, fut) in zip(results, group, strict=True):
            if ok:
                fut.set_result(value)
            elif isinstance(value, sqlite3.Error):
                fut.set_exception(StoreUnavailable(f"write failed: {value}"))
            else:
                fut.set_exception(value)
