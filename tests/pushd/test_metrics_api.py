"""Host metrics from psutil: latest, history, downsampling, persistence across a restart."""

import time
from pathlib import Path

import psutil
from starlette.testclient import TestClient

from pushd.app import create_app
from tests.conftest import AUTH, make_settings


def test_latest_is_this_host(client: TestClient) -> None:
    latest = client.get("/api/v1/metrics/latest").json()
    assert abs(latest["memory_percent"] - psutil.virtual_memory().percent) < 10
    assert latest["disk_percent"] > 0
    for field in ("cpu_percent", "swap_percent", "load1", "net_in_bps", "net_out_bps"):
        assert latest[field] >= 0


def test_history_grows_downsamples_and_survives_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, sample_seconds=0.1)
    with TestClient(headers=AUTH, app=create_app(settings)) as client:
        deadline = time.monotonic() + 20  # 8 samples take 0.8 s; a busy machine gets longer
        while len(points := client.get("/api/v1/metrics/history", params={"minutes": 5}).json()) < 8:
            assert time.monotonic() < deadline, f"{len(points)} samples after 20 s"
            time.sleep(0.05)
        assert [p["ts"] for p in points] == sorted(p["ts"] for p in points)
        few = client.get("/api/v1/metrics/history", params={"minutes": 5, "max_points": 3}).json()
        assert 2 <= len(few) <= 4
    with TestClient(headers=AUTH, app=create_app(settings)) as client:
        trend = client.get("/api/v1/snapshot").json()["trend"]
        assert len(trend) >= len(points)  # reloaded from the store, not started empty


def test_history_rejects_bad_windows(client: TestClient) -> None:
    for params in ({"minutes": 0}, {"minutes": "soon"}, {"minutes": 10**9}, {"max_points": 1}):
        assert client.get("/api/v1/metrics/history", params=params).status_code == 422
