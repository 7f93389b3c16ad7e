"""Alertmanager's own command-line client, `amtool` (Debian's prometheus-alertmanager, installed by
.ci/run), unchanged against a pushd served on a free port, with a bearer token in its
--http.config.file as the README shows: silence add, query, expire; alert query."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_settings
from tests.pushd.helpers import alert
from tests.servers import ADMIN_TOKEN, AUTH, serve_in_thread

AMTOOL = shutil.which("amtool") or "/usr/bin/amtool"


@pytest.fixture
def amtool(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """(pushd's URL, amtool's command prefix) for a pushd with two alerts."""
    http_config = tmp_path / "http.yml"
    http_config.write_text(f"authorization:\n  credentials: {ADMIN_TOKEN}\n")
    with serve_in_thread(make_settings(tmp_path / "data")) as url:
        r = httpx.post(f"{url}/api/v1/alerts", headers=AUTH, json=[
            {**alert("DiskFull", instance="db1"), "annotations": {"summary": "/var is full"}},
            {**alert("HighLoad", instance="web1"), "annotations": {"summary": "load 40"}}])
        assert r.status_code == 200
        yield url, [AMTOOL, f"--alertmanager.url={url}", f"--http.config.file={http_config}"]


def run(cmd: list[str], *args: str, ok: bool = True) -> str:
    done = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=30)
    assert (done.returncode == 0) is ok, f"amtool {' '.join(args)}: {done.returncode} {done.stdout} {done.stderr}"
    return done.stdout if ok else done.stderr


def test_silence_add_query_and_expire(amtool: tuple[str, list[str]]) -> None:
    url, am = amtool
    sid = run(am, "silence", "add", "alertname=DiskFull", "instance=~db.*", "--comment=disk swap",
              "--duration=2h", "--author=alice").strip()
    [listed] = json.loads(run(am, "silence", "query", "-o", "json"))
    assert listed["id"] == sid and listed["status"]["state"] == "active"
    assert (listed["createdBy"], listed["comment"]) == ("alice", "disk swap")
    assert listed["matchers"] == [{"name": "alertname", "value": "DiskFull", "isRegex": False, "isEqual": True},
                                  {"name": "instance", "value": "db.*", "isRegex": True, "isEqual": True}]
    # pushd's own record of who did it: the token amtool authenticated with, not the --author it typed.
    assert httpx.get(f"{url}/api/v2/silence/{sid}", headers=AUTH).json()["actor"] == "token:admin"
    assert run(am, "silence", "query", "-q", "alertname=DiskFull").split() == [sid]
    assert run(am, "silence", "query", "-q", "alertname=HighLoad").split() == []
    table = run(am, "silence", "query")
    assert sid in table and "alice" in table and "disk swap" in table

    run(am, "silence", "expire", sid)
    assert run(am, "silence", "query", "-q").split() == []
    assert run(am, "silence", "query", "-q", "--expired").split() == [sid]


def test_alert_query_sees_what_is_silenced(amtool: tuple[str, list[str]]) -> None:
    _, am = amtool
    every = json.loads(run(am, "alert", "query", "-o", "json"))
    assert sorted(a["labels"]["alertname"] for a in every) == ["DiskFull", "HighLoad"]
    assert all(a["status"]["state"] == "active" and a["receivers"] == [{"name": "pushd"}] for a in every)
    sid = run(am, "silence", "add", "alertname=DiskFull", "--comment=swap", "--author=alice").strip()
    # By default amtool shows the alerts that are not silenced, with --silenced those that are, with
    # --active --silenced both.
    names = lambda *flags: sorted(a["labels"]["alertname"]  # noqa: E731
                                  for a in json.loads(run(am, "alert", "query", *flags, "-o", "json")))
    assert names() == ["HighLoad"]
    assert names("-s") == ["DiskFull"]
    assert names("-a", "-s") == ["DiskFull", "HighLoad"]
    both = {a["labels"]["alertname"]: a["status"]
            for a in json.loads(run(am, "alert", "query", "-a", "-s", "-o", "json"))}
    # (amtool 0.25 predates `mutedBy` and drops it.)
    assert both["DiskFull"] == {"state": "suppressed", "silencedBy": [sid], "inhibitedBy": []}
    assert both["HighLoad"]["state"] == "active"
    table = run(am, "alert", "query", "instance=web1")
    assert "HighLoad" in table and "load 40" in table and "DiskFull" not in table


def test_what_pushd_refuses_amtool_reports_in_alertmanagers_words(amtool: tuple[str, list[str]]) -> None:
    _, am = amtool
    # A regex that matches the empty string alone would silence everything: refused, and amtool can
    # read the refusal (it decodes only Alertmanager's bare-string error bodies).
    err = run(am, "silence", "add", "instance=~.*", "--comment=all", ok=False)
    assert "at least one matcher must not match the empty string" in err
    # Alertmanager 0.26+ answers 404 here; amtool 0.25's spec predates that answer and says so.
    err = run(am, "silence", "expire", "00000000-0000-4000-8000-000000000000", ok=False)
    assert "(status 404)" in err


def test_a_viewer_token_may_query_but_not_silence(amtool: tuple[str, list[str]], tmp_path: Path) -> None:
    url, am = amtool
    made = httpx.post(f"{url}/api/v1/tokens", headers=AUTH, json={"name": "grafana", "role": "viewer"}).json()
    viewer_config = tmp_path / "viewer.yml"
    viewer_config.write_text(f"authorization:\n  credentials: {made['token']}\n")
    viewer = [*am[:2], f"--http.config.file={viewer_config}"]
    assert len(json.loads(run(viewer, "alert", "query", "-o", "json"))) == 2
    err = run(viewer, "silence", "add", "alertname=DiskFull", "--comment=x", ok=False)
    assert "403" in err or "forbidden" in err.lower()
