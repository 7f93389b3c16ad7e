"""pushd going away and coming back: the page says so, keeps the last data, then recovers by itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from shared.client import PushdClient
from shared.models import AlertIn
from tests.dashboard.conftest import ADMIN_PASSWORD, PASSWORD, log_in, open_page
from tests.servers import ADMIN_TOKEN, free_port, pushd_process


def test_last_data_kept_while_down_and_recovery(make_app: Callable[..., AppTest], tmp_path: Path) -> None:
    port = free_port()
    env = {"PUSHD_HOST_RULES_ENABLED": "false", "PUSHD_SAMPLE_SECONDS": "60", "PUSHD_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with pushd_process(tmp_path / "pushd", port, **env) as (url, _):
        with PushdClient(url, token=ADMIN_TOKEN) as c:
            [change] = c.post_alerts([AlertIn(labels={"alertname": "StillHere", "severity": "warning"})])["changed"]
            c.create_user("alice", PASSWORD, "operator")
            c.with_token(c.login("alice", PASSWORD).token).acknowledge(change["id"])
        # alice, not admin: pushd re-applies PUSHD_ADMIN_PASSWORD at start, which ends admin's sessions
        at = log_in(make_app(url), "alice", PASSWORD)
        open_page(at, "users")
        at.selectbox(key="users_pick").select("alice").run()
        users_before = [df.value.to_dict("records") for df in at.dataframe]
        assert len(users_before) == 2 and users_before[1][0]["Action"] == "acknowledged"
        open_page(at, "overview")
        before = {m.label: m.value for m in at.metric}
        assert before["Acknowledged"] == "1"

    st.cache_data.clear()  # pushd is gone; what the cache holds would hide that for TTL_SECONDS
    open_page(at, "overview")
    assert [e.value for e in at.sidebar.error] == ["Unreachable"]
    assert any("cannot be reached" in e.value for e in at.error)
    assert {m.label: m.value for m in at.metric} == before  # the last data, still on screen
    open_page(at, "users")  # the people and alice's actions, as last read
    assert [df.value.to_dict("records") for df in at.dataframe] == users_before
    assert any("cannot be reached" in e.value for e in at.error)
    open_page(at, "alerts")  # a page never read while up still renders, without a traceback
    assert any("cannot be reached" in e.value for e in at.error)

    with pushd_process(tmp_path / "pushd", port, **env):  # same data dir, same port: pushd is back
        open_page(at, "overview")  # still signed in: the session token is in pushd's database
        assert [s.value for s in at.sidebar.success] == ["Connected"]
        assert not at.error
        assert {m.label: m.value for m in at.metric}["Acknowledged"] == "1"


def table_text(at: AppTest) -> str:
    return "\n".join(df.value.to_string() for df in at.dataframe)


def test_a_filter_never_read_shows_no_other_filters_page(app: AppTest, pushd: PushdClient, dead_url: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pushd.post_alerts([AlertIn(labels={"alertname": "OnlyCritical", "severity": "critical"}),
                       AlertIn(labels={"alertname": "OnlyWarning", "severity": "warning"})])
    open_page(app, "alerts")
    app.multiselect(key="al_severity").select("critical").run()
    assert "OnlyCritical" in table_text(app) and "OnlyWarning" not in table_text(app)

    monkeypatch.setenv("PUSHD_URL", dead_url)  # pushd is gone
    app.multiselect(key="al_severity").unselect("critical").select("warning").run()
    assert not app.exception
    assert any("cannot be reached" in e.value for e in app.error)
    assert "OnlyCritical" not in table_text(app)  # not the critical filter's page passed off as the warning one's
    assert [i.value for i in app.info] == ["No data yet: this view has not been read from pushd."]
    app.number_input(key="al_page").set_value(2).run()
    app.multiselect(key="al_severity").unselect("warning").select("critical").run()
    assert app.number_input(key="al_page").value == 1  # a filter change goes back to page 1
    assert "OnlyCritical" in table_text(app)  # the filter read before: its last page, under the banner
    assert any("cannot be reached" in e.value for e in app.error)


def test_incidents_keep_the_last_page_of_their_own_filter(app: AppTest, pushd: PushdClient, dead_url: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pushd.post_alerts([AlertIn(labels={"alertname": "Disk", "severity": "critical", "instance": "db1"})])
    open_page(app, "incidents")
    app.segmented_control(key="inc_section").set_value("groups").run()  # critical only, the default
    assert "Disk @ db1" in table_text(app)
    monkeypatch.setenv("PUSHD_URL", dead_url)
    app.multiselect(key="inc_group_severity").unselect("critical").select("info").run()
    assert not app.exception
    assert "Disk @ db1" not in table_text(app)
    assert [i.value for i in app.info] == ["No data yet: this view has not been read from pushd."]
