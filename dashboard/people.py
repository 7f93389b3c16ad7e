"""The Users page's logic without Streamlit: who changed alerts (pushd's actors) and what one of them did.

pushd counts the actors itself (GET /api/v1/actors) and pages each one's history (GET /api/v1/history),
so nothing here reconstructs them from alerts. Names and comments are untrusted text: they go into
data frames, which Streamlit draws as plain text.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dashboard.tables import Translate, action_name, local
from shared.models import Actor, LogEntry

# Actors that are ingest paths or pushd itself, not people (before access control, pushd recorded the
# source as the actor of ingested alerts; now it records the token, `token:<name>`).
SYSTEM_ACTORS = frozenset({"api", "alertmanager", "prometheus", "pushd"})
TOKEN_PREFIX = "token:"
KIND_ORDER = {"operator": 0, "token": 1, "system": 2}
ACTOR_COLUMNS = ("col_user", "col_kind", "col_actions", "col_acks", "col_resolves", "col_last_action")
LOG_COLUMNS = ("time", "col_id", "col_alertname", "col_severity", "col_action", "col_status", "col_comment")


def kind(actor: str) -> str:
    """"operator" (a user), "token" (an API token: a tool) or "system" (pushd, an ingest path)."""
    if actor in SYSTEM_ACTORS:
        return "system"
    return "token" if actor.startswith(TOKEN_PREFIX) else "operator"


def people_first(actors: Iterable[Actor]) -> list[Actor]:
    """Users, then API tokens, then pushd itself; within each, the most recently active first."""
    return sorted(actors, key=lambda a: (KIND_ORDER[kind(a.actor)], -a.last_ts.timestamp(), a.actor))


def actors_frame(actors: Iterable[Actor], t: Translate) -> pd.DataFrame:
    """One row per actor, in the order given, with translated column names."""
    rows = [{
        t("col_user"): a.actor,
        t("col_kind"): t(f"kind_{kind(a.actor)}"),
        t("col_actions"): a.actions,
        t("col_acks"): a.acknowledged,
        t("col_resolves"): a.resolved,
        t("col_last_action"): local(a.last_ts),
    } for a in actors]
    return pd.DataFrame(rows, columns=[t(c) for c in ACTOR_COLUMNS])


def actions_frame(entries: Iterable[LogEntry], t: Translate) -> pd.DataFrame:
    """One actor's state changes as pushd sent them (newest first): which alert, what, and the comment."""
    rows = [{
        t("time"): local(e.ts),
        t("col_id"): e.alert_id,
        t("col_alertname"): e.alertname,
        t("col_severity"): t(f"severity_{e.severity.value}"),
        t("col_action"): action_name(e.action, t),
        t("col_status"): t(f"status_{e.status.value}"),
        t("col_comment"): e.comment or "",
    } for e in entries]
    return pd.DataFrame(rows, columns=[t(c) for c in LOG_COLUMNS])
