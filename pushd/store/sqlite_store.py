"""The alert store on SQLite (the default backend)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

import orjson

from pushd.store import migrations
from pushd.store.base import AlertQuery, Change, Conflict, HistoryQuery, NewAlert, NotFound, iso, wire
from pushd.store.sqlite_access import SQLiteAccessStore
from pushd.store.sqlite_db import DEFAULT_MAX_QUEUE, Database, insert_rows, one_of
from pushd.store.sqlite_grouping import SQLiteGroupingRuleStore
from pushd.store.sqlite_incidents import SQLiteIncidentStore
from pushd.store.sqlite_runbook_links import runbook_links
from pushd.store.sqlite_runbook_runs import SQLiteRunbookRunStore
from pushd.store.sqlite_runbooks import SQLiteRunbookStore
from pushd.store.sqlite_silences import SQLiteSilenceStore
from shared.models import METRIC_FIELDS

log = logging.getLogger(__name__)
# The host samples' table, generated from the one list of their fields.
METRICS_TABLE = (
    "CREATE TABLE IF NOT EXISTS metrics (ts REAL PRIMARY KEY, "
    + ", ".join(f"{f} REAL NOT NULL" for f in METRIC_FIELDS) + ") WITHOUT ROWID;")
SCHEMA = (Path(__file__).with_name("schema.sql")).read_text() + "\n" + METRICS_TABLE
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


def search_text(labels: dict[str, str], annotations: dict[str, str]) -> str:
    """An alert's row of the `alert_text` table: the values of its labels and annotations in lower case,
    joined by a character that a value's own becomes a space for, so that no match spans two values.
    A NUL stays: instr() compares whole values, NULs included."""
    values = (*labels.values(), *annotations.values())
    # str.replace, not str.translate with a table: translate looks each character up in a dict, and
    # took 9 us per alert here, a tenth of the ingest path's time (py-spy --gil); replace takes 0.9.
    return _SEPARATOR.join([v.replace(_SEPARATOR, " ") for v in values]).casefold()


def check_metrics_table(conn: sqlite3.Connection) -> None:
    """Refuse, by name, a `metrics` table whose columns are not the host sample's fields: a field added
    to or removed from METRIC_FIELDS needs a migration (pushd/store/migrations)."""
    metrics = {r["name"] for r in conn.execute("PRAGMA table_info(metrics)")}
    if metrics != {"ts", *METRIC_FIELDS}:
        raise RuntimeError(f"the metrics table has the columns {sorted(metrics)}, the host sample the fields "
                           f"{sorted(METRIC_FIELDS)}: write their migration in pushd/store/migrations")


def prepare(conn: sqlite3.Connection, schema: str) -> None:
    """Bring a store to the current version at start (pushd/store/migrations)."""
    applied = migrations.migrate(conn, schema, check=check_metrics_table)
    if applied:
        log.warning("store migrated to schema version %d (migrations %s applied)", applied[-1],
                    ", ".join(map(str, applied)))


def raw_row(row: sqlite3.Row) -> dict[str, Any]:
    """A stored alert with its times as epoch seconds (how Change carries it)."""
    return {
        "id": row["id"],
        "fingerprint": row["fingerprint"],
        "status": row["status"],
        "severity": row["severity"],
        "alertname": row["alertname"],
        "labels": orjson.loads(row["labels"]),
        "annotations": orjson.loads(row["annotations"]),
        "starts_at": row["starts_at"],
        "ends_at": row["ends_at"],
        "last_seen": row["last_seen"],
        "count": row["count"],
        "generator_url": row["generator_url"],
        "source": row["source"],
    }


def alert_row(row: sqlite3.Row) -> dict[str, Any]:
    return wire(raw_row(row))


def _history(conn: sqlite3.Connection, alert_id: int, now: float, action: str, status: str,
             actor: str, comment: str | None = None) -> None:
    conn.execute(
        "INSERT INTO alert_history (alert_id, ts, action, status, actor, comment) VALUES (?, ?, ?, ?, ?, ?)",
        (alert_id, now, action, status, actor, comment),
    )


def _fetch(conn: sqlite3.Connection, alert_id: int) -> dict[str, Any]:
    row = conn.execute(f"SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    return raw_row(row)


_INSERT = (
    "INSERT INTO alerts (id, fingerprint, alertname, status, severity, labels, annotations, starts_at, ends_at,"
    " expires_at, last_seen, count, generator_url, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)")
_UPDATE = (
    "UPDATE alerts SET status = ?, severity = ?, annotations = ?, starts_at = ?, ends_at = ?, expires_at = ?,"
    " last_seen = ?, count = ?, generator_url = ?, hand_resolved = ? WHERE id = ?")
# A resolved notice for a resolved alert: "last heard of" changes, and a firing resolved by hand has ended.
_TOUCH = "UPDATE alerts SET last_seen = ?, hand_resolved = 0 WHERE id = ?"
_HISTORY = "INSERT INTO alert_history (alert_id, ts, action, status, actor, comment) VALUES (?, ?, ?, ?, ?, ?)"
_TEXT_INSERT = "INSERT INTO alert_text (id, body) VALUES (?, ?)"
_TEXT_UPDATE = "UPDATE alert_text SET body = ? WHERE id = ?"
_SEPARATOR = "\x1f"  # between the values of an alert in the alert_text table
_KNOWN_CHUNK = 500  # well under SQLite's limit of bound parameters per statement
PRUNE_CHUNK = 2000  # alerts deleted per write job, so that ingest waits for one short job at most


def _known(conn: sqlite3.Connection, fingerprints: list[str]) -> dict[str, dict[str, Any]]:
    known = {}
    for i in range(0, len(fingerprints), _KNOWN_CHUNK):
        chunk = fingerprints[i:i + _KNOWN_CHUNK]
        rows = conn.execute(
            "SELECT id, fingerprint, status, severity, annotations, starts_at, ends_at, count, generator_url, source,"
            f" hand_resolved FROM alerts WHERE fingerprint IN ({','.join('?' * len(chunk))})", chunk)
        known.update((r["fingerprint"], dict(r)) for r in rows)
    return known


def _resent_changed(old: dict[str, Any], new: dict[str, Any], annotations: str) -> bool:
    """Whether a re-send changed what the alert shows besides `last_seen` and `count`: its severity,
    annotations or generator URL (labels are its identity; status and times stay). `old` is the stored
    alert, annotations as stored JSON, or an earlier alert of the same batch; `annotations` the new
    ones as JSON, compared as text first and by value only when the text differs (key order)."""
    if new["severity"] != old["severity"] or new["generator_url"] != old["generator_url"]:
        return True
    before = old["annotations"]
    if isinstance(before, str):
        return before != annotations and orjson.loads(before) != new["annotations"]
    return before != new["annotations"]


def _fires_anew(old: dict[str, Any], hand_resolved: bool, a: NewAlert) -> bool:
    """Whether a firing alert sent for the resolved alert `old` starts a new firing (reopens it). After
    the source's own resolved notice (or an expiry) it does. After a resolve by hand it does only with
    a startsAt other than the one `old` started at: Prometheus re-sends what still fires with the same
    startsAt, and a sender that gives no startsAt must send "resolved" first (as the host rules do)."""
    if not hand_resolved:
        return True
    return a.starts_at is not None and a.starts_at != old["starts_at"]


def _ingest_batch(conn: sqlite3.Connection, alerts: list[NewAlert], source: str, actor: str,
                  now: float) -> list[Change]:
    """Insert or update a batch. Ingest is the hot path, so the new states are worked out here in one
    pass over what is stored, and written with one executemany per kind of statement; the pushed
    alerts need no second read. Only the writer thread inserts, so it can hand out ids itself."""
    known = _known(conn, list({a.fingerprint for a in alerts}))
    # Kept beside the alerts, which go out in Changes: whether each was resolved by hand (see _fires_anew).
    hand_resolved = {fp: bool(old.pop("hand_resolved")) for fp, old in known.items()}
    next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM alerts").fetchone()[0]
    inserts: list[tuple] = []
    updates: list[tuple] = []
    touches: list[tuple] = []
    history: list[tuple] = []
    new_texts: list[tuple] = []
    texts: list[tuple] = []
    changes: list[Change] = []
    for a in alerts:
        old = known.get(a.fingerprint)
        annotations = orjson.dumps(a.annotations).decode()
        starts = now if a.starts_at is None else a.starts_at  # 0.0 is a time (1970), not "missing"
        ends = now if a.ends_at is None else a.ends_at
        if old is None:
            alert = {
                "id": next_id, "fingerprint": a.fingerprint, "status": a.status, "severity": a.severity,
                "alertname": a.labels["alertname"], "labels": a.labels, "annotations": a.annotations,
                "starts_at": starts, "ends_at": ends if a.status == "resolved" else None,
                "last_seen": now, "count": 1, "generator_url": a.generator_url, "source": source,
            }
            next_id += 1
            inserts.append((alert["id"], a.fingerprint, alert["alertname"], a.status, a.severity,
                            orjson.dumps(a.labels).decode(), annotations, alert["starts_at"], alert["ends_at"],
                            a.expires_at, now, a.generator_url, source))
            new_texts.append((alert["id"], search_text(a.labels, a.annotations)))
            event = "created"
        elif a.status == "resolved" and old["status"] == "resolved":
            touches.append((now, old["id"]))
            hand_resolved[a.fingerprint] = False
            continue
        else:
            alert = {
                "id": old["id"], "fingerprint": a.fingerprint, "status": old["status"], "severity": a.severity,
                "alertname": a.labels["alertname"], "labels": a.labels, "annotations": a.annotations,
                "starts_at": old["starts_at"], "ends_at": old["ends_at"], "last_seen": now, "count": old["count"],
                "generator_url": a.generator_url or old["generator_url"], "source": old["source"],
            }
            held = False
            expires_at = a.expires_at
            if a.status == "firing":
                alert["count"] += 1
                event = "repeated"
                if old["status"] == "resolved":
                    if _fires_anew(old, hand_resolved.get(a.fingerprint, False), a):
                        event = "reopened"
                        alert.update(status="firing", starts_at=starts, ends_at=None)
                    else:  # the firing resolved by hand, sent again: it stays resolved
                        held = True
                        expires_at = None
            else:
                event = "resolved"
                alert.update(status="resolved", ends_at=ends)
                expires_at = None
            updates.append((alert["status"], a.severity, annotations, alert["starts_at"], alert["ends_at"],
                            expires_at, now, alert["count"], alert["generator_url"], held, alert["id"]))
            hand_resolved[a.fingerprint] = held
            before = old["annotations"]  # stored JSON, or the dict of an earlier alert of the batch
            if before != (annotations if isinstance(before, str) else a.annotations):
                texts.append((search_text(a.labels, a.annotations), alert["id"]))
        if event != "repeated":
            history.append((alert["id"], now, event, alert["status"], actor, None))
        known[a.fingerprint] = alert  # a later alert of the same batch builds on this one
        changes.append(Change(event, alert, event != "repeated" or _resent_changed(old, alert, annotations)))
    for sql, rows in ((_INSERT, inserts), (_HISTORY, history), (_TEXT_INSERT, new_texts)):
        insert_rows(conn, sql, rows)
    for sql, rows in ((_UPDATE, updates), (_TOUCH, touches), (_TEXT_UPDATE, texts)):
        if rows:
            conn.executemany(sql, rows)
    return changes


def _where(q: AlertQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if q.statuses:
        clauses.append(one_of("status", q.statuses))
        args += q.statuses
    if q.severities:
        clauses.append(one_of("severity", q.severities))
        args += q.severities
    for name, value in q.labels.items():
        clauses.append("json_extract(labels, ?) IS ?")
        args += [f'$."{name}"', value]
    if q.text:
        clauses.append(_text_clause(q.text, args))
    if q.seen_since is not None:
        clauses.append("last_seen >= ?")
        args.append(q.seen_since)
    if q.started_before is not None:
        clauses.append("starts_at < ?")
        args.append(q.started_before)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _text_clause(text: str, args: list[Any]) -> str:
    """Alerts with `text` in one of their values, in any case (folded as search_text folds the
    `alert_text` table, schema.sql)."""
    args.append(text.replace(_SEPARATOR, " ").casefold())
    return "id IN (SELECT id FROM alert_text WHERE instr(body, ?) > 0)"


class SQLiteStore:
    """AlertStore on one SQLite file in WAL mode."""

    def __init__(self, path: Path, synchronous: str = "FULL", busy_timeout: float = 5.0,
                 write_queue_max: int = DEFAULT_MAX_QUEUE) -> None:
        self.db = Database(path, synchronous, busy_timeout, max_queue=write_queue_max)
        self.access = SQLiteAccessStore(self.db)
        self.incidents = SQLiteIncidentStore(self.db)
        self.grouping_rules = SQLiteGroupingRuleStore(self.db)
        self.runbooks = SQLiteRunbookStore(self.db)
        self.runbook_runs = SQLiteRunbookRunStore(self.db)
        self.silences = SQLiteSilenceStore(self.db)

    async def open(self) -> None:
        await asyncio.to_thread(self.db.start, SCHEMA, prepare)

    async def close(self) -> None:
        """Stops the writer and reader threads; joining them blocks, so it runs in a thread, not on the loop."""
        await asyncio.to_thread(self.db.stop)

    # --- writes ---------------------------------------------------------------------------------
    async def ingest(self, alerts: list[NewAlert], source: str, actor: str, now: float) -> list[Change]:
        return await self.db.write(lambda conn: _ingest_batch(conn, alerts, source, actor, now))

    async def transition(self, alert_id: int, action: str, actor: str, comment: str | None, now: float) -> Change:
        allowed, target = TRANSITIONS[action]

        def job(conn: sqlite3.Connection) -> Change:
            row = conn.execute("SELECT status FROM alerts WHERE id = ?", (alert_id,)).fetchone()
            if row is None:
                raise NotFound(f"no alert with id {alert_id}")
            if row["status"] not in allowed:
                raise Conflict(f"cannot {action} an alert that is {row['status']}")
            ends = now if target == "resolved" else None
            # Resolved by hand while the source still fires: its re-sends leave it resolved (_fires_anew).
            conn.execute(
                "UPDATE alerts SET status = ?, ends_at = coalesce(?, ends_at),"
                " expires_at = CASE WHEN ? THEN NULL ELSE expires_at END, hand_resolved = ? WHERE id = ?",
                (target, ends, target == "resolved", target == "resolved", alert_id),
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
                f"SELECT {ALERT_COLUMNS} FROM alerts{where} ORDER BY id DESC LIMIT ? OFFSET ?",
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

    async def source_statuses(self, fingerprints: list[str]) -> dict[str, str]:
        def job(conn: sqlite3.Connection) -> dict[str, str]:
            marks = ",".join("?" * len(fingerprints))
            rows = conn.execute(
                "SELECT fingerprint, CASE WHEN status != 'resolved' OR hand_resolved THEN 'firing' ELSE 'resolved' END"
                f" FROM alerts WHERE fingerprint IN ({marks})", fingerprints)
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
                f" ORDER BY status = 'acknowledged', {SEVERITY_RANK}, id DESC LIMIT ?", (limit,))
            return [alert_row(r) for r in rows]
        return await self.db.read(job)

    async def recent_log(self, limit: int) -> list[dict[str, Any]]:
        return (await self.history(HistoryQuery(limit=limit)))[0]

    async def history(self, query: HistoryQuery) -> tuple[list[dict[str, Any]], int]:
        clauses, args = [], []
        for column, value in (("h.actor", query.actor), ("h.action", query.action), ("h.alert_id", query.alert_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        if query.since is not None:
            clauses.append("h.ts >= ?")
            args.append(query.since)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""

        def job(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], int]:
            total = conn.execute(f"SELECT count(*) FROM alert_history h{where}", args).fetchone()[0]
            rows = conn.execute(
                "SELECT h.ts, h.alert_id, a.alertname, a.severity, h.action, h.status, h.actor, h.comment"
                f" FROM alert_history h JOIN alerts a ON a.id = h.alert_id{where} ORDER BY h.id DESC LIMIT ? OFFSET ?",
                [*args, query.limit, query.offset])
            return [{**dict(r), "ts": iso(r["ts"])} for r in rows], total
        return await self.db.read(job)

    async def actors(self) -> list[dict[str, Any]]:
        """Who changed alerts: each actor with how many actions of each kind, and when they last acted."""
        def job(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = conn.execute(
                "SELECT actor, count(*) AS actions, sum(action = 'acknowledged') AS acknowledged,"
                " sum(action = 'resolved') AS resolved, max(ts) AS last_ts FROM alert_history"
                " GROUP BY actor ORDER BY last_ts DESC")
            return [{**dict(r), "last_ts": iso(r["last_ts"])} for r in rows]
        return await self.db.read(job)

    async def runbook_links(self, statuses: list[str]) -> list[dict[str, Any]]:
        return await self.db.read(lambda conn: runbook_links(conn, statuses))

    # --- host metrics ---------------------------------------------------------------------------
    async def add_metric(self, sample: dict[str, float]) -> None:
        cols = ("ts", *METRIC_FIELDS)

        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                f"INSERT OR REPLACE INTO metrics ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                [sample[c] for c in cols])
        await self.db.write(job)

    async def metrics_since(self, since: float, max_points: int) -> list[dict[str, float]]:
        """Points since `since`, averaged into at most `max_points` buckets when there are more. The
        buckets split [first, last] evenly; the newest sample, at `last`, goes into the last one."""
        avgs = ", ".join(f"avg({f}) AS {f}" for f in METRIC_FIELDS)

        def job(conn: sqlite3.Connection) -> list[dict[str, float]]:
            n, first, last = conn.execute(
                "SELECT count(*), min(ts), max(ts) FROM metrics WHERE ts >= ?", (since,)).fetchone()
            if n <= max_points:
                rows = conn.execute(f"SELECT ts, {', '.join(METRIC_FIELDS)} FROM metrics WHERE ts >= ? ORDER BY ts",
                                    (since,))
            else:
                width = (last - first) / max_points  # > 0: n > max_points >= 1 distinct times
                rows = conn.execute(
                    f"SELECT max(ts) AS ts, {avgs} FROM metrics WHERE ts >= ?"
                    " GROUP BY min(CAST((ts - ?) / ? AS INTEGER), ?) ORDER BY ts",
                    (since, first, width, max_points - 1))
            return [dict(r) for r in rows]
        return await self.db.read(job)

    async def prune_metrics(self, before: float) -> int:
        def job(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM metrics WHERE ts < ?", (before,)).rowcount
        return await self.db.write(job)

    async def prune_alerts(self, before: float) -> int:
        """Resolved alerts whose end and last notice are both before `before`, with their history, in
        chunks of PRUNE_CHUNK (one write job each). The newest alert is always kept: ids are handed out
        as max(id) + 1, and deleting the newest would give its id to the next new alert."""
        def job(conn: sqlite3.Connection) -> int:
            ids = [(r[0],) for r in conn.execute(
                "SELECT id FROM alerts WHERE status = 'resolved' AND last_seen < ? AND coalesce(ends_at, 0) < ?"
                " AND id < (SELECT max(id) FROM alerts) LIMIT ?", (before, before, PRUNE_CHUNK))]
            conn.executemany("DELETE FROM alert_history WHERE alert_id = ?", ids)
            conn.executemany("DELETE FROM alert_text WHERE id = ?", ids)
            conn.executemany("DELETE FROM alerts WHERE id = ?", ids)
            return len(ids)
        total = 0
        while (n := await self.db.write(job)) > 0:
            total += n
            if n < PRUNE_CHUNK:
                break
        return total
