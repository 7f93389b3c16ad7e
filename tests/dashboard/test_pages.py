"""Every page against a real pushd, checked as a user would: what shows, what a click changes."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data
from shared.client import PushdClient
from shared.models import AlertIn
from tests.dashboard.conftest import ADMIN_PASSWORD, add_user, fill_login, log_in, open_page

PAGES = ("overview", "alerts", "incidents", "runbooks", "metrics", "users", "settings")


def send(pushd: PushdClient, name: str, **annotations: str) -> int:
    """Post one critical alert and return the id pushd gave it."""
    result = pushd.post_alerts([AlertIn(labels={"alertname": name, "instance": "db1", "severity": "critical"},
                                        annotations=annotations)])
    return result["changed"][0]["id"]


def table_text(at: AppTest) -> str:
    return "\n".join(df.value.to_string() for df in at.dataframe)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_from_pushd(app: AppTest, pushd: PushdClient, page: str) -> None:
    send(pushd, "PageSmoke", summary="smoke", runbook_url="https://runbooks.example/smoke")
    open_page(app, page)
    assert [s.value for s in app.sidebar.success] == ["Connected"]
    assert not app.error


def test_alert_just_sent_shows_in_alert_center(app: AppTest, pushd: PushdClient) -> None:
    open_page(app, "alerts")
    assert "ReplicaLagHigh" not in table_text(app)
    send(pushd, "ReplicaLagHigh", summary="replica 3 is 40 s behind")
    deadline = time.monotonic() + 10 * data.TTL_SECONDS  # reads are cached TTL_SECONDS
    while "ReplicaLagHigh" not in table_text(app.run()):  # what the auto-refresh does
        assert time.monotonic() < deadline, "the new alert did not show"
        time.sleep(0.1)
    assert "replica 3 is 40 s behind" in table_text(app)


def test_acknowledge_from_detail_changes_state_in_pushd(app: AppTest, pushd: PushdClient) -> None:
    alert_id = send(pushd, "CpuHot")
    open_page(app, "alerts")
    app.text_input(key="al_comment").input("looking into it")
    app.selectbox(key="al_detail").select(alert_id).run()
    app.button(key="al_one_ack").click().run()
    assert not app.exception
    stored = pushd.get_alert(alert_id)
    assert stored.status.value == "acknowledged"
    assert (stored.history[-1].actor, stored.history[-1].comment) == ("admin", "looking into it")
    assert any("Acknowledge: 1 done." in s.value for s in app.success)


def test_bulk_resolve_of_ticked_alerts(app: AppTest, pushd: PushdClient) -> None:
    ids = [send(pushd, f"Bulk{i}") for i in range(3)]
    open_page(app, "alerts")
    app.session_state["al_selected"] = ids[:2]  # what ticking two rows in the table records
    app.run()
    app.button(key="al_bulk_resolve").click().run()
    assert [pushd.get_alert(i).status.value for i in ids] == ["resolved", "resolved", "firing"]
    assert [pushd.get_alert(i).history[-1].actor for i in ids[:2]] == ["admin", "admin"]
    assert app.session_state["al_selected"] == []


def rows(at: AppTest, index: int) -> list[dict[str, object]]:
    return at.dataframe[index].value.to_dict("records")


def as_user(pushd: PushdClient, username: str, role: str = "operator") -> PushdClient:
    """A client acting as a new user of `role`, through a login of its own."""
    password = add_user(pushd, username, role)
    return pushd.with_token(pushd.login(username, password).token)


def test_users_page_lists_operator_and_her_actions(app: AppTest, pushd: PushdClient) -> None:
    alert_id = send(pushd, "DiskFull")
    as_user(pushd, "alice").acknowledge(alert_id, comment="on it")
    open_page(app, "users")
    people = {r["User"]: r for r in rows(app, 0)}
    assert list(people) == ["alice", "token:admin"]  # people first, then tools
    assert {k: people["alice"][k] for k in ("Kind", "Actions", "Acknowledged", "Resolved")} == {
        "Kind": "Operator", "Actions": 1, "Acknowledged": 1, "Resolved": 0}
    assert people["token:admin"]["Kind"] == "API token"
    assert len(app.dataframe) == 1  # nobody chosen yet
    app.selectbox(key="users_pick").select("alice").run()
    assert not app.exception
    [action] = rows(app, 1)
    assert (action["ID"], action["Alert name"], action["Action"], action["Comment"]) == (
        alert_id, "DiskFull", "acknowledged", "on it")


def test_users_page_pages_actions_on_the_server(app: AppTest, pushd: PushdClient) -> None:
    ids = [send(pushd, f"Many{i}") for i in range(30)]
    carol = as_user(pushd, "carol")
    for i in ids:
        carol.acknowledge(i)
    open_page(app, "users")
    app.selectbox(key="users_pick").select("carol").run()
    assert len(rows(app, 1)) == 25
    app.number_input(key="users_page").set_value(2).run()
    assert [r["ID"] for r in rows(app, 1)] == sorted(ids[:5], reverse=True)  # the oldest five, newest first
    assert any(c.value == "30 matching, showing 26–30" for c in app.caption)


def test_action_from_alert_center_shows_on_users_page_at_once(app: AppTest, pushd: PushdClient) -> None:
    alert_id = send(pushd, "Fresh")
    open_page(app, "users")
    assert [r["User"] for r in rows(app, 0)] == ["token:admin"]
    open_page(app, "alerts")
    app.selectbox(key="al_detail").select(alert_id).run()
    app.button(key="al_one_resolve").click().run()
    open_page(app, "users")  # within the cache TTL: the write cleared the cached actors
    assert [r["User"] for r in rows(app, 0)] == ["admin", "token:admin"]


def test_metrics_page_shows_current_cpu(app: AppTest, pushd: PushdClient) -> None:
    open_page(app, "metrics")
    latest = pushd.snapshot().latest_metrics
    assert latest is not None
    cards = {m.label: m.value for m in app.metric}
    assert cards["CPU usage"] == f"{latest.cpu_percent:.1f} %"
    assert cards["Memory usage"] == f"{latest.memory_percent:.1f} %"
    assert len(app.get("plotly_chart")) == 3  # CPU trend, memory trend, alert pie


def test_filters_survive_refresh_and_page_switch(app: AppTest, pushd: PushdClient) -> None:
    send(pushd, "KeepMe")
    open_page(app, "alerts")
    app.multiselect(key="al_severity").select("critical")
    app.text_input(key="al_q").input("keepme").run()
    app.run()  # an auto-refresh
    open_page(app, "metrics")
    open_page(app, "alerts")
    assert app.multiselect(key="al_severity").value == ["critical"]
    assert app.text_input(key="al_q").value == "keepme"
    assert "KeepMe" in table_text(app)


def test_untrusted_alert_text_is_shown_as_text(app: AppTest, pushd: PushdClient) -> None:
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    alert_id = send(pushd, "Xss", summary=payload, runbook_url="javascript:alert(3)")
    open_page(app, "alerts")
    app.selectbox(key="al_detail").select(alert_id).run()
    assert payload in table_text(app)  # shown, as cell text
    rendered = [m.value for m in app.markdown] + [h.proto.body for h in app.get("html")]
    assert not any("<img" in r or "<script" in r for r in rendered)


def test_settings_show_pushd_url_read_only(app: AppTest, pushd_url: str) -> None:
    open_page(app, "settings")
    shown = app.text_input(key="pushd_url_shown")
    assert (shown.value, shown.disabled) == (pushd_url, True)
    assert [w.key for w in app.text_input] == ["pushd_url_shown"]  # nothing else to type an address into


def test_language_switch_in_settings(app: AppTest) -> None:
    open_page(app, "settings")
    assert app.title[0].value == "Settings"
    app.segmented_control(key="pref_lang").set_value("zh").run()
    assert app.title[0].value == "系统设置"
    open_page(app, "metrics")
    assert app.title[0].value == "监控指标"


@pytest.mark.parametrize("page", PAGES)
def test_pages_say_pushd_is_down(app: AppTest, dead_url: str, page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSHD_URL", dead_url)  # signed in, then pushd is gone (same as stopping it)
    open_page(app, page)
    assert [e.value for e in app.sidebar.error] == ["Unreachable"]
    assert any("cannot be reached" in e.value for e in app.error)


def test_login_says_pushd_is_down(make_app: Callable[..., AppTest], dead_url: str) -> None:
    at = fill_login(make_app(dead_url), "admin", ADMIN_PASSWORD)
    assert not at.exception
    assert [e.value for e in at.error] == [f"pushd at {dead_url} cannot be reached; try again later."]


def test_language_and_refresh_come_from_the_environment(make_app: Callable[..., AppTest], pushd_url: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_REFRESH_SECONDS", "3")
    at = make_app(pushd_url, lang="zh")
    at.run()
    assert at.text_input(key="login_user").label == "用户名"
    log_in(at, "admin", ADMIN_PASSWORD)
    open_page(at, "settings")
    assert at.title[0].value == "系统设置"
    assert at.select_slider(key="pref_refresh_seconds").value == 3.0
    assert any(c.value == "每 3 秒自动刷新" for c in at.sidebar.caption)


SELECTS = {"al_status", "al_severity", "al_range", "al_size", "al_detail", "inc_status", "inc_severity", "inc_size",
           "users_pick",
           "users_size", "acc_new_role", "acc_pick", "acc_role:ulla", "tok_role", "tok_pick"}
PLACEHOLDERS = {"zh": {"请选择", "请选择（可多选）"}, "en": {"Choose an option", "Choose options"}}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_select_has_a_placeholder_in_the_sessions_language(make_app: Callable[..., AppTest], pushd_url: str,
                                                                 pushd: PushdClient, lang: str) -> None:
    """Streamlit's own placeholders ("Choose an option", "Choose options") are English whatever the language."""
    pushd.acknowledge(send(pushd, "Placeholder"))  # an actor, so the Users page offers its picker
    add_user(pushd, "ulla", "viewer")
    at = log_in(make_app(pushd_url, lang=lang), "admin", ADMIN_PASSWORD)
    seen: dict[str, str] = {}

    def collect() -> None:
        seen.update({str(w.key): w.proto.placeholder for w in [*at.selectbox, *at.multiselect]})

    for page in PAGES:
        open_page(at, page)
        collect()
    open_page(at, "users")
    for section in ("accounts", "tokens"):
        at.segmented_control(key="users_section").set_value(section).run()
        collect()
    at.segmented_control(key="users_section").set_value("accounts").run()
    at.selectbox(key="acc_pick").select("ulla").run()  # the edit form's role picker
    collect()
    assert set(seen) == SELECTS
    assert {k: v for k, v in seen.items() if v not in PLACEHOLDERS[lang]} == {}
