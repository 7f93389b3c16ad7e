"""The alert center's action bar and detail panel (Streamlit), kept out of the page file to keep it thin.

Alert text is shown only through st.dataframe, st.text and st.code: never markdown, never HTML.
"""

from __future__ import annotations

import streamlit as st

from dashboard import actions, data, session, tables
from dashboard.actions import Action
from dashboard.session import t
from shared.models import AlertDetail

SELECTED = "al_selected"  # alert ids the user ticked, across pages and refreshes
DETAIL = "al_detail"  # the alert shown in the detail panel
FLASH = "al_flash"  # the outcome of the last action, shown once after the rerun it caused
COMMENT = "al_comment"


def run_action(action: Action, ids: list[int]) -> None:
    """Button callback: runs before the rerun, so the page it triggers already shows the new states."""
    by = str(st.session_state.get(session.OPERATOR) or "").strip()
    if not by:
        st.session_state[FLASH] = ("warning", t("need_operator"))
        return
    comment = str(st.session_state.get(COMMENT) or "").strip() or None
    outcome = actions.apply(data.client(session.pushd_url()), action, ids, by, comment)
    data.clear_alert_caches()
    if outcome.offline:
        data.connection().ok = False
    name = t("action_ack" if action == "acknowledge" else "action_resolve")
    lines = [t("action_done", action=name, ok=len(outcome.done))]
    lines += [t("action_refused", id=i, detail=d) for i, d in outcome.refused]
    st.session_state[FLASH] = ("success" if not outcome.refused and not outcome.offline else "warning",
                               "\n".join(lines))
    st.session_state[SELECTED] = [i for i in st.session_state.get(SELECTED, []) if i not in outcome.done]


def flash() -> None:
    kind, text = st.session_state.pop(FLASH, (None, None))
    if kind == "success":
        st.success(text)
    elif kind:
        st.warning(text)  # holds pushd's refusal text, which is plain and ours


def action_bar(selected: list[int]) -> None:
    """Operator, comment and the bulk buttons acting on the ticked alerts."""
    who, note = st.columns([1, 2])
    who.text_input(t("operator"), key=session.OPERATOR, persist_state="session", max_chars=200)
    note.text_input(t("comment"), key=COMMENT, max_chars=4000)
    ack, res, _ = st.columns([1, 1, 2])
    ack.button(t("ack_selected", n=len(selected)), key="al_bulk_ack", disabled=not selected,
               on_click=run_action, args=("acknowledge", selected))
    res.button(t("resolve_selected", n=len(selected)), key="al_bulk_resolve", disabled=not selected,
               on_click=run_action, args=("resolve", selected))


def detail(alert: AlertDetail) -> None:
    """Fields, labels, annotations (http/https links clickable), history, and single-alert actions."""
    st.text(f"#{alert.id}  {alert.alertname}")
    st.dataframe(tables.alert_frame([alert], t), hide_index=True, key="al_detail_row")
    link = {"link": st.column_config.LinkColumn(t("col_link"))}
    labels_col, ann_col = st.columns(2)
    with labels_col:
        st.caption(t("labels"))
        frame = tables.pairs_frame(alert.labels, t)
        st.dataframe(frame, hide_index=True, key="al_labels", column_config={t("col_link"): link["link"]})
    with ann_col:
        st.caption(t("annotations"))
        values = dict(alert.annotations)
        if alert.generator_url:
            values["generatorURL"] = alert.generator_url
        st.dataframe(tables.pairs_frame(values, t), hide_index=True, key="al_annotations",
                     column_config={t("col_link"): link["link"]})
    st.caption(t("history"))
    st.dataframe(tables.history_frame(alert.history, t), hide_index=True, key="al_history")
    ack, res, _ = st.columns([1, 1, 2])
    ack.button(t("action_ack"), key="al_one_ack", disabled=alert.status.value != "firing",
               on_click=run_action, args=("acknowledge", [alert.id]))
    res.button(t("action_resolve"), key="al_one_resolve", disabled=alert.status.value == "resolved",
               on_click=run_action, args=("resolve", [alert.id]))
