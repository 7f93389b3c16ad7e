"""WebSocket push: /ws/alerts, /ws/metrics, /ws/incidents, /ws/silences, and /ws?channels=alerts,metrics,… for
several on one socket (/ws alone: alerts and metrics).

A raw ASGI endpoint, reached from the outermost middleware: with thousands of subscribers, every
layer a connection passes through keeps frames alive for the connection's whole life, and every
wrapper around `send` runs once per message per subscriber. Message types and close codes are
documented in docs/push.md.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from urllib.parse import parse_qs

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from pushd.api.ws_access import Refused, accepted_subprotocol, admit, refuse
from pushd.api.ws_writes import immediate_sender
from pushd.hub import CHANNELS, CLOSE_BAD_REQUEST, CLOSE_TOO_SLOW, DEFAULT_CHANNELS, Subscriber, encode
from pushd.socket_limits import SocketLimitReached
from pushd.state import State

CLOSE_TIMEOUT = 2.0
# The credential the socket was opened with was revoked, expired, or its user disabled (docs/push.md).
CLOSE_REVOKED = 4003
# What `send` raises once the peer is gone: uvicorn's ClientDisconnected is an OSError; a send
# after the close is a RuntimeError.
PEER_GONE = (OSError, RuntimeError)


def channels_of(scope: Scope) -> list[str] | None:
    """The channels a push URL asks for, or None when the path is not a push URL."""
    path: str = scope["path"]
    if path == "/ws":
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        asked = query.get("channels", [",".join(DEFAULT_CHANNELS)])[-1]
        return [c.strip() for c in asked.split(",") if c.strip()]
    if path.startswith("/ws/") and "/" not in path[4:]:
        return [path[4:]]
    return None


async def _watch_peer(receive: Receive, sub: Subscriber) -> None:
    """Subscribers need not send anything; reading still tells us at once when they go away."""
    try:
        while (await receive())["type"] != "websocket.disconnect":
            pass
    finally:
        sub.end()


async def _initial(state: State, sub: Subscriber) -> None:
    """Once right after connect: the current state of each channel, so a client need not wait a tick."""
    if "alerts" in sub.channels:
        state.hub.offer(sub, "alerts", await state.alerts.summary_message())
    if "metrics" in sub.channels:
        state.hub.offer(sub, "metrics", state.trend.update_message())
    if "incidents" in sub.channels:
        state.hub.offer(sub, "incidents", encode("incidents_update", await state.incidents.update_data()))
    if "silences" in sub.channels:
        state.hub.offer(sub, "silences", encode("silences_update", state.silences.update_data()))


async def _pump(send: Send, sub: Subscriber) -> None:
    """The connection's sender task: writes what the outbox holds, in order."""
    try:
        while (batch := await sub.next_batch()) is not None:
            for channel, body in batch:
                if not sub.live:
                    return
                await send({"type": "websocket.send", "text": sub.frame(channel, body)})
    except PEER_GONE:
        pass  # the watcher sees the disconnect and ends the connection


def _abort(send: Send) -> None:
    """Cut the TCP connection without flushing: what a peer that stopped reading leaves us."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None:
        transport.abort()


async def _close(send: Send, sub: Subscriber, code: int, reason: str) -> None:
    """Send a close frame and wait for the peer to go, CLOSE_TIMEOUT for each; then cut the connection.

    A slow reader that still reads learns why it was closed. A peer that stopped reading cannot
    take even the close frame (or never answers it): it is cut, so that neither its socket buffers
    nor the connection outlive its subscription."""
    with anyio.move_on_after(CLOSE_TIMEOUT):
        try:
            await send({"type": "websocket.close", "code": code, "reason": reason})
        except PEER_GONE:
            return
    with anyio.move_on_after(CLOSE_TIMEOUT):
        while not sub.closed:
            await asyncio.sleep(0.1)
    if not sub.closed:
        _abort(send)


async def serve(state: State, channels: list[str], scope: Scope, receive: Receive, send: Send) -> None:
    if (await receive())["type"] != "websocket.connect":
        return
    revoked: list[Callable[[], None]] = []  # set once subscribed: closes the socket with 4003
    closer = lambda: revoked[0]() if revoked else None  # noqa: E731 - one small object per socket
    try:
        principal = await admit(state, scope)
        state.sockets.claim(principal.id, closer)
    except Refused as exc:
        await refuse(scope, send, exc.status, exc.detail, exc.headers)
        return
    except SocketLimitReached as exc:
        await refuse(scope, send, exc.status, exc.detail, {"Retry-After": "5"} if exc.status == 503 else {})
        return
    # A session's socket closes when the session expires, not at the next credential check.
    expiry = None if principal.expires_at is None else asyncio.get_running_loop().call_later(
        max(0.0, principal.expires_at - time.time()), closer)
    try:
        await _serve(state, channels, scope, receive, send, revoked)
    finally:
        state.sockets.release(principal.id, closer)
        if expiry is not None:
            expiry.cancel()


async def _serve(state: State, channels: list[str], scope: Scope, receive: Receive, send: Send,
                 revoked: list[Callable[[], None]]) -> None:
    await send({"type": "websocket.accept", "subprotocol": accepted_subprotocol(scope)})
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not channels:
        reason = f"unknown channel(s) {unknown}; choose from {list(CHANNELS)}"
        await send({"type": "websocket.close", "code": CLOSE_BAD_REQUEST, "reason": reason})
        return
    sub = state.hub.subscribe(channels)
    sub.send_now = immediate_sender(send, state.writes)
    pump = asyncio.ensure_future(_pump(send, sub))
    closing: list[asyncio.Future] = []

    def close_with(code: int, reason: str) -> None:
        # The sender may be stuck in a send that waits for a peer that no longer reads: stop it
        # (nothing is half-written: uvicorn waits before it writes), then close or cut.
        pump.cancel()
        if not closing:
            closing.append(asyncio.ensure_future(_close(send, sub, code, reason)))

    def on_revoked() -> None:
        state.hub.unsubscribe(sub)
        close_with(CLOSE_REVOKED, "credentials revoked or expired")

    sub.on_drop = lambda: close_with(CLOSE_TOO_SLOW, "subscriber too slow")
    revoked.append(on_revoked)
    try:
        await _initial(state, sub)
        await _watch_peer(receive, sub)  # until the peer leaves, or the close above ends it
    finally:
        pump.cancel()
        state.hub.unsubscribe(sub)
        if closing:
            await asyncio.gather(*closing, return_exceptions=True)


class WebSocketShortcut:
    """Hands push connections to `serve` before the HTTP middleware stack; anything else goes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and (channels := channels_of(scope)) is not None:
            await serve(scope["app"].state.pushd, channels, scope, receive, send)
        else:
            await self.app(scope, receive, send)
