"""Incidents in the dashboard as plain functions: which actions a status allows, tables, timeline
text, the runbooks that fit an incident, and the grouping rule editor's text forms. No Streamlit:
tests call these directly."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
from pydantic import ValidationError

from dashboard.aggregate import Incident as AlertGroup
from dashboard.runbook_forms import matchers_text, parse_matchers
from dashboard.tables import local
from dashboard.units import duration
from shared.grouping import GroupingRule, GroupingRuleIn, RuleMatcher
from shared.incidents import Incident, RunbookRun, TimelineEntry
from shared.matchers import MatcherIn, matches_all
from shared.models import Alert
from shared.runbooks import Runbook

Translate = Callable[..., str]
STATUSES = ("open", "acknowledged", "mitigated", "resolved")
UNRESOLVED = ("open", "acknowledged", "mitigated")
SEVERITIES = ("critical", "warning", "info")
# What pushd allows from each status (pushd.incidents.rules): forward moves may skip, reopen only
# from resolved. Buttons for anything else would only earn a 409.
ACTIONS = {"open": ("ack", "mitigate", "resolve"), "acknowledged": ("mitigate", "resolve"),
           "mitigated": ("resolve",), "resolved": ("reopen",)}


def actions_for(status: str) -> tuple[str, ...]:
    return ACTIONS.get(status, ())


def seconds(value: float | None) -> str:
    """A duration for a card, or a dash until it happened."""
    return "—" if value is None else duration(value)


def changes(incident: Incident, title: str, severity: str, assignee: str) -> dict[str, Any]:
    """The PATCH body of the edit form: only the fields that changed; an empty assignee unassigns."""
    out: dict[str, Any] = {}
    if title.strip() != incident.title:
        out["title"] = title.strip()
    if severity != incident.severity.value:
        out["severity"] = severity
    if (assignee.strip() or None) != incident.assignee:
        out["assignee"] = assignee.strip() or None
    return out


def incidents_frame(items: Iterable[Incident], t: Translate) -> pd.DataFrame:
    columns = [t(k) for k in ("col_id", "col_severity", "inc_col_status", "col_title", "inc_col_assignee",
                              "inc_col_alerts", "col_created", "inc_col_updated")]
    return pd.DataFrame([{
        t("col_id"): i.id, t("col_severity"): t(f"severity_{i.severity.value}"),
        t("inc_col_status"): t(f"inc_status_{i.status.value}"), t("col_title"): i.title,
        t("inc_col_assignee"): i.assignee or "", t("inc_col_alerts"): len(i.alert_ids),
        t("col_created"): local(i.created_at), t("inc_col_updated"): local(i.updated_at),
    } for i in items], columns=columns)


def describe(entry: TimelineEntry, t: Translate) -> str:
    """One line saying what the entry records, in the session's language; an unknown kind shows its data."""
    d: dict[str, Any] = {k: ("—" if v is None else v) for k, v in entry.data.items()}
    kind = entry.kind
    if kind == "status":
        return t("tl_status", **{"from": t(f"inc_status_{d.get('from')}"), "to": t(f"inc_status_{d.get('to')}")})
    if kind in ("title", "severity", "assignee"):
        return t(f"tl_{kind}", **{"from": d.get("from", "—"), "to": d.get("to", "—")})
    if kind == "runbook_step":
        text = t("tl_runbook_step", runbook=d.get("runbook"), step=d.get("step"), title=d.get("title"),
                 state=t(f"step_{d.get('state')}"))
        return f"{text} · {entry.data['note']}" if entry.data.get("note") else text
    if kind == "silence" and {"event", "silence_id"} <= entry.data.keys():
        alerts = ", ".join(f"#{i}" for i in entry.data.get("alert_ids") or [])
        return t("tl_silence", short=str(d.get("silence_id", ""))[:8], event=t(f"tl_silence_{d.get('event')}"),
                 alerts=alerts, comment=d.get("comment", "—"))
    if kind in ("created", "alert_attached", "alert_detached", "alert_resolved", "note", "runbook_started"):
        try:
            return t(f"tl_{kind}", **d)
        except (KeyError, IndexError):  # an entry of an older or newer shape than this dashboard knows
            pass
    return f"{kind}: {entry.data}"


def timeline_frame(timeline: Iterable[TimelineEntry], t: Translate) -> pd.DataFrame:
    """Newest first, as every table of this dashboard is."""
    rows = [{t("time"): local(e.ts), t("col_actor"): e.actor, t("inc_col_event"): describe(e, t)}
            for e in sorted(timeline, key=lambda e: e.seq, reverse=True)]
    return pd.DataFrame(rows, columns=[t("time"), t("col_actor"), t("inc_col_event")])


def runbooks_for(runbooks: Iterable[Runbook], alerts: Iterable[Alert]) -> list[Runbook]:
    """The runbooks whose matchers match at least one of the alerts (a runbook without matchers is
    for no alert, as pushd.runbooks says), in the order given."""
    label_sets = [a.labels for a in alerts]
    out = []
    for book in runbooks:
        matchers = book.compiled()
        if matchers and any(matches_all(matchers, labels) for labels in label_sets):
            out.append(book)
    return out


def progress(run: RunbookRun) -> tuple[int, int]:
    """(steps marked, steps in all)."""
    return sum(s.state != "todo" for s in run.steps), len(run.steps)


def from_alerts(alerts: list[Alert], n: int) -> tuple[str, str]:
    """(title, severity) of an incident opened from `n` alerts chosen in the alert center, of which
    `alerts` are known (on the page shown): the alert names (and the instance, for one alert), the
    worst severity; at most 200 characters, as pushd takes."""
    names = sorted({a.alertname for a in alerts})
    if n == 1 and len(alerts) == 1:
        instance = alerts[0].labels.get("instance")
        title = f"{names[0]} · {instance}" if instance else names[0]
    else:
        title = f"{', '.join(names[:3])}{' …' if len(names) > 3 else ''} ({n})" if names else f"({n})"
    worst = min((a.severity.value for a in alerts), key=SEVERITIES.index, default="warning")
    return title[:200], worst


def group_title(group: AlertGroup) -> str:
    """An incident's title made from a group of open alerts; at most 200 characters, as pushd takes."""
    return group.key[:200]


def parse_group_by(text: str) -> list[str]:
    """Label names separated by commas or spaces."""
    return [name for name in text.replace(",", " ").split() if name]


def build_rule(name: str, matchers: str, group_by: str, window_minutes: float, auto_mitigate: bool) -> GroupingRuleIn:
    """The body pushd gets; ValueError with a readable reason when the form is not one. Matchers are
    one per line as in the runbook editor (`name=value`, `!=`, `=~`, `!~`)."""
    try:
        parsed = [RuleMatcher(name=m.name, value=m.value, isRegex=m.isRegex, isEqual=m.isEqual)
                  for m in parse_matchers(matchers)]
        return GroupingRuleIn(name=name.strip(), matchers=parsed, group_by=parse_group_by(group_by),
                              window_seconds=float(window_minutes) * 60, auto_mitigate=bool(auto_mitigate))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise ValueError(f"{where}: {first['msg']}" if where else first["msg"]) from None


def rule_matchers_text(rule: GroupingRule) -> str:
    """The rule's matchers in the editor's text form (the runbook editor's MatcherIn renders it)."""
    return matchers_text(MatcherIn(name=m.name, value=m.value, isRegex=m.isRegex, isEqual=m.isEqual)
                         for m in rule.matchers)


def rules_frame(rules: Iterable[GroupingRule], t: Translate) -> pd.DataFrame:
    columns = [t(k) for k in ("col_id", "col_name", "col_matchers", "gr_col_group_by", "gr_col_window",
                              "gr_col_auto_mitigate", "col_author")]
    return pd.DataFrame([{
        t("col_id"): r.id, t("col_name"): r.name, t("col_matchers"): rule_matchers_text(r).replace("\n", ", "),
        t("gr_col_group_by"): ", ".join(r.group_by), t("gr_col_window"): duration(r.window_seconds),
        t("gr_col_auto_mitigate"): t("yes") if r.auto_mitigate else t("no"), t("col_author"): r.created_by,
    } for r in rules], columns=columns)
