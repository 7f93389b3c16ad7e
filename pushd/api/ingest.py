"""The three ingest paths: native, Alertmanager webhook, Alertmanager API v2."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel

from pushd.api.deps import StateDep
from pushd.ingest import AlertmanagerWebhook, PostableAlert, from_native, from_postable, from_webhook
from pushd.store import Change
from shared.models import AlertIn

router = APIRouter(tags=["ingest"])


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


@router.post("/api/v1/alerts", response_model=IngestResult)
async def post_native(state: StateDep, body: Annotated[AlertIn | list[AlertIn], Body()]) -> IngestResult:
    """One alert or a list, in pushd's own format; stored in one transaction."""
    alerts = body if isinstance(body, list) else [body]
    changes = await state.alerts.ingest([from_native(a) for a in alerts], "api")
    return _result(len(alerts), changes)


@router.post("/api/v1/webhooks/alertmanager", response_model=IngestResult)
async def post_alertmanager_webhook(state: StateDep, body: AlertmanagerWebhook) -> IngestResult:
    """Point an Alertmanager `webhook_configs` receiver here."""
    changes = await state.alerts.ingest([from_webhook(a) for a in body.alerts], "alertmanager")
    return _result(len(body.alerts), changes)


@router.post("/api/v2/alerts")
async def post_v2_alerts(state: StateDep, body: list[PostableAlert]) -> Response:
    """Alertmanager's API v2, so a Prometheus server can name pushd as its alertmanager."""
    now = time.time()
    timeout = state.settings.resolve_timeout
    await state.alerts.ingest([from_postable(a, now, timeout) for a in body], "prometheus")
    return Response(status_code=200)
