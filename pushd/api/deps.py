"""Typed dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.requests import HTTPConnection

from pushd.state import State


def state_of(conn: HTTPConnection) -> State:
    return conn.app.state.pushd


async def get_state(conn: HTTPConnection) -> State:
    """Async on purpose: FastAPI runs a sync dependency in a worker thread, one hop per request."""
    return state_of(conn)


StateDep = Annotated[State, Depends(get_state)]

# SQLite's largest integer: bigger ids or offsets would fail in the driver, so they are a 422 here.
SQLITE_MAX_INT = 2**63 - 1
Offset = Annotated[int, Query(ge=0, le=SQLITE_MAX_INT)]
