"""Users (用户): everyone who changed alerts, as pushd counts them, and one person's actions paged on
the server. For admins this is Users and access (用户权限管理), with two more sections: accounts and
API tokens (dashboard/access_panel.py)."""

from __future__ import annotations

import streamlit as st

from dashboard import access_panel, auth, data, people
from dashboard.alert_query import page_bounds
from dashboard.session import t
from dashboard.tables import severity_badges
from dashboard.widgets import labeller, no_data
from shared.models import LogPage

PICK = "users_pick"
PAGE = "users_page"
SIZES = (25, 50, 100, 200)
SECTIONS = ("activity", "accounts", "tokens")


def back_to_first_page() -> None:
    st.session_state[PAGE] = 1


def read(actor: str, size: int, wanted: int) -> tuple[LogPage | None, int]:
    """One page of `actor`'s actions and its offset; a page past the end reads the last one."""
    offset = (wanted - 1) * size
    result = data.actor_log(actor, size, offset)
    if result is not None and result.total and not result.items:
        _, _, offset = page_bounds(result.total, wanted, size)
        result = data.actor_log(actor, size, offset)
    return result, offset


def actions(names: list[str]) -> None:
    """Pick a person (kept across refreshes and page switches) and see what they did, newest first."""
    st.subheader(t("user_actions"))
    keep = {"persist_state": "session", "on_change": back_to_first_page}
    current = st.session_state.get(PICK)
    if current is not None and current not in names:
        names = [*names, current]  # still selectable while the table is stale (pushd down)
    pick, size_col, page_col = st.columns([3, 1, 1])
    actor = pick.selectbox(t("user_pick"), names, index=None, key=PICK, placeholder=t("choose"), **keep)
    size = int(size_col.selectbox(t("page_size"), SIZES, key="users_size", placeholder=t("choose"), **keep))
    wanted = int(page_col.number_input(t("page_no"), min_value=1, step=1, key=PAGE, persist_state="session"))
    if actor is None:
        st.caption(t("user_pick_hint"))
        return
    result, offset = read(actor, size, wanted)
    if result is None:
        no_data()
    elif not result.items:
        st.info(t("user_no_actions"))
    else:
        st.caption(t("matches", total=result.total, first=offset + 1, last=offset + len(result.items)))
        st.dataframe(severity_badges(people.actions_frame(result.items, t), t("col_severity"), t), hide_index=True,
                     key="users_actions")


def activity() -> None:
    """Who changed alerts, for every role."""
    st.caption(t("users_caption"))
    actors = data.actors()
    if actors is None:
        no_data()
    elif not actors:
        st.info(t("no_users"))
    else:
        ordered = people.people_first(actors)
        st.dataframe(people.actors_frame(ordered, t), hide_index=True, key="users_table")
        actions([a.actor for a in ordered])


if auth.is_admin():
    st.title(t("page_access"))
    section = st.segmented_control(t("section"), SECTIONS, default="activity", required=True, key="users_section",
                                   format_func=labeller({s: f"section_{s}" for s in SECTIONS}),
                                   label_visibility="collapsed", persist_state="session") or "activity"
else:
    st.title(t("page_users"))
    section = "activity"
if section != "tokens":
    access_panel.forget_secret()  # shown once: leaving the tokens section drops it
{"accounts": access_panel.accounts, "tokens": access_panel.tokens}.get(section, activity)()
