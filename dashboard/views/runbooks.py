"""Runbooks (预案管理): pushd's runbooks (create, edit as a new version, delete, the current alerts
each one matches), then the runbook_url annotations of alerts, as pushd counts them over every
alert. Logic is in dashboard.runbook_forms."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, data, runbook_data, runbook_forms
from dashboard.access_panel import attempt, flash, show_flash
from dashboard.session import t
from dashboard.tables import local, safe_link
from dashboard.widgets import no_data
from shared.runbooks import Runbook, RunbookLink


def links_table(links: list[RunbookLink]) -> None:
    if not links:
        st.info(t("no_runbooks"))
        return
    frame = pd.DataFrame([{
        t("col_link"): safe_link(rb.url),  # None unless http/https: shown empty, never clickable
        t("col_runbook"): rb.url,
        t("col_alertnames"): ", ".join(rb.alertnames),  # sorted by pushd
        t("col_open"): rb.open_alerts,
        t("col_last_seen"): local(rb.last_seen),
    } for rb in links])
    st.dataframe(frame, hide_index=True, key="rb_table",
                 column_config={t("col_link"): st.column_config.LinkColumn(t("col_link"))})


def editor(key: str, book: Runbook | None) -> None:
    """A form that creates (book None) or writes a new version of `book`."""
    with st.form(f"rb_form_{key}"):
        title = st.text_input(t("rb_title"), value=book.title if book else "", key=f"rb_title_{key}")
        description = st.text_area(t("rb_description"), value=book.description if book else "",
                                   key=f"rb_desc_{key}")
        matchers = st.text_area(t("rb_matchers"), key=f"rb_matchers_{key}",
                                value=runbook_forms.matchers_text(book.matchers) if book else "")
        steps = st.text_area(t("rb_steps"), value=runbook_forms.steps_text(book.steps) if book else "",
                             key=f"rb_steps_{key}", height=200)
        if not st.form_submit_button(t("rb_save")):
            return
    try:
        body = runbook_forms.build(title, description, matchers, steps)
    except ValueError as exc:
        st.error(t("rb_invalid", reason=str(exc)))
        return
    done, saved = attempt(lambda c: c.edit_runbook(book.id, body) if book else c.create_runbook(body))
    if done and saved is not None:
        flash("success", t("rb_saved", title=saved.title, version=saved.version))
        st.rerun()


def detail(book: Runbook) -> None:
    st.markdown(book.description)  # Markdown written by operators; Streamlit does not render raw HTML
    for n, step in enumerate(book.steps, 1):
        st.markdown(f"**{n}. {step.title}**\n\n{step.body}")
        if step.command:
            st.code(step.command, language="bash")
    alerts = runbook_data.matches(book.id, book.version)
    if alerts is not None:
        st.subheader(t("rb_matches", n=len(alerts)))
        st.dataframe(runbook_forms.matches_frame(alerts, t), hide_index=True, key="rb_matches")
    versions = runbook_data.versions(book.id, book.version)
    if versions:
        with st.expander(t("rb_versions")):
            st.dataframe(pd.DataFrame([{t("col_version"): v.version, t("col_title"): v.title,
                                        t("col_author"): v.author, t("col_created"): local(v.created_at)}
                                       for v in versions]), hide_index=True)
    if auth.can_act():
        with st.expander(t("rb_edit")):
            editor(f"edit_{book.id}_{book.version}", book)
        if st.button(t("rb_delete"), key="rb_delete"):
            done, _ = attempt(lambda c: c.delete_runbook(book.id))
            if done:
                flash("success", t("rb_deleted", id=book.id))
                st.rerun()


st.title(t("page_runbooks"))
show_flash()
books = runbook_data.runbooks()
if books is None:
    no_data()
else:
    if not books:
        st.info(t("rb_none"))
    else:
        st.dataframe(runbook_forms.runbooks_frame(books, t), hide_index=True, key="rb_list")
        by_id = {b.id: b for b in books}
        chosen = st.selectbox(t("rb_pick"), list(by_id), key="rb_pick",
                              format_func=lambda i: f"{i} · {by_id[i].title}")
        if chosen in by_id:
            detail(by_id[chosen])
    if auth.can_act():
        with st.expander(t("rb_new")):
            editor("new", None)
    else:
        st.caption(t("rb_view_only"))

st.divider()
st.subheader(t("rb_links"))
include_resolved = st.toggle(t("include_resolved"), key="rb_resolved", persist_state="session")
st.caption(t("runbooks_caption"))
statuses = ("firing", "acknowledged", "resolved") if include_resolved else ("firing", "acknowledged")
links = data.runbook_links(statuses)
if links is None:
    no_data()
else:
    links_table(links)
