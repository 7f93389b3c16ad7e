"""The silence store interface: rows in, rows out. States, matching and Alertmanager's update rules
live above it (pushd.silences), so another backend only stores and queries."""

from __future__ import annotations

from typing import Any, Protocol


class SilenceStore(Protocol):
    async def all(self) -> list[dict[str, Any]]:
        """Every silence kept, expired ones included (pushd holds them in memory)."""
    async def put(self, rows: list[dict[str, Any]]) -> None:
        """Insert or replace each row by id, in one transaction (an update that replaces a silence
        writes the expired old one and the new one together)."""
    async def prune(self, ended_before: float) -> list[str]:
        """Delete silences that ended before `ended_before`; their ids."""
