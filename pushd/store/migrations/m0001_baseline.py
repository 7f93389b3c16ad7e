"""Version 1: the schema of the last release before versioning (a96a144; tests/pushd/fixtures/store_v1.sql).

A store of that release is already version 1 and this changes nothing in it; one of an earlier pushd
gets what the IF NOT EXISTS of schema.sql cannot give it (this was `sqlite_store.upgrade` before):
the column `alerts.hand_resolved` and the search table `alert_text`, filled.
"""

from __future__ import annotations

import sqlite3

import orjson


def _search_text(labels: dict[str, str], annotations: dict[str, str]) -> str:
    """sqlite_store.search_text as of version 1 (a later change of it needs a migration that refills)."""
    values = (*labels.values(), *annotations.values())
    return "\x1f".join(v.replace("\x1f", " ") for v in values).casefold()


def up(conn: sqlite3.Connection) -> None:
    if "hand_resolved" not in {r[1] for r in conn.execute("PRAGMA table_info(alerts)")}:
        conn.execute("ALTER TABLE alerts ADD COLUMN hand_resolved INTEGER NOT NULL DEFAULT 0")
    conn.execute("CREATE TABLE IF NOT EXISTS alert_text (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    if conn.execute("SELECT 1 FROM alert_text LIMIT 1").fetchone() is None:
        conn.executemany("INSERT INTO alert_text (id, body) VALUES (?, ?)", (
            (id_, _search_text(orjson.loads(labels), orjson.loads(annotations)))
            for id_, labels, annotations in conn.execute("SELECT id, labels, annotations FROM alerts")))
