"""Open alerts grouped by alert name and/or instance, the worst group first (the page's first view,
kept), and new incidents made from a group or from chosen open alerts (Streamlit)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import aggregate, auth, data
from dashboard.alert_query import API_PAGE, AlertFilter
from dashboard.incidents import logic
from dashboard.incidents.panel import go_to, write
from dashboard.session import t, translator
from dashboard.tables import local, severity_badges
from dashboard.widgets import labeller
from shared.models import AlertPage

GROUPINGS = ("both", "alertname", "instance")
MAX_IDS = 20  # per row; a group of hundreds would make an unreadable cell


def table(page: AlertPage, groups: list[aggregate.Incident]) -> None:
    t = translator()  # hundreds of rows: the language once, not per cell
    if page.total > len(page.items):
        st.warning(t("truncated", total=page.total, n=len(page.items)))
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


def from_group(groups: list[aggregate.Incident]) -> None:
    by_key = {g.key: g for g in groups}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    key = left.selectbox(t("inc_from_group"), list(by_key), key="inc_group_pick", index=None, placeholder=t("choose"))
    if right.button(t("inc_create_group"), key="inc_create_group", disabled=key is None):
        g = by_key[key]
        ok, made = write(lambda c: c.create_incident(logic.group_title(g), g.worst, None, g.alert_ids),
                         t("inc_created", title=logic.group_title(g)))
        if ok and made is not None:
            go_to(made.id)
        st.rerun()


def from_alerts(page: AlertPage) -> None:
    names = {a.id: f"#{a.id} {a.alertname} ({a.labels.get('instance', '—')})" for a in page.items}
    with st.form("inc_new", clear_on_submit=True):
        st.markdown(f"**{t('inc_new')}**")
        title = st.text_input(t("col_title"), key="inc_new_title", max_chars=200)
        severity = st.selectbox(t("col_severity"), logic.SEVERITIES, index=1, key="inc_new_severity",
                                format_func=labeller({s: f"severity_{s}" for s in logic.SEVERITIES}))
        ids = st.multiselect(t("inc_new_alerts"), list(names), key="inc_new_alerts", placeholder=t("choose_many"),
                             format_func=lambda i: names.get(i, str(i)))
        if not st.form_submit_button(t("inc_create")):
            return
    if not title.strip():
        st.error(t("inc_title_needed"))
        return
    ok, made = write(lambda c: c.create_incident(title.strip(), severity, None, ids),
                     t("inc_created", title=title.strip()))
    if ok and made is not None:
        go_to(made.id)
    st.rerun()


def section() -> None:
    left, right = st.columns(2)
    by = left.segmented_control(t("group_by"), GROUPINGS, default="both", required=True, key="inc_group",
                                format_func=labeller({g: f"group_{g}" for g in GROUPINGS}),
                                persist_state="session") or "both"
    severities = right.multiselect(t("filter_severity"), logic.SEVERITIES, default=["critical"],
                                   key="inc_group_severity", placeholder=t("choose_many"), select_all=False,
                                   format_func=labeller({s: f"severity_{s}" for s in logic.SEVERITIES}),
                                   persist_state="session")
    st.caption(t("incidents_caption", n=API_PAGE))
    page = data.alerts(AlertFilter(("firing", "acknowledged"), tuple(severities)), limit=API_PAGE)
    if page is None:
        st.info(t("offline_no_data"))
        return
    groups = aggregate.incidents(page.items, by)
    table(page, groups)
    if auth.can_act():
        if groups:
            from_group(groups)
        from_alerts(page)
