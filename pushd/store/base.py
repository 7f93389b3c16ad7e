"""The store interface the routes and tasks use; a PostgreSQL backend would implement the same."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pushd.store.access import AccessStore
from pushd.store.grouping import GroupingRuleStore
from pushd.store.incidents import IncidentStore
from pushd.store.runbook_runs import RunbookRunStore
from pushd.store.runbooks import RunbookStore
from pushd.store.silences import SilenceStore

TIME_FIELDS = ("starts_at", "ends_at", "last_seen")
# The annotations that name an alert's runbook link, in order of preference (Prometheus' convention
# is runbook_url; some rules say runbook).
RUNBOOK_ANNOTATIONS = ("runbook_url", "runbook")


_MIN_TS = datetime(1, 1, 2, tzinfo=UTC).timestamp()
_MAX_TS = datetime(9999, 12, 30, tzinfo=UTC).timestamp()


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ISO 8601 in UTC; clamped to what Python can represent, so that no stored
    value can make a read fail."""
    if ts is None:
        return None
    ts = min(max(ts, _MIN_TS), _MAX_TS)
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def wire(alert: dict[str, Any]) -> dict[str, Any]:
    """An alert as clients see it: times as ISO 8601 strings instead of epoch seconds."""
    return {**alert, **{f: iso(alert[f]) for f in TIME_FIELDS}}


class StoreUnavailable(Exception):
    """The backend failed (disk full, locked, I/O error): the request may be retried (HTTP 503)."""


class StoreOverloaded(StoreUnavailable):
    """Too many writes are waiting: refused at once rather than queued without bound (HTTP 503)."""


class StoreInternalError(Exception):
    """A deterministic failure: a bug in pushd or a violated constraint. The same request would fail
    again, so it is not a 503 that invites retries for ever but a 500, logged with its traceback."""


class Refused(Exception):
    """A write job's deliberate answer (the item is missing, the change is not allowed): the caller
    gets it as raised. Any other exception in a job is a bug and reaches it as StoreInternalError."""


class NotFound(Refused):
    """No alert with that id (HTTP 404)."""


class Conflict(Refused):
    """The transition is not allowed from the alert's current state (HTTP 409)."""


@dataclass(slots=True)
class NewAlert:
    """An alert as received, normalised from any ingest format. Times are epoch seconds."""

    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str]
    severity: str
    status: str  # firing | resolved
    starts_at: float | None = None
    ends_at: float | None = None
    expires_at: float | None = None  # resolves by itself then unless refreshed (Alertmanager API v2)
    generator_url: str | None = None


@dataclass(slots=True)
class Change:
    """What one write did to one alert: created, repeated, reopened, acknowledged or resolved.
    `alert` carries its times as epoch seconds.

    `changed` is False when the write changed nothing the alert shows except `last_seen` and `count`:
    a `repeated` re-send with the same severity, annotations and generator URL (labels are the
    alert's identity). Every other change is True. A backend reports it; AlertService decides what
    to push from it (an unchanged re-send is not pushed, a changed one is pushed as `updated`)."""

    event: str
    alert: dict[str, Any]
    changed: bool = True


@dataclass(slots=True)
class AlertQuery:
    """Filters of a list of alerts; each is named after the field it filters. `text` is found in the
    values of the labels (the alert name among them) and annotations, in any case."""

    statuses: list[str] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    seen_since: float | None = None  # last_seen at or after
    started_before: float | None = None  # starts_at before
    limit: int = 50
    offset: int = 0


@dataclass(slots=True)
class HistoryQuery:
    actor: str | None = None
    action: str | None = None
    alert_id: int | None = None
    since: float | None = None
    limit: int = 50
    offset: int = 0


class AlertStore(Protocol):
    access: AccessStore  # users and tokens, in the same database
    incidents: IncidentStore  # incidents and their timelines, in the same database
    grouping_rules: GroupingRuleStore
    runbooks: RunbookStore  # runbooks and their versions, in the same database
    runbook_runs: RunbookRunStore  # runbooks followed for incidents, in the same database
    silences: SilenceStore  # silences, expired ones until they are pruned

    async def open(self) -> None: ...
    async def close(self) -> None: ...

    async def ingest(self, alerts: list[NewAlert], source: str, actor: str, now: float) -> list[Change]:
        """Store a batch in one transaction (all or nothing); one Change per alert that changed.
        `source` is the ingest path (api, alertmanager, prometheus, pushd); `actor` who sent it."""
    async def transition(self, alert_id: int, action: str, actor: str, comment: str | None, now: float) -> Change:
        """`action` is "acknowledge" or "resolve"; raises NotFound or Conflict."""
    async def expire(self, now: float) -> list[Change]:
        """Resolve alerts whose expires_at has passed without a refresh."""
    async def next_expiry(self) -> float | None:
        """When the next open alert expires (epoch seconds), or None."""

    async def ping(self) -> None:
        """Raises StoreUnavailable when the backend cannot answer."""
    async def list_alerts(self, query: AlertQuery) -> tuple[list[dict[str, Any]], int]: ...
    async def get_alert(self, alert_id: int) -> dict[str, Any] | None:
        """The alert with its `history`, or None."""
    async def source_statuses(self, fingerprints: list[str]) -> dict[str, str]:
        """What the source of each known alert last said: "firing" for an open alert and for one resolved
        by hand while its source still fires, else "resolved" (the host rules resume from it)."""
    async def counts(self) -> dict[str, Any]: ...
    async def firing(self, limit: int) -> list[dict[str, Any]]:
        """Open alerts (firing or acknowledged), most severe first, then newest."""
    async def recent_log(self, limit: int) -> list[dict[str, Any]]: ...
    async def history(self, query: HistoryQuery) -> tuple[list[dict[str, Any]], int]:
        """State changes of all alerts, newest first, with the alert's name and severity."""
    async def actors(self) -> list[dict[str, Any]]: ...
    async def runbook_links(self, statuses: list[str]) -> list[dict[str, Any]]:
        """The links in RUNBOOK_ANNOTATIONS over every alert of these statuses (empty: all), one row each
        (url, alertnames, open_alerts, last_seen in epoch seconds); most open alerts first, then by url."""

    async def add_metric(self, sample: dict[str, float]) -> None: ...
    async def metrics_since(self, since: float, max_points: int) -> list[dict[str, float]]: ...
    async def prune_metrics(self, before: float) -> int: ...
    async def prune_alerts(self, before: float) -> int:
        """Delete resolved alerts last heard of before `before` (epoch seconds), with their history;
        returns how many alerts were deleted. Open alerts are kept however old they are."""
