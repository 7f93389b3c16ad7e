"""Per-browser-session preferences (language, theme, refresh) kept in st.session_state.

Widgets bound to these keys use `persist_state="session"`, so a value chosen on the Settings page
survives switching to another page and back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from dashboard.i18n import Lang, translate
from shared.settings import DashboardSettings

# Session keys of the preferences; the Settings page's widgets use the same keys.
LANG = "pref_lang"
THEME = "pref_theme"
REFRESH = "pref_refresh_seconds"
PAUSED = "pref_paused"
PREFERENCES = frozenset({LANG, THEME, REFRESH, PAUSED})  # kept when a user logs out
REFRESH_CHOICES = (2.0, 5.0, 10.0, 30.0, 60.0)


def defaults(settings: DashboardSettings) -> dict[str, Any]:
    """The preferences a new session starts with, from the environment."""
    refresh = float(settings.dashboard_refresh_seconds)
    return {
        LANG: settings.dashboard_language,
        THEME: "light",
        # 0 in the environment means "do not refresh": start paused at the default interval.
        REFRESH: refresh or 5.0,
        PAUSED: refresh == 0,
    }


def init(settings: DashboardSettings) -> None:
    """Fill in every preference the session does not have yet."""
    for key, value in defaults(settings).items():
        if key not in st.session_state:
            st.session_state[key] = value


def refresh_choices() -> list[float]:
    """The usual intervals plus the session's own (DASHBOARD_REFRESH_SECONDS may be any number)."""
    return sorted({*REFRESH_CHOICES, float(st.session_state.get(REFRESH) or 5.0)})


def lang() -> Lang:
    value = st.session_state.get(LANG, "zh")
    return "en" if value == "en" else "zh"


def t(key: str, **kw: object) -> str:
    """Translate `key` into the session's language."""
    return translate(key, lang(), **kw)


def translator() -> Callable[..., str]:
    """`t` with the session's language read once: every `t()` reads st.session_state (tens of
    microseconds), and a table of 500 rows asks for thousands of names."""
    language = lang()
    return lambda key, **kw: translate(key, language, **kw)


def pushd_url() -> str:
    """Server configuration (PUSHD_URL), the same for every session: no browser may point the
    dashboard's server at another address."""
    return DashboardSettings().pushd_url.rstrip("/")
