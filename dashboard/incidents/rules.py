"""Grouping rules (admins): list, create, edit, delete `/api/v1/grouping-rules` (Streamlit). The
editor's text forms are in dashboard.incidents.logic."""

from __future__ import annotations

import streamlit as st

from dashboard.incidents import data as inc_data
from dashboard.incidents import logic
from dashboard.incidents.panel import write
from dashboard.session import t
from shared.grouping import GroupingRule


def editor(key: str, rule: GroupingRule | None) -> None:
    """A form that creates (rule None) or replaces `rule`."""
    with st.form(f"gr_form_{key}"):
        name = st.text_input(t("col_name"), value=rule.name if rule else "", key=f"gr_name_{key}", max_chars=100)
        matchers = st.text_area(t("rb_matchers"), value=logic.rule_matchers_text(rule) if rule else "",
                                key=f"gr_matchers_{key}")
        group_by = st.text_input(t("gr_group_by"), value=", ".join(rule.group_by) if rule else "",
                                 key=f"gr_group_by_{key}")
        window = st.number_input(t("gr_window"), min_value=1.0, max_value=30 * 1440.0, step=5.0,
                                 value=rule.window_seconds / 60 if rule else 60.0, key=f"gr_window_{key}")
        mitigate = st.checkbox(t("gr_col_auto_mitigate"), value=rule.auto_mitigate if rule else False,
                               key=f"gr_mitigate_{key}", help=t("gr_auto_mitigate_help"))
        if not st.form_submit_button(t("rb_save")):
            return
    try:
        body = logic.build_rule(name, matchers, group_by, window, mitigate)
    except ValueError as exc:
        st.error(t("rb_invalid", reason=str(exc)))
        return
    # Either way a rerun: it shows the flash (saved, or pushd's refusal); the form keeps what was typed.
    write(lambda c: c.replace_grouping_rule(rule.id, body) if rule else c.create_grouping_rule(body),
          t("gr_saved", name=body.name))
    st.rerun()


def section() -> None:
    st.caption(t("gr_caption"))
    rules = inc_data.rules()
    if rules is None:
        return
    if not rules:
        st.info(t("gr_none"))
    else:
        st.dataframe(logic.rules_frame(rules, t), hide_index=True, key="gr_list")
        by_id = {r.id: r for r in rules}
        chosen = st.selectbox(t("gr_pick"), list(by_id), key="gr_pick", index=None, placeholder=t("choose"),
                              format_func=lambda i: f"{i} · {by_id[i].name}")
        if chosen in by_id:
            rule = by_id[chosen]
            editor(f"edit_{rule.id}_{rule.updated_at.timestamp()}", rule)
            if st.button(t("gr_delete"), key="gr_delete"):
                write(lambda c: c.delete_grouping_rule(rule.id), t("gr_deleted", name=rule.name))
                st.rerun()
    with st.expander(t("gr_new")):
        editor("new", None)
