"""GET /api/v1/alerts filters and paging."""

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.testclient import TestClient

from pushd.app import create_app
from pushd.store.sqlite_store import search_text
from shared.client import PushdClient
from shared.models import AlertIn
from tests.conftest import ADMIN_TOKEN, AUTH, make_settings
from tests.pushd.helpers import alert


def names(client: TestClient, **params: object) -> list[str]:
    r = client.get("/api/v1/alerts", params=params)
    assert r.status_code == 200, r.text
    return [a["alertname"] for a in r.json()["items"]]


def seed(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=[
        {**alert("CpuHot", env="prod", team="infra"), "severity": "critical"},
        {**alert("DiskLow", env="prod"), "annotations": {"summary": "volume /var nearly full"}},
        {**alert("Backup", env="dev"), "severity": "info"},
    ])
    time.sleep(0.01)
    client.post("/api/v1/alerts", json=alert("Latest", env="dev"))


def test_newest_first_and_no_history_in_rows(client: TestClient) -> None:
    seed(client)
    page = client.get("/api/v1/alerts").json()
    assert page["total"] == 4
    assert page["items"][0]["alertname"] == "Latest"
    assert all("history" not in a for a in page["items"])


def test_filters(client: TestClient) -> None:
    seed(client)
    ack_id = client.get("/api/v1/alerts", params={"q": "backup"}).json()["items"][0]["id"]
    client.post(f"/api/v1/alerts/{ack_id}/ack", json={"by": "me"})
    assert names(client, severity="critical") == ["CpuHot"]
    assert sorted(names(client, severity=["critical", "info"])) == ["Backup", "CpuHot"]
    assert names(client, status="acknowledged") == ["Backup"]
    assert sorted(names(client, label="env=prod")) == ["CpuHot", "DiskLow"]
    assert names(client, label=["env=prod", "team=infra"]) == ["CpuHot"]
    assert names(client, q="/VAR nearly") == ["DiskLow"]
    assert names(client, q="nothing like it") == []


def test_time_range_each_filter_named_after_its_field(client: TestClient) -> None:
    client.post("/api/v1/alerts", json={**alert("Old"), "startsAt": "2020-01-01T00:00:00Z"})
    client.post("/api/v1/alerts", json={**alert("New"), "startsAt": "2030-01-01T00:00:00Z"})
    later = datetime.now(UTC).isoformat()
    assert names(client, seen_since=later) == []  # both were last seen before now
    assert sorted(names(client, seen_since="2025-01-01T00:00:00Z")) == ["New", "Old"]
    assert names(client, started_before="2025-01-01T00:00:00Z") == ["Old"]
    assert names(client, started_before="2020-01-01T00:00:00Z") == []  # before, not at
    assert names(client, seen_since="2025-01-01T00:00:00Z", started_before="2030-01-01T00:00:01Z") == ["New", "Old"]
    # The old names are the same filters.
    assert names(client, since=later) == []
    assert names(client, until="2025-01-01T00:00:00Z") == ["Old"]


def test_paging(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=[alert(f"A{i:02}") for i in range(25)])
    first = client.get("/api/v1/alerts", params={"limit": 10}).json()
    second = client.get("/api/v1/alerts", params={"limit": 10, "offset": 10}).json()
    assert first["total"] == second["total"] == 25
    assert len(first["items"]) == len(second["items"]) == 10
    assert not {a["id"] for a in first["items"]} & {a["id"] for a in second["items"]}


def test_bad_query_parameters_are_422(client: TestClient) -> None:
    for params in ({"status": "sleeping"}, {"label": "noequals"}, {"limit": 0}, {"limit": 501},
                   {"seen_since": "not a time"}, {"started_before": "2026-01-01"}, {"offset": -1}):
        r = client.get("/api/v1/alerts", params=params)
        assert r.status_code == 422, params


def test_epoch_zero_is_a_time_and_search_matches_non_ascii_text_as_written(client: TestClient) -> None:
    client.post("/api/v1/alerts", json={**alert("Old", site="Évry"), "startsAt": "1970-01-01T00:00:00Z"})
    [a] = client.get("/api/v1/alerts").json()["items"]
    assert a["starts_at"].startswith("1970-01-01T00:00:00")
    assert names(client, q="Évry") == ["Old"]
    assert names(client, q="OLD") == ["Old"]  # ASCII letters still match in any case


def test_search_looks_in_values_not_in_their_json(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=[
        {"labels": {"alertname": "Plain", "env": "prod"}, "annotations": {"summary": "all good"}},
        {"labels": {"alertname": "Escaped", "path": "C:\\data\\x"},
         "annotations": {"summary": 'disk "data" at 95% \\ full', "note": "Überhitzung 温度过高"}},
    ])
    # What only JSON has: quotes around and between values, colons, braces, names.
    assert names(client, q=":") == ["Escaped"]  # in C:\data\x, not between names and values
    for json_only in ("{", "}", '","', '":"', "env", "summary", '"prod"', '{"alertname'):
        assert names(client, q=json_only) == [], json_only
    # Values with quotes, backslashes and non-ASCII letters, as written, short or long, in any case.
    for written in ('"', '"data"', '"data" at', "\\", "\\ full", "C:\\data\\x", "Überhitzung", "üBERHITZUNG",
                    "温度", "温度过高", "95%"):
        assert names(client, q=written) == ["Escaped"], written
    assert names(client, q="prod") == ["Plain"]
    assert names(client, q="ESCAPED") == ["Escaped"]  # the alert name is a value too
    assert names(client, q="x disk") == []  # a match does not span two values


def test_search_past_a_nul(client: TestClient) -> None:
    """SQLite's text functions may stop at a NUL: a value or query with one is still searched whole."""
    client.post("/api/v1/alerts", json={"labels": {"alertname": "Nul", "a": "before\u0000"},
                                        "annotations": {"b": "after"}})
    client.post("/api/v1/alerts", json={"labels": {"alertname": "Spaced", "a": "before x"}})
    assert names(client, q="after") == ["Nul"]
    assert names(client, q="before\u0000") == ["Nul"]
    assert names(client, q="\u0000") == ["Nul"]  # a NUL is not a space
    assert sorted(names(client, q="before")) == ["Nul", "Spaced"]


def test_search_ignores_case_as_unicode_does() -> None:
    assert search_text({"city": "Straße"}, {}) == "strasse"


def test_search_follows_changes_and_deletions(client: TestClient) -> None:
    client.post("/api/v1/alerts", json={**alert("Changing"), "annotations": {"summary": "before the change"}})
    assert names(client, q="before the") == ["Changing"]
    client.post("/api/v1/alerts", json={**alert("Changing"), "annotations": {"summary": "after the change"}})
    assert names(client, q="before the") == []
    assert names(client, q="after the") == ["Changing"]
    store = client.app.state.pushd.store
    client.post("/api/v1/alerts", json=[{**alert("Gone"), "status": "resolved", "endsAt": "2020-01-01T00:00:00Z"},
                                        alert("Newest")])
    assert client.portal.call(store.prune_alerts, time.time() + 1) == 1  # Gone (the newest is always kept)
    assert names(client, q="gone") == []
    count = client.portal.call(store.db.read, lambda conn: conn.execute(
        "SELECT (SELECT count(*) FROM alert_text), (SELECT count(*) FROM alerts)").fetchone())
    assert tuple(count) == (2, 2)


# The alerts table of the pushd before the search index and hand_resolved (schema.sql at 5f32dc3).
OLD_ALERTS = """CREATE TABLE alerts (
    id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE, alertname TEXT NOT NULL, status TEXT NOT NULL,
    severity TEXT NOT NULL, labels TEXT NOT NULL, annotations TEXT NOT NULL, starts_at REAL NOT NULL,
    ends_at REAL, expires_at REAL, last_seen REAL NOT NULL, count INTEGER NOT NULL, generator_url TEXT,
    source TEXT NOT NULL)"""


def test_a_database_from_before_the_search_index_gets_it_at_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    settings.data_dir.mkdir()
    with sqlite3.connect(settings.db_path) as conn:
        conn.execute(OLD_ALERTS)
        conn.execute("INSERT INTO alerts VALUES (1, 'f1', 'Before', 'firing', 'warning', ?, ?, 0, NULL, NULL, 0, 1,"
                     " NULL, 'api')", ('{"alertname":"Before"}', '{"summary":"say \\"hi\\""}'))
    conn.close()
    with TestClient(create_app(settings), headers=AUTH) as client:
        assert names(client, q='"hi"') == ["Before"]
        assert client.post("/api/v1/alerts/1/resolve").status_code == 200  # hand_resolved was added
    with TestClient(create_app(settings), headers=AUTH) as client:  # and a second start fills nothing twice
        assert names(client, q='"hi"') == ["Before"]


def test_the_client_takes_the_new_names_and_the_old(live_url: str) -> None:
    with PushdClient(live_url, token=ADMIN_TOKEN) as pushd:
        pushd.post_alerts([AlertIn(labels={"alertname": "Old"}, startsAt=datetime(2020, 1, 1, tzinfo=UTC)),
                           AlertIn(labels={"alertname": "New"})])
        cut = datetime(2025, 1, 1, tzinfo=UTC)
        for page in (pushd.list_alerts(started_before=cut), pushd.list_alerts(until=cut)):
            assert [a.alertname for a in page.items] == ["Old"]
        soon = datetime.now(UTC) + timedelta(minutes=1)
        assert pushd.list_alerts(seen_since=soon).total == pushd.list_alerts(since=soon).total == 0
        assert pushd.list_alerts(seen_since=cut).total == 2
