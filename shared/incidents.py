"""Incident API shapes, shared by pushd's routes and the dashboard's client."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from shared.accounts import Username
from shared.models import Alert, Severity


def _integral(value: object) -> object:
    # JSON Schema's "integer" includes 5.0; strict pydantic would refuse it, and a string stays refused.
    return int(value) if isinstance(value, float) and value.is_integer() else value


# At most 2**53 - 1: JSON clients that hold numbers as doubles (JavaScript, schemathesis) cannot tell
# larger integers apart, so a bound of 2**63 - 1 would not mean what it says for them.
AlertId = Annotated[int, Field(ge=1, le=2**53 - 1), BeforeValidator(_integral)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
# Strict bodies would take only Severity instances; JSON carries strings.
SeverityIn = Annotated[Severity, Field(strict=False)]
NoteText = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


class IncidentStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    mitigated = "mitigated"
    resolved = "resolved"


class IncidentAction(StrEnum):
    ack = "ack"
    mitigate = "mitigate"
    resolve = "resolve"
    reopen = "reopen"


# Request bodies are strict, as the other routes' are.
class IncidentCreate(BaseModel):
    model_config = {"extra": "forbid", "strict": True}

    title: Title
    severity: SeverityIn = Severity.warning
    assignee: Username | None = None
    alert_ids: Annotated[list[AlertId], Field(max_length=500)] = []


class IncidentUpdate(BaseModel):
    """Only the fields given change; `assignee: null` unassigns. Title and severity cannot be null
    (their defaults only mean "not given")."""

    model_config = {"extra": "forbid", "strict": True}

    title: Title = None  # type: ignore[assignment]
    severity: SeverityIn = None  # type: ignore[assignment]
    assignee: Username | None = None


class AlertIds(BaseModel):
    model_config = {"extra": "forbid", "strict": True}

    alert_ids: Annotated[list[AlertId], Field(min_length=1, max_length=500)]


class NoteIn(BaseModel):
    model_config = {"extra": "forbid", "strict": True}

    text: NoteText


class TimelineEntry(BaseModel):
    """One thing that happened to an incident. `kind` is one of created, status, title, severity,
    assignee, alert_attached, alert_detached, alert_resolved, note, runbook_started, runbook_step
    (silence later); `data` depends on it (docs/push.md)."""

    seq: int
    ts: datetime
    actor: str
    kind: str
    data: dict[str, Any]


# Runbook ids are SQLite rowids; the bound keeps them exact for JSON clients too (see AlertId).
RunbookId = Annotated[int, Field(ge=1, le=2**53 - 1), BeforeValidator(_integral)]
StepState = Literal["todo", "done", "skipped"]


class RunStart(BaseModel):
    """Body of POST /api/v1/incidents/{id}/runbook-runs: the run follows the runbook's current version."""

    model_config = {"extra": "forbid", "strict": True}

    runbook_id: RunbookId


class StepMark(BaseModel):
    """Body of PATCH .../runbook-runs/{run}/steps/{n}: the step is done, skipped or back to todo, with an
    optional note. A step may be marked again (a correction); each mark is a timeline entry, the latest
    one counts."""

    model_config = {"extra": "forbid", "strict": True}

    state: StepState
    note: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class RunStep(BaseModel):
    """A step of the run's runbook version and its latest mark (`todo` until marked)."""

    n: int  # from 1, in the runbook's order
    title: str
    body: str = ""
    command: str | None = None
    state: StepState = "todo"
    note: str | None = None
    actor: str | None = None
    ts: datetime | None = None


class RunbookRun(BaseModel):
    """A runbook followed for an incident, at the version it started with: editing the runbook later
    changes nothing here."""

    id: int
    incident_id: int
    runbook_id: int
    version: int
    title: str
    started_by: str
    started_at: datetime
    steps: list[RunStep]


class Incident(BaseModel):
    """An incident as listed; `id` is its number."""

    id: int
    title: str
    severity: Severity
    status: IncidentStatus
    assignee: str | None = None
    alert_ids: list[int]
    created_at: datetime
    created_by: str
    updated_at: datetime


class IncidentDetail(Incident):
    """With its alerts as they are now, its whole timeline, its runbook runs (oldest first) and time
    to acknowledge and to resolve in seconds (null until it happened)."""

    alerts: list[Alert]
    timeline: list[TimelineEntry]
    runs: list[RunbookRun] = []
    tta_seconds: float | None = None
    ttr_seconds: float | None = None


class IncidentPage(BaseModel):
    items: list[Incident]
    total: int


class IncidentStats(BaseModel):
    """Counts by status; MTTA over incidents that were responded to, MTTR over resolved ones, with
    how many each average covers."""

    counts: dict[IncidentStatus, int]
    mtta_seconds: float | None = None
    acknowledged: int
    mttr_seconds: float | None = None
    resolved: int
