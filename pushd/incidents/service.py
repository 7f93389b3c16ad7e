"""Every incident write goes through here: apply a rule from pushd.incidents.rules in the store's
transaction, then push each new timeline entry at once as an `incident_event` (docs/push.md)."""

from __future__ import annotations

import time
from typing import Any

from pushd.hub import Hub
from pushd.incidents import metrics, rules, runs
from pushd.incidents.rules import STATUSES
from pushd.store import AlertStore, Change, NotFound, iso
from pushd.store.incidents import Edit, Editor, Entry, IncidentQuery

CHANNEL = "incidents"
# An actor for entries that follow from an alert's own change, not from a person's request.
PUSHD = "pushd"


def wire_incident(incident: dict[str, Any]) -> dict[str, Any]:
    """An incident as clients see it: times as ISO 8601; the group key is internal."""
    out = {k: v for k, v in incident.items() if k != "group_key"}
    return {**out, "created_at": iso(incident["created_at"]), "updated_at": iso(incident["updated_at"])}


def wire_entry(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "ts": iso(entry["ts"])}


def wire_run(run: dict[str, Any]) -> dict[str, Any]:
    """A runbook run as clients see it: times as ISO 8601."""
    return {**run, "started_at": iso(run["started_at"]), "steps": [{**s, "ts": iso(s["ts"])} for s in run["steps"]]}


class IncidentService:
    def __init__(self, store: AlertStore, hub: Hub) -> None:
        self.store = store
        self.hub = hub

    async def create(self, title: str, severity: str, assignee: str | None, alert_ids: list[int], actor: str,
                     group_key: str | None = None) -> dict[str, Any]:
        """Open an incident; its first entry is `created`, then one `alert_attached` per alert.
        Raises NotFound for an unknown alert (nothing is created then)."""
        alerts = await self._alerts(alert_ids)

        def edit_of(incident_id: int) -> Edit:
            created = Entry("created", {"title": title, "severity": severity, "assignee": assignee})
            edit = rules.attach({"id": incident_id, "alert_ids": []}, alerts)
            return Edit(attach=edit.attach, entries=[created, *edit.entries])
        incident, entries = await self.store.incidents.create(
            {"title": title, "severity": severity, "assignee": assignee, "group_key": group_key},
            edit_of, actor, time.time())
        self._publish(incident, entries)
        return incident

    async def update(self, incident_id: int, changes: dict[str, Any], actor: str) -> dict[str, Any]:
        return await self._apply(incident_id, lambda inc: rules.update(inc, changes), actor)

    async def act(self, incident_id: int, action: str, actor: str) -> dict[str, Any]:
        return await self._apply(incident_id, lambda inc: rules.transition(inc, action), actor)

    async def attach(self, incident_id: int, alert_ids: list[int], actor: str) -> dict[str, Any]:
        alerts = await self._alerts(alert_ids)
        return await self._apply(incident_id, lambda inc: rules.attach(inc, alerts), actor)

    async def detach(self, incident_id: int, alert_id: int, actor: str) -> dict[str, Any]:
        return await self._apply(incident_id, lambda inc: rules.detach(inc, alert_id), actor)

    async def note(self, incident_id: int, text: str, actor: str) -> dict[str, Any]:
        """The note's timeline entry (times as epoch seconds)."""
        incident, entries = await self.store.incidents.apply(incident_id, lambda inc: rules.note(text), actor,
                                                             time.time())
        self._publish(incident, entries)
        return entries[0]

    async def start_run(self, incident_id: int, runbook_id: int, actor: str) -> dict[str, Any]:
        """Follow the runbook's current version for the incident; the run (epoch times). NotFound for
        an unknown incident or a runbook that does not exist or was deleted; Conflict when resolved."""
        runbook = await self.store.runbooks.get(runbook_id)
        if runbook is None or runbook["deleted_at"] is not None:
            raise NotFound(f"no runbook with id {runbook_id}")
        incident, run, entries = await self.store.runbook_runs.start(
            incident_id, runbook_id, runbook["version"], lambda inc, run_id: runs.start(inc, runbook, run_id),
            actor, time.time())
        self._publish(incident, entries)
        return run

    async def mark_step(self, incident_id: int, run_id: int, n: int, state: str, note: str | None,
                        actor: str) -> dict[str, Any]:
        """Step `n` (from 1) of a run is done or skipped; the run after it (epoch times)."""
        incident, run, entries = await self.store.runbook_runs.mark(
            incident_id, run_id, n, state, note, lambda inc, r: runs.mark(inc, r, n, state, note), actor, time.time())
        self._publish(incident, entries)
        return run

    async def on_alert_changes(self, changes: list[Change]) -> None:
        """AlertService observer: an attached alert that resolves is an entry in each unresolved
        incident holding it."""
        resolved = [c.alert["id"] for c in changes if c.event == "resolved"]
        if not resolved:
            return
        for incident_id, alert_ids in (await self.store.incidents.containing(resolved)).items():
            entries = [Entry("alert_resolved", {"alert_id": a}) for a in alert_ids]
            await self._apply(incident_id, lambda inc, es=entries: Edit(entries=es), PUSHD)

    async def on_silence(self, event: str, silence: Any, alert_ids: list[int], actor: str) -> None:
        """SilenceService observer: a silence made, changed or ended over alerts an unresolved incident
        holds is an entry in that incident's timeline, by whoever did it."""
        if not alert_ids:
            return
        for incident_id, held in (await self.store.incidents.containing(alert_ids)).items():
            entry = Entry("silence", {"event": event, "silence_id": silence.id, "alert_ids": held,
                                      "comment": silence.comment})
            await self._apply(incident_id, lambda inc, e=entry: Edit(entries=[e]), actor)

    async def detail(self, incident_id: int) -> dict[str, Any]:
        """The incident with its alerts (as they are now; pruned ones are absent), timeline and durations."""
        incident = await self.store.incidents.get(incident_id)
        if incident is None:
            raise NotFound(f"no incident {incident_id}")
        timeline = await self.store.incidents.timeline(incident_id)
        alerts = [a for a in [await self.store.get_alert(i) for i in incident["alert_ids"]] if a is not None]
        for a in alerts:
            a.pop("history", None)
        return {**wire_incident(incident), "alerts": alerts, "timeline": [wire_entry(e) for e in timeline],
                "runs": [wire_run(r) for r in await self.store.runbook_runs.list(incident_id)],
                **self.durations(timeline)}

    @staticmethod
    def durations(timeline: list[dict[str, Any]]) -> dict[str, float | None]:
        d = metrics.durations([e for e in timeline if e["kind"] in ("created", "status")])
        return {"tta_seconds": d["tta"], "ttr_seconds": d["ttr"]}

    async def list(self, query: IncidentQuery) -> tuple[list[dict[str, Any]], int]:
        items, total = await self.store.incidents.list(query)
        return [wire_incident(i) for i in items], total

    async def stats(self) -> dict[str, Any]:
        """Counts by status, MTTA and MTTR (the overview's numbers)."""
        counts = dict.fromkeys(STATUSES, 0) | await self.store.incidents.counts()
        return {"counts": counts, **metrics.averages(await self.store.incidents.status_entries())}

    async def update_data(self, open_limit: int = 50) -> dict[str, Any]:
        """The `incidents_update` data: counts by status and the newest unresolved incidents."""
        query = IncidentQuery(statuses=[s for s in STATUSES if s != "resolved"], severities=[], assignee=None,
                              limit=open_limit, offset=0)
        items, _ = await self.list(query)
        return {**await self.stats(), "open": items}

    async def _alerts(self, alert_ids: list[int]) -> list[dict[str, Any]]:
        out = []
        for alert_id in dict.fromkeys(alert_ids):  # once each, in the order given
            alert = await self.store.get_alert(alert_id)
            if alert is None:
                raise NotFound(f"no alert {alert_id}")
            out.append(alert)
        return out

    async def _apply(self, incident_id: int, editor: Editor, actor: str) -> dict[str, Any]:
        incident, entries = await self.store.incidents.apply(incident_id, editor, actor, time.time())
        self._publish(incident, entries)
        return incident

    def _publish(self, incident: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        if not entries or not self.hub.count(CHANNEL):
            return
        wired = wire_incident(incident)
        for e in entries:
            self.hub.publish(CHANNEL, "incident_event", {"entry": wire_entry(e), "incident": wired})
