"""The dashboard's entry script: `streamlit run dashboard/app.py` from the repo root.

It holds what every page shares (session defaults, theme, sidebar connection status and account,
offline banner, auto-refresh) and hands the main area to the page chosen in st.navigation. A session
that has not logged in gets the login page and nothing else: no page, no read of pushd.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts dashboard/ on sys.path, not the repo root; `shared` and `dashboard` live there.
ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from dashboard import access_panel, auth, data, frame, session, theme  # noqa: E402
from dashboard.session import t  # noqa: E402
from shared.settings import DashboardSettings  # noqa: E402

VIEWS = Path(__file__).resolve().parent / "views"
# (file, catalogue key, icon, url path); url paths stay English so links survive a language switch.
# Every role gets these pages; what a role may not do is left out inside them (no ack/resolve buttons
# for viewers; the Users page becomes "Users and access", with accounts and tokens, for admins).
PAGES = (
    ("overview.py", "page_overview", ":material/dashboard:", "overview"),
    ("alerts.py", "page_alerts", ":material/notifications_active:", "alerts"),
    ("incidents.py", "page_incidents", ":material/emergency:", "incidents"),
    ("runbooks.py", "page_runbooks", ":material/menu_book:", "runbooks"),
    ("silences.py", "page_silences", ":material/notifications_off:", "silences"),
    ("metrics.py", "page_metrics", ":material/monitoring:", "metrics"),
    ("users.py", "page_users", ":material/group:", "users"),
    ("settings.py", "page_settings", ":material/settings:", "settings"),
)
# Streamlit serves the default page at "/" only: its own url path does not answer when pasted. So no
# real page is the default; the page at "/" is the login form before a login and a step to
# /overview after it. Both navigations use this path for it, so a login made at "/" lands on the
# overview. Every other path (each page's, and /login) answers in both, and a login lands on the page
# whose path was asked for (pages are keyed by path).
HOME = "home"
LOGIN = "login"


def login_page() -> None:
    """Not signed in: the login form is the only page there is, at "/" and, hidden, at /login and at
    every page's path, so a pasted, bookmarked or reloaded link shows it rather than "page not found"."""
    login = VIEWS / "login.py"
    st.navigation([
        st.Page(login, title=t("page_login"), icon=":material/login:", url_path=HOME, default=True),
        *(st.Page(login, title=t("page_login"), url_path=path, visibility="hidden")
          for path in (LOGIN, *(p for *_, p in PAGES))),
    ]).run()


def signed_in_pages() -> None:
    data.begin_run()
    data.whoami()  # the role pushd enforces now; a refused token goes back to the login page
    data.snapshot()  # every page and the sidebar need it; this read also decides "reachable or not"
    pages = [
        st.Page(VIEWS / file, title=t("page_access" if key == "page_users" and auth.is_admin() else key), icon=icon,
                url_path=path)
        for file, key, icon, path in PAGES
    ]

    def to_overview() -> None:
        st.switch_page(pages[0])

    page = st.navigation([
        *pages,
        st.Page(to_overview, title=t("page_overview"), url_path=HOME, default=True, visibility="hidden"),
        st.Page(to_overview, title=t("page_overview"), url_path=LOGIN, visibility="hidden"),
    ])
    if page.url_path != "users":
        access_panel.forget_secret()  # a new token's secret is shown once: leaving the page drops it
    banner = st.container()  # filled after the page ran, so a read that failed during the page counts too
    try:
        page.run()
    finally:
        if auth.signed_in():  # not when a read found the session ended: the rerun shows the login page
            frame.sidebar_status()
            frame.sidebar_account()
            with banner:
                frame.offline_banner()
            frame.auto_refresh()


session.init(DashboardSettings())
st.set_page_config(page_title=t("app_title"), page_icon=":material/monitoring:", layout="wide")
theme.apply()
auth.check_expiry()
if auth.signed_in():
    signed_in_pages()
else:
    login_page()
