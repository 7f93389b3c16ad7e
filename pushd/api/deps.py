"""Typed dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from pushd.state import State


def get_state(conn: HTTPConnection) -> State:
    return conn.app.state.pushd


StateDep = Annotated[State, Depends(get_state)]
