"""The silences page's plain logic, without Streamlit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.i18n import translate
from dashboard.silences import forms
from shared.matchers import MatcherIn
from shared.silences import Silence, SilenceState

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def en(key: str, **kw: object) -> str:
    return translate(key, "en", **kw)


def silence(state: str, starts: timedelta, ends: timedelta, **kw: object) -> Silence:
    return Silence.model_validate({
        "id": kw.get("id", f"id-{state}"), "status": {"state": state}, "updatedAt": NOW,
        "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": False, "isEqual": True}],
        "startsAt": NOW + starts, "endsAt": NOW + ends, "createdBy": "alice", "comment": "disk swap",
        "actor": "alice", "expireWhenResolved": kw.get("until_resolved", False)})


@pytest.mark.parametrize(("text", "expected"), [
    ("2h", timedelta(hours=2)), ("90m", timedelta(minutes=90)), ("1d12h", timedelta(days=1, hours=12)),
    (" 1w ", timedelta(weeks=1)), ("1h 30m", timedelta(hours=1, minutes=30)), ("45s", timedelta(seconds=45)),
])
def test_durations_read_as_amtool_writes_them(text: str, expected: timedelta) -> None:
    assert forms.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "2", "2x", "h", "-1h", "1.5h", "2h and a bit"])
def test_a_duration_that_is_not_one_is_refused_with_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(f"not a duration: {text.strip()!r}")):
        forms.parse_duration(text)


def test_a_silence_of_no_time_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^a silence must last longer than zero$"):
        forms.parse_duration("0h")


def test_the_form_becomes_alertmanagers_silence_body() -> None:
    body = forms.build('alertname="DiskFull"\ninstance=~"db.*"', "2h", "  disk swap ", "alice", NOW,
                       expire_when_resolved=True)
    assert body.startsAt == NOW and body.endsAt == NOW + timedelta(hours=2)
    assert body.matchers == [MatcherIn(name="alertname", value="DiskFull", isRegex=False, isEqual=True),
                             MatcherIn(name="instance", value="db.*", isRegex=True, isEqual=True)]
    assert (body.createdBy, body.comment, body.expireWhenResolved, body.id) == ("alice", "disk swap", True, None)
    assert body.model_dump(mode="json", exclude_none=True)["startsAt"] == "2026-11-28T12:00:00Z"


@pytest.mark.parametrize(("matchers", "duration", "comment", "reason"), [
    ("", "2h", "why", "matchers"),
    ("alertname DiskFull", "2h", "why", "not a matcher"),
    ('instance=~"(unclosed"', "2h", "why", "regular expression"),
    ("alertname=DiskFull", "soon", "why", "duration"),
    ("alertname=DiskFull", "2h", "   ", "comment"),
])
def test_a_form_that_is_no_silence_says_why(matchers: str, duration: str, comment: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        forms.build(matchers, duration, comment, "alice", NOW)


def test_silencing_an_alert_prefills_its_labels_but_not_its_severity() -> None:
    text = forms.matchers_for({"alertname": "DiskFull", "instance": 'db"1', "severity": "critical"})
    assert text == 'alertname="DiskFull"\ninstance="db\\"1"'
    # What the page prefills reads back as the same matchers.
    assert [m.matcher().value for m in forms.build(text, "1h", "x", "a", NOW).matchers] == ["DiskFull", 'db"1']


def test_time_left_counts_to_the_end_or_to_the_start_and_stops_at_expiry() -> None:
    assert forms.time_left(silence("active", -timedelta(hours=1), timedelta(minutes=90)), NOW) == timedelta(minutes=90)
    assert forms.time_left(silence("pending", timedelta(hours=3), timedelta(hours=5)), NOW) == timedelta(hours=3)
    assert forms.time_left(silence("expired", -timedelta(hours=3), -timedelta(hours=1)), NOW) is None
    assert forms.short(timedelta(days=1, hours=4, minutes=5)) == "1d 4h"
    assert forms.short(timedelta(minutes=2, seconds=5)) == "2m 5s"
    assert forms.short(timedelta()) == "0s"
    assert forms.short(None) == ""


def test_active_silences_come_first_soonest_end_on_top_then_pending_then_expired() -> None:
    later = silence("active", -timedelta(hours=1), timedelta(hours=5), id="a-later")
    sooner = silence("active", -timedelta(hours=1), timedelta(hours=1), id="a-sooner")
    pending = silence("pending", timedelta(hours=1), timedelta(hours=2), id="p")
    old = silence("expired", -timedelta(days=2), -timedelta(days=1), id="e-old")
    recent = silence("expired", -timedelta(hours=2), -timedelta(hours=1), id="e-recent")
    assert [s.id for s in forms.ordered([old, pending, later, recent, sooner])] == [
        "a-sooner", "a-later", "p", "e-recent", "e-old"]


def test_the_table_says_who_made_each_silence_and_what_is_left() -> None:
    rows = forms.silences_frame([silence("active", -timedelta(hours=1), timedelta(hours=2), until_resolved=True)],
                                en, NOW).to_dict("records")
    assert rows == [{"State": "Active", "Matchers": 'alertname="DiskFull"', "Time left": "2h",
                     "Created by": "alice", "By": "alice",
                     "Comment": "disk swap (Expire when the matching alerts resolve)",
                     "Started": rows[0]["Started"], "Ends": rows[0]["Ends"], "Silence ID": "id-active"}]
    assert SilenceState("active") is SilenceState.active
