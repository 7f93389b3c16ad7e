"""The incident list and one incident's workspace (Streamlit). Plain logic is in
dashboard.incidents.logic; reads in dashboard.incidents.data. Viewers see no write widget at all.

Text written by people (titles, notes, alert labels) is shown through st.dataframe, st.text,
st.code and metric cards only: never as Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from dashboard import auth, data, session, tables
from dashboard.access_panel import attempt, flash
from dashboard.alert_query import API_PAGE, AlertFilter, page_bounds
from dashboard.incidents import data as inc_data
from dashboard.incidents import logic, runs
from dashboard.session import t
from dashboard.widgets import kpi_row, labeller
from shared.client import PushdClient
from shared.incidents import IncidentDetail

T = TypeVar("T")
OPEN = "inc_open"  # the incident shown below the list
GOTO = "inc_goto"  # an incident just made: shown in the list view at the next run
SIZES = (25, 50, 100)
ACTION_KEYS = {"ack": "inc_do_ack", "mitigate": "inc_do_mitigate", "resolve": "inc_do_resolve",
               "reopen": "inc_do_reopen"}


def write(call: Callable[[PushdClient], T], done: str) -> tuple[bool, T | None]:
    """A write as the signed-in user: (done, answer). The caches are cleared and `done` is shown
    after the rerun; a refusal (409 ...) or an unreachable pushd is shown instead."""
    ok, answer = attempt(call)
    inc_data.clear()
    if ok:
        flash("success", done)
    return ok, answer


def go_to(incident_id: int) -> None:
    """Open an incident in the list view: widgets' keys can change only before they are drawn, so at
    the next run's start (apply_goto)."""
    st.session_state[GOTO] = incident_id
    st.rerun()


def apply_goto() -> None:
    """Called at the top of the page, before any widget."""
    if GOTO in st.session_state:
        st.session_state["inc_section"] = "list"
        st.session_state[OPEN] = st.session_state.pop(GOTO)


def back_to_first_page() -> None:
    st.session_state["inc_page"] = 1


def filters() -> tuple[tuple[str, ...], tuple[str, ...], str, int, int]:
    keep = {"persist_state": "session", "on_change": back_to_first_page}
    c1, c2, c3, c4, c5 = st.columns([3, 2, 2, 1, 1])
    statuses = c1.multiselect(t("filter_status"), logic.STATUSES, default=list(logic.UNRESOLVED), key="inc_status",
                              placeholder=t("choose_many"), select_all=False,
                              format_func=labeller({s: f"inc_status_{s}" for s in logic.STATUSES}), **keep)
    severities = c2.multiselect(t("filter_severity"), logic.SEVERITIES, key="inc_severity",
                                placeholder=t("choose_many"), select_all=False,
                                format_func=labeller({s: f"severity_{s}" for s in logic.SEVERITIES}), **keep)
    assignee = c3.text_input(t("inc_col_assignee"), key="inc_assignee", max_chars=64, **keep).strip()
    size = int(c4.selectbox(t("page_size"), SIZES, key="inc_size", placeholder=t("choose"), **keep) or SIZES[0])
    wanted = int(c5.number_input(t("page_no"), min_value=1, step=1, key="inc_page", persist_state="session"))
    return tuple(statuses), tuple(severities), assignee, size, wanted


def list_section() -> None:
    """Filters, one page of incidents, and the one chosen to open."""
    statuses, severities, assignee, size, wanted = filters()
    offset = (wanted - 1) * size
    page = inc_data.incidents(statuses, severities, assignee, size, offset)
    if page is not None and page.total and not page.items:  # past the end: the last page
        _, _, offset = page_bounds(page.total, wanted, size)
        page = inc_data.incidents(statuses, severities, assignee, size, offset)
    if page is None:
        st.info(t("offline_no_data"))
        return
    if not page.items:
        st.info(t("inc_none"))
    else:
        st.caption(t("matches_incidents", total=page.total, first=offset + 1, last=offset + len(page.items)))
        frame = logic.incidents_frame(page.items, t)
        st.dataframe(tables.severity_badges(frame, t("col_severity"), t), hide_index=True, key="inc_list")
    titles = {i.id: i.title for i in page.items}
    chosen = st.session_state.get(OPEN)
    options = list(titles) + ([chosen] if chosen is not None and chosen not in titles else [])
    if not options:
        return
    picked = st.selectbox(t("inc_pick"), options, key=OPEN, placeholder=t("choose"), index=None,
                          format_func=lambda i: f"#{i} · {titles.get(i, '')}")
    if picked is not None:
        show(int(picked))


def show(incident_id: int) -> None:
    inc = inc_data.incident(incident_id)
    if inc is None:
        st.warning(t("inc_gone", id=incident_id))
        return
    st.divider()
    st.subheader(t("inc_heading", id=inc.id))
    st.text(inc.title)
    kpi_row([
        (t("col_severity"), t(f"severity_{inc.severity.value}")),
        (t("inc_col_status"), t(f"inc_status_{inc.status.value}")),
        (t("inc_col_assignee"), inc.assignee or "—"),
        (t("inc_tta"), logic.seconds(inc.tta_seconds)),
        (t("inc_ttr"), logic.seconds(inc.ttr_seconds)),
    ])
    st.caption(t("inc_created_by", by=inc.created_by, when=tables.local(inc.created_at)))
    if auth.can_act():
        actions(inc)
    alerts_part(inc)
    runs.section(inc)
    st.subheader(t("inc_timeline"))
    st.dataframe(logic.timeline_frame(inc.timeline, t), hide_index=True, key="inc_timeline")
    if auth.can_act():
        note(inc)
    reader, lang = data.client(), session.lang()  # taken now: the download runs outside the script run
    st.download_button(t("inc_export"), key="inc_export", file_name=f"incident-{inc.id}.md",
                       mime="text/markdown", on_click="ignore",
                       data=lambda: reader.export_incident(inc.id, lang))


def actions(inc: IncidentDetail) -> None:
    """The moves the status allows, then title, severity and assignee."""
    cols = st.columns(4)
    for col, action in zip(cols, logic.actions_for(inc.status.value), strict=False):
        if col.button(t(f"inc_action_{action}"), key=ACTION_KEYS[action], type="primary"):
            write(lambda c, a=action: c.incident_action(inc.id, a), t("inc_done", id=inc.id))
            st.rerun()
    with st.expander(t("inc_edit")), st.form(f"inc_edit_{inc.id}"):
        title = st.text_input(t("col_title"), value=inc.title, key=f"inc_title_{inc.id}", max_chars=200)
        severity = st.selectbox(t("col_severity"), logic.SEVERITIES, index=logic.SEVERITIES.index(inc.severity.value),
                                key=f"inc_sev_{inc.id}", format_func=labeller({s: f"severity_{s}"
                                                                              for s in logic.SEVERITIES}))
        assignee = st.text_input(t("inc_col_assignee"), value=inc.assignee or "", key=f"inc_who_{inc.id}",
                                 max_chars=64, help=t("inc_assignee_help"))
        if st.form_submit_button(t("rb_save")):
            changes = logic.changes(inc, title, severity, assignee)
            if not changes.get("title", inc.title):
                st.error(t("inc_title_needed"))
            elif changes:
                write(lambda c: c.update_incident(inc.id, **changes), t("inc_done", id=inc.id))
                st.rerun()


def alerts_part(inc: IncidentDetail) -> None:
    st.subheader(t("inc_alerts", n=len(inc.alerts)))
    if inc.alerts:
        st.dataframe(tables.severity_badges(tables.alert_frame(inc.alerts, t), t("col_severity"), t),
                     hide_index=True, key="inc_alerts")
    if not auth.can_act():
        return
    left, right = st.columns(2)
    with left:
        page = data.alerts(AlertFilter(("firing", "acknowledged")), limit=API_PAGE)
        names = {a.id: a.alertname for a in (page.items if page else []) if a.id not in inc.alert_ids}
        # The keys change with the alerts attached: after a write the choice starts empty.
        add = st.multiselect(t("inc_attach"), list(names), key=f"inc_attach_{inc.id}_{len(inc.alert_ids)}",
                             placeholder=t("choose_many"), format_func=lambda i: f"#{i} {names.get(i, '')}")
        if st.button(t("inc_attach_button"), key="inc_attach_go", disabled=not add):
            write(lambda c: c.attach_alerts(inc.id, add), t("inc_done", id=inc.id))
            st.rerun()
    with right:
        attached = {a.id: a.alertname for a in inc.alerts}
        gone = st.selectbox(t("inc_detach"), list(attached), key=f"inc_detach_{inc.id}_{len(inc.alert_ids)}",
                            index=None, placeholder=t("choose"), format_func=lambda i: f"#{i} {attached.get(i, '')}")
        if st.button(t("inc_detach_button"), key="inc_detach_go", disabled=gone is None):
            write(lambda c: c.detach_alert(inc.id, int(gone)), t("inc_done", id=inc.id))
            st.rerun()


def note(inc: IncidentDetail) -> None:
    with st.form(f"inc_note_{inc.id}", clear_on_submit=True):
        text = st.text_area(t("inc_note"), key=f"inc_note_text_{inc.id}", max_chars=10_000)
        if st.form_submit_button(t("inc_note_add")):
            if not text.strip():
                st.error(t("inc_note_empty"))
            else:
                write(lambda c: c.add_note(inc.id, text.strip()), t("inc_done", id=inc.id))
                st.rerun()
