"""Versioned schema migrations, run at every start (`migrate`), numbered by PRAGMA user_version.

A store's version is its `PRAGMA user_version`: the number of the last migration applied. Version 1 is
the schema of the last release before versioning (whose files say 0). At start, in one transaction:

1. a store newer than this code (user_version above LATEST) is refused with SchemaTooNew, before
   anything is written: an older pushd must not run on what a newer one wrote;
2. a new store (no tables) gets schema.sql as it is, which is always the current schema;
   an existing one gets each migration above its version, in order;
3. then schema.sql runs on every store: it is idempotent (CREATE ... IF NOT EXISTS), so a table or an
   index appended to it is created in existing stores without a migration;
4. user_version = LATEST.

What needs a migration: anything CREATE ... IF NOT EXISTS cannot do to an existing store, i.e. a new
column (ALTER TABLE ... ADD COLUMN, and the same column in schema.sql's CREATE TABLE for new stores),
a changed column or constraint (the 12-step table rebuild of https://www.sqlite.org/lang_altertable.html),
data to fill or rewrite, and an index on a new column (schema.sql runs after the migrations, so it may
refer to the column). A migration is a module `mNNNN_<what>.py` here with `up(conn)`, registered in
MIGRATIONS under its number; it runs inside the transaction (no COMMIT, no executescript) and must not
import code that may change later: it does what was needed at its version, for ever.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from pushd.store.migrations import m0001_baseline

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: dict[int, Migration] = {
    1: m0001_baseline.up,
}
LATEST = max(MIGRATIONS)


class SchemaTooNew(Exception):
    """The store was written by a newer pushd (its user_version is above LATEST)."""

    def __init__(self, path: object, version: int, latest: int) -> None:
        super().__init__(
            f"the store {path} has schema version {version}, newer than this pushd's {latest}: it was written "
            "by a newer pushd. Run that version (or newer), or restore a backup made before the upgrade "
            "(docs/deploy.md, Upgrades); pushd did not change the file")
        self.version = version
        self.latest = latest


def statements(script: str) -> Iterator[str]:
    """The statements of an SQL script, one by one (executescript would COMMIT the transaction first)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer
            buffer = ""
    if buffer.strip() and sqlite3.complete_statement(buffer + ";"):
        yield buffer  # a last statement without its semicolon


def user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def check_not_newer(path: Path, latest: int = LATEST) -> None:
    """Raise SchemaTooNew when the store at `path` (if there is one) is newer than the code, reading only;
    `python -m pushd` calls it before uvicorn starts, to exit with a message instead of a traceback."""
    if not path.exists():
        return
    conn = sqlite3.connect(path)
    try:
        version = user_version(conn)
    finally:
        conn.close()
    if version > latest:
        raise SchemaTooNew(path, version, latest)


def migrate(conn: sqlite3.Connection, schema: str, migrations: dict[int, Migration] | None = None,
            check: Callable[[sqlite3.Connection], None] | None = None) -> list[int]:
    """Bring the store on `conn` (autocommit mode) to the latest version and `schema`, in one transaction;
    `check(conn)` then runs inside it, to refuse what no migration handled. Returns the numbers of the
    migrations applied (none for a new store or a current one). Raises SchemaTooNew, rolling back, for a
    store newer than the code."""
    migrations = MIGRATIONS if migrations is None else migrations
    latest = max(migrations)
    assert sorted(migrations) == list(range(1, latest + 1)), "migrations are numbered 1, 2, 3, ..."
    conn.execute("BEGIN IMMEDIATE")  # one pushd migrates at a time; the others wait, then see its version
    try:
        version = user_version(conn)
        if version > latest:
            raise SchemaTooNew(conn.execute("PRAGMA database_list").fetchone()[2], version, latest)
        fresh = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0
        applied = [] if fresh else list(range(version + 1, latest + 1))
        for number in applied:
            migrations[number](conn)
        for statement in statements(schema):
            conn.execute(statement)
        if check is not None:
            check(conn)
        conn.execute(f"PRAGMA user_version = {latest:d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (a full disk, an I/O error)
            conn.execute("ROLLBACK")
        raise
    return applied
