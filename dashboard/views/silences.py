"""Silences (静默管理): what is silenced, by whom, for how long; operators add and expire them.
pushd serves them with Alertmanager's API v2, so amtool sees the same list. Logic: dashboard.silences."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard import auth, data
from dashboard.access_panel import attempt, flash, show_flash
from dashboard.session import t
from dashboard.silences import data as silence_data
from dashboard.silences import forms
from dashboard.widgets import no_data
from shared.silences import Silence, SilenceState

PREFILL = "sil_prefill"  # matchers handed over by the alert center's "Silence…" button
MATCHERS = "sil_matchers"


def expire(live: list[Silence]) -> None:
    by_id = {s.id: s for s in live}
    left, right = st.columns([3, 1])
    chosen = left.selectbox(t("silence_pick"), list(by_id), key="sil_pick",
                            format_func=lambda i: f"{i[:8]} · {', '.join(str(m.matcher()) for m in by_id[i].matchers)}")
    right.write("")  # aligns the button with the box
    if right.button(t("silence_expire"), key="sil_expire", disabled=chosen is None) and chosen:
        if attempt(lambda c: c.expire_silence(chosen))[0]:
            flash("success", t("silence_expired_done", id=chosen[:8]))
            data.clear_alert_caches()
        st.rerun()


def new_silence() -> None:
    if PREFILL in st.session_state:
        st.session_state[MATCHERS] = st.session_state.pop(PREFILL)
    with st.form("sil_form"):
        matchers = st.text_area(t("rb_matchers"), key=MATCHERS, help=t("silence_matchers_help"))
        duration = st.text_input(t("silence_duration"), value="2h", key="sil_duration")
        comment = st.text_input(t("comment"), key="sil_comment", max_chars=4000)
        until_resolved = st.checkbox(t("silence_until_resolved"), key="sil_until_resolved")
        if not st.form_submit_button(t("silence_create")):
            return
    try:
        body = forms.build(matchers, duration, comment, auth.user(), datetime.now(UTC), until_resolved)
    except ValueError as exc:
        st.error(t("silence_invalid", reason=str(exc)))
        return
    done, made = attempt(lambda c: c.create_silence(body))
    if done and made:
        flash("success", t("silence_created", id=made[:8]))
        data.clear_alert_caches()
    st.rerun()  # shows the outcome (a refusal too) at the top, with the list as it is now


st.title(t("page_silences"))
show_flash()
listed = silence_data.silences()
if listed is None:
    no_data()
else:
    now = datetime.now(UTC)
    counts = {state: sum(s.status.state is state for s in listed) for state in SilenceState}
    st.caption(" · ".join(f"{t(f'silence_{s.value}')}: {n}" for s, n in counts.items()))
    show_expired = st.toggle(t("silence_show_expired"), key="sil_show_expired", persist_state="session")
    shown = [s for s in forms.ordered(listed) if show_expired or s.status.state is not SilenceState.expired]
    if shown:
        st.dataframe(forms.silences_frame(shown, t, now), hide_index=True, key="sil_table")
    else:
        st.info(t("silence_none"))
    live = [s for s in shown if s.status.state is not SilenceState.expired]
    if auth.can_act() and live:
        expire(live)
if auth.can_act():
    with st.expander(t("silence_new"), expanded=PREFILL in st.session_state):
        new_silence()
else:
    st.caption(t("silence_view_only"))
