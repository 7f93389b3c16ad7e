"""The incident store interface: incidents, their alerts and timelines as rows. Rules live in pushd.incidents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Entry:
    kind: str
    data: dict[str, Any]


@dataclass
class Edit:
    """A change to one incident: fields to set, alerts to attach or detach, the timeline entries saying so."""

    fields: dict[str, Any] = field(default_factory=dict)
    attach: list[int] = field(default_factory=list)
    detach: list[int] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class IncidentQuery:
    statuses: list[str]
    severities: list[str]
    assignee: str | None
    limit: int
    offset: int


# Computes the edit from the incident as stored (with `alert_ids`), inside the write transaction.
Editor = Callable[[dict[str, Any]], Edit]


class IncidentStore(Protocol):
    async def create(self, fields: dict[str, Any], edit_of: Callable[[int], Edit], actor: str,
                     now: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Insert an incident with `fields` and apply `edit_of(new id)`; the incident and its entries."""
    async def apply(self, incident_id: int, editor: Editor, actor: str,
                    now: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Apply `editor(incident)` in one transaction; the incident after it and the entries added.
        Raises NotFound, or what the editor raises (Conflict)."""
    async def get(self, incident_id: int) -> dict[str, Any] | None:
        """The incident with `alert_ids`, or None."""
    async def list(self, query: IncidentQuery) -> tuple[list[dict[str, Any]], int]: ...
    async def timeline(self, incident_id: int, after: int = 0) -> list[dict[str, Any]]:
        """Entries with seq > after, oldest first. Raises NotFound."""
    async def containing(self, alert_ids: list[int]) -> dict[int, list[int]]:
        """Incident id -> the given alert ids attached to it, for incidents not resolved."""
    async def open_in_group(self, group_key: str, since: float) -> int | None:
        """The newest unresolved incident of the group created at or after `since`."""
    async def status_entries(self) -> list[dict[str, Any]]:
        """Every `created` and `status` entry (incident_id, ts, kind, data), in order, for the metrics."""
    async def counts(self) -> dict[str, int]:
        """Incidents by status (statuses with none are absent)."""
