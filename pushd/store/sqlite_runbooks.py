"""Runbooks on SQLite, sharing the alert store's database (one writer thread)."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from pushd.store.base import NotFound
from pushd.store.sqlite_db import Database

_SELECT = (
    "SELECT r.id, v.version, r.version AS current_version, v.title, v.description, v.matchers, v.steps,"
    " v.author, v.created_at AS updated_at, r.created_at, r.deleted_at, r.deleted_by"
    " FROM runbooks r JOIN runbook_versions v ON v.runbook_id = r.id")


def _row(row: sqlite3.Row) -> dict[str, Any]:
    return {**dict(row), "matchers": orjson.loads(row["matchers"]), "steps": orjson.loads(row["steps"])}


def _insert_version(conn: sqlite3.Connection, runbook_id: int, version: int, c: dict[str, Any],
                    author: str, now: float) -> None:
    conn.execute(
        "INSERT INTO runbook_versions (runbook_id, version, title, description, matchers, steps, author, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (runbook_id, version, c["title"], c["description"], orjson.dumps(c["matchers"]).decode(),
         orjson.dumps(c["steps"]).decode(), author, now))


def _get(conn: sqlite3.Connection, runbook_id: int, version: int | None = None) -> dict[str, Any] | None:
    row = conn.execute(f"{_SELECT} WHERE r.id = ? AND v.version = coalesce(?, r.version)",
                       (runbook_id, version)).fetchone()
    return _row(row) if row else None


class SQLiteRunbookStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, content: dict[str, Any], author: str, now: float) -> dict[str, Any]:
        def job(conn: sqlite3.Connection) -> dict[str, Any]:
            rid = conn.execute("INSERT INTO runbooks (version, created_at) VALUES (1, ?)", (now,)).lastrowid
            assert rid is not None
            _insert_version(conn, rid, 1, content, author, now)
            return _get(conn, rid)  # type: ignore[return-value]
        return await self.db.write(job)

    async def add_version(self, runbook_id: int, content: dict[str, Any], author: str, now: float) -> dict[str, Any]:
        def job(conn: sqlite3.Connection) -> dict[str, Any]:
            row = conn.execute("SELECT version FROM runbooks WHERE id = ? AND deleted_at IS NULL",
                               (runbook_id,)).fetchone()
            if row is None:
                raise NotFound(f"no runbook with id {runbook_id}")
            version = row["version"] + 1
            _insert_version(conn, runbook_id, version, content, author, now)
            conn.execute("UPDATE runbooks SET version = ? WHERE id = ?", (version, runbook_id))
            return _get(conn, runbook_id)  # type: ignore[return-value]
        return await self.db.write(job)

    async def get(self, runbook_id: int, version: int | None = None) -> dict[str, Any] | None:
        return await self.db.read(lambda conn: _get(conn, runbook_id, version))

    async def list_live(self) -> list[dict[str, Any]]:
        def job(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = conn.execute(f"{_SELECT} WHERE v.version = r.version AND r.deleted_at IS NULL ORDER BY r.id")
            return [_row(r) for r in rows]
        return await self.db.read(job)

    async def versions(self, runbook_id: int) -> list[dict[str, Any]]:
        def job(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = conn.execute(
                "SELECT version, title, author, created_at FROM runbook_versions WHERE runbook_id = ?"
                " ORDER BY version", (runbook_id,))
            return [dict(r) for r in rows]
        return await self.db.read(job)

    async def delete(self, runbook_id: int, actor: str, now: float) -> None:
        def job(conn: sqlite3.Connection) -> None:
            if conn.execute("UPDATE runbooks SET deleted_at = ?, deleted_by = ? WHERE id = ? AND deleted_at IS NULL",
                            (now, actor, runbook_id)).rowcount == 0:
                raise NotFound(f"no runbook with id {runbook_id}")
        await self.db.write(job)
