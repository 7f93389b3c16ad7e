"""The background loops a pushd app runs; its lifespan starts them and cancels them at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from pushd.api.ws_access import close_invalid_sockets
from pushd.state import State

log = logging.getLogger(__name__)
EXPIRY_CHECK_SECONDS = 1.0
PRUNE_SECONDS = 3600.0
PRUNE_FIRST_SECONDS = 60.0
SOCKET_RECHECK_SECONDS = 30.0


async def every(period: float, name: str, fn: Callable[[], Awaitable[None]], first: float | None = None) -> None:
    """Call `fn` every `period` seconds, on a fixed schedule, first after `first` seconds (default: one
    period); a failing call is logged, not fatal."""
    next_at = time.monotonic() + (period if first is None else first)
    while True:
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        try:
            await fn()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; retrying in %.1fs", name, period)
        next_at = max(next_at + period, time.monotonic())  # after a stall, skip the missed ticks


async def sample_host(state: State) -> None:
    sample = await asyncio.to_thread(state.sampler.sample)
    state.trend.points.append(sample)
    if state.settings.host_rules_enabled and (alerts := state.rules.evaluate(sample)):
        try:
            await state.alerts.ingest(alerts, "pushd", "pushd")
        except Exception:
            state.rules.undo(alerts)
            raise
    await state.store.add_metric(sample)


async def push_alerts(state: State) -> None:
    if state.hub.count("alerts"):
        state.hub.publish("alerts", "alerts_update", await state.alerts.summary())


async def push_metrics(state: State) -> None:
    if state.hub.count("metrics"):
        state.hub.publish("metrics", "metrics_update", state.trend.update_data())


async def push_incidents(state: State) -> None:
    if state.hub.count("incidents"):
        state.hub.publish("incidents", "incidents_update", await state.incidents.update_data())


async def expire_alerts(state: State) -> None:
    due = await state.store.next_expiry()
    if due is not None and due <= time.time():
        await state.alerts.expire()


async def prune(state: State) -> None:
    """Old host samples, resolved alerts past their retention (with their history), spent credentials."""
    now = time.time()
    await state.store.prune_metrics(now - state.settings.metrics_retention_hours * 3600)
    if pruned := await state.alerts.prune(now - state.settings.alert_retention_days * 86400):
        log.info("pruned %d resolved alerts older than %g days", pruned, state.settings.alert_retention_days)
    await state.auth.prune()


async def watch_credentials(state: State) -> None:
    """Close the push sockets of credentials that stopped being valid: at once after a change made
    through this pushd, and every SOCKET_RECHECK_SECONDS for expiries and other replicas' changes."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.auth.changes.wait(), SOCKET_RECHECK_SECONDS)
        state.auth.changes.clear()
        try:
            await close_invalid_sockets(state)
        except Exception:
            log.exception("checking the credentials of open push sockets failed")


def start(state: State) -> list[asyncio.Task]:
    s = state.settings
    loops = {
        "host sampling": (s.sample_seconds, sample_host),
        "alerts push": (s.alerts_period, push_alerts),
        "metrics push": (s.metrics_period, push_metrics),
        "incidents push": (s.incidents_period, push_incidents),
        "alert expiry": (EXPIRY_CHECK_SECONDS, expire_alerts),
        "pruning": (PRUNE_SECONDS, prune),
    }
    # Pruning also runs soon after start: a pushd restarted more often than hourly would never prune.
    first = {"pruning": PRUNE_FIRST_SECONDS}
    return [
        asyncio.create_task(every(period, name, lambda fn=fn: fn(state), first.get(name)), name=name)
        for name, (period, fn) in loops.items()
    ] + [asyncio.create_task(watch_credentials(state), name="socket credentials"),
         asyncio.create_task(state.silences.run(), name="silence times")]
