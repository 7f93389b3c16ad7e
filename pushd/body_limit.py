"""Refuse request bodies over a size limit with 413, before they are read into memory.

Only the ingest routes take large bodies (an Alertmanager group can be megabytes); every other body
is a small form (a login, a comment, a user). Giving those the ingest limit would let anyone, without
a token, make pushd parse 16 MiB of JSON on its event loop through the public login route.
"""

from __future__ import annotations

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SMALL_MAX_BYTES = 64 * 1024


class BodyLimitMiddleware:
    """Checks Content-Length up front, and counts the bytes of bodies sent without one (chunked)."""

    def __init__(self, app: ASGIApp, max_bytes: int, large_paths: frozenset[str] = frozenset(),
                 small_max_bytes: int = SMALL_MAX_BYTES) -> None:
        self.app = app
        self.large_paths = large_paths  # these take max_bytes; every other path small_max_bytes
        self.limits = {True: max_bytes, False: min(small_max_bytes, max_bytes)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limits[scope["path"] in self.large_paths]
        detail = f"request body is larger than {max_bytes} bytes"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            body = orjson.dumps({"detail": detail})
            await send({"type": "http.response.start", "status": 413, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    # An HTTPException passes through FastAPI's body parsing and becomes a 413 answer.
                    raise HTTPException(413, detail)
            return message

        await self.app(scope, limited_receive, send)
