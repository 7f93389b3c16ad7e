"""Alerts, history and log entries turned into tables (pandas) and CSV, without Streamlit.

Alert text is untrusted: it goes into data frames, which Streamlit draws as plain text, never as HTML.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import urlparse

import pandas as pd
from pandas.io.formats.style import Styler

from shared.models import Alert, HistoryEntry, LogEntry

Translate = Callable[[str], str]
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
# Severity cells as badges: a light tint with dark text of the same hue (contrast above 6:1). The dark
# theme inverts tables with a hue-preserving filter (dashboard/theme.py), which turns these into dark
# tints with light text, so one set of colours reads in both themes.
SEVERITY_STYLE = {
    "critical": "background-color: #fde2e1; color: #b42318",
    "warning": "background-color: #fdefc8; color: #8a3a0b",
    "info": "background-color: #dce8fd; color: #1d4ed8",
}
# Beyond this many rows a Styler costs more than the rest of the page: Streamlit runs pandas' HTML
# renderer over every cell of a styled frame on every rerun (bench/README.md, Dashboard: +200 ms at
# p95 for 500 rows). Larger tables mark the severity in the value instead, which costs nothing per cell.
STYLED_ROWS_MAX = 100
SEVERITY_MARK = {"critical": "🔴", "warning": "🟠", "info": "🔵"}
SILENCED_MARK = "🔕"
CSV_FIELDS = ("id", "status", "severity", "alertname", "instance", "summary", "starts_at", "ends_at",
              "last_seen", "count", "source", "labels", "annotations", "generator_url")


def safe_link(value: str | None) -> str | None:
    """`value` if it is an http(s) URL, else None: a `javascript:` URL must never become a link."""
    if not value:
        return None
    parsed = urlparse(value.strip())
    return value.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


def local(ts: datetime | None) -> str:
    """A time for a table cell, in the dashboard server's zone (the browser's zone would need JS);
    this fixed-width form sorts the same as the times do."""
    return ts.astimezone().strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def action_name(action: str, t: Translate) -> str:
    """pushd's history action words, translated when the catalogue knows them, else shown as they are."""
    key = f"action_{action}"
    text = t(key)
    return action if text == key else text


def summary(alert: Alert) -> str:
    ann = alert.annotations
    return ann.get("summary") or ann.get("description") or ann.get("message") or ""


def alert_frame(alerts: Iterable[Alert], t: Translate) -> pd.DataFrame:
    """One row per alert with translated column names; the first column is the alert id."""
    rows = [{
        t("col_id"): a.id,
        # A silenced alert is marked where its state is read, so it stands apart in every list.
        t("col_status"): f"{SILENCED_MARK} {t(f'status_{a.status.value}')}" if a.silenced_by
        else t(f"status_{a.status.value}"),
        t("col_severity"): t(f"severity_{a.severity.value}"),
        t("col_alertname"): a.alertname,
        t("col_instance"): a.labels.get("instance", ""),
        t("col_summary"): summary(a),
        t("col_starts_at"): local(a.starts_at),
        t("col_last_seen"): local(a.last_seen),
        t("col_count"): a.count,
    } for a in alerts]
    columns = ["col_id", "col_status", "col_severity", "col_alertname", "col_instance", "col_summary",
               "col_starts_at", "col_last_seen", "col_count"]
    return pd.DataFrame(rows, columns=[t(c) for c in columns])


def severity_badges(frame: pd.DataFrame, column: str, t: Translate) -> Styler | pd.DataFrame:
    """`frame` with its `column` of translated severities coloured as badges; st.dataframe draws a
    Styler's cell colours on its grid (the values, and so the cells' text, are unchanged). A frame of
    more than STYLED_ROWS_MAX rows gets a coloured mark before each severity instead."""
    if len(frame) > STYLED_ROWS_MAX:
        marks = {t(f"severity_{s}"): f"{mark} {t(f'severity_{s}')}" for s, mark in SEVERITY_MARK.items()}
        return frame.assign(**{column: frame[column].map(lambda value: marks.get(value, value))})
    styles = {t(f"severity_{s}"): css for s, css in SEVERITY_STYLE.items()}
    return frame.style.map(lambda value: styles.get(value, ""), subset=[column])


def by_severity(alerts: Iterable[Alert]) -> list[Alert]:
    """Most severe first, then the most recently seen."""
    return sorted(alerts, key=lambda a: (SEVERITY_ORDER.get(a.severity.value, 3), -a.last_seen.timestamp()))


def pairs_frame(values: dict[str, str], t: Translate) -> pd.DataFrame:
    """Labels or annotations as name/value rows, with a link column filled only for safe URLs."""
    rows = [{t("col_name"): k, t("col_value"): v, t("col_link"): safe_link(v)} for k, v in sorted(values.items())]
    return pd.DataFrame(rows, columns=[t("col_name"), t("col_value"), t("col_link")])


def history_frame(history: Iterable[HistoryEntry], t: Translate) -> pd.DataFrame:
    rows = [{t("time"): local(h.ts), t("col_action"): action_name(h.action, t),
             t("col_status"): t(f"status_{h.status.value}"), t("col_actor"): h.actor,
             t("col_comment"): h.comment or ""} for h in history]
    return pd.DataFrame(rows, columns=[t("time"), t("col_action"), t("col_status"), t("col_actor"), t("col_comment")])


def log_frame(events: Iterable[LogEntry], t: Translate) -> pd.DataFrame:
    """The live log, newest first (pushd already sends it that way; sorting again makes it certain)."""
    ordered = sorted(events, key=lambda e: e.ts, reverse=True)
    rows = [{t("time"): local(e.ts), t("col_id"): e.alert_id, t("col_alertname"): e.alertname,
             t("col_severity"): t(f"severity_{e.severity.value}"), t("col_action"): action_name(e.action, t),
             t("col_actor"): e.actor} for e in ordered]
    cols = ["time", "col_id", "col_alertname", "col_severity", "col_action", "col_actor"]
    return pd.DataFrame(rows, columns=[t(c) for c in cols])


def _cell(value: object) -> object:
    """Neutralise spreadsheet formulas: alert text starting with = + - @ would run in Excel."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def alerts_csv(alerts: Iterable[Alert]) -> str:
    """CSV with stable English column names (a file for tools, not for the screen)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for a in alerts:
        writer.writerow({k: _cell(v) for k, v in {
            "id": a.id, "status": a.status.value, "severity": a.severity.value, "alertname": a.alertname,
            "instance": a.labels.get("instance", ""), "summary": summary(a),
            "starts_at": a.starts_at.isoformat(), "ends_at": a.ends_at.isoformat() if a.ends_at else "",
            "last_seen": a.last_seen.isoformat(), "count": a.count, "source": a.source,
            "labels": ";".join(f"{k}={v}" for k, v in sorted(a.labels.items())),
            "annotations": ";".join(f"{k}={v}" for k, v in sorted(a.annotations.items())),
            "generator_url": a.generator_url or "",
        }.items()})
    return buf.getvalue()
