"""Runbook runs in the incident workspace (Streamlit): start one from the runbooks that match the
incident's alerts, then mark each step done or skipped with a note. Each mark is a timeline entry."""

from __future__ import annotations

import streamlit as st

from dashboard import auth
from dashboard.access_panel import attempt, flash
from dashboard.incidents import data as inc_data
from dashboard.incidents import logic
from dashboard.session import t
from dashboard.tables import local
from shared.incidents import IncidentDetail, RunbookRun, RunStep


def section(inc: IncidentDetail) -> None:
    st.subheader(t("run_heading"))
    acting = auth.can_act() and inc.status.value != "resolved"
    if auth.can_act() and not acting:
        st.caption(t("run_resolved"))
    if acting:
        starter(inc)
    if not inc.runs:
        st.caption(t("run_none"))
    for run in reversed(inc.runs):  # newest first, as the timeline
        done, total = logic.progress(run)
        with st.expander(t("run_title", title=run.title, version=run.version, done=done, total=total),
                         expanded=done < total):
            st.caption(t("run_started", by=run.started_by, when=local(run.started_at)))
            steps(inc, run, acting)


def starter(inc: IncidentDetail) -> None:
    books = inc_data.runbooks()
    fitting = logic.runbooks_for(books or [], inc.alerts)
    if not fitting:
        st.caption(t("run_no_match"))
        return
    by_id = {b.id: b for b in fitting}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(t("run_pick"), list(by_id), key=f"run_pick_{inc.id}", placeholder=t("choose"),
                            format_func=lambda i: f"#{i} · {by_id[i].title} (v{by_id[i].version})")
    if right.button(t("run_start"), key="run_start", disabled=chosen is None):
        ok, _ = attempt(lambda c: c.start_runbook_run(inc.id, int(chosen)))
        inc_data.clear()
        if ok:
            flash("success", t("run_started_ok", title=by_id[chosen].title))
        st.rerun()


def steps(inc: IncidentDetail, run: RunbookRun, acting: bool) -> None:
    for step in run.steps:
        symbol = {"todo": "○", "done": "✓", "skipped": "↷"}[step.state]
        st.markdown(f"**{symbol} {step.n}.** {t(f'step_{step.state}')}")
        st.text(step.title)
        if step.body:
            st.markdown(step.body)  # Markdown written by operators, as on the Runbooks page (no raw HTML)
        if step.command:
            st.code(step.command, language="bash")
        if step.state != "todo":
            st.caption(t("run_marked", by=step.actor or "?", when=local(step.ts)))
            if step.note:
                st.text(step.note)
        if acting:
            note, done, skip, todo = st.columns([4, 1, 1, 1], vertical_alignment="bottom")
            text = note.text_input(t("run_note"), key=note_key(run, step), max_chars=10_000)
            # Back to todo only for a marked step: an unmarked one is todo already.
            marks = ((done, "done"), (skip, "skipped")) + (((todo, "todo"),) if step.state != "todo" else ())
            for col, state in marks:
                if col.button(t(f"run_mark_{state}"), key=f"run_{run.id}_{step.n}_{state}"):
                    mark(inc.id, run.id, step.n, state, text.strip() or None)


def note_key(run: RunbookRun, step: RunStep) -> str:
    """Changes with each mark of the step, so its note field starts empty after one."""
    return f"run_{run.id}_{step.n}_note_{step.ts.timestamp() if step.ts else 0}"


def mark(incident_id: int, run_id: int, n: int, state: str, note: str | None) -> None:
    ok, _ = attempt(lambda c: c.mark_runbook_step(incident_id, run_id, n, state, note))
    inc_data.clear()
    if ok:
        flash("success", t("run_marked_ok", n=n, state=t(f"step_{state}")))
    st.rerun()
