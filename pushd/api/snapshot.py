"""Everything a dashboard draws, in one call."""

from __future__ import annotations

import asyncio
import time

from pushd import __version__
from pushd.api.access import Require
from pushd.api.access import router as access_router
from pushd.api.deps import StateDep
from pushd.auth import Permission
from shared.models import Snapshot

router = access_router(Require(Permission.read), tags=["snapshot"])
FIRING_LIMIT = 50
LOG_LIMIT = 50


@router.get("/api/v1/snapshot", response_model=Snapshot)
async def snapshot(state: StateDep) -> Snapshot:
    summary, firing, events = await asyncio.gather(
        state.alerts.summary(), state.store.firing(FIRING_LIMIT), state.store.recent_log(LOG_LIMIT))
    return Snapshot.model_validate({
        "ts": time.time(),
        "counts": summary["counts"],
        "recent_alerts": summary["recent"],
        "firing_alerts": state.alerts.mark_all(firing),
        "latest_metrics": state.trend.latest,
        "trend": list(state.trend.points),
        "events": events,
        "subscribers": state.hub.counts(),
        "server": {"version": __version__, "hostname": state.hostname, "started_at": state.started_at,
                   "uptime_seconds": round(time.time() - state.started_at, 1)},
    })


routers = (router,)
