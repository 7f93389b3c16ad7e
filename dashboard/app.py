"""The dashboard's entry script: `streamlit run dashboard/app.py` from the repo root.

It holds what every page shares (session defaults, theme, sidebar connection status, offline banner,
auto-refresh) and hands the main area to the page chosen in st.navigation.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts dashboard/ on sys.path, not the repo root; `shared` and `dashboard` live there.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from dashboard import data, frame, session, theme  # noqa: E402
from dashboard.session import t  # noqa: E402
from shared.settings import DashboardSettings  # noqa: E402

VIEWS = Path(__file__).resolve().parent / "views"
# (file, catalogue key, icon, url path); url paths stay English so links survive a language switch.
PAGES = (
    ("overview.py", "page_overview", ":material/dashboard:", "overview"),
    ("alerts.py", "page_alerts", ":material/notifications_active:", "alerts"),
    ("incidents.py", "page_incidents", ":material/emergency:", "incidents"),
    ("runbooks.py", "page_runbooks", ":material/menu_book:", "runbooks"),
    ("metrics.py", "page_metrics", ":material/monitoring:", "metrics"),
    ("users.py", "page_users", ":material/group:", "users"),
    ("settings.py", "page_settings", ":material/settings:", "settings"),
)

session.init(DashboardSettings())
st.set_page_config(page_title=t("app_title"), page_icon=":material/monitoring:", layout="wide")
theme.apply()
data.begin_run()
data.snapshot()  # every page and the sidebar need it; this read also decides "reachable or not"

page = st.navigation([
    st.Page(VIEWS / file, title=t(key), icon=icon, url_path=path, default=(path == "overview"))
    for file, key, icon, path in PAGES
])
banner = st.container()  # filled after the page ran, so a read that failed during the page counts too
try:
    page.run()
finally:
    frame.sidebar_status()
    with banner:
        frame.offline_banner()
    frame.auto_refresh()
