"""Light/dark theme per browser session.

Streamlit's own theme option is process-wide config (switching it would switch every user's page),
so the dark theme is a fixed stylesheet of ours injected into this session's page, and Plotly
figures get the matching template from `figures.template` (drawn with `theme=None`, so Streamlit's
light chart theme does not override it). No alert text ever goes through here.

Tables: st.dataframe draws its cells on a canvas with the colours of Streamlit's (process-wide,
light) theme, which no CSS colour rule reaches. A CSS filter does: `invert` turns the light grid
dark, `hue-rotate(180deg)` turns the hues back, so red stays red and a light red badge becomes a
dark red one (tables.SEVERITY_STYLE). Inverting 93 % rather than 100 % lands white on the page's
dark grey instead of black.

The selectors follow Streamlit 1.67's markup (data-testid attributes, react-aria roles); the
browser test (tests/dashboard/test_browser.py) samples the pixels of inputs and tables in the dark
theme, so a Streamlit upgrade that changes them fails there.
"""

from __future__ import annotations

import streamlit as st

from dashboard.figures import Theme

BG = "#0e1117"
PANEL = "#1a1c24"
FIELD = "#262730"
BORDER = "#4a4d5a"
TEXT = "#fafafa"

DARK_CSS = f"""
<style>
:root {{ color-scheme: dark; }}
.stApp, [data-testid="stAppViewContainer"], [data-testid="stHeader"], [data-testid="stBottomBlockContainer"] {{
  background-color: {BG} !important; color: {TEXT} !important;
}}
[data-testid="stSidebar"], [data-testid="stSidebarContent"] {{ background-color: {PANEL} !important; }}
.stApp p, .stApp span, .stApp label, .stApp li, .stApp h1, .stApp h2, .stApp h3, .stApp h4,
[data-testid="stMetricValue"], [data-testid="stMetricLabel"], [data-testid="stCaptionContainer"],
[data-testid="stSidebarNavLink"] span {{ color: {TEXT} !important; }}
/* Text and number inputs, select boxes and multiselects, and their drop-down lists. */
[data-testid="stTextInputRootElement"], [data-testid="stNumberInputContainer"],
[data-testid="stSelectbox"] [role="group"], [data-testid="stMultiSelect"] [role="group"],
[data-testid="stTextArea"] textarea, [data-testid="stNumberInputContainer"] button,
[data-testid="stSelectboxDropdown"], [data-testid="stMultiSelectDropdown"], [role="listbox"] {{
  background-color: {FIELD} !important; color: {TEXT} !important; border-color: {BORDER} !important;
}}
.stApp input, .stApp textarea {{ background-color: transparent !important; color: {TEXT} !important;
  -webkit-text-fill-color: {TEXT} !important; caret-color: {TEXT} !important; }}
.stApp input::placeholder, .stApp textarea::placeholder {{ color: #a3a8b8 !important;
  -webkit-text-fill-color: #a3a8b8 !important; }}
.stApp input:disabled {{ color: #a3a8b8 !important; -webkit-text-fill-color: #a3a8b8 !important; }}
[role="option"], [role="option"] div {{ color: {TEXT} !important; background-color: transparent !important; }}
[role="option"][data-focused="true"], [role="option"]:hover {{ background-color: #3a3d4a !important; }}
[data-testid="stSelectbox"] svg, [data-testid="stMultiSelect"] svg, [data-testid="stNumberInputContainer"] svg
  {{ color: {TEXT} !important; }}
[data-testid="stMetric"], [data-testid="stVerticalBlockBorderWrapper"], [data-testid="stForm"]
  {{ border-color: #3a3d4a !important; }}
button[data-variant="segmented_control"] {{ background-color: {FIELD} !important; color: {TEXT} !important; }}
button[data-variant="segmented_control"][aria-checked="true"] {{ border-color: #ff4b4b !important; }}
/* Streamlit's alert boxes keep their light tints; dark text keeps them readable. */
[data-testid="stAlertContainer"] p, [data-testid="stAlertContainer"] span {{ color: {BG} !important; }}
.stButton button, .stDownloadButton button, .stFormSubmitButton button:not([kind="primaryFormSubmit"]) {{
  background-color: {FIELD} !important; color: {TEXT} !important; border-color: {BORDER} !important; }}
.stButton button:disabled {{ color: #7d8194 !important; }}
[data-testid="stProgressBarTrack"] {{ background-color: #3a3d4a !important; }}
label:has(input[role="switch"]:not(:checked)) > span + div {{ background-color: {BORDER} !important; }}
/* Tables: see the module docstring. */
[data-testid="stDataFrame"] {{ filter: invert(0.93) hue-rotate(180deg); }}
[role="dialog"] {{ background-color: {PANEL} !important; color: {TEXT} !important; }}
</style>
"""


def current() -> Theme:
    return "dark" if st.session_state.get("pref_theme") == "dark" else "light"


def apply() -> None:
    """Inject the dark stylesheet when the session chose dark; light is Streamlit's default look."""
    if current() == "dark":
        st.html(DARK_CSS)
