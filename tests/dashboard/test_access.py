"""Logging in and out, what each role is shown, the admin's Users and access page, and sessions that end."""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Callable

import pandas as pd
import pytest
from streamlit.config import ShowErrorDetailsConfigOptions
from streamlit.testing.v1 import AppTest

from dashboard import data
from shared.client import PushdAuthError, PushdClient
from shared.models import AlertIn
from tests.dashboard.conftest import ADMIN_PASSWORD, PASSWORD, add_user, fill_login, log_in, open_page, signed_in
from tests.servers import REPO

WAIT = 10.0  # seconds; a cached read lives TTL_SECONDS, far less


def send(pushd: PushdClient, name: str) -> int:
    return pushd.post_alerts([AlertIn(labels={"alertname": name, "severity": "critical"})])["changed"][0]["id"]


def until(at: AppTest, done: Callable[[AppTest], bool]) -> AppTest:
    """Rerun `at` (what the auto-refresh does) until `done`, failing after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while not done(at.run()):
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.1)
    return at


def on_login_page(at: AppTest) -> bool:
    return not signed_in(at) and any(w.key == "login_user" for w in at.text_input)


def frame(at: AppTest, *columns: str) -> pd.DataFrame:
    """The one table whose first columns are `columns` (AppTest finds read-only tables by position only)."""
    [match] = [d.value for d in at.dataframe if list(d.value.columns[:len(columns)]) == list(columns)]
    return match


def keys(at: AppTest) -> set[str]:
    return {str(b.key) for b in at.button}


def test_wrong_password_shows_an_error_and_nothing_else(make_app: Callable[..., AppTest], pushd_url: str) -> None:
    at = fill_login(make_app(pushd_url), "admin", "not-the-password")
    assert not at.exception
    assert [e.value for e in at.error] == ["Wrong username or password, or the user is disabled."]
    assert on_login_page(at)
    assert at.text_input(key="login_password").value == ""  # the typed password is not kept
    assert "auth_token" not in at.session_state
    with pytest.raises(ValueError, match="Known pages") as refused:
        at.switch_page("views/alerts.py")  # the navigation holds the login page and nothing else
    known = str(refused.value).split("Known pages: ")[1]
    assert set(re.findall(r"'([^']+)'", known)) == {str(REPO / "dashboard" / "views" / "login.py")}


def test_admin_login_shows_every_page_and_the_access_sections(app: AppTest) -> None:
    assert app.title[0].value == "Overview"
    assert [t.value for t in app.sidebar.text][-1] == "Signed in as admin (Admin)"
    open_page(app, "users")
    assert app.title[0].value == "Users and access"
    assert app.segmented_control(key="users_section").options == ["Activity", "Accounts", "API tokens"]


def test_viewer_sees_alerts_but_no_action(make_app: Callable[..., AppTest], pushd_url: str,
                                          pushd: PushdClient) -> None:
    alert_id = send(pushd, "LookDontTouch")
    at = log_in(make_app(pushd_url), "vera", add_user(pushd, "vera", "viewer"))
    open_page(at, "alerts")
    at.session_state["al_selected"] = [alert_id]
    at.selectbox(key="al_detail").select(alert_id).run()
    assert len(frame(at, "Time", "Action", "Status", "By")) == 1  # the detail is there
    assert not keys(at) & {"al_one_ack", "al_one_resolve", "al_bulk_ack", "al_bulk_resolve"}
    assert not [w for w in at.text_input if w.key == "al_comment"]
    assert any(c.value == "Your role can view alerts, not acknowledge or resolve them." for c in at.caption)
    open_page(at, "users")
    assert at.title[0].value == "Users"
    assert not [w for w in at.segmented_control if w.key == "users_section"]


def test_operator_acknowledges_as_herself(make_app: Callable[..., AppTest], pushd_url: str,
                                          pushd: PushdClient) -> None:
    alert_id = send(pushd, "OnCall")
    at = log_in(make_app(pushd_url), "olga", add_user(pushd, "olga", "operator"))
    open_page(at, "alerts")
    at.text_input(key="al_comment").input("mine")
    at.selectbox(key="al_detail").select(alert_id).run()
    at.button(key="al_one_ack").click().run()
    assert not at.exception
    last = pushd.get_alert(alert_id).history[-1]
    assert (last.action, last.actor, last.comment) == ("acknowledged", "olga", "mine")
    open_page(at, "users")
    assert at.title[0].value == "Users"  # not an admin: no accounts, no tokens


def test_admin_manages_users(app: AppTest, pushd: PushdClient, pushd_url: str) -> None:
    open_page(app, "users")
    app.segmented_control(key="users_section").set_value("accounts").run()
    app.text_input(key="acc_new_name").input("newbie")
    app.text_input(key="acc_new_password").input("short")
    app.button(key="acc_create").click().run()
    assert [e.value for e in app.error] == ["A password has at least 8 characters."]
    app.text_input(key="acc_new_password").input(PASSWORD)
    app.selectbox(key="acc_new_role").select("operator")
    app.button(key="acc_create").click().run()
    assert not app.exception
    assert [s.value for s in app.main.success] == ["User newbie created."]
    assert {u.username: u.role for u in pushd.users()} == {"admin": "admin", "newbie": "operator"}
    table = frame(app, "User", "Role", "State")
    assert table[["User", "Role", "State"]].values.tolist() == [["admin", "Admin", "Enabled"],
                                                                 ["newbie", "Operator", "Enabled"]]

    app.selectbox(key="acc_pick").select("newbie").run()
    app.selectbox(key="acc_role:newbie").select("viewer")
    app.text_input(key="acc_password:newbie").input("a-new-password")
    app.button(key="acc_save").click().run()
    assert [s.value for s in app.main.success] == ["User newbie updated."]
    assert [(u.role, u.disabled) for u in pushd.users() if u.username == "newbie"] == [("viewer", False)]
    with PushdClient(pushd_url) as anyone:
        assert anyone.login("newbie", "a-new-password").role == "viewer"
        app.toggle(key="acc_disabled:newbie").set_value(True)
        app.button(key="acc_save").click().run()
        assert [u.disabled for u in pushd.users() if u.username == "newbie"] == [True]
        with pytest.raises(PushdAuthError):
            anyone.login("newbie", "a-new-password")
    assert frame(app, "User", "Role", "State")["State"].tolist() == ["Enabled", "Disabled"]


def test_admin_creates_a_token_sees_its_secret_once_and_revokes_it(app: AppTest, pushd: PushdClient) -> None:
    open_page(app, "users")
    app.segmented_control(key="users_section").set_value("tokens").run()
    app.text_input(key="tok_name").input("prometheus")
    app.number_input(key="tok_days").set_value(30)
    app.button(key="tok_create").click().run()  # role: ingest, the default
    assert not app.exception
    [secret] = [c.value for c in app.code]
    assert any("shown this once" in w.value for w in app.warning)
    [made] = [k for k in pushd.tokens() if k.name == "prometheus"]
    assert (made.role, made.created_by, made.revoked_at) == ("ingest", "admin", None)
    with pushd.with_token(secret) as tool:
        assert (tool.me().name, tool.me().role) == ("prometheus", "ingest")

    app.run()  # an auto-refresh keeps it on screen until dismissed
    assert [c.value for c in app.code] == [secret]
    app.button(key="tok_dismiss").click().run()
    assert not app.code
    open_page(app, "overview")
    open_page(app, "users")
    assert not app.code and secret not in frame(app, "ID", "Name", "Role", "State").to_string()

    app.selectbox(key="tok_pick").select(made.id).run()
    app.button(key="tok_revoke").click().run()
    assert [s.value for s in app.main.success] == ["Token prometheus revoked."]
    assert [k.revoked_at is not None for k in pushd.tokens() if k.id == made.id] == [True]
    with pytest.raises(PushdAuthError), pushd.with_token(secret) as tool:
        tool.me()
    states = dict(frame(app, "ID", "Name", "Role", "State")[["Name", "State"]].values.tolist())
    assert states["prometheus"] == "Revoked"


def test_secret_is_dropped_when_the_admin_leaves_the_page(app: AppTest) -> None:
    open_page(app, "users")
    app.segmented_control(key="users_section").set_value("tokens").run()
    app.text_input(key="tok_name").input("scripts")
    app.button(key="tok_create").click().run()
    assert len(app.code) == 1
    open_page(app, "alerts")
    open_page(app, "users")
    assert not app.code and "tok_secret" not in app.session_state


def test_logout_revokes_the_token_and_returns_to_login(app: AppTest, pushd_url: str) -> None:
    token = app.session_state["auth_token"]
    app.button(key="logout").click().run()
    assert on_login_page(app)
    assert [i.value for i in app.info] == ["You have logged out."]
    with pytest.raises(PushdAuthError), PushdClient(pushd_url, token=token) as old:
        old.me()
    assert "last_good" not in app.session_state  # nothing the user read is left in the session


def test_session_revoked_in_pushd_returns_to_login_with_a_message(app: AppTest, pushd_url: str) -> None:
    open_page(app, "alerts")
    with PushdClient(pushd_url, token=app.session_state["auth_token"]) as same_session:
        same_session.logout()  # revoked server-side
    until(app, on_login_page)
    assert not app.exception
    assert [i.value for i in app.info] == ["Your session has ended (it expired or was revoked): log in again."]


def test_disabled_user_loses_a_write(make_app: Callable[..., AppTest], pushd_url: str, pushd: PushdClient) -> None:
    """A 401 on a write (the user was disabled while the page was open) also ends at the login page."""
    alert_id = send(pushd, "TooLate")
    at = log_in(make_app(pushd_url), "otto", add_user(pushd, "otto", "operator"))
    open_page(at, "alerts")
    at.selectbox(key="al_detail").select(alert_id).run()
    pushd.update_user("otto", disabled=True)
    at.button(key="al_one_ack").click().run()
    assert not at.exception
    assert on_login_page(at)
    assert [i.value for i in at.info] == ["Your session has ended (it expired or was revoked): log in again."]
    assert pushd.get_alert(alert_id).status.value == "firing"


def test_expired_session_returns_to_login_without_asking_pushd(app: AppTest) -> None:
    app.session_state["auth_expires"] = time.time() - 1
    app.run()
    assert on_login_page(app) and not app.exception
    assert [i.value for i in app.info] == ["Your session has ended (it expired or was revoked): log in again."]


def test_role_change_applies_to_an_open_session(make_app: Callable[..., AppTest], pushd_url: str,
                                                pushd: PushdClient) -> None:
    at = log_in(make_app(pushd_url), "rita", add_user(pushd, "rita", "viewer"))
    send(pushd, "Promoted")
    pushd.update_user("rita", role="operator")
    until(at, lambda a: "Operator" in a.sidebar.text[-1].value)
    open_page(at, "alerts")
    assert any(w.key == "al_comment" for w in at.text_input)


def test_cached_reads_are_keyed_by_token(pushd: PushdClient, pushd_url: str) -> None:
    """What one session read is never served to a caller without that session's token."""
    token = pushd.login("admin", ADMIN_PASSWORD).token
    assert data.fetch_snapshot(pushd_url, token).counts.total == 0
    for other in (None, "not-a-token"):
        with pytest.raises(PushdAuthError):
            data.fetch_snapshot(pushd_url, other)


def test_browser_users_get_no_error_details() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == ShowErrorDetailsConfigOptions.NONE
