"""The incident lifecycle as plain data and functions, so every backend and route shares one meaning.

A change to an incident is an `Edit`: the fields to set, the alerts to attach or detach, and the
timeline entries that say so. The store applies an edit inside its write transaction, computing it
from the incident as it is there, so two concurrent actions cannot both pass the same check.
"""

from __future__ import annotations

from typing import Any

from pushd.store.base import Conflict
from pushd.store.incidents import Edit, Entry

STATUSES = ("open", "acknowledged", "mitigated", "resolved")
# action -> the status it leads to
ACTIONS = {"ack": "acknowledged", "mitigate": "mitigated", "resolve": "resolved", "reopen": "open"}
# Timeline kinds. `silence` and `runbook_step` entries are written by those features (issue #7).
KINDS = ("created", "status", "title", "severity", "assignee", "alert_attached", "alert_detached",
         "alert_resolved", "note", "silence", "runbook_step")


def next_status(current: str, action: str) -> str:
    """The status `action` leads to from `current`: forward moves may skip steps, `reopen` only takes a
    resolved incident back to open; anything else raises Conflict (409)."""
    target = ACTIONS[action]
    if action == "reopen":
        if current != "resolved":
            raise Conflict(f"only a resolved incident can be reopened; this one is {current}")
        return target
    if STATUSES.index(target) <= STATUSES.index(current):
        raise Conflict(f"cannot {action} an incident that is {current}")
    return target


def transition(incident: dict[str, Any], action: str) -> Edit:
    target = next_status(incident["status"], action)
    return Edit(fields={"status": target}, entries=[Entry("status", {"from": incident["status"], "to": target})])


def update(incident: dict[str, Any], changes: dict[str, Any]) -> Edit:
    """Title, severity, assignee: one entry per field that really changes (a no-op writes nothing)."""
    edit = Edit()
    for name, value in changes.items():
        if incident[name] != value:
            edit.fields[name] = value
            edit.entries.append(Entry(name, {"from": incident[name], "to": value}))
    return edit


def attach(incident: dict[str, Any], alerts: list[dict[str, Any]]) -> Edit:
    """Alerts not yet attached; attaching one twice is a 409, so a client's retry is visible."""
    have = set(incident["alert_ids"])
    if dup := [a["id"] for a in alerts if a["id"] in have]:
        raise Conflict(f"alerts already attached: {dup}")
    return Edit(attach=[a["id"] for a in alerts],
                entries=[Entry("alert_attached", _alert_data(a)) for a in alerts])


def detach(incident: dict[str, Any], alert_id: int) -> Edit:
    if alert_id not in incident["alert_ids"]:
        raise Conflict(f"alert {alert_id} is not attached to incident {incident['id']}")
    return Edit(detach=[alert_id], entries=[Entry("alert_detached", {"alert_id": alert_id})])


def note(text: str) -> Edit:
    return Edit(entries=[Entry("note", {"text": text})])


def _alert_data(alert: dict[str, Any]) -> dict[str, Any]:
    # What the alert was when attached: the timeline stays readable after the alert is pruned.
    return {"alert_id": alert["id"], "alertname": alert["alertname"], "severity": alert["severity"],
            "labels": alert["labels"]}
