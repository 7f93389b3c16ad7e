"""Many cheap WebSocket subscribers, spread over worker processes, that timestamp each message on arrival.

Why a raw client and not `websockets.connect`: on a 2-core machine the clients share the CPU with
the server under test, so every microsecond a client spends per message is added to the latency of
the subscribers behind it (see bench/README.md for the measured effect). This client is an
`asyncio.Protocol` on uvloop that stamps `time.monotonic()` as soon as bytes arrive and does no JSON
parsing: it looks for a marker in the raw frame. It offers no compression extension, so both servers
under test send plain frames. It answers pings and close frames, as a subscriber must. A target's
`headers` (pushd's `Authorization: Bearer ...`) go out with the handshake, as a tool sends them.

`time.monotonic()` is CLOCK_MONOTONIC, one clock for every process on the machine, so a stamp taken
here can be compared with one taken in the driver.
"""

from __future__ import annotations

import asyncio
import base64
import multiprocessing
import os
import time
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, cast

import uvloop

HOST = "127.0.0.1"
MARKER = b'"bench_seq":"'  # the label that numbers each benchmark alert
EVENT = b'"type":"alert_event"'
CONNECT_CONCURRENCY = 64  # handshakes in flight per worker: stays well under the servers' listen backlog


@dataclass(frozen=True)
class Target:
    name: str
    port: int
    path: str
    headers: tuple[tuple[str, str], ...] = ()  # extra handshake headers, e.g. tuple(common.AUTH.items())


@dataclass
class Tally:
    """What the subscribers of one target saw, in one worker."""

    seqs: array = field(default_factory=lambda: array("l"))
    stamps: array = field(default_factory=lambda: array("d"))
    types: dict[str, int] = field(default_factory=dict)
    sizes: set[int] = field(default_factory=set)
    close_codes: dict[int, int] = field(default_factory=dict)


def _frame(opcode: int, payload: bytes) -> bytes:
    """A client frame: masked (RFC 6455 requires it), with a zero key since nothing here is secret."""
    assert len(payload) < 126
    return bytes((0x80 | opcode, 0x80 | len(payload))) + b"\0\0\0\0" + payload


class Subscriber(asyncio.Protocol):
    def __init__(self, target: Target, tally: Tally) -> None:
        self.target = target
        self.tally = tally
        self.buf = bytearray()
        self.open: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        key = base64.b64encode(os.urandom(16)).decode()
        extra = "".join(f"{name}: {value}\r\n" for name, value in self.target.headers)
        self.transport.write((
            f"GET {self.target.path} HTTP/1.1\r\nHost: {HOST}:{self.target.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
        ).encode())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.open.done():
            self.open.set_exception(ConnectionError(f"closed during handshake: {exc}"))

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()  # first thing: what is measured is arrival, not our parsing
        self.buf += data
        if not self.open.done():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buf[:end]).split(b"\r\n", 1)[0]
            del self.buf[:end + 4]
            if b" 101 " not in status:
                self.open.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            self.open.set_result(None)
        self._frames(now)

    def _frames(self, now: float) -> None:
        buf = self.buf
        while len(buf) >= 2:
            opcode, n, off = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, off = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, off = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < off + n:
                return
            payload = bytes(buf[off:off + n])
            del buf[:off + n]
            self._message(opcode, payload, now)

    def _message(self, opcode: int, payload: bytes, now: float) -> None:
        assert self.transport is not None
        if opcode == 0x9:  # ping
            self.transport.write(_frame(0xA, payload))
        elif opcode == 0x8:  # close: echo it and hang up
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self.tally.close_codes[code] = self.tally.close_codes.get(code, 0) + 1
            self.transport.write(_frame(0x8, payload[:2]))
            self.transport.close()
        elif opcode in (0x1, 0x2):  # the servers under test never fragment their messages
            self._data(payload, now)

    def _data(self, payload: bytes, now: float) -> None:
        t = self.tally
        if EVENT in payload:
            i = payload.find(MARKER)
            if i >= 0:
                j = i + len(MARKER)
                t.seqs.append(int(payload[j:payload.index(b'"', j)]))
                t.stamps.append(now)
                t.sizes.add(len(payload))
            kind = "alert_event"
        else:
            start = payload.find(b'"type":"')
            kind = payload[start + 8:payload.find(b'"', start + 8)].decode() if start >= 0 else "?"
        t.types[kind] = t.types.get(kind, 0) + 1

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(_frame(0x8, (1000).to_bytes(2, "big")))
            self.transport.close()


async def _connect(target: Target, tally: Tally, gate: asyncio.Semaphore) -> Subscriber:
    loop = asyncio.get_running_loop()
    async with gate:
        _, sub = await loop.create_connection(lambda: Subscriber(target, tally), HOST, target.port)
        await asyncio.wait_for(sub.open, 30)
        return sub


async def _worker(pipe: Connection, targets: list[Target], per_target: int) -> None:
    tallies = {t.name: Tally() for t in targets}
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    results = await asyncio.gather(*(_connect(t, tallies[t.name], gate) for t in targets for _ in range(per_target)),
                                   return_exceptions=True)
    subs = [r for r in results if isinstance(r, Subscriber)]
    errors = [repr(r) for r in results if not isinstance(r, Subscriber)]
    pipe.send(("ready", len(subs), errors[:5]))
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # blocks a thread, not the loop
    for s in subs:
        s.close()
    await asyncio.sleep(0.2)
    pipe.send(("done", {name: (t.seqs, t.stamps, t.types, sorted(t.sizes), t.close_codes)
                        for name, t in tallies.items()}))


def _worker_main(pipe: Connection, targets: list[Target], per_target: int) -> None:
    uvloop.run(_worker(pipe, targets, per_target))


class SubscriberPool:
    """`total` subscribers to each target, spread evenly over `procs` worker processes."""

    def __init__(self, targets: list[Target], total: int, procs: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs: list[Any] = []
        for i in range(procs):
            share = total // procs + (1 if i < total % procs else 0)
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_worker_main, args=(child, targets, share), daemon=True)
            p.start()
            self.pipes.append(parent)
            self.procs.append(p)

    def wait_ready(self, timeout: float = 60.0) -> int:
        """Blocks until every worker has connected; returns how many subscribers are open. Fails when a
        handshake was refused (a 401 without a token, a cap): the figures would be for fewer subscribers."""
        opened, errors = 0, []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise TimeoutError("a subscriber worker did not connect in time")
            _, n, errs = pipe.recv()
            opened += n
            errors += errs
        if errors:
            raise ConnectionError(f"{opened} subscribers open; connect errors (first few): {errors[:5]}")
        return opened

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def stop(self) -> dict[str, dict[str, Any]]:
        """Close every subscriber and merge what the workers saw, per target."""
        for pipe in self.pipes:
            pipe.send("stop")
        merged: dict[str, dict[str, Any]] = {}
        for pipe in self.pipes:
            _, part = pipe.recv() if pipe.poll(60) else ("done", {})
            for name, (seqs, stamps, types, sizes, codes) in part.items():
                m = merged.setdefault(name, {"seqs": array("l"), "stamps": array("d"), "types": {}, "sizes": set(),
                                             "close_codes": {}})
                m["seqs"].extend(seqs)
                m["stamps"].extend(stamps)
                m["sizes"].update(sizes)
                for key, d in (("types", types), ("close_codes", codes)):
                    for k, v in d.items():
                        m[key][k] = m[key].get(k, 0) + v
        for p in self.procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
        return merged
