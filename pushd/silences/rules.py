"""Alertmanager's silence rules (silence/silence.go, api/v2/api.go at v0.28+), as pure functions.

- A silence is `pending` before `startsAt`, `expired` after `endsAt`, `active` between (both ends
  included, as `getState` does).
- Creating: `startsAt` must be before `endsAt`, `endsAt` not in the past; at least one matcher must not
  match the empty string (a set that matches an alert with no labels would silence everything); a
  `startsAt` in the past becomes now.
- Updating (`id` given) keeps the id only when `canUpdate` allows it: same matchers, and for an active
  silence the same `startsAt` and an `endsAt` not in the past, for a pending one a `startsAt` not in
  the past; anything else (an expired silence included) makes a new silence and expires the old one,
  so the history of what was silenced when stays true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.matchers import Matcher, all_match_empty
from shared.silences import SilenceState


class InvalidSilence(ValueError):
    """Refused as Alertmanager refuses it (HTTP 400, its message)."""


@dataclass
class SilenceRecord:
    """One silence as pushd keeps it; times in epoch seconds."""

    id: str
    matchers: list[Matcher]
    starts_at: float
    ends_at: float
    created_by: str
    comment: str
    updated_at: float
    expire_when_resolved: bool = False
    actor: str = ""
    _key: tuple[tuple[str, str, bool, bool], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._key = tuple((m.name, m.value, m.is_regex, m.is_equal) for m in self.matchers)

    def state(self, now: float) -> SilenceState:
        if now < self.starts_at:
            return SilenceState.pending
        if now > self.ends_at:
            return SilenceState.expired
        return SilenceState.active

    def same_matchers(self, other: SilenceRecord) -> bool:
        return self._key == other._key

    def matches(self, labels: dict[str, str]) -> bool:
        return all(m.matches(labels) for m in self.matchers)

    def row(self) -> dict[str, Any]:
        """What a store keeps."""
        return {"id": self.id, "matchers": [m.as_json() for m in self.matchers], "starts_at": self.starts_at,
                "ends_at": self.ends_at, "created_by": self.created_by, "comment": self.comment,
                "updated_at": self.updated_at, "expire_when_resolved": self.expire_when_resolved,
                "actor": self.actor}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SilenceRecord:
        matchers = [Matcher(m["name"], m["value"], m["isRegex"], m.get("isEqual", True)) for m in row["matchers"]]
        return cls(row["id"], matchers, row["starts_at"], row["ends_at"], row["created_by"], row["comment"],
                   row["updated_at"], bool(row["expire_when_resolved"]), row["actor"] or "")


def check_new(starts_at: float, ends_at: float, matchers: list[Matcher], now: float) -> None:
    """The API's own checks, then validateSilence's, in Alertmanager's order and words."""
    if starts_at >= ends_at:
        raise InvalidSilence("Failed to create silence: start time must be before end time")
    if ends_at < now:
        raise InvalidSilence("Failed to create silence: end time can't be in the past")
    if all_match_empty(matchers):
        raise InvalidSilence("invalid silence: at least one matcher must not match the empty string")


def can_update(old: SilenceRecord, new: SilenceRecord, now: float) -> bool:
    """Alertmanager's canUpdate: may `old` become `new` in place, keeping its id?"""
    if not old.same_matchers(new):
        return False
    state = old.state(now)
    if state is SilenceState.active:
        # Compared to the second, as Alertmanager compares Unix() values.
        return int(old.starts_at) == int(new.starts_at) and new.ends_at >= now
    if state is SilenceState.pending:
        return new.starts_at >= now
    return False


ORDER = {SilenceState.active: 0, SilenceState.pending: 1, SilenceState.expired: 2}


def sort_key(s: SilenceRecord, now: float) -> tuple[int, float]:
    """Alertmanager's SortSilences: active by end, pending by start, expired latest end first."""
    state = s.state(now)
    if state is SilenceState.active:
        return ORDER[state], s.ends_at
    if state is SilenceState.pending:
        return ORDER[state], s.starts_at
    return ORDER[state], -s.ends_at
