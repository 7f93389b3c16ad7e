"""Silences in the dashboard as plain functions: the form read back into a silence, durations as
amtool writes them, the table with who made each silence and the time it has left.

Matchers are written one per line in Alertmanager's text form, as on the runbooks page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

import pandas as pd
from pydantic import ValidationError

from dashboard.runbook_forms import parse_matchers
from dashboard.tables import local
from shared.matchers import Matcher
from shared.silences import Silence, SilenceIn, SilenceState

Translate = Callable[..., str]
_DURATION = re.compile(r"(\d+)([wdhms])")
_UNIT = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1),
         "s": timedelta(seconds=1)}
# A label every alert has and no operator wants silenced by a one-click "silence this alert".
_NOT_PREFILLED = frozenset({"severity"})


def parse_duration(text: str) -> timedelta:
    """`2h`, `1d12h`, `90m`, as amtool's `--duration`; ValueError for anything else or zero."""
    compact = text.strip().replace(" ", "")
    if not compact or _DURATION.sub("", compact):
        raise ValueError(f"not a duration: {text.strip()!r} (for example 2h, 30m, 1d12h)")
    total = sum((int(n) * _UNIT[u] for n, u in _DURATION.findall(compact)), timedelta())
    if total <= timedelta():
        raise ValueError("a silence must last longer than zero")
    return total


def build(matchers: str, duration: str, comment: str, created_by: str, now: datetime,
          expire_when_resolved: bool = False, silence_id: str | None = None,
          starts_at: datetime | None = None) -> SilenceIn:
    """The body pushd gets; ValueError with a readable reason when the form is not a silence.
    pushd (as Alertmanager) still checks what only it can: a set that matches every alert, say."""
    start = starts_at or now
    try:
        return SilenceIn(id=silence_id, matchers=parse_matchers(matchers), startsAt=start,
                         endsAt=start + parse_duration(duration), createdBy=created_by,
                         comment=comment.strip(), expireWhenResolved=expire_when_resolved)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise ValueError(f"{where}: {first['msg']}" if where else first["msg"]) from None


def matchers_for(labels: Mapping[str, str]) -> str:
    """Matchers that silence exactly this alert's series: each of its labels, as Alertmanager's own
    UI pre-fills its silence form (severity left out: the same alert at another level is the same noise)."""
    return "\n".join(str(Matcher(k, v)) for k, v in sorted(labels.items()) if k not in _NOT_PREFILLED)


def time_left(silence: Silence, now: datetime) -> timedelta | None:
    """Until it ends when active, until it starts when pending, None once expired."""
    if silence.status.state is SilenceState.expired:
        return None
    return max((silence.startsAt if silence.status.state is SilenceState.pending else silence.endsAt) - now,
               timedelta())


def short(span: timedelta | None) -> str:
    """`1d 4h`, `2h 5m`, `45s`: the two largest units, as a person reads a countdown."""
    if span is None:
        return ""
    seconds = int(span.total_seconds())
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "m"), (seconds % 60, "s")]
    shown = [f"{n}{u}" for n, u in parts if n][:2]
    return " ".join(shown) or "0s"


ORDER = {SilenceState.active: 0, SilenceState.pending: 1, SilenceState.expired: 2}


def ordered(silences: Iterable[Silence]) -> list[Silence]:
    """Active first (the soonest to end on top), then pending, then expired (the latest to end first)."""
    def key(s: Silence) -> tuple[int, float]:
        end = s.endsAt.timestamp()
        return ORDER[s.status.state], -end if s.status.state is SilenceState.expired else end
    return sorted(silences, key=key)


def silences_frame(silences: Iterable[Silence], t: Translate, now: datetime) -> pd.DataFrame:
    cols = ("col_state", "col_matchers", "col_left", "col_created_by", "col_actor", "col_comment", "col_starts_at",
            "col_ends_at", "col_silence_id")
    rows = [{
        t("col_state"): t(f"silence_{s.status.state.value}"),
        t("col_matchers"): ", ".join(str(m.matcher()) for m in s.matchers),
        t("col_left"): short(time_left(s, now)),
        t("col_created_by"): s.createdBy,
        t("col_actor"): s.actor or "",
        t("col_comment"): s.comment + (f" ({t('silence_until_resolved')})" if s.expireWhenResolved else ""),
        t("col_starts_at"): local(s.startsAt),
        t("col_ends_at"): local(s.endsAt),
        t("col_silence_id"): s.id,
    } for s in silences]
    return pd.DataFrame(rows, columns=[t(c) for c in cols])
