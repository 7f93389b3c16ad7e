"""Which runbooks are for which alerts: matching lives here, above the store, so a second backend
stores rows and nothing more."""

from __future__ import annotations

from typing import Any

from pushd.store import AlertQuery, AlertStore
from shared.matchers import Matcher, matches_all
from shared.runbooks import Runbook

OPEN_STATUSES = ["firing", "acknowledged"]
PAGE = 500


def _matchers(row: dict[str, Any]) -> list[Matcher]:
    return [Matcher(m["name"], m["value"], m["isRegex"], m.get("isEqual", True)) for m in row["matchers"]]


def is_for(row: dict[str, Any], labels: dict[str, str]) -> bool:
    """A runbook without matchers is for no alert: an empty list would otherwise match every one."""
    matchers = _matchers(row)
    return bool(matchers) and matches_all(matchers, labels)


async def runbooks_for(store: AlertStore, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The live runbooks (current versions) whose matchers match these labels."""
    return [r for r in await store.runbooks.list_live() if is_for(r, labels)]


async def current_alerts_matching(store: AlertStore, runbook: Runbook | dict[str, Any]) -> list[dict[str, Any]]:
    """The open (firing or acknowledged) alerts a runbook is for, newest first. Reads every open
    alert page by page: open alerts are few compared with the history."""
    row = runbook.model_dump() if isinstance(runbook, Runbook) else runbook
    found: list[dict[str, Any]] = []
    offset = 0
    while True:
        items, total = await store.list_alerts(AlertQuery(statuses=OPEN_STATUSES, limit=PAGE, offset=offset))
        found += [a for a in items if is_for(row, a["labels"])]
        offset += len(items)
        if not items or offset >= total:
            return found
