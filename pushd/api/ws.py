"""WebSocket push: /ws/alerts, /ws/metrics, and /ws?channels=alerts,metrics for both on one socket.

Message types and close codes are documented in docs/push.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import anyio
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from pushd.api.deps import get_state
from pushd.hub import CHANNELS, CLOSE_BAD_REQUEST, CLOSE_TOO_SLOW, Subscriber, encode
from pushd.state import State

router = APIRouter(tags=["push"])
CLOSE_TIMEOUT = 2.0


async def _send_loop(ws: WebSocket, sub: Subscriber) -> None:
    while True:
        channel, body = await sub.queue.get()
        await ws.send_text(sub.next_frame(channel, body))


async def _receive_loop(ws: WebSocket) -> None:
    """Subscribers need not send anything; reading still tells us when they go away."""
    while (await ws.receive())["type"] != "websocket.disconnect":
        pass


async def _initial(state: State, sub: Subscriber) -> None:
    """Once right after connect: the current alerts and metrics, so a client need not wait a tick."""
    if "alerts" in sub.channels:
        state.hub.offer(sub, "alerts", encode("alerts_update", await state.alerts.summary()))
    if "metrics" in sub.channels:
        state.hub.offer(sub, "metrics", encode("metrics_update", state.trend.update_data()))


async def serve(ws: WebSocket, channels: list[str]) -> None:
    await ws.accept()
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not channels:
        await ws.close(CLOSE_BAD_REQUEST, f"unknown channel(s) {unknown}; choose from {list(CHANNELS)}")
        return
    state = get_state(ws)
    async with state.hub.subscribe(channels) as sub, anyio.create_task_group() as tg:
        await _initial(state, sub)

        async def until_done(fn: Callable[[], Awaitable[object]]) -> None:
            # Whichever ends first (send fails, peer leaves, pushd drops the subscriber) ends the others.
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await fn()
            tg.cancel_scope.cancel()

        tg.start_soon(until_done, lambda: _send_loop(ws, sub))
        tg.start_soon(until_done, lambda: _receive_loop(ws))
        tg.start_soon(until_done, sub.dropped.wait)
    if sub.dropped.is_set():
        # Its socket buffer may be full too: do not wait on it for long.
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError), anyio.move_on_after(CLOSE_TIMEOUT):
            await ws.close(CLOSE_TOO_SLOW, "subscriber too slow: queue full")


@router.websocket("/ws")
async def ws_channels(ws: WebSocket, channels: str = "alerts,metrics") -> None:
    await serve(ws, [c.strip() for c in channels.split(",") if c.strip()])


@router.websocket("/ws/{channel}")
async def ws_one(ws: WebSocket, channel: str) -> None:
    await serve(ws, [channel])

