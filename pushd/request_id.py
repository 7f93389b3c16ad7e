"""Request ids: every HTTP answer carries `X-Request-ID`, and every log line of that request its value.

pushd takes a well-formed incoming `X-Request-ID` (1 to 128 letters, digits and `._:-`: what nginx's
`$request_id`, UUIDs and most tracing tools send), from anyone: it only names the sender's own request
in the log, cannot break a line (JSON escapes it, the pattern has no spaces or newlines) and lets a
proxy's access log and pushd's be joined. Otherwise it makes one: 32 hex digits (as nginx's), a random
prefix per process and a counter, unique without a system call per request.

Pure ASGI, no BaseHTTPMiddleware (which would run each request through a task group and a stream): one
contextvar set and one header added per request: 6-9 µs measured in isolation on the shared 2-core
machine (load average 3.7), against pushd's ~1.8 ms of CPU per single-alert POST there, which an A/B
run did not see move (docs/deploy.md, "Logs"). Push sockets do not
pass through it: they are handed off before it (pushd.api.ws.WebSocketShortcut), so a subscriber's
messages cost nothing more.
"""

from __future__ import annotations

import itertools
import os
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pushd.logs import request_id

HEADER = b"x-request-id"
WELL_FORMED = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_PREFIX = os.urandom(8).hex()
_COUNTER = itertools.count(1)


def new_id() -> str:
    return f"{_PREFIX}{next(_COUNTER) & 0xFFFFFFFFFFFFFFFF:016x}"


def incoming(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == HEADER:
            return value.decode("ascii") if WELL_FORMED.fullmatch(value) else None
    return None


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = incoming(scope) or new_id()
        # Each request runs in its own task (a copy of the context), so the value ends with it.
        request_id.set(rid)
        header = (HEADER, rid.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        await self.app(scope, receive, send_with_id)
