"""The runbook store interface: runbooks and their immutable versions as rows. Matching and
validation live above it (pushd.runbooks, shared.runbooks)."""

from __future__ import annotations

from typing import Any, Protocol


class RunbookStore(Protocol):
    async def create(self, content: dict[str, Any], author: str, now: float) -> dict[str, Any]:
        """A new runbook at version 1; `content` holds title, description, matchers and steps."""
    async def add_version(self, runbook_id: int, content: dict[str, Any], author: str, now: float) -> dict[str, Any]:
        """Version n+1 becomes current. Raises NotFound (also for a deleted runbook)."""
    async def get(self, runbook_id: int, version: int | None = None) -> dict[str, Any] | None:
        """The current version (or `version`), deleted runbooks included: a run may still point at one."""
    async def list_live(self) -> list[dict[str, Any]]:
        """Current versions of the runbooks not deleted, by id."""
    async def versions(self, runbook_id: int) -> list[dict[str, Any]]:
        """Every version, oldest first, without matchers and steps; empty for an unknown id."""
    async def delete(self, runbook_id: int, actor: str, now: float) -> None:
        """Mark deleted; its versions stay. Raises NotFound (also when already deleted)."""
