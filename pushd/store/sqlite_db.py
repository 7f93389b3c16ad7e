"""SQLite from async code: one writer thread with group commit, a small pool of reader threads.

As in datasette: every write goes through one thread fed by a queue, inside `BEGIN IMMEDIATE`, so
writers never fight over the lock; readers use their own connections and, in WAL mode, never wait
for the writer. Async callers await a future; no SQLite call runs on the event loop.

Writes that arrive together share one COMMIT (one fsync), each inside its own SAVEPOINT so that a
failing job rolls back alone and the others still commit: a batch stays all or nothing.

Failures are told apart, because senders act on the difference: what the environment causes (a lock
held by another process, a full disk, an I/O error) is StoreUnavailable, 503, retry later; what the
same request would cause again (a violated constraint, an SQL mistake, misuse of the API) is
StoreInternalError, 500, logged; so is any other exception a job raises, except Refused (NotFound,
Conflict), which is the job's answer. At most `max_queue` writes wait for the writer; one more is refused
at once with StoreOverloaded (503) instead of growing the queue, and the memory, without bound.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pushd.store.base import Refused, StoreInternalError, StoreOverloaded, StoreUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = tuple[Callable[[sqlite3.Connection], Any], concurrent.futures.Future]
_STOP = object()
MAX_GROUP = 64
DEFAULT_MAX_QUEUE = 1000
# SQLite's primary result codes for faults of the environment, which a later retry may not meet.
# Everything else (SQLITE_CONSTRAINT, SQLITE_ERROR for an SQL mistake, SQLITE_MISUSE, SQLITE_RANGE, ...)
# would fail again on the same request.
_TRANSIENT = frozenset({
    sqlite3.SQLITE_PERM, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM,
    sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_SCHEMA, sqlite3.SQLITE_NOTADB,
})


def store_error(exc: sqlite3.Error, what: str) -> StoreUnavailable | StoreInternalError:
    """The store's exception for an sqlite3 error: by SQLite's result code when there is one (an
    OperationalError also covers "no such table", a bug), else by class."""
    code = getattr(exc, "sqlite_errorcode", None)
    transient = (code & 0xFF) in _TRANSIENT if code is not None else isinstance(exc, sqlite3.OperationalError)
    err = StoreUnavailable(f"{what}: {exc}") if transient else StoreInternalError(f"{what}: {exc}")
    err.__cause__ = exc
    return err


def _failure(exc: BaseException) -> BaseException:
    """What the caller of a failed write gets: a job's Refused as raised, an sqlite3 error sorted by
    store_error, any other exception (a bug) as StoreInternalError with it as the cause. Not an
    Exception (a cancellation, an interrupt): as raised."""
    if isinstance(exc, Refused) or not isinstance(exc, Exception):
        return exc
    if isinstance(exc, sqlite3.Error):
        return store_error(exc, "write failed")
    err = StoreInternalError(f"write failed: {type(exc).__name__}: {exc}")
    err.__cause__ = exc
    return err


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


def one_of(column: str, values: Sequence[object]) -> str:
    """`column IN (?,?,...)`, one parameter per value (the caller passes the values in order)."""
    return f"{column} IN ({','.join('?' * len(values))})"


# Rows per multi-row INSERT at most; fewer where the connection allows fewer bound parameters.
INSERT_CHUNK = 256


def insert_rows(conn: sqlite3.Connection, sql: str, rows: Sequence[Sequence[object]]) -> None:
    """`sql` ("INSERT ... VALUES (?, ...)") for every row, as one statement per chunk of rows
    (`VALUES (...), (...), ...`). executemany steps SQLite once per row, each time releasing and
    taking back the interpreter lock, which the event loop holds most of the time under ingest: the
    writer's CPU per alert fell by 7 % with this (bench/README.md, "Ingestion"). A chunk stays within
    the connection's limit of bound parameters (999 in SQLite before 3.32 unless built otherwise)."""
    if not rows:
        return
    head, _, one = sql.rpartition(" VALUES ")
    per = max(1, min(INSERT_CHUNK, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(rows[0])))
    for i in range(0, len(rows), per):
        chunk = rows[i:i + per]
        conn.execute(f"{head} VALUES {','.join([one] * len(chunk))}", [v for row in chunk for v in row])


class Database:
    """A SQLite file with one writer thread and `readers` reader threads."""

    def __init__(self, path: Path, synchronous: str = "FULL", busy_timeout: float = 5.0, readers: int = 2,
                 max_queue: int = DEFAULT_MAX_QUEUE) -> None:
        self.path = path
        self.synchronous = synchronous
        self.busy_timeout = busy_timeout
        self.max_queue = max_queue
        self._jobs: queue.SimpleQueue[Job | object] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._readers = concurrent.futures.ThreadPoolExecutor(readers, thread_name_prefix="sqlite-read")

    def start(self, schema: str, prepare: Callable[[sqlite3.Connection, str], None] | None = None) -> None:
        """Open the file, bring it to `schema`, start the writer. With `prepare`, `prepare(conn, schema)`
        does that (the store's versioned migrations, pushd/store/migrations, in its own transaction);
        without, the schema runs in one transaction. On failure nothing is left open."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(self.path, self.synchronous, self.busy_timeout)
        try:
            # Only pushd's user may read it: it holds password and token hashes (SQLite gives its -wal
            # and -shm files the same mode).
            self.path.chmod(0o600)
            if prepare is not None:
                prepare(conn, schema)
            else:
                conn.executescript(f"BEGIN IMMEDIATE;\n{schema};\nCOMMIT;")
        except BaseException:
            conn.close()  # rolls back what is not committed
            raise
        self._writer = threading.Thread(target=self._write_loop, args=(conn,), name="sqlite-writer", daemon=True)
        self._writer.start()

    def stop(self) -> None:
        """Stop the writer after the writes queued before, and the readers. Blocking (it joins
        threads): async code calls it in a thread."""
        if self._writer is not None:
            self._jobs.put(_STOP)
            self._writer.join()
            self._writer = None
        self._readers.shutdown(wait=True)
        for conn in self._reader_conns:
            conn.close()

    @property
    def waiting(self) -> int:
        """Writes queued for the writer thread and not yet taken by it."""
        return self._jobs.qsize()

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(conn)` in the writer thread inside a transaction; returns once committed.
        Raises StoreOverloaded at once when `max_queue` writes are already waiting."""
        if self._writer is None:
            raise StoreUnavailable("store is closed")
        if (waiting := self.waiting) >= self.max_queue:
            raise StoreOverloaded(f"overloaded: {waiting} writes are waiting for the disk")
        fut: concurrent.futures.Future = concurrent.futures.Future()
        self._jobs.put((fn, fut))
        return await asyncio.wrap_future(fut)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._readers, self._read, fn)
        except sqlite3.Error as exc:
            raise store_error(exc, "read failed") from exc

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
                    except Exception as exc:  # the writer must outlive any one bad group
                        log.exception("writer failed on a group of %d jobs", len(group))
                        for _, fut in group:
                            if not fut.done():
                                fut.set_exception(_failure(exc))
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
                    if isinstance(exc, sqlite3.Error) and not conn.in_transaction:
                        # SQLite rolled the whole transaction back (it may on a full disk, an I/O
                        # error, a lock): the jobs before this one are gone too, so all of them fail
                        # with this error, below.
                        raise
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    results.append((False, exc))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            log.error("write transaction failed: %s", exc)
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for _, fut in group:  # one exception each: every caller raises it with its own traceback
                fut.set_exception(store_error(exc, "write failed"))
            return
        for (ok, value), (_, fut) in zip(results, group, strict=True):
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(_failure(value))
