"""Alertmanager's API v2 for silences, so `amtool silence add|query|expire` (and Grafana, Karma…)
work against pushd unchanged. Shapes, validation, states and update rules are Alertmanager's; the
error bodies too are Alertmanager's, a bare JSON string (amtool cannot decode any other)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.responses import JSONResponse

from pushd.api.access import PrincipalDep, Require, router
from pushd.api.deps import StateDep
from pushd.auth import Permission
from pushd.responses import AM_NOT_FOUND, AM_REFUSED
from pushd.silences.rules import InvalidSilence
from pushd.store import NotFound
from shared.matchers import Matcher, parse
from shared.silences import Silence, SilenceCreated, SilenceIn, SilenceState

readers = router(Require(Permission.read), prefix="/api/v2", tags=["silences"])
writers = router(Require(Permission.act), prefix="/api/v2", tags=["silences"])
SilenceId = Annotated[str, Path(min_length=1, max_length=64, description="a silence id (a UUID)")]
Filter = Annotated[list[str], Query(max_length=64, description='matchers such as `alertname="Foo"`; repeatable')]


def matchers_of(filters: list[str]) -> list[Matcher]:
    """Alertmanager's `filter` parameter; InvalidSilence (400) naming the one that is not a matcher."""
    try:
        return [parse(f) for f in filters]
    except ValueError as exc:
        raise InvalidSilence(f"bad matcher in filter: {exc}") from None


@readers.get("/silences", response_model=list[Silence], responses=AM_REFUSED)
async def list_silences(state: StateDep, filter: Filter = [],  # noqa: B006 - Alertmanager's name; copied
                        active: bool = True, pending: bool = True, expired: bool = True) -> Any:
    """Active first (soonest end first), then pending, then expired (latest end first); `filter`
    keeps the silences that have each given matcher (the same name, operator and value)."""
    states = {s for s, wanted in ((SilenceState.active, active), (SilenceState.pending, pending),
                                  (SilenceState.expired, expired)) if wanted}
    return state.silences.list(states, matchers_of(filter))


class SilenceNotFound(Exception):
    """404 in Alertmanager's shape."""


@contextlib.contextmanager
def alertmanager_404() -> Iterator[None]:
    """pushd's NotFound answered as Alertmanager answers it (a bare JSON string)."""
    try:
        yield
    except NotFound as exc:
        raise SilenceNotFound(str(exc)) from None


@readers.get("/silence/{silence_id}", response_model=Silence, responses=AM_NOT_FOUND)
async def get_silence(state: StateDep, silence_id: SilenceId) -> Any:
    with alertmanager_404():
        return state.silences.get(silence_id)


@writers.post("/silences", response_model=SilenceCreated, responses={**AM_REFUSED, **AM_NOT_FOUND})
async def post_silences(state: StateDep, principal: PrincipalDep, body: SilenceIn) -> Any:
    """Create a silence, or change the one named by `id`: kept in place when Alertmanager's rules allow
    (same matchers; an active one keeps its start), otherwise a new silence replaces it and the old one
    is expired. pushd records who did it (`actor`); `createdBy` stays what the client wrote."""
    with alertmanager_404():
        return {"silenceID": await state.silences.set(body, principal.actor)}


@writers.delete("/silence/{silence_id}", response_class=Response, responses={
    **AM_NOT_FOUND, 200: {"description": "Expired (or already expired)"}})
async def delete_silence(state: StateDep, principal: PrincipalDep, silence_id: SilenceId) -> Response:
    """Expire the silence now; it stays listed as expired until the retention has passed."""
    with alertmanager_404():
        await state.silences.expire(silence_id, principal.actor)
    return Response(status_code=200)


async def invalid_silence(request: Request, exc: InvalidSilence) -> JSONResponse:
    """400 with Alertmanager's words for what it refuses, as a bare JSON string."""
    return JSONResponse(str(exc), status_code=400)


async def silence_not_found(request: Request, exc: SilenceNotFound) -> JSONResponse:
    return JSONResponse(str(exc), status_code=404)


routers = (readers, writers)
