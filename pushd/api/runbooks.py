"""Runbooks (预案): plans for alerts, versioned. Viewers read; operators write (see RunbookIn)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import HTTPException, Path, Response

from pushd.api.access import PrincipalDep, Require, router
from pushd.api.deps import SQLITE_MAX_INT, StateDep
from pushd.auth import Permission
from pushd.runbooks import current_alerts_matching
from pushd.store import iso
from shared.models import Alert
from shared.runbooks import Runbook, RunbookIn, RunbookVersion

readers = router(Require(Permission.read), prefix="/api/v1/runbooks", tags=["runbooks"])
# Operators write runbooks: they are the plans operators follow, and they change nothing pushd does
# to alerts (unlike silences or grouping rules). Every version records its author, and old versions stay.
writers = router(Require(Permission.act), prefix="/api/v1/runbooks", tags=["runbooks"])
RunbookId = Annotated[int, Path(ge=1, le=SQLITE_MAX_INT)]
VersionNo = Annotated[int, Path(ge=1, le=SQLITE_MAX_INT)]


def _runbook(row: dict[str, Any]) -> Runbook:
    times = {k: iso(row[k]) for k in ("updated_at", "created_at", "deleted_at")}
    return Runbook.model_validate({**row, **times})


async def _live(state: Any, runbook_id: int) -> dict[str, Any]:
    row = await state.store.runbooks.get(runbook_id)
    if row is None or row["deleted_at"] is not None:
        raise HTTPException(404, f"no runbook with id {runbook_id}")
    return row


@readers.get("", response_model=list[Runbook])
async def list_runbooks(state: StateDep) -> list[Runbook]:
    """Current versions of the runbooks not deleted."""
    return [_runbook(r) for r in await state.store.runbooks.list_live()]


@readers.get("/{runbook_id}", response_model=Runbook)
async def get_runbook(state: StateDep, runbook_id: RunbookId) -> Runbook:
    return _runbook(await _live(state, runbook_id))


@readers.get("/{runbook_id}/versions", response_model=list[RunbookVersion])
async def list_versions(state: StateDep, runbook_id: RunbookId) -> list[RunbookVersion]:
    """Oldest first; a deleted runbook's versions too, since a run may point at one."""
    rows = await state.store.runbooks.versions(runbook_id)
    if not rows:
        raise HTTPException(404, f"no runbook with id {runbook_id}")
    return [RunbookVersion.model_validate({**r, "created_at": iso(r["created_at"])}) for r in rows]


@readers.get("/{runbook_id}/versions/{version}", response_model=Runbook)
async def get_version(state: StateDep, runbook_id: RunbookId, version: VersionNo) -> Runbook:
    """One version as it was written, also of a deleted runbook."""
    row = await state.store.runbooks.get(runbook_id, version)
    if row is None:
        raise HTTPException(404, f"runbook {runbook_id} has no version {version}")
    return _runbook(row)


@readers.get("/{runbook_id}/matches", response_model=list[Alert])
async def matching_alerts(state: StateDep, runbook_id: RunbookId) -> list[Alert]:
    """The open alerts (firing or acknowledged) the current version is for, newest first."""
    row = await _live(state, runbook_id)
    return [Alert.model_validate(a) for a in state.alerts.mark_all(await current_alerts_matching(state.store, row))]


@writers.post("", response_model=Runbook, status_code=201)
async def create_runbook(state: StateDep, principal: PrincipalDep, body: RunbookIn) -> Runbook:
    return _runbook(await state.store.runbooks.create(body.model_dump(), principal.actor, time.time()))


@writers.put("/{runbook_id}", response_model=Runbook)
async def edit_runbook(state: StateDep, principal: PrincipalDep, runbook_id: RunbookId, body: RunbookIn) -> Runbook:
    """Writes version n+1 with the caller as its author; version n stays readable as it was."""
    return _runbook(await state.store.runbooks.add_version(runbook_id, body.model_dump(), principal.actor,
                                                           time.time()))


@writers.delete("/{runbook_id}", status_code=204)
async def delete_runbook(state: StateDep, principal: PrincipalDep, runbook_id: RunbookId) -> Response:
    """Marks it deleted: it leaves lists and alert details, its versions stay readable for runs."""
    await state.store.runbooks.delete(runbook_id, principal.actor, time.time())
    return Response(status_code=204)


routers = (readers, writers)
