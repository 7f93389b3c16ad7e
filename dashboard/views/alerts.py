"""Alert center (告警中心): filter and page on the server, act on one or many alerts, see one in detail."""

from __future__ import annotations

import streamlit as st

from dashboard import actions, alert_panel, data, tables
from dashboard.access_panel import show_flash
from dashboard.alert_query import AlertFilter, page_bounds, parse_labels
from dashboard.session import t
from dashboard.widgets import labeller, no_data
from shared.models import AlertPage

STATUSES = ("firing", "acknowledged", "resolved")
SEVERITIES = ("critical", "warning", "info")
RANGES = (0, 15, 60, 360, 1440, 10080)
SIZES = (25, 50, 100, 200)


def back_to_first_page() -> None:
    st.session_state["al_page"] = 1


def filters() -> tuple[AlertFilter, int, int]:
    """The filter, page size and wanted page; every widget keeps its value across refreshes and page
    switches, and a filter change goes back to page 1."""
    keep = {"persist_state": "session", "on_change": back_to_first_page}
    c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 1.5])
    # No "Select all" entry: three options need none, and Streamlit writes it in English only.
    statuses = c1.multiselect(t("filter_status"), STATUSES, default=["firing", "acknowledged"], key="al_status",
                              placeholder=t("choose_many"), select_all=False,
                              format_func=labeller({s: f"status_{s}" for s in STATUSES}), **keep)
    severities = c2.multiselect(t("filter_severity"), SEVERITIES, key="al_severity",
                                placeholder=t("choose_many"), select_all=False,
                                format_func=labeller({s: f"severity_{s}" for s in SEVERITIES}), **keep)
    raw_labels = c3.text_input(t("filter_label"), key="al_labels", **keep)
    text = c4.text_input(t("filter_text"), key="al_q", max_chars=200, **keep)
    minutes = c5.selectbox(t("filter_range"), RANGES, key="al_range", placeholder=t("choose"),
                           format_func=labeller({m: f"range_{m}" if m else "range_all" for m in RANGES}), **keep)
    labels, bad = parse_labels(raw_labels)
    if bad:
        st.warning(t("bad_label_filter", value=", ".join(bad)))
    s1, s2, _ = st.columns([1, 1, 4])
    size = int(s1.selectbox(t("page_size"), SIZES, index=1, key="al_size", placeholder=t("choose"), **keep))
    wanted = int(s2.number_input(t("page_no"), min_value=1, step=1, key="al_page", persist_state="session"))
    flt = AlertFilter(tuple(statuses), tuple(severities), labels, text.strip(), int(minutes or 0))
    return flt, size, wanted


def read(flt: AlertFilter, size: int, wanted: int) -> tuple[AlertPage | None, int]:
    """One page from pushd, and its offset; a page past the end (alerts went away) reads the last one."""
    def at(offset: int) -> AlertPage | None:
        return data.alerts(flt, size, offset)

    offset = (wanted - 1) * size
    result = at(offset)
    if result is not None and result.total and not result.items:
        _, _, offset = page_bounds(result.total, wanted, size)
        result = at(offset)
    return result, offset


st.title(t("page_alerts"))
alert_panel.flash()
show_flash()  # the outcome of a write made through access_panel.attempt (opening an incident)
flt, size, wanted = filters()
result, offset = read(flt, size, wanted)
if result is None:
    no_data()  # pushd is down and this filter was never read: nothing of another filter's is shown
else:
    shown = alert_panel.table(result, offset)
    selected = st.session_state.get(alert_panel.SELECTED, [])
    alert_panel.action_bar(selected, result.items)
    reader = data.client()  # taken now: the export runs outside this script run, without session state
    st.download_button(t("export_csv"), key="al_export", file_name="alerts.csv", mime="text/csv",
                       on_click="ignore",  # the callable runs on click only: no 10,000-row read per rerun
                       data=lambda: tables.alerts_csv(actions.iter_matching(reader, flt)))
    alert_panel.detail_section(shown + [i for i in selected if i not in shown],
                               {a.id: a.alertname for a in result.items})
