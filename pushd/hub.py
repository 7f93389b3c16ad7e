"""Fan-out of push messages to WebSocket subscribers, in the shape of encode/broadcaster.

Each subscriber has an outbox bounded both in messages and in bytes. Publishing puts pre-serialised
messages into every outbox without waiting; a subscriber that a publish finds at or over either
bound has not drained what it was given, cannot keep up, and is dropped (its connection is closed
with CLOSE_TOO_SLOW), so a slow client never delays the others.

One publish (one message, or the messages one batch of changes is cut into) is admitted to an
outbox whole: a burst larger than the byte bound does not drop a subscriber that was keeping up,
and a stalled subscriber holds at most the bound plus one publish, until the next publish on its
channel drops it.

A message is serialised once per publish. `seq` must count per connection and channel, so it is
not inside the shared body: `Subscriber.frame` splices `{"seq":N,` in front of the body when it sends.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import orjson

CHANNELS = ("alerts", "metrics", "incidents", "silences")
# What /ws without `channels=` subscribes to: the channels it had before incidents, so existing
# clients do not start receiving messages they never asked for.
DEFAULT_CHANNELS = ("alerts", "metrics")

# Close codes a subscriber can receive (also in docs/push.md).
CLOSE_BAD_REQUEST = 1008  # unknown channel in the URL
CLOSE_TOO_SLOW = 4001  # a publish found the subscriber's outbox at a bound: it reads slower than pushd sends

QUEUE_BYTES = 8 * 1024 * 1024  # default byte bound of an outbox (PUSHD_WS_QUEUE_BYTES)
# Most bytes in one batch message (the whole frame, `seq` included): well under the 1 MiB that
# common WebSocket clients accept by default, and small enough that one message does not hold a
# socket for long. A single item larger than this still goes, alone in its message.
MESSAGE_BUDGET = 256 * 1024
_SEQ_ROOM = 32  # `{"seq":N,` for any N a connection can reach


def encode(type_: str, data: Any, ts: float | None = None) -> str:
    """The shared part of a message: `{"type","ts","data"}` as JSON with its opening brace removed."""
    body = orjson.dumps({"type": type_, "ts": ts if ts is not None else time.time(), "data": data})
    return body[1:].decode()


def encode_batches(type_: str, key: str, items: Iterable[Any], budget: int = MESSAGE_BUDGET,
                   ts: float | None = None) -> list[str]:
    """`items` in order as `{"type","ts","data":{key:[item, ...]}}` bodies, each frame at most `budget`
    bytes of UTF-8, in as few messages as that allows (filled greedily, which is optimal when the
    order is kept). Each item is serialised once; an item alone over the budget gets a message of its own."""
    head = b'"type":' + orjson.dumps(type_) + b',"ts":' + orjson.dumps(time.time() if ts is None else ts)
    head += b',"data":{' + orjson.dumps(key) + b":["
    tail = b"]}}"
    room = budget - len(head) - len(tail) - _SEQ_ROOM
    bodies: list[str] = []
    chunk: list[bytes] = []
    size = 0
    for item in items:
        part = orjson.dumps(item)
        if chunk and size + 1 + len(part) > room:  # 1: the comma before it
            bodies.append((head + b",".join(chunk) + tail).decode())
            chunk, size = [], 0
        size += len(part) + (1 if chunk else 0)
        chunk.append(part)
    if chunk:
        bodies.append((head + b",".join(chunk) + tail).decode())
    return bodies


def frame(seq: int, body: str) -> str:
    return f'{{"seq":{seq},{body}'


class Subscriber:
    """One connection's bounded outbox: the hub appends without waiting, the connection's sender drains it.

    A list, swapped out whole by the sender, and a future made only while the sender waits, rather
    than an asyncio.Queue and a task per concern: with thousands of subscribers, what each one costs
    in memory and per message is what the host pays.

    `limit` bounds the messages in `pending`; `byte_limit` bounds `pending_bytes`, the memory of every
    message handed to this subscriber and not yet written to its socket (the ones its sender is
    writing included), counted in full although subscribers share the same strings.
    """

    __slots__ = (
        "_loop", "_waiter", "byte_limit", "channels", "closed", "dropped", "limit", "on_drop", "pending",
        "pending_bytes", "send_now", "seq",
    )

    def __init__(self, channels: frozenset[str], limit: int, byte_limit: int = QUEUE_BYTES) -> None:
        self.channels = channels
        self.limit = limit
        self.byte_limit = byte_limit
        self.pending: list[tuple[str, str]] = []
        self.pending_bytes = 0
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

    def put(self, channel: str, bodies: Sequence[str]) -> bool:
        """Take the messages of one publish, all of them; False (take none) when the outbox is already
        at either bound, i.e. the subscriber has not drained what it was given."""
        if len(self.pending) >= self.limit or self.pending_bytes >= self.byte_limit:
            return False
        for body in bodies:
            if self._waiter is not None and not self.pending and self.send_now is not None:
                # The sender is idle, so nothing is ahead of this message: write it now, in the
                # publisher's loop over subscribers, as python-websockets' broadcast() does. Waking a
                # sender task per subscriber costs more than the write itself.
                if self.send_now(self.frame(channel, body)):
                    continue
                self.seq[channel] -= 1  # not written: the sender frames it again
            self.pending.append((channel, body))
            self.pending_bytes += sys.getsizeof(body)
        if self.pending:
            self._wake()
        return True

    def put_one(self, channel: str, body: str) -> bool:
        """`put` for a publish of one message (the common case: one alert changed), without the loop
        and the tuple: at 500 subscribers this path runs 500 times per change."""
        if len(self.pending) >= self.limit or self.pending_bytes >= self.byte_limit:
            return False
        if self._waiter is not None and not self.pending and self.send_now is not None:
            if self.send_now(self.frame(channel, body)):
                return True
            self.seq[channel] -= 1  # not written: the sender frames it again
        self.pending.append((channel, body))
        self.pending_bytes += sys.getsizeof(body)
        self._wake()
        return True

    def drop(self) -> None:
        self.dropped = True
        self.pending = []  # it will never read them: do not hold them
        self.pending_bytes = 0
        self._wake()
        if self.on_drop is not None:
            self.on_drop()

    def end(self) -> None:
        self.closed = True
        self._wake()

    async def next_batch(self) -> Iterator[tuple[str, str]] | None:
        """Everything queued so far, waiting if nothing is; None once dropped or closed.

        The sender iterates it one message at a time; a message leaves `pending_bytes` when the sender
        asks for the next one, i.e. once it has been written."""
        while self.live:
            if self.pending:
                batch, self.pending = self.pending, []
                return self._drain(batch)
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return None

    def _drain(self, batch: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
        for item in batch:
            yield item
            if self.live:  # drop() has already forgotten them all
                self.pending_bytes -= sys.getsizeof(item[1])

    def frame(self, channel: str, body: str) -> str:
        """The message as this subscriber receives it: with its own next `seq` on that channel."""
        n = self.seq[channel] = self.seq.get(channel, 0) + 1
        return frame(n, body)


class Hub:
    """Channel name -> set of subscribers."""

    def __init__(self, queue_size: int, queue_bytes: int = QUEUE_BYTES, on_drop: Callable[[], None] | None = None,
                 on_send: Callable[[str, int], None] | None = None) -> None:
        self.queue_size = queue_size
        self.queue_bytes = queue_bytes
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
        sub = Subscriber(frozenset(channels), self.queue_size, self.queue_bytes)
        for c in sub.channels:
            self._subs[c].add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        for c in sub.channels:
            self._subs[c].discard(sub)

    def offer(self, sub: Subscriber, channel: str, *bodies: str) -> bool:
        """Queue the messages of one publish for one subscriber; drop the subscriber when its outbox
        is already at either bound."""
        if sub.dropped or sub.closed:
            return False
        if sub.put(channel, bodies):
            return True
        self._drop(sub)
        return False

    def _drop(self, sub: Subscriber) -> None:
        sub.drop()
        self.unsubscribe(sub)
        if self._on_drop:
            self._on_drop()

    def publish(self, channel: str, type_: str, data: Any) -> int:
        """Send one message to every subscriber of `channel`; returns how many took it. Never waits."""
        if not self._subs[channel]:
            return 0
        return self._fan_out(channel, (encode(type_, data),))

    def publish_batch(self, channel: str, type_: str, key: str, items: Sequence[Any],
                      budget: int = MESSAGE_BUDGET) -> int:
        """Send `items` in order, cut by `encode_batches` into messages under `budget` bytes, as one
        publish; returns how many subscribers took them. Never waits."""
        if not self._subs[channel] or not items:
            return 0
        return self._fan_out(channel, encode_batches(type_, key, items, budget))

    def _fan_out(self, channel: str, bodies: Sequence[str]) -> int:
        taken = 0
        single = bodies[0] if len(bodies) == 1 else None
        for sub in list(self._subs[channel]):
            if sub.dropped or sub.closed:
                continue
            if sub.put_one(channel, single) if single is not None else sub.put(channel, bodies):
                taken += 1
            else:
                self._drop(sub)
        if self._on_send and taken:
            self._on_send(channel, taken * len(bodies))
        return taken
