"""What is read from the timeline: time to acknowledge and resolve, MTTA and MTTR, the Markdown export."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from pushd.incidents.metrics import averages, durations
from tests.pushd.helpers import alert


def entries(incident_id: int, *moves: tuple[float, str, str]) -> list[dict]:
    out = [{"incident_id": incident_id, "ts": 100.0, "kind": "created", "data": {}}]
    return out + [{"incident_id": incident_id, "ts": ts, "kind": "status", "data": {"from": f, "to": t}}
                  for ts, f, t in moves]


def test_durations_from_the_timeline() -> None:
    assert durations(entries(1)) == {"tta": None, "ttr": None}
    assert durations(entries(1, (130, "open", "acknowledged"), (400, "acknowledged", "resolved"))) == {
        "tta": 30, "ttr": 300}
    # Resolving straight away is also the first response.
    assert durations(entries(1, (150, "open", "resolved"))) == {"tta": 50, "ttr": 50}
    # Reopened: not resolved now; once resolved again, the last resolution counts.
    assert durations(entries(1, (150, "open", "resolved"), (200, "resolved", "open"))) == {"tta": 50, "ttr": None}
    assert durations(entries(1, (150, "open", "resolved"), (200, "resolved", "open"),
                             (260, "open", "resolved"))) == {"tta": 50, "ttr": 160}


def test_averages_cover_the_incidents_that_have_them() -> None:
    es = entries(1, (110, "open", "acknowledged"), (200, "acknowledged", "resolved")) + entries(
        2, (130, "open", "mitigated")) + entries(3)
    assert averages(es) == {"mtta_seconds": 20, "acknowledged": 2, "mttr_seconds": 100, "resolved": 1}
    assert averages([]) == {"mtta_seconds": None, "acknowledged": 0, "mttr_seconds": None, "resolved": 0}


def test_stats_and_detail_through_the_api(client: TestClient) -> None:
    empty = client.get("/api/v1/incident-stats").json()
    assert empty == {"counts": {"open": 0, "acknowledged": 0, "mitigated": 0, "resolved": 0},
                     "mtta_seconds": None, "acknowledged": 0, "mttr_seconds": None, "resolved": 0}
    one = client.post("/api/v1/incidents", json={"title": "a"}).json()["id"]
    client.post("/api/v1/incidents", json={"title": "b"})
    time.sleep(0.05)
    client.post(f"/api/v1/incidents/{one}/ack")
    time.sleep(0.05)
    detail = client.post(f"/api/v1/incidents/{one}/resolve").json()
    assert 0.05 <= detail["tta_seconds"] < detail["ttr_seconds"] < 5
    stats = client.get("/api/v1/incident-stats").json()
    assert stats["counts"] == {"open": 1, "acknowledged": 0, "mitigated": 0, "resolved": 1}
    assert (stats["mtta_seconds"], stats["mttr_seconds"]) == (detail["tta_seconds"], detail["ttr_seconds"])


def test_markdown_export_in_both_languages(client: TestClient) -> None:
    client.post("/api/v1/alerts", json=alert("DiskFull", instance="db|1"))
    alert_id = client.get("/api/v1/alerts").json()["items"][0]["id"]
    inc = client.post("/api/v1/incidents", json={"title": "disk", "alert_ids": [alert_id]}).json()
    client.post(f"/api/v1/incidents/{inc['id']}/notes", json={"text": "cleaned\n/var/log"})
    client.post(f"/api/v1/incidents/{inc['id']}/ack")
    r = client.get(f"/api/v1/incidents/{inc['id']}/export")
    assert r.headers["content-type"] == "text/markdown; charset=utf-8"
    en = r.text
    assert en.startswith(f"# Incident #{inc['id']}: disk\n")
    for part in ("## Summary", "- Status: acknowledged", "## Alerts", "| DiskFull | warning | firing |",
                 "instance=db\\|1", "## Timeline", "| token:admin | note: cleaned /var/log |",
                 "| token:admin | status open → acknowledged |", f"alert #{alert_id} attached (DiskFull)"):
        assert part in en, part
    assert "- Time to resolve: none" in en
    zh = client.get(f"/api/v1/incidents/{inc['id']}/export", params={"lang": "zh"}).text
    for part in (f"# 故障 #{inc['id']}: disk", "## 概要", "## 告警", "## 时间线", "备注：cleaned /var/log",
                 "状态 open → acknowledged"):
        assert part in zh, part
    assert client.get("/api/v1/incidents/999/export").status_code == 404
    assert client.get(f"/api/v1/incidents/{inc['id']}/export", params={"lang": "fr"}).status_code == 422


def test_operators_text_stays_text_in_the_export(client: TestClient) -> None:
    """Markdown renderers pass raw HTML through: a note or title holding markup must not become markup."""
    inc = client.post("/api/v1/incidents", json={"title": "<img src=x onerror=alert(1)> & more"}).json()
    client.post(f"/api/v1/incidents/{inc['id']}/notes", json={"text": "<script>alert(1)</script>\n# not a heading"})
    md = client.get(f"/api/v1/incidents/{inc['id']}/export").text
    assert "<script>" not in md and "<img" not in md
    assert md.startswith(f"# Incident #{inc['id']}: &lt;img src=x onerror=alert(1)&gt; &amp; more\n")
    assert "note: &lt;script&gt;alert(1)&lt;/script&gt; # not a heading |" in md
