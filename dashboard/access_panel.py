"""The admin sections of the Users and access page (Streamlit): accounts and API tokens.

Every write runs in a button callback, before the rerun it causes, so the tables drawn in that rerun
already show the change. pushd checks that the caller is an admin; these sections are only drawn for
admins so that nobody else is offered buttons that would be refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from dashboard import access, auth, data
from dashboard.session import t
from dashboard.widgets import labeller
from shared.accounts import Token, User
from shared.client import PushdAuthError, PushdBadAnswer, PushdClient, PushdError, PushdUnavailable

T = TypeVar("T")
FLASH = "acc_flash"
SECRET = "tok_secret"  # the new token's name and secret, until the admin dismisses it or leaves the page
NEW_USER = ("acc_new_name", "acc_new_password", "acc_new_role")
NEW_TOKEN = ("tok_name", "tok_role", "tok_days")
ROLE_LABELS = {r: f"role_{r}" for r in access.TOKEN_ROLES}


def flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    kind, text = st.session_state.pop(FLASH, (None, None))
    if kind == "success":
        st.success(text)
    elif kind:
        st.error(text)  # pushd's refusal text is plain, and ours


def attempt(call: Callable[[PushdClient], T]) -> tuple[bool, T | None]:
    """(done, answer) of `call` as the signed-in admin; a refusal or an unreachable pushd becomes a
    message, a refused token the login page."""
    try:
        return True, call(data.client())
    except PushdAuthError:
        auth.session_ended()
    except PushdError as exc:
        flash("error", t("refused", detail=access.describe(exc.detail)))
    except PushdBadAnswer:
        flash("error", t("bad_answer_action"))  # pushd may have done it: the tables below say
    except PushdUnavailable:
        flash("error", t("unreachable_action"))
    return False, None


def forget_secret() -> None:
    st.session_state.pop(SECRET, None)


# --- accounts ---------------------------------------------------------------------------------------
def create_user() -> None:
    name_key, password_key, role_key = NEW_USER
    name = str(st.session_state.get(name_key) or "").strip()
    password = str(st.session_state.get(password_key) or "")
    st.session_state[password_key] = ""
    if not access.username_ok(name):
        flash("error", t("bad_username"))
    elif not access.password_ok(password):
        flash("error", t("bad_password"))
    elif attempt(lambda c: c.create_user(name, password, st.session_state.get(role_key) or "viewer"))[0]:
        st.session_state[name_key] = ""
        flash("success", t("user_created", user=name))


def save_user(user: User) -> None:
    """Sends only what changed; a new password (or disabling) ends that user's sessions in pushd."""
    role_key, disabled_key, password_key = edit_keys(user.username)
    role = st.session_state.get(role_key) or user.role
    disabled = bool(st.session_state.get(disabled_key))
    password = str(st.session_state.get(password_key) or "")
    st.session_state[password_key] = ""
    if password and not access.password_ok(password):
        flash("error", t("bad_password"))
        return
    changes = {"role": role if role != user.role else None, "disabled": disabled if disabled != user.disabled else None,
               "password": password or None}
    if all(v is None for v in changes.values()):
        flash("success", t("nothing_changed"))
    elif attempt(lambda c: c.update_user(user.username, **changes))[0]:  # type: ignore[arg-type]
        flash("success", t("user_saved", user=user.username))


def edit_keys(username: str) -> tuple[str, str, str]:
    """Per-user widget keys: picking another user shows that user's values, not the last one's edits."""
    return f"acc_role:{username}", f"acc_disabled:{username}", f"acc_password:{username}"


def accounts() -> None:
    show_flash()
    users = data.load("acc_users", lambda: data.client().users())
    if users is None:
        return
    st.dataframe(access.users_frame(users, t), hide_index=True, key="acc_users")
    create, edit = st.columns(2)
    with create.form("acc_create_form", border=True):
        st.subheader(t("new_user"))
        name_key, password_key, role_key = NEW_USER
        st.text_input(t("username"), key=name_key, max_chars=64)
        st.text_input(t("password"), key=password_key, type="password", max_chars=1024,
                      autocomplete="new-password")
        st.selectbox(t("col_role"), access.USER_ROLES, key=role_key, format_func=labeller(ROLE_LABELS),
                     placeholder=t("choose"))
        st.form_submit_button(t("create"), key="acc_create", type="primary", on_click=create_user)
    with edit.container(border=True):
        st.subheader(t("edit_user"))
        by_name = {u.username: u for u in users}
        pick = st.selectbox(t("col_user"), sorted(by_name), index=None, key="acc_pick", placeholder=t("choose"))
        user = by_name.get(pick) if pick else None
        if user is None:
            return
        role_key, disabled_key, password_key = edit_keys(user.username)
        with st.form("acc_edit_form", border=False):
            st.selectbox(t("col_role"), access.USER_ROLES, index=access.USER_ROLES.index(user.role), key=role_key,
                         format_func=labeller(ROLE_LABELS), placeholder=t("choose"))
            st.toggle(t("state_disabled"), value=user.disabled, key=disabled_key)
            st.text_input(t("new_password"), key=password_key, type="password", max_chars=1024,
                          autocomplete="new-password")
            st.form_submit_button(t("save"), key="acc_save", type="primary", on_click=save_user, args=(user,))


# --- API tokens -------------------------------------------------------------------------------------
def create_token() -> None:
    name_key, role_key, days_key = NEW_TOKEN
    name = str(st.session_state.get(name_key) or "").strip()
    days = float(st.session_state.get(days_key) or 0)
    if not access.token_name_ok(name):
        flash("error", t("bad_token_name"))
        return
    _, made = attempt(lambda c: c.create_token(name, st.session_state.get(role_key) or "ingest", days or None))
    if made is not None:
        st.session_state[SECRET] = (made.name, made.token)
        st.session_state[name_key] = ""
        flash("success", t("token_created", name=made.name))


def revoke_token(token: Token) -> None:
    if attempt(lambda c: c.revoke_token(token.id))[0]:
        flash("success", t("token_revoked_done", name=token.name))
        st.session_state.pop("tok_pick", None)


def new_secret() -> None:
    """The secret pushd gave for the token just made: here until dismissed, never shown again."""
    made = st.session_state.get(SECRET)
    if not made:
        return
    name, secret = made
    with st.container(border=True):
        st.warning(t("token_secret_warning", name=name), icon=":material/key:")
        st.code(secret, language=None)  # st.code has a copy button
        st.button(t("token_copied"), key="tok_dismiss", on_click=forget_secret)


def tokens() -> None:
    show_flash()
    new_secret()
    listed = data.load("acc_tokens", lambda: data.client().tokens())
    if listed is None:
        return
    if listed:
        st.dataframe(access.tokens_frame(listed, t), hide_index=True, key="tok_table")
    else:
        st.info(t("no_tokens"))
    create, revoke = st.columns(2)
    with create.form("tok_create_form", border=True):
        st.subheader(t("new_token"))
        name_key, role_key, days_key = NEW_TOKEN
        st.text_input(t("col_name"), key=name_key, max_chars=100)
        st.selectbox(t("col_role"), access.TOKEN_ROLES, key=role_key, format_func=labeller(ROLE_LABELS),
                     placeholder=t("choose"))
        st.number_input(t("token_days"), min_value=0, max_value=3650, value=0, step=1, key=days_key)
        st.form_submit_button(t("create"), key="tok_create", type="primary", on_click=create_token)
    with revoke.container(border=True):
        st.subheader(t("revoke_token"))
        active = {k.id: k for k in access.revocable(listed)}
        pick = st.selectbox(t("col_name"), list(active), index=None, key="tok_pick", placeholder=t("choose"),
                            format_func=lambda i: f"#{i} {active[i].name}" if i in active else f"#{i}")
        st.button(t("revoke"), key="tok_revoke", type="primary", disabled=pick not in active,
                  on_click=revoke_token, args=(active[pick],) if pick in active else ())
