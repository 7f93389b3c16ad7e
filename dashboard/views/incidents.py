"""Incidents (故障管理): open alerts grouped by alert name and/or instance, the worst group first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import aggregate, data
from dashboard.alert_query import API_PAGE, AlertFilter
from dashboard.session import t, translator
from dashboard.tables import local, severity_badges
from dashboard.widgets import labeller, no_data
from shared.models import AlertPage

GROUPINGS = ("both", "alertname", "instance")
SEVERITIES = ("critical", "warning", "info")
MAX_IDS = 20  # per row; a group of hundreds would make an unreadable cell


def table(page: AlertPage, by: aggregate.GroupBy) -> None:
    t = translator()  # hundreds of rows: the language once, not per cell
    if page.total > len(page.items):
        st.warning(t("truncated", total=page.total, n=len(page.items)))
    groups = aggregate.incidents(page.items, by)
    if not groups:
        st.success(t("no_incidents"))
        return
    frame = pd.DataFrame([{
        t("col_group"): g.key,
        t("col_worst"): t(f"severity_{g.worst}"),
        t("col_open"): len(g.alert_ids),
        t("status_firing"): g.firing,
        t("status_acknowledged"): g.acknowledged,
        t("col_first"): local(g.first_started),
        t("col_last_seen"): local(g.last_seen),
        t("col_ids"): ", ".join(f"#{i}" for i in g.alert_ids[:MAX_IDS]) + (" …" if len(g.alert_ids) > MAX_IDS else ""),
    } for g in groups])
    st.dataframe(severity_badges(frame, t("col_worst"), t), hide_index=True, key="inc_table")


st.title(t("page_incidents"))
left, right = st.columns(2)
by = left.segmented_control(t("group_by"), GROUPINGS, default="both", required=True, key="inc_group",
                            format_func=labeller({g: f"group_{g}" for g in GROUPINGS}),
                            persist_state="session") or "both"
severities = right.multiselect(t("filter_severity"), SEVERITIES, default=["critical"], key="inc_severity",
                               placeholder=t("choose_many"), select_all=False,
                               format_func=labeller({s: f"severity_{s}" for s in SEVERITIES}),
                               persist_state="session")
st.caption(t("incidents_caption", n=API_PAGE))
open_alerts = data.alerts(AlertFilter(("firing", "acknowledged"), tuple(severities)), limit=API_PAGE)
if open_alerts is None:
    no_data()
else:
    table(open_alerts, by)
