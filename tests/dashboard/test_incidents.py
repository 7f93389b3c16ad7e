"""The incident workspace (故障管理): its plain functions, and the page against a real pushd."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import runbook_forms
from dashboard.i18n import CATALOGUE, translate
from dashboard.incidents import logic
from shared.client import PushdClient
from shared.incidents import Incident, TimelineEntry
from shared.models import Alert, AlertIn
from shared.runbooks import Runbook
from tests.dashboard.conftest import add_user, log_in, open_page


def en(key: str, **kw: object) -> str:
    return translate(key, "en", **kw)


def send(pushd: PushdClient, name: str, instance: str = "db1") -> int:
    result = pushd.post_alerts([AlertIn(labels={"alertname": name, "instance": instance, "severity": "critical"})])
    return result["changed"][0]["id"]


def table(at: AppTest, column: str) -> list[object]:
    """The values of `column` in the one table that has it."""
    [frame] = [df.value for df in at.dataframe if column in df.value.columns]
    return frame[column].tolist()


def disk_runbook(pushd: PushdClient) -> Runbook:
    return pushd.create_runbook(runbook_forms.build("Disk full", "", 'alertname="DiskFull"',
                                                    "## Look\nCheck it.\n$ df -h\n\n## Clean\nRemove logs."))


# --- plain functions ----------------------------------------------------------------------------------

def test_actions_follow_pushds_rules() -> None:
    assert logic.actions_for("open") == ("ack", "mitigate", "resolve")
    assert logic.actions_for("mitigated") == ("resolve",)
    assert logic.actions_for("resolved") == ("reopen",)


def incident(**kw: object) -> Incident:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    base: dict[str, object] = {"id": 1, "title": "db down", "severity": "warning", "status": "open",
                               "assignee": "bob", "alert_ids": [], "created_at": now, "created_by": "a",
                               "updated_at": now}
    return Incident.model_validate({**base, **kw})


def test_the_edit_form_sends_only_what_changed() -> None:
    inc = incident()
    assert logic.changes(inc, " db down ", "warning", "bob") == {}
    assert logic.changes(inc, "db really down", "critical", "") == {
        "title": "db really down", "severity": "critical", "assignee": None}


def test_runbooks_for_the_incidents_alerts() -> None:
    def alert(name: str) -> Alert:
        return Alert.model_validate({"id": 1, "fingerprint": "f", "status": "firing", "severity": "critical",
                                     "alertname": name, "labels": {"alertname": name}, "annotations": {},
                                     "starts_at": "2026-01-01T00:00:00Z", "last_seen": "2026-01-01T00:00:00Z",
                                     "count": 1, "source": "api"})

    def book(rid: int, matchers: str) -> Runbook:
        body = runbook_forms.build(f"b{rid}", "", matchers, "## s")
        return Runbook.model_validate({**body.model_dump(), "id": rid, "version": 1, "current_version": 1,
                                       "author": "a", "updated_at": "2026-01-01T00:00:00Z",
                                       "created_at": "2026-01-01T00:00:00Z"})

    books = [book(1, 'alertname="DiskFull"'), book(2, 'alertname="CpuHot"'), book(3, "")]
    assert [b.id for b in logic.runbooks_for(books, [alert("DiskFull"), alert("Other")])] == [1]
    assert logic.runbooks_for(books, []) == []


def test_timeline_is_newest_first_and_says_what_happened() -> None:
    ts = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [
        TimelineEntry(seq=1, ts=ts, actor="ann", kind="created", data={"title": "t", "severity": "info",
                                                                       "assignee": None}),
        TimelineEntry(seq=2, ts=ts, actor="ann", kind="status", data={"from": "open", "to": "acknowledged"}),
        TimelineEntry(seq=3, ts=ts, actor="bob", kind="runbook_step", data={
            "run_id": 1, "runbook_id": 1, "version": 1, "runbook": "Disk", "step": 2, "title": "Clean",
            "state": "skipped", "note": "not needed"}),
        TimelineEntry(seq=4, ts=ts, actor="pushd", kind="silence", data={"id": 7}),
    ]
    frame = logic.timeline_frame(entries, en)
    assert frame[en("inc_col_event")].tolist() == [
        "silence: {'id': 7}", "runbook “Disk” step 2 skipped: Clean · not needed",
        "status Open → Acknowledged", "opened: t"]
    zh = logic.timeline_frame(entries[1:2], lambda key, **kw: translate(key, "zh", **kw))
    assert zh[CATALOGUE["inc_col_event"][0]].tolist() == ["状态 待处理 → 已确认"]


@pytest.mark.parametrize(("matchers", "group_by", "minutes", "reason"), [
    ("", "instance", 60, "matchers"),
    ("alertname", "", 60, "not a matcher"),
    ('alertname="A"', "9bad", 60, "group_by"),
    ('alertname="A"', "", 0, "window_seconds"),
])
def test_rule_form_refuses_with_a_reason(matchers: str, group_by: str, minutes: float, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        logic.build_rule("r", matchers, group_by, minutes, False)


def test_rule_form_builds_the_body() -> None:
    body = logic.build_rule(" disks ", 'alertname=~"Disk.*"\nenv!="dev"', "instance, job", 15, True)
    assert (body.name, body.group_by, body.window_seconds, body.auto_mitigate) == (
        "disks", ["instance", "job"], 900.0, True)
    assert [(m.name, m.isRegex, m.isEqual) for m in body.matchers] == [("alertname", True, True),
                                                                       ("env", False, False)]


# --- the page -----------------------------------------------------------------------------------------

def open_incident(app: AppTest, incident_id: int) -> AppTest:
    open_page(app, "incidents")
    app.selectbox(key="inc_open").select(incident_id).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_list_filters_and_acknowledge_from_the_workspace(app: AppTest, pushd: PushdClient) -> None:
    alert_id = send(pushd, "DiskFull")
    made = pushd.create_incident("disk on db1", "critical", alert_ids=[alert_id])
    pushd.create_incident("old one", "info")
    open_page(app, "incidents")
    assert table(app, "Title") == ["old one", "disk on db1"]
    app.multiselect(key="inc_severity").select("critical").run()
    assert table(app, "Title") == ["disk on db1"]
    app.selectbox(key="inc_open").select(made.id).run()
    assert f"Incident #{made.id}" in [h.value for h in app.subheader]
    assert [m.value for m in app.metric][:3] == ["Critical", "Open", "—"]
    assert table(app, "Alert name") == ["DiskFull"]
    assert [b.key for b in app.button if b.key and b.key.startswith("inc_do_")] == [
        "inc_do_ack", "inc_do_mitigate", "inc_do_resolve"]
    app.button(key="inc_do_ack").click().run()
    assert not app.exception
    assert pushd.get_incident(made.id).status.value == "acknowledged"
    assert [s.value for s in app.main.success] == [f"Incident #{made.id} updated."]
    events = table(app, "Event")
    assert events[0] == "status Open → Acknowledged"  # newest first
    assert table(app, "By")[0] == "admin"
    assert [b.key for b in app.button if b.key and b.key.startswith("inc_do_")] == ["inc_do_mitigate",
                                                                                    "inc_do_resolve"]
    assert app.metric[4 - 3].value == "Acknowledged"


def test_edit_note_attach_and_detach(app: AppTest, pushd: PushdClient) -> None:
    first, second = send(pushd, "DiskFull"), send(pushd, "CpuHot")
    made = pushd.create_incident("disk", alert_ids=[first])
    add_user(pushd, "bob", "operator")
    open_incident(app, made.id)
    app.text_input(key=f"inc_title_{made.id}").input("disk full on db1")
    app.selectbox(key=f"inc_sev_{made.id}").select("critical")
    app.text_input(key=f"inc_who_{made.id}").input("bob")
    app.button(key=f"FormSubmitter:inc_edit_{made.id}-Save").click().run()
    got = pushd.get_incident(made.id)
    assert (got.title, got.severity.value, got.assignee) == ("disk full on db1", "critical", "bob")
    app.text_area(key=f"inc_note_text_{made.id}").input("restarted the primary")
    app.button(key=f"FormSubmitter:inc_note_{made.id}-Add note").click().run()
    assert table(app, "Event")[0] == "note: restarted the primary"
    app.multiselect(key=f"inc_attach_{made.id}_1").select(second).run()
    app.button(key="inc_attach_go").click().run()
    assert pushd.get_incident(made.id).alert_ids == [first, second]
    app.selectbox(key=f"inc_detach_{made.id}_2").select(first).run()
    app.button(key="inc_detach_go").click().run()
    assert pushd.get_incident(made.id).alert_ids == [second]
    assert not app.exception


def test_unknown_assignee_is_refused_with_pushds_reason(app: AppTest, pushd: PushdClient) -> None:
    made = pushd.create_incident("disk")
    open_incident(app, made.id)
    app.text_input(key=f"inc_who_{made.id}").input("nobody")
    app.button(key=f"FormSubmitter:inc_edit_{made.id}-Save").click().run()
    assert [e.value for e in app.error] == ["pushd refused: no user 'nobody'"]
    assert pushd.get_incident(made.id).assignee is None


def test_runbook_run_from_the_workspace(app: AppTest, pushd: PushdClient) -> None:
    alert_id = send(pushd, "DiskFull")
    book = disk_runbook(pushd)
    pushd.create_runbook(runbook_forms.build("Cpu", "", 'alertname="CpuHot"', "## x"))
    made = pushd.create_incident("disk", alert_ids=[alert_id])
    open_incident(app, made.id)
    assert app.selectbox(key=f"run_pick_{made.id}").options == [f"#{book.id} · Disk full (v1)"]
    app.selectbox(key=f"run_pick_{made.id}").select(book.id).run()
    app.button(key="run_start").click().run()
    [run] = pushd.get_incident(made.id).runs
    assert [s.state for s in run.steps] == ["todo", "todo"]
    note = [w for w in app.text_input if w.key.startswith(f"run_{run.id}_1_note")]
    note[0].input("freed 4 GB")
    app.button(key=f"run_{run.id}_1_done").click().run()
    app.button(key=f"run_{run.id}_2_skipped").click().run()
    assert not app.exception
    [run] = pushd.get_incident(made.id).runs
    assert [(s.state, s.note, s.actor) for s in run.steps] == [("done", "freed 4 GB", "admin"),
                                                               ("skipped", None, "admin")]
    assert table(app, "Event")[:2] == ["runbook “Disk full” step 2 skipped: Clean",
                                       "runbook “Disk full” step 1 done: Look · freed 4 GB"]
    assert "freed 4 GB" in [x.value for x in app.text]
    # A resolved incident: the steps stay visible, the buttons go.
    pushd.incident_action(made.id, "resolve")
    st.cache_data.clear()  # as the TTL would, a moment later
    app.run()
    assert not [b for b in app.button if b.key and b.key.startswith(f"run_{run.id}_")]
    assert en("run_resolved") in [c.value for c in app.caption]


def test_create_from_a_group_and_from_chosen_alerts(app: AppTest, pushd: PushdClient) -> None:
    ids = [send(pushd, "DiskFull", "db1"), send(pushd, "DiskFull", "db2")]
    open_page(app, "incidents")
    app.segmented_control(key="inc_section").set_value("groups").run()
    app.segmented_control(key="inc_group").set_value("alertname").run()
    assert table(app, "Group") == ["DiskFull"]
    app.selectbox(key="inc_group_pick").select("DiskFull").run()
    app.button(key="inc_create_group").click().run()
    assert not app.exception
    [made] = pushd.list_incidents().items
    assert (made.title, made.severity.value, sorted(made.alert_ids)) == ("DiskFull", "critical", sorted(ids))
    assert app.segmented_control(key="inc_section").value == "list"  # the new incident is open
    assert f"Incident #{made.id}" in [h.value for h in app.subheader]

    app.segmented_control(key="inc_section").set_value("groups").run()
    app.text_input(key="inc_new_title").input("db2 only")
    app.multiselect(key="inc_new_alerts").select(ids[1])
    app.button(key="FormSubmitter:inc_new-Open incident").click().run()
    newest = pushd.list_incidents().items[0]
    assert (newest.title, newest.alert_ids, newest.severity.value) == ("db2 only", [ids[1]], "warning")


def test_viewer_reads_without_any_button(make_app: Callable[..., AppTest], pushd_url: str,
                                        pushd: PushdClient) -> None:
    alert_id = send(pushd, "DiskFull")
    disk_runbook(pushd)
    made = pushd.create_incident("disk", alert_ids=[alert_id])
    password = add_user(pushd, "vera", "viewer")
    at = log_in(make_app(pushd_url, "zh"), "vera", password)
    open_incident(at, made.id)
    assert CATALOGUE["inc_view_only"][0] in [c.value for c in at.caption]
    assert [b.key for b in at.button] == ["logout"]
    assert [w.key for w in at.text_input] == ["inc_assignee"]  # the list's filter, no write field
    assert at.segmented_control(key="inc_section").options == [CATALOGUE["inc_section_list"][0],
                                                               CATALOGUE["inc_section_groups"][0]]


def test_grouping_rules_for_admins(app: AppTest, pushd: PushdClient) -> None:
    open_page(app, "incidents")
    app.segmented_control(key="inc_section").set_value("rules").run()
    assert en("gr_none") in [i.value for i in app.info]
    app.text_input(key="gr_name_new").input("disks")
    app.text_area(key="gr_matchers_new").input('alertname="DiskFull"')
    app.text_input(key="gr_group_by_new").input("instance")
    app.number_input(key="gr_window_new").set_value(15)
    app.button(key="FormSubmitter:gr_form_new-Save").click().run()
    assert not app.exception
    [rule] = pushd.grouping_rules()
    assert (rule.name, rule.group_by, rule.window_seconds) == ("disks", ["instance"], 900)
    # The rule works: a matching alert opens an incident titled by the rule and group.
    send(pushd, "DiskFull", "db9")
    assert [i.title for i in pushd.list_incidents().items] == ["disks: instance=db9"]
    app.selectbox(key="gr_pick").select(rule.id).run()
    key = next(w.key for w in app.text_input if w.key.startswith(f"gr_name_edit_{rule.id}_"))
    app.text_input(key=key).input("disk rule")
    app.button(key=f"FormSubmitter:gr_form_{key.removeprefix('gr_name_')}-Save").click().run()
    assert pushd.grouping_rule(rule.id).name == "disk rule"
    app.button(key="gr_delete").click().run()
    assert pushd.grouping_rules() == []


def test_rules_are_not_offered_to_operators(make_app: Callable[..., AppTest], pushd_url: str,
                                            pushd: PushdClient) -> None:
    at = log_in(make_app(pushd_url), "olga", add_user(pushd, "olga", "operator"))
    open_page(at, "incidents")
    assert "rules" not in at.segmented_control(key="inc_section").options


def test_overview_shows_open_incidents_mtta_and_mttr(app: AppTest, pushd: PushdClient) -> None:
    done = pushd.create_incident("a")
    pushd.incident_action(done.id, "resolve")
    pushd.create_incident("b")
    st.cache_data.clear()  # the login's own run read the overview a moment ago
    open_page(app, "overview")
    cards = {m.label: m.value for m in app.metric}
    assert cards["Open incidents"] == "1"
    assert cards["MTTA"].endswith("s") and cards["MTTR"].endswith("s")


def test_alerts_ticked_in_the_alert_center_open_an_incident(app: AppTest, pushd: PushdClient) -> None:
    changed = pushd.post_alerts([AlertIn(labels={"alertname": "DiskFull", "instance": "db1"}, severity="warning"),
                                 AlertIn(labels={"alertname": "DiskFull", "instance": "db2"}, severity="critical"),
                                 AlertIn(labels={"alertname": "HighLoad", "instance": "web1"})])["changed"]
    ids = sorted(c["id"] for c in changed)[:2]
    open_page(app, "alerts")
    app.session_state["al_selected"] = ids
    app.run()
    app.button(key="al_bulk_incident").click().run()
    assert not app.exception
    [inc] = pushd.list_incidents().items
    assert (inc.title, inc.severity.value, sorted(inc.alert_ids)) == ("DiskFull (2)", "critical", ids)
    assert app.title[0].value == "Incidents"  # it opens where the work on it goes on
    assert app.session_state["al_selected"] == []


def test_an_incident_title_from_chosen_alerts() -> None:
    def a(name: str, severity: str = "warning", **labels: str) -> Alert:
        return Alert.model_validate({"id": 1, "fingerprint": "f", "status": "firing", "severity": severity,
                                     "alertname": name, "labels": {"alertname": name, **labels}, "annotations": {},
                                     "starts_at": 0, "last_seen": 0, "count": 1, "source": "api"})
    assert logic.from_alerts([a("DiskFull", instance="db1")], 1) == ("DiskFull · db1", "warning")
    assert logic.from_alerts([a("B", "info"), a("A", "critical"), a("C"), a("D")], 5) == ("A, B, C … (5)", "critical")
    assert logic.from_alerts([], 3) == ("(3)", "warning")  # ticked on other pages only


def test_a_silence_entry_reads_as_words() -> None:
    entry = TimelineEntry(seq=3, ts=datetime(2026, 11, 28, tzinfo=UTC), actor="alice", kind="silence",
                          data={"event": "expired", "silence_id": "7118a3c2-0000-4000-8000-000000000000",
                                "alert_ids": [3, 4], "comment": "load test"})
    assert logic.describe(entry, lambda k, **kw: translate(k, "en", **kw)) == (
        "silence 7118a3c2 ended over alerts #3, #4: load test")
    assert logic.describe(entry, lambda k, **kw: translate(k, "zh", **kw)) == (
        "静默 7118a3c2 已结束，涉及告警 #3, #4：load test")
