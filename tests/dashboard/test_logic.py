"""Plain modules behind the pages: catalogue, filters, aggregations, tables, CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from dashboard import access, aggregate, alert_query, people, tables
from dashboard.i18n import CATALOGUE, translate
from dashboard.units import duration, rate
from shared.accounts import Token, User
from shared.models import Actor, Alert, LogEntry

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
NOW = datetime(2026, 2, 27, 10, 0, tzinfo=UTC)


def make(alert_id: int, name: str = "DiskFull", status: str = "firing", severity: str = "critical",
         instance: str = "db1", **annotations: str) -> Alert:
    return Alert(id=alert_id, fingerprint=f"f{alert_id}", status=status, severity=severity, alertname=name,
                 labels={"alertname": name, "instance": instance}, annotations=annotations,
                 starts_at=NOW + timedelta(minutes=alert_id), last_seen=NOW + timedelta(minutes=alert_id),
                 count=1, source="api")


def test_every_key_the_code_uses_is_in_the_catalogue() -> None:
    used: set[str] = set()
    for path in DASHBOARD.rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_0-9]+)["']""", path.read_text()))
    assert used, "the pattern found no t(...) calls"
    assert sorted(used - CATALOGUE.keys()) == []


def test_translate_both_languages() -> None:
    assert translate("page_metrics", "zh") == "监控指标"
    assert translate("page_metrics", "en") == "Metrics"
    assert translate("matches", "en", total=3, first=1, last=3) == "3 matching, showing 1–3"
    assert translate("no_such_key", "en") == "no_such_key"


def test_parse_labels_keeps_good_pairs_and_reports_bad_ones() -> None:
    good, bad = alert_query.parse_labels("team=db, env = prod ,oops, 9x=1")
    assert good == (("team", "db"), ("env", "prod"))
    assert bad == ["oops", "9x=1"]


def test_since_is_rounded_so_reruns_share_a_cache_key() -> None:
    a = alert_query.since_for(15, now=1_000_001.0)
    b = alert_query.since_for(15, now=1_000_009.0)
    assert a == b == datetime.fromtimestamp(1_000_000 - 900, UTC)
    assert alert_query.since_for(0) is None


@pytest.mark.parametrize(("total", "page", "size", "expected"), [
    (0, 1, 50, (1, 1, 0)), (120, 2, 50, (2, 3, 50)), (120, 9, 50, (3, 3, 100)), (120, 0, 50, (1, 3, 0))])
def test_page_bounds(total: int, page: int, size: int, expected: tuple[int, int, int]) -> None:
    assert alert_query.page_bounds(total, page, size) == expected


def test_selection_follows_alert_ids_not_row_positions() -> None:
    # 7 was ticked on another page; on this page (ids 3, 2, 1) the user ticks rows 0 and 2.
    assert alert_query.merge_selection([7, 2], [3, 2, 1], [0, 2]) == [7, 3, 1]


def test_incidents_group_open_alerts_worst_first() -> None:
    alerts = [make(1, "Disk", severity="warning"), make(2, "Disk", status="acknowledged"),
              make(3, "Cpu", severity="warning", instance="web1"), make(4, "Disk", status="resolved")]
    groups = aggregate.incidents(alerts, "alertname")
    assert [(g.key, g.alert_ids, g.worst, g.firing, g.acknowledged) for g in groups] == [
        ("Disk", [1, 2], "critical", 1, 1), ("Cpu", [3], "warning", 1, 0)]
    assert [g.key for g in aggregate.incidents(alerts, "both")] == ["Disk @ db1", "Cpu @ web1"]


def test_people_come_before_tokens_and_senders_most_recent_first() -> None:
    def a(name: str, minute: int) -> Actor:
        return Actor(actor=name, actions=3, acknowledged=2, resolved=1, last_ts=NOW + timedelta(minutes=minute))
    ordered = people.people_first([a("api", 9), a("token:admin", 7), a("bob", 1), a("alertmanager", 5),
                                   a("alice", 2), a("token:prometheus", 8)])
    assert [x.actor for x in ordered] == ["alice", "bob", "token:prometheus", "token:admin", "api", "alertmanager"]
    frame = people.actors_frame(ordered, lambda k: translate(k, "en"))
    assert list(frame.columns) == ["User", "Kind", "Actions", "Acknowledged", "Resolved", "Last action"]
    assert frame.iloc[0].tolist()[:5] == ["alice", "Operator", 3, 2, 1]
    assert frame["Kind"].tolist()[2:] == ["API token", "API token", "System", "System"]


def test_actions_frame_translates_and_keeps_text_as_text() -> None:
    entry = LogEntry(ts=NOW, alert_id=7, alertname="<b>Disk</b>", severity="critical", action="acknowledged",
                     status="acknowledged", actor="alice", comment="on it")
    frame = people.actions_frame([entry], lambda k: translate(k, "zh"))
    assert frame.iloc[0].tolist()[1:] == [7, "<b>Disk</b>", "严重", "已确认", "已确认", "on it"]


def test_csv_export_neutralises_formulas() -> None:
    text = tables.alerts_csv([make(1, "=HYPERLINK(\"http://x\")", summary="+1 boom")])
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["alertname"].startswith("'=") and row["summary"] == "'+1 boom"
    assert row["id"] == "1" and row["instance"] == "db1"


def test_safe_link() -> None:
    assert tables.safe_link("https://x.example/a") == "https://x.example/a"
    assert tables.safe_link("javascript:alert(1)") is None
    assert tables.safe_link("data:text/html,<b>") is None
    assert tables.safe_link("http://") is None


def test_units() -> None:
    assert rate(1536) == "1.5 KB/s" and rate(0) == "0.0 B/s"
    assert duration(3725) == "1h 2m" and duration(42) == "42s" and duration(90000) == "1d 1h"


def token(token_id: int, name: str, expires: datetime | None = None, revoked: datetime | None = None) -> Token:
    return Token(id=token_id, name=name, role="ingest", created_at=NOW, created_by="admin", expires_at=expires,
                 revoked_at=revoked)


def test_token_table_states_and_what_can_be_revoked() -> None:
    tokens = [token(1, "old", revoked=NOW), token(2, "gone", expires=NOW - timedelta(days=1)),
              token(3, "prometheus", expires=NOW + timedelta(days=1)), token(4, "tail")]
    frame = access.tokens_frame(tokens, lambda k: translate(k, "zh"), now=NOW)
    assert frame[["编号", "名称", "角色", "状态"]].values.tolist() == [
        [4, "tail", "仅推送告警", "有效"], [3, "prometheus", "仅推送告警", "有效"],
        [2, "gone", "仅推送告警", "已过期"], [1, "old", "仅推送告警", "已撤销"]]
    assert frame["过期时间"].tolist()[0] == "永不过期"
    assert "token" not in " ".join(frame.columns).lower()  # no secret column: pushd never lists one
    assert [k.name for k in access.revocable(tokens, now=NOW)] == ["tail", "prometheus"]


def test_users_table_sorted_by_name_with_state() -> None:
    users = [User(username=n, role=r, disabled=d, created_at=NOW, updated_at=NOW)
             for n, r, d in (("zoe", "viewer", True), ("<b>al</b>", "admin", False))]
    frame = access.users_frame(users, lambda k: translate(k, "en"))
    assert frame[["User", "Role", "State"]].values.tolist() == [["<b>al</b>", "Admin", "Enabled"],
                                                                ["zoe", "Viewer", "Disabled"]]


def test_input_checks_follow_pushd_definitions() -> None:
    assert access.username_ok("alice.b@ops") and not access.username_ok("-alice") and not access.username_ok("a b")
    assert access.password_ok("8 chars!") and not access.password_ok("7 chars")
    assert access.token_name_ok("prometheus (prod)") and not access.token_name_ok("") \
        and not access.token_name_ok("tab\there")


def test_refusals_read_as_one_line() -> None:
    assert access.describe("user exists") == "user exists"
    assert access.describe([{"loc": ["body", "password"], "msg": "too short"}, {"msg": "bad role"}]) == \
        "too short; bad role"


def test_severity_cells_are_coloured_badges_and_nothing_else() -> None:
    def zh(key: str) -> str:
        return translate(key, "zh")

    frame = tables.alert_frame([make(1, severity="critical"), make(2, severity="warning"), make(3, severity="info")],
                               zh)
    styled = tables.severity_badges(frame, "级别", zh)
    # (row, column) -> [(property, value)]: Streamlit computes the Styler this way to draw its cells
    cells = styled._compute().ctx
    column = list(frame.columns).index("级别")
    assert {key[1] for key in cells} == {column}  # only the severity column
    assert [dict(cells[(row, column)])["background-color"] for row in range(3)] == ["#fde2e1", "#fdefc8", "#dce8fd"]
    assert styled.data.equals(frame)  # the text in the cells is unchanged


def test_large_tables_mark_severity_in_the_value_instead_of_styling_every_cell() -> None:
    def en(key: str) -> str:
        return translate(key, "en")

    severities = ("critical", "warning", "info")
    alerts = [make(i + 1, severity=severities[i % 3]) for i in range(tables.STYLED_ROWS_MAX + 1)]
    frame = tables.alert_frame(alerts, en)
    marked = tables.severity_badges(frame, "Severity", en)
    assert isinstance(marked, pd.DataFrame)  # no Styler: Streamlit would render all of its cells each rerun
    assert list(marked["Severity"][:3]) == ["🔴 Critical", "🟠 Warning", "🔵 Info"]
    assert marked.drop(columns="Severity").equals(frame.drop(columns="Severity"))
    assert list(frame["Severity"][:3]) == ["Critical", "Warning", "Info"]  # the caller's frame is not changed
