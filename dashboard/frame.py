"""What every page shares: the sidebar connection status and account, the offline banner and auto-refresh."""

from __future__ import annotations

from datetime import datetime

import streamlit as st
from streamlit_autorefresh import st_autorefresh

from dashboard import auth, data, session
from dashboard.session import t
from shared.client import PushdError, PushdUnavailable


def when(ts: datetime | None) -> str:
    return ts.astimezone().strftime("%Y-%m-%d %H:%M:%S") if ts else t("conn_never")


def sidebar_status() -> None:
    """Reachable or not, the last good refresh and subscriber counts, always in the sidebar."""
    conn = data.connection()
    with st.sidebar:
        st.subheader(t("conn_title"))
        if conn.ok:
            st.success(t("conn_ok"), icon=":material/check_circle:")
        elif conn.problem == "bad_answer":
            st.error(t("conn_bad_answer"), icon=":material/report:")
        elif conn.ok is False:
            st.error(t("conn_down"), icon=":material/cloud_off:")
        else:
            st.info(t("conn_unknown"))
        st.text(session.pushd_url())  # as text: a caption would turn it into a markdown link
        st.caption(t("conn_last_ok", when=when(conn.last_ok)) if conn.last_ok else t("conn_never"))
        if conn.subscribers:
            detail = ", ".join(f"{ch} {n}" for ch, n in sorted(conn.subscribers.items()))
            st.caption(t("conn_subscribers", detail=detail))
        if st.session_state.get(session.PAUSED):
            st.caption(t("refresh_paused"))
        else:
            st.caption(t("refresh_every", seconds=f"{float(st.session_state.get(session.REFRESH) or 5):g}"))


def log_out() -> None:
    """Button callback: pushd revokes the token; the session forgets it even when pushd cannot be told."""
    try:
        data.client().logout()
    except (PushdError, PushdUnavailable):
        pass  # already refused, or unreachable: the token stays in no session and expires on its own
    auth.sign_out("notice_signed_out")


def sidebar_account() -> None:
    """Who is signed in, with which role, and the logout button."""
    with st.sidebar:
        st.divider()
        st.text(t("signed_in_as", user=auth.user(), role=t(f"role_{auth.role()}")))  # a name is text, not markdown
        st.button(t("logout"), key="logout", icon=":material/logout:", on_click=log_out)


def offline_banner() -> None:
    """Said plainly on every page while pushd is unreachable or answers what is not its API; the data
    below is the last good answer to the same query."""
    conn = data.connection()
    if conn.ok is False:
        key, icon = ("bad_answer_banner", ":material/report:") if conn.problem == "bad_answer" else \
            ("offline_banner", ":material/cloud_off:")
        st.error(t(key, url=session.pushd_url(), when=when(conn.last_ok)), icon=icon)


def auto_refresh() -> None:
    """Rerun the page every N seconds unless paused. Widgets have keys, so filters and selection survive."""
    if st.session_state.get(session.PAUSED):
        return
    seconds = float(st.session_state.get(session.REFRESH) or 5)
    st_autorefresh(interval=int(seconds * 1000), key="autorefresh")
