"""Event latency: POST an alert -> `alert_event` at each of 1,000 WebSocket subscribers, pushd vs a bare server.

pushd runs as `python -m pushd`; the bare server is python-websockets' `serve()` + `broadcast()` with a
uvicorn HTTP endpoint on the same event loop as its trigger, so both trigger paths start with the same
HTTP parser. The same subscriber processes hold 1,000 connections to each server, and alerts go to the
two servers alternately, so both see the same machine noise. Latency = arrival at a subscriber minus
the instant just before the driver sent the POST; p50/p99 are over all (alert, subscriber) pairs.
pushd's subscribers and POSTs carry its admin token (`Authorization: Bearer`); the POSTs to the bare
server carry the same header, which it ignores, so both HTTP parsers read the same bytes.

    python bench/ws_latency.py [--subscribers 1000] [--alerts 200] [--gap 0.1] [--client-procs 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import psutil
import uvicorn
import uvloop
from common import AUTH, HOST, free_port, percentile, print_table, pushd, raise_nofile, wait_http, write_results
from websockets.asyncio.server import broadcast, serve
from websockets.sync.client import connect
from wsclient import SubscriberPool, Target


# --- the bare server -----------------------------------------------------------------------------
async def _bare(ws_port: int, http_port: int) -> None:
    async def hold(ws: Any) -> None:
        await ws.wait_closed()

    async with serve(hold, HOST, ws_port, compression=None) as ws_server:
        counter = 0

        async def trigger(scope: dict, receive: Any, send: Any) -> None:
            """POST {"alert": {...}, "size": N}: broadcast an alert_event padded to N bytes."""
            nonlocal counter
            if scope["type"] != "http":
                return
            body = b""
            while True:
                msg = await receive()
                body += msg.get("body", b"")
                if not msg.get("more_body"):
                    break
            if scope["method"] == "POST":
                req = orjson.loads(body)
                counter += 1
                message = {"seq": counter, "type": "alert_event", "ts": time.time(),
                           "data": {"event": "created", "alert": req["alert"], "pad": ""}}
                message["data"]["pad"] = "x" * max(0, req["size"] - len(orjson.dumps(message)))
                broadcast(ws_server.connections, orjson.dumps(message).decode())
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"ok"})

        config = uvicorn.Config(trigger, host=HOST, port=http_port, log_level="warning", lifespan="off",
                                access_log=False)
        await uvicorn.Server(config).serve()


def _bare_main(ws_port: int, http_port: int) -> None:
    uvloop.run(_bare(ws_port, http_port))  # pushd's uvicorn also runs on uvloop


# --- the driver ----------------------------------------------------------------------------------
def alert(seq: int) -> dict[str, Any]:
    """A typical small alert; `bench_seq` is zero-padded so every message has the same size."""
    return {
        "labels": {"alertname": "BenchLatency", "bench_seq": f"{seq:06d}", "instance": "bench-host:9100",
                   "job": "node", "severity": "warning"},
        "annotations": {"summary": "benchmark alert", "description": "posted by bench/ws_latency.py"},
    }


def pushd_frame_size(url: str, client: httpx.Client) -> int:
    """Size of pushd's alert_event frame for our alert shape, so the bare server can send as many bytes."""
    with connect(url.replace("http", "ws") + "/ws/alerts", compression=None, additional_headers=AUTH) as ws:
        client.post(f"{url}/api/v1/alerts", json=alert(0)).raise_for_status()
        while True:
            msg = ws.recv(timeout=10)
            if '"type":"alert_event"' in msg:
                return len(msg.encode())


def measure(pool: SubscriberPool, posts: dict[str, tuple[str, dict]], n: int, gap: float,
            client: httpx.Client, first: int) -> tuple[dict[str, dict[int, float]], dict[str, list[float]]]:
    """POST alerts first..first+n-1 to every target in turn; returns the send instant per target and seq,
    and how long each POST took to answer (ms)."""
    sent: dict[str, dict[int, float]] = {name: {} for name in posts}
    answered: dict[str, list[float]] = {name: [] for name in posts}
    names = list(posts)
    for i in range(first, first + n):
        order = names if i % 2 else names[::-1]  # alternate who goes first, so neither always follows the other
        for name in order:
            url, extra = posts[name]
            body = alert(i) if not extra else {"alert": alert(i), **extra}
            t0 = time.monotonic()
            client.post(url, json=body).raise_for_status()
            answered[name].append((time.monotonic() - t0) * 1000)
            sent[name][i] = t0
            time.sleep(gap)
    return sent, answered


def summarise(seen: dict[str, Any], sent: dict[int, float], subscribers: int) -> dict[str, Any]:
    seqs = np.frombuffer(seen["seqs"], dtype=np.int64) if len(seen["seqs"]) else np.zeros(0, np.int64)
    stamps = np.frombuffer(seen["stamps"], dtype=np.float64) if len(seen["stamps"]) else np.zeros(0)
    keep = np.isin(seqs, list(sent))
    seqs, stamps = seqs[keep], stamps[keep]
    t0 = np.array([sent[int(s)] for s in seqs])
    lat = np.sort((stamps - t0) * 1000)
    per_alert = [lat_s for s in sent if (lat_s := (stamps[seqs == s] - sent[s]) * 1000).size]
    first, last = [float(a.min()) for a in per_alert], [float(a.max()) for a in per_alert]
    return {
        "pairs": int(lat.size), "missing": len(sent) * subscribers - int(lat.size),
        "p50_ms": percentile(lat, 50), "p90_ms": percentile(lat, 90), "p99_ms": percentile(lat, 99),
        "max_ms": float(lat[-1]) if lat.size else float("nan"),
        "first_subscriber_p50_ms": float(np.median(first)) if first else float("nan"),
        "last_subscriber_p50_ms": float(np.median(last)) if last else float("nan"),
        "frame_bytes": sorted(seen["sizes"]), "other_messages": {k: v for k, v in seen["types"].items()
                                                                  if k != "alert_event"},
        "close_codes": seen["close_codes"],
        "per_alert_max_ms": [round(x, 2) for x in last],  # in posting order: shows when the outliers happened
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile(4 * args.subscribers + 1024)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-ws-") as tmp, \
            pushd(Path(tmp), PUSHD_ALERTS_PERIOD="3600", PUSHD_METRICS_PERIOD="3600",
                  PUSHD_SQLITE_SYNCHRONOUS=args.sqlite_synchronous) as (url, proc), \
            httpx.Client(timeout=30, headers=AUTH) as client:
        ws_port, http_port = free_port(), free_port()
        bare = multiprocessing.get_context("spawn").Process(target=_bare_main, args=(ws_port, http_port), daemon=True)
        bare.start()
        try:
            wait_http(f"http://{HOST}:{http_port}/healthz", 20)
            size = pushd_frame_size(url, client)
            targets = [Target("pushd", int(url.rsplit(":", 1)[1]), "/ws/alerts", tuple(AUTH.items())),
                       Target("bare", ws_port, "/")]
            posts = {"pushd": (f"{url}/api/v1/alerts", {}), "bare": (f"http://{HOST}:{http_port}/", {"size": size})}
            cpu = {"pushd": psutil.Process(proc.pid), "bare": psutil.Process(bare.pid)}
            first = 1
            for procs in args.client_procs:
                pool = SubscriberPool(targets, args.subscribers, procs)
                opened = pool.wait_ready()
                time.sleep(1.0)  # let the connect-time alerts_update snapshots drain
                before = {k: sum(p.cpu_times()[:2]) for k, p in cpu.items()}
                sent, answered = measure(pool, posts, args.alerts, args.gap, client, first)
                cpu_ms = {k: (sum(p.cpu_times()[:2]) - before[k]) * 1000 / args.alerts for k, p in cpu.items()}
                time.sleep(1.0)  # the last broadcast reaches everyone
                seen = pool.stop()
                first += args.alerts
                row: dict[str, Any] = {"client_procs": procs, "subscribers_opened": opened}
                for name in posts:
                    row[name] = summarise(seen.get(name, {"seqs": [], "stamps": [], "types": {}, "sizes": set(),
                                                          "close_codes": {}}), sent[name], args.subscribers)
                    row[name]["server_cpu_ms_per_alert"] = cpu_ms[name]
                    row[name]["post_answer_p50_ms"] = float(np.median(answered[name]))
                row["ratio_p99"] = row["pushd"]["p99_ms"] / row["bare"]["p99_ms"]
                row["ratio_p50"] = row["pushd"]["p50_ms"] / row["bare"]["p50_ms"]
                runs.append(row)
        finally:
            bare.kill()
            bare.join(5)
    return {"subscribers": args.subscribers, "alerts": args.alerts, "gap_s": args.gap, "frame_bytes": size,
            "sqlite_synchronous": args.sqlite_synchronous,
            "target_ratio_p99": 1.5, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=1000, help="subscribers per server")
    parser.add_argument("--alerts", type=int, default=200, help="alerts posted to each server")
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between two POSTs")
    parser.add_argument("--client-procs", type=lambda s: [int(x) for x in s.split(",")], default=[2],
                        help="subscriber worker processes; a comma list runs one measurement per value")
    parser.add_argument("--sqlite-synchronous", choices=["FULL", "NORMAL"], default="FULL",
                        help="pushd's durability; FULL (its default) fsyncs before the POST is answered")
    args = parser.parse_args()
    results = run(args)
    rows = []
    for r in results["runs"]:
        for name in ("pushd", "bare"):
            s = r[name]
            rows.append([r["client_procs"], name, s["pairs"], s["missing"], s["p50_ms"], s["p99_ms"], s["max_ms"],
                         s["post_answer_p50_ms"], s["first_subscriber_p50_ms"], s["last_subscriber_p50_ms"],
                         s["server_cpu_ms_per_alert"]])
        rows.append([r["client_procs"], "pushd/bare", "", "", r["ratio_p50"], r["ratio_p99"], "", "", "", "", ""])
    print(f"{results['subscribers']} subscribers per server, {results['alerts']} alerts each, "
          f"{results['frame_bytes']}-byte frames (target: p99 ratio <= 1.5)")
    print_table(["procs", "server", "pairs", "missing", "p50 ms", "p99 ms", "max ms", "POST answer p50",
                 "first sub p50", "last sub p50", "server CPU ms/alert"], rows)
    print(f"results: {write_results('ws_latency', results)}")


if __name__ == "__main__":
    main()
