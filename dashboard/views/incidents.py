"""Incidents (故障管理): the incident list and workspace, open alerts grouped (to open incidents
from), and, for admins, the grouping rules. The parts are in dashboard/incidents/."""

from __future__ import annotations

import streamlit as st

from dashboard import auth
from dashboard.access_panel import show_flash
from dashboard.incidents import create, panel, rules
from dashboard.session import t
from dashboard.widgets import labeller

SECTIONS = ("list", "groups", "rules")

panel.apply_goto()
st.title(t("page_incidents"))
show_flash()
shown = SECTIONS if auth.is_admin() else SECTIONS[:2]
section = st.segmented_control(t("inc_section"), shown, default="list", required=True, key="inc_section",
                               format_func=labeller({s: f"inc_section_{s}" for s in SECTIONS}),
                               persist_state="session", label_visibility="collapsed") or "list"
if section == "groups":
    create.section()
elif section == "rules" and auth.is_admin():
    rules.section()
else:
    if not auth.can_act():
        st.caption(t("inc_view_only"))
    panel.list_section()
