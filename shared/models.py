"""The shapes pushd answers with and the native shape it takes in, shared with its clients."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import orjson
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


class Status(StrEnum):
    firing = "firing"
    acknowledged = "acknowledged"
    resolved = "resolved"


class Severity(StrEnum):
    critical = "critical"
    warning = "warning"
    info = "info"


# Severity words seen in the wild, mapped onto our three levels.
_SEVERITY_WORDS = {
    "critical": Severity.critical, "crit": Severity.critical, "page": Severity.critical,
    "error": Severity.critical, "high": Severity.critical, "fatal": Severity.critical,
    "emergency": Severity.critical, "disaster": Severity.critical,
    "warning": Severity.warning, "warn": Severity.warning, "medium": Severity.warning,
    "average": Severity.warning, "major": Severity.warning, "minor": Severity.warning,
    "info": Severity.info, "informational": Severity.info, "low": Severity.info,
    "notice": Severity.info, "none": Severity.info, "debug": Severity.info,
}


def severity_from_labels(labels: dict[str, str]) -> Severity:
    """A label's free-form severity mapped onto ours; unknown words mean warning."""
    return _SEVERITY_WORDS.get(labels.get("severity", "").strip().lower(), Severity.warning)


OUT_OF_UTC = "time is out of range once converted to UTC"


def _representable(dt: datetime) -> datetime:
    """A time that exists in UTC: "9999-12-31T23:00:00-05:00" is valid ISO 8601 but falls in year
    10000, which Python cannot hold; refused here rather than failing later when it is read back."""
    try:
        return dt.astimezone(UTC)
    except OverflowError:
        raise ValueError(OUT_OF_UTC) from None


# The first and last instants Python can hold in UTC, as epoch seconds: `utc_seconds` checks against them.
FIRST_UTC_SECOND = datetime(1, 1, 1, tzinfo=UTC).timestamp()
LAST_UTC_SECOND = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC).timestamp()


def utc_seconds(dt: datetime) -> float:
    """`_representable`'s check on a time already turned into epoch seconds (`dt.timestamp()` does not
    overflow): for the hot ingest path, where two comparisons replace a validator call per time."""
    seconds = dt.timestamp()
    if not FIRST_UTC_SECOND <= seconds <= LAST_UTC_SECOND:
        raise ValueError(OUT_OF_UTC)
    return seconds


# Every time an alert sender gives us: timezone-aware, and representable in UTC; a string, as the
# OpenAPI schema says (Strict: a JSON number is not taken for Unix seconds).
AlertTime = Annotated[AwareDatetime, Strict(), AfterValidator(_representable)]


NO_ALERTNAME = "labels must contain a non-empty 'alertname'"


def label_set(labels: dict[str, str]) -> dict[str, str]:
    """A label with an empty value is an absent label (Prometheus' semantics): Alertmanager removes
    them before it validates and fingerprints an alert (api/v2 `removeEmptyLabels`), and so does
    pushd, for every ingest format, so that `{instance=""}` and no `instance` are the same alert.
    Then `alertname` must be left."""
    if "" in labels.values():
        labels = {k: v for k, v in labels.items() if v != ""}
    if not labels.get("alertname"):
        raise ValueError(NO_ALERTNAME)
    return labels


# Label names as Alertmanager accepts them; the pattern is checked in pydantic-core, not in Python,
# because every ingested alert passes here. (So a label with an invalid name is refused even when
# its value is empty, where Alertmanager would drop it first: a Python pass before the pattern check
# would cost a quarter of the validation time of a batch.)
LabelName = Annotated[str, StringConstraints(pattern=LABEL_NAME.pattern)]
# What the validators check, for the OpenAPI schema: pydantic alone would document neither the
# required alertname nor that other names are refused.
LABEL_SET_SCHEMA = WithJsonSchema({
    "type": "object", "properties": {"alertname": {"type": "string", "minLength": 1}}, "required": ["alertname"],
    "patternProperties": {LABEL_NAME.pattern: {"type": "string"}}, "additionalProperties": False})
LabelSet = Annotated[dict[LabelName, str], AfterValidator(label_set), LABEL_SET_SCHEMA]


# An alert's labels and annotations together, as JSON. Every push message that carries an alert then
# stays well under the 1 MiB that WebSocket clients accept by default (python-websockets' max_size):
# an `alert_event`, and an `alerts_update` of PUSHD_WS_RECENT_ALERTS (at most 30) alerts.
MAX_ALERT_BYTES = 32 * 1024


class BoundedAlert(BaseModel):
    """An incoming alert whose labels and annotations fit in MAX_ALERT_BYTES."""

    labels: dict[str, str]
    annotations: dict[str, str]

    # On the fields, not the model: a model validator would rename the model in every error's `loc`.
    # Labels alone are checked too, because a default (no annotations) is not validated.
    @field_validator("labels", "annotations")
    @classmethod
    def _bounded(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        size = len(orjson.dumps(value))
        if info.field_name == "annotations":
            size += len(orjson.dumps(info.data.get("labels", {})))
        check_size(size)
        return value


def check_size(size: int) -> None:
    """Refuse labels and annotations that take `size` bytes as JSON when that is over MAX_ALERT_BYTES."""
    if size > MAX_ALERT_BYTES:
        raise ValueError(f"labels and annotations take {size} bytes as JSON; at most {MAX_ALERT_BYTES} are taken")


class AlertIn(BoundedAlert):
    """One alert in pushd's native format (POST /api/v1/alerts)."""

    model_config = {"extra": "forbid"}

    labels: LabelSet
    annotations: dict[str, str] = Field(default_factory=dict)
    severity: Severity | None = None
    # Documented as what the validator below accepts.
    status: Annotated[Status, WithJsonSchema({"type": "string", "enum": ["firing", "resolved"]})] = Status.firing
    startsAt: AlertTime | None = None
    endsAt: AlertTime | None = None
    generatorURL: str | None = Field(None, max_length=4096)

    @field_validator("status")
    @classmethod
    def _no_ack_on_ingest(cls, v: Status) -> Status:
        if v is Status.acknowledged:
            raise ValueError("status must be 'firing' or 'resolved'; acknowledge with POST /api/v1/alerts/{id}/ack")
        return v

    @field_validator("endsAt")
    @classmethod
    def _ends_after_start(cls, v: datetime | None, info: ValidationInfo) -> datetime | None:
        # As /api/v2/alerts refuses it (Alertmanager's alert.Validate); Go's zero time means "none".
        starts = info.data.get("startsAt")
        if v is not None and starts is not None and starts.year >= 1970 and v.year >= 1970 and v < starts:
            raise ValueError("endsAt must not be before startsAt")
        return v


class Alert(BaseModel):
    """A stored alert as pushd lists it."""

    id: int
    fingerprint: str
    status: Status
    severity: Severity
    alertname: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None = None
    last_seen: datetime
    count: int
    generator_url: str | None = None
    source: str
    # Ids of the active silences that match the alert (Alertmanager's `silencedBy`); empty when none.
    silenced_by: list[str] = []


class HistoryEntry(BaseModel):
    """One state change of an alert: what happened, who did it, when."""

    ts: datetime
    action: str
    status: Status
    actor: str
    comment: str | None = None


class RunbookRef(BaseModel):
    """A runbook named from elsewhere (an alert's detail): its current version."""

    id: int
    title: str
    version: int


class AlertDetail(Alert):
    history: list[HistoryEntry]
    runbooks: list[RunbookRef] = []  # those whose matchers match the alert's labels


class AlertPage(BaseModel):
    items: list[Alert]
    total: int


class Transition(BaseModel):
    """Body of POST /api/v1/alerts/{id}/ack and /resolve (optional). pushd records the authenticated
    caller as the actor; `by`, which older clients send, is accepted and ignored."""

    model_config = {"extra": "forbid"}

    by: str | None = Field(None, max_length=200, deprecated=True, description="ignored: the actor is the caller")
    comment: str | None = Field(None, max_length=4000)


class MetricSample(BaseModel):
    """One psutil reading of the host pushd runs on. The one list of the sample's fields: the sampler
    (pushd/host.py) fills METRIC_FIELDS, and the store's table and queries are generated from it."""

    ts: datetime
    cpu_percent: float
    memory_percent: float
    swap_percent: float
    disk_percent: float
    load1: float
    load5: float
    load15: float
    net_in_bps: float
    net_out_bps: float


# The measured fields of a sample, in order: every field of MetricSample but its time.
METRIC_FIELDS: tuple[str, ...] = tuple(name for name in MetricSample.model_fields if name != "ts")


class Counts(BaseModel):
    by_status: dict[str, int]  # silenced alerts are not counted as firing
    by_severity: dict[str, int]
    total: int
    silenced: int = 0  # open alerts (firing or acknowledged) that an active silence matches


class LogEntry(BaseModel):
    """A state change in the live log: the history entry plus which alert it belongs to."""

    ts: datetime
    alert_id: int
    alertname: str
    severity: Severity
    action: str
    status: Status
    actor: str
    comment: str | None = None


class LogPage(BaseModel):
    items: list[LogEntry]
    total: int


class Actor(BaseModel):
    """Someone (an operator, or a sender such as `alertmanager`) who changed alerts."""

    actor: str
    actions: int
    acknowledged: int
    resolved: int
    last_ts: datetime


class Snapshot(BaseModel):
    """GET /api/v1/snapshot: everything a dashboard draws, in one call."""

    ts: datetime
    counts: Counts
    recent_alerts: list[Alert]
    firing_alerts: list[Alert]
    latest_metrics: MetricSample | None
    trend: list[MetricSample]
    events: list[LogEntry]
    subscribers: dict[str, int]
    server: dict[str, Any]
