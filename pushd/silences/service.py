"""Silences: every silence in memory (Alertmanager keeps them in memory too; they are few), the
store as their durable copy, and the pushes that follow from each change.

- `silenced_by(labels)` answers at ingest and wherever an alert is shown: the ids of the active
  silences that match, in a stable order. AlertService asks it for every change it pushes.
- A change to what is silenced (a silence created, edited, expired, or reaching its start or end
  time) pushes a `silence_event` on the `silences` channel, and pushes again each open alert whose
  `silenced_by` changed (`alert_events`, event `silenced` or `unsilenced`): the alerts still firing
  when a silence ends come back to every subscriber at once, without waiting for their next re-send.
- Time boundaries (a pending silence starting, an active one ending) are handled by `run()`, which
  sleeps until the next one rather than polling.
- `expireWhenResolved` (pushd's own field): when an alert resolves, each such silence that no open
  alert matches any more is expired, by `pushd`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pushd.alert_service import AlertService
from pushd.hub import Hub
from pushd.silences.rules import InvalidSilence, SilenceRecord, can_update, check_new, sort_key
from pushd.store import AlertStore, Change, NotFound
from pushd.store.base import iso
from shared.matchers import Matcher
from shared.silences import SilenceIn, SilenceState

CHANNEL = "silences"
PUSHD = "pushd"
SilenceObserver = Callable[[str, SilenceRecord, list[int], str], Awaitable[None]]


def wire_silence(s: SilenceRecord, now: float) -> dict[str, Any]:
    """Alertmanager's gettableSilence, plus pushd's `expireWhenResolved` and `actor`."""
    return {"id": s.id, "status": {"state": s.state(now).value}, "updatedAt": iso(s.updated_at),
            "matchers": [m.as_json() for m in s.matchers], "startsAt": iso(s.starts_at), "endsAt": iso(s.ends_at),
            "createdBy": s.created_by, "comment": s.comment, "expireWhenResolved": s.expire_when_resolved,
            "actor": s.actor}


class SilenceService:
    def __init__(self, store: AlertStore, hub: Hub, alerts: AlertService, retention_seconds: float) -> None:
        self.store = store
        self.hub = hub
        self.alerts = alerts
        self.retention_seconds = retention_seconds
        self._all: dict[str, SilenceRecord] = {}
        self._active: list[SilenceRecord] = []  # sorted by id: silenced_by lists come out in one order
        self._changed = asyncio.Event()  # wakes run() when the next boundary may have moved
        self._lock = asyncio.Lock()  # one change at a time: each sees the one before it
        self._observers: list[SilenceObserver] = []

    def observe(self, observer: SilenceObserver) -> None:
        """Call `observer(event, silence, open alert ids it matches, actor)` after every change."""
        self._observers.append(observer)

    async def load(self) -> None:
        self._all = {r["id"]: SilenceRecord.from_row(r) for r in await self.store.silences.all()}
        self._reindex(time.time())

    # --- reads ---
    @property
    def any_active(self) -> bool:
        return bool(self._active)

    def silenced_by(self, labels: dict[str, str]) -> list[str]:
        return [s.id for s in self._active if s.matches(labels)] if self._active else []

    def get(self, silence_id: str) -> dict[str, Any]:
        s = self._all.get(silence_id)
        if s is None:
            raise NotFound(f"no silence {silence_id}")
        return wire_silence(s, time.time())

    def list(self, states: set[SilenceState], matchers: list[Matcher]) -> list[dict[str, Any]]:
        """Alertmanager's GET /silences: by state, then each filter matcher equal to one of the
        silence's (name, operator and value: a filter names matchers, it does not match labels)."""
        now = time.time()
        wanted = {(m.name, m.value, m.is_regex, m.is_equal) for m in matchers}
        chosen = [s for s in self._all.values() if s.state(now) in states
                  and wanted <= {(m.name, m.value, m.is_regex, m.is_equal) for m in s.matchers}]
        return [wire_silence(s, now) for s in sorted(chosen, key=lambda s: sort_key(s, now))]

    def update_data(self) -> dict[str, Any]:
        """The `silences_update` a new subscriber gets first: the silences not expired, as listed."""
        return {"silences": self.list({SilenceState.active, SilenceState.pending}, [])}

    # --- writes ---
    async def set(self, body: SilenceIn, actor: str) -> str:
        """Alertmanager's POST /silences: the id of the silence now in force."""
        now = time.time()
        matchers = [m.matcher() for m in body.matchers]
        starts, ends = body.startsAt.timestamp(), body.endsAt.timestamp()
        check_new(starts, ends, matchers, now)
        async with self._lock:
            prev = self._all.get(body.id) if body.id else None
            if body.id and prev is None:
                raise NotFound(f"silence {body.id} not found")
            new = SilenceRecord(body.id or "", matchers, starts, ends, body.createdBy, body.comment, now,
                                body.expireWhenResolved, actor)
            if prev is not None and can_update(prev, new, now):
                new.actor = prev.actor  # who made it; the change itself goes to silence_event and timelines
                await self._write([new], now, {new.id: "updated"}, actor)
                return new.id
            new.id = str(uuid.uuid4())
            new.starts_at = max(new.starts_at, now)
            written, events = [new], {new.id: "created"}
            if prev is not None and prev.state(now) is not SilenceState.expired:
                written.append(self._expired_copy(prev, now))
                events[prev.id] = "expired"
            await self._write(written, now, events, actor)
            return new.id

    async def expire(self, silence_id: str, actor: str) -> None:
        """Alertmanager's DELETE /silence/{id}: ends it now; an expired one stays as it is."""
        async with self._lock:
            s = self._all.get(silence_id)
            if s is None:
                raise NotFound(f"silence {silence_id} not found")
            now = time.time()
            if s.state(now) is SilenceState.expired:
                return
            await self._write([self._expired_copy(s, now)], now, {s.id: "expired"}, actor)

    @staticmethod
    def _expired_copy(s: SilenceRecord, now: float) -> SilenceRecord:
        # As Alertmanager: a pending silence gets both ends set to now, an active one its end. A
        # hair before now, so that it reads as expired at once (Alertmanager's end is inclusive).
        end = now - 1e-6
        return SilenceRecord(s.id, s.matchers, min(s.starts_at, end), end, s.created_by, s.comment, now,
                             s.expire_when_resolved, s.actor)

    async def _write(self, records: list[SilenceRecord], now: float, events: dict[str, str], actor: str) -> None:
        await self.store.silences.put([r.row() for r in records])
        before = list(self._active)
        for r in records:
            self._all[r.id] = r
        self._reindex(now)
        self._changed.set()  # run() sleeps until the next start or end, which this may have moved
        await self._after(before, [(events[r.id], r) for r in records], actor)

    # --- time ---
    async def run(self) -> None:
        """Until cancelled: at each pending start and active end, update and push; at the end of an
        expired one's retention, prune it."""
        while True:
            now = time.time()
            due = self._next_boundary(now)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), None if due is None else max(0.0, due - now))
            self._changed.clear()
            await self.tick(time.time())

    async def tick(self, now: float) -> None:
        """Bring the active set up to `now`, pushing what started and what ended."""
        async with self._lock:
            before = list(self._active)
            self._reindex(now)
            was, is_ = {s.id for s in before}, {s.id for s in self._active}
            events = [("activated", self._all[i]) for i in sorted(is_ - was)]
            events += [("expired", self._all[i]) for i in sorted(was - is_) if i in self._all]
            if events:
                await self._after(before, events, PUSHD)
            old = await self.store.silences.prune(now - self.retention_seconds)
            for silence_id in old:
                self._all.pop(silence_id, None)

    def _next_boundary(self, now: float) -> float | None:
        times = [s.starts_at for s in self._all.values() if s.starts_at > now]
        times += [s.ends_at for s in self._all.values() if s.ends_at >= now]
        times += [s.ends_at + self.retention_seconds for s in self._all.values()
                  if s.ends_at + self.retention_seconds >= now]  # when it is pruned
        # An end is inclusive: the silence expires just after it.
        return min(times) + 1e-3 if times else None

    def _reindex(self, now: float) -> None:
        self._active = sorted((s for s in self._all.values() if s.state(now) is SilenceState.active),
                              key=lambda s: s.id)

    async def _after(self, before: list[SilenceRecord], events: list[tuple[str, SilenceRecord]], actor: str) -> None:
        """Push the silence events and the open alerts whose silencing changed; tell the observers."""
        now = time.time()
        for event, s in events:
            if self.hub.count(CHANNEL):
                self.hub.publish(CHANNEL, "silence_event", {"event": event, "silence": wire_silence(s, now)})
        touched = [s for _, s in events]
        open_alerts = await self.alerts.open_alerts() if touched else []
        changes = []
        matched: dict[str, list[int]] = {s.id: [] for s in touched}
        for alert in open_alerts:
            labels = alert["labels"]
            for s in touched:
                if s.matches(labels):
                    matched[s.id].append(alert["id"])
            was = [s.id for s in before if s.matches(labels)]
            now_by = self.silenced_by(labels)
            if was != now_by:
                changes.append(("unsilenced" if was and not now_by else "silenced", alert))
        self.alerts.republish(changes)
        for event, s in events:
            for observer in self._observers:
                await observer(event, s, matched[s.id], actor)

    async def on_alert_changes(self, changes: list[Change]) -> None:
        """AlertService observer: expire the `expireWhenResolved` silences nothing open matches any more."""
        if not any(c.event == "resolved" for c in changes):
            return
        waiting = [s for s in self._active if s.expire_when_resolved]
        if not waiting:
            return
        open_alerts = await self.alerts.open_alerts()
        for s in waiting:
            if not any(s.matches(a["labels"]) for a in open_alerts):
                with contextlib.suppress(NotFound):
                    await self.expire(s.id, PUSHD)


__all__ = ["CHANNEL", "InvalidSilence", "SilenceService", "wire_silence"]
