"""Every route x every kind of caller: the status each one gets, from a table that names every route.

A route added to pushd without a row here fails `test_every_route_has_a_row`; a route whose rule is
looser or stricter than its row fails the matrix.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from starlette.testclient import TestClient

from pushd.api.access import AccessRoute, api_routes, check_rules
from pushd.app import create_app
from pushd.auth.secrets import new_token, token_hash
from tests.conftest import make_settings
from tests.servers import AUTH

ADMIN_PASSWORD = "admin password for tests"
# (method, route path) -> (who may call it, the probe request: concrete path, JSON body or None,
# the status an allowed caller gets). Probes are harmless: unknown ids, invalid or empty bodies.
ROUTES: dict[tuple[str, str], tuple[str, str, Any, int]] = {
    ("POST", "/api/v1/alerts"): ("ingest", "/api/v1/alerts", [], 200),
    ("POST", "/api/v1/webhooks/alertmanager"): ("ingest", "/api/v1/webhooks/alertmanager", {}, 422),
    ("POST", "/api/v2/alerts"): ("ingest", "/api/v2/alerts", [], 200),
    ("GET", "/api/v1/alerts"): ("read", "/api/v1/alerts", None, 200),
    ("GET", "/api/v1/alerts/{alert_id}"): ("read", "/api/v1/alerts/999", None, 404),
    ("POST", "/api/v1/alerts/{alert_id}/ack"): ("act", "/api/v1/alerts/999/ack", {}, 404),
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): ("act", "/api/v1/alerts/999/resolve", {}, 404),
    ("GET", "/api/v1/history"): ("read", "/api/v1/history", None, 200),
    ("GET", "/api/v1/actors"): ("read", "/api/v1/actors", None, 200),
    ("GET", "/api/v1/metrics/latest"): ("read", "/api/v1/metrics/latest", None, 200),
    ("GET", "/api/v1/metrics/history"): ("read", "/api/v1/metrics/history", None, 200),
    ("GET", "/api/v1/snapshot"): ("read", "/api/v1/snapshot", None, 200),
    ("GET", "/healthz"): ("public", "/healthz", None, 200),
    ("GET", "/metrics"): ("read", "/metrics", None, 200),
    ("POST", "/api/v1/auth/login"): (
        "public", "/api/v1/auth/login", {"username": "admin", "password": ADMIN_PASSWORD}, 200),
    ("GET", "/api/v1/me"): ("signed-in", "/api/v1/me", None, 200),
    ("POST", "/api/v1/auth/ws-ticket"): ("read", "/api/v1/auth/ws-ticket", None, 200),
    ("GET", "/api/v1/users"): ("admin", "/api/v1/users", None, 200),
    ("POST", "/api/v1/users"): ("admin", "/api/v1/users", {}, 422),
    ("PATCH", "/api/v1/users/{username}"): ("admin", "/api/v1/users/nobody", {}, 404),
    ("DELETE", "/api/v1/users/{username}"): ("admin", "/api/v1/users/nobody", None, 404),
    ("GET", "/api/v1/tokens"): ("admin", "/api/v1/tokens", None, 200),
    ("POST", "/api/v1/tokens"): ("admin", "/api/v1/tokens", {}, 422),
    ("DELETE", "/api/v1/tokens/{token_id}"): ("admin", "/api/v1/tokens/999999", None, 404),
    ("GET", "/api/v1/incidents"): ("read", "/api/v1/incidents", None, 200),
    ("GET", "/api/v1/incident-stats"): ("read", "/api/v1/incident-stats", None, 200),
    ("POST", "/api/v1/incidents"): ("act", "/api/v1/incidents", {}, 422),
    ("GET", "/api/v1/incidents/{incident_id}"): ("read", "/api/v1/incidents/999", None, 404),
    ("PATCH", "/api/v1/incidents/{incident_id}"): ("act", "/api/v1/incidents/999", {}, 404),
    ("POST", "/api/v1/incidents/{incident_id}/alerts"): ("act", "/api/v1/incidents/999/alerts", {}, 422),
    ("DELETE", "/api/v1/incidents/{incident_id}/alerts/{alert_id}"): (
        "act", "/api/v1/incidents/999/alerts/1", None, 404),
    ("POST", "/api/v1/incidents/{incident_id}/notes"): ("act", "/api/v1/incidents/999/notes", {}, 422),
    ("POST", "/api/v1/incidents/{incident_id}/ack"): ("act", "/api/v1/incidents/999/ack", None, 404),
    ("POST", "/api/v1/incidents/{incident_id}/mitigate"): ("act", "/api/v1/incidents/999/mitigate", None, 404),
    ("POST", "/api/v1/incidents/{incident_id}/resolve"): ("act", "/api/v1/incidents/999/resolve", None, 404),
    ("POST", "/api/v1/incidents/{incident_id}/reopen"): ("act", "/api/v1/incidents/999/reopen", None, 404),
    ("POST", "/api/v1/incidents/{incident_id}/runbook-runs"): (
        "act", "/api/v1/incidents/999/runbook-runs", {"runbook_id": 1}, 404),
    ("PATCH", "/api/v1/incidents/{incident_id}/runbook-runs/{run_id}/steps/{n}"): (
        "act", "/api/v1/incidents/999/runbook-runs/1/steps/1", {"state": "done"}, 404),
    ("GET", "/api/v1/incidents/{incident_id}/timeline"): ("read", "/api/v1/incidents/999/timeline", None, 404),
    ("GET", "/api/v1/incidents/{incident_id}/export"): ("read", "/api/v1/incidents/999/export", None, 404),
    ("GET", "/api/v1/grouping-rules"): ("admin", "/api/v1/grouping-rules", None, 200),
    ("POST", "/api/v1/grouping-rules"): ("admin", "/api/v1/grouping-rules", {}, 422),
    ("GET", "/api/v1/grouping-rules/{rule_id}"): ("admin", "/api/v1/grouping-rules/999", None, 404),
    ("PUT", "/api/v1/grouping-rules/{rule_id}"): ("admin", "/api/v1/grouping-rules/999", {}, 422),
    ("DELETE", "/api/v1/grouping-rules/{rule_id}"): ("admin", "/api/v1/grouping-rules/999", None, 404),
    ("GET", "/api/v1/runbooks"): ("read", "/api/v1/runbooks", None, 200),
    ("POST", "/api/v1/runbooks"): ("act", "/api/v1/runbooks", {}, 422),
    ("GET", "/api/v1/runbooks/{runbook_id}"): ("read", "/api/v1/runbooks/999", None, 404),
    ("PUT", "/api/v1/runbooks/{runbook_id}"): ("act", "/api/v1/runbooks/999", {}, 422),
    ("DELETE", "/api/v1/runbooks/{runbook_id}"): ("act", "/api/v1/runbooks/999", None, 404),
    ("GET", "/api/v1/runbooks/{runbook_id}/versions"): ("read", "/api/v1/runbooks/999/versions", None, 404),
    ("GET", "/api/v1/runbooks/{runbook_id}/versions/{version}"): (
        "read", "/api/v1/runbooks/999/versions/1", None, 404),
    ("GET", "/api/v1/runbooks/{runbook_id}/matches"): ("read", "/api/v1/runbooks/999/matches", None, 404),
    ("GET", "/api/v1/runbook-links"): ("read", "/api/v1/runbook-links", None, 200),
    ("GET", "/api/v2/silences"): ("read", "/api/v2/silences", None, 200),
    ("POST", "/api/v2/silences"): ("act", "/api/v2/silences", {}, 422),
    ("GET", "/api/v2/silence/{silence_id}"): ("read", "/api/v2/silence/nope", None, 404),
    ("DELETE", "/api/v2/silence/{silence_id}"): ("act", "/api/v2/silence/nope", None, 404),
    ("GET", "/api/v2/alerts"): ("read", "/api/v2/alerts", None, 200),
    ("GET", "/api/v2/status"): ("read", "/api/v2/status", None, 200),
    # Last: it revokes the caller's token.
    ("POST", "/api/v1/auth/logout"): ("signed-in", "/api/v1/auth/logout", None, 204),
}
# Which roles each rule lets in.
LETS_IN = {
    "read": {"viewer", "operator", "admin"},
    "ingest": {"ingest", "operator", "admin"},
    "act": {"operator", "admin"},
    "admin": {"admin"},
    "signed-in": {"viewer", "operator", "admin", "ingest"},
}
CALLERS = ("none", "bad", "expired", "revoked", "viewer", "operator", "admin", "ingest")


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path / "data", admin_password=ADMIN_PASSWORD)
    with TestClient(create_app(settings)) as c:
        yield c


def caller_headers(client: TestClient) -> dict[str, dict[str, str]]:
    """Authorization headers of each kind of caller, all real credentials made through the API or the store."""
    headers: dict[str, dict[str, str]] = {"none": {}, "bad": {"Authorization": "Bearer pushd_not-a-token"}}
    for role in ("viewer", "operator", "admin", "ingest"):
        r = client.post("/api/v1/tokens", json={"name": f"{role}-tool", "role": role}, headers=AUTH)
        headers[role] = {"Authorization": f"Bearer {r.json()['token']}"}
    revoked = client.post("/api/v1/tokens", json={"name": "old", "role": "admin"}, headers=AUTH).json()
    assert client.delete(f"/api/v1/tokens/{revoked['id']}", headers=AUTH).status_code == 204
    headers["revoked"] = {"Authorization": f"Bearer {revoked['token']}"}
    # An admin token that expired a minute ago: written through the store, as no API makes one.
    expired = new_token()
    store = client.app.state.pushd.store.access
    client.portal.call(lambda: store.create_token(
        kind="api", name="expired", role="admin", username=None, secret_hash=token_hash(expired),
        created_by="test", now=time.time() - 120, expires_at=time.time() - 60))
    headers["expired"] = {"Authorization": f"Bearer {expired}"}
    return headers


def expected(rule: str, caller: str, allowed_status: int) -> int:
    if rule == "public":
        return allowed_status
    if caller in ("none", "bad", "expired", "revoked"):
        return 401
    return allowed_status if caller in LETS_IN[rule] else 403


def test_every_route_has_a_row(app_client: TestClient) -> None:
    assert {(m, path) for m, path, _ in api_routes(app_client.app)} == set(ROUTES)


def test_every_route_answers_every_caller_as_its_rule_says(app_client: TestClient) -> None:
    headers = caller_headers(app_client)
    got, want = {}, {}
    for (method, route), (rule, path, body, allowed_status) in ROUTES.items():
        for caller in CALLERS:
            r = app_client.request(method, path, json=body, headers=headers[caller])
            got[(method, route, caller)] = r.status_code
            want[(method, route, caller)] = expected(rule, caller, allowed_status)
            if r.status_code == 401:
                assert r.headers["www-authenticate"].startswith("Bearer")
    assert got == want


def test_unauthenticated_bad_body_is_401_not_422(app_client: TestClient) -> None:
    """The check comes before the body is read: a caller without a token learns nothing from validation."""
    r = app_client.post("/api/v1/alerts", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 401


def test_metrics_can_be_made_public(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path / "d", metrics_public=True))) as c:
        assert c.get("/metrics").status_code == 200
        assert c.get("/api/v1/snapshot").status_code == 401


def test_a_route_without_a_rule_is_refused_at_build_time() -> None:
    with pytest.raises(RuntimeError, match="no access rule"):
        APIRouter(route_class=AccessRoute).add_api_route("/x", lambda: None)
    app = FastAPI()
    app.add_api_route("/plain", lambda: None)  # a plain APIRoute, made outside pushd.api.access.router
    with pytest.raises(RuntimeError, match="/plain is not an AccessRoute"):
        check_rules(app)
