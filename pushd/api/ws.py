"""WebSocket push: /ws/alerts, /ws/metrics, and /ws?channels=alerts,metrics for both on one socket.

Message types and close codes are documented in docs/push.md.
"""

from __future__ import annotations

import asyncio
import contextlib

import anyio
from starlette.routing import Router, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from pushd.api.deps import state_of
from pushd.hub import CHANNELS, CLOSE_BAD_REQUEST, CLOSE_TOO_SLOW, Subscriber
from pushd.state import State

CLOSE_TIMEOUT = 2.0


async def _watch_peer(ws: WebSocket, sub: Subscriber) -> None:
    """Subscribers need not send anything; reading still tells us at once when they go away."""
    try:
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        sub.end()


async def _initial(state: State, sub: Subscriber) -> None:
    """Once right after connect: the current alerts and metrics, so a client need not wait a tick."""
    if "alerts" in sub.channels:
        state.hub.offer(sub, "alerts", await state.alerts.summary_message())
    if "metrics" in sub.channels:
        state.hub.offer(sub, "metrics", state.trend.update_message())


async def serve(ws: WebSocket, channels: list[str]) -> None:
    await ws.accept()
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not channels:
        await ws.close(CLOSE_BAD_REQUEST, f"unknown channel(s) {unknown}; choose from {list(CHANNELS)}")
        return
    state = state_of(ws)
    sub = state.hub.subscribe(channels)
    watcher = asyncio.ensure_future(_watch_peer(ws, sub))
    try:
        await _initial(state, sub)
        async for text in sub.frames():
            await ws.send_text(text)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the peer went away while we were sending
    finally:
        watcher.cancel()
        state.hub.unsubscribe(sub)
    if sub.dropped:
        # Its socket buffer may be full too: do not wait on it for long.
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError), anyio.move_on_after(CLOSE_TIMEOUT):
            await ws.close(CLOSE_TOO_SLOW, "subscriber too slow: queue full")


async def ws_channels(ws: WebSocket) -> None:
    channels = ws.query_params.get("channels", ",".join(CHANNELS))
    await serve(ws, [c.strip() for c in channels.split(",") if c.strip()])


async def ws_one(ws: WebSocket) -> None:
    await serve(ws, [ws.path_params["channel"]])


# A plain Starlette router, reached straight from the outermost middleware: every layer a
# connection passes through keeps a frame (and FastAPI's dependency machinery an exit stack and a
# copy of the scope) alive for the connection's whole life, which adds up over thousands of subscribers.
router = Router(routes=[WebSocketRoute("/ws", ws_channels), WebSocketRoute("/ws/{channel}", ws_one)])


class WebSocketShortcut:
    """Hands WebSocket connections to `router` before the HTTP middleware stack."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (router if scope["type"] == "websocket" else self.app)(scope, receive, send)
