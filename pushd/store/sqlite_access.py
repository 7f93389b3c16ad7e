"""Users and tokens on SQLite, sharing the alert store's database (one writer thread)."""

from __future__ import annotations

import sqlite3
from typing import Any

from pushd.store.base import Conflict, NotFound
from pushd.store.sqlite_db import Database

USER_COLUMNS = "username, role, disabled, created_at, updated_at"
TOKEN_COLUMNS = "id, kind, name, role, username, created_at, created_by, expires_at, revoked_at"


def _user(row: sqlite3.Row) -> dict[str, Any]:
    return {**dict(row), "disabled": bool(row["disabled"])}


def _enabled_admins(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled").fetchone()[0]


class SQLiteAccessStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- users ----------------------------------------------------------------------------------
    async def get_user(self, username: str) -> dict[str, Any] | None:
        def job(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute(f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = ?",
                               (username,)).fetchone()
            return _user(row) if row else None
        return await self.db.read(job)

    async def list_users(self) -> list[dict[str, Any]]:
        def job(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            return [_user(r) for r in conn.execute(f"SELECT {USER_COLUMNS} FROM users ORDER BY username")]
        return await self.db.read(job)

    async def create_user(self, username: str, password_hash: str, role: str, now: float) -> dict[str, Any]:
        def job(conn: sqlite3.Connection) -> dict[str, Any]:
            if conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise Conflict(f"user {username!r} already exists")
            conn.execute(
                "INSERT INTO users (username, password_hash, role, disabled, created_at, updated_at)"
                " VALUES (?, ?, ?, 0, ?, ?)", (username, password_hash, role, now, now))
            return _user(conn.execute(f"SELECT {USER_COLUMNS} FROM users WHERE username = ?", (username,)).fetchone())
        return await self.db.write(job)

    async def update_user(self, username: str, now: float, *, role: str | None = None, disabled: bool | None = None,
                          password_hash: str | None = None) -> dict[str, Any]:
        def job(conn: sqlite3.Connection) -> dict[str, Any]:
            if not conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise NotFound(f"no user {username!r}")
            conn.execute(
                "UPDATE users SET role = coalesce(?, role), disabled = coalesce(?, disabled),"
                " password_hash = coalesce(?, password_hash), updated_at = ? WHERE username = ?",
                (role, None if disabled is None else int(disabled), password_hash, now, username))
            if _enabled_admins(conn) == 0:
                raise Conflict("that would leave no enabled admin")  # the savepoint rolls the update back
            if password_hash is not None or disabled:
                conn.execute("UPDATE tokens SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL",
                             (now, username))
            return _user(conn.execute(f"SELECT {USER_COLUMNS} FROM users WHERE username = ?", (username,)).fetchone())
        return await self.db.write(job)

    async def delete_user(self, username: str) -> None:
        def job(conn: sqlite3.Connection) -> None:
            if conn.execute("DELETE FROM users WHERE username = ?", (username,)).rowcount == 0:
                raise NotFound(f"no user {username!r}")
            if _enabled_admins(conn) == 0:
                raise Conflict("that would leave no enabled admin")
        await self.db.write(job)

    # --- tokens ---------------------------------------------------------------------------------
    async def create_token(self, *, kind: str, name: str, role: str | None, username: str | None, secret_hash: str,
                           created_by: str, now: float, expires_at: float | None,
                           parent_id: int | None = None) -> dict[str, Any]:
        def job(conn: sqlite3.Connection) -> dict[str, Any]:
            if kind == "api" and conn.execute(
                    "SELECT 1 FROM tokens WHERE kind = 'api' AND name = ? AND revoked_at IS NULL"
                    " AND (expires_at IS NULL OR expires_at > ?)", (name, now)).fetchone():
                # The name is the actor in history (token:<name>): two live tokens must not share it.
                raise Conflict(f"an API token named {name!r} exists; revoke it first or choose another name")
            cur = conn.execute(
                "INSERT INTO tokens (kind, name, role, username, parent_id, secret_hash, created_at, created_by,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, name, role, username, parent_id, secret_hash, now, created_by, expires_at))
            return dict(conn.execute(f"SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?", (cur.lastrowid,)).fetchone())
        return await self.db.write(job)

    async def set_token_secret(self, kind: str, name: str, role: str, secret_hash: str, created_by: str,
                               now: float) -> None:
        def job(conn: sqlite3.Connection) -> None:
            # Another token may hold this secret already (the same PUSHD_ADMIN_TOKEN under an old name).
            conn.execute("DELETE FROM tokens WHERE secret_hash = ? AND NOT (kind = ? AND name = ?)",
                         (secret_hash, kind, name))
            updated = conn.execute(
                "UPDATE tokens SET secret_hash = ?, role = ?, revoked_at = NULL, expires_at = NULL"
                " WHERE kind = ? AND name = ?", (secret_hash, role, kind, name)).rowcount
            if not updated:
                conn.execute(
                    "INSERT INTO tokens (kind, name, role, secret_hash, created_at, created_by)"
                    " VALUES (?, ?, ?, ?, ?, ?)", (kind, name, role, secret_hash, now, created_by))
        await self.db.write(job)

    _FIND = (
        "SELECT t.id, t.kind, t.name, t.role, t.expires_at, t.revoked_at, u.role AS user_role,"
        " u.disabled AS user_disabled FROM tokens t LEFT JOIN users u ON u.username = t.username")

    async def find_token(self, secret_hash: str) -> dict[str, Any] | None:
        def job(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute(f"{self._FIND} WHERE t.secret_hash = ? AND t.kind != 'ticket'",
                               (secret_hash,)).fetchone()
            return dict(row) if row else None
        return await self.db.read(job)

    async def find_token_by_id(self, token_id: int) -> dict[str, Any] | None:
        def job(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute(f"{self._FIND} WHERE t.id = ?", (token_id,)).fetchone()
            return dict(row) if row else None
        return await self.db.read(job)

    async def consume_ticket(self, secret_hash: str, now: float) -> int | None:
        # A read first: a made-up ticket (anyone can send one) must not cost a write.
        exists = await self.db.read(lambda conn: conn.execute(
            "SELECT 1 FROM tokens WHERE secret_hash = ? AND kind = 'ticket'", (secret_hash,)).fetchone())
        if exists is None:
            return None

        def job(conn: sqlite3.Connection) -> int | None:
            row = conn.execute("SELECT id, parent_id, expires_at FROM tokens WHERE secret_hash = ? AND kind = 'ticket'",
                               (secret_hash,)).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM tokens WHERE id = ?", (row["id"],))
            return row["parent_id"] if row["expires_at"] > now else None
        return await self.db.write(job)

    async def list_tokens(self, kind: str) -> list[dict[str, Any]]:
        def job(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            return [dict(r) for r in conn.execute(
                f"SELECT {TOKEN_COLUMNS} FROM tokens WHERE kind = ? ORDER BY id", (kind,))]
        return await self.db.read(job)

    async def revoke_token(self, token_id: int, now: float, kind: str | None = None) -> None:
        def job(conn: sqlite3.Connection) -> None:
            row = conn.execute("SELECT kind FROM tokens WHERE id = ?", (token_id,)).fetchone()
            if row is None or (kind is not None and row["kind"] != kind):
                raise NotFound(f"no token with id {token_id}")
            conn.execute("UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", (now, token_id))
            conn.execute("DELETE FROM tokens WHERE parent_id = ?", (token_id,))
        await self.db.write(job)

    async def prune_tokens(self, now: float, keep_revoked_seconds: float) -> int:
        def job(conn: sqlite3.Connection) -> int:
            return conn.execute(
                "DELETE FROM tokens WHERE (kind != 'api' AND (expires_at <= ? OR revoked_at IS NOT NULL))"
                " OR revoked_at <= ? OR expires_at <= ?",
                (now, now - keep_revoked_seconds, now - keep_revoked_seconds)).rowcount
        return await self.db.write(job)
