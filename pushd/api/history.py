"""The state changes of all alerts (the audit trail), and who made them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from pushd.api.access import Require
from pushd.api.access import router as access_router
from pushd.api.deps import SQLITE_MAX_INT, Offset, StateDep, Timestamp
from pushd.auth import Permission
from pushd.store import HistoryQuery
from shared.models import Actor, LogPage

router = access_router(Require(Permission.read), prefix="/api/v1", tags=["history"])


@router.get("/history", response_model=LogPage)
async def history(
    state: StateDep,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=50, description="created, acknowledged, resolved, ...")] = None,
    alert_id: Annotated[int | None, Query(ge=1, le=SQLITE_MAX_INT)] = None,
    since: Timestamp | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> LogPage:
    """Newest first, paged."""
    items, total = await state.store.history(HistoryQuery(
        actor=actor, action=action, alert_id=alert_id, since=since.timestamp() if since else None,
        limit=limit, offset=offset))
    return LogPage.model_validate({"items": items, "total": total})


@router.get("/actors", response_model=list[Actor])
async def actors(state: StateDep) -> list[Actor]:
    """Everyone who changed an alert, most recently active first."""
    return [Actor.model_validate(a) for a in await state.store.actors()]


routers = (router,)
