"""The OpenAPI schema tells the truth: schemathesis runs every one of its checks over every operation.

An in-process pushd (create_app, real SQLite in tmp_path) is driven through schemathesis' ASGI
transport by its engine, the one `schemathesis run` drives: the examples, coverage, fuzzing and
stateful phases, every check. The run is fixed (one seed, a bounded number of examples per operation)
so that CI sees the same cases every time; any finding fails the test.

Why the engine and not `@schema.parametrize()`: the pytest integration's fixture loader
(`schemathesis.pytest.from_fixture`) reads `Node._nodeid`, which pytest 9.2 no longer has, and a
schema loaded at import time would need a pushd started at import time. `schemathesis.engine` is
not a documented API: it is used here only, with schemathesis pinned in requirements-dev.txt; an
upgrade that changes its events breaks this file alone.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.engine import events, from_schema
from schemathesis.python.asgi import shutdown_lifespans
from starlette.testclient import TestClient

from pushd.app import create_app
from pushd.auth import Principal, Role
from tests.conftest import make_settings
from tests.servers import ADMIN_TOKEN

SEED = 20261128
EXAMPLES = 20  # per operation and generating phase: the file stays well under 90 s on 2 cores
UNAUTHENTICATED_EXAMPLES = 5  # per operation, each sent with no token and with a wrong one
PUBLIC = {"GET /healthz", "POST /api/v1/auth/login"}
# Generous: an in-process call answers in milliseconds, but scrypt (login, users) is slow on a busy core.
MAX_RESPONSE_SECONDS = 5.0
MINTER = Principal(id=0, kind="api", name="openapi-test", role=Role.admin, expires_at=None)


def config() -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "workers": 1,
        "cache": {"enabled": False},  # nothing carried over from an earlier run: the same cases each time
        "generation": {"max-examples": EXAMPLES, "database": "none"},
        # Every check is on by default; max_response_time is the one that needs a limit to run.
        # A body over pushd's limit is a 413 before any schema is looked at, valid or not.
        "checks": {"max_response_time": MAX_RESPONSE_SECONDS,
                   "positive_data_acceptance": {
                       "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 413, 429, "5xx"]},
                   "negative_data_rejection": {
                       "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429, "5xx"]}},
        # Each entry names one operation ("METHOD /path"): schemathesis ORs include-path with
        # include-method, so an entry with both applied to every POST.
        "operations": [{
            # As Alertmanager, an alert whose endsAt is before its startsAt is refused by name in a 400,
            # a rule across two fields that JSON Schema cannot state: such an alert is schema-valid and
            # still refused. The check keeps its default expectations plus that documented 400.
            "include-name": "POST /api/v2/alerts",
            "checks": {"positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 400, 401, 403, 404, 409, 413, 429, "5xx"]}},
        }, {
            # The same rule on pushd's own route, where the whole batch is refused with a 422 naming it.
            "include-name": "POST /api/v1/alerts",
            "checks": {"positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 413, 422, 429, "5xx"]}},
        },
        *[{
            # Rules JSON Schema cannot state, answered with a documented status: a runbook's regex
            # matcher must be one RE2 accepts (422 naming it), its body must fit the body limit (413).
            "include-name": f"{method} {path}",
            "checks": {"positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 413, 422, 429, "5xx"]}},
        } for method, path in (("POST", "/api/v1/runbooks"), ("PUT", "/api/v1/runbooks/{runbook_id}"))],
        *[{
            # Alertmanager's API v2: a matcher (in a filter or a silence) that is not one, a silence that
            # ends before it starts or in the past: 400, as Alertmanager answers; a silence's regex that
            # RE2 refuses is a 422 naming it, as in pushd's other bodies.
            "include-name": name,
            "checks": {"positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 400, 401, 403, 404, 409, 413, 422, 429, "5xx"]}},
        } for name in ("GET /api/v2/silences", "POST /api/v2/silences", "GET /api/v2/alerts")],
        *[{
            # A grouping rule's regex matcher that RE2 refuses: 400 naming it (pushd.api.grouping).
            "include-name": name,
            "checks": {"positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 400, 401, 403, 404, 409, 413, 429, "5xx"]}},
        } for name in ("POST /api/v1/grouping-rules", "PUT /api/v1/grouping-rules/{rule_id}")]],
    })


class AdminToken:
    """An admin bearer token: tests.servers' ADMIN_TOKEN first, then a newly minted one each time
    pushd answers 401. The run may revoke the token it is using (POST /api/v1/auth/logout revokes the
    caller's own token, DELETE /api/v1/tokens/{id} any API token): documented behaviour, not a
    finding, so the next case gets a new admin token from pushd's own AuthService."""

    def __init__(self) -> None:
        self.issued = 0

    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
        self.issued += 1
        if self.issued == 1:
            return ADMIN_TOKEN
        state = context.app.state.pushd
        # The store's writer thread answers through concurrent futures, so any event loop may wait.
        secret, _ = asyncio.run(state.auth.create_token(f"openapi-{self.issued}", Role.admin, None, MINTER))
        return secret

    def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def pushd_app(tmp_path: Path) -> Iterator[FastAPI]:
    """A pushd whose lifespan schemathesis starts with its first request; ended here."""
    yield create_app(make_settings(tmp_path / "data"))
    shutdown_lifespans()


def answer(interaction: Any) -> str:
    response = interaction.response if interaction is not None else None
    if response is None:
        return "no response"
    return f"{response.status_code} {response.content[:300]!r}"


def run(schema: schemathesis.BaseSchema) -> tuple[list[str], dict[str, set[int]]]:
    """Every finding of one engine run, and the statuses each operation ("GET /path") answered."""
    findings: list[str] = []
    statuses: dict[str, set[int]] = defaultdict(set)
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for interaction in event.recorder.interactions.values():
                method = event.recorder.label.split(" ", 1)[0]
                if interaction.response is not None and interaction.request.method == method:
                    statuses[event.recorder.label].add(interaction.response.status_code)
            for case_id, results in event.recorder.checks.items():
                for check in results:
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        findings.append(f"[{event.phase.value}] {event.recorder.label}: {failure.title}: "
                                        f"{failure.message}\n    {check.failure_info.code_sample}"
                                        f"\n    -> {answer(event.recorder.interactions.get(case_id))}")
        elif isinstance(event, events.NonFatalError):
            findings.append(f"[{event.phase}] {event.label}: error {event.value!r}")
        elif isinstance(event, events.FatalError):
            findings.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            findings += [f"after run: {f.title}: {f.message}" for f in event.failures]
    return sorted(set(findings)), statuses


def test_schema_tells_the_truth(pushd_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", pushd_app, config=config())
    schema.auth()(AdminToken)
    findings, statuses = run(schema)
    assert not findings, "\n".join(findings)
    # What `schemathesis run` warns of as "Authentication failed": an operation that never got past
    # 401/403 (or the middlewares' 413/415, which answer before the token is looked at).
    operations = [result.ok().label for result in schema.get_all_operations()]
    assert [op for op in operations if statuses[op] <= {401, 403, 413, 415}] == []


def answers_401(operation: schemathesis.APIOperation) -> None:
    """Requests valid in every other way, with no token and with a wrong one: 401, as documented
    (status, body schema, WWW-Authenticate header)."""

    @settings(max_examples=UNAUTHENTICATED_EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def sends(case: schemathesis.Case) -> None:
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        for authorization in (None, "Bearer not-a-token-of-this-pushd"):
            case.headers = {**headers, **({"Authorization": authorization} if authorization else {})}
            response = case.call()
            assert response.status_code == 401, f"{operation.label} with {authorization}: {response.status_code}"
            case.validate_response(response, checks=[
                checks.status_code_conformance, checks.content_type_conformance,
                checks.response_headers_conformance, checks.response_schema_conformance])

    sends()


def test_every_operation_but_the_public_ones_answers_401_without_a_valid_token(pushd_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", pushd_app, config=config())
    public = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("security"):
            answers_401(operation)
        else:
            public.add(operation.label)
    assert public == PUBLIC  # declared without a security requirement: exactly the routes open to anyone


# What the schemathesis run found, one regression test each (all failed before their fix).

def test_a_missing_method_names_every_method_of_the_path(client: TestClient) -> None:
    """Starlette named the methods of the first route of the path only (GET /users answered an
    OPTIONS with "Allow: GET", though POST /users exists)."""
    for path, allow in (("/api/v1/users", "GET, POST"), ("/api/v1/users/bob", "DELETE, PATCH"),
                        ("/healthz", "GET")):
        r = client.options(path)
        assert (r.status_code, r.headers["allow"]) == (405, allow)


def test_public_routes_declare_no_security_and_the_others_do(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    public = {f"{m.upper()} {p}" for p, ops in paths.items() for m, op in ops.items() if not op.get("security")}
    assert public == PUBLIC


@pytest.mark.parametrize("query", [{"until": "0.5"}, {"since": "1700000000"}, {"since": "2026-01-01 10:00Z"},
                                   {"label": "team"}, {"label": "9x=1"}])
def test_alert_queries_take_only_what_the_schema_documents(client: TestClient, query: dict[str, str]) -> None:
    """RFC 3339 times only (pydantic alone took Unix seconds); a bad label filter is a 422 in the
    documented shape (it was `{"detail": "<text>"}`)."""
    r = client.get("/api/v1/alerts", params=query)
    assert r.status_code == 422
    assert [e["loc"][:2] for e in r.json()["detail"]] == [["query", next(iter(query))]]


def test_a_valid_time_and_label_filter_are_accepted(client: TestClient) -> None:
    r = client.get("/api/v1/alerts", params={"since": "2026-01-01T10:00:00+02:00", "label": "team=db"})
    assert r.status_code == 200


@pytest.mark.parametrize(("path", "body", "where"), [
    ("/api/v1/users/admin", {"disabled": 0}, ["body", "disabled"]),
    ("/api/v1/tokens", {"name": "t", "role": "viewer", "expires_in_days": "5"}, ["body", "expires_in_days"]),
    ("/api/v1/webhooks/alertmanager", {"version": "4", "status": "firing", "truncatedAlerts": False, "alerts": []},
     ["body", "truncatedAlerts"]),
    ("/api/v1/alerts", {"labels": {"alertname": "A"}, "startsAt": 0}, ["body", "AlertIn", "startsAt"]),
])
def test_bodies_are_not_coerced_past_their_schema(client: TestClient, path: str, body: object,
                                                  where: list[object]) -> None:
    """A number is not a boolean, a string not a number, a number not a time: each is refused, as
    the schema's types say (pydantic's lax mode took them all)."""
    r = client.request("PATCH" if path.startswith("/api/v1/users/") else "POST", path, json=body)
    assert r.status_code == 422
    assert where in [e["loc"][:len(where)] for e in r.json()["detail"]]


def test_the_schema_states_the_ingest_rules(client: TestClient) -> None:
    """Labels need a non-empty alertname and valid names; an ingested status is firing or resolved;
    /api/v2/alerts answers 200 with no body and documents its 400."""
    schema = client.get("/openapi.json").json()
    v2 = schema["paths"]["/api/v2/alerts"]["post"]
    labels = v2["requestBody"]["content"]["application/json"]["schema"]["items"]["properties"]["labels"]
    assert (labels["required"], labels["additionalProperties"]) == (["alertname"], False)
    assert "content" not in v2["responses"]["200"]
    assert v2["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BatchErrorBody"}
    native = schema["paths"]["/api/v1/alerts"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert native["anyOf"][0]["properties"]["status"]["enum"] == ["firing", "resolved"]
