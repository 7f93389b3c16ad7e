"""Runbooks: the client's methods, the editor's text forms and the 预案管理 page, against a real pushd."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import runbook_forms
from dashboard.i18n import CATALOGUE
from dashboard.tables import local
from shared.client import PushdClient, PushdError
from shared.matchers import MatcherIn
from shared.models import AlertIn
from shared.runbooks import RunbookIn, Step
from tests.dashboard.conftest import add_user, log_in, open_page

MATCHERS = 'alertname="DiskFull"\ninstance=~"db.*"\nenv!="dev"'
DISK_URL = "https://wiki.example/runbooks/disk"
STEPS = "## Look\nCheck the disk.\n$ df -h\n\n## Clean\nRemove **old** logs."


def table(at: AppTest, column: str) -> list[object]:
    """The values of `column` in the one table that has it (AppTest finds dataframes by position only)."""
    [frame] = [df.value for df in at.dataframe if column in df.value.columns]
    return frame[column].tolist()


def disk_runbook(title: str = "Disk full") -> RunbookIn:
    return runbook_forms.build(title, "When a disk fills", MATCHERS, STEPS)


def test_text_forms_round_trip() -> None:
    body = disk_runbook()
    assert body.matchers == [MatcherIn(name="alertname", value="DiskFull", isRegex=False),
                             MatcherIn(name="instance", value="db.*", isRegex=True),
                             MatcherIn(name="env", value="dev", isRegex=False, isEqual=False)]
    assert body.steps == [Step(title="Look", body="Check the disk.", command="df -h"),
                          Step(title="Clean", body="Remove **old** logs.")]
    assert runbook_forms.parse_matchers(runbook_forms.matchers_text(body.matchers)) == body.matchers
    assert runbook_forms.parse_steps(runbook_forms.steps_text(body.steps)) == body.steps


@pytest.mark.parametrize(("matchers", "steps", "reason"), [
    ("alertname", STEPS, "not a matcher"),
    ('instance=~"(?=x)"', STEPS, "invalid regular expression"),
    (MATCHERS, "no heading", "steps"),
])
def test_build_refuses_with_a_reason(matchers: str, steps: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(")):
        runbook_forms.build("t", "", matchers, steps)


def test_client_versions_and_matches(pushd: PushdClient) -> None:
    pushd.post_alerts([AlertIn(labels={"alertname": "DiskFull", "instance": "db1"}),
                       AlertIn(labels={"alertname": "DiskFull", "instance": "web1"})])
    made = pushd.create_runbook(disk_runbook())
    assert [a.labels["instance"] for a in pushd.runbook_matches(made.id)] == ["db1"]
    edited = pushd.edit_runbook(made.id, disk_runbook("Disk full, v2"))
    assert (edited.version, pushd.runbook(made.id).title) == (2, "Disk full, v2")
    assert pushd.runbook(made.id, 1).title == "Disk full"
    assert [v.version for v in pushd.runbook_versions(made.id)] == [1, 2]
    pushd.delete_runbook(made.id)
    assert pushd.runbooks() == []
    with pytest.raises(PushdError) as err:
        pushd.runbook(made.id)
    assert err.value.status == 404


def test_page_creates_edits_and_deletes(app: AppTest, pushd: PushdClient) -> None:
    pushd.post_alerts([AlertIn(labels={"alertname": "DiskFull", "instance": "db1"})])
    open_page(app, "runbooks")
    assert "No runbooks yet." in [i.value for i in app.info]
    app.text_input(key="rb_title_new").input("Disk full")
    app.text_area(key="rb_matchers_new").input(MATCHERS)
    app.text_area(key="rb_steps_new").input(STEPS)
    app.button(key="FormSubmitter:rb_form_new-Save").click().run()
    assert not app.exception
    [book] = pushd.runbooks()
    assert (book.title, book.author, len(book.steps)) == ("Disk full", "admin", 2)
    assert [s.value for s in app.main.success] == ["Saved: Disk full (version 1)"]
    assert "Current alerts it matches (1)" in [h.value for h in app.subheader]
    assert table(app, "Labels") == ["alertname=DiskFull, instance=db1"]
    assert [c.value for c in app.code] == ["df -h"]

    key = f"edit_{book.id}_1"
    app.text_input(key=f"rb_title_{key}").input("Disk full, v2")
    app.button(key=f"FormSubmitter:rb_form_{key}-Save").click().run()
    assert (pushd.runbook(book.id).version, pushd.runbook(book.id, 1).title) == (2, "Disk full")
    assert [s.value for s in app.main.success] == ["Saved: Disk full, v2 (version 2)"]

    app.button(key="rb_delete").click().run()
    assert pushd.runbooks() == []
    assert [s.value for s in app.main.success] == [f"Runbook {book.id} deleted."]


def test_page_refuses_a_bad_form_without_calling_pushd(app: AppTest, pushd: PushdClient) -> None:
    open_page(app, "runbooks")
    app.text_input(key="rb_title_new").input("x")
    app.text_area(key="rb_matchers_new").input("alertname")
    app.text_area(key="rb_steps_new").input(STEPS)
    app.button(key="FormSubmitter:rb_form_new-Save").click().run()
    assert [e.value for e in app.error] == ["Cannot save: not a matcher: 'alertname' (name=value, !=, =~, !~)"]
    assert pushd.runbooks() == []


def test_viewer_reads_without_buttons(make_app: Callable[..., AppTest], pushd_url: str, pushd: PushdClient) -> None:
    pushd.create_runbook(disk_runbook())
    password = add_user(pushd, "vera", "viewer")
    at = log_in(make_app(pushd_url, "zh"), "vera", password)
    open_page(at, "runbooks")
    assert table(at, CATALOGUE["col_matchers"][0]) == ['alertname="DiskFull", instance=~"db.*", env!="dev"']
    assert CATALOGUE["rb_view_only"][0] in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "rb_delete"]
    assert not [t for t in at.text_input if t.key == "rb_title_new"]


def test_alert_detail_names_its_runbooks(app: AppTest, pushd: PushdClient) -> None:
    [change] = pushd.post_alerts([AlertIn(labels={"alertname": "DiskFull", "instance": "db1"})])["changed"]
    book = pushd.create_runbook(disk_runbook())
    pushd.create_runbook(runbook_forms.build("Web only", "", 'instance="web1"', STEPS))
    assert [(r.id, r.title, r.version) for r in pushd.get_alert(change["id"]).runbooks] == [
        (book.id, "Disk full", 1)]
    open_page(app, "alerts")
    app.selectbox(key="al_detail").select(change["id"]).run()
    assert f"#{book.id} v1  Disk full" in [x.value for x in app.text]


@pytest.mark.parametrize("value", ['db"1', "C:\\logs", "a\\\"b", "two\nlines", '"', "", 'say "hi"'])
def test_matcher_values_with_quotes_backslashes_and_newlines_round_trip(value: str) -> None:
    """The text form quotes and escapes a value as Alertmanager writes it; reading it back undoes that."""
    matchers = [MatcherIn(name="instance", value=value, isRegex=False),
                MatcherIn(name="job", value="node", isRegex=False)]
    assert runbook_forms.parse_matchers(runbook_forms.matchers_text(matchers)) == matchers


def test_unquoted_values_are_taken_as_written() -> None:
    assert runbook_forms.parse_matchers("instance = db1:9100 \njob!=node") == [
        MatcherIn(name="instance", value="db1:9100", isRegex=False),
        MatcherIn(name="job", value="node", isRegex=False, isEqual=False)]


def test_links_table_counts_every_alert_pushd_has(app: AppTest, pushd: PushdClient) -> None:
    """The links of alerts' annotations, as pushd counts them: more open alerts than one page of 500
    and no "truncated" warning, the resolved ones only with the toggle, a non-http link not clickable."""
    disk = [AlertIn(labels={"alertname": "DiskFull", "instance": f"db{i}"}, annotations={"runbook_url": DISK_URL})
            for i in range(520)]
    pushd.post_alerts([*disk,
                       AlertIn(labels={"alertname": "DiskSlow"}, annotations={"runbook": f" {DISK_URL} "}),
                       AlertIn(labels={"alertname": "Evil"}, annotations={"runbook_url": "javascript:alert(1)"}),
                       AlertIn(labels={"alertname": "Old"}, status="resolved",
                               annotations={"runbook_url": "https://wiki.example/runbooks/old"}),
                       AlertIn(labels={"alertname": "Plain"}, annotations={"summary": "no runbook"})])
    # One batch, one time: the newest 500 (every name among them) hold the latest of each name.
    seen: dict[str, datetime] = {}
    for a in pushd.list_alerts(limit=500).items:
        seen[a.alertname] = max(a.last_seen, seen.get(a.alertname, a.last_seen))
    open_page(app, "runbooks")
    assert not app.warning
    assert table(app, "Runbook") == [DISK_URL, "javascript:alert(1)"]
    link, not_a_link = table(app, "Link")
    assert link == DISK_URL and pd.isna(not_a_link)  # None, which the table holds as NaN
    assert table(app, "Alerts") == ["DiskFull, DiskSlow", "Evil"]
    assert table(app, "Open") == [521, 1]
    assert table(app, "Last seen") == [local(max(seen["DiskFull"], seen["DiskSlow"])), local(seen["Evil"])]

    app.toggle(key="rb_resolved").set_value(True).run()
    assert not app.exception
    assert table(app, "Runbook") == [DISK_URL, "javascript:alert(1)", "https://wiki.example/runbooks/old"]
    assert table(app, "Open") == [521, 1, 0]
    assert table(app, "Link")[2] == "https://wiki.example/runbooks/old"


def test_links_table_says_when_no_alert_has_a_link(app: AppTest, pushd: PushdClient) -> None:
    pushd.post_alerts([AlertIn(labels={"alertname": "Plain"}, annotations={"summary": "no runbook"})])
    open_page(app, "runbooks")
    assert "None of these alerts has a runbook_url or runbook annotation." in [i.value for i in app.info]
    assert not [df for df in app.dataframe if "Runbook" in df.value.columns]
