"""Host metrics: the latest psutil sample and the history behind trend charts."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import HTTPException, Query

from pushd.api.access import Require
from pushd.api.access import router as access_router
from pushd.api.deps import StateDep
from pushd.auth import Permission
from shared.models import MetricSample

router = access_router(Require(Permission.read), prefix="/api/v1/metrics", tags=["metrics"])


@router.get("/latest", response_model=MetricSample)
async def latest(state: StateDep) -> MetricSample:
    sample = state.trend.latest
    if sample is None:
        raise HTTPException(503, "no host sample taken yet", headers={"Retry-After": "1"})
    return MetricSample.model_validate(sample)


@router.get("/history", response_model=list[MetricSample])
async def history(
    state: StateDep,
    minutes: Annotated[float, Query(gt=0, le=7 * 24 * 60)] = 60,
    max_points: Annotated[int, Query(ge=2, le=10_000)] = 720,
) -> list[MetricSample]:
    """Oldest first; windows with more samples than `max_points` are averaged into buckets."""
    rows = await state.store.metrics_since(time.time() - minutes * 60, max_points)
    return [MetricSample.model_validate(r) for r in rows]


routers = (router,)
