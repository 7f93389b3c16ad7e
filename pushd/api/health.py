"""Liveness and pushd's own Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from pushd.api.deps import StateDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(state: StateDep) -> dict:
    """200 while the store answers; 503 (from the store error handler) when it does not."""
    await state.store.ping()
    return {"status": "ok", "subscribers": state.hub.counts()}


@router.get("/metrics", include_in_schema=False)
async def metrics(state: StateDep) -> Response:
    for channel, n in state.hub.counts().items():
        state.telemetry.subscribers.labels(channel).set(n)
    return Response(generate_latest(state.telemetry.registry), media_type=CONTENT_TYPE_LATEST)
