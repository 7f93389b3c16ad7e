"""Who this browser session is signed in as.

Each browser session logs in to pushd itself and keeps its own session token in st.session_state:
never in the URL, never in a cache another session reads (the cached readers in data.py take the
token as part of their key). pushd decides what the token may do; the role kept here only chooses
which pages and buttons to show, and is refreshed from GET /api/v1/me on every run.
"""

from __future__ import annotations

import time

import streamlit as st

from dashboard import session
from shared.accounts import Session

TOKEN = "auth_token"
USER = "auth_user"
ROLE = "auth_role"
EXPIRES = "auth_expires"  # epoch seconds, from the login's expires_at
NOTICE = "auth_notice"  # catalogue key of what the login page says (logged out, session ended)
ACTING_ROLES = frozenset({"operator", "admin"})


def token() -> str | None:
    return st.session_state.get(TOKEN)


def signed_in() -> bool:
    return bool(token())


def user() -> str:
    return str(st.session_state.get(USER) or "")


def role() -> str:
    return str(st.session_state.get(ROLE) or "viewer")


def can_act() -> bool:
    """Acknowledge and resolve: operators and admins."""
    return role() in ACTING_ROLES


def is_admin() -> bool:
    return role() == "admin"


def _forget() -> None:
    """Everything of the session except its preferences: data, filters and selections of the user
    who was signed in must not be seen by the next one."""
    for key in list(st.session_state.keys()):
        if key not in session.PREFERENCES:
            del st.session_state[key]


def sign_in(login: Session) -> None:
    _forget()
    st.session_state[TOKEN] = login.token
    st.session_state[USER] = login.username
    st.session_state[ROLE] = login.role
    st.session_state[EXPIRES] = login.expires_at.timestamp()


def sign_out(notice: str | None = None) -> None:
    """Back to the login page, saying `notice` (a catalogue key) there."""
    _forget()
    if notice:
        st.session_state[NOTICE] = notice


def session_ended() -> None:
    """pushd refused the token (expired, revoked, user disabled): log in again."""
    sign_out("notice_session_ended")


def check_expiry(now: float | None = None) -> None:
    """Sign out a session whose token has expired by the clock, without asking pushd."""
    expires = st.session_state.get(EXPIRES)
    if signed_in() and expires is not None and (time.time() if now is None else now) >= float(expires):
        session_ended()


def set_role(value: str) -> None:
    """pushd's current answer: an admin may have changed this user's role since the login."""
    st.session_state[ROLE] = value


def notice() -> str | None:
    return st.session_state.get(NOTICE)
