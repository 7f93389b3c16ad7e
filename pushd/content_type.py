"""Refuse request bodies that do not say they are JSON with 415, before any route reads them.

Every pushd route that takes a body takes JSON. A browser may send a cross-origin POST without a
preflight only as `text/plain`, `application/x-www-form-urlencoded` or `multipart/form-data`; refusing
every body that is not declared JSON keeps any web page a user visits from writing to their pushd.

Accepted: `application/json` and any `application/<something>+json`, with or without parameters
(`; charset=utf-8`). A request without a body (no Content-Length or `Content-Length: 0`, or a chunked
body that turns out empty) passes whatever its Content-Type, so `POST /ack` needs no header.

Runs outside the routes, so a body with the wrong type gets 415 before authentication (401/403)
and before the size limit (413): the answer depends on the headers alone and tells nothing.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DETAIL = "the body must be JSON: send Content-Type: application/json (or an application/*+json type)"


def is_json(content_type: bytes | None) -> bool:
    """`application/json` or `application/*+json`, parameters ignored, case-insensitive."""
    if content_type is None:
        return False
    media = content_type.split(b";", 1)[0].strip().lower()
    kind, sep, subtype = media.partition(b"/")
    return bool(sep) and kind == b"application" and (subtype == b"json" or subtype.endswith(b"+json"))


class ContentTypeMiddleware:
    """415 for a non-empty request body whose Content-Type is missing or not JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if is_json(headers.get(b"content-type")):
            await self.app(scope, receive, send)
            return
        length = headers.get(b"content-length")
        if length is not None:
            if length.strip() in (b"0", b""):
                await self.app(scope, receive, send)
            else:
                await _refuse(send)
            return
        if b"transfer-encoding" not in headers:  # HTTP/1.1: neither header means no body
            await self.app(scope, receive, send)
            return
        # A chunked body: read up to its first byte to learn whether it is empty, then replay it.
        seen: list[Message] = []
        while True:
            message = await receive()
            seen.append(message)
            if message["type"] != "http.request":  # the client left
                break
            if message.get("body"):
                await _refuse(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return seen.pop(0) if seen else await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send) -> None:
    body = orjson.dumps({"detail": DETAIL})
    await send({"type": "http.response.start", "status": 415, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
