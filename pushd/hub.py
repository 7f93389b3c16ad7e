"""Fan-out of push messages to WebSocket subscribers, in the shape of encode/broadcaster.

Each subscriber has a bounded outbox. Publishing puts one pre-serialised message into every queue
without waiting; a subscriber whose queue is full cannot keep up and is dropped (its connection is
closed with CLOSE_TOO_SLOW), so a slow client never delays the others.

A message is serialised once per publish. `seq` must count per connection and channel, so it is
not inside the shared body: `Subscriber.frame` splices `{"seq":N,` in front of the body when it sends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
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


class Subscriber:
    """One connection's bounded outbox: the hub appends without waiting, the connection's sender drains it.

    A list, swapped out whole by the sender, and a future made only while the sender waits, rather
    than an asyncio.Queue and a task per concern: with thousands of subscribers, what each one costs
    in memory and per message is what the host pays.
    """

    __slots__ = (
        "_loop", "_waiter", "channels", "closed", "dropped", "limit", "on_drop", "pending", "send_now", "seq",
    )

    def __init__(self, channels: frozenset[str], limit: int) -> None:
        self.channels = channels
        self.limit = limit
        self.pending: list[tuple[str, str]] = []
        self.dropped = False  # pushd gave up on it: it could not keep up
        self.closed = False  # the peer went away
        self.seq: dict[str, int] = {}
        self._waiter: asyncio.Future[None] | None = None
        self._loop = asyncio.get_running_loop()
        # Set by the connection when it can write a frame at once without waiting; returns False
        # when it cannot (then the sender task sends it).
        self.send_now: Callable[[str], bool] | None = None
        # Set by the connection: stops its sender and closes it when the hub gives up on it.
        self.on_drop: Callable[[], None] | None = None

    @property
    def live(self) -> bool:
        return not (self.dropped or self.closed)

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def put(self, channel: str, body: str) -> bool:
        if self._waiter is not None and not self.pending and self.send_now is not None:
            # The sender is idle, so nothing is ahead of this message: write it now, in the
            # publisher's loop over subscribers, as python-websockets' broadcast() does. Waking a
            # sender task per subscriber costs more than the write itself.
            if self.send_now(self.frame(channel, body)):
                return True
            self.seq[channel] -= 1  # not written: the sender frames it again
        if len(self.pending) >= self.limit:
            return False
        self.pending.append((channel, body))
        self._wake()
        return True

    def drop(self) -> None:
        self.dropped = True
        self.pending = []  # it will never read them: do not hold them
        self._wake()
        if self.on_drop is not None:
            self.on_drop()

    def end(self) -> None:
        self.closed = True
        self._wake()

    async def next_batch(self) -> list[tuple[str, str]] | None:
        """Everything queued so far, waiting if nothing is; None once dropped or closed."""
        while self.live:
            if self.pending:
                batch, self.pending = self.pending, []
                return batch
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return None

    def frame(self, channel: str, body: str) -> str:
        """The message as this subscriber receives it: with its own next `seq` on that channel."""
        n = self.seq[channel] = self.seq.get(channel, 0) + 1
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

    def subscribe(self, channels: Iterable[str]) -> Subscriber:
        """A new subscriber; the caller must `unsubscribe` it in a `finally` (a plain pair of calls,
        not a context manager, because each live generator frame costs memory per connection)."""
        sub = Subscriber(frozenset(channels), self.queue_size)
        for c in sub.channels:
            self._subs[c].add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        for c in sub.channels:
            self._subs[c].discard(sub)

    def offer(self, sub: Subscriber, channel: str, body: str) -> bool:
        """Queue one message for one subscriber; drop the subscriber when its queue is full."""
        if sub.dropped or sub.closed:
            return False
        if sub.put(channel, body):
            return True
        sub.drop()
        self.unsubscribe(sub)
        if self._on_drop:
            self._on_drop()
        return False

    def publish(self, channel: str, type_: str, data: Any) -> int:
        """Send to every subscriber of `channel`; returns how many were queued. Never waits."""
        subs = self._subs[channel]
        if not subs:
            return 0
        body = encode(type_, data)
        sent = sum(self.offer(sub, channel, body) for sub in list(subs))
        if self._on_send and sent:
            self._on_send(channel, sent)
        return sent
