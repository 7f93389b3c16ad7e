"""Alertmanager's API v2 reads a client needs besides silences: the alerts (`amtool alert query`)
and the status (`amtool config show`, Grafana's data source check).

pushd has no routing tree or inhibition rules: every alert goes to one receiver, `pushd`, and is
never inhibited; acknowledged alerts are still active (Alertmanager has no acknowledgement).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from pushd import __version__
from pushd.api.access import Require, router
from pushd.api.deps import StateDep
from pushd.api.silences import Filter, matchers_of
from pushd.auth import Permission
from pushd.responses import AM_REFUSED
from pushd.silences.rules import InvalidSilence
from pushd.store.base import iso
from shared.matchers import compile_regex, matches_all

readers = router(Require(Permission.read), prefix="/api/v2", tags=["alertmanager"])
RECEIVER = "pushd"


class AlertStatus(BaseModel):
    state: Literal["unprocessed", "active", "suppressed"]
    silencedBy: list[str]
    inhibitedBy: list[str]
    mutedBy: list[str]


class Receiver(BaseModel):
    name: str


class GettableAlert(BaseModel):
    labels: dict[str, str]
    annotations: dict[str, str]
    generatorURL: str = ""
    fingerprint: str
    startsAt: datetime
    endsAt: datetime
    updatedAt: datetime
    receivers: list[Receiver]
    status: AlertStatus


class VersionInfo(BaseModel):
    version: str
    revision: str = ""
    branch: str = ""
    buildUser: str = ""
    buildDate: str = ""
    goVersion: str = ""


class ClusterStatus(BaseModel):
    status: Literal["ready", "settling", "disabled"]
    peers: list[dict[str, str]] = Field(default_factory=list)


class AlertmanagerStatus(BaseModel):
    cluster: ClusterStatus
    versionInfo: VersionInfo
    config: dict[str, str]
    uptime: datetime


def am_alert(alert: dict[str, Any], silenced_by: list[str], resolve_timeout: float) -> dict[str, Any]:
    """A stored open alert (times in ISO) in Alertmanager's shape."""
    last_seen = datetime.fromisoformat(alert["last_seen"]).timestamp()
    return {
        "labels": alert["labels"], "annotations": alert["annotations"], "generatorURL": alert["generator_url"] or "",
        "fingerprint": alert["fingerprint"], "startsAt": alert["starts_at"],
        # An open alert with no end of its own ends when it is not re-sent for resolve_timeout.
        "endsAt": alert["ends_at"] or iso(last_seen + resolve_timeout), "updatedAt": alert["last_seen"],
        "receivers": [{"name": RECEIVER}],
        "status": {"state": "suppressed" if silenced_by else "active", "silencedBy": silenced_by,
                   "inhibitedBy": [], "mutedBy": []},
    }


@readers.get("/alerts", response_model=list[GettableAlert], responses=AM_REFUSED)
async def get_alerts(state: StateDep, filter: Filter = [],  # noqa: B006 - Alertmanager's name; copied
                     active: bool = True, silenced: bool = True, inhibited: bool = True, unprocessed: bool = True,
                     receiver: Annotated[str | None, Query(max_length=1024, description="a regex")] = None) -> Any:
    """Open alerts (firing or acknowledged), by fingerprint, with Alertmanager's filters."""
    matchers = matchers_of(filter)
    if receiver is not None:
        try:
            if not compile_regex(receiver).search(RECEIVER):
                return []
        except ValueError as exc:
            raise InvalidSilence(f"failed to parse receiver param: {exc}") from None
    out = []
    for alert in await state.alerts.open_alerts():
        if not matches_all(matchers, alert["labels"]):
            continue
        by = state.silences.silenced_by(alert["labels"])
        if (by and not silenced) or (not by and not active):
            continue
        out.append(am_alert(alert, by, state.settings.resolve_timeout))
    return sorted(out, key=lambda a: a["fingerprint"])


@readers.get("/status", response_model=AlertmanagerStatus)
async def get_status(state: StateDep) -> Any:
    """As a single Alertmanager answers: no cluster, pushd's version, no configuration file."""
    return {"cluster": {"status": "disabled", "peers": []}, "versionInfo": {"version": __version__},
            "config": {"original": ""}, "uptime": iso(state.started_at)}


routers = (readers,)
