"""Soak: a steady 50 alerts/s and 500 WebSocket subscribers on one pushd for an hour; what drifts?

pushd runs as `python -m pushd` (a temporary data dir, host rules off, default durability FULL). The
driver POSTs one new alert at a time to `/api/v1/alerts` on a fixed schedule (open loop: a slow
answer does not delay the next send), each alert carrying the instant it was sent (monotonic clock)
and its minute in its annotations. The subscribers (`bench/wsclient.py`'s light client, with the
admin token) compute POST -> alert_event latency on arrival and keep a histogram per minute.
Every 5 s the driver samples pushd's RSS and open file descriptors (psutil). One row per minute:
POSTs and their p50/p99 latency (and sends skipped because 256 POSTs were still unanswered), event
p50/p99/max, deliveries (events received / alerts acknowledged x subscribers), pushd's CPU, RSS and
fds, and the machine's load average. Talks only to 127.0.0.1, stops by itself.

    python bench/soak.py [--minutes 60] [--rate 50] [--subscribers 500] [--client-procs 2]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import psutil
import uvloop
from common import AUTH, HOST, percentile, print_table, pushd, raise_nofile, write_results
from wsclient import CONNECT_CONCURRENCY, EVENT, Subscriber, Tally, Target

SENT = b'"soak_t":"'  # annotation: monotonic instant just before the POST
MINUTE = b'"soak_m":"'  # annotation: the minute of the run the alert was sent in
BUCKET_MS = 0.1  # latency histogram resolution
SAMPLE_S = 5.0
GRACE_S = 3.0  # after a minute ends, wait this long for its last events before reporting it
# POSTs awaiting an answer; past this a send is skipped and counted, so that the driver itself stays
# bounded (and honest) when pushd falls behind.
MAX_OUTSTANDING = 256
MIB = 2**20


# --- subscribers (worker processes) -----------------------------------------------------------------
class Latencies:
    """Per minute of the run: POST -> alert_event latency histogram (BUCKET_MS buckets), over all subscribers."""

    def __init__(self) -> None:
        self.minutes: dict[int, Counter[int]] = {}
        self.closed = 0  # connections that ended before the driver stopped them

    def take(self) -> dict[int, dict[int, int]]:
        out = {m: dict(c) for m, c in self.minutes.items()}
        self.minutes.clear()
        return out


def _field(payload: bytes, marker: bytes) -> bytes:
    i = payload.index(marker) + len(marker)
    return payload[i:payload.index(b'"', i)]


class SoakSubscriber(Subscriber):
    """wsclient's subscriber, keeping a latency histogram per minute instead of every stamp."""

    def __init__(self, target: Target, tally: Tally, latencies: Latencies) -> None:
        super().__init__(target, tally)
        self.latencies = latencies
        self.stopping = False

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.open.done() and not self.stopping:
            self.latencies.closed += 1

    def _data(self, payload: bytes, now: float) -> None:
        if EVENT in payload and SENT in payload:
            minute = int(_field(payload, MINUTE))
            bucket = int((now - float(_field(payload, SENT))) * 1000 / BUCKET_MS)
            hist = self.latencies.minutes.get(minute)
            if hist is None:
                hist = self.latencies.minutes[minute] = Counter()
            hist[bucket] += 1
        else:
            super()._data(payload, now)

    def close(self) -> None:
        self.stopping = True
        super().close()


async def _worker(pipe: Connection, port: int, count: int) -> None:
    loop = asyncio.get_running_loop()
    target = Target("pushd", port, "/ws/alerts", tuple(AUTH.items()))
    tally, latencies = Tally(), Latencies()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one() -> SoakSubscriber:
        async with gate:
            _, sub = await loop.create_connection(lambda: SoakSubscriber(target, tally, latencies),
                                                  HOST, port)
            await asyncio.wait_for(sub.open, 30)
            return sub

    results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    subs = [r for r in results if isinstance(r, SoakSubscriber)]
    pipe.send(("ready", len(subs), [repr(r) for r in results if not isinstance(r, SoakSubscriber)][:5]))
    while await loop.run_in_executor(None, pipe.recv) == "flush":
        pipe.send(latencies.take())
    for s in subs:
        s.close()
    await asyncio.sleep(0.2)
    pipe.send((latencies.take(), tally.close_codes, tally.types, latencies.closed))


def _worker_main(pipe: Connection, port: int, count: int) -> None:
    uvloop.run(_worker(pipe, port, count))


class Pool:
    """`total` soak subscribers spread over `procs` spawned worker processes."""

    def __init__(self, port: int, total: int, procs: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs: list[Any] = []
        for i in range(procs):
            parent, child = ctx.Pipe()
            share = total // procs + (1 if i < total % procs else 0)
            p = ctx.Process(target=_worker_main, args=(child, port, share), daemon=True)
            p.start()
            self.pipes.append(parent)
            self.procs.append(p)

    def wait_ready(self, timeout: float = 120) -> int:
        opened = 0
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise TimeoutError("a subscriber worker did not connect in time")
            _, n, errors = pipe.recv()
            opened += n
            if errors:  # a refused handshake (no token, a cap): the figures would be for fewer subscribers
                raise ConnectionError(f"{opened} subscribers open; connect errors (first few): {errors}")
        return opened

    def flush(self) -> list[dict[int, dict[int, int]]]:
        for pipe in self.pipes:
            pipe.send("flush")
        return [pipe.recv() for pipe in self.pipes]

    def stop(self) -> tuple[list[dict[int, dict[int, int]]], Counter[int], Counter[str], int]:
        for pipe in self.pipes:
            pipe.send("stop")
        hists, codes, types, closed = [], Counter[int](), Counter[str](), 0
        for pipe in self.pipes:
            if not pipe.poll(60):
                continue
            h, c, t, n = pipe.recv()
            hists.append(h)
            codes.update(c)
            types.update(t)
            closed += n
        for p in self.procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
        return hists, codes, types, closed


# --- the driver -------------------------------------------------------------------------------------
class Run:
    """What the driver measures, per minute of the run."""

    def __init__(self, minutes: int) -> None:
        self.post_ms: list[list[float]] = [[] for _ in range(minutes)]
        self.post_errors: list[Counter[str]] = [Counter() for _ in range(minutes)]
        self.events: list[Counter[int]] = [Counter() for _ in range(minutes)]
        self.samples: list[tuple[float, float, int, float, float]] = []  # (t, rss MiB, fds, cpu s, load1)

    def merge(self, parts: list[dict[int, dict[int, int]]]) -> None:
        for part in parts:
            for minute, hist in part.items():
                if 0 <= minute < len(self.events):
                    self.events[minute].update(hist)


def hist_percentile(hist: Counter[int], p: float) -> float:
    total = sum(hist.values())
    if total == 0:
        return float("nan")
    rank, seen = math.ceil(p / 100 * total), 0
    for bucket in sorted(hist):
        seen += hist[bucket]
        if seen >= rank:
            return (bucket + 1) * BUCKET_MS
    return float("nan")


async def send_alerts(client: httpx.AsyncClient, run: Run, t0: float, rate: float, seconds: float) -> None:
    """Open loop: alert i is sent at t0 + i / rate, whatever the previous answers took."""
    tasks: set[asyncio.Task[None]] = set()

    async def post(i: int, minute: int) -> None:
        sent = time.monotonic()
        alert = {"labels": {"alertname": "SoakTest", "bench_seq": str(i), "instance": f"host-{i % 200}"},
                 "annotations": {"summary": "soak test alert", "soak_t": f"{sent:.6f}", "soak_m": str(minute)}}
        try:
            r = await client.post("/api/v1/alerts", json=alert)
        except httpx.HTTPError as exc:
            run.post_errors[minute][type(exc).__name__] += 1
            return
        if r.status_code == 200:
            run.post_ms[minute].append((time.monotonic() - sent) * 1000)
        else:
            run.post_errors[minute][str(r.status_code)] += 1

    for i in range(int(seconds * rate)):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(tasks) >= MAX_OUTSTANDING:
            run.post_errors[int(i / rate // 60)]["skipped"] += 1
            continue
        task = asyncio.create_task(post(i, int(i / rate // 60)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)


async def sample(proc: psutil.Process, run: Run, until: float) -> None:
    while time.monotonic() < until:
        cpu = proc.cpu_times()
        run.samples.append((time.monotonic(), proc.memory_info().rss / MIB, proc.num_fds(), cpu.user + cpu.system,
                            os.getloadavg()[0]))
        await asyncio.sleep(SAMPLE_S)


def minute_row(run: Run, m: int, t0: float, subscribers: int) -> dict[str, Any]:
    posts = sorted(run.post_ms[m])
    hist = run.events[m]
    start, end = t0 + 60 * m, t0 + 60 * (m + 1)
    inside = [s for s in run.samples if start <= s[0] <= end + SAMPLE_S]
    first = next((s for s in reversed(run.samples) if s[0] <= start), inside[0] if inside else None)
    last = inside[-1] if inside else first
    cpu = (last[3] - first[3]) / (last[0] - first[0]) * 100 if first and last and last[0] > first[0] else float("nan")
    return {
        "minute": m + 1,
        "posts_ok": len(posts),
        "skipped": run.post_errors[m]["skipped"],  # not sent: MAX_OUTSTANDING POSTs were awaiting answers
        "post_errors": {k: v for k, v in run.post_errors[m].items() if k != "skipped"},
        "post_p50_ms": round(percentile(posts, 50), 2),
        "post_p99_ms": round(percentile(posts, 99), 2),
        "post_max_ms": round(posts[-1], 2) if posts else float("nan"),
        "events": sum(hist.values()),
        "event_p50_ms": round(hist_percentile(hist, 50), 2),
        "event_p99_ms": round(hist_percentile(hist, 99), 2),
        "event_max_ms": round((max(hist) + 1) * BUCKET_MS, 1) if hist else float("nan"),
        "delivered": round(sum(hist.values()) / (len(posts) * subscribers), 5) if posts and subscribers else 0.0,
        "pushd_cpu_percent": round(cpu, 1),
        "rss_mb": round(last[1], 1) if last else float("nan"),
        "rss_max_mb": round(max(s[1] for s in inside), 1) if inside else float("nan"),
        "fds": last[2] if last else -1,
        "load1": round(max(s[4] for s in inside), 2) if inside else float("nan"),  # the machine's, highest sample
    }


COLUMNS = ["min", "POSTs", "skipped", "errors", "POST p50/p99 ms", "events", "event p50/p99/max ms", "delivered",
           "pushd CPU %", "RSS MB", "fds", "load1"]


def cells(r: dict[str, Any]) -> list[Any]:
    return [r["minute"], r["posts_ok"], r["skipped"], sum(r["post_errors"].values()),
            f"{r['post_p50_ms']} / {r['post_p99_ms']}",
            r["events"], f"{r['event_p50_ms']} / {r['event_p99_ms']} / {r['event_max_ms']}", r["delivered"],
            r["pushd_cpu_percent"], r["rss_mb"], r["fds"], r["load1"]]


async def soak(url: str, pid: int, pool: Pool, subscribers: int, minutes: int, rate: float) -> tuple[Run, float]:
    proc = psutil.Process(pid)
    run = Run(minutes)
    t0 = time.monotonic() + 1.0
    seconds = minutes * 60
    loop = asyncio.get_running_loop()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
    async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=30,
                                 limits=limits) as client:
        sender = asyncio.create_task(send_alerts(client, run, t0, rate, seconds))
        sampler = asyncio.create_task(sample(proc, run, t0 + seconds + GRACE_S + SAMPLE_S))
        for m in range(minutes):
            await asyncio.sleep(max(0.0, t0 + 60 * (m + 1) + GRACE_S - time.monotonic()))
            run.merge(await loop.run_in_executor(None, pool.flush))
            r = minute_row(run, m, t0, subscribers)
            print(f"minute {r['minute']}: {r['posts_ok']} POSTs, p99 {r['post_p99_ms']} ms; events p99 "
                  f"{r['event_p99_ms']} ms, delivered {r['delivered']}; RSS {r['rss_mb']} MB, {r['fds']} fds",
                  flush=True)
        await sender
        await sampler
    return run, t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--rate", type=float, default=50.0, help="alerts per second")
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--client-procs", type=int, default=2)
    args = parser.parse_args()
    raise_nofile(2 * args.subscribers + 1024)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: stop pushd, remove its data dir

    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp, \
            pushd(Path(tmp)) as (url, popen):
        port = int(url.rsplit(":", 1)[1])
        pool = Pool(port, args.subscribers, args.client_procs)
        opened = pool.wait_ready()
        print(f"{opened} subscribers connected; {args.rate:g} alerts/s for {args.minutes} min against {url}")
        run, t0 = asyncio.run(soak(url, popen.pid, pool, opened, args.minutes, args.rate))
        hists, codes, types, closed = pool.stop()
        run.merge(hists)

    rows = [minute_row(run, m, t0, opened) for m in range(args.minutes)]
    print()
    print_table(COLUMNS, [cells(r) for r in rows])
    start = run.samples[0]
    peak = max(s[1] for s in run.samples)
    summary = {
        "minutes": args.minutes, "rate_per_s": args.rate, "subscribers": opened,
        "subscribers_closed_by_pushd": closed, "close_codes": dict(codes), "other_messages": dict(types),
        "rss_mb_start": round(start[1], 1), "rss_mb_end": round(run.samples[-1][1], 1), "rss_mb_peak": round(peak, 1),
        "fds_start": start[2], "fds_end": run.samples[-1][2],
        "post_p99_ms_worst_minute": max(r["post_p99_ms"] for r in rows),
        "event_p99_ms_worst_minute": max(r["event_p99_ms"] for r in rows),
        "delivered_min": min(r["delivered"] for r in rows),
        "post_errors": sum(sum(r["post_errors"].values()) for r in rows),
        "skipped": sum(r["skipped"] for r in rows),
    }
    print(f"\nRSS {summary['rss_mb_start']} -> {summary['rss_mb_end']} MB (peak {summary['rss_mb_peak']}), "
          f"fds {summary['fds_start']} -> {summary['fds_end']}, subscribers closed by pushd: {closed}, "
          f"POST errors: {summary['post_errors']}, not sent (pushd behind): {summary['skipped']}")
    path = write_results("soak", {"summary": summary, "per_minute": rows,
                                  "samples": [{"t_s": round(s[0] - t0, 1), "rss_mb": round(s[1], 2), "fds": s[2]}
                                              for s in run.samples]})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
