"""An incident as Markdown, a postmortem draft: summary, alerts, timeline, runbook steps, in zh or en.

Every mark of a runbook step is in the timeline; the runbook steps section shows each run at the
version it followed, with each step's latest state, who marked it, when, and the note. An entry of
a kind this module does not know shows as its kind and data, so nothing recorded is left out.
"""

from __future__ import annotations

from typing import Any

TEXT = {
    "en": {"summary": "Summary", "alerts": "Alerts", "timeline": "Timeline", "status": "Status",
           "severity": "Severity", "assignee": "Assignee", "created": "Created", "by": "by", "none": "none",
           "tta": "Time to acknowledge", "ttr": "Time to resolve", "alert": "Alert", "labels": "Labels",
           "time": "Time", "actor": "Actor", "event": "Event", "incident": "Incident",
           "runs": "Runbook steps", "run": "{title} (runbook #{runbook_id}, version {version}), started by"
           " {started_by} at {started_at}", "step": "Step", "state": "State", "note": "Note",
           "todo": "todo", "done": "done", "skipped": "skipped"},
    "zh": {"summary": "概要", "alerts": "告警", "timeline": "时间线", "status": "状态",
           "severity": "级别", "assignee": "负责人", "created": "创建", "by": "创建者", "none": "无",
           "tta": "确认耗时", "ttr": "解决耗时", "alert": "告警", "labels": "标签",
           "time": "时间", "actor": "操作人", "event": "事件", "incident": "故障",
           "runs": "预案步骤",
           "run": "{title}（预案 #{runbook_id}，版本 {version}），{started_by} 于 {started_at} 启动",
           "step": "步骤", "state": "状态", "note": "备注", "todo": "待执行", "done": "已完成", "skipped": "已跳过"},
}
EVENTS = {
    "en": {"created": "created", "status": "status {from} → {to}", "title": "title → {to}",
           "severity": "severity {from} → {to}", "assignee": "assignee {from} → {to}",
           "alert_attached": "alert #{alert_id} attached ({alertname})", "alert_detached": "alert #{alert_id} detached",
           "alert_resolved": "alert #{alert_id} resolved", "note": "note: {text}",
           "runbook_started": "runbook #{runbook_id} version {version} started: {title}",
           "runbook_step": "runbook “{runbook}” step {step} {state}: {title}",
           "silence": "silence {short} {event} over alerts {alerts}: {comment}"},
    "zh": {"created": "创建", "status": "状态 {from} → {to}", "title": "标题 → {to}",
           "severity": "级别 {from} → {to}", "assignee": "负责人 {from} → {to}",
           "alert_attached": "关联告警 #{alert_id}（{alertname}）", "alert_detached": "移除告警 #{alert_id}",
           "alert_resolved": "告警 #{alert_id} 已解决", "note": "备注：{text}",
           "runbook_started": "启动预案 #{runbook_id}（版本 {version}）：{title}",
           "runbook_step": "预案“{runbook}”步骤 {step} {state}：{title}",
           "silence": "静默 {short} {event}，涉及告警 {alerts}：{comment}"},
}
SILENCE_EVENTS = {"en": {"created": "made", "updated": "changed", "expired": "ended", "activated": "started"},
                  "zh": {"created": "已创建", "updated": "已修改", "expired": "已结束", "activated": "已生效"}}


def silence_fields(data: dict[str, Any], events: dict[str, str]) -> dict[str, Any]:
    """A `silence` entry's data as its line shows it: the id's first 8 characters (amtool's and the
    dashboard's short form), the event in words, the alerts as #ids."""
    return {**data, "short": str(data.get("silence_id", ""))[:8],
            "event": events.get(str(data.get("event")), data.get("event")),
            "alerts": ", ".join(f"#{i}" for i in data.get("alert_ids") or [])}


def _text(value: Any) -> str:
    """Operators' text as text: Markdown renderers pass raw HTML through, so <, > and & become
    entities (shown as themselves); one line, since a line break would end a heading or a cell."""
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", " ").replace("\n", " "))


def _cell(value: Any) -> str:
    # A table cell holds one line; a pipe would end it.
    return _text(str(value).replace("\\", "\\\\").replace("|", "\\|"))


def _duration(seconds: float | None, none: str) -> str:
    if seconds is None:
        return none
    s = int(seconds)
    return f"{s // 3600}h {s % 3600 // 60}m {s % 60}s"


def _event(entry: dict[str, Any], lang: str) -> str:
    template = EVENTS[lang].get(entry["kind"])
    if template is None:
        return f"{entry['kind']}: {entry['data']}"
    data = {k: TEXT[lang]["none"] if v is None else v for k, v in entry["data"].items()}
    if entry["kind"] == "silence":
        data = silence_fields(data, SILENCE_EVENTS[lang])
    if entry["kind"] == "runbook_step":
        data["state"] = TEXT[lang].get(str(data.get("state")), data.get("state"))
        text = template.format_map(data)
        note = entry["data"].get("note")
        return f"{text} ({TEXT[lang]['note']}: {note})" if note else text
    return template.format_map(data)


def _runs(runs: list[dict[str, Any]], lang: str) -> list[str]:
    t = TEXT[lang]
    if not runs:
        return [t["none"]]
    lines: list[str] = []
    for run in runs:
        lines += [f"### {t['run'].format_map({**run, 'title': _cell(run['title'])})}", "",
                  f"| # | {t['step']} | {t['state']} | {t['actor']} | {t['time']} | {t['note']} |",
                  "| --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {s['n']} | {_cell(s['title'])} | {t[s['state']]} | {_cell(s['actor'] or '')} | {s['ts'] or ''}"
                  f" | {_cell(s['note'] or '')} |" for s in run["steps"]]
        lines.append("")
    return lines[:-1]


def render(incident: dict[str, Any], lang: str) -> str:
    """`incident` as IncidentService.detail returns it (ISO times)."""
    t = TEXT[lang]
    lines = [f"# {t['incident']} #{incident['id']}: {_text(incident['title'])}", "", f"## {t['summary']}", "",
             f"- {t['status']}: {incident['status']}", f"- {t['severity']}: {incident['severity']}",
             f"- {t['assignee']}: {_text(incident['assignee'] or t['none'])}",
             f"- {t['created']}: {incident['created_at']} ({t['by']} {incident['created_by']})",
             f"- {t['tta']}: {_duration(incident['tta_seconds'], t['none'])}",
             f"- {t['ttr']}: {_duration(incident['ttr_seconds'], t['none'])}", "", f"## {t['alerts']}", ""]
    if incident["alerts"]:
        lines += [f"| # | {t['alert']} | {t['severity']} | {t['status']} | {t['labels']} |",
                  "| --- | --- | --- | --- | --- |"]
        for a in incident["alerts"]:
            labels = ", ".join(f"{k}={v}" for k, v in sorted(a["labels"].items()))
            lines.append(f"| {a['id']} | {_cell(a['alertname'])} | {a['severity']} | {a['status']} | {_cell(labels)} |")
    else:
        lines.append(t["none"])
    lines += ["", f"## {t['timeline']}", "", f"| {t['time']} | {t['actor']} | {t['event']} |", "| --- | --- | --- |"]
    lines += [f"| {e['ts']} | {_cell(e['actor'])} | {_cell(_event(e, lang))} |" for e in incident["timeline"]]
    lines += ["", f"## {t['runs']}", "", *_runs(incident.get("runs", []), lang)]
    return "\n".join(lines) + "\n"
