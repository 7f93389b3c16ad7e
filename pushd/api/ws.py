"""WebSocket push: /ws/alerts, /ws/metrics, and /ws?channels=alerts,metrics for both on one socket.

A raw ASGI endpoint, reached from the outermost middleware: with thousands of subscribers, every
layer a connection passes through keeps frames alive for the connection's whole life, and every
wrapper around `send` runs once per message per subscriber. Message types and close codes are
documented in docs/push.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qs

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from pushd.hub import CHANNELS, CLOSE_BAD_REQUEST, CLOSE_TOO_SLOW, Subscriber
from pushd.state import State

CLOSE_TIMEOUT = 2.0
# What `send` raises once the peer is gone: uvicorn's ClientDisconnected is an OSError; a send
# after the close is a RuntimeError.
PEER_GONE = (OSError, RuntimeError)


def channels_of(scope: Scope) -> list[str] | None:
    """The channels a push URL asks for, or None when the path is not a push URL."""
    path: str = scope["path"]
    if path == "/ws":
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        asked = query.get("channels", [",".join(CHANNELS)])[-1]
        return [c.strip() for c in asked.split(",") if c.strip()]
    if path.startswith("/ws/") and "/" not in path[4:]:
        return [path[4:]]
    return None


def immediate_sender(send: Send) -> Callable[[str], bool] | None:
    """A function that writes a frame at once when the connection is writable, else says False.

    uvicorn's `send` writes without suspending whenever its transport is not paused (it awaits only
    its `writable` event), so when that event is set the coroutine can be run to its end right here.
    Any other server, or a uvicorn without that event, gets None: every frame then goes through the
    connection's sender task.
    """
    writable = getattr(getattr(send, "__self__", None), "writable", None)
    if not isinstance(writable, asyncio.Event):
        return None

    def send_now(text: str) -> bool:
        if not writable.is_set():
            return False
        step = send({"type": "websocket.send", "text": text})
        try:
            step.send(None)
        except StopIteration:
            return True
        except Exception:  # the sender task will meet the same failure and end the subscriber
            return False
        step.close()  # it would have waited after all; nothing was written before that point
        return False

    return send_now


async def _watch_peer(receive: Receive, sub: Subscriber) -> None:
    """Subscribers need not send anything; reading still tells us at once when they go away."""
    try:
        while (await receive())["type"] != "websocket.disconnect":
            pass
    finally:
        sub.end()


async def _initial(state: State, sub: Subscriber) -> None:
    """Once right after connect: the current alerts and metrics, so a client need not wait a tick."""
    if "alerts" in sub.channels:
        state.hub.offer(sub, "alerts", await state.alerts.summary_message())
    if "metrics" in sub.channels:
        state.hub.offer(sub, "metrics", state.trend.update_message())


async def _pump(send: Send, sub: Subscriber) -> None:
    while (batch := await sub.next_batch()) is not None:
        for channel, body in batch:
            if not sub.live:
                return
            await send({"type": "websocket.send", "text": sub.frame(channel, body)})


async def serve(state: State, channels: list[str], receive: Receive, send: Send) -> None:
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not channels:
        reason = f"unknown channel(s) {unknown}; choose from {list(CHANNELS)}"
        await send({"type": "websocket.close", "code": CLOSE_BAD_REQUEST, "reason": reason})
        return
    sub = state.hub.subscribe(channels)
    sub.send_now = immediate_sender(send)
    watcher = asyncio.ensure_future(_watch_peer(receive, sub))
    try:
        await _initial(state, sub)
        await _pump(send, sub)
    except PEER_GONE:
        pass
    finally:
        watcher.cancel()
        state.hub.unsubscribe(sub)
    if sub.dropped:
        # Its socket buffer may be full too: do not wait on it for long.
        with anyio.move_on_after(CLOSE_TIMEOUT):
            try:
                await send({"type": "websocket.close", "code": CLOSE_TOO_SLOW, "reason": "subscriber too slow"})
            except PEER_GONE:
                pass


class WebSocketShortcut:
    """Hands push connections to `serve` before the HTTP middleware stack; anything else goes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and (channels := channels_of(scope)) is not None:
            await serve(scope["app"].state.pushd, channels, receive, send)
        else:
            await self.app(scope, receive, send)
