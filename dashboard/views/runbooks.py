"""Runbooks (预案管理): the runbook_url annotations of alerts, one row per link, clickable when http(s)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import aggregate, data
from dashboard.alert_query import API_PAGE, AlertFilter
from dashboard.session import t
from dashboard.tables import local
from dashboard.widgets import no_data
from shared.models import AlertPage


def table(page: AlertPage) -> None:
    if page.total > len(page.items):
        st.warning(t("truncated", total=page.total, n=len(page.items)))
    books = aggregate.runbooks(page.items)
    if not books:
        st.info(t("no_runbooks"))
        return
    frame = pd.DataFrame([{
        t("col_link"): rb.link,  # None unless http/https: shown empty, never clickable
        t("col_runbook"): rb.url,
        t("col_alertnames"): ", ".join(sorted(rb.alertnames)),
        t("col_open"): rb.open_alerts,
        t("col_last_seen"): local(rb.last_seen),
    } for rb in books])
    st.dataframe(frame, hide_index=True, key="rb_table",
                 column_config={t("col_link"): st.column_config.LinkColumn(t("col_link"))})


st.title(t("page_runbooks"))
include_resolved = st.toggle(t("include_resolved"), key="rb_resolved", persist_state="session")
st.caption(t("runbooks_caption"))
statuses = ("firing", "acknowledged", "resolved") if include_resolved else ("firing", "acknowledged")
alerts = data.alerts(AlertFilter(statuses), limit=API_PAGE)
if alerts is None:
    no_data()
else:
    table(alerts)
