"""The error answers pushd gives, described once for the OpenAPI schema of every route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    """Every error but 400 and 422 answers `{"detail": "what was wrong"}`."""

    detail: str


class InvalidItem(BaseModel):
    index: int
    reason: str


class BatchErrorBody(ErrorBody):
    """400 from POST /api/v2/alerts: the invalid alerts of a batch, by index (the others were stored)."""

    invalid: list[InvalidItem]


class ValidationIssue(BaseModel):
    """One reason a request was refused: where (`loc`, e.g. ["query", "limit"]), what and why."""

    type: str
    loc: list[str | int]
    msg: str
    input: Any = None
    ctx: dict[str, Any] | None = None


class ValidationErrorBody(BaseModel):
    """422: FastAPI's shape, for every route (pushd.api.json_body renders it)."""

    detail: list[ValidationIssue]


DESCRIPTIONS = {
    400: "Some items of the batch were invalid (they are named); the valid ones were stored",
    401: "Missing, invalid, expired or revoked bearer token",
    403: "The token's role may not do this",
    404: "No such item",
    409: "Not allowed from the item's current state",
    413: "Request body too large",
    415: "The body must be JSON (Content-Type application/json or +json)",
    422: "The request does not match this schema (each issue is named)",
    500: "A bug in pushd: logged; retrying will not help",
    503: "Storage unavailable or overloaded: retry after Retry-After seconds",
}
MODELS: dict[int, type[BaseModel]] = {400: BatchErrorBody, 422: ValidationErrorBody}
HEADERS = {
    401: {"WWW-Authenticate": {"description": "Bearer", "required": True, "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "Seconds to wait", "required": True,
                          "schema": {"type": "string", "pattern": "^[0-9]+$"}}},
}


# Alertmanager's API v2 answers a refusal with a bare JSON string, and its clients (amtool, Grafana)
# decode exactly that: pushd's silence and alert-query routes do the same.
_AM_STRING = {"application/json": {"schema": {"type": "string"}}}
AM_REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"content": _AM_STRING, "description": "Refused as Alertmanager refuses it, in its words (a JSON string)"}}
AM_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"content": _AM_STRING, "description": "No silence with that id (a JSON string)"}}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for these status codes: body schema, description, headers."""
    out: dict[int | str, dict[str, Any]] = {}
    for s in statuses:
        out[s] = {"model": MODELS.get(s, ErrorBody), "description": DESCRIPTIONS[s]}
        if s in HEADERS:
            out[s]["headers"] = HEADERS[s]
    return out
