"""Request bodies validated straight from bytes by pydantic-core, still documented in OpenAPI.

FastAPI would `json.loads` the body and then validate the Python objects; on the ingest routes,
where every alert passes, validating the raw JSON in one pass is markedly cheaper. Errors keep
FastAPI's 422 shape (`loc` starts with "body").
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


async def parse(request: Request, adapter: TypeAdapter[T]) -> T:
    body = await request.body()
    try:
        return adapter.validate_json(body)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_context=False)]
        raise RequestValidationError(errors) from None


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
