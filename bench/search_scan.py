"""Search: how long `q` (AlertQuery.text) takes on a store of N firing alerts, in-process, without HTTP.

The store scans the `alert_text` side table with instr() (pushd/store/schema.sql); this prints the
median and max of 7 queries for a rare hit, no hit, every alert, and a 2-character text.

    python bench/search_scan.py [--alerts 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pushd.store import AlertQuery, NewAlert, SQLiteStore
from shared.fingerprint import fingerprint


async def run(alerts: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "search.sqlite3", "NORMAL")
        await store.open()
        try:
            now = time.time()
            for start in range(0, alerts, 1000):
                batch = []
                for n in range(start, min(start + 1000, alerts)):
                    labels = {"alertname": f"Alert{n % 300}", "instance": f"host{n}.example.org:9100", "job": "node",
                              "severity": "warning"}
                    annotations = {"summary": f"disk usage above 90% on host{n}", "runbook_url": "https://wiki/x"}
                    batch.append(NewAlert(fingerprint(labels), labels, annotations, "warning", "firing"))
                await store.ingest(batch, "api", "bench", now)
            for text in (f"host{alerts - 1}.", "zz-no-match", "disk usage", "ab"):
                times = []
                for _ in range(7):
                    t = time.perf_counter()
                    _, total = await store.list_alerts(AlertQuery(text=text, limit=50))
                    times.append((time.perf_counter() - t) * 1000)
                print(f"q={text!r}: {total} hits, median {statistics.median(times):.1f} ms, max {max(times):.1f} ms")
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=100_000)
    asyncio.run(run(parser.parse_args().alerts))


if __name__ == "__main__":
    main()
