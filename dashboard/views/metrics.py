"""Metrics (监控指标), laid out as the seed's page: three cards, CPU and memory trends, the alert pie
and the live log; then disk, load and network."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, tables, theme
from dashboard.session import t
from dashboard.units import rate
from dashboard.widgets import kpi_row, no_data

WINDOWS = (15, 60, 360, 1440)  # minutes
WINDOW_KEYS = {15: "range_15", 60: "range_60", 360: "range_360", 1440: "range_1440"}

st.title(t("page_metrics"))
snap = data.snapshot()
if snap is None:
    no_data()
    st.stop()
m = snap.latest_metrics
counts = snap.counts.by_status

cpu_card, mem_card, alert_card = st.columns(3)
with cpu_card.container(border=True):
    st.metric(t("cpu"), f"{m.cpu_percent:.1f} %" if m else "—")
    st.progress(min(1.0, (m.cpu_percent if m else 0) / 100))
with mem_card.container(border=True):
    st.metric(t("memory"), f"{m.memory_percent:.1f} %" if m else "—")
    st.progress(min(1.0, (m.memory_percent if m else 0) / 100))
with alert_card.container(border=True):
    firing_col, resolved_col = st.columns(2)
    firing_col.metric(t("status_firing"), counts.get("firing", 0))
    resolved_col.metric(t("status_resolved"), counts.get("resolved", 0))

minutes = st.segmented_control(t("window"), WINDOWS, default=15, format_func=lambda w: t(WINDOW_KEYS[w]),
                               required=True, key="metrics_window", persist_state="session") or 15
samples = data.history(int(minutes))
times = [s.ts.astimezone() for s in samples]
left, right = st.columns(2)
if samples:
    left.plotly_chart(figures.cpu_trend(times, [s.cpu_percent for s in samples], t("cpu_trend"), theme.current()),
                      key="trend_cpu")
    right.plotly_chart(figures.memory_trend(times, [s.memory_percent for s in samples], t("memory_trend"),
                                            theme.current()), key="trend_memory")
else:
    left.info(t("no_samples"))

pie_col, log_col = st.columns(2)
names = {s: t(f"status_{s}") for s in ("firing", "acknowledged", "resolved")}
pie_col.plotly_chart(figures.status_pie(counts, names, t("alert_pie"), theme.current()), key="status_pie")
with log_col:
    st.subheader(t("event_log"))
    st.dataframe(tables.log_frame(snap.events, t), hide_index=True, height=260, key="event_log")

if m:
    kpi_row([
        (t("disk"), f"{m.disk_percent:.1f} %"),
        (t("swap"), f"{m.swap_percent:.1f} %"),
        (t("load"), f"{m.load1:.2f} / {m.load5:.2f} / {m.load15:.2f}"),
        (t("net_in"), rate(m.net_in_bps)),
        (t("net_out"), rate(m.net_out_bps)),
    ])
