"""Metrics (监控指标), laid out as the seed's page: three cards, CPU and memory trends, the alert pie
and the live log; then disk, load and network."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, tables, theme
from dashboard.session import t, translator
from dashboard.units import rate
from dashboard.widgets import labeller, no_data
from shared.models import MetricSample, Snapshot

WINDOWS = (15, 60, 360, 1440)  # minutes
WINDOW_KEYS = {15: "range_15", 60: "range_60", 360: "range_360", 1440: "range_1440"}


def cards(m: MetricSample | None, counts: dict[str, int]) -> None:
    cpu_card, mem_card, alert_card = st.columns(3)
    for card, label, value in ((cpu_card, t("cpu"), m.cpu_percent if m else None),
                               (mem_card, t("memory"), m.memory_percent if m else None)):
        with card.container(border=True):
            st.metric(label, f"{value:.1f} %" if value is not None else "—")
            st.progress(min(1.0, (value or 0.0) / 100))
    with alert_card.container(border=True):
        firing_col, resolved_col = st.columns(2)
        firing_col.metric(t("status_firing"), counts.get("firing", 0))
        resolved_col.metric(t("status_resolved"), counts.get("resolved", 0))


def trends() -> None:
    minutes = st.segmented_control(t("window"), WINDOWS, default=15, format_func=labeller(WINDOW_KEYS),
                                   required=True, key="metrics_window", persist_state="session") or 15
    samples = data.history(int(minutes))
    if not samples:
        st.info(t("no_samples"))
        return
    times = [s.ts.astimezone() for s in samples]
    left, right = st.columns(2)
    left.plotly_chart(figures.cpu_trend(times, [s.cpu_percent for s in samples], t("cpu_trend"), theme.current()),
                      key="trend_cpu", theme=None)
    right.plotly_chart(figures.memory_trend(times, [s.memory_percent for s in samples], t("memory_trend"),
                                            theme.current()), key="trend_memory", theme=None)


def pie_and_log(snap: Snapshot) -> None:
    pie_col, log_col = st.columns(2)
    names = {s: t(f"status_{s}") for s in ("firing", "acknowledged", "resolved")}
    pie_col.plotly_chart(figures.status_pie(snap.counts.by_status, names, t("alert_pie"), theme.current()),
                         key="status_pie", theme=None)
    with log_col:
        st.subheader(t("event_log"))
        tr = translator()  # the language once for the whole table
        st.dataframe(tables.severity_badges(tables.log_frame(snap.events, tr), t("col_severity"), tr), hide_index=True,
                     height=260, key="event_log")


def host(m: MetricSample) -> None:
    """Disk, load and network: three cards like the top row, so long values are not cut off."""
    disk_card, load_card, net_card = st.columns(3)
    with disk_card.container(border=True):
        st.metric(t("disk"), f"{m.disk_percent:.1f} %")
        st.progress(min(1.0, m.disk_percent / 100))
        st.caption(f"{t('swap')}: {m.swap_percent:.1f} %")
    with load_card.container(border=True):
        st.metric(t("load"), f"{m.load1:.2f} / {m.load5:.2f} / {m.load15:.2f}")
    with net_card.container(border=True):
        st.metric(t("net_in"), rate(m.net_in_bps))
        st.metric(t("net_out"), rate(m.net_out_bps))


st.title(t("page_metrics"))
snapshot = data.snapshot()
if snapshot is None:
    no_data()
else:
    cards(snapshot.latest_metrics, snapshot.counts.by_status)
    trends()
    pie_and_log(snapshot)
    if snapshot.latest_metrics:
        host(snapshot.latest_metrics)
