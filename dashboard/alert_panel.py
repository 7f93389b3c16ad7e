"""The alert center's action bar and detail panel (Streamlit), kept out of the page file to keep it thin.

Alert text is shown only through st.dataframe, st.text and st.code: never markdown, never HTML.
"""

from __future__ import annotations

import streamlit as st

from dashboard import actions, auth, data, tables
from dashboard.access_panel import attempt
from dashboard.actions import Action
from dashboard.alert_query import merge_selection
from dashboard.incidents import logic as incident_logic
from dashboard.incidents import panel as incident_panel
from dashboard.session import t, translator
from dashboard.silences.forms import matchers_for
from shared.models import Alert, AlertDetail, AlertPage

SELECTED = "al_selected"  # alert ids the user ticked, across pages and refreshes
DETAIL = "al_detail"  # the alert shown in the detail panel
FLASH = "al_flash"  # the outcome of the last action, shown once after the rerun it caused
COMMENT = "al_comment"
SHOWN = "al_shown"  # ids in the table as last drawn: maps a ticked row position back to its alert
TABLE = "al_table"


def run_action(action: Action, ids: list[int]) -> None:
    """Button callback: runs before the rerun, so the page it triggers already shows the new states.
    pushd records the signed-in user as the actor."""
    comment = str(st.session_state.get(COMMENT) or "").strip() or None
    outcome = actions.apply(data.client(), action, ids, comment)
    data.clear_alert_caches()
    if outcome.signed_out:
        auth.session_ended()  # the rerun this callback precedes shows the login page
        return
    name = t("action_ack" if action == "acknowledge" else "action_resolve")
    lines = [t("action_done", action=name, ok=len(outcome.done))]
    lines += [t("action_refused", id=i, detail=d) for i, d in outcome.refused]
    if outcome.offline:
        lines.append(t("action_stopped"))
    st.session_state[FLASH] = ("success" if not outcome.refused and not outcome.offline else "warning",
                               "\n".join(lines))
    st.session_state[SELECTED] = [i for i in st.session_state.get(SELECTED, []) if i not in outcome.done]


def flash() -> None:
    kind, text = st.session_state.pop(FLASH, (None, None))
    if kind == "success":
        st.success(text)
    elif kind:
        st.warning(text)  # holds pushd's refusal text, which is plain and ours


def on_tick() -> None:
    """Table selection callback: row positions -> alert ids, so a refresh that shifts rows loses nothing."""
    rows = list(st.session_state[TABLE]["selection"]["rows"])
    before = st.session_state.get(SELECTED, [])
    after = merge_selection(before, st.session_state.get(SHOWN, []), rows)
    added = [i for i in after if i not in before]
    st.session_state[SELECTED] = after
    if added:
        st.session_state[DETAIL] = added[-1]


def table(result: AlertPage, offset: int) -> list[int]:
    """The page of alerts with row selection (ticking picks the alert for the detail panel, and for
    the bulk actions when the role may act); returns the ids shown."""
    shown = [a.id for a in result.items]
    st.session_state[SHOWN] = shown
    selected = st.session_state.setdefault(SELECTED, [])
    # Re-tick the selected alerts where they are now: alerts arriving on a refresh shift the rows.
    st.session_state[TABLE] = {"selection": {"rows": [shown.index(i) for i in selected if i in shown],
                                             "columns": []}}
    if result.items:
        st.caption(t("matches", total=result.total, first=offset + 1, last=offset + len(result.items)))
        tr = translator()  # the language once for the whole table
        st.dataframe(tables.severity_badges(tables.alert_frame(result.items, tr), t("col_severity"), tr),
                     hide_index=True, key=TABLE, on_select=on_tick,
                     selection_mode="multi-row")
        st.caption(t("select_hint") if auth.can_act() else t("select_hint_view"))
    else:
        st.info(t("no_matches"))
    return shown


def detail_section(choices: list[int], names: dict[int, str]) -> None:
    """Pick an alert (a ticked one is picked for you) and see its detail."""
    st.subheader(t("detail"))
    current = st.session_state.get(DETAIL)
    if current is not None and current not in choices:
        choices = [*choices, current]
    picked = st.selectbox(t("detail_pick"), choices, index=None, key=DETAIL, placeholder=t("choose"),
                          format_func=lambda i: f"#{i} {names.get(i, '')}")
    if picked is None:
        return
    alert = data.alert_detail(int(picked))
    if alert is None:
        st.info(t("alert_gone", id=picked))
    else:
        detail(alert)


def action_bar(selected: list[int], shown: list[Alert]) -> None:
    """The comment and the bulk buttons acting on the ticked alerts; for roles that may act."""
    if not auth.can_act():
        st.caption(t("read_only"))
        return
    st.text_input(t("comment"), key=COMMENT, max_chars=4000)
    ack, res, inc, _ = st.columns([1, 1, 1, 1])
    ack.button(t("ack_selected", n=len(selected)), key="al_bulk_ack", disabled=not selected,
               on_click=run_action, args=("acknowledge", selected))
    res.button(t("resolve_selected", n=len(selected)), key="al_bulk_resolve", disabled=not selected,
               on_click=run_action, args=("resolve", selected))
    if inc.button(t("incident_selected", n=len(selected)), key="al_bulk_incident", disabled=not selected):
        open_incident(selected, [a for a in shown if a.id in selected])


def open_incident(ids: list[int], known: list[Alert]) -> None:
    """An incident holding the ticked alerts, opened on the incidents page; a refusal (an alert gone
    meanwhile: 404) is said here, as every write's (access_panel.attempt)."""
    title, severity = incident_logic.from_alerts(known, len(ids))
    _, made = attempt(lambda c: c.create_incident(title, severity, None, ids))
    if made is None:
        st.rerun()
    st.session_state[SELECTED] = []
    st.session_state[incident_panel.GOTO] = made.id
    st.switch_page("views/incidents.py")


def detail(alert: AlertDetail) -> None:
    """Fields, labels, annotations (http/https links clickable), history, and single-alert actions."""
    st.text(f"#{alert.id}  {alert.alertname}")
    st.dataframe(tables.severity_badges(tables.alert_frame([alert], t), t("col_severity"), t), hide_index=True,
                 key="al_detail_row")
    links = {t("col_link"): st.column_config.LinkColumn(t("col_link"))}  # filled only for http(s) values
    labels_col, ann_col = st.columns(2)
    with labels_col:
        st.caption(t("labels"))
        st.dataframe(tables.pairs_frame(alert.labels, t), hide_index=True, key="al_labels", column_config=links,
                     placeholder="")
    with ann_col:
        st.caption(t("annotations"))
        values = dict(alert.annotations)
        if alert.generator_url:
            values["generatorURL"] = alert.generator_url
        st.dataframe(tables.pairs_frame(values, t), hide_index=True, key="al_annotations", column_config=links,
                     placeholder="")
    st.caption(t("alert_runbooks"))
    # Titles are operators' text: shown as plain text, never as Markdown.
    st.text("\n".join(f"#{rb.id} v{rb.version}  {rb.title}" for rb in alert.runbooks) or t("alert_no_runbooks"))
    st.caption(t("history"))
    st.dataframe(tables.history_frame(alert.history, t), hide_index=True, key="al_history")
    if not auth.can_act():
        return
    ack, res, sil, _ = st.columns([1, 1, 1, 1])
    ack.button(t("action_ack"), key="al_one_ack", disabled=alert.status.value != "firing",
               on_click=run_action, args=("acknowledge", [alert.id]))
    res.button(t("action_resolve"), key="al_one_resolve", disabled=alert.status.value == "resolved",
               on_click=run_action, args=("resolve", [alert.id]))
    if sil.button(t("silence_this"), key="al_one_silence"):
        # The silences page opens its form with this alert's labels as matchers, for the operator to trim.
        st.session_state["sil_prefill"] = matchers_for(alert.labels)
        st.switch_page("views/silences.py")
