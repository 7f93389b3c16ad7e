"""The 422 answer: FastAPI's shape, but never echoing a secret or bytes that are not text.

FastAPI puts each invalid value into the error (`input`). For a password or token that would send
the secret back in an error body (and into any log that records bodies); for a body that is not
UTF-8 it cannot be encoded as JSON at all.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

SECRET_FIELDS = frozenset({"password", "token", "ticket", "secret"})


def _safe(error: dict[str, Any]) -> dict[str, Any]:
    error = dict(error)
    if any(isinstance(part, str) and part.lower() in SECRET_FIELDS for part in error.get("loc", ())):
        error["input"] = "[redacted]"
    elif isinstance(error.get("input"), bytes | bytearray):
        error["input"] = bytes(error["input"]).decode("utf-8", "replace")
    return error


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": jsonable_encoder([_safe(e) for e in exc.errors()])}, status_code=422)
