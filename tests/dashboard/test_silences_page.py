"""The silences page (静默管理) and how silenced alerts stand apart elsewhere, through AppTest against a
real pushd: operators add and expire silences, viewers read, the alert center's "Silence…" opens the
form with the alert's labels, the overview counts silenced alerts apart from firing ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.i18n import CATALOGUE
from dashboard.silences.forms import matchers_for
from shared.client import PushdClient
from shared.matchers import MatcherIn
from shared.models import AlertIn
from shared.silences import SilenceIn, SilenceState
from tests.dashboard.conftest import add_user, log_in, open_page


def table(at: AppTest, column: str) -> list[object]:
    [frame] = [df.value for df in at.dataframe if column in df.value.columns]
    return frame[column].tolist()


def disk_silence(comment: str = "disk swap") -> SilenceIn:
    now = datetime.now(UTC)
    return SilenceIn(matchers=[MatcherIn(name="alertname", value="DiskFull", isRegex=False)], startsAt=now,
                     endsAt=now + timedelta(hours=2), createdBy="bob", comment=comment)


def test_an_operator_adds_a_silence_from_the_form(app: AppTest, pushd: PushdClient) -> None:
    open_page(app, "silences")
    assert [i.value for i in app.info] == ["No silences."]
    app.text_area(key="sil_matchers").input('alertname="DiskFull"\ninstance=~"db.*"')
    app.text_input(key="sil_duration").input("90m")
    app.text_input(key="sil_comment").input("disk swap")
    app.checkbox(key="sil_until_resolved").check()
    app.button(key="FormSubmitter:sil_form-Create silence").click().run()
    assert not app.exception
    [made] = pushd.silences()
    assert (made.createdBy, made.actor, made.comment, made.expireWhenResolved) == ("admin", "admin", "disk swap", True)
    assert [str(m.matcher()) for m in made.matchers] == ['alertname="DiskFull"', 'instance=~"db.*"']
    assert round((made.endsAt - made.startsAt).total_seconds() / 60) == 90
    assert [s.value for s in app.main.success] == [f"Silence {made.id[:8]} created."]
    assert table(app, "Matchers") == ['alertname="DiskFull", instance=~"db.*"']
    assert table(app, "State") == ["Active"]
    assert table(app, "Time left")[0] in ("1h 30m", "1h 29m")


def test_an_operator_expires_one_and_it_is_shown_with_the_expired(app: AppTest, pushd: PushdClient) -> None:
    sid = pushd.create_silence(disk_silence())
    open_page(app, "silences")
    assert table(app, "Silence ID") == [sid]
    app.button(key="sil_expire").click().run()
    assert pushd.silence(sid).status.state is SilenceState.expired
    assert [s.value for s in app.main.success] == [f"Silence {sid[:8]} expired."]
    assert [i.value for i in app.info] == ["No silences."]
    app.toggle(key="sil_show_expired").set_value(True).run()
    assert table(app, "State") == ["Expired"] and table(app, "Time left") == [""]


def test_a_form_that_is_no_silence_is_refused_before_pushd(app: AppTest, pushd: PushdClient) -> None:
    open_page(app, "silences")
    app.text_area(key="sil_matchers").input('alertname="DiskFull"')
    app.text_input(key="sil_duration").input("soon")
    app.text_input(key="sil_comment").input("x")
    app.button(key="FormSubmitter:sil_form-Create silence").click().run()
    assert [e.value for e in app.error] == ["Not a valid silence: not a duration: 'soon' (for example 2h, 30m, 1d12h)"]
    assert pushd.silences() == []


def test_pushd_refusing_a_silence_shows_its_reason(app: AppTest, pushd: PushdClient) -> None:
    open_page(app, "silences")
    app.text_area(key="sil_matchers").input('instance=~".*"')  # would silence everything
    app.text_input(key="sil_comment").input("all")
    app.button(key="FormSubmitter:sil_form-Create silence").click().run()
    assert not app.exception
    assert pushd.silences() == []
    [error] = [e.value for e in app.main.error]
    assert "at least one matcher must not match the empty string" in error


def test_a_viewer_reads_silences_without_forms(make_app: Callable[..., AppTest], pushd_url: str,
                                               pushd: PushdClient) -> None:
    pushd.create_silence(disk_silence())
    at = log_in(make_app(pushd_url, "zh"), "vera", add_user(pushd, "vera", "viewer"))
    open_page(at, "silences")
    assert table(at, CATALOGUE["col_created_by"][0]) == ["bob"]
    assert CATALOGUE["silence_view_only"][0] in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "sil_expire"]
    assert not [x for x in at.text_area if x.key == "sil_matchers"]


def test_silence_from_an_alert_opens_the_form_with_its_labels(app: AppTest, pushd: PushdClient) -> None:
    labels = {"alertname": "DiskFull", "instance": "db1", "severity": "critical"}
    [change] = pushd.post_alerts([AlertIn(labels=labels)])["changed"]
    open_page(app, "alerts")
    app.selectbox(key="al_detail").select(change["id"]).run()
    app.button(key="al_one_silence").click().run()
    assert not app.exception
    assert app.title[0].value == "Silences"
    assert app.text_area(key="sil_matchers").value == matchers_for(labels) == 'alertname="DiskFull"\ninstance="db1"'


def test_silenced_alerts_stand_apart_on_the_overview_and_in_the_alert_center(app: AppTest, pushd: PushdClient) -> None:
    pushd.post_alerts([AlertIn(labels={"alertname": "DiskFull", "instance": "db1"}),
                       AlertIn(labels={"alertname": "HighLoad", "instance": "web1"})])
    pushd.create_silence(disk_silence())
    st.cache_data.clear()  # the login read the snapshot a moment ago
    open_page(app, "overview")
    cards = {m.label: m.value for m in app.metric}
    assert (cards["Firing"], cards["Silenced alerts"]) == ("1", "1")
    assert table(app, "Alert name") == ["HighLoad"]
    open_page(app, "alerts")
    status = dict(zip(table(app, "Alert name"), table(app, "Status"), strict=True))
    assert status == {"DiskFull": "🔕 Firing", "HighLoad": "Firing"}
