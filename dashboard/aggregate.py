"""Groups of open alerts derived from pushd's alerts; plain functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from dashboard.tables import SEVERITY_ORDER
from shared.models import Alert

GroupBy = Literal["alertname", "instance", "both"]


@dataclass
class Incident:
    """Open alerts sharing an alert name and/or an instance."""

    key: str
    alert_ids: list[int] = field(default_factory=list)
    firing: int = 0
    acknowledged: int = 0
    worst: str = "info"
    first_started: datetime | None = None
    last_seen: datetime | None = None


def group_key(alert: Alert, by: GroupBy) -> str:
    instance = alert.labels.get("instance", "—")
    if by == "alertname":
        return alert.alertname
    if by == "instance":
        return instance
    return f"{alert.alertname} @ {instance}"


def incidents(alerts: Iterable[Alert], by: GroupBy) -> list[Incident]:
    """Groups of open alerts, the worst (most critical, then largest) first."""
    groups: dict[str, Incident] = {}
    for a in alerts:
        if a.status.value == "resolved":
            continue
        inc = groups.setdefault(group_key(a, by), Incident(group_key(a, by)))
        inc.alert_ids.append(a.id)
        if a.status.value == "firing":
            inc.firing += 1
        else:
            inc.acknowledged += 1
        if SEVERITY_ORDER[a.severity.value] < SEVERITY_ORDER[inc.worst]:
            inc.worst = a.severity.value
        inc.first_started = min(filter(None, (inc.first_started, a.starts_at)))
        inc.last_seen = max(filter(None, (inc.last_seen, a.last_seen)))
    return sorted(groups.values(), key=lambda i: (SEVERITY_ORDER[i.worst], -len(i.alert_ids), i.key))

