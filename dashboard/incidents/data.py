"""Incident reads from pushd as the signed-in user: cached briefly, through `data.load` (so an
unreachable pushd shows as a problem with pushd and the last good answer, as on every page).

One request per read, never one per row: the list carries what its table shows, and the detail
carries its alerts, timeline and runs.
"""

from __future__ import annotations

import streamlit as st

from dashboard import auth, data, session
from dashboard.data import TTL_SECONDS, Token, pool
from shared.grouping import GroupingRule
from shared.incidents import IncidentDetail, IncidentPage, IncidentStats
from shared.runbooks import Runbook


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=512)
def fetch_incidents(url: str, token: Token, statuses: tuple[str, ...], severities: tuple[str, ...],
                    assignee: str, limit: int, offset: int) -> IncidentPage:
    return pool(url).with_token(token).list_incidents(statuses, severities, assignee or None, limit, offset)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=512)
def fetch_incident(url: str, token: Token, incident_id: int) -> IncidentDetail:
    return pool(url).with_token(token).get_incident(incident_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=256)
def fetch_stats(url: str, token: Token) -> IncidentStats:
    return pool(url).with_token(token).incident_stats()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=256)
def fetch_runbooks(url: str, token: Token) -> list[Runbook]:
    return pool(url).with_token(token).runbooks()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=64)
def fetch_rules(url: str, token: Token) -> list[GroupingRule]:
    return pool(url).with_token(token).grouping_rules()


def clear() -> None:
    """After a write: the next read shows what was written (alerts too: an incident's alerts may change)."""
    for fn in (fetch_incidents, fetch_incident, fetch_stats, fetch_runbooks, fetch_rules):
        fn.clear()
    data.clear_alert_caches()


def incidents(statuses: tuple[str, ...], severities: tuple[str, ...], assignee: str, limit: int,
              offset: int) -> IncidentPage | None:
    url, token = session.pushd_url(), auth.token()
    return data.load(("incidents", statuses, severities, assignee, limit, offset),
                     lambda: fetch_incidents(url, token, statuses, severities, assignee, limit, offset))


def incident(incident_id: int) -> IncidentDetail | None:
    """None when pushd is down and never answered this, or has no such incident (404)."""
    url, token = session.pushd_url(), auth.token()
    return data.load_found(("incident", incident_id), lambda: fetch_incident(url, token, incident_id))


def stats() -> IncidentStats | None:
    url, token = session.pushd_url(), auth.token()
    return data.load("incident_stats", lambda: fetch_stats(url, token))


def runbooks() -> list[Runbook] | None:
    url, token = session.pushd_url(), auth.token()
    return data.load("incident_runbooks", lambda: fetch_runbooks(url, token))


def rules() -> list[GroupingRule] | None:
    """Admins only (pushd answers 403 to others, which data.load shows as a warning)."""
    url, token = session.pushd_url(), auth.token()
    return data.load("grouping_rules", lambda: fetch_rules(url, token))
