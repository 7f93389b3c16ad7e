"""Fan-out of push messages to WebSocket subscribers, in the shape of encode/broadcaster.

Each subscriber has a bounded queue. Publishing puts one pre-serialised message into every queue
without waiting; a subscriber whose queue is full cannot keep up and is dropped (its connection is
closed with CLOSE_TOO_SLOW), so a slow client never delays the others.

A message is serialised once per publish. `seq` must count per connection and channel, so it is
not inside the shared body: the sender splices `{"seq":N,` in front of the body when it sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

CHANNELS = ("alerts", "metrics")

# Close codes a subscriber can receive (also in docs/push.md).
CLOSE_BAD_REQUEST = 1008  # unknown channel in the URL
CLOSE_TOO_SLOW = 4001  # the subscriber's queue filled up: it reads slower than pushd sends


def encode(type_: str, data: Any, ts: float | None = None) -> str:
    """The shared part of a message: `{"type","ts","data"}` as JSON with its opening brace removed."""
    body = orjson.dumps({"type": type_, "ts": ts if ts is not None else time.time(), "data": data})
    return body[1:].decode()


def frame(seq: int, body: str) -> str:
    return f'{{"seq":{seq},{body}'


@dataclass(eq=False)
class Subscriber:
    channels: frozenset[str]
    queue: asyncio.Queue[tuple[str, str]]
    dropped: asyncio.Event = field(default_factory=asyncio.Event)
    seq: dict[str, int] = field(default_factory=dict)

    def next_frame(self, channel: str, body: str) -> str:
        n = self.seq.get(channel, 0) + 1
        self.seq[channel] = n
        return frame(n, body)


class Hub:
    """Channel name -> set of subscribers."""

    def __init__(self, queue_size: int, on_drop: Callable[[], None] | None = None,
                 on_send: Callable[[str, int], None] | None = None) -> None:
        self.queue_size = queue_size
        self._subs: dict[str, set[Subscriber]] = {c: set() for c in CHANNELS}
        self._on_drop = on_drop
        self._on_send = on_send

    def count(self, channel: str) -> int:
        return len(self._subs[channel])

    def counts(self) -> dict[str, int]:
        return {c: len(s) for c, s in self._subs.items()}

    @contextlib.asynccontextmanager
    async def subscribe(self, channels: Iterable[str]) -> AsyncIterator[Subscriber]:
        sub = Subscriber(frozenset(channels), asyncio.Queue(self.queue_size))
        for c in sub.channels:
            self._subs[c].add(sub)
        try:
            yield sub
        finally:
            for c in sub.channels:
                self._subs[c].discard(sub)

    def offer(self, sub: Subscriber, channel: str, body: str) -> bool:
        """Queue one message for one subscriber; drop the subscriber when its queue is full."""
        if sub.dropped.is_set():
            return False
        try:
            sub.queue.put_nowait((channel, body))
            return True
        except asyncio.QueueFull:
            sub.dropped.set()
            for c in sub.channels:
                self._subs[c].discard(sub)
            if self._on_drop:
                self._on_drop()
            return False

    def publish(self, channel: str, type_: str, data: Any) -> int:
        """Send to every subscriber of `channel`; returns how many were queued. Never waits."""
        body = encode(type_, data)
        sent = sum(self.offer(sub, channel, body) for sub in list(self._subs[channel]))
        if self._on_send and sent:
            self._on_send(channel, sent)
        return sent
