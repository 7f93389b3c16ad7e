"""An incident as Markdown, a postmortem draft: summary, alerts, timeline, in zh or en.

Runbook steps are `runbook_step` timeline entries once runs exist; until then they show as any
other entry of an unknown kind (kind and data), so nothing recorded is left out.
"""

from __future__ import annotations

from typing import Any

TEXT = {
    "en": {"summary": "Summary", "alerts": "Alerts", "timeline": "Timeline", "status": "Status",
           "severity": "Severity", "assignee": "Assignee", "created": "Created", "by": "by", "none": "none",
           "tta": "Time to acknowledge", "ttr": "Time to resolve", "alert": "Alert", "labels": "Labels",
           "time": "Time", "actor": "Actor", "event": "Event", "incident": "Incident"},
    "zh": {"summary": "概要", "alerts": "告警", "timeline": "时间线", "status": "状态",
           "severity": "级别", "assignee": "负责人", "created": "创建", "by": "创建者", "none": "无",
           "tta": "确认耗时", "ttr": "解决耗时", "alert": "告警", "labels": "标签",
           "time": "时间", "actor": "操作人", "event": "事件", "incident": "故障"},
}
EVENTS = {
    "en": {"created": "created", "status": "status {from} → {to}", "title": "title → {to}",
           "severity": "severity {from} → {to}", "assignee": "assignee {from} → {to}",
           "alert_attached": "alert #{alert_id} attached ({alertname})", "alert_detached": "alert #{alert_id} detached",
           "alert_resolved": "alert #{alert_id} resolved", "note": "note: {text}"},
    "zh": {"created": "创建", "status": "状态 {from} → {to}", "title": "标题 → {to}",
           "severity": "级别 {from} → {to}", "assignee": "负责人 {from} → {to}",
           "alert_attached": "关联告警 #{alert_id}（{alertname}）", "alert_detached": "移除告警 #{alert_id}",
           "alert_resolved": "告警 #{alert_id} 已解决", "note": "备注：{text}"},
}


def _cell(value: Any) -> str:
    # A table cell holds one line; a pipe would end it.
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _duration(seconds: float | None, none: str) -> str:
    if seconds is None:
        return none
    s = int(seconds)
    return f"{s // 3600}h {s % 3600 // 60}m {s % 60}s"


def _event(entry: dict[str, Any], lang: str) -> str:
    template = EVENTS[lang].get(entry["kind"])
    if template is None:
        return f"{entry['kind']}: {entry['data']}"
    return template.format_map({k: TEXT[lang]["none"] if v is None else v for k, v in entry["data"].items()})


def render(incident: dict[str, Any], lang: str) -> str:
    """`incident` as IncidentService.detail returns it (ISO times)."""
    t = TEXT[lang]
    lines = [f"# {t['incident']} #{incident['id']}: {incident['title']}", "", f"## {t['summary']}", "",
             f"- {t['status']}: {incident['status']}", f"- {t['severity']}: {incident['severity']}",
             f"- {t['assignee']}: {incident['assignee'] or t['none']}",
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
    return "\n".join(lines) + "\n"
