"""Every visible string of the dashboard, in Chinese and English, from one catalogue."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")

# key -> (zh, en). Placeholders use str.format names.
CATALOGUE: dict[str, tuple[str, str]] = {
    # navigation
    "app_title": ("告警与监控", "Alerts & monitoring"),
    "page_overview": ("总览", "Overview"),
    "page_alerts": ("告警中心", "Alert center"),
    "page_incidents": ("故障管理", "Incidents"),
    "page_runbooks": ("预案管理", "Runbooks"),
    "page_metrics": ("监控指标", "Metrics"),
    "page_users": ("用户", "Users"),
    "page_settings": ("系统设置", "Settings"),
    # connection status
    "conn_title": ("pushd 连接", "pushd connection"),
    "conn_ok": ("已连接", "Connected"),
    "conn_down": ("无法连接", "Unreachable"),
    "conn_unknown": ("尚未连接", "Not yet connected"),
    "conn_last_ok": ("最近一次成功刷新：{when}", "Last good refresh: {when}"),
    "conn_never": ("从未成功刷新", "Never refreshed successfully"),
    "conn_subscribers": ("订阅者：{detail}", "Subscribers: {detail}"),
    "offline_banner": (
        "无法连接 pushd（{url}）。下面显示的是最近一次获取的数据（{when}），恢复后会自动刷新。",
        "pushd at {url} cannot be reached. Showing the last data fetched ({when}); the page recovers by itself.",
    ),
    "offline_no_data": ("暂无数据：pushd 尚未成功连接过。", "No data yet: pushd has not been reached."),
    "refresh_paused": ("自动刷新已暂停", "Auto-refresh paused"),
    "refresh_every": ("每 {seconds} 秒自动刷新", "Auto-refresh every {seconds} s"),
    # statuses and severities
    "status_firing": ("告警中", "Firing"),
    "status_acknowledged": ("已确认", "Acknowledged"),
    "status_resolved": ("已恢复", "Resolved"),
    "severity_critical": ("严重", "Critical"),
    "severity_warning": ("警告", "Warning"),
    "severity_info": ("提示", "Info"),
    # metrics
    "cpu": ("CPU 使用率", "CPU usage"),
    "memory": ("内存使用率", "Memory usage"),
    "swap": ("交换分区", "Swap"),
    "disk": ("磁盘使用率", "Disk usage"),
    "load": ("系统负载 (1/5/15 分钟)", "Load (1/5/15 min)"),
    "net_in": ("网络接收", "Network in"),
    "net_out": ("网络发送", "Network out"),
    "cpu_trend": ("CPU 趋势", "CPU trend"),
    "memory_trend": ("内存趋势", "Memory trend"),
    "alert_pie": ("告警状态分布", "Alerts by status"),
    "event_log": ("实时日志", "Live event log"),
    "window": ("时间范围", "Window"),
    "no_samples": ("暂无主机采样数据。", "No host samples yet."),
    "time": ("时间", "Time"),
    # overview
    "latest_firing": ("最新告警（按严重程度）", "Latest firing alerts, most severe first"),
    "no_firing": ("当前没有告警。", "Nothing is firing."),
    "pushd_status": ("pushd 状态", "pushd status"),
    "server_version": ("版本", "Version"),
    "server_host": ("主机", "Host"),
    "server_uptime": ("运行时间", "Uptime"),
    "total_alerts": ("告警总数", "Total alerts"),
    # alert table columns
    "col_id": ("编号", "ID"),
    "col_status": ("状态", "Status"),
    "col_severity": ("级别", "Severity"),
    "col_alertname": ("告警名称", "Alert name"),
    "col_instance": ("实例", "Instance"),
    "col_summary": ("摘要", "Summary"),
    "col_starts_at": ("开始时间", "Started"),
    "col_last_seen": ("最近出现", "Last seen"),
    "col_count": ("次数", "Count"),
    "col_action": ("操作", "Action"),
    "col_actor": ("操作人", "By"),
    "col_comment": ("备注", "Comment"),
    "col_name": ("名称", "Name"),
    "col_value": ("值", "Value"),
    "col_link": ("链接", "Link"),
    # alert center
    "filter_status": ("状态", "Status"),
    "filter_severity": ("级别", "Severity"),
    "filter_label": ("标签过滤 (name=value)", "Label filter (name=value)"),
    "filter_text": ("搜索文本", "Search text"),
    "filter_range": ("时间范围（最近出现）", "Time range (last seen)"),
    "bad_label_filter": ("标签过滤格式应为 name=value：{value}", "A label filter looks like name=value: {value}"),
    "range_all": ("全部", "All time"),
    "range_15": ("最近 15 分钟", "Last 15 min"),
    "range_60": ("最近 1 小时", "Last 1 h"),
    "range_360": ("最近 6 小时", "Last 6 h"),
    "range_1440": ("最近 24 小时", "Last 24 h"),
    "range_10080": ("最近 7 天", "Last 7 days"),
    "page_size": ("每页条数", "Rows per page"),
    "page_no": ("页码", "Page"),
    "matches": ("共 {total} 条，显示第 {first}–{last} 条", "{total} matching, showing {first}–{last}"),
    "no_matches": ("没有符合条件的告警。", "No alert matches the filter."),
    "select_hint": ("在表格中勾选告警，即可批量确认或恢复。",
                    "Tick alerts in the table to acknowledge or resolve them."),
    "operator": ("操作人", "Operator"),
    "comment": ("备注", "Comment"),
    "ack_selected": ("确认所选 ({n})", "Acknowledge selected ({n})"),
    "resolve_selected": ("恢复所选 ({n})", "Resolve selected ({n})"),
    "need_operator": ("请先填写操作人。", "Enter the operator's name first."),
    "action_done": ("{action}：{ok} 条成功。", "{action}: {ok} done."),
    "action_refused": ("告警 {id}：{detail}", "Alert {id}: {detail}"),
    "action_ack": ("确认", "Acknowledge"),
    "action_created": ("创建", "created"),
    "action_reopened": ("重新触发", "reopened"),
    "action_acknowledged": ("已确认", "acknowledged"),
    "action_resolved": ("已恢复", "resolved"),
    "action_expired": ("超时恢复", "expired"),
    "action_resolve": ("恢复", "Resolve"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "detail": ("告警详情", "Alert detail"),
    "detail_pick": ("查看告警", "Show alert"),
    "labels": ("标签", "Labels"),
    "annotations": ("注解", "Annotations"),
    "history": ("状态历史", "State history"),
    "alert_gone": ("告警 {id} 不存在。", "Alert {id} does not exist."),
    # incidents
    "group_by": ("分组方式", "Group by"),
    "group_alertname": ("告警名称", "Alert name"),
    "group_instance": ("实例", "Instance"),
    "group_both": ("告警名称 + 实例", "Alert name + instance"),
    "col_group": ("分组", "Group"),
    "col_open": ("未恢复", "Open"),
    "col_worst": ("最高级别", "Worst severity"),
    "col_first": ("最早开始", "First started"),
    "col_ids": ("告警编号", "Alert IDs"),
    "incidents_caption": (
        "未恢复（告警中或已确认）的告警，按所选方式分组；数据取自最近的 {n} 条。",
        "Open (firing or acknowledged) alerts grouped as chosen, from the {n} most recent.",
    ),
    "truncated": ("共有 {total} 条，只统计了最近的 {n} 条。", "{total} match; only the {n} most recent are counted."),
    "no_incidents": ("没有未恢复的告警。", "No open alerts."),
    # runbooks
    "include_resolved": ("包含已恢复告警", "Include resolved alerts"),
    "runbooks_caption": (
        "告警注解中的 runbook_url，按链接汇总。",
        "The runbook_url annotations of alerts, one row per link.",
    ),
    "col_runbook": ("预案链接", "Runbook"),
    "col_alertnames": ("相关告警", "Alerts"),
    "no_runbooks": ("这些告警都没有 runbook_url 注解。", "None of these alerts has a runbook_url annotation."),
    # users
    "users_caption": (
        "所有改变过告警状态的人（操作员）和来源（如 alertmanager），次数由 pushd 统计。选择一位即可查看其操作记录。",
        "Everyone who changed an alert's state: operators, and senders such as alertmanager, as pushd counts them."
        " Pick one to see their actions.",
    ),
    "col_user": ("用户", "User"),
    "col_kind": ("类型", "Kind"),
    "kind_operator": ("操作员", "Operator"),
    "kind_system": ("系统", "System"),
    "col_actions": ("操作总数", "Actions"),
    "col_acks": ("确认次数", "Acknowledged"),
    "col_resolves": ("恢复次数", "Resolved"),
    "col_last_action": ("最近操作", "Last action"),
    "no_users": ("还没有告警改变过状态。", "No alert has changed state yet."),
    "user_actions": ("操作记录", "Recent actions"),
    "user_pick": ("查看用户", "Show user"),
    "user_pick_hint": ("选择一位用户，查看其最近的操作（最新的在前）。",
                       "Pick a user to see their recent actions, newest first."),
    "user_no_actions": ("该用户没有操作记录。", "This user has no recorded actions."),
    # settings
    "refresh_seconds": ("刷新间隔（秒）", "Refresh interval (s)"),
    "pause": ("暂停自动刷新", "Pause auto-refresh"),
    "pushd_url": ("pushd 地址", "pushd URL"),
    "theme": ("主题", "Theme"),
    "theme_light": ("浅色", "Light"),
    "theme_dark": ("深色", "Dark"),
    "language": ("语言", "Language"),
    "lang_zh": ("中文", "中文"),
    "lang_en": ("English", "English"),
    "settings_caption": ("设置只对当前浏览器会话生效。", "Settings apply to this browser session only."),
    "bad_url": ("地址必须以 http:// 或 https:// 开头。", "The URL must start with http:// or https://."),
}


def translate(key: str, lang: Lang, **kw: object) -> str:
    """The catalogue entry for `key` in `lang`; an unknown key shows itself, so a gap is visible, not fatal."""
    pair = CATALOGUE.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**kw) if kw else text
