"""pushd answering something that is not its API (a proxy's page, the wrong shape, a cut-off body, a
stray 4xx): every page says there is a problem with pushd, as during an outage, and keeps the last
good data; nothing crashes. Each read path is spoiled in turn by a real HTTP proxy (tests/dashboard/garble.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from shared.client import PushdClient
from shared.models import AlertIn
from tests.dashboard.conftest import ADMIN_PASSWORD, fill_login, log_in, open_page
from tests.dashboard.garble import ANSWERS, garbling_proxy

BAD_ANSWER = "gave an answer the dashboard cannot read"


def pick_detail(at: AppTest, alert_id: int) -> None:
    open_page(at, "alerts")
    at.selectbox(key="al_detail").select(alert_id).run()


def pick_actor(at: AppTest, _: int) -> None:
    open_page(at, "users")
    at.selectbox(key="users_pick").select("token:admin").run()


def section(name: str) -> Callable[[AppTest, int], None]:
    def choose(at: AppTest, _: int) -> None:
        open_page(at, "users")
        at.segmented_control(key="users_section").set_value(name).run()
    return choose


def nothing(at: AppTest, _: int) -> None:
    pass


def incidents_view(name: str) -> Callable[[AppTest, int], None]:
    def choose(at: AppTest, _: int) -> None:
        open_page(at, "incidents")
        at.segmented_control(key="inc_section").set_value(name).run()
    return choose


# read path (a regular expression over the URL path) -> the pages that read it, and what selects it there
READS = {
    "me": (r"/api/v1/me", ("overview", "settings"), nothing),
    "snapshot": (r"/api/v1/snapshot", ("overview", "metrics"), nothing),
    "alert list": (r"/api/v1/alerts", ("alerts",), nothing),
    "open alerts grouped": (r"/api/v1/alerts", ("incidents",), incidents_view("groups")),
    "incident list": (r"/api/v1/incidents", ("incidents",), nothing),
    "incident stats": (r"/api/v1/incident-stats", ("overview",), nothing),
    "grouping rules": (r"/api/v1/grouping-rules", ("incidents",), incidents_view("rules")),
    "alert detail": (r"/api/v1/alerts/\d+", ("alerts",), pick_detail),
    "runbooks": (r"/api/v1/runbooks", ("runbooks",), nothing),
    "runbook links": (r"/api/v1/runbook-links", ("runbooks",), nothing),
    "metrics history": (r"/api/v1/metrics/history", ("metrics",), nothing),
    "actors": (r"/api/v1/actors", ("users",), nothing),
    "actor history": (r"/api/v1/history", ("users",), pick_actor),
    "accounts": (r"/api/v1/users", ("users",), section("accounts")),
    "tokens": (r"/api/v1/tokens", ("users",), section("tokens")),
}


@pytest.mark.parametrize("read", READS)
def test_a_spoiled_answer_is_shown_as_a_problem_with_pushd(make_app: Callable[..., AppTest], pushd_url: str,
                                                           pushd: PushdClient, read: str) -> None:
    pattern, pages, prepare = READS[read]
    [change] = pushd.post_alerts([AlertIn(labels={"alertname": "Spoiled", "severity": "critical",
                                                  "instance": "db1"},
                                          annotations={"runbook_url": "https://rb.example/x"})])["changed"]
    pushd.acknowledge(change["id"])  # token:admin becomes an actor with a history
    with garbling_proxy(pushd_url) as (url, proxy):
        at = log_in(make_app(url), "admin", ADMIN_PASSWORD)
        prepare(at, change["id"])
        for kind in ANSWERS:
            for page in pages:
                st.cache_data.clear()  # the good answers read before would hide the spoiled ones
                proxy.garble(pattern, kind)
                open_page(at, page)  # no exception
                assert proxy.garbled, f"{page} did not read {pattern}"
                if read == "alert detail" and kind == "not_found":
                    # pushd's own word for an alert that is gone; the connection is fine
                    assert [s.value for s in at.sidebar.success] == ["Connected"]
                    assert [i.value for i in at.info] == [f"Alert {change['id']} does not exist."]
                    continue
                assert [e.value for e in at.sidebar.error] == ["Unexpected answer"], (kind, page)
                assert [e.value for e in at.error if BAD_ANSWER in e.value] != [], (kind, page)
        proxy.garble(None)
        st.cache_data.clear()
        for page in pages:
            open_page(at, page)
            assert [s.value for s in at.sidebar.success] == ["Connected"]
            assert not at.error


@pytest.mark.parametrize("kind", ANSWERS)
def test_a_spoiled_login_answer_says_so(make_app: Callable[..., AppTest], pushd_url: str, kind: str) -> None:
    with garbling_proxy(pushd_url) as (url, proxy):
        proxy.garble(r"/api/v1/auth/login", kind)
        at = fill_login(make_app(url), "admin", ADMIN_PASSWORD)
        assert not at.exception
        assert proxy.garbled == 1
        assert [e.value for e in at.error] == [
            f"pushd at {url} gave an answer the dashboard cannot read; is PUSHD_URL pushd's address?"]
