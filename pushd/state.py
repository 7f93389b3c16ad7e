"""The long-lived objects of one pushd app, created and torn down by its lifespan."""

from __future__ import annotations

import socket
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pushd.alert_service import AlertService
from pushd.api.ws_writes import WriteBatcher
from pushd.auth import AuthService
from pushd.host import HostSampler
from pushd.host_rules import HostRules
from pushd.hub import Hub, encode
from pushd.incidents.grouping import Grouping
from pushd.incidents.service import IncidentService
from pushd.silences.service import SilenceService
from pushd.socket_limits import SocketLimits
from pushd.store import AlertStore
from pushd.telemetry import Telemetry
from shared.settings import PushdSettings


@dataclass
class Trend:
    """The latest host samples in memory, for pushes and the snapshot; older ones are in the store."""

    points: deque[dict[str, float]]
    _message: tuple[dict[str, float] | None, str] | None = None

    @property
    def latest(self) -> dict[str, float] | None:
        return self.points[-1] if self.points else None

    def update_data(self) -> dict[str, Any]:
        return {"latest": self.latest, "trend": list(self.points)}

    def update_message(self) -> str:
        """The `metrics_update` body for subscribers that just connected; encoded once per sample."""
        latest = self.latest
        if self._message is None or self._message[0] is not latest:
            self._message = (latest, encode("metrics_update", self.update_data()))
        return self._message[1]


@dataclass
class State:
    settings: PushdSettings
    store: AlertStore
    hub: Hub
    telemetry: Telemetry
    alerts: AlertService
    auth: AuthService
    sampler: HostSampler
    rules: HostRules
    trend: Trend
    sockets: SocketLimits
    incidents: IncidentService
    grouping: Grouping
    silences: SilenceService
    writes: WriteBatcher = field(default_factory=WriteBatcher)
    started_at: float = field(default_factory=time.time)
    hostname: str = field(default_factory=socket.gethostname)
