"""Runbook runs on SQLite, sharing the alert store's database (one writer thread). A run's steps are
read from its runbook version (never changed once written) and merged with the marks recorded."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from pushd.store.base import NotFound
from pushd.store.runbook_runs import MarkEditor, StartEditor
from pushd.store.sqlite_db import Database
from pushd.store.sqlite_incidents import apply_edit, incident_row

_SELECT = ("SELECT r.id, r.incident_id, r.runbook_id, r.version, v.title, v.steps, r.started_by, r.started_at"
           " FROM runbook_runs r JOIN runbook_versions v ON v.runbook_id = r.runbook_id AND v.version = r.version")


def _runs(conn: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
    runs = [dict(r) for r in conn.execute(f"{_SELECT} WHERE {where} ORDER BY r.id", args)]
    if not runs:
        return []
    ids = [r["id"] for r in runs]
    marks: dict[tuple[int, int], dict[str, Any]] = {
        (m["run_id"], m["n"]): dict(m) for m in conn.execute(
            "SELECT run_id, n, state, note, actor, ts FROM runbook_run_steps"
            f" WHERE run_id IN ({','.join('?' * len(ids))})", ids)}
    for run in runs:
        steps = orjson.loads(run["steps"])
        run["steps"] = []
        for n, step in enumerate(steps, 1):
            mark = marks.get((run["id"], n), {})
            run["steps"].append({"n": n, "title": step["title"], "body": step.get("body", ""),
                                 "command": step.get("command"), "state": mark.get("state", "todo"),
                                 "note": mark.get("note"), "actor": mark.get("actor"), "ts": mark.get("ts")})
    return runs


def _run(conn: sqlite3.Connection, incident_id: int, run_id: int) -> dict[str, Any]:
    found = _runs(conn, "r.id = ? AND r.incident_id = ?", (run_id, incident_id))
    if not found:
        raise NotFound(f"incident {incident_id} has no runbook run {run_id}")
    return found[0]


def _incident(conn: sqlite3.Connection, incident_id: int) -> dict[str, Any]:
    incident = incident_row(conn, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident


class SQLiteRunbookRunStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def start(self, incident_id: int, runbook_id: int, version: int, editor: StartEditor, actor: str,
                    now: float) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
        def job(conn: sqlite3.Connection) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
            incident = _incident(conn, incident_id)
            run_id = conn.execute(
                "INSERT INTO runbook_runs (incident_id, runbook_id, version, started_at, started_by)"
                " VALUES (?, ?, ?, ?, ?)", (incident_id, runbook_id, version, now, actor)).lastrowid
            assert run_id is not None
            entries = apply_edit(conn, incident_id, editor(incident, run_id), actor, now)
            return _incident(conn, incident_id), _run(conn, incident_id, run_id), entries
        return await self.db.write(job)

    async def mark(self, incident_id: int, run_id: int, n: int, state: str, note: str | None, editor: MarkEditor,
                   actor: str, now: float) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
        def job(conn: sqlite3.Connection) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
            incident = _incident(conn, incident_id)
            edit = editor(incident, _run(conn, incident_id, run_id))
            conn.execute("INSERT OR REPLACE INTO runbook_run_steps (run_id, n, state, note, actor, ts)"
                         " VALUES (?, ?, ?, ?, ?, ?)", (run_id, n, state, note, actor, now))
            entries = apply_edit(conn, incident_id, edit, actor, now)
            return _incident(conn, incident_id), _run(conn, incident_id, run_id), entries
        return await self.db.write(job)

    async def list(self, incident_id: int) -> list[dict[str, Any]]:
        return await self.db.read(lambda conn: _runs(conn, "r.incident_id = ?", (incident_id,)))
