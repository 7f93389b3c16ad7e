"""Alert center (告警中心): filter and page on the server, act on one or many alerts, see one in detail."""

from __future__ import annotations

import streamlit as st

from dashboard import actions, alert_panel, data, session, tables
from dashboard.alert_query import AlertFilter, merge_selection, page_bounds, parse_labels, since_for
from dashboard.session import t
from shared.models import AlertPage

STATUSES = ("firing", "acknowledged", "resolved")
SEVERITIES = ("critical", "warning", "info")
RANGES = (0, 15, 60, 360, 1440, 10080)
SIZES = (25, 50, 100, 200)
SHOWN = "al_shown"  # ids in the table as last drawn: maps a ticked row position back to its alert
TABLE = "al_table"
KEEP = {"persist_state": "session"}  # filters survive switching pages, not only refreshes


def back_to_first_page() -> None:
    st.session_state["al_page"] = 1


def on_tick() -> None:
    rows = list(st.session_state[TABLE]["selection"]["rows"])
    shown = st.session_state.get(SHOWN, [])
    before = st.session_state.get(alert_panel.SELECTED, [])
    after = merge_selection(before, shown, rows)
    added = [i for i in after if i not in before]
    st.session_state[alert_panel.SELECTED] = after
    if added:
        st.session_state[alert_panel.DETAIL] = added[-1]


st.title(t("page_alerts"))
alert_panel.flash()
c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 1.5])
statuses = c1.multiselect(t("filter_status"), STATUSES, default=["firing", "acknowledged"], key="al_status",
                          format_func=lambda s: t(f"status_{s}"), on_change=back_to_first_page, **KEEP)
severities = c2.multiselect(t("filter_severity"), SEVERITIES, key="al_severity",
                            format_func=lambda s: t(f"severity_{s}"), on_change=back_to_first_page, **KEEP)
raw_labels = c3.text_input(t("filter_label"), key="al_labels", on_change=back_to_first_page, **KEEP)
text = c4.text_input(t("filter_text"), key="al_q", max_chars=200, on_change=back_to_first_page, **KEEP)
minutes = c5.selectbox(t("filter_range"), RANGES, key="al_range", on_change=back_to_first_page,
                       format_func=lambda m: t(f"range_{m}" if m else "range_all"), **KEEP)
labels, bad = parse_labels(raw_labels)
if bad:
    st.warning(t("bad_label_filter", value=", ".join(bad)))
flt = AlertFilter(tuple(statuses), tuple(severities), labels, text.strip(), since_for(int(minutes or 0)))

s1, s2, _ = st.columns([1, 1, 4])
size = int(s1.selectbox(t("page_size"), SIZES, index=1, key="al_size", on_change=back_to_first_page, **KEEP))
wanted = int(s2.number_input(t("page_no"), min_value=1, step=1, key="al_page", **KEEP))
url = session.pushd_url()


def read_page(offset: int) -> AlertPage:
    return data.fetch_alerts(url, flt.statuses, flt.severities, flt.labels, flt.text, flt.since, size, offset)


result = data.load("alerts_page", lambda: read_page((wanted - 1) * size))
if result is not None and result.total and not result.items:  # past the end: show the last page instead
    page, _, offset = page_bounds(result.total, wanted, size)
    result = data.load("alerts_page", lambda: read_page(offset))
if result is None:
    st.stop()

page, pages, offset = page_bounds(result.total, wanted, size)
shown = [a.id for a in result.items]
st.session_state[SHOWN] = shown
selected: list[int] = st.session_state.setdefault(alert_panel.SELECTED, [])
# Re-tick the selected alerts where they are now: new alerts arriving on a refresh shift the rows.
st.session_state[TABLE] = {"selection": {"rows": [shown.index(i) for i in selected if i in shown], "columns": []}}
if result.items:
    st.caption(t("matches", total=result.total, first=offset + 1, last=offset + len(result.items)))
    st.dataframe(tables.alert_frame(result.items, t), hide_index=True, key=TABLE, on_select=on_tick,
                 selection_mode="multi-row")
else:
    st.info(t("no_matches"))
st.caption(t("select_hint"))
alert_panel.action_bar(selected)
st.download_button(t("export_csv"), key="al_export", file_name="alerts.csv", mime="text/csv", on_click="ignore",
                   data=lambda: tables.alerts_csv(actions.iter_matching(data.client(url), flt)))

st.subheader(t("detail"))
current = st.session_state.get(alert_panel.DETAIL)
choices = shown + [i for i in selected if i not in shown]
if current is not None and current not in choices:
    choices.append(current)
names = {a.id: a.alertname for a in result.items}
picked = st.selectbox(t("detail_pick"), choices, index=None, key=alert_panel.DETAIL,
                      format_func=lambda i: f"#{i} {names.get(i, '')}")
if picked is not None:
    alert = data.alert_detail(int(picked))
    if alert is None:
        st.info(t("alert_gone", id=picked))
    else:
        alert_panel.detail(alert)
