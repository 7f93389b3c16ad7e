"""The three ingest paths: native, Alertmanager webhook, Alertmanager API v2."""

from __future__ import annotations

import time

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pushd.api.access import PrincipalDep, Require
from pushd.api.access import router as access_router
from pushd.api.deps import StateDep
from pushd.api.json_body import openapi_body, parse, parse_each
from pushd.auth import Permission
from pushd.ingest import (
    NATIVE_BODY,
    V2_ALERT,
    V2_BODY,
    WEBHOOK_BODY,
    from_native,
    from_postable,
    from_webhook,
    handing_off,
)
from pushd.responses import errors
from pushd.store import Change

router = access_router(Require(Permission.ingest), tags=["ingest"])


class IngestedAlert(BaseModel):
    id: int
    fingerprint: str
    status: str
    event: str


class IngestResult(BaseModel):
    accepted: int
    changed: list[IngestedAlert]


def _result(accepted: int, changes: list[Change]) -> IngestResult:
    return IngestResult(accepted=accepted, changed=[
        IngestedAlert(id=c.alert["id"], fingerprint=c.alert["fingerprint"], status=c.alert["status"], event=c.event)
        for c in changes])


@router.post("/api/v1/alerts", response_model=IngestResult, openapi_extra=openapi_body(NATIVE_BODY))
async def post_native(state: StateDep, principal: PrincipalDep, request: Request) -> IngestResult:
    """One alert or a list, in pushd's own format; stored in one transaction."""
    body = await parse(request, NATIVE_BODY)
    alerts = body if isinstance(body, list) else [body]
    changes = await state.alerts.ingest([from_native(a) for a in handing_off(alerts)], "api", principal.actor)
    return _result(len(alerts), changes)


@router.post("/api/v1/webhooks/alertmanager", response_model=IngestResult, openapi_extra=openapi_body(WEBHOOK_BODY))
async def post_alertmanager_webhook(state: StateDep, principal: PrincipalDep, request: Request) -> IngestResult:
    """Point an Alertmanager `webhook_configs` receiver here."""
    body = await parse(request, WEBHOOK_BODY)
    alerts = [from_webhook(a) for a in handing_off(body.alerts)]
    changes = await state.alerts.ingest(alerts, "alertmanager", principal.actor)
    return _result(len(body.alerts), changes)


# As Alertmanager: 200 with an empty body (response_class=Response documents no content).
@router.post("/api/v2/alerts", response_class=Response, responses=errors(400), openapi_extra=openapi_body(V2_BODY))
async def post_v2_alerts(state: StateDep, principal: PrincipalDep, request: Request) -> Response:
    """Alertmanager's API v2, so a Prometheus server can name pushd as its alertmanager.

    As in Alertmanager, a batch with invalid alerts stores the valid ones and answers 400 naming each
    invalid one (Prometheus drops a batch that gets a 4xx, so refusing it whole would lose the valid
    alerts too). A body that is not a JSON array of objects is a 422 and stores nothing."""
    valid, invalid = await parse_each(request, V2_BODY, V2_ALERT)
    now = time.time()
    timeout = state.settings.resolve_timeout
    alerts = []
    for index, a in handing_off(valid):
        try:
            alerts.append(from_postable(a, now, timeout))
        except ValueError as exc:
            invalid.append((index, str(exc)))
    if alerts:
        await state.alerts.ingest(alerts, "prometheus", principal.actor)
    if invalid:
        return _invalid_alerts(sorted(invalid), len(alerts))
    return Response(status_code=200)


def _invalid_alerts(invalid: list[tuple[int, str]], stored: int) -> JSONResponse:
    """400 naming each invalid alert by its index in the array; `invalid` lists them for programs."""
    named = "; ".join(f"[{i}] {reason}" for i, reason in invalid)
    others = " (the others were stored)" if stored else ""
    detail = f"{len(invalid)} of {len(invalid) + stored} alerts invalid, not stored{others}: {named}"
    return JSONResponse({"detail": detail, "invalid": [{"index": i, "reason": r} for i, r in invalid]},
                        status_code=400)


routers = (router,)
