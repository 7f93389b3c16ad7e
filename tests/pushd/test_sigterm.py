"""SIGTERM: pushd finishes the requests in flight, closes subscribers with 1012, exits 0, loses nothing.

A request is provably in flight at the signal: it is sent with `Expect: 100-continue`, and pushd
answers `100 Continue` only once the route runs and waits for the body. The body (a batch of 2,000
alerts) follows only after the subscriber has received its close frame, i.e. after uvicorn has told
every connection to shut down.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.servers import AUTH, pushd_process

ALERTNAME = "Sigterm"
BATCH = 2000
EXIT_WITHIN = 5.0  # seconds from the signal to the process's exit
ENV = {"PUSHD_HOST_RULES_ENABLED": "false", "PUSHD_ALERTS_PERIOD": "3600"}


def read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"closed before a response head: {data!r}")
        data += chunk
    return data


def start_post(url: str, path: str, body: bytes) -> socket.socket:
    """Send the request head with `Expect: 100-continue`; return once pushd's route waits for the body."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    head = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", "Content-Type: application/json",
            f"Content-Length: {len(body)}", "Expect: 100-continue", *(f"{k}: {v}" for k, v in AUTH.items())]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    interim = read_head(sock)
    assert interim.startswith(b"HTTP/1.1 100 "), interim
    return sock


def finish_post(sock: socket.socket, body: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send the body and read the response up to the close (a server shutting down closes after it)."""
    sock.sendall(body)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, payload


@dataclass
class Stream:
    """Single alerts posted one after another, 20 ms apart, until pushd stops answering."""

    url: str
    acknowledged: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers=AUTH, timeout=10) as client:
            n = 0
            while not self.stop.is_set():
                tag = f"stream-{n}"
                n += 1
                try:
                    r = client.post("/api/v1/alerts", json={"labels": {"alertname": ALERTNAME, "tag": tag}})
                except httpx.TransportError:
                    return  # refused or dropped: never acknowledged
                if not r.is_success:
                    self.unexpected.append(f"{r.status_code} {r.text[:200]}")
                    return
                self.acknowledged.append(tag)
                self.stop.wait(0.02)


@dataclass
class Subscriber:
    """Reads /ws/alerts until pushd closes it; keeps the close code it received."""

    ws: ClientConnection
    events: int = 0
    code: int | None = None
    closed: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        try:
            for message in self.ws:
                if json.loads(message)["type"] == "alert_event":
                    self.events += 1
        except ConnectionClosed:
            pass
        self.code = self.ws.close_code
        self.closed.set()


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout}s")
        time.sleep(0.01)


def stored_tags(url: str) -> set[str]:
    tags: set[str] = set()
    with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        offset = 0
        while True:
            r = client.get("/api/v1/alerts", params={"label": f"alertname={ALERTNAME}", "limit": 500, "offset": offset})
            r.raise_for_status()
            items = r.json()["items"]
            tags.update(a["labels"]["tag"] for a in items)
            if len(items) < 500:
                return tags
            offset += len(items)


def test_sigterm_finishes_in_flight_requests_closes_subscribers_1012_and_exits_0(tmp_path: Path) -> None:
    data = tmp_path / "data"
    batch_tags = [f"batch-{i}" for i in range(BATCH)]
    batch = json.dumps([{"labels": {"alertname": ALERTNAME, "tag": t}} for t in batch_tags]).encode()
    with pushd_process(data, **ENV) as (url, proc):
        with connect(url.replace("http", "ws", 1) + "/ws/alerts", additional_headers=AUTH, open_timeout=5) as ws:
            sub = Subscriber(ws)
            sub_thread = threading.Thread(target=sub.run, daemon=True)
            sub_thread.start()
            stream = Stream(url)
            stream_thread = threading.Thread(target=stream.run, daemon=True)
            stream_thread.start()
            try:
                wait_for(lambda: len(stream.acknowledged) >= 20 and sub.events >= 10, 20, "the stream did not flow")
                in_flight = start_post(url, "/api/v1/alerts", batch)
                signalled = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                assert sub.closed.wait(EXIT_WITHIN), "the subscriber was not closed"
                status, headers, payload = finish_post(in_flight, batch)
                exit_code = proc.wait(timeout=EXIT_WITHIN)
                took = time.monotonic() - signalled
            finally:
                stream.stop.set()
                stream_thread.join(timeout=20)
                sub_thread.join(timeout=20)
    assert sub.code == 1012  # docs/push.md: pushd is restarting or shutting down
    assert (status, json.loads(payload)["accepted"]) == (200, BATCH)
    assert headers.get("connection") == "close"
    assert stream.unexpected == []
    assert exit_code == 0, f"pushd exited with {exit_code} after SIGTERM"
    assert took < EXIT_WITHIN

    with pushd_process(data, **ENV) as (url, _):
        missing = {*batch_tags, *stream.acknowledged} - stored_tags(url)
    assert missing == set()
