"""Overview (总览): KPI cards, incidents (open, MTTA, MTTR), CPU and memory gauges, the latest firing
alerts, pushd's status."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, tables, theme
from dashboard.incidents import data as inc_data
from dashboard.incidents.logic import UNRESOLVED, seconds
from dashboard.session import t, translator
from dashboard.units import duration
from dashboard.widgets import kpi_row, no_data
from shared.incidents import IncidentStats
from shared.models import Snapshot


def render(snap: Snapshot) -> None:
    m = snap.latest_metrics
    counts = snap.counts.by_status
    kpi_row([
        (t("cpu"), f"{m.cpu_percent:.1f} %" if m else "—"),
        (t("memory"), f"{m.memory_percent:.1f} %" if m else "—"),
        (t("status_firing"), counts.get("firing", 0)),
        (t("status_acknowledged"), counts.get("acknowledged", 0)),
        (t("status_resolved"), counts.get("resolved", 0)),
    ])
    incidents(inc_data.stats(), snap.counts.silenced)
    left, right = st.columns(2)
    left.plotly_chart(figures.gauge(m.cpu_percent if m else None, t("cpu"), theme.current(), figures.GREEN),
                      key="gauge_cpu", theme=None)
    right.plotly_chart(figures.gauge(m.memory_percent if m else None, t("memory"), theme.current(), figures.BLUE),
                       key="gauge_memory", theme=None)

    st.subheader(t("latest_firing"))
    # Silenced alerts are apart: not counted as firing by pushd, not listed here (the Silences page has them).
    firing = tables.by_severity(a for a in snap.firing_alerts if a.status.value == "firing" and not a.silenced_by)
    if firing:
        tr = translator()  # the language once for the whole table
        st.dataframe(tables.severity_badges(tables.alert_frame(firing[:20], tr), t("col_severity"), tr),
                     hide_index=True, key="overview_firing")
    else:
        st.success(t("no_firing"))

    st.subheader(t("pushd_status"))
    server = snap.server  # free-form in pushd's schema: a missing or odd value shows "?", never an error
    uptime = server.get("uptime_seconds")
    kpi_row([
        (t("server_version"), str(server.get("version", "?"))),
        (t("server_host"), str(server.get("hostname", "?"))),
        (t("server_uptime"), duration(uptime) if isinstance(uptime, int | float) else "?"),
        (t("total_alerts"), snap.counts.total),
    ])


def incidents(stats: IncidentStats | None, silenced: int) -> None:
    """Open incidents (not resolved), MTTA and MTTR averaged by pushd over every incident's timeline,
    and the open alerts that a silence keeps quiet."""
    cards: list[tuple[str, str | int | float]] = [(t("ov_silenced"), silenced)]
    if stats is not None:
        cards[:0] = [
            (t("ov_open_incidents"), sum(n for s, n in stats.counts.items() if s.value in UNRESOLVED)),
            (t("ov_mtta"), seconds(stats.mtta_seconds)),
            (t("ov_mttr"), seconds(stats.mttr_seconds)),
        ]
    kpi_row(cards)


st.title(t("page_overview"))
snapshot = data.snapshot()
if snapshot is None:
    no_data()
else:
    render(snapshot)
