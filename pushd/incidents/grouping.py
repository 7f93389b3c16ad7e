"""Grouping rules at work: an AlertService observer that opens or joins incidents per group.

A group is a rule and the values of its `group_by` labels in the alert (a missing label is the
empty string, as matchers see it). A firing alert (created or reopened) that a rule matches joins
the group's newest unresolved incident opened within `window_seconds`, or opens one (actor
`rule:<name>`). Rules are read once and cached until the API changes them. One lock serialises
grouping, so two writes of the same group cannot both open an incident.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

import orjson

from pushd.incidents.service import IncidentService
from pushd.store import AlertStore, Change, Conflict
from shared.matchers import Matcher, matches_all

FIRING = ("created", "reopened")


@dataclass(frozen=True)
class Rule:
    row: dict[str, Any]
    matchers: list[Matcher]

    @property
    def actor(self) -> str:
        return f"rule:{self.row['name']}"

    def group(self, labels: dict[str, str]) -> tuple[str, str]:
        """(group key, incident title) of an alert's labels."""
        values = [labels.get(n, "") for n in self.row["group_by"]]
        key = f"{self.row['id']}:{orjson.dumps(values).decode()}"
        shown = ", ".join(f"{n}={v}" for n, v in zip(self.row["group_by"], values, strict=True))
        return key, f"{self.row['name']}: {shown}" if shown else self.row["name"]


def rule_id_of(group_key: str | None) -> int | None:
    return int(group_key.partition(":")[0]) if group_key else None


class Grouping:
    def __init__(self, store: AlertStore, incidents: IncidentService) -> None:
        self.store = store
        self.incidents = incidents
        self._rules: list[Rule] | None = None
        self._lock = asyncio.Lock()

    def forget(self) -> None:
        """Called after every rule change: the next alert reads the rules again."""
        self._rules = None

    async def rules(self) -> list[Rule]:
        if self._rules is None:
            rows = await self.store.grouping_rules.list()
            self._rules = [Rule(r, [Matcher(m["name"], m["value"], m["isRegex"], m.get("isEqual", True))
                                    for m in r["matchers"]]) for r in rows]
        return self._rules

    async def on_alert_changes(self, changes: list[Change]) -> None:
        rules = await self.rules()
        if not rules:
            return  # off until a rule is made
        async with self._lock:
            now = time.time()
            for c in changes:
                if c.event in FIRING:
                    for rule in rules:
                        if matches_all(rule.matchers, c.alert["labels"]):
                            await self._join(rule, c.alert, now)
            resolved = [c.alert["id"] for c in changes if c.event == "resolved"]
            if resolved and any(r.row["auto_mitigate"] for r in rules):
                await self._mitigate(resolved, {r.row["id"]: r for r in rules})

    async def _join(self, rule: Rule, alert: dict[str, Any], now: float) -> None:
        key, title = rule.group(alert["labels"])
        incident_id = await self.store.incidents.open_in_group(key, now - rule.row["window_seconds"])
        if incident_id is None:
            await self.incidents.create(title, alert["severity"], None, [alert["id"]], rule.actor, group_key=key)
            return
        incident = await self.store.incidents.get(incident_id)
        if incident is not None and alert["id"] not in incident["alert_ids"]:  # a reopened alert is there already
            await self.incidents.attach(incident_id, [alert["id"]], rule.actor)

    async def _mitigate(self, resolved: list[int], by_id: dict[int, Rule]) -> None:
        for incident_id in await self.store.incidents.containing(resolved):
            incident = await self.store.incidents.get(incident_id)
            rule = by_id.get(rule_id_of(incident["group_key"]) or 0) if incident else None
            if incident is None or rule is None or not rule.row["auto_mitigate"]:
                continue
            if incident["status"] not in ("open", "acknowledged"):
                continue
            alerts = [await self.store.get_alert(a) for a in incident["alert_ids"]]
            if all(a is None or a["status"] == "resolved" for a in alerts):
                # Someone may have moved it meanwhile: their move stands, and the alert write succeeds.
                with contextlib.suppress(Conflict):
                    await self.incidents.act(incident_id, "mitigate", rule.actor)
