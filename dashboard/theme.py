"""Light/dark theme per browser session.

Streamlit's own theme option is process-wide config (switching it would switch every user's page),
so the dark theme is a fixed stylesheet of ours injected into this session's page, and Plotly
figures get the matching template from `figures.template` (drawn with `theme=None`, so Streamlit's
light chart theme does not override it). No alert text ever goes through here. Tables
(st.dataframe draws on a canvas with the app's theme colours) stay light.
"""

from __future__ import annotations

import streamlit as st

from dashboard.figures import Theme

DARK_CSS = """
<style>
:root { color-scheme: dark; }
.stApp, [data-testid="stAppViewContainer"], [data-testid="stHeader"], [data-testid="stBottomBlockContainer"] {
  background-color: #0e1117 !important; color: #fafafa !important;
}
[data-testid="stSidebar"], [data-testid="stSidebarContent"] { background-color: #1a1c24 !important; }
.stApp p, .stApp span, .stApp label, .stApp li, .stApp h1, .stApp h2, .stApp h3, .stApp h4,
[data-testid="stMetricValue"], [data-testid="stMetricLabel"], [data-testid="stCaptionContainer"],
[data-testid="stSidebarNavLink"] span { color: #fafafa !important; }
[data-baseweb="input"], [data-baseweb="input"] input, [data-baseweb="select"] > div, [data-baseweb="textarea"],
[data-baseweb="textarea"] textarea, [data-baseweb="tag"], [data-baseweb="popover"] ul {
  background-color: #262730 !important; color: #fafafa !important;
}
[data-testid="stMetric"], [data-testid="stVerticalBlockBorderWrapper"] { border-color: #3a3d4a !important; }
button[data-variant="segmented_control"] { background-color: #262730 !important; color: #fafafa !important; }
button[data-variant="segmented_control"][aria-checked="true"] { border-color: #ff4b4b !important; }
/* Streamlit's alert boxes keep their light tints; dark text keeps them readable. */
[data-testid="stAlertContainer"] p, [data-testid="stAlertContainer"] span { color: #0e1117 !important; }
.stButton button, .stDownloadButton button { background-color: #262730 !important; color: #fafafa !important;
  border-color: #4a4d5a !important; }
</style>
"""


def current() -> Theme:
    return "dark" if st.session_state.get("pref_theme") == "dark" else "light"


def apply() -> None:
    """Inject the dark stylesheet when the session chose dark; light is Streamlit's default look."""
    if current() == "dark":
        st.html(DARK_CSS)
