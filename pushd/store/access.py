"""The access store interface: users and tokens as rows. Rules about them live in pushd.auth."""

from __future__ import annotations

from typing import Any, Protocol


class AccessStore(Protocol):
    async def get_user(self, username: str) -> dict[str, Any] | None:
        """The user with its `password_hash`, or None."""
    async def list_users(self) -> list[dict[str, Any]]: ...
    async def create_user(self, username: str, password_hash: str, role: str, now: float) -> dict[str, Any]:
        """Raises Conflict when the username is taken."""
    async def update_user(self, username: str, now: float, *, role: str | None = None, disabled: bool | None = None,
                          password_hash: str | None = None) -> dict[str, Any]:
        """Raises NotFound, or Conflict when no enabled admin would be left. Changing the password or
        disabling the user revokes its sessions in the same transaction."""
    async def delete_user(self, username: str) -> None:
        """Raises NotFound, or Conflict when it is the last enabled admin."""

    async def create_token(self, *, kind: str, name: str, role: str | None, username: str | None, secret_hash: str,
                           created_by: str, now: float, expires_at: float | None,
                           parent_id: int | None = None) -> dict[str, Any]:
        """Raises Conflict for an API token whose name a live API token has."""
    async def set_token_secret(self, kind: str, name: str, role: str, secret_hash: str, created_by: str,
                               now: float) -> None:
        """Create the token `name` of `kind`, or give it this secret and un-revoke it (bootstrap)."""
    async def find_token(self, secret_hash: str) -> dict[str, Any] | None:
        """A session or API token with `user_role` and `user_disabled` of its user, or None."""
    async def find_token_by_id(self, token_id: int) -> dict[str, Any] | None: ...
    async def consume_ticket(self, secret_hash: str, now: float) -> int | None:
        """Delete the ticket and return the id of the token it acts for, if it existed and had not expired."""
    async def list_tokens(self, kind: str) -> list[dict[str, Any]]: ...
    async def revoke_token(self, token_id: int, now: float, kind: str | None = None) -> None:
        """Raises NotFound (also when `kind` is given and differs)."""
    async def prune_tokens(self, now: float, keep_revoked_seconds: float) -> int:
        """Delete expired sessions and tickets, and tokens revoked or expired longer ago than that."""
