"""The alert store on SQLite (the default backend)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from pushd.store.base import AlertQuery, Change, Conflict, NewAlert, NotFound
from pushd.store.sqlite_db import Database

SCHEMA = (Path(__file__).with_name("schema.sql")).read_text()
METRIC_FIELDS = (
    "cpu_percent", "memory_percent", "swap_percent", "disk_percent",
    "load1", "load5", "load15", "net_in_bps", "net_out_bps",
)
ALERT_COLUMNS = (
    "id, fingerprint, alertname, status, severity, labels, annotations, starts_at, ends_at, "
    "last_seen, count, generator_url, source"
)
SEVERITY_RANK = "CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"
# Allowed operator transitions: action -> (states it may start from, state it ends in).
TRANSITIONS = {
    "acknowledge": ({"firing"}, "acknowledged"),
    "resolve": ({"firing", "acknowledged"}, "resolved"),
}


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def alert_row(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "fingerprint": row["fingerprint"],
        "status": row["status"],
        "severity": row["severity"],
        "alertname": row["alertname"],
        "labels": orjson.loads(row["labels"]),
        "annotations": orjson.loads(row["annotations"]),
        "starts_at": iso(row["starts_at"]),
        "ends_at": iso(row["ends_at"]),
        "last_seen": iso(row["last_seen"]),
        "count": row["count"],
        "generator_url": row["generator_url"],
        "source": row["source"],
    }


def _search_text(a: NewAlert) -> str:
    return " ".join([*a.labels.values(), *a.labels.keys(), *a.annotations.values()]).lower()


def _history(conn: sqlite3.Connection, alert_id: int, now: float, action: str, status: str,
             actor: str, comment: str | None = None) -> None:
    conn.execute(
        "INSERT INTO alert_history (alert_id, ts, action, status, actor, comment) VALUES (?, ?, ?, ?, ?, ?)",
        (alert_id, now, action, status, actor, comment),
    )


def _fetch(conn: sqlite3.Connection, alert_id: int) -> dict[str, Any]:
    row = conn.execute(f"SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    return alert_row(row)


def _ingest_one(conn: sqlite3.Connection, a: NewAlert, source: str, now: float) -> Change | None:
    labels, annotations = orjson.dumps(a.labels).decode(), orjson.dumps(a.annotations).decode()
    old = conn.execute("SELECT id, status FROM alerts WHERE fingerprint = ?", (a.fingerprint,)).fetchone()
    if old is None:
        ends = (a.ends_at or now) if a.status == "resolved" else None
        cur = conn.execute(
            "INSERT INTO alerts (fingerprint, alertname, status, severity, labels, annotations, starts_at,"
            " ends_at, expires_at, last_seen, count, generator_url, source, search)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
            (a.fingerprint, a.labels["alertname"], a.status, a.severity, labels, annotations,
             a.starts_at or now, ends, a.expires_at, now, a.generator_url, source, _search_text(a)),
        )
        alert_id = cur.lastrowid
        _history(conn, alert_id, now, "created", a.status, source)
        return Change("created", _fetch(conn, alert_id))

    alert_id, status = old["id"], old["status"]
    if a.status == "firing":
        reopen = status == "resolved"
        conn.execute(
            "UPDATE alerts SET status = ?, severity = ?, annotations = ?, last_seen = ?, count = count + 1,"
            " expires_at = ?, generator_url = coalesce(?, generator_url), search = ?,"
            " starts_at = CASE WHEN ? THEN ? ELSE starts_at END,"
            " ends_at = CASE WHEN ? THEN NULL ELSE ends_at END WHERE id = ?",
            ("firing" if reopen else status, a.severity, annotations, now, a.expires_at, a.generator_url,
             _search_text(a), reopen, a.starts_at or now, reopen, alert_id),
        )
        if reopen:
            _history(conn, alert_id, now, "reopened", "firing", source)
        return Change("reopened" if reopen else "repeated", _fetch(conn, alert_id))

    if status == "resolved":  # a resolved notice repeated: nothing changes but when we heard of it
        conn.execute("UPDATE alerts SET last_seen = ? WHERE id = ?", (now, alert_id))
        return None
    conn.execute(
        "UPDATE alerts SET status = 'resolved', ends_at = ?, expires_at = NULL, last_seen = ?,"
        " annotations = ? WHERE id = ?",
        (a.ends_at or now, now, annotations, alert_id),
    )
    _history(conn, alert_id, now, "resolved", "resolved", source)
    return Change("resolved", _fetch(conn, alert_id))


def _where(q: AlertQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if q.statuses:
        clauses.append(f"status IN ({','.join('?' * len(q.statuses))})")
        args += q.statuses
    if q.severities:
        clauses.append(f"severity IN ({','.join('?' * len(q.severities))})")
        args += q.severities
    for name, value in q.labels.items():
        clauses.append("json_extract(labels, ?) IS ?")
        args += [f'$."{name}"', value]
    if q.text:
        clauses.append("instr(search, ?) > 0")
        args.append(q.text.lower())
    if q.since is not None:
        clauses.append("last_seen >= ?")
        args.append(q.since)
    if q.until is not None:
        clauses.append("starts_at <= ?")
        args.append(q.until)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


class SQLiteStore:
    """AlertStore on one SQLite file in WAL mode."""

    def __init__(self, path: Path, synchronous: str = "FULL", busy_timeout: float = 5.0) -> None:
        self.db = Database(path, synchronous, busy_timeout)

    async def open(self) -> None:
        self.db.start(SCHEMA)

    async def close(self) -> None:
        self.db.stop()

    # --- writes ---------------------------------------------------------------------------------
    async def ingest(self, alerts: list[NewAlert], source: str, now: float) -> list[Change]:
        def job(conn: sqlite3.Connection) -> list[Change]:
            changes = (_ingest_one(conn, a, source, now) for a in alerts)
            return [c for c in changes if c is not None]
        return await self.db.write(job)

    async def transition(self, alert_id: int, action: str, actor: str, comment: str | None, now: float) -> Change:
        allowed, target = TRANSITIONS[action]

        def job(conn: sqlite3.Connection) -> Change:
            row = conn.execute("SELECT status FROM alerts WHERE id = ?", (alert_id,)).fetchone()
            if row is None:
                raise NotFound(f"no alert with id {alert_id}")
            if row["status"] not in allowed:
                raise Conflict(f"cannot {action} an alert that is {row['status']}")
            ends = now if target == "resolved" else None
            conn.execute(
                "UPDATE alerts SET status = ?, ends_at = coalesce(?, ends_at),"
                " expires_at = CASE WHEN ? THEN NULL ELSE expires_at END WHERE id = ?",
                (target, ends, target == "resolved", alert_id),
            )
            _history(conn, alert_id, now, target, target, actor, comment)
            return Change(target, _fetch(conn, alert_id))
        return await self.db.write(job)

    async def expire(self, now: float) -> list[Change]:
        def job(conn: sqlite3.Connection) -> list[Change]:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM alerts WHERE expires_at IS NOT NULL AND expires_at <= ? AND status != 'resolved'",
                (now,))]
            changes = []
            for alert_id in ids:
                conn.execute(
                    "UPDATE alerts SET status = 'resolved', ends_at = expires_at, expires_at = NULL WHERE id = ?",
                    (alert_id,))
                _history(conn, alert_id, now, "expired", "resolved", "pushd",
                         "endsAt passed without a refresh from the sender")
                changes.append(Change("resolved", _fetch(conn, alert_id)))
            return changes
        return await self.db.write(job)

    async def next_expiry(self) -> float | None:
        def job(conn: sqlite3.Connection) -> float | None:
            return conn.execute(
                "SELECT min(expires_at) FROM alerts WHERE expires_at IS NOT NULL AND status != 'resolved'"
            ).fetchone()[0]
        return await self.db.read(job)

    # --- reads ----------------------------------------------------------------------------------
    async def ping(self) -> None:
        await self.db.read(lambda conn: conn.execute("SELECT 1").fetchone())

    async def list_alerts(self, query: AlertQuery) -> tuple[list[dict[str, Any]], int]:
        where, args = _where(query)

        def job(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], int]:
            total = conn.execute(f"SELECT count(*) FROM alerts{where}", args).fetchone()[0]
            rows = conn.execute(
                f"SELECT {ALERT_COLUMNS} FROM alerts{where} ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?",
                [*args, query.limit, query.offset],
            ).fetchall()
            return [alert_row(r) for r in rows], total
        return await self.db.read(job)

    async def get_alert(self, alert_id: int) -> dict[str, Any] | None:
        def job(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute(f"SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?", (alert_id,)).fetchone()
            if row is None:
                return None
            alert = alert_row(row)
            alert["history"] = [
                {"ts": iso(h["ts"]), "action": h["action"], "status": h["status"], "actor": h["actor"],
                 "comment": h["comment"]}
                for h in conn.execute("SELECT * FROM alert_history WHERE alert_id = ? ORDER BY id", (alert_id,))
            ]
            return alert
        return await self.db.read(job)

    async def statuses_of(self, fingerprints: list[str]) -> dict[str, str]:
        def job(conn: sqlite3.Connection) -> dict[str, str]:
            marks = ",".join("?" * len(fingerprints))
            rows = conn.execute(f"SELECT fingerprint, status FROM alerts WHERE fingerprint IN ({marks})", fingerprints)
            return {r[0]: r[1] for r in rows}
        return await self.db.read(job)

    async def counts(self) -> dict[str, Any]:
        def job(conn: sqlite3.Connection) -> dict[str, Any]:
            by_status = dict.fromkeys(("firing", "acknowledged", "resolved"), 0)
            by_severity = dict.fromkeys(("critical", "warning", "info"), 0)
            for status, severity, n in conn.execute(
                "SELECT status, severity, count(*) FROM alerts GROUP BY status, severity"
            ):
                by_status[status] = by_status.get(status, 0) + n
                by_severity[severity] = by_severity.get(severity, 0) + n
            return {"by_status": by_status, "by_severity": by_severity, "total": sum(by_status.values())}
        return await self.db.read(job)

    async def firing(self, limit: int) -> list[dict[str, Any]]:
        def job(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = conn.execute(
                f"SELECT {ALERT_COLUMNS} FROM alerts WHERE status IN ('firing', 'acknowledged')"
                f" ORDER BY status = 'acknowledged', {SEVERITY_RANK}, last_seen DESC LIMIT ?", (limit,))
            return [alert_row(r) for r in rows]
        return await self.db.read(job)

    async def recent_log(self, limit: int) -> list[dict[str, Any]]:
        def job(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = conn.execute(
                "SELECT h.ts, h.alert_id, a.alertname, a.severity, h.action, h.status, h.actor, h.comment"
                " FROM alert_history h JOIN alerts a ON a.id = h.alert_id ORDER BY h.id DESC LIMIT ?", (limit,))
            return [{**dict(r), "ts": iso(r["ts"])} for r in rows]
        return await self.db.read(job)

    # --- host metrics ---------------------------------------------------------------------------
    async def add_metric(self, sample: dict[str, float]) -> None:
        cols = ("ts", *METRIC_FIELDS)

        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                f"INSERT OR REPLACE INTO metrics ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                [sample[c] for c in cols])
        await self.db.write(job)

    async def metrics_since(self, since: float, max_points: int) -> list[dict[str, float]]:
        """Points since `since`, averaged into at most `max_points` buckets when there are more."""
        avgs = ", ".join(f"avg({f}) AS {f}" for f in METRIC_FIELDS)

        def job(conn: sqlite3.Connection) -> list[dict[str, float]]:
            n, first, last = conn.execute(
                "SELECT count(*), min(ts), max(ts) FROM metrics WHERE ts >= ?", (since,)).fetchone()
            if n <= max_points:
                rows = conn.execute("SELECT * FROM metrics WHERE ts >= ? ORDER BY ts", (since,))
            else:
                width = (last - first) / max_points or 1.0
                rows = conn.execute(
                    f"SELECT max(ts) AS ts, {avgs} FROM metrics WHERE ts >= ?"
                    " GROUP BY CAST((ts - ?) / ? AS INTEGER) ORDER BY ts", (since, first, width))
            return [dict(r) for r in rows]
        return await self.db.read(job)

    async def prune_metrics(self, before: float) -> int:
        def job(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM metrics WHERE ts < ?", (before,)).rowcount
        return await self.db.write(job)
