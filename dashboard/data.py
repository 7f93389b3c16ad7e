"""Reads from pushd's REST API: briefly cached, with the last good answer kept per session.

The cached functions are shared by every session (pushd's data is the same for everyone) and cache
only successes: a failed read raises, is never cached, and the next rerun tries pushd again, which
is how a page recovers by itself. `load()` turns a failure into "offline" plus the last good value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import streamlit as st

from dashboard import session
from shared.client import PushdClient, PushdError, PushdUnavailable
from shared.models import Actor, AlertDetail, AlertPage, LogPage, MetricSample, Snapshot
from shared.settings import DashboardSettings

T = TypeVar("T")
# Short enough to look live at a 2 s refresh; long enough that a page's several reads in one rerun,
# and many open browsers, cost pushd one request each.
TTL_SECONDS = 1.5
STATUS_KEY = "conn_status"
LAST_KEY = "last_good"


@dataclass
class Connection:
    """What the sidebar says about pushd."""

    ok: bool | None = None  # None until the first read
    last_ok: datetime | None = None  # server time of the last snapshot read
    error: str | None = None
    subscribers: dict[str, int] = field(default_factory=dict)
    # Set by the first failed read of a script run: the run's other reads then use their last good
    # values at once instead of each waiting out the HTTP timeout on an unreachable host.
    failed_this_run: bool = False


@st.cache_resource(show_spinner=False)
def client(url: str) -> PushdClient:
    """One keep-alive client per pushd URL, shared by sessions (httpx.Client is thread-safe)."""
    return PushdClient(url, timeout=DashboardSettings().dashboard_http_timeout)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=8)
def fetch_snapshot(url: str) -> Snapshot:
    return client(url).snapshot()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=64)
def fetch_alerts(url: str, status: tuple[str, ...], severity: tuple[str, ...], labels: tuple[tuple[str, str], ...],
                 q: str, since: datetime | None, limit: int, offset: int) -> AlertPage:
    return client(url).list_alerts(status=status, severity=severity, labels=dict(labels), q=q or None,
                                   since=since, limit=limit, offset=offset)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=64)
def fetch_alert(url: str, alert_id: int) -> AlertDetail:
    return client(url).get_alert(alert_id)


@st.cache_data(ttl=10, show_spinner=False, max_entries=16)
def fetch_history(url: str, minutes: int, max_points: int) -> list[MetricSample]:
    """Trend windows change slowly (one sample per few seconds): a longer TTL is fine."""
    return client(url).metrics_history(minutes, max_points)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=4)
def fetch_actors(url: str) -> list[Actor]:
    return client(url).actors()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=32)
def fetch_actor_log(url: str, actor: str, limit: int, offset: int) -> LogPage:
    return client(url).history(actor=actor, limit=limit, offset=offset)


def clear_alert_caches() -> None:
    """After a write, so the next read shows the new state instead of a cached one."""
    for fn in (fetch_snapshot, fetch_alerts, fetch_alert, fetch_actors, fetch_actor_log):
        fn.clear()


def connection() -> Connection:
    if STATUS_KEY not in st.session_state:
        st.session_state[STATUS_KEY] = Connection()
    return st.session_state[STATUS_KEY]


def begin_run() -> None:
    """Called at the top of every script run: each run tries pushd afresh, which is how it recovers."""
    connection().failed_this_run = False


def load(key: str, read: Callable[[], T]) -> T | None:
    """`read()` from pushd; when pushd is unreachable, mark the session offline and return the last good value."""
    last: dict[str, object] = st.session_state.setdefault(LAST_KEY, {})
    conn = connection()
    if conn.failed_this_run:
        return last.get(key)  # type: ignore[return-value]
    try:
        value = read()
    except PushdUnavailable as exc:
        conn.ok, conn.error, conn.failed_this_run = False, str(exc), True
        return last.get(key)  # type: ignore[return-value]
    conn.ok, conn.error = True, None
    if isinstance(value, Snapshot):
        conn.last_ok, conn.subscribers = value.ts, dict(value.subscribers)
    last[key] = value
    return value


def snapshot() -> Snapshot | None:
    url = session.pushd_url()
    return load("snapshot", lambda: fetch_snapshot(url))


def alert_detail(alert_id: int) -> AlertDetail | None:
    """The alert with its history; None when pushd is down or has no such alert."""
    url = session.pushd_url()
    try:
        return load(f"alert:{alert_id}", lambda: fetch_alert(url, alert_id))
    except PushdError:
        return None


def history(minutes: int, max_points: int = 240) -> list[MetricSample]:
    url = session.pushd_url()
    return load(f"history:{minutes}", lambda: fetch_history(url, minutes, max_points)) or []


def actors() -> list[Actor] | None:
    """Everyone who changed an alert, as pushd counts them; None when pushd was never reached."""
    url = session.pushd_url()
    return load("actors", lambda: fetch_actors(url))


def actor_log(actor: str, limit: int, offset: int) -> LogPage | None:
    """One page of `actor`'s state changes, newest first; the last good page of the same view when pushd is down."""
    url = session.pushd_url()
    return load(f"actor_log:{actor}:{limit}:{offset}", lambda: fetch_actor_log(url, actor, limit, offset))
