"""Every alert write goes through here: store it, then push its changes at once.

A write that changes one alert pushes an `alert_event`; one that changes several (a batch, an
expiry sweep) pushes them in order as `alert_events` messages (docs/push.md).

What is pushed is what a subscriber shows changing. Prometheus re-sends every firing alert about once
a minute; a re-send that changes nothing but `last_seen` and `count` (the store says so with
`Change.changed`) is stored and counted (`pushd_alert_events{event="repeated"}`) but not pushed:
subscribers see it in the next `alerts_update`, as Alertmanager does not notify on repeats either. A
re-send that changes severity, annotations or the generator URL is pushed as `updated`.

The routes, the host rules and the expiry task all call `AlertService`, so an alert raised by any
of them is stored, deduplicated and pushed the same way. What else follows from an alert change
(incidents, grouping rules) subscribes with `observe`: observers run after the commit and the push,
in order; one that fails fails the write's caller (a 5xx, which senders retry; re-sending an alert
is idempotent), rather than being lost quietly.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from pushd.hub import Hub, encode
from pushd.store import AlertQuery, AlertStore, Change, NewAlert, wire
from pushd.telemetry import Telemetry

ChangeObserver = Callable[[list[Change]], Awaitable[None]]
# What a silenced alert does not push: it firing, again or anew (Alertmanager does not notify them
# either). Acknowledging or resolving it is still pushed, so every view stays right.
QUIET_WHEN_SILENCED = frozenset({"created", "reopened", "updated"})
# Open alerts read to decide what is silenced (the summary's count, a silence's changes, Alertmanager's
# alert list); a store with more re-pushes and counts the first ones only.
OPEN_ALERTS_MAX = 100_000


class Silencer(Protocol):
    any_active: bool

    def silenced_by(self, labels: dict[str, str]) -> list[str]: ...


class NoSilences:
    any_active = False

    def silenced_by(self, labels: dict[str, str]) -> list[str]:
        return []


class AlertService:
    def __init__(self, store: AlertStore, hub: Hub, telemetry: Telemetry, recent_alerts: int) -> None:
        self.store = store
        self.hub = hub
        self.telemetry = telemetry
        self.recent_alerts = recent_alerts
        self._summary: dict[str, Any] | None = None
        self._summary_body: tuple[dict[str, Any], float, str] | None = None
        self._version = 0  # bumped on every change, so a summary computed across a change is not cached
        self._summary_lock = asyncio.Lock()
        self._observers: list[ChangeObserver] = []
        self.silencer: Silencer = NoSilences()  # the app sets its SilenceService here

    async def open_alerts(self) -> list[dict[str, Any]]:
        """Every open alert (firing or acknowledged, times in ISO), up to OPEN_ALERTS_MAX: what silencing
        is decided over."""
        return await self.store.firing(OPEN_ALERTS_MAX)

    def mark(self, alert: dict[str, Any]) -> dict[str, Any]:
        """`alert` with `silenced_by`: the ids of the active silences that match it, at this moment."""
        alert["silenced_by"] = self.silencer.silenced_by(alert["labels"])
        return alert

    def mark_all(self, alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for a in alerts:
            self.mark(a)
        return alerts

    def observe(self, observer: ChangeObserver) -> None:
        """Call `observer` with the changes of every write, after it is committed and pushed."""
        self._observers.append(observer)

    async def _notify(self, changes: list[Change]) -> None:
        if changes:
            for observer in self._observers:
                await observer(changes)

    async def ingest(self, alerts: list[NewAlert], source: str, actor: str) -> list[Change]:
        """Store a batch (one transaction), then push what changed. Returns after the commit, with one
        Change per alert: an unchanged re-send is `repeated`, a changed one `updated`."""
        changes = [_named(c) for c in await self.store.ingest(alerts, source, actor, time.time())]
        self.telemetry.alerts_ingested.labels(source).inc(len(alerts))
        self._publish(changes)
        await self._notify(changes)
        return changes

    async def transition(self, alert_id: int, action: str, actor: str, comment: str | None) -> Change:
        change = await self.store.transition(alert_id, action, actor, comment, time.time())
        self._publish([change])
        await self._notify([change])
        return change

    async def expire(self) -> list[Change]:
        changes = await self.store.expire(time.time())
        self._publish(changes)
        await self._notify(changes)
        return changes

    async def prune(self, before: float) -> int:
        """Delete resolved alerts that ended before `before`, with their history; counts change, pushes do not."""
        pruned = await self.store.prune_alerts(before)
        if pruned:
            self._forget_summary()
        return pruned

    def _forget_summary(self) -> None:
        self._summary = None
        self._version += 1

    def _publish(self, changes: list[Change]) -> None:
        if not changes:
            return
        self._forget_summary()
        # One counter update per kind of event, not per alert: a batch can hold thousands.
        for event, n in Counter(c.event for c in changes).items():
            self.telemetry.alert_events.labels(event).inc(n)
        if not self.hub.count("alerts"):
            return
        # Quiet repeats still changed `last_seen` and `count`: the summary above was forgotten for them.
        events = []
        for c in changes:
            if not c.changed:
                continue
            alert = self.mark(wire(c.alert))
            if alert["silenced_by"] and c.event in QUIET_WHEN_SILENCED:
                continue
            events.append({"event": c.event, "alert": alert})
        self._send(events)

    def republish(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        """Alerts (as read, times in ISO) whose silencing changed, pushed with their new `silenced_by`
        as `silenced` or `unsilenced` events; the counts change with them."""
        self._forget_summary()
        if events and self.hub.count("alerts"):
            self._send([{"event": e, "alert": self.mark(a)} for e, a in events])

    def _send(self, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        if len(events) == 1:
            self.hub.publish("alerts", "alert_event", events[0])
        else:
            # A batch goes out as few `alert_events` messages, each under the hub's byte budget, not
            # as one message per alert: a burst of thousands then fits any subscriber's outbox.
            self.hub.publish_batch("alerts", "alert_events", "events", events)

    async def summary_message(self) -> str:
        """The `alerts_update` message body, encoded once per change rather than once per subscriber."""
        summary = await self.summary()
        cached = self._summary_body
        # Reused for a second at most, so that its `ts` still says when the data was read.
        if cached is None or cached[0] is not summary or time.monotonic() - cached[1] > 1.0:
            cached = self._summary_body = (summary, time.monotonic(), encode("alerts_update", summary))
        return cached[2]

    async def summary(self) -> dict[str, Any]:
        """Counts and the newest alerts (the `alerts_update` data), cached until the next change."""
        if self._summary is not None:
            return self._summary
        async with self._summary_lock:  # many subscribers connecting at once share one query
            if self._summary is not None:
                return self._summary
            version = self._version
            counts, (recent, _) = await asyncio.gather(
                self.store.counts(), self.store.list_alerts(AlertQuery(limit=self.recent_alerts)))
            counts["silenced"] = 0
            if self.silencer.any_active:
                # Silenced alerts are not counted as firing: they are counted apart.
                for a in await self.open_alerts():
                    if self.silencer.silenced_by(a["labels"]):
                        counts["silenced"] += 1
                        if a["status"] == "firing":
                            counts["by_status"]["firing"] -= 1
            summary = {"counts": counts, "recent": self.mark_all(recent)}
            if version == self._version:
                self._summary = summary
            return summary


def _named(change: Change) -> Change:
    """A re-send that changed what the alert shows is an `updated` event, not a `repeated` one."""
    if change.event == "repeated" and change.changed:
        return Change("updated", change.alert)
    return change
