"""Reads from pushd's REST API as the signed-in user: briefly cached, with the last good answer kept per session.

The cached functions take the session's token as an argument, so it is part of every cache key: a
session reads only what was read with its own token, and a session that is not signed in reads
nothing. Only successes are cached: a failed read raises, is never cached, and the next rerun tries
pushd again, which is how a page recovers by itself. `load()` turns "unreachable" and "an answer
that is not pushd's API" into a problem with pushd plus the last good answer to the same query, and
"token refused" (401) into the login page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeVar

import streamlit as st

from dashboard import auth, session
from dashboard.alert_query import AlertFilter
from dashboard.session import t
from shared.accounts import Me
from shared.client import PushdAuthError, PushdBadAnswer, PushdClient, PushdError, PushdUnavailable
from shared.models import Actor, AlertDetail, AlertPage, LogPage, MetricSample, Snapshot
from shared.runbooks import RunbookLink
from shared.settings import DashboardSettings

T = TypeVar("T")
# Short enough to look live at a 2 s refresh; long enough that a page's several reads in one rerun
# cost pushd one request each.
TTL_SECONDS = 1.5
STATUS_KEY = "conn_status"
LAST_KEY = "last_good"
# Last good answers kept per session, one per query (filter, page): the least recently used go first,
# so a session that tries many filters does not hold every page it ever read.
MAX_LAST = 64
Token = str | None
Problem = Literal["unreachable", "bad_answer"]
log = logging.getLogger(__name__)


@dataclass
class Connection:
    """What the sidebar says about pushd."""

    ok: bool | None = None  # None until the first read
    last_ok: datetime | None = None  # server time of the last snapshot read
    error: str | None = None
    # When not ok: "unreachable" (no answer, or 5xx) or "bad_answer" (an answer that is not pushd's API:
    # not JSON, the wrong shape, a 4xx pushd does not give to these reads).
    problem: Problem | None = None
    subscribers: dict[str, int] = field(default_factory=dict)
    # Set by the first failed read of a script run: the run's other reads then use their last good
    # values at once instead of each waiting out the HTTP timeout on an unreachable host.
    failed_this_run: bool = False


@st.cache_resource(show_spinner=False)
def pool(url: str) -> PushdClient:
    """One keep-alive connection pool per pushd URL, shared by sessions (httpx.Client is thread-safe);
    it carries no token: each use adds its caller's with `with_token`."""
    return PushdClient(url, timeout=DashboardSettings().dashboard_http_timeout)


def client() -> PushdClient:
    """pushd as this session's user."""
    return pool(session.pushd_url()).with_token(auth.token())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=256)
def fetch_me(url: str, token: Token) -> Me:
    return pool(url).with_token(token).me()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=256)
def fetch_snapshot(url: str, token: Token) -> Snapshot:
    return pool(url).with_token(token).snapshot()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=1024)
def fetch_alerts(url: str, token: Token, status: tuple[str, ...], severity: tuple[str, ...],
                 labels: tuple[tuple[str, str], ...], q: str, since: datetime | None, limit: int,
                 offset: int) -> AlertPage:
    return pool(url).with_token(token).list_alerts(status=status, severity=severity, labels=dict(labels),
                                                   q=q or None, since=since, limit=limit, offset=offset)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=256)
def fetch_runbook_links(url: str, token: Token, status: tuple[str, ...]) -> list[RunbookLink]:
    return pool(url).with_token(token).runbook_links(status)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=512)
def fetch_alert(url: str, token: Token, alert_id: int) -> AlertDetail:
    return pool(url).with_token(token).get_alert(alert_id)


@st.cache_data(ttl=10, show_spinner=False, max_entries=256)
def fetch_history(url: str, token: Token, minutes: int, max_points: int) -> list[MetricSample]:
    """Trend windows change slowly (one sample per few seconds): a longer TTL is fine."""
    return pool(url).with_token(token).metrics_history(minutes, max_points)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=256)
def fetch_actors(url: str, token: Token) -> list[Actor]:
    return pool(url).with_token(token).actors()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=512)
def fetch_actor_log(url: str, token: Token, actor: str, limit: int, offset: int) -> LogPage:
    return pool(url).with_token(token).history(actor=actor, limit=limit, offset=offset)


def clear_alert_caches() -> None:
    """After a write, so the next read shows the new state instead of a cached one."""
    for fn in (fetch_snapshot, fetch_alerts, fetch_runbook_links, fetch_alert, fetch_actors, fetch_actor_log):
        fn.clear()


def connection() -> Connection:
    if STATUS_KEY not in st.session_state:
        st.session_state[STATUS_KEY] = Connection()
    return st.session_state[STATUS_KEY]


def begin_run() -> None:
    """Called at the top of every script run: each run tries pushd afresh, which is how it recovers."""
    connection().failed_this_run = False


def recall(key: Hashable) -> object | None:
    """The last good answer stored under `key` in this session, if any."""
    last: dict[Hashable, object] = st.session_state.setdefault(LAST_KEY, {})
    if key not in last:
        return None
    last[key] = last.pop(key)  # now the most recently used
    return last[key]


def remember(key: Hashable, value: object) -> None:
    last: dict[Hashable, object] = st.session_state.setdefault(LAST_KEY, {})
    last.pop(key, None)
    last[key] = value
    while len(last) > MAX_LAST:
        del last[next(iter(last))]


def failed(problem: Problem, detail: str) -> None:
    """Mark the session's pushd as failing for the rest of this run."""
    conn = connection()
    conn.ok, conn.problem, conn.error, conn.failed_this_run = False, problem, detail, True


def load(key: Hashable, read: Callable[[], T]) -> T | None:
    """`read()` from pushd; `key` names the query, so a failed read falls back to the last good
    answer to the same query and never to another one's.
    Unreachable, or an answer that is not pushd's API: a problem with pushd, and the last good answer.
    Token refused (expired, revoked, user disabled): back to the login page, with a message.
    Role too low (changed since this run began): say so and return None."""
    conn = connection()
    if conn.failed_this_run:
        return recall(key)  # type: ignore[return-value]
    try:
        value = read()
    except PushdBadAnswer as exc:
        log.warning("pushd gave an unreadable answer: %s", exc)
        failed("bad_answer", str(exc))
        return recall(key)  # type: ignore[return-value]
    except PushdUnavailable as exc:
        failed("unreachable", str(exc))
        return recall(key)  # type: ignore[return-value]
    except PushdAuthError:
        auth.session_ended()
        st.rerun()
    except PushdError as exc:
        if exc.status == 403:
            st.warning(t("forbidden"))
            return None
        # pushd gives these reads no other 4xx: something else answered, or it disagrees with this dashboard.
        log.warning("pushd refused a read with %s: %s", exc.status, str(exc.detail)[:500])
        failed("bad_answer", str(exc))
        return recall(key)  # type: ignore[return-value]
    conn.ok, conn.problem, conn.error = True, None, None
    if isinstance(value, Snapshot):
        conn.last_ok, conn.subscribers = value.ts, dict(value.subscribers)
    remember(key, value)
    return value


def whoami() -> Me | None:
    """pushd's view of this session; keeps the role shown here equal to the role pushd enforces."""
    url, token = session.pushd_url(), auth.token()
    me = load("me", lambda: fetch_me(url, token))
    if me is not None:
        auth.set_role(me.role)
    return me


def snapshot() -> Snapshot | None:
    url, token = session.pushd_url(), auth.token()
    return load("snapshot", lambda: fetch_snapshot(url, token))


def alerts(flt: AlertFilter, limit: int = 50, offset: int = 0) -> AlertPage | None:
    """One page of alerts matching the filter. Its last good answer is kept under the query itself
    (the filter as chosen, with its time range as "last N minutes", and the page), so a view never
    shows another filter's page while pushd is down."""
    url, token = session.pushd_url(), auth.token()
    return load(("alerts", flt, limit, offset),
                lambda: fetch_alerts(url, token, flt.statuses, flt.severities, flt.labels, flt.text, flt.since(),
                                     limit, offset))


def runbook_links(statuses: tuple[str, ...]) -> list[RunbookLink] | None:
    """The runbook links of the alerts with these statuses, counted by pushd over all of them."""
    url, token = session.pushd_url(), auth.token()
    return load(("runbook_links", statuses), lambda: fetch_runbook_links(url, token, statuses))


def load_found(key: Hashable, read: Callable[[], T]) -> T | None:
    """`load`, with pushd's 404 (no such item) as None rather than a problem with pushd."""
    def found() -> T | None:
        try:
            return read()
        except PushdError as exc:
            if exc.status == 404:
                return None
            raise

    return load(key, found)


def alert_detail(alert_id: int) -> AlertDetail | None:
    """The alert with its history; None when pushd is down or has no such alert (404, pushd's answer
    for an id it does not have)."""
    url, token = session.pushd_url(), auth.token()
    return load_found(("alert", alert_id), lambda: fetch_alert(url, token, alert_id))


def history(minutes: int, max_points: int = 240) -> list[MetricSample]:
    url, token = session.pushd_url(), auth.token()
    return load(("history", minutes, max_points), lambda: fetch_history(url, token, minutes, max_points)) or []


def actors() -> list[Actor] | None:
    """Everyone who changed an alert, as pushd counts them; None when pushd was never reached."""
    url, token = session.pushd_url(), auth.token()
    return load("actors", lambda: fetch_actors(url, token))


def actor_log(actor: str, limit: int, offset: int) -> LogPage | None:
    """One page of `actor`'s state changes, newest first; the last good page of the same view when pushd is down."""
    url, token = session.pushd_url(), auth.token()
    return load(("actor_log", actor, limit, offset), lambda: fetch_actor_log(url, token, actor, limit, offset))
