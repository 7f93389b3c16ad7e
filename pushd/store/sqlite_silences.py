"""Silences on SQLite, sharing the alert store's database (one writer thread)."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from pushd.store.sqlite_db import Database

_COLUMNS = ("id", "matchers", "starts_at", "ends_at", "created_by", "comment", "updated_at",
            "expire_when_resolved", "actor")


class SQLiteSilenceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def all(self) -> list[dict[str, Any]]:
        def job(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM silences")
            return [{**dict(r), "matchers": orjson.loads(r["matchers"])} for r in rows]
        return await self.db.read(job)

    async def put(self, rows: list[dict[str, Any]]) -> None:
        def job(conn: sqlite3.Connection) -> None:
            conn.executemany(
                f"INSERT OR REPLACE INTO silences ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                [tuple(orjson.dumps(r[c]).decode() if c == "matchers" else r[c] for c in _COLUMNS) for r in rows])
        await self.db.write(job)

    async def prune(self, ended_before: float) -> list[str]:
        def job(conn: sqlite3.Connection) -> list[str]:
            return [r[0] for r in conn.execute("DELETE FROM silences WHERE ends_at < ? RETURNING id", (ended_before,))]
        return await self.db.write(job)
