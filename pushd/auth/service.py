"""Credentials: bootstrap, login, token checks (cached), WebSocket tickets, users and tokens.

Token checks run on every request, so a valid token's principal is cached for CACHE_SECONDS. Every
change made through this service clears the cache at once; a change made by another pushd replica
on the same database is seen within CACHE_SECONDS. Expiry is checked on every use.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any

from pushd.auth.roles import Principal, Role
from pushd.auth.secrets import DUMMY_HASH, hash_password, new_password, new_token, token_hash, verify_password
from pushd.store import AccessStore, Conflict
from shared.settings import PushdSettings

log = logging.getLogger(__name__)
CACHE_SECONDS = 10.0
CACHE_MAX = 4096
TICKET_SECONDS = 30.0
BOOTSTRAP_USER = "admin"
BOOTSTRAP_TOKEN = "admin"
KEEP_REVOKED_SECONDS = 30 * 86400  # revoked API tokens stay listed this long


class AccessDenied(Exception):
    """Wrong credentials (HTTP 401). The message never contains a secret."""


def principal_of(row: dict[str, Any], now: float) -> Principal | None:
    """The principal a stored token acts as, or None when it may not be used now."""
    if row["revoked_at"] is not None or (row["expires_at"] is not None and row["expires_at"] <= now):
        return None
    if row["kind"] == "session":
        if row["user_role"] is None or row["user_disabled"]:
            return None
        role = row["user_role"]
    elif row["kind"] == "api":
        role = row["role"]
    else:
        return None
    return Principal(id=row["id"], kind=row["kind"], name=row["name"], role=Role(role), expires_at=row["expires_at"])


class AuthService:
    def __init__(self, store: AccessStore, settings: PushdSettings) -> None:
        self.store = store
        self.settings = settings
        self._cache: dict[str, tuple[Principal, float]] = {}
        # Set on every change made here, so that open push sockets are checked again at once.
        self.changes = asyncio.Event()

    # --- start-up -------------------------------------------------------------------------------
    async def bootstrap(self) -> None:
        """The `admin` user and an admin API token; see PushdSettings for where their secrets come from."""
        s, now = self.settings, time.time()
        generated: dict[str, str] = {}
        env_password = s.admin_password.get_secret_value() if s.admin_password else None
        existing = await self.store.get_user(BOOTSTRAP_USER)
        if existing is None:
            if env_password is None:
                generated["password"] = new_password()
            if s.admin_token is None:
                generated["token"] = new_token()
        if generated:
            # Written before anything is stored: a start that cannot write it fails with nothing
            # stored, instead of leaving an admin whose password no one was shown.
            await asyncio.to_thread(_write_credentials, s.credentials_path, generated)
        if existing is None:
            password = env_password or generated["password"]
            try:
                await self.store.create_user(BOOTSTRAP_USER, await _hash(password), Role.admin, now)
            except Conflict:  # another replica on the same database made it a moment ago: its secrets hold
                if generated:
                    await asyncio.to_thread(_forget_credentials, s.credentials_path, generated)
                return
        elif env_password is not None:
            # An operator resetting access: the password, and an enabled admin account, every start.
            # The same password again is no reset: admin's sessions (dashboards) survive a restart.
            same = await asyncio.to_thread(verify_password, env_password, existing["password_hash"])
            if not same or existing["disabled"] or existing["role"] != Role.admin:
                await self.store.update_user(BOOTSTRAP_USER, now, role=Role.admin, disabled=False,
                                             password_hash=None if same else await _hash(env_password))
        token = s.admin_token.get_secret_value() if s.admin_token is not None else generated.get("token")
        if token is not None:
            await self.store.set_token_secret("api", BOOTSTRAP_TOKEN, Role.admin, token_hash(token), "pushd", now)
        if generated:
            what = " and ".join({"password": "the admin password", "token": "an admin API token"}[k] for k in generated)
            log.warning("first start: %s written to %s (mode 0600); read it, then delete the file", what,
                        s.credentials_path.resolve())

    # --- checking credentials -------------------------------------------------------------------
    async def authenticate(self, token: str) -> Principal:
        """The principal a bearer token acts as; AccessDenied when it is unknown, expired or revoked."""
        now = time.time()
        key = token_hash(token)
        cached = self._cache.get(key)
        if cached is not None and time.monotonic() - cached[1] < CACHE_SECONDS:
            principal = cached[0]
        else:
            row = await self.store.find_token(key)
            principal = principal_of(row, now) if row else None
            if principal is None:
                self._cache.pop(key, None)
                raise AccessDenied("invalid, expired or revoked token")
            if len(self._cache) >= CACHE_MAX:
                self._cache.clear()
            self._cache[key] = (principal, time.monotonic())
        if principal.expired(now):
            raise AccessDenied("invalid, expired or revoked token")
        return principal

    async def login(self, username: str, password: str) -> tuple[str, Principal]:
        """A new session token for the user; AccessDenied (one message for every cause) otherwise."""
        user = await self.store.get_user(username)
        ok = await asyncio.to_thread(verify_password, password, user["password_hash"] if user else DUMMY_HASH)
        if not ok or user is None or user["disabled"]:
            raise AccessDenied("wrong username or password, or the user is disabled")
        now = time.time()
        token = new_token()
        row = await self.store.create_token(
            kind="session", name=username, role=None, username=username, secret_hash=token_hash(token),
            created_by=username, now=now, expires_at=now + self.settings.session_hours * 3600)
        return token, Principal(id=row["id"], kind="session", name=username, role=Role(user["role"]),
                                expires_at=row["expires_at"])

    async def logout(self, principal: Principal) -> None:
        await self.store.revoke_token(principal.id, time.time())
        self.changed()

    async def ws_ticket(self, principal: Principal) -> tuple[str, float]:
        """A single-use ticket for a browser's WebSocket handshake, acting as `principal`."""
        now = time.time()
        ticket = new_token()
        expires = now + TICKET_SECONDS
        if principal.expires_at is not None:
            expires = min(expires, principal.expires_at)
        await self.store.create_token(kind="ticket", name=principal.name, role=None, username=None,
                                      secret_hash=token_hash(ticket), created_by=principal.actor, now=now,
                                      expires_at=expires, parent_id=principal.id)
        return ticket, expires

    async def redeem_ticket(self, ticket: str) -> Principal:
        parent = await self.store.consume_ticket(token_hash(ticket), time.time())
        row = await self.store.find_token_by_id(parent) if parent is not None else None
        principal = principal_of(row, time.time()) if row else None
        if principal is None:
            raise AccessDenied("invalid, expired or used ticket")
        return principal

    def changed(self) -> None:
        """Users or tokens changed: forget every cached principal, and recheck open sockets."""
        self._cache.clear()
        self.changes.set()

    async def invalid(self, credential_ids: list[int]) -> list[int]:
        """Those of the credentials that may no longer be used (revoked, expired, user disabled or gone)."""
        now = time.time()
        out = []
        for cid in credential_ids:
            row = await self.store.find_token_by_id(cid)
            if row is None or principal_of(row, now) is None:
                out.append(cid)
        return out

    # --- users and tokens (admin) ---------------------------------------------------------------
    async def create_user(self, username: str, password: str, role: Role) -> dict[str, Any]:
        return await self.store.create_user(username, await _hash(password), role, time.time())

    async def update_user(self, username: str, role: Role | None, disabled: bool | None,
                          password: str | None) -> dict[str, Any]:
        hashed = await _hash(password) if password is not None else None
        try:
            return await self.store.update_user(username, time.time(), role=role, disabled=disabled,
                                                password_hash=hashed)
        finally:
            self.changed()

    async def delete_user(self, username: str) -> None:
        try:
            await self.store.delete_user(username)
        finally:
            self.changed()

    async def create_token(self, name: str, role: Role, expires_in_days: float | None,
                           creator: Principal) -> tuple[str, dict[str, Any]]:
        now = time.time()
        token = new_token()
        row = await self.store.create_token(
            kind="api", name=name, role=role, username=None, secret_hash=token_hash(token), created_by=creator.actor,
            now=now, expires_at=None if expires_in_days is None else now + expires_in_days * 86400)
        return token, row

    async def revoke_token(self, token_id: int) -> None:
        try:
            await self.store.revoke_token(token_id, time.time(), kind="api")
        finally:
            self.changed()

    async def prune(self) -> int:
        return await self.store.prune_tokens(time.time(), KEEP_REVOKED_SECONDS)


async def _hash(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


def _forget_credentials(path: Path, values: dict[str, str]) -> None:
    """Remove the file when it holds the secrets of a bootstrap that lost the race (they work nowhere)."""
    with contextlib.suppress(OSError):
        if all(v in path.read_text() for v in values.values()):
            path.unlink()


def _write_credentials(path: os.PathLike[str], values: dict[str, str]) -> None:
    """Only the owner may read it; replaced whole if a previous first start left one behind."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write("# pushd's generated first-start credentials. Log in as user 'admin'.\n")
        if "password" in values:
            f.write(f"admin password: {values['password']}\n")
        if "token" in values:
            f.write(f"admin API token: {values['token']}\n")
