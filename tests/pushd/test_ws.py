"""WebSocket push against a real uvicorn server: snapshots, instant events, seq, slow subscribers."""

import asyncio
import json
import socket
import time
from pathlib import Path

import httpx
import psutil
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from pushd.api.ws import CLOSE_TIMEOUT
from tests.conftest import make_settings
from tests.pushd.helpers import alert
from tests.servers import AUTH, serve_config_in_thread, serve_in_thread

UVICORN_CLOSE_TIMEOUT = 10.0  # how long uvicorn waits for the peer's answer to a close frame


def ws(url: str, path: str) -> ClientConnection:
    return connect(url.replace("http://", "ws://") + path, open_timeout=5, additional_headers=AUTH)


def recv(conn: ClientConnection, timeout: float = 5.0) -> dict:
    return json.loads(conn.recv(timeout=timeout))


def recv_type(conn: ClientConnection, type_: str, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        msg = recv(conn, max(0.01, deadline - time.monotonic()))
        if msg["type"] == type_:
            return msg


@pytest.fixture
def quiet_url(tmp_path: Path):
    """Periodic pushes an hour apart, so that anything that arrives quickly was pushed at once."""
    settings = make_settings(tmp_path, alerts_period=3600, metrics_period=3600)
    with serve_in_thread(settings) as url:
        yield url


def test_snapshot_on_connect_then_event_at_once(quiet_url: str) -> None:
    with ws(quiet_url, "/ws/alerts") as conn:
        first = recv(conn)
        assert (first["type"], first["seq"]) == ("alerts_update", 1)
        assert set(first["data"]["counts"]["by_status"]) == {"firing", "acknowledged", "resolved"}
        start = time.monotonic()
        httpx.post(f"{quiet_url}/api/v1/alerts", json=alert("Now", instance="i1"), headers=AUTH)
        event = recv(conn, timeout=3)
        assert time.monotonic() - start < 3
        assert (event["type"], event["seq"]) == ("alert_event", 2)
        assert event["data"]["event"] == "created"
        assert event["data"]["alert"]["labels"] == {"alertname": "Now", "instance": "i1"}
        alert_id = event["data"]["alert"]["id"]
        httpx.post(f"{quiet_url}/api/v1/alerts/{alert_id}/ack", json={"by": "op"}, headers=AUTH)
        ack = recv(conn)
        assert (ack["seq"], ack["data"]["event"], ack["data"]["alert"]["status"]) == (3, "acknowledged", "acknowledged")
        # An unchanged re-send is not pushed (docs/push.md, "Repeats are quiet"): the next message is the
        # next alert's.
        httpx.post(f"{quiet_url}/api/v1/alerts", json=alert("Now", instance="i1"), headers=AUTH)
        httpx.post(f"{quiet_url}/api/v1/alerts", json=alert("Next"), headers=AUTH)
        nxt = recv(conn)
        assert (nxt["seq"], nxt["data"]["event"], nxt["data"]["alert"]["alertname"]) == (4, "created", "Next")


def test_metrics_channel_sends_latest_and_trend(quiet_url: str) -> None:
    with ws(quiet_url, "/ws/metrics") as conn:
        msg = recv(conn)
        assert msg["type"] == "metrics_update"
        assert 0 <= msg["data"]["latest"]["cpu_percent"] <= 100
        assert msg["data"]["trend"][-1] == msg["data"]["latest"]


def test_one_socket_for_both_channels_counts_seq_per_channel(quiet_url: str) -> None:
    with ws(quiet_url, "/ws?channels=alerts,metrics") as conn:
        got = [recv(conn), recv(conn)]
        assert sorted((m["type"], m["seq"]) for m in got) == [("alerts_update", 1), ("metrics_update", 1)]
        httpx.post(f"{quiet_url}/api/v1/alerts", json=alert("X"), headers=AUTH)
        assert recv_type(conn, "alert_event")["seq"] == 2


def test_periodic_updates(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, alerts_period=0.2, metrics_period=0.3)
    with serve_in_thread(settings) as url, ws(url, "/ws?channels=alerts,metrics") as conn:
        seen: dict[str, list[int]] = {"alerts_update": [], "metrics_update": []}
        deadline = time.monotonic() + 3
        while min(len(v) for v in seen.values()) < 3 and time.monotonic() < deadline:
            msg = recv(conn)
            seen[msg["type"]].append(msg["seq"])
        assert seen["alerts_update"][:3] == [1, 2, 3]
        assert seen["metrics_update"][:3] == [1, 2, 3]


def test_unknown_channel_is_closed_with_1008(live_url: str) -> None:
    with ws(live_url, "/ws/nonsense") as conn, pytest.raises(ConnectionClosed) as info:
        conn.recv(timeout=5)
    assert info.value.rcvd.code == 1008
    assert "nonsense" in info.value.rcvd.reason


def stalled_subscriber(url: str, path: str) -> socket.socket:
    """A client that completes the handshake, then never reads again."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Authorization: {AUTH['Authorization']}\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    assert b" 101 " in sock.recv(1024)
    return sock


def test_stalled_subscriber_is_dropped_and_does_not_delay_a_healthy_one(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, alerts_period=3600, ws_queue_size=8)
    with serve_in_thread(settings) as url:
        stalled = stalled_subscriber(url, "/ws/alerts")
        try:
            with ws(url, "/ws/alerts") as healthy, httpx.Client(base_url=url, headers=AUTH) as http:
                recv(healthy)  # the snapshot on connect
                big = "x" * 30_000  # large events (under the 32 KiB cap) fill buffers fast
                worst = 0.0
                for i in range(200):
                    start = time.monotonic()
                    http.post("/api/v1/alerts", json={**alert(f"A{i}"), "annotations": {"blob": big}})
                    msg = recv_type(healthy, "alert_event")
                    worst = max(worst, time.monotonic() - start)
                    assert msg["data"]["alert"]["alertname"] == f"A{i}"
                metrics = http.get("/metrics").text
                assert "pushd_slow_subscribers_dropped_total 1.0" in metrics
                assert http.get("/api/v1/snapshot").json()["subscribers"]["alerts"] == 1
                assert worst < 2.0, f"healthy subscriber waited {worst:.2f}s for an event"
                assert_released(url, stalled, within=UVICORN_CLOSE_TIMEOUT + 3 * CLOSE_TIMEOUT)
        finally:
            stalled.close()


def assert_released(url: str, client: socket.socket, within: float) -> None:
    """pushd (in this process) no longer holds its end of `client`'s connection: after the 4001
    close (or the abort of a peer that cannot take even that), uvicorn closes the socket; what is
    left in flight is the kernel's to deliver, not pushd's to keep."""
    server_port, client_port = int(url.rsplit(":", 1)[1]), client.getsockname()[1]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        ends = [c for c in psutil.Process().net_connections("tcp")
                if c.laddr and c.laddr.port == server_port and c.raddr and c.raddr.port == client_port]
        if not ends:
            return
        time.sleep(0.2)
    raise AssertionError(f"pushd still holds the stalled connection after {within}s")


def test_alerts_posted_at_the_same_time_arrive_in_order_on_the_fast_path(tmp_path: Path) -> None:
    """Concurrent POSTs finish in the same turns of the event loop, so their frames are written
    together (pushd.api.ws_writes): each one still arrives once, with seq counting up by one."""
    settings = make_settings(tmp_path, alerts_period=3600, metrics_period=3600)
    with serve_config_in_thread(settings) as (url, config):
        with ws(url, "/ws/alerts") as conn:
            first = recv(conn)
            assert first["type"] == "alerts_update"
            subscribers = list(config.app.state.pushd.hub._subs["alerts"])
            assert [s.send_now is not None for s in subscribers] == [True]  # uvicorn's protocol has what it needs

            async def post_all() -> None:
                async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=30) as client:
                    async def post(i: int) -> None:
                        assert (await client.post("/api/v1/alerts", json=alert(f"Together{i}"))).status_code == 200
                    await asyncio.gather(*(post(i) for i in range(200)))

            asyncio.run(post_all())
            events = [recv(conn) for _ in range(200)]
    assert [e["seq"] for e in events] == list(range(first["seq"] + 1, first["seq"] + 201))
    assert sorted(e["data"]["alert"]["alertname"] for e in events) == sorted(f"Together{i}" for i in range(200))
