"""The runbook run store interface: runs and their step marks as rows. Rules live in pushd.incidents.runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pushd.store.incidents import Edit

# (incident, new run id) -> the timeline edit; may raise Conflict, which undoes the insert.
StartEditor = Callable[[dict[str, Any], int], Edit]
# (incident, run with its steps) -> the timeline edit; may raise Conflict or NotFound.
MarkEditor = Callable[[dict[str, Any], dict[str, Any]], Edit]


class RunbookRunStore(Protocol):
    async def start(self, incident_id: int, runbook_id: int, version: int, editor: StartEditor, actor: str,
                    now: float) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
        """Insert a run of (runbook_id, version) and apply `editor`, in one transaction: (incident, run,
        entries). Raises NotFound for an unknown incident."""
    async def mark(self, incident_id: int, run_id: int, n: int, state: str, note: str | None, editor: MarkEditor,
                   actor: str, now: float) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
        """Apply `editor`, then record step `n`'s mark, in one transaction: (incident, run after, entries).
        Raises NotFound for an unknown incident or a run of another incident."""
    async def list(self, incident_id: int) -> list[dict[str, Any]]:
        """The incident's runs, oldest first, each with `steps`: its version's steps and their latest marks."""
