"""Login (登录): the only page a session sees until it has a pushd session token of its own."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, data, session
from dashboard.session import t
from shared.client import PushdAuthError, PushdBadAnswer, PushdError, PushdUnavailable

USER = "login_user"
PASSWORD = "login_password"
ERROR = "login_error"


def submit() -> None:
    """Form callback: runs before the rerun, so a good login already gets the pages in that rerun.
    The password is cleared from the session whatever the outcome."""
    username = str(st.session_state.get(USER) or "").strip()
    password = str(st.session_state.get(PASSWORD) or "")
    st.session_state[PASSWORD] = ""
    if not username or not password:
        st.session_state[ERROR] = t("login_missing")
        return
    try:
        login = data.pool(session.pushd_url()).login(username, password)
    except PushdAuthError:
        st.session_state[ERROR] = t("login_failed")
    except (PushdBadAnswer, PushdError):  # pushd answers a login 200 or 401 (422 cannot come from this form)
        st.session_state[ERROR] = t("login_bad_answer", url=session.pushd_url())
    except PushdUnavailable:
        st.session_state[ERROR] = t("login_unreachable", url=session.pushd_url())
    else:
        auth.sign_in(login)


st.title(t("app_title"))
notice = auth.notice()
if notice:
    st.info(t(notice))
error = st.session_state.pop(ERROR, None)
if error:
    st.error(error)
with st.form("login_form", border=True, width=420):
    st.subheader(t("page_login"))
    st.text_input(t("username"), key=USER, max_chars=64, autocomplete="username")
    st.text_input(t("password"), key=PASSWORD, type="password", max_chars=1024, autocomplete="current-password")
    st.form_submit_button(t("login_button"), key="login_submit", type="primary", on_click=submit)
