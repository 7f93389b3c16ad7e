"""The answers to requests pushd cannot read: 422s that can always be sent and never echo a secret.

Whatever a client sends, the 422 that describes it must itself be valid JSON: FastAPI echoes each
invalid `input`, which may be the raw bytes of a body that is not UTF-8, an infinite float
(`1e999`), a string with a lone surrogate or a megabyte of text; and for a password or token it would
send the secret back (and into any log that records bodies). `validation_error` renders the errors
of every route so that none of these turns a 4xx into a 500 or leaks a secret.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

SECRET_FIELDS = frozenset({"password", "token", "ticket", "secret"})
ECHO_CHARS = 200  # of an invalid input, echoed back in a 422
ECHO_DEPTH = 4
ECHO_ITEMS = 20
# What FastAPI says when `json.loads` fails with anything but a JSONDecodeError (see http_error).
FASTAPI_PARSE_ERROR = "There was an error parsing the body"


def not_utf8(exc: UnicodeDecodeError) -> str:
    return f"the body is not UTF-8 text ({exc.reason} at byte {exc.start})"


def _echo(value: Any, depth: int = 0) -> Any:
    """`value` made safe to send back in JSON: short, finite, valid Unicode."""
    if value is None or isinstance(value, bool) or (isinstance(value, int) and -(2**63) <= value < 2**63):
        return value
    if isinstance(value, int):
        try:
            value = str(value)
        except ValueError:  # more digits than Python converts
            return "a very large integer"
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        if len(value) > ECHO_CHARS:
            value = value[:ECHO_CHARS] + "…"
        return value.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate becomes "?"
    if depth >= ECHO_DEPTH:
        return "…"
    if isinstance(value, dict):
        items = list(value.items())
        out = {str(_echo(k)): _echo(v, depth + 1) for k, v in items[:ECHO_ITEMS]}
        if len(items) > ECHO_ITEMS:
            out["…"] = f"{len(items) - ECHO_ITEMS} more"
        return out
    if isinstance(value, list | tuple):
        out_list = [_echo(v, depth + 1) for v in value[:ECHO_ITEMS]]
        return [*out_list, "…"] if len(value) > ECHO_ITEMS else out_list
    return _echo(str(value), depth)


def clean_errors(errors: Any) -> list[dict[str, Any]]:
    """FastAPI's error list with every field safe to encode; no `input` for a body that is not JSON
    (it would be the whole body again); "[redacted]" for the input of a secret field."""
    out = []
    for e in errors:
        loc = e.get("loc", ())
        clean: dict[str, Any] = {"type": e.get("type"), "loc": [_echo(p) for p in loc],
                                 "msg": _echo(str(e.get("msg", "")))}
        ctx = e.get("ctx")
        if e.get("type") == "json_invalid" and isinstance(ctx, dict) and "error" in ctx:
            # FastAPI's json.loads failure says only "JSON decode error"; its reason is in ctx.
            where = f" at character {loc[1]}" if len(loc) > 1 else ""
            clean["msg"] = f"Invalid JSON: {_echo(str(ctx['error']))}{where}"
        if any(isinstance(p, str) and p.lower() in SECRET_FIELDS for p in loc):
            clean["input"] = "[redacted]"
        elif "input" in e and e.get("type") not in ("json_invalid", "extra_forbidden"):
            # extra_forbidden: a misspelled field ("pass" for "password") may hold a secret.
            clean["input"] = _echo(e["input"])
        if isinstance(e.get("ctx"), dict):
            clean["ctx"] = {str(k): _echo(v if isinstance(v, str | int | float | None) else str(v))
                            for k, v in e["ctx"].items()}
        out.append(clean)
    return out


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 for a body (or query) that failed validation, for every route."""
    return JSONResponse({"detail": clean_errors(exc.errors())}, status_code=422)


def _why(cause: BaseException) -> str:
    """In pydantic-core's words where it has some, so that all routes say the same thing."""
    if isinstance(cause, RecursionError):
        return "recursion limit exceeded (arrays or objects nested too deeply)"
    if isinstance(cause, UnicodeDecodeError):
        return not_utf8(cause)
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "number out of range (an integer of more than 4300 digits)"
    return f"{type(cause).__name__}: {_echo(str(cause))}"


async def http_error(request: Request, exc: HTTPException) -> Response:
    """FastAPI's own answer to an HTTPException, except for a body that `json.loads` could not read
    for a reason other than a syntax error (not UTF-8, nested too deeply, a number with thousands of
    digits): FastAPI says 400 "There was an error parsing the body"; pushd says 422 and why, in the
    same shape as every other body it cannot read."""
    cause = exc.__cause__
    if exc.status_code == 400 and exc.detail == FASTAPI_PARSE_ERROR and cause is not None:
        return JSONResponse({"detail": [{"type": "json_invalid", "loc": ["body"],
                                         "msg": f"Invalid JSON: {_why(cause)}"}]}, status_code=422)
    return await http_exception_handler(request, exc)
