"""Typed dependencies shared by the routes."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Query
from pydantic import AwareDatetime, BeforeValidator
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

RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})")


def _rfc3339(value: object) -> object:
    """OpenAPI's `format: date-time` is RFC 3339; pydantic alone would also take Unix seconds ("0.5")
    and other ISO 8601 forms, which the schema does not promise."""
    if not isinstance(value, str) or not RFC3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 date-time with a time zone, e.g. 2026-01-31T12:00:00Z")
    return value


# A time in a query: RFC 3339 only, as documented.
Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
