"""shared/client.py's incident and grouping rule methods against a real pushd."""

from __future__ import annotations

import pytest

from shared.client import PushdClient, PushdError
from shared.grouping import GroupingRuleIn, RuleMatcher
from shared.models import AlertIn


def test_incident_lifecycle_through_the_client(pushd: PushdClient) -> None:
    changed = pushd.post_alerts([AlertIn(labels={"alertname": "One"}), AlertIn(labels={"alertname": "Two"})])["changed"]
    one, two = (c["id"] for c in changed)
    inc = pushd.create_incident("outage", severity="critical", alert_ids=[one])
    assert (inc.status.value, inc.alert_ids, [a.id for a in inc.alerts]) == ("open", [one], [one])
    assert pushd.update_incident(inc.id, title="big outage").title == "big outage"
    assert pushd.attach_alerts(inc.id, [two]).alert_ids == [one, two]
    assert pushd.detach_alert(inc.id, one).alert_ids == [two]
    note = pushd.add_note(inc.id, "looking")
    assert (note.kind, note.actor, note.data) == ("note", "token:admin", {"text": "looking"})
    assert pushd.incident_action(inc.id, "resolve").status.value == "resolved"
    with pytest.raises(PushdError) as refused:
        pushd.incident_action(inc.id, "ack")
    assert refused.value.status == 409
    after = pushd.incident_timeline(inc.id, after=note.seq)
    assert [(e.seq, e.kind) for e in after] == [(note.seq + 1, "status")]
    page = pushd.list_incidents(status=["resolved"])
    assert (page.total, [i.id for i in page.items]) == (1, [inc.id])
    stats = pushd.incident_stats()
    assert (stats.counts["resolved"], stats.resolved) == (1, 1)
    assert pushd.export_incident(inc.id, "zh").startswith(f"# 故障 #{inc.id}: big outage\n")


def test_grouping_rules_through_the_client(pushd: PushdClient) -> None:
    rule = pushd.create_grouping_rule(GroupingRuleIn(
        name="web", matchers=[RuleMatcher(name="job", value="web", isRegex=False)], group_by=["job"]))
    assert [r.name for r in pushd.grouping_rules()] == ["web"]
    pushd.post_alerts([AlertIn(labels={"alertname": "Down", "job": "web"})])
    [inc] = pushd.list_incidents().items
    assert (inc.title, inc.created_by) == ("web: job=web", "rule:web")
    pushd.delete_grouping_rule(rule.id)
    assert pushd.grouping_rules() == []
