"""Roles, the permissions each one grants, and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    read = "read"  # every GET and the push channels
    ingest = "ingest"  # send alerts
    act = "act"  # change alerts (ack, resolve) and the response work built on them
    admin = "admin"  # users, tokens, settings


class Role(StrEnum):
    viewer = "viewer"
    operator = "operator"
    admin = "admin"
    ingest = "ingest"  # API tokens only: what Prometheus and Alertmanager get


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.viewer: frozenset({Permission.read}),
    Role.ingest: frozenset({Permission.ingest}),
    Role.operator: frozenset({Permission.read, Permission.ingest, Permission.act}),
    Role.admin: frozenset(Permission),
}
USER_ROLES = (Role.viewer, Role.operator, Role.admin)  # people; `ingest` is for tools


def allows(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())


def weakest_role_with(permission: Permission) -> Role:
    """For error messages: the least a caller needs for `permission`."""
    return next(r for r in (Role.viewer, Role.ingest, Role.operator, Role.admin) if allows(r, permission))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: a user's session or an API token. `id` is the credential's id."""

    id: int
    kind: str  # "session" | "api"
    name: str  # the username for sessions, the token's name for API tokens
    role: Role
    expires_at: float | None

    @property
    def actor(self) -> str:
        """The name recorded on every change this principal makes."""
        return self.name if self.kind == "session" else f"token:{self.name}"

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and self.expires_at <= now
