"""The three ingest paths: native, Alertmanager webhook, Alertmanager API v2."""

from __future__ import annotations

import time

from fastapi import Request, Response
from pydantic import BaseModel

from pushd.api.access import PrincipalDep, Require
from pushd.api.access import router as access_router
from pushd.api.deps import StateDep
from pushd.api.json_body import openapi_body, parse
from pushd.auth import Permission
from pushd.ingest import NATIVE_BODY, V2_BODY, WEBHOOK_BODY, from_native, from_postable, from_webhook
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
    changes = await state.alerts.ingest([from_native(a) for a in alerts], "api", principal.actor)
    return _result(len(alerts), changes)


@router.post("/api/v1/webhooks/alertmanager", response_model=IngestResult, openapi_extra=openapi_body(WEBHOOK_BODY))
async def post_alertmanager_webhook(state: StateDep, principal: PrincipalDep, request: Request) -> IngestResult:
    """Point an Alertmanager `webhook_configs` receiver here."""
    body = await parse(request, WEBHOOK_BODY)
    changes = await state.alerts.ingest([from_webhook(a) for a in body.alerts], "alertmanager", principal.actor)
    return _result(len(body.alerts), changes)


@router.post("/api/v2/alerts", openapi_extra=openapi_body(V2_BODY))
async def post_v2_alerts(state: StateDep, principal: PrincipalDep, request: Request) -> Response:
    """Alertmanager's API v2, so a Prometheus server can name pushd as its alertmanager."""
    body = await parse(request, V2_BODY)
    now = time.time()
    timeout = state.settings.resolve_timeout
    await state.alerts.ingest([from_postable(a, now, timeout) for a in body], "prometheus", principal.actor)
    return Response(status_code=200)


routers = (router,)
