"""Runbook runs as plain rules: what starting a run and marking a step write to the timeline, and
when they are refused. The store applies them inside its write transaction, as pushd.incidents.rules.

Decisions (README, "Incidents and runbook runs"):
- a run follows the runbook's current version when it starts, and keeps it;
- a resolved incident takes no new run and no step mark (409): reopen it first, so the record of
  a closed incident does not change behind its postmortem;
- a step may be marked again (done after skipped, a new note): each mark is an entry, the latest counts.
"""

from __future__ import annotations

from typing import Any

from pushd.store.base import Conflict, NotFound
from pushd.store.incidents import Edit, Entry


def _open(incident: dict[str, Any], what: str) -> None:
    if incident["status"] == "resolved":
        raise Conflict(f"incident {incident['id']} is resolved: reopen it to {what}")


def start(incident: dict[str, Any], runbook: dict[str, Any], run_id: int) -> Edit:
    """`runbook` is the version the run follows (a row of the runbook store)."""
    _open(incident, "start a runbook")
    return Edit(entries=[Entry("runbook_started", {
        "run_id": run_id, "runbook_id": runbook["id"], "version": runbook["version"], "title": runbook["title"],
        "steps": len(runbook["steps"])})])


def mark(incident: dict[str, Any], run: dict[str, Any], n: int, state: str, note: str | None) -> Edit:
    """`run` as the store reads it (with its steps); NotFound for a step the version does not have."""
    if not 1 <= n <= len(run["steps"]):
        raise NotFound(f"runbook run {run['id']} has no step {n} (it has {len(run['steps'])})")
    _open(incident, "mark runbook steps")
    step = run["steps"][n - 1]
    return Edit(entries=[Entry("runbook_step", {
        "run_id": run["id"], "runbook_id": run["runbook_id"], "version": run["version"], "runbook": run["title"],
        "step": n, "title": step["title"], "state": state, "note": note})])
