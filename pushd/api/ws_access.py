"""Who may open a push socket, checked before the handshake is accepted (docs/push.md, "Access").

Order: the Origin (a browser page from another site may not read the stream), then the credential
(`Authorization: Bearer` from tools, or a single-use ticket offered as the subprotocol
`pushd.ticket.<ticket>` from browsers, which cannot set headers), then the socket caps. A refusal
is an HTTP answer with a JSON body where the server supports ASGI's denial-response extension (uvicorn
does), else a plain 403.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson
from starlette.types import Scope, Send

from pushd.api.access import bearer_token
from pushd.auth import AccessDenied, Permission, Principal, allows
from pushd.state import State

SUBPROTOCOL = "pushd.v1"
TICKET_PREFIX = "pushd.ticket."


class Refused(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def origin_allowed(scope: Scope, allowed: frozenset[str]) -> bool:
    """No Origin (tools) is allowed; otherwise it must be listed, or by default be pushd's own
    (the same host and port as the Host header: the page was served by pushd, or by a proxy in front of it)."""
    origin = header(scope, b"origin")
    if origin is None:
        return True
    origin = origin.rstrip("/")
    if allowed:
        return origin in allowed
    host = header(scope, b"host")
    return host is not None and urlsplit(origin).netloc == host and origin != "null"


def ticket_of(scope: Scope) -> str | None:
    for proto in scope.get("subprotocols", ()):
        if proto.startswith(TICKET_PREFIX):
            return proto.removeprefix(TICKET_PREFIX)
    return None


async def admit(state: State, scope: Scope) -> Principal:
    """The principal the socket acts as; Refused when it may not open."""
    if not origin_allowed(scope, state.settings.origins):
        raise Refused(403, "origin not allowed (PUSHD_ALLOWED_ORIGINS)")
    token = bearer_token(header(scope, b"authorization"))
    ticket = ticket_of(scope)
    if token is None and ticket is None:
        raise Refused(401, "missing credentials: send Authorization: Bearer <token>, or offer the subprotocol "
                           f"{TICKET_PREFIX}<ticket> from POST /api/v1/auth/ws-ticket",
                      {"WWW-Authenticate": 'Bearer realm="pushd"'})
    try:
        principal = await (state.auth.authenticate(token) if token else state.auth.redeem_ticket(ticket or ""))
    except AccessDenied as exc:
        raise Refused(401, str(exc), {"WWW-Authenticate": 'Bearer realm="pushd"'}) from None
    if not allows(principal.role, Permission.read):
        raise Refused(403, f"role {principal.role} may not subscribe; it needs viewer or higher")
    return principal


async def close_invalid_sockets(state: State) -> int:
    """Close (4003) the push sockets whose credential was revoked, expired or whose user was disabled."""
    closed = 0
    for credential in await state.auth.invalid(state.sockets.credentials()):
        closed += state.sockets.close_all(credential)
    return closed


def accepted_subprotocol(scope: Scope) -> str | None:
    """Browsers fail a handshake whose answer names no subprotocol when they offered some."""
    offered = scope.get("subprotocols") or []
    if SUBPROTOCOL in offered:
        return SUBPROTOCOL
    return None


async def refuse(scope: Scope, send: Send, status: int, detail: str, headers: dict[str, str]) -> None:
    if "websocket.http.response" in scope.get("extensions", {}):
        body = orjson.dumps({"detail": detail})
        raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "websocket.http.response.start", "status": status, "headers": raw})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008, "reason": detail[:120]})
