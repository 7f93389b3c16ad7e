"""Small builders shared by pushd's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def alert(name: str = "DiskFull", **labels: str) -> dict[str, Any]:
    return {"labels": {"alertname": name, **labels}, "annotations": {"summary": f"{name} happened"}}


def iso(delta_seconds: float = 0.0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=delta_seconds)).isoformat().replace("+00:00", "Z")


def webhook(*alerts: dict[str, Any], status: str = "firing") -> dict[str, Any]:
    """An Alertmanager webhook body (version 4) as Alertmanager sends it."""
    return {
        "version": "4", "groupKey": '{}:{alertname="X"}', "truncatedAlerts": 0, "status": status,
        "receiver": "pushd", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093", "alerts": list(alerts),
    }


def webhook_alert(name: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "status": status, "labels": {"alertname": name, **labels}, "annotations": {"summary": "s"},
        "startsAt": iso(-60), "endsAt": iso() if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up", "fingerprint": "0123456789abcdef",
    }


def user_headers(client: Any, username: str, role: str = "operator", password: str = "correct horse battery") -> dict:
    """Create a user with the admin client (its default headers carry the admin token), log in as it,
    and return its Authorization header."""
    r = client.post("/api/v1/users", json={"username": username, "password": password, "role": role})
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password}, headers={})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
