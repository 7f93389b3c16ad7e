"""The error answers pushd gives, described once for the OpenAPI schema of every route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    """Every error but 422 (FastAPI's validation shape) answers `{"detail": "what was wrong"}`."""

    detail: str


DESCRIPTIONS = {
    400: "Some items of the batch were invalid (they are named); the valid ones were stored",
    401: "Missing, invalid, expired or revoked bearer token",
    403: "The token's role may not do this",
    404: "No such item",
    409: "Not allowed from the item's current state",
    413: "Request body too large",
    415: "The body must be JSON (Content-Type application/json or +json)",
    500: "A bug in pushd: logged; retrying will not help",
    503: "Storage unavailable or overloaded: retry after Retry-After seconds",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for these status codes."""
    return {s: {"model": ErrorBody, "description": DESCRIPTIONS[s]} for s in statuses}
