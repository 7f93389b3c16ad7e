"""The three ways alerts come in, normalised into `NewAlert`.

1. pushd's native format (shared.models.AlertIn);
2. Alertmanager's webhook, payload version "4";
3. Alertmanager's API v2 `postableAlerts`, as Prometheus sends them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Annotated, Literal, TypeVar

import orjson
from pydantic import AwareDatetime, BaseModel, Field, Strict, TypeAdapter

from pushd.store import NewAlert
from shared.fingerprint import fingerprint
from shared.models import (
    LABEL_SET_SCHEMA,
    AlertIn,
    AlertTime,
    BoundedAlert,
    LabelName,
    LabelSet,
    Status,
    check_size,
    label_set,
    severity_from_labels,
    utc_seconds,
)

T = TypeVar("T")
# How many alerts the event loop converts between two moments of letting go of the interpreter lock.
HANDOFF_EVERY = 10


def handing_off(items: Iterable[T]) -> Iterator[T]:
    """`items`, letting go of the interpreter lock for a moment (time.sleep(0)) every HANDOFF_EVERY.

    Converting a batch is pure Python on the event loop, ~2 ms for 100 alerts without a pause. The
    SQLite writer thread, pushd's bottleneck under ingest, needs the lock back after every statement,
    and a thread waiting for it gets it only when the holder blocks or after the switch interval
    (5 ms): timed inside the writer, its jobs took twice their CPU time. With a pause every 10 alerts
    the ingest rate rose by 6 % over 5 interleaved rounds (single runs: +13 %; every 25: +7 %; every
    5: nothing; bench/README.md, "Ingestion")."""
    for n, item in enumerate(items, 1):
        yield item
        if n % HANDOFF_EVERY == 0:
            time.sleep(0)


# Go's zero time, which Alertmanager sends as the endsAt of firing alerts.
_UNIX_EPOCH_YEAR = 1970


def epoch(dt: datetime | None) -> float | None:
    """Seconds since the epoch, or None for a missing or zero (year 1) time."""
    if dt is None or dt.year < _UNIX_EPOCH_YEAR:
        return None
    return dt.timestamp()


class WebhookAlert(BoundedAlert):
    status: Literal["firing", "resolved"]
    labels: LabelSet
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: AlertTime | None = None
    endsAt: AlertTime | None = None
    generatorURL: str | None = None
    fingerprint: str | None = None


class AlertmanagerWebhook(BaseModel):
    """Alertmanager's webhook body (version "4"); group fields are accepted and not needed."""

    model_config = {"strict": True}  # validated from JSON: `"truncatedAlerts": false` is not 0

    version: Literal["4"]
    status: Literal["firing", "resolved"]
    receiver: str = ""
    groupKey: str = ""
    truncatedAlerts: int = 0
    groupLabels: dict[str, str] = Field(default_factory=dict)
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str = ""
    alerts: list[WebhookAlert]


class PostableAlert(BaseModel):
    """One alert of Alertmanager's API v2 `POST /api/v2/alerts`, which Prometheus sends by the
    thousand. Only what pydantic-core checks by itself is declared here (types, label names, ISO
    times); the rules written in Python (empty labels dropped, `alertname`, size, the UTC range) run
    in `from_postable`, once per alert: as validators they were four calls out of pydantic-core per
    alert and cost 5 of the 8 us that validating one took."""

    labels: Annotated[dict[LabelName, str], LABEL_SET_SCHEMA]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: Annotated[AwareDatetime, Strict()] | None = None
    endsAt: Annotated[AwareDatetime, Strict()] | None = None
    generatorURL: str | None = None


# Ingest bodies are validated from raw JSON bytes in pydantic-core, skipping a pass through `json.loads`.
NATIVE_BODY: TypeAdapter[AlertIn | list[AlertIn]] = TypeAdapter(AlertIn | list[AlertIn])
WEBHOOK_BODY: TypeAdapter[AlertmanagerWebhook] = TypeAdapter(AlertmanagerWebhook)
V2_BODY: TypeAdapter[list[PostableAlert]] = TypeAdapter(list[PostableAlert])
V2_ALERT: TypeAdapter[PostableAlert] = TypeAdapter(PostableAlert)


def from_native(a: AlertIn, now: float | None = None) -> NewAlert:
    """`endsAt` means what it means on /api/v2/alerts (from_postable): when the alert resolves. A
    firing alert whose endsAt is past is stored resolved then; one whose endsAt is ahead resolves by
    itself then unless sent again. Without endsAt, a firing alert stays firing until resolved."""
    now = time.time() if now is None else now
    ends = epoch(a.endsAt)
    resolved = a.status is Status.resolved or (ends is not None and ends <= now)
    return NewAlert(
        fingerprint=fingerprint(a.labels),
        labels=a.labels,
        annotations=a.annotations,
        severity=(a.severity or severity_from_labels(a.labels)).value,
        status="resolved" if resolved else "firing",
        starts_at=epoch(a.startsAt),
        ends_at=ends if resolved else None,
        expires_at=None if resolved else ends,
        generator_url=a.generatorURL,
    )


def from_webhook(a: WebhookAlert) -> NewAlert:
    return NewAlert(
        fingerprint=fingerprint(a.labels),
        labels=a.labels,
        annotations=a.annotations,
        severity=severity_from_labels(a.labels).value,
        status=a.status,
        starts_at=epoch(a.startsAt),
        ends_at=epoch(a.endsAt) if a.status == "resolved" else None,
        generator_url=a.generatorURL or None,
    )


def _seconds(dt: datetime | None, field: str) -> float | None:
    """`epoch`, for PostableAlert's times, with AlertTime's check that the time exists in UTC. As in
    `epoch`, a time before 1970 is missing by its year in UTC (seconds < 0), not as written: the
    offset of "1969-12-31T23:00:00-05:00" puts it in 1970."""
    if dt is None:
        return None
    try:
        seconds = utc_seconds(dt)
    except ValueError as exc:
        raise ValueError(f"{field}: {exc}") from None
    return None if seconds < 0 else seconds


def from_postable(a: PostableAlert, now: float, resolve_timeout: float) -> NewAlert:
    """As Alertmanager does: endsAt in the past means resolved; a missing endsAt means now + resolve_timeout.
    Raises ValueError for what the other formats' validators refuse (PostableAlert) and for an endsAt
    before startsAt, which Alertmanager's alert.Validate refuses."""
    labels = label_set(a.labels)
    # As BoundedAlert counts: labels, plus annotations when there are any (an empty `{}` adds no room to fill).
    check_size(len(orjson.dumps(labels)) + (len(orjson.dumps(a.annotations)) if a.annotations else 0))
    ends = _seconds(a.endsAt, "endsAt")
    starts = _seconds(a.startsAt, "startsAt")
    if starts is not None and ends is not None and ends < starts:
        raise ValueError("endsAt must not be before startsAt")
    resolved = ends is not None and ends <= now
    return NewAlert(
        fingerprint=fingerprint(labels),
        labels=labels,
        annotations=a.annotations,
        severity=severity_from_labels(labels).value,
        status="resolved" if resolved else "firing",
        starts_at=starts,
        ends_at=ends if resolved else None,
        expires_at=None if resolved else (ends if ends is not None else now + resolve_timeout),
        generator_url=a.generatorURL or None,
    )
