"""Request bodies validated straight from bytes by pydantic-core, still documented in OpenAPI.

FastAPI would `json.loads` the body and then validate the Python objects; on the ingest routes,
where every alert passes, validating the raw JSON in one pass is markedly cheaper. Errors keep
FastAPI's 422 shape (`loc` starts with "body").
"""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic_core
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from pushd.validation import not_utf8

T = TypeVar("T")


def _errors(exc: ValidationError, body: bytes) -> list[dict[str, Any]]:
    errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_context=False)]
    if errors[0]["type"] == "json_invalid":  # say so when the reason is the encoding, as http_error does
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as bad:
            errors[0]["msg"] = f"Invalid JSON: {not_utf8(bad)}"
    return errors


async def parse(request: Request, adapter: TypeAdapter[T]) -> T:
    body = await request.body()
    try:
        return adapter.validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(_errors(exc, body)) from None


def _where(loc: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(the item)"


async def parse_each(request: Request, batch: TypeAdapter[list[T]], item: TypeAdapter[T]
                     ) -> tuple[list[tuple[int, T]], list[tuple[int, str]]]:
    """A JSON array validated item by item: `(index, item)` for the valid ones, `(index, reason)` for
    each invalid one.

    The whole array is validated in one pass first (the common case: everything is valid); only when
    some item fails are the others validated one by one. A body that is not a JSON array at all
    raises RequestValidationError (422), as `parse` does."""
    body = await request.body()
    try:
        return list(enumerate(batch.validate_json(body))), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False)
        if any(not e["loc"] or not isinstance(e["loc"][0], int) for e in errors):
            raise RequestValidationError(_errors(exc, body)) from None
    reasons: dict[int, list[str]] = {}
    for e in errors:
        reasons.setdefault(e["loc"][0], []).append(f"{_where(e['loc'][1:])}: {e['msg']}")
    valid: list[tuple[int, T]] = []
    for index, raw in enumerate(pydantic_core.from_json(body)):
        if index in reasons:
            continue
        try:
            valid.append((index, item.validate_json(pydantic_core.to_json(raw))))
        except ValidationError as exc:  # not expected: it passed inside the array
            reasons[index] = [f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)]
    return valid, [(i, "; ".join(r)) for i, r in sorted(reasons.items())]


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Replace `#/$defs/X` references by their definitions (our ingest models are not recursive)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def openapi_body(adapter: TypeAdapter[Any]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its body with `parse`."""
    schema = adapter.json_schema()
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": _inline(schema, schema.get("$defs", {}))}}}}
