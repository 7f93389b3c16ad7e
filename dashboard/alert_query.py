"""The alert center's filter, parsed from widget values into what GET /api/v1/alerts takes; no Streamlit."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.models import LABEL_NAME

# Rounding `since` keeps the cache key stable between reruns; ten seconds is invisible on a 15-minute range.
SINCE_GRAIN_SECONDS = 10
MAX_EXPORT = 10_000
API_PAGE = 500  # pushd's largest page


@dataclass(frozen=True)
class AlertFilter:
    """A filter as the user chose it. The time range stays relative ("last N minutes"), so the same
    filter is the same query a minute later: the key of its cached and last good answers."""

    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    text: str = ""
    minutes: int = 0  # last seen in the last N minutes; 0: any time

    def since(self, now: float | None = None) -> datetime | None:
        """The range's start for pushd, rounded (see `since_for`)."""
        return since_for(self.minutes, now)


def parse_labels(raw: str) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """'team=db, env=prod' -> ((team, db), (env, prod)); also returns the pieces that are not name=value."""
    good: list[tuple[str, str]] = []
    bad: list[str] = []
    for piece in (p.strip() for p in raw.split(",")):
        if not piece:
            continue
        name, sep, value = piece.partition("=")
        if sep and LABEL_NAME.match(name.strip()):
            good.append((name.strip(), value.strip()))
        else:
            bad.append(piece)
    return tuple(good), bad


def since_for(minutes: int, now: float | None = None) -> datetime | None:
    """The start of a "last N minutes" range, rounded down to SINCE_GRAIN_SECONDS; 0 means no limit."""
    if minutes <= 0:
        return None
    now = time.time() if now is None else now
    start = math.floor(now / SINCE_GRAIN_SECONDS) * SINCE_GRAIN_SECONDS - minutes * 60
    return datetime.fromtimestamp(start, UTC)


def page_bounds(total: int, page: int, size: int) -> tuple[int, int, int]:
    """(effective page, number of pages, offset): a page past the end shows the last page instead of nothing."""
    pages = max(1, math.ceil(total / size))
    page = min(max(1, page), pages)
    return page, pages, (page - 1) * size


def merge_selection(previous: list[int], shown: list[int], rows: list[int]) -> list[int]:
    """Selected alert ids after the user ticked `rows` (positions in `shown`): ids on other pages stay."""
    kept = [i for i in previous if i not in shown]
    picked = [shown[r] for r in rows if 0 <= r < len(shown)]
    return kept + [i for i in picked if i not in kept]
