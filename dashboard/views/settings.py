"""Settings (系统设置): refresh interval and pause, pushd URL, theme, language; for this session."""

from __future__ import annotations

import streamlit as st

from dashboard import data, session
from dashboard.i18n import LANGUAGES
from dashboard.session import t
from dashboard.tables import safe_link
from dashboard.widgets import labeller

URL_INPUT = "pref_url_input"
KEEP = {"persist_state": "session"}


def set_url() -> None:
    """Take the typed URL only when it is an http(s) URL; a typo must not point the session at nothing."""
    typed = str(st.session_state.get(URL_INPUT) or "").strip().rstrip("/")
    if safe_link(typed):
        st.session_state[session.URL] = typed
        st.session_state.pop("url_error", None)
        data.connection().ok = None  # a new pushd: unknown until the next read
    else:
        st.session_state["url_error"] = True


st.title(t("page_settings"))
st.caption(t("settings_caption"))
left, right = st.columns(2)
with left:
    st.select_slider(t("refresh_seconds"), options=session.refresh_choices(), format_func=lambda v: f"{v:g}",
                     key=session.REFRESH, **KEEP)
    st.toggle(t("pause"), key=session.PAUSED, **KEEP)
    st.session_state.setdefault(URL_INPUT, session.pushd_url())
    st.text_input(t("pushd_url"), key=URL_INPUT, on_change=set_url, **KEEP)
    if st.session_state.get("url_error"):
        st.error(t("bad_url"))
with right:
    st.segmented_control(t("theme"), ("light", "dark"), key=session.THEME, required=True,
                         format_func=labeller({"light": "theme_light", "dark": "theme_dark"}), **KEEP)
    st.segmented_control(t("language"), LANGUAGES, key=session.LANG, required=True,
                         format_func=labeller({v: f"lang_{v}" for v in LANGUAGES}), **KEEP)
