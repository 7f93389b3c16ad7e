"""shared/client.py, the dashboard's way to pushd: the access API against a real pushd, and the
answers a real pushd cannot be made to give (not JSON, wrong shape) through httpx's MockTransport."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.client import PushdAuthError, PushdBadAnswer, PushdClient, PushdError, PushdUnavailable
from shared.models import AlertIn
from tests.dashboard.conftest import ADMIN_PASSWORD, PASSWORD


def test_login_me_logout(pushd_url: str) -> None:
    with PushdClient(pushd_url) as anonymous:
        session = anonymous.login("admin", ADMIN_PASSWORD)
        assert (session.username, session.role) == ("admin", "admin")
        assert session.expires_at.tzinfo is not None and session.expires_at > datetime.now(UTC)
        with pytest.raises(PushdAuthError) as wrong:
            anonymous.login("admin", "wrong-password")
        assert wrong.value.status == 401
        with pytest.raises(PushdAuthError):
            anonymous.snapshot()  # no token at all
    with PushdClient(pushd_url, token=session.token) as user:
        me = user.me()
        assert (me.kind, me.name, me.actor, me.role) == ("session", "admin", "admin", "admin")
        user.logout()
        with pytest.raises(PushdAuthError):
            user.me()


def test_api_token_acts_as_itself(pushd: PushdClient) -> None:
    me = pushd.me()
    assert (me.kind, me.name, me.actor, me.role, me.expires_at) == ("api", "admin", "token:admin", "admin", None)
    [change] = pushd.post_alerts([AlertIn(labels={"alertname": "ByToken"})])["changed"]
    acked = pushd.acknowledge(change["id"], comment="scripted")
    assert acked.status.value == "acknowledged"
    last = pushd.get_alert(change["id"]).history[-1]
    assert (last.actor, last.comment) == ("token:admin", "scripted")


def test_too_low_a_role_is_a_refusal_not_a_logout(pushd: PushdClient) -> None:
    [change] = pushd.post_alerts([AlertIn(labels={"alertname": "NotYours"})])["changed"]
    pushd.create_user("val", PASSWORD, "viewer")
    with pushd.with_token(pushd.login("val", PASSWORD).token) as viewer:
        assert viewer.get_alert(change["id"]).status.value == "firing"
        with pytest.raises(PushdError) as refused:
            viewer.acknowledge(change["id"])
    assert refused.value.status == 403 and not isinstance(refused.value, PushdAuthError)


def test_users_crud(pushd: PushdClient) -> None:
    made = pushd.create_user("uma", PASSWORD, "operator")
    assert (made.username, made.role, made.disabled) == ("uma", "operator", False)
    with pytest.raises(PushdError) as exists:
        pushd.create_user("uma", PASSWORD, "viewer")
    assert exists.value.status == 409
    assert pushd.update_user("uma", role="viewer", disabled=True).model_dump(include={"role", "disabled"}) == {
        "role": "viewer", "disabled": True}
    with pytest.raises(PushdError) as last_admin:
        pushd.update_user("admin", role="operator")
    assert last_admin.value.status == 409
    pushd.delete_user("uma")
    assert [u.username for u in pushd.users()] == ["admin"]
    with pytest.raises(PushdError) as missing:
        pushd.update_user("uma", disabled=False)
    assert missing.value.status == 404


def test_tokens_crud(pushd: PushdClient) -> None:
    made = pushd.create_token("alertmanager", "ingest", expires_in_days=7)
    assert (made.name, made.role, made.created_by, made.revoked_at) == ("alertmanager", "ingest", "token:admin", None)
    assert made.expires_at is not None and made.expires_at - made.created_at == timedelta(days=7)
    listed = {k.id: k for k in pushd.tokens()}
    assert listed[made.id].name == "alertmanager" and "token" not in listed[made.id].model_dump()
    with pushd.with_token(made.token) as tool:
        assert tool.me().role == "ingest"
        pushd.revoke_token(made.id)
        with pytest.raises(PushdAuthError):
            tool.me()
    assert {k.id: k for k in pushd.tokens()}[made.id].revoked_at is not None


def test_with_token_shares_the_pool(pushd: PushdClient) -> None:
    with pushd.with_token("not-a-token") as other:
        with pytest.raises(PushdAuthError):
            other.me()
    assert pushd.me().name == "admin"  # closing the other client left the pool open


def mock(handler: httpx.MockTransport | None = None, **answer: object) -> PushdClient:
    """A client of a pushd that answers `answer` to everything (or as `handler` says)."""
    transport = handler or httpx.MockTransport(lambda _: httpx.Response(**answer))  # type: ignore[arg-type]
    return PushdClient("http://pushd.test", transport=transport, token="t0ken")


@pytest.mark.parametrize("answer", [
    {"status_code": 200, "text": "<html>a proxy's login page</html>"},
    {"status_code": 200, "json": {"items": "not a list", "total": 1}},
    {"status_code": 200, "json": ["a list where an object belongs"]},
    {"status_code": 201, "json": None},
])
def test_malformed_answers_are_unavailable_not_crashes(answer: dict[str, object]) -> None:
    with mock(**answer) as client:
        with pytest.raises(PushdBadAnswer):
            client.list_alerts()
        with pytest.raises(PushdUnavailable):
            client.me()


def test_refusals_without_json_keep_their_text() -> None:
    with mock(status_code=401, text="go away") as client, pytest.raises(PushdAuthError) as refused:
        client.snapshot()
    assert (refused.value.status, refused.value.detail) == (401, "go away")


def test_every_request_carries_the_token() -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(204)

    with mock(httpx.MockTransport(answer)) as client:
        client.logout()
        client.delete_user("x")
        client.revoke_token(3)
    assert seen == ["Bearer t0ken"] * 3
