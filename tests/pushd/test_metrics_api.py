"""Host metrics from psutil: latest, history, downsampling, persistence across a restart."""

import math
import sqlite3
import time
from pathlib import Path

import psutil
import pytest
from starlette.testclient import TestClient

from pushd.app import create_app
from pushd.host import HostSampler
from shared.models import METRIC_FIELDS, MetricSample
from tests.conftest import AUTH, make_settings


def test_latest_is_this_host(client: TestClient) -> None:
    latest = client.get("/api/v1/metrics/latest").json()
    assert abs(latest["memory_percent"] - psutil.virtual_memory().percent) < 10
    assert latest["disk_percent"] > 0
    for field in ("cpu_percent", "swap_percent", "load1", "net_in_bps", "net_out_bps"):
        assert latest[field] >= 0


def history(client: TestClient, **params: object) -> list[dict]:
    r = client.get("/api/v1/metrics/history", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_history_grows_and_survives_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, sample_seconds=0.1)
    with TestClient(headers=AUTH, app=create_app(settings)) as client:
        deadline = time.monotonic() + 20
        while len(points := history(client, minutes=5)) < 8:
            assert time.monotonic() < deadline, f"only {len(points)} samples in 20 s"
            time.sleep(0.05)
        assert [p["ts"] for p in points] == sorted(p["ts"] for p in points)
    with TestClient(headers=AUTH, app=create_app(settings)) as client:
        trend = client.get("/api/v1/snapshot").json()["trend"]
        assert len(trend) >= len(points)  # reloaded from the store, not started empty


def test_history_has_at_most_max_points_buckets_the_newest_sample_in_the_last(tmp_path: Path) -> None:
    """Ten samples written by the test, well inside their buckets, and the one the sampler took at
    start (it samples hourly here) as the newest: that one made a bucket of its own beyond max_points."""
    settings = make_settings(tmp_path, sample_seconds=3600.0)
    with TestClient(headers=AUTH, app=create_app(settings)) as client:
        store = client.app.state.pushd.store
        [started] = history(client, minutes=10)
        first = math.floor(MetricSample.model_validate(started).ts.timestamp()) - 200
        # Offsets 0, 30, 50, ..., 190 from the first, with values 0 to 9; the started one is at 200 to 201.
        for value, offset in enumerate((0, *range(30, 200, 20))):
            client.portal.call(store.add_metric, {"ts": first + offset, **dict.fromkeys(METRIC_FIELDS, float(value))})
        assert len(history(client, minutes=10, max_points=11)) == 11  # as taken
        ten = history(client, minutes=10, max_points=10)  # buckets 20 to 20.1 s wide
        assert [p["cpu_percent"] for p in ten[:-1]] == [float(v) for v in range(9)]
        assert ten[-1]["cpu_percent"] == pytest.approx((9 + started["cpu_percent"]) / 2)
        assert ten[-1]["ts"] == started["ts"]  # a bucket is stamped with its newest sample
        three = history(client, minutes=10, max_points=3)
        assert [p["cpu_percent"] for p in three] == pytest.approx(
            [(0 + 1 + 2) / 3, (3 + 4 + 5 + 6) / 4, (7 + 8 + 9 + started["cpu_percent"]) / 4])


def test_history_rejects_bad_windows(client: TestClient) -> None:
    for params in ({"minutes": 0}, {"minutes": "soon"}, {"minutes": 10**9}, {"max_points": 1}):
        assert client.get("/api/v1/metrics/history", params=params).status_code == 422


def test_the_sample_fields_have_one_definition(tmp_path: Path) -> None:
    """MetricSample's fields are what the sampler reads and the store's columns."""
    sampler = HostSampler(tmp_path)
    read = set().union(*(read() for read in sampler.readings().values()))
    assert read == set(METRIC_FIELDS)
    assert set(sampler.sample()) == {"ts", *METRIC_FIELDS} == set(MetricSample.model_fields)
    with TestClient(headers=AUTH, app=create_app(make_settings(tmp_path / "data"))) as client:
        db_path = client.app.state.pushd.settings.db_path
    with sqlite3.connect(db_path) as conn:
        assert [r[1] for r in conn.execute("PRAGMA table_info(metrics)")] == ["ts", *METRIC_FIELDS]
