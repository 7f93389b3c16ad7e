"""Runbook reads through `data.load`, so an unreachable pushd or an unreadable answer marks the
connection as every other read does. Not cached: a page that just wrote shows what it wrote."""

from __future__ import annotations

from dashboard import data
from shared.models import Alert
from shared.runbooks import Runbook, RunbookVersion


def runbooks() -> list[Runbook] | None:
    return data.load("runbooks", lambda: data.client().runbooks())


def matches(runbook_id: int, version: int) -> list[Alert] | None:
    return data.load(("runbook_matches", runbook_id, version), lambda: data.client().runbook_matches(runbook_id))


def versions(runbook_id: int, version: int) -> list[RunbookVersion] | None:
    return data.load(("runbook_versions", runbook_id, version), lambda: data.client().runbook_versions(runbook_id))
