"""Settings (系统设置): refresh interval and pause, theme, language, for this session; pushd's URL,
which is the server's configuration (PUSHD_URL), shown read-only."""

from __future__ import annotations

import streamlit as st

from dashboard import session
from dashboard.i18n import LANGUAGES
from dashboard.session import t
from dashboard.widgets import labeller

KEEP = {"persist_state": "session"}

st.title(t("page_settings"))
st.caption(t("settings_caption"))
left, right = st.columns(2)
with left:
    st.select_slider(t("refresh_seconds"), options=session.refresh_choices(), format_func=lambda v: f"{v:g}",
                     key=session.REFRESH, **KEEP)
    st.toggle(t("pause"), key=session.PAUSED, **KEEP)
    st.text_input(t("pushd_url"), value=session.pushd_url(), key="pushd_url_shown", disabled=True,
                  help=t("pushd_url_help"))
with right:
    st.segmented_control(t("theme"), ("light", "dark"), key=session.THEME, required=True,
                         format_func=labeller({"light": "theme_light", "dark": "theme_dark"}), **KEEP)
    st.segmented_control(t("language"), LANGUAGES, key=session.LANG, required=True,
                         format_func=labeller({v: f"lang_{v}" for v in LANGUAGES}), **KEEP)
