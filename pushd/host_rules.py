"""Built-in host rules: a value above its threshold for a duration fires an alert; back below resolves it."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from pushd.store import NewAlert
from shared.fingerprint import fingerprint
from shared.settings import PushdSettings


@dataclass
class Rule:
    alertname: str
    field: str
    threshold: float
    severity: str
    summary: str
    pending_since: float | None = None
    firing: bool = False

    def labels(self, instance: str) -> dict[str, str]:
        return {"alertname": self.alertname, "instance": instance, "severity": self.severity, "source": "pushd"}


def default_rules(s: PushdSettings) -> list[Rule]:
    return [
        Rule("HostHighCpu", "cpu_percent", s.cpu_alert_percent, "warning", "CPU usage"),
        Rule("HostHighMemory", "memory_percent", s.memory_alert_percent, "warning", "Memory usage"),
        Rule("HostDiskFull", "disk_percent", s.disk_alert_percent, "critical", "Disk usage of the data directory"),
    ]


class HostRules:
    """Evaluates the rules on each sample; returns the alerts to send through the normal ingest path."""

    def __init__(self, rules: list[Rule], for_seconds: float, instance: str | None = None) -> None:
        self.rules = rules
        self.for_seconds = for_seconds
        self.instance = instance or socket.gethostname()

    def fingerprints(self) -> dict[str, Rule]:
        return {fingerprint(r.labels(self.instance)): r for r in self.rules}

    def restore(self, statuses: dict[str, str]) -> None:
        """After a restart, rules whose alert is still open in the store are firing."""
        for fp, rule in self.fingerprints().items():
            rule.firing = statuses.get(fp, "resolved") != "resolved"

    def undo(self, alerts: list[NewAlert]) -> None:
        """The alerts `evaluate` returned could not be stored: put the rules back, so the next
        sample sends them again instead of believing they were sent."""
        by_fingerprint = self.fingerprints()
        for a in alerts:
            by_fingerprint[a.fingerprint].firing = a.status != "firing"

    def evaluate(self, sample: dict[str, float]) -> list[NewAlert]:
        out = []
        now = sample["ts"]
        for rule in self.rules:
            value = sample[rule.field]
            if value >= rule.threshold:
                if rule.pending_since is None:
                    rule.pending_since = now
                if not rule.firing and now - rule.pending_since >= self.for_seconds:
                    rule.firing = True
                    out.append(self._alert(rule, value, "firing", rule.pending_since))
            else:
                rule.pending_since = None
                if rule.firing:
                    rule.firing = False
                    out.append(self._alert(rule, value, "resolved", None))
        return out

    def _alert(self, rule: Rule, value: float, status: str, since: float | None) -> NewAlert:
        labels = rule.labels(self.instance)
        verb = "above" if status == "firing" else "back below"
        return NewAlert(
            fingerprint=fingerprint(labels), labels=labels, severity=rule.severity, status=status,
            annotations={
                "summary": f"{rule.summary} on {self.instance} is {value:.1f}%",
                "description": f"{rule.summary} is {verb} {rule.threshold:g}%"
                               + (f" for {self.for_seconds:g}s" if status == "firing" else ""),
                "value": f"{value:.1f}",
            },
            starts_at=since,
        )
