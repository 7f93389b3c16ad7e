"""Alertmanager's silence rules as pure functions, on a clock the test sets: states at the edges of
the window, canUpdate for each state, the API's checks in its order, the list order."""

from __future__ import annotations

import pytest

from pushd.silences.rules import InvalidSilence, SilenceRecord, can_update, check_new, sort_key
from shared.matchers import Matcher
from shared.silences import SilenceState

T0 = 1_800_000_000.0
DISK = [Matcher("alertname", "DiskFull")]
EVERYTHING = "invalid silence: at least one matcher must not match the empty string"


def record(starts: float, ends: float, matchers: list[Matcher] = DISK, sid: str = "s") -> SilenceRecord:
    return SilenceRecord(sid, matchers, T0 + starts, T0 + ends, "alice", "why", T0)


@pytest.mark.parametrize(("now", "state"), [
    (-0.001, SilenceState.pending), (0.0, SilenceState.active), (50.0, SilenceState.active),
    (100.0, SilenceState.active),  # the end is inclusive, as Alertmanager's getState
    (100.001, SilenceState.expired)])
def test_the_state_at_each_edge_of_the_window(now: float, state: SilenceState) -> None:
    assert record(0, 100).state(T0 + now) is state


@pytest.mark.parametrize(("starts", "ends", "matchers", "message"), [
    (10, 10, DISK, "Failed to create silence: start time must be before end time"),
    (10, 5, DISK, "Failed to create silence: start time must be before end time"),
    (-20, -10, DISK, "Failed to create silence: end time can't be in the past"),
    (0, 10, [Matcher("job", ".*", is_regex=True)], EVERYTHING),
    (0, 10, [Matcher("job", "x", is_equal=False)], EVERYTHING),
])
def test_what_a_new_silence_must_be(starts: float, ends: float, matchers: list[Matcher], message: str) -> None:
    with pytest.raises(InvalidSilence) as err:
        check_new(T0 + starts, T0 + ends, matchers, T0)
    assert str(err.value) == message


def test_a_valid_silence_passes_the_checks() -> None:
    check_new(T0 - 60, T0 + 60, [*DISK, Matcher("job", ".*", is_regex=True)], T0)  # one matcher needs a value


def test_an_active_silence_keeps_its_id_only_with_the_same_start_and_matchers_and_no_past_end() -> None:
    now = T0 + 10
    old = record(0, 100)
    assert can_update(old, record(0.4, 200), now)  # the start compared to the second, as Unix()
    assert can_update(old, record(0, 10), now)  # ending now is allowed
    assert not can_update(old, record(1, 200), now)
    assert not can_update(old, record(0, 9), now)  # ending in the past
    assert not can_update(old, record(0, 200, [Matcher("alertname", "Disk")]), now)


def test_a_pending_silence_may_move_its_start_but_not_into_the_past() -> None:
    now = T0
    old = record(100, 200)
    assert can_update(old, record(50, 300), now)
    assert not can_update(old, record(-1, 300), now)


def test_an_expired_silence_is_never_updated_in_place() -> None:
    assert not can_update(record(-200, -100), record(-200, 100), T0)


def test_listed_active_by_end_then_pending_by_start_then_expired_latest_end_first() -> None:
    rows = [record(-10, 50, sid="a-late"), record(-10, 20, sid="a-soon"), record(30, 40, sid="p-late"),
            record(10, 90, sid="p-soon"), record(-90, -50, sid="e-old"), record(-90, -5, sid="e-recent")]
    assert [r.id for r in sorted(rows, key=lambda r: sort_key(r, T0))] == [
        "a-soon", "a-late", "p-soon", "p-late", "e-recent", "e-old"]
