"""Built-in host rules: the rule logic on given samples, then firing and resolving in a real pushd."""

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from starlette.testclient import TestClient

from pushd.app import create_app
from pushd.host_rules import HostRules, Rule
from tests.conftest import AUTH, make_settings


def sample(ts: float, cpu: float) -> dict[str, float]:
    return {"ts": ts, "cpu_percent": cpu}


def test_fires_only_after_the_duration_and_resolves_below() -> None:
    rules = HostRules([Rule("HostHighCpu", "cpu_percent", 90, "warning", "CPU")], for_seconds=10, instance="h")
    assert rules.evaluate(sample(0, 95)) == []
    assert rules.evaluate(sample(5, 96)) == []
    [fired] = rules.evaluate(sample(10, 97))
    assert (fired.status, fired.labels["alertname"], fired.starts_at) == ("firing", "HostHighCpu", 0)
    assert "97.0%" in fired.annotations["summary"]
    assert rules.evaluate(sample(15, 99)) == []  # already firing: no repeat from the rule itself
    [resolved] = rules.evaluate(sample(20, 50))
    assert resolved.status == "resolved"
    assert resolved.fingerprint == fired.fingerprint


def test_a_dip_restarts_the_clock() -> None:
    rules = HostRules([Rule("HostHighCpu", "cpu_percent", 90, "warning", "CPU")], for_seconds=10, instance="h")
    rules.evaluate(sample(0, 95))
    rules.evaluate(sample(8, 10))
    assert rules.evaluate(sample(12, 95)) == []
    assert rules.evaluate(sample(22, 95))[0].status == "firing"


def wait_for_status(client: TestClient, name: str, status: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = client.get("/api/v1/alerts", params={"q": name.lower()}).json()["items"]
        if items and items[0]["status"] == status:
            return items[0]
        time.sleep(0.1)
    raise AssertionError(f"{name} never became {status}")


def test_real_disk_rule_fires_then_resolves_after_restart(tmp_path: Path) -> None:
    # Any real disk is more than 0 % used, and none is more than 100 %.
    low = make_settings(tmp_path, host_rules_enabled=True, sample_seconds=0.2, alert_for_seconds=0.3,
                        disk_alert_percent=0, cpu_alert_percent=100, memory_alert_percent=100)
    with TestClient(headers=AUTH, app=create_app(low)) as client:
        fired = wait_for_status(client, "HostDiskFull", "firing")
        assert fired["severity"] == "critical"
        assert fired["source"] == "pushd"
        assert float(fired["annotations"]["value"]) > 0
    high = low.model_copy(update={"disk_alert_percent": 100})
    with TestClient(headers=AUTH, app=create_app(high)) as client:
        resolved = wait_for_status(client, "HostDiskFull", "resolved")
        assert resolved["id"] == fired["id"]
        history = client.get(f"/api/v1/alerts/{resolved['id']}").json()["history"]
        assert [h["action"] for h in history] == ["created", "resolved"]


def test_an_alert_that_could_not_be_stored_is_sent_again() -> None:
    rules = HostRules([Rule("HostHighCpu", "cpu_percent", 90, "warning", "CPU")], for_seconds=0, instance="h")
    fired = rules.evaluate(sample(0, 95))
    rules.undo(fired)  # the store answered 503
    assert [a.status for a in rules.evaluate(sample(5, 95))] == ["firing"]
    resolved = rules.evaluate(sample(10, 10))
    rules.undo(resolved)
    assert [a.status for a in rules.evaluate(sample(15, 10))] == ["resolved"]


def samples_since(client: TestClient, t: float) -> int:
    points = client.get("/api/v1/metrics/history", params={"minutes": 5}).json()
    return sum(1 for p in points if datetime.fromisoformat(p["ts"]).timestamp() > t)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen in {timeout}s"
        time.sleep(0.05)


def test_a_rule_alert_resolved_by_hand_stays_resolved_until_the_value_falls_back_and_rises(tmp_path: Path) -> None:
    """The rule fires once per excursion above its threshold; a restart in between is no new one."""
    high = make_settings(tmp_path, host_rules_enabled=True, sample_seconds=0.1, alert_for_seconds=0.2,
                         disk_alert_percent=0, cpu_alert_percent=100, memory_alert_percent=100)
    with TestClient(headers=AUTH, app=create_app(high)) as client:
        fired = wait_for_status(client, "HostDiskFull", "firing")
        assert client.post(f"/api/v1/alerts/{fired['id']}/resolve").status_code == 200
    with TestClient(headers=AUTH, app=create_app(high)) as client:  # the disk is still above 0 %
        restarted = time.time()
        # Long enough for the rule to fire again had it forgotten that it fired: 0.2 s above, twice over.
        wait_until(lambda: samples_since(client, restarted) >= 5, "5 samples")
        a = client.get(f"/api/v1/alerts/{fired['id']}").json()
        assert (a["status"], [h["action"] for h in a["history"]]) == ("resolved", ["created", "resolved"])
    low = high.model_copy(update={"disk_alert_percent": 100})
    with TestClient(headers=AUTH, app=create_app(low)) as client:  # back below: the rule says so
        wait_until(lambda: client.get(f"/api/v1/alerts/{fired['id']}").json()["last_seen"] > a["last_seen"],
                   "the rule's resolved notice")
    with TestClient(headers=AUTH, app=create_app(high)) as client:  # and above again: a new firing
        reopened = wait_for_status(client, "HostDiskFull", "firing")
        assert reopened["id"] == fired["id"]
        history = client.get(f"/api/v1/alerts/{fired['id']}").json()["history"]
        assert [h["action"] for h in history] == ["created", "resolved", "reopened"]
