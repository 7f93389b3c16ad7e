"""Samples the host pushd runs on with psutil.

Like glances: `cpu_percent(interval=None)` is primed once, because its first call returns 0.0, and
is never called with an interval (that would sleep). `sample()` does blocking system calls, so the
caller runs it in a thread. An OSError in one reading leaves that field at its last value instead of
killing the loop.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from shared.models import METRIC_FIELDS

log = logging.getLogger(__name__)


class HostSampler:
    def __init__(self, disk_path: Path) -> None:
        self.disk_path = disk_path
        self._last: dict[str, float] = dict.fromkeys(METRIC_FIELDS, 0.0)
        self._net: tuple[float, int, int] | None = None
        psutil.cpu_percent(interval=None)
        self._read_net()

    def _read_net(self) -> tuple[float, float]:
        now = time.monotonic()
        io = psutil.net_io_counters()
        prev, self._net = self._net, (now, io.bytes_recv, io.bytes_sent)
        if prev is None or now <= prev[0]:
            return 0.0, 0.0
        dt = now - prev[0]
        # Counters can wrap or reset (interface re-created): a negative rate is reported as 0.
        return max(0.0, (io.bytes_recv - prev[1]) / dt), max(0.0, (io.bytes_sent - prev[2]) / dt)

    def readings(self) -> dict[str, Callable[[], dict[str, float]]]:
        """How each field of METRIC_FIELDS (shared.models) is read, by group; between them they give
        every field (tests/pushd/test_metrics_api.py checks it)."""
        return {
            "cpu_percent": lambda: {"cpu_percent": psutil.cpu_percent(interval=None)},
            "memory": lambda: {"memory_percent": psutil.virtual_memory().percent},
            "swap": lambda: {"swap_percent": psutil.swap_memory().percent},
            "disk": lambda: {"disk_percent": psutil.disk_usage(str(self.disk_path)).percent},
            "load": lambda: dict(zip(("load1", "load5", "load15"), os.getloadavg(), strict=True)),
            "net": lambda: dict(zip(("net_in_bps", "net_out_bps"), self._read_net(), strict=True)),
        }

    def sample(self) -> dict[str, float]:
        """One reading of every field of METRIC_FIELDS, with its time; blocking, so call it from a thread."""
        for name, read in self.readings().items():
            try:
                self._last.update(read())
            except (OSError, RuntimeError) as exc:
                log.warning("host reading %s failed, keeping its last value: %s", name, exc)
        return {"ts": time.time(), **{k: round(float(self._last[k]), 2) for k in METRIC_FIELDS}}
