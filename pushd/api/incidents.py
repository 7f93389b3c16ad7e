"""Incidents: list, create, edit, move through open -> acknowledged -> mitigated -> resolved, attach
alerts, notes, and the timeline a client reads to catch up on missed pushes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query, Response

from pushd.api.access import PrincipalDep, Require, router
from pushd.api.deps import SQLITE_MAX_INT, Offset, StateDep
from pushd.auth import Permission
from pushd.incidents import export
from pushd.incidents.service import wire_entry, wire_run
from pushd.responses import errors
from pushd.state import State
from pushd.store import NotFound
from pushd.store.incidents import IncidentQuery
from shared.accounts import Username
from shared.incidents import (
    AlertIds,
    IncidentAction,
    IncidentCreate,
    IncidentDetail,
    IncidentPage,
    IncidentStats,
    IncidentStatus,
    IncidentUpdate,
    NoteIn,
    RunbookRun,
    RunStart,
    StepMark,
    TimelineEntry,
)
from shared.models import Severity

readers = router(Require(Permission.read), prefix="/api/v1/incidents", tags=["incidents"])
actors = router(Require(Permission.act), prefix="/api/v1/incidents", tags=["incidents"])
IncidentId = Annotated[int, Path(ge=1, le=SQLITE_MAX_INT)]
AlertIdPath = Annotated[int, Path(ge=1, le=SQLITE_MAX_INT)]
RunId = Annotated[int, Path(ge=1, le=SQLITE_MAX_INT)]
StepNo = Annotated[int, Path(ge=1, le=SQLITE_MAX_INT, description="the step's number, from 1")]


async def _check_assignee(state: State, name: str | None) -> None:
    """An unknown assignee is a 404 naming the user: the body is well-formed (a 422 would say it is
    not, and the schema cannot know the users); the detail says which thing was not found."""
    if name is not None and await state.store.access.get_user(name) is None:
        raise NotFound(f"no user {name!r}")



async def _detail(state: State, incident_id: int) -> dict[str, Any]:
    """The incident as IncidentService.detail gives it, its alerts marked with `silenced_by` as every
    alert pushd shows is."""
    detail = await state.incidents.detail(incident_id)
    state.alerts.mark_all(detail["alerts"])
    return detail

@readers.get("", response_model=IncidentPage)
async def list_incidents(
    state: StateDep,
    status: Annotated[list[IncidentStatus], Query(description="repeatable")] = [],  # noqa: B006 - FastAPI copies it
    severity: Annotated[list[Severity], Query(description="repeatable")] = [],  # noqa: B006
    assignee: Annotated[Username | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> IncidentPage:
    """Newest first, paged; rows carry no timeline."""
    items, total = await state.incidents.list(IncidentQuery(
        statuses=[s.value for s in status], severities=[s.value for s in severity], assignee=assignee,
        limit=limit, offset=offset))
    return IncidentPage.model_validate({"items": items, "total": total})


# Not /api/v1/incidents/stats: that path would also be /{incident_id} for other methods (PATCH
# /stats a 422 instead of a 405).
stats = router(Require(Permission.read), prefix="/api/v1/incident-stats", tags=["incidents"])


@stats.get("", response_model=IncidentStats)
async def incident_stats(state: StateDep) -> IncidentStats:
    """Counts by status, MTTA and MTTR in seconds, computed from the timelines (for the overview)."""
    return IncidentStats.model_validate(await state.incidents.stats())


@actors.post("", response_model=IncidentDetail, status_code=201, responses=errors(404))
async def create_incident(state: StateDep, principal: PrincipalDep, body: IncidentCreate) -> Any:
    """Open an incident, optionally with alerts (404 when one does not exist: nothing is created)."""
    await _check_assignee(state, body.assignee)
    incident = await state.incidents.create(body.title, body.severity.value, body.assignee, body.alert_ids,
                                            principal.actor)
    return await _detail(state, incident["id"])


@readers.get("/{incident_id}", response_model=IncidentDetail, responses=errors(404))
async def get_incident(state: StateDep, incident_id: IncidentId) -> Any:
    return await _detail(state, incident_id)


@actors.patch("/{incident_id}", response_model=IncidentDetail, responses=errors(404))
async def update_incident(state: StateDep, principal: PrincipalDep, incident_id: IncidentId,
                          body: IncidentUpdate) -> Any:
    """Title, severity, assignee (null unassigns); one timeline entry per field that changes."""
    changes = {k: getattr(body, k) for k in body.model_fields_set}
    if "severity" in changes:
        changes["severity"] = changes["severity"].value
    await _check_assignee(state, changes.get("assignee"))
    await state.incidents.update(incident_id, changes, principal.actor)
    return await _detail(state, incident_id)


@actors.post("/{incident_id}/alerts", response_model=IncidentDetail, responses=errors(404, 409))
async def attach_alerts(state: StateDep, principal: PrincipalDep, incident_id: IncidentId, body: AlertIds) -> Any:
    """404 for an unknown incident or alert, 409 when one is already attached (none is attached then)."""
    await state.incidents.attach(incident_id, body.alert_ids, principal.actor)
    return await _detail(state, incident_id)


@actors.delete("/{incident_id}/alerts/{alert_id}", response_model=IncidentDetail, responses=errors(404, 409))
async def detach_alert(state: StateDep, principal: PrincipalDep, incident_id: IncidentId,
                       alert_id: AlertIdPath) -> Any:
    """409 when the alert is not attached to the incident."""
    await state.incidents.detach(incident_id, alert_id, principal.actor)
    return await _detail(state, incident_id)


@actors.post("/{incident_id}/notes", response_model=TimelineEntry, status_code=201, responses=errors(404))
async def add_note(state: StateDep, principal: PrincipalDep, incident_id: IncidentId, body: NoteIn) -> Any:
    return wire_entry(await state.incidents.note(incident_id, body.text, principal.actor))


def _action_route(action: IncidentAction) -> None:
    # One route per action rather than /{id}/{action}: a path that is no action (POST .../timeline)
    # is then a 405, not a 422 from an enum.
    async def act(state: StateDep, principal: PrincipalDep, incident_id: IncidentId) -> Any:
        await state.incidents.act(incident_id, action.value, principal.actor)
        return await _detail(state, incident_id)
    actors.add_api_route(f"/{{incident_id}}/{action.value}", act, methods=["POST"], response_model=IncidentDetail,
                         responses=errors(404, 409), name=f"{action.value}_incident",
                         summary=f"{action.value.title()} Incident",
                         description="ack, mitigate, resolve move forward (skipping steps is allowed); reopen takes"
                                     " a resolved incident back to open. Anything else is 409.")


for _action in IncidentAction:
    _action_route(_action)


@actors.post("/{incident_id}/runbook-runs", response_model=RunbookRun, status_code=201, responses=errors(404, 409))
async def start_runbook_run(state: StateDep, principal: PrincipalDep, incident_id: IncidentId, body: RunStart) -> Any:
    """Follow a runbook's current version for this incident (a `runbook_started` entry). 404 for an
    unknown incident or runbook (a deleted one too), 409 when the incident is resolved."""
    return wire_run(await state.incidents.start_run(incident_id, body.runbook_id, principal.actor))


@actors.patch("/{incident_id}/runbook-runs/{run_id}/steps/{n}", response_model=RunbookRun,
              responses=errors(404, 409))
async def mark_runbook_step(state: StateDep, principal: PrincipalDep, incident_id: IncidentId, run_id: RunId,
                            n: StepNo, body: StepMark) -> Any:
    """Step n (from 1) is done, skipped or back to todo, with an optional note (a `runbook_step` entry: who, when,
    note); marking it again corrects it. 404 for an unknown incident, run or step, 409 when the
    incident is resolved."""
    return wire_run(await state.incidents.mark_step(incident_id, run_id, n, body.state, body.note, principal.actor))


@readers.get("/{incident_id}/timeline", response_model=list[TimelineEntry], responses=errors(404))
async def incident_timeline(state: StateDep, incident_id: IncidentId,
                            after: Annotated[int, Query(ge=0, le=SQLITE_MAX_INT)] = 0) -> Any:
    """Entries with seq > after, oldest first: what a client that missed pushes catches up with."""
    return [wire_entry(e) for e in await state.store.incidents.timeline(incident_id, after)]


@readers.get("/{incident_id}/export", response_class=Response, responses={
    **errors(404), 200: {"content": {"text/markdown": {"schema": {"type": "string"}}},
                         "description": "A postmortem draft in Markdown"}})
async def export_incident(state: StateDep, incident_id: IncidentId,
                          lang: Annotated[Literal["zh", "en"], Query()] = "en") -> Response:
    """Summary, alerts, timeline, runbook steps, in the dashboard's language."""
    text = export.render(await _detail(state, incident_id), lang)
    return Response(text, media_type="text/markdown; charset=utf-8")


routers = (stats, readers, actors)
