"""Incidents on SQLite, sharing the alert store's database (one writer thread)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import orjson

from pushd.store.base import NotFound
from pushd.store.incidents import Edit, Editor, IncidentQuery
from pushd.store.sqlite_db import Database, one_of

COLUMNS = "id, title, severity, status, assignee, group_key, created_at, created_by, updated_at"
SETTABLE = frozenset({"title", "severity", "status", "assignee"})


def incident_row(conn: sqlite3.Connection, incident_id: int) -> dict[str, Any] | None:
    """The incident with its `alert_ids`, or None; also used by the runbook run store in its transactions."""
    row = conn.execute(f"SELECT {COLUMNS} FROM incidents WHERE id = ?", (incident_id,)).fetchone()
    if row is None:
        return None
    ids = [r[0] for r in conn.execute(
        "SELECT alert_id FROM incident_alerts WHERE incident_id = ? ORDER BY attached_at, alert_id", (incident_id,))]
    return {**dict(row), "alert_ids": ids}


def _entry(row: sqlite3.Row) -> dict[str, Any]:
    return {"seq": row["seq"], "ts": row["ts"], "actor": row["actor"], "kind": row["kind"],
            "data": orjson.loads(row["data"])}


def apply_edit(conn: sqlite3.Connection, incident_id: int, edit: Edit, actor: str, now: float) -> list[dict[str, Any]]:
    """Apply `edit` inside the caller's transaction; the timeline entries it added."""
    if unknown := set(edit.fields) - SETTABLE:
        raise ValueError(f"not settable: {unknown}")  # a bug in the caller, not a client error
    for alert_id in edit.attach:
        if not conn.execute("SELECT 1 FROM alerts WHERE id = ?", (alert_id,)).fetchone():
            raise NotFound(f"no alert {alert_id}")  # the savepoint undoes what this edit did so far
        conn.execute("INSERT INTO incident_alerts (incident_id, alert_id, attached_at) VALUES (?, ?, ?)",
                     (incident_id, alert_id, now))
    for alert_id in edit.detach:
        conn.execute("DELETE FROM incident_alerts WHERE incident_id = ? AND alert_id = ?", (incident_id, alert_id))
    if edit.fields:
        sets = ", ".join(f"{name} = ?" for name in edit.fields)
        conn.execute(f"UPDATE incidents SET {sets} WHERE id = ?", (*edit.fields.values(), incident_id))
    if not edit.entries:
        return []
    conn.execute("UPDATE incidents SET updated_at = ? WHERE id = ?", (now, incident_id))
    seq = conn.execute("SELECT coalesce(max(seq), 0) FROM incident_timeline WHERE incident_id = ?",
                       (incident_id,)).fetchone()[0]
    out = []
    for e in edit.entries:
        seq += 1
        conn.execute("INSERT INTO incident_timeline (incident_id, seq, ts, actor, kind, data)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     (incident_id, seq, now, actor, e.kind, orjson.dumps(e.data).decode()))
        out.append({"seq": seq, "ts": now, "actor": actor, "kind": e.kind, "data": e.data})
    return out


class SQLiteIncidentStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, fields: dict[str, Any], edit_of: Callable[[int], Edit], actor: str,
                     now: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        def job(conn: sqlite3.Connection) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            cur = conn.execute(
                "INSERT INTO incidents (title, severity, status, assignee, group_key, created_at, created_by,"
                " updated_at) VALUES (?, ?, 'open', ?, ?, ?, ?, ?)",
                (fields["title"], fields["severity"], fields.get("assignee"), fields.get("group_key"), now, actor, now))
            incident_id = cur.lastrowid
            assert incident_id is not None
            entries = apply_edit(conn, incident_id, edit_of(incident_id), actor, now)
            return incident_row(conn, incident_id) or {}, entries
        return await self.db.write(job)

    async def apply(self, incident_id: int, editor: Editor, actor: str,
                    now: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        def job(conn: sqlite3.Connection) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            incident = incident_row(conn, incident_id)
            if incident is None:
                raise NotFound(f"no incident {incident_id}")
            entries = apply_edit(conn, incident_id, editor(incident), actor, now)
            return incident_row(conn, incident_id) or {}, entries
        return await self.db.write(job)

    async def get(self, incident_id: int) -> dict[str, Any] | None:
        return await self.db.read(lambda conn: incident_row(conn, incident_id))

    async def list(self, query: IncidentQuery) -> tuple[list[dict[str, Any]], int]:
        def job(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], int]:
            where, args = ["1"], []
            if query.statuses:
                where.append(one_of("status", query.statuses))
                args += query.statuses
            if query.severities:
                where.append(one_of("severity", query.severities))
                args += query.severities
            if query.assignee is not None:
                where.append("assignee = ?")
                args.append(query.assignee)
            cond = " AND ".join(where)
            total = conn.execute(f"SELECT count(*) FROM incidents WHERE {cond}", args).fetchone()[0]
            rows = conn.execute(f"SELECT id FROM incidents WHERE {cond} ORDER BY id DESC LIMIT ? OFFSET ?",
                                (*args, query.limit, query.offset)).fetchall()
            return [incident_row(conn, r[0]) or {} for r in rows], total
        return await self.db.read(job)

    async def timeline(self, incident_id: int, after: int = 0) -> list[dict[str, Any]]:
        def job(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            if not conn.execute("SELECT 1 FROM incidents WHERE id = ?", (incident_id,)).fetchone():
                raise NotFound(f"no incident {incident_id}")
            return [_entry(r) for r in conn.execute(
                "SELECT seq, ts, actor, kind, data FROM incident_timeline WHERE incident_id = ? AND seq > ?"
                " ORDER BY seq", (incident_id, after))]
        return await self.db.read(job)

    async def containing(self, alert_ids: list[int]) -> dict[int, list[int]]:
        def job(conn: sqlite3.Connection) -> dict[int, list[int]]:
            out: dict[int, list[int]] = {}
            for i in range(0, len(alert_ids), 500):  # under SQLite's limit of bound parameters
                chunk = alert_ids[i:i + 500]
                marks = ",".join("?" * len(chunk))
                for incident_id, alert_id in conn.execute(
                        "SELECT ia.incident_id, ia.alert_id FROM incident_alerts ia JOIN incidents i ON i.id ="
                        f" ia.incident_id WHERE i.status != 'resolved' AND ia.alert_id IN ({marks})"
                        " ORDER BY ia.incident_id, ia.alert_id", chunk):
                    out.setdefault(incident_id, []).append(alert_id)
            return out
        return await self.db.read(job)

    async def open_in_group(self, group_key: str, since: float) -> int | None:
        def job(conn: sqlite3.Connection) -> int | None:
            row = conn.execute("SELECT id FROM incidents WHERE group_key = ? AND status != 'resolved'"
                               " AND created_at >= ? ORDER BY id DESC LIMIT 1", (group_key, since)).fetchone()
            return row[0] if row else None
        return await self.db.read(job)

    async def status_entries(self) -> list[dict[str, Any]]:
        def job(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            return [{"incident_id": r[0], "ts": r[1], "kind": r[2], "data": orjson.loads(r[3])} for r in conn.execute(
                "SELECT incident_id, ts, kind, data FROM incident_timeline WHERE kind IN ('created', 'status')"
                " ORDER BY incident_id, seq")]
        return await self.db.read(job)

    async def counts(self) -> dict[str, int]:
        def job(conn: sqlite3.Connection) -> dict[str, int]:
            return dict(conn.execute("SELECT status, count(*) FROM incidents GROUP BY status").fetchall())
        return await self.db.read(job)
