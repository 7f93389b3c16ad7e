"""Users (用户): who acted on alerts, from the actors recorded in alert state history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import aggregate, data
from dashboard.session import t
from dashboard.tables import local

PER_STATUS = 25  # recent acknowledged and resolved alerts whose history is read
LOG_EVENTS = 50  # what the snapshot's live log holds


def table(people: list[aggregate.Actor]) -> None:
    frame = pd.DataFrame([{
        t("col_actor"): p.name,
        t("col_kind"): t("kind_system" if p.system else "kind_operator"),
        t("col_acks"): p.acknowledged,
        t("col_resolves"): p.resolved,
        t("col_other"): p.other,
        t("col_last_action"): local(p.last_action),
        t("col_last_alert"): p.last_alert,
    } for p in people])
    st.dataframe(frame, hide_index=True, key="users_table")


st.title(t("page_users"))
st.caption(t("users_caption", events=LOG_EVENTS, alerts=PER_STATUS))
actors = aggregate.actors(data.actor_entries(PER_STATUS))
if actors:
    table(actors)
else:
    st.info(t("no_users"))
