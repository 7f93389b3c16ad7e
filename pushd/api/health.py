"""Liveness and pushd's own Prometheus metrics."""

from __future__ import annotations

from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from pushd.api.access import PUBLIC, Require, router
from pushd.api.deps import StateDep
from pushd.auth import Permission

public = router(PUBLIC, tags=["health"])
scraped = router(Require(Permission.read, public_if="metrics_public"), tags=["health"])


@public.get("/healthz")
async def healthz(state: StateDep) -> dict:
    """200 while the store answers; 503 (from the store error handler) when it does not."""
    await state.store.ping()
    return {"status": "ok", "subscribers": state.hub.counts()}


@scraped.get("/metrics", include_in_schema=False)
async def metrics(state: StateDep) -> Response:
    for channel, n in state.hub.counts().items():
        state.telemetry.subscribers.labels(channel).set(n)
    return Response(generate_latest(state.telemetry.registry), media_type=CONTENT_TYPE_LATEST)


routers = (public, scraped)
