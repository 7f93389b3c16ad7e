"""Grouping rules on SQLite, sharing the alert store's database (one writer thread)."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from pushd.store.base import Conflict, NotFound
from pushd.store.sqlite_db import Database

COLUMNS = "id, name, matchers, group_by, window_seconds, auto_mitigate, created_at, created_by, updated_at"


def _rule(row: sqlite3.Row) -> dict[str, Any]:
    return {**dict(row), "matchers": orjson.loads(row["matchers"]), "group_by": orjson.loads(row["group_by"]),
            "auto_mitigate": bool(row["auto_mitigate"])}


def _values(rule: dict[str, Any]) -> tuple[Any, ...]:
    return (rule["name"], orjson.dumps(rule["matchers"]).decode(), orjson.dumps(rule["group_by"]).decode(),
            rule["window_seconds"], int(rule["auto_mitigate"]))


def _get(conn: sqlite3.Connection, rule_id: int) -> dict[str, Any] | None:
    row = conn.execute(f"SELECT {COLUMNS} FROM grouping_rules WHERE id = ?", (rule_id,)).fetchone()
    return _rule(row) if row else None


class SQLiteGroupingRuleStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def list(self) -> list[dict[str, Any]]:
        return await self.db.read(
            lambda conn: [_rule(r) for r in conn.execute(f"SELECT {COLUMNS} FROM grouping_rules ORDER BY id")])

    async def get(self, rule_id: int) -> dict[str, Any] | None:
        return await self.db.read(lambda conn: _get(conn, rule_id))

    async def create(self, rule: dict[str, Any], actor: str, now: float) -> dict[str, Any]:
        def job(conn: sqlite3.Connection) -> dict[str, Any]:
            if conn.execute("SELECT 1 FROM grouping_rules WHERE name = ?", (rule["name"],)).fetchone():
                raise Conflict(f"a grouping rule is named {rule['name']!r}")
            cur = conn.execute(
                "INSERT INTO grouping_rules (name, matchers, group_by, window_seconds, auto_mitigate, created_at,"
                " created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*_values(rule), now, actor, now))
            return _get(conn, cur.lastrowid or 0) or {}
        return await self.db.write(job)

    async def replace(self, rule_id: int, rule: dict[str, Any], now: float) -> dict[str, Any]:
        def job(conn: sqlite3.Connection) -> dict[str, Any]:
            if _get(conn, rule_id) is None:
                raise NotFound(f"no grouping rule {rule_id}")
            taken = "SELECT 1 FROM grouping_rules WHERE name = ? AND id != ?"
            if conn.execute(taken, (rule["name"], rule_id)).fetchone():
                raise Conflict(f"a grouping rule is named {rule['name']!r}")
            conn.execute("UPDATE grouping_rules SET name = ?, matchers = ?, group_by = ?, window_seconds = ?,"
                         " auto_mitigate = ?, updated_at = ? WHERE id = ?", (*_values(rule), now, rule_id))
            return _get(conn, rule_id) or {}
        return await self.db.write(job)

    async def delete(self, rule_id: int) -> None:
        def job(conn: sqlite3.Connection) -> None:
            if conn.execute("DELETE FROM grouping_rules WHERE id = ?", (rule_id,)).rowcount == 0:
                raise NotFound(f"no grouping rule {rule_id}")
        await self.db.write(job)
