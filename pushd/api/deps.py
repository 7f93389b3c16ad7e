"""Typed dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from pushd.state import State


def state_of(conn: HTTPConnection) -> State:
    return conn.app.state.pushd


async def get_state(conn: HTTPConnection) -> State:
    """Async on purpose: FastAPI runs a sync dependency in a worker thread, one hop per request."""
    return state_of(conn)


StateDep = Annotated[State, Depends(get_state)]
